#!/usr/bin/env bash
# Idempotent set-up shared by the README's two commands: the Python environment (.venv with the package
# and its dev extras) and the pinned Surfpool in localnet/node_modules. Re-running only redoes what changed.
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
command -v python3 >/dev/null || need_apt+=(python3)
python3 -c "import venv, ensurepip" 2>/dev/null || need_apt+=(python3-venv)
if [ "${#need_apt[@]}" -gt 0 ]; then
  sudo_cmd=""; [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq && $sudo_cmd env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}"
fi

stamp=.venv/.akash-bme-installed
want=$(sha256sum pyproject.toml | cut -d' ' -f1)
if [ ! -x .venv/bin/python ] || [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  echo "setup: installing the Python environment (.venv)"
  python3 -m venv .venv
  .venv/bin/pip install -q --upgrade pip
  .venv/bin/pip install -q -e ".[dev]"
  echo "$want" > "$stamp"
fi

if command -v node >/dev/null && command -v npm >/dev/null; then
  lock=localnet/node_modules/.package-lock.json
  if [ ! -f "$lock" ] || [ localnet/package-lock.json -nt "$lock" ]; then
    echo "setup: installing the pinned Surfpool (npm ci in localnet/)"
    (cd localnet && npm ci --no-audit --no-fund --loglevel=error)
  fi
else
  echo "setup: node/npm not found: the Surfpool tiers will be skipped and the demo falls back to the in-process runtime"
fi
