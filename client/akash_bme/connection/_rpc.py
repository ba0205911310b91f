"""The JSON-RPC connection: solana-py's `AsyncClient` over HTTP, `SolanaWsClient` for subscriptions.

Every request goes through `_call`, which maps solana-py, httpx and solders RPC failures onto
`RpcError` (or `TransactionError` for a failed preflight) and retries what is worth retrying:
HTTP 429 (honouring `Retry-After`), 5xx, an unhealthy node and connection-level failures. Retrying
`sendTransaction` is safe: the same signed bytes carry the same signature and execute at most once.
"""

from __future__ import annotations

import asyncio
import json
import random
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from functools import partial
from typing import TypeVar
from urllib.parse import urlsplit, urlunsplit

import httpx2
from solana.exceptions import SolanaRpcException
from solana.rpc.async_api import AsyncClient
from solana.rpc.commitment import Commitment as SolanaCommitment
from solana.rpc.core import RPCException, RPCNoResultException
from solana.rpc.models import MemcmpOpts
from solana.rpc.websocket_api import SolanaWsClient
from solders.clock import Clock
from solders.commitment_config import CommitmentLevel
from solders.pubkey import Pubkey
from solders.rpc.config import RpcSendTransactionConfig, RpcTransactionLogsFilterMentions
from solders.rpc.errors import NodeUnhealthyMessage, SendTransactionPreflightFailureMessage
from solders.rpc.requests import SendRawTransaction
from solders.rpc.responses import LogsNotification, SendTransactionResp
from solders.signature import Signature
from solders.sysvar import CLOCK
from solders.transaction import VersionedTransaction
from solders.transaction_status import TransactionConfirmationStatus, TransactionErrorFieldless
from websockets.exceptions import ConnectionClosedOK, WebSocketException

from .._errors import RpcError, TransactionError
from ._base import (
    AccountFilter,
    AccountInfo,
    ClockInfo,
    Commitment,
    Connection,
    DataSize,
    LatestBlockhash,
    LogsEvent,
    LogSubscription,
    SignatureStatus,
    SimulationResult,
    TransactionMeta,
    commitment_at_least,
)

T = TypeVar("T")

_MAX_MULTIPLE_ACCOUNTS = 100
# solders' TransactionConfirmationStatus is not hashable: index by its int value.
_CONFIRMATION: dict[int, Commitment] = {
    int(TransactionConfirmationStatus.Processed): "processed",
    int(TransactionConfirmationStatus.Confirmed): "confirmed",
    int(TransactionConfirmationStatus.Finalized): "finalized",
}
_SOLDERS_COMMITMENT: dict[Commitment, CommitmentLevel] = {
    "processed": CommitmentLevel.Processed,
    "confirmed": CommitmentLevel.Confirmed,
    "finalized": CommitmentLevel.Finalized,
}
_B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """Bounded retries with exponential backoff and jitter for transient RPC failures.

    `attempts` counts the first try. A server's `Retry-After` replaces the computed delay (capped at
    `max_delay`).
    """

    attempts: int = 5
    base_delay: float = 0.25
    max_delay: float = 8.0

    def delay(self, attempt: int, retry_after: float | None) -> float:
        """Seconds to wait before try `attempt + 1`."""
        if retry_after is not None:
            return min(retry_after, self.max_delay)
        backoff: float = min(self.max_delay, self.base_delay * 2 ** (attempt - 1))
        return backoff * random.uniform(0.5, 1.0)


def _b58encode(data: bytes) -> str:
    number = int.from_bytes(data, "big")
    out = ""
    while number:
        number, digit = divmod(number, 58)
        out = _B58[digit] + out
    return "1" * (len(data) - len(data.lstrip(b"\0"))) + out


def _retry_after(response: httpx2.Response) -> float | None:
    value = response.headers.get("retry-after")
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None  # an HTTP date: fall back to our own backoff


def map_rpc_exception(exc: Exception, method: str) -> RpcError:
    """Translate a solana-py / httpx / solders failure into `RpcError`, deciding whether it is transient."""
    cause = exc.__cause__ if isinstance(exc, SolanaRpcException) else exc
    if isinstance(cause, httpx2.HTTPStatusError):
        status = cause.response.status_code
        return RpcError(
            f"{method}: HTTP {status}",
            http_status=status,
            retryable=status == 429 or status >= 500,
            retry_after=_retry_after(cause.response),
        )
    if isinstance(cause, httpx2.TransportError):
        return RpcError(f"{method}: {type(cause).__name__}: {cause}", retryable=True)
    if isinstance(exc, RPCException) and exc.args:
        detail = exc.args[0]
        message = getattr(detail, "message", str(detail))
        return RpcError(f"{method}: {message}", retryable=isinstance(detail, NodeUnhealthyMessage))
    return RpcError(f"{method}: {type(exc).__name__}: {exc}")


def _send_reply(raw: str, signature: Signature) -> Signature:
    """The signature from a `sendTransaction` reply, or the error it carries as solana-py would raise it."""
    try:
        reply = json.loads(raw)
        error = reply.get("error")
    except (ValueError, AttributeError):
        raise RpcError(f"sendTransaction: not a JSON-RPC reply: {raw[:200]!r}") from None
    if error is None:
        return Signature.from_string(reply["result"])
    if isinstance(error, dict) and "data" in error:
        parsed = SendTransactionResp.from_json(raw)
        raise RPCException(parsed)
    message = str(error.get("message", error)) if isinstance(error, dict) else str(error)
    if "already been processed" in message:
        return signature  # these very bytes landed (an earlier attempt whose answer was lost)
    code = error.get("code") if isinstance(error, dict) else None
    raise RpcError(f"sendTransaction: {message}", code=code if isinstance(code, int) else None)


def default_ws_url(http_url: str) -> str:
    """The websocket URL a Solana node serves next to `http_url`: same host, port + 1 when explicit."""
    parts = urlsplit(http_url)
    scheme = "wss" if parts.scheme == "https" else "ws"
    netloc = parts.netloc
    if parts.port is not None:
        netloc = f"{parts.hostname}:{parts.port + 1}"
    return urlunsplit((scheme, netloc, parts.path, parts.query, ""))


class RpcConnection(Connection):
    """`Connection` to any Solana JSON-RPC endpoint (Surfpool, solana-test-validator, devnet, mainnet).

    Args:
        url: the HTTP endpoint.
        ws_url: the websocket endpoint; by default the same host with port + 1 (the validator's layout).
        commitment: default commitment of reads.
        timeout: HTTP timeout per request, in seconds.
        retry: how transient failures are retried.
    """

    def __init__(
        self,
        url: str,
        ws_url: str | None = None,
        *,
        commitment: Commitment = "confirmed",
        timeout: float = 30.0,
        retry: RetryPolicy | None = None,
    ) -> None:
        self.url = url
        self.ws_url = ws_url if ws_url is not None else default_ws_url(url)
        self.commitment: Commitment = commitment
        self.retry = retry if retry is not None else RetryPolicy()
        self._client = AsyncClient(
            url, commitment=SolanaCommitment(commitment), timeout=timeout, max_transport_retries=0
        )
        self._subscriptions: set[_RpcLogSubscription] = set()

    def _commitment(self, commitment: Commitment | None) -> SolanaCommitment:
        return SolanaCommitment(commitment if commitment is not None else self.commitment)

    async def _call(self, method: str, request: Callable[[], Awaitable[T]]) -> T:
        attempt = 1
        while True:
            try:
                return await request()
            except (SolanaRpcException, RPCException, RPCNoResultException, httpx2.HTTPError) as exc:
                error = map_rpc_exception(exc, method)
                if not error.retryable or attempt >= self.retry.attempts:
                    raise error from exc
                await asyncio.sleep(self.retry.delay(attempt, error.retry_after))
                attempt += 1

    # ---- reads ----------------------------------------------------------------------------------------

    async def get_account(
        self, pubkey: Pubkey, *, commitment: Commitment | None = None
    ) -> AccountInfo | None:
        resp = await self._call(
            "getAccountInfo",
            lambda: self._client.get_account_info(pubkey, self._commitment(commitment)),
        )
        return AccountInfo.of(resp.value)

    async def get_multiple_accounts(
        self, pubkeys: Sequence[Pubkey], *, commitment: Commitment | None = None
    ) -> list[AccountInfo | None]:
        found: list[AccountInfo | None] = []
        for start in range(0, len(pubkeys), _MAX_MULTIPLE_ACCOUNTS):
            batch = list(pubkeys[start : start + _MAX_MULTIPLE_ACCOUNTS])
            resp = await self._call(
                "getMultipleAccounts",
                partial(self._client.get_multiple_accounts, batch, self._commitment(commitment)),
            )
            found.extend(AccountInfo.of(account) for account in resp.value)
        return found

    async def get_program_accounts(
        self,
        program_id: Pubkey,
        filters: Sequence[AccountFilter] = (),
        *,
        commitment: Commitment | None = None,
    ) -> list[tuple[Pubkey, AccountInfo]]:
        opts: list[int | MemcmpOpts] = [
            f.size if isinstance(f, DataSize) else MemcmpOpts(offset=f.offset, bytes=_b58encode(f.bytes))
            for f in filters
        ]
        resp = await self._call(
            "getProgramAccounts",
            lambda: self._client.get_program_accounts(
                program_id, self._commitment(commitment), encoding="base64", filters=opts
            ),
        )
        found: list[tuple[Pubkey, AccountInfo]] = []
        for keyed in resp.value:
            info = AccountInfo.of(keyed.account)
            if info is not None:
                found.append((keyed.pubkey, info))
        return found

    async def get_balance(self, pubkey: Pubkey, *, commitment: Commitment | None = None) -> int:
        resp = await self._call(
            "getBalance", lambda: self._client.get_balance(pubkey, self._commitment(commitment))
        )
        return resp.value

    async def get_minimum_balance_for_rent_exemption(self, size: int) -> int:
        resp = await self._call(
            "getMinimumBalanceForRentExemption",
            lambda: self._client.get_minimum_balance_for_rent_exemption(size),
        )
        return resp.value

    async def get_latest_blockhash(self, *, commitment: Commitment | None = None) -> LatestBlockhash:
        resp = await self._call(
            "getLatestBlockhash", lambda: self._client.get_latest_blockhash(self._commitment(commitment))
        )
        return LatestBlockhash(resp.value.blockhash, resp.value.last_valid_block_height)

    async def get_block_height(self, *, commitment: Commitment | None = None) -> int:
        resp = await self._call(
            "getBlockHeight", lambda: self._client.get_block_height(self._commitment(commitment))
        )
        return resp.value

    async def get_slot(self, *, commitment: Commitment | None = None) -> int:
        resp = await self._call("getSlot", lambda: self._client.get_slot(self._commitment(commitment)))
        return resp.value

    async def get_clock(self) -> ClockInfo:
        data = await self.get_account_data(CLOCK)
        if data is None:
            raise RpcError("the node has no Clock sysvar account")
        clock = Clock.from_bytes(data)
        return ClockInfo(slot=clock.slot, epoch=clock.epoch, unix_timestamp=clock.unix_timestamp)

    async def get_recent_prioritization_fees(self, accounts: Sequence[Pubkey] = ()) -> list[int]:
        resp = await self._call(
            "getRecentPrioritizationFees", lambda: self._client.get_recent_prioritization_fees(list(accounts))
        )
        return [fee.prioritization_fee for fee in resp.value]

    # ---- transactions ---------------------------------------------------------------------------------

    async def simulate(
        self, tx: VersionedTransaction, *, commitment: Commitment | None = None
    ) -> SimulationResult:
        resp = await self._call(
            "simulateTransaction",
            lambda: self._client.simulate_transaction(
                tx, sig_verify=False, commitment=self._commitment(commitment)
            ),
        )
        value = resp.value
        return SimulationResult(value.err, tuple(value.logs or ()), value.units_consumed or 0)

    async def send_transaction(
        self,
        tx: VersionedTransaction,
        *,
        skip_preflight: bool = False,
        preflight_commitment: Commitment | None = None,
    ) -> Signature:
        config = RpcSendTransactionConfig(
            skip_preflight=skip_preflight,
            preflight_commitment=_SOLDERS_COMMITMENT[preflight_commitment or self.commitment],
        )
        wire, signature = bytes(tx), tx.signatures[0]
        sent = False

        async def request() -> Signature:
            # An attempt whose answer was lost may have reached the node: if the node knows the signature,
            # it is done, and sending it again would be refused as "already processed".
            nonlocal sent
            if sent and await self.get_signature_status(signature) is not None:
                return signature
            sent = True
            # Parsed here, not by solders: it panics on an error reply without `data`, which Surfpool
            # sends for a transaction it has already processed (-32002).
            raw = await self._client._provider.make_request_unparsed(SendRawTransaction(wire, config))
            return _send_reply(raw, signature)

        try:
            return await self._call("sendTransaction", request)
        except RpcError as exc:
            failure = exc.__cause__.args[0] if isinstance(exc.__cause__, RPCException) else None
            if isinstance(failure, SendTransactionPreflightFailureMessage):
                sim = failure.data
                if sim.err == TransactionErrorFieldless.AlreadyProcessed:
                    return signature  # these very bytes landed (an earlier attempt)
                raise TransactionError.from_failure(
                    sim.err,
                    signature=signature,
                    logs=sim.logs or (),
                    compute_units=sim.units_consumed,
                    stage="preflight",
                ) from exc
            raise

    async def get_signature_status(self, signature: Signature) -> SignatureStatus | None:
        resp = await self._call(
            "getSignatureStatuses", lambda: self._client.get_signature_statuses([signature])
        )
        status = resp.value[0]
        if status is None:
            return None
        if status.confirmation_status is not None:
            level = _CONFIRMATION[int(status.confirmation_status)]
        else:  # nodes that predate confirmationStatus report rooted slots as `confirmations: null`
            level = "finalized" if status.confirmations is None else "confirmed"
        return SignatureStatus(status.slot, status.err, level)

    async def get_transaction_meta(
        self, signature: Signature, *, commitment: Commitment | None = None
    ) -> TransactionMeta | None:
        # getTransaction refuses "processed".
        wanted = commitment if commitment is not None else self.commitment
        level: Commitment = wanted if commitment_at_least(wanted, "confirmed") else "confirmed"
        resp = await self._call(
            "getTransaction",
            lambda: self._client.get_transaction(
                signature, "json", SolanaCommitment(level), max_supported_transaction_version=0
            ),
        )
        found = resp.value
        if found is None or found.transaction.meta is None:
            return None
        meta = found.transaction.meta
        return TransactionMeta(
            signature=signature,
            slot=found.slot,
            err=meta.err,
            logs=tuple(meta.log_messages or ()),
            compute_units=meta.compute_units_consumed,
            fee=meta.fee,
        )

    # ---- subscriptions and lifecycle ------------------------------------------------------------------

    def subscribe_logs(self, program_id: Pubkey, *, commitment: Commitment | None = None) -> LogSubscription:
        return _RpcLogSubscription(self, program_id, self._commitment(commitment))

    async def aclose(self) -> None:
        for sub in list(self._subscriptions):
            await sub.aclose()
        await self._client.close()


class _RpcLogSubscription(LogSubscription):
    """One websocket per subscription: a dropped socket ends only its own stream."""

    def __init__(self, connection: RpcConnection, program_id: Pubkey, commitment: SolanaCommitment) -> None:
        self._connection = connection
        self._program_id = program_id
        self._commitment = commitment
        self._ws: SolanaWsClient | None = None
        self._closed = False
        self._lock = asyncio.Lock()

    async def start(self) -> None:
        async with self._lock:
            if self._ws is not None or self._closed:
                return
            ws = SolanaWsClient(self._connection.ws_url)
            try:
                await ws.connect()
                await ws.logs_subscribe(
                    filter_=RpcTransactionLogsFilterMentions(self._program_id), commitment=self._commitment
                )
            except (TimeoutError, OSError, WebSocketException) as exc:
                await ws.close()
                raise RpcError(f"logsSubscribe on {self._connection.ws_url}: {exc}", retryable=True) from exc
            self._ws = ws
            self._connection._subscriptions.add(self)

    async def next_event(self) -> LogsEvent:
        if self._ws is None:
            raise StopAsyncIteration
        try:
            while True:
                notification = await self._ws.recv()
                if isinstance(notification, LogsNotification):
                    value = notification.result.value
                    return LogsEvent(value.signature, tuple(value.logs), value.err)
        except ConnectionClosedOK as exc:
            raise StopAsyncIteration from exc
        except (OSError, WebSocketException) as exc:
            if self._closed:
                raise StopAsyncIteration from exc
            raise RpcError(f"logs subscription on {self._connection.ws_url}: {exc}", retryable=True) from exc

    async def aclose(self) -> None:
        self._closed = True
        self._connection._subscriptions.discard(self)
        if self._ws is not None:
            await self._ws.close()
