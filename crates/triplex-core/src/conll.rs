//! CoNLL column files: reading, conlleval-compatible chunking, and writing predictions back.

use std::fmt::Write as _;
use std::path::Path;

use anyhow::{Context, bail};

/// One sentence of a CoNLL file.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ConllSentence {
    /// First column of each line.
    pub tokens: Vec<String>,
    /// Last column of each line (the NER tag).
    pub tags: Vec<String>,
    /// The original lines (without line terminator), for writing back.
    pub lines: Vec<String>,
    /// Index of the document (`-DOCSTART-` section) the sentence is in, from 0; in a file without
    /// `-DOCSTART-` lines (sentence collections such as GMB and CrossNER), the sentence's own index.
    pub doc: usize,
}

/// Reads a CoNLL file: one token per line, whitespace-separated columns, token first and
/// NER tag last. Blank lines and `-DOCSTART-` lines end a sentence; `-DOCSTART-` lines are
/// dropped. Lines with fewer than two columns are an error. A file without `-DOCSTART-` lines is
/// read as unrelated sentences, each its own document (document-level rules then stay within it).
pub fn read_conll(path: &Path) -> anyhow::Result<Vec<ConllSentence>> {
    let text = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    parse_conll(&text).with_context(|| format!("parsing {}", path.display()))
}

/// [`read_conll`] on text already in memory.
pub fn parse_conll(text: &str) -> anyhow::Result<Vec<ConllSentence>> {
    let mut out = Vec::new();
    let mut cur = ConllSentence::default();
    let mut doc = 0;
    let mut sectioned = false;
    for (i, raw) in text.lines().enumerate() {
        let line = raw.trim_end_matches('\r');
        // Columns part at ASCII blanks only: a token may be another Unicode space (GMB has U+0085).
        let cols: Vec<&str> = line.split_ascii_whitespace().collect();
        if cols.is_empty() || cols[0] == "-DOCSTART-" {
            sectioned |= !cols.is_empty();
            if !cur.tokens.is_empty() {
                out.push(std::mem::take(&mut cur));
            }
            if cols.first() == Some(&"-DOCSTART-") && out.last().is_some_and(|s: &ConllSentence| s.doc == doc) {
                doc += 1;
            }
            cur.doc = doc;
            continue;
        }
        if cols.len() < 2 {
            bail!("line {}: expected at least 2 columns (token ... tag), got {:?}", i + 1, line);
        }
        cur.tokens.push(cols[0].to_string());
        cur.tags.push(cols[cols.len() - 1].to_string());
        cur.lines.push(line.to_string());
    }
    if !cur.tokens.is_empty() {
        out.push(cur);
    }
    if !sectioned {
        for (k, s) in out.iter_mut().enumerate() {
            s.doc = k;
        }
    }
    Ok(out)
}

/// Rewrites IOB1 tags (I- may start an entity) as IOB2.
pub fn to_iob2(tags: &[String]) -> Vec<String> {
    let mut out: Vec<String> = Vec::with_capacity(tags.len());
    for (i, t) in tags.iter().enumerate() {
        if let Some(typ) = t.strip_prefix("I-") {
            let prev = if i == 0 { "O" } else { tags[i - 1].as_str() };
            if prev.get(2..) != Some(typ) || prev == "O" {
                out.push(format!("B-{typ}"));
                continue;
            }
        }
        out.push(t.clone());
    }
    out
}

/// Splits a tag as conlleval does: at the first `-` into (prefix, type); no `-` gives type "".
fn split_tag(tag: &str) -> (&str, &str) {
    tag.split_once('-').unwrap_or((tag, ""))
}

/// conlleval's `endOfChunk`: did a chunk end between the previous and the current token?
fn end_of_chunk(prev_tag: &str, tag: &str, prev_type: &str, ty: &str) -> bool {
    matches!((prev_tag, tag), ("B", "B") | ("B", "O") | ("I", "B") | ("I", "O") | ("E", "E") | ("E", "I") | ("E", "O"))
        || (prev_tag != "O" && prev_tag != "." && prev_type != ty)
        || prev_tag == "]"
        || prev_tag == "["
}

/// conlleval's `startOfChunk`: did a chunk start at the current token?
fn start_of_chunk(prev_tag: &str, tag: &str, prev_type: &str, ty: &str) -> bool {
    matches!((prev_tag, tag), ("B", "B") | ("I", "B") | ("O", "B") | ("O", "I") | ("E", "E") | ("E", "I") | ("O", "E"))
        || (tag != "O" && tag != "." && prev_type != ty)
        || tag == "["
        || tag == "]"
}

/// Chunks of one sentence as `(label, start, end_exclusive)` token indices, by conlleval's
/// rules: works for IOB1, IOB2 (and IOE), and counts invalid sequences as conlleval does
/// (`O I-PER` or `B-LOC I-PER` start a new chunk at the `I-`). The sentence is closed by an
/// `O`, as conlleval's sentence break; a chunk still open then (only possible with malformed
/// tags lacking a type) is closed at the sentence end rather than carried over.
pub fn chunks(tags: &[String]) -> Vec<(String, usize, usize)> {
    let mut out = Vec::new();
    let mut open: Option<(String, usize)> = None;
    let (mut prev_tag, mut prev_type) = ("O", "");
    for (i, t) in tags.iter().map(String::as_str).chain(std::iter::once("O")).enumerate() {
        let (tag, ty) = split_tag(t);
        let ended = end_of_chunk(prev_tag, tag, prev_type, ty);
        let started = start_of_chunk(prev_tag, tag, prev_type, ty);
        // conlleval counts every start as a new chunk, so a start also closes an open one.
        if (ended || started || i == tags.len())
            && let Some((label, s)) = open.take()
        {
            out.push((label, s, i));
        }
        if started && i < tags.len() {
            open = Some((ty.to_string(), i));
        }
        (prev_tag, prev_type) = (tag, ty);
    }
    out
}

/// Writes each original line with its predicted tag appended as the last column
/// (space-separated, as conlleval reads it), a blank line between sentences.
pub fn write_predictions(path: &Path, sentences: &[ConllSentence], predicted: &[Vec<String>]) -> anyhow::Result<()> {
    if sentences.len() != predicted.len() {
        bail!("{} sentences but {} predicted tag sequences", sentences.len(), predicted.len());
    }
    let mut out = String::new();
    for (n, (s, p)) in sentences.iter().zip(predicted).enumerate() {
        if s.lines.len() != p.len() {
            bail!("sentence {}: {} lines but {} predicted tags", n + 1, s.lines.len(), p.len());
        }
        if n > 0 {
            out.push('\n');
        }
        for (line, tag) in s.lines.iter().zip(p) {
            writeln!(out, "{line} {tag}").expect("writing to a String");
        }
    }
    std::fs::write(path, out).with_context(|| format!("writing {}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tags(s: &str) -> Vec<String> {
        s.split_whitespace().map(str::to_string).collect()
    }

    fn ch(s: &str) -> Vec<(String, usize, usize)> {
        chunks(&tags(s))
    }

    fn c(l: &str, s: usize, e: usize) -> (String, usize, usize) {
        (l.to_string(), s, e)
    }

    #[test]
    fn a_token_may_be_a_unicode_space() {
        let s = parse_conll("Hello\tO\n\u{85}\tO\nParis\tB-LOC\n").unwrap();
        assert_eq!(s.len(), 1);
        assert_eq!(s[0].tokens, ["Hello", "\u{85}", "Paris"]);
        assert_eq!(s[0].tags, ["O", "O", "B-LOC"]);
    }

    #[test]
    fn iob2_chunks() {
        assert_eq!(ch("B-PER I-PER O B-LOC B-LOC I-LOC"), vec![c("PER", 0, 2), c("LOC", 3, 4), c("LOC", 4, 6)]);
    }

    #[test]
    fn iob1_and_iob2_agree() {
        // Same entities: "John Smith" PER, "Paris" LOC, then two adjacent LOCs.
        let iob1 = ch("I-PER I-PER O I-LOC O I-LOC B-LOC");
        let iob2 = ch("B-PER I-PER O B-LOC O B-LOC B-LOC");
        assert_eq!(iob1, iob2);
        assert_eq!(iob1, vec![c("PER", 0, 2), c("LOC", 3, 4), c("LOC", 5, 6), c("LOC", 6, 7)]);
    }

    #[test]
    fn invalid_i_starts_a_chunk() {
        assert_eq!(ch("O I-PER I-PER"), vec![c("PER", 1, 3)]);
        // I- of another type after B- starts a new chunk.
        assert_eq!(ch("B-LOC I-PER"), vec![c("LOC", 0, 1), c("PER", 1, 2)]);
        assert_eq!(ch("I-MISC"), vec![c("MISC", 0, 1)]);
    }

    #[test]
    fn chunk_at_sentence_end() {
        assert_eq!(ch("O O B-ORG I-ORG"), vec![c("ORG", 2, 4)]);
        assert_eq!(ch("O B-ORG"), vec![c("ORG", 1, 2)]);
        assert!(ch("").is_empty());
        assert!(ch("O O").is_empty());
    }

    #[test]
    fn types_with_hyphens_split_at_first_dash() {
        assert_eq!(ch("B-WORK-OF-ART I-WORK-OF-ART"), vec![c("WORK-OF-ART", 0, 2)]);
    }

    #[test]
    fn documents_are_docstart_sections_or_else_single_sentences() {
        let s = parse_conll("-DOCSTART- O\n\nEU B-ORG\n\nPeter B-PER\n-DOCSTART- O\nBlackburn B-PER\n").unwrap();
        assert_eq!(s.iter().map(|x| x.doc).collect::<Vec<_>>(), [0, 0, 1]);
        let s = parse_conll("EU B-ORG\n\nPeter B-PER\n\nBlackburn B-PER\n").unwrap();
        assert_eq!(s.iter().map(|x| x.doc).collect::<Vec<_>>(), [0, 1, 2]);
    }

    #[test]
    fn reads_and_writes_back() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a.conll");
        std::fs::write(&p, "-DOCSTART- -X- -X- O\n\nEU NNP B-NP B-ORG\nrejects VBZ B-VP O\r\n\n\nPeter NNP B-NP B-PER\n-DOCSTART- -X- O\nBlackburn NNP B-NP B-PER").unwrap();
        let s = read_conll(&p).unwrap();
        assert_eq!(s.len(), 3);
        assert_eq!(s[0].tokens, vec!["EU", "rejects"]);
        assert_eq!(s[0].tags, vec!["B-ORG", "O"]);
        assert_eq!(s[0].lines[1], "rejects VBZ B-VP O");
        assert_eq!(s[2].tokens, vec!["Blackburn"]);

        let out = dir.path().join("b.conll");
        let pred = vec![tags("B-ORG O"), tags("O"), tags("B-PER")];
        write_predictions(&out, &s, &pred).unwrap();
        let written = std::fs::read_to_string(&out).unwrap();
        assert_eq!(written, "EU NNP B-NP B-ORG B-ORG\nrejects VBZ B-VP O O\n\nPeter NNP B-NP B-PER O\n\nBlackburn NNP B-NP B-PER B-PER\n");
        // The written file reads back with the prediction as the last column.
        let back = read_conll(&out).unwrap();
        assert_eq!(back.iter().map(|s| s.tags.clone()).collect::<Vec<_>>(), pred);
        assert!(write_predictions(&out, &s, &pred[..2]).is_err());
    }

    #[test]
    fn one_column_line_is_an_error() {
        let err = parse_conll("EU B-ORG\nrejects\n").unwrap_err();
        assert!(err.to_string().contains("line 2"), "{err}");
    }
}
