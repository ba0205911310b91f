"""The committed `akash_bme.generated` package is exactly what the generator makes from idl/akash_bme.json."""

from __future__ import annotations

from pathlib import Path

from akash_bme.codegen import generate

ROOT = Path(__file__).resolve().parents[2]
COMMITTED = ROOT / "client" / "akash_bme" / "generated"


def test_generated_package_is_in_sync(tmp_path: Path) -> None:
    generate(ROOT / "idl" / "akash_bme.json", tmp_path / "generated")
    fresh = {
        p.relative_to(tmp_path / "generated"): p.read_text() for p in (tmp_path / "generated").rglob("*.py")
    }
    committed = {p.relative_to(COMMITTED): p.read_text() for p in COMMITTED.rglob("*.py")}
    assert fresh == committed, (
        "run: python -m akash_bme.codegen idl/akash_bme.json client/akash_bme/generated"
    )
