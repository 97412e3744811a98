//! Event-place scoring (`shared/spec/extraction.md`, Scoring: event places): gold that labels one
//! event word per event and its places, with no actor, as `shared/data/event_location/` does.

use crate::record::{Record, Span, Triple};
use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::io::BufRead;
use std::path::Path;

/// One gold sentence (or document): its text and labelled events.
#[derive(Debug, Clone, Deserialize)]
pub struct EventDoc {
    pub id: String,
    pub text: String,
    pub events: Vec<GoldEvent>,
}

/// An event word and the places where it happened (empty: the text names none).
#[derive(Debug, Clone, Deserialize)]
pub struct GoldEvent {
    pub verb: Span,
    #[serde(default)]
    pub places: Vec<Span>,
}

/// The two figures of the spec, with their counts.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct EventScores {
    pub events: usize,
    pub events_with_place: usize,
    /// Events with a gold place that some covering triple places at an overlapping gold place.
    pub events_placed: usize,
    pub recall: f64,
    /// Covering triples (a triple covers an event when its action overlaps the event word).
    pub covering_triples: usize,
    pub covering_correct: usize,
    pub precision: f64,
    /// Events with at least one covering triple.
    pub events_covered: usize,
}

/// A miss or a wrong place, for `--errors`.
#[derive(Debug, Clone, Serialize)]
pub struct EventError {
    pub id: String,
    /// `miss` (a gold place not given) or `wrong_place`.
    pub kind: &'static str,
    pub event: String,
    pub gold_places: Vec<String>,
    /// The covering triples, as "actor | action | place".
    pub predicted: Vec<String>,
    pub text: String,
}

/// Reads event gold, one JSON object per line.
pub fn read_event_gold(path: &Path) -> Result<Vec<EventDoc>> {
    let f = std::fs::File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
    let mut out = Vec::new();
    for (n, line) in std::io::BufReader::new(f).lines().enumerate() {
        let line = line.with_context(|| format!("cannot read {}", path.display()))?;
        if line.trim().is_empty() {
            continue;
        }
        out.push(serde_json::from_str(&line).with_context(|| format!("{}:{}: not an event gold line", path.display(), n + 1))?);
    }
    Ok(out)
}

fn overlaps(a: &Span, b: &Span) -> bool {
    crate::eval::overlaps((a.start, a.end), (b.start, b.end))
}

fn show(t: &Triple) -> String {
    format!("{} | {} | {}", t.actor.as_ref().map_or("(none)", |a| a.text.as_str()), t.action.text, t.place.text)
}

/// Scores predicted records against event gold (matched by id; a missing record predicts nothing).
pub fn score_events(gold: &[EventDoc], pred: &[Record]) -> (EventScores, Vec<EventError>) {
    let by_id: HashMap<&str, &Record> = pred.iter().map(|r| (r.id.as_str(), r)).collect();
    let mut s = EventScores::default();
    let mut errors = Vec::new();
    for doc in gold {
        let triples = by_id.get(doc.id.as_str()).map_or(&[][..], |r| &r.triples[..]);
        for ev in &doc.events {
            s.events += 1;
            let covering: Vec<&Triple> = triples.iter().filter(|t| overlaps(&t.action, &ev.verb)).collect();
            s.events_covered += usize::from(!covering.is_empty());
            let right = |t: &&&Triple| ev.places.iter().any(|g| overlaps(&t.place, g));
            let correct = covering.iter().filter(right).count();
            s.covering_triples += covering.len();
            s.covering_correct += correct;
            if !ev.places.is_empty() {
                s.events_with_place += 1;
                s.events_placed += usize::from(correct > 0);
            }
            let kind = if !ev.places.is_empty() && correct == 0 {
                Some("miss")
            } else if correct < covering.len() {
                Some("wrong_place")
            } else {
                None
            };
            if let Some(kind) = kind {
                errors.push(EventError {
                    id: doc.id.clone(),
                    kind,
                    event: ev.verb.text.clone(),
                    gold_places: ev.places.iter().map(|p| p.text.clone()).collect(),
                    predicted: covering.iter().map(|t| show(t)).collect(),
                    text: doc.text.clone(),
                });
            }
        }
    }
    s.recall = ratio(s.events_placed, s.events_with_place);
    s.precision = ratio(s.covering_correct, s.covering_triples);
    (s, errors)
}

fn ratio(a: usize, b: usize) -> f64 {
    if b == 0 { 0.0 } else { a as f64 / b as f64 }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sp(text: &str, start: usize) -> Span {
        Span { text: text.into(), start, end: start + text.chars().count(), ..Span::default() }
    }

    fn triple(action: Span, place: Span) -> Triple {
        Triple::at(action, place)
    }

    fn record(id: &str, triples: Vec<Triple>) -> Record {
        let mut r = Record::error(id, Default::default(), "x", "x");
        r.error = None;
        r.status = crate::record::Status::Ok;
        r.triples = triples;
        r
    }

    /// "Troops attacked Gao and Kidal; a bomb exploded." (hand-worked: offsets and counts.)
    #[test]
    fn hand_worked_cases() {
        let text = "Troops attacked Gao and Kidal; a bomb exploded.";
        let gold = vec![
            EventDoc {
                id: "a".into(),
                text: text.into(),
                events: vec![GoldEvent { verb: sp("attacked", 7), places: vec![sp("Gao", 16), sp("Kidal", 24)] }, GoldEvent { verb: sp("exploded", 38), places: vec![] }],
            },
            EventDoc { id: "b".into(), text: "Clashes in Homs.".into(), events: vec![GoldEvent { verb: sp("Clashes", 0), places: vec![sp("Homs", 11)] }] },
        ];
        // a: "attacked" placed at Gao (right) and at Kidal (right); "exploded" given Gao (wrong:
        // its gold has no place); a triple on another word covers nothing. b: nothing predicted.
        let pred = vec![record(
            "a",
            vec![
                triple(sp("attacked", 7), sp("Gao", 16)),
                triple(sp("attacked", 7), sp("Kidal", 24)),
                triple(sp("exploded", 38), sp("Gao", 16)),
                triple(sp("Troops", 0), sp("Gao", 16)),
            ],
        )];
        let (s, errors) = score_events(&gold, &pred);
        assert_eq!((s.events, s.events_with_place, s.events_placed, s.events_covered), (3, 2, 1, 2));
        assert_eq!((s.covering_triples, s.covering_correct), (3, 2));
        assert!((s.recall - 0.5).abs() < 1e-12 && (s.precision - 2.0 / 3.0).abs() < 1e-12);
        let kinds: Vec<(&str, &str)> = errors.iter().map(|e| (e.id.as_str(), e.kind)).collect();
        assert_eq!(kinds, vec![("a", "wrong_place"), ("b", "miss")]);
        // A wrong place beside a right one still places the event, and still costs precision.
        let pred = vec![record("b", vec![triple(sp("Clashes", 0), sp("Homs", 11)), triple(sp("Clashes", 0), sp("in", 8))])];
        let (s, _) = score_events(&gold[1..], &pred);
        assert_eq!((s.events_placed, s.covering_triples, s.covering_correct), (1, 2, 1));
    }
}
