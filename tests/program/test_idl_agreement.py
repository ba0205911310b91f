"""The program agrees with idl/akash_bme.json for every instruction, account, event and error: the
generated constants are in sync, every discriminator is dispatched, every account has the IDL's fixed
size and decodes, every event is emitted and decodes byte for byte, every error code is raised."""

from __future__ import annotations

import base64
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from akash_bme import generated as g
from akash_bme._client import TxResult
from akash_bme.bootstrap import REPO_ROOT
from akash_bme.generated import instructions as ix
from program_scene import AKT, HOST, Scene, send_direct
from solders.instruction import AccountMeta, Instruction
from solders.keypair import Keypair

pytestmark = pytest.mark.program

IDL = json.loads((REPO_ROOT / "idl" / "akash_bme.json").read_text())
IDL_RS = (REPO_ROOT / "program" / "src" / "idl.rs").read_text()
PRIMITIVES = {"u8": 1, "i8": 1, "bool": 1, "u16": 2, "i16": 2, "u32": 4, "i32": 4, "u64": 8, "i64": 8}
PRIMITIVES |= {"u128": 16, "i128": 16, "pubkey": 32}
TYPES = {t["name"]: t["type"] for t in IDL["types"]}
EVENT_CLASSES = {cls.DISCRIMINATOR: cls for cls in (getattr(g.events, e["name"]) for e in IDL["events"])}


def fixed_size(node: object) -> int:
    """Borsh size of an IDL type that has one (stored accounts must)."""
    if isinstance(node, str):
        return PRIMITIVES[node]
    assert isinstance(node, dict), node
    if "array" in node:
        inner, length = node["array"]
        return fixed_size(inner) * length
    if "defined" in node:
        return fixed_size(TYPES[node["defined"]["name"]])
    if node.get("kind") == "struct":
        return sum(fixed_size(f["type"]) for f in node["fields"])
    if node.get("kind") == "enum":
        assert all("fields" not in v for v in node["variants"]), "only unit enums have a fixed size"
        return 1
    raise AssertionError(f"no fixed size: {node}")


def screaming(name: str) -> str:
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name).upper()


def test_idl_rs_is_generated_from_the_idl() -> None:
    tool = REPO_ROOT / "program" / "tools" / "gen_idl_consts.py"
    done = subprocess.run([sys.executable, str(tool), "--check"], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout + done.stderr


def test_error_enum_matches_the_idl() -> None:
    enum = dict(re.findall(r"^\s*(\w+) = (\d+),$", IDL_RS.split("pub enum Error")[1], re.MULTILINE))
    assert {name: int(code) for name, code in enum.items()} == {e["name"]: e["code"] for e in IDL["errors"]}
    assert {cls.name: code for code, cls in g.ERRORS.items()} == {e["name"]: e["code"] for e in IDL["errors"]}


async def test_every_discriminator_is_dispatched(scene: Scene) -> None:
    program_id = scene.client.program_id
    for instruction in IDL["instructions"]:
        data = bytes(instruction["discriminator"])
        landed = send_direct(scene.world, [Instruction(program_id, data, [])])
        assert landed.custom_error == g.NotEnoughAccounts.code, instruction["name"]
    for data in (b"\x01" * 8, b"", bytes(IDL["instructions"][0]["discriminator"][:7])):
        landed = send_direct(scene.world, [Instruction(program_id, data, [])])
        assert landed.custom_error == g.InvalidInstruction.code, data


async def test_every_account_has_the_idl_size_and_decodes(scene: Scene) -> None:
    client, world = scene.client, scene.world
    lease, _ = await scene.open_lease(1)
    cosmos = bytes(range(20))
    await client.migrate_balance(
        world.authority, cosmos, AKT, recipient_akt=client.akt_account(scene.tenant.pubkey())
    )
    addresses = {
        "Config": client.config_address,
        "PriceFeed": client.price_feed_address(),
        "Provider": scene.provider,
        "Lease": lease,
        "MigrationRecord": client.migration_record_address(cosmos),
    }
    assert set(addresses) == {a["name"] for a in IDL["accounts"]}
    for account in IDL["accounts"]:
        name = account["name"]
        size = 8 + fixed_size(TYPES[name])
        assert f"pub const {screaming(name)}_LEN: usize = {size};" in IDL_RS, name
        info = await world.connection.get_account(addresses[name])
        assert info is not None and info.owner == client.program_id
        assert len(info.data) == size, name
        assert info.data[:8] == bytes(account["discriminator"])
        decoded = getattr(g.accounts, name).decode(info.data)
        assert decoded.encode() == bytes(info.data), name


def raw_events(results: list[TxResult]) -> list[bytes]:
    prefix = "Program data: "
    return [
        base64.b64decode(line[len(prefix) :]) for r in results for line in r.logs if line.startswith(prefix)
    ]


async def test_every_event_is_emitted_and_decodes(bare_scene: Scene) -> None:
    scene = bare_scene
    client, world, authority = scene.client, scene.world, scene.world.authority
    results = [await scene.register()]
    results.append(await client.update_provider(scene.owner, HOST, active=True))
    lease, created = await scene.open_lease(1, rate=3_600_000)
    results.append(created)
    world.connection.set_unix_time(world.now + 10)
    results.append(
        await client.update_price(world.oracle, price=world.price, expo=-8, conf=0, publish_time=world.now)
    )
    results.append(await client.deposit(scene.tenant, lease, 1_000_000))
    results.append(await client.withdraw(scene.owner, lease))
    results.append(await client.settle(lease))
    results.append(await client.close_lease(scene.tenant, lease))
    results.append(await client.fund_vault(scene.funder, AKT))
    results.append(await scene.params(max_conf_bps=0))  # the stored conf is 0 now: still Healthy
    results.append(await scene.params(max_price_age_secs=1))
    world.connection.set_unix_time(world.now + 5)
    results.append(await client.fund_vault(scene.funder, AKT))  # stores HaltOracle (stale price)
    results.append(await client.set_paused(authority, True))
    results.append(await client.set_paused(authority, False))
    results.append(await client.propose_authority(authority, Keypair().pubkey()))
    results.append(await client.migrate_vault(authority, AKT))
    results.append(await client.finalize_migration(authority))

    seen: dict[str, int] = {}
    for raw in raw_events(results):
        cls = EVENT_CLASSES[raw[:8]]
        event = cls.decode(raw)
        assert event.encode() == raw, cls.__name__  # every byte accounted for by the IDL layout
        seen[cls.__name__] = seen.get(cls.__name__, 0) + 1
    assert set(seen) == {e["name"] for e in IDL["events"]}, set(seen) ^ {e["name"] for e in IDL["events"]}
    decoded = [e for r in results for e in r.events]
    assert len(decoded) == sum(seen.values())


def without_signer(instruction: Instruction, index: int) -> Instruction:
    metas = list(instruction.accounts)
    metas[index] = AccountMeta(metas[index].pubkey, False, metas[index].is_writable)
    return Instruction(instruction.program_id, instruction.data, metas)


def read_only(instruction: Instruction, index: int) -> Instruction:
    metas = list(instruction.accounts)
    metas[index] = AccountMeta(metas[index].pubkey, metas[index].is_signer, False)
    return Instruction(instruction.program_id, instruction.data, metas)


async def test_every_error_code_is_raised(scene: Scene) -> None:
    client, world, authority = scene.client, scene.world, scene.world.authority
    program_id, mint = client.program_id, world.akt_mint
    tenant, owner = scene.tenant, scene.owner
    tenant_akt = client.akt_account(tenant.pubkey())
    lease, _ = await scene.open_lease(1)
    raised: set[int] = set()

    async def expect(error: type[g.AkashBmeError], action: object) -> None:
        with pytest.raises(error) as caught:
            await action  # type: ignore[misc]
        raised.add(caught.value.code)

    def direct(error: type[g.AkashBmeError], instruction: Instruction, *signers: Keypair) -> None:
        world.connection.expire_blockhash()
        assert send_direct(world, [instruction], signers).custom_error == error.code, error.name
        raised.add(error.code)

    def deposit_ix(amount: int, max_burn: int, **accounts: object) -> Instruction:
        fields = {"depositor": tenant.pubkey(), "lease": lease, "depositor_akt": tenant_akt, "akt_mint": mint}
        fields["price_feed"] = client.price_feed_address()
        return ix.deposit(
            ix.DepositArgs(deposit_uact=amount, max_burn_uakt=max_burn),
            ix.DepositAccounts(**{**fields, **accounts}),  # type: ignore[arg-type]
            program_id=program_id,
        )

    settle = ix.settle(ix.SettleArgs(), ix.SettleAccounts(lease=lease), program_id=program_id)
    await expect(g.Unauthorized, client.set_paused(tenant, True))
    await expect(g.InvalidParams, scene.params(circuit_breaker_halt_bps=9500))
    direct(g.InvalidAccount, ix.settle(ix.SettleArgs(), ix.SettleAccounts(lease=client.config_address)))
    await expect(g.AlreadyInitialized, scene.register())
    await expect(
        g.OracleInvalid, client.update_price(world.oracle, price=0, expo=-8, conf=0, publish_time=world.now)
    )
    await expect(g.PriceNotNewer, client.update_price(world.oracle, price=1, expo=-8, conf=0, publish_time=0))
    direct(g.SlippageExceeded, deposit_ix(1_000_000, 1), tenant)
    direct(g.BelowMinimumMint, deposit_ix(1, 2**64 - 1), tenant)
    direct(g.MathOverflow, deposit_ix(2**64 - 1, 2**64 - 1), tenant)
    direct(g.InvalidMint, deposit_ix(1_000_000, 2**64 - 1, akt_mint=tenant_akt), tenant)
    direct(
        g.InvalidTokenAccount,
        deposit_ix(1_000_000, 2**64 - 1, depositor_akt=client.akt_account(owner.pubkey())),
        tenant,
    )
    await expect(g.ZeroAmount, client.fund_vault(scene.funder, 0))
    update_provider = ix.update_provider(
        ix.UpdateProviderArgs(host_uri=HOST, active=True),
        ix.UpdateProviderAccounts(owner=owner.pubkey()),
        program_id=program_id,
    )
    direct(g.MissingSigner, without_signer(update_provider, 0))
    direct(g.AccountNotWritable, read_only(settle, 0))
    direct(
        g.InvalidHostUri,
        ix.register_provider(
            ix.RegisterProviderArgs(host_uri=""),
            ix.RegisterProviderAccounts(owner=tenant.pubkey()),
            program_id=program_id,
        ),
        tenant,
    )
    close = ix.close_lease(
        ix.CloseLeaseArgs(reason=2),
        ix.CloseLeaseAccounts(
            closer=tenant.pubkey(),
            provider=scene.provider,
            lease=lease,
            tenant=tenant.pubkey(),
            tenant_akt=tenant_akt,
            provider_akt=client.akt_account(owner.pubkey()),
            akt_mint=mint,
        ),
        program_id=program_id,
    )
    direct(g.InvalidCloseReason, close, tenant)
    direct(g.InvalidInstruction, Instruction(program_id, b"\0" * 8, []))
    direct(g.NotEnoughAccounts, Instruction(program_id, ix.settle.__globals__["DISCRIMINATOR"], []))

    await client.update_provider(owner, HOST, active=False)
    await expect(g.ProviderInactive, scene.open_lease(2))
    await client.update_provider(owner, HOST, active=True)

    await world.advance(1, price=world.price // 2)  # the vault is worth half the ACT outstanding
    await expect(g.CircuitBreakerActive, client.deposit(tenant, lease, 1_000_000))
    await world.advance(1, price=world.price * 2)
    world.connection.set_unix_time(world.now + 61)
    await expect(g.OracleStale, client.deposit(tenant, lease, 1_000_000))
    await world.advance(1)

    await client.set_paused(authority, True)
    await expect(g.Paused, client.fund_vault(scene.funder, AKT))
    await client.set_paused(authority, False)
    await client.migrate_vault(authority, AKT)
    await expect(g.AlreadyMigrated, client.migrate_vault(authority, 2 * AKT))
    await client.finalize_migration(authority)
    await expect(g.MigrationClosed, client.migrate_vault(authority, 3 * AKT))

    assert raised == {e["code"] for e in IDL["errors"]}, {
        e["name"] for e in IDL["errors"] if e["code"] not in raised
    }


def test_idl_path_is_the_one_the_sdk_generates_from() -> None:
    header = Path(g.__file__).read_text().splitlines()[0]
    assert IDL["metadata"]["name"] == "akash_bme" and "akash_bme.json" in header
