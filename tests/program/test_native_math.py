"""program/src/math.rs's own edge tests, compiled natively with `rustc --test` (the BPF build cannot
run them) and run."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from akash_bme.bootstrap import REPO_ROOT

pytestmark = pytest.mark.unit

MATH_RS = REPO_ROOT / "program" / "src" / "math.rs"


def test_math_rs_unit_tests_pass(tmp_path: Path) -> None:
    rustc = shutil.which("rustc")
    if rustc is None:
        pytest.skip("rustc is not on PATH: install a native Rust toolchain (rustup) to run math.rs's tests")
    binary = tmp_path / "math_tests"
    build = subprocess.run(
        [rustc, "--edition", "2021", "--test", "-O", str(MATH_RS), "-o", str(binary)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert build.returncode == 0, build.stderr
    run = subprocess.run([str(binary)], capture_output=True, text=True, check=False, timeout=120)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "test result: ok." in run.stdout and " 0 failed" in run.stdout, run.stdout
