//! Finding the model directory: an explicit choice, else the first usual place that holds a model.
//! The caller (the CLI, a Python binding) gives the candidates; nothing here reads the environment.

use std::fmt;
use std::path::{Path, PathBuf};

/// The files a model directory must hold.
pub const MODEL_FILES: [&str; 3] = ["config.json", "tokenizer.json", "model.safetensors"];

/// One place a model may be, and where that place came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModelCandidate {
    /// Where the path came from, as the user would name it: `--model`, `TRIPLEX_MODEL`, `beside the binary`, ...
    pub origin: String,
    /// The directory; `None` when that source gave nothing (a flag not passed, a variable not set).
    pub path: Option<PathBuf>,
    /// A choice the user made: when it is not a model directory the search stops with an error
    /// instead of falling through to the next candidate.
    pub explicit: bool,
}

impl ModelCandidate {
    /// A choice the user made (a flag, an environment variable): used if given, an error if wrong.
    pub fn explicit(origin: impl Into<String>, path: Option<PathBuf>) -> Self {
        ModelCandidate { origin: origin.into(), path, explicit: true }
    }

    /// A usual place, tried when nothing explicit was given.
    pub fn fallback(origin: impl Into<String>, path: impl Into<PathBuf>) -> Self {
        ModelCandidate { origin: origin.into(), path: Some(path.into()), explicit: false }
    }
}

/// The model directories installed beside an executable at `exe`: `<exe dir>/../share/triplex/models/default`
/// (a Unix prefix install: `bin/` and `share/`) and `<exe dir>/models/default` (an unpacked archive).
pub fn beside_executable(exe: &Path) -> Vec<PathBuf> {
    let Some(dir) = exe.parent() else { return Vec::new() };
    vec![dir.join("../share/triplex/models/default"), dir.join("models/default")]
}

/// Whether `dir` holds the files of a model directory.
pub fn is_model_dir(dir: &Path) -> bool {
    MODEL_FILES.iter().all(|f| dir.join(f).is_file())
}

/// The name and version a model records in its `config.json` (`triplex_model_name`), if any.
pub fn model_name_in(dir: &Path) -> Option<String> {
    let text = std::fs::read_to_string(dir.join("config.json")).ok()?;
    let json: serde_json::Value = serde_json::from_str(&text).ok()?;
    json.get("triplex_model_name")?.as_str().map(str::to_string)
}

/// The model directory to use: the first explicit candidate that was given (which must be a model
/// directory), else the first fallback that is one. The error lists every place looked at.
pub fn locate_model(candidates: &[ModelCandidate]) -> Result<PathBuf, ModelNotFound> {
    let mut looked = Vec::with_capacity(candidates.len());
    for c in candidates {
        let Some(path) = &c.path else {
            looked.push((c.clone(), "not given"));
            continue;
        };
        if is_model_dir(path) {
            return Ok(path.clone());
        }
        let why = if !path.is_dir() { "no such directory" } else { "not a model directory (needs config.json, tokenizer.json, model.safetensors)" };
        looked.push((c.clone(), why));
        if c.explicit {
            return Err(ModelNotFound { looked, stopped_at_explicit: true });
        }
    }
    Err(ModelNotFound { looked, stopped_at_explicit: false })
}

/// No model directory was found: every candidate looked at, with why it was not used.
#[derive(Debug, Clone)]
pub struct ModelNotFound {
    pub looked: Vec<(ModelCandidate, &'static str)>,
    /// The search ended at an explicit choice that was not a model directory.
    pub stopped_at_explicit: bool,
}

impl fmt::Display for ModelNotFound {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let (true, Some((c, why))) = (self.stopped_at_explicit, self.looked.last()) {
            let path = c.path.as_deref().unwrap_or(Path::new("")).display();
            return write!(f, "model directory {path} (from {}): {why}", c.origin);
        }
        write!(f, "no model directory found; looked at, in order:")?;
        for (c, why) in &self.looked {
            match &c.path {
                Some(p) => write!(f, "\n  {}: {} ({why})", c.origin, p.display())?,
                None => write!(f, "\n  {}: {why}", c.origin)?,
            }
        }
        write!(f, "\ngive one with --model DIR or TRIPLEX_MODEL=DIR, or copy models/default to one of the places above")
    }
}

impl std::error::Error for ModelNotFound {}

#[cfg(test)]
mod tests {
    use super::*;

    fn make_model(dir: &Path) {
        std::fs::create_dir_all(dir).unwrap();
        for f in MODEL_FILES {
            std::fs::write(dir.join(f), "{}").unwrap();
        }
    }

    #[test]
    fn first_fallback_holding_a_model_wins_and_explicit_choices_come_first() {
        let d = tempfile::tempdir().unwrap();
        let (a, b, c) = (d.path().join("a"), d.path().join("b"), d.path().join("c"));
        make_model(&b);
        make_model(&c);
        std::fs::create_dir_all(&a).unwrap();
        let fallbacks = vec![ModelCandidate::fallback("one", &a), ModelCandidate::fallback("two", &b), ModelCandidate::fallback("three", &c)];
        let mut all = vec![ModelCandidate::explicit("--model", None), ModelCandidate::explicit("TRIPLEX_MODEL", None)];
        all.extend(fallbacks.clone());
        assert_eq!(locate_model(&all).unwrap(), b);
        all[1].path = Some(c.clone());
        assert_eq!(locate_model(&all).unwrap(), c);
    }

    #[test]
    fn a_wrong_explicit_choice_is_an_error_not_a_fall_through() {
        let d = tempfile::tempdir().unwrap();
        let good = d.path().join("good");
        make_model(&good);
        let wrong = d.path().join("nowhere");
        let all = [ModelCandidate::explicit("TRIPLEX_MODEL", Some(wrong.clone())), ModelCandidate::fallback("beside the binary", &good)];
        let e = locate_model(&all).unwrap_err();
        assert!(e.stopped_at_explicit);
        let msg = e.to_string();
        assert!(msg.contains("TRIPLEX_MODEL") && msg.contains(&wrong.display().to_string()) && msg.contains("no such directory"), "{msg}");
    }

    #[test]
    fn not_found_lists_every_place_in_order() {
        let d = tempfile::tempdir().unwrap();
        let half = d.path().join("half");
        std::fs::create_dir_all(&half).unwrap();
        std::fs::write(half.join("config.json"), "{}").unwrap();
        let exe = d.path().join("bin/triplex");
        let mut all = vec![ModelCandidate::explicit("--model", None)];
        all.extend(beside_executable(&exe).into_iter().map(|p| ModelCandidate::fallback("beside the binary", p)));
        all.push(ModelCandidate::fallback("data dir", &half));
        let e = locate_model(&all).unwrap_err();
        let msg = e.to_string();
        let lines: Vec<&str> = msg.lines().collect();
        assert_eq!(lines.len(), 6, "{msg}");
        assert_eq!(lines[1], "  --model: not given");
        assert!(lines[2].ends_with("bin/../share/triplex/models/default (no such directory)"), "{msg}");
        assert!(lines[3].ends_with("bin/models/default (no such directory)"), "{msg}");
        assert!(lines[4].contains("half (not a model directory"), "{msg}");
    }

    #[test]
    fn model_name_comes_from_config_json() {
        let d = tempfile::tempdir().unwrap();
        std::fs::write(d.path().join("config.json"), r#"{"triplex_model_name": "m-v1"}"#).unwrap();
        assert_eq!(model_name_in(d.path()).as_deref(), Some("m-v1"));
        assert_eq!(model_name_in(&d.path().join("none")), None);
    }
}
