#!/usr/bin/env bash
# Loads `triplex extract --emit conllu` output with spaCy's own CoNLL-U converter (the code behind
# `spacy convert --converter conllu`) and checks that every entity triplex tagged (`NE=` in MISC)
# comes back as a spaCy entity with the same words and label. Run by .ci/run.
#   scripts/check_spacy_conllu.sh
# Env: TRIPLEX (a built binary; default: cargo build --release), SPACY_VENV (default
# .cache/spacy-venv, created on first use with spaCy 3.8; bench_spacy.sh shares it).
set -euo pipefail
cd "$(dirname "$0")/.."
VENV="${SPACY_VENV:-.cache/spacy-venv}"
if ! "$VENV/bin/python" -c "import spacy" 2>/dev/null; then
    echo "check_spacy_conllu: creating $VENV (spacy 3.8)" >&2
    rm -rf "$VENV"
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install -q "spacy>=3.8,<3.9"
fi
if [ -z "${TRIPLEX:-}" ]; then
    cargo build --release --quiet
    TRIPLEX="${CARGO_TARGET_DIR:-target}/release/triplex"
fi
OUT="$(mktemp -d)"
trap 'rm -rf "$OUT"' EXIT
# The sample corpus, and a document that cannot be processed (it must leave no lines).
printf '{"id": "empty", "text": ""}\n' > "$OUT/bad.jsonl"
"$TRIPLEX" extract corpus/ "$OUT/bad.jsonl" --emit conllu -o "$OUT/out.conllu" --quiet
"$VENV/bin/python" - "$OUT/out.conllu" <<'PY'
import sys
import spacy
from spacy.training.converters import conllu_to_docs

text = open(sys.argv[1], encoding="utf-8").read()
# What triplex wrote: entities from NE= tags (IOB2), their words joined as SpaceAfter says.
want, cur = [], None
for line in text.splitlines():
    if not line or line.startswith("#"):
        continue
    cols = line.split("\t")
    misc = dict(p.split("=", 1) for p in cols[9].split("|"))
    tag, space = misc["NE"], "" if misc.get("SpaceAfter") == "No" else " "
    if tag.startswith("I-") and cur is not None:
        cur[0] += cur[2] + cols[1]
        cur[2] = space
        continue
    if cur is not None:
        want.append((cur[0], cur[1]))
        cur = None
    if tag.startswith("B-"):
        cur = [cols[1], tag[2:], space]
    else:
        assert tag == "O", tag
if cur is not None:
    want.append((cur[0], cur[1]))
docs = list(conllu_to_docs(text, n_sents=1, no_print=True))
got = [(e.text, e.label_) for d in docs for e in d.ents]
words = sum(len(d) for d in docs)
assert len(want) > 100, len(want)
assert got == want, [(g, w) for g, w in zip(got, want) if g != w][:5] or (len(got), len(want))
print(f"spaCy {spacy.__version__} read {len(docs)} sentences, {words} words, {len(got)} entities, as triplex tagged them")
PY
