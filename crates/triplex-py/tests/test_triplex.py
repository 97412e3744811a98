"""The Python package against the CLI: same records on corpus/, the same error records for bad
items, the same output for any thread count, the GIL released while it works, and scoring."""

import datetime
import json
import subprocess
import threading
import time
from pathlib import Path

import pytest

import triplex
from conftest import CORPUS, FIXTURES, corpus_items


def jsonl_line(obj) -> str:
    """A dict as the CLI writes its JSONL line."""
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"))


def run_cli(cli: Path, *args, cwd=None) -> list[str]:
    out = subprocess.run([str(cli), "extract", *map(str, args), "--quiet"], cwd=cwd, check=True, capture_output=True, text=True).stdout
    return out.splitlines()


@pytest.fixture(scope="module")
def cli_corpus_lines(cli) -> list[str]:
    return run_cli(cli, CORPUS, "--threads", "2")


def test_corpus_records_are_the_cli_lines_byte_for_byte(nlp, cli_corpus_lines):
    records = nlp.extract(corpus_items(), threads=2)
    assert len(records) == len(cli_corpus_lines) == 25
    for rec, line in zip(records, cli_corpus_lines):
        assert rec == json.loads(line)
        assert jsonl_line(rec) == line
    assert sum(len(r["triples"]) for r in records) > 25, "the corpus gives triples"


def test_plain_texts_get_their_position_as_id(nlp, cli_corpus_lines):
    texts = [p.read_text(encoding="utf-8") for p in sorted(CORPUS.glob("*.txt"))[:3]]
    records = nlp.extract(iter(texts))  # any iterable
    for i, (rec, line) in enumerate(zip(records, cli_corpus_lines)):
        expected = json.loads(line)
        expected["id"] = str(i)
        assert rec == expected


def test_seed_article_triples_in_three_lines():
    nlp = triplex.Pipeline()
    record = nlp((CORPUS / "mali-anefis.txt").read_text(encoding="utf-8"))
    triples = [(t["actor"] and t["actor"]["text"], t["action"]["text"], t["place"]["text"]) for t in record["triples"]]
    assert ("Malian armed forces", "took full control of", "Anefis") in triples


def test_threads_give_identical_records(nlp):
    items = corpus_items()[:6]
    one = nlp.extract(items, threads=1)
    two = nlp.extract(items, threads=2)
    default = nlp.extract(items)
    assert one == two == default
    with pytest.raises(ValueError, match="threads"):
        nlp.extract(items, threads=0)


def test_flat_rows_are_the_cli_emit_rows(nlp, cli):
    for emit in ("triples", "entities"):
        lines = run_cli(cli, CORPUS, "--emit", emit)
        rows = nlp.extract(corpus_items(), emit=emit)
        assert len(rows) == len(lines) > 0
        assert [jsonl_line(r) for r in rows] == lines
    with pytest.raises(ValueError, match="emit"):
        nlp.extract(["x"], emit="conllu")


def test_bad_items_get_the_cli_error_records(nlp, cli, tmp_path):
    """Items a JSONL file can hold give the records the CLI gives that file (the stream's name
    aside); items only Python has (None, bytes, lone surrogates) give error records too."""
    good = "The army took control of Anefis on Sunday."
    jsonl_items = [
        {"id": "ok", "text": good, "title": "T", "rank": 3},
        {"id": "empty", "text": "  \n "},
        {"text": "no id here"},
        {"id": "notext"},
        {"id": "number-text", "text": 5},
        {"id": "ok", "text": good},
        {"id": 42, "text": good},
        {"id": "big", "text": "word " * 100},
    ]
    src = tmp_path / "items.jsonl"
    src.write_text("".join(jsonl_line(i) + "\n" for i in jsonl_items), encoding="utf-8")
    cli_records = [json.loads(line.replace("items.jsonl", "items")) for line in run_cli(cli, src.name, "--max-doc-bytes", "200", cwd=tmp_path)]
    records = nlp.extract(jsonl_items, max_doc_bytes=200)
    assert records == cli_records
    kinds = [r["error"]["kind"] if r["status"] == "error" else "ok" for r in records]
    assert kinds == ["ok", "empty_text", "missing_id", "missing_text", "missing_text", "duplicate_id", "ok", "too_large"]
    assert records[0]["meta"]["title"] == "T" and records[0]["meta"]["rank"] == 3
    assert records[2]["id"] == "items:3"
    assert records[6]["id"] == "42"

    python_only = [None, b"caf\xe9 au lait", "Gao \udcff Kidal", {"id": "s", "text": "x\ud800"}, b"Kidal is in Mali.", ""]
    records = nlp.extract(python_only)
    kinds = [r["error"]["kind"] if r["status"] == "error" else "ok" for r in records]
    assert kinds == ["missing_text", "invalid_utf8", "invalid_utf8", "invalid_utf8", "ok", "empty_text"]
    assert [r["id"] for r in records] == ["0", "1", "2", "s", "4", "5"]
    assert "byte offset 3" in records[1]["error"]["message"]
    assert records[4] == {**nlp.extract(["Kidal is in Mali."])[0], "id": "4"}


def test_metadata_json_cannot_hold_is_carried_as_text(nlp):
    when = datetime.date(2023, 10, 7)
    rec = nlp.extract([{"id": "d", "text": "Troops entered Anefis.", "date": when, "score": float("nan"), "tags": ("a", 1), "big": 2**70}])[0]
    assert rec["status"] == "ok"
    meta = rec["meta"]
    assert (meta["date"], meta["score"], meta["tags"], meta["big"]) == ("2023-10-07", None, ["a", 1], str(2**70))


def test_gil_is_released_while_extracting(nlp):
    items = corpus_items()
    done = threading.Event()
    worker = threading.Thread(target=lambda: (nlp.extract(items, threads=1), done.set()))
    ticks = 0
    started = time.perf_counter()
    worker.start()
    while not done.is_set():
        ticks += 1
        time.sleep(0.001)
    worker.join()
    elapsed = time.perf_counter() - started
    # Holding the GIL for the whole call would leave this thread a handful of ticks at most.
    assert elapsed > 0.5 and ticks > elapsed * 100, (ticks, elapsed)


def test_score_matches_triplex_eval(nlp, cli):
    gold_path = FIXTURES / "mali-anefis.gold.jsonl"
    gold = triplex.read_jsonl(gold_path)
    pred = nlp.extract([{"id": g["id"], "text": g["text"]} for g in gold])
    report = triplex.score(gold, pred)
    cli_report = json.loads(subprocess.run([str(cli), "eval", "--gold", str(gold_path), "--json"], check=True, capture_output=True, text=True).stdout)
    assert report == cli_report
    assert report["docs"] == 1 and 0 < report["triples"]["lenient"]["f1"] <= 1
    assert triplex.score(gold_path, gold_path)["entities"]["strict"]["f1"] == 1.0
    with pytest.raises(ValueError, match="gold"):
        triplex.score([], pred)
    with pytest.raises(TypeError, match="must be a dict"):
        triplex.score(["not a record"], pred)


def test_model_is_found_in_order(monkeypatch, tmp_path):
    shipped = Path(triplex.__file__).resolve().parent / "model"
    assert (shipped / "model.safetensors").is_file(), "the wheel ships the model"
    monkeypatch.delenv("TRIPLEX_MODEL", raising=False)
    assert Path(triplex.find_model()) == shipped
    monkeypatch.setenv("TRIPLEX_MODEL", str(tmp_path))
    assert triplex.find_model() == str(tmp_path)
    assert triplex.find_model("elsewhere") == "elsewhere"
    with pytest.raises(ValueError, match="has no config.json"):
        triplex.Pipeline()
    with pytest.raises(ValueError, match="does not exist"):
        triplex.Pipeline(tmp_path / "missing")
