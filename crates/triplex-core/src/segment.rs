//! Sentence segmentation for news text: a linear scanner returning trimmed byte ranges.
//!
//! Rules: every line break ends a sentence; `.`, `!`, `?`, `…` end one when followed by
//! whitespace and a word that is not lowercase, unless inside a matched quote or bracket pair
//! (straight quotes are paired as openers and closers by the characters around them)
//! (a terminator directly followed by the pair's closer ends the sentence after the closer),
//! or the `.` belongs to a known abbreviation, an initial, or a list number. CJK `。！？` end a
//! sentence without needing a following space. Ambiguous abbreviations lean to not splitting.

use std::ops::Range;

/// Longest sentence, in words, that the model and the parser are given. A longer one (text with
/// no sentence ends, a flattened table) is cut by [`cut_long_sentence`], so that time and memory
/// stay linear in a document's length. News sentences are far shorter: of the 9,210 sentences of
/// `corpus/`, the fixtures and `event_location`, the longest has 160 words, and 6 more than 100.
pub const MAX_SENTENCE_WORDS: usize = 200;

/// Cuts a sentence of `words.len()` words into runs (ranges of word indices) of at most `max`
/// words: each run ends after the last word of `;`, `:` or `,` in its second half, else at
/// `max` words. `words` are the words' byte ranges in `text`. One run when it already fits.
pub fn cut_long_sentence(text: &str, words: &[Range<usize>], max: usize) -> Vec<Range<usize>> {
    let max = max.max(2);
    let mut runs = Vec::with_capacity(words.len() / max + 1);
    let mut start = 0;
    while words.len() - start > max {
        let end = start + max;
        let soft = (start + max / 2..end).rev().find(|&w| matches!(&text[words[w].clone()], ";" | ":" | ","));
        let cut = soft.map_or(end, |w| w + 1);
        runs.push(start..cut);
        start = cut;
    }
    runs.push(start..words.len());
    runs
}

/// Byte ranges of the sentences of `text`: trimmed, non-empty, in order, non-overlapping.
pub fn sentences(text: &str) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    let mut chars: Vec<(usize, char)> = Vec::new();
    let mut line_start = 0;
    for (i, c) in text.char_indices() {
        if is_line_break(c) {
            segment_line(text, line_start, i, &mut chars, &mut out);
            line_start = i + c.len_utf8();
        }
    }
    segment_line(text, line_start, text.len(), &mut chars, &mut out);
    out
}

fn is_line_break(c: char) -> bool {
    matches!(c, '\n' | '\r' | '\u{0b}' | '\u{0c}' | '\u{85}' | '\u{2028}' | '\u{2029}')
}

fn is_space(c: char) -> bool {
    c.is_whitespace() || c == '\u{feff}' || c == '\u{200b}'
}

fn is_cjk_term(c: char) -> bool {
    matches!(c, '。' | '！' | '？' | '｡')
}

fn is_term(c: char) -> bool {
    matches!(c, '.' | '!' | '?' | '…') || is_cjk_term(c)
}

/// Characters that may follow a terminator and still belong to its sentence.
fn is_closer(c: char) -> bool {
    matches!(c, '"' | '\'' | '”' | '’' | ')' | ']' | '}' | '»' | '」' | '』' | '）' | '】')
}

/// Where a backwards word scan stops (besides whitespace).
fn is_opener(c: char) -> bool {
    matches!(c, '"' | '\'' | '“' | '‘' | '(' | '[' | '{' | '«' | '「' | '『' | '（' | '【')
}

/// Bracket-like pairs tracked for "inside a quotation/parenthesis" (straight `"` handled apart).
const PAIRS: [(char, char); 8] = [('(', ')'), ('[', ']'), ('{', '}'), ('“', '”'), ('«', '»'), ('「', '」'), ('『', '』'), ('（', '）')];

/// Abbreviations (lowercase, no final dot) after which a `.` never ends a sentence.
const ALWAYS_ABBREV: &[&str] = &[
    "mr", "mrs", "ms", "messrs", "mme", "mlle", "dr", "prof", "gen", "lt", "col", "sgt", "capt", "cpt", "maj", "adm", "cmdr", "cdr", "brig", "cpl", "pvt", "gov", "sen", "rep",
    "pres", "rev", "hon", "fr", "insp", "supt", "det", "st", "mt", "ft", "vs", "v", "cf", "approx", "viz", "al", "inc", "ltd", "corp", "co", "bros",
];

/// Abbreviations after which a `.` does not end a sentence when a number follows.
const NUMBER_ABBREV: &[&str] = &[
    "no", "nos", "nr", "vol", "vols", "p", "pp", "art", "fig", "figs", "ch", "chap", "sec", "para", "op", "tel", "pt", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep",
    "sept", "oct", "nov", "dec",
];

/// Dotted lowercase abbreviations (inner dots kept) that never end a sentence.
const DOTTED_ABBREV: &[&str] = &["e.g", "i.e", "a.k.a"];

/// Segments `text[lo..hi]` (one line) into `out`. `chars` is a reused buffer.
fn segment_line(text: &str, lo: usize, hi: usize, chars: &mut Vec<(usize, char)>, out: &mut Vec<Range<usize>>) {
    let line = &text[lo..hi];
    if line.trim_matches(is_space).is_empty() {
        return;
    }
    chars.clear();
    chars.extend(line.char_indices().map(|(i, c)| (lo + i, c)));
    let n = chars.len();
    let byte_at = |k: usize| if k < n { chars[k].0 } else { hi };
    let inside = enclosed(chars);
    let mut sent_start = 0;
    let mut i = 0;
    while i < n {
        if !is_term(chars[i].1) {
            i += 1;
            continue;
        }
        let mut j = i;
        while j < n && is_term(chars[j].1) {
            j += 1;
        }
        let mut k = j;
        while k < n && is_closer(chars[k].1) {
            k += 1;
        }
        if !inside[k - 1] && ends_sentence(chars, sent_start, i, j, k) {
            push_trimmed(text, byte_at(sent_start), byte_at(k), out);
            sent_start = k;
        }
        i = j;
    }
    push_trimmed(text, byte_at(sent_start), hi, out);
}

/// Does the terminator run `chars[i..j]` plus closers `chars[j..k]` end the sentence begun at `start`?
fn ends_sentence(chars: &[(usize, char)], start: usize, i: usize, j: usize, k: usize) -> bool {
    let n = chars.len();
    if chars[i..j].iter().any(|&(_, c)| is_cjk_term(c)) {
        return true;
    }
    // Latin terminators need whitespace (or the line end) after them: "3.5", "U.S", "a.com" stay whole.
    if k < n && !is_space(chars[k].1) {
        return false;
    }
    let Some(next) = chars[k..].iter().map(|&(_, c)| c).find(|&c| !is_space(c)) else {
        return true;
    };
    if next.is_lowercase() || matches!(next, ',' | ';' | ':') {
        return false;
    }
    // Abbreviation checks only for a single bare '.'.
    if j - i != 1 || chars[i].1 != '.' || k != j {
        return true;
    }
    let mut w = i;
    while w > 0 && !is_space(chars[w - 1].1) && !is_opener(chars[w - 1].1) {
        w -= 1;
    }
    let word: String = chars[w..i].iter().map(|&(_, c)| c).collect();
    !is_abbreviation(&word, next, w == first_non_space(chars, start))
}

fn first_non_space(chars: &[(usize, char)], from: usize) -> usize {
    chars[from..].iter().position(|&(_, c)| !is_space(c)).map_or(chars.len(), |p| from + p)
}

/// `word` is the token before a '.', `next` the first character of the following word.
fn is_abbreviation(word: &str, next: char, starts_sentence: bool) -> bool {
    if word.is_empty() {
        return false;
    }
    // List numbering: "1. The first point".
    if starts_sentence && word.chars().all(|c| c.is_ascii_digit()) {
        return true;
    }
    // "Lt.-Gen." -> "Gen".
    let last = word.rsplit('-').next().unwrap_or(word);
    let mut cs = last.chars();
    if let (Some(c), None) = (cs.next(), cs.next())
        && c.is_uppercase()
    {
        // Single initial: "George W. Bush".
        return true;
    }
    let lower = last.to_lowercase();
    if last.contains('.') {
        let single_letters = last.split('.').all(|p| p.chars().count() == 1 && p.chars().all(char::is_alphabetic));
        if single_letters && last.chars().all(|c| c == '.' || c.is_uppercase()) {
            // "U.S. President", "U.N. envoy": initialisms rarely end a news sentence mid-paragraph.
            return true;
        }
        return DOTTED_ABBREV.contains(&lower.as_str());
    }
    if ALWAYS_ABBREV.contains(&lower.as_str()) {
        return true;
    }
    NUMBER_ABBREV.contains(&lower.as_str()) && next.is_ascii_digit()
}

/// `inside[p]`: char `p` lies strictly within a matched quote or bracket pair. Unmatched marks are ignored.
fn enclosed(chars: &[(usize, char)]) -> Vec<bool> {
    let n = chars.len();
    let mut diff = vec![0i32; n + 1];
    let mut mark = |o: usize, c: usize| {
        diff[o + 1] += 1;
        diff[c] -= 1;
    };
    let mut straight: Option<usize> = None;
    let mut stacks: [Vec<usize>; PAIRS.len()] = Default::default();
    for (p, &(_, c)) in chars.iter().enumerate() {
        if c == '"' {
            // A straight quote opens after a space and before a word, closes after a word and
            // before a space or punctuation; an opener while one is open leaves that one
            // unmatched (news often omits the closer at a paragraph's end), so one stray mark
            // does not turn the rest of the line inside out.
            let before = p.checked_sub(1).map(|i| chars[i].1);
            let after = chars.get(p + 1).map(|x| x.1);
            let opens = before.is_none_or(|b| b.is_whitespace() || "([{—–-".contains(b)) && after.is_some_and(|a| !a.is_whitespace());
            let closes = after.is_none_or(|a| a.is_whitespace() || ".,;:!?)]}—–".contains(a)) && before.is_some_and(|b| !b.is_whitespace());
            match (opens && !closes, straight.take()) {
                (true, _) => straight = Some(p),
                (false, Some(o)) => mark(o, p),
                // A stray closer.
                (false, None) if closes => {}
                (false, None) => straight = Some(p),
            }
            continue;
        }
        for (t, &(open, close)) in PAIRS.iter().enumerate() {
            if c == open {
                stacks[t].push(p);
            } else if c == close
                && let Some(o) = stacks[t].pop()
            {
                mark(o, p);
            }
        }
    }
    let mut depth = 0;
    diff[..n]
        .iter()
        .map(|d| {
            depth += d;
            depth > 0
        })
        .collect()
}

fn push_trimmed(text: &str, a: usize, b: usize, out: &mut Vec<Range<usize>>) {
    let s = &text[a..b];
    let t = s.trim_start_matches(is_space);
    let start = a + (s.len() - t.len());
    let end = start + t.trim_end_matches(is_space).len();
    if end > start {
        out.push(start..end);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(text: &str) -> Vec<&str> {
        let rs = sentences(text);
        for w in rs.windows(2) {
            assert!(w[0].end <= w[1].start, "overlap in {text:?}");
        }
        rs.into_iter()
            .map(|r| {
                let s = &text[r];
                assert!(!s.is_empty() && s.trim() == s, "untrimmed {s:?}");
                s
            })
            .collect()
    }

    #[test]
    fn empty_and_blank() {
        assert!(sentences("").is_empty());
        assert!(sentences(" \n\r\n\t ").is_empty());
    }

    #[test]
    fn basic_and_offsets() {
        let t = "  The army advanced.  It took the town!  Why? ";
        let rs = sentences(t);
        assert_eq!(rs, vec![2..20, 22..39, 41..45]);
        assert_eq!(split(t), ["The army advanced.", "It took the town!", "Why?"]);
    }

    #[test]
    fn line_breaks_always_end_sentences() {
        assert_eq!(split("First line without stop\nSecond line\r\nThird\u{2028}Fourth"), ["First line without stop", "Second line", "Third", "Fourth"]);
    }

    #[test]
    fn quoted_statement_with_parenthesis_is_one_sentence() {
        let t = "\"The (Malian armed forces) took full control of the locality of Anefis early this morning\", the military said in a statement.";
        assert_eq!(split(t), [t]);
    }

    #[test]
    fn period_inside_quote_does_not_split() {
        let t = "\"But Anefis is not a major issue for us. We are at war, a war that will be long and will not be fought down to one position\", the spokesman said.";
        assert_eq!(split(t), [t]);
        let t = "The column was \"initially heading towards Anefis to reinforce our positions. We are not going directly to Kidal\", an officer based in Gao told AFP at the time.";
        assert_eq!(split(t), [t]);
    }

    #[test]
    fn closing_quote_belongs_to_its_sentence() {
        assert_eq!(split("He said \"Go.\" Then he left."), ["He said \"Go.\"", "Then he left."]);
        assert_eq!(split("He said “Go.” Then he left."), ["He said “Go.”", "Then he left."]);
        assert_eq!(split("\"Go!\" he shouted. \"Why?\" asked Ali."), ["\"Go!\" he shouted.", "\"Why?\" asked Ali."]);
        assert_eq!(split("They left. \"We won,\" he said."), ["They left.", "\"We won,\" he said."]);
    }

    #[test]
    fn parentheses() {
        assert_eq!(split("Troops (about 300. Maybe more) arrived. They stayed."), ["Troops (about 300. Maybe more) arrived.", "They stayed."]);
        assert_eq!(split("It ended. (See page 5.) Then it began."), ["It ended.", "(See page 5.)", "Then it began."]);
        assert_eq!(split("The war is over. (AFP)"), ["The war is over.", "(AFP)"]);
    }

    #[test]
    fn agency_trailer_on_its_own_line() {
        assert_eq!(split("But in August they resumed hostilities.\n(AFP)"), ["But in August they resumed hostilities.", "(AFP)"]);
        assert_eq!(split("End of story.\n\n(Reuters)\n"), ["End of story.", "(Reuters)"]);
    }

    #[test]
    fn datelines_stay_with_their_text() {
        let t = "BAMAKO, Sept 6 (AFP) - The army took the town on Saturday.";
        assert_eq!(split(t), [t]);
        let t = "BAMAKO, Sept. 6, 2023 (AFP) - The army took the town. Rebels fled.";
        assert_eq!(split(t), ["BAMAKO, Sept. 6, 2023 (AFP) - The army took the town.", "Rebels fled."]);
        let t = "WASHINGTON (Reuters) - U.S. President Joe Biden spoke.";
        assert_eq!(split(t), [t]);
    }

    #[test]
    fn titles_and_initials() {
        for t in [
            "Dr. Smith met Mr. Jones and Mrs. Brown.",
            "Gen. Assimi Goita and Lt. Col. Abdoulaye Maiga spoke to Sgt. Diarra.",
            "She lives on St. Mark's Place.",
            "George W. Bush met J.R.R. Tolkien fans.",
            "Lt.-Gen. Smith arrived.",
            "The case Roe v. Wade was cited.",
            "Samsung Electronics Co. Ltd. said profits rose.",
            "Acme Inc. Chief Executive Jane Doe resigned.",
        ] {
            assert_eq!(split(t), [t], "{t}");
        }
    }

    #[test]
    fn initialisms() {
        for t in [
            "The U.S. military and the U.K. government asked the U.N. Security Council to act.",
            "U.S. President Joe Biden spoke.",
            "Fruit, e.g. Apples, and i.e. Pears.",
            "It rained at 5 a.m. local time.",
        ] {
            assert_eq!(split(t), [t], "{t}");
        }
        assert_eq!(split("It started at 5 p.m. The army then left."), ["It started at 5 p.m.", "The army then left."]);
    }

    #[test]
    fn months_and_number_abbreviations() {
        for t in ["On Jan. 5 and Feb. 6 and Aug. 7 and Sept. 8 they met.", "Oct. 1, Nov. 2 and Dec. 3 were quiet.", "He lives at No. 10 Downing Street.", "See p. 5 for details."] {
            assert_eq!(split(t), [t], "{t}");
        }
        assert_eq!(split("The answer was No. Then he left."), ["The answer was No.", "Then he left."]);
        assert_eq!(split("They bought apples, pears, etc. The shop closed."), ["They bought apples, pears, etc.", "The shop closed."]);
        assert_eq!(split("Apples, pears, etc. were sold."), ["Apples, pears, etc. were sold."]);
    }

    #[test]
    fn numbers_and_urls() {
        for t in ["Growth was 3.5 percent, or $1.2bn, in 2023.", "Visit www.example.com for more.", "The score was 2.0 at 10.30 GMT."] {
            assert_eq!(split(t), [t], "{t}");
        }
        assert_eq!(split("It happened in 2015. But in August they resumed."), ["It happened in 2015.", "But in August they resumed."]);
        assert_eq!(split("It grew. 300 people came."), ["It grew.", "300 people came."]);
        assert_eq!(split("1. The first point. 2. The second."), ["1. The first point.", "2. The second."]);
    }

    #[test]
    fn ellipses() {
        assert_eq!(split("He paused... then went on."), ["He paused... then went on."]);
        assert_eq!(split("He paused... Then he went on."), ["He paused...", "Then he went on."]);
        assert_eq!(split("Wait… What happened?"), ["Wait…", "What happened?"]);
    }

    #[test]
    fn question_and_exclamation() {
        assert_eq!(split("Who won? Nobody knows! It is unclear?! Yes."), ["Who won?", "Nobody knows!", "It is unclear?!", "Yes."]);
        assert_eq!(split("Yahoo!News reported it."), ["Yahoo!News reported it."]);
    }

    #[test]
    fn lowercase_continuation_does_not_split() {
        assert_eq!(split("The unknown abbrev. continued here."), ["The unknown abbrev. continued here."]);
    }

    #[test]
    fn cjk_full_stops() {
        assert_eq!(split("今天下雨。明天晴天！真的吗？是的"), ["今天下雨。", "明天晴天！", "真的吗？", "是的"]);
        assert_eq!(split("他说：“我们会赢。”然后离开了。"), ["他说：“我们会赢。”", "然后离开了。"]);
        assert_eq!(split("「行こう。」と彼は言った。"), ["「行こう。」", "と彼は言った。"]);
    }

    #[test]
    fn unmatched_quote_does_not_block_splitting() {
        assert_eq!(split("\"We are at war. We will win. The front is mobile"), ["\"We are at war.", "We will win.", "The front is mobile"]);
        // A quote left open (its closer omitted) before another quotation: the narration
        // between them is not inside a quote.
        assert_eq!(
            split("He said: \"We tried. We failed. Mr Smith was careful. \"We are partners,\" Mr Smith said."),
            ["He said: \"We tried.", "We failed.", "Mr Smith was careful.", "\"We are partners,\" Mr Smith said."]
        );
    }

    #[test]
    fn mali_anefis_article_lines() {
        let lines = [
            "The Malian army on Saturday said it had taken control of a stopover town on the way to the northern rebel stronghold Kidal amid a resumption of hostilities in the region.",
            "\"The (Malian armed forces) took full control of the locality of Anefis early this morning\", the military said in a statement.",
            "\"Evaluations are underway.\"",
            "Almou Ag Mohamed, a spokesperson for the Permanent Strategic Framework for Peace, Security and Development (CSP), a coalition of armed rebel factions, confirmed to AFP that the army was in Anefis, 110 kilometres (70 miles) south of the city of Kidal.",
            "\"But Anefis is not a major issue for us. We are at war, a war that will be long and will not be fought down to one position\", the spokesman said.",
            "The column was \"initially heading towards Anefis to reinforce our positions. We are not going directly to Kidal\", an officer based in Gao told AFP at the time.",
            "\"This morning in the town of Anefis we saw the white mercenaries of Wagner\" as well as the Malian army, an eyewitness on the ground told AFP on Saturday.",
            "But in August they resumed hostilities.",
            "(AFP)",
        ];
        let text = lines.join("\n");
        assert_eq!(split(&text), lines);
    }

    #[test]
    fn ranges_are_char_boundaries_with_multibyte_text() {
        let t = "Été à Bamako. «Non.» Déjà‐vu? Ça va… Oui.";
        let got = split(t);
        assert_eq!(got, ["Été à Bamako.", "«Non.»", "Déjà‐vu?", "Ça va…", "Oui."]);
    }

    #[test]
    fn long_sentences_are_cut_into_bounded_runs() {
        let text = "w ".repeat(1000) + "a , b ; c";
        let words = crate::split_words(&text);
        let runs = cut_long_sentence(&text, &words, 300);
        assert!(runs.iter().all(|r| !r.is_empty() && r.len() <= 300), "{runs:?}");
        assert_eq!(runs.first().unwrap().start, 0);
        assert_eq!(runs.last().unwrap().end, words.len());
        assert!(runs.windows(2).all(|w| w[0].end == w[1].start), "runs cover every word once, in order");
        // A run ends after a comma or semicolon in its second half when there is one.
        let words = crate::split_words("x x x x x x , x x x x x x");
        assert_eq!(cut_long_sentence("x x x x x x , x x x x x x", &words, 8), [0..7, 7..13]);
        assert_eq!(cut_long_sentence("x x x", &crate::split_words("x x x"), 8), vec![Range { start: 0, end: 3 }]);
    }

    #[test]
    fn long_input_is_linear() {
        let para = "The army said it took Anefis on Saturday. \"We are at war. It will be long\", he said. Dr. Smith agreed! ";
        let text = format!("{}\n", para.repeat(2000)).repeat(10);
        let start = std::time::Instant::now();
        let n = sentences(&text).len();
        assert_eq!(n, 3 * 2000 * 10);
        assert!(start.elapsed().as_secs() < 30, "segmentation looks superlinear");
        // A single huge line of dots and a huge unmatched-quote line must not blow up either.
        assert_eq!(sentences(&".".repeat(200_000)).len(), 1);
        assert!(!sentences(&"a. \"b ".repeat(50_000)).is_empty());
    }
}
