"""BPF Upgradeable Loader (loader-v3) instructions, encoded by hand: solders has no builders for them.

Wire format: the loader's bincode enum — a u32 LE variant tag, then the variant's fields (u32/u64 LE,
`Vec<u8>` as a u64 LE length then the bytes). The optional trailing `close_buffer`/`tombstone` bools of
SIMD-0430/0432 are left out: absent, they decode to the historical behaviour on every cluster version.
Account lists follow `UpgradeableLoaderInstruction`'s documentation in the loader-v3 interface.
"""

from __future__ import annotations

import struct

from solders.instruction import AccountMeta, Instruction
from solders.pubkey import Pubkey
from solders.system_program import ID as SYSTEM_PROGRAM_ID
from solders.sysvar import CLOCK, RENT

LOADER_ID = Pubkey.from_string("BPFLoaderUpgradeab1e11111111111111111111111")

BUFFER_METADATA_SIZE = 37
"""`UpgradeableLoaderState::Buffer`: u32 tag, `Option<Pubkey>` authority (1 + 32)."""
PROGRAMDATA_METADATA_SIZE = 45
"""`UpgradeableLoaderState::ProgramData`: u32 tag, u64 slot, `Option<Pubkey>` authority (1 + 32)."""
PROGRAM_SIZE = 36
"""`UpgradeableLoaderState::Program`: u32 tag, programdata address."""
MIN_EXTEND_BYTES = 10_240
"""SIMD-0431's minimum `ExtendProgram` growth."""

_INITIALIZE_BUFFER = 0
_WRITE = 1
_DEPLOY_WITH_MAX_DATA_LEN = 2
_UPGRADE = 3
_EXTEND_PROGRAM = 6


def programdata_address(program_id: Pubkey) -> Pubkey:
    """The ProgramData account the loader derives from the program id."""
    return Pubkey.find_program_address([bytes(program_id)], LOADER_ID)[0]


def initialize_buffer(buffer: Pubkey, authority: Pubkey) -> Instruction:
    """Must share a transaction with the System `create_account` of `buffer`, or anyone could claim it."""
    return Instruction(
        LOADER_ID,
        struct.pack("<I", _INITIALIZE_BUFFER),
        [AccountMeta(buffer, False, True), AccountMeta(authority, False, False)],
    )


def write(buffer: Pubkey, authority: Pubkey, offset: int, data: bytes) -> Instruction:
    """Write `data` at `offset` of the buffer's program area (after its 37-byte header)."""
    return Instruction(
        LOADER_ID,
        struct.pack("<IIQ", _WRITE, offset, len(data)) + data,
        [AccountMeta(buffer, False, True), AccountMeta(authority, True, False)],
    )


def deploy_with_max_data_len(
    payer: Pubkey, program_id: Pubkey, buffer: Pubkey, authority: Pubkey, max_data_len: int
) -> Instruction:
    """Must share a transaction with the System `create_account` of the program account."""
    return Instruction(
        LOADER_ID,
        struct.pack("<IQ", _DEPLOY_WITH_MAX_DATA_LEN, max_data_len),
        [
            AccountMeta(payer, True, True),
            AccountMeta(programdata_address(program_id), False, True),
            AccountMeta(program_id, False, True),
            AccountMeta(buffer, False, True),
            AccountMeta(RENT, False, False),
            AccountMeta(CLOCK, False, False),
            AccountMeta(SYSTEM_PROGRAM_ID, False, False),
            AccountMeta(authority, True, False),
        ],
    )


def upgrade(program_id: Pubkey, buffer: Pubkey, authority: Pubkey, spill: Pubkey) -> Instruction:
    """Replace the program's code with the buffer's; the buffer's lamports go to `spill`."""
    return Instruction(
        LOADER_ID,
        struct.pack("<I", _UPGRADE),
        [
            AccountMeta(programdata_address(program_id), False, True),
            AccountMeta(program_id, False, True),
            AccountMeta(buffer, False, True),
            AccountMeta(spill, False, True),
            AccountMeta(RENT, False, False),
            AccountMeta(CLOCK, False, False),
            AccountMeta(authority, True, False),
        ],
    )


def extend_program(program_id: Pubkey, payer: Pubkey, additional_bytes: int) -> Instruction:
    """Grow the ProgramData account so a larger program fits; `payer` funds the extra rent."""
    return Instruction(
        LOADER_ID,
        struct.pack("<II", _EXTEND_PROGRAM, additional_bytes),
        [
            AccountMeta(programdata_address(program_id), False, True),
            AccountMeta(program_id, False, True),
            AccountMeta(SYSTEM_PROGRAM_ID, False, False),
            AccountMeta(payer, True, True),
        ],
    )
