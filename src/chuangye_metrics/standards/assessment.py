"""Every unit judged against a standard column-wise: each rule's values, statuses and shortfalls as arrays."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any

from chuangye_metrics.config import expressions
from chuangye_metrics.config.catalog import Catalog
from chuangye_metrics.config.operators import TOLERANCE, passes
from chuangye_metrics.core.models import Assessment, LevelCoverage, MissingUnit, RuleCheck, every_field
from chuangye_metrics.core.words import Language, message_template
from chuangye_metrics.indicators.compute import UnitTable, indicator_arrays, reason_words
from chuangye_metrics.standards.library import RuleSet, Standard, Threshold

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

    @property
    def assessed(self) -> np.ndarray:
        return self.status >= 0

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
    """Every unit of the standard's levels against its rules; other units are left unassessed."""
    import numpy as np

    frame = units.frame
    count = len(frame)
    status = np.full(count, -1, dtype=np.int8)
    rule_set = np.full(count, None, dtype=object)
    provisional = np.zeros(count, dtype=bool)
    reason = np.full(count, None, dtype=object)
    columns: list[RuleColumn] = []
    levels = frame["level"].to_numpy(dtype=object)
    for level, entries in standard.levels.items():
        members = np.flatnonzero(levels == level)
        if len(members) == 0:
            continue
        subset = frame.iloc[members]
        applies, chosen, blank_condition = _applicable(entries, subset, catalog, language)
        present = np.zeros(len(members), dtype=np.int64)
        failing = np.zeros(len(members), dtype=bool)
        missing = np.zeros(len(members), dtype=bool)
        marked = np.zeros(len(members), dtype=bool)
        for rule, mask in applies:
            column = _rule_column(rule, standard, subset, mask, members, catalog, language)
            columns.append(column)
            present += mask
            failing[mask] |= column.status == FAIL
            missing[mask] |= column.status == MISSING
            if column.provisional:
                marked |= mask
        blank = np.array([text is not None for text in blank_condition], dtype=bool)
        kept = (present > 0) | blank
        codes = np.where(failing, FAIL, np.where(missing | (present == 0), INCOMPLETE, PASS))
        status[members[kept]] = codes[kept]
        rule_set[members[kept]] = objects(chosen)[kept]
        provisional[members[kept]] = marked[kept]
        unchecked = kept & (present == 0)
        reason[members[unchecked]] = objects(blank_condition)[unchecked]
    # each level's rules stay together in the standard's order; a unit's checks are read in that order
    return Assessments(standard.id, status, rule_set, provisional, reason, columns)


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


def _rule_column(
    rule: Threshold,
    standard: Standard,
    subset: pd.DataFrame,
    mask: np.ndarray,
    members: np.ndarray,
    catalog: Catalog,
    language: Language,
) -> RuleColumn:
    """The check of one rule for the units of the subset it applies to (``mask``)."""
    import numpy as np

    threshold = float(rule.value)
    chosen = subset.iloc[np.flatnonzero(mask)]
    count = len(chosen)
    if rule.indicator is not None:
        indicator = catalog.indicators[rule.indicator]
        fields = {name: chosen[name].to_numpy(dtype="float64") for name in indicator.field_names}
        parts = indicator_arrays(fields, count, indicator)
        numerator = np.asarray(parts.numerator, dtype="float64")
        denominator = np.asarray(parts.denominator, dtype="float64")
        values = np.asarray(parts.value, dtype="float64")
        reasons = reason_words(parts, indicator, catalog, language)
        name = indicator.label(language)
        unit: str = indicator.unit
        shortfall_units = {catalog.fields[field].unit for field in expressions.field_names(indicator.numerator_expr)}
        shortfall_unit = shortfall_units.pop() if len(shortfall_units) == 1 else None

        def value_after(added: np.ndarray, rows: np.ndarray) -> np.ndarray:
            return np.asarray(indicator.value_of(numerator[rows] + added, denominator[rows]))

    else:
        definition = catalog.fields[rule.field or ""]
        values = chosen[definition.id].to_numpy(dtype="float64") if definition.id in chosen else np.full(count, np.nan)
        header = definition.label(language)
        reasons = np.full(count, message_template("check-field-missing", language).format(header=header), object)
        name = header
        unit = "count"
        shortfall_unit = definition.unit

        def value_after(added: np.ndarray, rows: np.ndarray) -> np.ndarray:
            return np.asarray(values[rows] + added)

    missing = np.isnan(values)
    passing = passes(rule.op, values, threshold) & ~missing
    failing = ~passing & ~missing
    shortfall = np.where(passing, 0.0, np.nan)
    if rule.op in (">=", ">", "==") and failing.any():
        rows = np.flatnonzero(failing)
        reach_op = ">=" if rule.op == "==" else rule.op

        def reaches(added: np.ndarray) -> np.ndarray:
            return passes(reach_op, value_after(added, rows), threshold)

        least = least_addition(reaches, len(rows))
        if rule.op == "==":
            exact = passes("==", value_after(np.nan_to_num(least), rows), threshold)
            least = np.where(exact, least, np.nan)
        shortfall[rows] = least
    status = np.where(missing, MISSING, np.where(passing, PASS, FAIL)).astype(np.int8)
    reason = np.full(count, None, dtype=object)
    reason[missing] = np.asarray(reasons, dtype=object)[missing]
    no_shortfall = failing & np.isnan(shortfall)
    if no_shortfall.any():
        code = "check-upper-bound" if rule.op in ("<=", "<") else "check-unreachable"
        reason[no_shortfall] = message_template(code, language)
    return RuleColumn(
        indicator=rule.indicator,
        field=rule.field,
        name=name,
        op=rule.op,
        threshold=threshold,
        unit=unit,
        shortfall_unit=shortfall_unit,
        provisional=standard.is_provisional(rule),
        rows=members[np.flatnonzero(mask)].astype(np.int64),
        value=values,
        status=status,
        shortfall=shortfall,
        reason=reason,
    )


def coverage_of(
    frame: pd.DataFrame, assessments: Assessments, standard: Standard, register: Sequence[RegisterEntry] = ()
) -> list[LevelCoverage]:
    """Per level the standard covers and per year: how many units were assessed and how many pass."""
    import numpy as np

    known_years = frame["year"].dropna().unique().tolist()
    years: list[int | None] = [*sorted(int(year) for year in known_years)] or [None]
    year_values = frame["year"].to_numpy(dtype="float64")
    levels = frame["level"].to_numpy(dtype=object)
    codes = frame["unit_code"].astype(str).to_numpy(dtype=object) if register else None
    present_in: dict[int | None, set[str]] = {}  # the codes of each year's units, for the register
    coverage: list[LevelCoverage] = []
    # a coverage target on a level without rules still gets its row: nothing there can be assessed
    for level in dict.fromkeys([*standard.levels, *standard.coverage]):
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
