#!/usr/bin/env bash
# Nightly-style job (never in CI): the invariant state machine under the long hypothesis profile, and the
# opt-in tier on a real solana-test-validator when one is on PATH (see README "Other clusters").
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
.venv/bin/pytest -q tests/program/test_invariants.py --hypothesis-profile long "$@"
if command -v solana-test-validator >/dev/null; then
  AKASH_BME_AGAVE=1 .venv/bin/pytest -q -m agave
else
  echo "nightly: solana-test-validator not on PATH: agave tier skipped"
fi
