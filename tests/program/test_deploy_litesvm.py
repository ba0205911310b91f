"""Deploy and upgrade through real BPF Upgradeable Loader instructions on LiteSVM, then run the program."""

from __future__ import annotations

from pathlib import Path

import pytest
from akash_bme import _loader_ix as loader
from akash_bme._errors import TransactionError
from akash_bme._pipeline import TransactionPipeline
from akash_bme.connection import LiteSvmConnection
from akash_bme.deploy import PACKET_DATA_SIZE, deploy_program, upgrade_program
from solders.instruction import AccountMeta, Instruction
from solders.keypair import Keypair
from solders.pubkey import Pubkey

pytestmark = pytest.mark.program

TOKEN = Pubkey.from_string("TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA")
MEMO = Pubkey.from_string("MemoSq4gqABAXKb96qnH8TysNcWxMyWCqXgDLGmfcHr")
TOY_SO = Path(__file__).resolve().parents[2] / "localnet" / "akash_bme.so"


def elf_of(conn: LiteSvmConnection, program_id: Pubkey) -> bytes:
    """The raw ELF of a program LiteSVM ships (upgradeable: read through its ProgramData account)."""
    account = conn.svm.get_account(program_id)
    assert account is not None
    data = bytes(account.data)
    if account.owner == loader.LOADER_ID:
        programdata = conn.svm.get_account(Pubkey.from_bytes(data[4:36]))
        assert programdata is not None
        data = bytes(programdata.data[loader.PROGRAMDATA_METADATA_SIZE :])
    assert data.startswith(b"\x7fELF")
    return data


@pytest.fixture
def conn() -> LiteSvmConnection:
    return LiteSvmConnection()


@pytest.fixture
def payer(conn: LiteSvmConnection) -> Keypair:
    kp = Keypair()
    conn.airdrop(kp.pubkey(), 100 * 10**9)
    return kp


async def test_deploy_upgrade_and_execute(conn: LiteSvmConnection, payer: Keypair) -> None:
    token_elf, memo_elf = elf_of(conn, TOKEN), elf_of(conn, MEMO)
    program, authority = Keypair(), Keypair()
    seen: list[tuple[int, int]] = []

    deployed = await deploy_program(
        conn,
        payer,
        program,
        token_elf,
        upgrade_authority=authority,
        concurrency=4,
        progress=lambda done, total: seen.append((done, total)),
    )
    assert deployed.max_data_len == 2 * len(token_elf)
    assert deployed.write_transactions == -(-len(token_elf) // deployed.chunk_size)
    assert 850 <= deployed.chunk_size < PACKET_DATA_SIZE
    assert seen[-1] == (len(token_elf), len(token_elf)) and len(seen) == deployed.write_transactions
    assert [done for done, _ in seen] == sorted(done for done, _ in seen)

    account = await conn.get_account(program.pubkey())
    assert account is not None and account.executable and account.owner == loader.LOADER_ID
    assert account.data[4:] == bytes(deployed.programdata_address)
    programdata = await conn.get_account_data(deployed.programdata_address)
    assert programdata is not None
    assert programdata[12] == 1 and programdata[13:45] == bytes(authority.pubkey())  # Some(authority)
    assert programdata[45 : 45 + len(token_elf)] == token_elf

    # The deployed SPL Token code runs: an empty instruction is its InvalidInstruction (Custom(12)).
    pipeline = TransactionPipeline(conn, payer)
    with pytest.raises(TransactionError) as raised:
        await pipeline.send([Instruction(program.pubkey(), b"", [])])
    assert raised.value.custom_code == 12
    assert any(f"Program {program.pubkey()} invoke" in line for line in raised.value.logs)

    upgraded = await upgrade_program(conn, payer, program.pubkey(), memo_elf, authority)
    assert upgraded.programdata_address == deployed.programdata_address
    assert upgraded.write_transactions == -(-len(memo_elf) // upgraded.chunk_size)

    # Same address, new code: the Memo program now answers.
    result = await pipeline.send(
        [Instruction(program.pubkey(), b"upgraded", [AccountMeta(payer.pubkey(), True, False)])]
    )
    assert "Program log: upgraded" in result.logs


async def test_upgrade_extends_programdata_when_needed(conn: LiteSvmConnection, payer: Keypair) -> None:
    memo_elf, token_elf = elf_of(conn, MEMO), elf_of(conn, TOKEN)
    program = Keypair()
    deployed = await deploy_program(conn, payer, program, memo_elf, max_data_len=len(memo_elf))
    assert deployed.max_data_len == len(memo_elf)
    upgraded = await upgrade_program(conn, payer, program.pubkey(), token_elf, payer)
    assert upgraded.max_data_len >= len(token_elf)
    with pytest.raises(TransactionError) as raised:
        await TransactionPipeline(conn, payer).send([Instruction(program.pubkey(), b"", [])])
    assert raised.value.custom_code == 12


async def test_the_loader_refuses_a_non_elf(conn: LiteSvmConnection, payer: Keypair) -> None:
    with pytest.raises(TransactionError) as raised:
        await deploy_program(conn, payer, Keypair(), b"\x7fELF" + b"\0" * 3000)
    assert raised.value.logs  # the loader explains itself in the logs
    assert raised.value.custom_code is None


async def test_refuses_redeploy_and_small_max_data_len(conn: LiteSvmConnection, payer: Keypair) -> None:
    memo_elf = elf_of(conn, MEMO)
    with pytest.raises(ValueError, match="smaller than the program"):
        await deploy_program(conn, payer, Keypair(), memo_elf, max_data_len=10)
    program = Keypair()
    await deploy_program(conn, payer, program, memo_elf)
    with pytest.raises(ValueError, match="already exists"):
        await deploy_program(conn, payer, program, memo_elf)


@pytest.mark.skipif(not TOY_SO.exists(), reason="localnet/akash_bme.so is not built yet")
async def test_deploy_the_project_program(conn: LiteSvmConnection, payer: Keypair) -> None:
    elf = TOY_SO.read_bytes()
    deployed = await deploy_program(conn, payer, Keypair(), elf)
    assert deployed.elf_len == len(elf)
