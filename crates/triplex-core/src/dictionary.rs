//! Actor dictionaries across documents (`--actors FILE`): CSV rows `pattern,canonical[,code]` that
//! map the names a document gives an actor ("FAMa", "Malian arm*") to one key and an optional code
//! (e.g. a CAMEO-style actor code), applied after in-document resolution.

use anyhow::{Context, Result, bail};
use std::path::Path;

/// One dictionary row.
#[derive(Debug, Clone, PartialEq)]
pub struct DictionaryEntry {
    /// Lower-case pattern; `*` matches any run of characters.
    pattern: String,
    pub canonical: String,
    pub code: Option<String>,
}

/// Alias patterns → canonical names and codes; the first matching row wins.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ActorDictionary {
    entries: Vec<DictionaryEntry>,
}

impl ActorDictionary {
    /// Reads a CSV file with a header line naming `pattern`, `canonical` and optionally `code`.
    pub fn from_path(path: &Path) -> Result<Self> {
        let file = std::fs::File::open(path).with_context(|| format!("cannot read actor dictionary {}", path.display()))?;
        Self::from_reader(file).with_context(|| format!("bad actor dictionary {}", path.display()))
    }

    /// Parses the CSV (see [`ActorDictionary::from_path`]); lines starting with `#` are comments.
    pub fn from_reader(reader: impl std::io::Read) -> Result<Self> {
        let mut csv = csv::ReaderBuilder::new().comment(Some(b'#')).trim(csv::Trim::All).flexible(true).from_reader(reader);
        let headers = csv.headers()?.clone();
        let col = |name: &str| headers.iter().position(|h| h.eq_ignore_ascii_case(name));
        let (Some(pattern), Some(canonical)) = (col("pattern"), col("canonical")) else { bail!("the header must name the columns pattern and canonical (and optionally code)") };
        let code = col("code");
        let mut entries = Vec::new();
        for (n, row) in csv.records().enumerate() {
            let row = row?;
            let get = |i: usize| row.get(i).map(str::trim).filter(|s| !s.is_empty());
            let (Some(p), Some(c)) = (get(pattern), get(canonical)) else { bail!("row {} lacks a pattern or canonical name", n + 2) };
            entries.push(DictionaryEntry { pattern: normalize(p), canonical: c.to_string(), code: code.and_then(get).map(str::to_string) });
        }
        Ok(ActorDictionary { entries })
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The first row whose pattern matches the whole name (case-insensitive, leading "the" ignored).
    pub fn lookup(&self, name: &str) -> Option<&DictionaryEntry> {
        let name = normalize(name);
        self.entries.iter().find(|e| glob(&e.pattern, &name))
    }
}

/// Lower case, single spaces, no leading article.
fn normalize(s: &str) -> String {
    let lower = s.to_lowercase().replace('’', "'");
    let words: Vec<&str> = lower.split_whitespace().collect();
    let words = if words.len() > 1 && words[0] == "the" { &words[1..] } else { &words[..] };
    words.join(" ")
}

/// Whether `pattern` (with `*` wildcards) matches all of `s`.
fn glob(pattern: &str, s: &str) -> bool {
    let parts: Vec<&str> = pattern.split('*').collect();
    if parts.len() == 1 {
        return pattern == s;
    }
    let (first, last) = (parts[0], parts[parts.len() - 1]);
    if !s.starts_with(first) || !s[first.len()..].ends_with(last) || s.len() < first.len() + last.len() {
        return false;
    }
    let mut rest = &s[first.len()..s.len() - last.len()];
    for part in &parts[1..parts.len() - 1] {
        match rest.find(part) {
            Some(k) => rest = &rest[k + part.len()..],
            None => return false,
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_match_whole_names_first_row_wins() {
        let d = ActorDictionary::from_reader(
            "pattern,canonical,code\n# Mali\nFAMa,Malian Armed Forces,MLIMIL\nmalian arm*,Malian Armed Forces,MLIMIL\n*wagner*,Wagner Group,RUSMIL\n*,Anyone,\n".as_bytes(),
        )
        .unwrap();
        assert_eq!(d.len(), 4);
        assert_eq!(d.lookup("the Malian army").unwrap().code.as_deref(), Some("MLIMIL"));
        assert_eq!(d.lookup("Malian armed forces").unwrap().canonical, "Malian Armed Forces");
        assert_eq!(d.lookup("fama").unwrap().canonical, "Malian Armed Forces");
        assert_eq!(d.lookup("the Russian paramilitary company Wagner").unwrap().canonical, "Wagner Group");
        assert_eq!(d.lookup("Malian").unwrap().canonical, "Anyone");
        assert_eq!(d.lookup("x").unwrap().code, None);
    }

    #[test]
    fn bad_header_or_row_is_refused() {
        assert!(ActorDictionary::from_reader("alias,name\nx,y\n".as_bytes()).is_err());
        assert!(ActorDictionary::from_reader("pattern,canonical\nx,\n".as_bytes()).is_err());
    }

    #[test]
    fn shipped_example_parses() {
        let d = ActorDictionary::from_path(&Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/actors.csv")).unwrap();
        assert!(d.len() >= 5);
        assert_eq!(d.lookup("FAMa").unwrap().canonical, "Malian Armed Forces");
    }
}
