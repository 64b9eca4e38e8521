"""compute's plain table (more than PLAIN_ABOVE units) written column by column, without a model per unit."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, TextIO

from chuangye_metrics.catalog import Catalog, format_measure
from chuangye_metrics.compute import UnitTable, model_numbers, text_or_none
from chuangye_metrics.findings import Language
from chuangye_metrics.hierarchy import DERIVED
from chuangye_metrics.models import Source
from chuangye_metrics.render import DERIVED_NOTE, ONE_LINE, level_label, plain_headers

if TYPE_CHECKING:
    import numpy as np

SLICE = 20_000  # lines padded and written at a time


def write_plain_compute_table(
    out: TextIO, units: UnitTable, catalog: Catalog, source: Source, language: Language
) -> None:
    """The text of ``render.plain_compute_table`` for the units of the table, cell by column."""
    frame = units.frame
    years = model_numbers(frame["year"].to_numpy(dtype="float64"))
    several = len(set(years)) > 1
    derived = frame[DERIVED].to_numpy(dtype=bool)
    labels = {level: level_label(level, catalog, language) for level in catalog.levels}
    unnamed = "（下级汇总）" if language == "zh" else "(sum of children)"
    names = [unnamed if name is None else name for name in map(text_or_none, frame["unit_name"].tolist())]
    columns: list[list[str]] = [
        [str(code).translate(ONE_LINE) for code in frame["unit_code"].tolist()],
        [
            (name + " *" if marked else name).translate(ONE_LINE)
            for name, marked in zip(names, derived.tolist(), strict=True)
        ],
        [labels.get(level, str(level)).translate(ONE_LINE) for level in frame["level"].tolist()],
    ]
    if several:
        columns.append(["" if year is None else str(year) for year in years])
    for indicator_id, part in units.indicators_of(frame).items():
        unit = catalog.indicators[indicator_id].unit
        columns.append(measures(part["value"].to_numpy(dtype="float64"), unit, language))
    headers = plain_headers(catalog, language, several)
    title = f"{source.file}" + (f" · {source.sheet}" if source.sheet else "")
    out.write(title + "\n")
    write_aligned(out, headers, columns, right_from=4 if several else 3, rows=SLICE)
    if derived.any():
        out.write(DERIVED_NOTE[language])


def measures(values: np.ndarray, unit: str, language: Language) -> list[str]:
    """``catalog.format_measure`` of each value."""
    return [format_measure(value, unit, language) for value in values.tolist()]


def write_aligned(
    out: TextIO, headers: Sequence[str], columns: Sequence[list[str]], right_from: int, rows: int
) -> None:
    """``render.aligned_columns`` of the same cells, given column by column; written ``rows`` lines at a time."""
    from rich.cells import cell_len

    measured: dict[str, int] = {}

    def width_of(cell: str) -> int:
        width = measured.get(cell)
        if width is None:
            width = measured[cell] = cell_len(cell)
        return width

    lengths = [[len(cell) if cell.isascii() else width_of(cell) for cell in cells] for cells in columns]
    header_lengths = [cell_len(header) for header in headers]
    widths = [max(length, max(column, default=0)) for length, column in zip(header_lengths, lengths, strict=True)]
    right = [position >= right_from for position in range(len(headers))]
    head = [
        _padded_column([header], [length], width, on_right)[0]
        for header, length, width, on_right in zip(headers, header_lengths, widths, right, strict=True)
    ]
    out.write("  ".join(head).rstrip() + "\n" + "  ".join("-" * width for width in widths) + "\n")
    count = len(columns[0]) if columns else 0
    for start in range(0, count, rows):
        padded = [
            _padded_column(cells[start : start + rows], cell_lengths[start : start + rows], width, on_right)
            for cells, cell_lengths, width, on_right in zip(columns, lengths, widths, right, strict=True)
        ]
        out.write("".join("  ".join(cells).rstrip() + "\n" for cells in zip(*padded, strict=True)))


def _padded_column(cells: list[str], lengths: list[int], width: int, right: bool) -> list[str]:
    if right:
        return [" " * (width - length) + cell for cell, length in zip(cells, lengths, strict=True)]
    return [cell + " " * (width - length) for cell, length in zip(cells, lengths, strict=True)]
