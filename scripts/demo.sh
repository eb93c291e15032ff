#!/usr/bin/env bash
# Installs what is missing, builds, and runs the demo. Extra arguments go to
# the demo, e.g. scripts/demo.sh --producers 8 --jobs 100000
# --postgres (no value) starts a throwaway PostgreSQL server
# (scripts/pg_server.sh) and makes every job a row written there by a batch
# handler; --postgres CONNINFO uses a server of yours instead.
set -euo pipefail
cd "$(dirname "$0")/.."
args=()
own_server=0
while [ $# -gt 0 ]; do
  if [ "$1" = --postgres ] && { [ $# -eq 1 ] || [[ "$2" == --* ]]; }; then
    own_server=1
  else
    args+=("$1")
  fi
  shift
done
config=()
if [ "$own_server" -eq 1 ]; then
  scripts/deps.sh libsqlite3-dev libpq-dev postgresql
  config=(-DWG_REQUIRE_DATABASES=ON)
else
  scripts/deps.sh
fi
cmake -S . -B build/release -G Ninja -DCMAKE_BUILD_TYPE=Release -DBUILD_TESTING=OFF -DWG_WERROR=ON \
  "${config[@]}"
cmake --build build/release
demo=build/release/examples/workgrinder_demo
if [ "$own_server" -eq 1 ]; then
  scripts/pg_server.sh run bash -c 'exec "$0" "$@" --postgres "$PGHOST"' "$demo" "${args[@]}"
else
  "$demo" "${args[@]}"
fi
