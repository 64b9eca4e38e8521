"""Every table for people: compute's, check's, the years', the findings'; rich up to PLAIN_ABOVE units, then plain."""

from __future__ import annotations

import io
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from rich.cells import cell_len
from rich.console import Console
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
    Series,
    ShortlistEntry,
    Source,
    StandardInfo,
    UnitYears,
    ValidationReport,
    YearsResult,
)
from chuangye_metrics.core.text import printable
from chuangye_metrics.core.words import Language, known_message, message_template
from chuangye_metrics.hierarchy import DERIVED
from chuangye_metrics.indicators.compute import UnitTable, model_numbers, text_or_none
from chuangye_metrics.outputs.files import output_stream, write_output
from chuangye_metrics.outputs.revision_content import diff_lines
from chuangye_metrics.pipeline import Returns, Revised
from chuangye_metrics.standards.check import describe_check, describe_rule, shortfall_text

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


def compute_table(result: ComputeResult, catalog: Catalog, language: Language = "zh") -> Table:
    table = Table(title=markup_safe(source_title(result)), show_lines=False, header_style="bold")
    years = {unit.year for unit in result.units}
    table.add_column(words.text("column.code", language), no_wrap=True)
    table.add_column(words.text("column.name", language))
    table.add_column(words.text("column.level", language), no_wrap=True)
    if len(years) > 1:
        table.add_column(words.text("column.year", language), no_wrap=True)
    for indicator in catalog.indicators.values():
        table.add_column(markup_safe(indicator.label(language)), justify="right")
    for unit in result.units:
        name = markup_safe(unit.unit_name or message_template("label-derived-unit", language))
        if unit.derived:
            name = f"[italic]{name}[/italic]"
        cells = [markup_safe(unit.unit_code), name, markup_safe(catalog.level_label(unit.level, language))]
        if len(years) > 1:
            cells.append("" if unit.year is None else str(unit.year))
        cells.extend(format_indicator(unit.indicators[i], language) for i in catalog.indicators)
        table.add_row(*cells)
    return table


def render_table(result: ComputeResult, catalog: Catalog, console: Console, language: Language = "zh") -> None:
    console.print(compute_table(result, catalog, language))
    if any(unit.derived for unit in result.units):
        console.print(words.text("table.derived-note", language), style="dim")


def text_console() -> tuple[Console, io.StringIO]:
    """A console drawing into a buffer: coloured and terminal-wide for a terminal, plain and wide for a pipe."""
    terminal = sys.stdout.isatty()
    buffer = io.StringIO()
    # no emoji codes: a name such as ":smile:" is shown as it is
    console = Console(file=buffer, force_terminal=terminal, width=None if terminal else 240, emoji=False)
    if terminal:
        console.width = Console().width
    return console, buffer


PLAIN_ABOVE = 2_000  # units: a larger table is written as plain aligned columns, where rich would take minutes


def table_text(result: ComputeResult, catalog: Catalog, language: Language = "zh") -> str:
    """The table as text: coloured for a terminal, plain when piped or written to a file (at most PLAIN_ABOVE
    units: more are written by ``write_plain_compute_table``, column by column)."""
    console, buffer = text_console()
    render_table(result, catalog, console, language)
    return buffer.getvalue()


def source_title(result: ComputeResult) -> str:
    """The title of compute's table: the file, and the sheet when there is one."""
    return f"{result.source.file}" + (f" · {result.source.sheet}" if result.source.sheet else "")


def plain_headers(catalog: Catalog, language: Language, several_years: bool) -> list[str]:
    """The headers of compute's plain table."""
    headers = [words.text(f"column.{name}", language) for name in ("code", "name", "level")]
    return (
        headers
        + ([words.text("column.year", language)] if several_years else [])
        + [printable(indicator.label(language)) for indicator in catalog.indicators.values()]
    )


def aligned_columns(headers: list[str], rows: list[list[str]], right_from: int) -> str:
    """``write_aligned`` of cells given row by row, as text; each cell's control characters and line breaks are
    shown escaped (``text.printable``), so that no cell splits its line or acts on the terminal."""
    headers = [printable(header) for header in headers]
    columns = [[printable(row[position]) for row in rows] for position in range(len(headers))]
    text = io.StringIO()
    write_aligned(text, headers, columns, right_from, batch=len(rows) or 1)
    return text.getvalue()


def write_aligned(
    out: TextIO, headers: Sequence[str], columns: Sequence[list[str]], right_from: int, batch: int
) -> None:
    """Columns padded to their widest cell (CJK characters count two), two spaces apart, the columns from
    ``right_from`` on aligned right; cells given column by column, written ``batch`` lines at a time."""

    measured: dict[str, int] = {}

    def width_of(cell: str) -> int:
        width = measured.get(cell)
        if width is None:
            width = measured[cell] = cell_len(cell)
        return width

    # printable ASCII is one column a character; anything else is measured (and remembered)
    lengths = [
        [len(cell) if cell.isascii() and cell.isprintable() else width_of(cell) for cell in cells] for cells in columns
    ]
    header_lengths = [cell_len(header) for header in headers]
    widths = [max(length, max(column, default=0)) for length, column in zip(header_lengths, lengths, strict=True)]
    right = [position >= right_from for position in range(len(headers))]
    head = [
        _padded_column([header], [length], width, on_right)[0]
        for header, length, width, on_right in zip(headers, header_lengths, widths, right, strict=True)
    ]
    out.write("  ".join(head).rstrip() + "\n" + "  ".join("-" * width for width in widths) + "\n")
    count = len(columns[0]) if columns else 0
    for start in range(0, count, batch):
        padded = [
            _padded_column(cells[start : start + batch], cell_lengths[start : start + batch], width, on_right)
            for cells, cell_lengths, width, on_right in zip(columns, lengths, widths, right, strict=True)
        ]
        out.write("".join("  ".join(cells).rstrip() + "\n" for cells in zip(*padded, strict=True)))


def _padded_column(cells: list[str], lengths: list[int], width: int, right: bool) -> list[str]:
    if right:
        return [" " * (width - length) + cell for cell, length in zip(cells, lengths, strict=True)]
    return [cell + " " * (width - length) for cell, length in zip(cells, lengths, strict=True)]


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
            markup_safe(finding.field or ""),
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


def _rules_of(units: list[AssessedUnit]) -> list[RuleCheck]:
    """The distinct rules met by the units of one level, in order of first appearance."""
    seen: dict[tuple[str | None, str | None, str, float], RuleCheck] = {}
    for unit in units:
        for check in unit.assessment.checks if unit.assessment else []:
            seen.setdefault((check.indicator, check.field, check.op, check.threshold), check)
    return list(seen.values())


@dataclass
class LevelRows:
    """One level's table of a check: its title, headings and cells, each cell with its style (None: plain)."""

    title: str
    headings: list[str]
    cells: list[list[str]]
    styles: list[list[str | None]]
    right_from: int  # the rule columns, aligned right


def level_rows(result: CheckResult, catalog: Catalog, language: Language = "zh") -> list[LevelRows]:
    tables: list[LevelRows] = []
    levels = [entry.level for entry in result.coverage]
    for level in dict.fromkeys(levels):
        units = [unit for unit in result.units if unit.level == level and unit.assessment is not None]
        if not units:
            continue
        rules = _rules_of(units)
        several = len({unit.year for unit in units}) > 1
        headings = [words.text("column.code", language), words.text("column.name", language)]
        headings += ([words.text("column.year", language)] if several else []) + [words.text("column.status", language)]
        right_from = len(headings)
        headings += [describe_rule(rule, language) + ("*" if rule.provisional else "") for rule in rules]
        table = LevelRows(
            f"{catalog.level_label(level, language)} · {result.standard.id}", headings, [], [], right_from
        )
        for unit in units:
            assert unit.assessment is not None
            by_rule = {(c.indicator, c.field, c.op, c.threshold): c for c in unit.assessment.checks}
            cells = [unit.unit_code, unit.unit_name or message_template("label-derived-unit", language)]
            styles: list[str | None] = [None, None]
            if several:
                cells.append("" if unit.year is None else str(unit.year))
                styles.append(None)
            cells.append(status_label(unit.assessment.status, language))
            styles.append(STATUS_STYLE[unit.assessment.status])
            for rule in rules:
                check = by_rule.get((rule.indicator, rule.field, rule.op, rule.threshold))
                cells.append("" if check is None else describe_check(check, language))
                styles.append(
                    None if check is None else {"pass": "green", "fail": "red", "missing": "yellow"}[check.status]
                )
            table.cells.append(cells)
            table.styles.append(styles)
        tables.append(table)
    return tables


def check_tables(result: CheckResult, catalog: Catalog, language: Language = "zh") -> list[Table]:
    return _drawn(level_rows(result, catalog, language))


def _drawn(levels: list[LevelRows]) -> list[Table]:
    tables: list[Table] = []
    for rows in levels:
        table = Table(title=markup_safe(rows.title), header_style="bold")
        for position, heading in enumerate(rows.headings):
            if position >= rows.right_from:
                table.add_column(markup_safe(heading), justify="right")
            else:
                table.add_column(markup_safe(heading), no_wrap=position in (0, rows.right_from - 1))
        for cells, styles in zip(rows.cells, rows.styles, strict=True):
            table.add_row(
                *(
                    markup_safe(cell) if style is None else f"[{style}]{markup_safe(cell)}[/{style}]"
                    for cell, style in zip(cells, styles, strict=True)
                )
            )
        tables.append(table)
    return tables


def coverage_table(coverage: list[LevelCoverage], catalog: Catalog, language: Language = "zh") -> Table:
    table = Table(title=words.text("coverage.title", language), header_style="bold")
    headings = ("level", "year", "assessed", "pass", "fail", "incomplete", "no-return", "share", "target", "met")
    for heading in headings:
        table.add_column(words.text(f"coverage.{heading}", language), justify="left" if heading == "level" else "right")
    for entry in coverage:
        met = "—" if entry.met is None else f"[green]{words.text('coverage.met-yes', language)}[/green]"
        if entry.met is False:
            met = f"[red]{words.text('coverage.met-no', language)}[/red]"
        table.add_row(
            markup_safe(catalog.level_label(entry.level, language)),
            "" if entry.year is None else str(entry.year),
            str(entry.assessed),
            str(entry.passed),
            str(entry.failed),
            str(entry.incomplete),
            str(entry.no_return),
            "—" if entry.share is None else f"{entry.share:.1f}%",
            "—" if entry.target is None else f"{entry.target:g}%",
            met,
        )
    return table


def shortlist_label(status: str, language: Language) -> str:
    return known_message(f"shortlist.{status}", language) or status


def lacking_text(entry: ShortlistEntry, language: Language = "zh") -> str:
    """What a near unit lacks, rule by rule: "创业参与率 差 3 人"."""
    parts = [f"{lack.name} {shortfall_text(lack.shortfall, lack.shortfall_unit, language)}" for lack in entry.lacking]
    return words.text("sep.semicolon", language).join(parts)


def shortlist_table(result: CheckResult, catalog: Catalog, language: Language = "zh") -> Table | None:
    """The declaration shortlist: rank, unit, status, weakest rule and its margin, or what a near unit lacks."""
    shortlist = result.shortlist
    if shortlist is None:
        return None
    quotas = "，".join(f"{catalog.level_label(q.level, language)} {q.proposed}/{q.quota}" for q in shortlist.quotas)
    title = words.text("shortlist.title", language, quotas=quotas)
    table = Table(title=markup_safe(title), header_style="bold")
    headings = ("level", "rank", "code", "name", "status", "weakest", "margin", "lacks")
    for heading in headings:
        table.add_column(
            words.text(f"shortlist.{heading}", language), justify="right" if heading in ("rank", "margin") else "left"
        )
    for entry in shortlist.entries:
        style = {"proposed": "green", "reserve": "", "near": "yellow"}[entry.status]
        label = shortlist_label(entry.status, language)
        table.add_row(
            markup_safe(catalog.level_label(entry.level, language)),
            "" if entry.rank is None else str(entry.rank),
            markup_safe(entry.unit_code),
            markup_safe(entry.unit_name or ""),
            f"[{style}]{label}[/{style}]" if style else label,
            markup_safe(entry.weakest_name or ""),
            "" if entry.margin is None else f"{entry.margin:+.1f}%",
            markup_safe(lacking_text(entry, language)),
        )
    return table


def check_text(result: CheckResult, catalog: Catalog, language: Language = "zh") -> str:
    """The check as text: coloured for a terminal, plain when piped or written to a file."""
    console, buffer = text_console()
    standard = result.standard
    name, identifier = markup_safe(standard.name), markup_safe(standard.id)
    console.print(words.text("check.title", language, name=f"[bold]{name}[/bold]", id=identifier))
    console.print(words.text("check.source", language, source=printable(standard.source)), markup=False)
    banner = provisional_banner(result.standard, language)
    if banner:
        console.print(printable(banner), style="bold yellow", markup=False)
    if standard.note:
        console.print(printable(standard.note), style="dim", markup=False)
    levels = level_rows(result, catalog, language)
    if sum(len(rows.cells) for rows in levels) > PLAIN_ABOVE:
        for rows in levels:  # plain aligned columns: rich would take minutes to draw a national return
            console.print(printable(rows.title), markup=False)
            console.out(aligned_columns(rows.headings, rows.cells, rows.right_from), end="", highlight=False)
    else:
        for table in _drawn(levels):
            console.print(table)
    console.print(coverage_table(result.coverage, catalog, language))
    for entry in result.coverage:
        if entry.missing_units:
            names = "、".join(f"{unit.unit_code} {unit.unit_name or ''}".strip() for unit in entry.missing_units)
            label = catalog.level_label(entry.level, language)
            line = words.text("check.no-return", language, level=label, names=names)
            console.print(printable(line), markup=False)
    shortlist = shortlist_table(result, catalog, language)
    if shortlist is not None:
        console.print(shortlist)
        console.print(
            words.text("check.shortlist-note", language, limit=result.shortlist.near_limit if result.shortlist else ""),
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
    if series.unit in ("percent", "years"):
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
        console.print(years_table(result, units, title, catalog, language))
    console.print(words.text("years.note", language), style="dim")


def years_table_text(result: YearsResult, catalog: Catalog, language: Language = "zh") -> str:
    """The tables as text: coloured for a terminal, plain when piped or written to a file."""
    console, buffer = text_console()
    render_years(result, catalog, console, language)
    return buffer.getvalue()


SLICE = 20_000  # lines padded and written at a time


def write_plain_compute_table(
    out: TextIO, units: UnitTable, catalog: Catalog, source: Source, language: Language
) -> None:
    """compute's plain table (more than PLAIN_ABOVE units): a line per unit, written column by column."""
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
    for indicator_id, part in units.indicators_of(frame).items():
        unit = catalog.indicators[indicator_id].unit
        columns.append(measures(part["value"].to_numpy(dtype="float64"), unit, language))
    headers = plain_headers(catalog, language, several)
    title = f"{source.file}" + (f" · {source.sheet}" if source.sheet else "")
    out.write(printable(title) + "\n")
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
    if finding.field:
        place.append(finding.field)
    where = f" [{', '.join(place)}]" if place else ""
    value = f" ({words.text('place.value', language, value=finding.value)})" if finding.value else ""
    return printable(f"{severity}{where}: {finding.message}{value}")


def validation_text(report: ValidationReport, language: Language, terminal: bool = True) -> str:
    """validate's report for people: a table of findings on a terminal, one line a finding elsewhere."""
    buffer = io.StringIO()
    console = Console(file=buffer, width=200, emoji=False)
    if report.findings and terminal:
        console.print(findings_table(report.findings, language))
    elif report.findings:  # a log or a file: greppable lines, and a thousand of them print at once
        buffer.write("".join(finding_line(finding, language) + "\n" for finding in report.findings))
    if report.left_out:
        console.print(words.text("validation.left-out", language, count=report.left_out))
    status = words.text("validation.valid" if report.valid else "validation.invalid", language)
    file = markup_safe(report.source.file)
    console.print(
        words.text(
            "validation.summary", language, file=file, status=status, errors=report.errors, warnings=report.warnings
        )
    )
    return buffer.getvalue()


def write_compute_table(returns: Returns, output: Path | None, catalog: Catalog, language: Language) -> None:
    """The table of one year's units; a plain one of more than PLAIN_ABOVE units is written column by column."""
    assert returns.units is not None
    if len(returns.units.frame) <= PLAIN_ABOVE:
        write_output(table_text(returns.result(), catalog, language), output, language)
        return
    source = returns.source_of(returns.units.frame)
    with output_stream(output, language) as stream:
        write_plain_compute_table(stream, returns.units, catalog, source, language)


# --- the registry's entry points (outputs.writers) ----------------------------------------------------------


def write_compute(returns: Returns, target: Target) -> None:
    write_compute_table(returns, target.output, target.catalog, target.language)


def write_years(returns: Returns, target: Target) -> None:
    write_output(
        years_table_text(returns.years_result(), target.catalog, target.language), target.output, target.language
    )


def write_check(checked: Checked, target: Target) -> None:
    result = checked.outcome.result
    assert result is not None
    write_output(check_text(result, target.catalog, target.language), target.output, target.language)


def write_validation(report: ValidationReport, target: Target) -> None:
    text = validation_text(report, target.language, terminal=sys.stdout.isatty())
    write_output(text, target.output, target.language)


def write_diff(revised: Revised, target: Target) -> None:
    """diff for people: the files, the summary, then each unit's changes, a line each."""
    assert revised.result is not None
    lines = diff_lines(revised.result, target.catalog, target.language)
    write_output("".join(printable(line) + "\n" for line in lines), target.output, target.language)
