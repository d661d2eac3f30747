"""Reading user-supplied text safely: UTF-8 files and JSON with a nesting limit.

Every failure is one exception whose message names the source (a file, a channel, a flag)
and the position (line, column, byte offset), never a bare ``UnicodeDecodeError`` or a
``RecursionError`` from deep inside a recursive walk. Stateless and thread-safe.
"""

from __future__ import annotations

import json
import os
import re
from typing import Any

from doover_fsm.errors import DooverFSMError

__all__ = ["MAX_JSON_DEPTH", "InputError", "decode_utf8", "json_too_deep", "load_json_file", "loads_json", "read_utf8"]

#: Deepest JSON nesting accepted. Real configs and channel payloads are < 20 levels deep;
#: the recursive walks behind them (merge-patch, validation, copies) are safe far beyond this.
MAX_JSON_DEPTH = 128

_TOKENS = re.compile(r'"(?:[^"\\]|\\.)*"?|[\[\]{}]', re.DOTALL)


class InputError(DooverFSMError, ValueError):
    """User-supplied text (a file, an argument) is not what it must be; names source and position."""


def _line_col(text: str, offset: int) -> tuple[int, int]:
    line = text.count("\n", 0, offset) + 1
    return line, offset - (text.rfind("\n", 0, offset) + 1) + 1


def decode_utf8(data: bytes, source: str, error: type[Exception] = InputError) -> str:
    """``data`` as UTF-8 text, or ``error`` naming ``source`` and the first bad byte's position."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        good = data[:exc.start].decode("utf-8")
        line, col = _line_col(good, len(good))
        raise error(f"{source}: not UTF-8 text: byte 0x{data[exc.start]:02x} at line {line}, column {col} "
                    f"(byte offset {exc.start}); save it as UTF-8") from exc


def read_utf8(path: str | os.PathLike[str], *, what: str = "file",
              error: type[Exception] = InputError) -> str:
    """The text of ``path``; ``error`` names ``what``, the file and, for bad bytes, the position."""
    source = f"{what} {os.fspath(path)!r}"
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError as exc:
        raise error(f"{source}: cannot read: {exc.strerror or exc}") from exc
    return decode_utf8(data, source, error)


def _check_encodable(text: str, source: str, error: type[Exception]) -> None:
    # Command-line arguments that were not UTF-8 arrive as lone surrogates (surrogateescape).
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        line, col = _line_col(text, exc.start)
        bad = ord(text[exc.start])
        byte = f"byte 0x{bad - 0xDC00:02x}" if 0xDC80 <= bad <= 0xDCFF else f"character U+{bad:04X}"
        raise error(f"{source}: not UTF-8 text: {byte} at line {line}, column {col}") from None


def json_too_deep(text: str, limit: int = MAX_JSON_DEPTH) -> int | None:
    """The offset of the first bracket nested deeper than ``limit`` (strings skipped), else None."""
    depth = 0
    for m in _TOKENS.finditer(text):
        c = m.group()
        if c in "[{":
            depth += 1
            if depth > limit:
                return m.start()
        elif c in "]}":
            depth -= 1
    return None


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON (use a number or null)")


def loads_json(text: str | bytes, *, source: str, max_depth: int = MAX_JSON_DEPTH,
               error: type[Exception] = InputError) -> Any:
    """Parse JSON from ``source`` (e.g. ``"config file 'x.json'"``): nesting at most ``max_depth``,
    no NaN/Infinity; ``error`` names the source, line and column of any problem."""
    if isinstance(text, bytes | bytearray):
        text = decode_utf8(bytes(text), source, error)
    else:
        _check_encodable(text, source, error)
    deep = json_too_deep(text, max_depth)
    if deep is not None:
        line, col = _line_col(text, deep)
        raise error(f"{source}, line {line} column {col}: JSON nested too deeply (more than {max_depth} levels)")
    try:
        return json.loads(text, parse_constant=_no_constant)
    except json.JSONDecodeError as exc:
        raise error(f"{source}, line {exc.lineno} column {exc.colno}: not valid JSON: {exc.msg}") from exc
    except ValueError as exc:  # NaN/Infinity
        raise error(f"{source}: {exc}") from exc
    except RecursionError as exc:  # pragma: no cover - the depth check comes first
        raise error(f"{source}: JSON nested too deeply") from exc


def load_json_file(path: str | os.PathLike[str], *, what: str = "JSON file", max_depth: int = MAX_JSON_DEPTH,
                   error: type[Exception] = InputError) -> Any:
    """Read and parse a JSON file; every error names ``what``, the file and the position."""
    text = read_utf8(path, what=what, error=error)
    return loads_json(text, source=f"{what} {os.fspath(path)!r}", max_depth=max_depth, error=error)
