//! Resuming a killed run: which documents the outputs already hold, after cutting off a torn tail.

use crate::sink::Held;
use anyhow::{Context, Result, bail};
use serde::Deserialize;
use std::collections::HashMap;
use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader};
use std::path::Path;

/// Ids already written to a file output, with how many times (the reader may repeat an id for a
/// `duplicate_id` error record); consumed in input order.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct DoneIds(HashMap<String, usize>);

impl DoneIds {
    pub fn insert(&mut self, id: String) {
        *self.0.entry(id).or_default() += 1;
    }

    /// True, and one occurrence fewer, when `id` is done.
    pub fn take(&mut self, id: &str) -> bool {
        match self.0.get_mut(id) {
            Some(n) if *n > 0 => {
                *n -= 1;
                true
            }
            _ => false,
        }
    }

    /// Number of documents (occurrences) recorded.
    pub fn len(&self) -> usize {
        self.0.values().sum()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Reads the complete lines of a JSON Lines file, truncating the file after the last one when the
/// tail is torn (no final newline, or an unparsable last line); returns each line's parsed value
/// and its end offset. An unparsable line before the last is an error: not a file we wrote.
fn complete_lines<T: for<'de> Deserialize<'de>>(path: &Path) -> Result<Vec<(T, u64)>> {
    let file = File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
    let mut r = BufReader::new(file);
    let mut out = Vec::new();
    let mut line = Vec::new();
    let mut good_end = 0u64;
    let mut pos = 0u64;
    let mut lineno = 0u64;
    let mut bad: Option<(u64, serde_json::Error)> = None;
    loop {
        line.clear();
        let n = r.read_until(b'\n', &mut line).with_context(|| format!("cannot read {}", path.display()))?;
        if n == 0 {
            break;
        }
        pos += n as u64;
        lineno += 1;
        let torn = line.last() != Some(&b'\n');
        if let Some((at, e)) = bad.take() {
            bail!("cannot resume from {}: line {at} is not a triplex output line: {e}", path.display());
        }
        if torn {
            break; // the kill came mid-line
        }
        if line.iter().all(u8::is_ascii_whitespace) {
            good_end = pos;
            continue;
        }
        match serde_json::from_slice::<T>(&line) {
            Ok(v) => {
                out.push((v, pos));
                good_end = pos;
            }
            Err(e) => bad = Some((lineno, e)),
        }
    }
    truncate(path, good_end)?;
    Ok(out)
}

fn truncate(path: &Path, len: u64) -> Result<()> {
    let f = OpenOptions::new().write(true).open(path).with_context(|| format!("cannot open {}", path.display()))?;
    if f.metadata()?.len() > len {
        f.set_len(len).with_context(|| format!("cannot truncate {}", path.display()))?;
        f.sync_all()?;
    }
    Ok(())
}

#[derive(Deserialize)]
struct IdOnly {
    id: String,
}

#[derive(Deserialize)]
struct ProgressEntry {
    id: String,
    end: u64,
}

/// The documents of a records JSONL output (`--emit records`); a torn last line is cut off.
/// A missing file holds none.
pub fn records_done(path: &Path) -> Result<DoneIds> {
    let mut done = DoneIds::default();
    if !path.exists() {
        return Ok(done);
    }
    for (rec, _) in complete_lines::<IdOnly>(path)? {
        done.insert(rec.id);
    }
    Ok(done)
}

/// The documents of a flat output (`--emit triples|entities`), from its progress file
/// ([`crate::sink::progress_path`]); the output is cut back to the end of the last finished document.
pub fn flat_done(path: &Path, progress: &Path) -> Result<DoneIds> {
    let mut done = DoneIds::default();
    let out_len = if path.exists() { std::fs::metadata(path)?.len() } else { 0 };
    if !progress.exists() {
        if out_len > 0 {
            bail!("cannot resume {}: its progress file {} is missing", path.display(), progress.display());
        }
        return Ok(done);
    }
    let entries = complete_lines::<ProgressEntry>(progress)?;
    let end = entries.last().map_or(0, |(e, _)| e.end);
    if end > out_len {
        bail!("cannot resume {}: it is shorter than its progress file {} says", path.display(), progress.display());
    }
    if path.exists() {
        truncate(path, end)?;
    }
    for (e, _) in entries {
        done.insert(e.id);
    }
    Ok(done)
}

/// What to do with one input document on a resumed run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Every output already holds it.
    Skip,
    /// Process it; bit `i` of `held` says sink `i` already holds it (write only to the others).
    Run { held: u64 },
}

/// Decides, document by document in input order, what a resumed run still has to do, from what
/// each sink holds ([`crate::sink::Sinks::resume`]; None: a sink that cannot tell, such as stdout,
/// which is written whenever a document runs).
#[derive(Debug, Default)]
pub struct Plan {
    pub held: Vec<Option<Held>>,
}

impl Plan {
    pub fn new(held: Vec<Option<Held>>) -> Self {
        Plan { held }
    }

    pub fn decide(&mut self, id: &str) -> Decision {
        let mut bits = 0u64;
        let mut all = true;
        let mut any_known = false;
        for (i, h) in self.held.iter_mut().enumerate() {
            match h.as_mut().map(|h| h.take(id)) {
                Some(true) => {
                    bits |= 1 << i;
                    any_known = true;
                }
                Some(false) => {
                    all = false;
                    any_known = true;
                }
                None => {}
            }
        }
        if any_known && all { Decision::Skip } else { Decision::Run { held: bits } }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

    #[test]
    fn torn_last_line_is_cut_off() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("o.jsonl");
        fs::write(&p, "{\"id\":\"a\",\"entities\":[]}\n{\"id\":\"b\"}\n{\"id\":\"c\",\"ent").unwrap();
        let done = records_done(&p).unwrap();
        assert_eq!(done.len(), 2);
        assert_eq!(fs::read_to_string(&p).unwrap(), "{\"id\":\"a\",\"entities\":[]}\n{\"id\":\"b\"}\n");
        // A complete JSON value without its newline is torn too.
        fs::write(&p, "{\"id\":\"a\"}\n{\"id\":\"b\"}").unwrap();
        assert_eq!(records_done(&p).unwrap().len(), 1);
        assert_eq!(fs::read_to_string(&p).unwrap(), "{\"id\":\"a\"}\n");
    }

    #[test]
    fn garbage_before_the_last_line_is_refused() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("o.jsonl");
        fs::write(&p, "{\"id\":\"a\"}\nnot json\n{\"id\":\"b\"}\n").unwrap();
        assert!(records_done(&p).is_err());
        // An unparsable complete last line is dropped like a torn one.
        fs::write(&p, "{\"id\":\"a\"}\n{\"id\":\n").unwrap();
        assert_eq!(records_done(&p).unwrap().len(), 1);
        assert_eq!(fs::read_to_string(&p).unwrap(), "{\"id\":\"a\"}\n");
    }

    #[test]
    fn flat_output_is_cut_back_to_its_progress() {
        let d = tempfile::tempdir().unwrap();
        let out = d.path().join("t.csv");
        let prog = d.path().join("t.csv.progress");
        fs::write(&out, "h\nrow a\nrow c1\nrow c").unwrap();
        fs::write(&prog, "{\"id\":\"a\",\"end\":8}\n{\"id\":\"b\",\"end\":8}\n{\"id\":\"c\",\"en").unwrap();
        let mut done = flat_done(&out, &prog).unwrap();
        assert_eq!(fs::read_to_string(&out).unwrap(), "h\nrow a\n");
        assert!(done.take("a") && done.take("b") && !done.take("c"));
        // No progress at all: start over, header included.
        fs::write(&prog, "").unwrap();
        assert!(flat_done(&out, &prog).unwrap().is_empty());
        assert_eq!(fs::metadata(&out).unwrap().len(), 0);
        fs::write(&out, "x\n").unwrap();
        fs::remove_file(&prog).unwrap();
        assert!(flat_done(&out, &prog).is_err());
    }

    #[test]
    fn plan_skips_only_what_every_output_holds() {
        let mut file = DoneIds::default();
        file.insert("a".into());
        file.insert("b".into());
        file.insert("b".into());
        let db = Held::Set(["a", "c"].into_iter().map(String::from).collect());
        let mut plan = Plan::new(vec![Some(Held::Counted(file)), Some(db)]);
        assert_eq!(plan.decide("a"), Decision::Skip);
        assert_eq!(plan.decide("b"), Decision::Run { held: 1 });
        assert_eq!(plan.decide("b"), Decision::Run { held: 1 });
        assert_eq!(plan.decide("b"), Decision::Run { held: 0 });
        assert_eq!(plan.decide("c"), Decision::Run { held: 2 });
        // stdout (None) beside a database: the database decides.
        let mut db_only = Plan::new(vec![None, Some(Held::Set(["a".to_string()].into()))]);
        assert_eq!(db_only.decide("a"), Decision::Skip);
        assert_eq!(db_only.decide("z"), Decision::Run { held: 0 });
        assert_eq!(Plan::new(vec![None]).decide("a"), Decision::Run { held: 0 });
    }
}
