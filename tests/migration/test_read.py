"""Reading Cosmos state: the real mainnet pages and testnet genesis as they are, the generated fixture in
both forms, and every kind of bad input named by file and entry."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
from akash_bme.migration import (
    Bech32ChecksumError,
    Bech32FormatError,
    Bech32PayloadError,
    Bech32PrefixError,
    MigrationInputError,
    bech32_decode,
    bech32_encode,
    decode_akash_address,
    encode_akash_address,
    read_genesis,
    read_rest_pages,
    read_source,
)
from gen_fixture import write_fixture

pytestmark = pytest.mark.migration

SAMPLES = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "akash-samples"
REST_SAMPLES = SAMPLES / "mainnet-rest-getblock"
GENESIS_SAMPLE = SAMPLES / "testnet-bme-genesis.json"
needs_samples = pytest.mark.skipif(
    not REST_SAMPLES.is_dir(),
    reason=f"real Akash samples not found at {SAMPLES} (../shared/data/akash-samples)",
)

REAL_TENANT = "akash102kdwsssl6jf4frdcz50mua6j0h6d8wdhjh7nq"
REAL_PROVIDER = "akash19zzh7whjt4vfwxd5wtj3tjtyatnpntfhldshd8"


# --- bech32 -------------------------------------------------------------------------------------------


def test_bech32_round_trip_and_bip173_vectors() -> None:
    payload = bytes(range(20))
    address = encode_akash_address(payload)
    assert address.startswith("akash1")
    assert decode_akash_address(address) == payload
    assert decode_akash_address(address.upper()) == payload
    for valid in ("A12UEL5L", "abcdef1qpzry9x8gf2tvdw0s3jn54khce6mua7lmqqqxw"):
        bech32_decode(valid)


@pytest.mark.parametrize(
    ("text", "error"),
    [
        (REAL_TENANT[:-1] + ("q" if REAL_TENANT[-1] != "q" else "p"), Bech32ChecksumError),
        (bech32_encode("cosmos", bytes(20)), Bech32PrefixError),
        (bech32_encode("akash", bytes(32)), Bech32PayloadError),
        ("akash1" + "b" * 38, Bech32FormatError),  # 'b' is not in the alphabet
        (REAL_TENANT[:10] + REAL_TENANT[10:].upper(), Bech32FormatError),  # mixed case
        ("akash", Bech32FormatError),
    ],
)
def test_bech32_named_errors(text: str, error: type[Exception]) -> None:
    with pytest.raises(error):
        decode_akash_address(text)


# --- real samples -------------------------------------------------------------------------------------


@needs_samples
def test_real_rest_pages_read_as_they_are() -> None:
    snapshot = read_rest_pages(REST_SAMPLES)

    (provider,) = snapshot.providers
    assert provider.host_uri == "https://provider.forgeelectronics.uk:8443"
    (deployment,) = snapshot.deployments
    assert (deployment.dseq, deployment.state, deployment.created_at) == (16122570, "active", 16122572)
    (account,) = snapshot.accounts
    assert account.xid == "akash100dwtg4hqnd240x583spjwnk4kanp559xwtvmg/16122570"
    assert account.settled_at == 16122572
    assert [(f.denom, f.amount) for f in account.funds] == [("uact", Decimal("292317.57"))]
    # the same lease on leases/list and leases/info is read once; its live state carries reason 0
    (lease,) = snapshot.leases
    assert (lease.owner, lease.dseq, lease.gseq, lease.oseq, lease.provider) == (
        REAL_TENANT,
        25880666,
        1,
        1,
        REAL_PROVIDER,
    )
    assert (lease.state, lease.reason, lease.closed_on) == ("active", "lease_closed_invalid", 0)
    assert lease.price.amount == Decimal("4.826603")
    (payment,) = snapshot.payments
    assert (payment.account_xid, payment.xid) == (f"{REAL_TENANT}/25880666", f"1/1/{REAL_PROVIDER}")
    assert payment.withdrawn.amount == 13780746
    assert payment.balance.amount == 0
    # bids, orders, certificates and audited attributes are recognised, not migrated
    assert sorted(o.file for o in snapshot.ignored) == [
        "audit-v1-attributes-list.json",
        "cert-v1-certificates-list.json",
        "market-v1beta5-bids-list.json",
        "market-v1beta5-orders-list.json",
    ]


@needs_samples
def test_real_genesis_read_as_it_is() -> None:
    snapshot = read_source(GENESIS_SAMPLE)
    assert snapshot.form == "genesis"
    assert (snapshot.providers, snapshot.leases, snapshot.accounts) == ((), (), ())
    (balance,) = snapshot.balances
    assert [(c.denom, c.amount) for c in balance.coins] == [("uakt", 100_000_000_000_000)]
    assert snapshot.vault is not None
    assert [(c.denom, c.amount) for c in snapshot.vault.remint_credits] == [("uakt", 0)]


# --- the generated fixture ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("small")
    write_fixture(out, providers=6, leases=30, balances=40, seed=7, page_size=4)
    return out


def _content(snapshot: object) -> dict[str, object]:
    return {
        name: getattr(snapshot, name)
        for name in ("providers", "deployments", "accounts", "leases", "payments", "balances", "vault")
    }


def test_fixture_forms_hold_the_same_state(small: Path) -> None:
    genesis, rest = read_source(small / "genesis.json"), read_source(small / "rest")
    assert (genesis.form, rest.form) == ("genesis", "rest")
    assert _content(genesis) == _content(rest)
    assert len(genesis.leases) == 30 and len(genesis.balances) == 40


def test_fixture_is_deterministic(tmp_path: Path) -> None:
    a = write_fixture(tmp_path / "a", providers=3, leases=8, balances=10, seed=3, rest=False)
    b = write_fixture(tmp_path / "b", providers=3, leases=8, balances=10, seed=3, rest=False)
    c = write_fixture(tmp_path / "c", providers=3, leases=8, balances=10, seed=4, rest=False)
    assert a.genesis.read_bytes() == b.genesis.read_bytes() != c.genesis.read_bytes()
    assert a.address_map.read_bytes() == b.address_map.read_bytes()


# --- bad inputs ---------------------------------------------------------------------------------------


def _edit_genesis(small: Path, tmp_path: Path, edit: object) -> Path:
    document = json.loads((small / "genesis.json").read_text())
    edit(document["app_state"])  # type: ignore[operator]
    path = tmp_path / "genesis.json"
    path.write_text(json.dumps(document))
    return path


def _first_active(app: dict) -> int:  # type: ignore[type-arg]
    return next(i for i, lease in enumerate(app["market"]["leases"]) if lease["state"] == "active")


@pytest.mark.parametrize(
    ("edit", "entry", "message"),
    [
        (
            lambda app: app["market"]["leases"][2]["id"].update(
                owner=app["market"]["leases"][2]["id"]["owner"][:-1] + "x"
            ),
            "app_state.market.leases[2].id.owner",
            "Bech32",
        ),
        (
            lambda app: app["provider"]["providers"][1].update(owner=bech32_encode("cosmos", bytes(20))),
            "app_state.provider.providers[1].owner",
            "Bech32PrefixError",
        ),
        (
            lambda app: app["escrow"]["payments"][0]["state"]["balance"].update(
                amount="-1.000000000000000000"
            ),
            "app_state.escrow.payments[0].state.balance",
            "negative amount",
        ),
        (
            lambda app: app["bank"]["balances"][3]["coins"][-1].update(amount="12abc"),
            "app_state.bank.balances[3].coins",
            "not an integer",
        ),
        (
            lambda app: app["escrow"]["accounts"][0]["state"]["funds"][0].update(amount="lots"),
            "app_state.escrow.accounts[0].state.funds[0]",
            "not a decimal number",
        ),
        (
            lambda app: app["market"]["leases"][4].update(state="paused"),
            "app_state.market.leases[4].state",
            "unknown enum name 'paused'",
        ),
        (
            lambda app: app["deployment"]["deployments"][0]["deployment"]["id"].update(dseq="-5"),
            "app_state.deployment.deployments[0].deployment.id.dseq",
            "negative value",
        ),
        (
            lambda app: app["market"]["leases"][0]["id"].update(dseq="12x"),
            "app_state.market.leases[0].id.dseq",
            "expected a non-negative integer",
        ),
    ],
    ids=[
        "broken-bech32",
        "wrong-prefix",
        "negative",
        "non-numeric-int",
        "non-numeric-dec",
        "enum",
        "neg-int64",
        "bad-int64",
    ],
)
def test_bad_genesis_entries_are_named(
    small: Path, tmp_path: Path, edit: object, entry: str, message: str
) -> None:
    path = _edit_genesis(small, tmp_path, edit)
    with pytest.raises(MigrationInputError) as caught:
        read_genesis(path)
    assert caught.value.file == "genesis.json"
    assert caught.value.entry.startswith(entry)
    assert message in str(caught.value)


def test_truncated_json_is_named(small: Path, tmp_path: Path) -> None:
    data = (small / "genesis.json").read_bytes()
    path = tmp_path / "genesis.json"
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(
        MigrationInputError, match=r"genesis\.json: line 1 column \d+: invalid JSON .*truncated"
    ):
        read_source(path)


def _rest_copy(small: Path, tmp_path: Path) -> Path:
    """Links to the fixture's pages, so a test can replace one page without touching the others."""
    out = tmp_path / "rest"
    out.mkdir()
    for page in (small / "rest").iterdir():
        (out / page.name).symlink_to(page)
    return out


def _replace_page(directory: Path, name: str, edit: object) -> None:
    page = directory / name
    document = json.loads(page.read_text())
    edit(document)  # type: ignore[operator]
    page.unlink()
    page.write_text(json.dumps(document))


def test_truncated_rest_page_is_named(small: Path, tmp_path: Path) -> None:
    rest = _rest_copy(small, tmp_path)
    page = rest / "market-v1beta5-leases-list-p0002.json"
    text = page.read_text()
    page.unlink()
    page.write_text(text[:-40])
    with pytest.raises(
        MigrationInputError, match=r"market-v1beta5-leases-list-p0002\.json: line .* invalid JSON"
    ):
        read_rest_pages(rest)


def test_conflicting_copies_of_an_entry_are_refused(small: Path, tmp_path: Path) -> None:
    rest = _rest_copy(small, tmp_path)
    # the payment embedded in the leases page differs from the one on the payments page
    _replace_page(
        rest,
        "escrow-v1-types-payments-p0001.json",
        lambda d: d["payments"][0]["state"]["withdrawn"].update(amount="1"),
    )
    with pytest.raises(MigrationInputError) as caught:
        read_rest_pages(rest)
    assert "conflicts with the same entry at" in str(caught.value)
    assert "escrow-v1-types-payments-p0001.json" in str(caught.value)


def test_balances_page_needs_its_address(small: Path, tmp_path: Path) -> None:
    rest = _rest_copy(small, tmp_path)
    page = next(rest.glob("bank-v1beta1-balances-*.json"))
    (rest / "bank-page.json").write_text(page.read_text())
    with pytest.raises(MigrationInputError, match=r"bank-page\.json: \(top level\): .*needs its address"):
        read_rest_pages(rest)


def test_wrapped_balances_page_names_its_address(tmp_path: Path) -> None:
    address = encode_akash_address(bytes([7] * 20))
    (tmp_path / "anything.json").write_text(
        json.dumps({"address": address, "balances": [{"denom": "uakt", "amount": "5"}], "pagination": None})
    )
    (balance,) = read_rest_pages(tmp_path).balances
    assert (balance.address, balance.coins[0].amount) == (address, 5)


def test_unrecognised_page_is_refused(tmp_path: Path) -> None:
    (tmp_path / "odd.json").write_text(json.dumps({"widgets": [], "pagination": None}))
    with pytest.raises(
        MigrationInputError, match=r"odd\.json: .*unrecognised page: top-level keys \['widgets'\]"
    ):
        read_rest_pages(tmp_path)


def test_settled_at_spellings(tmp_path: Path) -> None:
    owner = encode_akash_address(bytes([1] * 20))

    def account(state: dict[str, object]) -> dict[str, object]:
        base = {"owner": owner, "state": "open", "transferred": [], "funds": [], "deposits": []}
        return {"id": {"scope": "deployment", "xid": f"{owner}/1"}, "state": {**base, **state}}

    (tmp_path / "a.json").write_text(json.dumps({"accounts": [account({"settledAt": "42"})]}))
    assert read_rest_pages(tmp_path).accounts[0].settled_at == 42
    (tmp_path / "a.json").write_text(
        json.dumps({"accounts": [account({"settledAt": "42", "settled_at": "43"})]})
    )
    with pytest.raises(MigrationInputError, match="settled_at and settledAt disagree"):
        read_rest_pages(tmp_path)


def test_package_exports_are_sorted_and_present() -> None:
    import akash_bme.migration as migration

    assert migration.__all__ == sorted(migration.__all__)
    assert all(hasattr(migration, name) for name in migration.__all__)
