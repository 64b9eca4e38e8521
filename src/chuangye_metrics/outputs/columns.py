"""Columns of text for the writers, built with Arrow a column at a time: JSON numbers and strings, joined lines."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from chuangye_metrics.reading.reader import ROW

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd
    import pyarrow as pa

IDENTITY = ("unit_code", "unit_name", "level", "parent_code")


_CONTROL = r"[\x00-\x1f]"


def joined_text(lines: pa.Array, separator: str) -> str:
    """The strings of an Arrow array joined by ``separator``, read straight from Arrow's buffer."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    with_separators = pc.binary_join_element_wise(lines, separator, "")
    offsets, data = with_separators.buffers()[1], with_separators.buffers()[2]
    width = np.int64 if with_separators.type == pa.large_string() else np.int32
    positions = np.frombuffer(offsets, dtype=width)[with_separators.offset :][: len(with_separators) + 1]
    text: bytes = data.to_pybytes()[int(positions[0]) : int(positions[-1]) - len(separator.encode())]
    return text.decode("utf-8")


def identity_pieces(frame: pd.DataFrame) -> list[Any]:
    """The start of each unit's JSON object: its code, name, level and parent, column by column."""
    pieces: list[Any] = []
    for position, name in enumerate(IDENTITY):
        pieces += [("{" if position == 0 else ",") + json.dumps(name) + ":", json_strings(frame[name])]
    return pieces


def own_rows(frame: pd.DataFrame, derived: np.ndarray) -> np.ndarray:
    """The Excel row of each unit of the frame, NaN for a derived unit (it has no row of its own)."""
    import numpy as np

    rows = frame[ROW].to_numpy(dtype="float64") if ROW in frame else np.full(len(frame), np.nan)
    return np.where(derived, np.nan, rows)


def json_strings(values: pd.Series) -> pa.Array:
    """JSON strings (quoted and escaped), "null" for a blank."""
    import pyarrow as pa
    import pyarrow.compute as pc

    text = arrow_strings(values)
    if pc.any(pc.match_substring_regex(text, _CONTROL)).as_py():
        quoted = pa.array(
            [None if value is None else json.dumps(value, ensure_ascii=False) for value in text.to_pylist()]
        )
    else:
        escaped = pc.replace_substring(pc.replace_substring(text, "\\", "\\\\"), '"', '\\"')
        quoted = pc.binary_join_element_wise('"', escaped, '"', "")
    return pc.fill_null(quoted, "null")


def arrow_strings(values: pd.Series) -> pa.Array:
    """The values as an Arrow string array, null for a blank; values that are not text are written as text."""
    import pyarrow as pa

    try:
        return pa.array(values.to_numpy(dtype=object), type=pa.string(), from_pandas=True)
    except (pa.ArrowTypeError, pa.ArrowInvalid):
        objects = values.astype(object).where(values.notna(), None).tolist()
        return pa.array([None if value is None else str(value) for value in objects], type=pa.string())


def json_numbers(
    values: np.ndarray, *, floats: bool = False, integral_only: bool = False, blank: str = "null"
) -> pa.Array:
    """JSON numbers: whole values without a decimal point (unless ``floats``), ``blank`` ("null") for NaN."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    missing = np.isnan(values)
    if floats:
        text = pc.cast(pa.array(values, mask=missing), pa.string())
        # a whole float below 1e16 is written "52000.0", as Python and pydantic write it
        whole = ~missing & (np.floor(values) == values) & (np.abs(values) < 1e16)
        integers = pc.cast(pa.array(np.where(whole, values, 0).astype(np.int64)), pa.string())
        text = pc.if_else(pa.array(whole), pc.binary_join_element_wise(integers, ".0", ""), text)
        return pc.fill_null(text, blank)
    whole = ~missing & (np.floor(values) == values) & (np.abs(values) < 2.0**53)
    integers = pc.cast(pa.array(np.where(whole, values, 0).astype(np.int64)), pa.string())
    if integral_only or whole.all():
        text = integers
    else:
        text = pc.if_else(pa.array(whole), integers, pc.cast(pa.array(values), pa.string()))
    return pc.fill_null(pc.if_else(pa.array(missing), pa.scalar(None, pa.string()), text), blank)
