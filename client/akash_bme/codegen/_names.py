"""Python names for IDL names: classes, modules, fields."""

from __future__ import annotations

import keyword
import re

from ..idl import IdlError

_RESERVED_CLASSES = frozenset(
    {"Any", "AccountMeta", "Callable", "ClassVar", "Generic", "Instruction", "IntEnum", "Iterable", "Pubkey",
     "Sequence", "TypeAlias", "TypeVar", "dataclass"}
)  # fmt: skip
# methods of the generated classes, and builtins used in annotations (a field named `bytes` would shadow it)
_RESERVED_ATTRS = frozenset(
    {"decode", "encode", "fetch", "DISCRIMINATOR", "SIZE", "bool", "bytes", "float", "int", "str", "tuple"}
)


def class_name(name: str) -> str:
    """`idl::some_module::NamedStruct` -> `IdlSomeModuleNamedStruct`."""
    parts = [p for p in re.split(r"[^0-9A-Za-z]+", name) if p]
    if not parts:
        raise IdlError(f"cannot name a Python class after {name!r}")
    result = "".join(p[0].upper() + p[1:] for p in parts)
    if result[0].isdigit():
        result = "T" + result
    return result + "Type" if result in _RESERVED_CLASSES else result


def snake(name: str) -> str:
    text = re.sub(r"[^0-9A-Za-z]+", "_", name)
    text = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", text)
    text = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1_\2", text)
    text = text.strip("_").lower()
    if not text or text[0].isdigit():
        text = "n_" + text
    return text + "_" if keyword.iskeyword(text) else text


def attr_name(name: str) -> str:
    """A field name usable as a dataclass attribute."""
    text = snake(name) if not name.isidentifier() else name
    if keyword.iskeyword(text) or text in _RESERVED_ATTRS:
        return text + "_"
    return text
