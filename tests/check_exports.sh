#!/bin/sh
# Feeds wg_stats_json's and wg_metrics_prometheus's documents (written by
# export_dump) to real parsers: python3's json module and promtool (Debian's
# prometheus package). A missing tool is a failure, never a skip.
# Usage: check_exports.sh EXPORT_DUMP_BINARY
set -eu
dump=$1
for tool in python3 promtool; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "FAIL: $tool not found (apt-get install python3 prometheus)" >&2
    exit 1
  fi
done
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
"$dump" "$dir/stats.json" "$dir/metrics.prom"
python3 - "$dir/stats.json" <<'PY'
import json, sys
doc = json.load(open(sys.argv[1]))
s = doc["stats"]
assert s["submitted"] == 100, s
assert s["completed"] + s["pending"] + s["inflight_items"] == 100, s
for name in ("batch_size", "queue_wait_ns", "run_ns", "end_to_end_ns"):
    h = doc["histograms"][name]
    assert sum(b[2] for b in h["buckets"]) == h["count"], (name, h)
    assert h["min"] <= h["p50"] <= h["p90"] <= h["p99"] <= h["p999"] <= h["max"], (name, h)
assert doc["histograms"]["queue_wait_ns"]["count"] == s["completed"] + s["inflight_items"]
assert "available" in doc["manager"]
print("json: ok")
PY
promtool check metrics < "$dir/metrics.prom"
grep -q '^workgrinder_items_submitted_total 100$' "$dir/metrics.prom"
echo "prometheus: ok"
