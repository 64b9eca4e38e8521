"""Words for the arithmetic: formulas in field names, a unit's counts and divisions, a standard's rules."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from chuangye_metrics.config import expressions
from chuangye_metrics.config.catalog import Catalog, IndicatorDef, format_measure
from chuangye_metrics.core import words
from chuangye_metrics.core.guard import RefusedUsage
from chuangye_metrics.core.models import Assessment, RuleCheck, UnitResult
from chuangye_metrics.core.text import printable
from chuangye_metrics.core.words import Language, message_template
from chuangye_metrics.standards.check import describe_rule, unit_word
from chuangye_metrics.standards.library import Standard


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
    matches = [unit for unit in units if unit.unit_code == code and (year is None or unit.year == year)]
    if not matches:
        raise RefusedUsage("explain-no-unit", unit=code)
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
    for field_id, value in unit.fields.items():
        label = catalog.fields[field_id].label(language)
        lines.append(f"  {label}: {words.text('explain.blank', language) if value is None else value}")
    lines.append("")
    lines.append(words.text("explain.indicators", language))
    for indicator_id, result in unit.indicators.items():
        indicator = catalog.indicators[indicator_id]
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
            for check in assessment.checks:
                lines.append("  " + _check_line(check, catalog, language))
    # names and reasons come from the return: no control character of theirs reaches the terminal or splits a line
    return "\n".join(printable(line) for line in lines) + "\n"


def _arithmetic(indicator: IndicatorDef, numerator: float | None, denominator: float | None) -> str:
    quotient = f"{numerator:g} ÷ {denominator:g}" if numerator is not None and denominator is not None else "—"
    if indicator.growth_periods:
        return f"[({quotient})^(1/{indicator.growth_periods}) − 1] × 100"
    return f"{quotient} × 100" if indicator.unit == "percent" else quotient


def _check_line(check: RuleCheck, catalog: Catalog, language: Language) -> str:

    rule = describe_rule(check, language)
    if check.provisional:
        rule += " *" + words.text("explain.provisional", language)
    if check.status == "missing":
        return f"? {rule}: {check.reason}"
    value = f"{check.value:g}" if check.unit == "count" else format_measure(check.value, check.unit, language)
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
    if unit in ("percent", "years"):
        return words.text(f"gap.{unit}", language, gap=f"{gap:.2f}")
    return f"{gap:.2f}"


def _numerator_label(check: RuleCheck, catalog: Catalog, language: Language) -> str:
    indicator = catalog.indicators[check.indicator or ""]
    return _named(indicator.numerator, catalog, language)
