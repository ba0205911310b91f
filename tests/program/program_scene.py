"""Shared scene of the program tests: a LiteSVM world with a tenant, a provider owner and a funder, and
small helpers to open leases and read state. Imported by conftest.py and the test modules."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TypeVar

from akash_bme import generated as g
from akash_bme._client import DEFAULT_PARAMS, BmeClient, TxResult
from akash_bme._errors import TransactionError
from akash_bme.generated.types import Params
from akash_bme.testing import World, in_process_world
from solders.instruction import Instruction
from solders.keypair import Keypair
from solders.message import Message
from solders.pubkey import Pubkey
from solders.transaction import Transaction
from solders.transaction_metadata import FailedTransactionMetadata

AKT = 10**6
"""uakt per AKT."""
TENANT_UAKT = 1_000_000 * AKT
FUNDER_UAKT = 1_000_000 * AKT
HOST = "https://provider.example.com:8443"

E = TypeVar("E")


@dataclass
class Scene:
    world: World
    tenant: Keypair
    owner: Keypair
    funder: Keypair

    @property
    def client(self) -> BmeClient:
        return self.world.client

    @property
    def provider(self) -> Pubkey:
        """The Provider account of `owner`."""
        return self.client.provider_address(self.owner.pubkey())

    def lease_address(self, dseq: int, tenant: Pubkey | None = None) -> Pubkey:
        return self.client.lease_address(tenant or self.tenant.pubkey(), self.provider, dseq)

    async def register(self) -> TxResult:
        return await self.client.register_provider(self.owner, HOST)

    async def open_lease(
        self, dseq: int, *, rate: int = 3600, deposit: int = 5_000_000, tenant: Keypair | None = None
    ) -> tuple[Pubkey, TxResult]:
        tenant = tenant or self.tenant
        result = await self.client.create_lease(
            tenant,
            provider_owner=self.owner.pubkey(),
            dseq=dseq,
            rate_uact_per_hour=rate,
            deposit_uact=deposit,
        )
        return self.lease_address(dseq, tenant.pubkey()), result

    async def config(self) -> g.accounts.Config:
        return await self.client.config()

    async def lease(self, address: Pubkey) -> g.accounts.Lease:
        lease = await self.client.lease(address)
        assert lease is not None, f"no lease at {address}"
        return lease

    async def balance(self, who: Keypair) -> int:
        return await self.world.akt_balance(who.pubkey())

    async def params(self, **changes: int) -> TxResult:
        """update_params with some fields changed from the stored params."""
        current = (await self.config()).params
        fields = {name: getattr(current, name) for name in Params.__dataclass_fields__}
        return await self.client.update_params(self.world.authority, Params(**{**fields, **changes}))


@dataclass(frozen=True)
class Landed:
    """A transaction sent straight to LiteSVM: its decoded events and compute units, or its error code."""

    events: tuple[g.Event, ...]
    compute_units: int
    custom_error: int | None = None


def send_direct(world: World, instructions: list[Instruction], signers: Iterable[Keypair] = ()) -> Landed:
    """Sends without the pipeline's simulation and confirmation round: the tight loops (thousands of
    transactions) would spend most of their time there. A failure is returned, not raised, so that a test
    can compare it with the quote's overflow; a non-program failure still raises."""
    svm, payer = world.connection.svm, world.client.payer
    blockhash = svm.latest_blockhash()
    keys = {k.pubkey(): k for k in (payer, *signers)}
    transaction = Transaction(list(keys.values()), Message(instructions, payer.pubkey()), blockhash)
    result = svm.send_transaction(transaction)
    if isinstance(result, FailedTransactionMetadata):
        meta = result.meta()
        error = TransactionError.from_failure(result.err(), logs=meta.logs())
        if error.custom_code is None:
            raise error
        return Landed((), meta.compute_units_consumed(), error.custom_code)
    program_events = tuple(g.decode_events(result.logs(), world.client.program_id))
    return Landed(program_events, result.compute_units_consumed())


def events(results: Iterable[TxResult], kind: type[E]) -> list[E]:
    """Every event of `kind` across the transactions, in order."""
    return [e for r in results for e in r.events if isinstance(e, kind)]


def one(result: TxResult, kind: type[E]) -> E:
    found = events([result], kind)
    assert len(found) == 1, f"expected one {kind.__name__}, got {result.events}"
    return found[0]


async def make_scene(*, register: bool = True, params: Params | None = None) -> Scene:
    balances = {"tenant": TENANT_UAKT, "owner": 0, "funder": FUNDER_UAKT}
    world = await in_process_world(balances, params=params or DEFAULT_PARAMS)
    scene = Scene(world, world.wallets["tenant"], world.wallets["owner"], world.wallets["funder"])
    if register:
        await scene.register()
    return scene
