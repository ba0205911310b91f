"""The ELF linker: structure of its output, refusals, and toy programs run on the real runtime (LiteSVM)."""

from __future__ import annotations

import hashlib
import struct
import sys
from pathlib import Path

import pytest
from solders.instruction import AccountMeta, Instruction
from solders.keypair import Keypair
from solders.litesvm import LiteSVM
from solders.message import Message
from solders.pubkey import Pubkey
from solders.system_program import ID as SYSTEM_PROGRAM
from solders.system_program import CreateAccountParams, create_account
from solders.sysvar import CLOCK, RENT
from solders.transaction import Transaction
from solders.transaction_metadata import FailedTransactionMetadata
from solders.transaction_status import InstructionErrorCustom, TransactionErrorInstructionError

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "program" / "tools"))

import sbf_link
from build import compile_object, missing_tools
from sbf_link import LinkError, link, parse_elf

pytestmark = pytest.mark.unit

FIXTURES = Path(__file__).parent / "sbf_fixtures"
SHT_PROGBITS, SHT_SYMTAB, SHT_STRTAB, SHT_REL, SHT_NOBITS = 1, 2, 3, 9, 8
A, W, X = 2, 1, 4
UPGRADEABLE = Pubkey.from_string("BPFLoaderUpgradeab1e11111111111111111111111")
CALL_MINUS_1 = bytes.fromhex("85100000ffffffff")
EXIT = bytes.fromhex("9500000000000000")
MOV_R0_0 = bytes.fromhex("b700000000000000")


def relocatable(
    sections: list[tuple[str, int, int, bytes]],
    symbols: list[tuple[str, int, str, int]],
    relocs: dict[str, list[tuple[int, int, int]]],
) -> bytes:
    """A minimal ELF64 relocatable BPF object, as llc would write it.

    sections: (name, sh_type, flags, data); symbols: (name, st_info, section name or "", value);
    relocs: section name -> [(offset, type, symbol index)], symbol index 1 = first given symbol.
    """
    all_sections = [(n, t, f, d, 0, 0, 8, 0) for n, t, f, d in sections]
    index = {name: i + 1 for i, (name, *_) in enumerate(all_sections)}
    strtab = b"\0" + b"".join(s[0].encode() + b"\0" for s in symbols)
    symtab, at = bytes(24), 1
    for name, info, section, value in symbols:
        symtab += struct.pack("<IBBHQQ", at if name else 0, info, 0, index.get(section, 0), value, 0)
        at += len(name) + 1
    all_sections.append((".strtab", SHT_STRTAB, 0, strtab, 0, 0, 1, 0))
    all_sections.append((".symtab", SHT_SYMTAB, 0, symtab, len(all_sections), 1, 8, 24))
    for target, entries in relocs.items():
        body = b"".join(struct.pack("<QQ", off, sym << 32 | rtype) for off, rtype, sym in entries)
        all_sections.append((".rel" + target, SHT_REL, 0, body, len(all_sections), index[target], 8, 16))
    shstrtab = b"\0" + b"".join(s[0].encode() + b"\0" for s in all_sections) + b".shstrtab\0"
    all_sections.append((".shstrtab", SHT_STRTAB, 0, shstrtab, 0, 0, 1, 0))
    out, headers, name_at = bytearray(64), [bytes(64)], 1
    for name, sh_type, flags, data, link_, info, align, entsize in all_sections:
        out += bytes(-len(out) % 8)
        headers.append(
            struct.pack(
                "<IIQQQQIIQQ", name_at, sh_type, flags, 0, len(out), len(data), link_, info, align, entsize
            )
        )
        out += data
        name_at += len(name) + 1
    out += bytes(-len(out) % 8)
    shoff = len(out)
    out += b"".join(headers)
    out[:64] = struct.pack(
        "<16sHHIQQQIHHHHHH",
        b"\x7fELF\x02\x01\x01" + bytes(9),
        1,
        247,
        1,
        0,
        0,
        shoff,
        0,
        64,
        0,
        0,
        64,
        len(headers),
        len(headers) - 1,
    )
    return bytes(out)


ENTRY = ("entrypoint", 0x12, ".text", 0)


def text_with_call(callee: str) -> bytes:
    return relocatable(
        [(".text", SHT_PROGBITS, A | X, CALL_MINUS_1 + MOV_R0_0 + EXIT)],
        [ENTRY, (callee, 0x10, "", 0)],
        {".text": [(0, 10, 2)]},
    )


def dynamic_table(so: bytes) -> dict[int, int]:
    body = parse_elf(so).section(".dynamic").data
    return dict(struct.iter_unpack("<QQ", body))


def dynsym_names(so: bytes) -> list[str]:
    elf = parse_elf(so)
    dynstr = elf.section(".dynstr").data
    syms = elf.section(".dynsym").data
    return [dynstr[n : dynstr.index(b"\0", n)].decode() for (n, *_) in struct.iter_unpack("<IBBHQQ", syms)]


# --- hand-built objects -------------------------------------------------------------------------------------


def test_minimal_object_links_to_the_loader_layout() -> None:
    so = link(text_with_call("sol_log_"))
    elf = parse_elf(so)
    assert (so[:7], so[7], elf.type, elf.machine, elf.flags) == (b"\x7fELF\x02\x01\x01", 0, 3, 247, 0)
    text = elf.section(".text")
    assert elf.entry == text.offset and elf.phnum == 3  # no .rodata: no segment for it
    assert [s.name for s in elf.sections] == [
        "",
        ".text",
        ".dynsym",
        ".dynstr",
        ".rel.dyn",
        ".dynamic",
        ".shstrtab",
    ]
    for s in elf.sections[1:-1]:
        assert s.addr == s.offset and s.offset % s.align == 0
    assert text.data[:8] == CALL_MINUS_1  # syscalls keep imm -1 for the loader
    assert dynsym_names(so) == ["", "sol_log_"]
    sym = struct.unpack("<IBBHQQ", elf.section(".dynsym").data[24:])
    assert sym[1:] == (0x10, 0, 0, 0, 0)  # GLOBAL NOTYPE undefined
    assert elf.section(".rel.dyn").data == struct.pack("<QQ", text.offset, 1 << 32 | 10)
    dyn = dynamic_table(so)
    assert dyn == {
        6: elf.section(".dynsym").offset,
        11: 24,
        5: elf.section(".dynstr").offset,
        10: elf.section(".dynstr").size,
        17: elf.section(".rel.dyn").offset,
        18: 16,
        19: 16,
        0: 0,
    }
    phdrs = [struct.unpack_from("<IIQQQQQQ", so, 64 + 56 * i) for i in range(elf.phnum)]
    assert [(p[0], p[1], p[2]) for p in phdrs] == [
        (1, 5, text.offset),
        (1, 4, elf.section(".dynsym").offset),
        (2, 4, elf.section(".dynamic").offset),
    ]
    assert all(p[2] == p[3] == p[4] and p[5] == p[6] for p in phdrs)


def test_memcpy_libcall_is_redirected_to_the_syscall() -> None:
    assert dynsym_names(link(text_with_call("memcpy"))) == ["", "sol_memcpy_"]


def test_addresses_and_internal_calls_are_resolved_in_place() -> None:
    lddw = bytes.fromhex("1801000004000000") + bytes(8)  # lddw r1, .rodata+4
    call = bytes.fromhex("85100000ffffffff")
    callx = bytes.fromhex("8d03000000000000")
    text = lddw + call + callx + EXIT + MOV_R0_0 + EXIT
    rodata = b"abcdefgh" + struct.pack("<Q", 8)  # a pointer to .text+8 (with its addend in place)
    obj = relocatable(
        [(".text", SHT_PROGBITS, A | X, text), (".rodata.str1.1", SHT_PROGBITS, A, rodata)],
        [
            ENTRY,
            (".rodata.str1.1", 0x03, ".rodata.str1.1", 0),
            ("helper", 0x12, ".text", 40),
            (".text", 0x03, ".text", 0),
        ],
        {".text": [(0, 1, 2), (16, 10, 3)], ".rodata.str1.1": [(8, 2, 4)]},
    )
    so = link(obj)
    elf = parse_elf(so)
    out, ro = elf.section(".text"), elf.section(".rodata")
    lo, hi = struct.unpack_from("<I", out.data, 4)[0], struct.unpack_from("<I", out.data, 12)[0]
    assert lo | hi << 32 == 0x1_0000_0000 + ro.offset + 4
    assert struct.unpack_from("<i", out.data, 20)[0] == (40 - 24) // 8  # pc-relative
    assert out.data[24:32] == bytes.fromhex("8d03000003000000")  # callx target register copied to imm
    assert struct.unpack_from("<Q", ro.data, 8)[0] == 0x1_0000_0000 + out.offset + 8
    assert elf.section(".rel.dyn").size == 0 and elf.phnum == 4
    assert link(obj) == so  # deterministic


@pytest.mark.parametrize(
    ("obj", "message"),
    [
        (
            relocatable(
                [(".text", SHT_PROGBITS, A | X, MOV_R0_0 + EXIT), (".data", SHT_PROGBITS, A | W, bytes(8))],
                [ENTRY],
                {},
            ),
            r"section \.data is writable \(8 bytes\)",
        ),
        (
            relocatable(
                [(".text", SHT_PROGBITS, A | X, MOV_R0_0 + EXIT), (".bss", SHT_NOBITS, A | W, bytes(8))],
                [ENTRY],
                {},
            ),
            r"section \.bss is writable",
        ),
        (
            relocatable(
                [(".text", SHT_PROGBITS, A | X, CALL_MINUS_1 + EXIT)],
                [ENTRY, ("sol_log_", 0x10, "", 0)],
                {".text": [(0, 7, 2)]},
            ),
            r"\.text\+0x0: unsupported relocation type 7 against 'sol_log_'",
        ),
        (
            text_with_call("__multi3"),
            r"\.text\+0x0: call to undefined symbol '__multi3', which is not a Solana syscall",
        ),
        (
            relocatable([(".text", SHT_PROGBITS, A | X, MOV_R0_0 + CALL_MINUS_1 + EXIT)], [ENTRY], {}),
            r"\.text\+0x8: unresolved call",
        ),
        (
            relocatable(
                [(".text", SHT_PROGBITS, A | X, bytes.fromhex("1801000000000000") + bytes(8) + EXIT)],
                [ENTRY, ("counter", 0x10, "", 0)],
                {".text": [(0, 1, 2)]},
            ),
            r"\.text\+0x0: reference to undefined symbol 'counter'",
        ),
        (
            relocatable([(".text", SHT_PROGBITS, A | X, MOV_R0_0 + EXIT)], [("main", 0x12, ".text", 0)], {}),
            "no function named `entrypoint`",
        ),
    ],
)
def test_refusals_name_what_is_wrong(obj: bytes, message: str) -> None:
    with pytest.raises(LinkError, match=message):
        link(obj)


def test_cli_reports_link_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "in.o").write_bytes(text_with_call("__udivti3"))
    assert sbf_link.main(["sbf_link.py", str(tmp_path / "in.o"), str(tmp_path / "out.so")]) == 1
    assert "__udivti3" in capsys.readouterr().err and not (tmp_path / "out.so").exists()


# --- toy programs compiled with the real route ----------------------------------------------------------


@pytest.fixture(scope="session")
def toy_object(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    if missing := missing_tools():
        pytest.skip(f"program toolchain not installed ({', '.join(missing)}); program/build.sh installs it")
    return compile_object(FIXTURES / "toy.rs", tmp_path_factory.mktemp("toy"), "toy")


@pytest.fixture(scope="session")
def toy(toy_object: bytes) -> bytes:
    return link(toy_object)


def test_toy_build_is_reproducible(toy: bytes, toy_object: bytes, tmp_path: Path) -> None:
    again = link(compile_object(FIXTURES / "toy.rs", tmp_path / "elsewhere", "toy"))
    assert hashlib.sha256(again).digest() == hashlib.sha256(toy).digest()
    assert b"/tmp" not in toy and b"sbf_fixtures" not in toy


def test_toy_uses_syscalls_for_large_copies(toy: bytes) -> None:
    assert dynsym_names(toy) == ["", "sol_log_", "sol_log_64_", "sol_memcpy_"]
    assert len(parse_elf(toy).section(".text").data) // 8 < 200  # the 200-byte copy is not unrolled


class Toy:
    def __init__(self, program: bytes) -> None:
        self.svm = LiteSVM()
        self.program_id = Pubkey.new_unique()
        self.svm.add_program(self.program_id, program)
        self.payer = Keypair()
        self.svm.airdrop(self.payer.pubkey(), 10**9)

    def send(self, data: bytes):  # type: ignore[no-untyped-def]
        return self.send_instructions([Instruction(self.program_id, data, [])])

    def send_instructions(self, instructions: list[Instruction], *signers: Keypair):  # type: ignore[no-untyped-def]
        message = Message(instructions, self.payer.pubkey())
        tx = Transaction([self.payer, *signers], message, self.svm.latest_blockhash())
        result = self.svm.send_transaction(tx)
        self.svm.expire_blockhash()
        return result

    def deploy_upgradeable(self, program: bytes) -> Pubkey:
        """Deploy through real BPF Upgradeable Loader instructions, whose ELF checks are the strictest."""
        payer, buffer, program_account = self.payer.pubkey(), Keypair(), Keypair()

        def new_account(account: Keypair, space: int) -> Instruction:
            lamports = self.svm.minimum_balance_for_rent_exemption(space)
            return create_account(
                CreateAccountParams(
                    from_pubkey=payer,
                    to_pubkey=account.pubkey(),
                    lamports=lamports,
                    space=space,
                    owner=UPGRADEABLE,
                )
            )

        def ok(result) -> None:  # type: ignore[no-untyped-def]
            assert not isinstance(result, FailedTransactionMetadata), (result.err(), result.meta().logs())

        writable = AccountMeta(buffer.pubkey(), False, True)
        init = Instruction(UPGRADEABLE, struct.pack("<I", 0), [writable, AccountMeta(payer, False, False)])
        ok(self.send_instructions([new_account(buffer, 37 + len(program)), init], buffer))
        for at in range(0, len(program), 900):
            chunk = program[at : at + 900]
            data = struct.pack("<IIQ", 1, at, len(chunk)) + chunk
            ok(
                self.send_instructions(
                    [Instruction(UPGRADEABLE, data, [writable, AccountMeta(payer, True, False)])]
                )
            )
        program_id = program_account.pubkey()
        program_data = Pubkey.find_program_address([bytes(program_id)], UPGRADEABLE)[0]
        accounts = [(payer, True, True), (program_data, False, True), (program_id, False, True),
                    (buffer.pubkey(), False, True), (RENT, False, False), (CLOCK, False, False),
                    (SYSTEM_PROGRAM, False, False), (payer, True, False)]  # fmt: skip
        deploy = Instruction(
            UPGRADEABLE, struct.pack("<IQ", 2, len(program)), [AccountMeta(*a) for a in accounts]
        )
        ok(self.send_instructions([new_account(program_account, 36), deploy], program_account))
        self.svm.warp_to_slot(self.svm.get_clock().slot + 1)  # deployed programs run from the next slot
        return program_id


@pytest.fixture
def toy_svm(toy: bytes) -> Toy:
    return Toy(toy)


def test_toy_logs_a_rodata_string(toy_svm: Toy) -> None:
    result = toy_svm.send(bytes([0]))
    assert "Program log: toy: hello" in result.logs()


def test_toy_custom_error(toy_svm: Toy) -> None:
    failed = toy_svm.send(bytes([1, 42]))
    err = failed.err()
    assert isinstance(err, TransactionErrorInstructionError)
    assert err.index == 0 and isinstance(err.err, InstructionErrorCustom) and err.err.code == 42
    assert "Program log: toy: failing on purpose" in failed.meta().logs()


@pytest.mark.parametrize(("op", "expected"), [(0, sum(range(200))), (1, 0x5A)])
def test_toy_large_copy_and_trait_object_dispatch(toy_svm: Toy, op: int, expected: int) -> None:
    result = toy_svm.send(bytes([2, op]) + bytes(range(200)) + b"tail")
    assert "Program log: toy: block" in result.logs()
    assert f"Program log: {expected:#x}, {204:#x}, 0x0, 0x0, 0x0" in result.logs()


def test_toy_deploys_through_the_upgradeable_loader(toy: bytes) -> None:
    runtime = Toy(toy)
    runtime.program_id = runtime.deploy_upgradeable(toy)
    result = runtime.send(bytes([2, 1]) + bytes(range(200)))
    assert f"Program log: {0x5A:#x}, {200:#x}, 0x0, 0x0, 0x0" in result.logs()
    assert f"Program {runtime.program_id} success" in result.logs()
