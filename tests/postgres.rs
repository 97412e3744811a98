//! `--postgres` against a real PostgreSQL server: the same rows as SQLite, idempotent re-runs,
//! SIGKILL + `--resume`, and the errors for a refused connection and a foreign schema.
//!
//! The server is the one `TRIPLEX_TEST_POSTGRES_URL` names (`.ci/run` starts one with
//! `scripts/pg_test_server.sh`); each test works in a database of its own.

mod common;

use common::{corpus_inputs, kill_when, long_corpus, ok, records, s, usage_error};
use postgres::types::Type;
use postgres::{Client, NoTls};
use serde_json::{Map, Value, json};
use std::collections::BTreeSet;

/// The test server's URL. No server fails the test, unless `TRIPLEX_ALLOW_MISSING_POSTGRES=1`
/// says this machine has none (then the test says so and stops); in CI (`CI=true`) never.
fn server() -> Option<String> {
    let url = std::env::var("TRIPLEX_TEST_POSTGRES_URL").ok().filter(|u| !u.is_empty());
    let reason = match &url {
        None => "TRIPLEX_TEST_POSTGRES_URL is not set".to_string(),
        Some(u) => match Client::connect(u, NoTls) {
            Ok(_) => return url,
            Err(e) => format!("cannot connect to {u}: {e}: {}", std::error::Error::source(&e).map_or(String::new(), ToString::to_string)),
        },
    };
    let in_ci = std::env::var("CI").is_ok_and(|v| v == "true");
    if std::env::var("TRIPLEX_ALLOW_MISSING_POSTGRES").is_ok_and(|v| v == "1") && !in_ci {
        eprintln!("skipped: no PostgreSQL server ({reason}; TRIPLEX_ALLOW_MISSING_POSTGRES=1)");
        return None;
    }
    panic!(
        "no PostgreSQL server: {reason}. Start one with `scripts/pg_test_server.sh start /tmp/triplex-pg 54329` and set \
         TRIPLEX_TEST_POSTGRES_URL to the URL it prints, or set TRIPLEX_ALLOW_MISSING_POSTGRES=1 to run the suite without it"
    );
}

/// `url` with its database name replaced (URL or `key=value` form).
fn with_dbname(url: &str, db: &str) -> String {
    for scheme in ["postgresql://", "postgres://"] {
        if let Some(rest) = url.strip_prefix(scheme) {
            let (base, query) = rest.split_once('?').map_or((rest, None), |(b, q)| (b, Some(q)));
            let authority = base.split_once('/').map_or(base, |(a, _)| a);
            return format!("{scheme}{authority}/{db}{}", query.map_or(String::new(), |q| format!("?{q}")));
        }
    }
    format!("{url} dbname={db}")
}

/// A new, empty database on the server (dropped again when this goes out of scope).
struct TestDb {
    admin: String,
    name: String,
    url: String,
}

impl TestDb {
    fn new(admin: &str, what: &str) -> Self {
        let name = format!("triplex_test_{what}_{}", std::process::id());
        let mut c = Client::connect(admin, NoTls).unwrap();
        c.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).unwrap();
        c.batch_execute(&format!("CREATE DATABASE {name}")).unwrap();
        TestDb { admin: admin.to_string(), url: with_dbname(admin, &name), name }
    }

    fn client(&self) -> Client {
        Client::connect(&self.url, NoTls).unwrap()
    }

    /// Every row of a table as JSON objects keyed by column, sorted, without `processed_at`;
    /// booleans as 0/1 and `meta` parsed, as [`common::sqlite_table`] gives SQLite's.
    fn dump(&self, table: &str) -> Vec<Value> {
        let mut rows: Vec<Value> = self
            .client()
            .query(&format!("SELECT * FROM {table}"), &[])
            .unwrap()
            .iter()
            .map(|r| {
                let mut m = Map::new();
                for (i, c) in r.columns().iter().enumerate() {
                    let v = match *c.type_() {
                        Type::TEXT => json!(r.get::<_, Option<String>>(i)),
                        Type::INT8 => json!(r.get::<_, Option<i64>>(i)),
                        Type::FLOAT8 => json!(r.get::<_, Option<f64>>(i)),
                        Type::BOOL => json!(r.get::<_, Option<bool>>(i).map(i64::from)),
                        Type::JSONB => r.get::<_, Value>(i),
                        Type::TIMESTAMPTZ => continue,
                        ref t => panic!("column {} of {table} has type {t}", c.name()),
                    };
                    m.insert(c.name().to_string(), v);
                }
                Value::Object(m)
            })
            .collect();
        rows.sort_by_key(|v| v.to_string());
        rows
    }

    fn tables(&self) -> [Vec<Value>; 3] {
        ["documents", "entities", "triples"].map(|t| self.dump(t))
    }

    fn count(&self, table: &str) -> i64 {
        self.client().query_one(&format!("SELECT count(*) FROM {table}"), &[]).unwrap().get(0)
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Ok(mut c) = Client::connect(&self.admin, NoTls) {
            let _ = c.batch_execute(&format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name));
        }
    }
}

#[test]
fn postgres_holds_what_sqlite_holds_and_reruns_are_idempotent() {
    let Some(server) = server() else { return };
    let db = TestDb::new(&server, "corpus");
    let d = tempfile::tempdir().unwrap();
    let inputs = corpus_inputs(d.path());
    let (out, lite) = (d.path().join("out.jsonl"), d.path().join("out.db"));
    let mut args = vec!["-o", s(&out), "--sqlite", s(&lite), "--postgres", &db.url];
    args.extend(inputs.iter().map(|p| s(p)));
    ok(&args);

    // Row for row what SQLite holds: one document per id (the repeated id keeps its first), every entity and triple.
    let recs = records(&out);
    assert_eq!(recs.len(), 25 + 5);
    let ids: BTreeSet<&str> = recs.iter().map(|r| r.id.as_str()).collect();
    let tables = db.tables();
    for (t, rows) in ["documents", "entities", "triples"].iter().zip(&tables) {
        assert_eq!(*rows, common::sqlite_table(&lite, t, &["meta"]), "table {t}");
    }
    assert_eq!(tables[0].len(), ids.len());
    assert_eq!(tables[1].len(), recs.iter().map(|r| r.entities.len()).sum::<usize>());
    assert_eq!(tables[2].len(), recs.iter().map(|r| r.triples.len()).sum::<usize>());
    assert!(tables[2].len() > 50, "the corpus gives triples: {}", tables[2].len());
    let extra = tables[0].iter().find(|r| r["id"] == "extra-1").unwrap();
    assert_eq!((&extra["title"], &extra["date"], &extra["status"]), (&json!("Gao"), &json!("20240101"), &json!("ok")));
    assert_eq!(extra["meta"], json!({"title": "Gao", "date": 20240101, "url": "https://example.org/gao"}));

    // Again into the same database (PostgreSQL only, records to stdout, one document per
    // transaction, so the repeated id meets its first document in the database): the same rows.
    let mut args = vec!["-o", "-", "--postgres", &db.url, "--chunk-docs", "1"];
    args.extend(inputs.iter().map(|p| s(p)));
    let again = ok(&args);
    assert_eq!(again.stdout, std::fs::read(&out).unwrap());
    assert_eq!(db.tables(), tables);
    // --postgres alone writes nothing to stdout, and --resume then has nothing left to do.
    let mut args = vec!["--postgres", &db.url, "--resume"];
    args.extend(inputs.iter().map(|p| s(p)));
    assert!(ok(&args).stdout.is_empty());
    assert_eq!(db.tables(), tables);
    let version: i32 = db.client().query_one("SELECT version FROM triplex_schema", &[]).unwrap().get(0);
    assert_eq!(version, triplex_sinks::SCHEMA_VERSION);
}

#[test]
fn killed_postgres_load_resumes_to_the_uninterrupted_tables() {
    let Some(server) = server() else { return };
    let (full, part) = (TestDb::new(&server, "full"), TestDb::new(&server, "part"));
    let d = tempfile::tempdir().unwrap();
    let input = long_corpus(d.path());
    let input = s(&input);
    let total = 204;
    ok(&["--postgres", &full.url, "--chunk-docs", "4", input]);
    assert_eq!(full.count("documents"), total);

    // Killed twice, the second time while resuming, then resumed to the end.
    let args = ["--postgres", &part.url, "--chunk-docs", "4", "--resume", input];
    let mut watch = part.client();
    let mut loaded = || watch.query_one("SELECT count(*) FROM documents", &[]).map_or(0, |r| r.get::<_, i64>(0));
    kill_when(&args, || loaded() >= 8);
    let first = loaded();
    assert!(first < total, "killed after {first} documents");
    kill_when(&args, || loaded() >= first + 40);
    let second = loaded();
    assert!(second < total, "killed after {second} documents");
    ok(&args);
    assert_eq!(part.tables(), full.tables());
}

#[test]
fn refused_connection_is_a_usage_error() {
    // A port nothing listens on: bound, then released.
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let d = tempfile::tempdir().unwrap();
    let input = d.path().join("a.txt");
    std::fs::write(&input, "The army left Gao.").unwrap();
    let url = format!("postgresql://triplex:secret@127.0.0.1:{port}/feed");
    let err = usage_error(&["--postgres", &url, s(&input)]);
    assert!(err.contains(&format!("cannot connect to PostgreSQL at 127.0.0.1:{port}/feed")), "{err}");
    assert!(err.to_lowercase().contains("refused"), "{err}");
    assert!(!err.contains("secret"), "the password is not shown: {err}");
    assert_eq!(err.trim_end().lines().count(), 1, "one line: {err}");
    let err = usage_error(&["--postgres", "postgresql://127.0.0.1:notaport/x", s(&input)]);
    assert!(err.contains("not a PostgreSQL connection URL"), "{err}");
}

#[test]
fn foreign_and_older_schemas_are_refused() {
    let Some(server) = server() else { return };
    let d = tempfile::tempdir().unwrap();
    let input = d.path().join("a.txt");
    std::fs::write(&input, "The army left Gao.").unwrap();

    // Someone else's `documents` table: left as it was.
    let foreign = TestDb::new(&server, "foreign");
    foreign.client().batch_execute("CREATE TABLE documents (id integer PRIMARY KEY, body text); INSERT INTO documents VALUES (1, 'theirs')").unwrap();
    let err = usage_error(&["--postgres", &foreign.url, s(&input)]);
    assert!(err.contains("that triplex did not create"), "{err}");
    assert_eq!(foreign.count("documents"), 1);
    let tables: i64 = foreign.client().query_one("SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'", &[]).unwrap().get(0);
    assert_eq!(tables, 1, "nothing created beside it");

    // A database of an older triplex schema version.
    let older = TestDb::new(&server, "older");
    ok(&["--postgres", &older.url, s(&input)]);
    older.client().batch_execute("UPDATE triplex_schema SET version = 1").unwrap();
    let err = usage_error(&["--postgres", &older.url, s(&input)]);
    assert!(err.contains("schema version 1 was written by an older triplex"), "{err}");

    // Triplex's tables with a column gone.
    let altered = TestDb::new(&server, "altered");
    ok(&["--postgres", &altered.url, s(&input)]);
    altered.client().batch_execute("ALTER TABLE triples DROP COLUMN action_nominal").unwrap();
    let err = usage_error(&["--postgres", &altered.url, s(&input)]);
    assert!(err.contains("table triples lacks the columns [\"action_nominal\"]"), "{err}");

    // --emit describes the --output file, not the tables.
    usage_error(&["--postgres", &altered.url, "--emit", "triples", s(&input)]);
}
