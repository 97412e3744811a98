//! Mention clean-up after NER, over a whole document: lower-case spans dropped, spans repaired
//! (titles and compass words left out, split names joined, names run together split, trailing
//! list words dropped), and a name that a strong local cue marks somewhere ("the town of X", "the
//! company X") gets that label throughout.

use crate::conll::{ConllSentence, chunks};
use crate::doc::Mention;
use crate::words::split_words;
use std::collections::HashMap;

/// Words right before a name that make it a place ("heading towards X", "the town of X").
const LOC_BEFORE: &[&str] = &["towards", "toward", "into", "near", "outside", "inside", "across", "via"];
/// Nouns of "<noun> of X" that make X a place.
const LOC_OF: &[&str] = &[
    "town",
    "city",
    "village",
    "locality",
    "region",
    "province",
    "district",
    "outskirts",
    "suburbs",
    "capital",
    "state",
    "county",
    "north",
    "south",
    "east",
    "west",
    "northeast",
    "northwest",
    "southeast",
    "southwest",
    "north-east",
    "north-west",
    "south-east",
    "south-west",
    "centre",
    "center",
    "heart",
    "streets",
];
/// First words of Arabic and Hebrew place names ("Tal Abyad", "Kafr Naya", "Deir ez-Zor", "Jabal
/// al-Zawiya", "Wadi Barada", "Beit Hanoun"): a name of two words or more that starts with one is
/// a place. Words that also begin names of people ("Sheikh Hasina", "Ras Tafari", "Khan") are left out.
const PLACE_NAME_FIRST_WORDS: &[&str] = &[
    "tal", "tall", "tell", "tel", "kafr", "kfar", "deir", "dayr", "jabal", "jebel", "wadi", "oued", "ain", "ein", "beit", "bayt", "khirbet", "khirbat", "jisr", "dahiyat",
    "maarat", "souq", "qasr",
];
/// Last words of facility names, which CoNLL-2003 tags LOC ("Volgograd Arena", "Shebaa
/// Checkpoint", "Al-Ghaza Hotel"); not "Church" or "Palace" (also bodies and clubs).
const FACILITY_LAST_WORDS: &[&str] =
    &["stadium", "arena", "airport", "airbase", "square", "bridge", "street", "avenue", "station", "crossing", "checkpoint", "mosque", "hotel", "prison"];
/// First words of Arabic names of armed groups and parties ("Jabhat al-Nusra", "Jaysh al-Islam",
/// "Harakat Ahrar al-Sham", "Liwa al-Quds", "Hayat Tahrir al-Sham"): a name of two words or more
/// that starts with one is a body.
const BODY_NAME_FIRST_WORDS: &[&str] =
    &["jabhat", "jaysh", "jaish", "harakat", "liwa", "kataib", "katibat", "hayat", "hay'at", "faylaq", "saraya", "asaib", "jamaat", "jemaah", "hizb", "tanzim"];
/// Lower-case compass words the model sometimes takes into a place's name ("north Iraq", "south
/// Belfast"), which CoNLL-2003 leaves outside it.
const LEADING_DIRECTIONS: &[&str] = &[
    "north",
    "south",
    "east",
    "west",
    "northern",
    "southern",
    "eastern",
    "western",
    "central",
    "northeast",
    "northwest",
    "southeast",
    "southwest",
    "northeastern",
    "northwestern",
    "southeastern",
    "southwestern",
    "north-east",
    "north-west",
    "south-east",
    "south-west",
];
/// Verbs whose object is a place and hardly ever a person or body ("stormed Hazrama", "patrolled
/// Nouakchott"): a name right after one, that is the whole object, is a place.
const PLACE_ONLY_OBJECT_VERBS: &[&str] = &[
    "stormed",
    "storming",
    "storm",
    "storms",
    "shelled",
    "shelling",
    "besieged",
    "besieging",
    "overran",
    "overrunning",
    "patrolled",
    "patrolling",
    "patrol",
    "patrols",
    "bombarded",
    "bombarding",
];
/// Words that may follow a verb's whole object.
const OBJECT_ENDS: &[&str] =
    &["from", "on", "in", "and", "after", "with", "along", "at", "to", "before", "during", "for", "since", "by", "which", "where", "while", "as", "near", "overnight", "again"];
/// Lower-case nouns right after a name that make it a place when the model called it a person or
/// body ("Jaeber village", "Michoacan state"); after a MISC adjective ("Syrian town") they say nothing.
const LOC_AFTER: &[&str] =
    &["village", "town", "city", "province", "governorate", "district", "neighbourhood", "neighborhood", "countryside", "suburb", "region", "county", "municipality", "state"];
/// News agencies, which CoNLL tags ORG wherever they stand (a dateline's "(Xinhua)", "told
/// Reuters"); "AP" only inside brackets ("(AP)"), as it is also Andhra Pradesh.
const NEWS_AGENCIES: &[&str] = &[
    "AFP",
    "Reuters",
    "UPI",
    "Xinhua",
    "DPA",
    "ANSA",
    "TASS",
    "ITAR-TASS",
    "IRNA",
    "SANA",
    "KCNA",
    "Yonhap",
    "Kyodo",
    "EFE",
    "Bernama",
    "PTI",
    "IANS",
    "MENA",
    "WAFA",
    "Interfax",
    "Tanjug",
    "BTA",
    "PAP",
    "ANP",
    "Belga",
    "Notimex",
    "Wikinews",
];
/// Nouns right before a name that make it an organisation ("the company Wagner").
const ORG_BEFORE: &[&str] = &["company", "group", "firm", "agency", "party", "militia", "movement", "coalition", "network"];

/// Score of a mention whose label came from a cue rather than from the model.
const RELABELLED_SCORE: f32 = 0.5;

/// Prepositions right before a name that put it in a place slot ("in X", "from X"), for the gazetteer check.
const PLACE_SLOT_BEFORE: &[&str] = &["in", "at", "near", "from", "outside", "inside", "around", "into", "towards", "toward", "across", "via"];

/// Verbs whose object is a place ("captured Lubumbashi", "shelled Tafas"): a place slot, and a
/// sure one.
const PLACE_OBJECT_VERBS: &[&str] = &["captured", "recaptured", "capture", "recapture", "captures", "seized", "stormed", "overran", "retook", "shelled", "entered", "liberated"];

/// Prepositions before a name that make it the place of an event whatever the model's confidence
/// ([`SURE_SLOT_POPULATION`]): "in X" (and the verbs of [`PLACE_OBJECT_VERBS`]).
const SURE_SLOT_BEFORE: &[&str] = &["in", "near", "outside", "inside", "into", "towards", "toward", "across"];

/// Event nouns whose "on X" is the place attacked ("an attack on Azaz"), and nouns whose "for X"
/// is the place fought over ("the fight for Sharqat").
const ATTACK_NOUNS_ON: &[&str] = &["attack", "attacks", "raid", "raids", "assault", "offensive", "airstrike", "airstrikes", "strikes", "bombardment", "shelling"];
const FIGHT_NOUNS_FOR: &[&str] = &["fight", "fighting", "battle", "struggle"];

/// A PER or ORG mention in a sure place slot becomes LOC at any confidence when the gazetteer
/// holds a place of its name this populous (or a country or region): towns small enough to share
/// a name with a body or a person ("Congress", Arizona) are left to the model.
pub const SURE_SLOT_POPULATION: u64 = 100_000;

/// Nouns after "X's" that make X a place ("X's outskirts").
const PLACE_SLOT_AFTER_POSSESSIVE: &[&str] = &["outskirts", "suburbs", "streets", "centre", "center", "airport", "port"];
/// A PER or ORG mention the model scored below this may become a place by the gazetteer.
pub const GAZETTEER_RELABEL_BELOW: f32 = 0.8;

/// Religious and ethnic groups, faiths and religious feasts: MISC, as CoNLL tags them, never a
/// place or a body ("Muslims", "the Rohingya", "Islam", "the Hajj").
const GROUPS_AND_FAITHS: &[&str] = &[
    "muslims",
    "christians",
    "jews",
    "hindus",
    "sikhs",
    "buddhists",
    "rohingya",
    "rohingyas",
    "kurds",
    "arabs",
    "shiites",
    "sunnis",
    "shias",
    "alawites",
    "druze",
    "yazidis",
    "pashtuns",
    "tamils",
    "hutus",
    "tutsis",
    "uighurs",
    "uyghurs",
    "copts",
    "islam",
    "christianity",
    "judaism",
    "hinduism",
    "buddhism",
    "hajj",
    "ramadan",
    "tuareg",
    "tuaregs",
    "fulani",
    "berbers",
    "bedouins",
    "hazaras",
    "baloch",
];

/// Gives `m` another label than the model's; the model's probability was for that other label,
/// so the mention is marked uncertain.
fn relabel(m: &mut Mention, label: &str) {
    m.label = label.to_string();
    m.score = RELABELLED_SCORE;
}

/// Whether `name` (case aside) is one of `words`.
fn has_word(words: &[&str], name: &str) -> bool {
    words.contains(&name.to_lowercase().as_str())
}

/// Whether every letter is a lower-case one (caseless scripts such as CJK never are).
pub fn is_lowercase_only(s: &str) -> bool {
    s.chars().any(char::is_lowercase) && !s.chars().any(|c| c.is_alphabetic() && !c.is_lowercase())
}

/// The text of up to `bytes` bytes before byte `pos`, starting on a character boundary.
fn text_before(text: &str, pos: usize, bytes: usize) -> &str {
    let mut from = pos.saturating_sub(bytes);
    while !text.is_char_boundary(from) {
        from += 1;
    }
    &text[from..pos]
}

/// The text of up to `bytes` bytes after byte `pos`, ending on a character boundary.
fn text_after(text: &str, pos: usize, bytes: usize) -> &str {
    let mut to = (pos + bytes).min(text.len());
    while !text.is_char_boundary(to) {
        to -= 1;
    }
    &text[pos..to]
}

/// The label a mention's context asks for, if any: the words before it, the shape of the name,
/// the noun after it.
fn cue(text: &str, m: &Mention) -> Option<&'static str> {
    let before = text_before(text, m.start, 60);
    let words: Vec<String> = split_words(before).into_iter().rev().take(3).map(|r| before[r].to_lowercase()).collect();
    let w = |i: usize| words.get(i).map(String::as_str).unwrap_or("");
    if LOC_BEFORE.contains(&w(0)) || (w(0) == "of" && LOC_OF.contains(&w(1))) {
        return Some("LOC");
    }
    let name = &text[m.start..m.end];
    let name_words = split_words(name);
    // A name of two words or more by its first or last word ("Kafr Naya", "Volgograd Arena", "Jabhat al-Nusra").
    if let [first, .., last] = name_words.as_slice() {
        let (first, last) = (&name[first.clone()], &name[last.clone()]);
        if has_word(PLACE_NAME_FIRST_WORDS, first) || has_word(FACILITY_LAST_WORDS, last) {
            return Some("LOC");
        }
        if has_word(BODY_NAME_FIRST_WORDS, first) {
            return Some("ORG");
        }
    }
    let after = text_after(text, m.end, 20);
    let next = split_words(after).first().map(|r| &after[r.clone()]);
    // The whole object: nothing after it but punctuation or a function word ("stormed Mar'e from
    // two axes"), never a possessor or a modifier ("shelled ISIS positions", "stormed Hamas's office").
    let whole_object = next.is_none_or(|w| !w.starts_with(char::is_alphanumeric) || OBJECT_ENDS.contains(&w)) && !after.starts_with(['\'', '’']);
    if PLACE_ONLY_OBJECT_VERBS.contains(&w(0)) && whole_object && m.label != "MISC" {
        return Some("LOC");
    }
    if (m.label == "PER" || m.label == "ORG") && after.starts_with(' ') && next.is_some_and(|w| LOC_AFTER.contains(&w)) {
        return Some("LOC");
    }
    if ORG_BEFORE.contains(&w(0)) || NEWS_AGENCIES.contains(&name) || (name == "AP" && before.ends_with('(')) {
        return Some("ORG");
    }
    None
}

/// Joins a name the model split in two where the first part ends on a word that cannot end a
/// name and the second follows right after: "of"/"of the" ("Regiment of the" + "Republican
/// Guard"), "for" or a particle ("Framework for" + "Peace"), an Arabic article ("Tal Al" + "Eiss", "Rasm Al-" + "Abed"), and "and" before a
/// one-word part when the first has an "of" ("Islamic State of Iraq and" + "Al-Sham"); any other
/// name ending on "and" loses it ("Syrian Armed Forces and" + "Hezbollah" are two). The joined
/// name takes the label of its longer part, the lower score of the two.
fn join_split_names(text: &str, mentions: Vec<Mention>) -> Vec<Mention> {
    let mut out: Vec<Mention> = Vec::with_capacity(mentions.len());
    for m in mentions {
        if let Some(prev) = out.last_mut() {
            let name = &text[prev.start..prev.end];
            let words = split_words(name);
            let last = words.last().map_or("", |r| &name[r.clone()]).to_lowercase();
            let gap = text.get(prev.end..m.start).unwrap_or("x");
            // Spaces, hyphens and the marks of an Arabic ayn ("Al-‘Eiss"); "of" and "and" may
            // also have "the" between ("Group of the Republican Guard").
            let marks = |g: &str| g.chars().all(|c| matches!(c, ' ' | '-' | '‘' | '’' | '\'' | 'ʿ' | 'ʾ'));
            let adjacent = m.start >= prev.end && (marks(gap) || (matches!(last.as_str(), "of" | "and" | "for") && gap == " the "));
            // An Arabic article ("al", "el"; the assimilated ones, which are also English words,
            // only hyphenated: "Tall ad-" + "Dirrah", never "An" + "Ivorian"), or a place name's
            // first word alone ("Oued" + "Aissi").
            let article = matches!(last.as_str(), "al" | "el")
                || (matches!(last.as_str(), "ad" | "as" | "ash" | "ar" | "an" | "at" | "az" | "ed" | "es" | "ez")
                    && (name.ends_with('-') || gap.starts_with('-'))
                    && words.len() >= 2)
                || (words.len() == 1 && has_word(PLACE_NAME_FIRST_WORDS, &last));
            let lower = name.to_lowercase();
            // A name never ends in "of", "for" or a particle: its rest follows ("Permanent
            // Strategic Framework for" + "Peace, Security and Development").
            let of = matches!(last.as_str(), "of" | "for" | "de" | "del" | "della" | "da" | "dos" | "das" | "du" | "van" | "von" | "den" | "der" | "ter" | "ten" | "bin" | "ibn")
                || lower.ends_with(" of the");
            let one_word = split_words(&text[m.start..m.end]).len() == 1;
            let and = last == "and" && words.len() >= 3;
            // Two bodies the model split with a space between ("Italian" + "Republican Party").
            // Not after a list word or an adjective ("Commerce and" + "Roosevelt", "St. Louis-based" + "Mercantile").
            let last_raw = words.last().map_or("", |r| &name[r.clone()]);
            let bodies = gap == " " && prev.label == "ORG" && m.label == "ORG" && last_raw.starts_with(char::is_uppercase) && !last_raw.contains('-');
            if adjacent && (of || bodies || (article && gap != " the ") || (and && one_word && lower.contains(" of "))) {
                if m.end - m.start > prev.end - prev.start {
                    prev.label = m.label.clone();
                }
                prev.end = m.end;
                prev.score = prev.score.min(m.score);
                continue;
            }
            if adjacent && and {
                // Drop the trailing "and" (and the space before it).
                prev.end = prev.start + name[..words.last().unwrap().start].trim_end().len();
            }
        }
        out.push(m);
    }
    out
}

/// Titles and ranks, which CoNLL leaves outside a person's name ("Gen. Maj. Ahmed Salem" is
/// "Ahmed Salem"); "King", "Prince", "Sir" and "Lord" stay, as CoNLL often keeps them, and words
/// that are also surnames ("Major", "Judge", "Marshal", "Private") are no titles here.
const PERSON_TITLES: &[&str] = &[
    "gen",
    "general",
    "maj",
    "col",
    "colonel",
    "lt",
    "lieutenant",
    "capt",
    "captain",
    "sgt",
    "sergeant",
    "brig",
    "brigadier",
    "cpl",
    "corporal",
    "pvt",
    "adm",
    "admiral",
    "commander",
    "dr",
    "mr",
    "mrs",
    "ms",
    "president",
    "minister",
    "governor",
    "gov",
    "senator",
    "sen",
    "rep",
    "premier",
    "chancellor",
];

/// Titles written short, which never name a person alone.
const TITLE_ABBREVIATIONS: &[&str] = &["gen", "maj", "col", "lt", "capt", "sgt", "brig", "cpl", "pvt", "adm", "dr", "mr", "mrs", "ms", "gov", "sen", "rep"];

/// A person's span without the titles it starts with; None when it is only abbreviated titles ("Gen.").
fn without_titles(text: &str, m: Mention) -> Option<Mention> {
    if m.label != "PER" {
        return Some(m);
    }
    let name = &text[m.start..m.end];
    let words = split_words(name);
    let titles = words.iter().take_while(|r| has_word(PERSON_TITLES, &name[(*r).clone()]) || &name[(*r).clone()] == ".").count();
    if titles == 0 {
        return Some(m);
    }
    match words.get(titles) {
        Some(rest) => Some(Mention { start: m.start + rest.start, ..m }),
        // Abbreviations alone ("Gen.") name nobody; a full word may be the person ("President").
        None => words.iter().any(|r| !has_word(TITLE_ABBREVIATIONS, &name[r.clone()]) && &name[r.clone()] != ".").then_some(m),
    }
}

/// A place's span without the lower-case compass words it starts with ("north Iraq" is "Iraq").
fn without_directions(text: &str, m: Mention) -> Mention {
    if m.label != "LOC" {
        return m;
    }
    let name = &text[m.start..m.end];
    let words = split_words(name);
    let leading = words.iter().take_while(|r| name[(*r).clone()].starts_with(char::is_lowercase) && LEADING_DIRECTIONS.contains(&&name[(*r).clone()])).count();
    match words.get(leading) {
        Some(rest) if leading > 0 && name[rest.clone()].starts_with(char::is_uppercase) => Mention { start: m.start + rest.start, ..m },
        _ => m,
    }
}

/// Words that end an organisation's name and so may close one name in a list the model ran
/// together ("Voter Participation Center and Vote.org", "… Studies and The Forum …").
const BODY_LAST_WORDS: &[&str] = &[
    "center",
    "centre",
    "party",
    "movement",
    "union",
    "front",
    "council",
    "association",
    "institute",
    "foundation",
    "committee",
    "organization",
    "organisation",
    "league",
    "federation",
    "congress",
    "studies",
    "policy",
    "fund",
    "network",
    "students",
    "international",
    "force",
    "commission",
    "agency",
    "group",
];
/// Company and name suffixes that follow a comma inside one name ("Acme, Inc.", "Davis, Jr.").
const NAME_SUFFIXES: &[&str] = &["inc", "ltd", "co", "corp", "llc", "plc", "lp", "ag", "sa", "nv", "bv", "gmbh", "jr", "sr"];

/// Splits an ORG or MISC span that the model ran over several names: at a comma before a capital
/// word (not a company suffix: "Acme, Inc.", nor a list inside the name: "… for Peace, Security
/// and Development"), at "or", and at "and" before "The" or after a word
/// that ends a body's name ("Voter Participation Center and Vote.org"); "Social Democratic and
/// Labour Party" stays one.
fn split_listed_names(text: &str, mentions: Vec<Mention>) -> Vec<Mention> {
    let mut out = Vec::with_capacity(mentions.len());
    for m in mentions {
        if m.label != "ORG" && m.label != "MISC" {
            out.push(m);
            continue;
        }
        let name = &text[m.start..m.end];
        let words = split_words(name);
        let word = |k: usize| words.get(k).map_or("", |r| &name[r.clone()]);
        let capital = |k: usize| word(k).starts_with(char::is_uppercase);
        let mut from = 0;
        for k in 1..words.len().saturating_sub(1) {
            let w = word(k).to_lowercase();
            let split = match w.as_str() {
                // Not a list inside one name ("Framework for Peace, Security and Development").
                "," => capital(k + 1) && !NAME_SUFFIXES.contains(&word(k + 1).trim_end_matches('.').to_lowercase().as_str()) && !(k + 1..words.len()).any(|j| word(j) == "and"),
                "or" => capital(k + 1) && capital(k - 1),
                "and" => capital(k + 1) && (word(k + 1) == "The" || has_word(BODY_LAST_WORDS, word(k - 1))),
                _ => false,
            };
            if split && k > from {
                out.push(Mention { start: m.start + words[from].start, end: m.start + words[k - 1].end, ..m.clone() });
                from = k + 1;
            }
        }
        match from {
            0 => out.push(m),
            _ => out.push(Mention { start: m.start + words[from].start, ..m }),
        }
    }
    out
}

/// A span without the function words and marks it ends on ("Ecolo and", "… Task Force ,", "Grand
/// Theft Auto:"); a span of nothing else is dropped.
fn without_trailing_function_words(text: &str, m: Mention) -> Option<Mention> {
    let name = &text[m.start..m.end];
    let words = split_words(name);
    let keep = words.iter().rposition(|r| !matches!(name[r.clone()].to_lowercase().as_str(), "and" | "or" | "the" | "of" | "for" | "," | ";" | ":" | "/" | "*" | "&"))?;
    Some(Mention { end: m.start + words[keep].end, ..m })
}

/// Cleans the mentions of one document (sorted by start; returned sorted and non-overlapping).
pub fn resolve_mentions(text: &str, mentions: Vec<Mention>) -> Vec<Mention> {
    let mentions: Vec<Mention> =
        mentions.into_iter().filter(|m| !is_lowercase_only(&text[m.start..m.end])).filter_map(|m| without_titles(text, m)).map(|m| without_directions(text, m)).collect();
    let mentions = split_listed_names(text, join_split_names(text, mentions));
    let mut mentions: Vec<Mention> = mentions.into_iter().filter_map(|m| without_trailing_function_words(text, m)).collect();
    // One label per name: where a cue marks some mention of a name, all its mentions take the
    // label the cues vote for; names without a cue keep the model's labels.
    let mut votes: HashMap<&str, HashMap<&'static str, usize>> = HashMap::new();
    for m in &mentions {
        if let Some(label) = cue(text, m) {
            *votes.entry(&text[m.start..m.end]).or_default().entry(label).or_default() += 1;
        }
    }
    for m in &mut mentions {
        if let Some(v) = votes.get(&text[m.start..m.end]) {
            let (label, _) = v.iter().max_by(|a, b| a.1.cmp(b.1).then(b.0.cmp(a.0))).unwrap();
            if *label != m.label {
                relabel(m, label);
            }
        }
    }
    for m in &mut mentions {
        if m.label != "MISC" && has_word(GROUPS_AND_FAITHS, &text[m.start..m.end]) {
            relabel(m, "MISC");
        }
    }
    surnames_are_people(text, &mut mentions);
    one_label_per_name(text, &mut mentions);
    mentions.sort_by_key(|m| (m.start, m.end));
    mentions
}

/// One label per name in a document: where the mentions of a name disagree, the label with the
/// larger summed score, if it holds at least twice the other labels' score, is given to all.
fn one_label_per_name(text: &str, mentions: &mut [Mention]) {
    let mut score: HashMap<&str, HashMap<&str, f32>> = HashMap::new();
    for m in mentions.iter() {
        *score.entry(&text[m.start..m.end]).or_default().entry(m.label.as_str()).or_default() += m.score;
    }
    let winner: HashMap<&str, String> = score
        .into_iter()
        .filter(|(_, by)| by.len() > 1)
        .filter_map(|(name, by)| {
            let total: f32 = by.values().sum();
            let (label, best) = by.into_iter().max_by(|a, b| a.1.total_cmp(&b.1).then(b.0.cmp(a.0)))?;
            (best >= 2.0 * (total - best)).then(|| (name, label.to_string()))
        })
        .collect();
    for m in mentions.iter_mut() {
        if let Some(label) = winner.get(&text[m.start..m.end])
            && *label != m.label
        {
            relabel(m, label);
        }
    }
}

/// A person named in full earlier in the document is the same person when named by surname
/// alone later ("Mike Rathbun" ... "Rathbun said"): the one-word mention becomes PER.
fn surnames_are_people(text: &str, mentions: &mut [Mention]) {
    let mut first_named: HashMap<&str, usize> = HashMap::new();
    for m in mentions.iter().filter(|m| m.label == "PER") {
        let words = split_words(&text[m.start..m.end]);
        if let [.., last] = words.as_slice()
            && words.len() >= 2
        {
            let surname = &text[m.start + last.start..m.start + last.end];
            if surname.chars().count() > 1 && surname.starts_with(char::is_uppercase) {
                first_named.entry(surname).and_modify(|at| *at = (*at).min(m.start)).or_insert(m.start);
            }
        }
    }
    for m in mentions.iter_mut().filter(|m| m.label != "PER") {
        if first_named.get(&text[m.start..m.end]).is_some_and(|&at| at < m.start) {
            relabel(m, "PER");
        }
    }
}

/// When "'s" follows a mention (also "X 's", as CoNLL tokens joined by spaces write it): the word
/// after it, lower-cased ("" if none).
fn possessed_word(text: &str, m: &Mention) -> Option<String> {
    let rest = ["'s", "’s"].iter().find_map(|p| text_after(text, m.end, 30).trim_start().strip_prefix(p))?;
    Some(split_words(rest).first().map_or(String::new(), |r| rest[r.clone()].to_lowercase()))
}

/// The last `n` words of the `bytes` before a mention, lower-cased, the nearest first.
fn words_before(text: &str, m: &Mention, bytes: usize, n: usize) -> Vec<String> {
    let before = text_before(text, m.start, bytes);
    split_words(before).iter().rev().take(n).map(|r| before[r.clone()].to_lowercase()).collect()
}

/// Whether the words around a mention put it in a place slot: "in/at/near/from … X", "X's outskirts".
fn in_place_slot(text: &str, m: &Mention) -> bool {
    // "X's outskirts" is a place slot; any other "X's" makes X a possessor ("in Anderson's
    // apartment"), never one.
    if let Some(noun) = possessed_word(text, m) {
        return PLACE_SLOT_AFTER_POSSESSIVE.contains(&noun.as_str());
    }
    words_before(text, m, 30, 1).first().is_some_and(|w| PLACE_SLOT_BEFORE.contains(&w.as_str()) || PLACE_OBJECT_VERBS.contains(&w.as_str()))
}

/// The population of the largest place a name can mean (`u64::MAX` for a country or region), or
/// None when the gazetteer holds no place of the name (`Gazetteer::place_size`).
pub type PlaceSize<'a> = dyn Fn(&str) -> Option<u64> + 'a;

/// Whether the words before a mention make it the place of an event at any confidence: "in X",
/// "captured X", "an attack on X", "the battle for X".
fn in_sure_place_slot(text: &str, m: &Mention) -> bool {
    // "in Jordan's film": a possessor, not the place.
    if possessed_word(text, m).is_some() {
        return false;
    }
    match words_before(text, m, 40, 2).as_slice() {
        [w, ..] if SURE_SLOT_BEFORE.contains(&w.as_str()) || PLACE_OBJECT_VERBS.contains(&w.as_str()) => true,
        [on, noun] if on == "on" => ATTACK_NOUNS_ON.contains(&noun.as_str()),
        [on, noun] if on == "for" => FIGHT_NOUNS_FOR.contains(&noun.as_str()),
        _ => false,
    }
}

/// The gazetteer's help to NER: a PER or ORG mention whose name the gazetteer holds as a place
/// (`place_size`: the population of the largest place of the name, `u64::MAX` for a country or
/// region; None when it holds none) becomes LOC when it stands in a place slot ("in X", "from X",
/// "X's outskirts") and the model was unsure of it ([`GAZETTEER_RELABEL_BELOW`]), or when it
/// stands in a sure slot ("in X", "captured X", "an attack on X") and the place is populous
/// ([`SURE_SLOT_POPULATION`]), however sure the model was ("a source in Ramadi", PER 0.96).
pub fn gazetteer_places(text: &str, mentions: &mut [Mention], place_size: &PlaceSize<'_>) {
    for m in mentions.iter_mut() {
        if m.label != "PER" && m.label != "ORG" {
            continue;
        }
        // One gazetteer lookup, and only for a name in a slot.
        let unsure = m.score < GAZETTEER_RELABEL_BELOW && in_place_slot(text, m);
        if !unsure && !in_sure_place_slot(text, m) {
            continue;
        }
        let Some(size) = place_size(&text[m.start..m.end]) else { continue };
        if unsure || size >= SURE_SLOT_POPULATION {
            relabel(m, "LOC");
        }
    }
}

/// Applies [`resolve_mentions`] (then [`gazetteer_places`] when `place_size` is given) to predicted
/// IOB2 tags of CoNLL sentences and their word probabilities, one document (`-DOCSTART-` section)
/// at a time, on the text of its tokens joined by spaces; a mention's score is its words' mean
/// probability, as in the pipeline.
pub fn resolve_conll_tags(sents: &[ConllSentence], pred: &[Vec<String>], probs: &[Vec<f32>], place_size: Option<&PlaceSize<'_>>) -> Vec<Vec<String>> {
    let mut out = Vec::with_capacity(sents.len());
    let mut first = 0;
    while first < sents.len() {
        let last = first + sents[first..].iter().take_while(|s| s.doc == sents[first].doc).count();
        let mut text = String::new();
        let mut offsets: Vec<Vec<(usize, usize)>> = Vec::new();
        for s in &sents[first..last] {
            offsets.push(
                s.tokens
                    .iter()
                    .map(|t| {
                        if !text.is_empty() {
                            text.push(' ');
                        }
                        text.push_str(t);
                        (text.len() - t.len(), text.len())
                    })
                    .collect(),
            );
        }
        let mut mentions = Vec::new();
        for ((offs, tags), probs) in offsets.iter().zip(&pred[first..last]).zip(&probs[first..last]) {
            for (label, a, b) in chunks(tags) {
                let score = probs[a..b].iter().sum::<f32>() / (b - a) as f32;
                mentions.push(Mention { start: offs[a].0, end: offs[b - 1].1, label, score });
            }
        }
        let mut mentions = resolve_mentions(&text, mentions);
        if let Some(place_size) = place_size {
            gazetteer_places(&text, &mut mentions, place_size);
        }
        for offs in &offsets {
            let mut tags = vec!["O".to_string(); offs.len()];
            for m in &mentions {
                let inside = offs.iter().enumerate().filter(|(_, o)| o.0 >= m.start && o.1 <= m.end);
                for (i, (k, _)) in inside.enumerate() {
                    tags[k] = format!("{}-{}", if i == 0 { "B" } else { "I" }, m.label);
                }
            }
            out.push(tags);
        }
        first = last;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(text: &str, nth: usize, name: &str, label: &str, score: f32) -> Mention {
        let start = text.match_indices(name).nth(nth).unwrap().0;
        Mention { start, end: start + name.len(), label: label.into(), score }
    }

    fn labels(text: &str, ms: &[Mention]) -> Vec<(String, String)> {
        ms.iter().map(|m| (text[m.start..m.end].to_string(), m.label.clone())).collect()
    }

    /// Expected (name, label) pairs, owned as `labels` gives them.
    fn owned(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs.iter().map(|(a, b)| (a.to_string(), b.to_string())).collect()
    }

    #[test]
    fn conll_documents_are_resolved_one_at_a_time() {
        let sent = |toks: &[&str], doc: usize| ConllSentence { tokens: toks.iter().map(|t| t.to_string()).collect(), tags: vec![], lines: vec![], doc };
        let sents = vec![sent(&["Troops", "reached", "the", "town", "of", "Tessit"], 0), sent(&["Tessit", "is", "calm"], 0), sent(&["Tessit", "said"], 1)];
        let tags = |t: &[&str]| t.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        let pred = vec![tags(&["O", "O", "O", "O", "O", "B-PER"]), tags(&["B-PER", "O", "O"]), tags(&["B-PER", "O"])];
        let probs: Vec<Vec<f32>> = pred.iter().map(|t| vec![0.9; t.len()]).collect();
        let out = resolve_conll_tags(&sents, &pred, &probs, None);
        // The cue in document 0 makes both its mentions LOC; document 1 keeps its own label.
        assert_eq!(out, vec![tags(&["O", "O", "O", "O", "O", "B-LOC"]), tags(&["B-LOC", "O", "O"]), tags(&["B-PER", "O"])]);
    }

    #[test]
    fn faiths_groups_and_feasts_are_misc() {
        let text = "Rohingya fled before the Hajj, Muslims said in Mecca.";
        let ms = vec![m(text, 0, "Rohingya", "LOC", 0.9), m(text, 0, "Hajj", "LOC", 0.8), m(text, 0, "Muslims", "ORG", 0.7), m(text, 0, "Mecca", "LOC", 0.9)];
        let got: Vec<String> = resolve_mentions(text, ms).into_iter().map(|m| m.label).collect();
        assert_eq!(got, ["MISC", "MISC", "MISC", "LOC"]);
    }

    #[test]
    fn a_surname_after_the_full_name_is_the_person() {
        let text = "Rathbun spoke first. Mike Rathbun left the group; Rathbun said so, as Rathbun Ltd did.";
        let ms = vec![m(text, 0, "Rathbun", "ORG", 0.9), m(text, 0, "Mike Rathbun", "PER", 0.95), m(text, 2, "Rathbun", "ORG", 0.7), m(text, 0, "Rathbun Ltd", "ORG", 0.9)];
        let out = labels(text, &resolve_mentions(text, ms));
        // Before the full name it stays as the model said; a longer name is another entity.
        let expected = [("Rathbun", "ORG"), ("Mike Rathbun", "PER"), ("Rathbun", "PER"), ("Rathbun Ltd", "ORG")];
        assert_eq!(out, owned(&expected));
    }

    #[test]
    fn a_name_takes_the_label_most_of_its_mentions_carry() {
        let text = "Scientology grew. Scientology sued. Scientology won. Kobane and Kobane.";
        let ms = vec![
            m(text, 0, "Scientology", "ORG", 0.9),
            m(text, 1, "Scientology", "ORG", 0.8),
            m(text, 2, "Scientology", "LOC", 0.6),
            m(text, 0, "Kobane", "LOC", 0.7),
            m(text, 1, "Kobane", "MISC", 0.6),
        ];
        let out = labels(text, &resolve_mentions(text, ms));
        // 1.7 against 0.6: all ORG; 0.7 against 0.6 is no majority, each keeps its label.
        let expected = [("Scientology", "ORG"), ("Scientology", "ORG"), ("Scientology", "ORG"), ("Kobane", "LOC"), ("Kobane", "MISC")];
        assert_eq!(out, owned(&expected));
    }

    #[test]
    fn lowercase_only_spans_are_told_apart() {
        assert!(is_lowercase_only("of"));
        assert!(is_lowercase_only("the city"));
        assert!(!is_lowercase_only("Gao"));
        assert!(!is_lowercase_only("al-Qaeda"));
        assert!(!is_lowercase_only("東京"));
        assert!(!is_lowercase_only("1996"));
    }

    #[test]
    fn a_place_cue_gives_every_mention_of_the_name_its_label() {
        let t = "Troops reached the town of Tessit. \"Tessit is calm,\" he said. Tessit was quiet. Smith went home.";
        let ms = vec![m(t, 0, "Tessit", "PER", 0.6), m(t, 1, "Tessit", "PER", 0.9), m(t, 2, "Tessit", "ORG", 0.7), m(t, 0, "Smith", "PER", 0.9), m(t, 0, "home", "LOC", 0.5)];
        let out = resolve_mentions(t, ms);
        assert_eq!(labels(t, &out), owned(&[("Tessit", "LOC"), ("Tessit", "LOC"), ("Tessit", "LOC"), ("Smith", "PER")]));
    }

    #[test]
    fn place_name_shapes_and_place_nouns_after_a_name_make_it_a_place() {
        let t = "Rebels entered Kafr Naya and Tal Rifa'at, then Jaeber village. The Syrian town fell. Ras Tafari and Sheikh Hasina spoke.";
        let ms = vec![
            m(t, 0, "Kafr Naya", "PER", 0.96),
            m(t, 0, "Tal Rifa'at", "ORG", 0.9),
            m(t, 0, "Jaeber", "ORG", 0.8),
            m(t, 0, "Syrian", "MISC", 0.99),
            m(t, 0, "Ras Tafari", "PER", 0.9),
            m(t, 0, "Sheikh Hasina", "PER", 0.9),
        ];
        let out = resolve_mentions(t, ms);
        let want = [("Kafr Naya", "LOC"), ("Tal Rifa'at", "LOC"), ("Jaeber", "LOC"), ("Syrian", "MISC"), ("Ras Tafari", "PER"), ("Sheikh Hasina", "PER")];
        assert_eq!(labels(t, &out), owned(&want));
        // A one-word name is no place by its first word alone, and a noun after it must be its own word.
        let t = "Tal said so. Acme's village-level office.";
        let out = resolve_mentions(t, vec![m(t, 0, "Tal", "PER", 0.9), m(t, 0, "Acme", "ORG", 0.9)]);
        assert_eq!(labels(t, &out), owned(&[("Tal", "PER"), ("Acme", "ORG")]));
        // Facility names are places; a one-word "Arena" is not, nor a church.
        let t = "Tunisia faced England at Volgograd Arena. Arena said the Catholic Church met.";
        let out = resolve_mentions(t, vec![m(t, 0, "Volgograd Arena", "ORG", 0.9), m(t, 1, "Arena", "PER", 0.9), m(t, 0, "Catholic Church", "ORG", 0.9)]);
        assert_eq!(labels(t, &out), owned(&[("Volgograd Arena", "LOC"), ("Arena", "PER"), ("Catholic Church", "ORG")]));
        // Arabic names of armed groups are bodies; one word alone ("Jaysh") is not enough.
        let t = "Jabhat al-Nusra and Jaysh al-Islam attacked. Jaysh spoke.";
        let out = resolve_mentions(t, vec![m(t, 0, "Jabhat al-Nusra", "PER", 0.9), m(t, 0, "Jaysh al-Islam", "LOC", 0.9), m(t, 1, "Jaysh", "PER", 0.9)]);
        assert_eq!(labels(t, &out), owned(&[("Jabhat al-Nusra", "ORG"), ("Jaysh al-Islam", "ORG"), ("Jaysh", "PER")]));
        // The whole object of "stormed"/"patrolled" is a place; a possessor or modifier there is not.
        let t = "Troops stormed Mar'e from the north and patrolled Nouackchott. They shelled ISIS positions and stormed Hamas's office.";
        let ms = vec![m(t, 0, "Mar'e", "PER", 0.9), m(t, 0, "Nouackchott", "PER", 0.9), m(t, 0, "ISIS", "ORG", 0.9), m(t, 0, "Hamas", "ORG", 0.9)];
        let out = resolve_mentions(t, ms);
        assert_eq!(labels(t, &out), owned(&[("Mar'e", "LOC"), ("Nouackchott", "LOC"), ("ISIS", "ORG"), ("Hamas", "ORG")]));
    }

    #[test]
    fn names_the_model_ran_together_are_split_and_trailing_list_words_dropped() {
        let t = "The Voter Participation Center and Vote.org, the Labour Students or Union of Jewish Students, Acme, Inc. and the Framework for Peace, Security and Development met Ecolo and Harry Chandler & sons over Grand Theft Auto: San Andreas.";
        let ms = vec![
            m(t, 0, "Voter Participation Center and Vote.org", "ORG", 0.9),
            m(t, 0, "Labour Students or Union of Jewish Students", "ORG", 0.9),
            m(t, 0, "Acme, Inc.", "ORG", 0.9),
            m(t, 0, "Framework for Peace, Security and Development", "ORG", 0.9),
            m(t, 0, "Ecolo and", "ORG", 0.9),
            m(t, 0, "Harry Chandler &", "PER", 0.9),
            m(t, 0, "Grand Theft Auto:", "MISC", 0.9),
        ];
        let want = [
            ("Voter Participation Center", "ORG"),
            ("Vote.org", "ORG"),
            ("Labour Students", "ORG"),
            ("Union of Jewish Students", "ORG"),
            ("Acme, Inc.", "ORG"),
            ("Framework for Peace, Security and Development", "ORG"),
            ("Ecolo", "ORG"),
            ("Harry Chandler", "PER"),
            ("Grand Theft Auto", "MISC"),
        ];
        assert_eq!(labels(t, &resolve_mentions(t, ms)), owned(&want));
        // "and" inside one name stays.
        let t = "The Social Democratic and Labour Party won.";
        assert_eq!(labels(t, &resolve_mentions(t, vec![m(t, 0, "Social Democratic and Labour Party", "ORG", 0.9)])), owned(&[("Social Democratic and Labour Party", "ORG")]));
    }

    #[test]
    fn bodies_and_names_split_at_a_space_or_particle_are_joined() {
        let t = "The Italian Republican Party, the Popular Front for the Liberation of Palestine, Joop den Uyl and St. Louis-based Mercantile Bancorp.";
        let ms = vec![
            m(t, 0, "Italian", "ORG", 0.9),
            m(t, 0, "Republican Party", "ORG", 0.9),
            m(t, 0, "Popular Front for", "ORG", 0.9),
            m(t, 0, "Liberation of Palestine", "ORG", 0.9),
            m(t, 0, "Joop den", "PER", 0.9),
            m(t, 0, "Uyl", "PER", 0.9),
            m(t, 0, "St. Louis-based", "ORG", 0.9),
            m(t, 0, "Mercantile Bancorp", "ORG", 0.9),
        ];
        let want = [
            ("Italian Republican Party", "ORG"),
            ("Popular Front for the Liberation of Palestine", "ORG"),
            ("Joop den Uyl", "PER"),
            ("St. Louis-based", "ORG"),
            ("Mercantile Bancorp", "ORG"),
        ];
        assert_eq!(labels(t, &resolve_mentions(t, ms)), owned(&want));
    }

    #[test]
    fn lower_case_compass_words_are_left_outside_a_place() {
        let t = "A bomb went off in north Iraq, south-east Turkey and South Africa; the Tuareg rebels fled.";
        let ms = vec![m(t, 0, "north Iraq", "LOC", 0.9), m(t, 0, "south-east Turkey", "LOC", 0.9), m(t, 0, "South Africa", "LOC", 0.9), m(t, 0, "Tuareg", "LOC", 0.8)];
        let out = resolve_mentions(t, ms);
        assert_eq!(labels(t, &out), owned(&[("Iraq", "LOC"), ("Turkey", "LOC"), ("South Africa", "LOC"), ("Tuareg", "MISC")]));
    }

    #[test]
    fn names_the_model_split_are_joined_and_a_trailing_and_is_dropped() {
        let t = "The 4th Regiment of the Republican Guard took Tal Al-‘Eiss from the Islamic State of Iraq and Al-Sham. Syrian Armed Forces and Hezbollah followed to Oued Aissi. The Permanent Strategic Framework for Peace, Security and Development spoke.";
        let ms = vec![
            m(t, 0, "Regiment of the", "ORG", 0.9),
            m(t, 0, "Republican Guard", "ORG", 0.8),
            m(t, 0, "Tal Al", "LOC", 0.7),
            m(t, 0, "‘Eiss", "ORG", 0.6),
            m(t, 0, "Islamic State of Iraq and", "ORG", 0.9),
            m(t, 0, "Al-Sham", "ORG", 0.9),
            m(t, 0, "Syrian Armed Forces and", "ORG", 0.9),
            m(t, 0, "Hezbollah", "ORG", 0.99),
            m(t, 0, "Oued", "LOC", 0.7),
            m(t, 0, "Aissi", "PER", 0.6),
            m(t, 0, "Permanent Strategic Framework for", "ORG", 0.9),
            m(t, 0, "Peace, Security and Development", "ORG", 0.9),
        ];
        let out = resolve_mentions(t, ms);
        let want = [
            ("Regiment of the Republican Guard", "ORG"),
            ("Tal Al-‘Eiss", "LOC"),
            ("Islamic State of Iraq and Al-Sham", "ORG"),
            ("Syrian Armed Forces", "ORG"),
            ("Hezbollah", "ORG"),
            ("Oued Aissi", "LOC"),
            ("Permanent Strategic Framework for Peace, Security and Development", "ORG"),
        ];
        assert_eq!(labels(t, &out), owned(&want));
        assert_eq!(out[0].score, 0.8, "the lower score of the parts");
    }

    #[test]
    fn titles_are_left_outside_a_person_s_name() {
        let t = "Gen. Maj. Ahmed Salem met Mr Smith, Gen. and King Hussein.";
        let ms = vec![m(t, 0, "Gen. Maj. Ahmed Salem", "PER", 0.9), m(t, 0, "Mr Smith", "PER", 0.9), m(t, 1, "Gen.", "PER", 0.6), m(t, 0, "King Hussein", "PER", 0.9)];
        let out = resolve_mentions(t, ms);
        assert_eq!(labels(t, &out), owned(&[("Ahmed Salem", "PER"), ("Smith", "PER"), ("King Hussein", "PER")]));
    }

    #[test]
    fn news_agencies_are_bodies() {
        let t = "BEIJING (AP) -- Troops left, the source told Xinhua. AP Singh won in AP.";
        let ms = vec![m(t, 0, "AP", "LOC", 0.6), m(t, 0, "Xinhua", "LOC", 0.7), m(t, 0, "AP Singh", "PER", 0.9), m(t, 2, "AP", "LOC", 0.9)];
        let out = resolve_mentions(t, ms);
        let want = [("AP", "ORG"), ("Xinhua", "ORG"), ("AP Singh", "PER"), ("AP", "ORG")];
        // The bracketed "(AP)" makes every "AP" of the document the agency, as one label per name does.
        assert_eq!(labels(t, &out), owned(&want));
        let t = "Wikinews spoke with her.";
        assert_eq!(labels(t, &resolve_mentions(t, vec![m(t, 0, "Wikinews", "PER", 0.9)])), owned(&[("Wikinews", "ORG")]));
    }

    #[test]
    fn names_without_cues_keep_the_model_labels() {
        let near = "ééééééééééééééééééééééééééééééééééé near Gao";
        assert_eq!(cue(near, &m(near, 0, "Gao", "PER", 0.5)), Some("LOC"), "multi-byte text before the cue");
        let t = "Reporters from AFP met the company Wagner. Wagner denied it (AFP)";
        let ms = vec![m(t, 0, "AFP", "ORG", 0.99), m(t, 0, "Wagner", "PER", 0.9), m(t, 1, "Wagner", "PER", 0.9)];
        let out = resolve_mentions(t, ms);
        assert_eq!(labels(t, &out), owned(&[("AFP", "ORG"), ("Wagner", "ORG"), ("Wagner", "ORG")]));
        assert_eq!((out[0].score, out[1].score), (0.99, RELABELLED_SCORE));
        // No cue: each mention keeps what the model said, even when they differ.
        let t = "Jordan won. Jordan lost.";
        let out = resolve_mentions(t, vec![m(t, 0, "Jordan", "PER", 0.6), m(t, 1, "Jordan", "LOC", 0.9)]);
        assert_eq!(labels(t, &out), owned(&[("Jordan", "PER"), ("Jordan", "LOC")]));
    }

    #[test]
    fn unsure_names_in_place_slots_that_the_gazetteer_knows_become_places() {
        let t = "Two men were shot in Jenin. Police in Hebron's outskirts and troops from Goma came. Smith met Jenin in Anderson's flat in Hebron.";
        let known = |name: &str| ["Jenin", "Hebron", "Goma", "Anderson"].contains(&name).then_some(1_000);
        let mut ms = vec![
            m(t, 0, "Jenin", "PER", 0.7),    // "in X", unsure, known: a place
            m(t, 0, "Hebron", "ORG", 0.6),   // "X's outskirts"
            m(t, 0, "Goma", "PER", 0.95),    // the model is sure, "from X" no sure slot: kept
            m(t, 0, "Smith", "PER", 0.5),    // no slot, unknown
            m(t, 1, "Jenin", "PER", 0.5),    // no slot ("met X")
            m(t, 0, "Anderson", "PER", 0.5), // "in X's flat": a possessor
            m(t, 1, "Hebron", "MISC", 0.5),  // MISC is left to the model
        ];
        gazetteer_places(t, &mut ms, &known);
        let got: Vec<&str> = ms.iter().map(|m| m.label.as_str()).collect();
        assert_eq!(got, ["LOC", "LOC", "PER", "PER", "PER", "PER", "MISC"]);
        assert_eq!(ms[0].score, RELABELLED_SCORE);
        // The object of a verb whose object is a place: "captured X".
        let t = "The rebels captured Tafas and met Tafas.";
        let mut ms = vec![m(t, 0, "Tafas", "ORG", 0.6), m(t, 1, "Tafas", "ORG", 0.6)];
        gazetteer_places(t, &mut ms, &|name: &str| (name == "Tafas").then_some(1_000));
        assert_eq!(ms.iter().map(|m| m.label.as_str()).collect::<Vec<_>>(), ["LOC", "ORG"]);
    }

    #[test]
    fn sure_names_in_sure_slots_become_places_when_the_place_is_populous() {
        let t = "A source in Ramadi said. Staff in Congress left. An attack on Azaz and the battle for Sharqat. Sources from Chelsea and a vote in Clinton. A role in Jordan's film. Marches in Sinop.";
        let size = |name: &str| match name {
            "Ramadi" => Some(500_000),
            "Azaz" | "Sharqat" | "Chelsea" | "Jordan" => Some(150_000),
            "Sinop" => Some(40_000),
            "Congress" => Some(2_000),
            _ => None,
        };
        let mut ms = vec![
            m(t, 0, "Ramadi", "PER", 0.96),   // "in X", a city: a place however sure the model was
            m(t, 0, "Congress", "ORG", 0.97), // "in X", but only a small town of the name: kept
            m(t, 0, "Azaz", "PER", 0.96),     // "an attack on X"
            m(t, 0, "Sharqat", "PER", 0.99),  // "the battle for X"
            m(t, 0, "Chelsea", "ORG", 0.95),  // "from X" is no sure slot
            m(t, 0, "Clinton", "PER", 0.97),  // unknown to the gazetteer
            m(t, 0, "Jordan", "PER", 0.9),    // "in X's film": a possessor
            m(t, 0, "Sinop", "ORG", 0.95),    // "in X", a town under the floor: the model's
        ];
        gazetteer_places(t, &mut ms, &size);
        assert_eq!(ms.iter().map(|m| m.label.as_str()).collect::<Vec<_>>(), ["LOC", "ORG", "LOC", "LOC", "ORG", "PER", "PER", "ORG"]);
    }
}
