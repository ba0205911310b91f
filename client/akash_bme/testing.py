"""A ready-made in-process world for tests and scripts: LiteSVM with the program deployed through the
real loader, an AKT mint owned by the program, the config initialized, a price posted, and funded
wallets. Time moves only when asked (`advance`), which also refreshes the blockhash and the price.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from solders.keypair import Keypair
from solders.pubkey import Pubkey

from ._client import DEFAULT_PARAMS, BmeClient
from .bootstrap import bootstrap, create_akt_accounts
from .connection import LiteSvmConnection
from .generated.types import Params
from .oracle import DEFAULT_EXPO

GENESIS_UNIX_TIME = 1_767_225_600  # 2026-01-01T00:00:00Z: LiteSVM's clock starts at 0 otherwise
DEFAULT_PRICE = 200_000_000  # $2.00 per AKT at expo -8
DEFAULT_CONF = 100_000  # 0.05% of the price: inside max_conf_bps


@dataclass
class World:
    """An in-process cluster with the program, ready to use."""

    connection: LiteSvmConnection
    client: BmeClient
    authority: Keypair
    oracle: Keypair
    akt_mint: Pubkey
    price: int = DEFAULT_PRICE
    expo: int = DEFAULT_EXPO
    conf: int = DEFAULT_CONF
    wallets: dict[str, Keypair] = field(default_factory=dict)

    @property
    def now(self) -> int:
        return self.connection.svm.get_clock().unix_timestamp

    async def wallet(self, name: str, *, sol: int = 10 * 10**9) -> Keypair:
        """A named wallet with SOL and an empty AKT account. AKT can only come from the program once the
        mint is handed over: give initial balances to `in_process_world(balances=...)`."""
        if name not in self.wallets:
            keypair = Keypair()
            self.connection.airdrop(keypair.pubkey(), sol)
            await create_akt_accounts(self.client, [keypair.pubkey()])
            self.wallets[name] = keypair
        return self.wallets[name]

    async def akt_balance(self, owner: Pubkey) -> int:
        data = await self.connection.get_account_data(self.client.akt_account(owner))
        return 0 if data is None else int.from_bytes(data[64:72], "little")

    async def akt_supply(self) -> int:
        data = await self.connection.get_account_data(self.akt_mint)
        assert data is not None
        return int.from_bytes(data[36:44], "little")

    async def advance(self, seconds: int, *, price: int | None = None, post_price: bool = True) -> None:
        """Moves the clock, expires the blockhash and by default posts a fresh price."""
        self.connection.set_unix_time(self.now + seconds)
        self.connection.expire_blockhash()
        if price is not None:
            self.price = price
        if post_price:
            await self.client.update_price(
                self.oracle, price=self.price, expo=self.expo, conf=self.conf, publish_time=self.now
            )


async def in_process_world(
    balances: dict[str, int] | None = None,
    *,
    params: Params = DEFAULT_PARAMS,
    price: int = DEFAULT_PRICE,
    expo: int = DEFAULT_EXPO,
) -> World:
    """A LiteSVM world; `balances` names wallets and their initial uakt (minted before the mint handover)."""
    connection = LiteSvmConnection()
    connection.set_unix_time(GENESIS_UNIX_TIME)
    authority, oracle = Keypair(), Keypair()
    for key in (authority, oracle):
        connection.airdrop(key.pubkey(), 100 * 10**9)
    wallets = {name: Keypair() for name in (balances or {})}
    for keypair in wallets.values():
        connection.airdrop(keypair.pubkey(), 10 * 10**9)
    initial = {wallets[name].pubkey(): amount for name, amount in (balances or {}).items()}
    booted = await bootstrap(
        connection,
        authority,
        balances=initial,
        price=price,
        expo=expo,
        conf=DEFAULT_CONF,
        params=params,
        oracle=oracle,
    )
    return World(
        connection=connection,
        client=booted.client,
        authority=authority,
        oracle=oracle,
        akt_mint=booted.akt_mint,
        price=price,
        expo=expo,
        wallets=wallets,
    )
