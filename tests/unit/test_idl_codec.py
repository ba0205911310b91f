"""Borsh codec round trips for every IDL type kind, with strategies derived from the IDL types."""

from __future__ import annotations

import struct
from pathlib import Path
from typing import Any

import pytest
from akash_bme.idl import Codec, DecodeError, EnumVariant, Idl, IdlError, decode, encode, load_idl, parse_idl
from akash_bme.idl._model import (
    AliasKind,
    ArrayT,
    DefinedT,
    EnumKind,
    Field,
    Fields,
    GenericRef,
    IdlType,
    OptionT,
    Primitive,
    VecT,
)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from solders.pubkey import Pubkey

IDL_DIR = Path(__file__).resolve().parents[3] / "shared" / "data" / "anchor-idls"
IDL_FILES = sorted(IDL_DIR.glob("*.json")) if IDL_DIR.is_dir() else []
needs_idls = pytest.mark.skipif(not IDL_FILES, reason=f"third-party IDLs not found at {IDL_DIR}")

_INT_BITS = {"u8": 8, "u16": 16, "u32": 32, "u64": 64, "u128": 128, "u256": 256}


def _primitive(name: str) -> st.SearchStrategy[Any]:
    if name == "bool":
        return st.booleans()
    if name in _INT_BITS:
        return st.integers(0, 2 ** _INT_BITS[name] - 1)
    if name.startswith("i") and name != "i":
        bits = _INT_BITS["u" + name[1:]]
        return st.integers(-(2 ** (bits - 1)), 2 ** (bits - 1) - 1)
    if name == "f32":
        return st.floats(width=32, allow_nan=False)
    if name == "f64":
        return st.floats(allow_nan=False)
    if name == "pubkey":
        return st.binary(min_size=32, max_size=32).map(Pubkey.from_bytes)
    if name == "string":
        return st.text(max_size=8)
    assert name == "bytes"
    return st.binary(max_size=8)


def strategy(idl: Idl, t: IdlType, env: dict[str, Any] | None = None) -> st.SearchStrategy[Any]:
    """Values of IDL type `t` in the dynamic codec's representation."""
    env = env or {}
    if isinstance(t, Primitive):
        return _primitive(t.name)
    if isinstance(t, OptionT):
        return st.none() | strategy(idl, t.inner, env)
    if isinstance(t, VecT):
        if t.inner == Primitive("u8"):
            return st.binary(max_size=8)
        return st.lists(strategy(idl, t.inner, env), max_size=3).map(tuple)
    if isinstance(t, ArrayT):
        n = env[t.length.name] if isinstance(t.length, GenericRef) else t.length
        if t.inner == Primitive("u8"):
            return st.binary(min_size=n, max_size=n)
        return st.lists(strategy(idl, t.inner, env), min_size=n, max_size=n).map(tuple)
    if isinstance(t, GenericRef):
        return env[t.name]
    assert isinstance(t, DefinedT)
    type_def = idl.type_def(t.name)
    inner: dict[str, Any] = {}
    for param, arg in zip(type_def.generics, t.generics, strict=True):
        if isinstance(arg.type, GenericRef):
            inner[param.name] = env[arg.type.name]
        elif arg.type is not None:
            inner[param.name] = strategy(idl, arg.type, env)
        else:
            inner[param.name] = int(str(arg.value))
    kind = type_def.kind
    if isinstance(kind, AliasKind):
        return strategy(idl, kind.alias, inner)
    if isinstance(kind, EnumKind):
        return st.one_of(
            [
                st.just(EnumVariant(v.name))
                if not v.fields
                else _fields(idl, v.fields, inner).map(lambda value, n=v.name: EnumVariant(n, value))
                for v in kind.variants
            ]
        )
    return _fields(idl, kind.fields, inner) if kind.fields else st.just({})


def _fields(idl: Idl, fields: Fields, env: dict[str, Any]) -> st.SearchStrategy[Any]:
    assert fields
    if isinstance(fields[0], Field):
        return st.fixed_dictionaries(
            {f.name: strategy(idl, f.type, env) for f in fields if isinstance(f, Field)}
        )
    return st.tuples(*(strategy(idl, t, env) for t in fields if not isinstance(t, Field)))


# An IDL exercising every kind in one place, for the property test below (the real IDLs follow).
KINDS_IDL = parse_idl(
    {
        "address": "11111111111111111111111111111111",
        "metadata": {"name": "kinds", "version": "0.1.0", "spec": "0.1.0"},
        "instructions": [],
        "types": [
            {
                "name": "AllKinds",
                "type": {
                    "kind": "struct",
                    "fields": [
                        *(
                            {"name": p, "type": p}
                            for p in (
                                "bool",
                                "u8",
                                "i8",
                                "u16",
                                "i16",
                                "u32",
                                "i32",
                                "u64",
                                "i64",
                                "u128",
                                "i128",
                                "f64",
                                "pubkey",
                                "string",
                                "bytes",
                            )
                        ),
                        {"name": "opt", "type": {"option": "u32"}},
                        {"name": "copt", "type": {"coption": "pubkey"}},
                        {"name": "v", "type": {"vec": {"defined": {"name": "Point"}}}},
                        {"name": "arr", "type": {"array": [{"array": ["i16", 2]}, 3]}},
                        {"name": "raw", "type": {"array": ["u8", 4]}},
                        {"name": "e", "type": {"defined": {"name": "Shape"}}},
                        {"name": "alias", "type": {"defined": {"name": "Amount"}}},
                        {"name": "tup", "type": {"defined": {"name": "Pair"}}},
                        {"name": "unit", "type": {"defined": {"name": "Nothing"}}},
                        {"name": "nested", "type": {"option": {"vec": {"option": "string"}}}},
                    ],
                },
            },
            {"name": "Point", "type": {"kind": "struct", "fields": [{"name": "x", "type": "i64"}]}},
            {"name": "Pair", "type": {"kind": "struct", "fields": ["u8", {"defined": {"name": "Point"}}]}},
            {"name": "Nothing", "type": {"kind": "struct"}},
            {"name": "Amount", "type": {"kind": "type", "alias": "u64"}},
            {
                "name": "Shape",
                "type": {
                    "kind": "enum",
                    "variants": [
                        {"name": "Empty"},
                        {"name": "Tuple", "fields": ["u8", "string"]},
                        {"name": "Named", "fields": [{"name": "p", "type": {"defined": {"name": "Point"}}}]},
                    ],
                },
            },
        ],
    }
)
KINDS = Codec(KINDS_IDL)


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow])
@given(strategy(KINDS_IDL, DefinedT("AllKinds")))
def test_every_kind_round_trips(value: dict[str, Any]) -> None:
    layout = KINDS.defined("AllKinds")
    assert decode(layout, encode(layout, value)) == value


def test_hand_computed_encoding() -> None:
    layout = KINDS.defined("Shape")
    data = encode(layout, EnumVariant("Tuple", (7, "hi")))
    assert data == bytes([1, 7]) + struct.pack("<I", 2) + b"hi"
    assert encode(KINDS.layout(OptionT(Primitive("u16"))), 513) == b"\x01\x01\x02"
    assert encode(KINDS.layout(OptionT(Primitive("u16"), c_option=True)), None) == b"\x00\x00\x00\x00"
    assert encode(KINDS.layout(Primitive("i128")), -2) == b"\xfe" + b"\xff" * 15


@pytest.mark.parametrize(
    ("idl_type", "data"),
    [
        (Primitive("bool"), b"\x02"),
        (OptionT(Primitive("u8")), b"\x02\x00"),
        (Primitive("string"), b"\x02\x00\x00\x00\xff\xfe"),
        (Primitive("u64"), b"\x00" * 7),
        (DefinedT("Shape"), b"\x09"),
    ],
)
def test_invalid_encodings_are_refused(idl_type: IdlType, data: bytes) -> None:
    with pytest.raises(DecodeError):
        decode(KINDS.layout(idl_type), data)


def test_out_of_range_values_are_refused() -> None:
    with pytest.raises(DecodeError):
        encode(KINDS.layout(Primitive("u8")), 256)
    with pytest.raises(DecodeError):
        encode(KINDS.layout(ArrayT(Primitive("u8"), 4)), b"abc")


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({"metadata": {"name": "x"}, "instructions": []}, "missing 'address'"),
        ({"address": "x", "metadata": {"name": "x"}, "instructions": [{"name": "a"}]}, "discriminator"),
        (
            {
                "address": "x",
                "metadata": {"name": "x"},
                "instructions": [],
                "types": [{"name": "T", "type": {"kind": "struct", "fields": [{"name": "f", "type": "u7"}]}}],
            },
            "types[T].type.fields[0].type: unknown primitive type 'u7'",
        ),
        (
            {
                "address": "x",
                "metadata": {"name": "x"},
                "instructions": [],
                "accounts": [{"name": "A", "discriminator": [1]}],
            },
            "no type named 'A'",
        ),
    ],
)
def test_malformed_idls_name_the_problem(raw: dict[str, Any], message: str) -> None:
    with pytest.raises(IdlError, match=message.replace("[", r"\[").replace("]", r"\]")):
        parse_idl(raw)


@needs_idls
@pytest.mark.parametrize("path", IDL_FILES, ids=lambda p: p.name)
def test_every_real_idl_type_round_trips(path: Path) -> None:
    """Every non-generic type (generic ones through their instantiations) and every instruction arg."""
    idl = load_idl(path)
    codec = Codec(idl)
    types: list[IdlType] = [DefinedT(t.name) for t in idl.types if not t.generics]
    types += [a.type for ix in idl.instructions for a in ix.args]
    for t in types:
        _round_trips(codec.layout(t), strategy(idl, t))


def _round_trips(layout: Any, values: st.SearchStrategy[Any]) -> None:
    @settings(max_examples=3, suppress_health_check=list(HealthCheck), deadline=None, database=None)
    @given(values)
    def run(value: Any) -> None:
        assert decode(layout, encode(layout, value)) == value

    run()
