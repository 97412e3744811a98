#!/usr/bin/env bash
# Cost of the syntax heads: the shipped model with and without them (the same file, its
# config.json stripped of `triplex_syntax`), alternated RUNS times on the same N articles.
#   scripts/bench_syntax.sh [N] [THREADS]     (defaults 400 and 2; RUNS=3; medians and ratio)
# Env: CORPUS (default ../shared/data/news/bbc), MODEL (default models/default), TRIPLEX (a built binary).
set -euo pipefail
cd "$(dirname "$0")/.."
N="${1:-400}"
THREADS="${2:-2}"
RUNS="${RUNS:-3}"
CORPUS="${CORPUS:-../shared/data/news/bbc}"
MODEL="${MODEL:-models/default}"
if [ -z "${TRIPLEX:-}" ]; then
    cargo build --release --quiet
    TRIPLEX="${CARGO_TARGET_DIR:-target}/release/triplex"
fi
OUT="$(mktemp -d)"
trap 'rm -rf "$OUT"' EXIT
mkdir "$OUT/ner-only"
ln -s "$(realpath "$MODEL/model.safetensors")" "$OUT/ner-only/model.safetensors"
ln -s "$(realpath "$MODEL/tokenizer.json")" "$OUT/ner-only/tokenizer.json"
python3 -c 'import json,sys; c=json.load(open(sys.argv[1])); c.pop("triplex_syntax", None); json.dump(c, open(sys.argv[2], "w"))' "$MODEL/config.json" "$OUT/ner-only/config.json"
for r in $(seq "$RUNS"); do
    "$TRIPLEX" bench --limit "$N" --runs 1 --threads "$THREADS" --model "$OUT/ner-only" --json "$CORPUS" > "$OUT/a$r.json" 2>/dev/null
    "$TRIPLEX" bench --limit "$N" --runs 1 --threads "$THREADS" --model "$MODEL" --json "$CORPUS" > "$OUT/b$r.json" 2>/dev/null
done
python3 - "$OUT" "$RUNS" <<'PY'
import json, statistics, sys
out, runs = sys.argv[1], int(sys.argv[2])
def rows(tag):
    return [json.load(open(f"{out}/{tag}{r}.json"))["results"][0] for r in range(1, runs + 1)]
a, b = rows("a"), rows("b")
wa = statistics.median(x["words_per_s"] for x in a)
wb = statistics.median(x["words_per_s"] for x in b)
print(f"threads {a[0]['threads']}, {runs} alternated runs, medians:")
print(f"  NER only (lexical rules)      {wa:9.0f} words/s   model stage {statistics.median(x['stages']['model'] for x in a):.2f} s")
print(f"  NER + syntax (tree rules)     {wb:9.0f} words/s   model stage {statistics.median(x['stages']['model'] for x in b):.2f} s")
print(f"  ratio {wb / wa:.3f} ({(1 - wb / wa) * 100:.1f}% fewer words/s)")
PY
