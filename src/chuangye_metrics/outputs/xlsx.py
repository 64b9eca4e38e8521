"""The Excel report: a summary, a sheet per level, native charts, formulas and rules, shortlist and years."""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from chuangye_metrics.config.catalog import Catalog, format_measure
from chuangye_metrics.config.operators import symbol
from chuangye_metrics.core import words
from chuangye_metrics.core.models import CheckResult, ComputeResult, DiffResult, YearsResult
from chuangye_metrics.core.words import Language
from chuangye_metrics.outputs.files import made_on, replacing_workbook
from chuangye_metrics.outputs.report_content import (
    Cell,
    ChartSeries,
    LevelTable,
    ReportContent,
    ScoreChart,
    TextTable,
    report_content,
)
from chuangye_metrics.outputs.revision_content import ChangeRow, change_rows, headings, status_word, summary_line
from chuangye_metrics.outputs.table import points_text, shortlist_label
from chuangye_metrics.standards.library import Standard

if TYPE_CHECKING:
    from xlsxwriter.format import Format
    from xlsxwriter.workbook import Workbook
    from xlsxwriter.worksheet import Worksheet

    from chuangye_metrics.outputs.writers import Target
    from chuangye_metrics.pipeline import Revised

# Above this many units the workbook is written row by row to temporary files (XlsxWriter's constant-memory
# mode) instead of being held in memory; charts then carry no cached values, which Excel and LibreOffice
# recompute from the cells on opening.
CONSTANT_MEMORY_UNITS = 20_000
SHEET_NAME_MAX = 31
INVALID_SHEET_CHARACTERS = "[]:*?/\\"
WIDTH_SAMPLE_ROWS = 200
CHART_ROWS = 20
EXCEL_ROWS = 1_048_576
FACT_WIDTH = 95  # characters that fit in the merged value cells of the summary's facts (B:J)

# Percent values are stored as percentages (30.6 means 30.6 %), as in the JSON output. Excel's "0.0%" format
# would multiply by 100 and show 3060.0%, so the percent sign is a literal: the cell holds 30.6 and shows 30.6%.
PERCENT_FORMAT = '0.0"%"'
NUMBER_FORMATS = {
    "count": "#,##0",
    "percent": PERCENT_FORMAT,
    "ratio": "0.00",
    "years": "0.0",
    "wan_yuan": "#,##0.0",
    "points": "0.0",
    "year": "0",
}
CHANGE_FORMATS = {
    "count": "+#,##0;-#,##0;0",
    "ratio": "+0.00;-0.00;0.00",
    "years": "+0.0;-0.0;0.0",
    "wan_yuan": "+#,##0.0;-#,##0.0;0.0",
}
SIGNED_PERCENT_FORMAT = '+0.0"%";-0.0"%";0.0"%"'

GREEN = {"bg_color": "#C6EFCE", "font_color": "#006100"}
RED = {"bg_color": "#FFC7CE", "font_color": "#9C0006"}
YELLOW = {"bg_color": "#FFEB9C", "font_color": "#9C5700"}
BAR_COLOUR = "#4472C4"
THRESHOLD_COLOUR = "#C00000"
TARGET_COLOUR = "#ED7D31"
PASS_BAR_COLOUR = "#70AD47"
FAIL_BAR_COLOUR = "#C00000"
UNKNOWN_BAR_COLOUR = "#A5A5A5"
CUT_COLOURS = ("#7030A0", "#ED7D31", "#2F5597", "#808080")  # the grades' cut-offs, highest first


def report(
    output: Path | None,
    result: ComputeResult | CheckResult,
    catalog: Catalog,
    *,
    standard: Standard | None,
    language: Language,
    years: YearsResult | None,
) -> None:
    """The Excel report (a report format of ``outputs.writers``): a workbook needs a file."""
    assert output is not None
    write_report_workbook(output, result, catalog, standard=standard, language=language, years=years)


def write_report_workbook(
    path: Path,
    result: ComputeResult | CheckResult,
    catalog: Catalog,
    *,
    standard: Standard | None = None,
    language: Language = "zh",
    years: YearsResult | None = None,
) -> None:
    """Write the report whole or not at all: in a private folder beside ``path``, with XlsxWriter's own temporary
    files, then renamed into place (see ``files.replacing``); never over the return it reports on."""

    content = report_content(result, catalog, standard=standard, language=language, years=years)
    inputs = [Path(source.file) for source in result.sources if Path(source.file).is_file()]
    with replacing_workbook(path, language, inputs=inputs) as temporary:
        _write(temporary, content, constant_memory=len(result.units) > CONSTANT_MEMORY_UNITS)


class _Formats:
    """The workbook's cell formats, made once each."""

    def __init__(self, workbook: Workbook) -> None:
        self.workbook = workbook
        self.cache: dict[tuple[tuple[str, Any], ...], Format] = {}
        self.header = self.get(bold=True, text_wrap=True, valign="top", bg_color="#DDEBF7", border=1)
        self.title = self.get(bold=True, font_size=14)
        self.section = self.get(bold=True, font_size=12)
        self.label = self.get(bold=True, valign="top")
        self.wrap = self.get(text_wrap=True, valign="top")
        self.fact = self.get(text_wrap=True, valign="top", align="left")
        self.warning = self.get(bold=True, font_color="#9C0006", bg_color="#FFEB9C", text_wrap=True, valign="top")
        self.status = self.get(align="center")
        self.green = self.get(**GREEN)
        self.red = self.get(**RED)
        self.yellow = self.get(**YELLOW)

    def get(self, **properties: Any) -> Format:
        key = tuple(sorted(properties.items()))
        if key not in self.cache:
            self.cache[key] = self.workbook.add_format(properties)
        return self.cache[key]

    def number(self, kind: str) -> Format:
        return self.get(num_format=NUMBER_FORMATS.get(kind, "General"))


def _write(path: Path, content: ReportContent, *, constant_memory: bool) -> None:
    from xlsxwriter import Workbook

    options = {"constant_memory": constant_memory, "nan_inf_to_errors": True, "tmpdir": str(path.parent)}
    workbook = Workbook(str(path), options)
    workbook.set_properties({"title": content.title, "comments": "chuangye-metrics", "created": made_on()})
    formats = _Formats(workbook)
    names = _SheetNames(content.language)
    labels = content.labels
    summary = workbook.add_worksheet(names.take(labels["sheet_summary"]))
    level_sheets = [(workbook.add_worksheet(names.take(table.label)), table) for table in content.levels]
    charted = content.charts or content.score_charts
    charts = workbook.add_worksheet(names.take(labels["sheet_charts"])) if charted else None
    shortlist = workbook.add_worksheet(names.take(labels["sheet_shortlist"])) if content.shortlist else None
    years = workbook.add_worksheet(names.take(labels["sheet_years"])) if content.years else None
    formulas = workbook.add_worksheet(names.take(labels["sheet_formulas"]))

    _summary_sheet(workbook, summary, content, formats)
    for worksheet, table in level_sheets:
        _level_sheet(worksheet, table, content, formats)
    if charts is not None:
        _charts_sheet(workbook, charts, content, formats)
    if shortlist is not None and content.shortlist is not None:
        _shortlist_sheet(shortlist, content, formats)
    if years is not None and content.years is not None:
        _years_sheet(years, content.years, content, formats)
    _formulas_sheet(formulas, content, formats)
    summary.activate()
    workbook.close()


class _SheetNames:
    """Valid, distinct sheet names: no []:*?/\\, at most 31 characters, unique ignoring case."""

    def __init__(self, language: Language) -> None:
        self.slash = words.text("xlsx.sheet-slash", language)
        self.used: set[str] = set()

    def take(self, label: str) -> str:
        name = "".join(self.slash if character in INVALID_SHEET_CHARACTERS else character for character in label)
        name = name.strip("'").strip() or "Sheet"
        name = name[:SHEET_NAME_MAX]
        candidate, number = name, 2
        while candidate.lower() in self.used or candidate.lower() == "history":
            suffix = f" ({number})"
            candidate, number = name[: SHEET_NAME_MAX - len(suffix)] + suffix, number + 1
        self.used.add(candidate.lower())
        return candidate


def _text_width(value: Cell) -> int:
    """Rough display width in Excel character units: CJK characters count double."""
    if value is None:
        return 0
    text = value if isinstance(value, str) else f"{value:,.2f}" if isinstance(value, float) else str(value)
    return sum(2 if unicodedata.east_asian_width(character) in "WF" else 1 for character in text)


def _set_widths(
    worksheet: Worksheet, header: Sequence[str], rows: Sequence[Sequence[Cell]], *, least: int = 8, most: int = 40
) -> None:
    for index, heading in enumerate(header):
        widest = max([_text_width(row[index]) for row in rows[:WIDTH_SAMPLE_ROWS]] or [0])
        # headings wrap (Chinese anywhere, English between words): half their width is enough
        words = heading.split() if heading.isascii() else [heading[: len(heading) // 2 + 1]]
        heading_width = max(_text_width(heading) // 2, *(_text_width(word) for word in words or [""]))
        worksheet.set_column(index, index, min(most, max(least, widest + 2, heading_width + 2)))


def _write_cell(worksheet: Worksheet, row: int, column: int, value: Cell, cell_format: Format | None) -> None:
    if value is None:
        return
    if isinstance(value, str):
        worksheet.write_string(row, column, value, cell_format)
    else:
        worksheet.write_number(row, column, value, cell_format)


def _status_colours(worksheet: Worksheet, cells: tuple[int, int, int, int], words: dict[str, dict[str, Any]]) -> None:
    """Colour cells whose text equals a word (equality, not containment: 未达标 contains 达标)."""
    for word, colour in words.items():
        worksheet.conditional_format(
            *cells, {"type": "cell", "criteria": "equal to", "value": f'"{word}"', "format": colour["format"]}
        )


def _pass_fail_words(content: ReportContent, formats: _Formats) -> dict[str, dict[str, Any]]:
    labels = content.labels
    return {
        labels["pass"]: {"format": formats.green},
        labels["fail"]: {"format": formats.red},
        labels["incomplete"]: {"format": formats.yellow},
        labels["missing"]: {"format": formats.yellow},
    }


def _summary_sheet(workbook: Workbook, worksheet: Worksheet, content: ReportContent, formats: _Formats) -> None:
    labels = content.labels
    worksheet.set_column(0, 0, 16)
    worksheet.set_column(1, 1, 14)
    worksheet.set_column(2, 9, 11)
    _printed(worksheet, content)
    worksheet.write_string(0, 0, content.title, formats.title)
    row = 1
    if content.warning:
        worksheet.merge_range(row, 0, row, 9, content.warning, formats.warning)
        worksheet.set_row(row, 36)
        row += 1
    row += 1
    worksheet.write_string(row, 0, labels["facts"], formats.section)
    row += 1
    for label, value in content.facts:
        worksheet.write_string(row, 0, label, formats.label)
        warning = value == content.warning
        worksheet.merge_range(row, 1, row, 9, value, formats.warning if warning else formats.fact)
        lines = 1 + _text_width(value) // FACT_WIDTH
        if lines > 1:
            worksheet.set_row(row, 15 * lines)
        row += 1
    row += 1
    worksheet.write_string(row, 0, labels["summary"], formats.section)
    row += 1
    with_standard = any(entry.passed is not None for entry in content.summary)
    with_year = any(entry.year is not None for entry in content.summary)
    header = [labels["level"], *([labels["year"]] if with_year else []), labels["units"]]
    if with_standard:
        header += [
            labels["passed"],
            labels["failed"],
            labels["incomplete"],
            labels["no_return"],
            labels["share"],
            labels["target"],
            labels["met"],
        ]
    for column, heading in enumerate(header):
        worksheet.write_string(row, column, heading, formats.header)
    first = row + 1
    covered = [entry for entry in content.summary if entry.passed is not None]
    helper = len(header) + 1  # hidden: the pass-share chart's data, covered levels only, from the first row on
    for index, entry in enumerate(content.summary):
        row += 1
        cells: list[tuple[Cell, str]] = [(entry.label, "text")]
        if with_year:
            cells.append((entry.year, "year"))
        cells.append((entry.units, "count"))
        if with_standard:
            met = None if entry.met is None else labels["met_yes"] if entry.met else labels["met_no"]
            cells += [
                (entry.passed, "count"),
                (entry.failed, "count"),
                (entry.incomplete, "count"),
                (entry.no_return, "count"),
                (entry.share, "percent"),
                (entry.target, "percent"),
                (met, "text"),
            ]
        for column, (cell, kind) in enumerate(cells):
            _write_cell(worksheet, row, column, cell, None if kind == "text" else formats.number(kind))
        if index < len(covered):
            shown = covered[index]
            worksheet.write_string(row, helper, f"{shown.label} {shown.year or ''}".strip())
            _write_cell(worksheet, row, helper + 1, shown.share, formats.number("percent"))
            _write_cell(worksheet, row, helper + 2, shown.target, formats.number("percent"))
    if not with_standard or row < first:
        return
    worksheet.set_column(helper, helper + 2, None, None, {"hidden": True})
    met_column = len(header) - 1
    _status_colours(
        worksheet,
        (first, met_column, row, met_column),
        {labels["met_yes"]: {"format": formats.green}, labels["met_no"]: {"format": formats.red}},
    )
    if covered:
        _pass_share_chart(workbook, worksheet, content, (first, first + len(covered) - 1, helper), row + 2)


def _pass_share_chart(
    workbook: Workbook, worksheet: Worksheet, content: ReportContent, data: tuple[int, int, int], at: int
) -> None:
    """Share of units passing per level (columns) against the coverage target (markers)."""
    labels = content.labels
    first, last, column = data
    categories: list[Any] = [worksheet.name, first, column, last, column]
    chart = workbook.add_chart({"type": "column"})
    assert chart is not None
    chart.add_series(
        {
            "name": labels["share"],
            "categories": categories,
            "values": [worksheet.name, first, column + 1, last, column + 1],
            "fill": {"color": BAR_COLOUR},
            "data_labels": {"value": True, "num_format": PERCENT_FORMAT},
        }
    )
    targets = workbook.add_chart({"type": "line"})
    assert targets is not None
    targets.add_series(
        {
            "name": labels["target"],
            "categories": categories,
            "values": [worksheet.name, first, column + 2, last, column + 2],
            "line": {"none": True},
            "marker": {
                "type": "dash",
                "size": 14,
                "fill": {"color": TARGET_COLOUR},
                "border": {"color": TARGET_COLOUR},
            },
        }
    )
    chart.combine(targets)
    chart.show_hidden_data()  # its data are in hidden columns
    chart.set_title({"name": labels["pass_share"], "name_font": {"size": 11}})
    chart.set_y_axis({"min": 0, "max": 100, "num_format": PERCENT_FORMAT})
    chart.set_legend({"position": "bottom"})
    chart.set_size({"width": 640, "height": 320})
    worksheet.insert_chart(at, 0, chart)


def _level_sheet(worksheet: Worksheet, table: LevelTable, content: ReportContent, formats: _Formats) -> None:
    labels = content.labels
    header = [column.label for column in table.columns]
    _set_widths(worksheet, header, table.rows, most=30)
    worksheet.set_row(0, 48)
    for index, heading in enumerate(header):
        worksheet.write_string(0, index, heading, formats.header)
    kinds = [column.kind for column in table.columns]
    cell_formats = [
        formats.status
        if kind == "status"
        else formats.number("year")
        if column.id == "year"
        else None
        if kind in ("text", "grade")
        else formats.number(kind)
        for column, kind in zip(table.columns, kinds, strict=True)
    ]
    rows, left_out = _rows_that_fit(table.rows, content.language)
    for number, row in enumerate(rows, start=1):
        for index, value in enumerate(row):
            shown = labels.get(str(value), str(value)) if kinds[index] == "status" and value is not None else value
            _write_cell(worksheet, number, index, shown, cell_formats[index])
    if left_out:
        worksheet.write_string(len(rows) + 1, 0, left_out, formats.warning)
    last = max(len(rows), 1)
    worksheet.freeze_panes(1, 2)
    worksheet.autofilter(0, 0, last, len(header) - 1)
    words = _pass_fail_words(content, formats)
    grades = {grade: {"format": formats.green if passes else formats.red} for grade, passes in table.grades.items()}
    for index, kind in enumerate(kinds):
        if kind == "status":
            _status_colours(worksheet, (1, index, last, index), words)
        elif kind == "grade":
            _status_colours(worksheet, (1, index, last, index), grades)
    # printed: the unit, its verdict, indicators and rules, one page wide; its counts (the last columns) are in the
    # sheet, not on the page
    counted = [index for index, kind in enumerate(kinds) if kind == "count"]
    printed = (counted[0] if counted and counted[0] > 2 else len(header)) - 1
    _printed(worksheet, content, rows=(0, 0), columns=(0, 1))
    worksheet.print_area(0, 0, len(rows) + (1 if left_out else 0), printed)


def _printed(
    worksheet: Worksheet,
    content: ReportContent,
    *,
    landscape: bool = True,
    rows: tuple[int, int] | None = None,
    columns: tuple[int, int] | None = None,
) -> None:
    """How a sheet prints: A4, landscape, one page wide; ``rows`` and ``columns`` repeated on every page; the
    standard and the day it was made in the header, the page and the pages in the footer."""
    if landscape:
        worksheet.set_landscape()
    worksheet.set_paper(9)
    worksheet.fit_to_pages(1, 0)
    worksheet.set_margins(left=0.4, right=0.4, top=0.7, bottom=0.6)
    if rows is not None:
        worksheet.repeat_rows(*rows)
    if columns is not None:
        worksheet.repeat_columns(*columns)
    standard = content.standard.replace("&", "&&")[:120]
    made = made_on().date().isoformat()
    worksheet.set_header(f"&L{standard}&R{made}", {"margin": 0.3})
    worksheet.set_footer(f"&C{words.text('xlsx.page-footer', content.language)}", {"margin": 0.3})


def _rows_that_fit(rows: Sequence[Sequence[Cell]], language: Language) -> tuple[Sequence[Any], str | None]:
    """The rows below a header row that a sheet can hold, and when some are left out, a last line saying so."""
    room = EXCEL_ROWS - 2  # the header row, and the line saying rows are left out
    if len(rows) <= room + 1:
        return rows, None
    left_out = len(rows) - room
    note = words.text("xlsx.rows-left-out", language, rows=EXCEL_ROWS, left_out=left_out)
    return rows[:room], note


def _charts_sheet(workbook: Workbook, worksheet: Worksheet, content: ReportContent, formats: _Formats) -> None:
    """Per chart: its data (unit, value, threshold) at the left, the chart beside it."""
    labels = content.labels
    worksheet.set_column(0, 0, 22)
    worksheet.set_column(1, 2, 11)
    _printed(worksheet, content, landscape=False)
    row = 0
    for scores in content.score_charts:
        row = _score_chart_block(workbook, worksheet, scores, row, content, formats)
    for series in content.charts:
        worksheet.write_string(row, 0, series.title, formats.section)
        threshold_label = _threshold_label(series, content)
        header = [series.level_label, labels["value"], threshold_label]
        for column, heading in enumerate(header):
            worksheet.write_string(row + 1, column, heading, formats.header)
        first = row + 2
        number = formats.number(series.unit)
        for offset, (label, value) in enumerate(zip(series.labels, series.values, strict=True)):
            worksheet.write_string(first + offset, 0, label)
            _write_cell(worksheet, first + offset, 1, value, number)
            _write_cell(worksheet, first + offset, 2, series.threshold, number)
        last = first + len(series.labels) - 1
        worksheet.insert_chart(row, 4, _indicator_chart(workbook, worksheet.name, series, first, last, threshold_label))
        row = max(last + 2, row + CHART_ROWS + 1)


def _score_chart_block(
    workbook: Workbook, worksheet: Worksheet, scores: ScoreChart, row: int, content: ReportContent, formats: _Formats
) -> int:
    """A scored level's data (unit, total, grade, then a column per grade cut-off) at the left and its chart beside
    it: a column per unit, green when its grade passes, red when not, and each cut-off a dashed line. The row after
    the block."""
    language = content.language
    cut_labels = [words.text("chart.cut", language, grade=grade, min=points_text(low)) for grade, low in scores.cuts]
    header = [scores.level_label, words.text("column.score", language), words.text("column.grade", language)]
    header += cut_labels
    worksheet.write_string(row, 0, scores.title, formats.section)
    for column, heading in enumerate(header):
        worksheet.write_string(row + 1, column, heading, formats.header)
    first = row + 2
    number = formats.number("points")
    for offset, label in enumerate(scores.labels):
        worksheet.write_string(first + offset, 0, label)
        _write_cell(worksheet, first + offset, 1, scores.totals[offset], number)
        _write_cell(worksheet, first + offset, 2, scores.grades[offset], None)
        for position, (_, low) in enumerate(scores.cuts):
            worksheet.write_number(first + offset, 3 + position, low, number)
    last = first + len(scores.labels) - 1
    categories = [worksheet.name, first, 0, last, 0]
    chart = workbook.add_chart({"type": "column"})
    assert chart is not None
    colours = {True: PASS_BAR_COLOUR, False: FAIL_BAR_COLOUR, None: UNKNOWN_BAR_COLOUR}
    chart.add_series(
        {
            "name": header[1],
            "categories": categories,
            "values": [worksheet.name, first, 1, last, 1],
            "points": [{"fill": {"color": colours[passes]}} for passes in scores.passes],
            "data_labels": {"value": True, "num_format": NUMBER_FORMATS["points"]},
            "gap": 60,
        }
    )
    # one line chart for every cut-off: a chart combines with one other chart only
    lines = workbook.add_chart({"type": "line"}) if cut_labels else None
    for position, label in enumerate(cut_labels):
        colour = CUT_COLOURS[position % len(CUT_COLOURS)]
        assert lines is not None
        lines.add_series(
            {
                "name": label,
                "categories": categories,
                "values": [worksheet.name, first, 3 + position, last, 3 + position],
                "line": {"color": colour, "dash_type": "dash", "width": 1.5},
                "marker": {"type": "dash", "size": 10, "fill": {"color": colour}, "border": {"color": colour}},
            }
        )
    if lines is not None:
        chart.combine(lines)
    chart.set_title({"name": scores.title, "name_font": {"size": 11}})
    chart.set_y_axis({"num_format": "0", "min": 0, "max": scores.max_total})
    chart.set_x_axis({"num_font": {"rotation": -45 if len(scores.labels) > 8 else 0}})
    chart.set_legend({"position": "bottom"})
    chart.set_size({"width": 760, "height": 380})
    worksheet.insert_chart(row, len(header) + 1, chart)
    return max(last + 2, row + CHART_ROWS + 1)


def _threshold_label(series: ChartSeries, content: ReportContent) -> str:
    label = content.labels["threshold"]
    if series.threshold is None or series.op is None:
        return label

    shown = format_measure(series.threshold, series.unit, content.language)
    op = symbol(series.op)
    provisional = words.text("xlsx.provisional-mark", content.language, provisional=content.labels["provisional"])
    return f"{label} {op} {shown}" + (provisional if series.provisional else "")


def _indicator_chart(
    workbook: Workbook, sheet: str, series: ChartSeries, first: int, last: int, threshold_label: str
) -> Any:
    """A column per unit, and the threshold as a dashed line across them."""
    categories = [sheet, first, 0, last, 0]
    chart = workbook.add_chart({"type": "column"})
    assert chart is not None
    chart.add_series(
        {
            "name": series.indicator_label,
            "categories": categories,
            "values": [sheet, first, 1, last, 1],
            "fill": {"color": BAR_COLOUR},
            "gap": 60,
        }
    )
    if series.threshold is not None:
        line = workbook.add_chart({"type": "line"})
        assert line is not None
        line.add_series(
            {
                "name": threshold_label,
                "categories": categories,
                "values": [sheet, first, 2, last, 2],
                "line": {"color": THRESHOLD_COLOUR, "dash_type": "dash", "width": 1.5},
                # a marker too, so that a level of one unit still shows its threshold
                "marker": {
                    "type": "dash",
                    "size": 10,
                    "fill": {"color": THRESHOLD_COLOUR},
                    "border": {"color": THRESHOLD_COLOUR},
                },
            }
        )
        chart.combine(line)
    chart.set_title({"name": series.title, "name_font": {"size": 11}})
    chart.set_y_axis({"num_format": NUMBER_FORMATS[series.unit], "min": 0})
    chart.set_x_axis({"num_font": {"rotation": -45 if len(series.labels) > 8 else 0}})
    chart.set_legend({"position": "bottom"})
    chart.set_size({"width": 760, "height": 380})
    return chart


def _text_table(
    worksheet: Worksheet, table: TextTable, row: int, formats: _Formats, *, number_formats: Sequence[Any] = ()
) -> tuple[int, int]:
    """A titled table from ``row``; returns the rows of its first and last data lines."""
    worksheet.write_string(row, 0, table.title, formats.section)
    for column, heading in enumerate(table.header):
        worksheet.write_string(row + 1, column, heading, formats.header)
    first = row + 2
    for offset, cells in enumerate(table.rows):
        for column, value in enumerate(cells):
            cell_format = number_formats[column] if column < len(number_formats) else None
            if cell_format is None and isinstance(value, int | float):
                cell_format = formats.number("year")
            _write_cell(worksheet, first + offset, column, value, cell_format or formats.wrap)
    return first, first + len(table.rows) - 1


def _formulas_sheet(worksheet: Worksheet, content: ReportContent, formats: _Formats) -> None:
    widths = [22, 22, 10, 40, 40, 40, 40, 10]
    for column, width in enumerate(widths):
        worksheet.set_column(column, column, width)
    _, last = _text_table(worksheet, content.formulas, 0, formats)
    if content.rules is not None:
        _, last = _text_table(worksheet, content.rules, last + 3, formats)
    if content.scoring is not None:
        points = formats.number("points")
        number_formats = [points if kind == "measure" else None for kind in content.scoring.kinds]
        _text_table(worksheet, content.scoring, last + 3, formats, number_formats=number_formats)
    worksheet.freeze_panes(2, 0)
    _printed(worksheet, content)


def _shortlist_sheet(worksheet: Worksheet, content: ReportContent, formats: _Formats) -> None:

    table = content.shortlist
    assert table is not None
    _set_widths(worksheet, table.header, table.rows)
    row = 0
    if content.quotas is not None:
        _, last = _text_table(worksheet, content.quotas, row, formats)
        row = last + 3
    number_formats = [
        formats.get(num_format=SIGNED_PERCENT_FORMAT)
        if kind == "percent"
        else formats.number("points")
        if kind == "points"
        else None
        for kind in table.kinds
    ]
    first, last = _text_table(worksheet, table, row, formats, number_formats=number_formats)
    status_column = 5
    language = content.language
    _status_colours(
        worksheet,
        (first, status_column, max(first, last), status_column),
        {
            shortlist_label("proposed", language): {"format": formats.green},
            shortlist_label("near", language): {"format": formats.yellow},
        },
    )
    worksheet.autofilter(first - 1, 0, max(first, last), len(table.header) - 1)
    worksheet.freeze_panes(first, 0)
    _printed(worksheet, content, rows=(first - 1, first - 1))


def _years_sheet(worksheet: Worksheet, table: TextTable, content: ReportContent, formats: _Formats) -> None:
    change_formats = {**CHANGE_FORMATS, "percent": words.text("xlsx.change-percent-format", content.language)}
    _set_widths(worksheet, table.header, table.rows, most=28)
    worksheet.set_row(0, 32)
    for column, heading in enumerate(table.header):
        worksheet.write_string(0, column, heading, formats.header)
    rows, left_out = _rows_that_fit(table.rows, content.language)
    for offset, cells in enumerate(rows, start=1):
        unit = table.row_units[offset - 1] if offset - 1 < len(table.row_units) else "count"
        for column, value in enumerate(cells):
            kind = table.kinds[column] if column < len(table.kinds) else "text"
            if kind == "measure":
                cell_format = formats.number(unit)
            elif kind == "change":
                cell_format = formats.get(num_format=change_formats.get(unit, "General"))
            elif kind == "percent":
                cell_format = formats.number("percent")
            else:
                cell_format = None
            _write_cell(worksheet, offset, column, value, cell_format)
    if left_out:
        worksheet.write_string(len(rows) + 1, 0, left_out, formats.warning)
    worksheet.freeze_panes(1, 4)
    worksheet.autofilter(0, 0, max(len(rows), 1), len(table.header) - 1)
    _printed(worksheet, content, rows=(0, 0), columns=(0, 1))


def write_diff(revised: Revised, target: Target) -> None:
    """diff's changes as a workbook: a sheet of changes (a row each, numbers as numbers) and one of the sources."""

    result = revised.result
    assert result is not None and target.output is not None
    language, catalog = target.language, target.catalog
    rows = change_rows(result, catalog, language)
    with replacing_workbook(
        target.output, language, inputs=[Path(source.file) for source in [*result.old, *result.new]]
    ) as path:
        _write_diff(path, result, rows, catalog, language)


def _write_diff(path: Path, result: DiffResult, rows: list[ChangeRow], catalog: Catalog, language: Language) -> None:
    from xlsxwriter import Workbook

    workbook = Workbook(str(path), {"constant_memory": True, "nan_inf_to_errors": True, "tmpdir": str(path.parent)})
    title = words.text("diff.report-title", language, year=result.year or "—")
    workbook.set_properties({"title": title, "comments": "chuangye-metrics"})
    formats = _Formats(workbook)
    changes = workbook.add_worksheet(words.text("diff.sheet-changes", language))
    sources = workbook.add_worksheet(words.text("diff.sheet-sources", language))
    changes.write_string(0, 0, title, formats.title)
    changes.write_string(1, 0, summary_line(result, language))
    header = headings(language)
    for column, text in enumerate(header):
        changes.write_string(3, column, text, formats.header)
    changes.freeze_panes(4, 2)
    changes.set_column(0, 0, 15)
    changes.set_column(1, 1, 20)
    changes.set_column(7, 7, 28)
    changes.set_column(8, 10, 14)
    for offset, row in enumerate(rows, start=4):
        cells = row.cells(catalog, language)
        cells[4] = words.text(f"diff.change.{row.unit.change}", language)
        cells[5] = words.text(f"diff.kind.{row.kind}", language)
        if row.measure == "status":
            cells[8], cells[9] = status_word(_as_text(cells[8]), language), status_word(_as_text(cells[9]), language)
        for column, cell in enumerate(cells):
            if cell is None:
                changes.write_blank(offset, column, None)
            elif isinstance(cell, bool):
                changes.write_string(offset, column, "✓" if cell else "")
            elif isinstance(cell, int | float):
                changes.write_number(offset, column, cell)
            else:
                changes.write_string(offset, column, str(cell))
    if rows:
        changes.autofilter(3, 0, 3 + len(rows), len(header) - 1)
    changes.set_landscape()
    changes.fit_to_pages(1, 0)
    changes.repeat_rows(3)
    for column, text in enumerate(
        (words.text("diff.version", language), words.text("diff.column.file", language), "SHA-256")
    ):
        sources.write_string(0, column, text, formats.header)
    line = 1
    for version, group in (("diff.old", result.old), ("diff.new", result.new)):
        for source in group:
            sources.write_string(line, 0, words.text(version, language))
            sources.write_string(line, 1, source.file)
            sources.write_string(line, 2, source.sha256)
            line += 1
    sources.set_column(0, 0, 12)
    sources.set_column(1, 1, 48)
    sources.set_column(2, 2, 70)
    workbook.close()


def _as_text(value: object) -> str | None:
    return None if value is None else str(value)
