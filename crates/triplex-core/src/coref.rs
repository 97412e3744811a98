//! Actor resolution over one document's record, after the triple rules: every PER/ORG entity and
//! every triple actor is a mention; mentions of one actor are tied together (same name, a short
//! name of a full one, an acronym and its long form, a nationality's forces, a definite
//! description or a pronoun and its antecedent), each actor gets one canonical name and an id, and
//! a pronoun or description that was tied to an antecedent names it in `resolved`. Rules, and
//! precision first: a pronoun with two possible antecedents stays unresolved.

use crate::dictionary::ActorDictionary;
use crate::record::{Actor, Record, Span};
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
];

/// Singular nouns for groups, which "they" and "it" may both refer to.
const COLLECTIVE: &[&str] = &["forces", "convoy", "police", "government", "team", "navy", "family", "crew", "company", "group", "party", "coalition", "committee", "council"];

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
    let phrase: Vec<&String> = words.iter().take_while(|w| !HEAD_STOPS.contains(&w.as_str()) && !w.ends_with(',')).collect();
    let head = phrase.last().map_or("", |w| w.as_str());
    class_of(head.trim_end_matches("'s").trim_end_matches('\''))
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
/// code-point ranges of its sentences; `dictionary` then renames (and may merge) actors.
pub fn resolve_actors(text: &str, sentences: &[(usize, usize)], record: &mut Record, dictionary: Option<&ActorDictionary>) {
    let chars = Chars(text.chars().collect());
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
            mentions.push(Mention { start: s.start, end: s.end, text: s.text.clone(), kind: classify(&s.text, None), label: None, sentence: sentence_of(s.start) });
        }
    }
    // Every other third-person pronoun that can be an actor, so that the actors list holds it too
    // ("it" and "her", mostly things and possessives, and "we"/"us", mostly a quoted speaker's
    // side, only where a triple names them).
    for (start, end) in words_of(&chars.0) {
        let word: String = chars.0[start..end].iter().collect();
        // "US" is the country.
        let written_as_word = word.chars().skip(1).all(char::is_lowercase);
        if at.contains_key(&(start, end)) || !written_as_word || !matches!(word.to_lowercase().as_str(), "he" | "she" | "they" | "him" | "them") {
            continue;
        }
        let Some(p) = pronoun(&word) else { continue };
        at.insert((start, end), mentions.len());
        mentions.push(Mention { start, end, text: word, kind: Kind::Pronoun(p), label: None, sentence: sentence_of(start) });
    }
    let mut order: Vec<usize> = (0..mentions.len()).collect();
    order.sort_by_key(|&i| (mentions[i].start, mentions[i].end));
    let mentions: Vec<Mention> = order.iter().map(|&i| mentions[i].clone()).collect();
    let renumber: HashMap<usize, usize> = order.iter().enumerate().map(|(new, &old)| (old, new)).collect();
    let at: HashMap<(usize, usize), usize> = at.into_iter().map(|(k, v)| (k, renumber[&v])).collect();

    let mut clusters = Clusters((0..mentions.len()).collect());
    tie_names(&chars, &mentions, &mut clusters);
    let antecedent = resolve_descriptions(&mentions, &mut clusters);
    let mut antecedent = antecedent;
    for t in &record.triples {
        let reporter = t.attributed_to.as_ref().map(|s| at[&(s.start, s.end)]);
        // A pronoun actor (whose "we" may be its reporter's body), then a pronoun reporter.
        for (span, reporter) in [(&t.actor, reporter), (&t.attributed_to, None)] {
            let Some(span) = span else { continue };
            let i = at[&(span.start, span.end)];
            if let Kind::Pronoun(p) = mentions[i].kind
                && !antecedent.contains_key(&i)
                && let Some(a) = resolve_pronoun(&chars, &mentions, &mut clusters, i, p, reporter, sentences)
            {
                clusters.union(i, a);
                antecedent.insert(i, a);
            }
        }
    }

    // Then the pronouns no triple names, in text order.
    for i in 0..mentions.len() {
        if let Kind::Pronoun(p) = mentions[i].kind
            && !antecedent.contains_key(&i)
            && let Some(a) = resolve_pronoun(&chars, &mentions, &mut clusters, i, p, None, sentences)
        {
            clusters.union(i, a);
            antecedent.insert(i, a);
        }
    }

    // Actors: one per cluster that holds something other than an unresolved pronoun.
    let mut members: Vec<(usize, Vec<usize>)> = Vec::new();
    let mut index_of_root: HashMap<usize, usize> = HashMap::new();
    for (i, m) in mentions.iter().enumerate() {
        if matches!(m.kind, Kind::Pronoun(_)) && !antecedent.contains_key(&i) {
            continue;
        }
        let r = clusters.find(i);
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
    for (i, m) in mentions.iter().enumerate() {
        if !matches!(m.kind, Kind::Name | Kind::Acronym) {
            continue;
        }
        let key = name_key(&m.text);
        match by_key.get(&key) {
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
    // Acronyms.
    for (i, m) in mentions.iter().enumerate() {
        if m.kind != Kind::Acronym {
            continue;
        }
        let letters: String = m.text.chars().filter(char::is_ascii_alphanumeric).collect();
        // "Long Form (ACR)": the name that ends right before the bracket.
        let open = (0..m.start).rev().find(|&p| !chars.0[p].is_whitespace());
        if let Some(open) = open.filter(|&p| chars.0[p] == '(')
            && let Some(j) = mentions.iter().position(|o| o.end <= open && chars.slice(o.end, open).trim().is_empty() && matches!(o.kind, Kind::Name))
        {
            clusters.union(i, j);
            continue;
        }
        // Initials of a multi-word name: "United Nations" / "UN".
        let matches: Vec<usize> = mentions
            .iter()
            .enumerate()
            .filter(|(_, o)| {
                let initials: String = o
                    .text
                    .split_whitespace()
                    .filter(|w| !ACRONYM_SKIP.contains(&w.to_lowercase().as_str()))
                    .filter_map(|w| w.chars().next())
                    .filter(|c| c.is_uppercase())
                    .collect();
                o.kind == Kind::Name && o.text.split_whitespace().count() >= 2 && initials == letters
            })
            .map(|(j, _)| j)
            .collect();
        let roots: std::collections::HashSet<usize> = matches.iter().map(|&j| clusters.find(j)).collect();
        if roots.len() == 1 {
            clusters.union(i, matches[0]);
        }
    }
}

/// Ties each definite description ("the army", "The column") to the one earlier actor whose head
/// noun is of its class ("Malian army", "An army convoy"); returns description → antecedent.
fn resolve_descriptions(mentions: &[Mention], clusters: &mut Clusters) -> HashMap<usize, usize> {
    let mut antecedent = HashMap::new();
    for i in 0..mentions.len() {
        let Kind::Description { definite: true, head } = &mentions[i].kind else { continue };
        let candidates: Vec<usize> = (0..i)
            .filter(|&j| match &mentions[j].kind {
                Kind::Name | Kind::Acronym => class_of(lower_words(&mentions[j].text).last().map_or("", String::as_str)) == *head,
                Kind::Description { head: h, .. } => h == head,
                Kind::Pronoun(_) => false,
            })
            .filter(|&j| mentions[j].start < mentions[i].start)
            .collect();
        let roots: std::collections::HashSet<usize> = candidates.iter().map(|&j| clusters.find(j)).collect();
        if roots.len() == 1 {
            let root = clusters.find(candidates[0]);
            // The antecedent shown: the latest name of that actor before, else its latest mention.
            let named = candidates.iter().rev().find(|&&j| mentions_is_name(mentions, j)).copied();
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

/// Whether a mention can be what a pronoun of kind `p` refers to.
fn agrees(m: &Mention, p: Pronoun) -> bool {
    let collective = |head: &str| COLLECTIVE.contains(&head);
    match (p, &m.kind) {
        (Pronoun::Person, Kind::Name) => m.label.as_deref() == Some("PER"),
        (Pronoun::Plural | Pronoun::First, Kind::Name | Kind::Acronym) => m.label.as_deref() == Some("ORG"),
        (Pronoun::Plural | Pronoun::First, Kind::Description { head, .. }) => collective(head) || (head.ends_with('s') && !head.ends_with("ss")),
        (Pronoun::Thing, Kind::Name | Kind::Acronym) => m.label.as_deref() == Some("ORG"),
        (Pronoun::Thing, Kind::Description { head, .. }) => collective(head),
        _ => false,
    }
}

/// The antecedent of the pronoun mention `i`, where the text leaves one reading:
/// - he/she: the one person named before it in its sentence; a sentence-initial pronoun with no
///   such person takes the person who opens the previous sentence;
/// - they/it: the body that opens its sentence (within its first words), or for a
///   sentence-initial pronoun the one that opens the previous sentence;
/// - we/us: the reporting body (`reporter`: "…, the military said"), else the one body named
///   before it in its sentence ("The column was heading … We are not going …").
fn resolve_pronoun(chars: &Chars, mentions: &[Mention], clusters: &mut Clusters, i: usize, p: Pronoun, reporter: Option<usize>, sentences: &[(usize, usize)]) -> Option<usize> {
    let m = &mentions[i];
    let sentence_start = |s: usize| sentences.get(s).map_or(0, |r| r.0);
    let before = |j: usize, s: usize| j != i && mentions[j].sentence == s && mentions[j].start < m.start && agrees(&mentions[j], p);
    // A name inside a wider actor phrase ("Scientology" in "Scientology officials") is that phrase.
    let inside_another = |j: usize| {
        (0..mentions.len()).any(|k| {
            k != j
                && before(k, mentions[j].sentence)
                && mentions[k].start <= mentions[j].start
                && mentions[j].end <= mentions[k].end
                && mentions[k].end - mentions[k].start > mentions[j].end - mentions[j].start
        })
    };
    let in_sentence: Vec<usize> = (0..mentions.len()).filter(|&j| before(j, m.sentence) && !inside_another(j)).collect();
    let roots: std::collections::HashSet<usize> = in_sentence.iter().map(|&j| clusters.find(j)).collect();
    let unique_here = (roots.len() == 1).then(|| *in_sentence.last().unwrap());
    // The mention that opens sentence `s` (at most OPENING_WORDS words in), if it agrees.
    let opening = |s: usize| -> Option<usize> {
        let first = (0..mentions.len()).find(|&j| mentions[j].sentence == s && !matches!(mentions[j].kind, Kind::Pronoun(_)))?;
        // The widest mention starting there ("Scientology officials", not "Scientology").
        let first = (first..mentions.len()).take_while(|&j| mentions[j].start == mentions[first].start).last().unwrap_or(first);
        let lead = chars.slice(sentence_start(s), mentions[first].start);
        (words_since_line_start(&lead) <= OPENING_WORDS && agrees(&mentions[first], p)).then_some(first)
    };
    let pronoun_opens = words_since_line_start(&chars.slice(sentence_start(m.sentence), m.start)) <= OPENING_WORDS;
    let previous = || m.sentence.checked_sub(1).filter(|_| pronoun_opens).and_then(opening);
    let found = match p {
        Pronoun::Other => None,
        Pronoun::First => reporter.filter(|&r| agrees(&mentions[r], p)).or(unique_here),
        Pronoun::Person => unique_here.or_else(|| if in_sentence.is_empty() { previous() } else { None }),
        Pronoun::Plural | Pronoun::Thing => match unique_here {
            // "The Russian troops captured the men as they were crossing": people named between
            // the body and "they" may be who "they" are.
            Some(j) if p == Pronoun::Plural && plural_people(&chars.slice(mentions[j].end, m.start)) => None,
            Some(_) => opening(m.sentence).filter(|&o| o == in_sentence[0] && roots.len() == 1),
            None if in_sentence.is_empty() => previous(),
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
    use crate::record::{Entity, Triple};

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
        resolve_actors(text, &sentences, &mut r, dictionary);
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
}
