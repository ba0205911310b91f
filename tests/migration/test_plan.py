"""Planning: the issue's rules on the full-size fixture in both source forms, exact escrow splits,
determinism, the plan file, the address map, and the real mainnet lease page."""

from __future__ import annotations

import json
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

import pytest
from akash_bme.migration import (
    AddressMap,
    HeightTime,
    MigrationInputError,
    Plan,
    Snapshot,
    bech32_encode,
    build_plan,
    load_address_map,
    plan_digest,
    plan_from_json,
    plan_to_json,
    read_source,
    split_largest_remainder,
)
from gen_fixture import write_fixture
from hypothesis import given
from hypothesis import strategies as st
from solders.pubkey import Pubkey

pytestmark = pytest.mark.migration

SAMPLES = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "akash-samples"
CONVERSIONS = {"blocks_per_hour": 600, "height_time": (26_000_000, 1_793_491_200), "block_time_ms": 6000}
SOLANA_A = "So11111111111111111111111111111111111111112"
SOLANA_B = "11111111111111111111111111111112"


@pytest.fixture(scope="module")
def full(tmp_path_factory: pytest.TempPathFactory) -> tuple[Snapshot, Snapshot, AddressMap]:
    """The issue's fixture: 200 providers, 2,000 leases, 10,000 balances, a vault, in both forms."""
    paths = write_fixture(tmp_path_factory.mktemp("full"))
    return read_source(paths.genesis), read_source(paths.rest), load_address_map(paths.address_map)


@pytest.fixture(scope="module")
def plan(full: tuple[Snapshot, Snapshot, AddressMap]) -> Plan:
    return build_plan(full[0], full[2], **CONVERSIONS)


def test_fixture_has_the_required_shape(full: tuple[Snapshot, Snapshot, AddressMap]) -> None:
    snapshot = full[0]
    assert len(snapshot.providers) >= 200
    assert len(snapshot.leases) == 2000 and len(snapshot.balances) == 10_000
    states = {lease.state for lease in snapshot.leases}
    assert {"active", "insufficient_funds", "closed"} <= states
    gseqs = defaultdict(set)
    for lease in snapshot.leases:
        gseqs[(lease.owner, lease.dseq)].add(lease.gseq)
    assert max(len(g) for g in gseqs.values()) >= 3  # multi-group deployments
    assert snapshot.vault is not None


def test_both_source_forms_give_the_same_plan(
    full: tuple[Snapshot, Snapshot, AddressMap], plan: Plan
) -> None:
    from_rest = build_plan(full[1], full[2], **CONVERSIONS)
    assert plan_to_json(plan, origins=False) == plan_to_json(from_rest, origins=False)
    assert plan_digest(plan) == plan_digest(from_rest)
    assert plan == from_rest  # origins take no part in equality
    # only the origins differ: where each entry was read
    assert plan.leases[0].origins[0].file == "genesis.json"
    assert from_rest.leases[0].origins[0].file.startswith("market-v1beta5-leases-list-p")


def test_plan_is_deterministic(full: tuple[Snapshot, Snapshot, AddressMap], plan: Plan) -> None:
    again = build_plan(full[0], full[2], **CONVERSIONS)
    assert plan_to_json(again) == plan_to_json(plan)


def test_plan_follows_the_rules(full: tuple[Snapshot, Snapshot, AddressMap], plan: Plan) -> None:
    snapshot, _, addresses = full
    reasons = {(s.kind, s.reason) for s in plan.skipped}
    assert {
        ("lease", "lease_closed"),
        ("lease", "unsupported_denom"),
        ("lease", "unmapped_address"),
        ("lease", "provider_not_migrated"),
        ("provider", "invalid_host_uri"),
        ("provider", "unmapped_address"),
        ("balance", "unmapped_address"),
        ("balance", "unsupported_denom"),
        ("escrow_funds", "unsupported_denom"),
    } <= reasons
    assert all(lease.state in ("active", "insufficient_funds") for lease in plan.leases)
    assert any(lease.overdrawn_uact for lease in plan.leases if lease.state == "insufficient_funds")
    migrated_providers = {p.cosmos_address for p in plan.providers}
    payments = {(p.account_xid, p.xid): p for p in snapshot.payments}
    for lease in plan.leases:
        assert lease.tenant == addresses.get(lease.tenant_cosmos)
        assert lease.provider_cosmos in migrated_providers
        payment = payments[
            (f"{lease.tenant_cosmos}/{lease.dseq}", f"{lease.gseq}/{lease.oseq}/{lease.provider_cosmos}")
        ]
        assert lease.unwithdrawn_uact == int(payment.balance.amount)
        assert lease.overdrawn_uact == int(payment.unsettled.amount)
        assert lease.rate_uact_per_hour == int(payment.rate.amount * 600)
        assert lease.settled_at == 1_793_491_200 + (lease.settled_at_height - 26_000_000) * 6
    assert all(len(p.host_uri.encode()) <= 128 for p in plan.providers)
    assert (
        plan.vault is not None and plan.vault.remint_credits_uakt == snapshot.vault.remint_credits[0].amount
    )  # type: ignore[union-attr]
    totals = plan.totals
    assert totals.balance_uakt == sum(b.amount_uakt for b in plan.balances)
    assert totals.leases == totals.leases_active + totals.leases_insufficient_funds
    assert set(plan.truncated_uact) == {"escrow_funds", "payment_balance", "payment_unsettled"}


def test_deployment_funds_split_exactly(full: tuple[Snapshot, Snapshot, AddressMap]) -> None:
    snapshot = full[0]
    everyone = {a for lease in snapshot.leases for a in (lease.owner, lease.provider)}
    everyone |= {p.owner for p in snapshot.providers}
    mapped = AddressMap(
        "all.csv", {a: str(Pubkey(i.to_bytes(32, "big"))) for i, a in enumerate(sorted(everyone), 1)}
    )
    plan = build_plan(snapshot, mapped, **CONVERSIONS)
    planned = defaultdict(list)
    for lease in plan.leases:
        planned[f"{lease.tenant_cosmos}/{lease.dseq}"].append(lease)
    skipped_accounts = {
        s.key.rsplit("/", 3)[0] for s in plan.skipped if s.kind == "lease" and s.reason != "lease_closed"
    }
    checked = 0
    for account in snapshot.accounts:
        if account.xid in planned and account.xid not in skipped_accounts:
            funds = sum(int(f.amount) for f in account.funds if f.denom == "uact")
            assert sum(lease.escrow_uact for lease in planned[account.xid]) == funds
            checked += 1
    assert checked > 500


@given(
    total=st.integers(min_value=0, max_value=10**20),
    weights=st.lists(st.integers(min_value=0, max_value=10**24), min_size=1, max_size=40),
)
def test_largest_remainder_sums_exactly(total: int, weights: list[int]) -> None:
    parts = split_largest_remainder(total, weights)
    assert sum(parts) == total
    weight_sum = sum(weights) or len(weights)
    for part, weight in zip(parts, weights if any(weights) else [1] * len(weights), strict=True):
        exact = Decimal(total) * weight / weight_sum
        assert abs(part - exact) < 1
        assert part >= 0


def test_largest_remainder_examples() -> None:
    assert split_largest_remainder(10, [1, 1, 1]) == [4, 3, 3]
    assert split_largest_remainder(100, [3, 0, 1]) == [75, 0, 25]
    assert split_largest_remainder(7, [0, 0]) == [4, 3]
    with pytest.raises(ValueError):
        split_largest_remainder(1, [])


def test_plan_file_round_trips_and_refuses_edits(plan: Plan) -> None:
    text = plan_to_json(plan)
    assert plan_from_json(text) == plan
    assert plan_to_json(plan_from_json(text)) == text
    document = json.loads(text)
    document["actions"]["balance"][0]["amount_uakt"] += 1
    with pytest.raises(ValueError, match="digest"):
        plan_from_json(json.dumps(document))


def test_conversions_are_explicit_and_checked(full: tuple[Snapshot, Snapshot, AddressMap]) -> None:
    snapshot, _, addresses = full
    for bad in (
        {"blocks_per_hour": 0},
        {"blocks_per_hour": "x"},
        {"block_time_ms": 0},
        {"height_time": (-1, 0)},
    ):
        with pytest.raises(ValueError):
            build_plan(snapshot, addresses, **{**CONVERSIONS, **bad})  # type: ignore[arg-type]
    fractional = build_plan(snapshot, addresses, **{**CONVERSIONS, "blocks_per_hour": "590.5"})  # type: ignore[arg-type]
    assert fractional.conversions.blocks_per_hour == Decimal("590.5")
    assert fractional.conversions.height_time == HeightTime(26_000_000, 1_793_491_200)
    assert '"blocks_per_hour":"590.5"' in plan_to_json(fractional)


def test_missing_payment_is_named(tmp_path: Path) -> None:
    paths = write_fixture(tmp_path, providers=4, leases=12, balances=5, seed=5, rest=False)
    document = json.loads(paths.genesis.read_text())
    leases, payments = document["app_state"]["market"]["leases"], document["app_state"]["escrow"]["payments"]
    index = next(i for i, lease in enumerate(leases) if lease["state"] == "active")
    xid = "{gseq}/{oseq}/{provider}".format(**leases[index]["id"])
    document["app_state"]["escrow"]["payments"] = [p for p in payments if p["id"]["xid"] != xid]
    paths.genesis.write_text(json.dumps(document))
    with pytest.raises(MigrationInputError) as caught:
        build_plan(read_source(paths.genesis), load_address_map(paths.address_map), **CONVERSIONS)
    assert (caught.value.file, caught.value.entry) == ("genesis.json", f"app_state.market.leases[{index}]")
    assert "no escrow payment" in caught.value.message


@pytest.mark.parametrize(
    ("rows", "entry", "message"),
    [
        (["akash_address,pubkey"], "line 1", "header must be"),
        (
            [
                f"{bech32_encode('akash', bytes(20))},{SOLANA_A}",
                f"{bech32_encode('akash', bytes(20))},{SOLANA_B}",
            ],
            "line 3",
            "already mapped on line 2",
        ),
        (
            [
                f"{bech32_encode('akash', bytes(20))},{SOLANA_A}",
                f"{bech32_encode('akash', bytes([1] * 20))},{SOLANA_A}",
            ],
            "line 3",
            "already mapped on line 2",
        ),
        ([f"{bech32_encode('cosmos', bytes(20))},{SOLANA_A}"], "line 2", "Bech32PrefixError"),
        ([f"{bech32_encode('akash', bytes(20))[:-1]}q,{SOLANA_A}"], "line 2", "Bech32ChecksumError"),
        ([f"{bech32_encode('akash', bytes(20))},notakey0OIl"], "line 2", "invalid Solana public key"),
        ([f"{bech32_encode('akash', bytes(20))}"], "line 2", "expected 2 columns"),
    ],
    ids=["header", "dup-akash", "dup-solana", "prefix", "checksum", "pubkey", "columns"],
)
def test_bad_address_map_is_named(tmp_path: Path, rows: list[str], entry: str, message: str) -> None:
    path = tmp_path / "map.csv"
    header = [] if rows[0].startswith("akash_address,") else ["akash_address,solana_pubkey"]
    path.write_text("\n".join(header + rows) + "\n")
    with pytest.raises(MigrationInputError) as caught:
        load_address_map(path)
    assert (caught.value.file, caught.value.entry) == ("map.csv", entry)
    assert message in caught.value.message


@pytest.mark.skipif(not SAMPLES.is_dir(), reason=f"real Akash samples not found at {SAMPLES}")
def test_real_mainnet_lease_plans(tmp_path: Path) -> None:
    """The real leases/list page read in place (linked), with its provider and a deployment account added."""
    tenant, provider = (
        "akash102kdwsssl6jf4frdcz50mua6j0h6d8wdhjh7nq",
        "akash19zzh7whjt4vfwxd5wtj3tjtyatnpntfhldshd8",
    )
    rest = tmp_path / "rest"
    rest.mkdir()
    (rest / "leases.json").symlink_to(SAMPLES / "mainnet-rest-getblock" / "market-v1beta5-leases-list.json")
    (rest / "providers.json").write_text(
        json.dumps({"providers": [{"owner": provider, "host_uri": "https://p:8443"}]})
    )
    account = {
        "id": {"scope": "deployment", "xid": f"{tenant}/25880666"},
        "state": {
            "owner": tenant,
            "state": "open",
            "transferred": [],
            "settled_at": "25880700",
            "funds": [{"denom": "uact", "amount": "1000.900000000000000000"}],
            "deposits": [],
        },
    }
    (rest / "accounts.json").write_text(json.dumps({"accounts": [account], "pagination": None}))
    (tmp_path / "map.csv").write_text(
        f"akash_address,solana_pubkey\n{tenant},{SOLANA_A}\n{provider},{SOLANA_B}\n"
    )

    plan = build_plan(read_source(rest), load_address_map(tmp_path / "map.csv"), **CONVERSIONS)
    (lease,) = plan.leases
    assert lease.action_id == f"lease/{tenant}/25880666/1/1/{provider}"
    assert (lease.tenant, lease.provider_owner, lease.state) == (SOLANA_A, SOLANA_B, "active")
    assert lease.rate_uact_per_hour == 2895  # floor(4.826603 x 600)
    assert (lease.escrow_uact, lease.unwithdrawn_uact, lease.overdrawn_uact) == (1000, 0, 0)
    assert lease.settled_at == 1_793_491_200 + (25_880_700 - 26_000_000) * 6
    assert plan.truncated_uact["escrow_funds"] == Decimal("0.9")
    assert [o.file for o in lease.origins] == ["leases.json", "leases.json", "accounts.json"]


@pytest.mark.skipif(not SAMPLES.is_dir(), reason=f"real Akash samples not found at {SAMPLES}")
def test_real_pages_without_the_deployment_account_are_refused() -> None:
    snapshot = read_source(SAMPLES / "mainnet-rest-getblock")
    with pytest.raises(
        MigrationInputError, match=r"market-v1beta5-leases-info\.json: lease: .*no deployment escrow"
    ):
        build_plan(snapshot, AddressMap("empty.csv", {}), **CONVERSIONS)
