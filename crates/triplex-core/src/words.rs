//! Word splitting with byte offsets, and the word-shape feature that gives an uncased encoder the case back.

use std::ops::Range;

/// Number of word-shape classes, fed to the encoder as token-type ids.
pub const NUM_SHAPES: usize = 8;

/// Shape id of a word: 0 is reserved for special tokens ([CLS], [SEP], padding).
pub fn shape(word: &str) -> u32 {
    let mut chars = word.chars();
    let Some(first) = chars.next() else { return 0 };
    let (mut upper, mut lower, mut digit, mut other) = (0usize, 0usize, 0usize, 0usize);
    for c in word.chars() {
        if c.is_uppercase() {
            upper += 1
        } else if c.is_lowercase() {
            lower += 1
        } else if c.is_numeric() {
            digit += 1
        } else if c.is_alphabetic() {
            // caseless scripts (CJK, Arabic, ...)
            lower += 1
        } else {
            other += 1
        }
    }
    let letters = upper + lower;
    if letters == 0 && digit == 0 {
        7 // punctuation and symbols
    } else if letters == 0 {
        5 // numbers: 3.5, 2015, 1,200
    } else if digit > 0 {
        6 // mixed letters and digits: G8, 1990s, F-16
    } else if upper == 0 {
        1 // lower: army
    } else if lower == 0 && upper == 1 {
        4 // single capital or initial: A, W.
    } else if lower == 0 {
        3 // all caps: AFP, CSP
    } else if first.is_uppercase() && upper == 1 {
        2 // capitalised: Anefis, Al-Qaeda counts as mixed below
    } else {
        let _ = other;
        6 // mixed case: McDonald, iPhone, Al-Qaeda
    }
}

/// Splits text into words: runs of letters/digits (keeping inner `.`, `'`, `-`, `&` as in "U.S.",
/// "O'Neil", "al-Qaeda", "AT&T", "3.5"), clitics apart as in CoNLL/PTB ("army" "'s", "did" "n't"),
/// and each other non-space character alone.
pub fn split_words(text: &str) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    let at = |k: usize| chars.get(k).map_or(text.len(), |x| x.0);
    let alnum = |k: usize| chars.get(k).is_some_and(|x| x.1.is_alphanumeric() && !is_cjk(x.1));
    let apostrophe = |k: usize| chars.get(k).is_some_and(|x| matches!(x.1, '\'' | '’'));
    let mut i = 0;
    while i < chars.len() {
        let (b, c) = chars[i];
        if c.is_whitespace() {
            i += 1;
            continue;
        }
        // Possessive clitic: 's / ’s at the end of a word.
        if apostrophe(i) && chars.get(i + 1).is_some_and(|x| matches!(x.1, 's' | 'S')) && i > 0 && alnum(i - 1) && !alnum(i + 2) {
            out.push(b..at(i + 2));
            i += 2;
            continue;
        }
        if !c.is_alphanumeric() || is_cjk(c) {
            out.push(b..at(i + 1));
            i += 1;
            continue;
        }
        let mut j = i + 1;
        while j < chars.len() {
            let c = chars[j].1;
            if c.is_alphanumeric() && !is_cjk(c) {
                j += 1;
            } else if matches!(c, '.' | '\'' | '’' | '-' | '&' | ',') && alnum(j + 1) && joins(text, &chars, i, j) {
                j += 2;
            } else {
                break;
            }
        }
        // Negation clitic: "didn't" → "did" "n't".
        if j >= i + 2 && matches!(chars[j - 1].1, 'n' | 'N') && apostrophe(j) && chars.get(j + 1).is_some_and(|x| matches!(x.1, 't' | 'T')) && !alnum(j + 2) {
            out.push(b..at(j - 1));
            out.push(at(j - 1)..at(j + 2));
            i = j + 2;
            continue;
        }
        // Abbreviations with a final period: "U.S." (inner periods), single initials "W."
        if chars.get(j).is_some_and(|x| x.1 == '.') {
            let word = &text[b..chars[j].0];
            let inner_period = word.contains('.');
            let initial = word.chars().count() == 1 && word.chars().all(|c| c.is_uppercase());
            if inner_period || initial {
                j += 1;
            }
        }
        out.push(b..at(j));
        i = j;
    }
    out
}

/// Whether the separator at `j` joins the word begun at `i` with what follows.
fn joins(text: &str, chars: &[(usize, char)], i: usize, j: usize) -> bool {
    let sep = chars[j].1;
    let prev_digit = chars[j - 1].1.is_ascii_digit();
    let next = chars[j + 1].1;
    match sep {
        // 3.5 and 1,200 join digits only; U.S. joins single letters
        '.' => {
            (prev_digit && next.is_ascii_digit()) || (j - i == 1 && chars[i].1.is_alphabetic()) || {
                let word = &text[chars[i].0..chars[j].0];
                word.contains('.') && word.split('.').all(|p| p.chars().count() == 1)
            }
        }
        ',' => prev_digit && next.is_ascii_digit(),
        // Clitics split as in CoNLL/PTB: "army's" → army 's, "don't" → do n't.
        '\'' | '’' => {
            let clitic = |k: usize, ch: &[char]| chars.get(k).is_some_and(|x| ch.contains(&x.1)) && !chars.get(k + 1).is_some_and(|x| x.1.is_alphanumeric());
            !(clitic(j + 1, &['s', 'S']) || (clitic(j + 1, &['t', 'T']) && matches!(chars[j - 1].1, 'n' | 'N')))
        }
        _ => true,
    }
}

fn is_cjk(c: char) -> bool {
    matches!(c as u32, 0x3040..=0x30FF | 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xAC00..=0xD7AF | 0xF900..=0xFAFF)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(t: &str) -> Vec<&str> {
        split_words(t).into_iter().map(|r| &t[r]).collect()
    }

    #[test]
    fn splits_news_words() {
        assert_eq!(
            words("The U.S. army (AFP) said 3.5 and 1,200 people, O'Neil's AT&T al-Qaeda."),
            vec!["The", "U.S.", "army", "(", "AFP", ")", "said", "3.5", "and", "1,200", "people", ",", "O'Neil", "'s", "AT&T", "al-Qaeda", "."]
        );
        assert_eq!(words("George W. Bush"), vec!["George", "W.", "Bush"]);
        assert_eq!(words("\"Go.\" Then"), vec!["\"", "Go", ".", "\"", "Then"]);
        assert_eq!(words("The army's men didn't go. Rock 'n' roll's"), vec!["The", "army", "'s", "men", "did", "n't", "go", ".", "Rock", "'", "n", "'", "roll", "'s"]);
        assert_eq!(words("the convoy’s advance, they’re"), vec!["the", "convoy", "’s", "advance", ",", "they’re"]);
    }

    #[test]
    fn splits_non_ascii_and_cjk() {
        assert_eq!(words("Zoë visitó Bogotá 東京 😀"), vec!["Zoë", "visitó", "Bogotá", "東", "京", "😀"]);
        assert_eq!(words("مرحبا بالعالم"), vec!["مرحبا", "بالعالم"]);
    }

    #[test]
    fn shapes_tell_case_apart() {
        assert_eq!(shape("army"), 1);
        assert_eq!(shape("Anefis"), 2);
        assert_eq!(shape("AFP"), 3);
        assert_eq!(shape("W."), 4);
        assert_eq!(shape("2015"), 5);
        assert_eq!(shape("1990s"), 6);
        assert_eq!(shape("McDonald"), 6);
        assert_eq!(shape("("), 7);
        assert!(shape("東") == 1);
    }
}
