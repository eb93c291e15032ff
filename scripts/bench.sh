#!/usr/bin/env bash
# Installs what is missing (Boost headers for the Asio baseline, gnuplot for
# the plots), builds the benchmark (Release) and runs every scenario against
# every baseline. Plots and their data go to build/bench/results unless
# --out DIR is given (docs/performance.md uses --out docs/performance).
# Other options go to workgrinder_bench: --short, --only SECTION. The
# databases section writes to SQLite (a temporary file) and to a throwaway
# PostgreSQL server that scripts/pg_server.sh starts for the run. The Go,
# Rust and Python benchmarks (scripts/bench_languages.sh) run after the
# others, or alone with --only languages.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh libboost-dev gnuplot-nox libsqlite3-dev libpq-dev postgresql
cmake -S . -B build/bench -G Ninja -DCMAKE_BUILD_TYPE=Release -DWG_BUILD_BENCH=ON \
  -DBUILD_TESTING=OFF -DWG_BUILD_EXAMPLES=OFF -DWG_WERROR=ON -DWG_REQUIRE_DATABASES=ON >/dev/null
out=build/bench/results
args=()
only=""
short=()
while [ $# -gt 0 ]; do
  case "$1" in
    --out) out="$2"; shift 2 ;;
    --only) only="${2:?--only needs a SECTION}"; args+=("$1" "$2"); shift 2 ;;
    --short) short=(--short); args+=("$1"); shift ;;
    *) args+=("$1"); shift ;;
  esac
done
if [ "$only" != languages ]; then
  cmake --build build/bench --target workgrinder_bench
  mkdir -p "$out"
  scripts/pg_server.sh run build/bench/tests/workgrinder_bench --out "$out" "${args[@]}"
fi
if [ -z "$only" ] || [ "$only" = languages ]; then
  scripts/bench_languages.sh build/bench "${short[@]}"
fi
