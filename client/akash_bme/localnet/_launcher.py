"""Where the Surfpool launcher lives, and getting its pinned npm dependencies in place.

The addon is 40 MB and platform specific, so it is not committed: `npm ci` installs exactly what
`localnet/package-lock.json` pins, once, and again only when the lock file changes.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from .._errors import BmeError

__all__ = ["LocalnetError", "ensure_node_modules", "localnet_dir"]

LOCALNET_DIR_ENV = "AKASH_BME_LOCALNET_DIR"
LAUNCHER = "surfnet.js"
_STAMP = ".akash-bme-lock.sha256"
"""Written into node_modules after a successful `npm ci`: the hash of the lock file it installed."""


class LocalnetError(BmeError):
    """A localnet could not be installed, started, reached or stopped."""


def localnet_dir() -> Path:
    """The `localnet/` directory: `$AKASH_BME_LOCALNET_DIR`, else the one in this repository checkout."""
    configured = os.environ.get(LOCALNET_DIR_ENV)
    directory = Path(configured) if configured else Path(__file__).resolve().parents[3] / "localnet"
    if not (directory / LAUNCHER).is_file():
        raise LocalnetError(
            f"no {LAUNCHER} in {directory}: run from a checkout of akash-bme "
            f"or set {LOCALNET_DIR_ENV} to its localnet/ directory"
        )
    return directory


def ensure_node_modules(directory: Path | None = None) -> Path:
    """Run `npm ci` in `directory` unless node_modules already holds what the lock file pins.

    Idempotent and safe to call from concurrent processes (they serialise on a lock file).
    Returns the node_modules directory.
    """
    directory = directory or localnet_dir()
    lock = directory / "package-lock.json"
    modules = directory / "node_modules"
    stamp = modules / _STAMP
    try:
        wanted = hashlib.sha256(lock.read_bytes()).hexdigest()
    except FileNotFoundError:
        raise LocalnetError(f"{lock} is missing: the Surfpool version must be pinned") from None
    if _read(stamp) == wanted:
        return modules
    npm = shutil.which("npm")
    if npm is None:
        raise LocalnetError("npm is not on PATH: install Node.js 20 or newer (it ships npm)")
    key = hashlib.sha256(str(directory.resolve()).encode()).hexdigest()[:16]
    with open(Path(tempfile.gettempdir()) / f"akash-bme-npm-{key}.lock", "w") as guard:
        fcntl.flock(guard, fcntl.LOCK_EX)
        if _read(stamp) == wanted:  # another process installed it while we waited
            return modules
        result = subprocess.run(
            [npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"],
            cwd=directory,
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode != 0:
            raise LocalnetError(f"`npm ci` failed in {directory}:\n{result.stdout}{result.stderr}")
        stamp.write_text(wanted)
    return modules


def _read(path: Path) -> str | None:
    try:
        return path.read_text()
    except FileNotFoundError:
        return None
