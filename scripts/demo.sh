#!/usr/bin/env bash
# Installs what is missing, builds, and runs the demo. Extra arguments go to
# the demo, e.g. scripts/demo.sh --producers 8 --jobs 100000
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh
cmake -S . -B build/release -G Ninja -DCMAKE_BUILD_TYPE=Release -DBUILD_TESTING=OFF -DWG_WERROR=ON
cmake --build build/release
build/release/examples/workgrinder_demo "$@"
