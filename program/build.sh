#!/usr/bin/env bash
# Build the program (DESIGN.md section 3): installs the pinned Debian toolchain if missing, then runs build.py.
set -euo pipefail
if [ ! -x /usr/bin/rustc ] || ! command -v llc-22 >/dev/null || [ ! -d /usr/lib/rustlib/bpfel-unknown-none ]; then
    sudo=$([ "$(id -u)" -eq 0 ] || echo sudo)
    $sudo apt-get update
    $sudo apt-get install -y rustc-web libstd-rust-web-dev-bpf llvm-22
fi
exec python3 "$(dirname "$0")/tools/build.py" "$@"
