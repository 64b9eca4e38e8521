"""The check worked out unit by unit from the published models: the oracle of the column-wise assessment.

Plain Python, one unit and one rule at a time: the windows of rules over years, the operating years, the vetoes
and the scored evaluations are worked out here afresh, not with the helpers of ``standards.assessment``.
"""

from __future__ import annotations

import io
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from chuangye_metrics.config import expressions
from chuangye_metrics.config.catalog import Catalog
from chuangye_metrics.config.operators import LOWER_BOUNDS, TOLERANCE, passes
from chuangye_metrics.core import words
from chuangye_metrics.core.findings import Finding
from chuangye_metrics.core.models import (
    AssessedUnit,
    Assessment,
    CheckResult,
    ItemScore,
    Lack,
    LevelCoverage,
    LevelQuota,
    MissingUnit,
    NextGrade,
    RuleCheck,
    Score,
    Shortlist,
    ShortlistEntry,
    Source,
    UnitResult,
    WindowCheck,
    YearCheck,
)
from chuangye_metrics.core.text import csv_line, defused
from chuangye_metrics.core.words import Language, message_template
from chuangye_metrics.indicators.compute import UnitTable, indicator_frame
from chuangye_metrics.outputs.csv import CHECK_CSV_COLUMNS, SHORTLIST_COLUMNS
from chuangye_metrics.standards.assessment import RegisterEntry
from chuangye_metrics.standards.check import standard_info
from chuangye_metrics.standards.library import RuleSet, ScoreItem, Scoring, Standard, Threshold

if TYPE_CHECKING:
    import pandas as pd

DEFAULT_NEAR = 5
MOST_DOUBLINGS = 62


def judged_by_unit(
    units: UnitTable,
    results: Sequence[UnitResult],
    sources: list[Source],
    standard: Standard,
    catalog: Catalog,
    language: Language,
    register: Sequence[RegisterEntry],
    findings: list[Finding],
) -> CheckResult:
    """The units (results in the table's order) assessed against the standard, with the coverage per level."""
    assessments = assess_by_unit(units, standard, catalog, language)
    assessed = [
        AssessedUnit(**unit.model_dump(), assessment=assessments.get(index))
        for index, unit in zip(units.frame.index, results, strict=True)
    ]
    return CheckResult(
        sources=sources,
        standard=standard_info(standard),
        units=assessed,
        coverage=coverage_by_unit(assessed, standard, register),
        findings=findings,
    )


def assess_by_unit(
    units: UnitTable, standard: Standard, catalog: Catalog, language: Language = "zh"
) -> dict[Any, Assessment]:
    """Assessment of every unit the standard judges, keyed by the unit's index in the table.

    A standard that looks back over years (a window, or the operating years) judges each unit once, at its
    latest year; its earlier rows are only its window.
    """
    frame = units.frame
    rows = _Rows(frame)
    judged = rows.latest() if _looks_back(standard) else [True] * len(frame)
    levels = frame["level"].tolist()
    assessments: dict[Any, Assessment] = {}
    for level in dict.fromkeys([*standard.levels, *standard.scoring]):
        positions = [position for position in range(len(frame)) if levels[position] == level and judged[position]]
        if not positions:
            continue
        entries: list[Threshold | RuleSet] = list(standard.levels.get(level, []))
        if standard.min_years_operating is not None:
            entries.append(Threshold(field="operating_years", op=">=", value=standard.min_years_operating))
        applies, chosen, blank_condition = _applicable(entries, frame.iloc[positions], catalog, language)
        scoring = standard.scoring.get(level)
        vetoes = scoring.veto if scoring is not None else []
        rules = [(rule, mask, False) for rule, mask in applies]
        rules += [(rule, [True] * len(positions), True) for rule in vetoes]
        for offset, position in enumerate(positions):
            checks = [
                _check(rule, veto, position, rows, standard, catalog, language)
                for rule, mask, veto in rules
                if mask[offset]
            ]
            statuses = {check.status for check in checks}
            # a blank condition leaves the rules it would choose unknown: the unit cannot pass on the rest
            blank = blank_condition[offset] is not None
            score = None
            if scoring is not None:
                score = _score(scoring, [check for check in checks if check.veto], position, rows, catalog, language)
                failing = "fail" in statuses or score.passes is False
                incomplete = "missing" in statuses or score.passes is None or blank
            elif not checks and not blank:
                continue
            else:
                failing = "fail" in statuses
                incomplete = "missing" in statuses or not checks or blank
            status: Literal["pass", "fail", "incomplete"] = (
                "fail" if failing else "incomplete" if incomplete else "pass"
            )
            items_provisional = scoring is not None and any(item.provisional for item in scoring.items)
            assessments[frame.index[position]] = Assessment.model_validate(
                {
                    "standard": standard.id,
                    "status": status,
                    "rule_set": chosen[offset],
                    "provisional": any(check.provisional for check in checks) or items_provisional,
                    "reason": blank_condition[offset],
                    "checks": checks,
                    "score": score,
                },
            )
    return assessments


def _looks_back(standard: Standard) -> bool:
    """A rule or item over a window of years, or the operating years: the standard judges units once."""
    rules: list[Threshold] = [*(veto for scoring in standard.scoring.values() for veto in scoring.veto)]
    for entries in standard.levels.values():
        for entry in entries:
            rules.extend(entry.rules if isinstance(entry, RuleSet) else [entry])
    items = [item for scoring in standard.scoring.values() for item in scoring.items]
    return (
        standard.min_years_operating is not None
        or any(rule.window is not None for rule in rules)
        or any(item.window is not None for item in items)
    )


class _Rows:
    """The unit table's rows by position: their codes and years, each unit's row of each year, their counts."""

    def __init__(self, frame: pd.DataFrame) -> None:
        self.frame = frame
        self.codes = frame["unit_code"].astype(str).tolist()
        self.years: list[int | None] = [None if year != year else int(year) for year in frame["year"].tolist()]
        self.at = {
            (code, year): position for position, (code, year) in enumerate(zip(self.codes, self.years, strict=True))
        }
        self.columns: dict[str, list[float]] = {}

    def latest(self) -> list[bool]:
        """Per row: is it its unit's latest year (a row without a year always is)."""
        latest: dict[str, int] = {}
        for code, year in zip(self.codes, self.years, strict=True):
            if year is not None:
                latest[code] = max(year, latest.get(code, year))
        return [year is None or year == latest[code] for code, year in zip(self.codes, self.years, strict=True)]

    def fields(self, position: int, names: Sequence[str]) -> dict[str, float]:
        """The counts of one row (NaN where blank, or where the table has no such column)."""
        values: dict[str, float] = {}
        for name in names:
            if name not in self.columns:
                column = self.frame.get(name)
                self.columns[name] = (
                    [math.nan] * len(self.frame) if column is None else column.to_numpy(dtype="float64").tolist()
                )
            values[name] = self.columns[name][position]
        return values

    def window(self, position: int, years: int) -> tuple[list[int], list[int | None]] | None:
        """The ``years`` years up to the row's own, oldest first, and the unit's row in each (None where it has
        none); None for a row without a year."""
        year = self.years[position]
        if year is None:
            return None
        calendar = [year - years + 1 + back for back in range(years)]
        return calendar, [self.at.get((self.codes[position], when)) for when in calendar]


def _applicable(
    entries: Sequence[Threshold | RuleSet], subset: pd.DataFrame, catalog: Catalog, language: Language
) -> tuple[list[tuple[Threshold, list[bool]]], list[str | None], list[str | None]]:
    """Each rule with the units it applies to; per unit, the rule set chosen and any blank condition."""
    count = len(subset)
    applies: list[tuple[Threshold, list[bool]]] = []
    chosen: list[str | None] = [None] * count
    blank: list[str | None] = [None] * count
    taken = [False] * count
    for entry in entries:
        if isinstance(entry, Threshold):
            applies.append((entry, [True] * count))
            continue
        columns = {
            name: subset[name].astype(object).where(subset[name].notna(), None).tolist()
            if name in subset
            else [None] * count
            for name in entry.when
        }
        matches = [False] * count
        for offset in range(count):
            verdict = entry.matches({name: values[offset] for name, values in columns.items()})
            if verdict is None and not taken[offset]:
                name = next(n for n, values in columns.items() if _blank(values[offset]))
                header = catalog.fields[name].header if language == "zh" else name
                blank[offset] = message_template("check-condition-blank", language).format(header=header)
            elif verdict and not taken[offset]:
                matches[offset] = True
                chosen[offset] = entry.name or ", ".join(entry.when)
        taken = [before or now for before, now in zip(taken, matches, strict=True)]
        applies.extend((rule, matches) for rule in entry.rules)
    return applies, chosen, [None if taken[offset] else blank[offset] for offset in range(count)]


def _blank(value: Any) -> bool:
    return value is None or value != value or str(value).strip() == ""


@dataclass(frozen=True)
class _Measured:
    """What a rule or an item measures for one unit: its value, what an addition is added to, why it is
    missing, and its value once a whole number is added."""

    value: float  # NaN when missing
    base: float  # the indicator's numerator, or the field's value
    reason: str | None
    after: Callable[[float], float]


def _measure(
    indicator_id: str | None, field_id: str | None, fields: Mapping[str, float], catalog: Catalog, language: Language
) -> _Measured:
    """The indicator (worked out from the counts given) or the count field."""
    import pandas as pd

    if indicator_id is not None:
        indicator = catalog.indicators[indicator_id]
        one = pd.DataFrame({name: [fields[name]] for name in indicator.field_names})
        parts = indicator_frame(one, indicator, catalog, language).iloc[0]
        numerator, denominator = float(parts["numerator"]), float(parts["denominator"])
        return _Measured(
            value=float(parts["value"]),
            base=numerator,
            reason=parts["reason"],
            after=lambda added: float(indicator.value_of(numerator + added, denominator)),
        )
    definition = catalog.fields[field_id or ""]
    value = fields[definition.id]
    header = definition.header if language == "zh" else definition.id
    return _Measured(
        value=value,
        base=value,
        reason=message_template("check-field-missing", language).format(header=header),
        after=lambda added: value + added,
    )


def _counted(indicator_id: str | None, field_id: str | None, catalog: Catalog) -> list[str]:
    """The counts an indicator is worked out from, or the field itself."""
    return catalog.indicators[indicator_id].field_names if indicator_id is not None else [field_id or ""]


def _subject(
    indicator_id: str | None, field_id: str | None, catalog: Catalog, language: Language
) -> tuple[str, Any, Any]:
    """Name, unit and what a shortfall counts, of an indicator or a count field."""
    if indicator_id is not None:
        indicator = catalog.indicators[indicator_id]
        counted = {catalog.fields[name].unit for name in expressions.field_names(indicator.numerator_expr)}
        name = indicator.name if language == "zh" else (indicator.name_en or indicator.id)
        return name, indicator.unit, counted.pop() if len(counted) == 1 else None
    definition = catalog.fields[field_id or ""]
    return (definition.header if language == "zh" else definition.id), "count", definition.unit


def _holds(op: str, value: float, threshold: float) -> bool:
    return bool(passes(op, value, threshold))  # type: ignore[arg-type]


def _least_whole(reaches: Callable[[float], bool]) -> float | None:
    """The least whole k >= 1 that reaches (reaching grows with k); None when not even 2**62 does."""
    high = 1.0
    while not reaches(high):
        if high >= 2.0**MOST_DOUBLINGS:
            return None
        high *= 2
    low = 0.0 if high == 1 else high / 2
    while high - low > 1:
        middle = float(math.floor((low + high) / 2))
        if reaches(middle):
            high = middle
        else:
            low = middle
    return high


@dataclass(frozen=True)
class _Verdict:
    value: float | None
    status: Literal["pass", "fail", "missing"]
    shortfall: int | None
    reason: str | None


def _verdict(op: str, threshold: float, measured: _Measured, language: Language) -> _Verdict:
    """A rule on one measured value: its status, the least whole addition that passes it, and why none."""
    if math.isnan(measured.value):
        return _Verdict(None, "missing", None, measured.reason)
    value = measured.value
    if _holds(op, value, threshold):
        return _Verdict(value, "pass", 0, None)
    if op in ("<=", "<"):
        return _Verdict(value, "fail", None, message_template("check-upper-bound", language))
    reach = ">=" if op == "==" else op
    least = _least_whole(lambda added: _holds(reach, measured.after(added), threshold))
    if op == "==" and least is not None and not _holds("==", measured.after(least), threshold):
        least = None
    if least is None:
        return _Verdict(value, "fail", None, message_template("check-unreachable", language))
    return _Verdict(value, "fail", int(least), None)


def _window_reason(
    calendar: Sequence[int],
    rows: Sequence[int | None],
    unknown: Sequence[bool],
    reasons: Sequence[str | None],
    language: Language,
) -> str:
    """Why a window cannot be judged: the years without a row, else the first year whose value is missing."""
    gone = [year for year, row in zip(calendar, rows, strict=True) if row is None]
    if gone:
        return words.text("check-window-missing", language, years=words.listed(gone)[language])
    back = unknown.index(True)
    return words.text("check-window-year", language, year=calendar[back], reason=reasons[back] or "")


def _check(
    rule: Threshold,
    veto: bool,
    position: int,
    rows: _Rows,
    standard: Standard,
    catalog: Catalog,
    language: Language,
) -> RuleCheck:
    """One rule for the unit at ``position``: in its own year, or over the window of years up to it."""
    name, unit, shortfall_unit = _subject(rule.indicator, rule.field, catalog, language)
    counted = _counted(rule.indicator, rule.field, catalog)

    def in_year(row: int) -> _Verdict:
        measured = _measure(rule.indicator, rule.field, rows.fields(row, counted), catalog, language)
        return _verdict(rule.op, rule.value, measured, language)

    window: WindowCheck | None = None
    placed = rows.window(position, rule.window.years) if rule.window is not None else None
    if rule.window is None:
        verdict = in_year(position)
    elif placed is None:
        # a row without a year has no window to look back over
        reason = words.text("check-window-missing", language, years=words.listed(["—"])[language])
        verdict = _Verdict(None, "missing", None, reason)
    else:
        calendar, found = placed
        yearly = [None if row is None else in_year(row) for row in found]
        missing_years = [year for year, row in zip(calendar, found, strict=True) if row is None]
        if rule.window.each:
            unknown = [one is None or one.status == "missing" for one in yearly]
            failing = [year for year, one in zip(calendar, yearly, strict=True) if one and one.status == "fail"]
            status: Literal["pass", "fail", "missing"] = "fail" if failing else "missing" if any(unknown) else "pass"
            present = [one.value for one in yearly if one is not None and one.value is not None]
            if rule.op == "==":  # the year farthest from the value required
                value = max(present, key=lambda one: abs(one - rule.value)) if present else None
            else:
                lower = rule.op in (">=", ">")
                value = (min(present) if lower else max(present)) if present else None
            lacks = [one.shortfall for one in yearly if one is not None and one.status == "fail"]
            shortfall = 0 if status == "pass" else None
            reason = None
            if status == "fail" and not any(unknown):
                shortfall = None if None in lacks else sum(lack for lack in lacks if lack is not None)
                # no shortfall: the first failing year without one says why (an upper limit, or unreachable)
                reason = next((one.reason for one in yearly if one and one.status == "fail" and one.reason), None)
            if status != "pass" and any(unknown):
                reasons = [None if one is None else one.reason for one in yearly]
                reason = _window_reason(calendar, found, unknown, reasons, language)
            verdict = _Verdict(value, status, shortfall, reason)
            by_year = [
                YearCheck(
                    year=year,
                    value=None if one is None else one.value,
                    status="missing" if one is None else one.status,
                    shortfall=None if one is None else one.shortfall,
                )
                for year, one in zip(calendar, yearly, strict=True)
            ]
            failing_year = failing[0] if failing else None
        else:
            summed: dict[str, float] = {}
            unknown = [row is None for row in found]
            for counted_name in counted:
                total = 0.0
                for back, row in enumerate(found):
                    count = math.nan if row is None else rows.fields(row, [counted_name])[counted_name]
                    unknown[back] = unknown[back] or math.isnan(count)
                    total += count
                summed[counted_name] = total
            measured = _measure(rule.indicator, rule.field, summed, catalog, language)
            verdict = _verdict(rule.op, rule.value, measured, language)
            if verdict.status == "missing" and any(unknown):
                reasons = [None if one is None else one.reason for one in yearly]
                reason = _window_reason(calendar, found, unknown, reasons, language)
                verdict = _Verdict(None, "missing", None, reason)
            by_year = [
                YearCheck(year=year, value=None if one is None else one.value, status=None, shortfall=None)
                for year, one in zip(calendar, yearly, strict=True)
            ]
            failing_year = None
        window = WindowCheck(
            kind="each" if rule.window.each else "pooled",
            years=rule.window.years,
            first_year=calendar[0],
            last_year=calendar[-1],
            failing_year=failing_year,
            missing_years=missing_years,
            by_year=by_year,
        )
    return RuleCheck.model_validate(
        {
            "indicator": rule.indicator,
            "field": rule.field,
            "name": name,
            "op": rule.op,
            "threshold": float(rule.value),
            "unit": unit,
            "value": verdict.value,
            "status": verdict.status,
            "gap": None if verdict.value is None else float(rule.value - verdict.value),
            "shortfall": verdict.shortfall,
            "shortfall_unit": shortfall_unit,
            "provisional": standard.is_provisional(rule),
            "reason": verdict.reason,
            "window": window,
            "veto": veto,
        },
    )


# --- scored evaluations -------------------------------------------------------------------------------------


def _points(item: ScoreItem, value: float) -> float:
    """The points a value earns: the highest step reached; or full marks from ``full``, none below ``floor``,
    linear between (all or nothing without a floor)."""
    if item.steps:
        earned = 0.0
        for step in sorted(item.steps, key=lambda step: step.at):
            if _holds(">=", value, step.at):
                earned = step.points
        return earned
    assert item.full is not None
    if _holds(">=", value, item.full):
        return item.points
    floor = item.floor if item.floor is not None else item.full
    if floor >= item.full:
        return 0.0
    return item.points * min(max((value - floor) / (item.full - floor), 0.0), 1.0)


def _item(
    item: ScoreItem, position: int, rows: _Rows, catalog: Catalog, language: Language
) -> tuple[ItemScore, _Measured | None, Any]:
    """One item of one unit: its published score, what it measures (None for an evaluator's points) and what an
    addition to it counts."""
    if item.score_field is not None:
        definition = catalog.fields[item.score_field]
        header = definition.header if language == "zh" else definition.id
        value = rows.fields(position, [definition.id])[definition.id]
        points: float | None = None
        reason = None
        if math.isnan(value):
            reason = message_template("check-field-missing", language).format(header=header)
        elif value > item.points * (1 + TOLERANCE):
            reason = words.text(
                "score-above-max", language, header=header, value=f"{value:g}", points=f"{item.points:g}"
            )
        else:
            points = value
        scored = ItemScore(
            item=item.id,
            name=item.name_in(language) or header,
            unit="point",
            value=None if math.isnan(value) else value,
            points=points,
            max_points=item.points,
            provisional=item.provisional,
            reason=reason,
        )
        return scored, None, "point"
    name, unit, shortfall_unit = _subject(item.indicator, item.field, catalog, language)
    counted = _counted(item.indicator, item.field, catalog)
    placed = rows.window(position, item.window.years) if item.window is not None else None
    if item.window is None:
        measured = _measure(item.indicator, item.field, rows.fields(position, counted), catalog, language)
        reason = None if not math.isnan(measured.value) else measured.reason
    elif placed is None:
        measured = _Measured(math.nan, math.nan, None, lambda added: math.nan)
        reason = words.text("check-window-missing", language, years=words.listed(["—"])[language])
    else:
        calendar, found = placed
        summed = dict.fromkeys(counted, 0.0)
        unknown = [row is None for row in found]
        reasons: list[str | None] = []
        for back, row in enumerate(found):
            counts = dict.fromkeys(counted, math.nan) if row is None else rows.fields(row, counted)
            for counted_name in counted:
                unknown[back] = unknown[back] or math.isnan(counts[counted_name])
                summed[counted_name] += counts[counted_name]
            own = None if row is None else _measure(item.indicator, item.field, counts, catalog, language)
            reasons.append(None if own is None or not math.isnan(own.value) else own.reason)
        measured = _measure(item.indicator, item.field, summed, catalog, language)
        reason = None if not math.isnan(measured.value) else measured.reason
        if any(unknown):
            reason = _window_reason(calendar, found, unknown, reasons, language)
    known = None if math.isnan(measured.value) else measured.value
    scored = ItemScore(
        item=item.id,
        name=item.name_in(language) or name,
        unit=unit,
        value=known,
        points=None if known is None else _points(item, known),
        max_points=item.points,
        provisional=item.provisional,
        reason=reason,
    )
    return scored, measured, shortfall_unit


def _score(
    scoring: Scoring, vetoes: Sequence[RuleCheck], position: int, rows: _Rows, catalog: Catalog, language: Language
) -> Score:
    """One unit's score: its items' points, the total, the grade (the lowest when a veto rule fails; unknown
    when an item or a veto rule is missing) and the cheapest single item to the next grade up."""
    import numpy as np

    items = [_item(item, position, rows, catalog, language) for item in scoring.items]
    points = [scored.points for scored, _, _ in items]
    # summed as numpy sums a row (pairwise from eight items on), so that the totals agree to the last bit
    earned = np.array([math.nan if point is None else point for point in points], dtype="float64")
    total = None if None in points else float(np.sum(earned))
    vetoed_by = [check.indicator or check.field or "" for check in vetoes if check.status == "fail"]
    grades = scoring.grades
    rank: int | None = None
    if vetoed_by:
        rank = len(grades) - 1
    elif total is not None and not any(check.status == "missing" for check in vetoes):
        rank = next(at for at, grade in enumerate(grades) if total >= grade.min - TOLERANCE * max(1.0, grade.min))
    reason = None
    if rank is None:
        lacking = [scored.name for scored, _, _ in items if scored.points is None]
        if lacking:
            reason = words.text("score-items-missing", language, items=words.listed(lacking)[language])
        else:
            reason = words.text("score-veto-missing", language)
    next_grade = None
    if rank is not None and rank > 0 and total is not None and not vetoed_by:
        next_grade = _next_grade(scoring, grades[rank - 1].min - total, items, language, grades[rank - 1])
    grade = grades[rank] if rank is not None else None
    return Score(
        total=total,
        max_total=sum(item.points for item in scoring.items),
        known=float(np.nansum(earned)),
        grade=None if grade is None else grade.name_in(language),
        passes=None if grade is None else grade.passes,
        subsidy=None if grade is None else grade.subsidy,
        exit=None if grade is None else grade.exit,
        vetoed=bool(vetoed_by),
        veto_rules=vetoed_by,
        items=[scored for scored, _, _ in items],
        next_grade=next_grade,
        reason=reason,
    )


def _next_grade(
    scoring: Scoring,
    needed: float,
    items: Sequence[tuple[ItemScore, _Measured | None, Any]],
    language: Language,
    above: Any,
) -> NextGrade:
    """The single item that reaches the grade above with the least relative increase (its addition over what it
    counts now, at least 1), the first such item on a tie; an evaluator's item needs the points themselves."""
    best: tuple[float, ItemScore, float, float, Any] | None = None
    for item, (scored, measured, unit) in zip(scoring.items, items, strict=True):
        assert scored.points is not None and scored.value is not None
        target = scored.points + needed
        if item.points < target - TOLERANCE * max(1.0, item.points):
            continue
        if measured is None:
            addition, after, base = needed, scored.value + needed, scored.value
        else:

            def reaches(
                added: float, item: ScoreItem = item, measured: _Measured = measured, target: float = target
            ) -> bool:
                earned = _points(item, measured.after(added))
                return earned >= target - TOLERANCE * max(1.0, target)

            least = _least_whole(reaches)
            if least is None:
                continue
            addition, after, base = least, measured.after(least), measured.base
        cost = addition / max(0.0 if math.isnan(base) else base, 1.0)
        if best is None or cost < best[0]:
            best = (cost, scored, addition, after, unit)
    return NextGrade(
        grade=above.name_in(language),
        points_needed=needed,
        item=None if best is None else best[1].item,
        item_name=None if best is None else best[1].name,
        addition=None if best is None else float(best[2]),
        addition_unit=None if best is None else best[4],
        value_after=None if best is None else float(best[3]),
    )


def coverage_by_unit(
    units: Sequence[AssessedUnit], standard: Standard, register: Sequence[RegisterEntry] = ()
) -> list[LevelCoverage]:
    """Per level the standard judges (by rules or by score) and per year: how many units were assessed and how
    many pass."""
    years: list[int | None] = [*sorted({unit.year for unit in units if unit.year is not None})] or [None]
    if _looks_back(standard):  # each unit judged at its latest year: the years before it are no verdicts
        judged = {unit.year for unit in units if unit.assessment is not None and unit.year is not None}
        years = [*sorted(judged)] or years
    coverage: list[LevelCoverage] = []
    # a coverage target on a level without rules still gets its row: nothing there can be assessed
    for level in dict.fromkeys([*standard.levels, *standard.scoring, *standard.coverage]):
        for year in years:
            members = [
                unit for unit in units if unit.level == level and unit.year == year and unit.assessment is not None
            ]
            present = {unit.unit_code for unit in units if unit.year == year}
            absent = [entry for entry in register if entry.level == level and entry.unit_code not in present]
            statuses = [unit.assessment.status for unit in members if unit.assessment is not None]
            passed = statuses.count("pass")
            assessed = len(statuses) + len(absent)
            share = passed / assessed * 100 if assessed else None
            target = standard.coverage.get(level)
            coverage.append(
                LevelCoverage(
                    level=level,
                    year=year,
                    assessed=assessed,
                    passed=passed,
                    failed=statuses.count("fail"),
                    incomplete=statuses.count("incomplete"),
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


def rule_margin(check: RuleCheck) -> float:
    """How far a value clears its threshold, in percent of the threshold (in the rule's unit when it is 0).

    Negative when the rule fails; 0 on the threshold and for an equality rule that holds.
    """
    if check.value is None:
        return -math.inf
    if check.op == "==":
        return 0.0 if check.status == "pass" else -math.inf
    excess = check.value - check.threshold if check.op in LOWER_BOUNDS else check.threshold - check.value
    return excess / abs(check.threshold) * 100 if check.threshold else excess


def _ranking_key(unit: AssessedUnit) -> tuple[float, list[float], str]:
    """The highest total first (a scored level), then the widest weakest margin; on a tie the next weakest rule
    decides, then the unit code.

    Margins are compared to 9 decimals: equal quotients reached by different divisions are a tie, not noise.
    """
    assert unit.assessment is not None
    score = unit.assessment.score
    total = score.total if score is not None and score.total is not None else -math.inf
    margins = sorted(round(rule_margin(check), 9) for check in unit.assessment.checks)
    return -total, [-margin for margin in margins], unit.unit_code


def _lacking(unit: AssessedUnit) -> list[Lack] | None:
    """What each failing rule lacks, or None when some rule cannot be passed by adding (or is missing), or when
    the unit's grade does not pass (points, not counts, keep it out)."""
    assert unit.assessment is not None
    if unit.assessment.score is not None and unit.assessment.score.passes is not True:
        return None
    lacks: list[Lack] = []
    for check in unit.assessment.checks:
        if check.status == "missing":
            return None
        if check.status == "fail":
            if check.shortfall is None:
                return None
            lacks.append(
                Lack(
                    rule=check.indicator or check.field or "",
                    name=check.name,
                    shortfall=check.shortfall,
                    shortfall_unit=check.shortfall_unit,
                )
            )
    return lacks


def _entry(unit: AssessedUnit, **ranking: Any) -> ShortlistEntry:
    return ShortlistEntry(
        unit_code=unit.unit_code, unit_name=unit.unit_name, level=unit.level, year=unit.year, **ranking
    )


def shortlist_by_unit(result: CheckResult, quotas: dict[str, int], near_limit: int = DEFAULT_NEAR) -> Shortlist:
    """Rank each quota level's passing units (per year) and mark the top N proposed; list near misses."""
    level_order = {level: position for position, level in enumerate(quotas)}
    groups: dict[tuple[str, int | None], list[AssessedUnit]] = {}
    for unit in result.units:
        if unit.level in quotas and unit.assessment is not None:
            groups.setdefault((unit.level, unit.year), []).append(unit)
    for level in quotas:
        if not any(key[0] == level for key in groups):
            groups[(level, None)] = []
    entries: list[ShortlistEntry] = []
    summary: list[LevelQuota] = []
    for (level, year), units in sorted(groups.items(), key=lambda item: (level_order[item[0][0]], item[0][1] or 0)):
        quota = quotas[level]
        passing = sorted(
            (
                unit
                for unit in units
                if unit.assessment
                and unit.assessment.status == "pass"
                and (unit.assessment.checks or unit.assessment.score is not None)
            ),
            key=_ranking_key,
        )
        for rank, unit in enumerate(passing, start=1):
            assert unit.assessment is not None
            checks = unit.assessment.checks
            weakest = min(checks, key=rule_margin) if checks else None
            score = unit.assessment.score
            entries.append(
                _entry(
                    unit,
                    status="proposed" if rank <= quota else "reserve",
                    rank=rank,
                    margin=None if weakest is None else rule_margin(weakest),
                    weakest=None if weakest is None else weakest.indicator or weakest.field,
                    weakest_name=None if weakest is None else weakest.name,
                    score=None if score is None else score.total,
                    grade=None if score is None else score.grade,
                )
            )
        near: list[tuple[int, str, AssessedUnit, list[Lack]]] = []
        for unit in units:
            if unit.assessment is None or unit.assessment.status != "fail":
                continue
            lacks = _lacking(unit)
            total = None if lacks is None else sum(lack.shortfall for lack in lacks)
            if lacks is not None and total is not None and total <= near_limit:
                near.append((total, unit.unit_code, unit, lacks))
        for _total, _code, unit, lacks in sorted(near, key=lambda item: (item[0], item[1])):
            entries.append(_entry(unit, status="near", rank=None, margin=None, weakest=None, lacking=lacks))
        summary.append(
            LevelQuota(level=level, year=year, quota=quota, passing=len(passing), proposed=min(quota, len(passing)))
        )
    return Shortlist(near_limit=near_limit, quotas=summary, entries=entries)


def _true(flag: bool | None) -> str:
    return "" if flag is None else "true" if flag else "false"


def _number(value: float | None) -> str:
    return "" if value is None else repr(value)


def check_csv_by_unit(result: CheckResult) -> str:
    """One row per unit and rule; for a scored unit, then one row per item and one for its score. A unit with a
    reason of its own (a blank condition), or with neither rules nor score, first gets one row without a rule
    (kind blank), its reason in ``reason``.

    A rule row gives its window (kind, years, the earliest failing year, the years without a row) and whether it
    is a veto rule; an item row the item's value, points and full marks; the score row the total, the grade and
    what it brings, and the cheapest item to the next grade. With a shortlist, each row also carries its unit's
    shortlist status, rank and margin. Text cells that a spreadsheet would read as a formula get a leading '
    (``text.defused``).
    """
    buffer = io.StringIO()
    listed = {(e.unit_code, e.year): e for e in result.shortlist.entries} if result.shortlist else None
    buffer.write(csv_line(CHECK_CSV_COLUMNS + (SHORTLIST_COLUMNS if listed is not None else [])))
    for unit in result.units:
        assessment = unit.assessment
        if assessment is None:
            continue
        # every text cell defused (a leading ' before = + - @ tab CR: "==" too); numbers as they are
        head = {
            "standard": defused(result.standard.id),
            "provisional_standard": "true" if result.standard.provisional else "false",
            "unit_code": defused(unit.unit_code),
            "unit_name": defused(unit.unit_name or ""),
            "level": defused(unit.level),
            "year": "" if unit.year is None else unit.year,
            "derived": "true" if unit.derived else "false",
            "unit_status": assessment.status,
            "rule_set": defused(assessment.rule_set or ""),
        }
        tail: list[object] = []
        if listed is not None:
            entry = listed.get((unit.unit_code, unit.year))
            tail = (
                ["", "", ""]
                if entry is None
                else [entry.status, entry.rank or "", "" if entry.margin is None else repr(entry.margin)]
            )

        def write(cells: dict[str, object], head: dict[str, object] = head, tail: list[object] = tail) -> None:
            row = head | cells
            buffer.write(csv_line([*(row.get(name, "") for name in CHECK_CSV_COLUMNS), *tail]))

        score = assessment.score
        if assessment.reason is not None or (not assessment.checks and score is None):
            write({"reason": defused(assessment.reason or "")})
        for check in assessment.checks:
            window = check.window
            write(
                {
                    "kind": "rule",
                    "indicator": defused(check.indicator or ""),
                    "field": defused(check.field or ""),
                    "op": defused(check.op),
                    "threshold": repr(check.threshold),
                    "value": _number(check.value),
                    "status": check.status,
                    "gap": _number(check.gap),
                    "shortfall": "" if check.shortfall is None else check.shortfall,
                    "shortfall_unit": check.shortfall_unit or "",
                    "provisional": _true(check.provisional),
                    "reason": defused(check.reason or ""),
                    "veto": _true(check.veto),
                    "window": "" if window is None else window.kind,
                    "window_years": "" if window is None else window.years,
                    "failing_year": "" if window is None or window.failing_year is None else window.failing_year,
                    "missing_years": "" if window is None else ";".join(str(year) for year in window.missing_years),
                }
            )
        if score is None:
            continue
        for item in score.items:
            write(
                {
                    "kind": "item",
                    "item": defused(item.item),
                    "value": _number(item.value),
                    "provisional": _true(item.provisional),
                    "reason": defused(item.reason or ""),
                    "points": _number(item.points),
                    "max_points": repr(item.max_points),
                }
            )
        step = score.next_grade
        write(
            {
                "kind": "score",
                "reason": defused(score.reason or ""),
                "points": _number(score.total),
                "max_points": repr(score.max_total),
                "known_points": repr(score.known),
                "grade": defused(score.grade or ""),
                "grade_passes": _true(score.passes),
                "subsidy": _number(score.subsidy),
                "exit": _true(score.exit),
                "vetoed": _true(score.vetoed),
                "veto_rules": defused(";".join(score.veto_rules)),
            }
            | (
                {}
                if step is None
                else {
                    "next_grade": defused(step.grade),
                    "points_needed": repr(step.points_needed),
                    "next_item": defused(step.item or ""),
                    "addition": _number(step.addition),
                    "addition_unit": step.addition_unit or "",
                    "value_after": _number(step.value_after),
                }
            )
        )
    return buffer.getvalue()
