#!/bin/sh
# Runs the demo with --metrics-port 0 (a free port) and scrapes its /metrics
# endpoint with curl: the document passes promtool, counts what the demo
# submitted, and other paths get 404. A missing tool is a failure.
# Usage: scrape_test.sh WORKGRINDER_DEMO_BINARY
set -eu
demo=$1
for tool in curl promtool; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "FAIL: $tool not found (apt-get install curl prometheus)" >&2
    exit 1
  fi
done
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
mkfifo "$dir/out"
# Two scrapes: the demo stays up until both were served, then exits.
"$demo" --producers 2 --jobs 20000 --metrics-port 0 --scrapes 2 >"$dir/out" &
pid=$!
exec 3<"$dir/out"
url=
while read -r line <&3; do
  case $line in "metrics: "*) url=${line#metrics: }; break ;; esac
done
[ -n "$url" ] || { echo "FAIL: the demo printed no metrics URL" >&2; exit 1; }
code=$(curl -s -o /dev/null -w '%{http_code}' "${url%/metrics}/other")
[ "$code" = 404 ] || { echo "FAIL: /other answered $code, not 404" >&2; exit 1; }
curl -sf "$url" >"$dir/first.prom"
promtool check metrics <"$dir/first.prom"
curl -sf "$url" >"$dir/second.prom"
cat <&3 >/dev/null  # the rest of the demo's output, until it exits
wait "$pid"
grep -q '^workgrinder_items_submitted_total [0-9]' "$dir/second.prom"
grep -q '^workgrinder_end_to_end_seconds_count [0-9]' "$dir/second.prom"
echo "scrape: ok"
