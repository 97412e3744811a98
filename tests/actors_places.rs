//! The seed article end to end (issue 16): actors resolved and canonical, places geocoded, the
//! `--actors` dictionary applied, and the SQLite `events` view answering per actor per country.

use rusqlite::Connection;
use serde_json::Value;
use std::path::Path;
use std::process::Command;

#[test]
fn seed_actors_resolve_and_places_geocode_into_the_events_view() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = tempfile::tempdir().unwrap();
    let (out, db) = (dir.path().join("out.jsonl"), dir.path().join("feed.db"));
    let status = Command::new(env!("CARGO_BIN_EXE_triplex"))
        .args(["extract", "--quiet", "--threads", "2", "--actors"])
        .arg(root.join("examples/actors.csv"))
        .arg(root.join("corpus/mali-anefis.txt"))
        .arg("-o")
        .arg(&out)
        .arg("--sqlite")
        .arg(&db)
        .status()
        .unwrap();
    assert!(status.success());
    let rec: Value = serde_json::from_str(std::fs::read_to_string(&out).unwrap().lines().next().unwrap()).unwrap();
    let triples = rec["triples"].as_array().unwrap();
    // "We are not going directly to Kidal" → the column, which is the army convoy.
    let we = triples.iter().find(|t| t["actor"]["text"] == "We").expect("the 'We' triple");
    assert_eq!(we["actor"]["resolved"]["text"], "The column");
    let convoy = triples.iter().find(|t| t["actor"]["text"] == "An army convoy").unwrap();
    assert_eq!(we["actor"]["actor_id"], convoy["actor"]["actor_id"]);
    // The dictionary maps the Malian army and its armed forces to one key and code.
    let forces = triples.iter().find(|t| t["actor"]["text"] == "Malian armed forces").unwrap();
    assert_eq!(forces["actor"]["canonical"], "Malian Armed Forces");
    assert_eq!(forces["actor"]["code"], "MLIMIL");
    assert_eq!(forces["attributed_to"]["actor_id"], forces["actor"]["actor_id"], "the military is the same actor");
    // CSP is tied to its long form.
    let actors = rec["actors"].as_array().unwrap();
    let csp = actors.iter().find(|a| a["mentions"].as_array().unwrap().iter().any(|m| m["text"] == "CSP")).expect("an actor with CSP");
    assert!(csp["mentions"].as_array().unwrap().iter().any(|m| m["text"].as_str().unwrap().starts_with("Permanent Strategic Framework")), "{csp}");
    // Gao and Kidal in Mali with coordinates; Anefis is not in the gazetteer.
    let geo = |name: &str| rec["entities"].as_array().unwrap().iter().find(|e| e["text"] == name).map(|e| e["geo"].clone()).unwrap();
    assert_eq!(geo("Gao")["geonameid"], 2457163);
    assert_eq!(geo("Gao")["country_code"], "ML");
    assert!((geo("Kidal")["latitude"].as_f64().unwrap() - 18.44).abs() < 0.1);
    assert_eq!(geo("Kidal")["country_code"], "ML");
    assert!(geo("Anefis").is_null());
    assert!(triples.iter().filter(|t| t["place"]["text"] == "Anefis").all(|t| t["place"]["geo"].is_null()));
    // The database: events per actor per country in one query.
    let c = Connection::open(&db).unwrap();
    let n: i64 = c.query_row("SELECT COUNT(*) FROM events WHERE actor = 'Malian Armed Forces' AND actor_code = 'MLIMIL'", [], |r| r.get(0)).unwrap();
    assert!(n >= 1);
    let in_mali: i64 = c.query_row("SELECT COUNT(*) FROM events WHERE country_code = 'ML' AND latitude IS NOT NULL", [], |r| r.get(0)).unwrap();
    assert!(in_mali >= 3, "Gao and Kidal triples: {in_mali}");
    let places: Vec<String> = c.prepare("SELECT name FROM places ORDER BY name").unwrap().query_map([], |r| r.get(0)).unwrap().collect::<rusqlite::Result<_>>().unwrap();
    assert_eq!(places, ["Gao", "Kidal", "Mali"]);
}
