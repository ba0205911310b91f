#!/usr/bin/env bash
# The README's first command: install what is needed (idempotent), then play the BME demo on a fresh
# Surfpool localnet (in-process when Node.js is missing). Extra arguments go to `akash-bme demo`.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/akash-bme demo "$@"
