"""Anchor discriminators: the first 8 bytes of `sha256("<namespace>:<name>")`."""

from __future__ import annotations

import hashlib


def sighash(namespace: str, name: str) -> bytes:
    return hashlib.sha256(f"{namespace}:{name}".encode()).digest()[:8]


def instruction_discriminator(snake_name: str) -> bytes:
    return sighash("global", snake_name)


def account_discriminator(pascal_name: str) -> bytes:
    return sighash("account", pascal_name)


def event_discriminator(pascal_name: str) -> bytes:
    return sighash("event", pascal_name)
