"""Words for the arithmetic: formulas in field names, a unit's counts and divisions, a standard's rules."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from chuangye_metrics.config import expressions
from chuangye_metrics.config.catalog import MISSING, Catalog, IndicatorDef, format_measure
from chuangye_metrics.core import words
from chuangye_metrics.core.guard import RefusedUsage
from chuangye_metrics.core.models import Assessment, ItemScore, RuleCheck, Score, UnitResult, WindowCheck
from chuangye_metrics.core.text import printable
from chuangye_metrics.core.words import Language, message_template
from chuangye_metrics.outputs.table import (
    CHECK_MARK,
    measure_text,
    points_text,
    rule_heading,
    subsidy_text,
    window_notes,
    window_words,
)
from chuangye_metrics.standards.check import shortfall_text, unit_word
from chuangye_metrics.standards.library import ScoreItem, Scoring, Standard


def formula_text(indicator: IndicatorDef, catalog: Catalog, language: Language = "zh") -> str:
    """participation_rate -> "当年新增创业人数 ÷ 劳动年龄人口数 × 100"."""
    numerator = _operand(indicator.numerator, catalog, language)
    denominator = _operand(indicator.denominator, catalog, language)
    quotient = f"{numerator} ÷ {denominator}"
    if indicator.growth_periods:
        return f"[({quotient})^(1/{indicator.growth_periods}) − 1] × 100"
    if indicator.unit == "percent":
        return f"{quotient} × 100"
    if indicator.unit == "ratio":
        return words.text("explain.ratio", language, quotient=quotient)
    return quotient


def _operand(expression: str, catalog: Catalog, language: Language) -> str:
    """A numerator or denominator in words, in parentheses unless it is a single field."""

    text = _named(expression, catalog, language)
    return text if isinstance(expressions.parse(expression), expressions.FieldRef) else f"({text})"


def _named(expression: str, catalog: Catalog, language: Language) -> str:

    text = str(expressions.parse(expression))
    for name in sorted(expressions.field_names(expressions.parse(expression)), key=len, reverse=True):
        text = text.replace(name, catalog.fields[name].label(language))
    return text


def indicator_details(indicator: IndicatorDef, catalog: Catalog, language: Language = "zh") -> dict[str, Any]:
    """Everything a user asks of an indicator: its formula in words, fields, definition and source."""

    return {
        "id": indicator.id,
        "name": indicator.name,
        "name_en": indicator.name_en,
        "unit": indicator.unit,
        "numerator": indicator.numerator,
        "denominator": indicator.denominator,
        "growth_periods": indicator.growth_periods,
        "formula": formula_text(indicator, catalog, language),
        "fields": {
            name: catalog.fields[name].header
            for name in [
                *expressions.field_names(indicator.numerator_expr),
                *expressions.field_names(indicator.denominator_expr),
            ]
        },
        "definition": indicator.definition,
        "source": indicator.source,
        "note": indicator.note,
    }


def find_unit(units: Sequence[UnitResult], code: str, year: int | None) -> UnitResult:
    """The unit of that code (in that year); without a year, of a unit in several years the one row a standard
    over years judged (its latest; the rows before are its window)."""
    matches = [unit for unit in units if unit.unit_code == code and (year is None or unit.year == year)]
    if not matches:
        raise RefusedUsage("explain-no-unit", unit=code)
    judged = [unit for unit in matches if getattr(unit, "assessment", None) is not None]
    if year is None and len(matches) > 1 and len(judged) == 1:
        return judged[0]
    if len(matches) > 1:
        raise RefusedUsage("explain-several-years", unit=code, years=words.listed(unit.year for unit in matches))
    return matches[0]


def unit_explanation(
    unit: UnitResult,
    units: Sequence[UnitResult],
    catalog: Catalog,
    standard: Standard | None,
    path: Path,
    language: Language = "zh",
) -> str:
    """One unit's arithmetic as plain text: counts, each division, and each rule with its shortfall."""
    lines: list[str] = []
    name = unit.unit_name or message_template("label-derived-unit", language)
    level = catalog.levels[unit.level].tag(language) if unit.level in catalog.levels else unit.level
    year = "" if unit.year is None else words.text("explain.year", language, year=unit.year)
    lines.append(words.text("explain.heading", language, code=unit.unit_code, name=name, level=level, year=year))
    if unit.derived:
        children = [other for other in units if other.parent_code == unit.unit_code and other.year == unit.year]
        listed = "、".join(f"{child.unit_code} {child.unit_name or ''}".strip() for child in children)
        lines.append(words.text("explain.derived", language, file=path.name, count=len(children), listed=listed))
    else:
        lines.append(words.text("explain.row", language, file=path.name, row=unit.row))
    lines.append("")
    lines.append(words.text("explain.counts", language))
    # a count no unit of the return has (a base return has no 劳动年龄人口数) is left out, with its indicators
    filled = {name for other in units for name, value in other.fields.items() if value is not None}
    for field_id, value in unit.fields.items():
        if field_id not in filled:
            continue
        label = catalog.fields[field_id].label(language)
        lines.append(f"  {label}: {words.text('explain.blank', language) if value is None else value}")
    lines.append("")
    lines.append(words.text("explain.indicators", language))
    for indicator_id, result in unit.indicators.items():
        indicator = catalog.indicators[indicator_id]
        if result.value is None and not filled.intersection(indicator.field_names):
            continue
        label = indicator.label(language)
        formula = formula_text(indicator, catalog, language)
        if result.value is None:
            lines.append(f"  {label} = {formula}: {result.reason}")
            continue
        arithmetic = _arithmetic(indicator, result.numerator, result.denominator)
        shown = format_measure(result.value, indicator.unit, language)
        lines.append(f"  {label} = {formula} = {arithmetic} = {shown}")
    if standard is not None:
        lines.append("")
        assessment: Assessment | None = getattr(unit, "assessment", None)
        if assessment is None:
            lines.append(words.text("explain.not-covered", language, standard=standard.id))
        else:
            status = words.text(f"status.{assessment.status}", language)
            lines.append(words.text("explain.against", language, id=standard.id, name=standard.name, status=status))
            if assessment.reason:
                lines.append(f"  {assessment.reason}")
            history = _history(unit, units)
            for check in assessment.checks:
                lines.append("  " + _check_line(check, catalog, language))
                if check.window is not None:
                    lines.extend(
                        "    " + line for line in _window_lines(check, check.window, history, catalog, language)
                    )
            if assessment.score is not None and unit.level in standard.scoring:
                lines.append("")
                lines.extend(
                    _score_lines(assessment.score, standard.scoring[unit.level], unit, history, catalog, language)
                )
    # names and reasons come from the return: no control character of theirs reaches the terminal or splits a line
    return "\n".join(printable(line) for line in lines) + "\n"


def _arithmetic(indicator: IndicatorDef, numerator: float | None, denominator: float | None) -> str:
    quotient = f"{numerator:g} ÷ {denominator:g}" if numerator is not None and denominator is not None else "—"
    if indicator.growth_periods:
        return f"[({quotient})^(1/{indicator.growth_periods}) − 1] × 100"
    return f"{quotient} × 100" if indicator.unit == "percent" else quotient


def _check_line(check: RuleCheck, catalog: Catalog, language: Language) -> str:

    rule = rule_heading(check, language)
    if check.provisional:
        rule += " *" + words.text("explain.provisional", language)
    if check.status == "missing":
        return f"? {rule}: {check.reason}"
    value = " ".join([measure_text(check.value, check.unit, language), *window_notes(check, language)])
    if check.status == "pass":
        return f"✓ {rule}: {value}"
    text = f"✗ {rule}: {value}"
    if check.gap is not None and check.unit != "count":
        text += words.text("explain.gap", language, gap=_gap_text(abs(check.gap), check.unit, language))
    if check.shortfall is not None:
        subject = (
            catalog.fields[check.field].label(language) if check.field else _numerator_label(check, catalog, language)
        )
        more = unit_word(check.shortfall_unit, language)
        text += words.text("explain.shortfall", language, subject=subject, shortfall=check.shortfall, more=more)
    elif check.reason:
        text += words.text("explain.reason", language, reason=check.reason)
    return text


def _gap_text(gap: float, unit: str, language: Language) -> str:
    if unit in ("percent", "years", "wan_yuan"):
        return words.text(f"gap.{unit}", language, gap=f"{gap:.2f}")
    return f"{gap:.2f}"


def _numerator_label(check: RuleCheck, catalog: Catalog, language: Language) -> str:
    indicator = catalog.indicators[check.indicator or ""]
    return _named(indicator.numerator, catalog, language)


# --- rules over years and scored evaluations --------------------------------------------------------------------


def _history(unit: UnitResult, units: Sequence[UnitResult]) -> dict[int, UnitResult]:
    """The unit's rows by year: its window's years."""
    return {other.year: other for other in units if other.unit_code == unit.unit_code and other.year is not None}


def _window_lines(
    check: RuleCheck, window: WindowCheck, history: dict[int, UnitResult], catalog: Catalog, language: Language
) -> list[str]:
    """Each year of a rule's window: its value (and, for ``each``, whether it passes and what it lacks); for a
    pooled rule then the years' counts summed and divided once."""
    lines: list[str] = []
    for year in window.by_year:
        if year.year in window.missing_years:
            lines.append(words.text("explain.window-absent", language, year=year.year))
            continue
        parts = [measure_text(year.value, check.unit, language)]
        if year.status is not None:
            parts.append(CHECK_MARK[year.status])
        if year.status == "fail" and year.shortfall:
            parts.append(shortfall_text(year.shortfall, check.shortfall_unit, language))
        lines.append(words.text("explain.window-year", language, year=year.year, value=" ".join(parts)))
    if window.kind == "pooled" and not window.missing_years:
        years = [year.year for year in window.by_year]
        arithmetic = pooled_arithmetic(check.indicator, check.field, years, history, catalog)
        if arithmetic is not None:
            shown = measure_text(check.value, check.unit, language)
            lines.append(
                words.text(
                    "explain.pooled",
                    language,
                    first=window.first_year,
                    last=window.last_year,
                    arithmetic=f"{arithmetic} = {shown}",
                )
            )
    return lines


def pooled_arithmetic(
    indicator_id: str | None,
    field_id: str | None,
    years: Sequence[int],
    history: dict[int, UnitResult],
    catalog: Catalog,
) -> str | None:
    """ "(7 + 8 + 5) ÷ (10 + 12 + 8) × 100": an indicator over the years' summed counts (a field: its values
    summed); None when a year has no row or a count is blank."""
    rows = [history.get(year) for year in years]
    if any(row is None for row in rows):
        return None
    present = [row for row in rows if row is not None]
    if field_id is not None:
        values = [row.fields.get(field_id) for row in present]
        return None if any(value is None for value in values) else " + ".join(f"{value:g}" for value in values)
    indicator = catalog.indicators.get(indicator_id or "")
    if indicator is None:
        return None
    parts = [row.indicators.get(indicator.id) for row in present]
    numerators = [None if part is None else part.numerator for part in parts]
    denominators = [None if part is None else part.denominator for part in parts]
    if any(value is None for value in [*numerators, *denominators]):
        return None
    summed = [f"({' + '.join(f'{value:g}' for value in terms)})" for terms in (numerators, denominators)]
    quotient = f"{summed[0]} ÷ {summed[1]}"
    return f"{quotient} × 100" if indicator.unit == "percent" else quotient


def _score_lines(
    score: Score,
    scoring: Scoring,
    unit: UnitResult,
    history: dict[int, UnitResult],
    catalog: Catalog,
    language: Language,
) -> list[str]:
    """A scored unit: each item's value and points with the item's scheme, the total, the grade (its subsidy, and
    whether the unit leaves), any veto, and how far the next grade is."""
    lines = [words.text("explain.scoring", language, max=points_text(score.max_total))]
    items = {item.id: item for item in scoring.items}
    for scored in score.items:
        lines.append("  " + _item_line(scored, items[scored.item], unit, history, catalog, language))
    if score.total is not None:
        terms = " + ".join(points_text(item.points or 0.0) for item in score.items)
        lines.append(
            "  "
            + words.text(
                "explain.total",
                language,
                sum=terms,
                total=points_text(score.total),
                max=points_text(score.max_total),
            )
        )
    else:
        known, top = points_text(score.known), points_text(score.max_total)
        lines.append("  " + words.text("explain.total-unknown", language, known=known, max=top, reason=score.reason))
    if score.vetoed:
        names = [_subject_name(rule, catalog, language) for rule in score.veto_rules]
        lines.append("  " + words.text("explain.vetoed", language, rules=words.listed(names)[language]))
    if score.grade is not None:
        band = next((band for band in scoring.grades if band.name_in(language) == score.grade), None)
        if band is None or band.min == 0:  # the lowest grade: from 0 points, or given by a veto
            text = words.text("explain.grade-lowest", language, grade=score.grade)
        else:
            text = words.text("explain.grade", language, grade=score.grade, min=points_text(band.min))
        if score.subsidy is not None:
            text += words.text("explain.subsidy", language, subsidy=subsidy_text(score, language))
        if score.passes is False:
            text += words.text("explain.not-passing", language)
        if score.exit:
            text += words.text("explain.exit", language)
        lines.append("  " + text)
    step = score.next_grade
    if step is not None:
        points = points_text(step.points_needed)
        chosen = items.get(step.item or "")
        if chosen is None or step.addition is None:
            lines.append("  " + words.text("explain.next-none", language, grade=step.grade, points=points))
        else:
            before = next(item.value for item in score.items if item.item == chosen.id)
            unit_of = next(item.unit for item in score.items if item.item == chosen.id)
            lines.append(
                "  "
                + words.text(
                    "explain.next",
                    language,
                    grade=step.grade,
                    points=points,
                    subject=_addition_subject(chosen, catalog, language),
                    addition=f"{step.addition:g}",
                    more=unit_word(step.addition_unit, language),
                    before=measure_text(before, unit_of, language),
                    after=measure_text(step.value_after, unit_of, language),
                )
            )
    return lines


def _item_line(
    scored: ItemScore,
    item: ScoreItem,
    unit: UnitResult,
    history: dict[int, UnitResult],
    catalog: Catalog,
    language: Language,
) -> str:
    """ "在孵创业实体数：31 → 16.5 / 30 分（40 及以上得满分，20 以下不得分，其间按比例）"."""
    name = scored.name
    value = measure_text(scored.value, scored.unit, language)
    if item.window is not None and unit.year is not None:
        name = f"{name} {window_words(item.window, language)}"
        years = list(range(unit.year - item.window.years + 1, unit.year + 1))
        arithmetic = pooled_arithmetic(item.indicator, item.field, years, history, catalog)
        if arithmetic is not None and scored.value is not None:
            value = f"{arithmetic} = {value}"
    scheme = item_scheme(item, catalog, language)
    top = points_text(scored.max_points)
    if scored.points is None:
        return words.text("explain.item-missing", language, name=name, reason=scored.reason or MISSING, max=top)
    points = points_text(scored.points)
    return words.text("explain.item", language, name=name, value=value, points=points, max=top, scheme=scheme)


def item_scheme(item: ScoreItem, catalog: Catalog, language: Language) -> str:
    """How a scored item earns its points, in words: "40 及以上得满分，20 以下不得分，其间按比例"."""
    unit = catalog.indicators[item.indicator].unit if item.indicator else "count"
    if item.score_field is not None:
        return words.text("explain.scheme-evaluator", language, points=points_text(item.points))
    if item.steps:
        steps = [
            words.text(
                "explain.step", language, at=measure_text(step.at, unit, language), points=points_text(step.points)
            )
            for step in sorted(item.steps, key=lambda step: step.at)
        ]
        return words.text("explain.scheme-steps", language, steps=words.text("sep.list", language).join(steps))
    full = measure_text(item.full, unit, language)
    if item.floor == 0:
        return words.text("explain.scheme-proportional", language, full=full)
    if item.floor is not None and item.full is not None and item.floor < item.full:
        floor = measure_text(item.floor, unit, language)
        return words.text("explain.scheme-linear", language, full=full, floor=floor)
    return words.text("explain.scheme-full", language, full=full)


def _addition_subject(item: ScoreItem, catalog: Catalog, language: Language) -> str:
    """What an addition is added to: the field, the numerator of the indicator, or the evaluators' item."""
    if item.indicator is not None:
        return _named(catalog.indicators[item.indicator].numerator, catalog, language)
    return catalog.fields[item.field or item.score_field or ""].label(language)


def _subject_name(subject: str, catalog: Catalog, language: Language) -> str:
    if subject in catalog.indicators:
        return catalog.indicators[subject].label(language)
    return catalog.fields[subject].label(language) if subject in catalog.fields else subject
