"""Throughput of the Python package and of the Spark job beside the CLI, on the same N articles.

    python3 scripts/bench_python_spark.py [--limit 400] [--runs 3] [--threads 2]

Needs the `triplex` package installed (pip install crates/triplex-py), pyspark, and the CLI
(TRIPLEX_BIN, else the cargo release build). Writes the first N UTF-8 articles of the corpus
(default ../shared/data/news/bbc, in the CLI's order: sorted paths) to one JSONL file in a temp
dir, then, in alternating rounds:
  - CLI: `triplex bench FILE --threads T --runs 1 --json` (its clock starts after the model load),
  - Python: `Pipeline.extract(items, threads=T)` (model loaded before the clock, as for the CLI),
and prints medians of docs/s. Then end to end (model loads, reading and writing included), in
alternating rounds:
  - CLI: `triplex extract FILE -o out.jsonl --threads T`,
  - Spark local[T], mapInArrow (--partitions, default T; 1 thread per task) and RDD.pipe (the
    same), each the whole job of examples/spark (read JSONL, extract, write records and triples
    Parquet),
and the model load time each Spark Python worker reports.
"""

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def cli_binary() -> str:
    return os.environ.get("TRIPLEX_BIN") or str(Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target")) / "release" / "triplex")


def write_articles(corpus: Path, limit: int, out: Path) -> int:
    """The first `limit` articles that are UTF-8 (the BBC set has one that is not), ids as the CLI's."""
    n = 0
    with out.open("w", encoding="utf-8") as f:
        for p in sorted(corpus.rglob("*.txt"), key=lambda p: p.relative_to(corpus).as_posix()):
            try:
                text = p.read_bytes().decode("utf-8")
            except UnicodeDecodeError:
                continue
            f.write(json.dumps({"id": p.relative_to(corpus).with_suffix("").as_posix(), "text": text}, ensure_ascii=False) + "\n")
            n += 1
            if n == limit:
                break
    return n


def extract_pipe(df, threads: int):
    """The alternative to the job's mapInArrow: each partition's rows as JSON Lines through
    `triplex extract -` (one process and one model load per partition), parsed back with the
    records' schema."""
    import triplex_spark

    lines = df.toJSON().pipe(" ".join([cli_binary(), "extract", "-", "--quiet", "--threads", str(threads)]))
    return df.sparkSession.read.schema(triplex_spark.record_schema(df.schema)).json(lines)


def spark_part(path: str, threads: int, runs: int, partitions: int) -> None:
    """Runs in a child process so that the workers' stderr (model load lines) can be read."""
    sys.path.insert(0, str(ROOT / "examples" / "spark"))
    import triplex_spark
    from pyspark.sql import SparkSession

    spark = SparkSession.builder.master(f"local[{threads}]").config("spark.ui.enabled", "false").config("spark.ui.showConsoleProgress", "false").getOrCreate()
    spark.sparkContext.setLogLevel("ERROR")
    spark.read.json(path).count()  # JVM warm-up, outside the clock
    out = tempfile.mkdtemp()
    result = {"cli": [], "arrow": [], "pipe": []}
    for r in range(runs):
        start = time.perf_counter()
        subprocess.run([cli_binary(), "extract", path, "-o", os.path.join(out, "cli.jsonl"), "--threads", str(threads), "--quiet"], check=True)
        result["cli"].append(time.perf_counter() - start)
        for mode in ("arrow", "pipe"):
            pipe = (lambda df: extract_pipe(df, 1)) if mode == "pipe" else None
            s = triplex_spark.run_job(spark, path, os.path.join(out, mode), partitions=partitions, threads=1, extractor=pipe)
            print(f"spark {mode} run {r + 1}: {s}", file=sys.stderr, flush=True)
            result[mode].append(s["seconds"])
    print(json.dumps(result))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("corpus", nargs="?", default=str(ROOT.parent / "shared" / "data" / "news" / "bbc"))
    ap.add_argument("--limit", type=int, default=400)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--partitions", type=int, default=0, help="Spark partitions (default: --threads)")
    ap.add_argument("--spark-part", help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.spark_part:
        return spark_part(a.spark_part, a.threads, a.runs, a.partitions or a.threads)

    import triplex

    tmp = Path(tempfile.mkdtemp())
    path = tmp / "articles.jsonl"
    n = write_articles(Path(a.corpus), a.limit, path)
    items = [json.loads(line) for line in path.open(encoding="utf-8")]
    nlp = triplex.Pipeline()
    print(f"{n} articles, {path.stat().st_size / 1e6:.2f} MB; model {nlp.model_dir} loaded in {nlp.load_seconds:.2f} s in this process")

    cli_dps, py_dps = [], []
    for r in range(a.runs):
        bench = json.loads(subprocess.run([cli_binary(), "bench", str(path), "--limit", "0", "--threads", str(a.threads), "--runs", "1", "--json"], check=True, capture_output=True, text=True).stdout)
        cli_dps.append(bench["results"][0]["docs_per_s"])
        start = time.perf_counter()
        records = nlp.extract(items, threads=a.threads)
        py_dps.append(len(records) / (time.perf_counter() - start))
        print(f"round {r + 1}: CLI {cli_dps[-1]:.1f} docs/s, Python {py_dps[-1]:.1f} docs/s", flush=True)
    cli_m, py_m = statistics.median(cli_dps), statistics.median(py_dps)
    print(f"threads {a.threads}: CLI {cli_m:.1f} docs/s, Python package {py_m:.1f} docs/s ({(py_m / cli_m - 1) * 100:+.1f}%), medians of {a.runs}")

    child = subprocess.run([sys.executable, __file__, "--spark-part", str(path), "--threads", str(a.threads), "--runs", str(a.runs), "--partitions", str(a.partitions)], capture_output=True, text=True)
    loads = [float(x) for x in re.findall(r"loaded in ([0-9.]+) s", child.stderr)]
    if child.returncode != 0:
        sys.exit(f"spark part failed:\n{child.stderr[-4000:]}")
    spark = json.loads(child.stdout.strip().splitlines()[-1])
    cli_wall = statistics.median(spark.pop("cli"))
    print(f"CLI extract end to end: {cli_wall:.2f} s ({n / cli_wall:.1f} docs/s)")
    for mode, secs in spark.items():
        m = statistics.median(secs)
        print(f"Spark local[{a.threads}] {mode}: {m:.2f} s ({n / m:.1f} docs/s; runs {', '.join(f'{s:.1f}' for s in secs)}), {cli_wall / m:.2f}x the CLI end to end")
    print(f"model loads in Spark Python workers: {', '.join(f'{x:.2f}' for x in loads)} s ({len(loads)} loads)")


if __name__ == "__main__":
    main()
