//! Training pairs for the scene model: reads `triplex extract --emit conllu` output and the
//! event_location gold it was run on, and writes one JSON line per (gold event word, place
//! mention) pair with the pair's features and whether the place is the event's gold place.
//! With `--conllu-vectors` in the extraction, each pair also carries its dense features (the two
//! words' model rows and their product). Used by `scripts/train_scene.py`; run
//! `cargo run --release --example scene_pairs -- OUT.conllu GOLD.jsonl > pairs.jsonl`.

use std::collections::HashMap;
use std::io::Write;

use anyhow::{Context, bail};
use serde::Deserialize;
use triplex_core::conllu::read_conllu;
use triplex_core::{Mention, Parse, ParsedWords, SyntaxLabels, WordRows, scene_pairs};

#[derive(Deserialize)]
struct Span {
    start: usize,
    end: usize,
}

#[derive(Deserialize)]
struct Event {
    verb: Span,
    places: Vec<Span>,
}

#[derive(Deserialize)]
struct Gold {
    id: String,
    text: String,
    events: Vec<Event>,
}

fn misc<'a>(misc: &'a str, key: &str) -> Option<&'a str> {
    misc.split('|').find_map(|kv| kv.strip_prefix(key)?.strip_prefix('='))
}

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [conllu, gold] = args.as_slice() else { bail!("usage: scene_pairs OUT.conllu GOLD.jsonl") };
    let golds: HashMap<String, Gold> = std::fs::read_to_string(gold)?
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str::<Gold>(l).map(|g| (g.id.clone(), g)))
        .collect::<Result<_, _>>()
        .context("reading the gold")?;
    let mut labels = SyntaxLabels { upos: Vec::new(), deprels: Vec::new() };
    let out = std::io::stdout();
    let mut out = out.lock();
    for s in read_conllu(conllu.as_ref())? {
        // "el-train-00001-1" → "el-train-00001".
        let sid = s.sent_id().context("a sentence without sent_id")?;
        let doc = sid.rsplit_once('-').map_or(sid, |(d, _)| d);
        let Some(g) = golds.get(doc) else { continue };
        let bytes: Vec<usize> = g.text.char_indices().map(|(b, _)| b).chain([g.text.len()]).collect();
        let mut words = Vec::new();
        let mut parse = Parse::default();
        let mut mentions: Vec<Mention> = Vec::new();
        for tok in &s.tokens {
            let (a, b) = misc(&tok.misc, "TokenRange").and_then(|r| r.split_once(':')).context("a token without TokenRange")?;
            let (a, b): (usize, usize) = (a.parse()?, b.parse()?);
            let w = bytes[a]..bytes[b];
            parse.upos.push(labels.upos_id(&tok.upos));
            parse.heads.push(tok.head);
            parse.rels.push(labels.deprel_id(&tok.deprel));
            if let Some(v) = misc(&tok.misc, "Vec") {
                if parse.rows.dim == 0 {
                    parse.rows = WordRows::new(v.split_once(':').map_or(0, |(_, hex)| hex.len() / 2));
                }
                parse.rows.push_text(v).map_err(anyhow::Error::msg)?;
            }
            let tag = tok.entity_tag().unwrap_or("O");
            match tag.split_once('-') {
                Some(("B", l)) => mentions.push(Mention { start: w.start, end: w.end, label: l.to_string(), score: 1.0 }),
                Some(("I", l)) if mentions.last().is_some_and(|m| m.label == l) => mentions.last_mut().unwrap().end = w.end,
                Some((_, l)) => mentions.push(Mention { start: w.start, end: w.end, label: l.to_string(), score: 1.0 }),
                None => {}
            }
            words.push(w);
        }
        let char_of = |b: usize| bytes.partition_point(|&x| x < b);
        for pair in scene_pairs(&g.text, &ParsedWords { words: &words, parse: &parse, labels: &labels }, &mentions) {
            let (ps, pe) = (char_of(pair.predicate.start), char_of(pair.predicate.end));
            let (ls, le) = (char_of(pair.place.start), char_of(pair.place.end));
            for (ei, e) in g.events.iter().enumerate() {
                if !(e.verb.start < pe && ps < e.verb.end) {
                    continue;
                }
                let label = e.places.iter().any(|p| p.start < le && ls < p.end);
                let line = serde_json::json!({"id": g.id, "event": ei, "has_place": !e.places.is_empty(), "place": [ls, le], "label": label, "p": pair.probability, "features": pair.features, "dense": pair.dense.iter().map(|x| (x * 1e4).round() / 1e4).collect::<Vec<f32>>()});
                writeln!(out, "{line}")?;
            }
        }
    }
    Ok(())
}
