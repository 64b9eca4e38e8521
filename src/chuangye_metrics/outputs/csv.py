"""Every CSV, written column-wise at any size: compute's, the years' (long form) and check's (a row per rule)."""

from __future__ import annotations

import io
from typing import TYPE_CHECKING, Any

from chuangye_metrics.config.catalog import Catalog
from chuangye_metrics.core.models import CheckResult
from chuangye_metrics.core.progress import stage
from chuangye_metrics.core.text import CSV_QUOTED_PATTERN, FORMULA_START_PATTERN, csv_line, defused
from chuangye_metrics.hierarchy import DERIVED
from chuangye_metrics.indicators.compute import UnitTable
from chuangye_metrics.outputs.columns import IDENTITY, arrow_strings, joined_text, json_numbers, own_rows
from chuangye_metrics.reading.cache import TextSink
from chuangye_metrics.years.compare import CHUNK as YEARS_CHUNK
from chuangye_metrics.years.compare import YearsTable

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd
    import pyarrow as pa

    from chuangye_metrics.reading.cache import TextSink


CHUNK = 20_000


def csv_header(catalog: Catalog) -> list[str]:
    """The columns of compute's CSV: identity, counts, then each indicator's value and its reason."""
    indicators = list(catalog.indicators)
    return [
        "unit_code",
        "unit_name",
        "level",
        "parent_code",
        "year",
        "derived",
        "row",
        *catalog.count_fields,
        *indicators,
        *(f"{indicator}_reason" for indicator in indicators),
    ]


def write_compute_csv(out: TextSink, units: UnitTable, catalog: Catalog, chunk: int = CHUNK) -> None:
    """One row per unit of the table, in its order, without a model per unit."""

    out.write(csv_line(csv_header(catalog)))
    frame = units.frame
    for start in range(0, len(frame), chunk):
        stage("write", start, len(frame))
        lines = csv_lines(frame.iloc[start : start + chunk], units, catalog)
        out.write(joined_text(lines, "\n") + "\n")


def csv_lines(frame: pd.DataFrame, units: UnitTable, catalog: Catalog) -> pa.Array:
    """The CSV line of each unit of the frame (a slice of the unit table), as an Arrow string array."""
    import pyarrow as pa
    import pyarrow.compute as pc

    derived = frame[DERIVED].to_numpy(dtype=bool)
    pieces: list[Any] = [csv_text(frame[name]) for name in IDENTITY]
    pieces += [
        json_numbers(frame["year"].to_numpy(dtype="float64"), integral_only=True, blank=""),
        pc.if_else(pa.array(derived), "true", "false"),
        json_numbers(own_rows(frame, derived), integral_only=True, blank=""),
    ]
    pieces += [json_numbers(frame[name].to_numpy("float64"), blank="") for name in catalog.count_fields]
    indicators = units.indicators_of(frame)
    pieces += [_floats(part["value"].to_numpy("float64")) for part in indicators.values()]
    pieces += [csv_text(part["reason"]) for part in indicators.values()]
    return pc.binary_join_element_wise(*pieces, ",")


def _floats(values: np.ndarray) -> pa.Array:
    """Floats as Python's repr writes them (which the csv module uses), blank for NaN.

    Arrow writes most values the same way; a value Python writes with an exponent (below 1e-4 or from 1e16 on)
    Arrow writes out in full, so those few are written by Python.
    """
    import numpy as np
    import pyarrow as pa

    text = json_numbers(values, floats=True, blank="")
    size = np.abs(values)
    exponent = ~np.isnan(values) & (((size < 1e-4) & (size > 0)) | (size >= 1e16))
    if not exponent.any():
        return text
    written = np.array(text.to_pylist(), dtype=object)
    written[exponent] = [repr(value) for value in values[exponent].tolist()]
    return pa.array(written, type=pa.string())


def csv_text(values: pd.Series | pa.Array) -> pa.Array:
    """CSV cells of text, column-wise, as ``text.defused`` and ``text.csv_line`` write each: a leading ' where a
    spreadsheet would read a formula; quoted, quotes doubled, where a comma, quote or line break needs it; blank
    for null."""
    import pyarrow as pa
    import pyarrow.compute as pc

    text = values if isinstance(values, pa.Array) else arrow_strings(values)
    text = pc.if_else(
        pc.match_substring_regex(text, FORMULA_START_PATTERN), pc.binary_join_element_wise("'", text, ""), text
    )
    quoted = pc.binary_join_element_wise('"', pc.replace_substring(text, '"', '""'), '"', "")
    return pc.fill_null(pc.if_else(pc.match_substring_regex(text, CSV_QUOTED_PATTERN), quoted, text), "")


def write_years_csv(out: TextSink, table: YearsTable, chunk: int = YEARS_CHUNK) -> None:
    """unit_code, unit_name, level, kind, id, year, value, change, growth: one row per unit, series and year.

    Written column-wise with Arrow, like the JSON: numbers unrounded, whole ones without a decimal point; text
    as compute's CSV writes it (``csv_text``: no cell a spreadsheet would read as a formula).
    """
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    out.write(",".join(YEARS_CSV_COLUMNS) + "\n")
    year_count = len(table.years)
    year_labels = pa.array([str(year) for year in table.years], type=pa.string())
    for start in range(0, len(table), chunk):
        stage("write", start, len(table))
        stop = min(len(table), start + chunk)
        identity = table.identity.iloc[start:stop]
        blocks = list(table.blocks(start, stop))
        units, series = stop - start, len(blocks)
        # rows run unit by unit, series by series, year by year
        unit_of_row = pa.array(np.repeat(np.arange(units), series * year_count))
        series_of_row = pa.array(np.tile(np.repeat(np.arange(series), year_count), units))
        year_of_row = pa.array(np.tile(np.arange(year_count), units * series))
        growth = np.stack(
            [block.growth.rate if block.growth is not None else np.full(units, np.nan) for block in blocks], axis=1
        )
        columns = [
            *(csv_text(identity[name]).take(unit_of_row) for name in ("unit_code", "unit_name", "level")),
            pa.array([block.kind for block in blocks], type=pa.string()).take(series_of_row),
            csv_text(pa.array([block.id for block in blocks], type=pa.string())).take(series_of_row),
            year_labels.take(year_of_row),
            _csv_numbers(np.stack([block.values for block in blocks], axis=1).reshape(-1)),
            _csv_numbers(np.stack([block.changes for block in blocks], axis=1).reshape(-1)),
            _csv_numbers(np.repeat(growth.reshape(-1), year_count)),
        ]
        if units * series * year_count:
            out.write(joined_text(pc.binary_join_element_wise(*columns, ","), "\n") + "\n")


YEARS_CSV_COLUMNS = ("unit_code", "unit_name", "level", "kind", "id", "year", "value", "change", "growth")


def _csv_numbers(values: np.ndarray) -> Any:
    """CSV cells of numbers: whole ones without a decimal point, others unrounded, blank for NaN."""
    import pyarrow.compute as pc

    text = json_numbers(values)
    return pc.if_else(pc.equal(text, "null"), "", text)


CHECK_CSV_COLUMNS = [
    "standard",
    "provisional_standard",
    "unit_code",
    "unit_name",
    "level",
    "year",
    "derived",
    "unit_status",
    "rule_set",
    "indicator",
    "field",
    "op",
    "threshold",
    "value",
    "status",
    "gap",
    "shortfall",
    "shortfall_unit",
    "provisional",
    "reason",
]


SHORTLIST_COLUMNS = ["shortlist_status", "shortlist_rank", "margin"]


def check_csv(result: CheckResult) -> str:
    """One row per unit and rule (a unit with no rules that apply gets one row without a rule).

    With a shortlist, each row also carries its unit's shortlist status, rank and margin. Text cells that a
    spreadsheet would read as a formula get a leading ' (``text.defused``).
    """
    buffer = io.StringIO()
    listed = {(e.unit_code, e.year): e for e in result.shortlist.entries} if result.shortlist else None
    buffer.write(csv_line(CHECK_CSV_COLUMNS + (SHORTLIST_COLUMNS if listed is not None else [])))
    for unit in result.units:
        assessment = unit.assessment
        if assessment is None:
            continue
        # every text cell defused (a leading ' before = + - @ tab CR: "==" too); numbers as they are
        head = [
            defused(result.standard.id),
            "true" if result.standard.provisional else "false",
            defused(unit.unit_code),
            defused(unit.unit_name or ""),
            defused(unit.level),
            "" if unit.year is None else unit.year,
            "true" if unit.derived else "false",
            assessment.status,
            defused(assessment.rule_set or ""),
        ]
        tail: list[object] = []
        if listed is not None:
            entry = listed.get((unit.unit_code, unit.year))
            tail = (
                ["", "", ""]
                if entry is None
                else [entry.status, entry.rank or "", "" if entry.margin is None else repr(entry.margin)]
            )
        if not assessment.checks:
            buffer.write(csv_line([*head, *[""] * 9, defused(assessment.reason or ""), *tail]))
        for check in assessment.checks:
            buffer.write(
                csv_line(
                    [
                        *head,
                        defused(check.indicator or ""),
                        defused(check.field or ""),
                        defused(check.op),
                        repr(check.threshold),
                        "" if check.value is None else repr(check.value),
                        check.status,
                        "" if check.gap is None else repr(check.gap),
                        "" if check.shortfall is None else check.shortfall,
                        check.shortfall_unit or "",
                        "true" if check.provisional else "false",
                        defused(check.reason or ""),
                        *tail,
                    ]
                )
            )
    return buffer.getvalue()
