"""What a reader found, cut to what one answer can carry.

The gateway's transcoder holds a whole unary answer in its buffer (about 1 MiB), so the
text and the cells each get a budget in UTF-8 bytes; rows past it are still counted.
"""

from __future__ import annotations

from dataclasses import dataclass, field

TEXT_BUDGET_BYTES = 256 * 1024
CELL_BUDGET_BYTES = 384 * 1024
# What a cell costs beyond its text in the JSON answer (quotes and a comma, roughly).
CELL_OVERHEAD_BYTES = 4
MAX_ROWS = 1000
MAX_CELLS_PER_ROW = 200


@dataclass
class Table:
    name: str
    rows: list[list[str]] = field(default_factory=list)
    row_count: int = 0


@dataclass
class Collected:
    text_parts: list[str] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    text_truncated: bool = False
    rows_truncated: bool = False
    _text_left: int = TEXT_BUDGET_BYTES
    _cells_left: int = CELL_BUDGET_BYTES
    _rows_left: int = MAX_ROWS

    @property
    def text(self) -> str:
        return "".join(self.text_parts)

    @property
    def text_full(self) -> bool:
        """No more text fits: a reader may stop looking for it."""
        return self.text_truncated

    def add_text(self, text: str) -> None:
        if self.text_truncated or not text:
            return
        encoded = text.encode("utf-8", "replace")
        if len(encoded) <= self._text_left:
            self.text_parts.append(text)
            self._text_left -= len(encoded)
            return
        self.text_parts.append(encoded[: self._text_left].decode("utf-8", "ignore"))
        self._text_left = 0
        self.text_truncated = True

    def table(self, name: str) -> Table:
        found = Table(name[:200])
        self.tables.append(found)
        return found

    def add_row(self, table: Table, cells: list[str]) -> None:
        """Counts the row, and keeps it while the budget lasts."""
        table.row_count += 1
        if self.rows_truncated:
            return
        if len(cells) > MAX_CELLS_PER_ROW:
            cells = cells[:MAX_CELLS_PER_ROW]
            self.rows_truncated = True
        cost = sum(len(c.encode("utf-8", "replace")) + CELL_OVERHEAD_BYTES for c in cells)
        if self._rows_left == 0 or cost > self._cells_left:
            self.rows_truncated = True
            return
        table.rows.append(cells)
        self._rows_left -= 1
        self._cells_left -= cost
