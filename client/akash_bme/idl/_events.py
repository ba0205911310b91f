"""Anchor events from transaction logs, attributed to the program that emitted them.

`sol_log_data` shows as `Program data: <base64>` in the frame of whichever program is executing, so a
CPI into another Anchor program emits lines that look exactly like ours: only lines logged while OUR program
is on top of the `invoke`/`success|failed` stack are decoded.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import TypeVar

from solders.pubkey import Pubkey

T = TypeVar("T")

_DATA = "Program data: "


def program_data(logs: Iterable[str], program_id: Pubkey | str) -> Iterator[bytes]:
    """Payloads of the `Program data:` lines emitted while `program_id` is the executing program."""
    ours = str(program_id)
    stack: list[str] = []
    for line in logs:
        if line.startswith(_DATA):
            if stack and stack[-1] == ours:
                try:
                    yield base64.b64decode(line[len(_DATA) :], validate=True)
                except binascii.Error:
                    continue
            continue
        if not line.startswith("Program "):
            continue
        parts = line.split(" ")
        if len(parts) >= 4 and parts[2] == "invoke":
            stack.append(parts[1])
        elif len(parts) >= 3 and (parts[2] == "success" or parts[2].startswith("failed")) and stack:
            stack.pop()


def decode_events(
    logs: Iterable[str],
    program_id: Pubkey | str,
    decoders: Mapping[bytes, Callable[[bytes], T]],
) -> list[T]:
    """Decode our program's events; `decoders` maps a discriminator to a decoder of the whole payload
    (discriminator included). Unknown discriminators (other event sets, plain data) are skipped."""
    events: list[T] = []
    for data in program_data(logs, program_id):
        decoder = decoders.get(data[:8])
        if decoder is not None:
            events.append(decoder(data))
    return events
