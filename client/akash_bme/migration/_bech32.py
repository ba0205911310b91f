"""Bech32 (BIP-173) for Cosmos account addresses.

Akash addresses are plain bech32 (not bech32m) with the human-readable part `akash` and a 20-byte
payload. The migration must refuse anything else rather than guess, so every way an address can be
wrong has its own exception class.
"""

from __future__ import annotations

import functools

__all__ = [
    "AKASH_HRP",
    "Bech32ChecksumError",
    "Bech32Error",
    "Bech32FormatError",
    "Bech32PayloadError",
    "Bech32PrefixError",
    "bech32_decode",
    "bech32_encode",
    "decode_akash_address",
    "encode_akash_address",
]

AKASH_HRP = "akash"
ADDRESS_BYTES = 20

_CHARSET = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"
# bytes.translate table: alphabet character → its 5-bit value, anything else → 255 (refused).
_CHAR_VALUE = bytes(_CHARSET.index(chr(b)) if chr(b) in _CHARSET else 255 for b in range(256))
_GENERATORS = (0x3B6A57B2, 0x26508E6D, 0x1EA119FA, 0x3D4233DD, 0x2A1462B3)
_MAX_LENGTH = 90


class Bech32Error(ValueError):
    """Base class: the string is not an acceptable bech32 address."""


class Bech32FormatError(Bech32Error):
    """Bad characters, mixed case, missing separator or wrong overall length."""


class Bech32ChecksumError(Bech32Error):
    """The six-character checksum does not match (a typo or a truncated copy)."""


class Bech32PrefixError(Bech32Error):
    """A valid bech32 string for another chain (human-readable part is not the expected one)."""


class Bech32PayloadError(Bech32Error):
    """The payload does not regroup into whole bytes, or has the wrong number of bytes."""


def _top_xor(top: int) -> int:
    acc = 0
    for i, generator in enumerate(_GENERATORS):
        if (top >> i) & 1:
            acc ^= generator
    return acc


# One table lookup per character instead of five bit tests: reading 100,000 addresses stays fast.
_TOP_XOR = tuple(_top_xor(top) for top in range(32))


def _polymod(values: list[int], chk: int = 1) -> int:
    for value in values:
        chk = (chk & 0x1FFFFFF) << 5 ^ value ^ _TOP_XOR[chk >> 25]
    return chk


@functools.cache
def _hrp_state(hrp: str) -> int:
    """The checksum state after the expanded human-readable part (constant per prefix)."""
    return _polymod([ord(c) >> 5 for c in hrp] + [0] + [ord(c) & 31 for c in hrp])


def _five_to_bytes(data: list[int]) -> bytes:
    acc = 0
    for value in data:
        acc = acc << 5 | value
    nbits = 5 * len(data)
    pad = nbits % 8
    if pad >= 5 or acc & ((1 << pad) - 1):
        raise Bech32PayloadError("payload has non-zero padding or an incomplete group")
    return (acc >> pad).to_bytes(nbits // 8, "big")


def _bytes_to_five(payload: bytes) -> list[int]:
    ngroups = -(-8 * len(payload) // 5)
    acc = int.from_bytes(payload, "big") << (5 * ngroups - 8 * len(payload))
    return [(acc >> 5 * (ngroups - 1 - i)) & 31 for i in range(ngroups)]


def bech32_decode(text: str) -> tuple[str, bytes]:
    """Split a bech32 string into its human-readable part and its payload bytes, checking everything."""
    if not 8 <= len(text) <= _MAX_LENGTH:
        raise Bech32FormatError(f"length {len(text)} is outside 8..{_MAX_LENGTH}")
    if text.lower() != text and text.upper() != text:
        raise Bech32FormatError("mixed upper and lower case")
    text = text.lower()
    sep = text.rfind("1")
    if sep < 1 or sep + 7 > len(text):
        raise Bech32FormatError("no '1' separator followed by at least 6 characters")
    hrp = text[:sep]
    if not text.isascii() or any(not 33 <= ord(c) <= 126 for c in hrp):
        raise Bech32FormatError("characters outside US-ASCII 33..126")
    data = list(text[sep + 1 :].encode().translate(_CHAR_VALUE))
    if 255 in data:
        bad = text[sep + 1 + data.index(255)]
        raise Bech32FormatError(f"character {bad!r} is not in the bech32 alphabet")
    if _polymod(data, _hrp_state(hrp)) != 1:
        raise Bech32ChecksumError("checksum mismatch")
    return hrp, _five_to_bytes(data[:-6])


def bech32_encode(hrp: str, payload: bytes) -> str:
    """Encode payload bytes under a human-readable part (lower case, with checksum)."""
    data = _bytes_to_five(payload)
    polymod = _polymod([*data, 0, 0, 0, 0, 0, 0], _hrp_state(hrp)) ^ 1
    checksum = [(polymod >> 5 * (5 - i)) & 31 for i in range(6)]
    return hrp + "1" + "".join(_CHARSET[d] for d in data + checksum)


@functools.lru_cache(maxsize=1 << 18)
def decode_akash_address(text: str) -> bytes:
    """The 20-byte account address behind an `akash1…` string (cached: each address recurs across modules)."""
    hrp, payload = bech32_decode(text)
    if hrp != AKASH_HRP:
        raise Bech32PrefixError(f"prefix {hrp!r} is not {AKASH_HRP!r}")
    if len(payload) != ADDRESS_BYTES:
        raise Bech32PayloadError(f"payload is {len(payload)} bytes, an account address has {ADDRESS_BYTES}")
    return payload


def encode_akash_address(payload: bytes) -> str:
    """The `akash1…` string of a 20-byte account address."""
    if len(payload) != ADDRESS_BYTES:
        raise Bech32PayloadError(f"payload is {len(payload)} bytes, an account address has {ADDRESS_BYTES}")
    return bech32_encode(AKASH_HRP, payload)
