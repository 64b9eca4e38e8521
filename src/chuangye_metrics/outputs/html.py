"""The HTML report of compute and check: one self-contained page of tables and inline SVG charts."""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from html import escape
from pathlib import Path, PurePath
from typing import TYPE_CHECKING

from chuangye_metrics import __version__
from chuangye_metrics.config.catalog import MISSING, format_measure
from chuangye_metrics.config.operators import OPERATORS, SYMBOLS
from chuangye_metrics.core import words
from chuangye_metrics.core.words import Language, message_template
from chuangye_metrics.outputs.files import write_output
from chuangye_metrics.outputs.report_content import report_content
from chuangye_metrics.outputs.revision_content import change_rows, headings, shown, summary_line
from chuangye_metrics.outputs.table import points_text

if TYPE_CHECKING:
    from chuangye_metrics.config.catalog import Catalog
    from chuangye_metrics.core.models import CheckResult, ComputeResult, YearsResult
    from chuangye_metrics.outputs.report_content import (
        ChartSeries,
        Column,
        LevelSummary,
        ReportContent,
        ScoreChart,
        TextTable,
    )
    from chuangye_metrics.outputs.writers import Target
    from chuangye_metrics.pipeline import Revised
    from chuangye_metrics.standards.library import Standard

Cell = str | int | float | None

STATUS_SYMBOL = {"pass": "✓", "fail": "✗", "incomplete": "?", "missing": "?"}
MEASURES = ("percent", "ratio", "years", "wan_yuan")

PASS_COLOUR = "#1a7f37"
FAIL_COLOUR = "#cf222e"
PLAIN_COLOUR = "#0969da"
INK = "#1f2328"
MUTED = "#57606a"
GRID = "#d0d7de"

# most charts: one bar per unit; more than this would make a page no one scrolls through
MAX_BARS = 400

STYLE = """
:root{color-scheme:light;--pass:#1a7f37;--pass-bg:#dafbe1;--fail:#cf222e;--fail-bg:#ffebe9;
--warn:#9a6700;--warn-bg:#fff8c5;--muted:#57606a;--line:#d0d7de;--head:#f6f8fa;--ink:#1f2328}
*{box-sizing:border-box}
html{-webkit-text-size-adjust:100%;text-size-adjust:100%}
body{margin:0;color:var(--ink);background:#fff;line-height:1.5;font-size:16px;
font-family:system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,"Microsoft YaHei","PingFang SC",
"Hiragino Sans GB","Noto Sans CJK SC","Source Han Sans SC","WenQuanYi Micro Hei","SimSun",sans-serif}
main{max-width:1200px;margin:0 auto;padding:1rem}
h1{font-size:1.5rem;line-height:1.3;margin:.5rem 0 1rem}
h2{font-size:1.25rem;margin:2rem 0 .75rem;padding-bottom:.25rem;border-bottom:1px solid var(--line)}
h3{font-size:1.05rem;margin:1.5rem 0 .5rem}
.warning{border-left:4px solid var(--warn);background:var(--warn-bg);padding:.75rem 1rem;margin:1rem 0;
font-weight:600}
dl.facts{display:grid;grid-template-columns:max-content 1fr;gap:.25rem 1rem;margin:0 0 1rem}
dl.facts dt{color:var(--muted)}
dl.facts dd{margin:0;overflow-wrap:anywhere}
nav ol{margin:.25rem 0 1rem;padding-left:1.5rem}
nav ol ol{margin:0}
nav a,a{color:#0969da}
.table-wrap{overflow-x:auto;-webkit-overflow-scrolling:touch;border:1px solid var(--line);border-radius:6px;
margin:.5rem 0 1.5rem;max-width:100%}
table{border-collapse:separate;border-spacing:0;font-size:.875rem;min-width:100%}
caption{text-align:left;padding:.4rem .6rem;color:var(--muted)}
th,td{padding:.35rem .6rem;border-bottom:1px solid var(--line);text-align:left;vertical-align:top;
white-space:nowrap}
thead th{background:var(--head);font-weight:600;white-space:normal;min-width:7.5em;vertical-align:bottom}
tbody tr:last-child>*{border-bottom:0}
.num{text-align:right;font-variant-numeric:tabular-nums}
td.blank{color:var(--muted)}
.st{font-weight:600}
.st-pass{color:var(--pass);background:var(--pass-bg)}
.st-fail{color:var(--fail);background:var(--fail-bg)}
.st-incomplete,.st-missing{color:var(--warn);background:var(--warn-bg)}
.docs td{white-space:normal;min-width:7em;max-width:36em;overflow-wrap:break-word}
th.name{position:sticky;left:0;z-index:1;background:#fff;font-weight:400}
tbody th.name{box-shadow:1px 0 0 var(--line)}
thead th.name{background:var(--head);font-weight:600;z-index:2}
tbody th{text-align:left;font-weight:400}
.count{color:var(--muted);font-weight:400;font-size:.9rem}
.charts{display:grid;grid-template-columns:repeat(auto-fill,minmax(min(100%,440px),1fr));gap:1rem 1.5rem}
figure{margin:0 0 1rem;min-width:0}
figure svg{display:block;width:100%;height:auto;max-width:560px}
figcaption{font-size:.9rem;margin-bottom:.25rem}
figcaption .title{font-weight:600;display:block}
figcaption p{margin:.15rem 0;color:var(--muted)}
.key{display:inline-block;width:.8em;height:.8em;border-radius:2px;vertical-align:baseline;margin:0 .25em 0 .5em}
@media (max-width:600px){main{padding:.75rem}dl.facts{grid-template-columns:1fr;gap:0}
dl.facts dd{margin-bottom:.4rem}h1{font-size:1.3rem}}
.print-note{display:none;color:var(--muted);font-size:.8rem;margin:-1rem 0 1rem}
@page{size:A4 landscape;margin:12mm 10mm}
@media print{body{font-size:10pt}main{max-width:none;padding:0}nav{display:none}
.table-wrap{overflow:visible;border:0;margin:.25rem 0 1rem}table{min-width:0;width:100%;font-size:7.5pt}
th,td{white-space:normal;overflow-wrap:anywhere;padding:.15rem .3rem}thead th{min-width:0}
tbody .num,tbody td:first-child,tbody td.st,tbody td.k{white-space:nowrap;overflow-wrap:normal}
tbody th.name{min-width:5em}
thead{display:table-header-group}th.name{position:static}table.units .c{display:none}.print-note{display:block}
figure,tr{break-inside:avoid}h2,h3{break-after:avoid}.charts{display:block}}
""".strip()


def report(
    output: Path | None,
    result: ComputeResult | CheckResult,
    catalog: Catalog,
    *,
    standard: Standard | None,
    language: Language,
    years: YearsResult | None,
) -> None:
    """The HTML report (a report format of ``outputs.writers``), to ``output`` or stdout."""
    write_output(html_report(result, catalog, standard=standard, language=language, years=years), output, language)


def html_report(
    result: ComputeResult | CheckResult,
    catalog: Catalog,
    *,
    standard: Standard | None = None,
    language: Language = "zh",
    years: YearsResult | None = None,
) -> str:
    """The report as one HTML document: inline CSS and SVG, nothing fetched from anywhere."""

    content = report_content(result, catalog, standard=standard, language=language, years=years)
    return render_html(content, file_name=" + ".join(PurePath(source.file).name for source in result.sources))


def render_html(content: ReportContent, *, file_name: str = "") -> str:
    """The page for report content already gathered."""
    return _Page(content).render(file_name)


class _Page:
    """Builds the document as a list of strings, joined once at the end."""

    def __init__(self, content: ReportContent) -> None:
        self.content = content
        self.language: Language = content.language
        self.parts: list[str] = []
        self.figures = 0

    def word(self, key: str) -> str:
        return self.content.labels.get(key) or message_template(f"html.{key}", self.language)

    def unit_count(self, count: int) -> str:
        return self.word("unit_count_one" if count == 1 else "unit_count").format(count=f"{count:,}")

    def render(self, file_name: str) -> str:
        content = self.content
        out = self.parts
        head_title = f"{content.title} · {file_name}" if file_name else content.title
        out.append(
            f'<!DOCTYPE html>\n<html lang="{message_template("html.lang", self.language)}">\n<head>\n'
            '<meta charset="utf-8">\n'
            '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            f'<meta name="generator" content="chuangye-metrics {escape(__version__)}">\n'
            f"<title>{escape(head_title)}</title>\n<style>\n{STYLE}\n</style>\n</head>\n<body>\n<main>\n"
            f"<header>\n<h1>{escape(content.title)}</h1>\n"
        )
        warning = content.warning or (self.word("provisional_note") if content.provisional else None)
        if warning:
            out.append(f'<p class="warning" role="note">⚠ {escape(warning)}</p>\n')
        facts = [(name, value) for name, value in content.facts if value != warning]
        if facts:
            out.append(f'<dl class="facts" aria-label="{escape(self.word("facts"))}">\n')
            for name, value in facts:
                out.append(f"<dt>{escape(str(name))}</dt><dd>{escape(str(value))}</dd>\n")
            out.append("</dl>\n")
        out.append("</header>\n")
        self.contents()
        if content.summary:
            self.summary(content.summary)
        if content.charts or content.score_charts:
            self.charts(content.charts, content.score_charts)
        self.section_start("levels", self.word("levels"))
        for index, level in enumerate(content.levels):
            out.append(
                f'<section id="{_anchor("level", index, level.level)}">\n<h3>{escape(level.label)} '
                f'<span class="count">({escape(self.unit_count(len(level.rows)))})</span></h3>\n'
            )
            self.level_table(level.columns, level.rows, level.grades)
            out.append("</section>\n")
        out.append("</section>\n")
        for key, table in self.text_tables():
            self.section_start(key, table.title or self.word(key))
            self.text_table(table, docs=key in ("rules", "scoring", "formulas"))
            out.append("</section>\n")
        out.append("</main>\n</body>\n</html>\n")
        return "".join(out)

    def text_tables(self) -> list[tuple[str, TextTable]]:
        content = self.content
        tables = [
            ("shortlist", content.shortlist),
            ("quotas", content.quotas),
            ("years", content.years),
            ("rules", content.rules),
            ("scoring", content.scoring),
            ("formulas", content.formulas),
        ]
        return [(key, table) for key, table in tables if table is not None]

    def contents(self) -> None:
        content = self.content
        listed: list[tuple[str, str]] = []
        if content.summary:
            listed.append(("summary", self.word("summary")))
        if content.charts or content.score_charts:
            listed.append(("charts", self.word("charts")))
        listed.append(("levels", self.word("levels")))
        # a table's title may carry a long note; the contents use the short name
        listed += [(key, self.word(key)) for key, _ in self.text_tables()]
        out = self.parts
        out.append(f'<nav aria-labelledby="contents">\n<h2 id="contents">{escape(self.word("contents"))}</h2>\n<ol>\n')
        for key, title in listed:
            out.append(f'<li><a href="#{key}">{escape(title)}</a>')
            if key == "levels" and content.levels:
                out.append("<ol>")
                for index, level in enumerate(content.levels):
                    out.append(f'<li><a href="#{_anchor("level", index, level.level)}">{escape(level.label)}</a></li>')
                out.append("</ol>")
            out.append("</li>\n")
        out.append("</ol>\n</nav>\n")

    def section_start(self, key: str, title: str) -> None:
        self.parts.append(f'<section id="{key}">\n<h2>{escape(title)}</h2>\n')

    # -- summary ---------------------------------------------------------------------------------------------

    def summary(self, summary: list[LevelSummary]) -> None:
        out = self.parts
        self.section_start("summary", self.word("summary"))
        by_year = any(level.year is not None for level in summary)
        judged = any(level.passed is not None or level.share is not None for level in summary)
        no_return = any(level.no_return for level in summary)
        targets = any(level.target is not None for level in summary)
        header = [(self.word("level"), False)]
        if by_year:
            header.append((self.word("year"), False))
        header.append((self.word("units"), True))
        if judged:
            header += [(self.word("passed"), True), (self.word("failed"), True), (self.word("incomplete"), True)]
            if no_return:
                header.append((self.word("no_return"), True))
            header.append((self.word("share"), True))
        if targets:
            header += [(self.word("target"), True), (self.word("met"), False)]
        out.append('<div class="table-wrap"><table>\n<thead><tr>')
        for title, numeric in header:
            out.append(f'<th scope="col"{NUMERIC_CLASS if numeric else ""}>{escape(title)}</th>')
        out.append("</tr></thead>\n<tbody>\n")
        for level in summary:
            cells = [f'<th scope="row">{escape(level.label)}</th>']
            if by_year:
                cells.append(_text_cell(level.year))
            cells.append(_number_cell(level.units))
            if judged:
                cells += [_number_cell(level.passed), _number_cell(level.failed), _number_cell(level.incomplete)]
                if no_return:
                    cells.append(_number_cell(level.no_return))
                cells.append(_measure_cell(level.share, "percent", self.language))
            if targets:
                cells.append(_measure_cell(level.target, "percent", self.language, blank=True))
                if level.met is None:
                    cells.append('<td class="blank"></td>')
                else:
                    status = "pass" if level.met else "fail"
                    word = self.word("met_yes" if level.met else "met_no")
                    cells.append(f'<td class="st st-{status}">{STATUS_SYMBOL[status]} {escape(word)}</td>')
            out.append("<tr>" + "".join(cells) + "</tr>\n")
        out.append("</tbody></table></div>\n")
        if any(level.share is not None for level in summary):
            self.share_chart(summary)
        out.append("</section>\n")

    def share_chart(self, summary: list[LevelSummary]) -> None:
        language = self.language
        bars: list[_Bar] = []
        for level in summary:
            if level.share is None and level.target is None:
                continue  # a level the standard does not judge
            label = level.label if level.year is None else f"{level.label} {level.year}"
            text = format_measure(level.share, "percent", language)
            if level.target is not None:
                text += f" / {format_measure(level.target, 'percent', language)}"
            colour = PLAIN_COLOUR if level.met is None else PASS_COLOUR if level.met else FAIL_COLOUR
            bars.append(_Bar(label, level.share, text, colour, f"{label}: {text}", level.target))
        title = self.word("pass_share")
        has_target = any(level.target is not None for level in summary)
        note = f"{self.word('share')} / {self.word('target')}" if has_target else self.word("share")
        if has_target:
            note += f"; {self.word('target_note')}"
        svg = _bar_svg(self.next_id(), title, bars, low=0.0, high=100.0, unit="percent", value_width=120)
        legend = self.legend(met=True) if has_target else ""
        self.parts.append(
            f'<figure class="share">\n<figcaption><span class="title">{escape(title)}</span>'
            f"<p>{escape(note)}</p>{legend}</figcaption>\n{svg}\n</figure>\n"
        )

    # -- indicator charts ------------------------------------------------------------------------------------

    def charts(self, charts: list[ChartSeries], scores: list[ScoreChart]) -> None:
        out = self.parts
        self.section_start("charts", self.word("charts"))
        out.append('<div class="charts">\n')
        for chart in scores:
            self.score_chart(chart)
        for series in charts:
            self.indicator_chart(series)
        out.append("</div>\n</section>\n")

    def score_chart(self, chart: ScoreChart) -> None:
        """A scored level: each unit's total as a bar (green when its grade passes, red when not) and each grade's
        cut-off as a dashed line."""
        bars: list[_Bar] = []
        shown = list(zip(chart.labels, chart.totals, chart.grades, chart.passes, strict=True))[:MAX_BARS]
        for label, total, grade, passes in shown:
            if total is None:
                bars.append(_Bar(label, None, MISSING, MUTED, f"{label}: {MISSING}", None))
                continue
            text = f"{points_text(total)} {grade or ''}".strip()
            colour = PLAIN_COLOUR if passes is None else PASS_COLOUR if passes else FAIL_COLOUR
            bars.append(_Bar(label, total, text, colour, f"{label}: {text}", None))
        cuts = [
            (low, words.text("chart.cut", self.language, grade=grade, min=points_text(low)))
            for grade, low in chart.cuts
        ]
        svg = _bar_svg(
            self.next_id(), chart.title, bars, low=0.0, high=chart.max_total, unit="points", cuts=cuts, value_width=96
        )
        notes = [self.word("cuts").format(cuts=words.text("sep.list", self.language).join(text for _, text in cuts))]
        if len(shown) < chart.total_units:
            notes.append(self.word("shown").format(shown=f"{len(shown):,}", total=f"{chart.total_units:,}"))
        missing = sum(1 for total in chart.totals if total is None)
        if missing:
            notes.append(self.word("no_score").format(count=f"{missing:,}"))
        paragraphs = "".join(f"<p>{escape(note)}</p>" for note in notes)
        legend = (
            f'<p><span class="key" style="background:{PASS_COLOUR}"></span>{escape(self.word("grade_passes"))}'
            f'<span class="key" style="background:{FAIL_COLOUR}"></span>{escape(self.word("grade_fails"))}</p>'
        )
        self.parts.append(
            f'<figure class="scores">\n<figcaption><span class="title">{escape(chart.title)}</span>{paragraphs}'
            f"{legend}</figcaption>\n{svg}\n</figure>\n"
        )

    def indicator_chart(self, series: ChartSeries) -> None:
        language = self.language
        judge = _judge(series.op) if series.threshold is not None else None
        bars: list[_Bar] = []
        missing = 0
        shown = list(zip(series.labels, series.values, strict=False))[:MAX_BARS]
        for label, value in shown:
            if value is None or value != value:
                missing += 1
                bars.append(_Bar(label, None, MISSING, MUTED, f"{label}: {MISSING}", None))
                continue
            text = format_measure(value, series.unit, language)
            colour = PLAIN_COLOUR
            if judge is not None and series.threshold is not None:
                passes = judge(value, series.threshold)
                colour = PASS_COLOUR if passes else FAIL_COLOUR
                text += " ✓" if passes else " ✗"
            bars.append(_Bar(label, value, text, colour, f"{label}: {text}", None))
        values = [bar.value for bar in bars if bar.value is not None]
        if series.threshold is not None:
            values.append(series.threshold)
        low, high = min([0.0, *values]), max([0.0, *values])
        low, high = (-_nice_ceiling(-low) if low < 0 else 0.0), _nice_ceiling(high)
        title = series.title or f"{series.level_label} · {series.indicator_label}"
        threshold_text = None
        if series.threshold is not None:
            symbol = SYMBOLS.get(series.op or "", series.op or "")
            threshold_text = f"{symbol} {format_measure(series.threshold, series.unit, language)}".strip()
        svg = _bar_svg(
            self.next_id(),
            title,
            bars,
            low=low,
            high=high,
            unit=series.unit,
            threshold=series.threshold,
            threshold_text=threshold_text,
        )
        notes: list[str] = []
        if threshold_text is not None:
            notes.append(f"{self.word('threshold')} {threshold_text}")
        total = max(series.total_units, len(series.labels))
        if len(shown) < total:
            notes.append(self.word("shown").format(shown=f"{len(shown):,}", total=f"{total:,}"))
        if missing:
            notes.append(self.word("no_value").format(count=f"{missing:,}"))
        paragraphs = "".join(f"<p>{escape(note)}</p>" for note in notes)
        legend = self.legend(met=False) if judge is not None else ""
        self.parts.append(
            f'<figure>\n<figcaption><span class="title">{escape(title)}</span>{paragraphs}{legend}'
            f"</figcaption>\n{svg}\n</figure>\n"
        )

    def legend(self, *, met: bool) -> str:
        good, bad = ("met_yes", "met_no") if met else ("above", "below")
        return (
            f'<p><span class="key" style="background:{PASS_COLOUR}"></span>{escape(self.word(good))} ✓'
            f'<span class="key" style="background:{FAIL_COLOUR}"></span>{escape(self.word(bad))} ✗</p>'
        )

    def next_id(self) -> str:
        self.figures += 1
        return f"chart-{self.figures}"

    # -- tables ----------------------------------------------------------------------------------------------

    def level_table(
        self, columns: list[Column], rows: Sequence[Sequence[Cell]], grades: dict[str, bool] | None = None
    ) -> None:
        out = self.parts
        if not rows:
            out.append(f"<p>{escape(self.word('no_units'))}</p>\n")
            return
        # a ratio column is already written 1:N here, so its text twin is left out
        kept = [index for index, column in enumerate(columns) if not column.id.startswith("display:")]
        name_column = next((i for i in kept if columns[i].id == "unit_name"), None)
        out.append('<div class="table-wrap"><table class="units">\n<thead><tr>')
        for index in kept:
            column = columns[index]
            classes = ["num"] if column.kind in ("count", "points", *MEASURES) else []
            if _off_paper(column):
                classes.append("c")
            if index == name_column:
                classes.append("name")
            attribute = f' class="{" ".join(classes)}"' if classes else ""
            out.append(f'<th scope="col"{attribute}>{escape(column.label)}</th>')
        out.append("</tr></thead>\n<tbody>\n")
        writers = [
            (index, self.cell_writer(columns[index], row_header=index == name_column, grades=grades)) for index in kept
        ]
        writers = [(index, _marked(write) if _off_paper(columns[index]) else write) for index, write in writers]
        writers = [(index, _marked(write, "k") if columns[index].id == "year" else write) for index, write in writers]
        append = out.append
        for row in rows:
            append("<tr>" + "".join([write(row[index]) for index, write in writers]) + "</tr>\n")
        out.append("</tbody></table></div>\n")
        if any(_off_paper(columns[index]) for index in kept):
            out.append(f'<p class="print-note">{escape(self.word("print_counts"))}</p>\n')

    def cell_writer(
        self, column: Column, *, row_header: bool = False, grades: dict[str, bool] | None = None
    ) -> Callable[[Cell], str]:
        language = self.language
        kind = column.kind
        if kind == "grade":
            passing = grades or {}

            def grade_cell(value: Cell) -> str:
                if _is_blank(value):
                    return '<td class="blank"></td>'
                passes = passing.get(str(value))
                status = "" if passes is None else "pass" if passes else "fail"
                styled = f' class="st st-{status}"' if status else ""
                return f"<td{styled}>{escape(str(value))}</td>"

            return grade_cell
        if kind == "points":
            return _number_cell
        if row_header:
            return lambda value: (
                '<th scope="row" class="name"></th>'
                if _is_blank(value)
                else f'<th scope="row" class="name">{escape(str(value))}</th>'
            )
        if kind == "status":
            cells = {
                status: f'<td class="st st-{status}"><span aria-hidden="true">{symbol} </span>'
                f"{escape(self.word(status))}</td>"
                for status, symbol in STATUS_SYMBOL.items()
            }

            def status_cell(value: Cell) -> str:
                if _is_blank(value):
                    return '<td class="blank"></td>'
                return cells.get(str(value)) or f"<td>{escape(str(value))}</td>"

            return status_cell
        if kind == "count":
            return _number_cell
        if kind in MEASURES:
            return _measure_writer(kind, language)
        return _text_cell

    def text_table(self, table: TextTable, *, docs: bool) -> None:
        out = self.parts
        if not table.rows:
            out.append(f"<p>{escape(self.word('no_units'))}</p>\n")
            return
        kinds = list(table.kinds) + ["text"] * (len(table.header) - len(table.kinds))
        numeric = [kind in ("measure", "change", "percent") for kind in kinds]
        out.append(f'<div class="table-wrap"><table{DOCS_CLASS if docs else ""}>\n<thead><tr>')
        for index, title in enumerate(table.header):
            out.append(f'<th scope="col"{NUMERIC_CLASS if numeric[index] else ""}>{escape(str(title))}</th>')
        out.append("</tr></thead>\n<tbody>\n")
        for number, row in enumerate(table.rows):
            unit = table.row_units[number] if number < len(table.row_units) else "count"
            cells = []
            for index, value in enumerate(row):
                kind = kinds[index] if index < len(kinds) else "text"
                if _is_blank(value):
                    cells.append('<td class="num blank"></td>' if numeric[index] else "<td></td>")
                elif isinstance(value, str) or kind == "text":
                    cells.append(_text_cell(value))
                elif kind == "change" and isinstance(value, int | float):
                    cells.append(f'<td class="num">{escape(self.change_text(float(value), unit))}</td>')
                elif kind == "measure" and unit in MEASURES:
                    cells.append(_measure_cell(value, unit, self.language))
                elif kind == "percent":
                    cells.append(_measure_cell(value, "percent", self.language))
                else:
                    cells.append(_number_cell(value))
            out.append("<tr>" + "".join(cells) + "</tr>\n")
        out.append("</tbody></table></div>\n")

    def change_text(self, value: float, unit: str) -> str:
        """The change on the year before, signed: counts in their unit, percent in points, ratios in N of 1:N."""
        if unit == "percent":
            return f"{value:+.1f}{self.word('points')}"
        if unit in ("ratio", "years", "wan_yuan"):
            return f"{value:+.1f}"
        return f"{value:+,.0f}" if value.is_integer() else f"{value:+,.1f}"


def _anchor(prefix: str, index: int, name: str) -> str:
    return f"{prefix}-{index + 1}-" + re.sub(r"[^A-Za-z0-9_-]+", "-", name)


def _is_blank(value: Cell) -> bool:
    return value is None or (isinstance(value, float) and value != value)


def _text_cell(value: Cell) -> str:
    if _is_blank(value):
        return "<td></td>"
    if isinstance(value, float):
        return f"<td>{value:g}</td>"
    return f"<td>{escape(str(value))}</td>"


def format_count(value: int | float) -> str:
    """1234567 -> "1,234,567"; a count read as 12.0 -> "12"; a fraction keeps one decimal."""
    if isinstance(value, float):
        if not math.isfinite(value):
            return MISSING
        if value.is_integer():
            return f"{int(value):,}"
        return f"{value:,.1f}"
    return f"{value:,}"


def _number_cell(value: Cell) -> str:
    # the common cases first: a table may have millions of cells
    if value is None or value != value:
        return '<td class="num blank"></td>'
    if type(value) is int:
        return f'<td class="num">{value:,}</td>'
    if type(value) is float:
        if value.is_integer():
            return f'<td class="num">{value:,.0f}</td>'
        return f'<td class="num">{format_count(value)}</td>'
    return f"<td>{escape(str(value))}</td>"


def _measure_writer(unit: str, language: Language) -> Callable[[Cell], str]:
    """The cells of a percent, ratio or years column, written as format_measure writes them (one decimal)."""
    # the suffix looked up only for a unit that has one (a dict's default would be looked up for every unit)
    fixed = {"percent": ("", "%"), "ratio": ("1:", "")}
    prefix, suffix = fixed[unit] if unit in fixed else ("", message_template(f"measure.{unit}-suffix", language))

    def cell(value: Cell) -> str:
        if value is None or value != value:
            return MISSING_CELL
        if type(value) is float or type(value) is int:
            return f'<td class="num">{prefix}{value:.1f}{suffix}</td>'
        return f"<td>{escape(str(value))}</td>"

    return cell


def _off_paper(column: Column) -> bool:
    """A column shown on screen and left off the printed page, which has no room for every column: the counts
    (in the Excel report too) and the parent's code."""
    return column.kind == "count" or column.id == "parent_code"


def _marked(write: Callable[[Cell], str], mark: str = "c") -> Callable[[Cell], str]:
    """A cell writer whose cells carry a class: c, of the columns left off the printed page; k, of those kept whole
    (never broken across lines) on it."""

    def marked(value: Cell) -> str:
        cell = write(value)
        if cell.startswith('<td class="'):
            return f'<td class="{mark} ' + cell[len('<td class="') :]
        return f'<td class="{mark}"' + cell[len("<td") :]

    return marked


MISSING_CELL = f'<td class="num blank">{MISSING}</td>'
NUMERIC_CLASS = ' class="num"'
DOCS_CLASS = ' class="docs"'


def _measure_cell(value: Cell, unit: str, language: Language, *, blank: bool = False) -> str:
    if _is_blank(value):
        return '<td class="num blank"></td>' if blank else f'<td class="num blank">{MISSING}</td>'
    if isinstance(value, int | float):
        return f'<td class="num">{escape(format_measure(float(value), unit, language))}</td>'
    return f"<td>{escape(str(value))}</td>"


def _judge(op: str | None) -> Callable[[float, float], bool] | None:

    compare = OPERATORS.get(op or "")
    if compare is None:
        return None
    return lambda value, threshold: bool(compare(value, threshold))


def _nice_ceiling(value: float) -> float:
    """The smallest of 1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8 times a power of ten that is at least ``value``."""
    if not value > 0 or not math.isfinite(value):
        return 1.0
    power = 10.0 ** math.floor(math.log10(value))
    for step in (1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10):
        if value <= step * power * (1 + 1e-9):
            return step * power
    return 10 * power


# -- SVG -----------------------------------------------------------------------------------------------------

WIDTH = 380
LABEL_WIDTH = 118
GAP = 6
ROW = 24
BAR = 15
FONT = 13
AXIS = 20
CUT_LINE = 14  # the height of a cut-off's label line above the bars


@dataclass(frozen=True)
class _Bar:
    label: str
    value: float | None
    text: str
    colour: str
    title: str
    marker: float | None  # a per-row mark, e.g. the level's coverage target


def _text_width(text: str, size: float) -> float:
    """About how wide ``text`` is drawn: wide (CJK, full-width) characters an em, others a little over half."""
    return sum(size if ord(char) >= 0x2E80 else size * 0.6 for char in text)


def _fit(text: str, width: float, size: float) -> str:
    if _text_width(text, size) <= width:
        return text
    kept = ""
    for char in text:
        if _text_width(kept + char + "…", size) > width:
            break
        kept += char
    return kept + "…"


def _tick_text(value: float, unit: str) -> str:
    number = f"{value:,.0f}" if abs(value) >= 10 or value == int(value) else f"{value:g}"
    if unit == "percent":
        return number + "%"
    if unit == "ratio":
        return "1:" + number
    return number


def _bar_svg(
    uid: str,
    title: str,
    bars: list[_Bar],
    *,
    low: float,
    high: float,
    unit: str,
    threshold: float | None = None,
    threshold_text: str | None = None,
    value_width: int = 78,
    cuts: Sequence[tuple[float, str]] = (),
) -> str:
    """Horizontal bars, one per row, labels at the left, values at the bar ends, an optional threshold line, and
    any number of cut-offs (value, label), each a dashed line labelled on a line of its own above the bars."""
    top = 20 if threshold is not None else 6
    top += CUT_LINE * len(cuts)
    left = LABEL_WIDTH + GAP
    right = WIDTH - value_width
    span = (high - low) or 1.0
    height = top + ROW * max(len(bars), 1) + AXIS

    def x(value: float) -> float:
        return round(left + (min(max(value, low), high) - low) / span * (right - left), 1)

    zero = x(0.0)
    bottom = top + ROW * len(bars)
    described = "; ".join(bar.title for bar in bars[:50])
    out = [
        f'<svg viewBox="0 0 {WIDTH} {height}" width="{WIDTH}" height="{height}" '
        f'role="img" aria-labelledby="{uid}-t {uid}-d" font-size="{FONT}" fill="{INK}">',
        f'<title id="{uid}-t">{escape(title)}</title><desc id="{uid}-d">{escape(described)}</desc>',
    ]
    for tick in (low, (low + high) / 2, high) if low < 0 else (0.0, high / 2, high):
        position = x(tick)
        anchor = "start" if position <= left + 1 else "end" if position >= right - 1 else "middle"
        out.append(
            f'<line x1="{position}" y1="{top}" x2="{position}" y2="{bottom}" stroke="{GRID}" stroke-width="1"/>'
            f'<text x="{position}" y="{bottom + 14}" text-anchor="{anchor}" fill="{MUTED}" font-size="10">'
            f"{escape(_tick_text(tick, unit))}</text>"
        )
    for index, bar in enumerate(bars):
        y = top + index * ROW
        middle = y + ROW / 2 + FONT * 0.35
        out.append(
            f"<g><title>{escape(bar.title)}</title>"
            f'<text x="{LABEL_WIDTH}" y="{middle:.1f}" text-anchor="end">{escape(_fit(bar.label, LABEL_WIDTH, FONT))}'
            "</text>"
        )
        if bar.value is None:
            out.append(f'<text x="{zero + 4}" y="{middle:.1f}" fill="{MUTED}">{MISSING}</text></g>')
            continue
        end = x(bar.value)
        start, stop = min(zero, end), max(zero, end)
        bar_top = y + (ROW - BAR) / 2
        out.append(
            f'<rect x="{start}" y="{bar_top:.1f}" width="{max(stop - start, 0.5):.1f}" height="{BAR}" '
            f'fill="{bar.colour}" rx="2"/>'
        )
        if bar.marker is not None:
            mark = x(bar.marker)
            out.append(
                f'<line x1="{mark}" y1="{bar_top - 3:.1f}" x2="{mark}" y2="{bar_top + BAR + 3:.1f}" '
                f'stroke="{INK}" stroke-width="2"/>'
            )
        out.append(
            f'<text x="{stop + 4:.1f}" y="{middle:.1f}" stroke="#fff" stroke-width="3" paint-order="stroke">'
            f"{escape(bar.text)}</text></g>"
        )
    out.append(f'<line x1="{zero}" y1="{top}" x2="{zero}" y2="{bottom}" stroke="{MUTED}" stroke-width="1"/>')
    for index, (value, text) in enumerate(cuts):
        position = x(value)
        anchor = "end" if position > right - 30 else "middle"
        label_y = 6 + CUT_LINE * index + FONT * 0.75
        out.append(
            f'<line class="cut" x1="{position}" y1="{label_y + 3:.1f}" x2="{position}" y2="{bottom}" stroke="{INK}" '
            f'stroke-width="1.2" stroke-dasharray="4 3"/>'
            f'<text x="{position}" y="{label_y:.1f}" text-anchor="{anchor}" font-size="11">{escape(text)}</text>'
        )
    if threshold is not None:
        position = x(threshold)
        anchor = "end" if position > right - 30 else "middle"
        out.append(
            f'<line x1="{position}" y1="{top - 4}" x2="{position}" y2="{bottom}" stroke="{INK}" stroke-width="1.5" '
            f'stroke-dasharray="4 3"/>'
            f'<text x="{position}" y="{top - 7}" text-anchor="{anchor}" font-weight="600">'
            f"{escape(threshold_text or '')}</text>"
        )
    out.append("</svg>")
    return "".join(out)


def write_diff(revised: Revised, target: Target) -> None:
    """diff's changes as one self-contained page: the summary and a table of every change."""
    result = revised.result
    assert result is not None
    language, catalog = target.language, target.catalog
    title = words.text("diff.report-title", language, year=result.year or MISSING)
    parts = [
        f'<!DOCTYPE html>\n<html lang="{message_template("html.lang", language)}">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{escape(title)}</title>\n<style>\n{STYLE}\n</style>\n</head>\n<body>\n<main>\n",
        f"<h1>{escape(title)}</h1>\n",
        f"<p>{escape(summary_line(result, language))}</p>\n",
    ]
    for version, group in (("diff.old", result.old), ("diff.new", result.new)):
        files = words.text("sep.list", language).join(source.file for source in group)
        text = words.text("diff.version-files", language, version=words.text(version, language), files=files)
        parts.append(f"<p>{escape(text)}</p>\n")
    rows = change_rows(result, catalog, language)
    if rows:
        header = headings(language)
        parts.append("<table>\n<thead><tr>")
        parts += [f"<th>{escape(text)}</th>" for text in (*header[:3], *header[4:5], *header[7:11])]
        parts.append("</tr></thead>\n<tbody>\n")
        for row in rows:
            before, after, change = shown(row, language)
            unit = row.unit
            cells = [
                unit.unit_code,
                (unit.unit_name or "") + (words.text("label-derived-unit", language) if unit.derived else ""),
                catalog.level_label(unit.level, language),
                words.text(f"diff.change.{unit.change}", language),
                row.name,
                before,
                after,
                change,
            ]
            parts.append("<tr>" + "".join(f"<td>{escape(str(cell))}</td>" for cell in cells) + "</tr>\n")
        parts.append("</tbody>\n</table>\n")
    parts.append(f'<p class="muted">chuangye-metrics {escape(__version__)}</p>\n</main>\n</body>\n</html>\n')
    write_output("".join(parts), target.output, language)
