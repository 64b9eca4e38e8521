"""Tables that fit the width they are given: boxed, compact, or a block per row; plain and full without a width."""

from __future__ import annotations

import io
import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TextIO

from rich import box
from rich.cells import cell_len
from rich.console import Console, Group, RenderableType
from rich.markup import escape
from rich.measure import Measurement
from rich.table import Table
from rich.text import Text

from chuangye_metrics.core.text import printable

WRAP_FLOOR = 8
"""Columns of a wrapping cell (a name) at the narrowest: four Chinese characters a line."""
BLOCK_INDENT = 2


def terminal_width(stream: TextIO | None = None) -> int | None:
    """The width to lay tables out in: a terminal's own, else ``COLUMNS``; None (a plain full table) for a pipe
    or a file without ``COLUMNS``."""
    stream = stream or sys.stdout
    if stream.isatty():
        try:
            return max(os.get_terminal_size(stream.fileno()).columns, 20)
        except (OSError, ValueError):
            pass
    columns = os.environ.get("COLUMNS", "").strip()
    if columns.isdigit() and int(columns) > 0:
        return max(int(columns), 20)
    return None


@dataclass
class Column:
    """A column of cells for people. A whole column (a code, a number, a status) is never cut, a wrapping one (a
    name) folds onto more lines; ``short`` is its heading when space is short."""

    heading: str
    cells: list[str]
    styles: list[str | None] | None = None
    whole: bool = True
    right: bool = False
    short: str = ""
    lines: bool = False
    """Its cells are lines of the tool's own text, one under another (else a line break in a cell is data, shown
    escaped)."""
    joiner: str = "; "
    """What joins a lines cell's lines where they go on one line (a block, a plain table): the language's ；"""

    def heading_in(self, short: bool) -> str:
        return (self.short or self.heading) if short else self.heading

    def width(self, short: bool, folded: bool = True) -> int:
        """Its widest line; a wrapping column, when ``folded``, at most WRAP_FLOOR (it folds to fit)."""
        widest = max(
            (cell_len(line) for text in (self.heading_in(short), *self.cells) for line in text.split("\n")), default=0
        )
        return widest if self.whole or not folded else min(widest, WRAP_FLOOR)


@dataclass
class Grid:
    """A table of rows for people: the first ``keys`` columns name a row (a block's heading), the rest are its
    values; ``italic`` rows (units derived from their children) are set in italics on a terminal."""

    title: str
    columns: list[Column]
    keys: int
    italic: set[int] = field(default_factory=set)

    @property
    def rows(self) -> int:
        return len(self.columns[0].cells) if self.columns else 0


def needed(columns: Sequence[Column], compact: bool, folded: bool = True) -> int:
    """The terminal columns a rich table of these columns takes at the least (with its names folded, or not),
    drawn as ``draw_table`` draws it: boxed (edges, a rule and a space each side between columns) or compact (no
    edges, two spaces between)."""
    widths = sum(column.width(compact, folded) for column in columns)
    count = len(columns)
    return widths + 2 * count - 2 if compact else widths + 3 * count + 1


def fits(columns: Sequence[Column], width: int, compact: bool, folded: bool = True) -> bool:
    return needed(columns, compact, folded) <= width


def shown(column: Column, text: str) -> str:
    """A cell as it is shown: control characters escaped (``text.printable``), a line column's lines kept."""
    if column.lines:
        return "\n".join(printable(line) for line in text.split("\n"))
    return printable(text)


def _cell(text: str, style: str | None, italic: bool) -> str:
    cell = escape(text)
    if style:
        cell = f"[{style}]{cell}[/{style}]"
    return f"[italic]{cell}[/italic]" if italic else cell


def draw_table(grid: Grid, compact: bool) -> Table:
    """The grid as a rich table: boxed with full headings, or compact (no edges, short headings)."""
    table = Table(
        title=escape(printable(grid.title)),
        header_style="bold",
        box=box.SIMPLE_HEAD if compact else box.HEAVY_HEAD,
        show_edge=not compact,
        pad_edge=not compact,
        padding=(0, 0, 0, 1) if compact else (0, 1),
        highlight=False,
    )
    for column in grid.columns:
        table.add_column(
            escape(printable(column.heading_in(compact))),
            justify="right" if column.right else "left",
            no_wrap=column.whole,
            overflow="ellipsis" if column.whole else "fold",
        )
    for row in range(grid.rows):
        table.add_row(
            *(
                _cell(shown(column, column.cells[row]), _style(column, row), row in grid.italic)
                for column in grid.columns
            )
        )
    return table


def draw_blocks(grid: Grid, width: int) -> RenderableType:
    """A block per row, for a width no table fits: its key cells on one line, then "heading value" pairs, as many
    to a line as fit, none cut."""
    parts: list[RenderableType] = [Text(printable(grid.title), style="bold")]
    values = grid.columns[grid.keys :]
    for row in range(grid.rows):
        heading = Text(style="italic" if row in grid.italic else "")
        for position, column in enumerate(grid.columns[: grid.keys]):
            if column.cells[row]:
                heading.append(("  " if position else "") + printable(column.cells[row]), _style(column, row) or "")
        heading.stylize("bold")
        lines = [heading]
        line = Text(" " * BLOCK_INDENT)
        for column in values:
            cell = column.cells[row]
            if not cell:
                continue
            pair = Text(printable(column.heading) + " ")
            pair.append(shown(column, cell).replace("\n", column.joiner), _style(column, row) or "")
            if line.cell_len > BLOCK_INDENT and line.cell_len + 2 + pair.cell_len > width:
                lines.append(line)
                line = Text(" " * BLOCK_INDENT)
            if line.cell_len > BLOCK_INDENT:
                line.append("  ")
            line.append_text(pair)
        if line.cell_len > BLOCK_INDENT:
            lines.append(line)
        parts.extend(lines)
    return Group(*parts)


def _style(column: Column, row: int) -> str | None:
    return column.styles[row] if column.styles else None


def plain_text(grid: Grid) -> str:
    """The grid as plain aligned columns with full headings, for a pipe or a file at any width; the name of an
    italic row (a unit derived from its children) marked " *"."""
    rows = [
        [
            shown(column, column.cells[row]).replace("\n", column.joiner)
            + (" *" if row in grid.italic and position == 1 else "")
            for position, column in enumerate(grid.columns)
        ]
        for row in range(grid.rows)
    ]
    right_from = next((position for position, column in enumerate(grid.columns) if column.right), len(grid.columns))
    return printable(grid.title) + "\n" + aligned_columns([column.heading for column in grid.columns], rows, right_from)


def aligned_columns(headers: list[str], rows: list[list[str]], right_from: int) -> str:
    """``write_aligned`` of cells given row by row, as text; each cell's control characters and line breaks are
    shown escaped (``text.printable``), so that no cell splits its line or acts on the terminal."""
    headers = [printable(header) for header in headers]
    columns = [[printable(row[position]) for row in rows] for position in range(len(headers))]
    text = io.StringIO()
    write_aligned(text, headers, columns, right_from, batch=len(rows) or 1)
    return text.getvalue()


def write_aligned(
    out: TextIO, headers: Sequence[str], columns: Sequence[list[str]], right_from: int, batch: int
) -> None:
    """Columns padded to their widest cell (CJK characters count two), two spaces apart, the columns from
    ``right_from`` on aligned right; cells given column by column, written ``batch`` lines at a time."""

    measured: dict[str, int] = {}

    def width_of(cell: str) -> int:
        width = measured.get(cell)
        if width is None:
            width = measured[cell] = cell_len(cell)
        return width

    # printable ASCII is one column a character; anything else is measured (and remembered)
    lengths = [
        [len(cell) if cell.isascii() and cell.isprintable() else width_of(cell) for cell in cells] for cells in columns
    ]
    header_lengths = [cell_len(header) for header in headers]
    widths = [max(length, max(column, default=0)) for length, column in zip(header_lengths, lengths, strict=True)]
    right = [position >= right_from for position in range(len(headers))]
    head = [
        _padded_column([header], [length], width, on_right)[0]
        for header, length, width, on_right in zip(headers, header_lengths, widths, right, strict=True)
    ]
    out.write("  ".join(head).rstrip() + "\n" + "  ".join("-" * width for width in widths) + "\n")
    count = len(columns[0]) if columns else 0
    for start in range(0, count, batch):
        padded = [
            _padded_column(cells[start : start + batch], cell_lengths[start : start + batch], width, on_right)
            for cells, cell_lengths, width, on_right in zip(columns, lengths, widths, right, strict=True)
        ]
        out.write("".join("  ".join(cells).rstrip() + "\n" for cells in zip(*padded, strict=True)))


def _padded_column(cells: list[str], lengths: list[int], width: int, right: bool) -> list[str]:
    if right:
        return [" " * (width - length) + cell for cell, length in zip(cells, lengths, strict=True)]
    return [cell + " " * (width - length) for cell, length in zip(cells, lengths, strict=True)]


def laid_out(grid: Grid, width: int) -> RenderableType:
    """The grid boxed if it fits ``width``, else compact, else a block per row."""
    if fits(grid.columns, width, compact=False):
        return draw_table(grid, compact=False)
    if fits(grid.columns, width, compact=True):
        return draw_table(grid, compact=True)
    return draw_blocks(grid, width)


def fitted(tables: Sequence[Table], width: int) -> list[Table]:
    """Tables of a few columns (a summary, a shortlist) as they are, or compact (no edges) when they are wider
    than ``width``: their headings wrap, their cells are not cut."""
    measuring = Console(width=10_000, file=io.StringIO())
    for table in tables:
        if Measurement.get(measuring, measuring.options, table).maximum > width:
            table.box, table.show_edge, table.pad_edge = box.SIMPLE_HEAD, False, False
            table.padding = (0, 0, 0, 1)
            for column in table.columns:
                column.overflow = "fold"
    return list(tables)


def console_for(width: int, stream: TextIO, terminal: bool) -> Console:
    """A console drawing for people at ``width``: coloured on a terminal, no automatic highlighting of digits."""
    # a height too: with a width alone, rich takes 80 columns on a terminal whose TERM is dumb
    return Console(
        file=stream, width=width, height=50, force_terminal=terminal, highlight=False, emoji=False, soft_wrap=False
    )
