#!/usr/bin/env bash
# Installs what is missing, builds with -Wall -Wextra -Werror, runs every test,
# runs them again under AddressSanitizer + UndefinedBehaviorSanitizer and under
# ThreadSanitizer (each with a minute of the stress test), runs the C examples
# under valgrind, checks formatting, the ABI (scripts/abi_check.sh) and that
# the generated configuration docs are current, runs the fuzzers briefly,
# installs to a temporary prefix and builds and runs examples against that
# install through pkg-config and find_package, builds the library alone (no
# tests, benchmark or examples) and a consumer against it, then the Rust, Go
# and Python bindings' tests against the first install.
# The database examples run against real SQLite and against a PostgreSQL
# server that scripts/pg_server.sh starts for each test (and removes after it).
# WG_STRESS_SECONDS and WG_FUZZ_SECONDS shorten the stress and fuzz runs.
set -euo pipefail
cd "$(dirname "$0")/.."
export HOME="${HOME:-$(mktemp -d)}"  # cargo and go keep caches under it
scripts/deps.sh clang-format binutils valgrind abigail-tools clang libclang-rt-14-dev \
  libboost-dev cargo golang-go python3 python3-venv python3-pip python3-setuptools \
  libsqlite3-dev libpq-dev postgresql locales prometheus curl
# Locale.* parses durations under a decimal-comma locale; it fails without it.
if ! locale -a | grep -qx 'de_DE.utf8'; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo localedef -i de_DE -f UTF-8 de_DE.UTF-8
fi
jobs=$(nproc)

step() { printf '\n=== %s\n' "$*"; }

step "format (clang-format --dry-run -Werror)"
git ls-files '*.c' '*.cpp' '*.h' '*.hpp' | xargs clang-format --dry-run -Werror

step "build and test (RelWithDebInfo, -Werror)"
cmake -S . -B build/test -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DWG_WERROR=ON \
  -DBUILD_TESTING=ON -DWG_BUILD_BENCH=ON -DWG_REQUIRE_DATABASES=ON
cmake --build build/test
(cd build/test && ctest --output-on-failure -j "$jobs")

step "CONFIGURATION.md and README.md's table are generated from src/config_keys.cpp"
scripts/gen_config_doc.sh --check build/test

step "benchmark, short mode (not pass/fail: keeps it from rotting)"
scripts/pg_server.sh run build/test/tests/workgrinder_bench --short --out build/test/bench-results

step "ABI guard: exported symbols, SONAME, abidiff against abi/libworkgrinder.abi"
scripts/abi_check.sh build/test

step "build and test under AddressSanitizer + UndefinedBehaviorSanitizer"
cmake -S . -B build/asan -G Ninja -DCMAKE_BUILD_TYPE=Debug -DWG_SANITIZE=address,undefined \
  -DWG_WERROR=ON -DBUILD_TESTING=ON -DWG_REQUIRE_DATABASES=ON
cmake --build build/asan
(cd build/asan && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
  ctest --output-on-failure -j "$jobs")

step "stress test under AddressSanitizer (about a minute)"
build/asan/tests/workgrinder_stress --seconds "${WG_STRESS_SECONDS:-60}"

step "build and test under ThreadSanitizer"
tsan_supp="$PWD/tests/tsan.supp"
cmake -S . -B build/tsan -G Ninja -DCMAKE_BUILD_TYPE=Debug -DWG_SANITIZE=thread -DWG_WERROR=ON \
  -DBUILD_TESTING=ON -DWG_REQUIRE_DATABASES=ON
cmake --build build/tsan
(cd build/tsan && TSAN_OPTIONS="halt_on_error=1 suppressions=$tsan_supp" ctest --output-on-failure -j "$jobs")

step "stress test under ThreadSanitizer (about a minute)"
TSAN_OPTIONS="halt_on_error=1 suppressions=$tsan_supp" build/tsan/tests/workgrinder_stress --seconds "${WG_STRESS_SECONDS:-60}"

step "valgrind memcheck of the C examples"
for ex in build/test/examples/example_c_*; do
  valgrind -q --error-exitcode=1 --leak-check=full --show-leak-kinds=all \
    --errors-for-leak-kinds=all "$ex" >/dev/null
  echo "$ex: no errors, no leaks"
done
vg=(valgrind -q --error-exitcode=1 --leak-check=full --show-leak-kinds=all --errors-for-leak-kinds=all)
"${vg[@]}" build/test/examples/example_sqlite_writer --producers 2 --events 2000 >/dev/null
scripts/pg_server.sh run "${vg[@]}" build/test/examples/example_postgres_writer --producers 2 \
  --events 2000 >/dev/null
echo "example_sqlite_writer, example_postgres_writer: no errors, no leaks"

step "fuzzers (libFuzzer, ASan + UBSan), ${WG_FUZZ_SECONDS:-60} s each"
CC=clang CXX=clang++ cmake -S . -B build/fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DWG_BUILD_FUZZERS=ON -DBUILD_TESTING=OFF -DWG_BUILD_EXAMPLES=OFF -DWG_SANITIZE=address,undefined \
  -DWG_WERROR=ON
cmake --build build/fuzz
for target in conf api; do
  corpus="build/fuzz/corpus/$target"
  mkdir -p "$corpus"
  build/fuzz/tests/fuzz/fuzz_$target -max_total_time="${WG_FUZZ_SECONDS:-60}" -print_final_stats=1 \
    -rss_limit_mb=4096 "$corpus" "tests/fuzz/corpus/$target" 2>&1 |
    grep -E '^(Done|stat::(number_of_executed_units|new_units_added))|ERROR|SUMMARY'
  [ "${PIPESTATUS[0]}" -eq 0 ] || { echo "fuzz_$target found a failure"; exit 1; }
done

step "install to a temporary prefix; build against it"
prefix=$(mktemp -d)
trap 'rm -rf "$prefix"' EXIT
cmake --install build/test --prefix "$prefix" >/dev/null
libdir=$(dirname "$(find "$prefix" -name 'libworkgrinder.so.0' | head -n 1)")
export PKG_CONFIG_PATH="$libdir/pkgconfig"
export LD_LIBRARY_PATH="$libdir"
echo "pkg-config --cflags --libs workgrinder: $(pkg-config --cflags --libs workgrinder)"
cc -Wall -Wextra -Werror examples/c/enqueue_cancel.c $(pkg-config --cflags --libs workgrinder) \
  -o "$prefix/via_pkgconfig"
"$prefix/via_pkgconfig"
cmake -S examples/consumer -B "$prefix/consumer" -G Ninja -DCMAKE_PREFIX_PATH="$prefix" >/dev/null
cmake --build "$prefix/consumer"
"$prefix/consumer/consumer_c"
"$prefix/consumer/consumer_cpp"
echo "pkg-config and find_package builds ran"

step "library alone: no tests, benchmark or examples (needs only libuv and a C++17 compiler)"
cmake -S . -B build/alone -G Ninja -DBUILD_TESTING=OFF -DWG_BUILD_BENCH=OFF \
  -DWG_BUILD_EXAMPLES=OFF >/dev/null
if grep -E '^(GTest|Boost)_DIR:' build/alone/CMakeCache.txt; then
  echo "the library alone looked for GoogleTest or Boost"; exit 1
fi
cmake --build build/alone
cmake --install build/alone --prefix "$prefix/alone" >/dev/null
cmake -S examples/consumer -B "$prefix/consumer-alone" -G Ninja \
  -DCMAKE_PREFIX_PATH="$prefix/alone" >/dev/null
cmake --build "$prefix/consumer-alone"
LD_LIBRARY_PATH="$(dirname "$(find "$prefix/alone" -name 'libworkgrinder.so.0' | head -n 1)")" \
  "$prefix/consumer-alone/consumer_cpp"
echo "built alone, installed, and used through find_package"

# The README's example for a language: its first fenced block of that language.
repo=$PWD
readme_example() { awk -v lang="$1" '$0 == "```" lang { on = 1; next } on && $0 == "```" { exit } on' "$repo/README.md"; }

step "Rust crates (Debian's rustc 1.63) against the install"
(cd examples/rust && PATH="/usr/bin:$PATH" CARGO_TARGET_DIR="$prefix/rust-debian" cargo test &&
  PATH="/usr/bin:$PATH" CARGO_TARGET_DIR="$prefix/rust-debian" cargo run -q -p workgrinder --example usage)
echo "a new crate with path dependencies on workgrinder and workgrinder-sys runs the README's example:"
(cd "$prefix" && export PATH="/usr/bin:$PATH" CARGO_TARGET_DIR="$prefix/rust-debian" &&
  cargo new -q --offline --vcs none rust-consumer && cd rust-consumer &&
  cargo add -q --offline --path "$repo/examples/rust/workgrinder" &&
  cargo add -q --offline --path "$repo/examples/rust/workgrinder-sys" &&
  readme_example rust >src/main.rs && cargo run -q)
if current=$(command -v cargo) && [ "$current" != /usr/bin/cargo ] && "$current" --version >/dev/null 2>&1; then
  echo "and with $($current --version) from $current"
  (cd examples/rust && CARGO_TARGET_DIR="$prefix/rust-current" "$current" test -q)
fi

step "Go module (go test -race) against the install"
# CGO_LDFLAGS is part of Go's build-cache key; pkg-config's output is not, and
# a cached package would otherwise keep a previous run's library path.
export CGO_LDFLAGS="-g -O2 -L$libdir"
(cd examples/go && go vet ./... && go test -race -count=1 -timeout 300s -v ./... | grep -E '^(---|ok|FAIL|PASS)' &&
  go run ./example)
echo "a new module with the README's replace line runs the README's example (GOPROXY=off):"
mkdir "$prefix/go-consumer"
(cd "$prefix/go-consumer" && go mod init consumer >/dev/null 2>&1 &&
  go mod edit -require=example.com/workgrinder@v0.0.0 -replace=example.com/workgrinder="$repo/examples/go" &&
  readme_example go >main.go && GOPROXY=off go run .)

step "Python package (pip install into a venv) against the install"
# Debian's pip refuses system installs (PEP 668): a venv that sees Debian's
# setuptools, which builds the package offline (--no-build-isolation). A stale
# setuptools build/ directory could carry deleted modules into the install.
rm -rf examples/python/build
/usr/bin/python3 -m venv --system-site-packages "$prefix/venv"
"$prefix/venv/bin/python" -m pip install -q --no-build-isolation --no-index ./examples/python
# Without LD_LIBRARY_PATH: the package finds the library through pkg-config's
# libdir. Run from outside the source tree so that the installed copy is tested.
(cd "$prefix" && env -u LD_LIBRARY_PATH "$prefix/venv/bin/python" -m unittest discover -v \
  -s "$repo/examples/python/tests" 2>&1 | tail -n 25)
echo "the README's example:"
(cd "$prefix" && readme_example python | env -u LD_LIBRARY_PATH "$prefix/venv/bin/python" -)
echo "the language benchmark, short (keeps it from rotting; its numbers are noise here):"
(cd "$prefix" && env -u LD_LIBRARY_PATH "$prefix/venv/bin/python" \
  "$repo/examples/python/bench.py" --short >/dev/null)

step "all tests passed"
