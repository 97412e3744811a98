//! Dependency parses from the syntax heads' window scores: UPOS, head and relation per word,
//! decoded into a well-formed tree (one root child) with `tree::max_spanning_tree`.

use crate::tree::max_spanning_tree;

/// Names of the syntax heads' labels, by id.
#[derive(Debug, Clone, PartialEq)]
pub struct SyntaxLabels {
    pub upos: Vec<String>,
    pub deprels: Vec<String>,
}

impl SyntaxLabels {
    /// The id of UPOS tag `s`, added when new (for parses read from text, e.g. CoNLL-U).
    pub fn upos_id(&mut self, s: &str) -> u16 {
        intern(&mut self.upos, s)
    }

    /// The id of relation `s`, added when new.
    pub fn deprel_id(&mut self, s: &str) -> u16 {
        intern(&mut self.deprels, s)
    }
}

fn intern(list: &mut Vec<String>, s: &str) -> u16 {
    let i = list.iter().position(|x| x == s).unwrap_or_else(|| {
        list.push(s.to_string());
        list.len() - 1
    });
    u16::try_from(i).expect("fewer than 65,536 syntax labels")
}

/// The syntax of one sequence's words, decoded: node 0 is the root, nodes `1..=n` the words whose
/// first pieces were asked for, in order; `heads` is the best tree over them (one root child).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct WindowSyntax {
    pub n: usize,
    /// UPOS id of each word.
    pub upos: Vec<u16>,
    /// Head node of each word (0: the root).
    pub heads: Vec<usize>,
    /// Relation id of each word to its head.
    pub rels: Vec<u16>,
    /// The word rows the syntax heads read, one per word (empty where the model gives none).
    pub rows: WordRows,
}

/// Rows of `dim` numbers, one per word, kept as int8 with one scale per row (a quarter of f32's
/// memory; the scene model reads them). A row is quantised as `round(x / scale)`, `scale` its
/// largest magnitude / 127.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct WordRows {
    pub dim: usize,
    scales: Vec<f32>,
    values: Vec<i8>,
}

impl WordRows {
    pub fn new(dim: usize) -> Self {
        WordRows { dim, scales: Vec::new(), values: Vec::new() }
    }

    /// Room for `rows` rows without reallocating.
    pub fn with_capacity(dim: usize, rows: usize) -> Self {
        WordRows { dim, scales: Vec::with_capacity(rows), values: Vec::with_capacity(rows * dim) }
    }

    pub fn len(&self) -> usize {
        self.scales.len()
    }

    pub fn is_empty(&self) -> bool {
        self.scales.is_empty()
    }

    /// Appends `row` (`dim` numbers), quantised.
    pub fn push(&mut self, row: &[f32]) {
        debug_assert_eq!(row.len(), self.dim);
        let scale = row.iter().fold(0f32, |m, x| m.max(x.abs())) / 127.0;
        self.scales.push(scale);
        self.values.extend(row.iter().map(|x| if scale > 0.0 { (x / scale).round() as i8 } else { 0 }));
    }

    /// Appends row `i` of `other` as it is.
    pub fn push_from(&mut self, other: &WordRows, i: usize) {
        self.scales.push(other.scales[i]);
        self.values.extend_from_slice(&other.values[i * self.dim..(i + 1) * self.dim]);
    }

    /// Appends a row of zeros.
    pub fn push_zeros(&mut self) {
        self.scales.push(0.0);
        self.values.extend(std::iter::repeat_n(0, self.dim));
    }

    /// Row `i`, dequantised.
    pub fn row(&self, i: usize) -> Vec<f32> {
        self.values[i * self.dim..(i + 1) * self.dim].iter().map(|&q| q as f32 * self.scales[i]).collect()
    }

    /// Row `i` as text, `SCALE:HEX` (two hex digits per int8 value), as CoNLL-U MISC carries it.
    pub fn row_text(&self, i: usize) -> String {
        let hex: String = self.values[i * self.dim..(i + 1) * self.dim].iter().map(|&q| format!("{:02x}", q as u8)).collect();
        format!("{:e}:{hex}", self.scales[i])
    }

    /// Appends a row read from `row_text`'s form.
    pub fn push_text(&mut self, text: &str) -> Result<(), String> {
        let (scale, hex) = text.split_once(':').ok_or("a row without a scale")?;
        if hex.len() != 2 * self.dim {
            return Err(format!("a row of {} hex digits where {} were expected", hex.len(), 2 * self.dim));
        }
        self.scales.push(scale.parse().map_err(|e| format!("scale {scale:?}: {e}"))?);
        for i in 0..self.dim {
            self.values.push(u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).map_err(|e| format!("{e}"))? as i8);
        }
        Ok(())
    }
}

/// The parse of one sentence; `heads[i]` is 0 for the root, else a 1-based word index.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Parse {
    pub upos: Vec<u16>,
    pub heads: Vec<usize>,
    pub rels: Vec<u16>,
    /// Each word's row from the syntax branch (empty where the model gives none): what the scene
    /// model reads besides the tree.
    pub rows: WordRows,
}

impl Parse {
    /// Word indices (0-based) of the dependents of word `i` (0-based), in order.
    pub fn children(&self, i: usize) -> impl Iterator<Item = usize> + '_ {
        self.heads.iter().enumerate().filter(move |&(_, &h)| h == i + 1).map(|(d, _)| d)
    }

    /// The 0-based head of word `i`, or None at the root.
    pub fn head(&self, i: usize) -> Option<usize> {
        self.heads[i].checked_sub(1)
    }
}

/// The best tree over nodes `0..k` from raw arc scores `raw[d * k + h]` (row 0 unused): each
/// dependent's scores are normalised to log-probabilities over its candidate heads first, as
/// in Dozat & Manning. Returns the head of nodes `1..k`.
pub fn best_tree(raw: &[f32], k: usize) -> Vec<usize> {
    let scores = head_log_probs(raw, k);
    let mut greedy = vec![0usize; k];
    for d in 1..k {
        greedy[d] = (0..k).filter(|&h| h != d).fold(0, |b, h| if scores[d][h] > scores[d][b] || b == d { h } else { b });
    }
    // Each word's best head is the best tree when it already is one (one root child, no cycle).
    if is_tree(&greedy) {
        return greedy[1..].to_vec();
    }
    max_spanning_tree(&scores)[1..].to_vec()
}

/// `scores[d][h]`: raw arc scores normalised over each dependent's candidate heads (row 0 is 0).
fn head_log_probs(raw: &[f32], k: usize) -> Vec<Vec<f32>> {
    let mut scores = vec![vec![0f32; k]; k];
    for d in 1..k {
        let row = &raw[d * k..(d + 1) * k];
        let max = row.iter().copied().fold(f32::NEG_INFINITY, f32::max);
        let lse = max + row.iter().map(|v| (v - max).exp()).sum::<f32>().ln();
        for h in 0..k {
            scores[d][h] = row[h] - lse;
        }
    }
    scores
}

/// Whether `heads` (node 0 the root, `heads[0]` ignored) has exactly one root child and every
/// node reaches the root.
fn is_tree(heads: &[usize]) -> bool {
    let k = heads.len();
    if heads.iter().skip(1).filter(|&&h| h == 0).count() != 1 {
        return false;
    }
    (1..k).all(|mut d| {
        for _ in 0..k {
            if d == 0 {
                return true;
            }
            d = heads[d];
        }
        false
    })
}

/// Index of the largest value.
pub fn argmax(v: &[f32]) -> usize {
    v.iter().enumerate().fold((0, f32::NEG_INFINITY), |best, (i, &x)| if x > best.1 { (i, x) } else { best }).0
}

/// Assembles a sentence of `owners.len()` words. `owners[w]` names the window (index into
/// `windows`) and the node (1-based) that holds word `w`, or None for a word with no piece. A
/// sentence in one window takes that window's tree. Over several windows, each word keeps its
/// head where the head is held by the same window; the words left without one (the tops of the
/// pieces) hang from the first top as `parataxis`. Words with no piece hang from a neighbour.
pub fn decode_sentence(windows: &[&WindowSyntax], owners: &[Option<(usize, usize)>], labels: &SyntaxLabels) -> Parse {
    let n = owners.len();
    let rel_id = |name: &str| labels.deprels.iter().position(|r| r == name).unwrap_or(0) as u16;
    let x = labels.upos.iter().position(|u| u == "X").unwrap_or(0) as u16;
    let mut parse = Parse { upos: vec![x; n], heads: vec![0; n], rels: vec![rel_id("dep"); n], rows: WordRows::default() };
    // Word rows where every window has them; a word with no piece gets zeros.
    let dim = windows.first().map_or(0, |w| w.rows.dim);
    if dim > 0 && windows.iter().all(|w| w.rows.dim == dim && w.rows.len() == w.n) {
        parse.rows = WordRows::with_capacity(dim, n);
        for o in owners {
            match *o {
                Some((k, node)) => parse.rows.push_from(&windows[k].rows, node - 1),
                None => parse.rows.push_zeros(),
            }
        }
    }
    // word_at[k][node] = the word window k holds at that node.
    let mut word_at: Vec<Vec<Option<usize>>> = windows.iter().map(|w| vec![None; w.n + 1]).collect();
    for (w, o) in owners.iter().enumerate() {
        if let Some((k, node)) = *o {
            word_at[k][node] = Some(w);
        }
    }
    let mut tops = Vec::new();
    for (w, o) in owners.iter().enumerate() {
        let Some((k, node)) = *o else { continue };
        let win = windows[k];
        parse.upos[w] = win.upos[node - 1];
        parse.rels[w] = win.rels[node - 1];
        match win.heads[node - 1] {
            0 => tops.push(w),
            h => match word_at[k][h] {
                Some(hw) => parse.heads[w] = hw + 1,
                None => tops.push(w),
            },
        }
    }
    let first = tops.first().copied();
    for &t in &tops {
        match first {
            Some(r) if r != t => {
                parse.heads[t] = r + 1;
                parse.rels[t] = rel_id("parataxis");
            }
            _ => {
                parse.heads[t] = 0;
                parse.rels[t] = rel_id("root");
            }
        }
    }
    // Words with no piece hang from the nearest held word before them (else after them).
    let mut root = first;
    for w in 0..n {
        if owners[w].is_none() {
            let near = (0..w).rev().find(|&v| owners[v].is_some()).or_else(|| (w + 1..n).find(|&v| owners[v].is_some()));
            match (near, root) {
                (Some(v), _) => parse.heads[w] = v + 1,
                (None, Some(r)) => parse.heads[w] = r + 1,
                (None, None) => {
                    root = Some(w);
                    parse.rels[w] = rel_id("root");
                }
            }
        }
    }
    parse
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels() -> SyntaxLabels {
        SyntaxLabels { upos: vec!["NOUN".into(), "VERB".into(), "X".into()], deprels: vec!["root".into(), "nsubj".into(), "dep".into(), "parataxis".into()] }
    }

    /// A window over 3 words: word 2 the root, the others its `nsubj`.
    fn window() -> WindowSyntax {
        WindowSyntax { n: 3, upos: vec![0, 1, 0], heads: vec![2, 0, 2], rels: vec![1, 0, 1], rows: WordRows::default() }
    }

    #[test]
    fn best_tree_equals_the_spanning_tree_on_random_scores() {
        let mut seed = 17u64;
        for k in 2..9 {
            for _ in 0..200 {
                let raw: Vec<f32> = (0..k * k)
                    .map(|_| {
                        seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                        (seed >> 40) as f32 / (1u64 << 24) as f32 * 6.0
                    })
                    .collect();
                let scores = head_log_probs(&raw, k);
                let total = |heads: &[usize]| heads.iter().enumerate().map(|(i, &h)| scores[i + 1][h] as f64).sum::<f64>();
                let (fast, full) = (best_tree(&raw, k), max_spanning_tree(&scores)[1..].to_vec());
                assert!((total(&fast) - total(&full)).abs() < 1e-4, "k {k}: {fast:?} vs {full:?}");
            }
        }
    }

    #[test]
    fn best_tree_takes_the_best_arcs_with_one_root_child() {
        // Scores favour 1 <- 2, 3 <- 2, 2 <- root; and also 3 <- root, which a tree cannot keep.
        let k = 4;
        let mut raw = vec![0f32; k * k];
        raw[k + 2] = 5.0;
        raw[2 * k] = 5.0;
        raw[3 * k] = 4.0;
        raw[3 * k + 2] = 3.0;
        assert_eq!(best_tree(&raw, k), vec![2, 0, 2]);
    }

    #[test]
    fn one_window_gives_its_tree() {
        let w = window();
        let p = decode_sentence(&[&w], &[Some((0, 1)), Some((0, 2)), Some((0, 3))], &labels());
        assert_eq!(p.heads, vec![2, 0, 2]);
        assert_eq!(p.rels, vec![1, 0, 1]);
        assert_eq!(p.upos, vec![0, 1, 0]);
        assert_eq!(p.children(1).collect::<Vec<_>>(), vec![0, 2]);
    }

    #[test]
    fn words_without_pieces_and_several_windows_still_make_one_tree() {
        let (a, b) = (window(), window());
        // Words 0..3 from window 0 (nodes 1..3), word 3 has no piece, words 4..6 from window 1.
        let owners = [Some((0, 1)), Some((0, 2)), Some((0, 3)), None, Some((1, 1)), Some((1, 2)), Some((1, 3))];
        let p = decode_sentence(&[&a, &b], &owners, &labels());
        assert_eq!(p.heads.iter().filter(|&&h| h == 0).count(), 1, "{p:?}");
        assert_eq!(p.heads[3], 3, "pieceless word hangs from the word before it");
        assert_eq!((p.heads[5], p.rels[5]), (2, 3), "second window's root joins the first as parataxis");
        // Every word reaches the root.
        for mut w in 0..owners.len() {
            for _ in 0..owners.len() {
                if p.heads[w] == 0 {
                    break;
                }
                w = p.heads[w] - 1;
            }
            assert_eq!(p.heads[w], 0);
        }
    }

    #[test]
    fn word_rows_follow_their_owners() {
        // Two-wide rows: window a's node k holds [k, -k], window b's [10 k, 5 k] and a last row
        // whose int8 values are exact (scale 2).
        let rows = |r: &[[f32; 2]]| {
            let mut w = WordRows::new(2);
            r.iter().for_each(|x| w.push(x));
            w
        };
        let a = WindowSyntax { rows: rows(&[[1.0, -1.0], [2.0, -2.0], [3.0, -3.0]]), ..window() };
        let b = WindowSyntax { rows: rows(&[[10.0, 5.0], [20.0, 10.0], [254.0, 128.0]]), ..window() };
        let owners = [Some((0, 2)), None, Some((1, 3))];
        let p = decode_sentence(&[&a, &b], &owners, &labels());
        assert_eq!((0..3).map(|i| p.rows.row(i)).collect::<Vec<_>>(), vec![vec![2.0, -2.0], vec![0.0, 0.0], vec![254.0, 128.0]]);
        // As text and back, the same int8 row.
        let mut back = WordRows::new(2);
        back.push_text(&p.rows.row_text(2)).unwrap();
        assert_eq!(back.row(0), vec![254.0, 128.0]);
        assert!(back.push_text("1e0:00").is_err());
        // A window without rows leaves the sentence without any.
        let c = window();
        assert!(decode_sentence(&[&a, &c], &owners, &labels()).rows.is_empty());
    }
}
