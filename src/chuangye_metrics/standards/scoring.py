"""Scored evaluations column-wise: each item's points, the total, the grade (the lowest when a veto rule
fails), and the cheapest single item that would reach the next grade."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from chuangye_metrics.config.catalog import Catalog
from chuangye_metrics.config.operators import TOLERANCE, passes
from chuangye_metrics.core import words
from chuangye_metrics.core.models import ItemScore, NextGrade, Score
from chuangye_metrics.core.words import Language, message_template
from chuangye_metrics.standards.library import ScoreItem, Scoring, Standard
from chuangye_metrics.standards.measures import (
    FAIL,
    MISSING,
    Measure,
    YearIndex,
    least_addition,
    measure_of,
    objects,
    pooled_counts,
    window_reason,
)

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

    from chuangye_metrics.standards.assessment import RuleColumn


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
