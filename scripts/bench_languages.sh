#!/usr/bin/env bash
# Runs the Go, Rust and Python bindings' benchmarks (each against what a user
# of that language writes instead; see examples/go/bench,
# examples/rust/workgrinder/examples/bench.rs and examples/python/bench.py)
# against an install of BUILD_DIR's library in a temporary prefix, as
# scripts/test.sh runs the bindings' tests. scripts/bench.sh calls it.
# Usage: scripts/bench_languages.sh BUILD_DIR [--short]
set -euo pipefail
cd "$(dirname "$0")/.."
if [ $# -lt 1 ] || [ ! -f "$1/CMakeCache.txt" ]; then
  echo "usage: scripts/bench_languages.sh BUILD_DIR [--short] (BUILD_DIR: a configured build)" >&2
  exit 2
fi
build=$(cd "$1" && pwd)
shift
short=()
for a in "$@"; do
  case "$a" in
    --short) short=(--short) ;;
    *) echo "bench_languages.sh: unknown option $a" >&2; exit 2 ;;
  esac
done
scripts/deps.sh cargo golang-go python3
export HOME="${HOME:-$(mktemp -d)}" # cargo and go keep caches under it

cmake --build "$build" --target workgrinder
prefix=$(mktemp -d)
trap 'rm -rf "$prefix"' EXIT
cmake --install "$build" --prefix "$prefix" >/dev/null
libdir=$(dirname "$(find "$prefix" -name 'libworkgrinder.so.0' | head -n 1)")
export PKG_CONFIG_PATH="$libdir/pkgconfig"
export LD_LIBRARY_PATH="$libdir"
# CGO_LDFLAGS is part of Go's build-cache key; pkg-config's output is not.
export CGO_LDFLAGS="-g -O2 -L$libdir"

fail() { echo "bench_languages.sh: the $1 benchmark failed (status $2)" >&2; exit 1; }

printf '\n=== Go (examples/go/bench)\n'
(cd examples/go && go run ./bench "${short[@]}") || fail Go $?

printf '\n=== Rust (examples/rust/workgrinder/examples/bench.rs, Debian'"'"'s rustc)\n'
# The target directory stays in the build tree: a later run recompiles only
# workgrinder-sys (its build script reruns when PKG_CONFIG_PATH changes).
(cd examples/rust && PATH="/usr/bin:$PATH" CARGO_TARGET_DIR="$build/rust-bench" \
  cargo run -q --release -p workgrinder --example bench -- "${short[@]}") || fail Rust $?

# Debian's python3, as scripts/test.sh uses.
py=$(command -v /usr/bin/python3 || command -v python3)
printf '\n=== Python (examples/python/bench.py, %s)\n' "$("$py" --version)"
# Run from the checkout: `import workgrinder` is examples/python's package,
# which finds the installed library through LD_LIBRARY_PATH.
"$py" examples/python/bench.py "${short[@]}" || fail Python $?
