//! Which place mention is an event's scene: a logistic model over tree-path features of each
//! (predicate, place) pair of a sentence, trained on event_location train by
//! `scripts/train_scene.py`; the rules' own choice is one of its features. It drops rule triples
//! it finds unlikely and places predicates the rules left without a place.

use std::collections::HashMap;
use std::ops::Range;
use std::sync::OnceLock;

use serde::Deserialize;

use super::lexicon::*;
use super::tree::{Tree, case_relation, only_permitted, scene_triple};
use super::{ParsedWords, TripleDraft};
use crate::doc::Mention;
use crate::record::PlaceRelation;

/// An embedded model: feature weights, and the two decision thresholds.
#[derive(Deserialize)]
struct SceneModel {
    bias: f32,
    /// A predicate without a rule triple gets its best place at or above this probability.
    add_threshold: f32,
    /// A rule triple stays when its pair's probability is at least this.
    keep_threshold: f32,
    /// Verbs (by `lemma`) that may get a place the rules did not give them: those that were the
    /// event word of a few train events.
    event_lemmas: Vec<String>,
    weights: HashMap<String, f32>,
    /// Weights over a pair's dense features (`dense_features`); empty in the tree-only model.
    #[serde(default)]
    dense: Vec<f32>,
}

impl SceneModel {
    /// `dense` is empty for the tree-only model, and as long as its weights for the other.
    fn probability(&self, features: &[String], dense: &[f32]) -> f32 {
        let z = self.bias + features.iter().filter_map(|f| self.weights.get(f)).sum::<f32>() + self.dense.iter().zip(dense).map(|(w, x)| w * x).sum::<f32>();
        1.0 / (1.0 + (-z).exp())
    }

    fn is_event_lemma(&self, lemma: &str) -> bool {
        self.event_lemmas.iter().any(|l| l == lemma)
    }
}

/// The dense features of the pair (predicate `v`, place head `ph`): the two words' model rows and
/// their product, side by side; empty where the parse has no rows.
fn dense_features(t: &Tree, v: usize, ph: usize) -> Vec<f32> {
    match (t.vector(v), t.vector(ph)) {
        (Some(a), Some(b)) => a.iter().chain(&b).copied().chain(a.iter().zip(&b).map(|(x, y)| x * y)).collect(),
        _ => Vec::new(),
    }
}

/// The model for a sentence: over the tree and the model's word rows where the parse has rows of
/// the width it was trained on (`scene_weights_rows.json`), else over the tree alone
/// (`scene_weights.json`: hand-made parses, a backend that gives no rows).
fn model(t: &Tree) -> &'static SceneModel {
    static TREE_ONLY: OnceLock<SceneModel> = OnceLock::new();
    static WITH_ROWS: OnceLock<SceneModel> = OnceLock::new();
    let rows = WITH_ROWS.get_or_init(|| serde_json::from_str(include_str!("scene_weights_rows.json")).expect("the embedded scene weights are valid JSON"));
    match t.row_width() {
        w if w > 0 && 3 * w == rows.dense.len() => rows,
        _ => TREE_ONLY.get_or_init(|| serde_json::from_str(include_str!("scene_weights.json")).expect("the embedded scene weights are valid JSON")),
    }
}

/// Whether `lemma` is of the kinds of verbs train events are made of (the model's event lemmas).
pub(super) fn event_lemma(t: &Tree, lemma: &str) -> bool {
    model(t).is_event_lemma(lemma)
}

/// Whether word `v` can be an event: a verb that is not a report or a state, or an event noun.
fn is_predicate(t: &Tree, v: usize) -> bool {
    if t.mention[v].is_some() {
        return false;
    }
    // "a convoy made up of dozens of vehicles" says what something consists of.
    let consists_of = lemma(&t.low[v]) == "make" && t.low.get(v + 1).is_some_and(|w| w == "up") && t.low.get(v + 2).is_some_and(|w| w == "of");
    match t.upos[v] {
        "VERB" => !consists_of && !has(REPORTING, &t.low[v]) && !eventless(&lemma(&t.low[v])),
        "NOUN" => has(EVENT_NOUNS, &t.low[v]),
        _ => false,
    }
}

/// `i` and its heads up to the root.
fn ancestors(t: &Tree, i: usize) -> Vec<usize> {
    let mut out = vec![i];
    let mut x = i;
    while let Some(h) = t.head[x] {
        if out.len() > t.low.len() {
            break;
        }
        out.push(h);
        x = h;
    }
    out
}

/// The words from `a` up to (not including) the lowest common head of `a` and `b`, the same for
/// `b`, and that head (None when the parse is not one tree).
fn paths(t: &Tree, a: usize, b: usize) -> (Vec<usize>, Vec<usize>, Option<usize>) {
    let (up_a, up_b) = (ancestors(t, a), ancestors(t, b));
    match up_a.iter().position(|x| up_b.contains(x)) {
        Some(i) => {
            let j = up_b.iter().position(|x| *x == up_a[i]).unwrap_or(up_b.len());
            (up_a[..i].to_vec(), up_b[..j].to_vec(), Some(up_a[i]))
        }
        None => (up_a, up_b, None),
    }
}

/// A coarse class of a word on the path between a place and its event.
fn word_class(t: &Tree, w: usize) -> &'static str {
    let l = t.low[w].as_str();
    if t.mention[w].is_some() {
        "name"
    } else if has(PLACE_NOUNS, l) {
        "placenoun"
    } else if has(DESCRIPTORS, l) {
        "descriptor"
    } else if has(PART_NOUNS, l) {
        "part"
    } else if has(DIRECTIONS, l) {
        "direction"
    } else if has(EVENT_NOUNS, l) {
        "eventnoun"
    } else if has(NOT_SCENE_NOUNS, l) {
        "notscene"
    } else if has(PEOPLE_NOUNS, l) || has(ACTOR_NOUNS, l) {
        "people"
    } else if has(TIME_HEADS, l) {
        "time"
    } else {
        match t.upos[w] {
            "VERB" => "verb",
            "NOUN" => "noun",
            "PROPN" => "propn",
            "ADJ" => "adj",
            _ => "other",
        }
    }
}

fn distance_bucket(d: usize) -> &'static str {
    match d {
        0..=1 => "1",
        2 => "2",
        3..=5 => "3-5",
        6..=10 => "6-10",
        11..=20 => "11-20",
        _ => "21+",
    }
}

/// Whether word `w` lies within triple `d`'s action.
fn in_action(t: &Tree, d: &TripleDraft, w: usize) -> bool {
    d.action.start <= t.words[w].start && t.words[w].end <= d.action.end
}

/// The index into `places` of triple `d`'s place, if it is one of them.
fn place_of(places: &[(usize, usize)], ms: &[&Mention], d: &TripleDraft) -> Option<usize> {
    places.iter().position(|&(mi, _)| ms[mi].start == d.place.start && ms[mi].end == d.place.end)
}

/// The features of every (predicate, place) pair, given the rules' triples: (predicate word,
/// index into `places`, features), predicates in word order.
fn pair_features(t: &Tree, places: &[(usize, usize)], rules: &[TripleDraft], ms: &[&Mention]) -> Vec<(usize, usize, Vec<String>)> {
    let n = t.low.len();
    let preds: Vec<usize> = (0..n).filter(|&v| is_predicate(t, v)).collect();
    let rule_places: Vec<Option<usize>> = rules.iter().map(|d| place_of(places, ms, d)).collect();
    // Tree and linear distance of every (predicate, place) pair, for the ranks.
    let dist: Vec<Vec<(usize, usize)>> = preds
        .iter()
        .map(|&v| {
            places
                .iter()
                .map(|&(_, ph)| {
                    let (a, b, _) = paths(t, ph, v);
                    (a.len() + b.len(), v.abs_diff(ph))
                })
                .collect()
        })
        .collect();
    let nloc = match places.len() {
        0..=2 => places.len().to_string(),
        _ => "3+".into(),
    };
    let mut out = Vec::new();
    for (vi, &v) in preds.iter().enumerate() {
        let vl = lemma(&t.low[v]);
        let passive = t.is_passive(v);
        let on_v: Vec<Option<usize>> = rules.iter().zip(&rule_places).filter(|(d, _)| in_action(t, d, v)).map(|(_, &pi)| pi).collect();
        for (pi, &(_, ph)) in places.iter().enumerate() {
            let (up, down, lca) = paths(t, ph, v);
            let rels = |ws: &[usize]| if ws.len() > 4 { "long".to_string() } else { ws.iter().map(|&w| t.rel[w]).collect::<Vec<_>>().join(">") };
            let (u, d) = (rels(&up), rels(&down));
            let u1 = up.first().map_or("-", |&w| t.rel[w]);
            let ulast = up.last().map_or("-", |&w| t.rel[w]);
            let case = t.case(ph);
            let last_case = up.last().map_or(String::new(), |&w| t.case(w));
            let lca_kind = match lca {
                Some(l) if l == v => "pred".to_string(),
                Some(l) if l == ph => "place".to_string(),
                Some(l) if is_predicate(t, l) => "otherpred".to_string(),
                Some(l) => t.upos[l].to_string(),
                None => "none".into(),
            };
            let verbs_between = up.iter().skip(1).chain(down.iter().skip(1)).filter(|&&w| t.is_verb(w)).count().min(2);
            let my = dist[vi][pi];
            let rank = dist[vi].iter().filter(|&&q| q < my).count().min(3);
            let pred_rank = dist.iter().filter(|row| row[pi] < my).count().min(3);
            // What the rules said: this predicate at this place, at another place only, or nowhere.
            let hs = if on_v.contains(&Some(pi)) {
                "same"
            } else if !on_v.is_empty() {
                "other"
            } else {
                "none"
            };
            // The rules put this place on another action.
            let elsewhere = rules.iter().zip(&rule_places).any(|(d, &q)| q == Some(pi) && !in_action(t, d, v));
            let side = if ph < v { "before" } else { "after" };
            let mut f = vec![
                format!("U:{u}"),
                format!("D:{d}"),
                format!("UD:{u}|{d}"),
                format!("U1:{u1}"),
                format!("UL:{ulast}|{lca_kind}"),
                format!("C:{case}"),
                format!("C:{case}|U1:{u1}"),
                format!("LC:{last_case}|{ulast}|{lca_kind}"),
                format!("LC:{last_case}|D:{d}"),
                format!("L:{lca_kind}"),
                format!("VB:{verbs_between}"),
                format!("VU:{}", t.upos[v]),
                format!("VR:{}", t.base(v)),
                format!("VL:{vl}"),
                format!("P:{passive}"),
                format!("S:{side}|{}", distance_bucket(my.1)),
                format!("NL:{nloc}"),
                format!("R:{rank}|NL:{nloc}"),
                format!("PR:{pred_rank}"),
                format!("R:{rank}|PR:{pred_rank}"),
                format!("H:{hs}"),
                format!("H:{hs}|R:{rank}"),
                format!("E:{elsewhere}"),
                format!("H:{hs}|E:{elsewhere}"),
            ];
            for &w in up.iter().skip(1) {
                f.push(format!("M:{}|{}", word_class(t, w), t.base(w)));
                if matches!(t.upos[w], "NOUN" | "VERB") {
                    f.push(format!("MW:{}|{}", t.low[w], t.base(w)));
                }
            }
            for k in t.kids_with(v, &["mark", "aux"]) {
                f.push(format!("K:{}|{}", t.base(k), t.low[k]));
            }
            f.push(format!("VL:{vl}|LC:{last_case}"));
            f.push(format!("VL:{vl}|UL:{ulast}"));
            // A dateline: the place opens the sentence before a dash or parenthesis.
            let first = t.mention[0] == t.mention[ph];
            let next = (ph..n).find(|&i| t.mention[i] != t.mention[ph]);
            if first && next.is_some_and(|i| matches!(t.low[i].as_str(), "-" | "—" | "–" | "(" | ":" | ",")) {
                f.push("dateline".into());
            }
            out.push((v, pi, f));
        }
    }
    out
}

/// Whether a sentence ends between words `a` and `b` (`a < b`): a word ending in ".", "!" or "?"
/// (an abbreviation's dot aside: the next word is capitalised and the word is no initial).
fn sentence_end_between(t: &Tree, a: usize, b: usize) -> bool {
    (a..b).any(|w| {
        let word = &t.text[t.words[w].clone()];
        let next = &t.text[t.words[w + 1].clone()];
        matches!(word, "." | "!" | "?") && next.starts_with(|c: char| c.is_uppercase() || c == '"' || c == '“')
    })
}

/// The rules' triples corrected by the scene model: a rule triple whose pair the model finds
/// unlikely is dropped (not one whose place the predicate takes with "at", nor an event noun's
/// name-modifier); a predicate with no rule triple gets its most likely place when that is likely
/// enough.
pub(super) fn refine(t: &Tree, ms: &[&Mention], places: &[(usize, usize)], rules: Vec<TripleDraft>) -> Vec<TripleDraft> {
    if places.is_empty() {
        return rules;
    }
    let model = model(t);
    let scored: Vec<(usize, usize, f32)> =
        pair_features(t, places, &rules, ms).iter().map(|(v, pi, f)| (*v, *pi, model.probability(f, &dense_features(t, *v, places[*pi].1)))).collect();
    let prob = |v: usize, pi: usize| scored.iter().find(|s| s.0 == v && s.1 == pi).map_or(0.0, |s| s.2);
    let mut out: Vec<TripleDraft> = rules
        .into_iter()
        .filter(|d| {
            // Kept when any word of its action is a predicate the model finds at this place; a rule
            // triple on no predicate (a light verb's noun, say) is kept as it is.
            let Some(pi) = place_of(places, ms, d) else { return true };
            let ws: Vec<usize> = (0..t.low.len()).filter(|&w| in_action(t, d, w) && is_predicate(t, w)).collect();
            // Nor is a place the predicate itself takes with "at" ("faced Panama at the Fisht
            // Stadium"), or an event noun's name-modifier ("the Madrid bombings"; not "U.S.", a
            // code that names a doer as often): scenes the model may not veto.
            let ph = places[pi].1;
            let own_scene = ws.iter().any(|&w| {
                t.head[ph] == Some(w)
                    && ((t.rel[ph].starts_with("obl") && t.case(ph) == "at") || (t.upos[w] == "NOUN" && t.rel[ph] == "compound" && !t.text[t.words[ph].clone()].contains('.')))
            });
            own_scene || ws.is_empty() || ws.iter().any(|&w| prob(w, pi) >= model.keep_threshold)
        })
        .collect();
    let mut preds: Vec<usize> = scored.iter().map(|s| s.0).collect();
    preds.dedup();
    for v in preds {
        if out.iter().any(|d| in_action(t, d, v)) {
            continue;
        }
        // Verbs only (event nouns take their places by rule), of the kinds train events are made of.
        if !t.is_verb(v) || !model.is_event_lemma(&lemma(&t.low[v])) || only_permitted(t, v) {
            continue;
        }
        let best = scored.iter().filter(|s| s.0 == v).max_by(|a, b| a.2.total_cmp(&b.2));
        let Some(&(_, pi, p)) = best.filter(|s| s.2 >= model.add_threshold) else { continue };
        let (mi, ph) = places[pi];
        // Not across a sentence end the segmenter kept inside a quotation ("... for us. We are at war").
        if sentence_end_between(t, v.min(ph), v.max(ph)) {
            continue;
        }
        let (up, _, _) = paths(t, ph, v);
        // Not through a noun the place only describes ("a town on the way to Kidal").
        if up.iter().skip(1).any(|&w| has(NOT_SCENE_NOUNS, &t.low[w]) || has(PATH_NOUNS, &t.low[w])) {
            continue;
        }
        let case = up.last().map_or(String::new(), |&w| t.case(w));
        let relation = case_relation(&case, &t.low[v]).unwrap_or(PlaceRelation::At);
        out.push(scene_triple(t, ms, v, mi, relation, p));
    }
    out.sort_by_key(|d| (d.place.start, d.action.start));
    out
}

/// One (predicate, place) pair of a sentence, for training the scene model: byte ranges in the
/// document, the features, and the current model's probability.
#[derive(Debug, Clone)]
pub struct ScenePair {
    pub predicate: Range<usize>,
    pub place: Range<usize>,
    pub features: Vec<String>,
    /// The pair's dense features (the two words' model rows and their product), or empty.
    pub dense: Vec<f32>,
    pub probability: f32,
}

/// Every (predicate, place) pair of a sentence with its features, as `refine` sees them.
pub fn scene_pairs(text: &str, p: &ParsedWords, mentions: &[Mention]) -> Vec<ScenePair> {
    let Some((t, ms)) = super::tree::read(text, p, mentions) else { return Vec::new() };
    let places = super::tree::place_heads(&t, &ms);
    let rules = super::tree::rule_triples(&t, &ms, &places);
    let model = model(&t);
    pair_features(&t, &places, &rules, &ms)
        .into_iter()
        .map(|(v, pi, features)| {
            let m = ms[places[pi].0];
            let dense = dense_features(&t, v, places[pi].1);
            ScenePair { predicate: t.words[v].clone(), place: m.start..m.end, probability: model.probability(&features, &dense), features, dense }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::super::HandParsed;
    use super::super::tree::extract_with_phrases;
    use super::*;

    fn triples(rows: &str, ents: &[(&str, &str)]) -> Vec<String> {
        let h = HandParsed::new(rows, ents);
        let text = &h.text;
        extract_with_phrases(text, &h.parsed(), &h.mentions)
            .0
            .iter()
            .map(|d| format!("{} | {} | {} | {:?}", d.actor.clone().map_or("(none)", |a| &text[a]), &text[d.action.clone()], &text[d.place.clone()], d.relation))
            .collect()
    }

    #[test]
    fn the_embedded_models_load() {
        let tree_only: SceneModel = serde_json::from_str(include_str!("scene_weights.json")).unwrap();
        let rows: SceneModel = serde_json::from_str(include_str!("scene_weights_rows.json")).unwrap();
        for m in [&tree_only, &rows] {
            assert!(m.weights.len() > 1000, "{} weights", m.weights.len());
            assert!((0.0..=1.0).contains(&m.add_threshold) && (0.0..=1.0).contains(&m.keep_threshold));
            for l in ["kill", "capture", "shoot", "protest"] {
                assert!(m.event_lemmas.iter().any(|e| e == l), "{l} is an event lemma");
            }
        }
        assert!(tree_only.dense.is_empty());
        // Over the two words' rows and their product (MiniLM rows: 384 wide).
        assert_eq!(rows.dense.len(), 3 * 384);
        for l in ["be", "had", "make", "continue"] {
            assert!(!rows.event_lemmas.iter().any(|e| e == l), "{l} is placed by the rules only");
        }
    }

    #[test]
    fn a_place_inside_the_object_is_the_scene() {
        // "A car bomb destroyed an upscale Baghdad restaurant": no rule reads Baghdad, the model
        // does; the subject of a transitive verb acts ("someone or something acts", the spec).
        let rows =
            "A DET 3 det\n car NOUN 3 compound\n bomb NOUN 4 nsubj\n destroyed VERB 0 root\n an DET 8 det\n upscale ADJ 8 amod\n Baghdad PROPN 8 compound\n restaurant NOUN 4 obj";
        assert_eq!(triples(rows, &[("Baghdad", "LOC")]), vec!["A car bomb | destroyed | Baghdad | At"]);
    }

    #[test]
    fn a_fronted_place_is_the_scene_of_the_clause() {
        // "In western Kasese district, local defense units patrol day and night."
        let rows = "In ADP 4 case\n western ADJ 4 amod\n Kasese PROPN 4 compound\n district NOUN 9 obl\n , PUNCT 4 punct\n local ADJ 8 amod\n defense NOUN 8 compound\n units NOUN 9 nsubj\n patrol VERB 0 root\n day NOUN 9 obl:tmod\n and CCONJ 12 cc\n night NOUN 10 conj";
        assert_eq!(triples(rows, &[("Kasese", "LOC")]), vec!["local defense units | patrol | Kasese | At"]);
    }

    #[test]
    fn no_place_for_verbs_that_are_no_events_or_places_of_other_nouns() {
        // "Kerry contacted Thailand's foreign minister": "contact" is no event word of train.
        let rows = "Kerry PROPN 2 nsubj\n contacted VERB 0 root\n Thailand PROPN 6 nmod:poss\n 's PART 3 case\n foreign ADJ 6 amod\n minister NOUN 2 obj";
        assert!(triples(rows, &[("Kerry", "PER"), ("Thailand", "LOC")]).is_empty());
        // "Refugees from Eritrea protested": the place is where the people come from.
        let rows = "Refugees NOUN 4 nsubj\n from ADP 3 case\n Eritrea PROPN 1 nmod\n protested VERB 0 root";
        assert!(triples(rows, &[("Eritrea", "LOC")]).is_empty());
    }
}
