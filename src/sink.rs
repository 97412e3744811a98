//! Output sinks: JSON Lines, one record per line, written whole so that no line is ever torn.

use crate::record::Record;
use anyhow::{Context, Result};
use std::io::Write;
use std::path::Path;

/// Writes records as JSON Lines to a file or stdout.
pub struct JsonlSink {
    out: Box<dyn Write + Send>,
    line: Vec<u8>,
}

impl JsonlSink {
    /// A file sink (`path`), or stdout when `path` is None.
    pub fn open(path: Option<&Path>) -> Result<Self> {
        let out: Box<dyn Write + Send> = match path {
            Some(p) => Box::new(std::io::BufWriter::new(std::fs::File::create(p).with_context(|| format!("cannot create {}", p.display()))?)),
            None => Box::new(std::io::BufWriter::new(std::io::stdout())),
        };
        Ok(JsonlSink { out, line: Vec::new() })
    }

    pub fn write(&mut self, rec: &Record) -> Result<()> {
        self.line.clear();
        serde_json::to_writer(&mut self.line, rec)?;
        self.line.push(b'\n');
        self.out.write_all(&self.line)?;
        Ok(())
    }

    /// Flushes what was written so far (called after each chunk of documents).
    pub fn flush(&mut self) -> Result<()> {
        self.out.flush()?;
        Ok(())
    }
}
