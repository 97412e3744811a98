//! Actor resolution over one document's record, after the triple rules: every PER/ORG entity,
//! triple actor, personal pronoun and actor phrase of the parse is a mention; mentions of one actor
//! are tied together (same name, a short name of a full one, an acronym and its long form, a
//! nationality's forces, a name and a description side by side, a definite description or a
//! pronoun and its antecedent, read with quotations and gender), each actor gets one canonical name
//! and an id, and a pronoun or description that was tied to an antecedent names it in `resolved`.
//! Rules, and precision first: a pronoun with two possible antecedents stays unresolved.

mod gender;

use crate::dictionary::ActorDictionary;
use crate::record::{Actor, Entity, Record, Span};
use crate::triples::{ActorPhrase, is_actor_noun};
use gender::{Gender, gender_of};
use std::collections::HashMap;

/// Personal pronouns that may stand as actors.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Pronoun {
    /// he, she, him, her
    Person,
    /// they, them
    Plural,
    /// it
    Thing,
    /// we, us
    First,
    /// I, you, me: never resolved.
    Other,
}

#[derive(Debug, Clone, PartialEq)]
enum Kind {
    /// A PER/ORG entity, or an actor that is a name.
    Name,
    /// An all-capital name ("CSP", "NASA").
    Acronym,
    Pronoun(Pronoun),
    /// A noun phrase; `definite` for "the"/"this"/"its" ..., `head` its head noun's class.
    Description {
        definite: bool,
        head: String,
    },
}

#[derive(Debug, Clone)]
struct Mention {
    start: usize,
    end: usize,
    text: String,
    kind: Kind,
    /// PER/ORG when the mention is such an entity.
    label: Option<String>,
    sentence: usize,
    /// Only an actor phrase of the parse (no entity, no triple's): listed when tied to another mention.
    parsed_only: bool,
    /// No actor noun ("the broadcasts"): never listed, nor what is resolved to it.
    thing: bool,
    /// The same name is PER and ORG in the document ("Veritas"): no person for "he".
    mixed_label: bool,
}

/// Nouns that name the same kind of body, each mapped to one class word.
const HEAD_CLASSES: &[(&str, &str)] = &[
    ("army", "forces"),
    ("armies", "forces"),
    ("military", "forces"),
    ("forces", "forces"),
    ("force", "forces"),
    ("troops", "forces"),
    ("soldiers", "forces"),
    ("column", "convoy"),
    ("convoy", "convoy"),
    ("rebels", "rebels"),
    ("insurgents", "rebels"),
    ("militants", "rebels"),
    ("fighters", "rebels"),
    ("jihadists", "rebels"),
    ("separatists", "rebels"),
    ("police", "police"),
    ("policemen", "police"),
    ("government", "government"),
    ("authorities", "government"),
    ("administration", "government"),
    ("regime", "government"),
    ("junta", "government"),
    ("team", "team"),
    ("squad", "team"),
    ("spokesman", "spokesperson"),
    ("spokeswoman", "spokesperson"),
];

/// Singular nouns for groups, which "they" and "it" may both refer to.
const COLLECTIVE: &[&str] = &["forces", "convoy", "police", "government", "team", "navy", "family", "crew", "company", "group", "party", "coalition", "committee", "council"];

/// How many mentions back a definite description looks for its antecedent (long documents stay linear).
const LOOKBACK: usize = 400;

/// A mention within this many words of its sentence's start opens it (its subject, in news).
const OPENING_WORDS: usize = 3;

const DETERMINERS: &[&str] = &["the", "this", "that", "these", "those", "its", "their", "his", "her", "our", "a", "an", "some", "several", "many", "two", "three"];
const DEFINITE: &[&str] = &["the", "this", "that", "these", "those", "its", "their", "his", "her", "our"];
/// Words that end a noun phrase's head search ("a convoy of its forces" → convoy).
const HEAD_STOPS: &[&str] = &["of", "from", "in", "at", "on", "with", "who", "which", "that", "made", "based"];
/// Function words skipped when reading an acronym's initials.
const ACRONYM_SKIP: &[&str] = &["of", "for", "and", "the", "de", "du", "des", "la", "le", "pour", "et", "on", "in"];

fn pronoun(word: &str) -> Option<Pronoun> {
    Some(match word.to_lowercase().as_str() {
        "he" | "she" | "him" | "her" => Pronoun::Person,
        "they" | "them" => Pronoun::Plural,
        "it" => Pronoun::Thing,
        "we" | "us" => Pronoun::First,
        "i" | "you" | "me" => Pronoun::Other,
        _ => return None,
    })
}

fn class_of(head: &str) -> String {
    HEAD_CLASSES.iter().find(|(w, _)| *w == head).map_or(head, |(_, c)| c).to_string()
}

/// The class of a phrase's head noun: its last word before a stop word or comma.
fn head_class(words: &[String]) -> String {
    let head = up_to_head(words).last().map_or("", |w| w.as_str());
    class_of(head.trim_end_matches("'s").trim_end_matches('\''))
}

/// A phrase's words up to its head noun: before a stop word or a comma ("a convoy of its forces" → "a convoy").
fn up_to_head(words: &[String]) -> &[String] {
    &words[..words.iter().take_while(|w| !HEAD_STOPS.contains(&w.as_str()) && !w.ends_with(',')).count()]
}

fn lower_words(text: &str) -> Vec<String> {
    text.split_whitespace().map(|w| w.trim_matches(|c: char| !c.is_alphanumeric() && c != '\'' && c != ',').to_lowercase()).filter(|w| !w.is_empty()).collect()
}

fn is_acronym(text: &str) -> bool {
    let letters: Vec<char> = text.chars().filter(|c| *c != '.').collect();
    (2..=8).contains(&letters.len()) && letters.iter().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit()) && letters.iter().any(char::is_ascii_uppercase)
}

/// A name's comparison key: lower case, no leading article, no possessive.
fn name_key(text: &str) -> String {
    let words = lower_words(text);
    let words = if words.len() > 1 && words[0] == "the" { &words[1..] } else { &words[..] };
    words.join(" ").trim_end_matches("'s").trim_end_matches(',').replace('.', "")
}

/// A description without its determiner ("An army convoy" → "army convoy").
fn strip_determiner(text: &str) -> String {
    let mut words = text.split_whitespace();
    let first = words.clone().next().unwrap_or("");
    if DETERMINERS.contains(&first.to_lowercase().as_str()) && words.clone().count() > 1 {
        words.next();
    }
    words.collect::<Vec<_>>().join(" ")
}

fn classify(text: &str, label: Option<&str>) -> Kind {
    let words = lower_words(text);
    if words.len() == 1
        && let Some(p) = pronoun(&words[0])
    {
        return Kind::Pronoun(p);
    }
    if is_acronym(text) {
        return Kind::Acronym;
    }
    let capitalised = text.split_whitespace().next().is_some_and(|w| w.chars().next().is_some_and(char::is_uppercase));
    let first = words.first().map_or("", String::as_str);
    // "Scientology officials", "Russian troops" (no entity): a description whose head is lower case.
    let lower_head = label.is_none() && words.len() > 1 && text.split_whitespace().last().is_some_and(|w| w.chars().all(|c| !c.is_uppercase()));
    if label.is_some() || (capitalised && !DETERMINERS.contains(&first) && !lower_head) {
        return Kind::Name;
    }
    Kind::Description { definite: DEFINITE.contains(&first), head: head_class(&words) }
}

/// What each mention shows, computed once per document: its gender and the quotation it stands in.
struct MentionFacts {
    gender: Vec<Option<Gender>>,
    quote: Vec<Option<(usize, usize)>>,
    /// The document's quotations.
    quotes: Vec<(usize, usize)>,
    /// The person the document names most (its first name mention), where one stands out.
    topic: Option<usize>,
    /// Each mention is a source the sentence cites ("According to Rathbun the property was
    /// returned by Montalvo after he left"): it reports the sentence and is no antecedent in it.
    cited: Vec<bool>,
}

/// Union-find over mention indices.
struct Clusters(Vec<usize>);

impl Clusters {
    fn find(&mut self, i: usize) -> usize {
        let mut r = i;
        while self.0[r] != r {
            r = self.0[r];
        }
        self.0[i] = r;
        r
    }

    /// Joins two clusters; the one whose root comes first in the text stays the root.
    fn union(&mut self, a: usize, b: usize) {
        let (ra, rb) = (self.find(a), self.find(b));
        if ra != rb {
            self.0[ra.max(rb)] = ra.min(rb);
        }
    }
}

/// The document's text, indexable by code points.
struct Chars(Vec<char>);

impl Chars {
    /// The text from `start` to `end` (empty where `end` is not after `start`).
    fn slice(&self, start: usize, end: usize) -> String {
        let end = end.min(self.0.len());
        self.0[start.min(end)..end].iter().collect()
    }
}

/// Resolves the actors of `record` (whose spans index `text` in code points); `sentences` are the
/// code-point ranges of its sentences, `phrases` the parse's actor phrases (code-point ranges; empty
/// without a parse); `dictionary` then renames (and may merge) actors.
pub fn resolve_actors(text: &str, sentences: &[(usize, usize)], phrases: &[ActorPhrase], record: &mut Record, dictionary: Option<&ActorDictionary>) {
    let chars = Chars(text.chars().collect());
    let quotes = quotations(&chars);
    let subjects: std::collections::HashSet<(usize, usize)> = phrases.iter().filter(|p| p.subject).map(|p| (p.range.start, p.range.end)).collect();
    // Pronouns the parse gives a role other than possessor ("moved her", not "her parents").
    let objects: std::collections::HashSet<(usize, usize)> = phrases.iter().filter(|p| !p.possessive).map(|p| (p.range.start, p.range.end)).collect();
    let sentence_of = |pos: usize| sentences.partition_point(|s| s.1 <= pos).min(sentences.len().saturating_sub(1));
    // Mentions: PER/ORG entities, then triple actors and reporters not already among them.
    let mut mentions: Vec<Mention> = Vec::new();
    let mut at: HashMap<(usize, usize), usize> = HashMap::new();
    for e in record.entities.iter().filter(|e| e.label == "PER" || e.label == "ORG") {
        at.insert((e.start, e.end), mentions.len());
        mentions.push(Mention {
            start: e.start,
            end: e.end,
            text: e.text.clone(),
            kind: classify(&e.text, Some(&e.label)),
            label: Some(e.label.clone()),
            sentence: sentence_of(e.start),
            parsed_only: false,
            thing: false,
            mixed_label: false,
        });
    }
    for t in &record.triples {
        for s in [&t.actor, &t.attributed_to].into_iter().flatten() {
            if at.contains_key(&(s.start, s.end)) {
                continue;
            }
            // An actor phrase that ends in a name ("Afghan Ambassador Hamdullah Mohib") is that name.
            if let Some(i) = (0..mentions.len()).find(|&j| mentions[j].end == s.end && mentions[j].start > s.start && mentions_is_name(&mentions, j)) {
                at.insert((s.start, s.end), i);
                continue;
            }
            at.insert((s.start, s.end), mentions.len());
            mentions.push(Mention {
                start: s.start,
                end: s.end,
                text: s.text.clone(),
                kind: classify(&s.text, None),
                label: None,
                sentence: sentence_of(s.start),
                parsed_only: false,
                thing: false,
                mixed_label: false,
            });
        }
    }
    // The parse's descriptions of actors ("the army", "Some individuals") that are neither.
    for p in phrases {
        let (start, end) = (p.range.start, p.range.end);
        let text = chars.slice(start, end);
        let lower = lower_words(&text);
        // Not an entity: a description even when capitalised ("People flock ...").
        let definite = lower.first().is_some_and(|w| DEFINITE.contains(&w.as_str()));
        // A phrase overlapping a mention is that mention, unless it is a description around a
        // body's name with a kind-of-body head ("the M5S party", "the Sea Org group"), to be
        // tied to the body by its name.
        let overlapping: Vec<&Mention> = mentions.iter().filter(|m| m.start < end && start < m.end).collect();
        let named_body = definite
            && listed(ORG_HEADS, &p.head)
            && lower.last().is_some_and(|w| *w == p.head)
            && overlapping.iter().all(|m| start < m.start && m.end < end && m.label.as_deref() == Some("ORG"));
        if pronoun(&p.head).is_some() || start >= end || at.contains_key(&(start, end)) || (!named_body && !overlapping.is_empty()) {
            continue;
        }
        let kind = Kind::Description { definite, head: class_of(&p.head) };
        let actor = p.actor || [ORG_HEADS, PERSON_HEADS, TITLES].iter().any(|l| listed(l, &p.head));
        at.insert((start, end), mentions.len());
        mentions.push(Mention { start, end, text, kind, label: None, sentence: sentence_of(start), parsed_only: true, thing: !actor, mixed_label: false });
    }
    // Every other third-person pronoun that can be an actor, so that the actors list holds it too
    // ("it" and "her", mostly things and possessives, and "we"/"us", mostly a quoted speaker's
    // side, only where a triple names them).
    for (start, end) in words_of(&chars.0) {
        let word: String = chars.0[start..end].iter().collect();
        // "US" is the country.
        let written_as_word = word.chars().skip(1).all(char::is_lowercase);
        let subject = subjects.contains(&(start, end));
        // "it" only as a subject ("The Malian army said it had taken ...").
        let listed = matches!(word.to_lowercase().as_str(), "he" | "she" | "they" | "him" | "them")
            || (subject && word.eq_ignore_ascii_case("it"))
            || (word.eq_ignore_ascii_case("her") && objects.contains(&(start, end)))
            || (matches!(word.to_lowercase().as_str(), "we" | "us") && quote_at(&quotes, start).is_some());
        if at.contains_key(&(start, end)) || !written_as_word || !listed {
            continue;
        }
        let Some(p) = pronoun(&word) else { continue };
        at.insert((start, end), mentions.len());
        mentions.push(Mention { start, end, text: word, kind: Kind::Pronoun(p), label: None, sentence: sentence_of(start), parsed_only: false, thing: false, mixed_label: false });
    }
    // Names the model tagged both PER and ORG in this document.
    let mut labels_of: HashMap<String, (bool, bool)> = HashMap::new();
    for m in &mentions {
        let e = labels_of.entry(name_key(&m.text)).or_default();
        e.0 |= m.label.as_deref() == Some("PER");
        e.1 |= m.label.as_deref() == Some("ORG");
    }
    for m in &mut mentions {
        m.mixed_label = labels_of.get(&name_key(&m.text)) == Some(&(true, true));
    }
    let mut order: Vec<usize> = (0..mentions.len()).collect();
    order.sort_by_key(|&i| (mentions[i].start, mentions[i].end));
    let mentions: Vec<Mention> = order.iter().map(|&i| mentions[i].clone()).collect();
    let renumber: HashMap<usize, usize> = order.iter().enumerate().map(|(new, &old)| (old, new)).collect();
    let mut at: HashMap<(usize, usize), usize> = at.into_iter().map(|(k, v)| (k, renumber[&v])).collect();

    let mut facts = MentionFacts {
        gender: mentions.iter().map(|m| gender_of(&chars, m)).collect(),
        quote: mentions.iter().map(|m| quote_at(&quotes, m.start)).collect(),
        quotes,
        topic: None,
        cited: mentions.iter().map(|m| matches!(lower_words(&chars.slice(m.start.saturating_sub(14), m.start)).as_slice(), [.., a, t] if a == "according" && t == "to")).collect(),
    };
    let mut clusters = Clusters((0..mentions.len()).collect());
    tie_names(&chars, &mentions, &mut clusters);
    facts.topic = topic_person(&mentions, &mut clusters);
    tie_appositions(&chars, &mentions, &mut clusters);
    let antecedent = resolve_descriptions(&chars, &mentions, &mut clusters);
    let mut antecedent = antecedent;
    for t in &record.triples {
        let reporter = t.attributed_to.as_ref().map(|s| at[&(s.start, s.end)]);
        // A pronoun actor (whose "we" may be its reporter's body), then a pronoun reporter.
        for (span, reporter) in [(&t.actor, reporter), (&t.attributed_to, None)] {
            let Some(span) = span else { continue };
            let i = at[&(span.start, span.end)];
            if let Kind::Pronoun(p) = mentions[i].kind
                && !antecedent.contains_key(&i)
                && let Some(a) = resolve_pronoun(&chars, &mentions, &mut clusters, i, p, reporter, sentences, &antecedent, &facts)
            {
                clusters.union(i, a);
                antecedent.insert(i, a);
            }
        }
    }

    // Then the pronouns no triple names, in text order, and the definite descriptions of one
    // person that no name took ("The singer grabbed an intruder"), read as "he" or "she".
    for i in 0..mentions.len() {
        let p = match &mentions[i].kind {
            Kind::Pronoun(p) => *p,
            Kind::Description { definite: true, head } if is_person_head(head) && !introduces(&mentions[i].text) && (0..i).all(|k| clusters.find(k) != clusters.find(i)) => {
                Pronoun::Person
            }
            _ => continue,
        };
        if !antecedent.contains_key(&i)
            && let Some(a) = resolve_pronoun(&chars, &mentions, &mut clusters, i, p, None, sentences, &antecedent, &facts)
        {
            clusters.union(i, a);
            antecedent.insert(i, a);
        }
    }

    // Places a description names ("the city" after Taipei, "the country" after Italy): the place
    // joins the actors only then.
    let mut mentions = mentions;
    for (d, places) in describe_places(&mentions, &mut clusters, &record.entities) {
        for e in places {
            // One mention per place span, however many descriptions name it.
            let k = *at.entry((e.start, e.end)).or_insert_with(|| {
                mentions.push(Mention {
                    start: e.start,
                    end: e.end,
                    text: e.text.clone(),
                    kind: Kind::Name,
                    label: Some("LOC".into()),
                    sentence: sentence_of(e.start),
                    parsed_only: false,
                    thing: false,
                    mixed_label: false,
                });
                clusters.0.push(mentions.len() - 1);
                mentions.len() - 1
            });
            clusters.union(d, k);
            antecedent.entry(d).or_insert(k);
        }
    }

    // Actors: one per cluster that holds something other than an unresolved pronoun, and, when
    // all it holds is the parse's descriptions, more than one mention.
    let mut size: HashMap<usize, usize> = HashMap::new();
    let mut listed: std::collections::HashSet<usize> = std::collections::HashSet::new();
    let mut persons_or_bodies: std::collections::HashSet<usize> = std::collections::HashSet::new();
    for (i, m) in mentions.iter().enumerate() {
        if matches!(m.kind, Kind::Pronoun(_)) && !antecedent.contains_key(&i) {
            continue;
        }
        let r = clusters.find(i);
        *size.entry(r).or_default() += 1;
        if !m.parsed_only && !matches!(m.kind, Kind::Pronoun(_)) {
            listed.insert(r);
        }
        if !m.thing && !matches!(m.kind, Kind::Pronoun(_)) {
            persons_or_bodies.insert(r);
        }
    }
    let mut members: Vec<(usize, Vec<usize>)> = Vec::new();
    let mut index_of_root: HashMap<usize, usize> = HashMap::new();
    for (i, m) in mentions.iter().enumerate() {
        if matches!(m.kind, Kind::Pronoun(_)) && !antecedent.contains_key(&i) {
            continue;
        }
        let r = clusters.find(i);
        if (!listed.contains(&r) && size[&r] < 2) || !persons_or_bodies.contains(&r) {
            continue;
        }
        let k = *index_of_root.entry(r).or_insert_with(|| {
            members.push((r, Vec::new()));
            members.len() - 1
        });
        members[k].1.push(i);
    }
    // Canonical names; the dictionary may rename, and actors of one final name become one.
    let mut actors: Vec<Actor> = Vec::new();
    let mut actor_of_mention: HashMap<usize, usize> = HashMap::new();
    let mut by_canonical: HashMap<String, usize> = HashMap::new();
    for (_, ms) in &members {
        let mut canonical = canonical_name(&mentions, ms);
        let mut code = None;
        if let Some(d) = dictionary {
            let names = std::iter::once(canonical.clone()).chain(ms.iter().filter(|&&i| !matches!(mentions[i].kind, Kind::Pronoun(_))).map(|&i| mentions[i].text.clone()));
            if let Some(entry) = names.into_iter().find_map(|n| d.lookup(&n)) {
                canonical = entry.canonical.clone();
                code = entry.code.clone();
            }
        }
        let label = ms.iter().find_map(|&i| mentions[i].label.clone());
        let key = canonical.to_lowercase();
        let a = match by_canonical.get(&key) {
            Some(&a) => a,
            None => {
                by_canonical.insert(key, actors.len());
                actors.push(Actor { id: format!("A{}", actors.len() + 1), canonical, code, label: None, mentions: Vec::new() });
                actors.len() - 1
            }
        };
        if actors[a].label.is_none() {
            actors[a].label = label;
        }
        for &i in ms {
            actor_of_mention.insert(i, a);
            let m = &mentions[i];
            actors[a].mentions.push(Span { text: m.text.clone(), start: m.start, end: m.end, ..Span::default() });
        }
    }
    for a in &mut actors {
        a.mentions.sort_by_key(|s| (s.start, s.end));
        a.mentions.dedup_by_key(|s| (s.start, s.end));
    }

    // Write back: entity ids, and on triple actors and reporters the id, name, code and antecedent.
    for e in &mut record.entities {
        if let Some(a) = at.get(&(e.start, e.end)).and_then(|i| actor_of_mention.get(i)) {
            e.actor_id = Some(actors[*a].id.clone());
        }
    }
    let annotate = |s: &mut Span| {
        let Some(&i) = at.get(&(s.start, s.end)) else { return };
        let Some(&a) = actor_of_mention.get(&i) else { return };
        s.actor_id = Some(actors[a].id.clone());
        s.canonical = Some(actors[a].canonical.clone());
        s.code = actors[a].code.clone();
        if let Some(&j) = antecedent.get(&i) {
            let m = &mentions[j];
            s.resolved = Some(Box::new(Span { text: m.text.clone(), start: m.start, end: m.end, ..Span::default() }));
        }
    };
    for t in &mut record.triples {
        if let Some(s) = t.actor.as_mut() {
            annotate(s);
        }
        if let Some(s) = t.attributed_to.as_mut() {
            annotate(s);
        }
    }
    record.actors = actors;
}

fn mentions_is_name(mentions: &[Mention], i: usize) -> bool {
    matches!(mentions[i].kind, Kind::Name | Kind::Acronym)
}

/// Ties names: the same name; a one-word person name and the first full name it ends or begins;
/// a nationality's forces ("Malian army", "Malian armed forces"); an acronym and its long form
/// ("… for Peace, Security and Development (CSP)", or initials: "United Nations" / "UN").
fn tie_names(chars: &Chars, mentions: &[Mention], clusters: &mut Clusters) {
    let mut by_key: HashMap<String, usize> = HashMap::new();
    let mut forces: HashMap<String, usize> = HashMap::new();
    // Earlier multi-word ORG names by their head word.
    let mut org_heads: HashMap<String, Vec<usize>> = HashMap::new();
    let keys: Vec<String> = mentions.iter().map(|m| name_key(&m.text)).collect();
    for (i, m) in mentions.iter().enumerate() {
        if !matches!(m.kind, Kind::Name | Kind::Acronym) {
            continue;
        }
        let key = &keys[i];
        match by_key.get(key) {
            Some(&j) => clusters.union(i, j),
            None => {
                by_key.insert(key.clone(), i);
            }
        }
        let words = lower_words(&m.text);
        // A one-word PER name: the first earlier multi-word name it ends or begins.
        if words.len() == 1
            && m.label.as_deref() == Some("PER")
            && let Some(j) = mentions[..i].iter().position(|o| {
                let ow = lower_words(&o.text);
                o.label.as_deref() == Some("PER") && ow.len() > 1 && (ow.last() == words.first() || ow.first() == words.first())
            })
        {
            clusters.union(i, j);
        }
        // A one-word ORG name that is the head of one earlier name ("the Church" after "Church of
        // Scientology", "the Court" after "Supreme Court of Cassation").
        if words.len() == 1 && m.label.as_deref() == Some("ORG") && !is_acronym(&m.text) {
            let heads = org_heads.get(&words[0]).cloned().unwrap_or_default();
            let roots: std::collections::HashSet<usize> = heads.iter().map(|&j| clusters.find(j)).collect();
            if roots.len() == 1 {
                clusters.union(i, heads[0]);
            }
        }
        if words.len() > 1 && m.label.as_deref() == Some("ORG") {
            org_heads.entry(name_head(&m.text)).or_default().push(i);
            // An earlier name and a kind of body after it ("Scientology organization", "M5S party"),
            // or an earlier name cut before its "of" ("Supreme Court" after "Supreme Court of Cassation").
            let stem = if listed(ORG_HEADS, &words[words.len() - 1]) { Some(words[..words.len() - 1].join(" ")) } else { None };
            let named = |j: usize| {
                stem.as_deref() == Some(keys[j].as_str())
                    || (mentions[j].label.as_deref() == Some("ORG") && keys[j].strip_prefix(key.as_str()).is_some_and(|rest| rest.starts_with(" of ")))
            };
            let found: Vec<usize> = (0..i).filter(|&j| mentions_is_name(mentions, j) && named(j)).collect();
            let roots: std::collections::HashSet<usize> = found.iter().map(|&j| clusters.find(j)).collect();
            if roots.len() == 1 {
                clusters.union(i, found[0]);
            }
        }
        // "<Nationality> [armed] <force>": one actor per nationality and force class.
        if words.len() >= 2 && m.label.as_deref() == Some("ORG") && m.text.chars().next().is_some_and(char::is_uppercase) {
            let class = class_of(words.last().map_or("", String::as_str));
            if class == "forces" {
                let k = format!("{} {class}", words[0]);
                match forces.get(&k) {
                    Some(&j) => clusters.union(i, j),
                    None => {
                        forces.insert(k, i);
                    }
                }
            }
        }
    }
    // Acronyms. The initials of each multi-word name, once.
    let initials: Vec<Option<String>> = mentions
        .iter()
        .map(|o| {
            (o.kind == Kind::Name && o.text.split_whitespace().count() >= 2).then(|| {
                o.text.split_whitespace().filter(|w| !ACRONYM_SKIP.contains(&w.to_lowercase().as_str())).filter_map(|w| w.chars().next()).filter(|c| c.is_uppercase()).collect()
            })
        })
        .collect();
    for (i, m) in mentions.iter().enumerate() {
        if m.kind != Kind::Acronym {
            continue;
        }
        let letters: String = m.text.chars().filter(char::is_ascii_alphanumeric).collect();
        // "Long Form (ACR)": the name that ends right before the bracket.
        let open = (0..m.start).rev().find(|&p| !chars.0[p].is_whitespace());
        if let Some(open) = open.filter(|&p| chars.0[p] == '(')
            && let Some(j) = mentions.iter().position(|o| o.end <= open && open - o.end <= 2 && chars.slice(o.end, open).trim().is_empty() && matches!(o.kind, Kind::Name))
        {
            clusters.union(i, j);
            continue;
        }
        // Initials of a multi-word name: "United Nations" / "UN".
        let matches: Vec<usize> = (0..mentions.len()).filter(|&j| initials[j].as_deref() == Some(letters.as_str())).collect();
        let roots: std::collections::HashSet<usize> = matches.iter().map(|&j| clusters.find(j)).collect();
        if roots.len() == 1 {
            clusters.union(i, matches[0]);
        }
    }
}

/// Whether `word` is one of the space-separated `words`.
fn listed(words: &str, word: &str) -> bool {
    words.split_whitespace().any(|w| w == word)
}

/// Titles a person is named by ("the President", "the spokesman"), space-separated.
const TITLES: &str = "president minister spokesman spokeswoman spokesperson ambassador secretary coach captain chairman governor mayor commander chancellor \
     premier king queen pope administrator director senator";

/// Nouns for one person, which "he" and "she" may refer to, space-separated.
const PERSON_HEADS: &str = "man woman boy girl child person defector member player student journalist reporter astronaut candidate officer soldier politician judge \
     father mother son daughter wife husband driver pilot agent detective cosplayer poster kid lead worker volunteer witness eyewitness leader \
     official bishop prince princess emperor singer star musician lawyer artist writer author boss founder executive manager veteran campaigner \
     activist suspect victim burglar intruder teenager rapper guitarist drummer footballer striker goalkeeper actress";

/// Whether mention `m` is a person the text names with `title` just before it ("U.S. President
/// Donald Trump") or in an apposition right after it ("Almou Ag Mohamed, a spokesperson for …").
fn titled(chars: &Chars, m: &Mention, title: &str) -> bool {
    if m.label.as_deref() != Some("PER") || !is_title(title) {
        return false;
    }
    let is_title = |w: &String| class_of(w.trim_end_matches(',')) == title;
    // The words before it and its own but the last ("U.S. President Donald Trump's").
    let own = lower_words(&m.text);
    let before = chars.slice(m.start.saturating_sub(40), m.start);
    let before: Vec<String> = lower_words(&before).into_iter().rev().take(3).chain(own.iter().take(own.len().saturating_sub(1)).cloned()).collect();
    let after = chars.slice(m.end, m.end + 60);
    let apposition = after.strip_prefix(", ").map(|a| lower_words(a.split(',').next().unwrap_or("")));
    before.iter().any(is_title) || apposition.is_some_and(|ws| ws.first().is_some_and(|w| DETERMINERS.contains(&w.as_str())) && ws.iter().take(5).any(is_title))
}

/// Nouns for organisations, which a description may add to a name ("the Sea Org group" for Sea
/// Org), space-separated.
const ORG_HEADS: &str = "organization organisation group party company firm church agency movement coalition alliance union association network band club team camp";

/// A name's head word, lower case: its last word before "of"/"for" ("Church of Scientology" → church).
fn name_head(text: &str) -> String {
    lower_words(text).into_iter().take_while(|w| !matches!(w.as_str(), "of" | "for")).last().map_or(String::new(), |w| w.trim_end_matches("'s").to_string())
}

/// A description's words up to its head noun, lower case ("the governments of the region" → "the governments").
fn description_key(text: &str) -> String {
    up_to_head(&lower_words(text)).join(" ")
}

/// Capitalised words inside a description after its first word ("the US team" → "us"): names
/// that its antecedent must share.
fn name_modifiers(text: &str) -> Vec<String> {
    text.split_whitespace().skip(1).filter(|w| w.chars().next().is_some_and(char::is_uppercase)).map(|w| w.trim_end_matches("'s").to_lowercase()).collect()
}

/// Ties a name and a description that stand side by side for one actor: "US team Cloud9",
/// "team member Rodaba Noori", "Valeska Paris, an Australian woman,", "Malaysia's Prime Minister,
/// Najib Razak said".
fn tie_appositions(chars: &Chars, mentions: &[Mention], clusters: &mut Clusters) {
    for a in 0..mentions.len() {
        for b in a + 1..mentions.len().min(a + 3) {
            let (x, y) = (&mentions[a], &mentions[b]);
            if x.end > y.start {
                continue;
            }
            let between = chars.slice(x.end, y.start);
            let after = chars.slice(y.end, y.end + 2);
            let person = |k: &Kind| matches!(k, Kind::Description { head, .. } if is_person_head(head));
            let closes = after.is_empty()
                || after.starts_with([',', ')', '.', ';'])
                || after.starts_with(" said")
                || after.starts_with(" says")
                || (person(&y.kind) && after.starts_with(" a"));
            let ties = match (&x.kind, &y.kind) {
                (Kind::Description { .. }, Kind::Name) => between == " " || (between == ", " && y.label.as_deref() == Some("PER") && closes),
                (Kind::Name, Kind::Description { .. }) => {
                    between == ", " && closes && x.label.is_some() && (lower_words(&y.text).first().is_some_and(|w| matches!(w.as_str(), "a" | "an" | "the")) || person(&y.kind))
                }
                _ => false,
            };
            if ties {
                clusters.union(a, b);
            }
        }
    }
}

/// Ties each definite description ("the army", "The column", "the President") to the one earlier
/// actor it can name: a name whose head noun is of its class ("Malian army") or that carries its
/// title ("U.S. President Donald Trump"), or a description with a determiner and the same head
/// class; names inside the description ("the US team") must be the antecedent's too. Returns
/// description → antecedent.
fn resolve_descriptions(chars: &Chars, mentions: &[Mention], clusters: &mut Clusters) -> HashMap<usize, usize> {
    let mut antecedent = HashMap::new();
    let words: Vec<Vec<String>> = mentions.iter().map(|m| lower_words(&m.text)).collect();
    let bare: Vec<String> = mentions.iter().map(|m| strip_determiner(&m.text).to_lowercase()).collect();
    let heads: Vec<String> = mentions.iter().map(|m| class_of(&name_head(&m.text))).collect();
    for i in 0..mentions.len() {
        let Kind::Description { definite: true, head } = &mentions[i].kind else { continue };
        let marks = name_modifiers(&mentions[i].text);
        let has_word = |k: usize, w: &String| words[k].iter().any(|x| x.trim_end_matches("'s") == w);
        let earlier = i.saturating_sub(LOOKBACK)..i;
        let candidates: Vec<usize> = earlier
            .clone()
            .filter(|&j| mentions[j].end <= mentions[i].start)
            .filter(|&j| match &mentions[j].kind {
                Kind::Name | Kind::Acronym => {
                    let named_body = !marks.is_empty() && listed(ORG_HEADS, head) && marks.iter().all(|w| has_word(j, w));
                    heads[j] == *head || named_body || titled(chars, &mentions[j], head)
                }
                // With a determiner, or the same words ("pan-democracy camp" … "the pan-democracy camp").
                Kind::Description { head: h, .. } => h == head && (words[j].first().is_some_and(|w| DETERMINERS.contains(&w.as_str())) || bare[j] == bare[i]),
                Kind::Pronoun(_) => false,
            })
            .collect();
        let candidates: Vec<usize> = candidates
            .into_iter()
            .filter(|&j| {
                let root = clusters.find(j);
                marks.iter().all(|w| earlier.clone().any(|k| clusters.find(k) == root && has_word(k, w)))
            })
            .collect();
        let roots: std::collections::HashSet<usize> = candidates.iter().map(|&j| clusters.find(j)).collect();
        // Where several actors fit: the same description repeated ("the organization" … "the
        // organization"), or the name the description's own name words make ("the Scientology
        // organization" for Scientology).
        let key = description_key(&mentions[i].text);
        let marks_key = marks.join(" ");
        let chosen = if roots.len() == 1 {
            Some(candidates[0])
        } else {
            let repeated = candidates.iter().rev().find(|&&j| matches!(mentions[j].kind, Kind::Description { .. }) && description_key(&mentions[j].text) == key).copied();
            let named: Vec<usize> =
                candidates.iter().copied().filter(|&j| !marks.is_empty() && mentions_is_name(mentions, j) && name_key(&mentions[j].text) == marks_key).collect();
            let named_roots: std::collections::HashSet<usize> = named.iter().map(|&j| clusters.find(j)).collect();
            repeated.or_else(|| (named_roots.len() == 1).then(|| named[0]))
        };
        if let Some(c) = chosen {
            let root = clusters.find(c);
            // The antecedent shown: the latest name of that actor before, else its latest mention.
            let named = candidates.iter().rev().find(|&&j| mentions_is_name(mentions, j) && clusters.find(j) == root).copied();
            let all: Vec<usize> = (0..i).filter(|&j| clusters.find(j) == root && mentions[j].start < mentions[i].start).collect();
            let shown = named.or_else(|| all.iter().rev().find(|&&j| !matches!(mentions[j].kind, Kind::Pronoun(_))).copied());
            clusters.union(i, root);
            if let Some(a) = shown {
                antecedent.insert(i, a);
            }
        }
    }
    antecedent
}

/// Place nouns a definite description may name a place by, with the GeoNames feature codes of
/// the places it can be: populated places, countries, first-level regions.
const PLACE_DESCRIPTIONS: &[(&str, &[&str])] =
    &[("city", &["P"]), ("town", &["P"]), ("capital", &["P"]), ("municipality", &["P"]), ("country", &["PCL"]), ("nation", &["PCL"]), ("state", &["PCL", "ADM1"])];

/// Each definite place description that no name took ("the city", "The State") and the earlier
/// LOC entities of the one place of its kind the document named before it (GeoNames: a populated
/// place for "the city", a country for "the country"), all of that place's mentions up to it.
fn describe_places<'e>(mentions: &[Mention], clusters: &mut Clusters, entities: &'e [Entity]) -> Vec<(usize, Vec<&'e Entity>)> {
    let mut out = Vec::new();
    for (i, m) in mentions.iter().enumerate() {
        let Kind::Description { definite: true, .. } = &m.kind else { continue };
        let words = lower_words(&m.text);
        // "the city", "The State": a determiner and the place noun, nothing else.
        let [det, noun] = words.as_slice() else { continue };
        let Some((_, codes)) = PLACE_DESCRIPTIONS.iter().find(|(n, _)| n == noun) else { continue };
        // The first description of an actor no name took.
        let root = clusters.find(i);
        if det != "the" || (0..mentions.len()).any(|k| clusters.find(k) == root && (k < i || !matches!(mentions[k].kind, Kind::Description { .. }))) {
            continue;
        }
        let geo = |e: &'e Entity| e.geo.as_ref().and_then(Option::as_ref);
        let kind_of = |e: &'e Entity| geo(e).is_some_and(|g| codes.iter().any(|c| if *c == "P" { g.feature_class == "P" } else { g.feature_code.starts_with(c) }));
        let earlier: Vec<&Entity> = entities.iter().filter(|e| e.label == "LOC" && e.end <= m.start && kind_of(e)).collect();
        let places: std::collections::HashSet<u32> = earlier.iter().filter_map(|e| geo(e).map(|g| g.geonameid)).collect();
        if places.len() == 1 {
            out.push((i, earlier));
        }
    }
    out
}

/// The person the document names most: at least three name mentions and twice as many as anyone
/// else; its first name mention.
fn topic_person(mentions: &[Mention], clusters: &mut Clusters) -> Option<usize> {
    let mut counts: HashMap<usize, (usize, usize)> = HashMap::new();
    for (i, m) in mentions.iter().enumerate() {
        if m.kind == Kind::Name && m.label.as_deref() == Some("PER") && !m.mixed_label {
            counts.entry(clusters.find(i)).or_insert((0, i)).0 += 1;
        }
    }
    let mut ranked: Vec<(usize, usize)> = counts.into_values().collect();
    ranked.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    let (top, first) = *ranked.first()?;
    let second = ranked.get(1).map_or(0, |r| r.0);
    (top >= 3 && top >= 2 * second).then_some(first)
}

/// Whether a description brings in someone new ("the last person", "the first woman", "the other man").
fn introduces(text: &str) -> bool {
    lower_words(text).iter().any(|w| matches!(w.as_str(), "first" | "last" | "only" | "other" | "next" | "new" | "second" | "third" | "sole" | "another"))
}

/// Whether `word` is a title, or of a title's class ("spokesman" for "spokesperson").
fn is_title(word: &str) -> bool {
    TITLES.split_whitespace().any(|t| class_of(t) == class_of(word))
}

/// Whether `head` names one person ("the singer", "the spokesman").
fn is_person_head(head: &str) -> bool {
    listed(PERSON_HEADS, head) || is_title(head)
}

/// Whether a mention can be what a pronoun of kind `p` refers to.
fn agrees(m: &Mention, p: Pronoun) -> bool {
    let collective = |head: &str| COLLECTIVE.contains(&head);
    // Things ("our positions") compete only for "they".
    if m.thing && p != Pronoun::Plural {
        return false;
    }
    match (p, &m.kind) {
        (Pronoun::Person, Kind::Name) => m.label.as_deref() == Some("PER") && !m.mixed_label && !matches!(m.text.as_str(), "God" | "Allah"),
        (Pronoun::Person, Kind::Description { head, .. }) => is_person_head(head),
        (Pronoun::Plural | Pronoun::First, Kind::Name | Kind::Acronym) => m.label.as_deref() == Some("ORG"),
        // "we" is a body of people ("the team", "the girls"), never "These facilities".
        (Pronoun::First, Kind::Description { head, .. }) => collective(head) || (is_actor_noun(head) && head.ends_with('s') && !head.ends_with("ss")),
        (Pronoun::Plural, Kind::Description { head, .. }) => collective(head) || (head.ends_with('s') && !head.ends_with("ss")),
        (Pronoun::Thing, Kind::Name | Kind::Acronym) => m.label.as_deref() == Some("ORG"),
        (Pronoun::Thing, Kind::Description { head, .. }) => collective(head),
        _ => false,
    }
}

/// The document's quotations, as the positions of their opening and closing marks: straight
/// quotes paired in order, curly ones opening and closing.
fn quotations(chars: &Chars) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let (mut straight, mut curly) = (None, None);
    for (k, &c) in chars.0.iter().enumerate() {
        match c {
            '"' => match straight.take() {
                Some(o) => out.push((o, k)),
                None => straight = Some(k),
            },
            '“' => curly = Some(k),
            '”' => {
                if let Some(o) = curly.take() {
                    out.push((o, k));
                }
            }
            _ => {}
        }
    }
    out.sort();
    out
}

/// The quotation around code point `at`, if any.
fn quote_at(quotes: &[(usize, usize)], at: usize) -> Option<(usize, usize)> {
    quotes.iter().rev().find(|q| q.0 < at && at < q.1).copied()
}

/// Verbs whose complement clause a subject pronoun may open for their subject ("X said he …").
const SAYS_THAT: &[&str] = &[
    "said",
    "says",
    "claimed",
    "claims",
    "added",
    "believes",
    "believed",
    "argued",
    "argues",
    "insisted",
    "insists",
    "announced",
    "stated",
    "thinks",
    "thought",
    "hopes",
    "hoped",
    "promised",
    "admitted",
    "admits",
    "confirmed",
    "explained",
    "revealed",
    "feared",
    "fears",
    "knew",
    "knows",
    "felt",
    "feels",
    "denied",
];
/// Reporting verbs with a hearer ("told BBC News he …").
const TOLD: &[&str] = &["told", "tells", "assured", "assures", "informed", "informs", "warned", "warns"];
/// Words that may stand between a speaker and the reporting verb ("has also said").
const REPORT_ADVERBS: &[&str] = &["who", "has", "had", "have", "also", "later", "previously", "earlier", "then", "now", "repeatedly"];

/// Reporting verbs that introduce or close a quotation.
const SAID: &[&str] = &["said", "says", "told", "added", "stated", "explained", "wrote", "declared", "announced", "tweeted"];

/// The speaker of the quotation `(open, close)`: the mention just before it with a reporting verb
/// (`Najib Razak said, "`), else the one just after it (`…," the spokesman said`, `…," said Kane`).
fn quote_speaker(chars: &Chars, mentions: &[Mention], quotes: &[(usize, usize)], (open, close): (usize, usize)) -> Option<usize> {
    // Text between two points, when short enough to hold an attribution (long spans never do).
    let short = |from: usize, to: usize| (to >= from && to - from <= 120).then(|| chars.slice(from, to));
    let speaks = |j: usize| !matches!(mentions[j].kind, Kind::Pronoun(Pronoun::Other | Pronoun::First));
    // Before: `X said, "`, `X said: "`, `X says "` (mentions are in text order).
    let first_after = |at: usize| mentions.partition_point(|m| m.start <= at);
    let before = (0..first_after(open)).rev().take(8).find(|&j| mentions[j].end < open && speaks(j)).filter(|&j| {
        let Some(between) = short(mentions[j].end, open) else { return false };
        let gap = lower_words(&between);
        gap.len() <= 2 && gap.first().is_some_and(|w| SAID.contains(&w.trim_end_matches([',', ':']))) && !between.contains('\n')
    });
    // After, where the quotation runs on into its attribution (`…," the spokesman said`,
    // `…", said Kane`): at most a reporting verb and a word between the quote and the speaker.
    let after = |close: usize| {
        let runs_on = chars.slice(close.saturating_sub(1), close + 2).contains(',');
        (first_after(close)..mentions.len()).find(|&j| speaks(j)).filter(|&j| {
            let Some(gap) = short(close + 1, mentions[j].start) else { return false };
            let gap = lower_words(&gap);
            let tail = chars.slice(mentions[j].end, mentions[j].end + 40);
            let tail = lower_words(tail.split(['"', '“', '”']).next().unwrap_or(""));
            runs_on && gap.len() <= 2 && (gap.iter().any(|w| SAID.contains(&w.as_str())) || tail.iter().take(4).any(|w| SAID.contains(&w.as_str())))
        })
    };
    // A quotation resumed after its attribution (`"…," Noori told the press, "to show …"`): the
    // speaker of the part before, in the same paragraph.
    let resumed = || {
        let previous = quotes.iter().rev().find(|q| q.1 < open)?;
        let between = short(previous.1, open)?;
        (!between.contains('\n') && lower_words(&between).len() <= 8).then(|| after(previous.1)).flatten().filter(|&j| mentions[j].end < open)
    };
    before.or_else(|| after(close)).or_else(resumed)
}

/// The organisation a speaker `k` speaks for, named with the speaker's title: before it ("NASA
/// Administrator Charles Bolden") or in an apposition after it ("Jeff Rathke, the State
/// Department Spokesperson", "Almou Ag Mohamed, a spokesperson for the … CSP").
fn speaker_body(chars: &Chars, mentions: &[Mention], k: usize) -> Option<usize> {
    let has_title = |t: &str| lower_words(t).iter().any(|w| is_title(w.trim_end_matches(',')));
    let org = |j: usize| mentions[j].label.as_deref() == Some("ORG");
    let near = |from: usize, to: usize| to >= from && to - from <= 80;
    let before = (0..k).rev().take(6).find(|&j| org(j) && mentions[j].end <= mentions[k].start).filter(|&j| {
        if !near(mentions[j].end, mentions[k].start) {
            return false;
        }
        let between = chars.slice(mentions[j].end, mentions[k].start);
        lower_words(&between).len() <= 3 && !between.contains(['.', ',', '\n']) && has_title(&between)
    });
    let after = (k + 1..mentions.len()).take(6).find(|&j| org(j) && mentions[j].start >= mentions[k].end).filter(|&j| {
        if !near(mentions[k].end, mentions[j].start) {
            return false;
        }
        let between = chars.slice(mentions[k].end, mentions[j].start);
        let trailing = chars.slice(mentions[j].end, mentions[j].end + 20);
        let appositive = between.starts_with(", ") && lower_words(&between).len() <= 6 && !between[1..].contains([',', '.', '\n']);
        appositive && (has_title(&between) || has_title(trailing.split([',', '.']).next().unwrap_or("")))
    });
    before.or(after)
}

/// The antecedent of the pronoun mention `i`, where the text leaves one reading:
/// - he/she: the one person named before it in its sentence; with none there, the one person of
///   the nearest of the two sentences before that names any;
/// - they/it: the body that opens its sentence (within its first words), or for a
///   sentence-initial pronoun the one that opens the previous sentence;
/// - we/us: the reporting body (`reporter`: "…, the military said"), else the one body named
///   before it in its sentence, else, in a quotation whose speaker has a name, the body the
///   speaker's title names ("NASA Administrator Charles Bolden said, \"We …\"": NASA), else the
///   speaker.
///
/// Third-person pronouns never take a quotation's speaker from inside it, nor an antecedent
/// inside a quotation from outside, nor a person the document shows to be of the other gender.
///
/// `resolved` holds the pronouns already resolved: they stand for their actor.
#[allow(clippy::too_many_arguments)]
fn resolve_pronoun(
    chars: &Chars,
    mentions: &[Mention],
    clusters: &mut Clusters,
    i: usize,
    p: Pronoun,
    reporter: Option<usize>,
    sentences: &[(usize, usize)],
    resolved: &HashMap<usize, usize>,
    facts: &MentionFacts,
) -> Option<usize> {
    let m = &mentions[i];
    // Candidates: the mentions of the pronoun's sentence and the two before, up to it.
    let window = mentions.partition_point(|n| n.sentence + 2 < m.sentence)..i;
    let in_window = |s: usize| window.clone().filter(move |&j| mentions[j].sentence == s);
    // Inside a quotation, "he"/"she" is not its speaker; outside, no antecedent comes from inside one.
    let quote = facts.quote[i];
    // (Nor, for "they" and "it", the body the speaker speaks for.)
    let speaker = quote.filter(|_| p != Pronoun::First).and_then(|q| quote_speaker(chars, mentions, &facts.quotes, q));
    let body = speaker.filter(|_| p != Pronoun::Person).and_then(|j| speaker_body(chars, mentions, j)).map(|b| clusters.find(b));
    let speaker = speaker.map(|j| clusters.find(j));
    let quoted = |j: usize| quote.is_none() && facts.quote[j].is_some();
    let sentence_start = |s: usize| sentences.get(s).map_or(0, |r| r.0);
    // Genders of the actors so far (a man's "he" never becomes "she").
    let gender = facts.gender[i];
    let mut shown: HashMap<usize, (bool, bool)> = HashMap::new();
    if gender.is_some() {
        for (k, n) in mentions.iter().enumerate() {
            if matches!(n.kind, Kind::Pronoun(_)) && !resolved.contains_key(&k) {
                continue;
            }
            if let Some(g) = facts.gender[k] {
                let e = shown.entry(clusters.find(k)).or_default();
                if g == Gender::Male { e.0 = true } else { e.1 = true }
            }
        }
    }
    let root_of: Vec<usize> = (0..mentions.len()).map(|k| clusters.find(k)).collect();
    let same_gender = |j: usize| !matches!((gender, shown.get(&root_of[j])), (Some(Gender::Male), Some(&(false, true))) | (Some(Gender::Female), Some(&(true, false))));
    let fits = |j: usize| {
        (agrees(&mentions[j], p) || (resolved.contains_key(&j) && matches!(mentions[j].kind, Kind::Pronoun(q) if q == p)))
            && same_gender(j)
            && !quoted(j)
            && speaker != Some(root_of[j])
            && body != Some(root_of[j])
    };
    let before = |j: usize, s: usize| j != i && mentions[j].sentence == s && mentions[j].start < m.start && fits(j) && !facts.cited[j];
    // A name inside a wider actor phrase ("Scientology" in "Scientology officials") is that phrase.
    let inside_another = |j: usize| {
        in_window(mentions[j].sentence).any(|k| {
            k != j
                && before(k, mentions[j].sentence)
                && mentions[k].start <= mentions[j].start
                && mentions[j].end <= mentions[k].end
                && mentions[k].end - mentions[k].start > mentions[j].end - mentions[j].start
        })
    };
    let in_sentence: Vec<usize> = in_window(m.sentence).filter(|&j| before(j, m.sentence) && !inside_another(j)).collect();
    let roots: std::collections::HashSet<usize> = in_sentence.iter().map(|&j| root_of[j]).collect();
    let unique_here = (roots.len() == 1).then(|| *in_sentence.last().unwrap());
    // The mention that opens sentence `s` (at most OPENING_WORDS words in), if it agrees.
    let opening = |s: usize| -> Option<usize> {
        // A pronoun resolved before stands for its actor ("They said … And they pledged").
        let first = in_window(s).find(|&j| !matches!(mentions[j].kind, Kind::Pronoun(_)) || resolved.contains_key(&j))?;
        // The widest mention starting there ("Scientology officials", not "Scientology").
        let first = (first..mentions.len()).take_while(|&j| mentions[j].start == mentions[first].start).last().unwrap_or(first);
        let lead = chars.slice(sentence_start(s), mentions[first].start);
        (words_since_line_start(&lead) <= OPENING_WORDS && fits(first)).then_some(first)
    };
    let pronoun_opens = words_since_line_start(&chars.slice(sentence_start(m.sentence), m.start)) <= OPENING_WORDS;
    let previous = || m.sentence.checked_sub(1).filter(|_| pronoun_opens).and_then(opening).filter(|&j| quote.is_none_or(|q| q.0 < mentions[j].start));
    // The one actor of the nearest of the two sentences before that names any.
    // Not past a first-person sentence's start ("told that my mum had attacked the church and
    // that I needed to disconnect from her").
    let first_person = lower_words(&chars.slice(sentence_start(m.sentence), m.start)).iter().any(|w| matches!(w.as_str(), "i" | "my" | "me"));
    let previous_unique = || -> Option<usize> {
        if first_person {
            return None;
        }
        for back in 1..=2 {
            let s = m.sentence.checked_sub(back)?;
            // An unresolved "he" there may be someone else.
            let open_pronoun = in_window(s).any(|j| mentions[j].kind == m.kind && !resolved.contains_key(&j) && facts.gender[j] == gender);
            if open_pronoun {
                return None;
            }
            // From inside a quotation, earlier sentences count only within it.
            let within = |j: usize| quote.is_none_or(|q| q.0 < mentions[j].start);
            let found: Vec<usize> = in_window(s).filter(|&j| fits(j) && !inside_another(j) && within(j)).collect();
            if found.is_empty() {
                continue;
            }
            let distinct: std::collections::HashSet<usize> = found.iter().map(|&j| root_of[j]).collect();
            return (distinct.len() == 1).then(|| *found.last().unwrap());
        }
        None
    };
    // "Mr Blair told BBC News he …", "Azmat said he …": a subject pronoun opening what a person
    // said is that person.
    let nominative = matches!(m.text.to_lowercase().as_str(), "he" | "she" | "they");
    let said_by = (|| -> Option<usize> {
        if !nominative {
            return None;
        }
        let earlier: Vec<usize> = in_window(m.sentence).filter(|&j| mentions[j].end <= m.start).collect();
        for (n, &j) in earlier.iter().rev().take(3).enumerate() {
            // An apposition may close before the verb ("Mr Begg's father, Azmat, said he").
            let between = chars.slice(mentions[j].end, m.start);
            let between = between.strip_prefix(',').unwrap_or(&between);
            let words = lower_words(between);
            let words: Vec<&str> = words.iter().map(String::as_str).skip_while(|w| REPORT_ADVERBS.contains(w)).collect();
            let Some((verb, rest)) = words.split_first() else { continue };
            let rest = rest.strip_suffix(&["that"]).unwrap_or(rest);
            // Only "told"-like verbs may have their hearer between ("told BBC News"), and no person there.
            let hearer_ok =
                rest.is_empty() || (TOLD.contains(verb) && rest.len() <= 3 && earlier[earlier.len() - n..].iter().all(|&k| mentions[k].label.as_deref() != Some("PER")));
            if (SAYS_THAT.contains(verb) || TOLD.contains(verb)) && hearer_ok && !between.contains([',', '"', '“', '”', '.', ';', ':']) {
                // "They said they …": as the first "they" goes, unresolved or not.
                let open_pronoun = matches!(mentions[j].kind, Kind::Pronoun(_)) && !resolved.contains_key(&j);
                return (fits(j) && !open_pronoun).then_some(j);
            }
        }
        None
    })();
    // The article's main person, when no one else of that gender stands in this sentence or
    // the one before ("Bob was a good player. … He was an attacking midfield player").
    let main_person = || -> Option<usize> {
        let topic = facts.topic?;
        let others = window.clone().any(|j| mentions[j].sentence + 1 >= m.sentence && agrees(&mentions[j], Pronoun::Person) && same_gender(j) && root_of[j] != root_of[topic]);
        (!others && topic < i && fits(topic) && !first_person).then_some(topic)
    };
    let found = match p {
        Pronoun::Other => None,
        Pronoun::First => reporter.filter(|&r| agrees(&mentions[r], p)).or(unique_here).or_else(|| {
            let speaker = quote.and_then(|q| quote_speaker(chars, mentions, &facts.quotes, q))?;
            // The speaker may be named after the quotation ("\"We …,\" said Kane").
            let named = (0..mentions.len()).filter(|&k| root_of[k] == root_of[speaker] && mentions_is_name(mentions, k)).collect::<Vec<_>>();
            // The body the speaker speaks for, where the text names it by the speaker's title.
            named.iter().find_map(|&k| speaker_body(chars, mentions, k)).or_else(|| named.last().copied())
        }),
        Pronoun::Person => said_by.or(unique_here).or_else(|| if in_sentence.is_empty() { previous().or_else(previous_unique) } else { None }).or_else(main_person),
        Pronoun::Plural if said_by.is_some() => said_by,
        Pronoun::Plural | Pronoun::Thing => match unique_here {
            // "The Russian troops captured the men as they were crossing": people named between
            // the body and "they" may be who "they" are.
            Some(j) if p == Pronoun::Plural && plural_people(&chars.slice(mentions[j].end, m.start)) => None,
            Some(_) => opening(m.sentence).filter(|&o| o == in_sentence[0] && roots.len() == 1),
            None if in_sentence.is_empty() => previous().or_else(|| previous_unique().filter(|_| p == Pronoun::Plural)),
            None => None,
        },
    };
    found.map(|j| nearest_non_pronoun(mentions, clusters, j, i))
}

/// Whether `text` names people in the plural ("the men", "civilians", "them").
fn plural_people(text: &str) -> bool {
    const PEOPLE: &[&str] = &[
        "men",
        "women",
        "people",
        "children",
        "civilians",
        "soldiers",
        "troops",
        "rebels",
        "militants",
        "fighters",
        "protesters",
        "demonstrators",
        "police",
        "officers",
        "workers",
        "residents",
        "villagers",
        "students",
        "refugees",
        "migrants",
        "prisoners",
        "hostages",
        "them",
        "passengers",
        "pilgrims",
        "insurgents",
        "gunmen",
    ];
    lower_words(text).iter().any(|w| PEOPLE.contains(&w.as_str()))
}

/// The code-point ranges of the words (runs of letters) of `chars`.
fn words_of(chars: &[char]) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        if chars[i].is_alphabetic() {
            let start = i;
            while i < chars.len() && chars[i].is_alphanumeric() {
                i += 1;
            }
            out.push((start, i));
        } else {
            i += 1;
        }
    }
    out
}

/// Words of `lead` after its last line break (a new paragraph starts a sentence, whatever the splitter said).
fn words_since_line_start(lead: &str) -> usize {
    lead.rsplit('\n').next().unwrap_or("").split_whitespace().count()
}

/// The latest non-pronoun mention of `j`'s actor before mention `before` (`j` itself at least).
fn nearest_non_pronoun(mentions: &[Mention], clusters: &mut Clusters, j: usize, before: usize) -> usize {
    let root = clusters.find(j);
    (0..before).rev().find(|&k| mentions[k].start < mentions[before].start && clusters.find(k) == root && !matches!(mentions[k].kind, Kind::Pronoun(_))).unwrap_or(j)
}

/// An actor's one name: its longest name (not an acronym), else its acronym, else its first
/// description without the determiner.
fn canonical_name(mentions: &[Mention], members: &[usize]) -> String {
    let names = members.iter().filter(|&&i| mentions[i].kind == Kind::Name);
    if let Some(&i) = names.max_by_key(|&&i| (mentions[i].text.chars().count(), std::cmp::Reverse(i))) {
        return strip_article(&mentions[i].text);
    }
    if let Some(&i) = members.iter().find(|&&i| mentions[i].kind == Kind::Acronym) {
        return mentions[i].text.clone();
    }
    members.iter().find(|&&i| !matches!(mentions[i].kind, Kind::Pronoun(_))).map_or_else(String::new, |&i| strip_determiner(&mentions[i].text))
}

fn strip_article(text: &str) -> String {
    let t = text.trim();
    for a in ["The ", "the "] {
        if let Some(rest) = t.strip_prefix(a) {
            return rest.to_string();
        }
    }
    t.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::{Entity, Geo, Triple};

    fn span(text: &str, needle: &str, nth: usize) -> Span {
        let byte = text.match_indices(needle).nth(nth).unwrap().0;
        let start = text[..byte].chars().count();
        Span { text: needle.into(), start, end: start + needle.chars().count(), ..Span::default() }
    }

    fn entity(text: &str, needle: &str, nth: usize, label: &str) -> Entity {
        let s = span(text, needle, nth);
        Entity { text: s.text, label: label.into(), start: s.start, end: s.end, score: None, optional: false, actor_id: None, geo: None }
    }

    fn triple(actor: Option<Span>, action: Span, place: Span, reporter: Option<Span>) -> Triple {
        Triple { actor, attributed_to: reporter, ..Triple::at(action, place) }
    }

    /// Runs resolution on `text` split into sentences at ". " boundaries.
    fn resolve(text: &str, entities: Vec<Entity>, triples: Vec<Triple>, dictionary: Option<&ActorDictionary>) -> Record {
        resolve_with(text, entities, triples, &[], dictionary)
    }

    /// An actor phrase of the parse over the `nth` `needle` of `text`.
    fn phrase(text: &str, needle: &str, nth: usize, head: &str, subject: bool, possessive: bool) -> ActorPhrase {
        let s = span(text, needle, nth);
        ActorPhrase { range: s.start..s.end, head: head.into(), subject, possessive, actor: is_actor_noun(head) || pronoun(head).is_some() }
    }

    /// The actor (its mentions' texts) that holds the `nth` `needle`, if one does.
    fn actor_of(r: &Record, text: &str, needle: &str, nth: usize) -> Option<Vec<String>> {
        let s = span(text, needle, nth);
        r.actors.iter().find(|a| a.mentions.iter().any(|m| m.start == s.start && m.end == s.end)).map(|a| a.mentions.iter().map(|m| m.text.clone()).collect())
    }

    /// `resolve` with the parse's actor phrases.
    fn resolve_with(text: &str, entities: Vec<Entity>, triples: Vec<Triple>, phrases: &[ActorPhrase], dictionary: Option<&ActorDictionary>) -> Record {
        let mut sentences = Vec::new();
        let mut start = 0;
        for s in crate::segment::sentences(text) {
            let (a, b) = (text[..s.start].chars().count(), text[..s.end].chars().count());
            sentences.push((a.max(start), b));
            start = b;
        }
        let mut r = Record::error("d", Default::default(), "x", "y");
        r.entities = entities;
        r.triples = triples;
        resolve_actors(text, &sentences, phrases, &mut r, dictionary);
        r
    }

    #[test]
    fn it_resolves_to_the_malian_army_and_names_become_one_actor() {
        let t = "The Malian army took control of Anefis on Saturday. It then left for Kidal. Malian armed forces entered Kidal, the army said.";
        let ents = vec![entity(t, "Malian army", 0, "ORG"), entity(t, "Malian armed forces", 0, "ORG")];
        let triples = vec![
            triple(Some(span(t, "It", 0)), span(t, "left", 0), span(t, "Kidal", 0), None),
            triple(Some(span(t, "Malian armed forces", 0)), span(t, "entered", 0), span(t, "Kidal", 1), Some(span(t, "the army", 0))),
        ];
        let r = resolve(t, ents, triples, None);
        let it = r.triples[0].actor.as_ref().unwrap();
        assert_eq!(it.resolved.as_ref().unwrap().text, "Malian army");
        let forces = r.triples[1].actor.as_ref().unwrap();
        assert_eq!(it.actor_id, forces.actor_id);
        assert_eq!(forces.canonical.as_deref(), Some("Malian armed forces"));
        let reporter = r.triples[1].attributed_to.as_ref().unwrap();
        assert_eq!(reporter.actor_id, forces.actor_id, "the army is the Malian army");
        assert_eq!(r.actors.len(), 1);
        assert_eq!(r.actors[0].mentions.len(), 4);
        assert_eq!(r.entities[0].actor_id.as_deref(), Some("A1"));
    }

    #[test]
    fn we_in_a_quote_is_the_column_and_an_eyewitness_we_stays_unresolved() {
        // The seed's sentences (mali-anefis).
        let t = "An army convoy left the city of Gao. The column was \"initially heading towards Anefis to reinforce our positions. We are not going directly to Kidal\", an officer based in Gao told AFP. \"This morning in the town of Anefis we saw the white mercenaries of Wagner\", an eyewitness told AFP.";
        let ents = vec![entity(t, "AFP", 0, "ORG"), entity(t, "Wagner", 0, "ORG"), entity(t, "AFP", 1, "ORG")];
        let officer = span(t, "an officer", 0);
        let triples = vec![
            triple(Some(span(t, "An army convoy", 0)), span(t, "left", 0), span(t, "Gao", 0), None),
            triple(Some(span(t, "The column", 0)), span(t, "heading towards", 0), span(t, "Anefis", 0), Some(officer.clone())),
            triple(Some(span(t, "We", 0)), span(t, "going directly to", 0), span(t, "Kidal", 0), Some(officer)),
            triple(Some(span(t, "we", 0)), span(t, "saw", 0), span(t, "Anefis", 1), None),
        ];
        let r = resolve(t, ents, triples, None);
        let actor = |i: usize| r.triples[i].actor.clone().unwrap();
        assert_eq!(actor(1).resolved.unwrap().text, "An army convoy");
        assert_eq!(actor(2).resolved.unwrap().text, "The column");
        assert_eq!(actor(2).actor_id, actor(0).actor_id);
        assert_eq!(actor(2).canonical.as_deref(), Some("army convoy"));
        assert!(actor(3).resolved.is_none() && actor(3).actor_id.is_none(), "{:?}", actor(3));
    }

    #[test]
    fn they_is_the_whole_actor_phrase_and_stays_open_when_people_come_between() {
        let t = "On Monday, Scientology officials went to the station where they claimed Montalvo left Gao. Russian troops captured the men as they were crossing from Kunduz.";
        let ents = vec![entity(t, "Scientology", 0, "ORG"), entity(t, "Montalvo", 0, "PER"), entity(t, "Russian troops", 0, "ORG")];
        let triples = vec![
            triple(Some(span(t, "Scientology officials", 0)), span(t, "went", 0), span(t, "station", 0), None),
            triple(Some(span(t, "Montalvo", 0)), span(t, "left", 0), span(t, "Gao", 0), Some(span(t, "they", 0))),
            triple(Some(span(t, "they", 1)), span(t, "crossing from", 0), span(t, "Kunduz", 0), None),
        ];
        let r = resolve(t, ents, triples, None);
        let reporter = r.triples[1].attributed_to.clone().unwrap();
        assert_eq!(reporter.resolved.unwrap().text, "Scientology officials", "not the name inside the phrase");
        assert!(r.triples[2].actor.clone().unwrap().resolved.is_none(), "the troops or the men");
        // Without the men between, they are the troops.
        let t2 = "Russian troops attacked as they were crossing from Kunduz.";
        let r2 =
            resolve(t2, vec![entity(t2, "Russian troops", 0, "ORG")], vec![triple(Some(span(t2, "they", 0)), span(t2, "crossing from", 0), span(t2, "Kunduz", 0), None)], None);
        assert_eq!(r2.triples[0].actor.clone().unwrap().resolved.unwrap().text, "Russian troops");
    }

    #[test]
    fn they_opening_a_sentence_is_the_one_body_of_the_sentence_before() {
        // The body does not open the sentence before ("Yesterday in the north, …"), but it is the
        // only one there.
        let t = "Yesterday in the north of the country, the separatist groups seized Gao. They then left for Kidal.";
        let groups = span(t, "the separatist groups", 0);
        let phrases = [phrase(t, "the separatist groups", 0, "groups", true, false)];
        let triples =
            vec![triple(Some(groups.clone()), span(t, "seized", 0), span(t, "Gao", 0), None), triple(Some(span(t, "They", 0)), span(t, "left", 0), span(t, "Kidal", 0), None)];
        let r = resolve_with(t, Vec::new(), triples, &phrases, None);
        assert_eq!(r.triples[1].actor.clone().unwrap().resolved.unwrap().text, "the separatist groups");
        // Two bodies there: left open.
        let t = "Yesterday in the north of the country, the separatist groups and the army fought near Gao. They then left for Kidal.";
        let phrases = [phrase(t, "the separatist groups", 0, "groups", true, false), phrase(t, "the army", 0, "army", false, false)];
        let triples = vec![triple(Some(span(t, "They", 0)), span(t, "left", 0), span(t, "Kidal", 0), None)];
        let r = resolve_with(t, Vec::new(), triples, &phrases, None);
        assert!(r.triples[0].actor.clone().unwrap().resolved.is_none());
    }

    #[test]
    fn a_pronoun_inside_its_candidate_s_span_does_not_panic() {
        // The actor phrase "those they fought" holds the pronoun: its end lies after the pronoun.
        let t = "Rebels said those they fought fled to Gao.";
        let ents = vec![entity(t, "Rebels", 0, "ORG")];
        let triples = vec![
            triple(Some(span(t, "those they fought", 0)), span(t, "fled to", 0), span(t, "Gao", 0), None),
            triple(Some(span(t, "they", 0)), span(t, "fought", 0), span(t, "Gao", 0), None),
        ];
        let r = resolve(t, ents, triples, None);
        assert_eq!(r.triples.len(), 2);
        assert_eq!(Chars("abc".chars().collect()).slice(2, 1), "");
    }

    #[test]
    fn a_name_and_its_kind_or_its_cut_form_are_one_actor() {
        let t = "Scientology sued. The Scientology organization denied it. The Supreme Court of Cassation ruled. The Supreme Court met. The Court said so.";
        let ents = vec![
            entity(t, "Scientology", 0, "ORG"),
            entity(t, "Scientology organization", 0, "ORG"),
            entity(t, "Supreme Court of Cassation", 0, "ORG"),
            entity(t, "Supreme Court", 1, "ORG"),
            entity(t, "Court", 2, "ORG"),
        ];
        let r = resolve(t, ents, vec![], None);
        assert_eq!(actor_of(&r, t, "Scientology organization", 0).unwrap(), ["Scientology", "Scientology organization"]);
        // "Supreme Court" is the Court of Cassation cut before its "of", and then "the Court" has one antecedent.
        assert_eq!(actor_of(&r, t, "Court", 2).unwrap(), ["Supreme Court of Cassation", "Supreme Court", "Court"]);
    }

    #[test]
    fn the_city_is_the_one_city_named_before() {
        let t = "Taipei held its lantern festival in Taiwan. This year the city expects six million visitors, given by the city. Kaohsiung held one too. The town said so.";
        let place = |needle: &str, nth: usize, id: u32, class: &str, code: &str| Entity {
            geo: Some(Some(Geo {
                geonameid: id,
                name: needle.into(),
                country_code: "TW".into(),
                admin1: None,
                latitude: 0.0,
                longitude: 0.0,
                feature_class: class.into(),
                feature_code: code.into(),
                population: 1,
                score: 1.0,
            })),
            ..entity(t, needle, nth, "LOC")
        };
        let ents = vec![place("Taipei", 0, 1, "P", "PPLC"), place("Taiwan", 0, 2, "A", "PCLI"), place("Kaohsiung", 0, 3, "P", "PPL")];
        let phrases = [phrase(t, "the city", 0, "city", true, false), phrase(t, "the city", 1, "city", false, false), phrase(t, "The town", 0, "town", true, false)];
        let r = resolve_with(t, ents, vec![], &phrases, None);
        assert_eq!(actor_of(&r, t, "the city", 1).unwrap(), ["Taipei", "the city", "the city"]);
        // Two towns named before: left alone.
        assert_eq!(actor_of(&r, t, "The town", 0), None);
    }

    #[test]
    fn acronym_is_tied_to_its_long_form() {
        let t = "Almou Ag Mohamed, a spokesperson for the Permanent Strategic Framework for Peace, Security and Development (CSP), spoke. The CSP fighters reached Anefis, the CSP said.";
        let long = "Permanent Strategic Framework for Peace, Security and Development";
        let ents = vec![entity(t, "Almou Ag Mohamed", 0, "PER"), entity(t, long, 0, "ORG"), entity(t, "CSP", 0, "ORG"), entity(t, "CSP", 1, "ORG"), entity(t, "CSP", 2, "ORG")];
        let triples = vec![triple(Some(span(t, "The CSP fighters", 0)), span(t, "reached", 0), span(t, "Anefis", 0), Some(span(t, "the CSP", 0)))];
        let r = resolve(t, ents, triples, None);
        let csp = r.actors.iter().find(|a| a.mentions.iter().any(|m| m.text == "CSP")).unwrap();
        assert_eq!(csp.canonical, long);
        assert_eq!(csp.mentions.len(), 4);
        assert_eq!(r.triples[0].attributed_to.as_ref().unwrap().canonical.as_deref(), Some(long));
    }

    #[test]
    fn ambiguous_pronouns_stay_unresolved_and_an_opening_name_is_taken() {
        let t = "Montalvo contacted Devocht in Los Angeles. He traveled to Florida. Montalvo told Rathbun he would go to Ohio.";
        let ents = vec![entity(t, "Montalvo", 0, "PER"), entity(t, "Devocht", 0, "PER"), entity(t, "Montalvo", 1, "PER"), entity(t, "Rathbun", 0, "PER")];
        let triples = vec![
            triple(Some(span(t, "He", 0)), span(t, "traveled to", 0), span(t, "Florida", 0), None),
            triple(Some(span(t, "he", 0)), span(t, "go to", 0), span(t, "Ohio", 0), None),
        ];
        let r = resolve(t, ents, triples, None);
        assert_eq!(r.triples[0].actor.as_ref().unwrap().resolved.as_ref().unwrap().text, "Montalvo");
        assert_eq!(r.triples[0].actor.as_ref().unwrap().actor_id, r.entities[0].actor_id);
        assert!(r.triples[1].actor.as_ref().unwrap().resolved.is_none(), "two people before it");
    }

    #[test]
    fn dictionary_renames_and_merges_actors() {
        let t = "FAMa soldiers said the Malian army reached Anefis. FAMa left Gao.";
        let d = ActorDictionary::from_reader("pattern,canonical,code\nFAMa,Malian Armed Forces,MLIMIL\nMalian arm*,Malian Armed Forces,MLIMIL\n".as_bytes()).unwrap();
        let ents = vec![entity(t, "Malian army", 0, "ORG"), entity(t, "FAMa", 1, "ORG")];
        let triples = vec![
            triple(Some(span(t, "Malian army", 0)), span(t, "reached", 0), span(t, "Anefis", 0), None),
            triple(Some(span(t, "FAMa", 1)), span(t, "left", 0), span(t, "Gao", 0), None),
        ];
        let r = resolve(t, ents, triples, Some(&d));
        let (a, b) = (r.triples[0].actor.as_ref().unwrap(), r.triples[1].actor.as_ref().unwrap());
        assert_eq!(a.actor_id, b.actor_id);
        assert_eq!((a.canonical.as_deref(), a.code.as_deref()), (Some("Malian Armed Forces"), Some("MLIMIL")));
        assert_eq!(r.actors.len(), 1);
    }

    #[test]
    fn a_quoted_we_is_its_named_speaker_and_a_quoted_him_is_never_the_speaker() {
        let t = "Malaysia's Prime Minister, Najib Razak said, \"We are in contact with all parties.\" His lawyer Louise Christian said: \"They kidnapped him and took him away.\"";
        let ents = vec![entity(t, "Najib Razak", 0, "PER"), entity(t, "Louise Christian", 0, "PER")];
        let r = resolve(t, ents, Vec::new(), None);
        assert_eq!(actor_of(&r, t, "We", 0).unwrap(), ["Najib Razak", "We"]);
        let t = "His lawyer Louise Christian said: \"They kidnapped him and took him away.\"";
        let r = resolve(t, vec![entity(t, "Louise Christian", 0, "PER")], Vec::new(), None);
        assert_eq!(actor_of(&r, t, "him", 0), None, "the speaker is not who she speaks of");
    }

    #[test]
    fn she_never_takes_a_man_and_falls_back_to_the_one_woman_before() {
        let t = "Mr Blunkett met Sarah Jones on Monday in London. She said the talks went well.";
        let ents = vec![entity(t, "Blunkett", 0, "PER"), entity(t, "Sarah Jones", 0, "PER")];
        let r = resolve(t, ents, Vec::new(), None);
        assert_eq!(actor_of(&r, t, "She", 0).unwrap(), ["Sarah Jones", "She"]);
        // Without the honorific, the sentence-initial "She" takes the person opening the sentence before.
        let t = "Blunkett met Sarah Jones on Monday in London. She said the talks went well.";
        let ents = vec![entity(t, "Blunkett", 0, "PER"), entity(t, "Sarah Jones", 0, "PER")];
        assert_eq!(actor_of(&resolve(t, ents, Vec::new(), None), t, "She", 0).unwrap(), ["Blunkett", "She"]);
    }

    #[test]
    fn a_description_around_a_body_s_name_is_that_body_and_a_cited_source_is_no_antecedent() {
        let t = "Movimento 5 Stelle (M5S) asked for it. In the second case, the M5S party won. According to Rathbun the drives were returned by Montalvo after he left.";
        let ents = vec![
            entity(t, "Movimento 5 Stelle", 0, "ORG"),
            entity(t, "M5S", 0, "ORG"),
            entity(t, "M5S", 1, "ORG"),
            entity(t, "Rathbun", 0, "PER"),
            entity(t, "Montalvo", 0, "PER"),
        ];
        let phrases = [phrase(t, "the M5S party", 0, "party", true, false)];
        let r = resolve_with(t, ents, vec![], &phrases, None);
        let party = actor_of(&r, t, "the M5S party", 0).unwrap();
        assert!(party.contains(&"Movimento 5 Stelle".to_string()), "{party:?}");
        // "he" is Montalvo's, not the cited Rathbun's.
        assert!(r.actors.iter().any(|a| a.mentions.iter().map(|m| m.text.as_str()).collect::<Vec<_>>() == ["Montalvo", "he"]), "{:?}", r.actors);
    }

    #[test]
    fn they_takes_the_individuals_who_open_the_sentence_before() {
        let t = "Some individuals attacked the site on Monday. They posted the addresses online.";
        let phrases = [phrase(t, "Some individuals", 0, "individuals", true, false), phrase(t, "They", 0, "they", true, false)];
        let r = resolve_with(t, vec![], vec![], &phrases, None);
        assert_eq!(actor_of(&r, t, "They", 0).unwrap(), ["Some individuals", "They"]);
    }

    #[test]
    fn a_description_repeated_with_the_takes_its_bare_twin() {
        let t = "Localist camp members won seats. Later the localist camp said it had won.";
        let phrases = [phrase(t, "Localist camp", 0, "camp", false, false), phrase(t, "the localist camp", 0, "camp", true, false)];
        let r = resolve_with(t, vec![], vec![], &phrases, None);
        assert_eq!(actor_of(&r, t, "the localist camp", 0).unwrap(), ["Localist camp", "the localist camp"]);
    }

    #[test]
    fn the_parse_descriptions_tie_to_their_name_and_unmatched_ones_stay_out() {
        let t =
            "The Labour Party won the vote in Leeds. The party said the crowds were happy. Valeska Paris, an Australian woman, said the church imprisoned her. Her parents left.";
        let ents = vec![entity(t, "Labour Party", 0, "ORG"), entity(t, "Valeska Paris", 0, "PER")];
        let phrases = vec![
            phrase(t, "The party", 0, "party", true, false),
            phrase(t, "the crowds", 0, "crowds", true, false),
            phrase(t, "an Australian woman", 0, "woman", false, false),
            phrase(t, "her", 0, "her", false, false),
            phrase(t, "Her", 0, "her", false, true),
        ];
        let r = resolve_with(t, ents, Vec::new(), &phrases, None);
        assert_eq!(actor_of(&r, t, "The party", 0).unwrap(), ["Labour Party", "The party"]);
        assert_eq!(actor_of(&r, t, "the crowds", 0), None, "nothing to tie it to");
        assert_eq!(actor_of(&r, t, "her", 0).unwrap(), ["Valeska Paris", "an Australian woman", "her"]);
        assert_eq!(actor_of(&r, t, "Her", 0), None, "a possessive is no actor mention");
    }

    #[test]
    fn a_subject_pronoun_after_said_is_the_speaker_and_a_we_is_the_body_of_the_speakers_title() {
        let t =
            "In his first comments since Sir Alan's report, Mr Blair told BBC News he had not read it. NASA Administrator Charles Bolden said, \"We want to thank all of them.\"";
        let ents =
            vec![entity(t, "Alan", 0, "PER"), entity(t, "Blair", 0, "PER"), entity(t, "BBC News", 0, "ORG"), entity(t, "NASA", 0, "ORG"), entity(t, "Charles Bolden", 0, "PER")];
        let r = resolve(t, ents, Vec::new(), None);
        assert_eq!(actor_of(&r, t, "he", 0).unwrap(), ["Blair", "he"], "two people before it, but Blair told");
        assert_eq!(actor_of(&r, t, "We", 0).unwrap(), ["NASA", "We"]);
    }

    #[test]
    fn a_repeated_description_takes_its_latest_twin_and_a_resumed_quotation_keeps_its_speaker() {
        let t = "Montalvo left the organization in May. He later sued the Scientology organization. He said the organization had lied. \"We are here,\" team member Rodaba Noori told the press, \"and we will stay.\"";
        let ents = vec![entity(t, "Montalvo", 0, "PER"), entity(t, "Rodaba Noori", 0, "PER")];
        let phrases = vec![
            phrase(t, "the organization", 0, "organization", false, false),
            phrase(t, "the Scientology organization", 0, "organization", false, false),
            phrase(t, "the organization", 1, "organization", true, false),
            phrase(t, "team member", 0, "member", false, false),
        ];
        let r = resolve_with(t, ents, Vec::new(), &phrases, None);
        assert_eq!(actor_of(&r, t, "the organization", 1).unwrap(), ["the organization", "the organization"]);
        assert_eq!(actor_of(&r, t, "we", 0).unwrap(), ["We", "team member", "Rodaba Noori", "we"]);
    }

    #[test]
    fn a_he_with_no_one_else_near_is_the_article_s_main_person() {
        let t = "Bob Marley toured Africa. Marley sang in Harare. Partridge worked with Marley in London. The show was long. He was the biggest attraction.";
        let ents = vec![entity(t, "Bob Marley", 0, "PER"), entity(t, "Marley", 1, "PER"), entity(t, "Partridge", 0, "PER"), entity(t, "Marley", 2, "PER")];
        let r = resolve(t, ents, Vec::new(), None);
        assert!(actor_of(&r, t, "He", 0).unwrap().contains(&"Bob Marley".to_string()));
        // With other men in the sentence before, "he" stays open.
        let t = "Bob Marley toured Africa. Marley sang in Harare. Marley flew home. In London, Partridge met Mr Smith. The crowds cheered as he sang.";
        let ents =
            vec![entity(t, "Bob Marley", 0, "PER"), entity(t, "Marley", 1, "PER"), entity(t, "Marley", 2, "PER"), entity(t, "Partridge", 0, "PER"), entity(t, "Smith", 0, "PER")];
        assert_eq!(actor_of(&resolve(t, ents, Vec::new(), None), t, "he", 0), None);
    }
}
