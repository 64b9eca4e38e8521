"""Oracles: the outputs written the slow, obvious way from the published models, to test the writers against."""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from typing import Any

from chuangye_metrics.config.catalog import Catalog
from chuangye_metrics.core import words
from chuangye_metrics.core.errors import InputError
from chuangye_metrics.core.findings import Finding
from chuangye_metrics.core.models import ComputeResult, YearsResult
from chuangye_metrics.core.text import csv_line, defused, printable
from chuangye_metrics.core.words import Language
from chuangye_metrics.hierarchy import DERIVED
from chuangye_metrics.indicators.compute import errors_by_row, single_year, source_of, unit_results
from chuangye_metrics.outputs.csv import csv_header
from chuangye_metrics.outputs.layout import aligned_columns
from chuangye_metrics.outputs.table import (
    format_indicator,
    plain_headers,
    source_title,
)
from chuangye_metrics.validation.validate import Validated
from chuangye_metrics.years.compare import YearsTable


def plain_compute_table(result: ComputeResult, catalog: Catalog, language: Language = "zh") -> str:
    """The compute table as plain text columns, a line per unit: fast at any size. Derived units are marked *."""
    zh = language == "zh"
    years = {unit.year for unit in result.units}
    several = len(years) > 1
    headers = plain_headers(catalog, language, several)
    labels = {level: catalog.level_label(level, language) for level in catalog.levels}
    unnamed = "（下级汇总）" if zh else "(sum of children)"
    rows = []
    for unit in result.units:
        name = (unit.unit_name or unnamed) + (" *" if unit.derived else "")
        cells = [unit.unit_code, name, labels.get(unit.level, unit.level)]
        if several:
            cells.append("" if unit.year is None else str(unit.year))
        cells.extend(format_indicator(unit.indicators[i], language) for i in catalog.indicators)
        rows.append(cells)
    text = printable(source_title(result)) + "\n" + aligned_columns(headers, rows, right_from=4 if several else 3)
    if any(unit.derived for unit in result.units):
        text += words.text("table.plain-derived-note", language) + "\n"
    return text


def render_csv(result: ComputeResult, catalog: Catalog) -> str:
    """One row per unit: identity, counts, then each indicator's unrounded value and its reason. Text cells that
    a spreadsheet would read as a formula get a leading ' (``text.defused``)."""
    buffer = io.StringIO()
    counts = catalog.count_fields
    indicators = list(catalog.indicators)
    buffer.write(csv_line(csv_header(catalog)))
    for unit in result.units:
        buffer.write(
            csv_line(
                [
                    defused(unit.unit_code),
                    defused(unit.unit_name or ""),
                    defused(unit.level),
                    defused(unit.parent_code or ""),
                    "" if unit.year is None else unit.year,
                    "true" if unit.derived else "false",
                    "" if unit.row is None else unit.row,
                    *("" if unit.fields[name] is None else unit.fields[name] for name in counts),
                    *(_plain(unit.indicators[i].value) for i in indicators),
                    *(defused(unit.indicators[i].reason or "") for i in indicators),
                ]
            )
        )
    return buffer.getvalue()


def _plain(value: float | None) -> str:
    return "" if value is None else repr(value)


def compare_years(results: Sequence[ComputeResult], catalog: Catalog, language: Language = "zh") -> YearsResult:
    """Every unit of the results side by side by year: values, changes on the year before and count growth.

    Each result covers one year or several; units are matched by unit_code. A unit and year found in two
    results, or a unit without a year, is an error. Indicators are worked out from each year's counts, as
    compute does, so a parent's come from its summed counts.
    """
    import pandas as pd

    seen: dict[tuple[str, int], str] = {}
    rows: list[dict[str, Any]] = []
    for result in results:
        for unit in result.units:
            if unit.year is None:
                raise InputError(
                    f"{result.sources[0].file}: unit {unit.unit_code} has no year; years cannot be compared"
                )
            key = (unit.unit_code, unit.year)
            if key in seen:
                raise InputError(
                    f"unit {unit.unit_code} of {unit.year} is in both {seen[key]} and {result.sources[0].file}"
                )
            seen[key] = result.sources[0].file
            rows.append(
                {
                    "unit_code": unit.unit_code,
                    "unit_name": unit.unit_name,
                    "level": unit.level,
                    "parent_code": unit.parent_code,
                    "year": float(unit.year),
                    DERIVED: unit.derived,
                    **{name: unit.fields.get(name) for name in catalog.count_fields},
                }
            )
    columns = ["unit_code", "unit_name", "level", "parent_code", "year", DERIVED, *catalog.count_fields]
    frame = pd.DataFrame(rows, columns=columns)
    for name in catalog.count_fields:
        frame[name] = pd.to_numeric(frame[name], errors="coerce").astype("float64")
    table = YearsTable.from_units(frame, catalog, language)
    return table.result([result.sources[0] for result in results], _tagged_findings(results))


def _tagged_findings(results: Sequence[ComputeResult]) -> list[Finding]:
    if len(results) == 1:
        return list(results[0].findings)
    return [
        finding if finding.file is not None else finding.model_copy(update={"file": result.sources[0].file})
        for result in results
        for finding in result.findings
    ]


def compute(
    validated: Validated,
    catalog: Catalog,
    *,
    language: Language = "zh",
    levels: Iterable[str] | None = None,
    file_label: str | None = None,
) -> ComputeResult:
    """compute's result of one validated return, built straight from it (the commands go through
    ``pipeline.read``)."""
    table = validated.unit_table(catalog, language=language, levels=levels)
    return ComputeResult(
        sources=[source_of(validated.table, file_label, year=single_year(validated.frame))],
        units=unit_results(table, catalog, errors_by_row(validated.findings)),
        findings=[finding.localised(language) for finding in validated.findings],
    )
