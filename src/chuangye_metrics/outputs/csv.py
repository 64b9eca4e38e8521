"""Every CSV, written column-wise at any size: compute's, the years' (long form) and check's (a row per rule)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from chuangye_metrics.config.catalog import Catalog
from chuangye_metrics.core.models import Score
from chuangye_metrics.core.progress import shown, stage
from chuangye_metrics.core.text import CSV_QUOTED_PATTERN, FORMULA_START_PATTERN, csv_line, defused
from chuangye_metrics.hierarchy import DERIVED
from chuangye_metrics.indicators.compute import UnitTable
from chuangye_metrics.outputs.columns import IDENTITY, arrow_strings, joined_text, json_numbers, own_rows
from chuangye_metrics.outputs.files import output_stream
from chuangye_metrics.outputs.revision_content import HEADERS, change_rows
from chuangye_metrics.reading.cache import TextSink
from chuangye_metrics.standards.assessment import Assessments, FlatChecks, RuleColumn
from chuangye_metrics.standards.check import Judged
from chuangye_metrics.standards.measures import CHECK_STATUSES, UNIT_STATUSES, objects
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
    "kind",
    # what a row is about: a rule's indicator or field, or a scored item's id
    "indicator",
    "field",
    "item",
    "op",
    "threshold",
    "value",
    "status",
    "gap",
    "shortfall",
    "shortfall_unit",
    "provisional",
    "reason",
    # a rule row: a veto rule of a scored evaluation, and a rule over several years
    "veto",
    "window",
    "window_years",
    "failing_year",
    "missing_years",
    # an item row: its points and full marks; the score row: the unit's total, grade and next grade up
    "points",
    "max_points",
    "known_points",
    "grade",
    "grade_passes",
    "subsidy",
    "exit",
    "vetoed",
    "veto_rules",
    "next_grade",
    "points_needed",
    "next_item",
    "addition",
    "addition_unit",
    "value_after",
]
"""check's CSV: each row is one rule (kind ``rule``), one scored item (``item``) or a unit's score (``score``),
or a unit's own reason (kind blank)."""

SCORE_CSV_COLUMNS = ["item", *CHECK_CSV_COLUMNS[CHECK_CSV_COLUMNS.index("points") :]]
"""The columns only item and score rows fill."""
ROW_KINDS = ("", "rule", "item", "score")
LIST_SEPARATOR = ";"
"""Between the years of ``missing_years`` and the rules of ``veto_rules``."""

SHORTLIST_COLUMNS = ["shortlist_status", "shortlist_rank", "margin"]


def write_check_csv(out: TextSink, judged: Judged, chunk: int = CHUNK) -> None:
    """One row per assessed unit and rule, then for a scored unit one row per item and one for its score, in the
    table's order. A unit with a reason of its own (a blank condition), or with neither rules nor score, first
    gets one row without a rule (kind blank), its reason in ``reason``.

    With a shortlist, each row also carries its unit's shortlist status, rank and margin. Written column-wise
    like compute's CSV: text cells that a spreadsheet would read as a formula get a leading ' (``csv_text``);
    floats as Python's repr writes them. The rows of a scored unit's items and score come from its model.
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
        for name in ("indicator", "field", "op", "threshold", "shortfall_unit", "provisional", "veto")
    }
    columns |= {name: _padded(values, None) for name, values in _window_cells(flat, rules).items()}
    # rows of a scored unit after its rules: one per item, then its score
    scored_rows = np.zeros(len(frame), dtype=np.int64)
    for scored in assessments.scores:
        scored_rows[scored.rows] = len(scored.items) + 1
    standard = judged.standard
    shortlist = _shortlist_cells(judged) if listed else None
    for start in range(0, len(frame), chunk):
        stage("write", start, len(frame))
        stop = min(len(frame), start + chunk)
        positions = np.arange(start, stop)[assessments.status[start:stop] >= 0]
        if len(positions) == 0:
            continue
        counts = flat.starts[positions + 1] - flat.starts[positions]
        extra = scored_rows[positions]
        # a unit with a reason of its own, or with nothing else to show, first gets a row for it
        own = (assessments.reason[positions] != None) | (counts + extra == 0)  # noqa: E711
        rows = own + counts + extra
        unit_of_row = np.repeat(positions, rows)
        # each row's place among its unit's rules, items and score: the unit's first row less its own row, if any
        first_row = np.cumsum(rows) - rows
        place = np.arange(len(unit_of_row)) - np.repeat(first_row + own, rows)
        checks_of_row = np.repeat(counts, rows)
        has_check = (place >= 0) & (place < checks_of_row)
        check = np.where(has_check, np.repeat(flat.starts[positions], rows) + place, -1)
        extra_of_row = np.repeat(extra, rows)
        kind = np.select([place < 0, has_check, place - checks_of_row < extra_of_row - 1], [0, 1, 2], default=3)
        taken = np.where(has_check, check, len(flat.unit))
        picked = {name: values[taken] for name, values in columns.items()}
        mask = pa.array(~has_check)
        units = frame.iloc[unit_of_row]

        def flag(values: np.ndarray, mask: pa.Array = mask) -> pa.Array:
            return pc.if_else(mask, "", pc.if_else(pa.array(values == True), "true", "false"))  # noqa: E712

        reason = np.where(has_check, picked["reason"], assessments.reason[unit_of_row])
        cells: dict[str, Any] = {
            "standard": csv_text(pa.array([standard.id] * len(unit_of_row), type=pa.string())),
            "provisional_standard": "true" if standard.provisional else "false",
            "unit_code": csv_text(units["unit_code"].astype(str)),
            "unit_name": csv_text(units["unit_name"]) if "unit_name" in units else "",
            "level": csv_text(units["level"]),
            "year": json_numbers(units["year"].to_numpy(dtype="float64"), integral_only=True, blank=""),
            "derived": pc.if_else(pa.array(units[DERIVED].to_numpy(dtype=bool)), "true", "false"),
            "unit_status": pa.array(UNIT_STATUSES, type=pa.string()).take(pa.array(assessments.status[unit_of_row])),
            "rule_set": csv_text(pa.array(assessments.rule_set[unit_of_row], type=pa.string())),
            "kind": pa.array(ROW_KINDS, type=pa.string()).take(pa.array(kind)),
            "indicator": csv_text(pa.array(picked["indicator"], type=pa.string())),
            "field": csv_text(pa.array(picked["field"], type=pa.string())),
            "op": csv_text(pa.array(picked["op"], type=pa.string())),
            "threshold": _floats(picked["threshold"].astype("float64")),
            "value": _floats(picked["value"].astype("float64")),
            "status": pc.if_else(
                mask, "", pa.array(CHECK_STATUSES, type=pa.string()).take(pa.array(picked["status"].astype(np.int64)))
            ),
            "gap": _floats(picked["gap"].astype("float64")),
            "shortfall": json_numbers(picked["shortfall"].astype("float64"), integral_only=True, blank=""),
            "shortfall_unit": pc.fill_null(pa.array(picked["shortfall_unit"], type=pa.string()), ""),
            "provisional": flag(picked["provisional"]),
            "reason": csv_text(pa.array(reason, type=pa.string())),
            "veto": flag(picked["veto"]),
            **{
                name: pc.fill_null(pa.array(picked[name], type=pa.string()), "")
                for name in ("window", "window_years", "failing_year", "missing_years")
            },
            **dict.fromkeys(SCORE_CSV_COLUMNS, ""),
        }
        scoring = np.flatnonzero(kind >= 2)
        if len(scoring):
            _score_cells(cells, assessments, unit_of_row[scoring], (place - checks_of_row)[scoring], scoring)
        ordered = [cells[name] for name in CHECK_CSV_COLUMNS]
        if shortlist is not None:
            ordered += [column.take(pa.array(unit_of_row)) for column in shortlist]
        out.write(joined_text(pc.binary_join_element_wise(*ordered, ","), "\n") + "\n")


def _padded(values: np.ndarray, blank: Any) -> np.ndarray:
    """The values with one more after them: ``blank``."""
    import numpy as np

    kind = values.dtype if values.dtype != object and blank is not None else object
    return np.concatenate([values.astype(kind), np.array([blank], dtype=kind)])


def _window_cells(flat: FlatChecks, rules: Sequence[RuleColumn]) -> dict[str, np.ndarray]:
    """Each check's window as CSV cells (None for a rule of one year): its kind, how many years, the earliest
    failing year and the years without a row."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    kind = [rule.window.kind if rule.window is not None else None for rule in rules]
    years = [str(rule.window.years) if rule.window is not None else None for rule in rules]
    failing: list[np.ndarray] = []
    missing: list[np.ndarray] = []
    for rule in rules:
        count = len(rule.rows)
        if rule.window is None or rule.failing_year is None or rule.calendar is None or rule.absent is None:
            failing.append(np.full(count, None, dtype=object))
            missing.append(np.full(count, None, dtype=object))
            continue
        failing.append(np.where(rule.failing_year > 0, rule.failing_year.astype(str), np.full(count, None, object)))
        # each year without a row with a separator after it, then the last separator taken off
        named = [
            pc.if_else(
                pa.array(rule.absent[:, back]),
                pc.binary_join_element_wise(pa.array(rule.calendar[:, back].astype(str)), LIST_SEPARATOR, ""),
                "",
            )
            for back in range(rule.window.years)
        ]
        joined = pc.binary_join_element_wise(*named, "") if count else pa.array([], pa.string())
        trimmed = pc.utf8_rtrim(joined, characters=LIST_SEPARATOR)
        missing.append(np.array(trimmed.to_pylist(), dtype=object))
    positions = flat.positions(rules) if rules else np.zeros(0, dtype=np.int64)
    every = {"failing_year": failing, "missing_years": missing}
    cells = {
        name: np.concatenate(parts)[positions] if parts else np.zeros(0, dtype=object) for name, parts in every.items()
    }
    return {
        "window": objects(kind)[flat.rule] if rules else np.zeros(0, dtype=object),
        "window_years": objects(years)[flat.rule] if rules else np.zeros(0, dtype=object),
        **cells,
    }


def _score_cells(
    cells: dict[str, Any], assessments: Assessments, units: np.ndarray, places: np.ndarray, rows: np.ndarray
) -> None:
    """The cells of the item and score rows (``rows`` of the chunk; ``units`` their units' positions, ``places``
    their places after the units' rules), from each scored unit's model, written over the rule rows' blanks."""
    import numpy as np
    import pyarrow as pa

    names = ["value", "provisional", "reason", *SCORE_CSV_COLUMNS]
    texts: dict[str, list[str]] = {name: [] for name in names}
    scores: dict[int, Score] = {}
    for position, place in zip(units.tolist(), places.tolist(), strict=True):
        if position not in scores:
            model = assessments.score(position)
            assert model is not None
            scores[position] = model
        score = scores[position]
        row = dict.fromkeys(names, "")
        if place < len(score.items):
            item = score.items[place]
            row |= {
                "value": _number(item.value),
                "provisional": _flag(item.provisional),
                "reason": item.reason or "",
                "item": item.item,
                "points": _number(item.points),
                "max_points": repr(item.max_points),
            }
        else:
            step = score.next_grade
            row |= {
                "reason": score.reason or "",
                "points": _number(score.total),
                "max_points": repr(score.max_total),
                "known_points": repr(score.known),
                "grade": score.grade or "",
                "grade_passes": _flag(score.passes),
                "subsidy": _number(score.subsidy),
                "exit": _flag(score.exit),
                "vetoed": _flag(score.vetoed),
                "veto_rules": LIST_SEPARATOR.join(score.veto_rules),
            }
            if step is not None:
                row |= {
                    "next_grade": step.grade,
                    "points_needed": repr(step.points_needed),
                    "next_item": step.item or "",
                    "addition": _number(step.addition),
                    "addition_unit": step.addition_unit or "",
                    "value_after": _number(step.value_after),
                }
        for name in names:
            texts[name].append(row[name])
    text_columns = {"reason", "item", "grade", "veto_rules", "next_grade", "next_item"}
    count = len(cells["standard"])
    for name in names:
        written = pa.array(texts[name], type=pa.string())
        if name in text_columns:
            written = csv_text(written)
        current = cells[name]
        merged = (
            np.full(count, current, dtype=object)
            if isinstance(current, str)
            else np.array(current.to_pylist(), dtype=object)
        )
        merged[rows] = written.to_pylist()
        cells[name] = pa.array(merged, type=pa.string())


def _number(value: float | None) -> str:
    return "" if value is None else repr(value)


def _flag(value: bool | None) -> str:
    return "" if value is None else "true" if value else "false"


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
