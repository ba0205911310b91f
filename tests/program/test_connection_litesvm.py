"""The in-process connection and the transaction pipeline, on the real Agave SVM (LiteSVM)."""

from __future__ import annotations

import math
import struct

import pytest
from akash_bme._errors import TransactionError
from akash_bme._pipeline import PriorityFeePolicy, TransactionPipeline
from akash_bme.connection import AccountInfo, DataSize, LiteSvmConnection, Memcmp
from solders.instruction import AccountMeta, Instruction
from solders.keypair import Keypair
from solders.message import MessageV0
from solders.pubkey import Pubkey
from solders.signature import Signature
from solders.system_program import CreateAccountParams, TransferParams, create_account, transfer
from solders.transaction import VersionedTransaction
from solders.transaction_status import TransactionErrorFieldless

pytestmark = pytest.mark.program

TOKEN = Pubkey.from_string("TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA")
MEMO = Pubkey.from_string("MemoSq4gqABAXKb96qnH8TysNcWxMyWCqXgDLGmfcHr")
SOL = 1_000_000_000


@pytest.fixture
def conn() -> LiteSvmConnection:
    return LiteSvmConnection()


@pytest.fixture
def payer(conn: LiteSvmConnection) -> Keypair:
    kp = Keypair()
    conn.airdrop(kp.pubkey(), 10 * SOL)
    return kp


def memo(text: bytes, *signers: Pubkey) -> Instruction:
    return Instruction(MEMO, text, [AccountMeta(s, True, False) for s in signers])


async def token_setup(
    conn: LiteSvmConnection, pipeline: TransactionPipeline, owner: Keypair, amount: int
) -> tuple[Pubkey, Pubkey, Pubkey]:
    """A mint, a source token account holding `amount` and an empty destination, all owned by `owner`."""
    payer = pipeline.payer.pubkey()
    mint, src, dst = Keypair(), Keypair(), Keypair()
    ixs = []
    for kp, size in ((mint, 82), (src, 165), (dst, 165)):
        rent = await conn.get_minimum_balance_for_rent_exemption(size)
        ixs.append(
            create_account(
                CreateAccountParams(
                    from_pubkey=payer, to_pubkey=kp.pubkey(), lamports=rent, space=size, owner=TOKEN
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
    ixs.append(
        Instruction(
            TOKEN,
            bytes([7]) + struct.pack("<Q", amount),
            [
                AccountMeta(mint.pubkey(), False, True),
                AccountMeta(src.pubkey(), False, True),
                AccountMeta(owner.pubkey(), True, False),
            ],
        )
    )
    await pipeline.send(ixs, [mint, src, dst, owner])
    return mint.pubkey(), src.pubkey(), dst.pubkey()


def token_transfer(src: Pubkey, dst: Pubkey, owner: Pubkey, amount: int) -> Instruction:
    return Instruction(
        TOKEN,
        bytes([3]) + struct.pack("<Q", amount),
        [AccountMeta(src, False, True), AccountMeta(dst, False, True), AccountMeta(owner, True, False)],
    )


# ---- reads and runtime control ----------------------------------------------------------------------------


async def test_reads(conn: LiteSvmConnection, payer: Keypair) -> None:
    token = await conn.get_account(TOKEN)
    assert token is not None and token.executable
    assert await conn.get_account(Keypair().pubkey()) is None
    assert await conn.get_account_data(Keypair().pubkey()) is None
    missing = Keypair().pubkey()
    many = await conn.get_multiple_accounts([payer.pubkey(), missing, TOKEN])
    assert [a is None for a in many] == [False, True, False]
    assert await conn.get_balance(payer.pubkey()) == 10 * SOL
    assert await conn.get_balance(missing) == 0
    assert await conn.get_minimum_balance_for_rent_exemption(0) > 0


async def test_program_account_filters(conn: LiteSvmConnection) -> None:
    owner = Keypair().pubkey()
    a, b, c = (Keypair().pubkey() for _ in range(3))
    conn.set_account(a, AccountInfo(SOL, owner, b"\x01\x02abc", False))
    conn.set_account(b, AccountInfo(SOL, owner, b"\x01\x03abc", False))
    conn.set_account(c, AccountInfo(SOL, owner, b"\x01\x02abcdef", False))
    assert {k for k, _ in await conn.get_program_accounts(owner)} == {a, b, c}
    assert {k for k, _ in await conn.get_program_accounts(owner, [Memcmp(0, b"\x01\x02")])} == {a, c}
    assert {k for k, _ in await conn.get_program_accounts(owner, [Memcmp(1, b"\x02"), DataSize(5)])} == {a}
    assert await conn.get_account_data(c) == b"\x01\x02abcdef"


async def test_clock_and_blockhash_control(conn: LiteSvmConnection) -> None:
    conn.set_unix_time(1_700_000_000)
    assert await conn.get_unix_time() == 1_700_000_000
    before = await conn.get_latest_blockhash()
    slot = await conn.get_slot()
    conn.warp(slots=10, seconds=30)
    clock = await conn.get_clock()
    assert (clock.slot, clock.unix_timestamp) == (slot + 10, 1_700_000_030)
    after = await conn.get_latest_blockhash()
    assert after.blockhash != before.blockhash
    assert await conn.get_block_height() > before.last_valid_block_height


# ---- the pipeline -----------------------------------------------------------------------------------------


async def test_compute_limit_from_simulation_and_several_signers(
    conn: LiteSvmConnection, payer: Keypair
) -> None:
    pipeline = TransactionPipeline(conn, payer, cu_margin=0.5, min_compute_units=0)
    alice, bob = Keypair(), Keypair()
    result = await pipeline.send(
        [memo(b"three signers", payer.pubkey(), alice.pubkey(), bob.pubkey())], [alice, bob]
    )
    assert result.attempts == 1
    assert result.compute_units is not None
    assert result.compute_unit_limit == math.ceil(result.compute_units * 1.5)
    signed = [line for line in result.logs if line.startswith("Program log: ") and "Signed by" not in line]
    assert {str(k.pubkey()) for k in (payer, alice, bob)} <= {
        line.removeprefix("Program log: ") for line in signed
    }
    status = await conn.get_signature_status(result.signature)
    assert status is not None and status.err is None and status.commitment == "finalized"


async def test_floor_and_duplicate_signers(conn: LiteSvmConnection, payer: Keypair) -> None:
    pipeline = TransactionPipeline(conn, payer, min_compute_units=50_000)
    result = await pipeline.send([memo(b"x", payer.pubkey())], [payer, payer])
    assert result.compute_unit_limit == 50_000


async def test_priority_fee_policies(conn: LiteSvmConnection, payer: Keypair) -> None:
    fixed = TransactionPipeline(conn, payer, priority_fee=PriorityFeePolicy.fixed(2_000_000))
    result = await fixed.send([memo(b"fee", payer.pubkey())])
    assert result.priority_fee_micro_lamports == 1_000_000  # capped
    meta = await conn.get_transaction_meta(result.signature)
    assert meta is not None
    assert meta.fee == 5_000 + math.ceil(result.compute_unit_limit * 1_000_000 / 1_000_000)

    recent = TransactionPipeline(conn, payer, priority_fee=PriorityFeePolicy.from_recent_fees(90, floor=7))
    result = await recent.send([memo(b"fee", payer.pubkey())])
    assert result.priority_fee_micro_lamports == 7  # LiteSVM's recent fees are all zero: the floor wins

    none = TransactionPipeline(conn, payer)
    result = await none.send([memo(b"fee", payer.pubkey())])
    meta = await conn.get_transaction_meta(result.signature)
    assert result.priority_fee_micro_lamports == 0 and meta is not None and meta.fee == 5_000


async def test_program_error_is_raised_with_logs_and_custom_code(
    conn: LiteSvmConnection, payer: Keypair
) -> None:
    pipeline = TransactionPipeline(conn, payer)
    _, src, dst = await token_setup(conn, pipeline, payer, amount=100)
    with pytest.raises(TransactionError) as raised:
        await pipeline.send([token_transfer(src, dst, payer.pubkey(), 101)])
    err = raised.value
    assert err.custom_code == 1  # SPL Token InsufficientFunds
    assert err.instruction_index == 1  # after the compute-limit instruction
    assert err.signature is None  # refused in simulation: nothing was sent
    assert any("custom program error: 0x1" in line for line in err.logs)
    assert err.compute_units is not None and err.compute_units > 0
    # The balance is untouched; the same transfer within the balance succeeds.
    await pipeline.send([token_transfer(src, dst, payer.pubkey(), 100)])


async def test_error_mapper_turns_errors_into_typed_exceptions(
    conn: LiteSvmConnection, payer: Keypair
) -> None:
    class InsufficientFundsError(TransactionError):
        pass

    def mapper(exc: TransactionError) -> Exception:
        if exc.custom_code == 1:
            return InsufficientFundsError(exc.message, signature=exc.signature, logs=exc.logs, err=exc.err)
        return exc

    pipeline = TransactionPipeline(conn, payer, error_mapper=mapper)
    _, src, dst = await token_setup(conn, pipeline, payer, amount=5)
    with pytest.raises(InsufficientFundsError) as raised:
        await pipeline.send([token_transfer(src, dst, payer.pubkey(), 6)], compute_unit_limit=10_000)
    assert isinstance(raised.value.__cause__, TransactionError)
    # With the limit given there is no simulation: the node's preflight refused the signed transaction.
    assert isinstance(raised.value.signature, Signature)
    assert await conn.get_signature_status(raised.value.signature) is None


async def test_preflight_and_landed_failures(conn: LiteSvmConnection, payer: Keypair) -> None:
    pipeline = TransactionPipeline(conn, payer)
    _, src, dst = await token_setup(conn, pipeline, payer, amount=1)
    blockhash = await conn.get_latest_blockhash()
    message = MessageV0.try_compile(
        payer.pubkey(), [token_transfer(src, dst, payer.pubkey(), 2)], [], blockhash.blockhash
    )
    signed = VersionedTransaction(message, [payer])
    with pytest.raises(TransactionError) as raised:
        await conn.send_transaction(signed)
    assert raised.value.signature == signed.signatures[0] and raised.value.custom_code == 1
    assert await conn.get_signature_status(signed.signatures[0]) is None  # preflight failures do not land
    signature = await conn.send_transaction(signed, skip_preflight=True)
    status = await conn.confirm(signature, commitment="finalized")
    assert status.err is not None  # it landed, and failed
    meta = await conn.get_transaction_meta(signature)
    assert meta is not None and meta.err == status.err and meta.logs


# ---- blockhash expiry: resend without double execution -----------------------------------------------------


class DropsFirstSend(LiteSvmConnection):
    """A connection whose first transaction is lost before it reaches the runtime, while the cluster moves on.

    Everything else is the real runtime: only the network between client and leader is unreliable here.
    """

    def __init__(self) -> None:
        super().__init__()
        self.dropped: list[VersionedTransaction] = []

    async def send_transaction(self, tx, *, skip_preflight=False, preflight_commitment=None):  # type: ignore[no-untyped-def]
        if not self.dropped:
            self.dropped.append(tx)
            self.expire_blockhash()  # time passes: the lost transaction's blockhash ages out
            return tx.signatures[0]
        return await super().send_transaction(
            tx, skip_preflight=skip_preflight, preflight_commitment=preflight_commitment
        )


class ExpiresAfterLanding(LiteSvmConnection):
    """The transaction lands, then its blockhash expires before the client gets to confirm it."""

    async def send_transaction(self, tx, *, skip_preflight=False, preflight_commitment=None):  # type: ignore[no-untyped-def]
        signature = await super().send_transaction(
            tx, skip_preflight=skip_preflight, preflight_commitment=preflight_commitment
        )
        self.expire_blockhash()
        return signature


async def test_lost_transaction_is_resent_once_its_blockhash_expired() -> None:
    conn = DropsFirstSend()
    payer, recipient = Keypair(), Keypair().pubkey()
    conn.airdrop(payer.pubkey(), 10 * SOL)
    pipeline = TransactionPipeline(conn, payer)
    result = await pipeline.send(
        [transfer(TransferParams(from_pubkey=payer.pubkey(), to_pubkey=recipient, lamports=SOL + 12345))]
    )
    assert result.attempts == 2
    assert await conn.get_balance(recipient) == SOL + 12345  # exactly one transfer
    lost = conn.dropped[0]
    assert lost.signatures[0] != result.signature
    assert await conn.get_signature_status(lost.signatures[0]) is None
    # The lost copy can never land now: the runtime refuses its expired blockhash.
    with pytest.raises(TransactionError) as raised:
        await conn.send_transaction(lost, skip_preflight=True)
    assert raised.value.err == TransactionErrorFieldless.BlockhashNotFound
    assert await conn.get_balance(recipient) == SOL + 12345


async def test_landed_transaction_is_not_resent_after_expiry() -> None:
    conn = ExpiresAfterLanding()
    payer, recipient = Keypair(), Keypair().pubkey()
    conn.airdrop(payer.pubkey(), 10 * SOL)
    pipeline = TransactionPipeline(conn, payer)
    result = await pipeline.send(
        [transfer(TransferParams(from_pubkey=payer.pubkey(), to_pubkey=recipient, lamports=SOL + 777))]
    )
    assert result.attempts == 1
    assert await conn.get_balance(recipient) == SOL + 777


# ---- logs subscription ------------------------------------------------------------------------------------


async def test_subscribe_logs_sees_only_transactions_mentioning_the_program(
    conn: LiteSvmConnection, payer: Keypair
) -> None:
    pipeline = TransactionPipeline(conn, payer)
    async with conn.subscribe_logs(MEMO) as logs:
        await pipeline.send(
            [transfer(TransferParams(from_pubkey=payer.pubkey(), to_pubkey=Keypair().pubkey(), lamports=SOL))]
        )
        sent = await pipeline.send([memo(b"observed", payer.pubkey())])
        event = await anext(logs)
    assert event.signature == sent.signature and event.err is None
    assert "Program log: observed" in event.logs
    with pytest.raises(StopAsyncIteration):
        await anext(logs)
