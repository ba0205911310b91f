"""Rewrite memory intrinsics in LLVM IR text into Solana's memory syscalls.

The BPF backend refuses every libcall, so a `llvm.memcpy`/`llvm.memmove`/`llvm.memset` of variable length
(or one too long to expand inline) stops `llc`. Solana offers the same operations as syscalls
(`sol_memcpy_(dst, src, n)`, `sol_memmove_(dst, src, n)`, `sol_memset_(dst, byte, n)`), cheaper in compute
units than an inline byte loop for anything but a handful of words. This pass rewrites such calls (and plain
`memcpy`/`memmove`/`memset` calls) before `llc`; short constant-length copies stay inline because a few loads
and stores cost less than a syscall. Anything it does not understand is refused with `IrPassError`, never
left behind as a libcall that would only fail later.

Usage: python3 ir_pass.py IN.ll OUT.ll
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass

SYSCALL_OF = {"memcpy": "sol_memcpy_", "memmove": "sol_memmove_", "memset": "sol_memset_"}

# Inline expansion costs one load and one store per `align`-sized chunk; the syscall costs ~10 CU.
DEFAULT_INLINE_MAX_CHUNKS = 8

_CALL = re.compile(
    r"^(?P<indent>\s*)(?:(?P<result>%[-\w.$\"]+) = )?(?:(?:tail|musttail|notail) )?call "
    r"(?P<ret>\S+) @(?P<callee>llvm\.mem(?:cpy|move|set)[\w.]*|memcpy|memmove|memset)\("
)
_MENTION = re.compile(r"@(llvm\.mem(?:cpy|move|set)[\w.]*|memcpy|memmove|memset)\b")
_DECLARE = re.compile(r"^declare [^@]*@(?P<name>[-\w.$]+)\(")
_ATTRIBUTE = re.compile(
    r"(?:noundef|nonnull|noalias|readonly|writeonly|readnone|nocapture|nofree|immarg|returned|writable"
    r"|dead_on_unwind|zeroext|signext|noext|inreg|align \d+|dereferenceable(?:_or_null)?\(\d+\)"
    r"|captures\([^()]*\)|initializes\((?:\([^()]*\)(?:, )?)*\)|range\([^()]*\)|nofpclass\([^()]*\))\s+"
)
_INTRINSIC_SIG = {
    "memcpy": ("ptr", "ptr", "len", "i1"),
    "memmove": ("ptr", "ptr", "len", "i1"),
    "memset": ("ptr", "i8", "len", "i1"),
}
_PLAIN_SIG = {
    "memcpy": ("ptr", "ptr", "len"),
    "memmove": ("ptr", "ptr", "len"),
    "memset": ("ptr", "i32", "len"),
}


class IrPassError(Exception):
    """The IR holds a memory operation this pass cannot turn into a syscall."""


@dataclass(frozen=True)
class Arg:
    type: str
    value: str
    align: int


def _split_top_level(text: str) -> list[str]:
    parts, depth, start = [], 0, 0
    for i, ch in enumerate(text):
        if ch in "([{<":
            depth += 1
        elif ch in ")]}>":
            depth -= 1
        elif ch == "," and depth == 0:
            parts.append(text[start:i].strip())
            start = i + 1
    parts.append(text[start:].strip())
    return [p for p in parts if p]


def _matching_paren(text: str, open_index: int) -> int:
    depth = 0
    for i in range(open_index, len(text)):
        depth += {"(": 1, ")": -1}.get(text[i], 0)
        if depth == 0:
            return i
    raise IrPassError(f"unbalanced parentheses in: {text.strip()}")


def _parse_arg(text: str, where: str) -> Arg:
    type_, _, rest = text.partition(" ")
    align = 1
    while match := _ATTRIBUTE.match(rest):
        if match.group(0).startswith("align "):
            align = int(match.group(0).split()[1])
        rest = rest[match.end() :]
    if not rest or (re.match(r"[a-z_]+\(", rest) and not rest.startswith(("getelementptr", "inttoptr"))):
        raise IrPassError(f"{where}: cannot parse argument {text!r}")
    return Arg(type_, rest, align)


def _check_signature(args: list[Arg], expected: tuple[str, ...], where: str) -> None:
    types = tuple("len" if a.type in ("i32", "i64") else a.type for a in args)
    if types != expected:
        raise IrPassError(f"{where}: unexpected signature ({', '.join(a.type for a in args)})")


class _Rewriter:
    def __init__(self, declared: dict[str, tuple[str, list[str]]], inline_max_chunks: int) -> None:
        self.declared = declared
        self.inline_max_chunks = inline_max_chunks
        self.used: set[str] = set()
        self.counter = 0

    def fresh(self) -> str:
        self.counter += 1
        return f"%sol.mem.{self.counter}"

    def rewrite(self, line: str, match: re.Match[str], lineno: int) -> list[str]:
        callee = match.group("callee")
        where = f"line {lineno} ({callee})"
        close = _matching_paren(line, match.end() - 1)
        args = [_parse_arg(a, where) for a in _split_top_level(line[match.end() : close])]
        tail = line[close + 1 :]
        op = re.sub(r"^llvm\.|\..*$", "", callee)
        if callee.startswith("llvm."):
            if not re.fullmatch(rf"llvm\.{op}(?:\.inline)?\.p0(?:\.p0)?\.i(?:32|64)", callee):
                raise IrPassError(f"{where}: unsupported intrinsic variant")
            _check_signature(args, _INTRINSIC_SIG[op], where)
            if match.group("result"):
                raise IrPassError(f"{where}: intrinsic call with a result")
        else:
            _check_signature(args, _PLAIN_SIG[op], where)
        if tail.strip() and not re.fullmatch(r"(?:\s*#\d+)?(?:\s*,\s*![-\w.]+ ![-\w.]+)*\s*", tail):
            raise IrPassError(f"{where}: unexpected text after the call: {tail.strip()!r}")
        dst, second, length = args[0], args[1], args[2]
        if self._keep_inline(callee, dst, second, length):
            return [line]
        syscall = SYSCALL_OF[op]
        self.used.add(syscall)
        ret, params = self.declared.get(syscall, ("void", ["ptr", "i64" if op == "memset" else "ptr", "i64"]))
        indent, out = match.group("indent"), []
        operands = [f"ptr {dst.value}"]
        for arg, param in ((second, params[1]), (length, params[2])):
            value = arg.value
            if arg.type != param:
                if param == "ptr" or arg.type == "ptr" or _width(arg.type) > _width(param):
                    raise IrPassError(f"{where}: cannot pass {arg.type} as {syscall}'s {param} parameter")
                value = self.fresh()
                out.append(f"{indent}{value} = zext {arg.type} {arg.value} to {param}")
            operands.append(f"{param} {value}")
        out.append(f"{indent}call {ret} @{syscall}({', '.join(operands)})")
        if match.group("result"):
            out.append(f"{indent}{match.group('result')} = getelementptr i8, ptr {dst.value}, i64 0")
        return out

    def _keep_inline(self, callee: str, dst: Arg, second: Arg, length: Arg) -> bool:
        if not callee.startswith("llvm.") or not re.fullmatch(r"\d+", length.value):
            return False
        chunk = min(8, dst.align, second.align if callee.startswith(("llvm.memcpy", "llvm.memmove")) else 8)
        return int(length.value) <= self.inline_max_chunks * chunk


def _width(type_: str) -> int:
    return int(type_[1:])


def _declarations(lines: list[str]) -> dict[str, tuple[str, list[str]]]:
    """The program may declare the syscalls itself; calls must then use its signature."""
    found: dict[str, tuple[str, list[str]]] = {}
    for line in lines:
        match = _DECLARE.match(line)
        if match and match.group("name") in SYSCALL_OF.values():
            inside = line[match.end() : _matching_paren(line, match.end() - 1)]
            params = [p.split()[0] for p in _split_top_level(inside)]
            if len(params) != 3:
                raise IrPassError(f"existing declaration of {match.group('name')} does not take 3 parameters")
            found[match.group("name")] = (line.split("@")[0].split()[-1], params)
    return found


def rewrite_ir(text: str, inline_max_chunks: int = DEFAULT_INLINE_MAX_CHUNKS) -> str:
    """Return `text` with memory intrinsics and libcalls replaced by sol_mem*_ syscalls.

    Declarations of the replaced functions stay (an unused declaration emits nothing).
    """
    lines = text.split("\n")
    rewriter = _Rewriter(_declarations(lines), inline_max_chunks)
    out: list[str] = []
    for lineno, line in enumerate(lines, 1):
        match = _CALL.match(line)
        if match:
            out.extend(rewriter.rewrite(line, match, lineno))
        elif _MENTION.search(line) and not line.startswith((";", "declare ")):
            raise IrPassError(
                f"line {lineno}: memory operation used in a way this pass does not handle: "
                f"{line.strip()[:160]}"
            )
        else:
            out.append(line)
    for syscall in sorted(rewriter.used - rewriter.declared.keys()):
        params = "ptr, i64, i64" if syscall == "sol_memset_" else "ptr, ptr, i64"
        out.append(f"declare void @{syscall}({params})")
    return "\n".join(out) + ("" if text.endswith("\n") and out[-1] == "" else "\n")


def main(argv: list[str]) -> int:
    if len(argv) != 3:
        print(__doc__.strip().splitlines()[-1], file=sys.stderr)
        return 2
    with open(argv[1], encoding="utf-8") as src:
        text = src.read()
    try:
        result = rewrite_ir(text)
    except IrPassError as exc:
        print(f"ir_pass: {exc}", file=sys.stderr)
        return 1
    with open(argv[2], "w", encoding="utf-8") as dst:
        dst.write(result)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
