"""Borsh codec on `construct` for every Anchor IDL type kind.

The building blocks (`record`, `enum`, `option`, `seq`, primitives) are shared by the dynamic `Codec`, which
decodes into dicts/tuples/`EnumVariant`, and by generated modules, which pass their dataclasses as factories.
Composite constructs are custom subclasses rather than `construct.Struct` so that decoding a record costs one
call per field and no intermediate `Container`.
"""

from __future__ import annotations

import struct
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeAlias, TypeVar

import construct as cs
from solders.pubkey import Pubkey

from ._model import (
    AliasKind,
    ArrayT,
    DefinedT,
    EnumKind,
    Field,
    Fields,
    GenericRef,
    Idl,
    IdlError,
    IdlType,
    OptionT,
    Primitive,
    VecT,
)

Layout: TypeAlias = "cs.Construct[Any, Any]"
T = TypeVar("T")

if TYPE_CHECKING:
    _Base = cs.Construct[Any, Any]
else:  # construct's runtime classes are not subscriptable; its stubs are generic
    _Base = cs.Construct


class DecodeError(ValueError):
    """Bytes that are not a valid encoding of the expected type."""


class _Scalar(_Base):
    """A fixed-width little-endian value read with one precompiled `struct.Struct`."""

    def __init__(self, fmt: str) -> None:
        super().__init__()
        self._struct = struct.Struct("<" + fmt)
        self._size = self._struct.size
        self.fmt = fmt

    def _parse(self, stream: Any, context: Any, path: Any) -> Any:
        return self._struct.unpack(cs.stream_read(stream, self._size, path))[0]

    def _build(self, obj: Any, stream: Any, context: Any, path: Any) -> Any:
        try:
            cs.stream_write(stream, self._struct.pack(obj), self._size, path)
        except struct.error as exc:
            raise cs.ConstructError(f"{path}: cannot encode {obj!r} as {self.fmt}: {exc}") from exc
        return obj

    def _sizeof(self, context: Any, path: Any) -> int:
        return self._size


class _BigInt(_Base):
    def __init__(self, size: int, signed: bool) -> None:
        super().__init__()
        self._size = size
        self._signed = signed

    def _parse(self, stream: Any, context: Any, path: Any) -> Any:
        return int.from_bytes(cs.stream_read(stream, self._size, path), "little", signed=self._signed)

    def _build(self, obj: Any, stream: Any, context: Any, path: Any) -> Any:
        try:
            data = int(obj).to_bytes(self._size, "little", signed=self._signed)
        except OverflowError as exc:
            raise cs.ConstructError(f"{path}: {obj!r} does not fit in {self._size} bytes") from exc
        cs.stream_write(stream, data, self._size, path)
        return obj

    def _sizeof(self, context: Any, path: Any) -> int:
        return self._size


class _Bool(_Base):
    def _parse(self, stream: Any, context: Any, path: Any) -> Any:
        byte = cs.stream_read(stream, 1, path)[0]
        if byte > 1:
            raise cs.ConstructError(f"{path}: invalid bool byte {byte}")
        return byte == 1

    def _build(self, obj: Any, stream: Any, context: Any, path: Any) -> Any:
        cs.stream_write(stream, b"\x01" if obj else b"\x00", 1, path)
        return obj

    def _sizeof(self, context: Any, path: Any) -> int:
        return 1


class _FixedBytes(_Base):
    def __init__(self, size: int, to_value: Callable[[bytes], Any] | None = None) -> None:
        super().__init__()
        self._size = size
        self._to_value = to_value

    def _parse(self, stream: Any, context: Any, path: Any) -> Any:
        data = cs.stream_read(stream, self._size, path)
        return data if self._to_value is None else self._to_value(data)

    def _build(self, obj: Any, stream: Any, context: Any, path: Any) -> Any:
        data = bytes(obj)
        if len(data) != self._size:
            raise cs.ConstructError(f"{path}: expected {self._size} bytes, got {len(data)}")
        cs.stream_write(stream, data, self._size, path)
        return obj

    def _sizeof(self, context: Any, path: Any) -> int:
        return self._size


class _Prefixed(_Base):
    """u32-length-prefixed bytes (borsh `bytes`, `vec<u8>`) or UTF-8 text (borsh `string`)."""

    def __init__(self, text: bool) -> None:
        super().__init__()
        self._text = text

    def _parse(self, stream: Any, context: Any, path: Any) -> Any:
        (length,) = struct.unpack("<I", cs.stream_read(stream, 4, path))
        data = cs.stream_read(stream, length, path)
        if not self._text:
            return data
        try:
            return data.decode()
        except UnicodeDecodeError as exc:
            raise cs.ConstructError(f"{path}: invalid UTF-8: {exc}") from exc

    def _build(self, obj: Any, stream: Any, context: Any, path: Any) -> Any:
        data = obj.encode() if self._text else bytes(obj)
        cs.stream_write(stream, struct.pack("<I", len(data)) + data, 4 + len(data), path)
        return obj

    def _sizeof(self, context: Any, path: Any) -> int:
        raise cs.SizeofError("variable length", path=path)


BOOL: Layout = _Bool()
U8: Layout = _Scalar("B")
I8: Layout = _Scalar("b")
U16: Layout = _Scalar("H")
I16: Layout = _Scalar("h")
U32: Layout = _Scalar("I")
I32: Layout = _Scalar("i")
U64: Layout = _Scalar("Q")
I64: Layout = _Scalar("q")
F32: Layout = _Scalar("f")
F64: Layout = _Scalar("d")
U128: Layout = _BigInt(16, signed=False)
I128: Layout = _BigInt(16, signed=True)
U256: Layout = _BigInt(32, signed=False)
I256: Layout = _BigInt(32, signed=True)
PUBKEY: Layout = _FixedBytes(32, Pubkey.from_bytes)
BYTES: Layout = _Prefixed(text=False)
STRING: Layout = _Prefixed(text=True)

PRIMITIVE_LAYOUTS: Mapping[str, Layout] = {
    "bool": BOOL, "u8": U8, "i8": I8, "u16": U16, "i16": I16, "u32": U32, "i32": I32,
    "u64": U64, "i64": I64, "f32": F32, "f64": F64, "u128": U128, "i128": I128,
    "u256": U256, "i256": I256, "pubkey": PUBKEY, "bytes": BYTES, "string": STRING,
}  # fmt: skip


class _Option(_Base):
    def __init__(self, inner: Layout, tag_size: int) -> None:
        super().__init__()
        self._inner = inner
        self._tag_size = tag_size

    def _parse(self, stream: Any, context: Any, path: Any) -> Any:
        tag = int.from_bytes(cs.stream_read(stream, self._tag_size, path), "little")
        if tag == 0:
            return None
        if tag != 1:
            raise cs.ConstructError(f"{path}: invalid option tag {tag}")
        return self._inner._parsereport(stream, context, path)

    def _build(self, obj: Any, stream: Any, context: Any, path: Any) -> Any:
        tag = (0 if obj is None else 1).to_bytes(self._tag_size, "little")
        cs.stream_write(stream, tag, self._tag_size, path)
        if obj is not None:
            self._inner._build(obj, stream, context, path)
        return obj

    def _sizeof(self, context: Any, path: Any) -> int:
        raise cs.SizeofError("variable length", path=path)


def option(inner: Layout, c_option: bool = False) -> Layout:
    """borsh `Option<T>` (1-byte tag) or Solana `COption<T>` (4-byte tag)."""
    return _Option(inner, 4 if c_option else 1)


class _Seq(_Base):
    """A fixed-length array (`length` set) or a u32-prefixed vec; decodes to a tuple."""

    def __init__(self, inner: Layout, length: int | None) -> None:
        super().__init__()
        self._inner = inner
        self._length = length

    def _parse(self, stream: Any, context: Any, path: Any) -> Any:
        count = self._length
        if count is None:
            (count,) = struct.unpack("<I", cs.stream_read(stream, 4, path))
        parse = self._inner._parsereport
        return tuple(parse(stream, context, path) for _ in range(count))

    def _build(self, obj: Any, stream: Any, context: Any, path: Any) -> Any:
        items = list(obj)
        if self._length is None:
            cs.stream_write(stream, struct.pack("<I", len(items)), 4, path)
        elif len(items) != self._length:
            raise cs.ConstructError(f"{path}: expected {self._length} items, got {len(items)}")
        for item in items:
            self._inner._build(item, stream, context, path)
        return obj

    def _sizeof(self, context: Any, path: Any) -> int:
        if self._length is None:
            raise cs.SizeofError("variable length", path=path)
        return self._length * self._inner._sizeof(context, path)


def array(inner: Layout, length: int) -> Layout:
    """`[T; N]`; `[u8; N]` decodes to `bytes`, anything else to a tuple."""
    return _FixedBytes(length) if inner is U8 else _Seq(inner, length)


def vec(inner: Layout) -> Layout:
    """`Vec<T>`; `Vec<u8>` decodes to `bytes`, anything else to a tuple."""
    return BYTES if inner is U8 else _Seq(inner, None)


class _Record(_Base):
    def __init__(
        self,
        fields: Sequence[tuple[str, Layout]],
        factory: Callable[..., Any],
        getter: Callable[[Any, str], Any],
    ) -> None:
        super().__init__()
        self._fields = tuple(fields)
        self._factory = factory
        self._getter = getter

    def _parse(self, stream: Any, context: Any, path: Any) -> Any:
        return self._factory(*[sub._parsereport(stream, context, path) for _, sub in self._fields])

    def _build(self, obj: Any, stream: Any, context: Any, path: Any) -> Any:
        getter = self._getter
        for name, sub in self._fields:
            try:
                value = getter(obj, name)
            except (KeyError, AttributeError, IndexError) as exc:
                raise cs.ConstructError(f"{path}: missing field {name!r}") from exc
            sub._build(value, stream, context, f"{path} -> {name}")
        return obj

    def _sizeof(self, context: Any, path: Any) -> int:
        return sum(sub._sizeof(context, path) for _, sub in self._fields)


def _dict_factory(names: tuple[str, ...]) -> Callable[..., dict[str, Any]]:
    return lambda *values: dict(zip(names, values, strict=True))


def record(
    fields: Sequence[tuple[str, Layout]],
    factory: Callable[..., Any] | None = None,
) -> Layout:
    """A struct (or a struct-like enum payload): fields in order; `factory(*values)` builds the value.

    Without a factory the value is a `dict`; with one (a generated dataclass) fields are read back with
    `getattr`.
    """
    if factory is None:
        return _Record(fields, _dict_factory(tuple(n for n, _ in fields)), _get_item)
    return _Record(fields, factory, getattr)


def tuple_record(items: Sequence[Layout], factory: Callable[..., Any] | None = None) -> Layout:
    """A tuple struct or tuple variant: a plain tuple, or `factory(*values)` read back as `field_<i>`."""
    if factory is None:
        return _Record([(str(i), sub) for i, sub in enumerate(items)], lambda *v: v, _get_index)
    return _Record([(f"field_{i}", sub) for i, sub in enumerate(items)], factory, getattr)


def _get_item(obj: Any, name: str) -> Any:
    return obj[name]


def _get_index(obj: Any, name: str) -> Any:
    return obj[int(name)]


@dataclass(frozen=True)
class EnumVariant:
    """A dynamic-codec enum value: the variant name and its dict/tuple payload (None if unit)."""

    name: str
    value: Any = None


class _Enum(_Base):
    def __init__(
        self,
        payloads: Sequence[Layout | None],
        decode: Callable[[int, Any], Any],
        index_of: Callable[[Any], int],
    ) -> None:
        super().__init__()
        self._payloads = tuple(payloads)
        self._decode = decode
        self._index_of = index_of

    def _parse(self, stream: Any, context: Any, path: Any) -> Any:
        index = cs.stream_read(stream, 1, path)[0]
        if index >= len(self._payloads):
            raise cs.ConstructError(f"{path}: invalid enum variant index {index}")
        payload = self._payloads[index]
        return self._decode(index, None if payload is None else payload._parsereport(stream, context, path))

    def _build(self, obj: Any, stream: Any, context: Any, path: Any) -> Any:
        try:
            index = self._index_of(obj)
        except (KeyError, ValueError, TypeError, AttributeError) as exc:
            raise cs.ConstructError(f"{path}: {obj!r} is not a variant of this enum") from exc
        cs.stream_write(stream, bytes((index,)), 1, path)
        payload = self._payloads[index]
        if payload is not None:
            payload._build(obj, stream, context, path)
        return obj

    def _sizeof(self, context: Any, path: Any) -> int:
        if all(p is None for p in self._payloads):
            return 1
        raise cs.SizeofError("variable length", path=path)


def unit_enum(members: Sequence[Any]) -> Layout:
    """An enum whose variants carry no data, decoded to `members[index]` (e.g. an `IntEnum`'s members)."""
    table = tuple(members)
    positions = {m: i for i, m in enumerate(table)}
    return _Enum([None] * len(table), lambda i, _: table[i], positions.__getitem__)


def data_enum(variants: Sequence[tuple[type, Layout | None]]) -> Layout:
    """An enum with data, one class per variant: a payload layout builds the instance, a unit is `cls()`."""
    classes = tuple(cls for cls, _ in variants)
    positions: dict[type, int] = {cls: i for i, cls in enumerate(classes)}
    return _Enum(
        [layout for _, layout in variants],
        lambda i, payload: classes[i]() if payload is None else payload,
        lambda obj: positions[type(obj)],
    )


def _dynamic_enum(variants: Sequence[tuple[str, Layout | None]]) -> Layout:
    names = tuple(n for n, _ in variants)
    positions = {n: i for i, n in enumerate(names)}

    class _Unwrap(_Base):
        def __init__(self, inner: Layout) -> None:
            super().__init__()
            self._inner = inner

        def _parse(self, stream: Any, context: Any, path: Any) -> Any:
            return self._inner._parsereport(stream, context, path)

        def _build(self, obj: Any, stream: Any, context: Any, path: Any) -> Any:
            return self._inner._build(obj.value, stream, context, path)

        def _sizeof(self, context: Any, path: Any) -> int:
            return self._inner._sizeof(context, path)

    return _Enum(
        [None if layout is None else _Unwrap(layout) for _, layout in variants],
        lambda i, payload: EnumVariant(names[i], payload),
        lambda obj: positions[obj.name],
    )


def decode(layout: Layout, data: bytes) -> Any:
    """Decode all of `data`; trailing bytes are allowed (accounts are often larger than their struct)."""
    try:
        return layout.parse(data)
    except cs.ConstructError as exc:
        raise DecodeError(str(exc)) from exc


def encode(layout: Layout, value: Any) -> bytes:
    try:
        return layout.build(value)
    except cs.ConstructError as exc:
        raise DecodeError(f"cannot encode {value!r}: {exc}") from exc


GenericEnv: TypeAlias = Mapping[str, "Layout | int"]


class Codec:
    """Layouts for the types of one IDL, decoding to plain Python values.

    Structs decode to dicts, tuple structs to tuples, enums to `EnumVariant`, vecs/arrays to tuples
    (`bytes` for u8), pubkeys to `Pubkey`. Generic types are instantiated at each use site.
    """

    def __init__(self, idl: Idl) -> None:
        self.idl = idl
        self._cache: dict[str, Layout] = {}

    def layout(self, idl_type: IdlType, env: GenericEnv | None = None) -> Layout:
        env = env or {}
        if isinstance(idl_type, Primitive):
            return PRIMITIVE_LAYOUTS[idl_type.name]
        if isinstance(idl_type, OptionT):
            return option(self.layout(idl_type.inner, env), idl_type.c_option)
        if isinstance(idl_type, VecT):
            return vec(self.layout(idl_type.inner, env))
        if isinstance(idl_type, ArrayT):
            length = idl_type.length
            if isinstance(length, GenericRef):
                length = self._bound(env, length.name, int)
            return array(self.layout(idl_type.inner, env), length)
        if isinstance(idl_type, GenericRef):
            return self._bound(env, idl_type.name, cs.Construct)
        return self._defined(idl_type, env)

    def defined(self, name: str) -> Layout:
        return self._defined(DefinedT(name), {})

    def _bound(self, env: GenericEnv, name: str, kind: type[T]) -> T:
        value = env.get(name)
        if not isinstance(value, kind):
            raise IdlError(f"generic {name!r} is not bound to a {'length' if kind is int else 'type'} here")
        return value

    def _defined(self, ref: DefinedT, env: GenericEnv) -> Layout:
        type_def = self.idl.type_def(ref.name)
        if len(ref.generics) != len(type_def.generics):
            raise IdlError(
                f"{ref.name}: expects {len(type_def.generics)} generic arguments, got {len(ref.generics)}"
            )
        if not type_def.generics and ref.name in self._cache:
            return self._cache[ref.name]
        inner_env: dict[str, Layout | int] = {}
        for param, arg in zip(type_def.generics, ref.generics, strict=True):
            if isinstance(arg.type, GenericRef) and arg.type.name in env:
                inner_env[param.name] = env[arg.type.name]  # Anchor passes a const generic on as a "type"
            elif arg.type is not None:
                inner_env[param.name] = self.layout(arg.type, env)
            else:
                inner_env[param.name] = int(str(arg.value))
        kind = type_def.kind
        if isinstance(kind, AliasKind):
            result = self.layout(kind.alias, inner_env)
        elif isinstance(kind, EnumKind):
            result = _dynamic_enum([(v.name, self.fields(v.fields, inner_env)) for v in kind.variants])
        else:
            result = self.fields(kind.fields, inner_env) or record([])
        if not type_def.generics:
            self._cache[ref.name] = result
        return result

    def fields(self, fields: Fields, env: GenericEnv) -> Layout | None:
        if not fields:
            return None
        if isinstance(fields[0], Field):
            return record([(f.name, self.layout(f.type, env)) for f in fields if isinstance(f, Field)])
        return tuple_record([self.layout(t, env) for t in fields if not isinstance(t, Field)])
