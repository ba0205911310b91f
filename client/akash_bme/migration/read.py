"""Read Akash's Cosmos state from a genesis export or from a directory of saved REST pages.

Both forms produce the same `Snapshot`. The JSON is protobuf JSON as the node renders it (original
snake_case names, int64 as strings, enums as names, DecCoin as 18-decimal strings); anything that does not
fit raises `MigrationInputError` naming the file and the JSON path of the entry.

REST directory rules (decided here, documented in the README):
- every `*.json` file directly in the directory is one page, read in name order; other files are ignored;
- a page is recognised by its top-level keys (`pagination` aside): `providers` / `provider`,
  `deployments` / `deployment`+`groups`+`escrow_account` (escrow account embedded), `leases` /
  `lease`+`escrow_payment` (payment embedded), `accounts`, `payments`, `vault_state` (`/akash/bme/v1/vault`),
  `balances` (`/cosmos/bank/v1beta1/balances/{address}`); pages of bids, orders, certificates and
  audited attributes are recognised and ignored; any other page is an error;
- a bank balances page does not name its address: the file name must contain exactly one `akash1…`
  address, or the page is wrapped as `{"address": "akash1…", "balances": [...], "pagination": ...}`;
- `pagination.next_key` is never decoded (saved pages often carry truncated keys) and `total` is not
  checked (the node only fills it on request); the same entry on two pages (a lease on `leases/list`
  and `leases/info`, an escrow account embedded in a deployment and listed on `accounts`) is read once
  when both copies are equal, and is an error when they differ.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Hashable, Iterable
from decimal import Decimal
from pathlib import Path
from typing import Any, NoReturn, Protocol, TypeVar

from akash_bme.migration._bech32 import Bech32Error, decode_akash_address
from akash_bme.migration.model import (
    BankBalance,
    Coin,
    DecCoin,
    Deployment,
    EscrowAccount,
    Lease,
    MigrationInputError,
    Origin,
    Payment,
    Provider,
    Snapshot,
    Vault,
)

__all__ = ["read_genesis", "read_rest_pages", "read_source"]

LEASE_STATES = frozenset({"invalid", "active", "insufficient_funds", "closed", "reclaiming"})
LEASE_CLOSED_REASONS = frozenset(
    {
        "lease_closed_invalid",
        "lease_closed_owner",
        "lease_closed_reason_unstable",
        "lease_closed_reason_decommission",
        "lease_closed_reason_unspecified",
        "lease_closed_reason_manifest_timeout",
        "lease_closed_reason_insufficient_funds",
    }
)
DEPLOYMENT_STATES = frozenset({"invalid", "active", "closed"})
ESCROW_STATES = frozenset({"invalid", "open", "closed", "overdrawn"})
ESCROW_SCOPES = frozenset({"invalid", "deployment", "bid"})

_DIGITS = re.compile(r"[0-9]+")
_DECIMAL = re.compile(r"[0-9]+(\.[0-9]+)?")
_ADDRESS_IN_NAME = re.compile(r"akash1[qpzry9x8gf2tvdw0s3jn54khce6mua7l]{38}")
_IGNORED_PAGES = (
    frozenset({"bids"}),
    frozenset({"bid", "escrow_account"}),
    frozenset({"orders"}),
    frozenset({"order"}),
    frozenset({"certificates"}),
    frozenset({"params"}),
)


class _Node:
    """A JSON value with the file and path it came from, so every parse error can name its entry."""

    __slots__ = ("file", "path", "value")

    def __init__(self, file: str, path: str, value: Any) -> None:
        self.file = file
        self.path = path
        self.value = value

    @property
    def origin(self) -> Origin:
        return Origin(self.file, self.path)

    def fail(self, message: str) -> NoReturn:
        raise MigrationInputError(self.file, self.path or "(top level)", message)

    def obj(self) -> dict[str, Any]:
        if not isinstance(self.value, dict):
            self.fail(f"expected an object, found {type(self.value).__name__}")
        return self.value

    def _child(self, name: str) -> _Node:
        return _Node(self.file, f"{self.path}.{name}" if self.path else name, self.value[name])

    def key(self, name: str) -> _Node:
        if name not in self.obj():
            self.fail(f"missing field {name!r}")
        return self._child(name)

    def opt(self, *names: str) -> _Node | None:
        """The first of `names` present and not null; spellings that disagree are an error."""
        present = [self._child(n) for n in names if self.obj().get(n) is not None]
        if any(other.value != present[0].value for other in present[1:]):
            self.fail(f"fields {' and '.join(names)} disagree")
        return present[0] if present else None

    def items(self) -> list[_Node]:
        if not isinstance(self.value, list):
            self.fail(f"expected a list, found {type(self.value).__name__}")
        return [_Node(self.file, f"{self.path}[{i}]", v) for i, v in enumerate(self.value)]

    def opt_items(self, name: str) -> list[_Node]:
        """A repeated field that may be missing or null (protobuf JSON leaves empty ones out or as null)."""
        child = self.opt(name)
        return child.items() if child else []

    def text(self) -> str:
        if not isinstance(self.value, str):
            self.fail(f"expected a string, found {type(self.value).__name__}")
        return self.value

    def uint(self, bits: int = 64) -> int:
        """int64/uint64 render as strings and (u)int32 as numbers; accept either, refuse negatives."""
        value = self.value
        if isinstance(value, str) and _DIGITS.fullmatch(value):
            number = int(value)
        elif isinstance(value, int) and not isinstance(value, bool) and value >= 0:
            number = value
        elif isinstance(value, str | int) and str(value).startswith("-"):
            self.fail(f"negative value {value!r}")
        else:
            self.fail(f"expected a non-negative integer, found {value!r}")
        if number >= 1 << bits:
            self.fail(f"{number} does not fit in {bits} bits")
        return number

    def enum(self, names: frozenset[str]) -> str:
        value = self.value
        if value not in names:
            self.fail(f"unknown enum name {value!r} (expected one of {', '.join(sorted(names))})")
        return str(value)

    def address(self) -> str:
        text = self.text()
        try:
            decode_akash_address(text)
        except Bech32Error as exc:
            self.fail(f"invalid address {text!r}: {exc} ({type(exc).__name__})")
        return text

    def _amount(self, pattern: re.Pattern[str], what: str) -> str:
        text = self.text()
        if text.startswith("-"):
            self.fail(f"negative amount {text!r}")
        if not pattern.fullmatch(text):
            self.fail(f"amount {text!r} is not {what}")
        return text

    def coin(self) -> Coin:
        return Coin(self.key("denom").text(), int(self.key("amount")._amount(_DIGITS, "an integer")))

    def dec_coin(self) -> DecCoin:
        amount = self.key("amount")._amount(_DECIMAL, "a decimal number")
        return DecCoin(self.key("denom").text(), Decimal(amount))


def _load(path: Path, file: str) -> _Node:
    try:
        data = json.loads(path.read_bytes())
    except json.JSONDecodeError as exc:
        raise MigrationInputError(
            file, f"line {exc.lineno} column {exc.colno}", f"invalid JSON ({exc.msg}); is the file truncated?"
        ) from None
    except UnicodeDecodeError as exc:
        raise MigrationInputError(file, f"byte {exc.start}", "not UTF-8 text") from None
    return _Node(file, "", data)


class _Entry(Protocol):
    @property
    def origin(self) -> Origin: ...


_T = TypeVar("_T")
_E = TypeVar("_E", bound=_Entry)


def _coins(node: _Node, name: str) -> tuple[Coin, ...]:
    return tuple(sorted((c.coin() for c in node.opt_items(name)), key=lambda c: c.denom))


class _Collector:
    """Entries by Cosmos key; an equal repeat is dropped, a different one is an error naming both places."""

    def __init__(self) -> None:
        self.providers: dict[Hashable, Provider] = {}
        self.deployments: dict[Hashable, Deployment] = {}
        self.accounts: dict[Hashable, EscrowAccount] = {}
        self.leases: dict[Hashable, Lease] = {}
        self.payments: dict[Hashable, Payment] = {}
        self.vaults: dict[Hashable, Vault] = {}
        self.coins: dict[str, dict[str, tuple[Coin, Origin]]] = {}
        self.ignored: list[Origin] = []

    @staticmethod
    def _put(table: dict[Hashable, _E], key: Hashable, value: _E, node: _Node) -> None:
        first = table.setdefault(key, value)
        if first != value:
            node.fail(f"conflicts with the same entry at {first.origin.file}: {first.origin.entry}")

    def provider(self, node: _Node) -> None:
        value = Provider(node.key("owner").address(), node.key("host_uri").text(), node.origin)
        self._put(self.providers, value.owner, value, node)

    def deployment(self, node: _Node) -> None:
        ident = node.key("id")
        value = Deployment(
            owner=ident.key("owner").address(),
            dseq=ident.key("dseq").uint(),
            state=node.key("state").enum(DEPLOYMENT_STATES),
            created_at=node.key("created_at").uint(),
            origin=node.origin,
        )
        self._put(self.deployments, (value.owner, value.dseq), value, node)

    def account(self, node: _Node) -> None:
        ident, state = node.key("id"), node.key("state")
        settled_at = state.opt("settled_at", "settledAt")
        if settled_at is None:
            state.fail("missing field 'settled_at'")
        value = EscrowAccount(
            scope=ident.key("scope").enum(ESCROW_SCOPES),
            xid=ident.key("xid").text(),
            owner=state.key("owner").address(),
            state=state.key("state").enum(ESCROW_STATES),
            settled_at=settled_at.uint(),
            funds=tuple(sorted((f.dec_coin() for f in state.opt_items("funds")), key=lambda c: c.denom)),
            origin=node.origin,
        )
        self._put(self.accounts, (value.scope, value.xid), value, node)

    def lease(self, node: _Node) -> None:
        ident = node.key("id")
        value = Lease(
            owner=ident.key("owner").address(),
            dseq=ident.key("dseq").uint(),
            gseq=ident.key("gseq").uint(32),
            oseq=ident.key("oseq").uint(32),
            provider=ident.key("provider").address(),
            bseq=bseq.uint(32) if (bseq := ident.opt("bseq")) else 0,
            state=node.key("state").enum(LEASE_STATES),
            price=node.key("price").dec_coin(),
            created_at=node.key("created_at").uint(),
            closed_on=closed.uint() if (closed := node.opt("closed_on")) else 0,
            reason=(r.enum(LEASE_CLOSED_REASONS) if (r := node.opt("reason")) else "lease_closed_invalid"),
            origin=node.origin,
        )
        self._put(self.leases, (value.key, value.bseq), value, node)

    def payment(self, node: _Node) -> None:
        ident, state = node.key("id"), node.key("state")
        aid = ident.key("aid")
        value = Payment(
            account_scope=aid.key("scope").enum(ESCROW_SCOPES),
            account_xid=aid.key("xid").text(),
            xid=ident.key("xid").text(),
            owner=state.key("owner").address(),
            state=state.key("state").enum(ESCROW_STATES),
            rate=state.key("rate").dec_coin(),
            balance=state.key("balance").dec_coin(),
            unsettled=state.key("unsettled").dec_coin(),
            withdrawn=state.key("withdrawn").coin(),
            origin=node.origin,
        )
        self._put(self.payments, (value.account_xid, value.xid), value, node)

    def balance(self, address: str, coin_nodes: Iterable[_Node]) -> None:
        held = self.coins.setdefault(address, {})
        for node in coin_nodes:
            coin = node.coin()
            first = held.setdefault(coin.denom, (coin, node.origin))
            if first[0] != coin:
                node.fail(f"{address} {coin.denom} conflicts with {first[1].file}: {first[1].entry}")

    def vault(self, node: _Node) -> None:
        value = Vault(
            remint_credits=_coins(node, "remint_credits"),
            total_burned=_coins(node, "total_burned"),
            total_minted=_coins(node, "total_minted"),
            origin=node.origin,
        )
        self._put(self.vaults, "vault", value, node)

    def snapshot(self, form: str) -> Snapshot:
        def ordered(table: dict[Hashable, _T]) -> tuple[_T, ...]:
            return tuple(table[k] for k in sorted(table, key=repr))

        balances = tuple(
            BankBalance(
                address,
                tuple(coin for coin, _ in sorted(held.values(), key=lambda c: c[0].denom)),
                tuple(sorted({origin for _, origin in held.values()})),
            )
            for address, held in sorted(self.coins.items())
        )
        return Snapshot(
            form=form,
            providers=ordered(self.providers),
            deployments=ordered(self.deployments),
            accounts=ordered(self.accounts),
            leases=tuple(sorted(self.leases.values(), key=_lease_order)),
            payments=ordered(self.payments),
            balances=balances,
            vault=self.vaults.get("vault"),
            ignored=tuple(sorted(self.ignored)),
        )


def _lease_order(lease: Lease) -> tuple[str, int, int, int, str, int]:
    return (lease.owner, lease.dseq, lease.gseq, lease.oseq, lease.provider, lease.bseq)


# --- genesis ------------------------------------------------------------------------------------------


def read_genesis(path: str | Path) -> Snapshot:
    """Read `akash export` output: `app_state.provider|deployment|market|escrow|bank|bme`."""
    path = Path(path)
    app = _load(path, path.name).key("app_state")
    sink = _Collector()

    def module(name: str) -> _Node:
        return app.opt(name) or _Node(app.file, f"app_state.{name}", {})

    for node in module("provider").opt_items("providers"):
        sink.provider(node)
    for node in module("deployment").opt_items("deployments"):
        sink.deployment(node.key("deployment"))
    for node in module("market").opt_items("leases"):
        sink.lease(node)
    escrow = module("escrow")
    for node in escrow.opt_items("accounts"):
        sink.account(node)
    for node in escrow.opt_items("payments"):
        sink.payment(node)
    for node in module("bank").opt_items("balances"):
        sink.balance(node.key("address").address(), node.opt_items("coins"))
    vault = module("bme").opt("state")
    if vault is not None:
        sink.vault(vault)
    return sink.snapshot("genesis")


# --- REST pages ---------------------------------------------------------------------------------------


def _deployment_entry(sink: _Collector, node: _Node) -> None:
    sink.deployment(node.key("deployment"))
    account = node.opt("escrow_account")
    if account is not None:
        sink.account(account)


def _lease_entry(sink: _Collector, node: _Node) -> None:
    sink.lease(node.key("lease"))
    payment = node.opt("escrow_payment")
    if payment is not None:
        sink.payment(payment)


def _providers_page(sink: _Collector, page: _Node) -> None:
    entries = page.key("providers").items()
    if entries and "auditor" in entries[0].obj():  # /akash/audit/v1/audit/attributes/list shares the key
        sink.ignored.append(page.origin)
        return
    for node in entries:
        sink.provider(node)


def _balances_page(sink: _Collector, page: _Node) -> None:
    wrapper = page.opt("address")
    if wrapper is not None:
        address = wrapper.address()
    else:
        found = set(_ADDRESS_IN_NAME.findall(Path(page.file).name))
        if len(found) != 1:
            page.fail(
                "a bank balances page needs its address: name the file after it "
                '(one akash1… address in the name) or wrap it as {"address": …, "balances": […]}'
            )
        address = _Node(page.file, "(file name)", found.pop()).address()
    sink.balance(address, page.key("balances").items())


_PageReader = Callable[[_Collector, _Node], None]


def _each(name: str, entry: _PageReader) -> _PageReader:
    """A reader for a list page: `entry` for every element of the page's `name` list."""

    def read(sink: _Collector, page: _Node) -> None:
        for node in page.key(name).items():
            entry(sink, node)

    return read


def _single(name: str, entry: _PageReader) -> _PageReader:
    """A reader for an info page holding one object under `name`."""
    return lambda sink, page: entry(sink, page.key(name))


def _ignore(sink: _Collector, page: _Node) -> None:
    sink.ignored.append(page.origin)


_PAGE_READERS: dict[frozenset[str], _PageReader] = {
    frozenset({"providers"}): _providers_page,
    frozenset({"provider"}): _single("provider", _Collector.provider),
    frozenset({"deployments"}): _each("deployments", _deployment_entry),
    frozenset({"deployment", "groups", "escrow_account"}): _deployment_entry,
    frozenset({"leases"}): _each("leases", _lease_entry),
    frozenset({"lease", "escrow_payment"}): _lease_entry,
    frozenset({"accounts"}): _each("accounts", _Collector.account),
    frozenset({"payments"}): _each("payments", _Collector.payment),
    frozenset({"vault_state"}): _single("vault_state", _Collector.vault),
    frozenset({"balances"}): _balances_page,
    frozenset({"address", "balances"}): _balances_page,
    **dict.fromkeys(_IGNORED_PAGES, _ignore),
}


def read_rest_pages(directory: str | Path) -> Snapshot:
    """Read a directory of saved REST responses, one page per `*.json` file (see the module notes)."""
    directory = Path(directory)
    sink = _Collector()
    for path in sorted(directory.glob("*.json")):
        page = _load(path, path.name)
        keys = frozenset(page.obj()) - {"pagination"}
        reader = _PAGE_READERS.get(keys)
        if reader is None:
            page.fail(f"unrecognised page: top-level keys {sorted(keys)}")
        reader(sink, page)
    return sink.snapshot("rest")


def read_source(path: str | Path) -> Snapshot:
    """A genesis export file or a directory of REST pages, whichever `path` is."""
    path = Path(path)
    if path.is_dir():
        return read_rest_pages(path)
    if not path.is_file():
        raise MigrationInputError(str(path), "(source)", "no such file or directory")
    return read_genesis(path)
