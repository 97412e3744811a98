//! Well-formed dependency trees from arc scores: single-root maximum spanning arborescence (Chu-Liu/Edmonds).

/// Returns the heads of the maximum-scoring tree over nodes `0..=n` (node 0 = artificial root).
///
/// `scores[d][h]` is the score of head `h` for dependent `d`; row 0 and the diagonal are ignored.
/// The result has `heads[0] == 0`, every word reaches node 0, and exactly one word attaches to
/// node 0 (as UD requires). Scores should be finite. O(n^3).
pub fn max_spanning_tree(scores: &[Vec<f32>]) -> Vec<usize> {
    let n = scores.len();
    if n <= 1 {
        return vec![0; n];
    }
    // Single root via a penalty on root arcs (Gabow & Tarjan): with M larger than the score gap
    // between any two trees, the best penalized tree has the fewest root arcs (one, always
    // possible), and among those the best original score, since every such tree shifts by M.
    let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
    for (d, row) in scores.iter().enumerate().skip(1) {
        for (h, &s) in row.iter().enumerate().take(n) {
            if h != d && s.is_finite() {
                lo = lo.min(s as f64);
                hi = hi.max(s as f64);
            }
        }
    }
    let penalty = if lo <= hi { 2.0 * (n as f64) * (hi - lo) + 1.0 } else { 1.0 };
    let w: Vec<Vec<f64>> = (0..n)
        .map(|d| {
            (0..n)
                .map(|h| {
                    if d == 0 || h == d {
                        f64::NEG_INFINITY
                    } else if h == 0 {
                        scores[d][h] as f64 - penalty
                    } else {
                        scores[d][h] as f64
                    }
                })
                .collect()
        })
        .collect();
    chu_liu_edmonds(&w)
}

/// Maximum spanning arborescence rooted at 0 on a dense matrix `w[d][h]` (self-loops and row 0
/// must be `-inf`). Contracts one cycle per level: O(n^2) per level, at most n levels.
fn chu_liu_edmonds(w: &[Vec<f64>]) -> Vec<usize> {
    let n = w.len();
    // Greedy best head per node.
    let mut heads = vec![0usize; n];
    for (d, head) in heads.iter_mut().enumerate().skip(1) {
        *head = argmax((0..n).filter(|&h| h != d), |h| w[d][h]);
    }
    let Some(cycle) = find_cycle(&heads) else {
        return heads;
    };

    // Contract the cycle into one new node `c` (the last index); others keep their order.
    let mut in_cycle = vec![false; n];
    for &v in &cycle {
        in_cycle[v] = true;
    }
    let old_id: Vec<usize> = (0..n).filter(|&v| !in_cycle[v]).collect();
    let c = old_id.len();
    let m = c + 1;
    let mut cw = vec![vec![f64::NEG_INFINITY; m]; m];
    // enter[h]: cycle node that the best arc from outside head h enters;
    // leave[d]: cycle node that the best arc to outside dependent d leaves from (new ids).
    let mut enter = vec![0usize; m];
    let mut leave = vec![0usize; m];
    for (nd, &d) in old_id.iter().enumerate().skip(1) {
        for (nh, &h) in old_id.iter().enumerate() {
            if nh != nd {
                cw[nd][nh] = w[d][h];
            }
        }
        // Best arc from some cycle node to d.
        leave[nd] = argmax(cycle.iter().copied(), |h| w[d][h]);
        cw[nd][c] = w[d][leave[nd]];
    }
    // Best arc into the cycle from each outside head: gain over the cycle arc it replaces.
    for (nh, &h) in old_id.iter().enumerate() {
        let gain = |d: usize| w[d][h] - w[d][heads[d]];
        enter[nh] = argmax(cycle.iter().copied(), gain);
        cw[c][nh] = gain(enter[nh]);
    }

    let sub = chu_liu_edmonds(&cw);
    // Expand: cycle arcs stay except the one into the node where the chosen arc enters.
    let mut result = heads;
    for (nd, &d) in old_id.iter().enumerate().skip(1) {
        result[d] = if sub[nd] == c { leave[nd] } else { old_id[sub[nd]] };
    }
    let nh = sub[c];
    result[enter[nh]] = old_id[nh];
    result
}

/// The first item with the largest key (items must be non-empty).
fn argmax(items: impl Iterator<Item = usize>, key: impl Fn(usize) -> f64) -> usize {
    let mut best: Option<(usize, f64)> = None;
    for i in items {
        let k = key(i);
        if best.is_none_or(|(_, b)| k > b) {
            best = Some((i, k));
        }
    }
    best.expect("argmax over no items").0
}

/// Some cycle among the head pointers of nodes `1..`, if any.
fn find_cycle(heads: &[usize]) -> Option<Vec<usize>> {
    let n = heads.len();
    // 0 = unvisited, 1 = on the current path, 2 = done.
    let mut state = vec![0u8; n];
    state[0] = 2;
    for start in 1..n {
        let mut v = start;
        while state[v] == 0 {
            state[v] = 1;
            v = heads[v];
        }
        if state[v] == 1 {
            let mut cycle = vec![v];
            let mut u = heads[v];
            while u != v {
                cycle.push(u);
                u = heads[u];
            }
            return Some(cycle);
        }
        let mut u = start;
        while state[u] == 1 {
            state[u] = 2;
            u = heads[u];
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Tiny seeded LCG (Numerical Recipes constants), uniform in [-5, 5).
    struct Lcg(u64);
    impl Lcg {
        fn next(&mut self) -> f32 {
            self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            ((self.0 >> 40) as f32 / (1u64 << 24) as f32) * 10.0 - 5.0
        }
    }

    fn random_scores(rng: &mut Lcg, n: usize) -> Vec<Vec<f32>> {
        (0..=n).map(|_| (0..=n).map(|_| rng.next()).collect()).collect()
    }

    fn total(scores: &[Vec<f32>], heads: &[usize]) -> f64 {
        (1..heads.len()).map(|d| scores[d][heads[d]] as f64).sum()
    }

    /// A tree rooted at 0 with exactly one root child.
    fn is_single_root_tree(heads: &[usize]) -> bool {
        let n = heads.len();
        if heads[0] != 0 || (1..n).filter(|&d| heads[d] == 0).count() != 1 {
            return false;
        }
        (1..n).all(|d| {
            let mut v = d;
            for _ in 0..n {
                if v == 0 {
                    return true;
                }
                if heads[v] == v || heads[v] >= n {
                    return false;
                }
                v = heads[v];
            }
            v == 0
        })
    }

    /// Best single-root tree score over all head assignments (n words: n^n of them).
    fn brute_force(scores: &[Vec<f32>]) -> f64 {
        let n = scores.len() - 1;
        let mut heads = vec![0usize; n + 1];
        let mut best = f64::NEG_INFINITY;
        loop {
            if is_single_root_tree(&heads) {
                best = best.max(total(scores, &heads));
            }
            // Odometer over heads[1..] in 0..=n.
            let mut d = 1;
            while d <= n && heads[d] == n {
                heads[d] = 0;
                d += 1;
            }
            if d > n {
                return best;
            }
            heads[d] += 1;
        }
    }

    #[test]
    fn matches_brute_force_on_random_scores() {
        let mut rng = Lcg(42);
        for n in 1..=6 {
            let trials = if n <= 4 { 200 } else { 30 };
            for _ in 0..trials {
                let scores = random_scores(&mut rng, n);
                let heads = max_spanning_tree(&scores);
                assert_eq!(heads.len(), n + 1);
                assert!(is_single_root_tree(&heads), "not a single-root tree: {heads:?}");
                let (got, want) = (total(&scores, &heads), brute_force(&scores));
                assert!((got - want).abs() < 1e-4, "n={n}: got {got}, brute force {want}, {scores:?}");
            }
        }
    }

    #[test]
    fn matches_brute_force_with_strong_root_scores() {
        // Root arcs dominate, so the unconstrained optimum attaches every word to the root.
        let mut rng = Lcg(7);
        for n in 2..=6 {
            for _ in 0..20 {
                let mut scores = random_scores(&mut rng, n);
                for row in scores.iter_mut().skip(1) {
                    row[0] += 20.0;
                }
                let heads = max_spanning_tree(&scores);
                assert!(is_single_root_tree(&heads), "{heads:?}");
                assert!((total(&scores, &heads) - brute_force(&scores)).abs() < 1e-4);
            }
        }
    }

    #[test]
    fn breaks_greedy_cycle() {
        // Greedy heads: 1 <- 2, 2 <- 1, 3 <- 2: a cycle between words 1 and 2.
        let ninf = -100.0;
        let scores = vec![
            vec![0.0; 4],
            vec![1.0, ninf, 10.0, 0.0], // word 1
            vec![3.0, 10.0, ninf, 0.0], // word 2
            vec![0.0, 1.0, 5.0, ninf],  // word 3
        ];
        // Best: root -> 2 (3), 2 -> 1 (10), 2 -> 3 (5) = 18; root -> 1 gives 1 + 10 + 5 = 16.
        assert_eq!(max_spanning_tree(&scores), vec![0, 2, 0, 2]);
    }

    #[test]
    fn single_root_child() {
        // Every word prefers the root; only the best root child may keep it.
        let scores = vec![vec![0.0; 4], vec![9.0, 0.0, 1.0, 0.0], vec![8.0, 2.0, 0.0, 0.0], vec![7.0, 0.0, 3.0, 0.0]];
        // root -> 1 (9), 1 -> 2 (2), 2 -> 3 (3) = 14.
        assert_eq!(max_spanning_tree(&scores), vec![0, 0, 1, 2]);
    }

    #[test]
    fn one_word_and_empty() {
        assert_eq!(max_spanning_tree(&[vec![0.0, 0.0], vec![-3.0, 5.0]]), vec![0, 0]);
        assert_eq!(max_spanning_tree(&[vec![0.0]]), vec![0]);
        assert!(max_spanning_tree(&[]).is_empty());
    }

    #[test]
    fn larger_sentences_are_trees() {
        let mut rng = Lcg(1);
        for n in [20, 50, 100] {
            let heads = max_spanning_tree(&random_scores(&mut rng, n));
            assert!(is_single_root_tree(&heads));
        }
    }
}
