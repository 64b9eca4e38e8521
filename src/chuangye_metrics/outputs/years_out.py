"""The years compared, written column-wise: YearsResult's JSON one unit a line, and the long CSV."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from pydantic import TypeAdapter

from chuangye_metrics.core.findings import Finding
from chuangye_metrics.core.models import Source
from chuangye_metrics.core.progress import stage
from chuangye_metrics.outputs.csvout import csv_text
from chuangye_metrics.outputs.jsonout import identity_pieces, joined_text, json_numbers
from chuangye_metrics.reading.cache import TextSink
from chuangye_metrics.years.compare import CHUNK, GROWTH_REASONS, YearsTable, growth_reason

if TYPE_CHECKING:
    import numpy as np


def write_years_json(
    out: TextSink, table: YearsTable, sources: Sequence[Source], findings: Sequence[Finding], chunk: int = CHUNK
) -> None:
    """The document YearsResult describes, one unit per line, without a model per unit."""

    listed = TypeAdapter(list[Source]).dump_json(list(sources)).decode("utf-8")
    out.write('{\n"sources": ' + listed + ',\n"years": ' + json.dumps(table.years) + ',\n"units": [')
    first = True
    for start in range(0, len(table), chunk):
        stage("write", start, len(table))
        lines = years_unit_lines(table, start, min(len(table), start + chunk))
        out.write(("\n" if first else ",\n") + joined_text(lines, ",\n"))
        first = False
    found = TypeAdapter(list[Finding]).dump_json(list(findings)).decode("utf-8")
    out.write(("\n" if not first else "") + '],\n"findings": ' + found + "\n}\n")


def years_unit_lines(table: YearsTable, start: int, stop: int) -> Any:
    """One compact JSON object per unit, as an Arrow string array."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    identity = table.identity.iloc[start:stop]
    present = table.present[start:stop]
    patterns, inverse = np.unique(present, axis=0, return_inverse=True)
    inverse = inverse.reshape(-1)
    shown = [[year for year, here in zip(table.years, row, strict=True) if here] for row in patterns.tolist()]
    absent = [[year for year, here in zip(table.years, row, strict=True) if not here] for row in patterns.tolist()]
    pieces: list[Any] = [
        *identity_pieces(identity),
        ',"years":',
        pa.array(np.array([json.dumps(item) for item in shown], dtype=object)[inverse], type=pa.string()),
        ',"missing_years":',
        pa.array(np.array([json.dumps(item) for item in absent], dtype=object)[inverse], type=pa.string()),
        ',"fields":{',
    ]
    reasons = np.array(
        ["null", *(json.dumps(growth_reason(code, table.language), ensure_ascii=False) for code in GROWTH_REASONS)],
        dtype=object,
    )
    opened = {"field": False, "indicator": False}
    for block in table.blocks(start, stop):
        if block.kind == "indicator" and not opened["indicator"]:
            pieces.append('},"indicators":{')
        prefix = "," if opened[block.kind] else ""
        opened[block.kind] = True
        counts = block.kind == "field"
        pieces.append(
            f'{prefix}{json.dumps(block.id)}:{{"kind":"{block.kind}","unit":{json.dumps(block.unit)},"points":['
        )
        for column, year in enumerate(table.years):
            pieces += [
                ("," if column else "") + f'{{"year":{year},"value":',
                json_numbers(block.values[:, column], floats=not counts),
                ',"change":',
                json_numbers(block.changes[:, column], floats=not counts),
                "}",
            ]
        if block.growth is None:
            pieces.append('],"growth":null,"growth_from":null,"growth_to":null,"reason":null}')
            continue
        pieces += [
            '],"growth":',
            json_numbers(block.growth.rate, floats=True),
            ',"growth_from":',
            json_numbers(block.growth.first_year, integral_only=True),
            ',"growth_to":',
            json_numbers(block.growth.last_year, integral_only=True),
            ',"reason":',
            pa.array(reasons[block.growth.reason], type=pa.string()),
            "}",
        ]
    if not opened["indicator"]:
        pieces.append('},"indicators":{')
    pieces.append("}}")
    return pc.binary_join_element_wise(*pieces, "")


def write_years_csv(out: TextSink, table: YearsTable, chunk: int = CHUNK) -> None:
    """unit_code, unit_name, level, kind, id, year, value, change, growth: one row per unit, series and year.

    Written column-wise with Arrow, like the JSON: numbers unrounded, whole ones without a decimal point; text
    as compute's CSV writes it (``csvout.csv_text``: no cell a spreadsheet would read as a formula).
    """
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    out.write(",".join(CSV_COLUMNS) + "\n")
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


CSV_COLUMNS = ("unit_code", "unit_name", "level", "kind", "id", "year", "value", "change", "growth")


def _csv_numbers(values: np.ndarray) -> Any:
    """CSV cells of numbers: whole ones without a decimal point, others unrounded, blank for NaN."""
    import pyarrow.compute as pc

    text = json_numbers(values)
    return pc.if_else(pc.equal(text, "null"), "", text)
