"""Every unit judged against a standard column-wise: each rule's values, statuses and shortfalls as arrays."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any

from chuangye_metrics.config.catalog import Catalog
from chuangye_metrics.config.operators import TOLERANCE, passes
from chuangye_metrics.core.models import (
    Assessment,
    LevelCoverage,
    MissingUnit,
    RuleCheck,
    Score,
    WindowCheck,
    YearCheck,
    every_field,
)
from chuangye_metrics.core.words import Language, message_template
from chuangye_metrics.indicators.compute import UnitTable
from chuangye_metrics.standards.library import RuleSet, Standard, Threshold, Window
from chuangye_metrics.standards.measures import (
    CHECK_STATUSES,
    FAIL,
    INCOMPLETE,
    MISSING,
    PASS,
    UNIT_STATUSES,
    YearIndex,
    is_blank,
    least_addition,
    measure_of,
    objects,
    pooled_counts,
    window_reason,
)
from chuangye_metrics.standards.scoring import ScoreColumns, score_columns

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd


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
        # the weakest year: the lowest under a floor, the highest under a ceiling, the farthest from an equality
        distance = {">=": -year_value, ">": -year_value, "<=": year_value, "<": year_value}.get(
            rule.op, np.abs(year_value - rule.value)
        )
        known = ~np.isnan(year_value)
        weakest = np.argmax(np.where(known, distance, -np.inf), axis=1)
        value = np.where(known.any(1), year_value[np.arange(count), weakest], np.nan)
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
