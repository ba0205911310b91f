"""The JSON-RPC connection, pipeline and loader deploy against a real Surfpool (HTTP and websockets)."""

from __future__ import annotations

import asyncio
import struct
from collections.abc import AsyncIterator

import httpx2
import pytest
import pytest_asyncio
from akash_bme._errors import RpcError, TransactionError
from akash_bme._loader_ix import LOADER_ID, PROGRAMDATA_METADATA_SIZE
from akash_bme._pipeline import PriorityFeePolicy, TransactionPipeline
from akash_bme.connection import DataSize, Memcmp, RetryPolicy, RpcConnection
from akash_bme.connection._rpc import map_rpc_exception
from akash_bme.deploy import deploy_program, upgrade_program
from solders.instruction import AccountMeta, Instruction
from solders.keypair import Keypair
from solders.litesvm import LiteSVM
from solders.message import MessageV0
from solders.pubkey import Pubkey
from solders.system_program import CreateAccountParams, TransferParams, create_account, transfer
from solders.transaction import VersionedTransaction

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]

TOKEN = Pubkey.from_string("TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA")
MEMO = Pubkey.from_string("MemoSq4gqABAXKb96qnH8TysNcWxMyWCqXgDLGmfcHr")
SOL = 1_000_000_000
NOTIFICATION_WAIT = 30.0  # a safety net against hanging, not a timing assertion


@pytest_asyncio.fixture(loop_scope="session")
async def conn(localnet_urls) -> AsyncIterator[RpcConnection]:  # type: ignore[no-untyped-def]
    async with RpcConnection(
        localnet_urls.rpc_url, localnet_urls.ws_url, commitment="confirmed"
    ) as connection:
        yield connection


@pytest.fixture
def payer(localnet) -> Keypair:  # type: ignore[no-untyped-def]
    return localnet.payer


def memo(text: bytes, signer: Pubkey) -> Instruction:
    return Instruction(MEMO, text, [AccountMeta(signer, True, False)])


def shipped_elf(program_id: Pubkey) -> bytes:
    """A real SBF program: the ELF LiteSVM ships for `program_id`."""
    svm = LiteSVM()
    account = svm.get_account(program_id)
    assert account is not None
    data = bytes(account.data)
    if account.owner == LOADER_ID:
        programdata = svm.get_account(Pubkey.from_bytes(data[4:36]))
        assert programdata is not None
        data = bytes(programdata.data[PROGRAMDATA_METADATA_SIZE:])
    assert data.startswith(b"\x7fELF")
    return data


async def test_reads_and_send_confirm_over_http(conn: RpcConnection, payer: Keypair) -> None:
    assert await conn.get_balance(payer.pubkey()) > SOL
    clock = await conn.get_clock()
    assert clock.unix_timestamp > 0 and clock.slot >= 0
    blockhash = await conn.get_latest_blockhash()
    assert blockhash.last_valid_block_height >= await conn.get_block_height()

    recipient = Keypair().pubkey()
    pipeline = TransactionPipeline(conn, payer, commitment="confirmed")
    result = await pipeline.send(
        [transfer(TransferParams(from_pubkey=payer.pubkey(), to_pubkey=recipient, lamports=SOL))]
    )
    assert result.attempts == 1 and result.compute_units is not None and result.compute_units > 0
    assert any("11111111111111111111111111111111 success" in line for line in result.logs)
    assert await conn.get_balance(recipient) == SOL
    status = await conn.get_signature_status(result.signature)
    assert status is not None and status.err is None
    many = await conn.get_multiple_accounts([recipient, Keypair().pubkey()])
    assert many[0] is not None and many[0].lamports == SOL and many[1] is None


async def test_the_same_bytes_sent_twice_execute_once(conn: RpcConnection, payer: Keypair) -> None:
    """Once landed, a resend is refused as already processed: with -32002 and no `data` by Surfpool (solders'
    own parser panics on that), as a preflight failure by Agave. Either way it is the same signature."""
    recipient = Keypair().pubkey()
    blockhash = await conn.get_latest_blockhash()
    ix = transfer(TransferParams(from_pubkey=payer.pubkey(), to_pubkey=recipient, lamports=SOL))
    tx = VersionedTransaction(MessageV0.try_compile(payer.pubkey(), [ix], [], blockhash.blockhash), [payer])
    for preflight in (False, True, False):
        assert await conn.send_transaction(tx, skip_preflight=not preflight) == tx.signatures[0]
        status = await conn.confirm(tx.signatures[0], timeout=NOTIFICATION_WAIT)
        assert status.err is None
    assert await conn.get_balance(recipient) == SOL


async def test_priority_fee_from_recent_fees(conn: RpcConnection, payer: Keypair) -> None:
    policy = PriorityFeePolicy.from_recent_fees(75, floor=10, cap=5_000)
    result = await TransactionPipeline(conn, payer, priority_fee=policy).send([memo(b"bid", payer.pubkey())])
    assert 10 <= result.priority_fee_micro_lamports <= 5_000


async def test_logs_arrive_over_the_websocket(conn: RpcConnection, payer: Keypair) -> None:
    pipeline = TransactionPipeline(conn, payer)
    async with conn.subscribe_logs(MEMO) as logs:
        sent = await pipeline.send([memo(b"over the websocket", payer.pubkey())])
        async with asyncio.timeout(NOTIFICATION_WAIT):
            event = await anext(logs)
            while event.signature != sent.signature:
                event = await anext(logs)
    assert event.err is None
    assert any(line.startswith("Program log:") and "over the websocket" in line for line in event.logs)


async def test_program_errors_and_account_filters(conn: RpcConnection, payer: Keypair) -> None:
    pipeline = TransactionPipeline(conn, payer)
    owner, mint, src, dst = Keypair(), Keypair(), Keypair(), Keypair()
    ixs = []
    for kp, size in ((mint, 82), (src, 165), (dst, 165)):
        rent = await conn.get_minimum_balance_for_rent_exemption(size)
        ixs.append(
            create_account(
                CreateAccountParams(
                    from_pubkey=payer.pubkey(), to_pubkey=kp.pubkey(), lamports=rent, space=size, owner=TOKEN
                )
            )
        )
    ixs.append(
        Instruction(
            TOKEN, bytes([20, 6]) + bytes(owner.pubkey()) + b"\0", [AccountMeta(mint.pubkey(), False, True)]
        )
    )
    for acc in (src, dst):
        ixs.append(
            Instruction(
                TOKEN,
                bytes([18]) + bytes(owner.pubkey()),
                [AccountMeta(acc.pubkey(), False, True), AccountMeta(mint.pubkey(), False, False)],
            )
        )
    await pipeline.send(ixs, [mint, src, dst])

    # getProgramAccounts with memcmp (base58 on the wire) and dataSize filters.
    found = await conn.get_program_accounts(TOKEN, [DataSize(165), Memcmp(32, bytes(owner.pubkey()))])
    assert {key for key, _ in found} == {src.pubkey(), dst.pubkey()}

    bad = Instruction(
        TOKEN,
        bytes([3]) + struct.pack("<Q", 1),
        [
            AccountMeta(src.pubkey(), False, True),
            AccountMeta(dst.pubkey(), False, True),
            AccountMeta(owner.pubkey(), True, False),
        ],
    )
    with pytest.raises(TransactionError) as simulated:
        await pipeline.send([bad], [owner])
    assert simulated.value.custom_code == 1 and simulated.value.signature is None and simulated.value.logs
    # With the limit given there is no simulation: the node's preflight refuses it, with its logs.
    with pytest.raises(TransactionError) as preflight:
        await pipeline.send([bad], [owner], compute_unit_limit=20_000)
    assert preflight.value.custom_code == 1 and preflight.value.signature is not None
    assert any("custom program error: 0x1" in line for line in preflight.value.logs)
    assert await conn.get_signature_status(preflight.value.signature) is None


async def test_deploy_and_upgrade_through_the_loader(conn: RpcConnection, payer: Keypair) -> None:
    token_elf, memo_elf = shipped_elf(TOKEN), shipped_elf(MEMO)
    program, authority = Keypair(), Keypair()
    await TransactionPipeline(conn, payer).send(
        [transfer(TransferParams(from_pubkey=payer.pubkey(), to_pubkey=authority.pubkey(), lamports=SOL))]
    )
    progress: list[int] = []
    deployed = await deploy_program(
        conn,
        payer,
        program,
        token_elf,
        upgrade_authority=authority,
        progress=lambda done, _: progress.append(done),
    )
    assert progress[-1] == len(token_elf) and len(progress) == deployed.write_transactions
    programdata = await conn.get_account_data(deployed.programdata_address)
    assert programdata is not None and programdata[PROGRAMDATA_METADATA_SIZE:][: len(token_elf)] == token_elf

    pipeline = TransactionPipeline(conn, payer)
    with pytest.raises(TransactionError) as raised:  # SPL Token code answers: InvalidInstruction
        await pipeline.send([Instruction(program.pubkey(), b"", [])])
    assert raised.value.custom_code == 12

    await upgrade_program(conn, payer, program.pubkey(), memo_elf, authority)
    upgraded = Instruction(program.pubkey(), b"upgraded in place", [AccountMeta(payer.pubkey(), True, False)])
    result = await pipeline.send([upgraded])
    assert "Program log: upgraded in place" in result.logs


async def test_transport_failures_are_mapped_after_bounded_retries() -> None:
    async with RpcConnection("http://127.0.0.1:9", retry=RetryPolicy(attempts=2, base_delay=0.01)) as dead:
        with pytest.raises(RpcError) as raised:
            await dead.get_slot()
    assert raised.value.retryable and raised.value.http_status is None


async def test_http_status_mapping_honours_retry_after() -> None:
    request = httpx2.Request("POST", "http://127.0.0.1:8899")
    for status, retryable in ((429, True), (503, True), (400, False)):
        response = httpx2.Response(status, headers={"Retry-After": "3"}, request=request)
        error = map_rpc_exception(httpx2.HTTPStatusError("x", request=request, response=response), "getSlot")
        assert (error.http_status, error.retryable, error.retry_after) == (status, retryable, 3.0)
    policy = RetryPolicy(max_delay=2.0)
    assert policy.delay(1, 3.0) == 2.0  # the server's Retry-After, capped
    assert 0.125 <= policy.delay(1, None) <= 0.25 and policy.delay(10, None) <= 2.0
