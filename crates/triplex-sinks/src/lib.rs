//! triplex outputs whose client libraries are heavy, kept out of `triplex-core`: a PostgreSQL
//! feed database ([`PostgresSink`], the SQLite database's tables loaded with `COPY`) and Parquet
//! tables for data lakes ([`ParquetSink`]). Both are [`triplex_core::sink::Sink`]s.

mod parquet;
mod postgres;

pub use parquet::{PART_DOCUMENTS, ParquetSink};
pub use postgres::{PostgresSink, SCHEMA_VERSION};
