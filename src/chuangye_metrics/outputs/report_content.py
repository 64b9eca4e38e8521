"""What the Excel and HTML reports show: tables per level, summaries, chart series and documentation."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Literal

from chuangye_metrics import __version__
from chuangye_metrics.config.catalog import Catalog, format_measure
from chuangye_metrics.config.operators import symbol
from chuangye_metrics.core import words
from chuangye_metrics.core.models import (
    AssessedUnit,
    CheckResult,
    ComputeResult,
    RuleCheck,
    Score,
    UnitResult,
    YearsResult,
)
from chuangye_metrics.core.words import Language, known_message
from chuangye_metrics.outputs.explain import formula_text
from chuangye_metrics.outputs.table import (
    exit_text,
    grade_text,
    lacking_text,
    next_grade_text,
    points_text,
    provisional_banner,
    rule_heading,
    shortlist_label,
    window_notes,
    window_words,
)
from chuangye_metrics.standards.check import shortfall_text
from chuangye_metrics.standards.library import Grade, RuleSet, ScoreItem, Standard, Window

CHART_UNITS_MAX = 60
SHA256_SHOWN = 12

ColumnKind = Literal["text", "count", "percent", "ratio", "years", "wan_yuan", "status", "points", "grade"]
Cell = str | int | float | None


@dataclass(frozen=True)
class Column:
    id: str
    """a field id, an indicator id, or unit_code, unit_name, parent_code, year, status, rule_set, reason, lacks,
    score, grade, subsidy, exit, next_grade (a scored level), "rule:<indicator-or-field id>" (that rule's status),
    "veto:<indicator-or-field id>" (that veto rule's status) or "display:<indicator id>" (the 1:N text of a ratio)"""
    label: str
    kind: ColumnKind


@dataclass(frozen=True)
class LevelTable:
    level: str
    label: str
    columns: list[Column]
    rows: list[list[Cell]]
    """numbers unrounded (percent as percentages); status cells hold pass/fail/incomplete/missing; None = blank"""
    grades: dict[str, bool] = field(default_factory=dict)
    """a scored level: each grade met (as the grade cells write it) and whether it passes"""


@dataclass(frozen=True)
class LevelSummary:
    level: str
    label: str
    units: int
    passed: int | None
    failed: int | None
    incomplete: int | None
    share: float | None
    target: float | None
    met: bool | None
    year: int | None = None
    no_return: int | None = None
    """units named by --register without a row; they count as assessed and do not pass"""


@dataclass(frozen=True)
class ChartSeries:
    level: str
    level_label: str
    indicator: str
    indicator_label: str
    unit: Literal["percent", "ratio", "years", "wan_yuan"]
    labels: list[str]
    values: list[float | None]
    threshold: float | None
    op: str | None
    total_units: int
    title: str = ""
    """level and indicator, saying so when only the first CHART_UNITS_MAX units are shown"""
    provisional: bool = False
    """the threshold is a placeholder, not an official value"""


@dataclass(frozen=True)
class ScoreChart:
    """A scored level's units: each one's total score against the grades' cut-offs."""

    level: str
    level_label: str
    labels: list[str]
    totals: list[float | None]
    passes: list[bool | None]
    """whether each unit's grade passes; None when its grade is unknown"""
    grades: list[str | None]
    cuts: list[tuple[str, float]]
    """each grade above the lowest and the least total that reaches it, highest first"""
    max_total: float
    total_units: int
    title: str


@dataclass(frozen=True)
class TextTable:
    title: str
    header: list[str]
    rows: list[list[Cell]]
    kinds: list[str] = field(default_factory=list)
    """optional, per column: "text", "measure" (in the row's unit), "change" (in the row's unit), "percent" """
    row_units: list[str] = field(default_factory=list)
    """optional, per row: the unit of its "measure" and "change" cells (count, percent, ratio, years)"""


@dataclass(frozen=True)
class ReportContent:
    language: Language
    title: str
    facts: list[tuple[str, str | int]]
    """what the report is of: a number (the year, the units) kept a number"""
    summary: list[LevelSummary]
    levels: list[LevelTable]
    charts: list[ChartSeries]
    formulas: TextTable
    rules: TextTable | None
    shortlist: TextTable | None
    years: TextTable | None
    labels: dict[str, str]
    provisional: bool = False
    """the standard has provisional (placeholder) thresholds: every output flags it"""
    warning: str | None = None
    """the provisional-standard warning, to show prominently"""
    quotas: TextTable | None = None
    """the shortlist's quota per level: quota, passing units, proposed"""
    standard: str = ""
    """the standard judged against, "name（id）", for the printed page's header; "" when none"""
    score_charts: list[ScoreChart] = field(default_factory=list)
    """per scored level, the units' totals against the grades' cut-offs"""
    scoring: TextTable | None = None
    """the standard's scored items and grades, per level"""


def format_cell(value: Cell, kind: str, language: Language = "zh") -> str:
    """A cell as text: 30.64 percent -> "30.6%", a count -> "1,234", a status -> 达标; None -> ""."""
    if value is None or (isinstance(value, float) and value != value):
        return ""
    if kind == "status":
        return known_message(f"report.{value}", language) or str(value)
    if isinstance(value, str) or kind == "text":
        return str(value)
    if kind == "count":
        return f"{value:,.0f}" if float(value).is_integer() else f"{value:,g}"
    if kind == "ratio":
        return f"{value:.2f}"
    if kind in ("percent", "years", "wan_yuan"):
        return format_measure(float(value), kind, language)
    return f"{value:g}"


def report_content(
    result: ComputeResult | CheckResult,
    catalog: Catalog,
    *,
    standard: Standard | None = None,
    language: Language = "zh",
    years: YearsResult | None = None,
) -> ReportContent:
    """Everything a report shows, built once so that the Excel and HTML reports agree."""
    labels = words.section("report", language)
    check = result if isinstance(result, CheckResult) else None
    tables = [_level_table(level, units, catalog, language) for level, units in _by_level(result.units, catalog)]
    return ReportContent(
        language=language,
        title=labels["title"],
        facts=_facts(result, standard, language, years),
        summary=_summary(result, catalog, language),
        levels=tables,
        charts=_charts(result, catalog, standard, language),
        formulas=formulas_table(catalog, language),
        rules=None if standard is None else rules_table(standard, catalog, language),
        shortlist=None if check is None else _shortlist(check, catalog, language),
        standard=""
        if check is None
        else words.text("fact.standard-name", language, name=check.standard.name, id=check.standard.id),
        years=None if years is None else years_table(years, catalog, language),
        labels=labels,
        provisional=check is not None and check.standard.provisional,
        warning=None if check is None else provisional_banner(check.standard, language),
        quotas=None if check is None else _quotas(check, catalog, language),
        score_charts=[] if check is None or standard is None else _score_charts(check, catalog, standard, language),
        scoring=None if standard is None or not standard.scoring else scoring_table(standard, catalog, language),
    )


def _by_level(units: Sequence[UnitResult], catalog: Catalog) -> list[tuple[str, list[UnitResult]]]:
    """Units grouped by level, levels top down as in levels.yaml (unknown ones last), units in result order."""
    groups: dict[str, list[UnitResult]] = {}
    for unit in units:
        groups.setdefault(unit.level, []).append(unit)
    order = [level for level in catalog.levels if level in groups] + [
        level for level in groups if level not in catalog.levels
    ]
    return [(level, groups[level]) for level in order]


def _indicator_label(indicator_id: str, catalog: Catalog, language: Language) -> str:
    indicator = catalog.indicators.get(indicator_id)
    if indicator is None:
        return indicator_id
    return indicator.label(language)


def _field_label(field_id: str, catalog: Catalog, language: Language) -> str:
    definition = catalog.fields.get(field_id)
    return field_id if definition is None else definition.label(language)


def _subject_label(subject: str, catalog: Catalog, language: Language) -> str:
    if subject in catalog.indicators:
        return _indicator_label(subject, catalog, language)
    return _field_label(subject, catalog, language)


def _unit_name(unit: UnitResult, language: Language) -> str:
    return unit.unit_name or (words.text("report.derived", language) if unit.derived else "")


def _level_table(level: str, units: list[UnitResult], catalog: Catalog, language: Language) -> LevelTable:
    assessed = [unit for unit in units if isinstance(unit, AssessedUnit) and unit.assessment is not None]
    columns = [
        Column("unit_code", words.text("column.code", language), "text"),
        Column("unit_name", words.text("column.name", language), "text"),
        Column("parent_code", words.text("column.parent-code", language), "text"),
    ]
    if any(unit.year is not None for unit in units):
        columns.append(Column("year", words.text("report.year", language), "text"))
    if assessed:
        columns.append(Column("status", words.text("column.status", language), "status"))
        if any(unit.assessment.rule_set for unit in assessed if unit.assessment):
            columns.append(Column("rule_set", words.text("column.rule-set", language), "text"))
    scores = [unit.assessment.score for unit in assessed if unit.assessment and unit.assessment.score]
    if scores:
        top = points_text(scores[0].max_total)
        columns.append(Column("score", words.text("report-column.score", language, max=top), "points"))
        columns.append(Column("grade", words.text("column.grade", language), "grade"))
        if any(score.subsidy is not None for score in scores):
            columns.append(Column("subsidy", words.text("column.subsidy", language), "wan_yuan"))
        if any(score.exit for score in scores):
            columns.append(Column("exit", words.text("column.exit", language), "text"))
        if any(score.next_grade for score in scores):
            columns.append(Column("next_grade", words.text("column.next-grade", language), "text"))
    indicator_ids = list(dict.fromkeys(name for unit in units for name in unit.indicators))
    for indicator_id in indicator_ids:
        unit_kind = units[0].indicators[indicator_id].unit if indicator_id in units[0].indicators else "percent"
        label = _indicator_label(indicator_id, catalog, language)
        columns.append(Column(indicator_id, label, unit_kind))
        if unit_kind == "ratio":
            columns.append(
                Column(f"display:{indicator_id}", words.text("report-column.ratio", language, label=label), "text")
            )
    rules = _rule_columns(assessed, catalog, language)
    columns.extend(Column(key, label, "status") for key, label in rules)
    if assessed:
        columns.append(Column("lacks", words.text("report-column.lacks", language), "text"))
        if any(unit.assessment.reason for unit in assessed if unit.assessment):
            columns.append(Column("reason", words.text("report-column.reason", language), "text"))
    field_ids = list(dict.fromkeys(name for unit in units for name in unit.fields))
    columns.extend(Column(name, _field_label(name, catalog, language), "count") for name in field_ids)

    rows: list[list[Cell]] = []
    for unit in units:
        assessment = unit.assessment if isinstance(unit, AssessedUnit) else None
        checks: dict[str, RuleCheck] = {}
        for rule_check in assessment.checks if assessment else []:
            checks.setdefault(_rule_column_id(rule_check), rule_check)
        score = assessment.score if assessment else None
        row: list[Cell] = []
        for column in columns:
            kind, _, key = column.id.partition(":")
            if column.id == "unit_code":
                row.append(unit.unit_code)
            elif column.id == "unit_name":
                row.append(_unit_name(unit, language))
            elif column.id == "parent_code":
                row.append(unit.parent_code)
            elif column.id == "year":
                row.append(unit.year)
            elif column.id == "status":
                row.append(assessment.status if assessment else None)
            elif column.id == "rule_set":
                row.append(assessment.rule_set if assessment else None)
            elif column.id == "lacks":
                row.append(_lacks(assessment.checks, language) if assessment else None)
            elif column.id == "reason":
                row.append(assessment.reason if assessment else None)
            elif column.id in SCORE_CELLS:
                row.append(None if score is None else SCORE_CELLS[column.id](score, language))
            elif kind in ("rule", "veto"):
                row.append(checks[column.id].status if column.id in checks else None)
            elif kind == "display":
                value = unit.indicators[key].value if key in unit.indicators else None
                row.append(None if value is None else format_measure(value, "ratio", language))
            elif column.kind == "count":
                row.append(unit.fields.get(column.id))
            else:
                row.append(unit.indicators[column.id].value if column.id in unit.indicators else None)
        rows.append(row)
    grades = {grade_text(score, language): score.passes for score in scores if score.passes is not None}
    label = catalog.level_label(level, language)
    return LevelTable(level=level, label=label, columns=columns, rows=rows, grades=grades)


SCORE_CELLS: dict[str, Callable[[Score, Language], Cell]] = {
    "score": lambda score, _: score.total,
    "grade": lambda score, language: None if score.grade is None else grade_text(score, language),
    "subsidy": lambda score, _: score.subsidy,
    "exit": lambda score, language: exit_text(score, language) or None,
    "next_grade": lambda score, language: next_grade_text(score, language) or None,
}
"""The cells of a scored unit's columns: the total (unrounded), the grade (marked when a veto gave it), the subsidy
in 万元, whether it leaves, and how far the next grade is."""


def _rule_column_id(check: RuleCheck) -> str:
    """ "rule:<subject>", or "veto:<subject>" for a veto rule (which may be on a subject a rule is on too)."""
    return f"{'veto' if check.veto else 'rule'}:{check.indicator or check.field or ''}"


def _rule_columns(units: Sequence[AssessedUnit], catalog: Catalog, language: Language) -> list[tuple[str, str]]:
    """(column id, heading) per rule subject met at the level: "创业参与率 ≥ 1.0%", "场地利用率 近3年均 ≥ 90.0%", or
    the name alone when rule sets give the subject different thresholds."""
    seen: dict[str, list[RuleCheck]] = {}
    for unit in units:
        for rule_check in unit.assessment.checks if unit.assessment else []:
            seen.setdefault(_rule_column_id(rule_check), []).append(rule_check)
    columns: list[tuple[str, str]] = []
    for key, checks in seen.items():
        distinct = {(c.op, c.threshold) for c in checks}
        first = checks[0]
        if len(distinct) == 1:
            heading = rule_heading(first, language)
        else:
            heading = first.name if first.window is None else f"{first.name} {window_words(first.window, language)}"
        if any(c.provisional for c in checks):
            heading += "*"
        columns.append((key, heading))
    return columns


def _lacks(checks: Sequence[RuleCheck], language: Language) -> str | None:
    """What the failing rules lack: "创业参与率 差 96 人；场地利用率 2022年 差 400 平方米；…"."""
    parts = [
        " ".join([c.name, *window_notes(c, language), shortfall_text(c.shortfall, c.shortfall_unit, language)])
        for c in checks
        if c.status == "fail" and c.shortfall is not None
    ]
    return words.text("sep.semicolon", language).join(parts) or None


def _facts(
    result: ComputeResult | CheckResult, standard: Standard | None, language: Language, years: YearsResult | None
) -> list[tuple[str, str | int]]:

    labels = words.section("report", language)
    sources = result.sources
    source = sources[0]
    listing = words.text("sep.list", language)
    facts: list[tuple[str, str | int]] = [
        (words.text("fact.file", language), listing.join(item.file for item in sources)),
        (words.text("fact.sheet", language), listing.join(dict.fromkeys(item.sheet or "—" for item in sources))),
        ("SHA-256", listing.join(item.sha256[:SHA256_SHOWN] + "…" for item in sources)),
    ]
    unit_years = sorted({unit.year for unit in result.units if unit.year is not None})
    if years is not None:
        facts.append((words.text("fact.years-compared", language), ", ".join(str(year) for year in years.years)))
        files = [item.file for item in years.sources if item.file != source.file]
        if files:
            facts.append((words.text("fact.other-files", language), "; ".join(files)))
    if unit_years:
        label = words.text("fact.unit-years", language) if years is not None else labels["year"]
        shown: str | int = unit_years[0] if len(unit_years) == 1 else ", ".join(str(year) for year in unit_years)
        facts.append((label, shown))
    facts.append((labels["units"], len(result.units)))
    if isinstance(result, CheckResult):
        info = result.standard
        facts.append(
            (
                words.text("fact.standard", language),
                words.text("fact.standard-name", language, name=info.name, id=info.id),
            )
        )
        status = words.text(f"fact.{info.status}", language)
        if info.provisional and info.status != "provisional":
            status = words.text("fact.status-flagged", language, status=status)
        facts.append((words.text("fact.standard-status", language), status))
        facts.append((words.text("fact.source", language), info.source))
        banner = provisional_banner(result.standard, language)
        if banner:
            facts.append((words.text("fact.warning", language), banner))
        if info.note:
            facts.append((words.text("fact.note", language), info.note))
    elif standard is None:
        facts.append((words.text("fact.standard", language), labels["no_standard"]))
    warnings = sum(1 for finding in result.findings if finding.severity == "warning")
    errors = sum(1 for finding in result.findings if finding.severity == "error")
    if warnings or errors:
        facts.append(
            (
                words.text("fact.findings", language),
                words.text("fact.finding-counts", language, errors=errors, warnings=warnings),
            )
        )
    facts.append((words.text("fact.generated-by", language), f"chuangye-metrics {__version__}"))
    return facts


def _summary(result: ComputeResult | CheckResult, catalog: Catalog, language: Language) -> list[LevelSummary]:
    """Per level (and year, when the return has several): units, and with a standard the pass counts and share."""
    several_years = len({unit.year for unit in result.units}) > 1
    counts: dict[tuple[str, int | None], int] = {}
    for unit in result.units:
        key = (unit.level, unit.year if several_years else None)
        counts[key] = counts.get(key, 0) + 1
    coverage = (
        {(entry.level, entry.year): entry for entry in result.coverage} if isinstance(result, CheckResult) else {}
    )
    levels = [level for level, _ in _by_level(result.units, catalog)]
    levels += [level for level, _ in coverage if level not in levels]
    summary: list[LevelSummary] = []
    for level in levels:
        label = catalog.level_label(level, language)
        entries = [entry for (covered, _), entry in coverage.items() if covered == level]
        if entries:
            for entry in entries:
                units = sum(1 for unit in result.units if unit.level == level and unit.year == entry.year)
                summary.append(
                    LevelSummary(
                        level=level,
                        label=label,
                        units=units,
                        passed=entry.passed,
                        failed=entry.failed,
                        incomplete=entry.incomplete,
                        share=entry.share,
                        target=entry.target,
                        met=entry.met,
                        year=entry.year if several_years else None,
                        no_return=entry.no_return,
                    )
                )
            continue
        for (counted, year), units in counts.items():
            if counted == level:
                summary.append(LevelSummary(level, label, units, None, None, None, None, None, None, year=year))
    return summary


def chart_indicators(level: str, catalog: Catalog, standard: Standard | None) -> list[str]:
    """The core indicators, then any other indicator the standard has a rule on at the level."""
    core = [indicator.id for indicator in catalog.indicators.values() if indicator.core]
    ruled = [rule.indicator for rule in standard.rules_for(level) if rule.indicator] if standard else []
    return list(dict.fromkeys([*core, *ruled]))


def _charts(
    result: ComputeResult | CheckResult, catalog: Catalog, standard: Standard | None, language: Language
) -> list[ChartSeries]:
    """Each charted indicator by unit, per level; a series with no value at all is left out."""
    charts: list[ChartSeries] = []
    for level, units in _by_level(result.units, catalog):
        several_years = len({unit.year for unit in units}) > 1
        shown = units[:CHART_UNITS_MAX]
        names = [
            (unit.unit_name or unit.unit_code) + (f" {unit.year}" if several_years and unit.year is not None else "")
            for unit in shown
        ]
        label = catalog.level_label(level, language)
        for indicator_id in chart_indicators(level, catalog, standard):
            indicator = catalog.indicators.get(indicator_id)
            if indicator is None:
                continue
            values = [
                unit.indicators[indicator_id].value if indicator_id in unit.indicators else None for unit in shown
            ]
            if all(value is None for value in values):
                continue
            # a bar is one year's value: a rule on the years' summed counts draws no line across it
            rules = [
                rule
                for rule in (standard.rules_for(level) if standard else [])
                if rule.indicator == indicator_id and (rule.window is None or rule.window.each)
            ]
            # rule sets may give the indicator different thresholds: then no single line can be drawn
            distinct = {(rule.op, rule.value) for rule in rules}
            op, threshold = next(iter(distinct)) if len(distinct) == 1 else (None, None)
            provisional = standard is not None and threshold is not None and any(map(standard.is_provisional, rules))
            name = _indicator_label(indicator_id, catalog, language)
            title = f"{label} · {name}"
            if len(units) > len(shown):
                title += words.text("chart.first-units", language, shown=len(shown), total=len(units))
            charts.append(
                ChartSeries(
                    level=level,
                    level_label=label,
                    indicator=indicator_id,
                    indicator_label=name,
                    unit=indicator.unit,
                    labels=names,
                    values=values,
                    threshold=threshold,
                    op=op,
                    total_units=len(units),
                    title=title,
                    provisional=provisional,
                )
            )
    return charts


def _score_charts(result: CheckResult, catalog: Catalog, standard: Standard, language: Language) -> list[ScoreChart]:
    """Per scored level, each scored unit's total (the first CHART_UNITS_MAX) against the grades' cut-offs."""
    charts: list[ScoreChart] = []
    for level, units in _by_level(result.units, catalog):
        scoring = standard.scoring.get(level)
        scored = [
            (unit, unit.assessment.score)
            for unit in units
            if isinstance(unit, AssessedUnit) and unit.assessment is not None and unit.assessment.score is not None
        ]
        if scoring is None or not scored:
            continue
        shown = scored[:CHART_UNITS_MAX]
        label = catalog.level_label(level, language)
        title = words.text("chart.score-title", language, level=label)
        if len(scored) > len(shown):
            title += words.text("chart.first-units", language, shown=len(shown), total=len(scored))
        charts.append(
            ScoreChart(
                level=level,
                level_label=label,
                labels=[unit.unit_name or unit.unit_code for unit, _ in shown],
                totals=[score.total for _, score in shown],
                passes=[score.passes for _, score in shown],
                grades=[None if score.grade is None else grade_text(score, language) for _, score in shown],
                cuts=[(grade.name_in(language), grade.min) for grade in scoring.grades if grade.min > 0],
                max_total=scoring.total,
                total_units=len(scored),
                title=title,
            )
        )
    return charts


def formulas_table(catalog: Catalog, language: Language = "zh") -> TextTable:
    """Every indicator: id, name, unit, formula in words, definition, source, note."""

    headings = ("id", "name", "unit", "formula", "definition", "source", "note", "core")
    header = [words.text(f"formulas.{heading}", language) for heading in headings]
    rows: list[list[Cell]] = [
        [
            indicator.id,
            indicator.name_in(language, indicator.name),
            known_message(f"formulas.unit.{indicator.unit}", language) or indicator.unit,
            formula_text(indicator, catalog, language),
            indicator.definition,
            indicator.source,
            indicator.note,
            words.text("report.yes", language) if indicator.core else "",
        ]
        for indicator in catalog.indicators.values()
    ]
    return TextTable(title=words.text("report.formulas", language), header=header, rows=rows)


def _threshold_text(value: float, unit: str, language: Language) -> str:
    return f"{value:g}" if unit == "count" else format_measure(value, unit, language)


def rules_table(standard: Standard, catalog: Catalog, language: Language = "zh") -> TextTable:
    """The standard's rules per level, each with its condition and whether it is provisional; then coverage targets."""
    labels = words.section("report", language)
    headings = ("level", "applies-to", "subject", "comparison", "threshold", "provisional", "note", "source")
    header = [words.text(f"rules.{heading}", language) for heading in headings]
    rows: list[list[Cell]] = []
    for level in standard.judged_levels:
        label = catalog.level_label(level, language)
        for entry in standard.entries_for(level):
            if isinstance(entry, RuleSet):
                condition = entry.name or "; ".join(
                    f"{_field_label(name, catalog, language)} = {'/'.join(values)}"
                    for name, values in entry.when.items()
                )
                rules = entry.rules
            elif standard.is_veto(level, entry):
                condition, rules = words.text("rules.veto", language), [entry]
            else:
                condition, rules = words.text("rules.all-units", language), [entry]
            for rule in rules:
                unit = catalog.indicators[rule.indicator].unit if rule.indicator else "count"
                rows.append(
                    [
                        label,
                        condition,
                        _windowed(_subject_label(rule.subject, catalog, language), rule.window, language),
                        symbol(rule.op),
                        _threshold_text(rule.value, unit, language),
                        labels["yes"] if standard.is_provisional(rule) else labels["no"],
                        rule.note,
                        standard.source,
                    ]
                )
    for level, target in standard.coverage.items():
        rows.append(
            [
                catalog.level_label(level, language),
                words.text("rules.coverage-target", language),
                labels["share"],
                "≥",
                f"{target:g}%",
                labels["no"],
                "",
                standard.source,
            ]
        )
    name = standard.name_in(language)
    title = words.text("rules.title", language, rules=labels["rules"], name=name, id=standard.id)
    return TextTable(title=title, header=header, rows=rows)


def _windowed(name: str, window: Window | None, language: Language) -> str:
    """A rule's or item's subject with its window: "孵化成功率 3年合计"."""
    if window is None:
        return name
    return f"{name} {window_words(window, language)}"


def scoring_table(standard: Standard, catalog: Catalog, language: Language = "zh") -> TextTable:
    """The standard's scored evaluations: per level each item with its points and how it earns them, then each
    grade with its cut-off, whether it passes, its subsidy and whether it means leaving."""
    labels = words.section("report", language)
    headings = ("level", "part", "name", "rule", "points", "provisional", "note")
    header = [words.text(f"scoring.{heading}", language) for heading in headings]
    rows: list[list[Cell]] = []
    for level, scoring in standard.scoring.items():
        label = catalog.level_label(level, language)
        for item in scoring.items:
            name = item.name_in(language) or _subject_label(item.subject, catalog, language)
            provisional = labels["yes"] if standard.status == "provisional" or item.provisional else labels["no"]
            rule = _item_scheme(item, catalog, language)
            part = words.text("scoring.item", language)
            subject = _windowed(name, item.window, language)
            rows.append([label, part, subject, rule, item.points, provisional, item.note or None])
        for grade in scoring.grades:
            part = words.text("scoring.grade", language)
            rows.append(
                [label, part, grade.name_in(language), grade_terms(grade, language), None, None, grade.note or None]
            )
    title = words.text("scoring.title", language, name=standard.name_in(language), id=standard.id)
    kinds = ["text", "text", "text", "text", "measure", "text", "text"]
    return TextTable(title=title, header=header, rows=rows, kinds=kinds, row_units=["count"] * len(rows))


def _item_scheme(item: ScoreItem, catalog: Catalog, language: Language) -> str:
    """How a scored item earns its points, in a table's short form: "≥ 40 得满分，< 20 不得分，其间按比例"."""
    if item.score_field is not None:
        return words.text("scoring.evaluators", language)
    unit = catalog.indicators[item.indicator].unit if item.indicator else "count"
    if item.steps:
        steps = [
            words.text("scoring.step", language, at=_threshold_text(step.at, unit, language), points=f"{step.points:g}")
            for step in sorted(item.steps, key=lambda step: step.at)
        ]
        return words.text("sep.list", language).join(steps)
    full = _threshold_text(item.full or 0.0, unit, language)
    if item.floor is not None and item.full is not None and item.floor < item.full:
        floor = _threshold_text(item.floor, unit, language)
        return words.text("scoring.linear", language, full=full, floor=floor)
    return words.text("scoring.full", language, full=full)


def grade_terms(grade: Grade, language: Language) -> str:
    """A grade's cut-off and consequences: "总分 ≥ 80、补助 20 万元" / "total ≥ 0, does not pass, exit"."""
    terms = [words.text("scoring.from", language, min=points_text(grade.min))]
    if grade.subsidy is not None:
        terms.append(words.text("scoring.subsidy", language, subsidy=f"{grade.subsidy:g}"))
    if not grade.passes:
        terms.append(words.text("scoring.fails", language))
    if grade.exit:
        terms.append(words.text("scoring.exit", language))
    return words.text("sep.list", language).join(terms)


def _shortlist(result: CheckResult, catalog: Catalog, language: Language) -> TextTable | None:

    shortlist = result.shortlist
    if shortlist is None:
        return None
    headings = ("level", "year", "rank", "code", "name", "status", "margin", "weakest", "lacks")
    header = [words.text(f"shortlist.{heading}", language) for heading in headings]
    rows: list[list[Cell]] = [
        [
            catalog.level_label(entry.level, language),
            entry.year,
            entry.rank,
            entry.unit_code,
            entry.unit_name,
            shortlist_label(entry.status, language),
            entry.margin,
            None if entry.weakest is None else _subject_label(entry.weakest, catalog, language),
            lacking_text(entry, language) or None,
        ]
        for entry in shortlist.entries
    ]
    kinds = ["text", "text", "text", "text", "text", "text", "percent", "text", "text"]
    if any(entry.score is not None for entry in shortlist.entries):  # a scored level ranks by score
        header += [words.text("column.score", language), words.text("column.grade", language)]
        kinds += ["points", "text"]
        for row, entry in zip(rows, shortlist.entries, strict=True):
            row += [entry.score, entry.grade]
    note = words.text("report-shortlist.note", language, limit=shortlist.near_limit)
    title = words.text(
        "report-shortlist.title", language, shortlist=words.text("report.shortlist", language), note=note
    )
    return TextTable(title=title, header=header, rows=rows, kinds=kinds)


def _quotas(result: CheckResult, catalog: Catalog, language: Language) -> TextTable | None:
    shortlist = result.shortlist
    if shortlist is None:
        return None
    header = [
        words.text(f"quotas.{heading}", language) for heading in ("level", "year", "quota", "passing", "proposed")
    ]
    rows: list[list[Cell]] = [
        [catalog.level_label(quota.level, language), quota.year, quota.quota, quota.passing, quota.proposed]
        for quota in shortlist.quotas
    ]
    return TextTable(title=words.text("report.quotas", language), header=header, rows=rows)


def years_table(years: YearsResult, catalog: Catalog, language: Language = "zh") -> TextTable:
    """Per unit and count or indicator: the value each year, the change on the year before (同比), and the
    average yearly growth of counts; units absent in a year are flagged."""
    labels = words.section("report", language)
    header = (
        [words.text(f"years.{heading}", language) for heading in ("code", "name", "level", "item", "unit-column")]
        + [words.text("years.year", language, year=year) for year in years.years]
        + [words.text("years.change", language, year=year) for year in years.years[1:]]
        + [words.text(f"years.{heading}", language) for heading in ("yearly-growth", "growth-period", "missing-years")]
    )
    kinds = (
        ["text"] * 5
        + ["measure"] * len(years.years)
        + ["change"] * (len(years.years) - 1)
        + ["percent", "text", "text"]
    )
    rows: list[list[Cell]] = []
    row_units: list[str] = []
    for unit in years.units:
        missing = ", ".join(str(year) for year in unit.missing_years) or None
        items = [(name, series, _field_label(name, catalog, language)) for name, series in unit.fields.items()] + [
            (name, series, _indicator_label(name, catalog, language)) for name, series in unit.indicators.items()
        ]
        for _name, series, item in items:
            points = {point.year: point for point in series.points}
            values: list[Cell] = [points[year].value if year in points else None for year in years.years]
            if all(value is None for value in values):
                continue
            changes: list[Cell] = [points[year].change if year in points else None for year in years.years[1:]]
            period = (
                f"{series.growth_from}–{series.growth_to}"
                if series.growth_from is not None and series.growth_to is not None
                else series.reason
            )
            rows.append(
                [
                    unit.unit_code,
                    unit.unit_name or labels["derived"],
                    catalog.level_label(unit.level, language),
                    item,
                    known_message(f"item-unit.{series.unit}", language) or series.unit,
                    *values,
                    *changes,
                    series.growth,
                    period,
                    missing,
                ]
            )
            row_units.append("count" if series.kind == "field" else series.unit)
    return TextTable(title=labels["years"], header=header, rows=rows, kinds=kinds, row_units=row_units)
