//! Parquet tables in a directory, for data lakes (DuckDB, Spark, pandas, BigQuery external
//! tables): `documents/`, `entities/` and `triples/`, each a set of `part-NNNNN.parquet` files with
//! the columns of the database tables of the same names (one `documents` row per output record,
//! `duplicate_id` error records included, as in JSON Lines).
//!
//! Rows go into row groups as the run streams (bounded memory); a part is closed, synced and
//! renamed from its hidden `_part-NNNNN.parquet.tmp` name every so many documents
//! ([`PART_DOCUMENTS`] by default) and at the end of the run, its `documents` file last. A kill loses only the open part: `--resume`
//! deletes what a killed run left unfinished (temporary files, entity and triple parts without
//! their `documents` part), reads the ids of the finished `documents` parts and writes the rest
//! into new parts.

use anyhow::{Context, Result, bail};
use arrow_array::builder::{BooleanBuilder, Float64Builder, Int64Builder, StringBuilder, TimestampMicrosecondBuilder};
use arrow_array::{Array, ArrayRef, RecordBatch, StringArray};
use arrow_schema::{DataType, Field, Schema, SchemaRef, TimeUnit};
use parquet::arrow::ArrowWriter;
use parquet::arrow::ProjectionMask;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use parquet::basic::Compression;
use parquet::file::properties::WriterProperties;
use serde_json::Value;
use std::fs::{self, File};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};
use triplex_core::record::{Record, Status};
use triplex_core::resume::DoneIds;
use triplex_core::sink::{EntityRow, Held, Sink, TripleRow, meta_text};

/// Documents per part file by default: a part is closed at the first commit after this many.
pub const PART_DOCUMENTS: usize = 100_000;
/// Rows per row group (what a writer holds in memory before writing it out).
const ROW_GROUP_ROWS: usize = 64 * 1024;

/// A column's value type.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Kind {
    Str,
    Int,
    Float,
    Bool,
    /// UTC time in microseconds.
    Time,
}

/// Name, type and nullability of each column of a table.
type Columns = &'static [(&'static str, Kind, bool)];

const DOCUMENTS: Columns = &[
    ("id", Kind::Str, false),
    ("status", Kind::Str, false),
    ("error_kind", Kind::Str, true),
    ("error_message", Kind::Str, true),
    ("title", Kind::Str, true),
    ("date", Kind::Str, true),
    ("url", Kind::Str, true),
    ("meta", Kind::Str, false),
    ("chars", Kind::Int, true),
    ("entity_count", Kind::Int, false),
    ("triple_count", Kind::Int, false),
    ("model_name", Kind::Str, false),
    ("triplex_version", Kind::Str, false),
    ("processed_at", Kind::Time, false),
];

const ENTITIES: Columns = &[
    ("doc_id", Kind::Str, false),
    ("position", Kind::Int, false),
    ("text", Kind::Str, false),
    ("label", Kind::Str, false),
    ("start_char", Kind::Int, false),
    ("end_char", Kind::Int, false),
    ("score", Kind::Float, true),
    ("actor_id", Kind::Str, true),
    ("geonameid", Kind::Int, true),
    ("geo_name", Kind::Str, true),
    ("country_code", Kind::Str, true),
    ("admin1", Kind::Str, true),
    ("latitude", Kind::Float, true),
    ("longitude", Kind::Float, true),
    ("feature_class", Kind::Str, true),
    ("population", Kind::Int, true),
    ("geo_score", Kind::Float, true),
];

const TRIPLES: Columns = &[
    ("doc_id", Kind::Str, false),
    ("position", Kind::Int, false),
    ("actor_text", Kind::Str, true),
    ("actor_start", Kind::Int, true),
    ("actor_end", Kind::Int, true),
    ("action_text", Kind::Str, false),
    ("action_start", Kind::Int, false),
    ("action_end", Kind::Int, false),
    ("action_lemma", Kind::Str, true),
    ("action_nominal", Kind::Bool, false),
    ("place_text", Kind::Str, false),
    ("place_start", Kind::Int, false),
    ("place_end", Kind::Int, false),
    ("place_relation", Kind::Str, false),
    ("place_qualifier", Kind::Str, true),
    ("negated", Kind::Bool, false),
    ("object_text", Kind::Str, true),
    ("object_start", Kind::Int, true),
    ("object_end", Kind::Int, true),
    ("time_text", Kind::Str, true),
    ("time_start", Kind::Int, true),
    ("time_end", Kind::Int, true),
    ("attributed_to_text", Kind::Str, true),
    ("attributed_to_start", Kind::Int, true),
    ("attributed_to_end", Kind::Int, true),
    ("score", Kind::Float, true),
    ("sentence_start", Kind::Int, true),
    ("sentence_end", Kind::Int, true),
    ("actor_id", Kind::Str, true),
    ("actor_canonical", Kind::Str, true),
    ("actor_code", Kind::Str, true),
    ("actor_resolved_text", Kind::Str, true),
    ("actor_resolved_start", Kind::Int, true),
    ("actor_resolved_end", Kind::Int, true),
    ("place_geonameid", Kind::Int, true),
    ("place_name", Kind::Str, true),
    ("place_country_code", Kind::Str, true),
    ("place_admin1", Kind::Str, true),
    ("place_latitude", Kind::Float, true),
    ("place_longitude", Kind::Float, true),
    ("place_feature_class", Kind::Str, true),
    ("place_population", Kind::Int, true),
    ("place_geo_score", Kind::Float, true),
];

/// The three tables, in the order their parts are closed (`documents` last).
const TABLES: [(&str, Columns); 3] = [("entities", ENTITIES), ("triples", TRIPLES), ("documents", DOCUMENTS)];

fn schema(columns: Columns) -> SchemaRef {
    let fields: Vec<Field> = columns
        .iter()
        .map(|&(name, kind, nullable)| {
            let t = match kind {
                Kind::Str => DataType::Utf8,
                Kind::Int => DataType::Int64,
                Kind::Float => DataType::Float64,
                Kind::Bool => DataType::Boolean,
                Kind::Time => DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into())),
            };
            Field::new(name, t, nullable)
        })
        .collect();
    Arc::new(Schema::new(fields))
}

/// One column's values not yet written.
enum Builder {
    Str(StringBuilder),
    Int(Int64Builder),
    Float(Float64Builder),
    Bool(BooleanBuilder),
    Time(TimestampMicrosecondBuilder),
}

impl Builder {
    fn new(kind: Kind) -> Self {
        match kind {
            Kind::Str => Builder::Str(StringBuilder::new()),
            Kind::Int => Builder::Int(Int64Builder::new()),
            Kind::Float => Builder::Float(Float64Builder::new()),
            Kind::Bool => Builder::Bool(BooleanBuilder::new()),
            Kind::Time => Builder::Time(TimestampMicrosecondBuilder::new().with_timezone("UTC")),
        }
    }

    /// Appends a JSON value (as a flat row serializes it); null for absent.
    fn push(&mut self, v: &Value) -> Result<()> {
        match (self, v) {
            (Builder::Str(b), Value::Null) => b.append_null(),
            (Builder::Str(b), Value::String(s)) => b.append_value(s),
            (Builder::Int(b), Value::Null) => b.append_null(),
            (Builder::Int(b), Value::Number(n)) => b.append_value(n.as_i64().context("an integer column got a non-integer")?),
            (Builder::Float(b), Value::Null) => b.append_null(),
            (Builder::Float(b), Value::Number(n)) => b.append_value(n.as_f64().context("a float column got a non-number")?),
            (Builder::Bool(b), Value::Bool(x)) => b.append_value(*x),
            (Builder::Time(b), Value::Number(n)) => b.append_value(n.as_i64().context("a time column got a non-integer")?),
            (_, v) => bail!("a Parquet column cannot hold {v}"),
        }
        Ok(())
    }

    fn finish(&mut self) -> ArrayRef {
        match self {
            Builder::Str(b) => Arc::new(b.finish()),
            Builder::Int(b) => Arc::new(b.finish()),
            Builder::Float(b) => Arc::new(b.finish()),
            Builder::Bool(b) => Arc::new(b.finish()),
            Builder::Time(b) => Arc::new(b.finish()),
        }
    }
}

/// One table's open part file and its rows not yet handed to the writer.
struct Table {
    dir: PathBuf,
    columns: Columns,
    schema: SchemaRef,
    builders: Vec<Builder>,
    rows: usize,
    writer: Option<ArrowWriter<File>>,
}

impl Table {
    fn new(dir: PathBuf, columns: Columns) -> Self {
        Table { dir, columns, schema: schema(columns), builders: columns.iter().map(|c| Builder::new(c.1)).collect(), rows: 0, writer: None }
    }

    /// Appends a row given as a JSON object with (at least) the table's columns.
    fn push(&mut self, row: &Value) -> Result<()> {
        for ((name, _, _), b) in self.columns.iter().zip(&mut self.builders) {
            b.push(row.get(*name).unwrap_or(&Value::Null)).with_context(|| format!("column {name}"))?;
        }
        self.rows += 1;
        Ok(())
    }

    /// Hands the buffered rows to the part's writer (opening part `part` if none is open).
    fn write(&mut self, part: u32) -> Result<()> {
        if self.rows == 0 {
            return Ok(());
        }
        let columns: Vec<ArrayRef> = self.builders.iter_mut().map(Builder::finish).collect();
        self.rows = 0;
        let batch = RecordBatch::try_new(self.schema.clone(), columns)?;
        if self.writer.is_none() {
            let tmp = self.dir.join(temp_name(part));
            let file = File::create(&tmp).with_context(|| format!("cannot create {}", tmp.display()))?;
            let props = WriterProperties::builder().set_compression(Compression::SNAPPY).set_max_row_group_row_count(Some(ROW_GROUP_ROWS)).build();
            self.writer = Some(ArrowWriter::try_new(file, self.schema.clone(), Some(props))?);
        }
        self.writer.as_mut().expect("opened above").write(&batch)?;
        Ok(())
    }

    /// Finishes the open part (footer, sync) and gives it its final name. A table without rows in
    /// this part still gets an empty file, so every `documents` part has its `entities` and `triples`.
    fn close(&mut self, part: u32) -> Result<()> {
        let mut writer = match self.writer.take() {
            Some(w) => w,
            None => {
                let tmp = self.dir.join(temp_name(part));
                ArrowWriter::try_new(File::create(&tmp).with_context(|| format!("cannot create {}", tmp.display()))?, self.schema.clone(), None)?
            }
        };
        writer.finish()?;
        writer.inner().sync_all()?;
        let (tmp, done) = (self.dir.join(temp_name(part)), self.dir.join(part_name(part)));
        fs::rename(&tmp, &done).with_context(|| format!("cannot rename {} to {}", tmp.display(), done.display()))?;
        Ok(())
    }
}

fn part_name(part: u32) -> String {
    format!("part-{part:05}.parquet")
}

/// A part being written: hidden from `*.parquet` globs and from readers that skip `_` files (pyarrow, Spark).
fn temp_name(part: u32) -> String {
    format!("_part-{part:05}.parquet.tmp")
}

/// The part number of a finished part's file name.
fn part_number(name: &str) -> Option<u32> {
    name.strip_prefix("part-")?.strip_suffix(".parquet")?.parse().ok()
}

/// Writes records as Parquet tables under a directory (see the module doc).
pub struct ParquetSink {
    root: PathBuf,
    model_name: String,
    tables: [Table; 3],
    /// The open part's number, how many documents it holds, and how many close it.
    part: u32,
    part_documents: usize,
    max_part_documents: usize,
    held: Option<DoneIds>,
}

impl ParquetSink {
    /// Tables under `dir` (created if missing), a part closed every `part_documents` documents. `append` keeps the finished parts there (for
    /// `--resume`: first what a killed run left unfinished is deleted and the ids held are
    /// read); otherwise the parts there are deleted.
    pub fn create(dir: &Path, model_name: &str, append: bool, part_documents: usize) -> Result<Self> {
        if part_documents == 0 {
            bail!("a Parquet part needs at least one document");
        }
        let tables = TABLES.map(|(name, columns)| Table::new(dir.join(name), columns));
        for t in &tables {
            fs::create_dir_all(&t.dir).with_context(|| format!("cannot create {}", t.dir.display()))?;
        }
        // Finished parts of each table, by number.
        let parts = |t: &Table| -> Result<Vec<u32>> {
            let mut parts = Vec::new();
            for entry in fs::read_dir(&t.dir).with_context(|| format!("cannot read {}", t.dir.display()))? {
                let name = entry?.file_name().to_string_lossy().into_owned();
                let path = t.dir.join(&name);
                if name.starts_with("_part-") && name.ends_with(".parquet.tmp") {
                    fs::remove_file(&path).with_context(|| format!("cannot remove {}", path.display()))?;
                } else if let Some(n) = part_number(&name) {
                    parts.push(n);
                }
            }
            parts.sort();
            Ok(parts)
        };
        let documents_parts = parts(&tables[2])?;
        let mut held = DoneIds::default();
        for t in &tables {
            for n in parts(t)? {
                // Without --resume every part goes; with it, those whose documents part was never finished.
                if !append || !documents_parts.contains(&n) {
                    let p = t.dir.join(part_name(n));
                    fs::remove_file(&p).with_context(|| format!("cannot remove {}", p.display()))?;
                }
            }
        }
        if append {
            for &n in &documents_parts {
                for id in read_ids(&tables[2].dir.join(part_name(n)))? {
                    held.insert(id);
                }
            }
        }
        let next = if append { documents_parts.last().map_or(0, |n| n + 1) } else { 0 };
        Ok(ParquetSink {
            root: dir.to_path_buf(),
            model_name: model_name.to_string(),
            tables,
            part: next,
            part_documents: 0,
            max_part_documents: part_documents,
            held: append.then_some(held),
        })
    }

    /// Closes the open part (every table, `documents` last) and starts the next.
    fn close_part(&mut self) -> Result<()> {
        for t in &mut self.tables {
            t.write(self.part)?;
        }
        for t in &mut self.tables {
            t.close(self.part)?;
        }
        self.part += 1;
        self.part_documents = 0;
        Ok(())
    }
}

/// The `id` column of a `documents` part.
fn read_ids(path: &Path) -> Result<Vec<String>> {
    let read = || -> Result<Vec<String>> {
        let builder = ParquetRecordBatchReaderBuilder::try_new(File::open(path)?)?;
        let mask = ProjectionMask::columns(builder.parquet_schema(), ["id"]);
        let mut ids = Vec::new();
        for batch in builder.with_projection(mask).build()? {
            let batch = batch?;
            let col = batch.column(0).as_any().downcast_ref::<StringArray>().context("the id column is not text")?;
            ids.extend((0..col.len()).map(|i| col.value(i).to_string()));
        }
        Ok(ids)
    };
    read().with_context(|| format!("cannot resume from {}: not a triplex documents part", path.display()))
}

impl Sink for ParquetSink {
    fn write(&mut self, rec: &Record) -> Result<()> {
        let error = rec.error.as_ref();
        let now = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_micros() as i64);
        let doc = serde_json::json!({
            "id": rec.id,
            "status": if rec.status == Status::Ok { "ok" } else { "error" },
            "error_kind": error.map(|e| &e.kind),
            "error_message": error.map(|e| &e.message),
            "title": meta_text(&rec.meta, "title"),
            "date": meta_text(&rec.meta, "date"),
            "url": meta_text(&rec.meta, "url"),
            "meta": serde_json::to_string(&rec.meta)?,
            "chars": rec.chars,
            "entity_count": rec.entities.len(),
            "triple_count": rec.triples.len(),
            "model_name": self.model_name,
            "triplex_version": env!("CARGO_PKG_VERSION"),
            "processed_at": now,
        });
        let [entities, triples, documents] = &mut self.tables;
        documents.push(&doc)?;
        for (i, e) in rec.entities.iter().enumerate() {
            entities.push(&serde_json::to_value(EntityRow::new(&rec.id, i, e))?)?;
        }
        for (i, t) in rec.triples.iter().enumerate() {
            triples.push(&serde_json::to_value(TripleRow::new(&rec.id, i, t))?)?;
        }
        self.part_documents += 1;
        Ok(())
    }

    /// Hands the chunk's rows to the part writers; closes the part once it is large enough.
    fn commit(&mut self) -> Result<()> {
        let written = if self.part_documents >= self.max_part_documents { self.close_part() } else { self.tables.iter_mut().try_for_each(|t| t.write(self.part)) };
        written.with_context(|| format!("cannot write Parquet tables under {}", self.root.display()))
    }

    fn finish(&mut self) -> Result<()> {
        if self.part_documents > 0 {
            self.close_part().with_context(|| format!("cannot write Parquet tables under {}", self.root.display()))?;
        }
        Ok(())
    }

    fn resume(&mut self) -> Result<Option<Held>> {
        Ok(self.held.take().map(Held::Counted))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use triplex_core::sink::{ENTITY_COLUMNS, TRIPLE_COLUMNS};

    #[test]
    fn columns_are_the_flat_rows() {
        let names = |c: Columns| c.iter().map(|c| c.0).collect::<Vec<_>>();
        assert_eq!(names(ENTITIES), ENTITY_COLUMNS);
        assert_eq!(names(TRIPLES), TRIPLE_COLUMNS);
    }

    #[test]
    fn part_names_round_trip() {
        assert_eq!(part_number(&part_name(42)), Some(42));
        assert_eq!(part_number(&temp_name(42)), None);
    }
}
