"""The IR pass on IR in the shapes rustc 1.96 / LLVM 22 emit for bpfel."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "program" / "tools"))

from ir_pass import IrPassError, rewrite_ir

pytestmark = pytest.mark.unit

HEADER = 'target datalayout = "e-m:e-p:64:64-i64:64-i128:128-n32:64-S128"\ntarget triple = "bpfel"\n'
OUT, IN = "ptr noalias writeonly captures(none)", "ptr noalias readonly captures(none)"
DECLS = f"""
declare void @llvm.memcpy.p0.p0.i64({OUT}, {IN}, i64, i1 immarg)
declare void @llvm.memmove.p0.p0.i64({OUT}, {IN}, i64, i1 immarg)
declare void @llvm.memset.p0.i64(ptr writeonly captures(none), i8, i64, i1 immarg)
declare void @llvm.memcpy.p0.p0.i32({OUT}, {IN}, i32, i1 immarg)
"""


def module(body: str, extra: str = "") -> str:
    function = f"define void @f(ptr %d, ptr %s, i64 %n, i32 %m, i8 %b) {{\n{body}\n  ret void\n}}\n"
    return f"{HEADER}\n{function}{DECLS}{extra}"


def assembles(text: str, tmp_path: Path) -> None:
    if shutil.which("llvm-as-22") is None:
        pytest.skip("llvm-as-22 not installed (program/build.sh installs it)")
    (tmp_path / "m.ll").write_text(text)
    subprocess.run(["llvm-as-22", str(tmp_path / "m.ll"), "-o", str(tmp_path / "m.bc")], check=True)


def test_large_constant_memcpy_becomes_sol_memcpy(tmp_path: Path) -> None:
    src = module(
        "  call void @llvm.memcpy.p0.p0.i64(ptr noundef nonnull align 1 dereferenceable(200) %d, "
        "ptr noundef nonnull readonly align 1 dereferenceable(200) %s, i64 200, i1 false)"
    )
    out = rewrite_ir(src)
    assert "  call void @sol_memcpy_(ptr %d, ptr %s, i64 200)" in out
    assert "declare void @sol_memcpy_(ptr, ptr, i64)" in out
    assert "call void @llvm.memcpy" not in out
    assembles(out, tmp_path)


def test_variable_lengths_and_i32_lengths_are_zero_extended(tmp_path: Path) -> None:
    src = module(
        "  tail call void @llvm.memcpy.p0.p0.i32(ptr align 8 %d, ptr align 8 %s, i32 %m, i1 false), !dbg !7\n"
        "  call void @llvm.memmove.p0.p0.i64(ptr %d, ptr %s, i64 %n, i1 false) #3",
        "attributes #3 = { nounwind }\n!7 = !{}\n",
    )
    out = rewrite_ir(src)
    assert (
        "  %sol.mem.1 = zext i32 %m to i64\n  call void @sol_memcpy_(ptr %d, ptr %s, i64 %sol.mem.1)" in out
    )
    assert "  call void @sol_memmove_(ptr %d, ptr %s, i64 %n)" in out
    assert "declare void @sol_memmove_(ptr, ptr, i64)" in out
    assembles(out, tmp_path)


def test_memset_passes_the_byte_as_a_register_value(tmp_path: Path) -> None:
    src = module(
        "  call void @llvm.memset.p0.i64(ptr noundef nonnull align 8 dereferenceable(4096) %d, i8 %b, "
        "i64 4096, i1 false)"
    )
    out = rewrite_ir(src)
    assert (
        "  %sol.mem.1 = zext i8 %b to i64\n  call void @sol_memset_(ptr %d, i64 %sol.mem.1, i64 4096)" in out
    )
    assert "declare void @sol_memset_(ptr, i64, i64)" in out
    assembles(out, tmp_path)


def test_short_constant_copies_stay_inline() -> None:
    body = (
        "  call void @llvm.memcpy.p0.p0.i64(ptr align 8 %d, ptr align 8 %s, i64 64, i1 false)\n"
        "  call void @llvm.memset.p0.i64(ptr align 1 %d, i8 0, i64 8, i1 false)\n"
        "  call void @llvm.memcpy.p0.p0.i64(ptr align 8 %d, ptr align 1 %s, i64 9, i1 false)"
    )
    out = rewrite_ir(module(body))
    assert "@llvm.memcpy.p0.p0.i64(ptr align 8 %d, ptr align 8 %s, i64 64" in out
    assert "@llvm.memset.p0.i64(ptr align 1 %d, i8 0, i64 8" in out
    assert "call void @sol_memcpy_(ptr %d, ptr %s, i64 9)" in out  # 9 single-byte chunks > 8
    assert rewrite_ir(module(body), inline_max_chunks=0).count("@sol_mem") == 3 + 2  # 3 calls, 2 declarations


def test_plain_libcall_result_is_the_destination(tmp_path: Path) -> None:
    src = module(
        "  %r = call ptr @memcpy(ptr %d, ptr %s, i64 %n)\n  store i8 0, ptr %r",
        "declare ptr @memcpy(ptr, ptr, i64)\n",
    )
    out = rewrite_ir(src)
    assert "  call void @sol_memcpy_(ptr %d, ptr %s, i64 %n)\n  %r = getelementptr i8, ptr %d, i64 0" in out
    assembles(out, tmp_path)


def test_existing_syscall_declaration_is_reused(tmp_path: Path) -> None:
    src = module(
        "  call void @llvm.memset.p0.i64(ptr %d, i8 7, i64 %n, i1 false)",
        "declare noundef i64 @sol_memset_(ptr noundef captures(none), i8 noundef, i64 noundef)\n",
    )
    out = rewrite_ir(src)
    assert "  call i64 @sol_memset_(ptr %d, i8 7, i64 %n)" in out
    assert out.count("@sol_memset_(") == 2
    assembles(out, tmp_path)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            "  call void @llvm.memcpy.element.unordered.atomic.p0.p0.i64(ptr %d, ptr %s, i64 %n, i32 8)",
            "unsupported intrinsic variant",
        ),
        ("  call void @llvm.memcpy.inline.p0.p0.i64(ptr %d, ptr %s, i64 %n)", "unexpected signature"),
        ("  %p = alloca ptr\n  store ptr @llvm.memcpy.p0.p0.i64, ptr %p", "does not handle"),
        (
            "  call void @llvm.memcpy.p0.p0.i64(ptr weird(1) %d, ptr %s, i64 %n, i1 false)",
            "cannot parse argument",
        ),
    ],
)
def test_refuses_what_it_does_not_understand(body: str, message: str) -> None:
    with pytest.raises(IrPassError, match=message):
        rewrite_ir(module(body))
