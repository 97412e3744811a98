//! Actor phrases: merges a nationality and a force noun ("the Malian army") into one ORG mention.

use crate::doc::Mention;
use crate::words::split_words;

/// Nationality adjectives recognised even when the NER model did not tag them.
const DEMONYMS: &[&str] = &[
    "afghan",
    "algerian",
    "american",
    "angolan",
    "armenian",
    "azerbaijani",
    "belarusian",
    "beninese",
    "brazilian",
    "british",
    "burkinabe",
    "burmese",
    "burundian",
    "cameroonian",
    "canadian",
    "chadian",
    "chinese",
    "colombian",
    "congolese",
    "egyptian",
    "eritrean",
    "ethiopian",
    "european",
    "french",
    "gabonese",
    "georgian",
    "german",
    "ghanaian",
    "guinean",
    "indian",
    "indonesian",
    "iranian",
    "iraqi",
    "israeli",
    "italian",
    "ivorian",
    "japanese",
    "jordanian",
    "kenyan",
    "korean",
    "lebanese",
    "liberian",
    "libyan",
    "malian",
    "mauritanian",
    "mexican",
    "moroccan",
    "mozambican",
    "nigerian",
    "nigerien",
    "pakistani",
    "palestinian",
    "polish",
    "russian",
    "rwandan",
    "saudi",
    "senegalese",
    "somali",
    "spanish",
    "sudanese",
    "syrian",
    "taiwanese",
    "tanzanian",
    "thai",
    "togolese",
    "tunisian",
    "turkish",
    "ugandan",
    "ukrainian",
    "venezuelan",
    "yemeni",
    "zimbabwean",
];

/// Modifiers allowed between the nationality and the force noun ("Malian armed forces").
const FORCE_MODIFIERS: &[&str] = &[
    "armed",
    "special",
    "security",
    "defence",
    "defense",
    "air",
    "naval",
    "national",
    "federal",
    "regular",
    "elite",
    "ground",
    "coast",
    "presidential",
    "republican",
    "royal",
    "military",
    "transitional",
    "interim",
    "state",
];

/// Heads that make a nationality into an organisation.
const FORCE_HEADS: &[&str] = &[
    "army",
    "armies",
    "forces",
    "force",
    "troops",
    "military",
    "navy",
    "police",
    "government",
    "soldiers",
    "marines",
    "authorities",
    "gendarmerie",
    "gendarmes",
    "guard",
    "militia",
    "junta",
    "junta's",
    "air force",
    "regime",
    "administration",
    "parliament",
    "ministry",
    "peacekeepers",
];

/// Merges "<nationality> [modifiers] <force noun>" into one ORG mention (article excluded).
/// `mentions` may come unsorted; the result is sorted by start and non-overlapping.
pub fn merge_actor_phrases(text: &str, mut mentions: Vec<Mention>) -> Vec<Mention> {
    mentions.sort_by_key(|m| (m.start, std::cmp::Reverse(m.end)));
    let words = words(text);
    let mut merged: Vec<Mention> = Vec::new();
    for (wi, &(ws, we)) in words.iter().enumerate() {
        let w = &text[ws..we];
        // A nationality: a MISC/ORG mention that is exactly this word, or a listed demonym not inside another mention.
        let covering = mentions.iter().find(|m| m.start <= ws && we <= m.end);
        let (is_nat, score) = match covering {
            Some(m) if m.start == ws && m.end == we && (m.label == "MISC" || m.label == "ORG") => (true, m.score),
            Some(_) => (false, 0.0),
            None => (w.chars().next().is_some_and(char::is_uppercase) && DEMONYMS.contains(&w.to_lowercase().as_str()), 0.8),
        };
        if !is_nat {
            continue;
        }
        // Following words: modifiers then a head noun, all lower-case and adjacent (single spaces).
        let mut end = None;
        let mut k = wi + 1;
        while k < words.len() && k <= wi + 3 {
            let (ps, _) = words[k];
            let gap = &text[words[k - 1].1..ps];
            if !gap.chars().all(|c| c == ' ') || gap.is_empty() {
                break;
            }
            let lw = text[words[k].0..words[k].1].to_lowercase();
            if FORCE_HEADS.contains(&lw.as_str()) {
                end = Some(words[k].1);
                // "armed forces", "military police": take the last head of a run of heads.
                if k + 1 < words.len() && &text[words[k].1..words[k + 1].0] == " " && FORCE_HEADS.contains(&text[words[k + 1].0..words[k + 1].1].to_lowercase().as_str()) {
                    end = Some(words[k + 1].1);
                }
                break;
            }
            if !FORCE_MODIFIERS.contains(&lw.as_str()) {
                break;
            }
            k += 1;
        }
        // The phrase must not run into another mention (keeps "Russian paramilitary company Wagner" apart).
        if let Some(end) = end
            && !mentions.iter().any(|m| m.start >= we && m.start < end)
        {
            merged.push(Mention { start: ws, end, label: "ORG".to_string(), score });
        }
    }
    // Keep original mentions that do not overlap a merged phrase, then sort.
    let mut out: Vec<Mention> = mentions.into_iter().filter(|m| !merged.iter().any(|g| m.start < g.end && g.start < m.end)).collect();
    out.extend(merged);
    out.sort_by_key(|m| (m.start, m.end));
    // Drop any remaining overlaps, keeping the earlier (then longer) mention.
    let mut result: Vec<Mention> = Vec::with_capacity(out.len());
    for m in out {
        if result.last().is_none_or(|p| p.end <= m.start) {
            result.push(m);
        }
    }
    result
}

/// Byte ranges of the words of `text` (punctuation left out).
fn words(text: &str) -> Vec<(usize, usize)> {
    split_words(text).into_iter().filter(|w| text[w.clone()].chars().next().is_some_and(char::is_alphanumeric)).map(|w| (w.start, w.end)).collect()
}
#[cfg(test)]
mod tests {
    use super::*;

    fn m(text: &str, needle: &str, label: &str) -> Mention {
        let start = text.find(needle).unwrap();
        Mention { start, end: start + needle.len(), label: label.to_string(), score: 0.9 }
    }

    fn spans(text: &str, ms: &[Mention]) -> Vec<(String, String)> {
        ms.iter().map(|m| (text[m.start..m.end].to_string(), m.label.clone())).collect()
    }

    #[test]
    fn nationality_and_force_become_one_org() {
        let t = "The Malian army said the (Malian armed forces) took Anefis.";
        let first = m(t, "Malian", "MISC");
        let second = Mention { start: t.rfind("Malian").unwrap(), end: t.rfind("Malian").unwrap() + 6, ..first.clone() };
        let out = merge_actor_phrases(t, vec![second, first, m(t, "Anefis", "LOC")]);
        assert_eq!(spans(t, &out), [("Malian army", "ORG"), ("Malian armed forces", "ORG"), ("Anefis", "LOC")].map(|(a, b)| (a.to_string(), b.to_string())));
    }

    #[test]
    fn untagged_demonym_and_company_names() {
        let t = "Russian troops met the Russian paramilitary company Wagner.";
        let w = m(t, "Wagner", "ORG");
        let misc = Mention { start: t.rfind("Russian").unwrap(), end: t.rfind("Russian").unwrap() + 7, ..m(t, "Russian", "MISC") };
        let out = merge_actor_phrases(t, vec![w, misc]);
        let s = spans(t, &out);
        assert_eq!(s[0], ("Russian troops".to_string(), "ORG".to_string()));
        assert_eq!(s[1], ("Russian".to_string(), "MISC".to_string()));
        assert_eq!(s[2], ("Wagner".to_string(), "ORG".to_string()));
    }

    #[test]
    fn existing_org_and_plain_words_untouched() {
        let t = "Malian Army officers and the Malian people.";
        let out = merge_actor_phrases(t, vec![m(t, "Malian Army", "ORG")]);
        assert_eq!(spans(t, &out), vec![("Malian Army".to_string(), "ORG".to_string())]);
    }
}
