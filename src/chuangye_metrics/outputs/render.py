"""Rendering of results and findings: rich tables for people, JSON and CSV for programs."""

from __future__ import annotations

import io
import sys
from collections.abc import Iterable, Sequence
from typing import TextIO

from rich.cells import cell_len
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from chuangye_metrics.config.catalog import Catalog, format_measure
from chuangye_metrics.core.findings import Finding
from chuangye_metrics.core.models import ComputeResult, IndicatorValue
from chuangye_metrics.core.text import printable
from chuangye_metrics.core.words import Language


def markup_safe(text: str) -> str:
    """Text for a rich table cell or line: control characters escaped (``text.printable``) and square brackets
    escaped, so that a name such as "[/x]" is shown as it is instead of being read as markup."""
    return escape(printable(text))


def format_indicator(indicator: IndicatorValue, language: Language = "zh") -> str:
    """30.64 -> "30.6%"; a ratio of 6.2 -> "1:6.2"; null -> "—"."""
    return format_measure(indicator.value, indicator.unit, language)


def level_label(level: str, catalog: Catalog, language: Language) -> str:
    definition = catalog.levels.get(level)
    if definition is None:
        return level
    return definition.name if language == "zh" else definition.name_en


def compute_table(result: ComputeResult, catalog: Catalog, language: Language = "zh") -> Table:
    zh = language == "zh"
    table = Table(title=markup_safe(source_title(result)), show_lines=False, header_style="bold")
    years = {unit.year for unit in result.units}
    table.add_column("单位代码" if zh else "Code", no_wrap=True)
    table.add_column("单位名称" if zh else "Name")
    table.add_column("层级" if zh else "Level", no_wrap=True)
    if len(years) > 1:
        table.add_column("年度" if zh else "Year", no_wrap=True)
    for indicator in catalog.indicators.values():
        table.add_column(markup_safe(indicator.name if zh else (indicator.name_en or indicator.id)), justify="right")
    for unit in result.units:
        name = markup_safe(unit.unit_name or ("（下级汇总）" if zh else "(sum of children)"))
        if unit.derived:
            name = f"[italic]{name}[/italic]"
        cells = [markup_safe(unit.unit_code), name, markup_safe(level_label(unit.level, catalog, language))]
        if len(years) > 1:
            cells.append("" if unit.year is None else str(unit.year))
        cells.extend(format_indicator(unit.indicators[i], language) for i in catalog.indicators)
        table.add_row(*cells)
    return table


def render_table(result: ComputeResult, catalog: Catalog, console: Console, language: Language = "zh") -> None:
    console.print(compute_table(result, catalog, language))
    if any(unit.derived for unit in result.units):
        note = (
            "斜体为文件中无本行、由直接下级汇总计数后计算的单位；园区不计入任何辖区汇总。"
            if language == "zh"
            else "Italic units have no row of their own: their counts sum their direct children. "
            "Parks are never summed."
        )
        console.print(note, style="dim")


def text_console() -> tuple[Console, io.StringIO]:
    """A console drawing into a buffer: coloured and terminal-wide for a terminal, plain and wide for a pipe."""
    terminal = sys.stdout.isatty()
    buffer = io.StringIO()
    # no emoji codes: a name such as ":smile:" is shown as it is
    console = Console(file=buffer, force_terminal=terminal, width=None if terminal else 240, emoji=False)
    if terminal:
        console.width = Console().width
    return console, buffer


PLAIN_ABOVE = 2_000  # units: a larger table is written as plain aligned columns, where rich would take minutes


def table_text(result: ComputeResult, catalog: Catalog, language: Language = "zh") -> str:
    """The table as text: coloured for a terminal, plain when piped or written to a file (at most PLAIN_ABOVE
    units: more are written by ``tableout``, column by column)."""
    console, buffer = text_console()
    render_table(result, catalog, console, language)
    return buffer.getvalue()


DERIVED_NOTE = {
    "zh": "标 * 的单位在文件中无本行，由直接下级汇总计数后计算；园区不计入任何辖区汇总。\n",
    "en": "Units marked * have no row of their own: their counts sum their direct children. Parks are never summed.\n",
}


def source_title(result: ComputeResult) -> str:
    """The title of compute's table: the file, and the sheet when there is one."""
    return f"{result.source.file}" + (f" · {result.source.sheet}" if result.source.sheet else "")


def plain_headers(catalog: Catalog, language: Language, several_years: bool) -> list[str]:
    """The headers of compute's plain table."""
    zh = language == "zh"
    headers = ["单位代码" if zh else "Code", "单位名称" if zh else "Name", "层级" if zh else "Level"]
    return (
        headers
        + (["年度" if zh else "Year"] if several_years else [])
        + [
            printable(indicator.name if zh else (indicator.name_en or indicator.id))
            for indicator in catalog.indicators.values()
        ]
    )


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


def findings_table(findings: Iterable[Finding], language: Language = "zh") -> Table:
    zh = language == "zh"
    table = Table(header_style="bold", show_lines=False)
    for label in (
        ("级别", "工作表", "行", "列", "字段", "值", "说明")
        if zh
        else ("Severity", "Sheet", "Row", "Column", "Field", "Value", "Message")
    ):
        table.add_column(label)
    for finding in findings:
        severity = ("错误" if zh else "error") if finding.severity == "error" else ("警告" if zh else "warning")
        style = "red" if finding.severity == "error" else "yellow"
        table.add_row(
            f"[{style}]{severity}[/{style}]",
            markup_safe(finding.sheet or ""),
            "" if finding.row is None else str(finding.row),
            markup_safe(finding.column or ""),
            markup_safe(finding.field or ""),
            markup_safe(finding.value or ""),
            markup_safe(finding.message),
        )
    return table
