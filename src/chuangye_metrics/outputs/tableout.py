"""compute's plain table (more than PLAIN_ABOVE units) written column by column, without a model per unit."""

from __future__ import annotations

from typing import TYPE_CHECKING, TextIO

from chuangye_metrics.config.catalog import Catalog, format_measure
from chuangye_metrics.core.models import Source
from chuangye_metrics.core.text import printable
from chuangye_metrics.core.words import Language
from chuangye_metrics.hierarchy import DERIVED
from chuangye_metrics.indicators.compute import UnitTable, model_numbers, text_or_none
from chuangye_metrics.outputs.render import DERIVED_NOTE, level_label, plain_headers, write_aligned

if TYPE_CHECKING:
    import numpy as np

SLICE = 20_000  # lines padded and written at a time


def write_plain_compute_table(
    out: TextIO, units: UnitTable, catalog: Catalog, source: Source, language: Language
) -> None:
    """compute's plain table (more than PLAIN_ABOVE units): a line per unit, written column by column."""
    frame = units.frame
    years = model_numbers(frame["year"].to_numpy(dtype="float64"))
    several = len(set(years)) > 1
    derived = frame[DERIVED].to_numpy(dtype=bool)
    labels = {level: level_label(level, catalog, language) for level in catalog.levels}
    unnamed = "（下级汇总）" if language == "zh" else "(sum of children)"
    names = [unnamed if name is None else name for name in map(text_or_none, frame["unit_name"].tolist())]
    columns: list[list[str]] = [
        [printable(str(code)) for code in frame["unit_code"].tolist()],
        [printable(name + " *" if marked else name) for name, marked in zip(names, derived.tolist(), strict=True)],
        [printable(labels.get(level, str(level))) for level in frame["level"].tolist()],
    ]
    if several:
        columns.append(["" if year is None else str(year) for year in years])
    for indicator_id, part in units.indicators_of(frame).items():
        unit = catalog.indicators[indicator_id].unit
        columns.append(measures(part["value"].to_numpy(dtype="float64"), unit, language))
    headers = plain_headers(catalog, language, several)
    title = f"{source.file}" + (f" · {source.sheet}" if source.sheet else "")
    out.write(printable(title) + "\n")
    write_aligned(out, headers, columns, right_from=4 if several else 3, batch=SLICE)
    if derived.any():
        out.write(DERIVED_NOTE[language])


def measures(values: np.ndarray, unit: str, language: Language) -> list[str]:
    """``catalog.format_measure`` of each value."""
    return [format_measure(value, unit, language) for value in values.tolist()]
