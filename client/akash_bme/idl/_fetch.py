"""What a generated account `fetch` needs from a connection."""

from __future__ import annotations

from typing import Protocol

from solders.pubkey import Pubkey


class AccountReader(Protocol):
    async def get_account_data(self, pubkey: Pubkey) -> bytes | None: ...


class AccountDiscriminatorError(ValueError):
    """Account data that does not start with the expected account discriminator."""
