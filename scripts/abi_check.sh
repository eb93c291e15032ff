#!/usr/bin/env bash
# ABI guard for the shared library built in BUILD_DIR (default build/test):
# only wg_* symbols may be exported, the SONAME must be libworkgrinder.so.0,
# and against the committed baseline (abi/libworkgrinder.abi, from abidw) no
# function or variable may be removed or changed; additions are allowed.
#   scripts/abi_check.sh [BUILD_DIR]            check
#   scripts/abi_check.sh --update [BUILD_DIR]   rewrite the baseline (after a
#                                               deliberate, versioned change)
set -euo pipefail
cd "$(dirname "$0")/.."
update=0
if [ "${1:-}" = "--update" ]; then update=1; shift; fi
lib="${1:-build/test}/libworkgrinder.so"
baseline=abi/libworkgrinder.abi

others=$(nm -D --defined-only "$lib" | awk '{print $3}' | grep -v '^wg_' || true)
if [ -n "$others" ]; then
  echo "symbols other than wg_* are exported:"; echo "$others"; exit 1
fi
readelf -d "$lib" | grep -q 'Library soname: \[libworkgrinder.so.0\]' ||
  { echo "SONAME is not libworkgrinder.so.0"; exit 1; }
echo "only wg_* exported; SONAME libworkgrinder.so.0"

dump() {
  abidw --no-corpus-path --no-comp-dir-path --no-show-locs --drop-private-types \
    --headers-dir include/workgrinder --out-file "$1" "$lib"
}
if [ "$update" = 1 ]; then
  dump "$baseline"
  echo "baseline rewritten: $baseline"
  exit 0
fi
report=$(mktemp)
trap 'rm -f "$report"' EXIT
set +e
abidiff "$baseline" "$lib" >"$report"
rc=$?
set -e
if [ $((rc & 3)) -ne 0 ]; then
  echo "abidiff failed (exit $rc)"; cat "$report"; exit 1
fi
summary=$(grep -E '^(Functions|Variables) changes summary' "$report" || true)
if [ $((rc & 8)) -ne 0 ] || grep -qE '[1-9][0-9]* (Removed|Changed)' <<<"$summary"; then
  echo "incompatible ABI change against $baseline:"; cat "$report"; exit 1
fi
if [ $((rc & 4)) -ne 0 ]; then
  echo "compatible ABI additions (update the baseline with scripts/abi_check.sh --update):"
  echo "$summary"
else
  echo "ABI unchanged against $baseline"
fi
