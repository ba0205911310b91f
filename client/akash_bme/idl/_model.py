"""Typed model of an Anchor 0.30+ IDL (spec 0.1.0), parsed strictly so a malformed file fails with a path."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeAlias

PRIMITIVES = frozenset(
    {
        "bool", "u8", "i8", "u16", "i16", "u32", "i32", "f32", "u64", "i64", "f64",
        "u128", "i128", "u256", "i256", "bytes", "string", "pubkey",
    }
)  # fmt: skip


class IdlError(ValueError):
    """A malformed IDL; the message names the JSON path of the offending node."""


@dataclass(frozen=True)
class Primitive:
    name: str


@dataclass(frozen=True)
class OptionT:
    inner: IdlType
    c_option: bool = False  # COption: 4-byte tag instead of 1


@dataclass(frozen=True)
class VecT:
    inner: IdlType


@dataclass(frozen=True)
class GenericRef:
    name: str


@dataclass(frozen=True)
class ArrayT:
    inner: IdlType
    length: int | GenericRef


@dataclass(frozen=True)
class GenericArg:
    """A generic argument at a use site: a type, or a const value (kept as its decimal text)."""

    type: IdlType | None = None
    value: str | None = None


@dataclass(frozen=True)
class DefinedT:
    name: str
    generics: tuple[GenericArg, ...] = ()


IdlType: TypeAlias = Primitive | OptionT | VecT | ArrayT | DefinedT | GenericRef


@dataclass(frozen=True)
class Field:
    name: str
    type: IdlType
    docs: tuple[str, ...] = ()


Fields: TypeAlias = tuple[Field, ...] | tuple[IdlType, ...] | None
"""Named fields, tuple fields, or None for a unit struct/variant."""


@dataclass(frozen=True)
class StructKind:
    fields: Fields


@dataclass(frozen=True)
class Variant:
    name: str
    fields: Fields


@dataclass(frozen=True)
class EnumKind:
    variants: tuple[Variant, ...]

    @property
    def is_unit(self) -> bool:
        return all(not v.fields for v in self.variants)


@dataclass(frozen=True)
class AliasKind:
    alias: IdlType


TypeKind: TypeAlias = StructKind | EnumKind | AliasKind


@dataclass(frozen=True)
class GenericParam:
    name: str
    kind: str  # "type" | "const"


@dataclass(frozen=True)
class TypeDef:
    name: str
    kind: TypeKind
    generics: tuple[GenericParam, ...] = ()
    docs: tuple[str, ...] = ()
    serialization: str = "borsh"


@dataclass(frozen=True)
class ConstSeed:
    value: bytes


@dataclass(frozen=True)
class ArgSeed:
    path: str


@dataclass(frozen=True)
class AccountSeed:
    path: str
    account: str | None = None  # type name of the account whose field the dotted path reads


Seed: TypeAlias = ConstSeed | ArgSeed | AccountSeed


@dataclass(frozen=True)
class Pda:
    seeds: tuple[Seed, ...]
    program: Seed | None = None


@dataclass(frozen=True)
class InstructionAccount:
    name: str
    writable: bool = False
    signer: bool = False
    optional: bool = False
    address: str | None = None
    pda: Pda | None = None
    docs: tuple[str, ...] = ()
    relations: tuple[str, ...] = ()


@dataclass(frozen=True)
class InstructionAccounts:
    """A composite (nested) account group."""

    name: str
    accounts: tuple[AccountItem, ...]


AccountItem: TypeAlias = InstructionAccount | InstructionAccounts


@dataclass(frozen=True)
class Instruction:
    name: str
    discriminator: bytes
    accounts: tuple[AccountItem, ...]
    args: tuple[Field, ...]
    returns: IdlType | None = None
    docs: tuple[str, ...] = ()


@dataclass(frozen=True)
class Named:
    """An account or event entry: a name, its discriminator, and (by name) its type in `types`."""

    name: str
    discriminator: bytes


@dataclass(frozen=True)
class ErrorCode:
    code: int
    name: str
    msg: str | None = None


@dataclass(frozen=True)
class Constant:
    name: str
    type: IdlType
    value: str


@dataclass(frozen=True)
class Idl:
    address: str
    name: str
    version: str
    instructions: tuple[Instruction, ...]
    accounts: tuple[Named, ...] = ()
    events: tuple[Named, ...] = ()
    errors: tuple[ErrorCode, ...] = ()
    types: tuple[TypeDef, ...] = ()
    constants: tuple[Constant, ...] = ()
    docs: tuple[str, ...] = ()
    _types_by_name: dict[str, TypeDef] = field(default_factory=dict, repr=False, compare=False)

    def type_def(self, name: str) -> TypeDef:
        found = self._types_by_name.get(name)
        if found is None:
            raise IdlError(f"types: no type named {name!r}")
        return found


def load_idl(path: str | Path) -> Idl:
    try:
        raw = json.loads(Path(path).read_text())
    except json.JSONDecodeError as exc:
        raise IdlError(f"{path}: not JSON: {exc}") from exc
    return parse_idl(raw)


def _obj(node: Any, where: str) -> dict[str, Any]:
    if not isinstance(node, dict):
        raise IdlError(f"{where}: expected an object, got {type(node).__name__}")
    return node


def _req(node: dict[str, Any], key: str, kind: type, where: str) -> Any:
    if key not in node:
        raise IdlError(f"{where}: missing {key!r}")
    value = node[key]
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise IdlError(f"{where}.{key}: expected {kind.__name__}, got {type(value).__name__}")
    return value


def _list(node: dict[str, Any], key: str, where: str) -> list[Any]:
    value = node.get(key, [])
    if not isinstance(value, list):
        raise IdlError(f"{where}.{key}: expected a list")
    return value


def _docs(node: dict[str, Any], where: str) -> tuple[str, ...]:
    return tuple(str(d) for d in _list(node, "docs", where))


def _bytes(value: Any, where: str) -> bytes:
    if not isinstance(value, list) or not all(isinstance(b, int) and 0 <= b < 256 for b in value):
        raise IdlError(f"{where}: expected a list of bytes")
    return bytes(value)


def parse_type(node: Any, where: str = "type") -> IdlType:
    if isinstance(node, str):
        if node not in PRIMITIVES:
            raise IdlError(f"{where}: unknown primitive type {node!r}")
        return Primitive(node)
    obj = _obj(node, where)
    if len(obj) != 1:
        raise IdlError(f"{where}: a type object has exactly one key, got {sorted(obj)}")
    ((key, value),) = obj.items()
    if key in ("option", "coption"):
        return OptionT(parse_type(value, f"{where}.{key}"), c_option=key == "coption")
    if key == "vec":
        return VecT(parse_type(value, f"{where}.vec"))
    if key == "array":
        if not isinstance(value, list) or len(value) != 2:
            raise IdlError(f"{where}.array: expected [type, length]")
        length = value[1]
        if isinstance(length, dict):
            parsed_len: int | GenericRef = GenericRef(_req(length, "generic", str, f"{where}.array[1]"))
        elif isinstance(length, int) and not isinstance(length, bool) and length >= 0:
            parsed_len = length
        else:
            raise IdlError(f"{where}.array[1]: expected a length or {{'generic': name}}")
        return ArrayT(parse_type(value[0], f"{where}.array[0]"), parsed_len)
    if key == "generic":
        if not isinstance(value, str):
            raise IdlError(f"{where}.generic: expected a name")
        return GenericRef(value)
    if key == "defined":
        if isinstance(value, str):  # pre-0.30 short form, still seen in converted IDLs
            return DefinedT(value)
        dobj = _obj(value, f"{where}.defined")
        args = []
        for i, g in enumerate(_list(dobj, "generics", f"{where}.defined")):
            gw = f"{where}.defined.generics[{i}]"
            kind = _req(_obj(g, gw), "kind", str, gw)
            if kind == "type":
                args.append(GenericArg(type=parse_type(g.get("type"), f"{gw}.type")))
            elif kind == "const":
                args.append(GenericArg(value=str(_req(g, "value", str, gw))))
            else:
                raise IdlError(f"{gw}.kind: unknown generic kind {kind!r}")
        return DefinedT(_req(dobj, "name", str, f"{where}.defined"), tuple(args))
    raise IdlError(f"{where}: unknown type key {key!r}")


def _fields(node: dict[str, Any], where: str) -> Fields:
    if "fields" not in node:
        return None
    raw = _list(node, "fields", where)
    if raw and all(isinstance(f, dict) and "name" in f for f in raw):
        return tuple(
            Field(
                _req(f, "name", str, f"{where}.fields[{i}]"),
                parse_type(f.get("type"), f"{where}.fields[{i}].type"),
                _docs(f, f"{where}.fields[{i}]"),
            )
            for i, f in enumerate(raw)
        )
    return tuple(parse_type(f, f"{where}.fields[{i}]") for i, f in enumerate(raw))


def _type_def(node: Any, where: str) -> TypeDef:
    obj = _obj(node, where)
    name = _req(obj, "name", str, where)
    where = f"types[{name}]"
    body = _obj(obj.get("type"), f"{where}.type")
    kind = _req(body, "kind", str, f"{where}.type")
    parsed: TypeKind
    if kind == "struct":
        parsed = StructKind(_fields(body, f"{where}.type"))
    elif kind == "enum":
        variants = []
        for i, v in enumerate(_list(body, "variants", f"{where}.type")):
            vw = f"{where}.type.variants[{i}]"
            variants.append(Variant(_req(_obj(v, vw), "name", str, vw), _fields(v, vw)))
        parsed = EnumKind(tuple(variants))
    elif kind == "type":
        parsed = AliasKind(parse_type(body.get("alias"), f"{where}.type.alias"))
    else:
        raise IdlError(f"{where}.type.kind: unknown kind {kind!r}")
    generics = []
    for i, g in enumerate(_list(obj, "generics", where)):
        gw = f"{where}.generics[{i}]"
        generics.append(GenericParam(_req(_obj(g, gw), "name", str, gw), _req(g, "kind", str, gw)))
    return TypeDef(name, parsed, tuple(generics), _docs(obj, where), str(obj.get("serialization", "borsh")))


def _seed(node: Any, where: str) -> Seed:
    obj = _obj(node, where)
    kind = _req(obj, "kind", str, where)
    if kind == "const":
        return ConstSeed(_bytes(obj.get("value"), f"{where}.value"))
    if kind == "arg":
        return ArgSeed(_req(obj, "path", str, where))
    if kind == "account":
        account = obj.get("account")
        return AccountSeed(_req(obj, "path", str, where), account if isinstance(account, str) else None)
    raise IdlError(f"{where}.kind: unknown seed kind {kind!r}")


def _account_item(node: Any, where: str) -> AccountItem:
    obj = _obj(node, where)
    name = _req(obj, "name", str, where)
    where = f"{where}({name})"
    if "accounts" in obj:
        items = _list(obj, "accounts", where)
        return InstructionAccounts(
            name, tuple(_account_item(a, f"{where}.accounts[{i}]") for i, a in enumerate(items))
        )
    pda = None
    if "pda" in obj:
        pobj = _obj(obj["pda"], f"{where}.pda")
        seeds = tuple(_seed(s, f"{where}.pda.seeds[{i}]") for i, s in enumerate(_list(pobj, "seeds", where)))
        program = _seed(pobj["program"], f"{where}.pda.program") if "program" in pobj else None
        pda = Pda(seeds, program)
    address = obj.get("address")
    if address is not None and not isinstance(address, str):
        raise IdlError(f"{where}.address: expected a base58 string")
    return InstructionAccount(
        name,
        writable=bool(obj.get("writable", False)),
        signer=bool(obj.get("signer", False)),
        optional=bool(obj.get("optional", False)),
        address=address,
        pda=pda,
        docs=_docs(obj, where),
        relations=tuple(str(r) for r in _list(obj, "relations", where)),
    )


def _named(node: Any, where: str) -> Named:
    obj = _obj(node, where)
    name = _req(obj, "name", str, where)
    disc = _bytes(obj.get("discriminator"), f"{where}({name}).discriminator")
    return Named(name, disc)


def parse_idl(raw: Any) -> Idl:
    """Parse a decoded Anchor 0.30+ IDL JSON document."""
    root = _obj(raw, "idl")
    meta = _obj(root.get("metadata"), "idl.metadata")
    if "address" not in root:
        raise IdlError(
            "idl: missing 'address' (pre-0.30 IDLs are not supported; convert with `anchor idl convert`)"
        )
    instructions = []
    for i, ix in enumerate(_list(root, "instructions", "idl")):
        w = f"instructions[{i}]"
        obj = _obj(ix, w)
        name = _req(obj, "name", str, w)
        w = f"instructions[{name}]"
        args = tuple(
            Field(
                _req(_obj(a, f"{w}.args[{j}]"), "name", str, w),
                parse_type(a.get("type"), f"{w}.args[{j}].type"),
            )
            for j, a in enumerate(_list(obj, "args", w))
        )
        instructions.append(
            Instruction(
                name,
                _bytes(obj.get("discriminator"), f"{w}.discriminator"),
                tuple(
                    _account_item(a, f"{w}.accounts[{j}]") for j, a in enumerate(_list(obj, "accounts", w))
                ),
                args,
                parse_type(obj["returns"], f"{w}.returns") if "returns" in obj else None,
                _docs(obj, w),
            )
        )
    types = tuple(_type_def(t, f"types[{i}]") for i, t in enumerate(_list(root, "types", "idl")))
    errors = tuple(
        ErrorCode(
            _req(_obj(e, f"errors[{i}]"), "code", int, f"errors[{i}]"),
            _req(e, "name", str, f"errors[{i}]"),
            e.get("msg"),
        )
        for i, e in enumerate(_list(root, "errors", "idl"))
    )
    constants = tuple(
        Constant(
            _req(_obj(c, f"constants[{i}]"), "name", str, f"constants[{i}]"),
            parse_type(c.get("type"), f"constants[{i}].type"),
            str(c.get("value", "")),
        )
        for i, c in enumerate(_list(root, "constants", "idl"))
    )
    idl = Idl(
        address=_req(root, "address", str, "idl"),
        name=_req(meta, "name", str, "idl.metadata"),
        version=str(meta.get("version", "")),
        instructions=tuple(instructions),
        accounts=tuple(_named(a, f"accounts[{i}]") for i, a in enumerate(_list(root, "accounts", "idl"))),
        events=tuple(_named(e, f"events[{i}]") for i, e in enumerate(_list(root, "events", "idl"))),
        errors=errors,
        types=types,
        constants=constants,
        docs=_docs(root, "idl"),
    )
    idl._types_by_name.update({t.name: t for t in types})
    for entry in (*idl.accounts, *idl.events):
        idl.type_def(entry.name)
    return idl
