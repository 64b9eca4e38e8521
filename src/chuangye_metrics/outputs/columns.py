"""Columns of text for the writers, built with Arrow a column at a time: JSON numbers and strings, joined lines."""

from __future__ import annotations

import json
import types
import typing
from typing import TYPE_CHECKING, Any, ClassVar

from pydantic import BaseModel

from chuangye_metrics.reading.reader import ROW

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd
    import pyarrow as pa

IDENTITY = ("unit_code", "unit_name", "level", "parent_code")


_CONTROL = r"[\x00-\x1f]"


def joined_text(lines: pa.Array, separator: str) -> str:
    """The strings of an Arrow array joined by ``separator``."""
    return joined_bytes(lines, separator).decode("utf-8")


def joined_bytes(lines: pa.Array, separator: str) -> bytes:
    """The strings of an Arrow array joined by ``separator``, as UTF-8 read straight from Arrow's buffer."""
    import pyarrow.compute as pc

    return buffer_bytes(pc.binary_join_element_wise(lines, separator, ""), len(separator.encode()))


def buffer_bytes(strings: pa.Array, cut: int = 0) -> bytes:
    """The strings of an Arrow array one after another, as UTF-8 from its buffer, less ``cut`` bytes at the end
    (the separator that ends the last one)."""
    import numpy as np
    import pyarrow as pa

    offsets, data = strings.buffers()[1], strings.buffers()[2]
    width = np.int64 if strings.type == pa.large_string() else np.int32
    positions = np.frombuffer(offsets, dtype=width)[strings.offset :][: len(strings) + 1]
    text: bytes = data.slice(int(positions[0]), int(positions[-1]) - cut - int(positions[0])).to_pybytes()
    return text


def joined_pieces(pieces: list[Any], separator: str = "") -> pa.Array:
    """Row by row, the pieces (Arrow string arrays and constant strings) joined; neighbouring constants are
    joined first, which makes Arrow's work several times smaller."""
    import pyarrow.compute as pc

    merged: list[Any] = []
    for piece in pieces:
        if isinstance(piece, str) and merged and isinstance(merged[-1], str) and not separator:
            merged[-1] += piece
        else:
            merged.append(piece)
    return pc.binary_join_element_wise(*merged, separator)


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
        import polars as pl

        # polars writes floats as Python and pydantic do (52000.0, 1e+16), and ten times faster than Arrow
        text = pl.Series(values, nan_to_null=True).cast(pl.String).to_arrow()
        return pc.fill_null(text if text.type == pa.string() else text.cast(pa.string()), blank)
    whole = ~missing & np.isfinite(values) & (np.floor(values) == values)  # as the models have it: an int
    small = whole & (np.abs(values) < 2.0**62)
    if (small | missing).all():  # the usual case, four times faster through polars
        import polars as pl

        text = pl.Series(values, nan_to_null=True).cast(pl.Int64).cast(pl.String).to_arrow()
        return pc.fill_null(text if text.type == pa.string() else text.cast(pa.string()), blank)
    integers = pc.cast(pa.array(np.where(small, values, 0).astype(np.int64)), pa.string())
    if (large := whole & ~small).any():
        spelled = np.array(integers.to_pylist(), dtype=object)
        spelled[large] = [str(int(value)) for value in values[large].tolist()]
        integers = pa.array(spelled, type=pa.string())
    if integral_only or whole.all():
        text = integers
    else:
        text = pc.if_else(pa.array(whole), integers, pc.cast(pa.array(values), pa.string()))
    return pc.fill_null(pc.if_else(pa.array(missing), pa.scalar(None, pa.string()), text), blank)


class NumberPieces:
    """Columns of numbers to be written as JSON pieces, turned into text together: one conversion for every
    column of a kind rather than one each, and a column with no value becomes the constant ``null``."""

    _KINDS: ClassVar[dict[str, dict[str, bool]]] = {
        "counts": {},
        "floats": {"floats": True},
        "whole": {"integral_only": True},
    }

    def __init__(self, rows: int) -> None:
        self.rows = rows
        self.columns: dict[str, list[np.ndarray]] = {kind: [] for kind in self._KINDS}

    def piece(self, values: np.ndarray, kind: str = "counts") -> Any:
        """A placeholder for the column's text (see ``resolved``), or "null" when it has no value."""
        import numpy as np

        if np.isnan(values).all():
            return "null"
        self.columns[kind].append(values)
        return (kind, len(self.columns[kind]) - 1)

    def resolved(self, pieces: list[Any]) -> list[Any]:
        """The pieces with every placeholder replaced by its column's text (a slice of its kind's)."""
        import numpy as np

        texts = {
            kind: json_numbers(np.concatenate(columns), **self._KINDS[kind])  # type: ignore[arg-type]
            for kind, columns in self.columns.items()
            if columns
        }
        return [
            texts[piece[0]].slice(piece[1] * self.rows, self.rows) if isinstance(piece, tuple) else piece
            for piece in pieces
        ]


def arrow_type(model: type[BaseModel]) -> pa.DataType:
    """The Arrow struct type of a published model: its fields in order, nested models as structs, lists as lists
    (for the writers that build a model's JSON from Arrow columns)."""
    import pyarrow as pa

    def of(annotation: Any) -> pa.DataType:
        origin = typing.get_origin(annotation)
        arguments = [item for item in typing.get_args(annotation) if item is not type(None)]
        if origin in (typing.Union, types.UnionType):
            if set(arguments) == {int, float}:
                return pa.float64()
            return of(arguments[0])
        if origin is list:
            return pa.list_(of(arguments[0]))
        if origin is typing.Literal:
            return pa.string()
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            return arrow_type(annotation)
        return {str: pa.string(), int: pa.int64(), float: pa.float64(), bool: pa.bool_()}[annotation]

    return pa.struct([pa.field(name, of(field.annotation)) for name, field in model.model_fields.items()])
