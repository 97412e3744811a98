#!/usr/bin/env python3
"""Reads `triplex extract --parquet LAKE` tables with DuckDB and checks them against the same run's
JSON Lines records (`-o OUT.jsonl`), flattened here independently of the Rust code: every
document, entity and triple, value for value. Exit 1 on any difference.

    python3 scripts/check_parquet.py LAKE OUT.jsonl        (needs `pip install duckdb`)
"""
import json
import sys

import duckdb

SPANS = ["actor", "action", "place", "object", "time", "attributed_to"]


def meta_of(rec):
    # Input fields other than id and text are carried under `meta` (absent when there are none).
    return rec.get("meta") or {}


def expected(records):
    docs, ents, tris = [], [], []
    for r in records:
        err = r.get("error") or {}
        docs.append({"id": r["id"], "status": r.get("status", "ok"), "error_kind": err.get("kind"), "error_message": err.get("message"),
                     "meta": meta_of(r), "entity_count": len(r.get("entities", [])), "triple_count": len(r.get("triples", []))})
        for i, e in enumerate(r.get("entities", [])):
            ents.append({"doc_id": r["id"], "position": i, "text": e["text"], "label": e["label"], "start_char": e["start"], "end_char": e["end"], "score": e.get("score")})
        for i, t in enumerate(r.get("triples", [])):
            row = {"doc_id": r["id"], "position": i}
            for k in SPANS:
                s = t.get(k) or {}
                row[f"{k}_text"], row[f"{k}_start"], row[f"{k}_end"] = s.get("text"), s.get("start"), s.get("end")
            sentence = t.get("sentence") or {}
            row.update({"action_lemma": t["action"].get("lemma"), "action_nominal": t["action"].get("nominal", False), "place_relation": t["place_relation"],
                        "place_qualifier": t.get("place_qualifier"), "negated": t.get("negated", False), "score": t.get("score"),
                        "sentence_start": sentence.get("start"), "sentence_end": sentence.get("end")})
            tris.append(row)
    return docs, ents, tris


def table(con, lake, name):
    rel = con.sql(f"SELECT * FROM read_parquet('{lake}/{name}/*.parquet', filename = true) ORDER BY filename, file_row_number")
    cols = rel.columns
    return [dict(zip(cols, row)) for row in rel.fetchall()]


def main():
    lake, out = sys.argv[1], sys.argv[2]
    with open(out, encoding="utf-8") as f:
        records = [json.loads(line) for line in f if line.strip()]
    want_docs, want_ents, want_tris = expected(records)
    con = duckdb.connect()
    docs, ents, tris = table(con, lake, "documents"), table(con, lake, "entities"), table(con, lake, "triples")
    bad = 0
    for name, got, want in [("documents", docs, want_docs), ("entities", ents, want_ents), ("triples", tris, want_tris)]:
        if len(got) != len(want):
            print(f"{name}: {len(got)} rows in Parquet, {len(want)} in JSON Lines")
            bad += 1
            continue
        for g, w in zip(got, want):
            if name == "documents":
                g = dict(g, meta=json.loads(g["meta"]))
            diff = {k: (g.get(k), v) for k, v in w.items() if g.get(k) != v}
            if diff:
                print(f"{name}: row {w.get('id') or (w['doc_id'], w['position'])} differs (Parquet, JSON Lines): {diff}")
                bad += 1
        print(f"{name}: {len(got)} rows")
    top = con.sql(f"SELECT place_text, count(*) AS n FROM read_parquet('{lake}/triples/*.parquet') GROUP BY 1 ORDER BY n DESC, 1 LIMIT 3").fetchall()
    print(f"most frequent places: {top}")
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
