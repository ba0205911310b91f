"""Deterministic Akash chain-state fixture for the migration tests and benchmarks.

Shapes follow the real current-generation mainnet REST pages and the real testnet-bme genesis in
`../shared/data/akash-samples` (same keys, same quirks: int64 as strings, enums as names, DecCoin with
18 decimals, `reason: lease_closed_invalid` on live leases, `reclamation: null`, `bseq`, truncated
`next_key`s, `total` only on a first page, a few escrow accounts spelling `settledAt`).

Writes, under OUTDIR: `genesis.json` (an `akash export`), `rest/` (the same state as saved REST pages, one
page per file) and `address-map.csv`. Usage:

    python tests/migration/gen_fixture.py OUTDIR [--providers N --leases N --balances N --seed S]
"""

from __future__ import annotations

import argparse
import base64
import json
import random
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from akash_bme.migration import encode_akash_address
from solders.pubkey import Pubkey

IBC_USDC = "ibc/170C677610AC31DF0904FFE09CD3B5C657492170E7E52372E48756B71E56F2F1"
FIRST_HEIGHT = 16_000_000
EXPORT_HEIGHT = 26_000_000


@dataclass(frozen=True)
class FixturePaths:
    genesis: Path
    rest: Path
    address_map: Path


def _dec(value: Decimal) -> str:
    return format(value, ".18f")


def _dec_coin(denom: str, value: Decimal) -> dict[str, str]:
    return {"denom": denom, "amount": _dec(value)}


def _coin(denom: str, value: int) -> dict[str, str]:
    return {"denom": denom, "amount": str(value)}


class _State:
    """The chain state as protobuf-JSON objects, built once and written in both forms."""

    def __init__(self, rng: random.Random, providers: int, leases: int, balances: int) -> None:
        self.rng = rng
        self.provider_addrs = [self.address() for _ in range(providers)]
        self.tenant_addrs = [self.address() for _ in range(max(10, leases // 4))]
        self.providers = [self.provider(i, a) for i, a in enumerate(self.provider_addrs)]
        self.deployments: list[dict[str, Any]] = []
        self.leases: list[dict[str, Any]] = []
        self.payments: list[dict[str, Any]] = []
        self.accounts: list[dict[str, Any]] = []
        self.dseq = FIRST_HEIGHT
        while len(self.leases) < leases:
            self.deployment(leases - len(self.leases))
        holders = [*self.provider_addrs, *self.tenant_addrs]
        holders += [self.address() for _ in range(max(0, balances - len(holders)))]
        self.balances = [self.balance(a) for a in holders[:balances]]
        self.vault = {
            "total_burned": [_coin("uact", rng.randrange(10**12)), _coin("uakt", rng.randrange(10**13))],
            "total_minted": [_coin("uact", rng.randrange(10**12)), _coin("uakt", rng.randrange(10**13))],
            "remint_credits": [_coin("uakt", rng.randrange(10**12, 10**13))],
        }
        everyone = sorted({*holders, *self.provider_addrs, *self.tenant_addrs})
        unmapped = {a for a in everyone if rng.random() < 0.02}
        unmapped |= {self.provider_addrs[0], self.tenant_addrs[0]}  # always some of each kind
        self.address_map = [(a, str(Pubkey(rng.randbytes(32)))) for a in everyone if a not in unmapped]
        rng.shuffle(self.address_map)

    def address(self) -> str:
        return encode_akash_address(self.rng.randbytes(20))

    def provider(self, index: int, owner: str) -> dict[str, Any]:
        host = f"https://provider.p{index}.akash-hosting.example:8443"
        if index % 97 == 5:  # over the program's 128-byte limit
            host = f"https://{'very-long-subdomain.' * 7}p{index}.example:8443"
        return {
            "owner": owner,
            "host_uri": host,
            "attributes": [{"key": "host", "value": "akash"}, {"key": "region", "value": f"r{index % 7}"}],
            "info": {"email": "", "website": ""},
        }

    def group_spec(self, price: dict[str, str]) -> dict[str, Any]:
        rng = self.rng
        return {
            "name": "dcloud",
            "requirements": {"signed_by": {"all_of": [], "any_of": []}, "attributes": []},
            "resources": [
                {
                    "resource": {
                        "id": 1,
                        "cpu": {"units": {"val": str(rng.choice((100, 500, 1000, 4000)))}, "attributes": []},
                        "memory": {
                            "quantity": {"val": str(rng.choice((2**29, 2**30, 2**32)))},
                            "attributes": [],
                        },
                        "storage": [{"name": "default", "quantity": {"val": str(2**30)}, "attributes": []}],
                        "gpu": {"units": {"val": "0"}, "attributes": []},
                        "endpoints": [{"kind": "SHARED_HTTP", "sequence_number": 0}],
                    },
                    "count": 1,
                    "price": price,
                }
            ],
        }

    def deployment(self, room: int) -> None:
        """One deployment of 1..4 groups, each with a lease (and sometimes a closed earlier one)."""
        rng = self.rng
        self.dseq += rng.randint(1, 4000)
        dseq, owner = self.dseq, rng.choice(self.tenant_addrs)
        kind = rng.choices(("open", "overdrawn", "closed", "uakt", "idle"), (80, 8, 7, 3, 2))[0]
        denom = "uakt" if kind == "uakt" else "uact"
        created = dseq + rng.randint(1, 5)
        settled = rng.randint(created, EXPORT_HEIGHT)
        live_state = {"overdrawn": "insufficient_funds", "closed": "closed", "idle": "closed"}.get(
            kind, "active"
        )
        escrow_state = {"overdrawn": "overdrawn", "closed": "closed"}.get(kind, "open")
        groups = []
        for gseq in range(1, rng.choices((1, 2, 3, 4), (40, 30, 20, 10))[0] + 1):
            if room <= 0:
                break
            rate = Decimal(rng.randint(100_000, 900_000_000)) / 10**6
            oseqs = [1, 2] if room >= 2 and rng.random() < 0.08 else [1]
            for oseq in oseqs:
                closed = oseq < len(oseqs) or live_state == "closed"
                self.lease(owner, dseq, gseq, oseq, created, rate, denom, "closed" if closed else live_state)
                room -= 1
            group_state = {"active": "open", "insufficient_funds": "insufficient_funds"}.get(
                live_state, "closed"
            )
            groups.append(
                {
                    "id": {"owner": owner, "dseq": str(dseq), "gseq": gseq},
                    "state": group_state,
                    "group_spec": self.group_spec(_dec_coin(denom, rate * 2)),
                    "created_at": str(created),
                }
            )
        funds = Decimal(rng.randint(0, 10**11)) / 100 if escrow_state == "open" else Decimal(0)
        deposit = funds + Decimal(rng.randint(0, 10**9))
        account_state: dict[str, Any] = {
            "owner": owner,
            "state": escrow_state,
            "transferred": [_dec_coin("uakt", Decimal(0))],
            "settled_at": str(settled),
            "funds": [_dec_coin(denom, funds)],
            "deposits": [
                {
                    "owner": owner,
                    "height": str(created),
                    "source": "balance",
                    "balance": _dec_coin(denom, deposit),
                }
            ],
        }
        if rng.random() < 0.05:  # amino spelling, seen in some exports
            account_state["settledAt"] = account_state.pop("settled_at")
        deployment = {
            "id": {"owner": owner, "dseq": str(dseq)},
            "state": "closed" if kind == "closed" else "active",
            "hash": base64.b64encode(rng.randbytes(32)).decode(),
            "created_at": str(created),
            "reclamation": None,
        }
        self.deployments.append({"deployment": deployment, "groups": groups})
        self.accounts.append(
            {"id": {"scope": "deployment", "xid": f"{owner}/{dseq}"}, "state": account_state}
        )

    def lease(
        self, owner: str, dseq: int, gseq: int, oseq: int, created: int, rate: Decimal, denom: str, state: str
    ) -> None:
        rng = self.rng
        provider = rng.choice(self.provider_addrs)
        closed = state == "closed"
        blocks = rng.randint(0, 5000)
        self.leases.append(
            {
                "id": {
                    "owner": owner,
                    "dseq": str(dseq),
                    "gseq": gseq,
                    "oseq": oseq,
                    "provider": provider,
                    "bseq": 0,
                },
                "state": state,
                "price": _dec_coin(denom, rate),
                "created_at": str(created),
                "closed_on": str(rng.randint(created, EXPORT_HEIGHT)) if closed else "0",
                "reason": rng.choice(("lease_closed_owner", "lease_closed_reason_unstable"))
                if closed
                else "lease_closed_invalid",
                "reclamation": None,
            }
        )
        self.payments.append(
            {
                "id": {
                    "aid": {"scope": "deployment", "xid": f"{owner}/{dseq}"},
                    "xid": f"{gseq}/{oseq}/{provider}",
                },
                "state": {
                    "owner": provider,
                    "state": {"active": "open", "insufficient_funds": "overdrawn"}.get(state, "closed"),
                    "rate": _dec_coin(denom, rate),
                    "balance": _dec_coin(denom, Decimal(0) if closed else rate * rng.randint(0, 3000)),
                    "unsettled": _dec_coin(
                        denom, rate * blocks if state == "insufficient_funds" else Decimal(0)
                    ),
                    "withdrawn": _coin(denom, rng.randint(0, 10**8)),
                },
            }
        )

    def balance(self, address: str) -> dict[str, Any]:
        coins = [_coin("uakt", self.rng.randint(1, 10**12))]
        if self.rng.random() < 0.03:
            coins.insert(0, _coin(IBC_USDC, self.rng.randint(1, 10**9)))
        return {"address": address, "coins": coins}


def _genesis(state: _State) -> dict[str, Any]:
    min_deposits = [_coin("uakt", 500000), _coin("uact", 500000)]
    supply = sum(int(c["amount"]) for b in state.balances for c in b["coins"] if c["denom"] == "uakt")
    return {
        "app_name": "akash",
        "app_version": "v2.0.0",
        "genesis_time": "2026-11-01T00:00:00Z",
        "chain_id": "akashnet-2",
        "initial_height": str(EXPORT_HEIGHT + 1),
        "app_hash": None,
        "app_state": {
            "provider": {"providers": state.providers},
            "deployment": {"deployments": state.deployments, "params": {"min_deposits": min_deposits}},
            "market": {
                "params": {
                    "bid_min_deposit": _coin("uakt", 500000),
                    "order_max_bids": 20,
                    "bid_min_deposits": min_deposits,
                },
                "orders": [],
                "leases": state.leases,
                "bids": [],
            },
            "escrow": {"accounts": state.accounts, "payments": state.payments},
            "bank": {
                "params": {"send_enabled": [], "default_send_enabled": True},
                "balances": state.balances,
                "supply": [_coin("uakt", supply)],
                "denom_metadata": [],
                "send_enabled": [],
            },
            "bme": {
                "params": {
                    "circuit_breaker_warn_threshold": 9500,
                    "circuit_breaker_halt_threshold": 9000,
                    "min_epoch_blocks": "10",
                    "epoch_blocks_backoff_percent": 10,
                    "mint_spread_bps": 25,
                    "settle_spread_bps": 0,
                    "max_endblocker_records": 50,
                },
                "state": state.vault,
                "ledger": None,
            },
        },
        "consensus": {"params": None},
    }


def _write(path: Path, document: Any) -> None:
    path.write_text(json.dumps(document, indent=1) + "\n")


def _pages(rng: random.Random, directory: Path, name: str, key: str, entries: list[Any], size: int) -> None:
    """Paginated list pages as the node returns them: total on the first page, a next_key but the last."""
    chunks = [entries[i : i + size] for i in range(0, len(entries), size)] or [[]]
    for number, chunk in enumerate(chunks, start=1):
        next_key: str | None = None
        if number < len(chunks):
            next_key = base64.b64encode(rng.randbytes(60)).decode()
            if number % 3 == 0:  # saved docs truncate opaque keys like this
                next_key = next_key[:56] + "..."
        pagination = {"next_key": next_key, "total": str(len(entries)) if number == 1 else "0"}
        _write(directory / f"{name}-p{number:04d}.json", {key: chunk, "pagination": pagination})


def _rest(state: _State, directory: Path, rng: random.Random, page_size: int) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    accounts = {a["id"]["xid"]: a for a in state.accounts}
    payments = {(p["id"]["aid"]["xid"], p["id"]["xid"]): p for p in state.payments}
    deployments = [
        {**d, "escrow_account": accounts[f"{d['deployment']['id']['owner']}/{d['deployment']['id']['dseq']}"]}
        for d in state.deployments
    ]
    leases = []
    for lease in state.leases:
        i = lease["id"]
        payment = payments[(f"{i['owner']}/{i['dseq']}", f"{i['gseq']}/{i['oseq']}/{i['provider']}")]
        leases.append({"lease": lease, "escrow_payment": payment})
    _pages(rng, directory, "provider-v1beta4-providers", "providers", state.providers, page_size)
    _pages(rng, directory, "deployment-v1beta4-deployments-list", "deployments", deployments, page_size)
    _pages(rng, directory, "market-v1beta5-leases-list", "leases", leases, page_size)
    _pages(rng, directory, "escrow-v1-types-accounts", "accounts", state.accounts, page_size)
    _pages(rng, directory, "escrow-v1-types-payments", "payments", state.payments, page_size)
    _write(directory / "bme-v1-vault.json", {"vault_state": {"balances": [], **state.vault}})
    for balance in state.balances:
        address, coins = balance["address"], balance["coins"]
        if len(coins) > 1:  # /cosmos/bank/v1beta1/balances/{address}?pagination.limit=1
            _pages(rng, directory, f"bank-v1beta1-balances-{address}", "balances", coins, 1)
        else:
            _write(
                directory / f"bank-v1beta1-balances-{address}.json",
                {"balances": coins, "pagination": {"next_key": None, "total": "1"}},
            )


def write_fixture(
    outdir: str | Path,
    *,
    providers: int = 200,
    leases: int = 2000,
    balances: int = 10_000,
    seed: int = 1,
    page_size: int = 100,
    rest: bool = True,
) -> FixturePaths:
    """Write the fixture; the same arguments always give byte-identical files."""
    outdir = Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    state = _State(rng, providers, leases, balances)
    paths = FixturePaths(outdir / "genesis.json", outdir / "rest", outdir / "address-map.csv")
    paths.genesis.write_text(json.dumps(_genesis(state), separators=(",", ":")))
    if rest:
        _rest(state, paths.rest, rng, page_size)
    lines = ["akash_address,solana_pubkey", *(f"{a},{s}" for a, s in state.address_map)]
    paths.address_map.write_text("\n".join(lines) + "\n")
    return paths


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("outdir", type=Path)
    parser.add_argument("--providers", type=int, default=200)
    parser.add_argument("--leases", type=int, default=2000)
    parser.add_argument("--balances", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--page-size", type=int, default=100)
    args = parser.parse_args()
    paths = write_fixture(
        args.outdir,
        providers=args.providers,
        leases=args.leases,
        balances=args.balances,
        seed=args.seed,
        page_size=args.page_size,
    )
    print(f"genesis: {paths.genesis}\nrest pages: {paths.rest}\naddress map: {paths.address_map}")


if __name__ == "__main__":
    main()
