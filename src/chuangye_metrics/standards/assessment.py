"""Every unit judged against a standard column-wise: each rule's values, statuses and shortfalls as arrays."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any

from chuangye_metrics.config import expressions
from chuangye_metrics.config.catalog import Catalog
from chuangye_metrics.config.operators import TOLERANCE, passes
from chuangye_metrics.core import words
from chuangye_metrics.core.models import (
    Assessment,
    ItemScore,
    LevelCoverage,
    MissingUnit,
    NextGrade,
    RuleCheck,
    Score,
    WindowCheck,
    YearCheck,
    every_field,
)
from chuangye_metrics.core.words import Language, message_template
from chuangye_metrics.indicators.compute import UnitTable, indicator_arrays, reason_words
from chuangye_metrics.standards.library import RuleSet, ScoreItem, Scoring, Standard, Threshold, Window

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


@dataclass(frozen=True)
class RegisterEntry:
    unit_code: str
    unit_name: str | None
    level: str | None


@dataclass(frozen=True)
class RuleColumn:
    """One rule's check of every unit it applies to: ``rows`` are the units' positions in the unit table."""

    indicator: str | None
    field: str | None
    name: str
    op: str
    threshold: float
    unit: str
    shortfall_unit: str | None
    provisional: bool
    rows: np.ndarray
    value: np.ndarray  # NaN when missing
    status: np.ndarray  # codes of CHECK_STATUSES
    shortfall: np.ndarray  # NaN when there is none
    reason: np.ndarray  # objects: text or None
    veto: bool = False
    window: Window | None = None
    # for a rule over a window, per unit and year of the window (oldest first):
    calendar: np.ndarray | None = None  # the years
    absent: np.ndarray | None = None  # no row that year
    year_value: np.ndarray | None = None
    year_status: np.ndarray | None = None  # codes of CHECK_STATUSES; -1 absent, or pooled
    year_shortfall: np.ndarray | None = None
    failing_year: np.ndarray | None = None  # each: the earliest failing year, 0 when none

    @property
    def gap(self) -> np.ndarray:
        return self.threshold - self.value

    @property
    def rule_id(self) -> str:
        return self.indicator or self.field or ""

    def check(self, offset: int) -> RuleCheck:
        """The published model of the check of the rule's ``offset``-th unit."""
        value = self.value[offset]
        shortfall = self.shortfall[offset]
        return RuleCheck.model_construct(
            every_field(RuleCheck),
            indicator=self.indicator,
            field=self.field,
            name=self.name,
            op=self.op,
            threshold=self.threshold,
            unit=self.unit,
            value=None if value != value else float(value),
            status=CHECK_STATUSES[int(self.status[offset])],
            gap=None if value != value else float(self.threshold - value),
            shortfall=None if shortfall != shortfall else int(shortfall),
            shortfall_unit=self.shortfall_unit,
            provisional=self.provisional,
            reason=self.reason[offset],
            window=self.window_check(offset),
            veto=self.veto,
        )

    def window_check(self, offset: int) -> WindowCheck | None:
        """The published model of the window of the rule's ``offset``-th unit (None for a rule of one year)."""
        if self.window is None or self.calendar is None or not self.calendar[offset].any():
            return None  # a row without a year has no window
        assert self.calendar is not None and self.absent is not None and self.failing_year is not None
        assert self.year_value is not None and self.year_status is not None and self.year_shortfall is not None
        years = self.calendar[offset].tolist()
        by_year = []
        for back, year in enumerate(years):
            value, status, short = self.year_value[offset][back], self.year_status[offset][back], None
            if status >= 0 and self.year_shortfall[offset][back] == self.year_shortfall[offset][back]:
                short = int(self.year_shortfall[offset][back])
            by_year.append(
                YearCheck(
                    year=year,
                    value=None if value != value else float(value),
                    status=CHECK_STATUSES[int(status)] if status >= 0 else None,  # type: ignore[arg-type]
                    shortfall=short,
                )
            )
        failing = int(self.failing_year[offset])
        return WindowCheck(
            kind=self.window.kind,
            years=self.window.years,
            first_year=years[0],
            last_year=years[-1],
            failing_year=failing or None,
            missing_years=[year for year, gone in zip(years, self.absent[offset].tolist(), strict=True) if gone],
            by_year=by_year,
        )


@dataclass(frozen=True)
class FlatChecks:
    """Every check of every unit in one run of arrays, unit by unit (in table order), rule by rule within a
    unit: ``rule`` indexes ``Assessments.rules``, ``offset`` the unit within that rule's arrays, and the checks
    of unit u are ``starts[u]:starts[u + 1]``."""

    unit: np.ndarray
    rule: np.ndarray
    offset: np.ndarray
    starts: np.ndarray

    def column(self, rules: Sequence[RuleColumn], name: str) -> np.ndarray:
        """One array of the rules (value, status, shortfall, reason, gap) for every check, in order."""
        import numpy as np

        if not rules:
            return np.zeros(0, dtype={"status": np.int8, "reason": object}.get(name, np.float64))
        joined = np.concatenate([getattr(rule, name) for rule in rules])
        return np.asarray(joined[self.positions(rules)])

    def attribute(self, rules: Sequence[RuleColumn], name: str) -> np.ndarray:
        """A rule's own attribute (name, op, threshold …) for every check, as objects."""
        import numpy as np

        return np.asarray(objects([getattr(rule, name) for rule in rules])[self.rule])

    def positions(self, rules: Sequence[RuleColumn]) -> np.ndarray:
        """Where each check stands in the rules' arrays laid end to end."""
        import numpy as np

        firsts = np.cumsum([0] + [len(rule.rows) for rule in rules])[:-1]
        return np.asarray(np.asarray(firsts, dtype=np.int64)[self.rule] + self.offset)


@dataclass
class Assessments:
    """The standard's verdict on every unit of a unit table, as arrays in the table's order."""

    standard: str
    status: np.ndarray  # codes of UNIT_STATUSES; -1 for a unit the standard does not assess
    rule_set: np.ndarray  # objects: the conditional rule set that applied, or None
    provisional: np.ndarray
    reason: np.ndarray  # objects: why a unit has no check, or None
    rules: list[RuleColumn]
    scores: list[ScoreColumns] = dataclasses.field(default_factory=list)

    @property
    def assessed(self) -> np.ndarray:
        return self.status >= 0

    @cached_property
    def scored(self) -> dict[int, tuple[ScoreColumns, int]]:
        """Unit position -> its level's score columns and its offset in them."""
        return {
            int(row): (columns, offset) for columns in self.scores for offset, row in enumerate(columns.rows.tolist())
        }

    def grades(self) -> tuple[np.ndarray, np.ndarray]:
        """Each unit's total score (NaN when unknown or not scored) and grade (objects: None when unknown)."""
        import numpy as np

        totals = np.full(len(self.status), np.nan)
        grades = np.full(len(self.status), None, dtype=object)
        for columns in self.scores:
            totals[columns.rows] = columns.total
            names = objects([grade.name_in(columns.language) for grade in columns.scoring.grades] + [None])
            grades[columns.rows] = names[columns.grade]  # -1, unknown, takes the None at the end
        return totals, grades

    def score(self, position: int) -> Score | None:
        """The published model of one unit's score (None when its level is not scored)."""
        found = self.scored.get(position)
        return None if found is None else found[0].score(found[1])

    @cached_property
    def flat(self) -> FlatChecks:
        import numpy as np

        units = np.concatenate([rule.rows for rule in self.rules] + [np.zeros(0, dtype=np.int64)])
        rules = np.concatenate(
            [np.full(len(rule.rows), index, dtype=np.int64) for index, rule in enumerate(self.rules)]
            + [np.zeros(0, dtype=np.int64)]
        )
        offsets = np.concatenate(
            [np.arange(len(rule.rows), dtype=np.int64) for rule in self.rules] + [np.zeros(0, dtype=np.int64)]
        )
        order = np.lexsort((rules, units))
        counts = np.bincount(units, minlength=len(self.status)) if len(units) else np.zeros(len(self.status), int)
        starts = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
        return FlatChecks(unit=units[order], rule=rules[order], offset=offsets[order], starts=starts)

    def assessment(self, position: int) -> Assessment | None:
        """The published model of one unit's assessment (None when the standard does not assess the unit)."""
        status = int(self.status[position])
        if status < 0:
            return None
        flat = self.flat
        checks = [
            self.rules[rule].check(offset)
            for rule, offset in zip(
                flat.rule[flat.starts[position] : flat.starts[position + 1]].tolist(),
                flat.offset[flat.starts[position] : flat.starts[position + 1]].tolist(),
                strict=True,
            )
        ]
        return Assessment.model_construct(
            every_field(Assessment),
            standard=self.standard,
            status=UNIT_STATUSES[status],
            rule_set=self.rule_set[position],
            provisional=bool(self.provisional[position]),
            reason=self.reason[position],
            checks=checks,
            score=self.score(position),
        )


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


def assess(units: UnitTable, standard: Standard, catalog: Catalog, language: Language = "zh") -> Assessments:
    """Every unit of the standard's levels against its rules (and its scoring); other units are left unassessed.

    A standard over years judges each unit once, at its latest year; its earlier rows are its windows.
    """
    import numpy as np

    frame = units.frame
    count = len(frame)
    status = np.full(count, -1, dtype=np.int8)
    rule_set = np.full(count, None, dtype=object)
    provisional = np.zeros(count, dtype=bool)
    reason = np.full(count, None, dtype=object)
    columns: list[RuleColumn] = []
    scores: list[ScoreColumns] = []
    levels = frame["level"].to_numpy(dtype=object)
    index = YearIndex(frame) if standard.over_years else None
    judged = index.latest() if index is not None else np.ones(count, dtype=bool)
    for level in standard.judged_levels:
        members = np.flatnonzero((levels == level) & judged)
        if len(members) == 0:
            continue
        subset = frame.iloc[members]
        applies, chosen, blank_condition = _applicable(standard.entries_for(level), subset, catalog, language)
        present = np.zeros(len(members), dtype=np.int64)
        failing = np.zeros(len(members), dtype=bool)
        missing = np.zeros(len(members), dtype=bool)
        marked = np.zeros(len(members), dtype=bool)
        for rule, mask in applies:
            if rule.window is not None and index is not None:
                rows = members[np.flatnonzero(mask)]
                column = _window_column(rule, standard, frame, index, rows, catalog, language)
            else:
                column = _rule_column(rule, standard, subset, mask, members, catalog, language)
            column = dataclasses.replace(column, veto=standard.is_veto(level, rule))
            columns.append(column)
            present += mask
            failing[mask] |= column.status == FAIL
            missing[mask] |= column.status == MISSING
            if column.provisional:
                marked |= mask
        blank = np.array([text is not None for text in blank_condition], dtype=bool)
        missing |= blank  # the rules its blank condition would choose are unknown: it cannot pass on the rest
        kept = (present > 0) | blank
        if level in standard.scoring:
            scored = score_columns(standard, level, members, columns, frame, index, catalog, language)
            scores.append(scored)
            kept[:] = True
            failing |= scored.passes == 0
            missing |= scored.passes < 0
            marked |= scored.provisional
        codes = np.where(failing, FAIL, np.where(missing | (present == 0), INCOMPLETE, PASS))
        if level in standard.scoring:
            codes = np.where(failing, FAIL, np.where(missing, INCOMPLETE, PASS))
        status[members[kept]] = codes[kept]
        rule_set[members[kept]] = objects(chosen)[kept]
        provisional[members[kept]] = marked[kept]
        reason[members[blank]] = objects(blank_condition)[blank]
    # each level's rules stay together in the standard's order; a unit's checks are read in that order
    return Assessments(standard.id, status, rule_set, provisional, reason, columns, scores)


def _applicable(
    entries: Sequence[Threshold | RuleSet], subset: pd.DataFrame, catalog: Catalog, language: Language
) -> tuple[list[tuple[Threshold, np.ndarray]], list[str | None], list[str | None]]:
    """Each rule with the mask of units it applies to; per unit, the rule set chosen and any blank condition."""
    import numpy as np

    count = len(subset)
    applies: list[tuple[Threshold, np.ndarray]] = []
    chosen: list[str | None] = [None] * count
    blank: list[str | None] = [None] * count
    taken = np.zeros(count, dtype=bool)
    for entry in entries:
        if isinstance(entry, Threshold):
            applies.append((entry, np.ones(count, dtype=bool)))
            continue
        columns = {
            name: subset[name].astype(object).where(subset[name].notna(), None).tolist()
            if name in subset
            else [None] * count
            for name in entry.when
        }
        matches = np.zeros(count, dtype=bool)
        for offset in range(count):
            verdict = entry.matches({name: values[offset] for name, values in columns.items()})
            if verdict is None and not taken[offset]:
                name = next(n for n, values in columns.items() if is_blank(values[offset]))
                header = catalog.fields[name].label(language)
                blank[offset] = message_template("check-condition-blank", language).format(header=header)
            elif verdict and not taken[offset]:
                matches[offset] = True
                chosen[offset] = entry.name or ", ".join(entry.when)
        taken |= matches
        applies.extend((rule, matches) for rule in entry.rules)
    for offset in np.flatnonzero(taken).tolist():
        blank[offset] = None
    return applies, chosen, blank


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


def _rule_column(
    rule: Threshold,
    standard: Standard,
    subset: pd.DataFrame,
    mask: np.ndarray,
    members: np.ndarray,
    catalog: Catalog,
    language: Language,
) -> RuleColumn:
    """The check of one rule for the units of the subset it applies to (``mask``), in their own year."""
    import numpy as np

    threshold = float(rule.value)
    chosen = subset.iloc[np.flatnonzero(mask)]
    measure = measure_of(rule.indicator, rule.field, chosen, catalog, language)
    values = measure.values
    missing = np.isnan(values)
    passing = passes(rule.op, values, threshold) & ~missing
    failing = ~passing & ~missing
    shortfall = np.where(passing, 0.0, np.nan)
    if rule.op in (">=", ">", "==") and failing.any():
        rows = np.flatnonzero(failing)
        reach_op = ">=" if rule.op == "==" else rule.op

        def reaches(added: np.ndarray) -> np.ndarray:
            return passes(reach_op, measure.value_after(added, rows), threshold)

        least = least_addition(reaches, len(rows))
        if rule.op == "==":
            exact = passes("==", measure.value_after(np.nan_to_num(least), rows), threshold)
            least = np.where(exact, least, np.nan)
        shortfall[rows] = least
    status = np.where(missing, MISSING, np.where(passing, PASS, FAIL)).astype(np.int8)
    reason = np.full(len(chosen), None, dtype=object)
    reason[missing] = np.asarray(measure.reasons, dtype=object)[missing]
    no_shortfall = failing & np.isnan(shortfall)
    if no_shortfall.any():
        code = "check-upper-bound" if rule.op in ("<=", "<") else "check-unreachable"
        reason[no_shortfall] = message_template(code, language)
    return RuleColumn(
        indicator=rule.indicator,
        field=rule.field,
        name=measure.name,
        op=rule.op,
        threshold=threshold,
        unit=measure.unit,
        shortfall_unit=measure.shortfall_unit,
        provisional=standard.is_provisional(rule),
        rows=members[np.flatnonzero(mask)].astype(np.int64),
        value=values,
        status=status,
        shortfall=shortfall,
        reason=reason,
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


def _window_column(
    rule: Threshold,
    standard: Standard,
    frame: pd.DataFrame,
    index: YearIndex,
    rows: np.ndarray,
    catalog: Catalog,
    language: Language,
) -> RuleColumn:
    """The check of a rule over a window of years for the units at ``rows`` (each judged at its own year)."""
    import numpy as np

    window = rule.window
    assert window is not None
    plain = rule.model_copy(update={"window": None})
    found, calendar = index.window(rows, window.years)
    absent = found < 0
    needed = np.unique(found[~absent])
    yearly = _rule_column(plain, standard, frame.iloc[needed], np.ones(len(needed), bool), needed, catalog, language)
    at = np.searchsorted(needed, np.where(absent, needed[0] if len(needed) else 0, found))

    def per_year(values: np.ndarray, blank: Any) -> np.ndarray:
        gathered = values[at] if len(needed) else np.full(found.shape, blank)
        return np.where(absent, blank, gathered)

    year_value = per_year(yearly.value, np.nan).astype("float64")
    year_status = per_year(yearly.status.astype(np.int64), -1).astype(np.int64)
    year_shortfall = per_year(yearly.shortfall, np.nan).astype("float64")
    year_reason = per_year(yearly.reason, None)
    count = len(rows)
    if window.each:
        failed = year_status == FAIL
        unknown = absent | (year_status == MISSING)
        status = np.where(failed.any(1), FAIL, np.where(unknown.any(1), MISSING, PASS)).astype(np.int8)
        lower = rule.op in (">=", ">", "==")
        with np.errstate(all="ignore"):
            present = np.where(np.isnan(year_value), np.inf if lower else -np.inf, year_value)
            weakest = present.min(1) if lower else present.max(1)
        value = np.where(np.isinf(weakest), np.nan, weakest)
        summed = np.where(failed, year_shortfall, 0.0).sum(1)
        shortfall = np.where(status == PASS, 0.0, np.where((status == FAIL) & ~unknown.any(1), summed, np.nan))
        column = dataclasses.replace(
            yearly,
            rows=rows.astype(np.int64),
            value=value,
            status=status,
            shortfall=shortfall,
            # failing with no shortfall (an upper limit, or unreachable): why, as for a rule of one year
            reason=np.where(
                (status == FAIL) & np.isnan(shortfall),
                message_template("check-upper-bound" if rule.op in ("<=", "<") else "check-unreachable", language),
                np.full(count, None, dtype=object),
            ),
        )
    else:
        sums, unknown = pooled_counts(rule.indicator, rule.field, frame, found, catalog)
        column = _rule_column(plain, standard, sums, np.ones(count, bool), rows, catalog, language)
        failed = np.zeros_like(absent)
    reason = column.reason.copy()
    named = unknown.any(1) & (column.status != PASS) if window.each else unknown.any(1) & (column.status == MISSING)
    for offset in np.flatnonzero(named).tolist():
        reason[offset] = window_reason(
            calendar[offset], absent[offset], unknown[offset], year_reason[offset].__getitem__, language
        )
    first_failing = np.where(failed.any(1), calendar[np.arange(count), failed.argmax(1)], 0)
    return dataclasses.replace(
        column,
        reason=reason,
        window=window,
        calendar=calendar,
        absent=absent,
        year_value=year_value,
        year_status=np.where(absent, MISSING, year_status) if window.each else np.full(found.shape, -1, np.int64),
        year_shortfall=year_shortfall if window.each else np.full(found.shape, np.nan),
        failing_year=first_failing,
    )


def coverage_of(
    frame: pd.DataFrame, assessments: Assessments, standard: Standard, register: Sequence[RegisterEntry] = ()
) -> list[LevelCoverage]:
    """Per level the standard covers and per year: how many units were assessed and how many pass."""
    import numpy as np

    known_years = frame["year"].dropna().unique().tolist()
    years: list[int | None] = [*sorted(int(year) for year in known_years)] or [None]
    year_values = frame["year"].to_numpy(dtype="float64")
    if standard.over_years:  # each unit judged at its latest year: the years before are windows, not verdicts
        judged_years = year_values[assessments.assessed]
        years = [*sorted({int(year) for year in judged_years.tolist() if year == year})] or years
    levels = frame["level"].to_numpy(dtype=object)
    codes = frame["unit_code"].astype(str).to_numpy(dtype=object) if register else None
    present_in: dict[int | None, set[str]] = {}  # the codes of each year's units, for the register
    coverage: list[LevelCoverage] = []
    # a coverage target on a level without rules still gets its row: nothing there can be assessed
    for level in dict.fromkeys([*standard.judged_levels, *standard.coverage]):
        for year in years:
            in_year = np.isnan(year_values) if year is None else year_values == year
            members = assessments.status[in_year & (levels == level) & assessments.assessed]
            registered = [entry for entry in register if entry.level == level]
            if registered and year not in present_in:
                assert codes is not None
                present_in[year] = set(codes[in_year].tolist())
            absent = [entry for entry in registered if entry.unit_code not in present_in[year]]
            counts = np.bincount(members.astype(np.int64), minlength=len(UNIT_STATUSES))
            passed = int(counts[PASS])
            assessed = len(members) + len(absent)
            share = passed / assessed * 100 if assessed else None
            target = standard.coverage.get(level)
            coverage.append(
                LevelCoverage(
                    level=level,
                    year=year,
                    assessed=assessed,
                    passed=passed,
                    failed=int(counts[FAIL]),
                    incomplete=int(counts[INCOMPLETE]),
                    no_return=len(absent),
                    share=share,
                    target=target,
                    met=None if target is None or share is None else share >= target - TOLERANCE,
                    missing_units=[
                        MissingUnit(unit_code=entry.unit_code, unit_name=entry.unit_name) for entry in absent
                    ],
                )
            )
    return coverage


# --- scored evaluations -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ItemColumn:
    """One scored item for every unit of a level: what it measures and the points earned."""

    item: ScoreItem
    name: str
    unit: str
    value: np.ndarray
    points: np.ndarray  # NaN when the value is missing
    reason: np.ndarray  # objects
    measure: Measure | None  # None for an evaluator's score field


@dataclass(frozen=True)
class ScoreColumns:
    """A level's scored evaluation of every unit judged, as arrays in the order of ``rows``."""

    scoring: Scoring
    rows: np.ndarray
    items: list[ItemColumn]
    total: np.ndarray  # NaN when an item is missing
    known: np.ndarray
    grade: np.ndarray  # index into scoring.grades; -1 when unknown
    passes: np.ndarray  # 1 passes, 0 does not, -1 unknown
    vetoed: np.ndarray
    veto_rules: np.ndarray  # objects: lists of rule ids
    provisional: np.ndarray
    next_item: np.ndarray  # index into items of the cheapest item to the next grade; -1 when none
    addition: np.ndarray
    value_after: np.ndarray
    reason: np.ndarray  # objects
    language: Language

    def score(self, offset: int) -> Score:
        """The published model of the ``offset``-th unit's score."""
        grades = self.scoring.grades
        grade = int(self.grade[offset])
        reached = grades[grade] if grade >= 0 else None
        total = self.total[offset]
        next_grade = None
        if grade > 0 and total == total and not self.vetoed[offset]:
            above = grades[grade - 1]
            item = int(self.next_item[offset])
            chosen = self.items[item] if item >= 0 else None
            unit = None
            if chosen is not None:
                unit = "point" if chosen.measure is None else chosen.measure.shortfall_unit
            next_grade = NextGrade(
                grade=above.name_in(self.language),
                points_needed=float(above.min - total),
                item=chosen.item.id if chosen is not None else None,
                item_name=chosen.name if chosen is not None else None,
                addition=_number(self.addition[offset]) if chosen is not None else None,
                addition_unit=unit,  # type: ignore[arg-type]
                value_after=_number(self.value_after[offset]) if chosen is not None else None,
            )
        return Score(
            total=_number(total),
            max_total=self.scoring.total,
            known=float(self.known[offset]),
            grade=reached.name_in(self.language) if reached is not None else None,
            passes=reached.passes if reached is not None else None,
            subsidy=reached.subsidy if reached is not None else None,
            exit=reached.exit if reached is not None else None,
            vetoed=bool(self.vetoed[offset]),
            veto_rules=list(self.veto_rules[offset]),
            items=[
                ItemScore(
                    item=column.item.id,
                    name=column.name,
                    unit=column.unit,  # type: ignore[arg-type]
                    value=_number(column.value[offset]),
                    points=_number(column.points[offset]),
                    max_points=column.item.points,
                    provisional=column.item.provisional,
                    reason=column.reason[offset],
                )
                for column in self.items
            ],
            next_grade=next_grade,
            reason=self.reason[offset],
        )


def _number(value: Any) -> float | None:
    return None if value is None or value != value else float(value)


def points_of(item: ScoreItem, values: np.ndarray) -> np.ndarray:
    """The points an item's values earn: full marks at or above ``full``, none below ``floor``, linear between;
    or the highest step reached. NaN where the value is missing."""
    import numpy as np

    values = np.asarray(values, dtype="float64")
    if item.steps:
        earned = np.zeros(values.shape)
        for step in sorted(item.steps, key=lambda step: step.at):
            earned = np.where(passes(">=", values, step.at), step.points, earned)
    else:
        assert item.full is not None
        full = item.full
        floor = item.floor if item.floor is not None else full
        earned = np.where(passes(">=", values, full), item.points, 0.0)
        if floor < full:
            with np.errstate(invalid="ignore"):
                share = np.clip((values - floor) / (full - floor), 0.0, 1.0)
            earned = np.where(passes(">=", values, full), item.points, item.points * share)
    return np.where(np.isnan(values), np.nan, earned)


def score_columns(
    standard: Standard,
    level: str,
    members: np.ndarray,
    rules: Sequence[RuleColumn],
    frame: pd.DataFrame,
    index: YearIndex | None,
    catalog: Catalog,
    language: Language,
) -> ScoreColumns:
    """The scored evaluation of a level's units (``members``): each item's points, the total, the grade (the
    lowest when a veto rule fails), and the cheapest single item that would reach the next grade."""
    import numpy as np

    scoring = standard.scoring[level]
    count = len(members)
    subset = frame.iloc[members]
    items = [_item_column(item, subset, frame, index, members, catalog, language) for item in scoring.items]
    points = np.column_stack([column.points for column in items]) if items else np.zeros((count, 0))
    total = points.sum(1)
    known = np.nansum(points, 1)
    vetoed = np.zeros(count, dtype=bool)
    veto_unknown = np.zeros(count, dtype=bool)
    failed_rules: list[list[str]] = [[] for _ in range(count)]
    where = {int(row): offset for offset, row in enumerate(members.tolist())}
    for rule in rules:
        if not rule.veto or not len(rule.rows) or int(rule.rows[0]) not in where:
            continue
        offsets = np.array([where.get(int(row), -1) for row in rule.rows.tolist()], dtype=np.int64)
        inside = offsets >= 0
        vetoed[offsets[inside & (rule.status == FAIL)]] = True
        veto_unknown[offsets[inside & (rule.status == MISSING)]] = True
        for offset in offsets[inside & (rule.status == FAIL)].tolist():
            failed_rules[offset].append(rule.rule_id)
    cuts = np.array([grade.min for grade in scoring.grades])
    slack = TOLERANCE * np.maximum(1.0, cuts)
    reached = np.argmax(total[:, None] >= cuts[None, :] - slack[None, :], axis=1) if count else np.zeros(0, int)
    grade = np.where(np.isnan(total) | veto_unknown, -1, reached)
    grade = np.where(vetoed, len(scoring.grades) - 1, grade)
    grade_passes = np.array([1 if band.passes else 0 for band in scoring.grades])
    passes_ = np.where(grade >= 0, grade_passes[np.maximum(grade, 0)], -1)
    reason = np.full(count, None, dtype=object)
    for offset in np.flatnonzero(grade < 0).tolist():
        lacking = [column.name for column in items if column.points[offset] != column.points[offset]]
        if lacking:
            reason[offset] = words.text("score-items-missing", language, items=words.listed(lacking)[language])
        else:
            reason[offset] = words.text("score-veto-missing", language)
    next_item, addition, value_after = _next_grade(scoring, items, total, grade, vetoed)
    provisional = np.full(count, any(item.provisional for item in scoring.items))
    return ScoreColumns(
        scoring=scoring,
        rows=members.astype(np.int64),
        items=items,
        total=total,
        known=known,
        grade=grade.astype(np.int64),
        passes=passes_.astype(np.int8),
        vetoed=vetoed,
        veto_rules=objects([tuple(names) for names in failed_rules]),
        provisional=provisional,
        next_item=next_item,
        addition=addition,
        value_after=value_after,
        reason=reason,
        language=language,
    )


def _item_column(
    item: ScoreItem,
    subset: pd.DataFrame,
    frame: pd.DataFrame,
    index: YearIndex | None,
    members: np.ndarray,
    catalog: Catalog,
    language: Language,
) -> ItemColumn:
    """One item's values and points for the units of ``subset`` (at ``members`` in the unit table)."""
    import numpy as np

    if item.score_field is not None:
        definition = catalog.fields[item.score_field]
        name = item.name_in(language) or definition.label(language)
        values = (
            subset[definition.id].to_numpy(dtype="float64") if definition.id in subset else np.full(len(subset), np.nan)
        )
        header = definition.label(language)
        reason = objects([None] * len(values))
        reason[np.isnan(values)] = message_template("check-field-missing", language).format(header=header)
        above = values > item.points * (1 + TOLERANCE)
        for offset in np.flatnonzero(above).tolist():
            reason[offset] = words.text(
                "score-above-max", language, header=header, value=f"{values[offset]:g}", points=f"{item.points:g}"
            )
        earned = np.where(above, np.nan, values)
        return ItemColumn(item, name, "point", values, earned, reason, None)
    if item.window is not None and index is not None:
        found, calendar = index.window(members, item.window.years)
        chosen, unknown = pooled_counts(item.indicator, item.field, frame, found, catalog)
    else:
        chosen, unknown, calendar = subset, np.zeros((len(subset), 0), dtype=bool), None
    measure = measure_of(item.indicator, item.field, chosen, catalog, language)
    reason = objects([None] * len(measure.values))
    reason[np.isnan(measure.values)] = np.asarray(measure.reasons, dtype=object)[np.isnan(measure.values)]
    if calendar is not None:
        absent = found < 0
        for offset in np.flatnonzero(unknown.any(1)).tolist():

            def year_reason(back: int, offset: int = offset) -> str | None:
                row = frame.iloc[[int(found[offset][back])]]
                return str(measure_of(item.indicator, item.field, row, catalog, language).reasons[0])

            reason[offset] = window_reason(calendar[offset], absent[offset], unknown[offset], year_reason, language)
    name = item.name_in(language) or measure.name
    return ItemColumn(item, name, measure.unit, measure.values, points_of(item, measure.values), reason, measure)


def _next_grade(
    scoring: Scoring, items: Sequence[ItemColumn], total: np.ndarray, grade: np.ndarray, vetoed: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per unit below the top grade: the item that alone reaches the next grade up with the least relative
    increase of its own count (its addition over what it counts now), the addition, and its value after."""
    import numpy as np

    count = len(total)
    best_item = np.full(count, -1, dtype=np.int64)
    best_cost = np.full(count, np.inf)
    addition = np.full(count, np.nan)
    value_after = np.full(count, np.nan)
    cuts = np.array([band.min for band in scoring.grades])
    open_ = (grade > 0) & ~vetoed & ~np.isnan(total)
    if not open_.any():
        return best_item, addition, value_after
    needed = np.where(open_, cuts[np.maximum(grade - 1, 0)] - total, np.nan)
    for position, column in enumerate(items):
        target = column.points + needed
        room = open_ & (column.item.points >= target - TOLERANCE * max(1.0, column.item.points))
        rows = np.flatnonzero(room)
        if not len(rows):
            continue
        if column.measure is None:
            added = needed[rows]
            after = column.value[rows] + added
            base = column.value[rows]
        else:
            measure, item = column.measure, column.item

            def reaches(
                add: np.ndarray,
                rows: np.ndarray = rows,
                measure: Measure = measure,
                item: ScoreItem = item,
                wanted: np.ndarray = target[rows],
            ) -> np.ndarray:
                earned = points_of(item, measure.value_after(add, rows))
                return np.asarray(earned >= wanted - TOLERANCE * np.maximum(1.0, wanted))

            added = least_addition(reaches, len(rows))
            after = measure.value_after(np.nan_to_num(added), rows)
            base = measure.base[rows]
        cost = added / np.maximum(np.nan_to_num(base), 1.0)
        better = ~np.isnan(added) & (cost < best_cost[rows])
        chosen = rows[better]
        best_item[chosen] = position
        best_cost[chosen] = cost[better]
        addition[chosen] = added[better]
        value_after[chosen] = np.asarray(after)[better]
    return best_item, addition, value_after
