"""Build the on-chain program without the Solana toolchain (DESIGN.md section 3).

Route: Debian rustc (bpfel-unknown-none, fat LTO, one codegen unit) -> bitcode -> llvm-link -> llvm-dis ->
ir_pass (memory intrinsics to syscalls) -> llvm-as -> llc -> sbf_link (SBPFv0 shared object).
Paths are remapped and debug info dropped, so the same sources give the same bytes on any checkout.

Usage: python3 program/tools/build.py [--out localnet/akash_bme.so] [--check]
"""

from __future__ import annotations

import argparse
import hashlib
import shutil
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from ir_pass import IrPassError, rewrite_ir
from sbf_link import LinkError, link, parse_elf

REPO = Path(__file__).resolve().parents[2]
RUSTC = "/usr/bin/rustc"  # rustup's rustc comes first on PATH and has no BPF core
LLVM = {tool: f"{tool}-22" for tool in ("llvm-ar", "llvm-link", "llvm-dis", "llvm-as", "llc")}
RUSTC_FLAGS = (
    "--edition",
    "2021",
    "--target",
    "bpfel-unknown-none",
    "--crate-type",
    "staticlib",
    "-C",
    "opt-level=3",
    "-C",
    "panic=abort",
    "-C",
    "codegen-units=1",
    "-C",
    "target-cpu=v2",
    "-C",
    "lto=fat",
    "-C",
    "debuginfo=0",
    "-D",
    "warnings",
)
LLC_FLAGS = (
    "-march=bpfel",
    "-mcpu=v2",
    "-O2",
    "-filetype=obj",
    "-bpf-stack-size=4096",
    # Cold functions would go to `.text.unlikely.`; the loader accepts exactly one `.text`.
    "-profile-guided-section-prefix=false",
)


class BuildError(Exception):
    """A build step failed; the message carries the tool's output."""


def missing_tools() -> list[str]:
    """Tools of the route that are not installed (empty when a build can run)."""
    missing = [] if Path(RUSTC).exists() else [RUSTC]
    return missing + [t for t in LLVM.values() if shutil.which(t) is None]


def _run(argv: list[str], cwd: Path) -> str:
    proc = subprocess.run(argv, cwd=cwd, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise BuildError(f"{Path(argv[0]).name} failed ({proc.returncode}):\n{proc.stderr}{proc.stdout}")
    return proc.stderr


def compile_object(crate_root: Path, workdir: Path, crate_name: str) -> bytes:
    """Compile a no_std crate to a relocatable BPF object with memory intrinsics turned into syscalls."""
    crate_root = crate_root.resolve()
    workdir.mkdir(parents=True, exist_ok=True)
    members = workdir / "members"
    shutil.rmtree(members, ignore_errors=True)
    members.mkdir()
    source_dir = crate_root.parent
    remap = [
        f"--remap-path-prefix={source_dir}={crate_name}/src",
        f"--remap-path-prefix={workdir.resolve()}=build",
    ]
    warnings = _run(
        [
            RUSTC,
            *RUSTC_FLAGS,
            *remap,
            "--crate-name",
            crate_name,
            str(crate_root),
            "-o",
            str(workdir / "program.a"),
        ],
        source_dir,
    )
    if warnings.strip():
        print(warnings, file=sys.stderr)
    _run([LLVM["llvm-ar"], "x", str(workdir / "program.a")], members)
    bitcode = sorted(p for p in members.iterdir() if p.read_bytes()[:4] == b"BC\xc0\xde")
    if not bitcode or len(bitcode) != len(list(members.iterdir())):
        raise BuildError(f"expected only LLVM bitcode in the staticlib, found {sorted(members.iterdir())}")
    _run([LLVM["llvm-link"], *map(str, bitcode), "-o", "linked.bc"], workdir)
    _run([LLVM["llvm-dis"], "linked.bc", "-o", "linked.ll"], workdir)
    (workdir / "rewritten.ll").write_text(rewrite_ir((workdir / "linked.ll").read_text()))
    _run([LLVM["llvm-as"], "rewritten.ll", "-o", "rewritten.bc"], workdir)
    _run([LLVM["llc"], *LLC_FLAGS, "rewritten.bc", "-o", "program.o"], workdir)
    return (workdir / "program.o").read_bytes()


def build_program(crate_root: Path, workdir: Path, crate_name: str) -> bytes:
    """Compile and link a crate into a deployable SBPFv0 program."""
    return link(compile_object(crate_root, workdir, crate_name))


def describe(program: bytes) -> str:
    text = parse_elf(program).section(".text")
    return (
        f"{len(program)} bytes, {text.size // 8} instructions, sha256 {hashlib.sha256(program).hexdigest()}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=REPO / "localnet" / "akash_bme.so")
    parser.add_argument(
        "--check",
        action="store_true",
        help="compare with the committed localnet/akash_bme.so and report whether it is identical",
    )
    args = parser.parse_args(argv)
    if missing := missing_tools():
        print(
            f"build: missing tools: {', '.join(missing)} (run program/build.sh to install them)",
            file=sys.stderr,
        )
        return 1
    committed = REPO / "localnet" / "akash_bme.so"
    before = committed.read_bytes() if args.check and committed.exists() else None
    try:
        program = build_program(
            REPO / "program" / "src" / "lib.rs", REPO / "program" / "target" / "sbf", "akash_bme"
        )
    except (BuildError, IrPassError, LinkError) as exc:
        print(f"build: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_bytes(program)
    print(f"built {args.out}: {describe(program)}")
    if args.check:
        if before is None:
            print(f"check: no committed {committed.relative_to(REPO)} to compare with")
        else:
            same = "byte-identical to" if before == program else "DIFFERENT from"
            print(
                f"check: rebuild is {same} the committed {committed.relative_to(REPO)} ({describe(before)})"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
