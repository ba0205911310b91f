"""Link a relocatable BPF object into an SBPFv0 shared object that Solana's BPF loaders accept.

Upstream lld has no BPF target and GNU bpf-ld refuses `-shared`, so this small linker does the one job:
turn `llc`'s relocatable object (one `.text`, read-only data, REL relocations) into the legacy (v0) program
format. The rules below are those of the loader (solana-sbpf's lenient v0 parser plus the stricter checks of
the BPF Upgradeable Loader's deploy), as measured on this machine:

* ET_DYN, EM_BPF (247), ELFOSABI_NONE, `e_flags = 0`, `e_entry` = the file offset of `entrypoint`; every
  section's address equals its file offset, loaded at `MM_PROGRAM_START` (0x1_0000_0000) + offset.
* Exactly one executable `.text`; all read-only allocated data (`.rodata*`, `.data.rel.ro*`, ...) merged into
  one `.rodata`, left out entirely when empty (an empty one at the same address as `.dynsym` confuses the
  loader's DT_SYMTAB lookup). Writable data (`static mut`, `.data`, `.bss`) is refused: the loader has none.
* Addresses (`R_BPF_64_64` in an `lddw`, `R_BPF_64_ABS64` in data) are resolved here, in place, to
  `MM_PROGRAM_START + address`; nothing but syscalls is left for the loader to relocate.
* Calls to the program's own functions (`R_BPF_64_32`) become pc-relative `imm`s, which the loader registers.
* Calls to syscalls keep `imm = -1` and get a dynamic `R_BPF_64_32` against a named, undefined `.dynsym`
  entry: the loader murmur3-hashes the name into the `imm`. A `call -1` without such a relocation is
  refused, so is a call to any symbol the runtime does not provide. `memcpy`/`memmove`/`memset` left by
  the backend become `sol_memcpy_`/`sol_memmove_`/`sol_memset_` (the backend never uses their result).
* `callx`: the v0 interpreter reads the target register from the `imm` field, LLVM puts it in `dst`: copy it.
* Debug and other non-allocated sections are dropped. Output is a pure function of the input.

Usage: python3 sbf_link.py IN.o OUT.so
"""

from __future__ import annotations

import struct
import sys
from dataclasses import dataclass

MM_PROGRAM_START = 0x1_0000_0000
EM_BPF = 247
SYSCALLS = frozenset(
    {
        "sol_log_",
        "sol_log_64_",
        "sol_log_data",
        "sol_log_pubkey",
        "sol_log_compute_units_",
        "sol_invoke_signed_c",
        "sol_invoke_signed_rust",
        "sol_try_find_program_address",
        "sol_create_program_address",
        "sol_get_clock_sysvar",
        "sol_get_rent_sysvar",
        "sol_memcpy_",
        "sol_memset_",
        "sol_memmove_",
        "sol_memcmp_",
        "sol_sha256",
        "sol_set_return_data",
        "sol_get_return_data",
        "sol_panic_",
        "abort",
        "sol_remaining_compute_units",
    }
)
REDIRECTS = {"memcpy": "sol_memcpy_", "memmove": "sol_memmove_", "memset": "sol_memset_"}

SHT_PROGBITS, SHT_SYMTAB, SHT_STRTAB, SHT_RELA, SHT_DYNAMIC, SHT_NOBITS, SHT_REL, SHT_DYNSYM = (
    1,
    2,
    3,
    4,
    6,
    8,
    9,
    11,
)
SHF_WRITE, SHF_ALLOC, SHF_EXECINSTR = 1, 2, 4
R_BPF_NONE, R_BPF_64_64, R_BPF_64_ABS64, R_BPF_64_32 = 0, 1, 2, 10
OP_LDDW, OP_CALL, OP_CALLX = 0x18, 0x85, 0x8D
DT_NULL, DT_STRTAB, DT_SYMTAB, DT_STRSZ, DT_SYMENT, DT_REL, DT_RELSZ, DT_RELENT = 0, 5, 6, 10, 11, 17, 18, 19
EHDR, PHDR, SHDR = (
    struct.Struct("<16sHHIQQQIHHHHHH"),
    struct.Struct("<IIQQQQQQ"),
    struct.Struct("<IIQQQQIIQQ"),
)
SYM, REL, INSN_IMM = struct.Struct("<IBBHQQ"), struct.Struct("<QQ"), struct.Struct("<i")


class LinkError(Exception):
    """The object holds something the Solana loader cannot run; the message names it."""


@dataclass(frozen=True)
class Section:
    index: int
    name: str
    type: int
    flags: int
    addr: int
    offset: int
    size: int
    link: int
    info: int
    align: int
    entsize: int
    data: bytes


@dataclass(frozen=True)
class Symbol:
    name: str
    value: int
    info: int
    shndx: int


@dataclass(frozen=True)
class Elf:
    type: int
    machine: int
    entry: int
    flags: int
    phnum: int
    sections: tuple[Section, ...]

    def section(self, name: str) -> Section:
        found = [s for s in self.sections if s.name == name]
        if len(found) != 1:
            raise LinkError(f"expected exactly one section {name}, found {len(found)}")
        return found[0]


def parse_elf(data: bytes) -> Elf:
    """Read the header and section table of a little-endian ELF64 file."""
    if data[:4] != b"\x7fELF" or data[4:6] != b"\x02\x01":
        raise LinkError("not a little-endian ELF64 file")
    _, type_, machine, _, entry, _, shoff, flags, _, _, phnum, _, shnum, shstrndx = EHDR.unpack_from(data)
    raw = [SHDR.unpack_from(data, shoff + i * SHDR.size) for i in range(shnum)]
    names = raw[shstrndx][4] if shnum else 0
    sections = []
    for i, (name, st, fl, addr, off, size, link, info, align, ent) in enumerate(raw):
        body = b"" if st == SHT_NOBITS else data[off : off + size]
        sections.append(
            Section(i, _cstr(data, names + name), st, fl, addr, off, size, link, info, align, ent, body)
        )
    return Elf(type_, machine, entry, flags, phnum, tuple(sections))


def _cstr(data: bytes, offset: int) -> str:
    return data[offset : data.index(b"\0", offset)].decode()


def _symbols(elf: Elf) -> list[Symbol]:
    symtab = [s for s in elf.sections if s.type == SHT_SYMTAB]
    if len(symtab) != 1:
        raise LinkError(f"expected one symbol table, found {len(symtab)}")
    strtab = elf.sections[symtab[0].link].data
    out = []
    for off in range(0, symtab[0].size, SYM.size):
        name, info, _, shndx, value, _ = SYM.unpack_from(symtab[0].data, off)
        out.append(Symbol(_cstr(strtab, name), value, info, shndx))
    return out


def _align(value: int, to: int) -> int:
    return (value + to - 1) // to * to


class _Linker:
    def __init__(self, obj: bytes) -> None:
        self.elf = parse_elf(obj)
        if self.elf.machine != EM_BPF or self.elf.type != 1:
            raise LinkError(
                f"not a relocatable BPF object (e_type {self.elf.type}, e_machine {self.elf.machine})"
            )
        self.symbols = _symbols(self.elf)
        self.text_pieces: list[Section] = []
        self.ro_pieces: list[Section] = []
        for s in self.elf.sections:
            self._classify(s)
        if not self.text_pieces:
            raise LinkError("no executable section")
        self.text_off = _align(EHDR.size + PHDR.size * (4 if self.ro_pieces else 3), 8)
        self.base: dict[int, int] = {}  # input section index -> output address
        self.text = self._concat(self.text_pieces, self.text_off)
        ro_align = max([8, *(s.align for s in self.ro_pieces)])
        self.ro_off = _align(self.text_off + len(self.text), ro_align)
        self.rodata = self._concat(self.ro_pieces, self.ro_off)
        self.syscall_sites: list[tuple[int, str]] = []  # (.text offset, syscall)

    def _classify(self, s: Section) -> None:
        if not s.flags & SHF_ALLOC:
            return
        if s.type not in (SHT_PROGBITS, SHT_NOBITS):
            raise LinkError(f"section {s.name}: unsupported allocated section type {s.type}")
        if s.flags & SHF_EXECINSTR:
            self.text_pieces.append(s)
        elif s.flags & SHF_WRITE and not s.name.startswith(".data.rel.ro"):
            if s.size:
                raise LinkError(
                    f"section {s.name} is writable ({s.size} bytes): Solana programs have no writable "
                    "globals (no `static mut`, no interior mutability in statics)"
                )
        elif s.type == SHT_NOBITS and s.size:
            raise LinkError(f"section {s.name}: zero-filled data ({s.size} bytes) is not supported")
        elif s.size:
            self.ro_pieces.append(s)

    def _concat(self, pieces: list[Section], start: int) -> bytearray:
        out = bytearray()
        for s in pieces:
            out += bytes(_align(start + len(out), max(s.align, 1)) - start - len(out))
            self.base[s.index] = start + len(out)
            out += s.data
        return out

    def _address(self, sym: Symbol, where: str) -> int:
        if sym.shndx not in self.base:
            kind = "undefined symbol" if sym.shndx == 0 else "symbol in a dropped or unsupported section"
            raise LinkError(f"{where}: reference to {kind} {sym.name or '(section)'!r}")
        return self.base[sym.shndx] + sym.value

    def relocate(self) -> None:
        for rel in self.elf.sections:
            target = self.elf.sections[rel.info] if rel.type in (SHT_REL, SHT_RELA) else None
            if target is None or target.index not in self.base:
                continue
            if rel.type == SHT_RELA:
                raise LinkError(f"section {rel.name}: RELA relocations are not supported")
            for off in range(0, rel.size, REL.size):
                r_offset, r_info = REL.unpack_from(rel.data, off)
                self._apply(target, r_offset, r_info & 0xFFFFFFFF, self.symbols[r_info >> 32])

    def _apply(self, target: Section, r_offset: int, r_type: int, sym: Symbol) -> None:
        where = f"{target.name}+{r_offset:#x}"
        in_text = target.flags & SHF_EXECINSTR
        buf, pos = (
            (self.text, self.base[target.index] - self.text_off)
            if in_text
            else (self.rodata, self.base[target.index] - self.ro_off)
        )
        pos += r_offset
        if r_type == R_BPF_NONE:
            return
        if r_type == R_BPF_64_64 and in_text:
            if buf[pos] != OP_LDDW:
                raise LinkError(f"{where}: R_BPF_64_64 on opcode {buf[pos]:#x}, expected lddw")
            lo, hi = struct.unpack_from("<I", buf, pos + 4)[0], struct.unpack_from("<I", buf, pos + 12)[0]
            value = MM_PROGRAM_START + self._address(sym, where) + (lo | hi << 32)
            struct.pack_into("<I", buf, pos + 4, value & 0xFFFFFFFF)
            struct.pack_into("<I", buf, pos + 12, value >> 32)
        elif r_type == R_BPF_64_ABS64 and not in_text:
            addend = struct.unpack_from("<Q", buf, pos)[0]
            struct.pack_into("<Q", buf, pos, MM_PROGRAM_START + self._address(sym, where) + addend)
        elif r_type == R_BPF_64_32 and in_text:
            self._call(buf, pos, sym, where)
        else:
            raise LinkError(
                f"{where}: unsupported relocation type {r_type} against {sym.name or '(section)'!r}"
            )

    def _call(self, buf: bytearray, pos: int, sym: Symbol, where: str) -> None:
        imm = INSN_IMM.unpack_from(buf, pos + 4)[0]
        if buf[pos] != OP_CALL or imm != -1:
            raise LinkError(f"{where}: R_BPF_64_32 on opcode {buf[pos]:#x} imm {imm}, expected call -1")
        if sym.shndx == 0:
            name = REDIRECTS.get(sym.name, sym.name)
            if name not in SYSCALLS:
                raise LinkError(
                    f"{where}: call to undefined symbol {sym.name!r}, which is not a Solana syscall"
                )
            self.syscall_sites.append((pos, name))
            return
        target = self._address(sym, where)
        if not self.text_off <= target < self.text_off + len(self.text):
            raise LinkError(f"{where}: call to {sym.name!r}, which is not in .text")
        INSN_IMM.pack_into(buf, pos + 4, (target - (self.text_off + pos + 8)) // 8)

    def check_instructions(self) -> None:
        """Fix `callx` for v0 and refuse calls that would land nowhere."""
        sites = {pos for pos, _ in self.syscall_sites}
        count, pc = len(self.text) // 8, 0
        while pc < count:
            pos = pc * 8
            op, regs = self.text[pos], self.text[pos + 1]
            imm = INSN_IMM.unpack_from(self.text, pos + 4)[0]
            if op == OP_CALLX:
                reg = regs & 0xF or regs >> 4
                if (regs & 0xF and regs >> 4) or imm not in (0, reg):
                    raise LinkError(
                        f".text+{pos:#x}: callx with ambiguous register (regs {regs:#x}, imm {imm})"
                    )
                INSN_IMM.pack_into(self.text, pos + 4, reg)
            elif op == OP_CALL and pos not in sites:
                if imm == -1:
                    raise LinkError(f".text+{pos:#x}: unresolved call (imm -1 without a relocation)")
                if not 0 <= pc + 1 + imm < count:
                    raise LinkError(f".text+{pos:#x}: call target {pc + 1 + imm} outside .text")
            pc += 2 if op == OP_LDDW else 1

    def entry(self) -> int:
        found = [s for s in self.symbols if s.name == "entrypoint" and s.shndx in self.base]
        if len(found) != 1 or not self.elf.sections[found[0].shndx].flags & SHF_EXECINSTR:
            raise LinkError('no function named `entrypoint` in .text (use #[no_mangle] pub extern "C" fn)')
        return self._address(found[0], "entrypoint")

    def write(self) -> bytes:
        names = sorted({name for _, name in self.syscall_sites})
        dynstr = b"\0" + b"".join(n.encode() + b"\0" for n in names)
        name_off = {n: 1 + sum(len(m) + 1 for m in names[:i]) for i, n in enumerate(names)}
        dynsym = bytes(SYM.size) + b"".join(SYM.pack(name_off[n], 0x10, 0, 0, 0, 0) for n in names)
        ro_end = self.ro_off + len(self.rodata) if self.rodata else self.text_off + len(self.text)
        dynsym_off = _align(ro_end, 8)
        dynstr_off = dynsym_off + len(dynsym)
        rel_off = _align(dynstr_off + len(dynstr), 8)
        rel_dyn = b"".join(
            REL.pack(self.text_off + pos, (names.index(n) + 1) << 32 | R_BPF_64_32)
            for pos, n in sorted(self.syscall_sites)
        )
        dynamic_off = rel_off + len(rel_dyn)
        dynamic = b"".join(
            struct.pack("<QQ", tag, val)
            for tag, val in (
                (DT_SYMTAB, dynsym_off),
                (DT_SYMENT, SYM.size),
                (DT_STRTAB, dynstr_off),
                (DT_STRSZ, len(dynstr)),
                (DT_REL, rel_off),
                (DT_RELSZ, len(rel_dyn)),
                (DT_RELENT, REL.size),
                (DT_NULL, 0),
            )
        )
        shstr_off = dynamic_off + len(dynamic)
        # (name, type, flags, offset, bytes, link, info, align, entsize); links are fixed up below.
        sections = [
            (".text", SHT_PROGBITS, SHF_ALLOC | SHF_EXECINSTR, self.text_off, bytes(self.text), 0, 0, 8, 0)
        ]
        if self.rodata:
            sections.append((".rodata", SHT_PROGBITS, SHF_ALLOC, self.ro_off, bytes(self.rodata), 0, 0, 8, 0))
        first_dyn = len(sections) + 1
        sections += [
            (".dynsym", SHT_DYNSYM, SHF_ALLOC, dynsym_off, dynsym, first_dyn + 1, 1, 8, SYM.size),
            (".dynstr", SHT_STRTAB, SHF_ALLOC, dynstr_off, dynstr, 0, 0, 1, 0),
            (".rel.dyn", SHT_REL, SHF_ALLOC, rel_off, rel_dyn, first_dyn, 0, 8, REL.size),
            (".dynamic", SHT_DYNAMIC, SHF_ALLOC, dynamic_off, dynamic, first_dyn + 1, 0, 8, 16),
        ]
        shstrtab = b"\0" + b"".join(s[0].encode() + b"\0" for s in sections) + b".shstrtab\0"
        sections.append((".shstrtab", SHT_STRTAB, 0, shstr_off, shstrtab, 0, 0, 1, 0))
        shoff = _align(shstr_off + len(shstrtab), 8)

        phdrs = [(1, 5, self.text_off, len(self.text))]
        if self.rodata:
            phdrs.append((1, 4, self.ro_off, len(self.rodata)))
        phdrs += [(1, 4, dynsym_off, shstr_off - dynsym_off), (2, 4, dynamic_off, len(dynamic))]
        out = bytearray(shoff + SHDR.size * (len(sections) + 1))
        ident = b"\x7fELF\x02\x01\x01" + bytes(9)
        EHDR.pack_into(
            out,
            0,
            ident,
            3,
            EM_BPF,
            1,
            self.entry(),
            EHDR.size,
            shoff,
            0,
            EHDR.size,
            PHDR.size,
            len(phdrs),
            SHDR.size,
            len(sections) + 1,
            len(sections),
        )
        for i, (p_type, p_flags, off, size) in enumerate(phdrs):
            PHDR.pack_into(
                out,
                EHDR.size + i * PHDR.size,
                p_type,
                p_flags,
                off,
                off,
                off,
                size,
                size,
                4096 if p_type == 1 else 8,
            )
        name_at = 1
        for i, (name, sh_type, flags, off, body, link, info, align, ent) in enumerate(sections, 1):
            out[off : off + len(body)] = body
            addr = off if flags & SHF_ALLOC else 0
            SHDR.pack_into(
                out,
                shoff + i * SHDR.size,
                name_at,
                sh_type,
                flags,
                addr,
                off,
                len(body),
                link,
                info,
                align,
                ent,
            )
            name_at += len(name) + 1
        return bytes(out)


def link(obj: bytes) -> bytes:
    """Turn a relocatable BPF object into a loadable SBPFv0 program; LinkError on anything unsupported."""
    linker = _Linker(obj)
    linker.relocate()
    linker.check_instructions()
    return linker.write()


def main(argv: list[str]) -> int:
    if len(argv) != 3:
        print(__doc__.strip().splitlines()[-1], file=sys.stderr)
        return 2
    with open(argv[1], "rb") as src:
        obj = src.read()
    try:
        so = link(obj)
    except LinkError as exc:
        print(f"sbf_link: {argv[1]}: {exc}", file=sys.stderr)
        return 1
    with open(argv[2], "wb") as dst:
        dst.write(so)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
