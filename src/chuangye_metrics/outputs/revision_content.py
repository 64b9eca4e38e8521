"""What every writer of diff shows: one row per change (a count, a text, an indicator, a verdict, a rule), and the
words of the terminal's lines."""

from __future__ import annotations

from dataclasses import dataclass

from chuangye_metrics.config.catalog import MISSING, Catalog, format_measure
from chuangye_metrics.config.operators import symbol
from chuangye_metrics.core import words
from chuangye_metrics.core.models import DiffResult, UnitChange
from chuangye_metrics.core.words import Language

Value = str | int | float | None

HEADERS = (
    "unit_code",
    "unit_name",
    "level",
    "derived",
    "change_kind",
    "kind",
    "id",
    "name",
    "old",
    "new",
    "change",
    "unit",
)


@dataclass(frozen=True)
class ChangeRow:
    """One change of one unit, with raw values (a CSV's, a workbook's) and its label in the output's language."""

    unit: UnitChange
    kind: str
    """count, text, indicator, status, score, grade or rule"""
    id: str
    name: str
    old: Value
    new: Value
    change: Value
    measure: str
    """person, entity, year, count (a count's unit); percent, ratio, years; text; status"""

    def cells(self, catalog: Catalog, language: Language) -> list[Value]:
        unit = self.unit
        return [
            unit.unit_code,
            unit.unit_name,
            catalog.level_label(unit.level, language),
            unit.derived,
            unit.change,
            self.kind,
            self.id,
            self.name,
            self.old,
            self.new,
            self.change,
            self.measure,
        ]


def headings(language: Language) -> list[str]:
    return [words.text(f"diff.column.{name}", language) for name in HEADERS]


def change_rows(result: DiffResult, catalog: Catalog, language: Language) -> list[ChangeRow]:
    """Every change of every unit, in the units' order: counts, texts, indicators, the verdict, the rules."""
    rows: list[ChangeRow] = []
    for unit in result.units:
        for count in unit.counts:
            field = catalog.fields.get(count.field)
            name = field.label(language) if field is not None else count.field
            measure = (field.unit if field is not None else None) or "count"
            rows.append(ChangeRow(unit, "count", count.field, name, count.old, count.new, count.change, measure))
        for text in unit.texts:
            field = catalog.fields.get(text.field)
            name = field.label(language) if field is not None else words.text("diff.derived", language)
            rows.append(ChangeRow(unit, "text", text.field, name, text.old, text.new, None, "text"))
        for item in unit.indicators:
            indicator = catalog.indicators.get(item.indicator)
            name = indicator.label(language) if indicator is not None else item.indicator
            rows.append(ChangeRow(unit, "indicator", item.indicator, name, item.old, item.new, item.change, item.unit))
        if unit.old_status != unit.new_status:
            name = words.text("diff.status", language)
            rows.append(ChangeRow(unit, "status", "status", name, unit.old_status, unit.new_status, None, "status"))
        if unit.old_score != unit.new_score:
            name = words.text("diff.score", language)
            change = None if unit.old_score is None or unit.new_score is None else unit.new_score - unit.old_score
            rows.append(ChangeRow(unit, "score", "score", name, unit.old_score, unit.new_score, change, "count"))
        if unit.old_grade != unit.new_grade:
            name = words.text("diff.grade", language)
            rows.append(ChangeRow(unit, "grade", "grade", name, unit.old_grade, unit.new_grade, None, "text"))
        for rule in unit.rules:
            threshold = (
                format_measure(rule.threshold, rule.unit, language)
                if rule.unit in ("percent", "ratio", "years", "wan_yuan")
                else format_change_value(rule.threshold, "count", language, signed=False)
            )
            name = f"{rule.name} {symbol(rule.op)} {threshold}"
            rows.append(ChangeRow(unit, "rule", rule.rule, name, rule.old, rule.new, None, "status"))
    return rows


def format_change_value(value: float | None, unit: str, language: Language, *, signed: bool) -> str:
    """A value or change as a diff shows it: counts whole, indicators to two decimals (a revision of 1.25 % to
    1.30 % must not read 1.3 % → 1.3 %)."""
    if value is None:
        return MISSING if not signed else ""
    sign = "+" if signed else ""
    if unit in ("person", "entity", "year", "event", "square_metre", "point", "count"):
        return f"{value:{sign},.0f}" if float(value).is_integer() else f"{value:{sign},}"
    number = f"{value:{sign}.2f}"
    if signed:
        if unit in ("percent", "years", "wan_yuan"):
            return words.text(f"change.{unit}", language, change=number)
        return number
    if unit == "percent":
        return f"{number}%"
    if unit == "ratio":
        return f"1:{number}"
    if unit == "years":
        return words.text("measure.years", language, value=number)
    return number


def status_word(status: str | None, language: Language) -> str:
    if status is None:
        return words.text("diff.no-check", language)
    return words.known_message(f"status.{status}", language) or status


def shown(row: ChangeRow, language: Language) -> tuple[str, str, str]:
    """Old, new and change as a person reads them."""
    if row.measure == "status":
        return status_word(_text(row.old), language), status_word(_text(row.new), language), ""
    if row.measure == "text":
        return (
            _text(row.old) or words.text("diff.blank", language),
            _text(row.new) or words.text("diff.blank", language),
            "",
        )
    old = _number(row.old)
    new = _number(row.new)
    blank = words.text("diff.blank", language)
    return (
        blank if old is None else format_change_value(old, row.measure, language, signed=False),
        blank if new is None else format_change_value(new, row.measure, language, signed=False),
        format_change_value(_number(row.change), row.measure, language, signed=True),
    )


def unit_heading(unit: UnitChange, catalog: Catalog, language: Language) -> str:
    derived = words.text("label-derived-unit", language) if unit.derived else ""
    name = unit.unit_name or ("" if derived else words.text("diff.unnamed", language))
    return words.text(
        f"diff.heading.{unit.change}",
        language,
        code=unit.unit_code,
        name=name + derived,
        level=catalog.level_label(unit.level, language),
    )


def summary_line(result: DiffResult, language: Language) -> str:
    if not result.changed:
        return words.text("diff.none", language)
    line = words.text("diff.summary", language, added=result.added, removed=result.removed, revised=result.revised)
    if result.standard is not None:
        line += words.text("diff.summary-status", language, count=result.status_changed)
    return line


def diff_lines(result: DiffResult, catalog: Catalog, language: Language) -> list[str]:
    """The terminal's text: the files, the summary, then each unit's changes, a line each."""
    separator = words.text("sep.list", language)
    old = separator.join(source.file for source in result.old)
    new = separator.join(source.file for source in result.new)
    lines = [
        words.text("diff.title", language, old=old, new=new, year=result.year or MISSING),
        summary_line(result, language),
    ]
    rows = change_rows(result, catalog, language)
    current: UnitChange | None = None
    for row in rows:
        if row.unit is not current:
            current = row.unit
            lines += ["", unit_heading(current, catalog, language)]
        before, after, change = shown(row, language)
        if current.change != "revised":  # a unit added or removed: the value it has
            value = after if current.change == "added" else before
            lines.append(words.text("diff.line-value", language, name=row.name, value=value))
            continue
        key = "diff.line-change" if change else "diff.line"
        lines.append(words.text(key, language, name=row.name, old=before, new=after, change=change))
    return lines


def _text(value: Value) -> str | None:
    return None if value is None else str(value)


def _number(value: Value) -> float | None:
    return None if value is None or isinstance(value, str) else float(value)
