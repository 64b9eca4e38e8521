"""Every table for people: compute's, check's, the years', the findings'; rich up to PLAIN_ABOVE units, then plain."""

from __future__ import annotations

import io
import sys
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, TextIO

from rich.console import Console, RenderableType
from rich.markup import escape
from rich.table import Table

from chuangye_metrics.config.catalog import MISSING, Catalog, format_measure
from chuangye_metrics.core import words
from chuangye_metrics.core.findings import Finding
from chuangye_metrics.core.models import (
    AssessedUnit,
    CheckResult,
    ComputeResult,
    IndicatorValue,
    LevelCoverage,
    RuleCheck,
    Score,
    Series,
    ShortlistEntry,
    Source,
    StandardInfo,
    UnitYears,
    ValidationReport,
    WindowCheck,
    YearsResult,
)
from chuangye_metrics.core.text import printable, wrapped
from chuangye_metrics.core.words import Language, known_message, message_template
from chuangye_metrics.hierarchy import DERIVED
from chuangye_metrics.indicators.compute import UnitTable, model_numbers, text_or_none
from chuangye_metrics.outputs.files import output_stream, write_output
from chuangye_metrics.outputs.layout import (
    Column,
    Grid,
    console_for,
    draw_blocks,
    draw_table,
    fits,
    fitted,
    laid_out,
    plain_text,
    terminal_width,
    write_aligned,
)
from chuangye_metrics.outputs.revision_content import diff_lines
from chuangye_metrics.pipeline import Returns, Revised
from chuangye_metrics.standards.check import describe_rule, shortfall_text
from chuangye_metrics.standards.library import Window

if TYPE_CHECKING:
    import numpy as np

    from chuangye_metrics.outputs.writers import Checked, Target


def markup_safe(text: str) -> str:
    """Text for a rich table cell or line: control characters escaped (``text.printable``) and square brackets
    escaped, so that a name such as "[/x]" is shown as it is instead of being read as markup."""
    return escape(printable(text))


def format_indicator(indicator: IndicatorValue, language: Language = "zh") -> str:
    """30.64 -> "30.6%"; a ratio of 6.2 -> "1:6.2"; null -> "—"."""
    return format_measure(indicator.value, indicator.unit, language)


def compute_grid(result: ComputeResult, catalog: Catalog, language: Language, indicators: Sequence[str]) -> Grid:
    """compute's units with these indicators: code, name, level (and year, with several), then a column each."""
    units = result.units
    several = len({unit.year for unit in units}) > 1
    unnamed = message_template("label-derived-unit", language)
    columns = [
        Column(words.text("column.code", language), [unit.unit_code for unit in units]),
        Column(words.text("column.name", language), [unit.unit_name or unnamed for unit in units], whole=False),
        Column(words.text("column.level", language), [catalog.level_label(unit.level, language) for unit in units]),
    ]
    if several:
        columns.append(
            Column(words.text("column.year", language), ["" if unit.year is None else str(unit.year) for unit in units])
        )
    for indicator_id in indicators:
        indicator = catalog.indicators[indicator_id]
        columns.append(
            Column(
                indicator.label(language),
                [format_indicator(unit.indicators[indicator_id], language) for unit in units],
                right=True,
                short=indicator.short_label(language),
            )
        )
    italic = {position for position, unit in enumerate(units) if unit.derived}
    return Grid(source_title(result), columns, keys=len(columns) - len(indicators), italic=italic)


@dataclass
class Layout:
    """What a table for people shows at a width: its drawing, and the notes under it (short names, columns left
    out)."""

    drawn: list[RenderableType]
    notes: list[str]


def compute_layout(
    result: ComputeResult, catalog: Catalog, width: int, language: Language, chosen: Sequence[str] | None = None
) -> Layout:
    """compute's table at ``width``: every indicator (or those ``chosen``) boxed, else compact with short names;
    when not chosen, the core indicators and as many of the rest as fit; else a block per unit."""
    every = list(chosen or catalog.indicators)
    grid = compute_grid(result, catalog, language, every)
    if fits(grid.columns, width, compact=False):
        return Layout([draw_table(grid, compact=False)], [])
    if fits(grid.columns, width, compact=True):
        return Layout([draw_table(grid, compact=True)], [short_names(every, catalog, language)])
    keys, by_name = grid.columns[: grid.keys], dict(zip(every, grid.columns[grid.keys :], strict=True))
    shown = [name for name in every if catalog.indicators[name].core]
    if chosen is None and fits([*keys, *(by_name[name] for name in shown)], width, compact=True):
        # more indicators only while the names fit unfolded
        for name in every:
            columns = [*keys, *(by_name[item] for item in shown), by_name[name]]
            if name not in shown and fits(columns, width, compact=True, folded=False):
                shown.append(name)
        shown = [name for name in every if name in shown]
        narrow = Grid(grid.title, [*keys, *(by_name[name] for name in shown)], grid.keys, grid.italic)
        left = [catalog.indicators[name].label(language) for name in every if name not in shown]
        notes = [short_names(shown, catalog, language)]
        if left:
            names = words.text("sep.list", language).join(left)
            notes.append(words.text("table.left-out", language, count=len(left), names=names))
        return Layout([draw_table(narrow, compact=True)], notes)
    return Layout([draw_blocks(grid, width)], [])


def short_names(indicators: Sequence[str], catalog: Catalog, language: Language) -> str:
    """The note that reads the short headings of a compact table: "参与率＝创业参与率；…"."""
    pairs = [
        words.text("table.short-name", language, short=item.short_label(language), name=item.label(language))
        for item in (catalog.indicators[name] for name in indicators)
        if item.short_label(language) != item.label(language)
    ]
    return words.text("table.short-names", language, names=words.text("sep.semicolon", language).join(pairs))


def compute_text(
    result: ComputeResult, catalog: Catalog, width: int, language: Language = "zh", chosen: Sequence[str] | None = None
) -> str:
    """compute's table for a terminal ``width`` columns wide (coloured on a terminal), with its notes."""
    console, buffer = text_console(width)
    layout = compute_layout(result, catalog, width, language, chosen)
    for drawn in layout.drawn:
        console.print(drawn)
    notes = [note for note in layout.notes if note]
    if any(unit.derived for unit in result.units):
        notes.insert(0, words.text("table.derived-note", language))
    for note in notes:
        console.print(wrapped(printable(note), width), style="dim", markup=False)
    return buffer.getvalue()


def prose(text: str, width: int | None) -> str:
    """A line for people, its control characters escaped, broken to the terminal's ``width`` (none: one line)."""
    return printable(text) if width is None else wrapped(printable(text), width)


def text_console(width: int | None = None) -> tuple[Console, io.StringIO]:
    """A console drawing into a buffer at ``width`` (the terminal's or ``COLUMNS``, else 240): coloured on a
    terminal, no automatic highlighting of the digits in ids and names, no emoji codes."""
    buffer = io.StringIO()
    if width is None:
        width = terminal_width() or 240
    return console_for(width, buffer, sys.stdout.isatty()), buffer


PLAIN_ABOVE = 2_000  # units: a larger table is written as plain aligned columns, where rich would take minutes


def source_title(result: ComputeResult) -> str:
    """The title of compute's table: the files, and the sheet when they have one."""
    return sources_title(result.sources)


def sources_title(sources: Sequence[Source]) -> str:
    """Files as a title: "a.xlsx + b.xlsx · 创业统计", the sheet when they all read one of that name."""
    sheets = {source.sheet for source in sources if source.sheet}
    return " + ".join(source.file for source in sources) + (f" · {sheets.pop()}" if len(sheets) == 1 else "")


def plain_headers(
    catalog: Catalog, language: Language, several_years: bool, chosen: Sequence[str] | None = None
) -> list[str]:
    """The headers of compute's plain table: every indicator's name (or those ``chosen``)."""
    headers = [words.text(f"column.{name}", language) for name in ("code", "name", "level")]
    return (
        headers
        + ([words.text("column.year", language)] if several_years else [])
        + [printable(catalog.indicators[name].label(language)) for name in chosen or catalog.indicators]
    )


def findings_table(findings: Iterable[Finding], language: Language = "zh") -> Table:
    table = Table(header_style="bold", show_lines=False)
    for heading in ("severity", "sheet", "row", "column", "field", "value", "message"):
        table.add_column(words.text(f"findings.{heading}", language))
    for finding in findings:
        severity = words.text(f"severity.{finding.severity}", language)
        style = "red" if finding.severity == "error" else "yellow"
        table.add_row(
            f"[{style}]{severity}[/{style}]",
            markup_safe(finding.sheet or ""),
            "" if finding.row is None else str(finding.row),
            markup_safe(finding.column or ""),
            markup_safe(finding.header or finding.field or ""),
            markup_safe(finding.value or ""),
            markup_safe(finding.message),
        )
    return table


STATUS_STYLE = {"pass": "green", "fail": "red", "incomplete": "yellow"}


def provisional_banner(standard: StandardInfo, language: Language = "zh") -> str | None:
    """The warning every output of a provisional standard carries."""
    if not standard.provisional:
        return None
    return words.text("banner.provisional", language, standard=standard.id)


def status_label(status: str, language: Language) -> str:
    return known_message(f"status.{status}", language) or status


RuleKey = tuple[str | None, str | None, str, float, bool, str | None, int | None]


def rule_key(check: RuleCheck) -> RuleKey:
    """What tells a rule from another at a level: its subject, comparison and threshold, whether it is a veto, and
    its window (the same indicator may be a rule over three years and a veto in the year judged)."""
    window = check.window
    return (
        check.indicator,
        check.field,
        check.op,
        check.threshold,
        check.veto,
        None if window is None else window.kind,
        None if window is None else window.years,
    )


def _rules_of(units: list[AssessedUnit]) -> list[RuleCheck]:
    """The distinct rules met by the units of one level, in order of first appearance."""
    seen: dict[RuleKey, RuleCheck] = {}
    for unit in units:
        for check in unit.assessment.checks if unit.assessment else []:
            seen.setdefault(rule_key(check), check)
    return list(seen.values())


def window_words(window: Window | WindowCheck, language: Language) -> str:
    """ "近3年均" (each of the years passes) or "3年合计" (the years' counts summed)."""
    return words.text(f"window.{window.kind}", language, years=window.years)


def rule_heading(check: RuleCheck, language: Language = "zh", name: str | None = None) -> str:
    """ "场地利用率 近3年均 ≥ 90.0%", "孵化成功率 ≥ 20.0%（否决）": a rule as a heading, with its window and whether it
    is a veto (``name`` in place of the rule's own: a short one)."""
    shown = check.name if name is None else name
    if check.window is not None:
        shown = f"{shown} {window_words(check.window, language)}"
    heading = describe_rule(check, language, name=shown)
    return heading + words.text("rule.veto", language) if check.veto else heading


def measure_text(value: float | None, unit: str, language: Language) -> str:
    """A rule's or an item's value: a count as it is (31, 9500.5), a measure as ``format_measure`` writes it."""
    if unit in ("count", "point"):
        return MISSING if value is None else f"{value:g}"
    return format_measure(value, unit, language)


def window_notes(check: RuleCheck, language: Language) -> list[str]:
    """What a rule over years says of its years: the years that fail ("2022年"), the years without a row
    ("缺2022年"), the years with a blank ("2022年数据不全")."""
    window = check.window
    if window is None:
        return []
    notes: list[str] = []
    listed = words.text("sep.list", language)
    failing = [str(year.year) for year in window.by_year if year.status == "fail"]
    if failing and check.status == "fail":
        notes.append(words.text("window.failing", language, years=listed.join(failing)))
    if window.missing_years and check.status != "pass":
        notes.append(words.text("window.absent", language, years=listed.join(map(str, window.missing_years))))
    if check.status == "missing":
        blank = [
            str(year.year)
            for year in window.by_year
            if year.year not in window.missing_years and (year.status == "missing" or year.value is None)
        ]
        if blank and window.kind == "each":
            notes.append(words.text("window.blank", language, years=listed.join(blank)))
    return notes


def check_cell(check: RuleCheck, language: Language = "zh") -> str:
    """ "85.0% ✗ 2022年 差 400 平方米": one rule's outcome for a cell (for a rule over years the weakest year's
    value, the years that fail or are missing, and what the failing years lack in all)."""
    parts = [measure_text(check.value, check.unit, language), CHECK_MARK[check.status], *window_notes(check, language)]
    if check.status == "fail" and check.shortfall is not None:
        parts.append(shortfall_text(check.shortfall, check.shortfall_unit, language))
    return " ".join(parts)


CHECK_MARK = {"pass": "✓", "fail": "✗", "missing": "?"}
CHECK_STYLE = {"pass": "green", "fail": "red", "missing": "yellow"}


def points_text(points: float) -> str:
    """Points as people write them: 86.5, 100, 16.7 (one decimal at most)."""
    return f"{round(points, 1):g}"


def total_text(score: Score) -> str:
    """ "86.5/100"; "—/100" when an item is missing."""
    total = MISSING if score.total is None else points_text(score.total)
    return f"{total}/{points_text(score.max_total)}"


def grade_text(score: Score, language: Language) -> str:
    """The grade, marked when a veto rule gave it: "不合格（否决）"; "—" when unknown."""
    if score.grade is None:
        return MISSING
    return score.grade + (words.text("rule.veto", language) if score.vetoed else "")


def subsidy_text(score: Score, language: Language) -> str:
    return "" if score.subsidy is None else words.text("measure.wan_yuan", language, value=f"{score.subsidy:g}")


def exit_text(score: Score, language: Language) -> str:
    if score.exit is None:
        return ""
    return words.text("score.exit-yes" if score.exit else "score.exit-no", language)


def next_grade_text(score: Score, language: Language) -> str:
    """ "距优秀 3.5 分：在孵创业实体数 +3": how far the next grade up is, and the cheapest single item that reaches
    it; "" at the top grade or when the total is unknown."""
    step = score.next_grade
    if step is None:
        return ""
    points = points_text(step.points_needed)
    if step.item_name is None or step.addition is None:
        return words.text("score.next-none", language, grade=step.grade, points=points)
    return words.text(
        "score.next", language, grade=step.grade, points=points, item=step.item_name, addition=f"{step.addition:g}"
    )


def grade_style(score: Score) -> str:
    return "yellow" if score.passes is None else "green" if score.passes else "red"


def score_columns(units: Sequence[AssessedUnit], language: Language) -> list[Column]:
    """A scored level's total, grade, subsidy (when a grade carries one), exit (when a unit leaves) and the next
    grade (when a unit has one); none when no unit of the level is scored."""
    scores = [unit.assessment.score if unit.assessment else None for unit in units]
    if not any(scores):
        return []
    shown = [score for score in scores if score is not None]

    def cells(write: Callable[[Score], str]) -> list[str]:
        return ["" if score is None else write(score) for score in scores]

    styles: list[str | None] = [None if score is None else grade_style(score) for score in scores]
    columns = [
        Column(words.text("column.score", language), cells(total_text), right=True),
        Column(words.text("column.grade", language), cells(lambda score: grade_text(score, language)), styles),
    ]
    if any(score.subsidy is not None for score in shown):
        columns.append(
            Column(words.text("column.subsidy", language), cells(lambda s: subsidy_text(s, language)), right=True)
        )
    if any(score.exit for score in shown):
        columns.append(Column(words.text("column.exit", language), cells(lambda s: exit_text(s, language))))
    steps = cells(lambda s: next_grade_text(s, language))
    if any(steps):
        columns.append(Column(words.text("column.next-grade", language), steps, whole=False))
    return columns


NARROW_SCORE = ("column.score", "column.grade", "column.next-grade")
"""The score's columns a narrow table keeps beside the rules each unit misses."""


@dataclass
class LevelGrids:
    """One level's units of a check: a column per rule (``full``), or the rules each unit misses in one column
    (``misses``), for a narrow terminal; the indicators its rules name, for the note of short names."""

    full: Grid
    misses: Grid
    indicators: list[str]


def checked_levels(result: CheckResult) -> list[str]:
    """The levels of a check's tables: those of its coverage, then any other level a unit was assessed at."""
    return list(
        dict.fromkeys(
            [entry.level for entry in result.coverage]
            + [unit.level for unit in result.units if unit.assessment is not None]
        )
    )


def level_grids(result: CheckResult, catalog: Catalog, language: Language = "zh") -> list[LevelGrids]:
    """Each level's units: code, name (year, with several), status, the score (a scored level), and each rule's
    outcome."""
    grids: list[LevelGrids] = []
    unnamed = message_template("label-derived-unit", language)
    for level in checked_levels(result):
        units = [unit for unit in result.units if unit.level == level and unit.assessment is not None]
        if not units:
            continue
        keys = [
            Column(words.text("column.code", language), [unit.unit_code for unit in units]),
            Column(words.text("column.name", language), [unit.unit_name or unnamed for unit in units], whole=False),
        ]
        if len({unit.year for unit in units}) > 1:
            keys.append(
                Column(
                    words.text("column.year", language), ["" if unit.year is None else str(unit.year) for unit in units]
                )
            )
        statuses = [unit.assessment.status for unit in units if unit.assessment is not None]
        keys.append(
            Column(
                words.text("column.status", language),
                [status_label(status, language) for status in statuses],
                [STATUS_STYLE[status] for status in statuses],
            )
        )
        scored = score_columns(units, language)
        narrow = {words.text(code, language) for code in NARROW_SCORE}
        rules = _rules_of(units)
        checks = [
            {rule_key(check): check for check in unit.assessment.checks}
            for unit in units
            if unit.assessment is not None
        ]
        columns: list[Column] = []
        headings: list[str] = []
        for rule in rules:
            found = [by_rule.get(rule_key(rule)) for by_rule in checks]
            mark = "*" if rule.provisional else ""
            short = rule_heading(rule, language, name=_short_rule_name(rule, catalog, language)) + mark
            headings.append(short)
            columns.append(
                Column(
                    rule_heading(rule, language) + mark,
                    ["" if check is None else check_cell(check, language) for check in found],
                    [None if check is None else CHECK_STYLE[check.status] for check in found],
                    right=True,
                    short=short,
                )
            )
        missed: list[str] = []
        for row in range(len(units)):
            lines = [
                f"{heading} {column.cells[row]}"
                for heading, column in zip(headings, columns, strict=True)
                if column.styles and column.styles[row] in ("red", "yellow")
            ]
            missed.append("\n".join(lines))
        italic = {position for position, unit in enumerate(units) if unit.derived}
        title = f"{catalog.level_label(level, language)} · {result.standard.id}"
        joiner = words.text("sep.semicolon", language)
        misses = Column(words.text("column.misses", language), missed, lines=True, joiner=joiner)
        grids.append(
            LevelGrids(
                Grid(title, [*keys, *scored, *columns], len(keys), italic),
                Grid(
                    title,
                    [*keys, *(column for column in scored if column.heading in narrow), misses],
                    len(keys),
                    italic,
                ),
                [rule.indicator for rule in rules if rule.indicator in catalog.indicators],
            )
        )
    return grids


def _short_rule_name(rule: RuleCheck, catalog: Catalog, language: Language) -> str:
    indicator = catalog.indicators.get(rule.indicator or "")
    return rule.name if indicator is None else indicator.short_label(language)


def check_layout(levels: list[LevelGrids], catalog: Catalog, width: int, language: Language) -> Layout:
    """Each level's table at ``width``: a column per rule, boxed or compact; else the rules each unit misses in
    one column; else a block per unit."""
    drawn: list[RenderableType] = []
    shortened: list[str] = []
    listed_misses = False
    for level in levels:
        if fits(level.full.columns, width, compact=False):
            drawn.append(draw_table(level.full, compact=False))
            continue
        # the short names head a compact table's columns and a misses cell's lines; a block has the full names
        if fits(level.full.columns, width, compact=True):
            drawn.append(draw_table(level.full, compact=True))
        elif fits(level.misses.columns, width, compact=True):
            drawn.append(draw_table(level.misses, compact=True))
            listed_misses = True
        else:
            drawn.append(draw_blocks(level.full, width))
            continue
        shortened += [name for name in level.indicators if name not in shortened]
    # a level whose indicators are all called by their whole names has no short names to read
    short = [
        name
        for name in shortened
        if catalog.indicators[name].short_label(language) != catalog.indicators[name].label(language)
    ]
    notes = [short_names(short, catalog, language)] if short else []
    if listed_misses:
        notes.append(words.text("table.misses-note", language))
    return Layout(drawn, notes)


def coverage_grid(coverage: list[LevelCoverage], catalog: Catalog, language: Language = "zh") -> Grid:
    """The share of each level's units that pass, against the standard's target."""
    met = [
        "—" if entry.met is None else words.text(f"coverage.met-{'yes' if entry.met else 'no'}", language)
        for entry in coverage
    ]
    cells: dict[str, list[str]] = {
        "level": [catalog.level_label(entry.level, language) for entry in coverage],
        "year": ["" if entry.year is None else str(entry.year) for entry in coverage],
        "assessed": [str(entry.assessed) for entry in coverage],
        "pass": [str(entry.passed) for entry in coverage],
        "fail": [str(entry.failed) for entry in coverage],
        "incomplete": [str(entry.incomplete) for entry in coverage],
        "no-return": [str(entry.no_return) for entry in coverage],
        "share": ["—" if entry.share is None else f"{entry.share:.1f}%" for entry in coverage],
        "target": ["—" if entry.target is None else f"{entry.target:g}%" for entry in coverage],
        "met": met,
    }
    styles = [None if entry.met is None else "green" if entry.met else "red" for entry in coverage]
    columns = [
        Column(
            words.text(f"coverage.{heading}", language),
            values,
            styles if heading == "met" else None,
            right=heading not in ("level", "year"),
        )
        for heading, values in cells.items()
    ]
    return Grid(words.text("coverage.title", language), columns, keys=2)


def shortlist_label(status: str, language: Language) -> str:
    return known_message(f"shortlist.{status}", language) or status


def lacking_text(entry: ShortlistEntry, language: Language = "zh") -> str:
    """What a near unit lacks, rule by rule: "创业参与率 差 3 人"."""
    parts = [f"{lack.name} {shortfall_text(lack.shortfall, lack.shortfall_unit, language)}" for lack in entry.lacking]
    return words.text("sep.semicolon", language).join(parts)


def shortlist_grid(result: CheckResult, catalog: Catalog, language: Language = "zh") -> Grid | None:
    """The declaration shortlist: rank, unit, status, weakest rule and its margin, or what a near unit lacks."""
    shortlist = result.shortlist
    if shortlist is None:
        return None
    quotas = "，".join(f"{catalog.level_label(q.level, language)} {q.proposed}/{q.quota}" for q in shortlist.quotas)
    entries = shortlist.entries
    style = {"proposed": "green", "reserve": None, "near": "yellow"}
    cells: dict[str, list[str]] = {
        "level": [catalog.level_label(entry.level, language) for entry in entries],
        "rank": ["" if entry.rank is None else str(entry.rank) for entry in entries],
        "code": [entry.unit_code for entry in entries],
        "name": [entry.unit_name or "" for entry in entries],
        "status": [shortlist_label(entry.status, language) for entry in entries],
        "weakest": [entry.weakest_name or "" for entry in entries],
        "margin": ["" if entry.margin is None else f"{entry.margin:+.1f}%" for entry in entries],
        "lacks": [lacking_text(entry, language) for entry in entries],
    }
    columns = [
        Column(
            words.text(f"shortlist.{heading}", language),
            values,
            [style[entry.status] for entry in entries] if heading == "status" else None,
            whole=heading not in ("name", "weakest", "lacks"),
            right=heading in ("rank", "margin"),
        )
        for heading, values in cells.items()
    ]
    if any(entry.score is not None for entry in entries):  # a scored level ranks by score
        scores = ["" if entry.score is None else points_text(entry.score) for entry in entries]
        columns[5:5] = [
            Column(words.text("column.score", language), scores, right=True),
            Column(words.text("column.grade", language), [entry.grade or "" for entry in entries]),
        ]
    return Grid(words.text("shortlist.title", language, quotas=quotas), columns, keys=4)


def check_text(result: CheckResult, catalog: Catalog, language: Language = "zh", width: int | None = None) -> str:
    """The check for people: laid out for a terminal ``width`` columns wide (coloured on a terminal), or, without a
    width (a pipe, a file) or beyond PLAIN_ABOVE units, each level as plain aligned columns in full."""
    console, buffer = text_console(width or 240)
    standard = result.standard
    name, identifier = markup_safe(standard.name), markup_safe(standard.id)
    console.print(words.text("check.title", language, name=f"[bold]{name}[/bold]", id=identifier))
    source = words.text("check.source", language, source=printable(standard.source))
    console.print(prose(source, width), markup=False)
    banner = provisional_banner(result.standard, language)
    if banner:
        console.print(prose(banner, width), style="bold yellow", markup=False)
    if standard.note:
        console.print(prose(standard.note, width), style="dim", markup=False)
    levels = level_grids(result, catalog, language)
    if width is None or sum(level.full.rows for level in levels) > PLAIN_ABOVE:
        for level in levels:  # plain aligned columns: rich would take minutes to draw a national return
            console.out(plain_text(level.full), end="", highlight=False)
        notes: list[str] = []
    else:
        layout = check_layout(levels, catalog, width, language)
        for drawn in layout.drawn:
            console.print(drawn)
        notes = layout.notes
    if any(level.full.italic for level in levels):
        notes.insert(0, words.text("table.derived-note" if width else "table.plain-derived-note", language))
    for note in notes:
        console.print(prose(note, width), style="dim", markup=False)
    console.print(laid_out(coverage_grid(result.coverage, catalog, language), console.width))
    for entry in result.coverage:
        if entry.missing_units:
            names = "、".join(f"{unit.unit_code} {unit.unit_name or ''}".strip() for unit in entry.missing_units)
            label = catalog.level_label(entry.level, language)
            line = words.text("check.no-return", language, level=label, names=names)
            console.print(prose(line, width), markup=False)
    shortlist = shortlist_grid(result, catalog, language)
    note_text = words.text(
        "check.shortlist-note", language, limit=result.shortlist.near_limit if result.shortlist else ""
    )
    if shortlist is not None:
        console.print(laid_out(shortlist, console.width))
        console.print(
            prose(note_text, width),
            style="dim",
            markup=False,
        )
    return buffer.getvalue()


# the counts most asked about come first: entrepreneurs and entities
LEADING_COUNTS = ("entrepreneurs", "active_entities", "startup_entities")


def format_value(series: Series, value: float | None, language: Language) -> str:
    if value is None:
        return MISSING
    if series.kind == "field":
        return f"{value:,.0f}" if float(value).is_integer() else f"{value:,}"
    return format_measure(value, series.unit, language)


def format_change(series: Series, change: float | None, language: Language) -> str:
    """+120 (a count); +1.5 个百分点 (a percent); +0.3 (the N of 1:N); +0.2 年 (years)."""
    if change is None:
        return ""
    if series.kind == "field":
        return f"{change:+,.0f}" if float(change).is_integer() else f"{change:+,}"
    # one decimal, as the values are shown; two for a change too small to show in one
    signed = f"{change:+.1f}" if change == 0 or abs(change) >= 0.05 else f"{change:+.2f}"
    if series.unit in ("percent", "years", "wan_yuan"):
        return words.text(f"change.{series.unit}", language, change=signed)
    return signed


def format_growth(series: Series) -> str:
    if series.kind != "field":
        return ""
    if series.growth is None:
        return MISSING
    return f"{series.growth:+.1f}%"


def _series_rows(unit: UnitYears, catalog: Catalog, language: Language) -> list[tuple[str, Series]]:
    """(label, series) of the unit's indicators, then its counts; those without a value in any year left out."""
    rows: list[tuple[str, Series]] = []
    for indicator_id, series in unit.indicators.items():
        definition = catalog.indicators.get(indicator_id)
        rows.append((indicator_id if definition is None else definition.label(language), series))
    ordered = [name for name in LEADING_COUNTS if name in unit.fields]
    ordered += [name for name in unit.fields if name not in ordered]
    for name in ordered:
        field = catalog.fields.get(name)
        rows.append((name if field is None else field.label(language), unit.fields[name]))
    return [(label, series) for label, series in rows if any(point.value is not None for point in series.points)]


def years_table(result: YearsResult, units: list[UnitYears], title: str, catalog: Catalog, language: Language) -> Table:
    years = result.years
    table = Table(title=markup_safe(title), header_style="bold", show_lines=False)
    table.add_column(words.text("years.unit", language))
    table.add_column(words.text("years.item", language))
    for year in years:
        table.add_column(str(year), justify="right", no_wrap=True)
    for year in years[1:]:
        table.add_column(words.text("years.yoy", language, year=year), justify="right", no_wrap=True)
    table.add_column(
        words.text("years.growth", language, first=years[0], last=years[-1]), justify="right", no_wrap=True
    )
    for unit in units:
        name = unit.unit_name or message_template("label-derived-unit", language)
        heading = [markup_safe(unit.unit_code), markup_safe(name)]
        if unit.missing_years:
            missing = "、".join(map(str, unit.missing_years))
            heading.append(f"[yellow]{words.text('years.no-data', language, years=missing)}[/yellow]")
        rows = _series_rows(unit, catalog, language)
        if not rows:
            table.add_row(heading[0], "", *([MISSING] * len(years)), *([""] * len(years)), end_section=True)
            continue
        for position, (label, series) in enumerate(rows):
            by_year = {point.year: point for point in series.points}
            values = [
                format_value(series, by_year[year].value if year in by_year else None, language) for year in years
            ]
            changes = [
                format_change(series, by_year[year].change if year in by_year else None, language) for year in years[1:]
            ]
            table.add_row(
                heading[position] if position < len(heading) else "",
                markup_safe(label),
                *values,
                *changes,
                format_growth(series),
                end_section=position == len(rows) - 1,
            )
    return table


def render_years(result: YearsResult, catalog: Catalog, console: Console, language: Language = "zh") -> None:
    """A table per level (top down, parks last) with every unit of any year; then what the columns mean."""
    files = ", ".join(source.file for source in result.sources)
    order = [level for level in catalog.levels if level in {unit.level for unit in result.units}]
    order += sorted({unit.level for unit in result.units} - set(order))
    for level in order:
        units = [unit for unit in result.units if unit.level == level]
        title = f"{catalog.level_label(level, language)} · {files}"
        console.print(*fitted([years_table(result, units, title, catalog, language)], console.width))
    console.print(words.text("years.note", language), style="dim")


def years_table_text(result: YearsResult, catalog: Catalog, language: Language = "zh") -> str:
    """The tables as text: coloured for a terminal, plain when piped or written to a file."""
    console, buffer = text_console()
    render_years(result, catalog, console, language)
    return buffer.getvalue()


SLICE = 20_000  # lines padded and written at a time


def write_plain_compute_table(
    out: TextIO,
    units: UnitTable,
    catalog: Catalog,
    sources: Sequence[Source],
    language: Language,
    chosen: Sequence[str] | None = None,
) -> None:
    """compute's plain table (for a pipe or a file, or more than PLAIN_ABOVE units): a line per unit with every
    indicator (or those ``chosen``) and their full names, written column by column."""
    frame = units.frame
    years = model_numbers(frame["year"].to_numpy(dtype="float64"))
    several = len(set(years)) > 1
    derived = frame[DERIVED].to_numpy(dtype=bool)
    labels = {level: catalog.level_label(level, language) for level in catalog.levels}
    unnamed = message_template("label-derived-unit", language)
    names = [unnamed if name is None else name for name in map(text_or_none, frame["unit_name"].tolist())]
    columns: list[list[str]] = [
        [printable(str(code)) for code in frame["unit_code"].tolist()],
        [printable(name + " *" if marked else name) for name, marked in zip(names, derived.tolist(), strict=True)],
        [printable(labels.get(level, str(level))) for level in frame["level"].tolist()],
    ]
    if several:
        columns.append(["" if year is None else str(year) for year in years])
    parts = units.indicators_of(frame)
    for indicator_id in chosen or catalog.indicators:
        unit = catalog.indicators[indicator_id].unit
        columns.append(measures(parts[indicator_id]["value"].to_numpy(dtype="float64"), unit, language))
    headers = plain_headers(catalog, language, several, chosen)
    out.write(printable(sources_title(sources)) + "\n")
    write_aligned(out, headers, columns, right_from=4 if several else 3, batch=SLICE)
    if derived.any():
        out.write(words.text("table.plain-derived-note", language) + "\n")


def measures(values: np.ndarray, unit: str, language: Language) -> list[str]:
    """``catalog.format_measure`` of each value."""
    return [format_measure(value, unit, language) for value in values.tolist()]


def finding_line(finding: Finding, language: Language = "zh") -> str:
    """One finding on one line for logs: severity, place (sheet, row, column, field) and message; the control
    characters of a value or sheet name quoted shown escaped (``text.printable``), so that it stays one line."""
    severity = words.text(f"severity.{finding.severity}", language)
    place = []
    if finding.sheet:
        place.append(words.text("place.sheet", language, sheet=finding.sheet))
    if finding.row is not None:
        place.append(words.text("place.row", language, row=finding.row))
    if finding.column:
        place.append(words.text("place.column", language, column=finding.column))
    if finding.header or finding.field:
        place.append(str(finding.header or finding.field))
    where = f" [{', '.join(place)}]" if place else ""
    # the value, unless the message says it already
    shown = finding.value and finding.value not in finding.message
    value = f" ({words.text('place.value', language, value=finding.value)})" if shown else ""
    return printable(f"{severity}{where}: {finding.message}{value}")


def validation_text(report: ValidationReport, language: Language, terminal: bool = True) -> str:
    """validate's report for people: a table of findings on a terminal, one line a finding elsewhere."""
    buffer = io.StringIO()
    console = console_for(terminal_width() or 200, buffer, terminal=False)
    if report.findings and terminal:
        console.print(*fitted([findings_table(report.findings, language)], console.width))
    elif report.findings:  # a log or a file: greppable lines, and a thousand of them print at once
        buffer.write("".join(finding_line(finding, language) + "\n" for finding in report.findings))
    if report.left_out:
        console.print(words.text("validation.left-out", language, count=report.left_out))
    status = words.text("validation.valid" if report.valid else "validation.invalid", language)
    file = markup_safe(" + ".join(source.file for source in report.sources))
    console.print(
        words.text(
            "validation.summary", language, file=file, status=status, errors=report.errors, warnings=report.warnings
        )
    )
    return buffer.getvalue()


def write_compute_table(returns: Returns, target: Target) -> None:
    """The table of one year's units, laid out for the terminal; plain and full, written column by column, for a
    pipe or a file, or beyond PLAIN_ABOVE units."""
    assert returns.units is not None
    width = None if target.output else terminal_width()
    if width is not None and len(returns.units.frame) <= PLAIN_ABOVE:
        text = compute_text(returns.result(), target.catalog, width, target.language, target.indicators)
        write_output(text, None, target.language)
        return
    sources = returns.sources_of(returns.units.frame)
    with output_stream(target.output, target.language) as stream:
        write_plain_compute_table(stream, returns.units, target.catalog, sources, target.language, target.indicators)


# --- the registry's entry points (outputs.writers) ----------------------------------------------------------


def write_compute(returns: Returns, target: Target) -> None:
    write_compute_table(returns, target)


def write_years(returns: Returns, target: Target) -> None:
    write_output(
        years_table_text(returns.years_result(), target.catalog, target.language), target.output, target.language
    )


def write_check(checked: Checked, target: Target) -> None:
    result = checked.outcome.result
    assert result is not None
    width = None if target.output else terminal_width()
    write_output(check_text(result, target.catalog, target.language, width), target.output, target.language)


def write_validation(report: ValidationReport, target: Target) -> None:
    text = validation_text(report, target.language, terminal=sys.stdout.isatty())
    write_output(text, target.output, target.language)


def write_diff(revised: Revised, target: Target) -> None:
    """diff for people: the files, the summary, then each unit's changes, a line each."""
    assert revised.result is not None
    lines = diff_lines(revised.result, target.catalog, target.language)
    write_output("".join(printable(line) + "\n" for line in lines), target.output, target.language)
