#!/usr/bin/env bash
# Writes CONFIGURATION.md and the table in README.md (between the
# config-table:begin/end markers) from the one table of keys,
# src/config_keys.cpp, through the wg_config_doc tool of a build with tests.
#   scripts/gen_config_doc.sh [BUILD_DIR]           rewrite both files
#   scripts/gen_config_doc.sh --check [BUILD_DIR]   fail if either is stale
# BUILD_DIR (default build/test) must be configured with tests on.
set -euo pipefail
cd "$(dirname "$0")/.."
check=0
if [ "${1:-}" = "--check" ]; then check=1; shift; fi
build="${1:-build/test}"
[ -f "$build/CMakeCache.txt" ] ||
  { echo "configure $build first: cmake -S . -B $build -G Ninja"; exit 1; }
cmake --build "$build" --target wg_config_doc >/dev/null
tool="$build/tools/wg_config_doc"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$tool" page >"$tmp/CONFIGURATION.md"
"$tool" table >"$tmp/table.md"
begin='<!-- config-table:begin -->'
end='<!-- config-table:end -->'
[ "$(grep -cxF "$begin" README.md)" = 1 ] && [ "$(grep -cxF "$end" README.md)" = 1 ] ||
  { echo "README.md needs one '$begin' line and one '$end' line"; exit 1; }
awk -v begin="$begin" -v end="$end" -v table="$tmp/table.md" '
  $0 == begin { print; while ((getline line < table) > 0) print line; skip = 1; next }
  $0 == end { skip = 0 }
  !skip { print }' README.md >"$tmp/README.md"

stale=0
for f in CONFIGURATION.md README.md; do
  if cmp -s "$tmp/$f" "$f"; then continue; fi
  if [ "$check" = 1 ]; then
    echo "$f is stale: run scripts/gen_config_doc.sh"; diff -u "$f" "$tmp/$f" || true; stale=1
  else
    cp "$tmp/$f" "$f"; echo "wrote $f"
  fi
done
[ "$stale" = 0 ] || exit 1
[ "$check" = 0 ] || echo "CONFIGURATION.md and README.md's table are current"
