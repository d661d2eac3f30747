"""Line numbers for TOML keys, so board-config errors can name the file, key and line.

``tomllib`` returns plain dicts without positions. Board files are simple (tables, arrays of
tables, one key per line), so a light scan of the text is enough: it finds the n-th ``[[di]]``
header and the first ``key =`` line inside that block. Unknown positions fall back to the
table's header line (or 0 when even that is unknown). Thread-safe (immutable after build).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_AOT = re.compile(r"^\s*\[\[\s*([A-Za-z0-9_.\-\"]+)\s*\]\]")
_TABLE = re.compile(r"^\s*\[\s*([A-Za-z0-9_.\-\"]+)\s*\]")
_KEY = re.compile(r"^\s*([A-Za-z0-9_\-\"]+)\s*=")


@dataclass(frozen=True, slots=True)
class _Block:
    header: str
    index: int  # occurrence number for arrays of tables
    start: int  # 1-based header line
    end: int  # last line of the block


class SourcePositions:
    """Maps (table, occurrence, key) to a 1-based line number in one TOML text."""

    def __init__(self, text: str) -> None:
        self._lines = text.splitlines()
        self._blocks: list[_Block] = []
        counts: dict[str, int] = {}
        current: tuple[str, int, int] | None = ("", 0, 1)
        for no, raw in enumerate(self._lines, start=1):
            m = _AOT.match(raw)
            header = None
            if m:
                header = m.group(1).replace('"', "")
                idx = counts.get(header, 0)
                counts[header] = idx + 1
            else:
                m = _TABLE.match(raw)
                if m:
                    header, idx = m.group(1).replace('"', ""), 0
            if header is not None:
                if current is not None:
                    self._blocks.append(_Block(current[0], current[1], current[2], no - 1))
                current = (header, idx, no)
        if current is not None:
            self._blocks.append(_Block(current[0], current[1], current[2], len(self._lines)))

    def line_of(self, table: str, index: int = 0, key: str | None = None) -> int:
        """Line of ``key`` in the ``index``-th ``[table]``/``[[table]]`` block (or of its header)."""
        for b in self._blocks:
            if b.header == table and b.index == index:
                if key is not None:
                    for no in range(max(b.start, 1), b.end + 1):
                        m = _KEY.match(self._lines[no - 1])
                        if m and m.group(1).replace('"', "") == key:
                            return no
                    # inline form: ``key`` may sit on the header's parent line (e.g. ``di = [...]``)
                return b.start if table else self._find_key_anywhere(key)
        # the table may be written inline under a parent (``[modbus] rs485 = {...}``)
        return self._find_key_anywhere(key or table.rsplit(".", 1)[-1])

    def _find_key_anywhere(self, key: str | None) -> int:
        if key is None:
            return 0
        for no, raw in enumerate(self._lines, start=1):
            m = _KEY.match(raw)
            if m and m.group(1).replace('"', "") == key:
                return no
        return 0
