#!/usr/bin/env bash
# Installs what is missing, builds with -Wall -Wextra -Werror, runs every test,
# runs them again under AddressSanitizer + UndefinedBehaviorSanitizer and under
# ThreadSanitizer (each with a minute of the stress test), runs the C examples
# under valgrind, checks formatting and the ABI (scripts/abi_check.sh),
# installs to a
# temporary prefix and builds and runs examples against that install through
# pkg-config and find_package. WG_STRESS_SECONDS shortens the stress runs.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh clang-format binutils valgrind abigail-tools
jobs=$(nproc)

step() { printf '\n=== %s\n' "$*"; }

step "format (clang-format --dry-run -Werror)"
git ls-files '*.c' '*.cpp' '*.h' '*.hpp' | xargs clang-format --dry-run -Werror

step "build and test (RelWithDebInfo, -Werror)"
cmake -S . -B build/test -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo
cmake --build build/test
(cd build/test && ctest --output-on-failure -j "$jobs")

step "ABI guard: exported symbols, SONAME, abidiff against abi/libworkgrinder.abi"
scripts/abi_check.sh build/test

step "build and test under AddressSanitizer + UndefinedBehaviorSanitizer"
cmake -S . -B build/asan -G Ninja -DCMAKE_BUILD_TYPE=Debug -DWG_SANITIZE=address,undefined
cmake --build build/asan
(cd build/asan && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
  ctest --output-on-failure -j "$jobs")

step "stress test under AddressSanitizer (about a minute)"
build/asan/tests/workgrinder_stress --seconds "${WG_STRESS_SECONDS:-60}"

step "build and test under ThreadSanitizer"
cmake -S . -B build/tsan -G Ninja -DCMAKE_BUILD_TYPE=Debug -DWG_SANITIZE=thread
cmake --build build/tsan
(cd build/tsan && TSAN_OPTIONS=halt_on_error=1 ctest --output-on-failure -j "$jobs")

step "stress test under ThreadSanitizer (about a minute)"
TSAN_OPTIONS=halt_on_error=1 build/tsan/tests/workgrinder_stress --seconds "${WG_STRESS_SECONDS:-60}"

step "valgrind memcheck of the C examples"
for ex in build/test/examples/example_c_*; do
  valgrind -q --error-exitcode=1 --leak-check=full --show-leak-kinds=all \
    --errors-for-leak-kinds=all "$ex" >/dev/null
  echo "$ex: no errors, no leaks"
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

step "all tests passed"
