#!/usr/bin/env bash
# Installs the Debian 12 packages the build and tests need, if any is missing.
# Usage: scripts/deps.sh [extra packages...]
set -euo pipefail
need=(g++ cmake ninja-build pkg-config libuv1-dev libgtest-dev "$@")
missing=()
for p in "${need[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "installing: ${missing[*]}"
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
