"""Rendering of a check: a table per level with each rule's outcome, coverage, and CSV with a row per rule."""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import TYPE_CHECKING

from pydantic import TypeAdapter
from rich.table import Table

from chuangye_metrics.config.catalog import Catalog
from chuangye_metrics.core.models import AssessedUnit, CheckResult, LevelCoverage, RuleCheck, ShortlistEntry
from chuangye_metrics.core.text import csv_line, defused, printable
from chuangye_metrics.core.words import Language
from chuangye_metrics.outputs import render
from chuangye_metrics.outputs.render import aligned_columns, level_label, markup_safe, text_console
from chuangye_metrics.standards.check import describe_check, describe_rule, shortfall_text

if TYPE_CHECKING:
    from chuangye_metrics.reading.cache import TextSink

STATUS_STYLE = {"pass": "green", "fail": "red", "incomplete": "yellow"}
STATUS_ZH = {"pass": "达标", "fail": "未达标", "incomplete": "数据不全"}


def provisional_banner(result: CheckResult, language: Language = "zh") -> str | None:
    """The warning every output of a provisional standard carries."""
    if not result.standard.provisional:
        return None
    if language == "zh":
        return f"注意：标准 {result.standard.id} 含暂定门槛（标 * 者），不是官方数值，结果仅供参考。"
    return (
        f"Note: standard {result.standard.id} has provisional thresholds (marked *), not official values; "
        "treat the results as indicative."
    )


def status_label(status: str, language: Language) -> str:
    return STATUS_ZH.get(status, status) if language == "zh" else status


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
    zh = language == "zh"
    tables: list[LevelRows] = []
    levels = [entry.level for entry in result.coverage]
    for level in dict.fromkeys(levels):
        units = [unit for unit in result.units if unit.level == level and unit.assessment is not None]
        if not units:
            continue
        rules = _rules_of(units)
        several = len({unit.year for unit in units}) > 1
        headings = ["单位代码" if zh else "Code", "单位名称" if zh else "Name"]
        headings += (["年度" if zh else "Year"] if several else []) + ["结果" if zh else "Status"]
        right_from = len(headings)
        headings += [describe_rule(rule, language) + ("*" if rule.provisional else "") for rule in rules]
        table = LevelRows(
            f"{level_label(level, catalog, language)} · {result.standard.id}", headings, [], [], right_from
        )
        for unit in units:
            assert unit.assessment is not None
            by_rule = {(c.indicator, c.field, c.op, c.threshold): c for c in unit.assessment.checks}
            cells = [unit.unit_code, unit.unit_name or ("（下级汇总）" if zh else "(sum of children)")]
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
    zh = language == "zh"
    table = Table(title="达标覆盖率" if zh else "Coverage", header_style="bold")
    headings = (
        ("层级", "年度", "参评", "达标", "未达标", "数据不全", "未报送", "达标比例", "目标", "结论")
        if zh
        else ("Level", "Year", "Assessed", "Pass", "Fail", "Incomplete", "No return", "Share", "Target", "Met")
    )
    for heading in headings:
        table.add_column(heading, justify="left" if heading in ("层级", "Level") else "right")
    for entry in coverage:
        met = "—" if entry.met is None else ("[green]达到[/green]" if zh else "[green]yes[/green]")
        if entry.met is False:
            met = "[red]未达到[/red]" if zh else "[red]no[/red]"
        table.add_row(
            markup_safe(level_label(entry.level, catalog, language)),
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


SHORTLIST_ZH = {"proposed": "拟申报", "reserve": "备选", "near": "差一点"}
SHORTLIST_EN = {"proposed": "proposed", "reserve": "reserve", "near": "near"}


def shortlist_label(status: str, language: Language) -> str:
    return (SHORTLIST_ZH if language == "zh" else SHORTLIST_EN).get(status, status)


def lacking_text(entry: ShortlistEntry, language: Language = "zh") -> str:
    """What a near unit lacks, rule by rule: "创业参与率 差 3 人"."""
    parts = [f"{lack.name} {shortfall_text(lack.shortfall, lack.shortfall_unit, language)}" for lack in entry.lacking]
    return ("；" if language == "zh" else "; ").join(parts)


def shortlist_table(result: CheckResult, catalog: Catalog, language: Language = "zh") -> Table | None:
    """The declaration shortlist: rank, unit, status, weakest rule and its margin, or what a near unit lacks."""
    shortlist = result.shortlist
    if shortlist is None:
        return None
    zh = language == "zh"
    quotas = "，".join(f"{level_label(q.level, catalog, language)} {q.proposed}/{q.quota}" for q in shortlist.quotas)
    title = f"申报推荐名单（{quotas}）" if zh else f"Declaration shortlist ({quotas})"
    table = Table(title=markup_safe(title), header_style="bold")
    headings = (
        ("层级", "名次", "单位代码", "单位名称", "建议", "最弱指标", "超出门槛", "尚缺")
        if zh
        else ("Level", "Rank", "Code", "Name", "Status", "Weakest rule", "Margin", "Lacks")
    )
    for heading in headings:
        table.add_column(heading, justify="right" if heading in ("名次", "Rank", "超出门槛", "Margin") else "left")
    for entry in shortlist.entries:
        style = {"proposed": "green", "reserve": "", "near": "yellow"}[entry.status]
        label = shortlist_label(entry.status, language)
        table.add_row(
            markup_safe(level_label(entry.level, catalog, language)),
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
    zh = language == "zh"
    standard = result.standard
    name, identifier = markup_safe(standard.name), markup_safe(standard.id)
    console.print(f"[bold]{name}[/bold]（{identifier}）" if zh else f"[bold]{name}[/bold] ({identifier})")
    console.print(("依据：" if zh else "Source: ") + printable(standard.source), markup=False)
    banner = provisional_banner(result, language)
    if banner:
        console.print(printable(banner), style="bold yellow", markup=False)
    if standard.note:
        console.print(printable(standard.note), style="dim", markup=False)
    levels = level_rows(result, catalog, language)
    if sum(len(rows.cells) for rows in levels) > render.PLAIN_ABOVE:
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
            label = level_label(entry.level, catalog, language)
            line = f"{label}未报送：{names}" if zh else f"{label} without a return: {names}"
            console.print(printable(line), markup=False)
    shortlist = shortlist_table(result, catalog, language)
    if shortlist is not None:
        console.print(shortlist)
        console.print(
            "超出门槛：最弱一条规则高出门槛的幅度（占门槛的百分比）；差一点：未达标但所缺合计不超过 "
            f"{result.shortlist.near_limit if result.shortlist else ''}。"
            if zh
            else "Margin: how far the weakest rule clears its threshold, in percent of the threshold; "
            f"near: fails, lacking at most {result.shortlist.near_limit if result.shortlist else ''} in all.",
            style="dim",
            markup=False,
        )
    return buffer.getvalue()


def write_check_json(out: TextSink, result: CheckResult, batch: int = 1_000) -> None:
    """The text of ``result.model_dump_json(indent=2)`` and a newline, written a batch of units at a time:
    a national check never holds its whole JSON text (several times the size of its models) in memory."""

    shell = result.model_copy(update={"units": []}).model_dump_json(indent=2)
    marker = '\n  "units": []'
    head, tail = shell.split(marker, 1)
    if not result.units:
        out.write(shell + "\n")
        return
    out.write(head + '\n  "units": [')
    dump = TypeAdapter(list[AssessedUnit]).dump_json
    for start in range(0, len(result.units), batch):
        text = dump(result.units[start : start + batch], indent=2).decode("utf-8")
        # the batch's own list sits one level deeper in the document: two more spaces on each line (raw
        # newlines occur only between JSON tokens, never inside a string)
        inner = text[1:-1].rstrip("\n").replace("\n", "\n  ")
        out.write(("," if start else "") + inner)
    out.write("\n  ]" + tail + "\n")


CSV_COLUMNS = [
    "standard",
    "provisional_standard",
    "unit_code",
    "unit_name",
    "level",
    "year",
    "derived",
    "unit_status",
    "rule_set",
    "indicator",
    "field",
    "op",
    "threshold",
    "value",
    "status",
    "gap",
    "shortfall",
    "shortfall_unit",
    "provisional",
    "reason",
]


SHORTLIST_COLUMNS = ["shortlist_status", "shortlist_rank", "margin"]


def check_csv(result: CheckResult) -> str:
    """One row per unit and rule (a unit with no rules that apply gets one row without a rule).

    With a shortlist, each row also carries its unit's shortlist status, rank and margin. Text cells that a
    spreadsheet would read as a formula get a leading ' (``text.defused``).
    """
    buffer = io.StringIO()
    listed = {(e.unit_code, e.year): e for e in result.shortlist.entries} if result.shortlist else None
    buffer.write(csv_line(CSV_COLUMNS + (SHORTLIST_COLUMNS if listed is not None else [])))
    for unit in result.units:
        assessment = unit.assessment
        if assessment is None:
            continue
        # every text cell defused (a leading ' before = + - @ tab CR: "==" too); numbers as they are
        head = [
            defused(result.standard.id),
            "true" if result.standard.provisional else "false",
            defused(unit.unit_code),
            defused(unit.unit_name or ""),
            defused(unit.level),
            "" if unit.year is None else unit.year,
            "true" if unit.derived else "false",
            assessment.status,
            defused(assessment.rule_set or ""),
        ]
        tail: list[object] = []
        if listed is not None:
            entry = listed.get((unit.unit_code, unit.year))
            tail = (
                ["", "", ""]
                if entry is None
                else [entry.status, entry.rank or "", "" if entry.margin is None else repr(entry.margin)]
            )
        if not assessment.checks:
            buffer.write(csv_line([*head, *[""] * 9, defused(assessment.reason or ""), *tail]))
        for check in assessment.checks:
            buffer.write(
                csv_line(
                    [
                        *head,
                        defused(check.indicator or ""),
                        defused(check.field or ""),
                        defused(check.op),
                        repr(check.threshold),
                        "" if check.value is None else repr(check.value),
                        check.status,
                        "" if check.gap is None else repr(check.gap),
                        "" if check.shortfall is None else check.shortfall,
                        check.shortfall_unit or "",
                        "true" if check.provisional else "false",
                        defused(check.reason or ""),
                        *tail,
                    ]
                )
            )
    return buffer.getvalue()
