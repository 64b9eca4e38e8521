"""Indicators from counts, for every unit of a return and every derived parent."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from functools import cached_property
from typing import TYPE_CHECKING, Any, NamedTuple

from chuangye_metrics.config import expressions
from chuangye_metrics.config.catalog import Catalog, IndicatorDef
from chuangye_metrics.core.findings import Finding
from chuangye_metrics.core.models import IndicatorValue, Source, UnitResult, every_field
from chuangye_metrics.core.progress import stage
from chuangye_metrics.core.words import Language, message_template, text
from chuangye_metrics.hierarchy import DERIVED
from chuangye_metrics.reading.reader import ROW, ReturnTable

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd


def indicator_frame(
    frame: pd.DataFrame, indicator: IndicatorDef, catalog: Catalog, language: Language = "zh"
) -> pd.DataFrame:
    """Numerator, denominator, value and reason (in words of ``language``) of one indicator for every row."""
    import pandas as pd

    values = {name: frame[name].to_numpy(dtype="float64") for name in indicator.field_names}
    parts = indicator_arrays(values, len(frame), indicator)
    frame_of_parts = pd.DataFrame(
        {"numerator": parts.numerator, "denominator": parts.denominator, "value": parts.value}, index=frame.index
    )
    words = reason_words(parts, indicator, catalog, language)
    frame_of_parts["reason"] = pd.Series(words, index=frame.index, dtype=object)  # texts stay objects
    return frame_of_parts


class IndicatorArrays(NamedTuple):
    numerator: np.ndarray
    denominator: np.ndarray
    value: np.ndarray
    reason: np.ndarray
    """Per unit, 0 where there is a value, else 1 + the position of its reason's code in ``reasons``."""
    reasons: tuple[str, ...]
    """Why a value is missing, as codes of formulas/messages.yaml; ``reason-missing:a,b`` names the blank fields."""


MISSING = "reason-missing"
WITHOUT_VALUE = ("reason-zero-denominator", "reason-negative-denominator", "reason-undefined")


def indicator_arrays(values: Mapping[str, np.ndarray], rows: int, indicator: IndicatorDef) -> IndicatorArrays:
    """One indicator for ``rows`` units from the columns of its fields (float64, NaN where blank); the reason for a
    missing value stays a code, put into words by ``reason_words`` when it is written."""
    import numpy as np

    numerator = np.broadcast_to(expressions.evaluate(indicator.numerator_expr, values), (rows,))
    denominator = np.broadcast_to(expressions.evaluate(indicator.denominator_expr, values), (rows,))
    value = indicator.value_of(numerator, denominator)

    reason = np.zeros(rows, dtype=np.int32)
    reasons: list[str] = []
    absent = {name: np.isnan(values[name]) for name in indicator.field_names}
    any_absent = np.logical_or.reduce(list(absent.values())) if absent else np.zeros(rows, dtype=bool)
    if any_absent.any():
        # one code per pattern of missing fields, not one per row
        names = list(absent)
        pattern = np.zeros(rows, dtype=np.int64)
        for bit, name in enumerate(names):
            pattern |= absent[name].astype(np.int64) << bit
        for code in np.unique(pattern[any_absent]).tolist():
            reasons.append(MISSING + ":" + ",".join(name for bit, name in enumerate(names) if code >> bit & 1))
            reason[pattern == code] = len(reasons)
    for code, mask in zip(
        WITHOUT_VALUE,
        (
            ~any_absent & (denominator == 0),
            ~any_absent & (denominator < 0),
            ~any_absent & np.isnan(value) & ~(denominator <= 0),
        ),
        strict=True,
    ):
        if mask.any():
            reasons.append(code)
            reason[mask] = len(reasons)
    return IndicatorArrays(numerator, denominator, value, reason, tuple(reasons))


def reason_text(code: str, indicator: IndicatorDef, catalog: Catalog, language: Language) -> str:
    """A reason's code in words: the blank fields by their headers (ids in English), or the denominator."""
    name, _, fields = code.partition(":")
    if name == MISSING:
        labels = [catalog.fields[field].label(language) for field in fields.split(",")]
        return message_template(MISSING, language).format(fields=text("list-separator", language).join(labels))
    denominator = expression_text(indicator.denominator, catalog, language)
    return message_template(name, language).format(denominator=denominator)


def expression_text(expression: str, catalog: Catalog, language: Language) -> str:
    """A formula's field ids as people read them: "trainees_certified" -> 创业培训合格人数 (ids in English)."""
    return re.sub(
        r"[A-Za-z_][A-Za-z0-9_]*",
        lambda match: catalog.fields[match[0]].label(language) if match[0] in catalog.fields else match[0],
        expression,
    )


def reason_texts(
    parts: IndicatorArrays, indicator: IndicatorDef, catalog: Catalog, language: Language
) -> list[str | None]:
    """What ``parts.reason`` points at, in words: None (there is a value), then each code's text, once."""
    return [None, *(reason_text(code, indicator, catalog, language) for code in parts.reasons)]


def reason_words(parts: IndicatorArrays, indicator: IndicatorDef, catalog: Catalog, language: Language) -> np.ndarray:
    """Each unit's reason in words (objects: None where there is a value)."""
    import numpy as np

    words: np.ndarray = np.array(reason_texts(parts, indicator, catalog, language), dtype=object)[parts.reason]
    return words


class UnitTable:
    """Every unit (rows and derived parents, ordered), and each indicator's numerator, denominator and value.

    The indicators are worked out when first asked for: compute's JSON works them out chunk by chunk instead,
    so that a national return never holds them all at once.
    """

    def __init__(self, frame: pd.DataFrame, catalog: Catalog, language: Language = "zh") -> None:
        self.frame = frame
        self.catalog = catalog
        self.language: Language = language

    @cached_property
    def indicators(self) -> dict[str, pd.DataFrame]:
        return self.indicators_of(self.frame)

    def indicators_of(self, frame: pd.DataFrame) -> dict[str, pd.DataFrame]:
        """The indicators of some of the units (a slice of the frame)."""
        return {
            indicator.id: indicator_frame(frame, indicator, self.catalog, self.language)
            for indicator in self.catalog.indicators.values()
        }


def unit_table(
    hierarchy: pd.DataFrame, catalog: Catalog, *, language: Language = "zh", levels: Iterable[str] | None = None
) -> UnitTable:
    """The units of a return with its derived parents (``hierarchy.hierarchy_of``), in order, ``levels`` only."""
    stage("compute")
    full = _ordered(hierarchy, catalog)
    if levels:
        full = full.loc[full["level"].isin(set(levels))]
    return UnitTable(full, catalog, language)


def source_of(table: ReturnTable, file_label: str | None = None, year: int | None = None) -> Source:
    return Source(file=file_label or str(table.path), sheet=table.sheet, sha256=table.sha256, year=year)


def single_year(frame: pd.DataFrame) -> int | None:
    """The one reporting year of a return's rows; None when they have several, or none."""
    if "year" not in frame:
        return None
    years = frame["year"].dropna().unique()
    return int(years[0]) if len(years) == 1 else None


def errors_by_row(findings: Iterable[Finding]) -> dict[int, list[str]]:
    """Codes of the data errors on each Excel row (reported with --keep-going)."""
    found: dict[int, set[str]] = {}
    for finding in findings:
        if finding.severity == "error" and finding.row is not None:
            found.setdefault(finding.row, set()).add(finding.code)
    return {row: sorted(codes) for row, codes in found.items()}


def unit_results(table: UnitTable, catalog: Catalog, errors: Mapping[int, list[str]] | None = None) -> list[UnitResult]:
    """One result model per unit of the table, in its order; built from columns, without re-validation.
    ``errors``: the codes of the data errors on each Excel row (``errors_by_row``)."""
    frame = table.frame
    count = len(frame)
    errors = errors or {}

    def column(name: str) -> list[Any]:
        return frame[name].tolist() if name in frame else [None] * count

    def numbers(name: str) -> list[Any]:
        return model_numbers(frame[name].to_numpy(dtype="float64")) if name in frame else [None] * count

    codes, names, levels, parents = (column(name) for name in ("unit_code", "unit_name", "level", "parent_code"))
    years, derived, rows = numbers("year"), column(DERIVED), numbers(ROW)
    fields = {name: numbers(name) for name in catalog.count_fields}
    indicators = {
        indicator_id: (
            catalog.indicators[indicator_id].unit,
            _floats(result["value"].to_numpy(dtype="float64")),
            model_numbers(result["numerator"].to_numpy(dtype="float64")),
            model_numbers(result["denominator"].to_numpy(dtype="float64")),
            result["reason"].tolist(),
        )
        for indicator_id, result in table.indicators.items()
    }
    units: list[UnitResult] = []
    unit_fields, value_fields = every_field(UnitResult), every_field(IndicatorValue)
    for position in range(count):
        row = None if derived[position] else rows[position]
        units.append(
            UnitResult.model_construct(
                unit_fields,
                unit_code=str(codes[position]),
                unit_name=text_or_none(names[position]),
                level=str(levels[position]),
                parent_code=text_or_none(parents[position]),
                year=years[position],
                derived=bool(derived[position]),
                row=row,
                fields={name: values[position] for name, values in fields.items()},
                indicators={
                    indicator_id: IndicatorValue.model_construct(
                        value_fields,
                        value=value[position],
                        unit=unit,
                        numerator=numerator[position],
                        denominator=denominator[position],
                        reason=reason[position],
                    )
                    for indicator_id, (unit, value, numerator, denominator, reason) in indicators.items()
                },
                errors=errors.get(row, []) if row is not None else [],
            )
        )
    return units


def model_numbers(values: np.ndarray) -> list[int | float | None]:
    """The values for a model: whole ones as int, others as float, NaN as None."""
    import numpy as np

    known = ~np.isnan(values)
    whole = np.isfinite(values) & (np.floor(values) == values)  # an infinite value stays a float, as before
    objects = values.astype(object)
    small = whole & (np.abs(values) < 2.0**62)
    objects[small] = values[small].astype(np.int64).tolist()
    large = whole & ~small
    if large.any():
        objects[large] = [int(value) for value in values[large].tolist()]
    objects[~known] = None
    result: list[int | float | None] = objects.tolist()
    return result


def _floats(values: np.ndarray) -> list[float | None]:
    """The values for a model: floats, NaN as None."""
    import numpy as np

    objects = values.astype(object)
    objects[np.isnan(values)] = None
    result: list[float | None] = objects.tolist()
    return result


def _ordered(frame: pd.DataFrame, catalog: Catalog) -> pd.DataFrame:
    """Year, then territorial units in code order (a parent before its children), then parks."""
    import pyarrow as pa
    import pyarrow.compute as pc

    is_park = ~frame["level"].isin(catalog.territorial_levels).to_numpy()
    try:
        codes = pa.array(frame["unit_code"].to_numpy(dtype=object), type=pa.string(), from_pandas=True)
    except (pa.ArrowTypeError, pa.ArrowInvalid):  # a code that is not text (a frame built by hand) sorts as text
        codes = pa.array([str(code) for code in frame["unit_code"].tolist()], type=pa.string())
    keys = pa.table({"year": frame["year"].fillna(-1).to_numpy(dtype="float64"), "park": is_park, "code": codes})
    # Arrow's sort is stable and orders UTF-8 bytes, which is the order of code points, as pandas orders str
    order = pc.sort_indices(keys, sort_keys=[("year", "ascending"), ("park", "ascending"), ("code", "ascending")])
    return frame.take(order.to_numpy()).reset_index(drop=True)


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and value != value) or type(value).__name__ == "NAType"


def text_or_none(value: Any) -> str | None:
    """A cell's text as a model holds it: None for a blank (None, NaN or pandas' NA)."""
    return None if _missing(value) else str(value)
