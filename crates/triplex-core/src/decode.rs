//! BIO-constrained Viterbi decoding: the best tag sequence in which every I-X follows B-X or I-X.

/// Allowed-transition table for IOB2 label names.
pub struct BioDecoder {
    /// `kind[l]`: 0 for O, 1 for B-, 2 for I-; `typ[l]` the entity type.
    kind: Vec<u8>,
    typ: Vec<String>,
}

impl BioDecoder {
    pub fn new(labels: &[String]) -> Self {
        let kind = labels
            .iter()
            .map(|l| {
                if l.starts_with("B-") || l.starts_with("S-") {
                    1
                } else if l.starts_with("I-") || l.starts_with("E-") {
                    2
                } else {
                    0
                }
            })
            .collect();
        let typ = labels.iter().map(|l| l.get(2..).unwrap_or("").to_string()).collect();
        BioDecoder { kind, typ }
    }

    fn allowed(&self, prev: Option<usize>, next: usize) -> bool {
        if self.kind[next] != 2 {
            return true;
        }
        match prev {
            None => false,
            Some(p) => self.kind[p] != 0 && self.typ[p] == self.typ[next],
        }
    }

    /// Best valid label ids for `scores[word][label]` (log-probabilities).
    pub fn decode(&self, scores: &[Vec<f32>]) -> Vec<usize> {
        let n = scores.len();
        let l = self.kind.len();
        if n == 0 {
            return Vec::new();
        }
        let mut best = vec![vec![f32::NEG_INFINITY; l]; n];
        let mut back = vec![vec![0usize; l]; n];
        for j in 0..l {
            if self.allowed(None, j) {
                best[0][j] = scores[0][j];
            }
        }
        for i in 1..n {
            for j in 0..l {
                let mut top = (f32::NEG_INFINITY, 0);
                for (p, &b) in best[i - 1].iter().enumerate() {
                    if b > top.0 && self.allowed(Some(p), j) {
                        top = (b, p);
                    }
                }
                best[i][j] = top.0 + scores[i][j];
                back[i][j] = top.1;
            }
        }
        let mut path = vec![0usize; n];
        path[n - 1] = (0..l).filter(|&j| best[n - 1][j] > f32::NEG_INFINITY).max_by(|&a, &b| best[n - 1][a].total_cmp(&best[n - 1][b])).unwrap_or(0);
        for i in (1..n).rev() {
            path[i - 1] = back[i][path[i]];
        }
        path
    }

    /// Entity spans `(type, first_word, end_word_exclusive)` of a valid decoded path.
    pub fn spans(&self, path: &[usize]) -> Vec<(String, usize, usize)> {
        let mut out: Vec<(String, usize, usize)> = Vec::new();
        for (i, &lab) in path.iter().enumerate() {
            match self.kind[lab] {
                1 => out.push((self.typ[lab].clone(), i, i + 1)),
                2 => {
                    if let Some(last) = out.last_mut().filter(|s| s.2 == i && s.0 == self.typ[lab]) {
                        last.2 = i + 1;
                    } else {
                        out.push((self.typ[lab].clone(), i, i + 1));
                    }
                }
                _ => {}
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels() -> Vec<String> {
        ["O", "B-PER", "I-PER", "B-LOC", "I-LOC"].iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn never_starts_with_inside_tag() {
        let d = BioDecoder::new(&labels());
        // Greedy would pick I-PER first; the valid best is B-PER I-PER.
        let s = vec![vec![-5.0, -1.0, -0.1, -9.0, -9.0], vec![-5.0, -3.0, -0.1, -9.0, -9.0]];
        assert_eq!(d.decode(&s), vec![1, 2]);
    }

    #[test]
    fn type_switch_needs_a_begin() {
        let d = BioDecoder::new(&labels());
        // B-PER then I-LOC is invalid; decoding yields a valid path.
        let s = vec![vec![-9.0, -0.1, -9.0, -9.0, -9.0], vec![-3.0, -9.0, -9.0, -2.0, -0.1]];
        let p = d.decode(&s);
        assert_eq!(p, vec![1, 3]);
        assert_eq!(d.spans(&p), vec![("PER".into(), 0, 1), ("LOC".into(), 1, 2)]);
    }

    #[test]
    fn valid_sequences_for_random_scores() {
        let d = BioDecoder::new(&labels());
        let mut x = 17u64;
        for _ in 0..200 {
            let s: Vec<Vec<f32>> = (0..7)
                .map(|_| {
                    (0..5)
                        .map(|_| {
                            x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                            -((x >> 40) as f32 / (1u64 << 24) as f32) * 5.0
                        })
                        .collect()
                })
                .collect();
            let p = d.decode(&s);
            for i in 0..p.len() {
                assert!(d.allowed(if i == 0 { None } else { Some(p[i - 1]) }, p[i]), "invalid at {i}: {p:?}");
            }
        }
    }
}
