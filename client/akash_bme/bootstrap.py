"""Bootstrap a cluster for the program: deploy it, create the AKT mint owned by the program's
mint-authority PDA, initialize the config and post a first price.

Everything goes through ordinary transactions over a `Connection`, so the same code prepares LiteSVM,
Surfpool, `solana-test-validator` or devnet.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from solders.keypair import Keypair
from solders.pubkey import Pubkey
from solders.system_program import CreateAccountParams, create_account
from spl.token.constants import TOKEN_PROGRAM_ID
from spl.token.instructions import (
    create_idempotent_associated_token_account,
    get_associated_token_address,
    initialize_mint2,
    mint_to,
    set_authority,
)
from spl.token.models import AuthorityType, InitializeMint2Params, MintToParams, SetAuthorityParams

from . import generated as g
from ._client import DEFAULT_PARAMS, BmeClient
from .connection import Connection
from .deploy import deploy_program

MINT_LEN = 82
AKT_DECIMALS = 6

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_SO_PATH = Path(os.environ.get("AKASH_BME_SO") or REPO_ROOT / "localnet" / "akash_bme.so")
"""The committed build, or the one named by AKASH_BME_SO (CI points it at the rebuilt program)."""
DEFAULT_PROGRAM_KEYPAIR = REPO_ROOT / "localnet" / "program-keypair.localnet-only.json"


def load_program_keypair(path: Path = DEFAULT_PROGRAM_KEYPAIR) -> Keypair:
    """The localnet-only program keypair: a JSON object with a `keypair` byte list, or a Solana CLI list."""
    raw = json.loads(path.read_text())
    secret = raw["keypair"] if isinstance(raw, dict) else raw
    return Keypair.from_bytes(bytes(secret))


def load_program(path: Path = DEFAULT_SO_PATH) -> bytes:
    data = path.read_bytes()
    if not data.startswith(b"\x7fELF"):
        raise ValueError(f"{path} is not an ELF file")
    return data


async def create_akt_mint(
    client: BmeClient, balances: Mapping[Pubkey, int] = {}, *, mint: Keypair | None = None
) -> Pubkey:
    """Creates a 6-decimal AKT mint, mints `balances` to the owners' associated accounts, then hands the
    mint authority to the program's PDA for good (no freeze authority)."""
    mint = mint or Keypair()
    payer = client.payer.pubkey()
    rent = await client.connection.get_minimum_balance_for_rent_exemption(MINT_LEN)
    setup = [
        create_account(
            CreateAccountParams(
                from_pubkey=payer,
                to_pubkey=mint.pubkey(),
                lamports=rent,
                space=MINT_LEN,
                owner=TOKEN_PROGRAM_ID,
            )
        ),
        initialize_mint2(
            InitializeMint2Params(
                decimals=AKT_DECIMALS, program_id=TOKEN_PROGRAM_ID, mint=mint.pubkey(), mint_authority=payer
            )
        ),
    ]
    await client.pipeline.send(setup, [mint])
    owners = list(balances.items())
    for start in range(0, len(owners), 4):
        batch = []
        for owner, amount in owners[start : start + 4]:
            account = get_associated_token_address(owner, mint.pubkey())
            batch.append(create_idempotent_associated_token_account(payer, owner, mint.pubkey()))
            if amount:
                batch.append(
                    mint_to(
                        MintToParams(
                            program_id=TOKEN_PROGRAM_ID,
                            mint=mint.pubkey(),
                            dest=account,
                            mint_authority=payer,
                            amount=amount,
                        )
                    )
                )
        await client.pipeline.send(batch)
    handover = set_authority(
        SetAuthorityParams(
            program_id=TOKEN_PROGRAM_ID,
            account=mint.pubkey(),
            authority=AuthorityType.MINT_TOKENS,
            current_authority=payer,
            new_authority=client.mint_authority_address,
        )
    )
    await client.pipeline.send([handover])
    return mint.pubkey()


async def create_akt_accounts(client: BmeClient, owners: list[Pubkey]) -> None:
    """Creates the owners' associated AKT accounts (idempotent)."""
    payer = client.payer.pubkey()
    for start in range(0, len(owners), 6):
        batch = [
            create_idempotent_associated_token_account(payer, o, client.akt_mint)
            for o in owners[start : start + 6]
        ]
        await client.pipeline.send(batch)


@dataclass(frozen=True)
class Bootstrapped:
    program_id: Pubkey
    akt_mint: Pubkey
    authority: Keypair
    oracle: Keypair
    client: BmeClient


async def bootstrap(
    connection: Connection,
    payer: Keypair,
    *,
    balances: Mapping[Pubkey, int] = {},
    price: int = 200_000_000,
    expo: int = -8,
    conf: int = 100_000,
    params: g.types.Params = DEFAULT_PARAMS,
    program_keypair: Keypair | None = None,
    so: bytes | None = None,
    oracle: Keypair | None = None,
    deploy: bool = True,
) -> Bootstrapped:
    """Deploys the program (unless `deploy=False` and it is already there), creates the AKT mint with
    `balances`, initializes the config with `payer` as authority and posts a first price."""
    program_keypair = program_keypair or load_program_keypair()
    program_id = program_keypair.pubkey()
    if deploy:
        existing = await connection.get_account(program_id)
        if existing is None or not existing.executable:
            await deploy_program(connection, payer, program_keypair, so or load_program())
    oracle = oracle or payer
    client = BmeClient(connection, payer, program_id=program_id)
    mint = await create_akt_mint(client, balances)
    await client.initialize(payer, akt_mint=mint, oracle_authority=oracle.pubkey(), params=params)
    now = await connection.get_unix_time()
    await client.update_price(oracle, price=price, expo=expo, conf=conf, publish_time=now)
    return Bootstrapped(program_id=program_id, akt_mint=mint, authority=payer, oracle=oracle, client=client)
