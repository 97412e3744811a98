//! A PostgreSQL feed database: the tables, keys and indexes of the SQLite one (`documents`,
//! `entities`, `triples`), loaded with binary `COPY`, one transaction per chunk.
//!
//! A chunk's transaction first deletes the rows of the documents it holds (the cascade takes their
//! entities and triples), then copies the new rows in, so a document written again replaces its
//! earlier rows: re-running is idempotent, and a chunk a kill interrupted is rolled back by the server.

use anyhow::{Context, Result, bail};
use postgres::binary_copy::BinaryCopyInWriter;
use postgres::types::Type;
use postgres::{Client, Config, NoTls, Transaction};
use std::collections::HashSet;
use std::time::Duration;
use triplex_core::reader::kind::DUPLICATE_ID;
use triplex_core::record::{Record, Status};
use triplex_core::sink::{ENTITY_COLUMNS, EntityRow, Held, Sink, TRIPLE_COLUMNS, TripleRow, meta_text};

/// Version of the tables' layout, kept in `triplex_schema`; the columns of the SQLite database's
/// `user_version` 3 (2: nullable actors, `action_nominal`; 3: actor and geo columns). SQLite's
/// `actors` and `places` tables and `events` view are not built here yet.
pub const SCHEMA_VERSION: i32 = 3;

const SCHEMA: &str = "
CREATE TABLE triplex_schema (
    version     INTEGER NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE TABLE documents (
    id              TEXT PRIMARY KEY,
    status          TEXT NOT NULL CHECK (status IN ('ok', 'error')),
    error_kind      TEXT,
    error_message   TEXT,
    title           TEXT,
    date            TEXT,
    url             TEXT,
    meta            JSONB NOT NULL,
    chars           BIGINT,
    entity_count    BIGINT NOT NULL,
    triple_count    BIGINT NOT NULL,
    model_name      TEXT NOT NULL,
    triplex_version TEXT NOT NULL,
    processed_at    TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE TABLE entities (
    doc_id     TEXT NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
    position   BIGINT NOT NULL,
    text       TEXT NOT NULL,
    label      TEXT NOT NULL,
    start_char BIGINT NOT NULL,
    end_char   BIGINT NOT NULL,
    score      DOUBLE PRECISION,
    actor_id      TEXT,
    geonameid     BIGINT,
    geo_name      TEXT,
    country_code  TEXT,
    admin1        TEXT,
    latitude      DOUBLE PRECISION,
    longitude     DOUBLE PRECISION,
    feature_class TEXT,
    population    BIGINT,
    geo_score     DOUBLE PRECISION
);
CREATE TABLE triples (
    doc_id              TEXT NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
    position            BIGINT NOT NULL,
    actor_text          TEXT,
    actor_start         BIGINT,
    actor_end           BIGINT,
    action_text         TEXT NOT NULL,
    action_start        BIGINT NOT NULL,
    action_end          BIGINT NOT NULL,
    action_lemma        TEXT,
    action_nominal      BOOLEAN NOT NULL DEFAULT false,
    place_text          TEXT NOT NULL,
    place_start         BIGINT NOT NULL,
    place_end           BIGINT NOT NULL,
    place_relation      TEXT NOT NULL CHECK (place_relation IN ('at', 'to', 'from', 'near')),
    place_qualifier     TEXT,
    negated             BOOLEAN NOT NULL,
    object_text         TEXT,
    object_start        BIGINT,
    object_end          BIGINT,
    time_text           TEXT,
    time_start          BIGINT,
    time_end            BIGINT,
    attributed_to_text  TEXT,
    attributed_to_start BIGINT,
    attributed_to_end   BIGINT,
    score               DOUBLE PRECISION,
    sentence_start      BIGINT,
    sentence_end        BIGINT,
    actor_id             TEXT,
    actor_canonical      TEXT,
    actor_code           TEXT,
    actor_resolved_text  TEXT,
    actor_resolved_start BIGINT,
    actor_resolved_end   BIGINT,
    place_geonameid      BIGINT,
    place_name           TEXT,
    place_country_code   TEXT,
    place_admin1         TEXT,
    place_latitude       DOUBLE PRECISION,
    place_longitude      DOUBLE PRECISION,
    place_feature_class  TEXT,
    place_population     BIGINT,
    place_geo_score      DOUBLE PRECISION
);
CREATE UNIQUE INDEX entities_doc ON entities(doc_id, position);
CREATE INDEX entities_label ON entities(label, text);
CREATE UNIQUE INDEX triples_doc ON triples(doc_id, position);
CREATE INDEX triples_actor ON triples(actor_text);
CREATE INDEX triples_place ON triples(place_text);
CREATE INDEX documents_status ON documents(status, error_kind);
";

/// Columns of `documents` that a run writes (`processed_at` is the server's `now()`).
const DOCUMENT_COLUMNS: &[&str] =
    &["id", "status", "error_kind", "error_message", "title", "date", "url", "meta", "chars", "entity_count", "triple_count", "model_name", "triplex_version"];

/// An id of our own, for the advisory lock that serialises two runs setting up the same database.
const SETUP_LOCK: i64 = 0x0074_7269_706c_6578; // "triplex" in ASCII

/// Writes records into a PostgreSQL database, one transaction per chunk (see the module doc).
pub struct PostgresSink {
    client: Client,
    /// Where, for messages: `host:port/dbname` (never the password).
    target: String,
    model_name: String,
    /// The chunk not yet committed, one record per id.
    batch: Vec<Record>,
    types: CopyTypes,
}

/// Column types of the three binary `COPY`s, in column order.
struct CopyTypes {
    documents: Vec<Type>,
    entities: Vec<Type>,
    triples: Vec<Type>,
}

impl PostgresSink {
    /// Connects to `url` (`postgresql://user@host:port/dbname` or `host=... dbname=...`), and
    /// creates the tables unless a triplex of this schema version made them. A refused
    /// connection, tables of another schema version, or tables named like ours that triplex did
    /// not make are errors.
    pub fn open(url: &str, model_name: &str) -> Result<Self> {
        let mut config: Config = url.parse().context("not a PostgreSQL connection URL (postgresql://user@host:port/dbname)")?;
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(Duration::from_secs(10));
        }
        let target = describe(&config);
        let mut client = config.connect(NoTls).with_context(|| format!("cannot connect to PostgreSQL at {target}"))?;
        set_up(&mut client).with_context(|| format!("cannot set up the triplex tables in PostgreSQL at {target}"))?;
        let types = CopyTypes {
            documents: column_types(&mut client, "documents", DOCUMENT_COLUMNS)?,
            entities: column_types(&mut client, "entities", ENTITY_COLUMNS)?,
            triples: column_types(&mut client, "triples", TRIPLE_COLUMNS)?,
        };
        Ok(PostgresSink { client, target, model_name: model_name.to_string(), batch: Vec::new(), types })
    }

    /// Ids of the documents already in the database (done, for `--resume`).
    pub fn done_ids(&mut self) -> Result<HashSet<String>> {
        let rows = self.client.query("SELECT id FROM documents", &[]).with_context(|| format!("cannot read documents from PostgreSQL at {}", self.target))?;
        Ok(rows.iter().map(|r| r.get(0)).collect())
    }

    fn load(&mut self) -> Result<()> {
        let mut tx = self.client.transaction()?;
        // A later duplicate of an id keeps the first document's rows (the reader reports it as an error).
        let is_dup = |r: &Record| r.status == Status::Error && r.error.as_ref().is_some_and(|e| e.kind == DUPLICATE_ID);
        let dup_ids: Vec<&str> = self.batch.iter().filter(|r| is_dup(r)).map(|r| r.id.as_str()).collect();
        let present: HashSet<String> =
            if dup_ids.is_empty() { HashSet::new() } else { tx.query("SELECT id FROM documents WHERE id = ANY($1)", &[&dup_ids])?.iter().map(|r| r.get(0)).collect() };
        let batch: Vec<&Record> = self.batch.iter().filter(|r| !(is_dup(r) && present.contains(&r.id))).collect();
        let replaced: Vec<&str> = batch.iter().map(|r| r.id.as_str()).collect();
        tx.execute("DELETE FROM documents WHERE id = ANY($1)", &[&replaced])?;
        copy_documents(&mut tx, &self.types.documents, &batch, &self.model_name)?;
        copy_entities(&mut tx, &self.types.entities, &batch)?;
        copy_triples(&mut tx, &self.types.triples, &batch)?;
        tx.commit()?;
        Ok(())
    }
}

impl Sink for PostgresSink {
    fn resume(&mut self) -> Result<Option<Held>> {
        Ok(Some(Held::Set(self.done_ids()?)))
    }

    /// Buffers a record until the chunk's commit; within a chunk, a document written again
    /// replaces the earlier one, and a `duplicate_id` record after its id's first is dropped.
    fn write(&mut self, rec: &Record) -> Result<()> {
        let dup = rec.status == Status::Error && rec.error.as_ref().is_some_and(|e| e.kind == DUPLICATE_ID);
        if let Some(i) = self.batch.iter().position(|r| r.id == rec.id) {
            if dup {
                return Ok(());
            }
            self.batch.remove(i);
        }
        self.batch.push(rec.clone());
        Ok(())
    }

    /// Loads the chunk in one transaction.
    fn commit(&mut self) -> Result<()> {
        if self.batch.is_empty() {
            return Ok(());
        }
        self.load().with_context(|| format!("cannot load {} documents into PostgreSQL at {}", self.batch.len(), self.target))?;
        self.batch.clear();
        Ok(())
    }
}

/// `host:port/dbname as user`, for messages.
fn describe(c: &Config) -> String {
    let host = match c.get_hosts().first() {
        Some(postgres::config::Host::Tcp(h)) => h.clone(),
        Some(postgres::config::Host::Unix(p)) => p.display().to_string(),
        None => "localhost".into(),
    };
    let port = c.get_ports().first().copied().unwrap_or(5432);
    let db = c.get_dbname().or(c.get_user()).unwrap_or("?");
    format!("{host}:{port}/{db}")
}

/// Creates the tables in an empty schema, or checks that the ones there are triplex's of this
/// schema version with every column a run writes.
fn set_up(client: &mut Client) -> Result<()> {
    let mut tx = client.transaction()?;
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&SETUP_LOCK])?;
    let schema: String = tx.query_one("SELECT current_schema()::text", &[])?.get(0);
    let present: HashSet<String> = tx
        .query(
            "SELECT table_name::text FROM information_schema.tables WHERE table_schema = current_schema() AND table_name IN ('triplex_schema', 'documents', 'entities', 'triples')",
            &[],
        )?
        .iter()
        .map(|r| r.get(0))
        .collect();
    if present.is_empty() {
        tx.batch_execute(SCHEMA)?;
        tx.execute("INSERT INTO triplex_schema (version) VALUES ($1)", &[&SCHEMA_VERSION])?;
        tx.commit()?;
        return Ok(());
    }
    if !present.contains("triplex_schema") {
        let mut ours: Vec<&String> = present.iter().collect();
        ours.sort();
        bail!("schema {schema:?} already has tables named {ours:?} that triplex did not create (no triplex_schema table); use another database or schema");
    }
    let version: Option<i32> = tx.query_opt("SELECT max(version) FROM triplex_schema", &[])?.and_then(|r| r.get(0));
    match version {
        Some(SCHEMA_VERSION) => {}
        Some(v) if v > SCHEMA_VERSION => bail!("schema version {v} is newer than this triplex's ({SCHEMA_VERSION})"),
        Some(v) => bail!("schema version {v} was written by an older triplex (this one writes {SCHEMA_VERSION}); write to a new database or schema"),
        None => bail!("the triplex_schema table is empty: not a triplex database"),
    }
    for (table, columns) in [("documents", DOCUMENT_COLUMNS), ("entities", ENTITY_COLUMNS), ("triples", TRIPLE_COLUMNS)] {
        if !present.contains(table) {
            bail!("table {table} is missing from a triplex database (schema {schema:?})");
        }
        let have: HashSet<String> = tx
            .query("SELECT column_name::text FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = $1", &[&table])?
            .iter()
            .map(|r| r.get(0))
            .collect();
        let missing: Vec<&str> = columns.iter().copied().filter(|c| !have.contains(*c)).collect();
        if !missing.is_empty() {
            bail!("table {table} lacks the columns {missing:?}: not the triplex schema version {SCHEMA_VERSION}");
        }
    }
    tx.commit()?;
    Ok(())
}

/// The server's types of `columns` of `table`, in that order (for binary `COPY`).
fn column_types(client: &mut Client, table: &str, columns: &[&str]) -> Result<Vec<Type>> {
    let stmt = client.prepare(&format!("SELECT {} FROM {table} LIMIT 0", columns.join(", ")))?;
    Ok(stmt.columns().iter().map(|c| c.type_().clone()).collect())
}

fn copy_in<'a>(tx: &'a mut Transaction, table: &str, columns: &[&str], types: &[Type]) -> Result<BinaryCopyInWriter<'a>> {
    let sink = tx.copy_in(&format!("COPY {table} ({}) FROM STDIN (FORMAT binary)", columns.join(", ")))?;
    Ok(BinaryCopyInWriter::new(sink, types))
}

/// A code-point offset or count as a BIGINT.
fn big(x: usize) -> i64 {
    x as i64
}

fn opt(x: Option<usize>) -> Option<i64> {
    x.map(big)
}

fn copy_documents(tx: &mut Transaction, types: &[Type], batch: &[&Record], model_name: &str) -> Result<()> {
    let mut w = copy_in(tx, "documents", DOCUMENT_COLUMNS, types)?;
    let version = env!("CARGO_PKG_VERSION");
    for r in batch {
        let status = if r.status == Status::Ok { "ok" } else { "error" };
        let (kind, message) = (r.error.as_ref().map(|e| e.kind.as_str()), r.error.as_ref().map(|e| e.message.as_str()));
        let (title, date, url) = (meta_text(&r.meta, "title"), meta_text(&r.meta, "date"), meta_text(&r.meta, "url"));
        let meta = serde_json::Value::Object(r.meta.clone());
        w.write(&[&r.id, &status, &kind, &message, &title, &date, &url, &meta, &opt(r.chars), &big(r.entities.len()), &big(r.triples.len()), &model_name, &version])?;
    }
    w.finish()?;
    Ok(())
}

fn copy_entities(tx: &mut Transaction, types: &[Type], batch: &[&Record]) -> Result<()> {
    let mut w = copy_in(tx, "entities", ENTITY_COLUMNS, types)?;
    for r in batch {
        for (i, e) in r.entities.iter().enumerate() {
            let e = EntityRow::new(&r.id, i, e);
            let (geonameid, population) = (e.geonameid.map(i64::from), e.population.and_then(|p| i64::try_from(p).ok()));
            w.write(&[
                &e.doc_id,
                &big(e.position),
                &e.text,
                &e.label,
                &big(e.start_char),
                &big(e.end_char),
                &e.score,
                &e.actor_id,
                &geonameid,
                &e.geo_name,
                &e.country_code,
                &e.admin1,
                &e.latitude,
                &e.longitude,
                &e.feature_class,
                &population,
                &e.geo_score,
            ])?;
        }
    }
    w.finish()?;
    Ok(())
}

fn copy_triples(tx: &mut Transaction, types: &[Type], batch: &[&Record]) -> Result<()> {
    let mut w = copy_in(tx, "triples", TRIPLE_COLUMNS, types)?;
    for r in batch {
        for (i, t) in r.triples.iter().enumerate() {
            let t = TripleRow::new(&r.id, i, t);
            let (geonameid, population) = (t.place_geonameid.map(i64::from), t.place_population.and_then(|p| i64::try_from(p).ok()));
            w.write(&[
                &t.doc_id,
                &big(t.position),
                &t.actor_text,
                &opt(t.actor_start),
                &opt(t.actor_end),
                &t.action_text,
                &big(t.action_start),
                &big(t.action_end),
                &t.action_lemma,
                &t.action_nominal,
                &t.place_text,
                &big(t.place_start),
                &big(t.place_end),
                &t.place_relation,
                &t.place_qualifier,
                &t.negated,
                &t.object_text,
                &opt(t.object_start),
                &opt(t.object_end),
                &t.time_text,
                &opt(t.time_start),
                &opt(t.time_end),
                &t.attributed_to_text,
                &opt(t.attributed_to_start),
                &opt(t.attributed_to_end),
                &t.score,
                &opt(t.sentence_start),
                &opt(t.sentence_end),
                &t.actor_id,
                &t.actor_canonical,
                &t.actor_code,
                &t.actor_resolved_text,
                &opt(t.actor_resolved_start),
                &opt(t.actor_resolved_end),
                &geonameid,
                &t.place_name,
                &t.place_country_code,
                &t.place_admin1,
                &t.place_latitude,
                &t.place_longitude,
                &t.place_feature_class,
                &population,
                &t.place_geo_score,
            ])?;
        }
    }
    w.finish()?;
    Ok(())
}
