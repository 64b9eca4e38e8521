"""Where the header block, the data rows and the reporting year stand in the first rows of a sheet."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from itertools import pairwise

from chuangye_metrics.core.text import normalise_label

MAX_HEADER_ROWS = 3
_STEMS = set("甲乙丙丁戊己庚辛壬癸子丑寅卯")
_YEAR = re.compile(r"((?:19|20)\d{2})\s*年")

Head = list[list[str | None]]


@dataclass(frozen=True)
class HeaderCell:
    """The header of one column: the text that named it and the field it maps to."""

    index: int
    field: str
    text: str


@dataclass(frozen=True)
class Layout:
    """Rows are 0-based sheet rows (Excel row - 1); columns 0-based (A = 0)."""

    header_top: int
    header_bottom: int
    first_data_row: int
    columns: list[HeaderCell]
    unknown: list[tuple[int, str, str | None]]
    """Columns whose header names no field: (index, text, the field it repeats or None)."""
    title_year: int | None


def find_layout(head: Head, lookup: dict[str, str]) -> Layout | None:
    """The header block (1-3 rows) naming the most fields, the first data row after it, and the year."""
    best: tuple[tuple[int, int, int], int, int, list[HeaderCell]] | None = None
    for top in range(len(head)):
        if not any(head[top]):
            continue
        for size in range(1, MAX_HEADER_ROWS + 1):
            bottom = top + size - 1
            if bottom >= len(head):
                break
            cells = _name_columns(head, top, bottom, lookup)
            key = (len(cells), -size, -top)
            if best is None or key > best[0]:
                best = (key, top, bottom, cells)
    if best is None or best[0][0] == 0:
        return None
    _, top, bottom, cells = best
    first_data = bottom + 1
    used = {cell.index for cell in cells}
    # past the code row (甲 乙 丙 …) and rows with nothing under a mapped header (a sub-header of unmapped columns)
    while first_data < len(head) and (_is_code_row(head[first_data]) or not _has_mapped_cell(head[first_data], used)):
        first_data += 1
    unknown = []
    for index in range(max((len(row) for row in head[top : bottom + 1]), default=0)):
        text = _column_text(head, top, bottom, index)
        if index not in used and text:
            own = [
                head[row][index] for row in range(bottom, top - 1, -1) if index < len(head[row]) and head[row][index]
            ]
            repeated = next((lookup[key] for key in map(normalise_label, own) if key in lookup), None)
            unknown.append((index, text, repeated))
    return Layout(top, bottom, first_data, cells, unknown, _title_year(head[:top]))


def _name_columns(head: Head, top: int, bottom: int, lookup: dict[str, str]) -> list[HeaderCell]:
    """Map each column of the block to a field: its own lowest text first, then the group above joined to it."""
    width = max(len(row) for row in head[top : bottom + 1])
    filled = [_forward_filled(head[row], width) for row in range(top, bottom + 1)]
    cells: list[HeaderCell] = []
    taken: set[str] = set()
    for index in range(width):
        own = [head[row][index] for row in range(bottom, top - 1, -1) if index < len(head[row]) and head[row][index]]
        candidates = [(text, text) for text in own]
        groups = [str(row[index]) for row in filled if row[index]]
        if len(groups) > 1:
            candidates.append(("".join(groups), own[0] if own else groups[-1]))
        for text, shown in candidates:
            field = lookup.get(normalise_label(text))
            if field is not None and field not in taken:
                cells.append(HeaderCell(index=index, field=field, text=str(shown).strip()))
                taken.add(field)
                break
    return cells


def _forward_filled(row: list[str | None], width: int) -> list[str | None]:
    """Group labels of merged cells stand in their first column only: carry them right over blanks."""
    out: list[str | None] = []
    current: str | None = None
    for index in range(width):
        value = row[index] if index < len(row) else None
        if value:
            current = value
        out.append(current)
    return out


def _column_text(head: Head, top: int, bottom: int, index: int) -> str:
    return " ".join(
        str(head[row][index]) for row in range(top, bottom + 1) if index < len(head[row]) and head[row][index]
    )


def _has_mapped_cell(row: list[str | None], used: set[int]) -> bool:
    return any(row[index] for index in used if index < len(row))


def _is_code_row(row: list[str | None]) -> bool:
    """A row of column codes under the header: 甲 乙 丙 丁 1 2 3 …"""
    tokens = [normalise_label(cell) for cell in row if cell and normalise_label(cell)]
    if len(tokens) < 3:
        return False
    stems = [token for token in tokens if token in _STEMS]
    numbers = [int(float(token)) for token in tokens if _is_number(token)]
    if len(stems) + len(numbers) != len(tokens):
        return False
    return len(numbers) < 2 or all(b == a + 1 for a, b in pairwise(numbers))


def _is_number(token: str) -> bool:
    try:
        value = float(token)
    except ValueError:
        return False
    return value.is_integer() and 0 < value < 1000


def _title_year(rows: Head) -> int | None:
    for row in rows:
        for cell in row:
            if cell:
                match = _YEAR.search(unicodedata.normalize("NFKC", str(cell)))
                if match:
                    return int(match.group(1))
    return None
