#!/usr/bin/env bash
# Strict entity F1 (overall and per label) of a model on the in-domain and out-of-domain NER sets.
# Usage: scripts/ner_figures.sh [MODEL_DIR] (default: the shipped model). Needs ../shared/data.
set -euo pipefail
cd "$(dirname "$0")/.."
data=${TRIPLEX_DATA:-../shared/data}
bin=${TRIPLEX_BIN:-target/release/triplex}
model=${1:+--model $1}
for set in conll2003/dev.txt conll2003/test.txt crossner_politics/dev.txt crossner_politics/test.txt gmb/dev.txt; do
  # shellcheck disable=SC2086
  "$bin" eval --conll "$data/$set" $model --json | python3 -c '
import json, sys
e = json.load(sys.stdin)["entities"]
labels = " ".join(f"{k} {v['"'"'strict'"'"']['"'"'f1'"'"']:.3f}" for k, v in sorted(e.get("per_label", e.get("labels", {})).items()))
print(f"{sys.argv[1]:28s} strict F1 {e['"'"'strict'"'"']['"'"'f1'"'"']:.4f}  {labels}")' "$set"
done
