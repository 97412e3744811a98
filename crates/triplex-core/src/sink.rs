//! Output sinks behind one [`Sink`] trait: JSON Lines records, flat triple/entity rows (JSONL or
//! CSV), CoNLL-U, and a SQLite feed database. A new output is a new `Sink` impl.
//!
//! File outputs are written a chunk at a time with one `write_all` of whole lines, so a killed run
//! leaves at most one torn last line, which `--resume` cuts off (see [`crate::resume`]).

use crate::reader::kind::DUPLICATE_ID;
use crate::record::{Entity, Record, Span, Status, Triple};
use crate::resume::{DoneIds, flat_done, records_done};
use anyhow::{Context, Result, bail};
use rusqlite::{Connection, params, params_from_iter};
use serde::Serialize;
use serde_json::{Map, Value};
use std::collections::HashSet;
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

/// What a file output holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Emit {
    /// One record per document (the extraction contract).
    #[default]
    Records,
    /// One flat row per triple, with its document id.
    Triples,
    /// One flat row per entity, with its document id.
    Entities,
    /// CoNLL-U: every sentence's words with the predicted UPOS, head, relation and entity tag
    /// (needs a model with syntax heads).
    Conllu,
}

/// How flat rows are encoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Format {
    #[default]
    Jsonl,
    Csv,
}

/// CSV is for flat rows only.
pub fn check_format(emit: Emit, format: Format) -> Result<()> {
    if matches!(emit, Emit::Records | Emit::Conllu) && format == Format::Csv {
        bail!("--format csv needs --emit triples or --emit entities");
    }
    Ok(())
}

/// Where records go. The contract every output keeps, so that all behave alike under a kill:
/// `write` buffers, `commit` makes everything written so far durable (the pipeline calls it at
/// each chunk's end, in the order the sinks were given), and `resume` says what a sink already
/// holds complete after cutting off anything torn, so that a resumed run writes each document
/// once. Writing a document again must replace it (SQLite) or be avoided through `resume` (files).
pub trait Sink: Send {
    /// Buffers one record.
    fn write(&mut self, rec: &Record) -> Result<()>;
    /// Makes every record written so far durable.
    fn commit(&mut self) -> Result<()>;
    /// For `--resume`: the documents already held, or None when this sink cannot tell (stdout).
    fn resume(&mut self) -> Result<Option<Held>>;
}

/// The documents a sink already holds (see [`Sink::resume`]).
#[derive(Debug, Clone, PartialEq)]
pub enum Held {
    /// Each id as many times as it was written (a file: the reader may repeat an id for a
    /// `duplicate_id` error record); consumed in input order.
    Counted(DoneIds),
    /// Each id once (a database keeps the first document of an id).
    Set(HashSet<String>),
}

impl Held {
    /// Whether the sink holds this occurrence of `id` (consuming it when counted).
    pub fn take(&mut self, id: &str) -> bool {
        match self {
            Held::Counted(d) => d.take(id),
            Held::Set(s) => s.contains(id),
        }
    }
}

/// Columns of an entity row: flat output and the SQLite `entities` table alike.
pub const ENTITY_COLUMNS: &[&str] = &["doc_id", "position", "text", "label", "start_char", "end_char", "score"];

/// Columns of a triple row: flat output and the SQLite `triples` table alike.
pub const TRIPLE_COLUMNS: &[&str] = &[
    "doc_id",
    "position",
    "actor_text",
    "actor_start",
    "actor_end",
    "action_text",
    "action_start",
    "action_end",
    "action_lemma",
    "action_nominal",
    "place_text",
    "place_start",
    "place_end",
    "place_relation",
    "place_qualifier",
    "negated",
    "object_text",
    "object_start",
    "object_end",
    "time_text",
    "time_start",
    "time_end",
    "attributed_to_text",
    "attributed_to_start",
    "attributed_to_end",
    "score",
    "sentence_start",
    "sentence_end",
];

/// One entity as a flat row (fields in `ENTITY_COLUMNS` order).
#[derive(Debug, Serialize)]
pub struct EntityRow<'a> {
    pub doc_id: &'a str,
    pub position: usize,
    pub text: &'a str,
    pub label: &'a str,
    pub start_char: usize,
    pub end_char: usize,
    pub score: Option<f64>,
}

impl<'a> EntityRow<'a> {
    pub fn new(doc_id: &'a str, position: usize, e: &'a Entity) -> Self {
        EntityRow { doc_id, position, text: &e.text, label: &e.label, start_char: e.start, end_char: e.end, score: e.score.map(widen) }
    }
}

/// One triple as a flat row (fields in `TRIPLE_COLUMNS` order); absent optional spans are nulls.
#[derive(Debug, Serialize)]
pub struct TripleRow<'a> {
    pub doc_id: &'a str,
    pub position: usize,
    pub actor_text: Option<&'a str>,
    pub actor_start: Option<usize>,
    pub actor_end: Option<usize>,
    pub action_text: &'a str,
    pub action_start: usize,
    pub action_end: usize,
    pub action_lemma: Option<&'a str>,
    pub action_nominal: bool,
    pub place_text: &'a str,
    pub place_start: usize,
    pub place_end: usize,
    pub place_relation: &'static str,
    pub place_qualifier: Option<&'a str>,
    pub negated: bool,
    pub object_text: Option<&'a str>,
    pub object_start: Option<usize>,
    pub object_end: Option<usize>,
    pub time_text: Option<&'a str>,
    pub time_start: Option<usize>,
    pub time_end: Option<usize>,
    pub attributed_to_text: Option<&'a str>,
    pub attributed_to_start: Option<usize>,
    pub attributed_to_end: Option<usize>,
    pub score: Option<f64>,
    pub sentence_start: Option<usize>,
    pub sentence_end: Option<usize>,
}

impl<'a> TripleRow<'a> {
    pub fn new(doc_id: &'a str, position: usize, t: &'a Triple) -> Self {
        let opt = |s: &'a Option<Span>| (s.as_ref().map(|s| s.text.as_str()), s.as_ref().map(|s| s.start), s.as_ref().map(|s| s.end));
        let (object_text, object_start, object_end) = opt(&t.object);
        let (time_text, time_start, time_end) = opt(&t.time);
        let (attributed_to_text, attributed_to_start, attributed_to_end) = opt(&t.attributed_to);
        TripleRow {
            doc_id,
            position,
            actor_text: t.actor.as_ref().map(|a| a.text.as_str()),
            actor_start: t.actor.as_ref().map(|a| a.start),
            actor_end: t.actor.as_ref().map(|a| a.end),
            action_text: &t.action.text,
            action_start: t.action.start,
            action_end: t.action.end,
            action_lemma: t.action.lemma.as_deref(),
            action_nominal: t.action.nominal,
            place_text: &t.place.text,
            place_start: t.place.start,
            place_end: t.place.end,
            place_relation: t.place_relation.as_str(),
            place_qualifier: t.place_qualifier.as_deref(),
            negated: t.negated,
            object_text,
            object_start,
            object_end,
            time_text,
            time_start,
            time_end,
            attributed_to_text,
            attributed_to_start,
            attributed_to_end,
            score: t.score.map(widen),
            sentence_start: t.sentence.map(|s| s.start),
            sentence_end: t.sentence.map(|s| s.end),
        }
    }
}

/// An f32 score as the f64 with the same shortest decimal form (0.9871, not 0.98710000514984).
fn widen(x: f32) -> f64 {
    x.to_string().parse().unwrap_or(x as f64)
}

/// The progress file kept next to a flat file output: one `{"id","end"}` line per finished document,
/// `end` being the output's length once that document's rows were written.
pub fn progress_path(out: &Path) -> PathBuf {
    let mut name = out.as_os_str().to_owned();
    name.push(".progress");
    PathBuf::from(name)
}

#[derive(Serialize)]
struct ProgressLine<'a> {
    id: &'a str,
    end: u64,
}

/// Writes records, or flat rows, to a file or stdout, a chunk at a time.
pub struct FileSink {
    out: Box<dyn Write + Send>,
    emit: Emit,
    format: Format,
    /// Whole lines not yet written.
    buf: Vec<u8>,
    /// Bytes of the output file already written (including what existed before an append).
    written: u64,
    /// Progress file of a flat file output, and its lines not yet written.
    progress: Option<(File, Vec<u8>)>,
    /// The file (None: stdout), and what it held before this run when opened to append.
    path: Option<PathBuf>,
    held: Option<DoneIds>,
}

/// Chunk buffers larger than this are written early, at a document boundary.
const MAX_BUFFER: usize = 8 << 20;

impl FileSink {
    /// A records JSONL sink on a new file (`path`), or stdout when `path` is None.
    pub fn open(path: Option<&Path>) -> Result<Self> {
        Self::create(path, Emit::Records, Format::Jsonl, false)
    }

    /// A sink on `path` (stdout when None); `append` keeps the existing file (for `--resume`:
    /// first its torn tail is cut off and what it holds is read, see [`Sink::resume`]),
    /// otherwise it is replaced.
    pub fn create(path: Option<&Path>, emit: Emit, format: Format, append: bool) -> Result<Self> {
        check_format(emit, format)?;
        let flat = emit != Emit::Records;
        let held = match path {
            Some(p) if append => Some(if emit == Emit::Records { records_done(p)? } else { flat_done(p, &progress_path(p))? }),
            _ => None,
        };
        let (out, written, progress): (Box<dyn Write + Send>, u64, _) = match path {
            None => (Box::new(std::io::stdout()), 0, None),
            Some(p) => {
                let file = open_file(p, append)?;
                let written = file.metadata().with_context(|| format!("cannot stat {}", p.display()))?.len();
                let progress = if flat { Some((open_file(&progress_path(p), append)?, Vec::new())) } else { None };
                (Box::new(file), written, progress)
            }
        };
        let mut sink = FileSink { out, emit, format, buf: Vec::new(), written, progress, path: path.map(Path::to_path_buf), held };
        if format == Format::Csv && written == 0 {
            let mut w = csv::WriterBuilder::new().from_writer(&mut sink.buf);
            w.write_record(if emit == Emit::Triples { TRIPLE_COLUMNS } else { ENTITY_COLUMNS })?;
            w.flush()?;
        }
        Ok(sink)
    }

    fn write_record(&mut self, rec: &Record) -> Result<()> {
        match (self.emit, self.format) {
            (Emit::Records, _) => {
                serde_json::to_writer(&mut self.buf, rec)?;
                self.buf.push(b'\n');
            }
            (Emit::Triples, f) => {
                let rows = rec.triples.iter().enumerate().map(|(i, t)| TripleRow::new(&rec.id, i, t));
                write_rows(&mut self.buf, f, rows)?;
            }
            (Emit::Entities, f) => {
                let rows = rec.entities.iter().enumerate().map(|(i, e)| EntityRow::new(&rec.id, i, e));
                write_rows(&mut self.buf, f, rows)?;
            }
            // A document with no sentences, or an error, leaves no lines (as in flat rows): CoNLL-U has
            // no sentence without words, and spaCy's converter fails on a block of comments alone.
            (Emit::Conllu, _) => {
                if let Some(block) = &rec.conllu {
                    self.buf.extend_from_slice(block.as_bytes());
                }
            }
        }
        if let Some((_, lines)) = &mut self.progress {
            let end = self.written + self.buf.len() as u64;
            serde_json::to_writer(&mut *lines, &ProgressLine { id: &rec.id, end })?;
            lines.push(b'\n');
        }
        if self.buf.len() > MAX_BUFFER {
            self.flush_lines()?;
        }
        Ok(())
    }

    /// Writes the buffered lines, then (for flat outputs) their progress lines.
    fn flush_lines(&mut self) -> Result<()> {
        if !self.buf.is_empty() {
            self.out.write_all(&self.buf)?;
            self.written += self.buf.len() as u64;
            self.buf.clear();
        }
        self.out.flush()?;
        if let Some((file, lines)) = &mut self.progress
            && !lines.is_empty()
        {
            file.write_all(lines)?;
            lines.clear();
        }
        Ok(())
    }
}

impl Sink for FileSink {
    fn write(&mut self, rec: &Record) -> Result<()> {
        self.write_record(rec)
    }

    fn commit(&mut self) -> Result<()> {
        let what = self.path.as_ref().map_or_else(|| "stdout".to_string(), |p| p.display().to_string());
        self.flush_lines().with_context(|| format!("cannot write {what}"))
    }

    fn resume(&mut self) -> Result<Option<Held>> {
        Ok(self.held.take().map(Held::Counted))
    }
}

fn open_file(p: &Path, append: bool) -> Result<File> {
    let mut o = OpenOptions::new();
    if append {
        o.append(true).create(true);
    } else {
        o.write(true).create(true).truncate(true);
    }
    o.open(p).with_context(|| format!("cannot create {}", p.display()))
}

fn write_rows<R: Serialize>(buf: &mut Vec<u8>, format: Format, rows: impl Iterator<Item = R>) -> Result<()> {
    match format {
        Format::Jsonl => {
            for r in rows {
                serde_json::to_writer(&mut *buf, &r)?;
                buf.push(b'\n');
            }
        }
        Format::Csv => {
            let mut w = csv::WriterBuilder::new().has_headers(false).from_writer(&mut *buf);
            for r in rows {
                w.serialize(r)?;
            }
            w.flush()?;
        }
    }
    Ok(())
}

/// Schema of the feed database; `PRAGMA user_version` records its version.
/// 2: nullable actors and `action_nominal` (spec v2).
const SCHEMA_VERSION: i64 = 2;
const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS documents (
    id              TEXT PRIMARY KEY,
    status          TEXT NOT NULL CHECK (status IN ('ok', 'error')),
    error_kind      TEXT,
    error_message   TEXT,
    title           TEXT,
    date            TEXT,
    url             TEXT,
    meta            TEXT NOT NULL,
    chars           INTEGER,
    entity_count    INTEGER NOT NULL,
    triple_count    INTEGER NOT NULL,
    model_name      TEXT NOT NULL,
    triplex_version TEXT NOT NULL,
    processed_at    TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS entities (
    doc_id     TEXT NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
    position   INTEGER NOT NULL,
    text       TEXT NOT NULL,
    label      TEXT NOT NULL,
    start_char INTEGER NOT NULL,
    end_char   INTEGER NOT NULL,
    score      REAL
);
CREATE TABLE IF NOT EXISTS triples (
    doc_id              TEXT NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
    position            INTEGER NOT NULL,
    actor_text          TEXT,
    actor_start         INTEGER,
    actor_end           INTEGER,
    action_text         TEXT NOT NULL,
    action_start        INTEGER NOT NULL,
    action_end          INTEGER NOT NULL,
    action_lemma        TEXT,
    action_nominal      INTEGER NOT NULL DEFAULT 0,
    place_text          TEXT NOT NULL,
    place_start         INTEGER NOT NULL,
    place_end           INTEGER NOT NULL,
    place_relation      TEXT NOT NULL CHECK (place_relation IN ('at', 'to', 'from', 'near')),
    place_qualifier     TEXT,
    negated             INTEGER NOT NULL,
    object_text         TEXT,
    object_start        INTEGER,
    object_end          INTEGER,
    time_text           TEXT,
    time_start          INTEGER,
    time_end            INTEGER,
    attributed_to_text  TEXT,
    attributed_to_start INTEGER,
    attributed_to_end   INTEGER,
    score               REAL,
    sentence_start      INTEGER,
    sentence_end        INTEGER
);
CREATE UNIQUE INDEX IF NOT EXISTS entities_doc ON entities(doc_id, position);
CREATE INDEX IF NOT EXISTS entities_label ON entities(label, text);
CREATE UNIQUE INDEX IF NOT EXISTS triples_doc ON triples(doc_id, position);
CREATE INDEX IF NOT EXISTS triples_actor ON triples(actor_text);
CREATE INDEX IF NOT EXISTS triples_place ON triples(place_text);
CREATE INDEX IF NOT EXISTS documents_status ON documents(status, error_kind);
";

/// Writes records into a SQLite feed database (WAL mode), one transaction per chunk.
/// A document written again replaces its earlier rows.
pub struct SqliteSink {
    conn: Connection,
    model_name: String,
    in_transaction: bool,
    entity_sql: String,
    triple_sql: String,
}

impl SqliteSink {
    /// Opens or creates the database at `path` and its tables; `model_name` goes into each document row.
    pub fn open(path: &Path, model_name: &str) -> Result<Self> {
        let conn = Connection::open(path).with_context(|| format!("cannot open SQLite database {}", path.display()))?;
        let init = || -> Result<()> {
            conn.busy_timeout(std::time::Duration::from_secs(30))?;
            let mode: String = conn.pragma_update_and_check(None, "journal_mode", "WAL", |r| r.get(0))?;
            if !mode.eq_ignore_ascii_case("wal") {
                bail!("cannot switch to WAL mode (journal_mode is {mode})");
            }
            conn.pragma_update(None, "synchronous", "NORMAL")?;
            conn.pragma_update(None, "foreign_keys", "ON")?;
            let version: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
            if version > SCHEMA_VERSION {
                bail!("schema version {version} is newer than this triplex's ({SCHEMA_VERSION})");
            }
            if version != 0 && version < SCHEMA_VERSION {
                bail!("schema version {version} was written by an older triplex (this one writes {SCHEMA_VERSION}: nullable actors); write to a new database");
            }
            conn.execute_batch(SCHEMA)?;
            conn.pragma_update(None, "user_version", SCHEMA_VERSION)?;
            Ok(())
        };
        init().with_context(|| format!("cannot set up SQLite database {}", path.display()))?;
        Ok(SqliteSink {
            conn,
            model_name: model_name.to_string(),
            in_transaction: false,
            entity_sql: insert_sql("entities", ENTITY_COLUMNS),
            triple_sql: insert_sql("triples", TRIPLE_COLUMNS),
        })
    }

    /// Ids of the documents already in the database (done, for `--resume`).
    pub fn done_ids(&self) -> Result<HashSet<String>> {
        let mut stmt = self.conn.prepare("SELECT id FROM documents")?;
        let ids = stmt.query_map([], |r| r.get(0))?.collect::<rusqlite::Result<HashSet<String>>>()?;
        Ok(ids)
    }
}

impl Sink for SqliteSink {
    fn resume(&mut self) -> Result<Option<Held>> {
        Ok(Some(Held::Set(self.done_ids()?)))
    }

    fn write(&mut self, rec: &Record) -> Result<()> {
        if !self.in_transaction {
            self.conn.execute_batch("BEGIN IMMEDIATE")?;
            self.in_transaction = true;
        }
        let c = &self.conn;
        let error = rec.error.as_ref();
        // A later duplicate of an id keeps the first document's rows (the reader reports it as an error).
        let duplicate = rec.status == Status::Error && error.is_some_and(|e| e.kind == DUPLICATE_ID);
        if duplicate {
            let exists: bool = c.prepare_cached("SELECT EXISTS(SELECT 1 FROM documents WHERE id = ?1)")?.query_row([&rec.id], |r| r.get(0))?;
            if exists {
                return Ok(());
            }
        }
        c.prepare_cached("DELETE FROM entities WHERE doc_id = ?1")?.execute([&rec.id])?;
        c.prepare_cached("DELETE FROM triples WHERE doc_id = ?1")?.execute([&rec.id])?;
        c.prepare_cached(
            "INSERT OR REPLACE INTO documents (id, status, error_kind, error_message, title, date, url, meta, chars,
                entity_count, triple_count, model_name, triplex_version, processed_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))",
        )?
        .execute(params![
            rec.id,
            if rec.status == Status::Ok { "ok" } else { "error" },
            error.map(|e| &e.kind),
            error.map(|e| &e.message),
            meta_text(&rec.meta, "title"),
            meta_text(&rec.meta, "date"),
            meta_text(&rec.meta, "url"),
            serde_json::to_string(&rec.meta)?,
            rec.chars.map(|c| c as i64),
            rec.entities.len() as i64,
            rec.triples.len() as i64,
            self.model_name,
            env!("CARGO_PKG_VERSION"),
        ])?;
        let mut stmt = c.prepare_cached(&self.entity_sql)?;
        for (i, e) in rec.entities.iter().enumerate() {
            stmt.execute(params_from_iter(row_values(&EntityRow::new(&rec.id, i, e), ENTITY_COLUMNS)?))?;
        }
        let mut stmt = c.prepare_cached(&self.triple_sql)?;
        for (i, t) in rec.triples.iter().enumerate() {
            stmt.execute(params_from_iter(row_values(&TripleRow::new(&rec.id, i, t), TRIPLE_COLUMNS)?))?;
        }
        Ok(())
    }

    /// Commits the documents written since the last commit.
    fn commit(&mut self) -> Result<()> {
        if self.in_transaction {
            self.conn.execute_batch("COMMIT")?;
            self.in_transaction = false;
        }
        Ok(())
    }
}

fn insert_sql(table: &str, columns: &[&str]) -> String {
    let marks: Vec<String> = (1..=columns.len()).map(|i| format!("?{i}")).collect();
    format!("INSERT INTO {table} ({}) VALUES ({})", columns.join(", "), marks.join(", "))
}

/// A flat row's values in column order, as SQLite values (booleans as 0/1).
fn row_values(row: &impl Serialize, columns: &[&str]) -> Result<Vec<rusqlite::types::Value>> {
    use rusqlite::types::Value as Sql;
    let Value::Object(map) = serde_json::to_value(row)? else { bail!("a row must serialize to an object") };
    columns
        .iter()
        .map(|c| {
            Ok(match map.get(*c) {
                None | Some(Value::Null) => Sql::Null,
                Some(Value::Bool(b)) => Sql::Integer(i64::from(*b)),
                Some(Value::Number(n)) => match n.as_i64() {
                    Some(i) => Sql::Integer(i),
                    None => Sql::Real(n.as_f64().unwrap_or(f64::NAN)),
                },
                Some(Value::String(s)) => Sql::Text(s.clone()),
                Some(v) => Sql::Text(v.to_string()),
            })
        })
        .collect()
}

/// A carried metadata field as text: strings as they are, other values as JSON.
fn meta_text(meta: &Map<String, Value>, key: &str) -> Option<String> {
    match meta.get(key)? {
        Value::Null => None,
        Value::String(s) => Some(s.clone()),
        v => Some(v.to_string()),
    }
}

/// Every output of a run, in commit order (files before databases).
#[derive(Default)]
pub struct Sinks(Vec<Box<dyn Sink>>);

impl Sinks {
    pub fn new(sinks: Vec<Box<dyn Sink>>) -> Self {
        Sinks(sinks)
    }

    /// For `--resume`: what each sink already holds (None where it cannot tell).
    pub fn resume(&mut self) -> Result<Vec<Option<Held>>> {
        self.0.iter_mut().map(|s| s.resume()).collect()
    }

    /// Writes `rec` to each sink whose bit in `held` is clear (see [`crate::resume::Plan`]).
    pub fn write(&mut self, rec: &Record, held: u64) -> Result<()> {
        for (i, s) in self.0.iter_mut().enumerate() {
            if held & (1 << i) == 0 {
                s.write(rec)?;
            }
        }
        Ok(())
    }

    /// Makes everything written so far durable against a kill, sink by sink in order.
    pub fn commit(&mut self) -> Result<()> {
        self.0.iter_mut().try_for_each(|s| s.commit())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::{PlaceRelation, SentenceRange};

    fn span(text: &str, start: usize) -> Span {
        Span { text: text.to_string(), start, end: start + text.chars().count(), lemma: None, nominal: false }
    }

    fn record() -> Record {
        let mut meta = Map::new();
        meta.insert("title".into(), "T".into());
        meta.insert("date".into(), 20231007.into());
        Record {
            id: "d1".into(),
            status: Status::Ok,
            meta,
            text: None,
            chars: Some(24),
            error: None,
            entities: vec![Entity { text: "Gao".into(), label: "LOC".into(), start: 21, end: 24, score: Some(0.9871), optional: false }],
            conllu: None,
            triples: vec![Triple {
                actor: Some(span("The Malian army", 0)),
                action: Span { lemma: Some("leave".into()), ..span("left", 16) },
                place: span("Gao", 21),
                place_relation: PlaceRelation::From,
                place_qualifier: None,
                negated: false,
                object: None,
                time: Some(span("on Monday", 25)),
                attributed_to: None,
                score: Some(0.5),
                sentence: Some(SentenceRange { start: 0, end: 35 }),
                optional: false,
            }],
        }
    }

    fn keys(v: &impl Serialize) -> Vec<String> {
        let Value::Object(m) = serde_json::to_value(v).unwrap() else { panic!() };
        m.keys().cloned().collect()
    }

    #[test]
    fn row_fields_match_column_lists() {
        let r = record();
        // serde_json's map is sorted, so compare as sets plus lengths.
        let mut k = keys(&TripleRow::new("d", 0, &r.triples[0]));
        let mut c: Vec<String> = TRIPLE_COLUMNS.iter().map(|s| s.to_string()).collect();
        k.sort();
        c.sort();
        assert_eq!(k, c);
        let mut k = keys(&EntityRow::new("d", 0, &r.entities[0]));
        let mut c: Vec<String> = ENTITY_COLUMNS.iter().map(|s| s.to_string()).collect();
        k.sort();
        c.sort();
        assert_eq!(k, c);
    }

    #[test]
    fn csv_rows_follow_the_header() {
        let r = record();
        let mut buf = Vec::new();
        write_rows(&mut buf, Format::Csv, r.triples.iter().enumerate().map(|(i, t)| TripleRow::new(&r.id, i, t))).unwrap();
        let line = String::from_utf8(buf).unwrap();
        let fields: Vec<&str> = line.trim_end().split(',').collect();
        assert_eq!(fields.len(), TRIPLE_COLUMNS.len());
        let at = |c: &str| fields[TRIPLE_COLUMNS.iter().position(|x| *x == c).unwrap()];
        assert_eq!(at("actor_text"), "The Malian army");
        assert_eq!(at("place_relation"), "from");
        assert_eq!(at("object_text"), "");
        assert_eq!(at("time_start"), "25");
        assert_eq!(at("score"), "0.5");
        assert_eq!(at("negated"), "false");
    }

    #[test]
    fn flat_jsonl_score_keeps_its_short_form() {
        let r = record();
        let row = serde_json::to_string(&EntityRow::new(&r.id, 0, &r.entities[0])).unwrap();
        assert!(row.contains("\"score\":0.9871"), "{row}");
        assert!(row.starts_with("{\"doc_id\":\"d1\",\"position\":0,"), "{row}");
    }

    #[test]
    fn sqlite_replaces_a_document_and_keeps_first_of_duplicates() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("f.db");
        let mut s = SqliteSink::open(&p, "m").unwrap();
        let mut r = record();
        s.write(&r).unwrap();
        s.commit().unwrap();
        r.entities.push(r.entities[0].clone());
        s.write(&r).unwrap();
        s.write(&Record::error("d1", Map::new(), DUPLICATE_ID, "again")).unwrap();
        s.write(&Record::error("x:3", Map::new(), "malformed_json", "bad")).unwrap();
        s.commit().unwrap();
        drop(s);
        let c = Connection::open(&p).unwrap();
        let n = |sql: &str| c.query_row(sql, [], |r| r.get::<_, i64>(0)).unwrap();
        assert_eq!(n("SELECT COUNT(*) FROM documents"), 2);
        assert_eq!(n("SELECT COUNT(*) FROM entities WHERE doc_id = 'd1'"), 2);
        assert_eq!(n("SELECT COUNT(*) FROM triples"), 1);
        assert_eq!(n("SELECT entity_count FROM documents WHERE id = 'd1'"), 2);
        let (title, date, score): (String, String, f64) =
            c.query_row("SELECT title, date, (SELECT score FROM entities LIMIT 1) FROM documents WHERE id = 'd1'", [], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?))).unwrap();
        assert_eq!((title.as_str(), date.as_str(), score), ("T", "20231007", 0.9871));
        let kind: String = c.query_row("SELECT error_kind FROM documents WHERE id = 'x:3'", [], |r| r.get(0)).unwrap();
        assert_eq!(kind, "malformed_json");
        let mode: String = c.query_row("PRAGMA journal_mode", [], |r| r.get(0)).unwrap();
        assert_eq!(mode, "wal");
    }

    #[test]
    fn sqlite_triple_columns_hold_the_spans() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("f.db");
        let mut s = SqliteSink::open(&p, "m").unwrap();
        s.write(&record()).unwrap();
        s.commit().unwrap();
        drop(s);
        let c = Connection::open(&p).unwrap();
        let row = c
            .query_row("SELECT actor_text, actor_end, action_lemma, place_start, place_relation, negated, object_text, time_start, score, sentence_end FROM triples", [], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, i64>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, i64>(3)?,
                    r.get::<_, String>(4)?,
                    r.get::<_, i64>(5)?,
                    r.get::<_, Option<String>>(6)?,
                    r.get::<_, i64>(7)?,
                    r.get::<_, f64>(8)?,
                    r.get::<_, i64>(9)?,
                ))
            })
            .unwrap();
        assert_eq!(row, ("The Malian army".into(), 15, "leave".into(), 21, "from".into(), 0, None, 25, 0.5, 35));
    }

    #[test]
    fn uncommitted_chunk_is_rolled_back() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("f.db");
        let mut s = SqliteSink::open(&p, "m").unwrap();
        s.write(&record()).unwrap();
        drop(s);
        let s = SqliteSink::open(&p, "m").unwrap();
        assert!(s.done_ids().unwrap().is_empty());
    }
}
