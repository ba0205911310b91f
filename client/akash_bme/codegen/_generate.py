"""Write the typed package for one IDL: delete the output folder, render every module, ruff-format it."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from ..idl import load_idl
from ..idl._model import EnumKind
from ._names import class_name, snake
from ._render import Renderer


def generate(idl_path: str | Path, outdir: str | Path) -> list[Path]:
    """Generate the package for `idl_path` into `outdir` (replaced entirely); returns the files written."""
    idl_path, outdir = Path(idl_path), Path(outdir)
    idl = load_idl(idl_path)
    renderer = Renderer(idl, idl_path.name)
    files: dict[str, str] = {}
    exports: dict[str, list[tuple[str, str]]] = {
        "types": [],
        "accounts": [],
        "events": [],
        "instructions": [],
    }
    for type_def in idl.types:
        loc = renderer.locations[type_def.name]
        files[f"{loc.package}/{loc.module}.py"] = renderer.type_module(type_def)
        names = [loc.cls] if not loc.generic else [loc.cls, "layout"]
        if loc.data_enum and isinstance(type_def.kind, EnumKind):
            names += [loc.cls + class_name(v.name) for v in type_def.kind.variants]
        exports[loc.package] += [(loc.module, n) for n in names if n != "layout"]
    for ix in idl.instructions:
        module = snake(ix.name)
        text, names = renderer.instruction_module(ix)
        files[f"instructions/{module}.py"] = text
        exports["instructions"] += [(module, n) for n in names]
    errors_text, error_names = renderer.errors_module()
    files["errors.py"] = errors_text
    files["program.py"] = renderer.program_module()
    docs = {
        "types": "Defined types.",
        "accounts": "Program accounts: decode, fetch, discriminator filter.",
        "events": "Events emitted with `sol_log_data`.",
        "instructions": "One builder per instruction.",
    }
    for package, entries in exports.items():
        files[f"{package}/__init__.py"] = renderer.barrel(entries, docs[package])
    top = [("errors", n) for n in error_names] + [("program", "PROGRAM_ID")]
    if idl.events:
        top += [("program", "Event"), ("program", "decode_events")]
    files["__init__.py"] = renderer.barrel(
        top,
        f"Typed client of `{idl.name}` generated from its IDL.",
        ("accounts", "events", "instructions", "types"),
    )
    if outdir.exists():
        shutil.rmtree(outdir)
    written = []
    for rel, text in sorted(files.items()):
        path = outdir / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        written.append(path)
    _ruff(outdir)
    return written


def _ruff(outdir: Path) -> None:
    """Sort imports and format with fixed settings, so the output does not depend on where it is written."""
    common = ["--isolated", "--line-length", "110", "--target-version", "py311"]
    ruff = [sys.executable, "-m", "ruff"]
    first_party = ["--config", "lint.isort.known-first-party = ['akash_bme']"]
    fix = ["--select", "I,F401", "--fix", "--quiet", *first_party]
    subprocess.run([*ruff, "check", *common, *fix, str(outdir)], check=True)
    subprocess.run([*ruff, "format", *common, "--quiet", str(outdir)], check=True)
