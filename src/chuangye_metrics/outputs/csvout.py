"""compute's CSV written column by column with Arrow, in slices: one row per unit, at any size; and
the column-wise writing of CSV text cells that the years' CSV shares."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chuangye_metrics.config.catalog import Catalog
from chuangye_metrics.core.progress import stage
from chuangye_metrics.core.text import CSV_QUOTED_PATTERN, FORMULA_START_PATTERN, csv_line
from chuangye_metrics.hierarchy import DERIVED
from chuangye_metrics.indicators.compute import UnitTable
from chuangye_metrics.outputs.jsonout import IDENTITY, arrow_strings, joined_text, json_numbers, own_rows

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
