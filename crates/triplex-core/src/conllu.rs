//! CoNLL-U files (Universal Dependencies): reading, writing, and CoNLL 2018-style parse scoring.

use std::fmt::Write as _;
use std::path::Path;

use anyhow::{Context, bail};
use serde::Serialize;

/// One basic word line of a CoNLL-U file (the ten columns).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Token {
    /// 1-based word index within the sentence.
    pub id: usize,
    pub form: String,
    pub lemma: String,
    pub upos: String,
    pub xpos: String,
    pub feats: String,
    /// Head word id; 0 is the root.
    pub head: usize,
    pub deprel: String,
    pub deps: String,
    pub misc: String,
}

impl Token {
    /// The word's entity tag in MISC (`B-LOC`, `O`): `NE=` as triplex writes it and spaCy's CoNLL-U
    /// converter reads it, spaCy's other spelling `name=`, or `NER=` of files from triplex before 0.2.
    pub fn entity_tag(&self) -> Option<&str> {
        self.misc.split('|').find_map(|m| ["NE=", "name=", "NER="].iter().find_map(|p| m.strip_prefix(p)))
    }
}

/// One sentence: its comment lines and basic word lines (multiword-token ranges and empty nodes dropped).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Sentence {
    /// Comment lines verbatim, including the leading `#` (e.g. `# sent_id = 1`).
    pub comments: Vec<String>,
    pub tokens: Vec<Token>,
}

impl Sentence {
    /// The value of the `# sent_id = ...` comment, if any.
    pub fn sent_id(&self) -> Option<&str> {
        self.comments.iter().find_map(|c| {
            let rest = c.strip_prefix('#')?.trim_start().strip_prefix("sent_id")?;
            Some(rest.trim_start().strip_prefix('=')?.trim())
        })
    }
}

/// Parses CoNLL-U text. Errors name the 1-based line.
pub fn parse_conllu(text: &str) -> anyhow::Result<Vec<Sentence>> {
    let mut sentences = Vec::new();
    let mut cur = Sentence::default();
    for (i, raw) in text.lines().enumerate() {
        let lineno = i + 1;
        let line = raw.strip_suffix('\r').unwrap_or(raw);
        if line.trim().is_empty() {
            if !cur.comments.is_empty() || !cur.tokens.is_empty() {
                sentences.push(std::mem::take(&mut cur));
            }
            continue;
        }
        if line.starts_with('#') {
            cur.comments.push(line.to_string());
            continue;
        }
        let cols: Vec<&str> = line.split('\t').collect();
        if cols.len() != 10 {
            bail!("line {lineno}: expected 10 tab-separated columns, found {}", cols.len());
        }
        // Multiword-token ranges (`1-2`) and empty nodes (`8.1`) are not basic words.
        if cols[0].contains(['-', '.']) {
            continue;
        }
        let id: usize = cols[0].parse().with_context(|| format!("line {lineno}: non-numeric id {:?}", cols[0]))?;
        let head: usize = cols[6].parse().with_context(|| format!("line {lineno}: non-numeric head {:?}", cols[6]))?;
        cur.tokens.push(Token {
            id,
            form: cols[1].to_string(),
            lemma: cols[2].to_string(),
            upos: cols[3].to_string(),
            xpos: cols[4].to_string(),
            feats: cols[5].to_string(),
            head,
            deprel: cols[7].to_string(),
            deps: cols[8].to_string(),
            misc: cols[9].to_string(),
        });
    }
    if !cur.comments.is_empty() || !cur.tokens.is_empty() {
        sentences.push(cur);
    }
    Ok(sentences)
}

/// Reads and parses a CoNLL-U file.
pub fn read_conllu(path: &Path) -> anyhow::Result<Vec<Sentence>> {
    let text = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    parse_conllu(&text).with_context(|| format!("parsing {}", path.display()))
}

/// Writes sentences as CoNLL-U: comments, word lines, then a blank line after each sentence.
pub fn write_conllu(sentences: &[Sentence]) -> String {
    let mut out = String::new();
    for s in sentences {
        for c in &s.comments {
            out.push_str(c);
            out.push('\n');
        }
        for t in &s.tokens {
            let _ = writeln!(out, "{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}", t.id, t.form, t.lemma, t.upos, t.xpos, t.feats, t.head, t.deprel, t.deps, t.misc);
        }
        out.push('\n');
    }
    out
}

/// Parse scores over gold-tokenized words (punctuation included), as fractions in [0, 1].
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct ParseScores {
    pub words: usize,
    pub upos: f64,
    pub uas: f64,
    pub las: f64,
}

/// The universal part of a relation (`nmod:poss` → `nmod`), as the CoNLL 2018 script compares them.
fn universal(deprel: &str) -> &str {
    deprel.split(':').next().unwrap_or(deprel)
}

/// Scores `pred` against `gold` (CoNLL 2018 UPOS/UAS/LAS with gold tokenization).
/// Sentences and words must align 1:1 with identical forms.
pub fn score_parse(gold: &[Sentence], pred: &[Sentence]) -> anyhow::Result<ParseScores> {
    if gold.len() != pred.len() {
        bail!("gold has {} sentences but prediction has {}", gold.len(), pred.len());
    }
    let (mut words, mut upos, mut uas, mut las) = (0usize, 0usize, 0usize, 0usize);
    for (i, (g, p)) in gold.iter().zip(pred).enumerate() {
        let name = match g.sent_id() {
            Some(id) => format!("sentence {} (sent_id {id})", i + 1),
            None => format!("sentence {}", i + 1),
        };
        if g.tokens.len() != p.tokens.len() {
            bail!("{name}: gold has {} words but prediction has {}", g.tokens.len(), p.tokens.len());
        }
        for (j, (gt, pt)) in g.tokens.iter().zip(&p.tokens).enumerate() {
            if gt.form != pt.form {
                bail!("{name}, word {}: gold form {:?} but predicted form {:?}", j + 1, gt.form, pt.form);
            }
            words += 1;
            upos += usize::from(gt.upos == pt.upos);
            if gt.head == pt.head {
                uas += 1;
                las += usize::from(universal(&gt.deprel) == universal(&pt.deprel));
            }
        }
    }
    let frac = |k: usize| {
        if words == 0 { 0.0 } else { k as f64 / words as f64 }
    };
    Ok(ParseScores { words, upos: frac(upos), uas: frac(uas), las: frac(las) })
}

#[cfg(test)]
mod tests {
    use super::*;

    // Spanish UD-style sentence with a multiword token (`del` = de + el) and an empty node.
    const SAMPLE: &str = "# sent_id = s1\n\
# text = Vamos del parque.\n\
1\tVamos\tir\tVERB\t_\tMood=Ind\t0\troot\t_\t_\n\
2-3\tdel\t_\t_\t_\t_\t_\t_\t_\t_\n\
2\tde\tde\tADP\t_\t_\t4\tcase\t_\t_\n\
3\tel\tel\tDET\t_\t_\t4\tdet\t_\t_\n\
3.1\tnada\tnada\tPRON\t_\t_\t_\t_\t1:obl\t_\n\
4\tparque\tparque\tNOUN\t_\t_\t1\tobl\t_\tSpaceAfter=No\n\
5\t.\t.\tPUNCT\t_\t_\t1\tpunct\t_\t_\n\
\n\
# sent_id = s2\n\
1\tHola\thola\tINTJ\t_\t_\t0\troot\t_\t_\n\
\n";

    fn tok(id: usize, form: &str, upos: &str, head: usize, deprel: &str) -> Token {
        Token { id, form: form.into(), upos: upos.into(), head, deprel: deprel.into(), ..Token::default() }
    }

    fn sent(tokens: Vec<Token>) -> Sentence {
        Sentence { comments: vec![], tokens }
    }

    #[test]
    fn parses_basic_lines_and_comments() {
        let s = parse_conllu(SAMPLE).unwrap();
        assert_eq!(s.len(), 2);
        assert_eq!(s[0].comments, vec!["# sent_id = s1", "# text = Vamos del parque."]);
        assert_eq!(s[0].sent_id(), Some("s1"));
        let forms: Vec<&str> = s[0].tokens.iter().map(|t| t.form.as_str()).collect();
        assert_eq!(forms, ["Vamos", "de", "el", "parque", "."]);
        let t = &s[0].tokens[3];
        assert_eq!((t.id, t.head, t.deprel.as_str(), t.misc.as_str()), (4, 1, "obl", "SpaceAfter=No"));
        assert_eq!(s[0].tokens[0].feats, "Mood=Ind");
        assert_eq!(s[1].tokens.len(), 1);
    }

    #[test]
    fn last_sentence_without_blank_line_and_crlf() {
        let s = parse_conllu("1\ta\ta\tX\t_\t_\t0\troot\t_\t_\r\n\r\n\r\n1\tb\tb\tX\t_\t_\t0\troot\t_\t_").unwrap();
        assert_eq!(s.len(), 2);
        assert_eq!(s[0].tokens[0].misc, "_");
        assert_eq!(s[1].tokens[0].form, "b");
    }

    #[test]
    fn round_trips() {
        let s = parse_conllu(SAMPLE).unwrap();
        let written = write_conllu(&s);
        assert_eq!(parse_conllu(&written).unwrap(), s);
        // Without range/empty-node lines the text itself comes back unchanged.
        let basic: String = SAMPLE.lines().filter(|l| !l.starts_with("2-3") && !l.starts_with("3.1")).map(|l| format!("{l}\n")).collect();
        assert_eq!(written, basic);
    }

    #[test]
    fn entity_tags_read_from_ne_name_and_old_ner() {
        let tok = |misc: &str| Token { misc: misc.into(), ..Token::default() };
        assert_eq!(tok("NE=B-LOC|TokenRange=235:241|SpaceAfter=No").entity_tag(), Some("B-LOC"));
        assert_eq!(tok("SpaceAfter=No|name=I-ORG").entity_tag(), Some("I-ORG"));
        assert_eq!(tok("NER=O|TokenRange=1:2").entity_tag(), Some("O"));
        assert_eq!(tok("_").entity_tag(), None);
    }

    #[test]
    fn errors_name_the_line() {
        let bad_cols = "# c\n1\ta\ta\tX\t_\t_\t0\troot\t_\t_\n2\tb\tb\tX\t_\t_\t1\tdep\t_\n";
        let e = format!("{:#}", parse_conllu(bad_cols).unwrap_err());
        assert!(e.contains("line 3") && e.contains("10"), "{e}");

        let bad_id = "1\ta\ta\tX\t_\t_\t0\troot\t_\t_\n\nx\tb\tb\tX\t_\t_\t0\troot\t_\t_\n";
        let e = format!("{:#}", parse_conllu(bad_id).unwrap_err());
        assert!(e.contains("line 3") && e.contains("id"), "{e}");

        let bad_head = "1\ta\ta\tX\t_\t_\tzero\troot\t_\t_\n";
        let e = format!("{:#}", parse_conllu(bad_head).unwrap_err());
        assert!(e.contains("line 1") && e.contains("head"), "{e}");

        let spaces = "1 a a X _ _ 0 root _ _\n";
        assert!(format!("{:#}", parse_conllu(spaces).unwrap_err()).contains("line 1"));
    }

    #[test]
    fn hand_worked_scores() {
        let gold = vec![sent(vec![
            tok(1, "I", "PRON", 2, "nsubj"),
            tok(2, "saw", "VERB", 0, "root"),
            tok(3, "the", "DET", 4, "det"),
            tok(4, "dog", "NOUN", 2, "obj"),
            tok(5, ".", "PUNCT", 2, "punct"),
        ])];
        // 4 heads right (word 3 wrong); of those, 3 labels right (word 4 wrong); 4 UPOS right.
        let pred = vec![sent(vec![
            tok(1, "I", "PRON", 2, "nsubj"),
            tok(2, "saw", "VERB", 0, "root"),
            tok(3, "the", "DET", 2, "det"),
            tok(4, "dog", "PROPN", 2, "iobj"),
            tok(5, ".", "PUNCT", 2, "punct"),
        ])];
        let s = score_parse(&gold, &pred).unwrap();
        assert_eq!(s.words, 5);
        assert!((s.uas - 0.8).abs() < 1e-12);
        assert!((s.las - 0.6).abs() < 1e-12);
        assert!((s.upos - 0.8).abs() < 1e-12);
        let json = serde_json::to_value(s).unwrap();
        assert_eq!(json["words"], 5);
        assert!(score_parse(&gold, &gold).unwrap().las == 1.0);
        assert_eq!(score_parse(&[], &[]).unwrap(), ParseScores { words: 0, upos: 0.0, uas: 0.0, las: 0.0 });
    }

    #[test]
    fn subtypes_compare_on_universal_part() {
        let gold = vec![sent(vec![tok(1, "his", "PRON", 2, "nmod:poss"), tok(2, "car", "NOUN", 0, "root")])];
        let pred = vec![sent(vec![tok(1, "his", "PRON", 2, "nmod"), tok(2, "car", "NOUN", 0, "root")])];
        assert_eq!(score_parse(&gold, &pred).unwrap().las, 1.0);
        let pred = vec![sent(vec![tok(1, "his", "PRON", 2, "det:poss"), tok(2, "car", "NOUN", 0, "root")])];
        assert_eq!(score_parse(&gold, &pred).unwrap().las, 0.5);
    }

    #[test]
    fn misaligned_input_errors() {
        let gold = parse_conllu(SAMPLE).unwrap();
        let e = score_parse(&gold, &gold[..1]).unwrap_err().to_string();
        assert!(e.contains("2 sentences") && e.contains("1"), "{e}");

        let mut pred = gold.clone();
        pred[1].tokens.push(tok(2, "!", "PUNCT", 1, "punct"));
        let e = score_parse(&gold, &pred).unwrap_err().to_string();
        assert!(e.contains("sentence 2") && e.contains("s2"), "{e}");

        let mut pred = gold.clone();
        pred[0].tokens[3].form = "park".into();
        let e = score_parse(&gold, &pred).unwrap_err().to_string();
        assert!(e.contains("sentence 1") && e.contains("word 4") && e.contains("park"), "{e}");
    }
}
