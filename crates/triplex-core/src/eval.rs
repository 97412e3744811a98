//! Scoring of extraction output against gold records and of CoNLL tag sequences (`shared/spec/extraction.md`, Scoring).
//!
//! Matching rule, shared by entities and triples, strict and lenient: predictions are taken in
//! order of start (ties: end, then input order); each takes the first unmatched gold item, in the
//! same order, that fits, trying non-optional gold before optional gold. A prediction matched to
//! optional gold is neither TP nor FP; unmatched optional gold is no FN. A triple's start/end are
//! the smallest start and largest end of its actor, action and place. Two spans overlap when they
//! share a code point, or are identical (so strict matches are always lenient matches).

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;
use std::path::Path;

use anyhow::Context;
use serde::{Deserialize, Serialize};

use crate::conll::chunks;
use crate::record::{Entity, Record, Span, Triple};

/// Labels always reported for records, whether or not they occur.
pub const LABELS: [&str; 4] = ["PER", "ORG", "LOC", "MISC"];

/// Precision, recall, F1 and the counts behind them. A ratio with a zero denominator is 0,
/// and F1 is 0 when P + R = 0 (as conlleval and seqeval).
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct Prf {
    pub precision: f64,
    pub recall: f64,
    pub f1: f64,
    pub tp: usize,
    pub fp: usize,
    #[serde(rename = "fn")]
    pub fn_: usize,
}

impl Prf {
    pub fn from_counts(tp: usize, fp: usize, fn_: usize) -> Self {
        let ratio = |a: usize, b: usize| if b == 0 { 0.0 } else { a as f64 / b as f64 };
        let (precision, recall) = (ratio(tp, tp + fp), ratio(tp, tp + fn_));
        let f1 = if precision + recall == 0.0 { 0.0 } else { 2.0 * precision * recall / (precision + recall) };
        Prf { precision, recall, f1, tp, fp, fn_ }
    }

    /// No gold and no counted prediction: the figures are undefined (reported as 0).
    pub fn is_empty(&self) -> bool {
        self.tp + self.fp + self.fn_ == 0
    }
}

/// Strict (identical spans) and lenient (overlapping spans) scores.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct StrictLenient {
    pub strict: Prf,
    pub lenient: Prf,
}

/// Entity scores: micro-averaged, per label, and macro-averaged.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct EntityScores {
    pub strict: Prf,
    pub lenient: Prf,
    pub per_label: BTreeMap<String, StrictLenient>,
    /// Unweighted mean of per-label P, R and F1 over the labels with any TP, FP or FN;
    /// its tp/fp/fn are the micro sums.
    #[serde(rename = "macro")]
    pub macro_avg: StrictLenient,
}

/// Triple scores; the accuracies are over lenient-matched pairs counted as TP (optional gold excluded).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct TripleScores {
    pub strict: Prf,
    pub lenient: Prf,
    pub negated_accuracy: Option<f64>,
    pub place_relation_accuracy: Option<f64>,
    pub matched: usize,
    pub negated_correct: usize,
    pub place_relation_correct: usize,
}

/// Id mismatches between gold and predictions (they never abort scoring).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Warnings {
    /// Gold ids with no prediction: all their gold counts as FN.
    pub missing_pred_ids: Vec<String>,
    /// Predicted ids not in gold: ignored.
    pub unknown_pred_ids: Vec<String>,
    /// Predicted ids seen more than once: only the first record is scored.
    pub duplicate_pred_ids: Vec<String>,
    /// Gold ids seen more than once: each gold record is scored against the same prediction.
    pub duplicate_gold_ids: Vec<String>,
}

impl Warnings {
    pub fn is_empty(&self) -> bool {
        self.missing_pred_ids.is_empty() && self.unknown_pred_ids.is_empty() && self.duplicate_pred_ids.is_empty() && self.duplicate_gold_ids.is_empty()
    }
}

/// The full evaluation of predicted records against gold records (`--json` output).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Report {
    /// Number of gold records scored.
    pub docs: usize,
    pub entities: EntityScores,
    pub triples: TripleScores,
    pub warnings: Warnings,
}

impl Report {
    /// The headline figure: lenient triple F1 when the gold has any non-optional triple,
    /// otherwise lenient (micro) entity F1.
    pub fn headline_f1(&self) -> f64 {
        let t = &self.triples.lenient;
        if t.tp + t.fn_ > 0 { t.f1 } else { self.entities.lenient.f1 }
    }
}

/// Reads a JSON Lines file of records (blank lines skipped).
pub fn read_jsonl(path: &Path) -> anyhow::Result<Vec<Record>> {
    let text = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, l)| serde_json::from_str(l).with_context(|| format!("{}:{}: bad record", path.display(), i + 1)))
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Matching

/// Code-point extent of an item, used for ordering.
type Extent = (usize, usize);

/// Spans overlap (or are the same empty span), as the spec's lenient matching counts.
pub(crate) fn overlaps(a: Extent, b: Extent) -> bool {
    a == b || a.0.max(b.0) < a.1.min(b.1)
}

fn span_extent(s: &Span) -> Extent {
    (s.start, s.end)
}

fn triple_extent(t: &Triple) -> Extent {
    let spans: Vec<&Span> = t.actor.iter().chain([&t.action, &t.place]).collect();
    (spans.iter().map(|s| s.start).min().unwrap_or(0), spans.iter().map(|s| s.end).max().unwrap_or(0))
}

/// Greedy matching (see the module doc). Returns, for each prediction, its gold index.
fn greedy_match(gold: &[Extent], gold_optional: &[bool], pred: &[Extent], fits: impl Fn(usize, usize) -> bool) -> Vec<Option<usize>> {
    let mut g_order: Vec<usize> = (0..gold.len()).collect();
    g_order.sort_by_key(|&g| gold[g]);
    let mut p_order: Vec<usize> = (0..pred.len()).collect();
    p_order.sort_by_key(|&p| pred[p]);
    let mut used = vec![false; gold.len()];
    let mut out = vec![None; pred.len()];
    for p in p_order {
        let pick = [false, true].into_iter().find_map(|opt| g_order.iter().copied().find(|&g| !used[g] && gold_optional[g] == opt && fits(p, g)));
        if let Some(g) = pick {
            used[g] = true;
            out[p] = Some(g);
        }
    }
    out
}

#[derive(Debug, Clone, Copy, Default)]
struct Counts {
    tp: usize,
    fp: usize,
    fn_: usize,
}

impl Counts {
    fn prf(self) -> Prf {
        Prf::from_counts(self.tp, self.fp, self.fn_)
    }
}

/// Outcome of one matching: which predictions are FP and which gold items are FN.
struct Outcome {
    /// Per prediction: `Some(g)` when matched to non-optional gold `g` (a TP).
    tp_gold: Vec<Option<usize>>,
    /// Predictions matched to nothing.
    fp: Vec<usize>,
    /// Non-optional gold matched by nothing.
    fn_: Vec<usize>,
}

fn outcome(gold_optional: &[bool], matches: &[Option<usize>]) -> Outcome {
    let mut matched = vec![false; gold_optional.len()];
    let mut tp_gold = Vec::with_capacity(matches.len());
    let mut fp = Vec::new();
    for (p, m) in matches.iter().enumerate() {
        match *m {
            Some(g) => {
                matched[g] = true;
                tp_gold.push((!gold_optional[g]).then_some(g));
            }
            None => {
                tp_gold.push(None);
                fp.push(p);
            }
        }
    }
    let fn_ = (0..gold_optional.len()).filter(|&g| !gold_optional[g] && !matched[g]).collect();
    Outcome { tp_gold, fp, fn_ }
}

/// A labelled span, the common form of record entities and CoNLL chunks.
struct Ent<'a> {
    label: &'a str,
    start: usize,
    end: usize,
    optional: bool,
}

impl<'a> From<&'a Entity> for Ent<'a> {
    fn from(e: &'a Entity) -> Self {
        Ent { label: &e.label, start: e.start, end: e.end, optional: e.optional }
    }
}

fn match_entities(gold: &[Ent], pred: &[Ent], lenient: bool) -> Outcome {
    let ge: Vec<Extent> = gold.iter().map(|e| (e.start, e.end)).collect();
    let pe: Vec<Extent> = pred.iter().map(|e| (e.start, e.end)).collect();
    let opt: Vec<bool> = gold.iter().map(|e| e.optional).collect();
    let m = greedy_match(&ge, &opt, &pe, |p, g| pred[p].label == gold[g].label && if lenient { overlaps(pe[p], ge[g]) } else { pe[p] == ge[g] });
    outcome(&opt, &m)
}

fn match_triples(gold: &[Triple], pred: &[Triple], lenient: bool) -> Outcome {
    let ge: Vec<Extent> = gold.iter().map(triple_extent).collect();
    let pe: Vec<Extent> = pred.iter().map(triple_extent).collect();
    let opt: Vec<bool> = gold.iter().map(|t| t.optional).collect();
    let same = |a: &Span, b: &Span| {
        let (a, b) = (span_extent(a), span_extent(b));
        if lenient { overlaps(a, b) } else { a == b }
    };
    let m = greedy_match(&ge, &opt, &pe, |p, g| {
        let (p, g) = (&pred[p], &gold[g]);
        // A null actor matches only a null actor.
        let actors = match (&p.actor, &g.actor) {
            (Some(a), Some(b)) => same(a, b),
            (None, None) => true,
            _ => false,
        };
        actors && same(&p.action, &g.action) && same(&p.place, &g.place)
    });
    outcome(&opt, &m)
}

// ---------------------------------------------------------------------------------------------
// Entity tallies

/// Per-label strict and lenient counts, accumulated document by document.
#[derive(Default)]
struct EntityTally {
    labels: BTreeMap<String, [Counts; 2]>,
}

impl EntityTally {
    fn with_labels(labels: &[&str]) -> Self {
        EntityTally { labels: labels.iter().map(|l| (l.to_string(), Default::default())).collect() }
    }

    fn add(&mut self, gold: &[Ent], pred: &[Ent]) {
        for e in gold.iter().chain(pred) {
            self.labels.entry(e.label.to_string()).or_default();
        }
        for (k, lenient) in [(0, false), (1, true)] {
            let o = match_entities(gold, pred, lenient);
            for (p, g) in o.tp_gold.iter().enumerate() {
                if g.is_some() {
                    self.labels.get_mut(pred[p].label).expect("label registered")[k].tp += 1;
                }
            }
            for p in o.fp {
                self.labels.get_mut(pred[p].label).expect("label registered")[k].fp += 1;
            }
            for g in o.fn_ {
                self.labels.get_mut(gold[g].label).expect("label registered")[k].fn_ += 1;
            }
        }
    }

    fn finish(self) -> EntityScores {
        let mut total = [Counts::default(); 2];
        let mut per_label = BTreeMap::new();
        for (label, c) in self.labels {
            for k in 0..2 {
                total[k].tp += c[k].tp;
                total[k].fp += c[k].fp;
                total[k].fn_ += c[k].fn_;
            }
            per_label.insert(label, StrictLenient { strict: c[0].prf(), lenient: c[1].prf() });
        }
        let macro_of = |k: usize, pick: fn(&StrictLenient) -> &Prf| {
            let used: Vec<&Prf> = per_label.values().map(pick).filter(|p| !p.is_empty()).collect();
            let mean = |f: fn(&Prf) -> f64| {
                if used.is_empty() { 0.0 } else { used.iter().map(|p| f(p)).sum::<f64>() / used.len() as f64 }
            };
            Prf { precision: mean(|p| p.precision), recall: mean(|p| p.recall), f1: mean(|p| p.f1), tp: total[k].tp, fp: total[k].fp, fn_: total[k].fn_ }
        };
        let macro_avg = StrictLenient { strict: macro_of(0, |s| &s.strict), lenient: macro_of(1, |s| &s.lenient) };
        EntityScores { strict: total[0].prf(), lenient: total[1].prf(), per_label, macro_avg }
    }
}

// ---------------------------------------------------------------------------------------------
// Scoring entry points

/// Scores predicted records against gold records, matched by id (see [`Warnings`]).
pub fn score_records(gold: &[Record], pred: &[Record]) -> Report {
    let (by_id, mut warnings) = index_predictions(gold, pred);
    let mut ents = EntityTally::with_labels(&LABELS);
    let mut trip = [Counts::default(); 2];
    let (mut matched, mut neg_ok, mut rel_ok) = (0, 0, 0);
    let empty: &[Triple] = &[];
    for g in gold {
        let p = by_id.get(g.id.as_str()).copied();
        if p.is_none() {
            warnings.missing_pred_ids.push(g.id.clone());
        }
        let ge: Vec<Ent> = g.entities.iter().map(Ent::from).collect();
        let pe: Vec<Ent> = p.map(|p| p.entities.iter().map(Ent::from).collect()).unwrap_or_default();
        ents.add(&ge, &pe);

        let pt = p.map_or(empty, |p| &p.triples[..]);
        for (k, lenient) in [(0, false), (1, true)] {
            let o = match_triples(&g.triples, pt, lenient);
            trip[k].fp += o.fp.len();
            trip[k].fn_ += o.fn_.len();
            for (pi, gi) in o.tp_gold.iter().enumerate() {
                let Some(gi) = *gi else { continue };
                trip[k].tp += 1;
                if lenient {
                    let (pt, gt) = (&pt[pi], &g.triples[gi]);
                    matched += 1;
                    neg_ok += usize::from(pt.negated == gt.negated);
                    rel_ok += usize::from(pt.place_relation == gt.place_relation);
                }
            }
        }
    }
    let acc = |ok: usize| (matched > 0).then(|| ok as f64 / matched as f64);
    Report {
        docs: gold.len(),
        entities: ents.finish(),
        triples: TripleScores {
            strict: trip[0].prf(),
            lenient: trip[1].prf(),
            negated_accuracy: acc(neg_ok),
            place_relation_accuracy: acc(rel_ok),
            matched,
            negated_correct: neg_ok,
            place_relation_correct: rel_ok,
        },
        warnings,
    }
}

/// First prediction per id, plus the id warnings other than missing predictions.
fn index_predictions<'a>(gold: &[Record], pred: &'a [Record]) -> (HashMap<&'a str, &'a Record>, Warnings) {
    let mut w = Warnings::default();
    let mut gold_ids = HashMap::new();
    for g in gold {
        let n = gold_ids.entry(g.id.as_str()).or_insert(0usize);
        *n += 1;
        if *n == 2 {
            w.duplicate_gold_ids.push(g.id.clone());
        }
    }
    let mut by_id: HashMap<&str, &Record> = HashMap::new();
    for p in pred {
        if by_id.contains_key(p.id.as_str()) {
            if !w.duplicate_pred_ids.contains(&p.id) {
                w.duplicate_pred_ids.push(p.id.clone());
            }
            continue;
        }
        by_id.insert(&p.id, p);
        if !gold_ids.contains_key(p.id.as_str()) {
            w.unknown_pred_ids.push(p.id.clone());
        }
    }
    (by_id, w)
}

/// Scores CoNLL tag sequences, sentence by sentence, with conlleval semantics: chunks from
/// [`chunks`]; a chunk is correct iff type, start and end agree (strict), so strict micro and
/// per-label figures equal conlleval's. Lenient counts same-type overlapping chunks. Labels are
/// those seen. Sentences are paired in order; a missing predicted sentence or tag counts as `O`,
/// surplus predictions are ignored (check lengths before calling when that matters).
pub fn score_conll(gold: &[Vec<String>], pred: &[Vec<String>]) -> EntityScores {
    let mut tally = EntityTally::default();
    for (i, g) in gold.iter().enumerate() {
        let mut p: Vec<String> = pred.get(i).map(|p| p.iter().take(g.len()).cloned().collect()).unwrap_or_default();
        p.resize(g.len(), "O".to_string());
        let (gc, pc) = (chunks(g), chunks(&p));
        let ge: Vec<Ent> = gc.iter().map(|(l, s, e)| Ent { label: l, start: *s, end: *e, optional: false }).collect();
        let pe: Vec<Ent> = pc.iter().map(|(l, s, e)| Ent { label: l, start: *s, end: *e, optional: false }).collect();
        tally.add(&ge, &pe);
    }
    tally.finish()
}

// ---------------------------------------------------------------------------------------------
// Error listing

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ItemKind {
    Entity,
    Triple,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ErrorType {
    #[serde(rename = "FP")]
    FalsePositive,
    #[serde(rename = "FN")]
    FalseNegative,
}

/// One lenient false positive or false negative.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ErrorItem {
    pub doc_id: String,
    pub kind: ItemKind,
    pub error: ErrorType,
    /// Entity label, or the triple's place relation.
    pub label: String,
    /// Entity text, or `actor | action | place` (with ` (negated)` where negated).
    pub text: String,
    pub start: usize,
    pub end: usize,
    /// The sentence around the item, when the gold record carries `text`.
    pub sentence: Option<String>,
}

/// Lenient false positives and false negatives, per gold document in gold order, then by start.
pub fn errors(gold: &[Record], pred: &[Record]) -> Vec<ErrorItem> {
    let (by_id, _) = index_predictions(gold, pred);
    let mut out = Vec::new();
    for g in gold {
        let p = by_id.get(g.id.as_str()).copied();
        let chars: Option<Vec<char>> = g.text.as_ref().map(|t| t.chars().collect());
        let mut doc_items = Vec::new();
        let mut push = |kind, error, label: String, text: String, (start, end): Extent| {
            let sentence = chars.as_deref().map(|c| sentence_around(c, start, end));
            doc_items.push(ErrorItem { doc_id: g.id.clone(), kind, error, label, text, start, end, sentence });
        };

        let pred_ents = p.map_or(&[][..], |p| &p.entities[..]);
        let ge: Vec<Ent> = g.entities.iter().map(Ent::from).collect();
        let pe: Vec<Ent> = pred_ents.iter().map(Ent::from).collect();
        let o = match_entities(&ge, &pe, true);
        for (i, err, list) in [(0, ErrorType::FalsePositive, &o.fp), (1, ErrorType::FalseNegative, &o.fn_)] {
            let src = if i == 0 { pred_ents } else { &g.entities[..] };
            for &j in list {
                let e = &src[j];
                push(ItemKind::Entity, err, e.label.clone(), e.text.clone(), (e.start, e.end));
            }
        }

        let pred_trips = p.map_or(&[][..], |p| &p.triples[..]);
        let o = match_triples(&g.triples, pred_trips, true);
        for (i, err, list) in [(0, ErrorType::FalsePositive, &o.fp), (1, ErrorType::FalseNegative, &o.fn_)] {
            let src = if i == 0 { pred_trips } else { &g.triples[..] };
            for &j in list {
                let t = &src[j];
                let neg = if t.negated { " (negated)" } else { "" };
                let actor = t.actor.as_ref().map_or("(none)", |a| a.text.as_str());
                let text = format!("{actor} | {} | {}{neg}", t.action.text, t.place.text);
                push(ItemKind::Triple, err, t.place_relation.as_str().to_string(), text, triple_extent(t));
            }
        }
        doc_items.sort_by_key(|e| (e.start, e.end));
        out.extend(doc_items);
    }
    out
}

fn is_sentence_final(c: &[char], i: usize) -> bool {
    matches!(c[i], '.' | '!' | '?') && c.get(i + 1).is_none_or(|n| n.is_whitespace())
}

/// The text between the previous and the next newline or sentence-final punctuation
/// (`.`, `!`, `?` followed by whitespace or the end) around code points `start..end`, trimmed.
fn sentence_around(c: &[char], start: usize, end: usize) -> String {
    let start = start.min(c.len());
    let end = end.clamp(start, c.len());
    let from = (0..start).rev().find(|&i| c[i] == '\n' || is_sentence_final(c, i)).map_or(0, |i| i + 1);
    let to = (end..c.len()).find(|&i| c[i] == '\n' || is_sentence_final(c, i)).map_or(c.len(), |i| if c[i] == '\n' { i } else { i + 1 });
    c[from..to].iter().collect::<String>().trim().to_string()
}

// ---------------------------------------------------------------------------------------------
// Rendering

fn prf_row(out: &mut String, name: &str, p: &Prf) {
    let _ = writeln!(out, "  {name:<22} {:>7.4} {:>7.4} {:>7.4} {:>6} {:>6} {:>6}", p.precision, p.recall, p.f1, p.tp, p.fp, p.fn_);
}

/// A plain-text table of the report.
pub fn render_table(r: &Report) -> String {
    let mut out = String::new();
    let header = format!("  {:<22} {:>7} {:>7} {:>7} {:>6} {:>6} {:>6}", "", "P", "R", "F1", "TP", "FP", "FN");
    // A report built from `score_conll` alone has no documents: no triple section, no headline.
    let records = r.docs > 0;
    let docs = if records { format!(" ({} docs)", r.docs) } else { String::new() };
    let _ = writeln!(out, "Entities{docs}\n{header}");
    let e = &r.entities;
    prf_row(&mut out, "micro strict", &e.strict);
    prf_row(&mut out, "micro lenient", &e.lenient);
    prf_row(&mut out, "macro strict", &e.macro_avg.strict);
    prf_row(&mut out, "macro lenient", &e.macro_avg.lenient);
    for (label, s) in &e.per_label {
        prf_row(&mut out, &format!("{label} strict"), &s.strict);
        prf_row(&mut out, &format!("{label} lenient"), &s.lenient);
    }
    let t = &r.triples;
    if !records {
        return out;
    }
    let _ = writeln!(out, "Triples\n{header}");
    prf_row(&mut out, "strict", &t.strict);
    prf_row(&mut out, "lenient", &t.lenient);
    let acc = |a: Option<f64>, ok: usize| match a {
        Some(a) => format!("{a:.4} ({ok}/{})", t.matched),
        None => "n/a (no matched triple)".to_string(),
    };
    let _ = writeln!(out, "  {:<22} {}", "negated accuracy", acc(t.negated_accuracy, t.negated_correct));
    let _ = writeln!(out, "  {:<22} {}", "place_relation acc.", acc(t.place_relation_accuracy, t.place_relation_correct));
    let _ = writeln!(out, "Headline F1: {:.4}", r.headline_f1());
    let w = &r.warnings;
    for (what, ids) in [
        ("gold ids without prediction (all FN)", &w.missing_pred_ids),
        ("predicted ids not in gold (ignored)", &w.unknown_pred_ids),
        ("duplicate predicted ids (first kept)", &w.duplicate_pred_ids),
        ("duplicate gold ids", &w.duplicate_gold_ids),
    ] {
        if !ids.is_empty() {
            let shown: Vec<&str> = ids.iter().take(5).map(String::as_str).collect();
            let more = if ids.len() > 5 { ", ..." } else { "" };
            let _ = writeln!(out, "warning: {} {what}: {}{more}", ids.len(), shown.join(", "));
        }
    }
    out
}

/// One line per error, followed by its sentence when known.
pub fn render_errors(items: &[ErrorItem]) -> String {
    let mut out = String::new();
    for e in items {
        let err = match e.error {
            ErrorType::FalsePositive => "FP",
            ErrorType::FalseNegative => "FN",
        };
        let kind = match e.kind {
            ItemKind::Entity => "entity",
            ItemKind::Triple => "triple",
        };
        let _ = writeln!(out, "{} {err} {kind:<6} {:<5} \"{}\" [{}..{})", e.doc_id, e.label, e.text, e.start, e.end);
        if let Some(s) = &e.sentence {
            let _ = writeln!(out, "    > {s}");
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::PlaceRelation;

    fn ent(label: &str, start: usize, end: usize) -> Entity {
        Entity { text: format!("e{start}"), label: label.into(), start, end, score: None, optional: false, actor_id: None, geo: None }
    }

    fn opt(mut e: Entity) -> Entity {
        e.optional = true;
        e
    }

    fn sp(start: usize, end: usize) -> Span {
        Span { text: format!("s{start}"), start, end, ..Span::default() }
    }

    fn tri(a: Extent, v: Extent, p: Extent, rel: PlaceRelation, negated: bool) -> Triple {
        Triple { actor: Some(sp(a.0, a.1)), place_relation: rel, negated, ..Triple::at(sp(v.0, v.1), sp(p.0, p.1)) }
    }

    fn rec(id: &str, entities: Vec<Entity>, triples: Vec<Triple>) -> Record {
        let mut r: Record = serde_json::from_str(&format!(r#"{{"id":"{id}"}}"#)).unwrap();
        r.entities = entities;
        r.triples = triples;
        r
    }

    fn counts(p: &Prf) -> (usize, usize, usize) {
        (p.tp, p.fp, p.fn_)
    }

    fn close(a: f64, b: f64) {
        assert!((a - b).abs() < 1e-12, "{a} != {b}");
    }

    fn tags(s: &str) -> Vec<String> {
        s.split_whitespace().map(str::to_string).collect()
    }

    #[test]
    fn prf_zero_denominators() {
        assert_eq!(Prf::from_counts(0, 0, 0), Prf::default());
        let p = Prf::from_counts(0, 0, 3);
        assert_eq!((p.precision, p.recall, p.f1), (0.0, 0.0, 0.0));
        let p = Prf::from_counts(2, 1, 3);
        close(p.precision, 2.0 / 3.0);
        close(p.recall, 0.4);
        close(p.f1, 0.5);
    }

    #[test]
    fn partial_overlap_is_lenient_only() {
        // Gold LOC [10,20), ORG [30,40). Pred LOC [15,25) overlaps; ORG [40,45) only touches;
        // PER [30,40) has the wrong label.
        let g = vec![rec("d", vec![ent("LOC", 10, 20), ent("ORG", 30, 40)], vec![])];
        let p = vec![rec("d", vec![ent("LOC", 15, 25), ent("ORG", 40, 45), ent("PER", 30, 40)], vec![])];
        let r = score_records(&g, &p);
        assert_eq!(counts(&r.entities.strict), (0, 3, 2));
        assert_eq!(counts(&r.entities.lenient), (1, 2, 1));
        close(r.entities.lenient.precision, 1.0 / 3.0);
        close(r.entities.lenient.recall, 0.5);
        close(r.entities.lenient.f1, 0.4);
        assert_eq!(counts(&r.entities.per_label["LOC"].lenient), (1, 0, 0));
        assert_eq!(counts(&r.entities.per_label["ORG"].lenient), (0, 1, 1));
        assert_eq!(counts(&r.entities.per_label["PER"].lenient), (0, 1, 0));
    }

    #[test]
    fn gold_matched_at_most_once() {
        // Two predictions overlap one gold: 1 TP, 1 FP.
        let g = vec![rec("d", vec![ent("LOC", 0, 10)], vec![])];
        let p = vec![rec("d", vec![ent("LOC", 0, 4), ent("LOC", 5, 10)], vec![])];
        let r = score_records(&g, &p);
        assert_eq!(counts(&r.entities.lenient), (1, 1, 0));
        assert_eq!(counts(&r.entities.strict), (0, 2, 1));
    }

    #[test]
    fn earlier_prediction_takes_earlier_gold() {
        // Pred [5,15) overlaps both golds and takes the first; pred [12,13) then takes the second.
        let g = vec![rec("d", vec![ent("LOC", 0, 10), ent("LOC", 10, 20)], vec![])];
        let p = vec![rec("d", vec![ent("LOC", 12, 13), ent("LOC", 5, 15)], vec![])];
        assert_eq!(counts(&score_records(&g, &p).entities.lenient), (2, 0, 0));
    }

    #[test]
    fn optional_gold_is_neither_fp_nor_fn() {
        let g = vec![rec("d", vec![ent("LOC", 0, 5), opt(ent("MISC", 10, 17)), opt(ent("LOC", 20, 25))], vec![])];
        // Predicts the required LOC and the optional MISC; skips the optional LOC.
        let p = vec![rec("d", vec![ent("LOC", 0, 5), ent("MISC", 10, 17)], vec![])];
        let r = score_records(&g, &p);
        assert_eq!(counts(&r.entities.strict), (1, 0, 0));
        assert!(r.entities.per_label["MISC"].strict.is_empty());
    }

    #[test]
    fn non_optional_gold_is_tried_first() {
        // Optional [0,10) comes first by start, but the prediction must take the required [5,15).
        let g = vec![rec("d", vec![opt(ent("LOC", 0, 10)), ent("LOC", 5, 15)], vec![])];
        let p = vec![rec("d", vec![ent("LOC", 6, 9)], vec![])];
        assert_eq!(counts(&score_records(&g, &p).entities.lenient), (1, 0, 0));
        // Two predictions: the second one falls back to the optional gold (not an FP).
        let p = vec![rec("d", vec![ent("LOC", 6, 9), ent("LOC", 1, 3)], vec![])];
        assert_eq!(counts(&score_records(&g, &p).entities.lenient), (1, 0, 0));
    }

    #[test]
    fn missing_and_unknown_documents() {
        let g = vec![rec("a", vec![ent("PER", 0, 3)], vec![]), rec("b", vec![ent("ORG", 0, 3)], vec![])];
        let p = vec![rec("a", vec![ent("PER", 0, 3)], vec![]), rec("zzz", vec![ent("ORG", 0, 3)], vec![])];
        let r = score_records(&g, &p);
        assert_eq!(counts(&r.entities.strict), (1, 0, 1));
        assert_eq!(r.warnings.missing_pred_ids, vec!["b"]);
        assert_eq!(r.warnings.unknown_pred_ids, vec!["zzz"]);
        assert_eq!(r.docs, 2);
    }

    #[test]
    fn macro_versus_micro() {
        // LOC: 3 gold, 3 pred all right. PER: 1 gold, 1 wrong pred.
        let g = vec![rec("d", vec![ent("LOC", 0, 1), ent("LOC", 2, 3), ent("LOC", 4, 5), ent("PER", 6, 7)], vec![])];
        let p = vec![rec("d", vec![ent("LOC", 0, 1), ent("LOC", 2, 3), ent("LOC", 4, 5), ent("PER", 8, 9)], vec![])];
        let e = score_records(&g, &p).entities;
        close(e.strict.f1, 0.75); // micro: 3/4 both ways
        close(e.macro_avg.strict.f1, 0.5); // (1 + 0) / 2: ORG and MISC are empty, not averaged
        close(e.macro_avg.strict.precision, 0.5);
        assert_eq!(counts(&e.macro_avg.strict), (3, 1, 1));
        assert!(e.per_label.contains_key("ORG") && e.per_label.contains_key("MISC"));
    }

    #[test]
    fn triples_strict_lenient_and_attribute_accuracy() {
        use PlaceRelation::*;
        let g =
            vec![rec("d", vec![], vec![tri((0, 5), (6, 10), (11, 15), At, false), tri((20, 25), (26, 30), (31, 35), To, true), tri((40, 45), (46, 50), (51, 55), From, false)])];
        let p = vec![rec(
            "d",
            vec![],
            vec![
                tri((0, 5), (6, 10), (11, 15), At, false),      // exact
                tri((21, 25), (26, 29), (31, 35), At, true),    // lenient only; wrong relation
                tri((40, 45), (46, 50), (56, 60), From, false), // place misses: FP and FN
                tri((1, 4), (6, 10), (11, 15), At, false),      // duplicate of an already matched gold
            ],
        )];
        let t = score_records(&g, &p).triples;
        assert_eq!(counts(&t.strict), (1, 3, 2));
        assert_eq!(counts(&t.lenient), (2, 2, 1));
        assert_eq!(t.matched, 2);
        assert_eq!((t.negated_correct, t.place_relation_correct), (2, 1));
        assert_eq!(t.negated_accuracy, Some(1.0));
        assert_eq!(t.place_relation_accuracy, Some(0.5));
    }

    #[test]
    fn optional_triple_and_headline() {
        use PlaceRelation::*;
        let mut o = tri((0, 2), (3, 5), (6, 9), At, false);
        o.optional = true;
        let g = vec![rec("d", vec![ent("LOC", 6, 9)], vec![o.clone()])];
        let p = vec![rec("d", vec![ent("LOC", 6, 9)], vec![o])];
        let r = score_records(&g, &p);
        assert_eq!(counts(&r.triples.lenient), (0, 0, 0));
        assert_eq!(r.triples.negated_accuracy, None);
        // No required gold triple: the headline is lenient entity F1.
        assert_eq!(r.headline_f1(), 1.0);
        let p = vec![rec("d", vec![], vec![tri((0, 2), (3, 5), (6, 9), At, false)])];
        let g = vec![rec("d", vec![ent("LOC", 6, 9)], vec![tri((0, 2), (3, 5), (6, 9), At, false)])];
        let r = score_records(&g, &p);
        assert_eq!(r.headline_f1(), 1.0);
        assert_eq!(r.entities.lenient.f1, 0.0);
    }

    #[test]
    fn conll_scores_match_conlleval() {
        // Sentence 1: PER correct, LOC wrong end; sentence 2: entity on the last token,
        // predicted with an invalid I- start (still a correct chunk by conlleval).
        let gold = vec![tags("B-PER I-PER O B-LOC I-LOC"), tags("O O B-ORG")];
        let pred = vec![tags("B-PER I-PER O B-LOC O"), tags("O O I-ORG")];
        let s = score_conll(&gold, &pred);
        assert_eq!(counts(&s.strict), (2, 1, 1));
        close(s.strict.f1, 2.0 / 3.0);
        assert_eq!(counts(&s.lenient), (3, 0, 0));
        assert_eq!(counts(&s.per_label["ORG"].strict), (1, 0, 0));
        assert_eq!(counts(&s.per_label["LOC"].strict), (0, 1, 1));
        assert_eq!(s.per_label.keys().collect::<Vec<_>>(), vec!["LOC", "ORG", "PER"]);
        close(s.macro_avg.strict.f1, 2.0 / 3.0);
    }

    #[test]
    fn conll_iob1_equals_iob2() {
        let iob2 = vec![tags("B-PER I-PER O B-LOC B-LOC")];
        let iob1 = vec![tags("I-PER I-PER O I-LOC B-LOC")];
        let s = score_conll(&iob2, &iob1);
        assert_eq!(counts(&s.strict), (3, 0, 0));
        // Chunks never cross sentences, and missing predicted tags count as O.
        let s = score_conll(&[tags("B-PER"), tags("I-PER")], &[tags("B-PER")]);
        assert_eq!(counts(&s.strict), (1, 0, 1));
    }

    #[test]
    fn errors_list_fp_fn_with_sentence() {
        let text = "Rebels left Gao. The army reached Kidal on Monday.\nU.S. troops arrived at 3.5 km from Gao!";
        let c: Vec<char> = text.chars().collect();
        let at = |w: &str| {
            let b = text.find(w).unwrap();
            (text[..b].chars().count(), text[..b].chars().count() + w.chars().count())
        };
        let mut g = rec("d", vec![ent("LOC", at("Gao").0, at("Gao").1), ent("LOC", at("Kidal").0, at("Kidal").1)], vec![]);
        g.text = Some(text.into());
        let troops = at("troops");
        let p = rec("d", vec![ent("LOC", at("Gao").0, at("Gao").1), ent("ORG", troops.0, troops.1)], vec![]);
        let errs = errors(&[g], &[p]);
        assert_eq!(errs.len(), 2);
        assert_eq!((errs[0].error, errs[0].kind, errs[0].label.as_str()), (ErrorType::FalseNegative, ItemKind::Entity, "LOC"));
        assert_eq!(errs[0].sentence.as_deref(), Some("The army reached Kidal on Monday."));
        assert_eq!(errs[1].error, ErrorType::FalsePositive);
        // "U.S." is cut (its last '.' is followed by a space); "3.5" is not.
        assert_eq!(errs[1].sentence.as_deref(), Some("troops arrived at 3.5 km from Gao!"));
        assert_eq!(sentence_around(&c, 0, 6), "Rebels left Gao.");
        let listing = render_errors(&errs);
        assert!(listing.contains("d FN entity LOC   \"e") && listing.contains("    > The army reached Kidal"), "{listing}");
        let json = serde_json::to_value(&errs[0]).unwrap();
        assert_eq!((json["error"].as_str(), json["kind"].as_str()), (Some("FN"), Some("entity")));
    }

    #[test]
    fn json_shape_and_table() {
        let g = vec![rec("d", vec![ent("LOC", 0, 3)], vec![])];
        let r = score_records(&g, &g);
        let v = serde_json::to_value(&r).unwrap();
        for path in
            ["/entities/strict/fn", "/entities/lenient/f1", "/entities/per_label/LOC/strict/precision", "/entities/macro/lenient/recall", "/triples/strict/tp", "/triples/matched"]
        {
            assert!(v.pointer(path).is_some(), "{path}");
        }
        assert!(v.pointer("/triples/negated_accuracy").unwrap().is_null());
        let table = render_table(&r);
        assert!(table.contains("micro strict") && table.contains("LOC lenient") && table.contains("n/a"), "{table}");
        let conll = Report { entities: score_conll(&[tags("B-PER")], &[tags("B-PER")]), ..Default::default() };
        let table = render_table(&conll);
        assert!(table.contains("PER strict") && !table.contains("Triples") && !table.contains("Headline"), "{table}");
    }
}
