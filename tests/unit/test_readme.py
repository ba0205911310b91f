"""The README's quickstart runs as written (the ```python block after `<!-- quickstart -->`)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.program

README = Path(__file__).resolve().parents[2] / "README.md"


def quickstart() -> str:
    found = re.search(r"<!-- quickstart -->\s*```python\n(.*?)```", README.read_text(), re.S)
    assert found is not None, "README has no ```python block marked <!-- quickstart -->"
    return found.group(1)


def test_readme_quickstart_runs(tmp_path: Path) -> None:
    script = tmp_path / "quickstart.py"
    script.write_text(quickstart())
    done = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, timeout=300, check=False
    )
    assert done.returncode == 0, done.stderr
    assert "burned" in done.stdout and "minted" in done.stdout
