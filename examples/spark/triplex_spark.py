"""triplex on Apache Spark: JSONL (or Parquet) articles in, records and a flat triples table out, as Parquet.

    spark-submit examples/spark/triplex_spark.py INPUT OUT_DIR [--partitions N] [--threads N] [--model DIR]

INPUT holds one article per row with a string `id` and `text` (other columns are carried into the
records, as the CLI carries JSONL fields). OUT_DIR/records is one row per article: the input's
columns but `text`, then `status`, `error`, `entities` and `triples` as nested columns shaped as
the JSONL contract (`shared/spec/extraction.md`; a field the JSONL omits is null here).
OUT_DIR/triples is one row per triple, the columns of `triplex extract --emit triples`.

Each task runs the `triplex` Python package (`pip install crates/triplex-py` on every node) over
its partition through `mapInArrow`; each Python worker loads the model once and keeps it for
every later task (Spark reuses its Python workers). It was measured beside the other way, the
`triplex` binary over each partition through `RDD.pipe`, and kept as the faster one
(docs/python-and-spark.md; scripts/bench_python_spark.py measures both).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from typing import Callable, Iterator, Optional

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F
from pyspark.sql.types import ArrayType, BooleanType, DoubleType, LongType, StringType, StructField, StructType

SPAN = StructType([StructField("text", StringType()), StructField("start", LongType()), StructField("end", LongType())])
ACTION = StructType(SPAN.fields + [StructField("lemma", StringType()), StructField("nominal", BooleanType())])
GEO = StructType(
    [
        StructField("geonameid", LongType()),
        StructField("name", StringType()),
        StructField("country_code", StringType()),
        StructField("admin1", StringType()),
        StructField("latitude", DoubleType()),
        StructField("longitude", DoubleType()),
        StructField("feature_class", StringType()),
        StructField("feature_code", StringType()),
        StructField("population", LongType()),
        StructField("score", DoubleType()),
    ]
)
#: A triple's actor or reporter: the span, the document's actor it belongs to, its antecedent.
ACTOR = StructType(
    SPAN.fields
    + [StructField("actor_id", StringType()), StructField("canonical", StringType()), StructField("code", StringType()), StructField("resolved", SPAN)]
)
PLACE = StructType(SPAN.fields + [StructField("geo", GEO)])
ENTITY = StructType(
    [
        StructField("text", StringType()),
        StructField("label", StringType()),
        StructField("start", LongType()),
        StructField("end", LongType()),
        StructField("score", DoubleType()),
        StructField("actor_id", StringType()),
        StructField("geo", GEO),
    ]
)
TRIPLE = StructType(
    [
        StructField("actor", ACTOR),
        StructField("action", ACTION),
        StructField("place", PLACE),
        StructField("place_relation", StringType()),
        StructField("place_qualifier", StringType()),
        StructField("negated", BooleanType()),
        StructField("object", SPAN),
        StructField("time", SPAN),
        StructField("attributed_to", ACTOR),
        StructField("score", DoubleType()),
        StructField("sentence", StructType([StructField("start", LongType()), StructField("end", LongType())])),
    ]
)
DOC_ACTOR = StructType(
    [
        StructField("id", StringType()),
        StructField("canonical", StringType()),
        StructField("label", StringType()),
        StructField("code", StringType()),
        StructField("mentions", ArrayType(SPAN)),
    ]
)
#: What the pipeline adds to each article's row (the record's fields beside `id` and the metadata).
RESULT_FIELDS = [
    StructField("status", StringType()),
    StructField("error", StructType([StructField("kind", StringType()), StructField("message", StringType())])),
    StructField("entities", ArrayType(ENTITY)),
    StructField("triples", ArrayType(TRIPLE)),
    StructField("actors", ArrayType(DOC_ACTOR)),
]
#: The flat triples table: `triplex extract --emit triples` columns (TRIPLE_COLUMNS in sink.rs).
TRIPLE_COLUMNS = [
    ("actor_text", "actor.text"),
    ("actor_start", "actor.start"),
    ("actor_end", "actor.end"),
    ("action_text", "action.text"),
    ("action_start", "action.start"),
    ("action_end", "action.end"),
    ("action_lemma", "action.lemma"),
    ("action_nominal", "action.nominal"),
    ("place_text", "place.text"),
    ("place_start", "place.start"),
    ("place_end", "place.end"),
    ("place_relation", "place_relation"),
    ("place_qualifier", "place_qualifier"),
    ("negated", "negated"),
    ("object_text", "object.text"),
    ("object_start", "object.start"),
    ("object_end", "object.end"),
    ("time_text", "time.text"),
    ("time_start", "time.start"),
    ("time_end", "time.end"),
    ("attributed_to_text", "attributed_to.text"),
    ("attributed_to_start", "attributed_to.start"),
    ("attributed_to_end", "attributed_to.end"),
    ("score", "score"),
    ("sentence_start", "sentence.start"),
    ("sentence_end", "sentence.end"),
    ("actor_id", "actor.actor_id"),
    ("actor_canonical", "actor.canonical"),
    ("actor_code", "actor.code"),
    ("actor_resolved_text", "actor.resolved.text"),
    ("actor_resolved_start", "actor.resolved.start"),
    ("actor_resolved_end", "actor.resolved.end"),
    ("place_geonameid", "place.geo.geonameid"),
    ("place_name", "place.geo.name"),
    ("place_country_code", "place.geo.country_code"),
    ("place_admin1", "place.geo.admin1"),
    ("place_latitude", "place.geo.latitude"),
    ("place_longitude", "place.geo.longitude"),
    ("place_feature_class", "place.geo.feature_class"),
    ("place_population", "place.geo.population"),
    ("place_geo_score", "place.geo.score"),
]


def record_schema(input_schema: StructType) -> StructType:
    """The records table: `id`, the input's other columns but `text`, then the pipeline's fields."""
    if "id" not in input_schema.fieldNames() or "text" not in input_schema.fieldNames():
        raise ValueError(f"the input needs `id` and `text` columns; it has {input_schema.fieldNames()}")
    meta = [f for f in input_schema.fields if f.name not in ("id", "text")]
    return StructType([StructField("id", StringType())] + meta + RESULT_FIELDS)


def read_articles(spark: SparkSession, path: str) -> DataFrame:
    """JSON Lines (`.jsonl`, `.json`, gzipped too) or Parquet, by the path's name; `id` as a string."""
    name = path.rstrip("/").lower()
    df = spark.read.parquet(path) if name.endswith(".parquet") else spark.read.json(path)
    return df.withColumn("id", F.col("id").cast("string")) if "id" in df.columns else df


def extract(df: DataFrame, model: Optional[str] = None, threads: int = 1) -> DataFrame:
    """One record row per article: the pipeline over each partition through `mapInArrow`."""
    import pyarrow as pa
    from pyspark.sql.pandas.types import to_arrow_schema

    schema = record_schema(df.schema)
    meta = [f.name for f in schema.fields[1:] if f.name not in {r.name for r in RESULT_FIELDS}]

    # Runs on the workers: it may use only what is installed there (pyarrow, pyspark, triplex).
    def run(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        import triplex

        nlp = triplex.shared_pipeline(model)
        if not getattr(nlp, "load_reported", False):
            nlp.load_reported = True
            print(f"triplex: model {nlp.model_dir} loaded in {nlp.load_seconds:.2f} s (python worker {os.getpid()})", file=sys.stderr)
        arrow_schema = to_arrow_schema(schema)
        for batch in batches:
            rows = batch.to_pylist()
            records = nlp.extract([{"id": r["id"], "text": r["text"]} for r in rows], threads=threads)
            out = [{**{k: row[k] for k in meta}, **rec} for row, rec in zip(rows, records)]
            yield pa.RecordBatch.from_pylist(out, schema=arrow_schema)

    return df.select("id", "text", *meta).mapInArrow(run, schema)


def triples_table(records: DataFrame) -> DataFrame:
    """One row per triple, with its document id and position: the `--emit triples` columns."""
    t = records.select(F.col("id").alias("doc_id"), F.posexplode("triples").alias("position", "t"))
    cols = [F.col("doc_id"), F.col("position").cast("long").alias("position")]
    for name, path in TRIPLE_COLUMNS:
        c = F.col("t." + path)
        cols.append((F.coalesce(c, F.lit(False)) if name == "action_nominal" else c).alias(name))
    return t.select(*cols)


def run_job(
    spark: SparkSession,
    input_path: str,
    out_dir: str,
    *,
    partitions: Optional[int] = None,
    threads: int = 1,
    model: Optional[str] = None,
    extractor: Optional[Callable[[DataFrame], DataFrame]] = None,
) -> dict:
    """Reads, extracts, writes `records` and `triples` Parquet under `out_dir`; returns counts and
    seconds. `extractor` replaces `extract` (scripts/bench_python_spark.py measures RDD.pipe so)."""
    start = time.perf_counter()
    df = read_articles(spark, input_path)
    df = df.repartition(partitions or spark.sparkContext.defaultParallelism)
    records = extractor(df) if extractor else extract(df, model, threads)
    records.write.mode("overwrite").parquet(os.path.join(out_dir, "records"))
    written = spark.read.parquet(os.path.join(out_dir, "records"))
    triples_table(written).write.mode("overwrite").parquet(os.path.join(out_dir, "triples"))
    seconds = time.perf_counter() - start
    counts = written.agg(F.count("*").alias("documents"), F.sum(F.when(F.col("status") == "error", 1).otherwise(0)).alias("errors"), F.sum(F.size("triples")).alias("triples")).first()
    return {"documents": counts["documents"], "errors": counts["errors"], "triples": counts["triples"], "seconds": seconds}


def main(argv: Optional[list[str]] = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("input", help="JSON Lines or Parquet articles (`id`, `text`, any other columns)")
    ap.add_argument("out_dir", help="where records/ and triples/ (Parquet) are written")
    ap.add_argument("--partitions", type=int, help="partitions to spread the articles over (default: the cluster's default parallelism)")
    ap.add_argument("--threads", type=int, default=1, help="threads per task (match spark.task.cpus; default 1)")
    ap.add_argument("--model", help="model directory on every node (default: the one the package ships)")
    a = ap.parse_args(argv)
    spark = SparkSession.builder.appName("triplex").getOrCreate()
    summary = run_job(spark, a.input, a.out_dir, partitions=a.partitions, threads=a.threads, model=a.model)
    print(f"triplex: {summary['documents']} documents ({summary['errors']} errors), {summary['triples']} triples in {summary['seconds']:.1f} s -> {a.out_dir}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
