#!/usr/bin/env bash
# Runs the README's commands that need only the repository (the two headline commands are the
# first and the test suite itself), so that a fresh clone can follow it. Run by .ci/run after the
# tests, with the release build of `cargo test --release` in place (CARGO_TARGET_DIR or target/).
set -euo pipefail
cd "$(dirname "$0")/.."
TARGET="${CARGO_TARGET_DIR:-$PWD/target}"
export CARGO_TARGET_DIR="$TARGET"
[ ! -e out.jsonl ] || { echo "check_readme: out.jsonl exists here; the README's first command writes it: move it away first" >&2; exit 1; }
OUT="$(mktemp -d)"
trap 'rm -rf "$OUT" out.jsonl' EXIT
step() { echo "check_readme: $*" >&2; }

step "cargo run --release -- extract corpus/ -o out.jsonl"
cargo run --release --quiet -- extract corpus/ -o out.jsonl
docs=$(find corpus -name '*.txt' | wc -l)
[ "$(wc -l < out.jsonl)" -eq "$docs" ] || { echo "out.jsonl: expected $docs lines" >&2; exit 1; }

step "cargo install --path . --locked (into a temporary root), --version from another directory"
cargo install --quiet --path . --locked --root "$OUT/root"
export PATH="$OUT/root/bin:$PATH"
(cd "$OUT" && triplex --version | grep -q "model triplex-minilm-l6-v3")
mkdir -p "$OUT/data/triplex/models" && cp -r models/default "$OUT/data/triplex/models/"
# The data-dir copy is found when nothing is beside the binary and TRIPLEX_MODEL is unset.
(cd "$OUT" && env -u TRIPLEX_MODEL XDG_DATA_HOME="$OUT/data" triplex --version | grep -q "$OUT/data/triplex/models/default")
triplex completions bash > "$OUT/triplex.bash" && triplex man > "$OUT/triplex.1"

step "Run section"
triplex extract corpus/ -o "$OUT/out.jsonl" --quiet
gzip -c < tests/fixtures/mali-anefis.gold.jsonl > "$OUT/articles.jsonl.gz"
triplex extract "$OUT/articles.jsonl.gz" -o "$OUT/gz.jsonl" --quiet
cat tests/fixtures/mali-anefis.gold.jsonl | triplex extract - --quiet > "$OUT/stdin.jsonl"
cmp "$OUT/gz.jsonl" "$OUT/stdin.jsonl"
triplex extract corpus/ -o "$OUT/out.jsonl" --resume --quiet
cmp out.jsonl "$OUT/out.jsonl"

step "SQLite section"
(cd "$OUT" && triplex extract "$OLDPWD/corpus/" --sqlite feed.db --quiet)
rows=$(sqlite3 "$OUT/feed.db" "SELECT actor_text, place_text, COUNT(*) AS times FROM triples
                 WHERE NOT negated AND actor_text IS NOT NULL GROUP BY 1, 2 ORDER BY times DESC LIMIT 10;" | wc -l)
[ "$rows" -gt 0 ] || { echo "the README's SQLite query returned no rows" >&2; exit 1; }

step "Evaluate and Speed sections"
triplex eval --gold tests/fixtures/mali-anefis.gold.jsonl > /dev/null
triplex bench corpus/ --runs 1 > /dev/null 2>&1
echo "check_readme: ok" >&2
