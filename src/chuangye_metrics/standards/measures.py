"""What a rule or a scored item measures, column-wise: statuses, values with what an addition does, the least
addition that passes, and each unit's rows of the years before (for rules over a window of years)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from chuangye_metrics.config import expressions
from chuangye_metrics.config.catalog import Catalog
from chuangye_metrics.core import words
from chuangye_metrics.core.words import Language, message_template
from chuangye_metrics.indicators.compute import indicator_arrays, reason_words

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd


CHECK_STATUSES = ("pass", "fail", "missing")
"""A rule's status, by its code in ``RuleColumn.status``."""
UNIT_STATUSES = ("pass", "fail", "incomplete")
"""A unit's status, by its code in ``Assessments.status`` (-1: not assessed)."""
PASS, FAIL, MISSING = 0, 1, 2
INCOMPLETE = 2
MAX_DOUBLINGS = 62


def objects(values: Sequence[Any]) -> np.ndarray:
    """The values as a one-dimensional array of objects (tuples and lists stay single values)."""
    import numpy as np

    array = np.empty(len(values), dtype=object)
    array[:] = list(values)
    return array


def least_addition(reaches: Callable[[np.ndarray], np.ndarray], count: int) -> np.ndarray:
    """Per unit, the least whole k >= 1 with reaches(k) true (reaches(0) is false and reaches grows with k).

    NaN where no k up to 2**62 reaches. Doubling finds an upper bound, then bisection the least.
    """
    import numpy as np

    high = np.ones(count, dtype="float64")
    for _ in range(MAX_DOUBLINGS):
        short = ~reaches(high)
        if not short.any():
            break
        high[short] *= 2
    reachable = reaches(high)
    low = np.where(reachable, np.floor(high / 2), high)
    low[high == 1] = 0
    while True:
        open_ = reachable & (high - low > 1)
        if not open_.any():
            break
        middle = np.floor((low + high) / 2)
        ok = reaches(middle)
        high = np.where(open_ & ok, middle, high)
        low = np.where(open_ & ~ok, middle, low)
    return np.where(reachable, high, np.nan)


def is_blank(value: Any) -> bool:
    return value is None or value != value or str(value).strip() == ""


@dataclass
class Measure:
    """What a rule or a scored item measures for some units: the values, the numerators (for what an addition
    does), the reasons for missing values, and how the value moves when a whole number is added."""

    values: np.ndarray
    base: np.ndarray  # what an addition is added to: the indicator's numerator, or the field's value
    reasons: np.ndarray
    name: str
    unit: str
    shortfall_unit: str | None
    after: Callable[[np.ndarray, np.ndarray], np.ndarray]

    def value_after(self, added: np.ndarray, rows: np.ndarray) -> np.ndarray:
        """The value of the units at ``rows`` once ``added`` is added to their numerator (or field)."""
        return self.after(added, rows)


def measure_of(
    indicator_id: str | None, field_id: str | None, chosen: pd.DataFrame, catalog: Catalog, language: Language
) -> Measure:
    """The indicator's (or the count field's) values for the units of ``chosen``."""
    import numpy as np

    count = len(chosen)
    if indicator_id is not None:
        indicator = catalog.indicators[indicator_id]
        fields = {name: chosen[name].to_numpy(dtype="float64") for name in indicator.field_names}
        parts = indicator_arrays(fields, count, indicator)
        numerator = np.asarray(parts.numerator, dtype="float64")
        denominator = np.asarray(parts.denominator, dtype="float64")
        shortfall_units = {catalog.fields[field].unit for field in expressions.field_names(indicator.numerator_expr)}

        def indicator_after(added: np.ndarray, rows: np.ndarray) -> np.ndarray:
            return np.asarray(indicator.value_of(numerator[rows] + added, denominator[rows]))

        return Measure(
            values=np.asarray(parts.value, dtype="float64"),
            base=numerator,
            reasons=reason_words(parts, indicator, catalog, language),
            name=indicator.label(language),
            unit=indicator.unit,
            shortfall_unit=shortfall_units.pop() if len(shortfall_units) == 1 else None,
            after=indicator_after,
        )
    definition = catalog.fields[field_id or ""]
    values = chosen[definition.id].to_numpy(dtype="float64") if definition.id in chosen else np.full(count, np.nan)
    header = definition.label(language)

    def field_after(added: np.ndarray, rows: np.ndarray) -> np.ndarray:
        return np.asarray(values[rows] + added)

    return Measure(
        values=values,
        base=values,
        reasons=np.full(count, message_template("check-field-missing", language).format(header=header), object),
        name=header,
        unit="count",
        shortfall_unit=definition.unit,
        after=field_after,
    )


class YearIndex:
    """Where each unit's row of each year stands in the unit table: for the windows of rules over years."""

    def __init__(self, frame: pd.DataFrame) -> None:
        import numpy as np

        self.codes = frame["unit_code"].astype(str).to_numpy(dtype=object)
        self.years = frame["year"].to_numpy(dtype="float64")
        known = ~np.isnan(self.years)
        self.position = {
            (code, int(year)): index
            for index, (code, year) in enumerate(zip(self.codes.tolist(), self.years.tolist(), strict=True))
            if known[index]
        }

    def latest(self) -> np.ndarray:
        """True at each unit's row of its latest year (and at rows without a year): the rows a standard over
        years judges."""
        import numpy as np

        latest: dict[str, float] = {}
        for code, year in zip(self.codes.tolist(), self.years.tolist(), strict=True):
            if year == year and year > latest.get(code, -1.0):
                latest[code] = year
        wanted = np.array([latest.get(code, np.nan) for code in self.codes.tolist()], dtype="float64")
        return np.asarray(np.isnan(self.years) | (self.years == wanted))

    def window(self, rows: np.ndarray, years: int) -> tuple[np.ndarray, np.ndarray]:
        """For each row, the rows of the same unit in the ``years`` years up to its own (oldest first; -1 where
        it has none), and those years (0 where the row has no year)."""
        import numpy as np

        count = len(rows)
        found = np.full((count, years), -1, dtype=np.int64)
        calendar = np.zeros((count, years), dtype=np.int64)
        for offset, row in enumerate(rows.tolist()):
            year = self.years[row]
            if year != year:
                continue
            code = self.codes[row]
            for back in range(years):
                when = int(year) - (years - 1) + back
                calendar[offset, back] = when
                found[offset, back] = self.position.get((code, when), -1)
        return found, calendar


def pooled_counts(
    indicator_id: str | None, field_id: str | None, frame: pd.DataFrame, found: np.ndarray, catalog: Catalog
) -> tuple[pd.DataFrame, np.ndarray]:
    """The fields of an indicator (or the field) summed over each unit's window rows (``found``, -1 where a year
    has none: the sum is then missing), and where a year's count is unknown."""
    import numpy as np
    import pandas as pd

    names = catalog.indicators[indicator_id].field_names if indicator_id is not None else [field_id or ""]
    absent = found < 0
    unknown = absent.copy()
    pooled = {}
    for name in names:
        values = frame[name].to_numpy(dtype="float64") if name in frame else np.full(len(frame), np.nan)
        taken = np.where(absent, np.nan, values[np.where(absent, 0, found)])
        unknown |= np.isnan(taken)
        pooled[name] = taken.sum(1)
    return pd.DataFrame(pooled), unknown


def window_reason(
    years: np.ndarray,
    absent: np.ndarray,
    unknown: np.ndarray,
    year_reason: Callable[[int], str | None],
    language: Language,
) -> str:
    """Why a unit's window has no value: the years it has no row for, else the first year whose count is blank
    (``year_reason`` of that year's place in the window); a row without a year has no window at all."""
    import numpy as np

    if not years.any():
        return words.text("check-window-missing", language, years="—")
    gone = years[absent].tolist()
    if gone:
        return words.text("check-window-missing", language, years=words.listed(gone)[language])
    back = int(np.flatnonzero(unknown)[0])
    return words.text("check-window-year", language, year=int(years[back]), reason=year_reason(back) or "")
