"""Every CSV, written column-wise at any size: compute's, the years' (long form) and check's (a row per rule)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chuangye_metrics.config.catalog import Catalog
from chuangye_metrics.core.progress import shown, stage
from chuangye_metrics.core.text import CSV_QUOTED_PATTERN, FORMULA_START_PATTERN, csv_line, defused
from chuangye_metrics.hierarchy import DERIVED
from chuangye_metrics.indicators.compute import UnitTable
from chuangye_metrics.outputs.columns import IDENTITY, arrow_strings, joined_text, json_numbers, own_rows
from chuangye_metrics.outputs.files import output_stream
from chuangye_metrics.outputs.revision_content import HEADERS, change_rows
from chuangye_metrics.reading.cache import TextSink
from chuangye_metrics.standards.assessment import CHECK_STATUSES, UNIT_STATUSES
from chuangye_metrics.standards.check import Judged
from chuangye_metrics.years.compare import CHUNK as YEARS_CHUNK
from chuangye_metrics.years.compare import YearsTable

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd
    import pyarrow as pa

    from chuangye_metrics.outputs.writers import Checked, Target
    from chuangye_metrics.pipeline import Returns, Revised
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


def write_check_csv(out: TextSink, judged: Judged, chunk: int = CHUNK) -> None:
    """One row per assessed unit and rule, in the table's order (a unit with no rule that applies gets one row
    without a rule, its reason in the last rule column).

    With a shortlist, each row also carries its unit's shortlist status, rank and margin. Written column-wise
    like compute's CSV: text cells that a spreadsheet would read as a formula get a leading ' (``csv_text``);
    floats as Python's repr writes them.
    """
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    listed = judged.shortlist is not None
    out.write(csv_line(CHECK_CSV_COLUMNS + (SHORTLIST_COLUMNS if listed else [])))
    assessments, frame = judged.assessments, judged.units.frame
    flat, rules = assessments.flat, assessments.rules
    # each column of the checks with one blank after them, which a row without a check takes
    blanks = {"value": np.nan, "gap": np.nan, "shortfall": np.nan, "status": 0, "threshold": np.nan}
    columns = {
        name: _padded(flat.column(rules, name), blanks.get(name))
        for name in ("value", "status", "gap", "shortfall", "reason")
    }
    columns |= {
        name: _padded(flat.attribute(rules, name), blanks.get(name))
        for name in ("indicator", "field", "op", "threshold", "shortfall_unit", "provisional")
    }
    standard = judged.standard
    shortlist = _shortlist_cells(judged) if listed else None
    for start in range(0, len(frame), chunk):
        stage("write", start, len(frame))
        stop = min(len(frame), start + chunk)
        positions = np.arange(start, stop)[assessments.status[start:stop] >= 0]
        if len(positions) == 0:
            continue
        counts = flat.starts[positions + 1] - flat.starts[positions]
        rows = np.maximum(counts, 1)
        unit_of_row = np.repeat(positions, rows)
        # the check of each row: the unit's first check plus the row's place among the unit's rows; -1: none
        first_row = np.cumsum(rows) - rows
        place = np.arange(len(unit_of_row)) - np.repeat(first_row, rows)
        check = np.where(np.repeat(counts, rows) > 0, np.repeat(flat.starts[positions], rows) + place, -1)
        has_check = check >= 0
        taken = np.where(has_check, check, len(flat.unit))
        picked = {name: values[taken] for name, values in columns.items()}
        mask = pa.array(~has_check)
        units = frame.iloc[unit_of_row]

        reason = np.where(has_check, picked["reason"], assessments.reason[unit_of_row])
        cells: list[Any] = [
            csv_text(pa.array([standard.id] * len(unit_of_row), type=pa.string())),
            "true" if standard.provisional else "false",
            csv_text(units["unit_code"].astype(str)),
            csv_text(units["unit_name"]) if "unit_name" in units else "",
            csv_text(units["level"]),
            json_numbers(units["year"].to_numpy(dtype="float64"), integral_only=True, blank=""),
            pc.if_else(pa.array(units[DERIVED].to_numpy(dtype=bool)), "true", "false"),
            pa.array(UNIT_STATUSES, type=pa.string()).take(pa.array(assessments.status[unit_of_row])),
            csv_text(pa.array(assessments.rule_set[unit_of_row], type=pa.string())),
            csv_text(pa.array(picked["indicator"], type=pa.string())),
            csv_text(pa.array(picked["field"], type=pa.string())),
            csv_text(pa.array(picked["op"], type=pa.string())),
            _floats(picked["threshold"].astype("float64")),
            _floats(picked["value"].astype("float64")),
            pc.if_else(
                mask, "", pa.array(CHECK_STATUSES, type=pa.string()).take(pa.array(picked["status"].astype(np.int64)))
            ),
            _floats(picked["gap"].astype("float64")),
            json_numbers(picked["shortfall"].astype("float64"), integral_only=True, blank=""),
            pc.fill_null(pa.array(picked["shortfall_unit"], type=pa.string()), ""),
            pc.if_else(mask, "", pc.if_else(pa.array(picked["provisional"] == True), "true", "false")),  # noqa: E712
            csv_text(pa.array(reason, type=pa.string())),
        ]
        if shortlist is not None:
            cells += [column.take(pa.array(unit_of_row)) for column in shortlist]
        out.write(joined_text(pc.binary_join_element_wise(*cells, ","), "\n") + "\n")


def _padded(values: np.ndarray, blank: Any) -> np.ndarray:
    """The values with one more after them: ``blank``."""
    import numpy as np

    kind = values.dtype if values.dtype != object and blank is not None else object
    return np.concatenate([values.astype(kind), np.array([blank], dtype=kind)])


def _shortlist_cells(judged: Judged) -> list[pa.Array]:
    """Each unit's shortlist status, rank and margin as CSV cells (blank for a unit not on the shortlist)."""
    import numpy as np
    import pyarrow as pa

    assert judged.shortlist is not None
    frame = judged.units.frame
    count = len(frame)
    status = np.full(count, "", dtype=object)
    rank = np.full(count, "", dtype=object)
    margin = np.full(count, "", dtype=object)
    years = frame["year"].to_numpy(dtype="float64")
    keys = {
        (code, None if year != year else int(year)): position
        for position, (code, year) in enumerate(
            zip(frame["unit_code"].astype(str).tolist(), years.tolist(), strict=True)
        )
    }
    for entry in judged.shortlist.entries:
        position = keys.get((entry.unit_code, entry.year))
        if position is None:
            continue
        status[position] = entry.status
        rank[position] = str(entry.rank) if entry.rank else ""
        margin[position] = "" if entry.margin is None else repr(entry.margin)
    return [pa.array(values, type=pa.string()) for values in (status, rank, margin)]


# --- the registry's entry points (outputs.writers) ----------------------------------------------------------


def write_compute(returns: Returns, target: Target) -> None:
    assert returns.units is not None
    # a byte-order mark in a file, for Excel
    with output_stream(target.output, target.language, bom=target.output is not None) as stream:
        write_compute_csv(stream, returns.units, target.catalog)


def write_years(returns: Returns, target: Target) -> None:
    with (
        output_stream(target.output, target.language, bom=target.output is not None) as stream,
        shown(not target.quiet, target.language),
    ):
        write_years_csv(stream, returns.years_table())


def write_check(checked: Checked, target: Target) -> None:
    judged = checked.outcome.judged
    assert judged is not None
    with output_stream(target.output, target.language, bom=target.output is not None) as stream:
        write_check_csv(stream, judged)


def write_diff(revised: Revised, target: Target) -> None:
    """diff's changes, one row each: the unit, what changed (count, text, indicator, status, rule), old, new, by."""
    assert revised.result is not None
    rows = change_rows(revised.result, target.catalog, target.language)
    with output_stream(target.output, target.language, bom=target.output is not None) as stream:
        stream.write(csv_line(HEADERS))
        for row in rows:
            cells = row.cells(target.catalog, target.language)
            stream.write(csv_line(_diff_cell(cell) for cell in cells))


def _diff_cell(cell: object) -> object:
    if isinstance(cell, bool):
        return "true" if cell else "false"
    if isinstance(cell, str):
        return defused(cell)
    if isinstance(cell, float):
        return repr(int(cell)) if cell.is_integer() else repr(cell)
    return cell
