//! Geocoding accuracy on the labelled places of corpus/ (tests/fixtures/geo/corpus-places.tsv):
//! a place is right when its GeoNames id is the gold one or lies within 161 km of it.

use std::collections::HashMap;
use std::path::Path;
use triplex_core::Gazetteer;
use triplex_core::reader::{ReaderOptions, open_inputs};
use triplex_core::record::Geo;
use triplex_model::{Pipeline, PipelineConfig};

fn km(a: &Geo, b: &Geo) -> f64 {
    let (la1, lo1, la2, lo2) = (a.latitude.to_radians(), a.longitude.to_radians(), b.latitude.to_radians(), b.longitude.to_radians());
    let h = ((la2 - la1) / 2.0).sin().powi(2) + la1.cos() * la2.cos() * ((lo2 - lo1) / 2.0).sin().powi(2);
    2.0 * 6371.0 * h.sqrt().asin()
}

#[test]
fn geocoding_is_right_on_nine_in_ten_places_the_gazetteer_holds() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let pipeline = Pipeline::load(&PipelineConfig::new(root.join("models/default")).unwrap()).unwrap();
    let docs = open_inputs(&[root.join("corpus")], ReaderOptions::default()).unwrap().collect();
    let (records, _) = pipeline.process(docs);
    // What the pipeline chose for each (document, name).
    let mut chosen: HashMap<(String, String), Option<Geo>> = HashMap::new();
    for r in &records {
        let named = r.entities.iter().filter(|e| e.label == "LOC").map(|e| (&e.text, &e.geo)).chain(r.triples.iter().map(|t| (&t.place.text, &t.place.geo)));
        for (text, geo) in named {
            chosen.insert((r.id.clone(), text.clone()), geo.clone().expect("every LOC and place gets geo"));
        }
    }
    let gaz = Gazetteer::embedded();
    let fixture = std::fs::read_to_string(root.join("tests/fixtures/geo/corpus-places.tsv")).unwrap();
    let (mut held, mut right, mut unheld, mut unheld_guessed, mut nonplaces, mut nonplaces_geocoded, mut missing) = (0, 0, 0, 0, 0, 0, 0);
    let mut wrong = Vec::new();
    for line in fixture.lines().filter(|l| !l.starts_with('#')).skip(1) {
        let f: Vec<&str> = line.split('\t').collect();
        let Some(pred) = chosen.get(&(f[0].to_string(), f[1].to_string())) else {
            missing += 1;
            continue;
        };
        match f[2] {
            "unheld" => {
                unheld += 1;
                unheld_guessed += usize::from(pred.is_some());
            }
            "notplace" => {
                nonplaces += 1;
                nonplaces_geocoded += usize::from(pred.is_some());
            }
            id => {
                held += 1;
                let gold = gaz.entry(id.parse().unwrap()).unwrap_or_else(|| panic!("gold {id} ({}) is not in the gazetteer", f[1]));
                match pred {
                    Some(p) if p.geonameid == gold.geonameid || km(p, &gold) <= 161.0 => right += 1,
                    p => wrong.push(format!("{} {}: {:?} for {}", f[0], f[1], p.as_ref().map(|p| (&p.name, &p.country_code)), gold.name)),
                }
            }
        }
    }
    let accuracy = right as f64 / held as f64;
    eprintln!(
        "geocoding: {right}/{held} held places right ({accuracy:.3}); {unheld} places not held, {unheld_guessed} of them given an entry; {nonplaces} non-places, {nonplaces_geocoded} geocoded; {missing} fixture rows not predicted\n{}",
        wrong.join("\n")
    );
    assert!(held >= 140 && missing <= 10, "the fixture no longer matches the corpus output: {held} held, {missing} missing");
    assert!(accuracy >= 0.90, "accuracy {accuracy:.3} < 0.90");
    assert_eq!(unheld_guessed, 0, "a place the gazetteer lacks got an entry");
}
