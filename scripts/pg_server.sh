#!/usr/bin/env bash
# A throwaway PostgreSQL server for the tests, the demo and the benchmark.
#
#   scripts/pg_server.sh start DIR     initdb into DIR/data and start a server that
#                                      listens only on a Unix socket in DIR
#   scripts/pg_server.sh stop DIR      stop it (immediate) and remove DIR
#   scripts/pg_server.sh run CMD ARGS  start one in a fresh temporary directory, run
#                                      CMD with PGHOST, PGPORT, PGUSER and PGDATABASE
#                                      set for it, then stop and remove it (on failure
#                                      too); exits with CMD's status
#
# The server refuses to run as root, so as root it runs as the `postgres`
# system user (created by Debian's postgresql package); otherwise as the
# calling user. No TCP: listen_addresses is empty and the port only names the
# socket file, so several servers can run at once. When the server cannot
# start, this fails with the reason and the tail of the server's log.
set -euo pipefail

port=5432

die() {
  echo "pg_server.sh: $*" >&2
  exit 1
}

# Debian keeps the server binaries out of PATH; pg_config --bindir names the
# client's directory, which lacks them. (`return 0`, not `return`: this also
# runs in the EXIT trap, where a bare return would give the trapped status.)
find_bindir() {
  local d
  if command -v initdb >/dev/null 2>&1 && command -v pg_ctl >/dev/null 2>&1; then
    dirname "$(command -v pg_ctl)"
    return 0
  fi
  for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
    if [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ] && [ -x "$d/postgres" ]; then
      echo "$d"
      return 0
    fi
  done
  die "no PostgreSQL server binaries (initdb, pg_ctl) in PATH or /usr/lib/postgresql/*/bin; install Debian's postgresql package (scripts/deps.sh postgresql)"
}

# The user the server runs as, and how to run a command as that user.
server_user() {
  if [ "$(id -u)" -eq 0 ]; then
    getent passwd postgres >/dev/null ||
      die "running as root, and there is no 'postgres' system user to run the server as (it comes with Debian's postgresql package)"
    echo postgres
  else
    id -un
  fi
}

as_server_user() {
  if [ "$(id -u)" -eq 0 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

start() {
  local dir="$1" bindir user
  bindir=$(find_bindir)
  user=$(server_user)
  mkdir -p "$dir"
  dir=$(cd "$dir" && pwd)
  # A Unix socket path must fit in 107 bytes.
  [ ${#dir} -le 80 ] || die "socket directory path too long for a Unix socket: $dir"
  [ "$(id -u)" -ne 0 ] || chown postgres: "$dir"
  chmod 700 "$dir"
  # The server user may not be allowed into the caller's working directory.
  cd "$dir"
  if ! as_server_user "$bindir/initdb" -D "$dir/data" -U "$user" --auth=trust -E UTF8 \
    --no-sync >"$dir/initdb.log" 2>&1; then
    tail -n 20 "$dir/initdb.log" >&2
    die "initdb into $dir/data failed (log above)"
  fi
  if ! as_server_user "$bindir/pg_ctl" start -w -t 60 -D "$dir/data" -l "$dir/server.log" \
    -o "-c listen_addresses='' -k $dir -p $port" >/dev/null 2>&1; then
    echo "--- last lines of $dir/server.log:" >&2
    tail -n 20 "$dir/server.log" >&2 || true
    die "the PostgreSQL server in $dir did not start (log above)"
  fi
}

stop() {
  local dir="$1" bindir
  bindir=$(find_bindir)
  if [ -f "$dir/data/postmaster.pid" ]; then
    (cd "$dir" && as_server_user "$bindir/pg_ctl" stop -m immediate -D "$dir/data" >/dev/null 2>&1) ||
      echo "pg_server.sh: pg_ctl stop failed in $dir" >&2
  fi
  rm -rf "$dir"
}

case "${1:-}" in
  start)
    [ $# -eq 2 ] || die "usage: pg_server.sh start DIR"
    start "$2"
    ;;
  stop)
    [ $# -eq 2 ] || die "usage: pg_server.sh stop DIR"
    stop "$2"
    ;;
  run)
    shift
    [ $# -ge 1 ] || die "usage: pg_server.sh run CMD [ARGS...]"
    dir=$(mktemp -d /tmp/wg-pg.XXXXXX)
    trap 'stop "$dir"' EXIT
    trap 'exit 130' INT TERM
    (start "$dir")
    user=$(server_user)
    status=0
    PGHOST="$dir" PGPORT="$port" PGUSER="$user" PGDATABASE=postgres "$@" || status=$?
    exit "$status"
    ;;
  *)
    die "usage: pg_server.sh start DIR | stop DIR | run CMD [ARGS...]"
    ;;
esac
