"""Build any IDL instruction dynamically: borsh args, accounts resolved from `address` and `pda`."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from solders.instruction import AccountMeta, Instruction
from solders.pubkey import Pubkey

from ._codec import Codec, encode, record
from ._model import (
    AccountSeed,
    ArgSeed,
    ConstSeed,
    DefinedT,
    Idl,
    IdlError,
    InstructionAccount,
    InstructionAccounts,
    Seed,
)
from ._model import Instruction as IdlInstruction
from ._pda import field_type, field_value, find_pda, seed_bytes


class AccountResolutionError(IdlError):
    """An account that is neither given nor derivable (missing input, or a seed that needs account data)."""


@dataclass(frozen=True)
class FlatAccount:
    """An instruction account with its dotted path through composite groups (`group.member`)."""

    path: str
    scope: tuple[str, ...]
    account: InstructionAccount


def flatten_accounts(
    items: Sequence[InstructionAccount | InstructionAccounts], scope: tuple[str, ...] = ()
) -> Iterator[FlatAccount]:
    for item in items:
        if isinstance(item, InstructionAccounts):
            yield from flatten_accounts(item.accounts, (*scope, item.name))
        else:
            yield FlatAccount(".".join((*scope, item.name)), scope, item)


def _flatten_input(accounts: Mapping[str, Any], prefix: str = "") -> dict[str, Pubkey]:
    flat: dict[str, Pubkey] = {}
    for name, value in accounts.items():
        if isinstance(value, Mapping):
            flat.update(_flatten_input(value, f"{prefix}{name}."))
        else:
            flat[prefix + name] = value if isinstance(value, Pubkey) else Pubkey.from_string(str(value))
    return flat


def optional_meta(
    pubkey: Pubkey | None, is_signer: bool, is_writable: bool, program_id: Pubkey
) -> AccountMeta:
    """An optional account; Anchor passes the program id, read-only, for an absent one."""
    if pubkey is None:
        return AccountMeta(program_id, False, False)
    return AccountMeta(pubkey, is_signer, is_writable)


class _Pending(Exception):
    """A seed depends on an account not resolved yet."""


class InstructionBuilder:
    """Builds instructions of one IDL; PDAs are found through the shared cache."""

    def __init__(self, idl: Idl, program_id: Pubkey | None = None, codec: Codec | None = None) -> None:
        self.idl = idl
        self.codec = codec or Codec(idl)
        self.program_id = program_id or Pubkey.from_string(idl.address)
        self._by_name = {ix.name: ix for ix in idl.instructions}

    def instruction(self, name: str) -> IdlInstruction:
        try:
            return self._by_name[name]
        except KeyError:
            raise IdlError(f"no instruction named {name!r}") from None

    def encode_args(self, name: str, args: Mapping[str, Any]) -> bytes:
        ix = self.instruction(name)
        layout = record([(a.name, self.codec.layout(a.type)) for a in ix.args])
        return ix.discriminator + encode(layout, args)

    def resolve_accounts(
        self,
        name: str,
        args: Mapping[str, Any],
        accounts: Mapping[str, Any],
        account_data: Mapping[str, Any] | None = None,
    ) -> list[AccountMeta]:
        """Account metas in IDL order. `accounts` may nest composite groups as dicts; `account_data`
        holds decoded account values for seeds that read an account's field (`position.tick_lower_index`)."""
        ix = self.instruction(name)
        flat = list(flatten_accounts(ix.accounts))
        known = _flatten_input(accounts)
        progress = True
        while progress:
            progress = False
            for item in flat:
                if item.path in known:
                    continue
                if item.account.address is not None:
                    known[item.path] = Pubkey.from_string(item.account.address)
                    progress = True
                elif item.account.pda is not None:
                    try:
                        known[item.path] = self._derive(ix, item, args, known, account_data or {})
                        progress = True
                    except _Pending:
                        pass
        metas = []
        for item in flat:
            if item.path in known:
                metas.append(AccountMeta(known[item.path], item.account.signer, item.account.writable))
            elif item.account.optional:
                metas.append(optional_meta(None, False, False, self.program_id))
            else:
                raise AccountResolutionError(
                    f"{name}: account {item.path!r} is required and cannot be derived"
                )
        return metas

    def build(
        self,
        name: str,
        args: Mapping[str, Any],
        accounts: Mapping[str, Any],
        account_data: Mapping[str, Any] | None = None,
        remaining_accounts: Sequence[AccountMeta] = (),
    ) -> Instruction:
        metas = self.resolve_accounts(name, args, accounts, account_data)
        return Instruction(self.program_id, self.encode_args(name, args), [*metas, *remaining_accounts])

    def _derive(
        self,
        ix: IdlInstruction,
        item: FlatAccount,
        args: Mapping[str, Any],
        known: Mapping[str, Pubkey],
        account_data: Mapping[str, Any],
    ) -> Pubkey:
        pda = item.account.pda
        assert pda is not None
        seeds = [self._seed(ix, item.scope, seed, args, known, account_data) for seed in pda.seeds]
        program = self.program_id
        if pda.program is not None:
            raw = self._seed(ix, item.scope, pda.program, args, known, account_data)
            program = Pubkey.from_bytes(raw)
        return find_pda(seeds, program)[0]

    def _seed(
        self,
        ix: IdlInstruction,
        scope: tuple[str, ...],
        seed: Seed,
        args: Mapping[str, Any],
        known: Mapping[str, Pubkey],
        account_data: Mapping[str, Any],
    ) -> bytes:
        if isinstance(seed, ConstSeed):
            return seed.value
        head, *rest = seed.path.split(".")
        if isinstance(seed, ArgSeed):
            arg = next((a for a in ix.args if a.name == head), None)
            if arg is None:
                raise IdlError(f"{ix.name}: seed refers to unknown argument {head!r}")
            value = field_value(args[head], rest)
            return seed_bytes(self.codec, value, field_type(self.idl, arg.type, rest))
        assert isinstance(seed, AccountSeed)
        if seed.account is None or not rest:
            key = self._in_scope(scope, seed.path, known)
            if key is None:
                raise _Pending
            return bytes(known[key])
        key = self._in_scope(scope, head, account_data)
        if key is None:
            raise AccountResolutionError(
                f"{ix.name}: seed {seed.path!r} reads account data of {head!r}: pass it in account_data"
            )
        value = field_value(account_data[key], rest)
        return seed_bytes(self.codec, value, field_type(self.idl, DefinedT(seed.account), rest))

    @staticmethod
    def _in_scope(scope: tuple[str, ...], path: str, table: Mapping[str, Any]) -> str | None:
        for depth in range(len(scope), -1, -1):
            key = ".".join((*scope[:depth], path))
            if key in table:
                return key
        return None
