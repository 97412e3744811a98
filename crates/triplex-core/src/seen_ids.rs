//! The ids a run has seen, for `duplicate_id`: a keyed 128-bit hash per id in one sorted array,
//! so memory is about 16 bytes per document whatever the id length (at most [`MAX_BYTES_PER_ID`]).

use std::collections::HashSet;
use std::hash::{BuildHasher, RandomState};

/// Bound on [`SeenIds::heap_bytes`] per id held, past `16 * MIN_RECENT` ids: the sorted
/// array's 16 bytes and its growth slack (1/8), the recent set (at most 1/16 of the array, in a
/// hash table at least 7/16 full: about 2.4 bytes per id) and the merge buffer (1 byte per id).
pub const MAX_BYTES_PER_ID: usize = 24;

/// Ids buffered in the recent set before the first merge.
pub const MIN_RECENT: usize = 1 << 10;

/// A set of ids, each kept as two keyed 64-bit SipHash values (a 128-bit hash: two different
/// ids are taken for one with a probability of about n²/2¹²⁹ over n ids, and the per-run random
/// keys keep crafted ids from colliding on purpose).
pub struct SeenIds {
    keys: (RandomState, RandomState),
    /// Hashes of all but the most recent ids, sorted, without repeats.
    sorted: Vec<u128>,
    /// Hashes not yet merged into `sorted`; at most `max(MIN_RECENT, sorted.len() / 16)`.
    recent: HashSet<u128>,
}

impl Default for SeenIds {
    fn default() -> Self {
        SeenIds { keys: (RandomState::new(), RandomState::new()), sorted: Vec::new(), recent: HashSet::new() }
    }
}

impl SeenIds {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds `id`; false when it was already there.
    pub fn insert(&mut self, id: &str) -> bool {
        let h = (u128::from(self.keys.0.hash_one(id)) << 64) | u128::from(self.keys.1.hash_one(id));
        if self.sorted.binary_search(&h).is_ok() || !self.recent.insert(h) {
            return false;
        }
        if self.recent.len() >= MIN_RECENT.max(self.sorted.len() / 16) {
            self.merge();
        }
        true
    }

    /// Ids held.
    pub fn len(&self) -> usize {
        self.sorted.len() + self.recent.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Heap bytes allocated: the sorted array's capacity and the recent set's table.
    pub fn heap_bytes(&self) -> usize {
        // std's hash table: one 16-byte slot and one control byte per bucket; buckets are the
        // next power of two above capacity * 8 / 7.
        let buckets = if self.recent.capacity() == 0 { 0 } else { (self.recent.capacity() * 8 / 7).next_power_of_two() };
        self.sorted.capacity() * 16 + buckets * 17
    }

    /// Moves the recent hashes into the sorted array, merging from the back in place (no second
    /// copy of the array); the array grows by an eighth at a time.
    fn merge(&mut self) {
        let mut add: Vec<u128> = self.recent.drain().collect();
        add.sort_unstable();
        let old = self.sorted.len();
        let need = old + add.len();
        if self.sorted.capacity() < need {
            self.sorted.reserve_exact((need - old).max(old / 8));
        }
        self.sorted.resize(need, 0);
        let (mut i, mut j, mut at) = (old, add.len(), need);
        while j > 0 {
            at -= 1;
            if i > 0 && self.sorted[i - 1] > add[j - 1] {
                self.sorted[at] = self.sorted[i - 1];
                i -= 1;
            } else {
                self.sorted[at] = add[j - 1];
                j -= 1;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_repeats_across_merges() {
        let mut s = SeenIds::new();
        let n = 40 * MIN_RECENT + 17;
        for i in 0..n {
            assert!(s.insert(&format!("doc-{i}")), "{i}");
        }
        assert_eq!(s.len(), n);
        assert!(s.sorted.windows(2).all(|w| w[0] < w[1]), "sorted without repeats");
        for i in (0..n).step_by(997) {
            assert!(!s.insert(&format!("doc-{i}")), "{i} seen before");
        }
        assert!(s.insert("a new one"));
        assert_eq!(s.len(), n + 1);
    }

    #[test]
    fn memory_per_id_does_not_depend_on_id_length() {
        // 1M ids of 1,000 characters each: bounded by MAX_BYTES_PER_ID, as for short ones.
        for len in [8usize, 1000] {
            let mut s = SeenIds::new();
            let pad = "x".repeat(len);
            let n = 1_000_000;
            let mut worst = 0.0f64;
            for i in 0..n {
                let id = format!("{i:08}{pad}");
                s.insert(&id[..len.max(8)]);
                if i >= MIN_RECENT * 16 && i % 4099 == 0 {
                    worst = worst.max(s.heap_bytes() as f64 / s.len() as f64);
                }
            }
            assert_eq!(s.len(), n);
            assert!(worst <= MAX_BYTES_PER_ID as f64, "id length {len}: {worst:.1} bytes per id");
        }
    }
}
