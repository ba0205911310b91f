#!/usr/bin/env bash
# The README's test command: installs what it needs, rebuilds the program from source, checks every
# generated file is in sync, lints, type-checks and runs every test tier against the rebuilt program.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh

echo "== program: rebuild from source (pinned Debian toolchain) =="
bash program/build.sh --out program/target/akash_bme.so --check
export AKASH_BME_SO="$PWD/program/target/akash_bme.so"

echo "== generated code in sync with the IDL =="
python3 program/tools/gen_idl_consts.py --check
echo "(the generated Python client is checked by tests/unit/test_generated_in_sync.py)"

echo "== lint and types =="
if command -v rustfmt >/dev/null; then rustfmt --check --edition 2021 --config-path program/rustfmt.toml program/src/lib.rs; fi
.venv/bin/ruff check client tests bench program/tools
.venv/bin/mypy

echo "== tests =="
.venv/bin/pytest -q -p no:cacheprovider "$@"
