//! Lexical actor–action–place rules over one sentence's words and entity mentions, for models
//! without syntax heads (see `tree` for the rules over a dependency parse).
//!
//! No parser: the sentence is tokenised (entity mentions become single tokens) and, for every LOC
//! mention, the rules walk left through `VERB [particle] [object] PREP [qualifier] [descriptor] PLACE`,
//! then look further left for a subject (named PER/ORG, pronoun or actor noun phrase).

use super::TripleDraft;
use super::lexicon::*;
use crate::doc::{Mention, Sentence};
use crate::record::PlaceRelation;
use crate::words::split_words;

// ---------------------------------------------------------------- tokens

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Word,
    Punct,
    Per,
    Org,
    Loc,
    Misc,
}

/// An inclusive token range.
type TokSpan = (usize, usize);

#[derive(Debug, Clone)]
struct Tok {
    s: usize,
    e: usize,
    low: String,
    kind: Kind,
    /// Starts with an upper-case letter.
    cap: bool,
}

impl Tok {
    fn is(&self, w: &str) -> bool {
        self.low == w
    }
    fn word(&self) -> bool {
        self.kind == Kind::Word
    }
    fn ent(&self) -> bool {
        !matches!(self.kind, Kind::Word | Kind::Punct)
    }
    fn quote(&self) -> bool {
        self.kind == Kind::Punct && matches!(self.low.as_str(), "\"" | "“" | "”" | "«" | "»")
    }
}

/// The sentence as tokens: its words (`words::split_words`, clitics apart) with each mention as one token.
fn tokenize(text: &str, sentence: &Sentence, mentions: &[Mention]) -> Vec<Tok> {
    let ms: Vec<&Mention> = mentions.iter().filter(|m| m.start >= sentence.start && m.end <= sentence.end && m.start < m.end).collect();
    let mut toks: Vec<Tok> = Vec::new();
    let mut mi = 0;
    for w in split_words(&text[sentence.clone()]) {
        let (s, e) = (w.start + sentence.start, w.end + sentence.start);
        while mi < ms.len() && ms[mi].end <= s {
            mi += 1;
        }
        if let Some(m) = ms.get(mi).filter(|m| m.start < e) {
            // A word inside a mention: the mention is one token, pushed once.
            if toks.last().is_none_or(|t| t.s != m.start) {
                let kind = match m.label.as_str() {
                    "PER" => Kind::Per,
                    "ORG" => Kind::Org,
                    "LOC" => Kind::Loc,
                    _ => Kind::Misc,
                };
                toks.push(Tok { s: m.start, e: m.end, low: text[m.start..m.end].to_lowercase(), kind, cap: true });
            }
            continue;
        }
        let word = &text[s..e];
        let first = word.chars().next().unwrap_or(' ');
        let kind = if first.is_alphanumeric() || word.chars().count() > 1 { Kind::Word } else { Kind::Punct };
        let low = word.to_lowercase().replace('’', "'");
        toks.push(Tok { s, e, low, kind, cap: first.is_uppercase() });
    }
    toks
}

fn is_verb(t: &Tok) -> bool {
    if !t.word() || has(NON_VERBS, &t.low) && !has(BE, &t.low) {
        return false;
    }
    let w = t.low.as_str();
    if IRREGULAR.iter().any(|(f, _)| *f == w) || has(BASE_VERBS, w) || has(REPORTING, w) {
        return true;
    }
    if w.len() >= 3
        && let Some(s) = w.strip_suffix('s')
        && (has(BASE_VERBS, s) || has(BASE_VERBS, s.strip_suffix('e').unwrap_or(s)))
    {
        return true;
    }
    w.len() >= 5 && (w.ends_with("ed") || w.ends_with("ing")) && w.chars().all(|c| c.is_alphabetic())
}

/// A verb in context: not right after a determiner ("a base") or a preposition ("under fire"), gerunds aside.
fn verb_at(toks: &[Tok], k: usize) -> bool {
    let t = &toks[k];
    if !is_verb(t) {
        return false;
    }
    match k.checked_sub(1).map(|j| &toks[j]) {
        Some(prev) if has(DETS, &prev.low) && !prev.is("that") => false,
        Some(prev) if has(PREPS, &prev.low) && !prev.is("to") && !t.low.ends_with("ing") => false,
        // "struck targets": a second verb form right after a full verb is its object.
        Some(prev) if is_verb(prev) && !has(AUX, &prev.low) && !has(REPORTING, &prev.low) && !t.low.ends_with("ing") && !has(IRREGULAR_ONLY, &t.low) => false,
        _ => true,
    }
}

fn is_adverb(t: &Tok) -> bool {
    t.word()
        && (has(ADVERBS, &t.low)
            || (t.low.len() >= 5 && t.low.ends_with("ly") && !["family", "rally", "assembly", "italy", "supply", "reply", "july", "only"].contains(&t.low.as_str())))
}

fn is_function(t: &Tok) -> bool {
    let w = t.low.as_str();
    t.word()
        && (has(DETS, w)
            || has(PREPS, w)
            || has(AUX, w)
            || has(SUBJ_PRONOUNS, w)
            || has(NEG, w)
            || has(CONJ, w)
            || has(REPORTING, w)
            || matches!(w, "who" | "which" | "whom" | "whose" | "where" | "when" | "while" | "if" | "because" | "'s"))
}

/// A content word that can sit inside a noun phrase (adjective, noun, number).
fn is_modifier(t: &Tok) -> bool {
    t.word() && !is_function(t) && (!is_verb(t) || has(NON_VERBS, &t.low) || has(ACTOR_NOUNS, &t.low)) && !is_adverb(t)
}

fn is_number(t: &Tok) -> bool {
    t.word() && (t.low.chars().next().is_some_and(|c| c.is_ascii_digit()) || has(NUMBER_WORDS, &t.low) || t.low == "some" || t.low == "about")
}

fn prep_relation(w: &str) -> Option<PlaceRelation> {
    Some(match w {
        "in" | "at" | "inside" | "within" | "across" | "throughout" | "through" | "via" => PlaceRelation::At,
        "to" | "towards" | "toward" | "into" | "onto" | "for" => PlaceRelation::To,
        "from" => PlaceRelation::From,
        "near" | "outside" | "around" | "beside" | "nearby" => PlaceRelation::Near,
        _ => return None,
    })
}

// ---------------------------------------------------------------- extraction

/// The verb phrase and place attachment found for one place.
struct Attach {
    verb: usize,
    action_end: usize,
    lemma: String,
    relation: PlaceRelation,
    qualifier: Option<String>,
    object: Option<(usize, usize)>,
    fronted: bool,
    explicit: bool,
}

/// Extracts the triples of one sentence. `sentence` is a byte range of `text`; `mentions` are all the
/// document's mentions (after `merge_actor_phrases`), sorted; those inside the sentence are used.
pub fn extract_triples(text: &str, sentence: &Sentence, mentions: &[Mention]) -> Vec<TripleDraft> {
    let toks = tokenize(text, sentence, mentions);
    let times = time_spans(&toks);
    let mut out: Vec<TripleDraft> = Vec::new();
    let mut by_place: Vec<(usize, usize)> = Vec::new();
    for p in 0..toks.len() {
        if toks[p].kind != Kind::Loc {
            continue;
        }
        if let Some(d) = triple_for_place(&toks, p, &times) {
            by_place.push((p, out.len()));
            out.push(d);
        } else if let Some((q, pr, rel)) = chained_pp(&toks, p)
            && let Some(&(_, oi)) = by_place.iter().find(|(x, _)| *x == q)
        {
            // "crossed into Niger from Mali": a second place phrase of the same verb.
            let mut d = out[oi].clone();
            let v = toks.iter().position(|t| t.s == d.action.start).unwrap_or(0);
            let mut core = v;
            let mut lem = lemma(&toks[v].low);
            if v + 1 < toks.len() && has(PARTICLES, &toks[v + 1].low) && toks[v + 1].e <= d.action.end && v + 1 != pr {
                core = v + 1;
                lem = format!("{lem} {}", toks[core].low);
            }
            d.action = toks[v].s..toks[core].e;
            d.lemma = Some(format!("{lem} {}", toks[pr].low));
            d.place = toks[p].s..toks[p].e;
            d.relation = rel;
            d.qualifier = None;
            d.object = None;
            by_place.push((p, out.len()));
            out.push(d);
        } else if p >= 2
            && (has(CONJ, &toks[p - 1].low) || toks[p - 1].is(","))
            && let Some(&(_, oi)) = by_place.iter().find(|(q, _)| *q == p - 2)
        {
            // "left Gao and Kidal": the coordinated place shares the triple.
            let mut d = out[oi].clone();
            d.place = toks[p].s..toks[p].e;
            by_place.push((p, out.len()));
            out.push(d);
        }
    }
    out
}

/// "X from Mali" right after another place phrase: (previous place, preposition, relation).
fn chained_pp(toks: &[Tok], p: usize) -> Option<(usize, usize, PlaceRelation)> {
    let i = skip_descriptor(toks, p);
    if i < 2 || toks[i - 2].kind != Kind::Loc {
        return None;
    }
    Some((i - 2, i - 1, prep_relation(&toks[i - 1].low)?))
}

fn triple_for_place(toks: &[Tok], p: usize, times: &[(usize, usize)]) -> Option<TripleDraft> {
    let att = attach(toks, p)?;
    let v = att.verb;
    let (actor, attributed, act_score) = if att.fronted {
        let (a, _) = actor_after(toks, p, v)?;
        (a, None, 0.05)
    } else {
        find_actor(toks, v)?
    };
    // "Wagner fighters and Malian soldiers": a coordinated subject joins the actor.
    let mut actor = actor;
    if actor.0 >= 2
        && toks[actor.0 - 1].is("and")
        && let Some((s, e)) = candidate(toks, actor.0 - 2, actor.0)
        && e == actor.0 - 2
    {
        actor.0 = s;
    }
    // Negation: in the auxiliary chain directly before the verb, or inside the action ("are not in").
    let mut negated = (v..=att.action_end).any(|j| has(NEG, &toks[j].low));
    let mut k = v;
    while k > 0 {
        let t = &toks[k - 1];
        if has(NEG, &t.low) {
            negated = true;
        } else if !(has(AUX, &t.low) || is_adverb(t) || t.quote()) {
            break;
        }
        k -= 1;
    }
    let attributed = attributed.or_else(|| reporter_before(toks, actor.0)).or_else(|| quote_reporter(toks, v));
    let time = nearest_time(toks, times, v);
    let mut score = 0.5 + act_score;
    if att.explicit {
        score += 0.15;
    }
    if att.object.is_some() {
        score -= 0.05;
    }
    if att.fronted {
        score -= 0.1;
    }
    let span = |a: usize, b: usize| toks[a].s..toks[b].e;
    Some(TripleDraft {
        actor: Some(span(actor.0, actor.1)),
        nominal: false,
        action: span(v, att.action_end),
        lemma: Some(att.lemma),
        place: span(p, p),
        relation: att.relation,
        qualifier: att.qualifier,
        negated,
        object: att.object.map(|(a, b)| span(a, b)),
        time: time.map(|(a, b)| span(a, b)),
        attributed_to: attributed.map(|(a, b)| span(a, b)),
        score: score.clamp(0.05, 0.95),
    })
}

/// Walks left from the place to the preposition, qualifier and verb that govern it.
fn attach(toks: &[Tok], p: usize) -> Option<Attach> {
    let mut i = skip_descriptor(toks, p);
    let mut qualifier: Option<String> = None;
    let mut relation: Option<PlaceRelation> = None;
    let mut prep: Option<(usize, usize)> = None; // token range of the place preposition
    let mut directional = false;
    let mut light = false;
    let mut part = false;
    // Qualifier: "south of", "110 kilometres (70 miles) south of", "the outskirts of", "control of".
    if i >= 2 && toks[i - 1].is("of") {
        let w = toks[i - 2].low.as_str();
        if has(DIRECTIONS, w) {
            if i >= 3 && toks[i - 3].is("the") {
                qualifier = Some(format!("{w} of"));
                i -= 3;
            } else {
                let mut k = i - 2;
                let mut words = vec![w.to_string(), "of".to_string()];
                if k > 0 && toks[k - 1].is(")") {
                    let open = (0..k - 1).rev().find(|&j| toks[j].is("("))?;
                    k = open;
                }
                if k >= 2 && has(UNITS, &toks[k - 1].low) && is_number(&toks[k - 2]) {
                    words.splice(0..0, [toks[k - 2].low.clone(), toks[k - 1].low.clone()]);
                    k -= 2;
                }
                qualifier = Some(words.join(" "));
                relation = Some(PlaceRelation::Near);
                directional = true;
                i = k;
            }
        } else if has(PART_NOUNS, w) {
            qualifier = Some(format!("{w} of"));
            if has(NEAR_PARTS, w) {
                relation = Some(PlaceRelation::Near);
            }
            part = true;
            i -= 2;
            while i > 0 && (has(DETS, &toks[i - 1].low) || (is_modifier(&toks[i - 1]) && !has(PREPS, &toks[i - 1].low))) {
                let det = has(DETS, &toks[i - 1].low);
                i -= 1;
                if det {
                    break;
                }
            }
        } else if w == "out" {
            prep = Some((i - 2, i - 1));
            relation = Some(PlaceRelation::From);
            i -= 2;
        } else if has(LIGHT_NOUNS, w) {
            light = true;
            prep = Some((i - 1, i - 1));
            relation = Some(PlaceRelation::At);
            i -= 2; // at the light noun
        } else {
            return None;
        }
    }
    // Preposition.
    if prep.is_none() && !directional && i > 0 {
        let t = &toks[i - 1];
        let rel = prep_relation(&t.low).or(if part && t.is("on") { Some(PlaceRelation::At) } else { None });
        if let Some(r) = rel {
            let mut start = i - 1;
            let mut r = r;
            if t.is("to") && i >= 2 && (toks[i - 2].is("close") || toks[i - 2].is("next")) {
                start = i - 2;
                r = PlaceRelation::Near;
            }
            relation = Some(relation.unwrap_or(r));
            prep = Some((start, i - 1));
            i = start;
        }
    }
    let explicit = prep.is_some() || directional;
    // Verb phrase.
    let mut k = i; // tokens before k remain
    let mut object = None;
    if light {
        // "took full control of": adjectives and determiners between verb and light noun.
        let mut n = 0;
        while k > 0 && n < 3 && (is_modifier(&toks[k - 1]) || has(DETS, &toks[k - 1].low)) && !is_verb(&toks[k - 1]) {
            k -= 1;
            n += 1;
        }
    } else {
        while k > 0 && (is_adverb(&toks[k - 1]) || toks[k - 1].quote() || has(NEG, &toks[k - 1].low) || has(DIRECTIONS, &toks[k - 1].low)) && !is_verb(&toks[k - 1]) {
            k -= 1;
        }
    }
    let adjacent = k;
    let found_verb = |k: usize| -> Option<(usize, Option<usize>)> {
        // verb, or verb + particle
        if k == 0 {
            return None;
        }
        let t = &toks[k - 1];
        if verb_at(toks, k - 1) && !has(AUX, &t.low) || has(BE, &t.low) {
            return Some((k - 1, None));
        }
        if has(PARTICLES, &t.low) && k >= 2 && verb_at(toks, k - 2) && !has(BE, &toks[k - 2].low) {
            return Some((k - 2, Some(k - 1)));
        }
        None
    };
    let mut vp = if prep.is_some() || directional || light {
        found_verb(adjacent)
    } else {
        // Direct object: the verb stands right before the place (or its descriptor).
        found_verb(i)
    };
    if vp.is_none() && (prep.is_some() || directional) && !light {
        // An object noun phrase between verb and preposition: "shot down an army plane south of".
        let mut k = i;
        let mut n = 0;
        while k > 0 && n < 7 {
            let t = &toks[k - 1];
            if has(DETS, &t.low) {
                k -= 1;
                break;
            }
            let nounish = is_modifier(t) || (is_verb(t) && !is_function(t) && !verb_at(toks, k - 1));
            if nounish || t.is("'s") || matches!(t.kind, Kind::Per | Kind::Org | Kind::Misc) {
                k -= 1;
                n += 1;
            } else {
                break;
            }
        }
        if k < i && !(k > 0 && toks[k - 1].kind == Kind::Loc) {
            vp = found_verb(k);
            if vp.is_some() {
                object = Some((k, i - 1));
            }
        }
    }
    let Some((v, particle)) = vp else {
        // Fronted: "In Gao, troops ..." / "This morning in the town of X we saw".
        let r = relation?;
        let pr = prep?;
        if !fronted_left(toks, pr.0) {
            return None;
        }
        let (_, (v, particle)) = actor_after(toks, p, usize::MAX)?;
        let vlow = &toks[v].low;
        let mut lem = lemma(vlow);
        if let Some(pt) = particle {
            lem = format!("{lem} {}", toks[pt].low);
        }
        return Some(Attach { verb: v, action_end: particle.unwrap_or(v), lemma: lem, relation: r, qualifier, object: None, fronted: true, explicit: true });
    };
    if has(REPORTING, &toks[v].low) {
        return None;
    }
    if passive(toks, v) && !has(PASSIVE_OK, lemma(&toks[v].low).as_str()) {
        return None;
    }
    let is_be = has(BE, &toks[v].low);
    if is_be && (object.is_some() || light || prep.is_none()) {
        return None;
    }
    let vlem = lemma(&toks[v].low);
    let mut lem = vlem.clone();
    if let Some(pt) = particle {
        lem = format!("{lem} {}", toks[pt].low);
    }
    let relation = match relation {
        Some(r) => {
            if prep.is_some_and(|(a, _)| toks[a].is("for")) && !has(MOTION_FOR, vlem.as_str()) {
                return None;
            }
            r
        }
        None => direct_relation(&vlem)?,
    };
    // Action span and lemma tail.
    let action_end = if light {
        lem = format!("{lem} {} of", toks[i].low);
        i + 1
    } else if object.is_none() && !directional {
        match prep {
            Some((a, b)) => {
                let words: Vec<&str> = (a..=b).map(|j| toks[j].low.as_str()).collect();
                lem = format!("{lem} {}", words.join(" "));
                b
            }
            None => particle.unwrap_or(v),
        }
    } else {
        particle.unwrap_or(v)
    };
    Some(Attach { verb: v, action_end, lemma: lem, relation, qualifier, object, fronted: false, explicit })
}

/// A participle after a form of "be" in its auxiliary chain ("was ambushed").
fn passive(toks: &[Tok], v: usize) -> bool {
    let t = &toks[v].low;
    if t.ends_with("ing") || lemma(t) == *t || has(BE, t) {
        return false;
    }
    let mut k = v;
    while k > 0 && (has(AUX, &toks[k - 1].low) || has(NEG, &toks[k - 1].low) || is_adverb(&toks[k - 1])) {
        if has(BE, &toks[k - 1].low) {
            return true;
        }
        k -= 1;
    }
    false
}

/// Skips "the city of", "the northern rebel stronghold", "the" before a place; returns the new left edge.
fn skip_descriptor(toks: &[Tok], p: usize) -> usize {
    let mut i = p;
    if i >= 2 && toks[i - 1].is("of") && has(DESCRIPTORS, &toks[i - 2].low) {
        i -= 2;
    } else if i >= 1 && has(DESCRIPTORS, &toks[i - 1].low) {
        i -= 1;
    } else {
        // "the Kidal region", "northern Mali", "war-torn Gaza"
        let mut n = 0;
        while i >= 1
            && n < 2
            && is_modifier(&toks[i - 1])
            && !toks[i - 1].cap
            && !has(PART_NOUNS, &toks[i - 1].low)
            && !has(DIRECTIONS, &toks[i - 1].low)
            && !has(UNITS, &toks[i - 1].low)
        {
            i -= 1;
            n += 1;
        }
        if i >= 1 && toks[i - 1].is("the") {
            i -= 1;
        }
        return i;
    }
    let mut n = 0;
    while i > 0 && n < 4 {
        let t = &toks[i - 1];
        if has(DETS, &t.low) {
            return i - 1;
        }
        if (is_modifier(t) || t.kind == Kind::Misc) && !has(PART_NOUNS, &t.low) && !has(DIRECTIONS, &t.low) {
            i -= 1;
            n += 1;
        } else {
            break;
        }
    }
    i
}

/// True when nothing but time words, adverbs, commas or quotes stand before token `k`.
fn fronted_left(toks: &[Tok], k: usize) -> bool {
    toks[..k].iter().all(|t| has(TIME_HEADS, &t.low) || has(TIME_MODS, &t.low) || is_adverb(t) || t.is(",") || t.quote() || has(CONJ, &t.low))
}

/// For a fronted place phrase: the subject and verb right after the place (within `limit`).
fn actor_after(toks: &[Tok], p: usize, limit: usize) -> Option<(TokSpan, (usize, Option<usize>))> {
    let mut k = p + 1;
    if k < toks.len() && toks[k].is(",") {
        k += 1;
    }
    let start = k;
    let end = if k < toks.len() && (toks[k].kind == Kind::Per || toks[k].kind == Kind::Org || has(SUBJ_PRONOUNS, &toks[k].low)) {
        k
    } else {
        let mut j = k;
        while j < toks.len() && j < k + 5 && (has(DETS, &toks[j].low) || is_modifier(&toks[j]) || toks[j].kind == Kind::Misc) && !has(ACTOR_NOUNS, &toks[j].low) {
            j += 1;
        }
        if j < toks.len() && has(ACTOR_NOUNS, &toks[j].low) { j } else { return None }
    };
    let mut v = end + 1;
    while v < toks.len()
        && (has(AUX, &toks[v].low) || has(NEG, &toks[v].low) || is_adverb(&toks[v]))
        && !(has(BE, &toks[v].low) && v + 1 < toks.len() && has(PREPS, &toks[v + 1].low))
    {
        v += 1;
    }
    if v >= toks.len() || !is_verb(&toks[v]) || has(REPORTING, &toks[v].low) || (limit != usize::MAX && v != limit) {
        return None;
    }
    let particle = (v + 1 < toks.len() && has(PARTICLES, &toks[v + 1].low) && !toks[v + 1].is("in") && !toks[v + 1].is("on")).then_some(v + 1);
    Some(((start, end), (v, particle)))
}

/// The noun phrase headed by token `h` (an actor noun), expanded left over modifiers and "X of".
fn np_left(toks: &[Tok], h: usize) -> usize {
    let mut s = h;
    let mut n = 0;
    while s > 0 && n < 7 {
        let t = &toks[s - 1];
        if has(DETS, &t.low) && !t.is("that") {
            s -= 1;
            if s >= 2 && toks[s - 1].is("of") && is_modifier(&toks[s - 2]) {
                s -= 2;
                n += 2;
                continue;
            }
            break;
        } else if s >= 2 && ((t.is("of") && is_modifier(&toks[s - 2])) || (t.is("'s") && (is_modifier(&toks[s - 2]) || toks[s - 2].ent()))) {
            // "convoy of its forces", "the army's troops"
            s -= 2;
        } else if is_modifier(t) || matches!(t.kind, Kind::Misc | Kind::Org) || (is_adverb(t) && s >= 2 && is_modifier(&toks[s]) && has(DETS, &toks[s - 2].low)) {
            s -= 1;
        } else {
            break;
        }
        n += 1;
    }
    s
}

/// The actor candidate whose head (or last token) is `k`: (start, end) token range.
fn candidate(toks: &[Tok], k: usize, stop: usize) -> Option<(usize, usize)> {
    let t = &toks[k];
    if k + 1 < toks.len() && toks[k + 1].is("'s") {
        return None;
    }
    if matches!(t.kind, Kind::Per | Kind::Org) || (t.word() && has(SUBJ_PRONOUNS, &t.low)) {
        return Some((k, k));
    }
    if t.word() && has(ACTOR_NOUNS, &t.low) {
        let s = np_left(toks, k);
        // "The column of vehicles": extend right over "of" + noun phrase.
        let mut e = k;
        if k + 2 < stop && toks[k + 1].is("of") {
            let mut j = k + 2;
            while j < stop && (has(DETS, &toks[j].low) || is_modifier(&toks[j])) {
                j += 1;
            }
            if j > k + 2 {
                e = j - 1;
            }
        }
        return Some((s, e));
    }
    None
}

/// Token before `s`, skipping an opening bracket; token after `e`, skipping a closing one.
fn neighbours(toks: &[Tok], s: usize, e: usize) -> (Option<&Tok>, Option<&Tok>) {
    let mut a = s;
    if a > 0 && toks[a - 1].is("(") {
        a -= 1;
    }
    let mut b = e + 1;
    if b < toks.len() && toks[b].is(")") {
        b += 1;
    }
    (if a > 0 { toks.get(a - 1) } else { None }, toks.get(b))
}

/// Whether the phrase at `s..=e` reads as a clause subject (not an object, not a prepositional object).
fn subject_like(toks: &[Tok], s: usize, e: usize) -> bool {
    let (prev, next) = neighbours(toks, s, e);
    let prev = if toks[s].ent() {
        // "the (Malian army)": look past a determiner before a named actor.
        match prev {
            Some(t) if has(DETS, &t.low) => {
                let j = toks.iter().position(|x| std::ptr::eq(x, t)).unwrap_or(0);
                neighbours(toks, j, e).0
            }
            other => other,
        }
    } else {
        prev
    };
    let prev_ok = match prev {
        None => true,
        Some(t) => {
            !(t.ent() || (has(PREPS, &t.low) && !t.is("that") && !t.is("as")) || (is_verb(t) && !has(REPORTING, &t.low) && !has(AUX, &t.low)) || has(DETS, &t.low) && !t.is("that"))
        }
    };
    let next_ok = match next {
        None => false,
        Some(t) => {
            t.kind == Kind::Punct && !t.is("'")
                || (t.word() && (is_verb(t) || has(AUX, &t.low) && !t.is("to") || has(NEG, &t.low) || is_adverb(t) || matches!(t.low.as_str(), "who" | "which" | "that")))
        }
    };
    prev_ok && next_ok
}

/// Walks left from verb `v` to its subject. Returns (actor, attributed_to, score bonus).
fn find_actor(toks: &[Tok], v: usize) -> Option<(TokSpan, Option<TokSpan>, f32)> {
    let mut crossed_report = false;
    let mut k = v;
    let mut steps = 0;
    while k > 0 && steps < 30 {
        k -= 1;
        steps += 1;
        let t = &toks[k];
        if matches!(t.low.as_str(), "." | "!" | "?" | ";" | ":") {
            return None;
        }
        if t.is("who") || t.is("which") || (t.is("that") && k > 0 && !has(REPORTING, &toks[k - 1].low) && is_modifier(&toks[k - 1])) {
            // Relative clause: the antecedent acts.
            let mut j = k;
            if j > 0 && toks[j - 1].is(",") {
                j -= 1;
            }
            if j == 0 {
                return None;
            }
            let c = candidate(toks, j - 1, k)?;
            return Some((c, None, 0.1));
        }
        if has(REPORTING, &t.low) {
            crossed_report = true;
            continue;
        }
        if let Some((s, e)) = candidate(toks, k, v)
            && e < v
            && subject_like(toks, s, e)
        {
            let bonus = if toks[k].ent() {
                0.2
            } else if has(SUBJ_PRONOUNS, &toks[k].low) {
                0.05
            } else {
                0.15
            };
            return Some(((s, e), crossed_report.then_some((s, e)), bonus));
        }
    }
    None
}

/// "the army said [that] X ...": the reporter of the clause whose subject starts at `s`.
fn reporter_before(toks: &[Tok], s: usize) -> Option<(usize, usize)> {
    let mut k = s;
    let mut n = 0;
    while k > 0 && n < 7 {
        k -= 1;
        n += 1;
        let t = &toks[k];
        if has(REPORTING, &t.low) {
            return subject_of_report(toks, k);
        }
        if matches!(t.low.as_str(), "." | "!" | "?" | ";") || t.quote() || verb_at(toks, k) {
            return None;
        }
    }
    None
}

/// The subject of reporting verb `r`, skipping appositions ("X, a spokesperson for Y, confirmed").
fn subject_of_report(toks: &[Tok], r: usize) -> Option<(usize, usize)> {
    let mut k = r;
    let mut fallback = None;
    while k > 0 && r - k < 40 {
        k -= 1;
        if matches!(toks[k].low.as_str(), "." | "!" | "?" | ";") || toks[k].quote() {
            break;
        }
        if let Some((s, e)) = candidate(toks, k, r)
            && subject_like(toks, s, e)
        {
            let (prev, next) = neighbours(toks, s, e);
            let apposition = prev.is_some_and(|t| t.is(",")) && next.is_some_and(|t| t.is(","));
            if !apposition {
                return Some((s, e));
            }
            fallback.get_or_insert((s, e));
        }
    }
    fallback
}

/// `"...", the military said` / `..., officials said`: the speaker of the clause of token `v`.
fn quote_reporter(toks: &[Tok], v: usize) -> Option<(usize, usize)> {
    let opened = toks[..v].iter().filter(|t| t.quote()).count() % 2 == 1;
    let q = if opened { (v + 1..toks.len()).find(|&j| toks[j].quote())? } else { (v + 1..toks.len()).rev().find(|&j| toks[j].is(","))? };
    let mut k = q + 1;
    if k < toks.len() && toks[k].is(",") {
        k += 1;
    }
    // "said the military" or "the military said"
    if k < toks.len() && has(REPORTING, &toks[k].low) {
        let j = (k + 1..toks.len().min(k + 7)).find(|&j| candidate(toks, j, toks.len()).is_some())?;
        let (_, e) = candidate(toks, j, toks.len())?;
        return Some((k + 1, e));
    }
    let r = (k..toks.len().min(k + 10)).find(|&r| has(REPORTING, &toks[r].low))?;
    (k..r).filter_map(|j| candidate(toks, j, r)).find(|&(s, e)| s == k && e + 1 < toks.len() && !is_modifier(&toks[e + 1]))
}

/// Time expressions of the sentence as token ranges: "on Monday", "early this morning", "at the time".
fn time_spans(toks: &[Tok]) -> Vec<(usize, usize)> {
    let mut out: Vec<(usize, usize)> = Vec::new();
    let mut k = 0;
    while k < toks.len() {
        let t = &toks[k];
        let year = t.word() && t.low.len() == 4 && t.low.chars().all(|c| c.is_ascii_digit()) && k > 0 && has(&["in", "since", "until"], &toks[k - 1].low);
        let head = t.word() && has(TIME_HEADS, &t.low) && !(t.is("may") || t.is("march")) || year;
        if !head {
            k += 1;
            continue;
        }
        let mut s = k;
        while s > 0 && has(TIME_MODS, &toks[s - 1].low) && s + 3 > k {
            s -= 1;
        }
        // "the" only inside "at the time"; "that"/"in"/"at" need a following modifier or head.
        if toks[s].is("the") || (toks[s].is("that") && s + 1 == k) {
            s += 1;
        }
        let generic = matches!(t.low.as_str(), "time" | "week" | "month" | "year" | "night") && s == k;
        let mut e = k;
        while e + 1 < toks.len() && matches!(toks[e + 1].low.as_str(), "morning" | "evening" | "night" | "afternoon") {
            e += 1;
        }
        if !generic {
            out.push((s, e));
        }
        k = e + 1;
    }
    out
}

/// The time expression closest to verb `v` within the same quote/clause segment.
fn nearest_time(toks: &[Tok], times: &[(usize, usize)], v: usize) -> Option<(usize, usize)> {
    let seg = |i: usize| toks[..i].iter().filter(|t| t.quote() || t.is(".") || t.is(";")).count();
    let sv = seg(v);
    times.iter().filter(|(s, _)| seg(*s) == sv).min_by_key(|(s, e)| if *e < v { v - e } else { s - v }).copied()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Runs the rules on `text` (one sentence) with the given (phrase, label) mentions.
    fn run(text: &str, ents: &[(&str, &str)]) -> Vec<TripleDraft> {
        let mut ms: Vec<Mention> = ents
            .iter()
            .map(|(w, l)| {
                let s = text.find(w).unwrap();
                Mention { start: s, end: s + w.len(), label: l.to_string(), score: 0.9 }
            })
            .collect();
        ms.sort_by_key(|m| m.start);
        extract_triples(text, &(0..text.len()), &ms)
    }

    fn show(text: &str, d: &TripleDraft) -> (String, String, String, PlaceRelation, bool) {
        (d.actor.clone().map_or(String::new(), |a| text[a].to_string()), text[d.action.clone()].to_string(), text[d.place.clone()].to_string(), d.relation, d.negated)
    }

    #[test]
    fn attack_with_object_and_time() {
        let t = "Rebels attacked a base in Kidal on Monday.";
        let out = run(t, &[("Kidal", "LOC")]);
        assert_eq!(out.len(), 1);
        assert_eq!(show(t, &out[0]), ("Rebels".into(), "attacked".into(), "Kidal".into(), PlaceRelation::At, false));
        assert_eq!(&t[out[0].object.clone().unwrap()], "a base");
        assert_eq!(&t[out[0].time.clone().unwrap()], "on Monday");
        assert_eq!(out[0].lemma.as_deref(), Some("attack"));
    }

    #[test]
    fn withdrawal_and_travel() {
        let t = "French troops withdrew from Gao.";
        let out = run(t, &[("French troops", "ORG"), ("Gao", "LOC")]);
        assert_eq!(show(t, &out[0]), ("French troops".into(), "withdrew from".into(), "Gao".into(), PlaceRelation::From, false));
        assert_eq!(out[0].lemma.as_deref(), Some("withdraw from"));
        let t = "The president travelled to Paris.";
        let out = run(t, &[("Paris", "LOC")]);
        assert_eq!(show(t, &out[0]), ("The president".into(), "travelled to".into(), "Paris".into(), PlaceRelation::To, false));
        assert_eq!(out[0].lemma.as_deref(), Some("travel to"));
    }

    #[test]
    fn negation_and_descriptor() {
        let t = "Police did not enter the city of Lyon.";
        let out = run(t, &[("Lyon", "LOC")]);
        assert_eq!(show(t, &out[0]), ("Police".into(), "enter".into(), "Lyon".into(), PlaceRelation::To, true));
    }

    #[test]
    fn reported_clause_and_vicinity() {
        let t = "The army said it had arrived near Timbuktu.";
        let out = run(t, &[("Timbuktu", "LOC")]);
        assert_eq!(show(t, &out[0]), ("it".into(), "arrived near".into(), "Timbuktu".into(), PlaceRelation::Near, false));
        assert_eq!(&t[out[0].attributed_to.clone().unwrap()], "The army");
    }

    #[test]
    fn directional_qualifier_and_particle() {
        let t = "The rebels claimed to have shot down an army plane 20 km south of Gao.";
        let out = run(t, &[("Gao", "LOC")]);
        assert_eq!(show(t, &out[0]), ("The rebels".into(), "shot down".into(), "Gao".into(), PlaceRelation::Near, false));
        assert_eq!(out[0].qualifier.as_deref(), Some("20 km south of"));
        assert_eq!(&t[out[0].object.clone().unwrap()], "an army plane");
    }

    #[test]
    fn second_place_phrase_and_trailing_reporter() {
        let t = "Refugees crossed into Niger from Mali.";
        let out = run(t, &[("Niger", "LOC"), ("Mali", "LOC")]);
        assert_eq!(show(t, &out[1]), ("Refugees".into(), "crossed".into(), "Mali".into(), PlaceRelation::From, false));
        let t = "Troops are not in Menaka, the governor said.";
        let out = run(t, &[("Menaka", "LOC")]);
        assert_eq!(show(t, &out[0]), ("Troops".into(), "are not in".into(), "Menaka".into(), PlaceRelation::At, true));
        assert_eq!(&t[out[0].attributed_to.clone().unwrap()], "the governor");
    }

    #[test]
    fn passive_victims_are_not_actors() {
        assert!(run("The convoy was ambushed near Anefis.", &[("Anefis", "LOC")]).is_empty());
        let t = "Soldiers were deployed to Gao.";
        assert_eq!(show(t, &run(t, &[("Gao", "LOC")])[0]).1, "deployed to");
    }

    #[test]
    fn place_only_mentioned_nearby_gives_nothing() {
        let t = "Troops took a town on the road to Gao and a base in the Kidal region of northern Mali.";
        let out = run(t, &[("Gao", "LOC"), ("Kidal", "LOC"), ("Mali", "LOC")]);
        assert!(out.is_empty(), "{out:?}");
        let t = "They left Mopti, which lies 30 km west of Gao.";
        let out = run(t, &[("Mopti", "LOC"), ("Gao", "LOC")]);
        assert_eq!(out.len(), 1);
        assert_eq!(show(t, &out[0]), ("They".into(), "left".into(), "Mopti".into(), PlaceRelation::From, false));
    }
}
