"""The Spark job on a real local Spark (local[2]) over corpus/: its Parquet rows equal the CLI's output.

Run by .ci/run (`python -m pytest examples/spark`); needs pyspark, pyarrow, a Java runtime, the
`triplex` package installed and the CLI built (TRIPLEX_BIN, else the cargo release build).
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from pyspark.sql import SparkSession

sys.path.insert(0, str(Path(__file__).resolve().parent))
import triplex_spark  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]


def cli_binary() -> Path:
    if os.environ.get("TRIPLEX_BIN"):
        return Path(os.environ["TRIPLEX_BIN"])
    path = Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target")) / "release" / "triplex"
    if not path.is_file():
        subprocess.run(["cargo", "build", "--release", "--bin", "triplex"], cwd=ROOT, check=True)
    return path


@pytest.fixture(scope="module")
def spark():
    # The workers run this interpreter, the one with the package under test installed.
    os.environ["PYSPARK_PYTHON"] = sys.executable
    session = (
        SparkSession.builder.master("local[2]")
        .appName("triplex-test")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "2")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


@pytest.fixture(scope="module")
def corpus_jsonl(tmp_path_factory) -> Path:
    """corpus/ as JSON Lines with a metadata column, and two rows the pipeline must turn into error records."""
    path = tmp_path_factory.mktemp("input") / "corpus.jsonl"
    rows = [{"id": p.stem, "text": p.read_text(encoding="utf-8"), "source": "corpus"} for p in sorted((ROOT / "corpus").glob("*.txt"))]
    rows += [{"id": "blank", "text": "   ", "source": "test"}, {"id": "no-text", "source": "test"}]
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return path


def cli_lines(input_path: Path, *args: str) -> list[dict]:
    out = subprocess.run([str(cli_binary()), "extract", str(input_path), "--quiet", *args], check=True, capture_output=True, text=True).stdout
    return [json.loads(line) for line in out.splitlines()]


def as_jsonl_object(value):
    """A Parquet row as the JSONL object: fields the JSONL omits (null, `nominal` false) dropped;
    a triple's `actor` and a record's metadata keep their nulls, as the JSONL writes them."""
    if isinstance(value, list):
        return [as_jsonl_object(v) for v in value]
    if not isinstance(value, dict):
        return value
    keep_null = {"actor"}
    return {k: as_jsonl_object(v) for k, v in value.items() if (v is not None or k in keep_null) and not (k == "nominal" and v is False)}


def test_records_and_triples_equal_the_cli_output(spark, corpus_jsonl, tmp_path):
    summary = triplex_spark.run_job(spark, str(corpus_jsonl), str(tmp_path / "out"), partitions=2)
    assert (summary["documents"], summary["errors"]) == (27, 2)

    expected = {r["id"]: r for r in cli_lines(corpus_jsonl)}
    rows = spark.read.parquet(str(tmp_path / "out" / "records")).collect()
    assert sorted(r["id"] for r in rows) == sorted(expected)
    for row in rows:
        got = as_jsonl_object(row.asDict(recursive=True))
        want = expected[row["id"]]
        if want["status"] == "error":
            # The message names the stream (`items line N` beside the file's name and line).
            assert (got["status"], got["error"]["kind"], got["source"]) == ("error", want["error"]["kind"], "test")
            continue
        # The records table keeps the input's metadata columns beside `id` (here `source`), where the
        # JSONL record has them under `meta`; nulls compare as absent on both sides.
        got["meta"] = {"source": got.pop("source")}
        assert got == as_jsonl_object(want)
    assert {expected["blank"]["error"]["kind"], expected["no-text"]["error"]["kind"]} == {"empty_text", "missing_text"}

    want_triples = sorted(cli_lines(corpus_jsonl, "--emit", "triples"), key=lambda r: (r["doc_id"], r["position"]))
    triples = spark.read.parquet(str(tmp_path / "out" / "triples"))
    assert triples.columns == ["doc_id", "position"] + [name for name, _ in triplex_spark.TRIPLE_COLUMNS]
    got_triples = sorted((r.asDict() for r in triples.collect()), key=lambda r: (r["doc_id"], r["position"]))
    assert len(got_triples) == len(want_triples) == summary["triples"] > 25
    assert got_triples == want_triples


def test_input_without_text_column_is_refused(spark, tmp_path):
    path = tmp_path / "bad.jsonl"
    path.write_text('{"id": "a", "body": "x"}\n', encoding="utf-8")
    with pytest.raises(ValueError, match="`id` and `text`"):
        triplex_spark.run_job(spark, str(path), str(tmp_path / "out"))
