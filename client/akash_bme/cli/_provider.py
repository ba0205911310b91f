"""`akash-bme provider register|show`."""

from __future__ import annotations

import argparse

from ._common import Failure, Output, add_command, group, jsonable, kv_table, pubkey_arg, session, tx_output


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    commands = group(subparsers, "provider", "compute providers")
    parser = add_command(commands, "register", "register the signer as a provider", _register, cluster=True)
    parser.add_argument("host_uri", help="the provider's host URI (1..128 bytes)")
    parser = add_command(commands, "show", "show a provider", _show, cluster=True)
    parser.add_argument("owner", nargs="?", type=pubkey_arg, help="provider owner (default: the signer)")


async def _register(args: argparse.Namespace) -> Output:
    async with session(args, load=False) as s:
        result = await s.client.register_provider(s.signer, args.host_uri)
        return tx_output("provider register", result, provider=s.client.provider_address(s.signer.pubkey()))


async def _show(args: argparse.Namespace) -> Output:
    async with session(args, load=False, signs=False) as s:
        owner = args.owner or s.signer.pubkey()
        provider = await s.client.provider(owner)
        if provider is None:
            raise Failure(f"no provider registered for {owner}")
        data = {"address": s.client.provider_address(owner), **jsonable(provider)}
        data["host_uri"] = provider.host_uri.rstrip(b"\0").decode(errors="replace")
        data["cosmos_address"] = provider.cosmos_address.hex() if any(provider.cosmos_address) else None
        return Output(data, kv_table("provider", data))
