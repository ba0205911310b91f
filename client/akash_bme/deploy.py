"""Deploy and upgrade programs with real BPF Upgradeable Loader transactions.

The same code path serves LiteSVM, Surfpool, `solana-test-validator`, devnet and mainnet: a buffer
account is created and initialized, the ELF is written into it in chunks sized to fill a transaction,
then `DeployWithMaxDataLen` (or `Upgrade`) moves it into the ProgramData account. Afterwards the
ProgramData account is read back and compared with the ELF.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass

from solders.hash import Hash
from solders.keypair import Keypair
from solders.message import MessageV0
from solders.pubkey import Pubkey
from solders.signature import Signature
from solders.system_program import CreateAccountParams, create_account
from solders.transaction import VersionedTransaction

from . import _loader_ix as ix
from ._errors import BmeError
from ._pipeline import MAX_COMPUTE_UNITS, TransactionPipeline
from .connection import Connection

__all__ = ["DeployResult", "ProgressCallback", "deploy_program", "upgrade_program"]

PACKET_DATA_SIZE = 1232
"""The largest serialized transaction a node accepts."""

ProgressCallback = Callable[[int, int], None]
"""Called as `progress(bytes_written, total_bytes)` after each chunk lands."""

_CHUNK_ATTEMPTS = 3


@dataclass(frozen=True, slots=True)
class DeployResult:
    """A deployed (or upgraded) program."""

    program_id: Pubkey
    programdata_address: Pubkey
    signature: Signature
    """The `DeployWithMaxDataLen` or `Upgrade` transaction."""
    elf_len: int
    max_data_len: int
    chunk_size: int
    write_transactions: int


class DeployError(BmeError):
    """The loader accepted the transactions but the ProgramData account does not hold the ELF."""


def _write_chunk_size(pipeline: TransactionPipeline, authority: Keypair) -> int:
    """The largest Write payload whose transaction still fits a packet, measured on a real encoding."""
    payer = pipeline.payer.pubkey()
    policy = pipeline.priority_fee
    bid = policy.max_micro_lamports if policy.mode != "none" else 0
    probe = [
        *pipeline.budget_instructions(MAX_COMPUTE_UNITS, bid),
        ix.write(Pubkey.default(), authority.pubkey(), 0, b""),
    ]
    message = MessageV0.try_compile(payer, probe, [], Hash.default())
    signers = 1 + (authority.pubkey() != payer)
    empty = len(bytes(VersionedTransaction.populate(message, [Signature.default()] * signers)))
    # The instruction data's compact-u16 length grows from 1 to 2 bytes once it passes 127.
    return PACKET_DATA_SIZE - empty - 1


async def _write_buffer(
    pipeline: TransactionPipeline,
    elf: bytes,
    authority: Keypair,
    concurrency: int,
    progress: ProgressCallback | None,
) -> tuple[Pubkey, int, int]:
    """Create, initialize and fill a buffer; return its address, the chunk size and the Write count."""
    connection = pipeline.connection
    payer = pipeline.payer.pubkey()
    buffer = Keypair()
    size = ix.BUFFER_METADATA_SIZE + len(elf)
    lamports = await connection.get_minimum_balance_for_rent_exemption(size)
    create = create_account(
        CreateAccountParams(
            from_pubkey=payer, to_pubkey=buffer.pubkey(), lamports=lamports, space=size, owner=ix.LOADER_ID
        )
    )
    await pipeline.send([create, ix.initialize_buffer(buffer.pubkey(), authority.pubkey())], [buffer])

    chunk = _write_chunk_size(pipeline, authority)
    offsets = list(range(0, len(elf), chunk))
    written = 0

    async def write(offset: int, limit: int | None) -> int:
        nonlocal written
        data = elf[offset : offset + chunk]
        for attempt in range(1, _CHUNK_ATTEMPTS + 1):
            try:
                # Rewriting the same bytes at the same offset is idempotent, so a retry is always safe.
                result = await pipeline.send(
                    [ix.write(buffer.pubkey(), authority.pubkey(), offset, data)],
                    [authority],
                    compute_unit_limit=limit,
                )
                break
            except BmeError:
                if attempt == _CHUNK_ATTEMPTS:
                    raise
        written += len(data)
        if progress is not None:
            progress(written, len(elf))
        return result.compute_unit_limit

    # The first Write measures the compute units; the others reuse that limit and skip simulation.
    limit = await write(offsets[0], None)
    gate = asyncio.Semaphore(concurrency)

    async def gated(offset: int) -> int:
        async with gate:
            return await write(offset, limit)

    await asyncio.gather(*(gated(offset) for offset in offsets[1:]))
    return buffer.pubkey(), chunk, len(offsets)


async def _verify(connection: Connection, program_id: Pubkey, elf: bytes) -> None:
    data = await connection.get_account_data(ix.programdata_address(program_id))
    if data is None:
        raise DeployError(f"{program_id}: no ProgramData account after the loader transaction")
    code = data[ix.PROGRAMDATA_METADATA_SIZE :]
    if code[: len(elf)] != elf or any(code[len(elf) :]):
        raise DeployError(f"{program_id}: ProgramData does not hold the ELF that was written")


def _pipeline(
    connection: Connection, payer: Keypair, pipeline: TransactionPipeline | None
) -> TransactionPipeline:
    if pipeline is None:
        return TransactionPipeline(connection, payer)
    if pipeline.payer.pubkey() != payer.pubkey() or pipeline.connection is not connection:
        raise ValueError("the pipeline must use the same connection and payer")
    return pipeline


async def deploy_program(
    connection: Connection,
    payer: Keypair,
    program_keypair: Keypair,
    so_bytes: bytes,
    *,
    upgrade_authority: Keypair | None = None,
    max_data_len: int | None = None,
    concurrency: int = 8,
    progress: ProgressCallback | None = None,
    pipeline: TransactionPipeline | None = None,
) -> DeployResult:
    """Deploy `so_bytes` at `program_keypair`'s address, upgradeable by `upgrade_authority` (default: payer).

    `max_data_len` (default: twice the ELF) bounds later upgrades without `ExtendProgram`. Writes run
    `concurrency` at a time. Pass `pipeline` to choose commitment or priority fees.
    Returns once the program is callable (from the slot after the deploy).
    """
    pipe = _pipeline(connection, payer, pipeline)
    authority = upgrade_authority if upgrade_authority is not None else payer
    program_id = program_keypair.pubkey()
    capacity = max_data_len if max_data_len is not None else 2 * len(so_bytes)
    if capacity < len(so_bytes):
        raise ValueError(f"max_data_len {capacity} is smaller than the program ({len(so_bytes)} bytes)")
    if await connection.get_account(program_id) is not None:
        raise ValueError(f"{program_id} already exists; use upgrade_program")

    buffer, chunk, writes = await _write_buffer(pipe, so_bytes, authority, concurrency, progress)
    lamports = await connection.get_minimum_balance_for_rent_exemption(ix.PROGRAM_SIZE)
    create = create_account(
        CreateAccountParams(
            from_pubkey=payer.pubkey(),
            to_pubkey=program_id,
            lamports=lamports,
            space=ix.PROGRAM_SIZE,
            owner=ix.LOADER_ID,
        )
    )
    deploy = ix.deploy_with_max_data_len(payer.pubkey(), program_id, buffer, authority.pubkey(), capacity)
    result = await pipe.send([create, deploy], [program_keypair, authority])
    await _verify(connection, program_id, so_bytes)
    await connection.wait_for_slot(result.slot + 1)  # the new code is callable from the next slot
    return DeployResult(
        program_id=program_id,
        programdata_address=ix.programdata_address(program_id),
        signature=result.signature,
        elf_len=len(so_bytes),
        max_data_len=capacity,
        chunk_size=chunk,
        write_transactions=writes,
    )


async def upgrade_program(
    connection: Connection,
    payer: Keypair,
    program_id: Pubkey,
    so_bytes: bytes,
    upgrade_authority: Keypair,
    *,
    concurrency: int = 8,
    progress: ProgressCallback | None = None,
    pipeline: TransactionPipeline | None = None,
) -> DeployResult:
    """Replace `program_id`'s code in place with `so_bytes`; ProgramData is extended first when too small."""
    pipe = _pipeline(connection, payer, pipeline)
    programdata = ix.programdata_address(program_id)
    current = await connection.get_account_data(programdata)
    if current is None:
        raise ValueError(f"{program_id} is not an upgradeable program (no ProgramData account)")
    capacity = len(current) - ix.PROGRAMDATA_METADATA_SIZE
    if capacity < len(so_bytes):
        grow = max(len(so_bytes) - capacity, ix.MIN_EXTEND_BYTES)
        extended = await pipe.send([ix.extend_program(program_id, payer.pubkey(), grow)])
        capacity += grow
        await connection.wait_for_slot(extended.slot + 1)  # Upgrade is refused in the slot of the extension

    buffer, chunk, writes = await _write_buffer(pipe, so_bytes, upgrade_authority, concurrency, progress)
    result = await pipe.send(
        [ix.upgrade(program_id, buffer, upgrade_authority.pubkey(), payer.pubkey())], [upgrade_authority]
    )
    await _verify(connection, program_id, so_bytes)
    await connection.wait_for_slot(result.slot + 1)  # the new code is callable from the next slot
    return DeployResult(
        program_id=program_id,
        programdata_address=programdata,
        signature=result.signature,
        elf_len=len(so_bytes),
        max_data_len=capacity,
        chunk_size=chunk,
        write_transactions=writes,
    )
