"""Discriminators, PDA resolution, event decoding from logs (CPI frames) and error decoding."""

from __future__ import annotations

import base64
import hashlib
import struct
from pathlib import Path
from typing import Any

import pytest
from akash_bme.idl import (
    AccountResolutionError,
    Codec,
    InstructionBuilder,
    ProgramError,
    account_discriminator,
    decode_events,
    error_code,
    event_discriminator,
    instruction_discriminator,
    load_idl,
    parse_idl,
    program_data,
    program_error,
)
from solders.pubkey import Pubkey
from solders.transaction_status import InstructionErrorCustom, TransactionErrorInstructionError

IDL_DIR = Path(__file__).resolve().parents[3] / "shared" / "data" / "anchor-idls"
needs_idls = pytest.mark.skipif(not IDL_DIR.is_dir(), reason=f"third-party IDLs not found at {IDL_DIR}")
AMM = IDL_DIR / "amm_v3.json"


@needs_idls
@pytest.mark.parametrize("name", ["idl.json", "amm_v3.json", "drift.json", "kamino_lending.json"])
def test_discriminators_are_sha256_prefixes(name: str) -> None:
    idl = load_idl(IDL_DIR / name)
    for ix in idl.instructions:
        assert ix.discriminator == instruction_discriminator(ix.name)
    for account in idl.accounts:
        assert account.discriminator == account_discriminator(account.name)
    for event in idl.events:
        assert event.discriminator == event_discriminator(event.name)
    assert instruction_discriminator("initialize") == hashlib.sha256(b"global:initialize").digest()[:8]


@needs_idls
def test_amm_config_pda_from_const_and_arg_seeds() -> None:
    builder = InstructionBuilder(load_idl(AMM))
    owner = Pubkey.new_unique()
    args = {"index": 3, "tick_spacing": 10, "trade_fee_rate": 1, "protocol_fee_rate": 2, "fund_fee_rate": 3}
    metas = builder.resolve_accounts("create_amm_config", args, {"owner": owner})
    expected, _ = Pubkey.find_program_address([b"amm_config", struct.pack("<H", 3)], builder.program_id)
    assert metas[1].pubkey == expected
    assert metas[-1].pubkey == Pubkey.from_string("11111111111111111111111111111111")  # fixed address


@needs_idls
def test_dotted_account_data_seeds_and_foreign_program() -> None:
    builder = InstructionBuilder(load_idl(AMM))
    pool, nft_mint, owner = Pubkey.new_unique(), Pubkey.new_unique(), Pubkey.new_unique()
    accounts = {
        "nft_owner": owner,
        "nft_account": Pubkey.new_unique(),
        "pool_state": pool,
        "personal_position": Pubkey.new_unique(),
        "token_vault_0": Pubkey.new_unique(),
        "token_vault_1": Pubkey.new_unique(),
        "tick_array_lower": Pubkey.new_unique(),
        "tick_array_upper": Pubkey.new_unique(),
        "recipient_token_account_0": Pubkey.new_unique(),
        "recipient_token_account_1": Pubkey.new_unique(),
    }
    args = {"liquidity": 1, "amount_0_min": 0, "amount_1_min": 0}
    with pytest.raises(AccountResolutionError, match=r"personal_position\.tick_lower_index"):
        builder.resolve_accounts("decrease_liquidity", args, accounts)
    data = {"personal_position": {"tick_lower_index": -20, "tick_upper_index": 40}}
    metas = builder.resolve_accounts("decrease_liquidity", args, accounts, data)
    names = [a.name for a in builder.instruction("decrease_liquidity").accounts]
    protocol = metas[names.index("protocol_position")].pubkey
    seeds = [b"position", bytes(pool), struct.pack("<i", -20), struct.pack("<i", 40)]
    assert protocol == Pubkey.find_program_address(seeds, builder.program_id)[0]

    # open_position's NFT account is an associated token account: a PDA of the ATA program
    ata_program = Pubkey.from_string("ATokenGPvbdGVxr1b2hvZbsiqW5xWH25efTNsLJA8knL")
    token_program = Pubkey.from_string("TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA")
    ix = builder.instruction("open_position")
    item = next(a for a in ix.accounts if a.name == "position_nft_account")
    assert item.pda is not None and item.pda.program is not None  # type: ignore[union-attr]
    derived = builder._derive(
        ix,
        _flat(builder, "open_position", "position_nft_account"),
        {},
        {"position_nft_owner": owner, "position_nft_mint": nft_mint},
        {},
    )
    expected = Pubkey.find_program_address(
        [bytes(owner), bytes(token_program), bytes(nft_mint)], ata_program
    )[0]
    assert derived == expected


def _flat(builder: InstructionBuilder, ix: str, name: str) -> Any:
    from akash_bme.idl import flatten_accounts

    return next(f for f in flatten_accounts(builder.instruction(ix).accounts) if f.path == name)


def test_dotted_arg_seed_and_nested_group() -> None:
    idl = parse_idl(
        {
            "address": "11111111111111111111111111111112",
            "metadata": {"name": "t", "version": "0", "spec": "0.1.0"},
            "instructions": [
                {
                    "name": "go",
                    "discriminator": list(instruction_discriminator("go")),
                    "accounts": [
                        {"name": "authority", "signer": True},
                        {
                            "name": "group",
                            "accounts": [
                                {
                                    "name": "vault",
                                    "writable": True,
                                    "pda": {
                                        "seeds": [
                                            {"kind": "const", "value": list(b"vault")},
                                            {"kind": "arg", "path": "ix.index"},
                                            {"kind": "arg", "path": "ix.label"},
                                            {"kind": "account", "path": "authority"},
                                        ]
                                    },
                                },
                            ],
                        },
                    ],
                    "args": [{"name": "ix", "type": {"defined": {"name": "Params"}}}],
                }
            ],
            "types": [
                {
                    "name": "Params",
                    "type": {
                        "kind": "struct",
                        "fields": [{"name": "index", "type": "u16"}, {"name": "label", "type": "string"}],
                    },
                },
            ],
        }
    )
    builder = InstructionBuilder(idl)
    authority = Pubkey.new_unique()
    ix = builder.build("go", {"ix": {"index": 258, "label": "ab"}}, {"authority": authority})
    seeds = [b"vault", b"\x02\x01", b"ab", bytes(authority)]
    assert ix.accounts[1].pubkey == Pubkey.find_program_address(seeds, builder.program_id)[0]
    assert ix.data == instruction_discriminator("go") + b"\x02\x01" + b"\x02\x00\x00\x00ab"


OURS = Pubkey.new_unique()
OTHER = Pubkey.new_unique()


def _data(payload: bytes) -> str:
    return "Program data: " + base64.b64encode(payload).decode()


def test_events_only_from_our_frames() -> None:
    disc = event_discriminator("Ping")
    logs = [
        f"Program {OURS} invoke [1]",
        _data(disc + b"\x01"),
        f"Program {OTHER} invoke [2]",
        _data(disc + b"\x02"),  # same discriminator from another program: not ours
        f"Program {OURS} invoke [3]",  # re-entrant CPI back into us
        _data(disc + b"\x03"),
        f"Program {OURS} consumed 100 of 200 compute units",
        f"Program {OURS} success",
        _data(disc + b"\x04"),
        f"Program {OTHER} failed: custom program error: 0x1",
        "Program data: !!!not base64",
        _data(disc + b"\x05"),
        f"Program {OURS} success",
        _data(disc + b"\x06"),  # after our frame closed
    ]
    assert [d[-1] for d in program_data(logs, OURS)] == [1, 3, 5]
    events = decode_events(logs, str(OURS), {disc: lambda d: d[8]})
    assert events == [1, 3, 5]


def test_event_decoding_with_the_codec() -> None:
    idl = parse_idl(
        {
            "address": str(OURS),
            "metadata": {"name": "t", "version": "0", "spec": "0.1.0"},
            "instructions": [],
            "events": [{"name": "Moved", "discriminator": list(event_discriminator("Moved"))}],
            "types": [
                {"name": "Moved", "type": {"kind": "struct", "fields": [{"name": "by", "type": "i32"}]}}
            ],
        }
    )
    layout = Codec(idl).defined("Moved")
    disc = idl.events[0].discriminator
    logs = [f"Program {OURS} invoke [1]", _data(disc + struct.pack("<i", -5)), f"Program {OURS} success"]
    assert decode_events(logs, OURS, {disc: lambda d: layout.parse(d[8:])}) == [{"by": -5}]


class Broke(ProgramError):
    code = 6001
    name = "Broke"
    msg = "out of money"


@pytest.mark.parametrize(
    ("err", "logs", "code"),
    [
        (TransactionErrorInstructionError(0, InstructionErrorCustom(6001)), (), 6001),
        (InstructionErrorCustom(6001), (), 6001),
        ({"InstructionError": [1, {"Custom": 6001}]}, (), 6001),
        ("Error processing Instruction 0: custom program error: Custom(6001)", (), 6001),
        (
            None,
            ["Program log: AnchorError occurred. Error Code: Broke. Error Number: 6001. Error Message: x."],
            6001,
        ),
        (None, [f"Program {OURS} failed: custom program error: 0x1771"], 6001),
        (None, ["Program log: nothing"], None),
    ],
)
def test_error_codes(err: Any, logs: list[str], code: int | None) -> None:
    assert error_code(err, logs) == code


def test_program_error_mapping() -> None:
    err = program_error(InstructionErrorCustom(6001), ["log"], {6001: Broke})
    assert isinstance(err, Broke) and err.logs == ("log",) and str(err) == "Broke (6001): out of money"
    unknown = program_error(InstructionErrorCustom(7), [], {6001: Broke})
    assert type(unknown) is ProgramError and unknown.code == 7
    assert program_error(None, [], {6001: Broke}) is None
