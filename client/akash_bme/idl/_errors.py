"""Program errors: the `Custom(n)` code from a transaction error or from the logs, mapped to a named class."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

_CUSTOM_HEX = re.compile(r"custom program error: 0x([0-9a-fA-F]+)")
_ANCHOR_LOG = re.compile(r"Error Code: (\w+)\. Error Number: (\d+)\.")
_CUSTOM_REPR = re.compile(r"Custom\((\d+)\)")


class ProgramError(Exception):
    """A program's custom error. Generated subclasses fix `code`, `name` and `msg` per IDL error."""

    code: int = -1
    name: str = "Custom"
    msg: str | None = None

    def __init__(
        self,
        logs: Sequence[str] = (),
        *,
        code: int | None = None,
        name: str | None = None,
        msg: str | None = None,
    ) -> None:
        if code is not None:
            self.code = code
        if name is not None:
            self.name = name
        if msg is not None:
            self.msg = msg
        self.logs = tuple(logs)
        super().__init__(f"{self.name} ({self.code})" + (f": {self.msg}" if self.msg else ""))


def error_code_from_logs(logs: Iterable[str]) -> int | None:
    """The last custom error code reported in the logs (Anchor `Error Code:` line or the runtime's hex)."""
    found: int | None = None
    for line in logs:
        if match := _ANCHOR_LOG.search(line):
            found = int(match.group(2))
        elif match := _CUSTOM_HEX.search(line):
            found = int(match.group(1), 16)
    return found


def error_code(err: Any, logs: Iterable[str] = ()) -> int | None:
    """The custom code of a transaction error (a solders error, RPC JSON
    `{"InstructionError": [i, {"Custom": n}]}` or its text), or failing those of the logs."""
    inner = getattr(err, "err", err)
    code = getattr(inner, "code", None)
    if isinstance(code, int):
        return code
    if isinstance(err, Mapping):
        detail = err.get("InstructionError")
        if isinstance(detail, Sequence) and len(detail) == 2 and isinstance(detail[1], Mapping):
            custom = detail[1].get("Custom")
            if isinstance(custom, int):
                return custom
    if err is not None and (match := _CUSTOM_REPR.search(str(err))):
        return int(match.group(1))
    return error_code_from_logs(logs)


def program_error(
    err: Any,
    logs: Sequence[str],
    errors: Mapping[int, type[ProgramError]],
) -> ProgramError | None:
    """The typed error of a failed transaction (plain `ProgramError` if unlisted, None if not custom)."""
    code = error_code(err, logs)
    if code is None:
        return None
    cls = errors.get(code)
    return cls(logs) if cls is not None else ProgramError(logs, code=code)
