"""Years side by side: each unit's counts and indicators per year, the change on the year before, and growth."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from chuangye_metrics.config import expressions
from chuangye_metrics.config.catalog import Catalog
from chuangye_metrics.core import words
from chuangye_metrics.core.findings import Finding
from chuangye_metrics.core.models import Series, SeriesUnit, Source, UnitYears, YearPoint, YearsResult
from chuangye_metrics.core.words import Language
from chuangye_metrics.hierarchy import DERIVED

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd


FILE = "_file"
CHUNK = 10_000

# why a count's growth is null, by code (0: growth is given)
NO_VALUE, ONE_VALUE, FIRST_ZERO = 1, 2, 3
GROWTH_REASONS = {NO_VALUE: "growth.no-value", ONE_VALUE: "growth.one-value", FIRST_ZERO: "growth.first-zero"}
DUPLICATE_ACROSS_FILES = "duplicate-code-across-files"


def growth_reason(code: int, language: Language) -> str | None:
    if code == 0:
        return None
    return words.text(GROWTH_REASONS[code], language)


# --- the arithmetic ----------------------------------------------------------------------------------------


DECIMALS = 9
"""Decimals a difference of two typed counts or amounts is rounded to: what binary fractions add is noise."""


def year_changes(values: np.ndarray, years: Sequence[int]) -> np.ndarray:
    """value(y) - value(y - 1) for every row (unit) and column (year).

    NaN in the first year, where y - 1 is not among the years compared, and where either value is missing.
    """
    import numpy as np

    changes = np.full(values.shape, np.nan)
    for column in range(1, len(years)):
        if years[column] - years[column - 1] == 1:
            changes[:, column] = values[:, column] - values[:, column - 1]
    return changes


@dataclass
class Growth:
    """Each row's compound yearly growth in percent, its first and last years (NaN when not given) and why not."""

    rate: np.ndarray
    first_year: np.ndarray
    last_year: np.ndarray
    reason: np.ndarray


def count_growth(values: np.ndarray, years: Sequence[int]) -> Growth:
    """((last / first)^(1 / (last year - first year)) - 1) × 100 over each row's first and last years with a value."""
    import numpy as np

    rows, columns = values.shape
    present = ~np.isnan(values)
    have = present.sum(axis=1)
    if columns == 0:
        nothing = np.full(rows, np.nan)
        return Growth(nothing, nothing, nothing, np.full(rows, NO_VALUE))
    year_array = np.asarray(years, dtype="float64")
    first = present.argmax(axis=1)
    last = columns - 1 - present[:, ::-1].argmax(axis=1)
    index = np.arange(rows)
    first_value = values[index, first]
    last_value = values[index, last]
    reason = np.select([have == 0, have == 1, first_value == 0], [NO_VALUE, ONE_VALUE, FIRST_ZERO], 0)
    given = reason == 0
    span = np.where(given, year_array[last] - year_array[first], 1.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(given, last_value / np.where(given, first_value, 1.0), 1.0)
        rate = np.where(given, (np.power(ratio, 1.0 / span) - 1.0) * 100.0, np.nan)
    return Growth(
        rate=rate,
        first_year=np.where(given, year_array[first], np.nan),
        last_year=np.where(given, year_array[last], np.nan),
        reason=reason,
    )


@dataclass
class SeriesBlock:
    """One count or indicator for a run of units: values and changes (units × years), growth for counts."""

    kind: Literal["field", "indicator"]
    id: str
    unit: SeriesUnit
    values: np.ndarray
    changes: np.ndarray
    growth: Growth | None


# --- the table of years ------------------------------------------------------------------------------------


class YearsTable:
    """Every unit of any year (matched by code) and each count per unit and year, as matrices.

    Indicators, changes and growth are worked out a run of units at a time, from the counts.
    """

    def __init__(
        self,
        identity: pd.DataFrame,
        years: list[int],
        present: np.ndarray,
        counts: dict[str, np.ndarray],
        catalog: Catalog,
        language: Language = "zh",
    ) -> None:
        self.identity = identity
        self.years = years
        self.present = present
        self.counts = counts
        self.catalog = catalog
        self.language: Language = language

    @classmethod
    def from_units(
        cls, frame: pd.DataFrame, catalog: Catalog, language: Language = "zh", years: Sequence[int] | None = None
    ) -> YearsTable:
        """From a unit table of several years (one row per unit and year; rows without a year are left out).

        ``years`` are the years compared (by default those of the frame); a unit of another year is left out.
        """
        import numpy as np
        import pandas as pd

        frame = frame.loc[frame["year"].notna()]
        if years is None:
            years = sorted(int(year) for year in frame["year"].unique())
        else:
            years = sorted(years)
            frame = frame.loc[frame["year"].isin(years)]
        identity_columns = ["unit_name", "level", "parent_code"]
        latest = (
            frame.sort_values("year", kind="stable")
            .groupby("unit_code", sort=False)[identity_columns]
            .last()  # the latest value that is not blank
            .reset_index()
        )
        is_park = ~latest["level"].isin(catalog.territorial_levels)
        identity = (
            latest.assign(_park=is_park)
            .sort_values(["_park", "unit_code"], kind="stable")
            .drop(columns="_park")
            .reset_index(drop=True)
        )
        for name in ["unit_code", *identity_columns]:
            identity[name] = identity[name].astype(object).where(identity[name].notna(), None)
        unit_position = pd.Index(identity["unit_code"].to_numpy(dtype=object), dtype=object).get_indexer(
            frame["unit_code"]
        )
        year_position = np.searchsorted(np.asarray(years, dtype="float64"), frame["year"].to_numpy(dtype="float64"))
        shape = (len(identity), len(years))
        present = np.zeros(shape, dtype=bool)
        present[unit_position, year_position] = True
        counts: dict[str, np.ndarray] = {}
        for name in catalog.count_fields:
            matrix = np.full(shape, np.nan)
            if name in frame:
                matrix[unit_position, year_position] = frame[name].to_numpy(dtype="float64", na_value=np.nan)
            counts[name] = matrix
        return cls(identity, list(years), present, counts, catalog, language)

    def __len__(self) -> int:
        return len(self.identity)

    def blocks(self, start: int, stop: int) -> Iterator[SeriesBlock]:
        """Every count, then every indicator, of units start to stop."""
        import numpy as np

        years = self.years
        for name in self.catalog.count_fields:
            values = self.counts[name][start:stop]
            unit: SeriesUnit = self.catalog.fields[name].unit or "count"
            # an amount typed with decimals (830.2 万元) differs by a decimal, not by 830.2000000000007
            changes = np.round(year_changes(values, years), DECIMALS)
            yield SeriesBlock("field", name, unit, values, changes, count_growth(values, years))
        present = self.present[start:stop]
        for indicator in self.catalog.indicators.values():
            inputs = {name: self.counts[name][start:stop] for name in indicator.field_names}
            numerator = np.broadcast_to(expressions.evaluate(indicator.numerator_expr, inputs), present.shape)
            denominator = np.broadcast_to(expressions.evaluate(indicator.denominator_expr, inputs), present.shape)
            values = np.where(present, indicator.value_of(numerator, denominator), np.nan)
            yield SeriesBlock("indicator", indicator.id, indicator.unit, values, year_changes(values, years), None)

    # --- as models ----------------------------------------------------------------------------------------

    def units(self, chunk: int = CHUNK) -> Iterator[UnitYears]:
        """One model per unit, in order."""
        for start in range(0, len(self), chunk):
            yield from self._unit_models(start, min(len(self), start + chunk))

    def result(self, sources: Sequence[Source], findings: Sequence[Finding] = ()) -> YearsResult:
        return YearsResult.model_construct(
            sources=list(sources), years=list(self.years), units=list(self.units()), findings=list(findings)
        )

    def _unit_models(self, start: int, stop: int) -> list[UnitYears]:
        years = self.years
        present = self.present[start:stop].tolist()
        identity = self.identity.iloc[start:stop]
        columns = [identity[name].tolist() for name in ("unit_code", "unit_name", "level", "parent_code")]
        built: list[tuple[SeriesBlock, list[list[Any]], list[list[Any]], list[Any]]] = []
        for block in self.blocks(start, stop):
            whole = block.kind == "field"
            values = [[_number(value, whole) for value in row] for row in block.values.tolist()]
            changes = [[_number(value, whole) for value in row] for row in block.changes.tolist()]
            growth: list[Any] = []
            if block.growth is not None:
                growth = list(
                    zip(
                        block.growth.rate.tolist(),
                        block.growth.first_year.tolist(),
                        block.growth.last_year.tolist(),
                        block.growth.reason.tolist(),
                        strict=True,
                    )
                )
            built.append((block, values, changes, growth))
        models: list[UnitYears] = []
        for position in range(stop - start):
            series: dict[str, dict[str, Series]] = {"field": {}, "indicator": {}}
            for block, values, changes, growth in built:
                rate, first, last, reason = growth[position] if growth else (None, None, None, 0)
                series[block.kind][block.id] = Series.model_construct(
                    kind=block.kind,
                    unit=block.unit,
                    points=[
                        YearPoint.model_construct(
                            year=year, value=values[position][column], change=changes[position][column]
                        )
                        for column, year in enumerate(years)
                    ],
                    growth=_number(rate, False),
                    growth_from=_integer(first),
                    growth_to=_integer(last),
                    reason=growth_reason(int(reason), self.language),
                )
            here = present[position]
            models.append(
                UnitYears.model_construct(
                    unit_code=str(columns[0][position]),
                    unit_name=columns[1][position],
                    level=str(columns[2][position]),
                    parent_code=columns[3][position],
                    years=[year for year, shown in zip(years, here, strict=True) if shown],
                    missing_years=[year for year, shown in zip(years, here, strict=True) if not shown],
                    fields=series["field"],
                    indicators=series["indicator"],
                )
            )
        return models


def _number(value: float | None, whole: bool) -> int | float | None:
    if value is None or value != value:
        return None
    if whole and float(value).is_integer():
        return int(value)
    return float(value)


def _integer(value: float | None) -> int | None:
    return None if value is None or value != value else int(value)


def file_indexes(frame: pd.DataFrame) -> np.ndarray:
    """The index of the file each row came from (0 for a single return, -1 for derived units)."""
    import numpy as np

    if FILE not in frame:
        return np.where(frame[DERIVED].to_numpy(dtype=bool), -1, 0)
    return frame[FILE].fillna(-1).to_numpy(dtype=np.int64)
