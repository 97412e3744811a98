//! Geocoding accuracy on labelled places: corpus/ (tests/fixtures/geo/corpus-places.tsv) and the
//! labelled event sentences (events-ab-places.tsv for development, events-c-places.tsv held out).
//! A place is right when its GeoNames id is the gold one or lies within 161 km of it.

mod common;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use triplex_core::Gazetteer;
use triplex_core::reader::{ReaderOptions, open_inputs};
use triplex_core::record::Geo;

fn km(a: &Geo, b: &Geo) -> f64 {
    let (la1, lo1, la2, lo2) = (a.latitude.to_radians(), a.longitude.to_radians(), b.latitude.to_radians(), b.longitude.to_radians());
    let h = ((la2 - la1) / 2.0).sin().powi(2) + la1.cos() * la2.cos() * ((lo2 - lo1) / 2.0).sin().powi(2);
    2.0 * 6371.0 * h.sqrt().asin()
}

/// Counts of one fixture against the pipeline's output.
#[derive(Debug, Default)]
struct GeoScores {
    held: usize,
    right: usize,
    unheld: usize,
    unheld_guessed: usize,
    nonplaces: usize,
    nonplaces_geocoded: usize,
    /// Fixture rows whose name the pipeline did not give as a LOC or a place.
    missing: usize,
}

impl GeoScores {
    fn accuracy(&self) -> f64 {
        self.right as f64 / self.held as f64
    }
}

/// Runs the shipped model over `inputs` and scores its geo choices against the fixture `tsv`.
fn score(inputs: &[PathBuf], tsv: &str) -> GeoScores {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let docs = open_inputs(inputs, ReaderOptions::default()).unwrap().collect();
    let (records, _) = common::shipped_pipeline().process(docs);
    // What the pipeline chose for each (document, name).
    let mut chosen: HashMap<(String, String), Option<Geo>> = HashMap::new();
    for r in &records {
        let named = r.entities.iter().filter(|e| e.label == "LOC").map(|e| (&e.text, &e.geo)).chain(r.triples.iter().map(|t| (&t.place.text, &t.place.geo)));
        for (text, geo) in named {
            chosen.insert((r.id.clone(), text.clone()), geo.clone().expect("every LOC and place gets geo"));
        }
    }
    let gaz = Gazetteer::embedded();
    let fixture = std::fs::read_to_string(root.join("tests/fixtures/geo").join(tsv)).unwrap();
    let mut s = GeoScores::default();
    let mut wrong = Vec::new();
    for line in fixture.lines().filter(|l| !l.starts_with('#')).skip(1) {
        let f: Vec<&str> = line.split('\t').collect();
        let Some(pred) = chosen.get(&(f[0].to_string(), f[1].to_string())) else {
            // A non-place the NER no longer gives as a place is no loss.
            s.missing += usize::from(f[2] != "notplace");
            continue;
        };
        match f[2] {
            "unheld" => {
                s.unheld += 1;
                s.unheld_guessed += usize::from(pred.is_some());
                if let Some(p) = pred {
                    wrong.push(format!("{} {}: {:?} for a place the gazetteer lacks", f[0], f[1], (&p.name, &p.country_code)));
                }
            }
            "notplace" => {
                s.nonplaces += 1;
                s.nonplaces_geocoded += usize::from(pred.is_some());
            }
            id => {
                s.held += 1;
                let gold = gaz.entry(id.parse().unwrap()).unwrap_or_else(|| panic!("gold {id} ({}) is not in the gazetteer", f[1]));
                match pred {
                    Some(p) if p.geonameid == gold.geonameid || km(p, &gold) <= 161.0 => s.right += 1,
                    p => wrong.push(format!("{} {}: {:?} for {} ({})", f[0], f[1], p.as_ref().map(|p| (&p.name, &p.country_code)), gold.name, gold.country_code)),
                }
            }
        }
    }
    eprintln!(
        "geocoding {tsv}: {}/{} held places right ({:.3}); {} places not held, {} of them given an entry; {} non-places, {} geocoded; {} fixture rows not predicted\n{}",
        s.right,
        s.held,
        s.accuracy(),
        s.unheld,
        s.unheld_guessed,
        s.nonplaces,
        s.nonplaces_geocoded,
        s.missing,
        wrong.join("\n")
    );
    s
}

#[test]
fn geocoding_is_right_on_nine_in_ten_places_the_gazetteer_holds() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let s = score(&[root.join("corpus")], "corpus-places.tsv");
    assert!(s.held >= 140 && s.missing <= 10, "the fixture no longer matches the corpus output: {s:?}");
    assert!(s.accuracy() >= 0.90, "accuracy {:.3} < 0.90", s.accuracy());
    assert_eq!(s.unheld_guessed, 0, "a place the gazetteer lacks got an entry");
}

/// The labelled event sentences: one sentence a record, so the document says little about which
/// namesake is meant.
fn event_fixtures(names: &[&str]) -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    names.iter().map(|n| root.join("tests/fixtures").join(n)).collect()
}

#[test]
fn geocoding_on_the_event_sentences() {
    let dev = score(&event_fixtures(&["events/events-a.gold.jsonl", "events/events-b.gold.jsonl"]), "events-ab-places.tsv");
    let held_out = score(&event_fixtures(&["heldout/events-c.gold.jsonl"]), "events-c-places.tsv");
    eprintln!("development {dev:?}\nheld out {held_out:?}");
    assert!(dev.held >= 200 && held_out.held >= 100, "the fixtures no longer match the output: {dev:?} {held_out:?}");
    // Measured 2026-12-01: 0.910 (212/233) and 0.883 (106/120); 11 and 1 places the gazetteer
    // lacks given an entry (mostly a town for the district of its name: "Kasese", "Bharatpur").
    assert!(dev.accuracy() >= 0.90, "development accuracy {:.3}", dev.accuracy());
    assert!(held_out.accuracy() >= 0.85, "held-out accuracy {:.3}", held_out.accuracy());
    assert!(dev.unheld_guessed <= 12 && held_out.unheld_guessed <= 3, "{dev:?} {held_out:?}");
}
