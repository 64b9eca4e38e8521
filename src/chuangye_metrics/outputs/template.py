"""The blank return a county bureau sends down: an xlsx with headers, drop-downs, number checks and instructions."""

from __future__ import annotations

import datetime
import math
import unicodedata
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from chuangye_metrics.config.catalog import Catalog, FieldDef, format_measure
from chuangye_metrics.config.operators import symbol
from chuangye_metrics.core import words
from chuangye_metrics.core.errors import UsageError
from chuangye_metrics.core.guard import RefusedConfig, RefusedUsage
from chuangye_metrics.outputs.explain import formula_text, item_scheme
from chuangye_metrics.outputs.files import check_output, replacing
from chuangye_metrics.outputs.report_content import grade_terms
from chuangye_metrics.outputs.table import window_words
from chuangye_metrics.standards.library import RuleSet, ScoreItem, Standard, Threshold

DATA_SHEET = "统计表"
NOTES_SHEET = "填表说明"
LISTS_SHEET = "选项"
IDENTITY = ("unit_code", "unit_name", "level", "parent_code")
TITLE_ROW = 1
UNIT_ROW = 2
HEADER_ROW = 3
FIRST_DATA_ROW = HEADER_ROW + 1
DEFAULT_ROWS = 200
MAX_ROWS = 10_000
MIN_YEAR, MAX_YEAR = 1949, 2100

UNIT_NAMES = {
    "person": "人",
    "entity": "个",
    "year": "年",
    "event": "次",
    "wan_yuan": "万元",
    "square_metre": "平方米",
    "point": "分",
}
TYPE_NAMES = {
    "code": "代码（按文本填写）",
    "text": "文本",
    "level": "层级（下拉选择）",
    "year": "年份",
    "count": "非负整数",
    "amount": "非负数，可带小数",
    "score": "评估得分，可带小数",
}
NUMBER_KINDS = ("count", "amount", "score")
# Width in Excel units ("0" characters) of a column, by field type, before the header is considered.
MIN_WIDTHS = {"code": 15, "text": 16, "level": 12, "year": 9, "count": 10, "amount": 10, "score": 8}
NAME_WIDTH = 24
MAX_HEADER_WIDTH = 16
_EXCEL_TEXT_LIMIT = 255


def default_year() -> int:
    """Last calendar year: a return is filled in at the start of a year and reports on the year before."""
    return datetime.date.today().year - 1


def template_levels(
    catalog: Catalog, standard: Standard | None = None, level: str | Sequence[str] | None = None
) -> list[str]:
    """Level ids offered in the level drop-down, top down: the levels asked for, else the standard's, else all."""
    labels = [level] if isinstance(level, str) else list(level or [])
    wanted: list[str] = []
    for label in labels:
        found = catalog.level_id(label)
        if found is None:
            raise RefusedUsage("unknown-level-option", level=label, known=words.listed(catalog.levels))
        wanted.append(found)
    if standard is not None:
        covered = [name for name in catalog.levels if name in standard.judged_levels]
        if not covered:
            raise RefusedConfig("standard-no-levels", standard=standard.id)
        outside = [name for name in wanted if name not in standard.judged_levels]
        if outside:
            names = "、".join(catalog.levels[name].name for name in covered)
            raise UsageError(
                f"the standard {standard.id!r} has no rules for level {outside[0]!r} "
                f"({catalog.levels[outside[0]].name}); it covers: {', '.join(covered)} ({names})"
            )
        if not wanted:
            return covered
    if not wanted:
        return list(catalog.levels)
    return [name for name in catalog.levels if name in wanted]


def template_fields(
    catalog: Catalog,
    standard: Standard | None = None,
    levels: Sequence[str] | None = None,
    year_column: bool = False,
) -> list[FieldDef]:
    """The template's columns: identity fields (and the year), then the text and count fields to fill.

    Without a standard, every core count field; with one, the fields its rules read (for ``levels``, or all),
    and the year when its rules look at several years (a row per unit and year).
    """
    year_column = year_column or (standard is not None and standard.over_years)
    if standard is None:
        wanted = [field.id for field in catalog.fields.values() if field.core and field.type == "count"]
    else:
        wanted = standard.fields_needed(catalog, levels)
    names = [*IDENTITY, *(["year"] if year_column else [])]
    for kinds in (("text",), NUMBER_KINDS):
        names += [field.id for field in catalog.fields.values() if field.type in kinds and field.id in wanted]
    return [catalog.fields[name] for name in dict.fromkeys(names)]


def template_title(catalog: Catalog, year: int, levels: Sequence[str]) -> str:
    """The title, e.g. 2025年度创业型城市建设情况统计表; the levels follow in brackets when not all are offered."""
    title = f"{year}年度创业型城市建设情况统计表"
    if list(levels) != list(catalog.levels):
        title += "（" + "、".join(catalog.levels[name].name for name in levels) + "）"
    return title


def write_template(
    path: Path | str,
    catalog: Catalog,
    *,
    standard: Standard | None = None,
    level: str | Sequence[str] | None = None,
    year: int | None = None,
    rows: int = DEFAULT_ROWS,
    year_column: bool = False,
    overwrite: bool = False,
) -> Path:
    """Write the blank return to ``path`` (.xlsx) and return the path.

    ``level`` (ids or names) limits the level drop-down, and with a standard the columns to the fields its
    rules for those levels read; ``year`` (default: last year) goes into the title; ``rows`` rows are
    prepared with data validation. An existing file is kept unless ``overwrite``.
    """
    path = Path(path)
    _check_target(path, overwrite)
    if not 1 <= rows <= MAX_ROWS:
        raise RefusedUsage("template-rows", limit=MAX_ROWS, rows=rows)
    year = default_year() if year is None else year
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise RefusedUsage("template-year", first=MIN_YEAR, last=MAX_YEAR, year=year)
    levels = template_levels(catalog, standard, level)
    fields = template_fields(catalog, standard, levels, year_column)

    from openpyxl import Workbook

    workbook = Workbook()
    workbook.properties.title = template_title(catalog, year, levels)
    workbook.properties.creator = "chuangye-metrics"
    notes = workbook.create_sheet(NOTES_SHEET)  # second, before any hidden list sheet
    _data_sheet(workbook, workbook.active, catalog, fields, levels, standard, year, rows)
    _notes_sheet(notes, catalog, fields, levels, standard, year, rows)
    _save(workbook, path)
    return path


def _check_target(path: Path, overwrite: bool) -> None:

    if path.suffix.lower() != ".xlsx":
        raise RefusedUsage("template-not-xlsx", path=path)
    if path.is_dir():
        raise RefusedUsage("template-is-folder", path=path)
    if path.exists() and not overwrite:
        raise RefusedUsage("template-exists", path=path)
    check_output(path, [], "zh")  # never a link, a device or a folder, even with --force


def _save(workbook: Any, path: Path) -> None:
    """Save in a private folder beside the target, then move into place: a failed or interrupted write never
    leaves half a file (see ``files.replacing``)."""

    with replacing(path, "zh") as temporary:
        workbook.save(temporary)


def display_width(text: str) -> int:
    """Width in Excel units: a CJK or full-width character takes two."""
    return sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in text)


def column_width(field: FieldDef) -> int:
    minimum = NAME_WIDTH if field.id == "unit_name" else MIN_WIDTHS[field.type]
    return max(minimum, min(display_width(field.header) + 2, MAX_HEADER_WIDTH))


def unit_line(fields: Sequence[FieldDef]) -> str:
    """计量单位：人、个 — the units the fields count, as a return's title block states them."""
    units = [UNIT_NAMES[unit] for unit in UNIT_NAMES if any(field.unit == unit for field in fields)]
    return "计量单位：" + ("、".join(units) if units else "人、个")


def _field_comment(catalog: Catalog, field: FieldDef) -> str:
    parts = [field.description or field.header]
    if field.unit:
        parts.append(f"单位：{UNIT_NAMES[field.unit]}")
    if field.part_of:
        parts.append(f"不得大于“{catalog.fields[field.part_of].header}”")
    if field.required:
        parts.append("必填")
    if field.type in ("count", "amount"):
        parts.append("空白表示缺失，确为零的请填 0")
    if field.type == "score":
        parts.append("由评估人员按评分办法打分")
    return "。".join(part.rstrip("。") for part in parts) + "。"


def _number_rule(constraints: dict[str, float]) -> tuple[dict[str, Any], str] | None:
    """Excel data-validation settings and a Chinese description for a field type's constraints; None if none."""
    whole = constraints.get("multiple_of") == 1
    kind = "整数" if whole else "数"
    low = constraints.get("ge", constraints.get("gt"))
    high = constraints.get("le", constraints.get("lt"))
    settings: dict[str, Any] = {"type": "whole" if whole else "decimal"}
    if low is not None and high is not None:
        settings.update(operator="between", formula1=f"{low:g}", formula2=f"{high:g}")
        text = f"{low:g} 至 {high:g} 之间的{kind}"
    elif low is not None:
        strict = "gt" in constraints
        settings.update(operator="greaterThan" if strict else "greaterThanOrEqual", formula1=f"{low:g}")
        text = f"{'大于' if strict else '不小于'} {low:g} 的{kind}"
    elif high is not None:
        strict = "lt" in constraints
        settings.update(operator="lessThan" if strict else "lessThanOrEqual", formula1=f"{high:g}")
        text = f"{'小于' if strict else '不大于'} {high:g} 的{kind}"
    else:
        return None
    return settings, text


def _limit(text: str, size: int = _EXCEL_TEXT_LIMIT) -> str:
    return text if len(text) <= size else text[: size - 1] + "…"


def _data_sheet(
    workbook: Any,
    sheet: Any,
    catalog: Catalog,
    fields: Sequence[FieldDef],
    levels: Sequence[str],
    standard: Standard | None,
    year: int,
    rows: int,
) -> None:
    from openpyxl.comments import Comment
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    sheet.title = DATA_SHEET
    last_row = HEADER_ROW + rows
    width = len(fields)
    last_letter = get_column_letter(width)
    thin = Side(style="thin", color="808080")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)

    title = sheet.cell(row=TITLE_ROW, column=1, value=template_title(catalog, year, levels))
    title.font = Font(bold=True, size=16)
    title.alignment = Alignment(horizontal="center", vertical="center")
    sheet.merge_cells(f"A{TITLE_ROW}:{last_letter}{TITLE_ROW}")
    sheet.row_dimensions[TITLE_ROW].height = 30
    sheet.cell(row=UNIT_ROW, column=1, value="填报单位（盖章）：")
    unit = sheet.cell(row=UNIT_ROW, column=width, value=unit_line(fields))
    unit.alignment = Alignment(horizontal="right")

    header_font = Font(bold=True)
    header_fill = PatternFill(fill_type="solid", start_color="DDEBF7", end_color="DDEBF7")
    header_alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    lines = 1
    for column, field in enumerate(fields, start=1):
        letter = get_column_letter(column)
        cell = sheet.cell(row=HEADER_ROW, column=column, value=field.header)
        cell.font = header_font
        cell.fill = header_fill
        cell.alignment = header_alignment
        cell.border = border
        comment = Comment(_field_comment(catalog, field), "chuangye-metrics")
        comment.width = 260
        comment.height = 110
        cell.comment = comment
        size = column_width(field)
        sheet.column_dimensions[letter].width = size
        lines = max(lines, math.ceil(display_width(field.header) / (size - 2)))
        text = field.type == "code"
        if text:
            sheet.column_dimensions[letter].number_format = "@"
        for row in range(FIRST_DATA_ROW, last_row + 1):
            body = sheet.cell(row=row, column=column)
            body.border = border
            if text:
                body.number_format = "@"
    sheet.row_dimensions[HEADER_ROW].height = 16 * lines + 8

    def columns_of(kinds: Sequence[str]) -> list[str]:
        return [
            f"{get_column_letter(index)}{FIRST_DATA_ROW}:{get_column_letter(index)}{last_row}"
            for index, field in enumerate(fields, start=1)
            if field.type in kinds
        ]

    for kind in (*NUMBER_KINDS, "year"):
        ranges = columns_of([kind])
        if not ranges:
            continue
        number_rule = _number_rule({str(k): v for k, v in catalog.field_types[kind].constraints.items()})
        if number_rule is None:
            continue
        settings, wording = number_rule
        blank = "；不知道的请留空，不要用 0 代替" if kind in NUMBER_KINDS else ""
        rule = DataValidation(
            **settings,
            allow_blank=True,
            showErrorMessage=True,
            errorStyle="stop",
            errorTitle="数值有误" if kind in NUMBER_KINDS else "年份有误",
            error=_limit(f"请填写{wording}{blank}。"),
        )
        for cell_range in ranges:
            rule.add(cell_range)
        sheet.add_data_validation(rule)

    names = [catalog.levels[name].name for name in levels]
    listed = ",".join(names)
    if len(listed) + 2 <= _EXCEL_TEXT_LIMIT and not any("," in name or '"' in name for name in names):
        source = f'"{listed}"'
    else:  # too long or awkward for an inline list: the names go on a hidden sheet
        options = workbook.create_sheet(LISTS_SHEET)
        for row, name in enumerate(names, start=1):
            options.cell(row=row, column=1, value=name)
        options.sheet_state = "hidden"
        source = f"'{LISTS_SHEET}'!$A$1:$A${len(names)}"
    level_rule = DataValidation(
        type="list",
        formula1=source,
        allow_blank=True,
        showErrorMessage=True,
        errorStyle="stop",
        errorTitle="单位层级有误",
        error=_limit("请从下拉列表中选择单位层级：" + "、".join(names)),
        showInputMessage=True,
        promptTitle="单位层级",
        prompt=_limit("从下拉列表中选择：" + "、".join(names)),
    )
    for cell_range in columns_of(["level"]):
        level_rule.add(cell_range)
    sheet.add_data_validation(level_rule)

    prompts = {
        "unit_code": (
            "单位代码",
            f"{sum(catalog.code_segment_widths)} 位统计用区划代码，按文本填写，保留前导零；园区可用任意唯一代码。",
        ),
        "parent_code": ("上级单位代码", "园区必须填写；街道、社区可留空（由区划代码推出）。"),
    }
    for name, accepted in _condition_values(standard, levels).items():
        if name in catalog.fields:
            prompts[name] = (
                catalog.fields[name].header[:32],
                "认定标准按此栏分类，可填：" + "、".join(accepted) + "。其他值不在标准范围内。",
            )
    for column, field in enumerate(fields, start=1):
        if field.id not in prompts:
            continue
        heading, prompt = prompts[field.id]
        hint = DataValidation(allow_blank=True, showInputMessage=True, promptTitle=heading, prompt=_limit(prompt))
        letter = get_column_letter(column)
        hint.add(f"{letter}{FIRST_DATA_ROW}:{letter}{last_row}")
        sheet.add_data_validation(hint)

    sheet.freeze_panes = f"C{FIRST_DATA_ROW}" if width > 2 else f"A{FIRST_DATA_ROW}"
    sheet.print_title_rows = f"{HEADER_ROW}:{HEADER_ROW}"
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True


def _condition_values(standard: Standard | None, levels: Sequence[str]) -> dict[str, list[str]]:
    """Text field -> the values a standard's conditional rule sets for ``levels`` recognise."""
    values: dict[str, list[str]] = {}
    if standard is None:
        return values
    for level in levels:
        for entry in standard.levels.get(level, []):
            if isinstance(entry, RuleSet):
                for name, accepted in entry.when.items():
                    values.setdefault(name, [])
                    values[name] += [item for item in accepted if item not in values[name]]
    return values


def _rule_rows(catalog: Catalog, standard: Standard, level: str) -> list[list[str]]:
    """One row per rule of a level: level, scope, subject, formula, requirement, official or provisional."""
    level_name = catalog.levels[level].name
    rows: list[list[str]] = []
    for entry in standard.entries_for(level):
        if isinstance(entry, RuleSet):
            condition = "；".join(
                f"{catalog.fields[name].header}为 " + "、".join(accepted) for name, accepted in entry.when.items()
            )
            scope = f"{entry.name}（{condition}）" if entry.name else condition
            rules: list[Threshold] = list(entry.rules)
        else:
            scope, rules = "全部", [entry]
        for rule in rules:
            kind = "一票否决" if standard.is_veto(level, rule) else scope
            rows.append([level_name, kind, *_rule_cells(catalog, standard, rule)])
    scoring = standard.scoring.get(level)
    for item in scoring.items if scoring is not None else []:
        rows.append([level_name, f"评分（满分 {scoring.total:g} 分）", *_item_cells(catalog, item)])  # type: ignore[union-attr]
    for grade in scoring.grades if scoring is not None else []:
        rows.append([level_name, "等次", grade.grade, "", grade_terms(grade, "zh"), ""])
    return rows


def _item_cells(catalog: Catalog, item: ScoreItem) -> list[str]:
    """A scored item: what it measures, its formula and how it earns its points (the form is Chinese)."""
    if item.score_field is not None:
        field = catalog.fields[item.score_field]
        return [item.name or field.header, f"本表“{field.header}”栏，由评估组打分", f"满分 {item.points:g} 分", ""]
    if item.indicator is not None:
        indicator = catalog.indicators[item.indicator]
        subject, formula = indicator.name, formula_text(indicator, catalog)
    else:
        field = catalog.fields[item.field or ""]
        subject, formula = field.header, f"本表“{field.header}”栏"
    if item.window is not None:
        formula += f"（{window_words(item.window, 'zh')}）"
    status = "暂定" if item.provisional else ""
    return [item.name or subject, formula, f"满分 {item.points:g} 分：{item_scheme(item, catalog, 'zh')}", status]


def _rule_cells(catalog: Catalog, standard: Standard, rule: Threshold) -> list[str]:
    sign = symbol(rule.op)
    if rule.indicator is not None:
        indicator = catalog.indicators[rule.indicator]
        formula = formula_text(indicator, catalog)
        subject = indicator.name
        requirement = f"{sign} {format_measure(rule.value, indicator.unit)}"
    else:
        field = catalog.fields[rule.field or ""]
        subject = field.header
        formula = f"本表“{field.header}”栏"
        requirement = f"{sign} {rule.value:g}" + (f" {UNIT_NAMES[field.unit]}" if field.unit else "")
    if rule.window is not None:
        requirement += f"（{window_words(rule.window, 'zh')}）"
    status = "暂定值" if standard.is_provisional(rule) else "正式"
    return [subject, formula, requirement, status + (f"：{rule.note}" if rule.note else "")]


def _general_notes(catalog: Catalog, fields: Sequence[FieldDef], levels: Sequence[str], year: int) -> list[str]:
    present = {field.id for field in fields}
    parts = [
        f"“{field.header}”≤“{catalog.fields[field.part_of].header}”"
        for field in fields
        if field.part_of and field.part_of in present
    ]
    widths = "、".join(str(width) for width in catalog.code_segment_widths)
    total = sum(catalog.code_segment_widths)
    year_note = (
        f"统计年度填在“统计年度”栏；空白时按 {year} 年计。"
        if "year" in present
        else f"统计年度为 {year} 年（见表名），不另设栏目。"
    )
    notes = [
        f"本表每个单位填一行，从“{DATA_SHEET}”第 {FIRST_DATA_ROW} 行起填写；不要修改、删除表头，不要合并单元格。",
        year_note,
        "空白表示缺失，不按零计：确实为零的请填 0，不知道的请留空，不要用 0 代替。",
        "人数、个数只填数字（非负整数），不带单位，不填文字。",
        f"单位代码填 {total} 位统计用区划代码（{widths} 位分段：省、市、县、乡镇街道、村社区），"
        "按文本填写，保留前导零；园区可用任意唯一代码。",
        "上级单位代码：街道（乡镇）、社区（村）可留空，由区划代码推出；园区必须填写上级单位代码。",
        "单位层级从下拉列表中选择：" + "、".join(catalog.levels[name].name for name in levels) + "。",
    ]
    if len([name for name in levels if catalog.levels[name].territorial]) > 1:
        notes.append("上级单位各项人数、个数不得小于其下属单位之和；可在最后加一行“合计”。")
    if parts:
        notes.append("其中项不得大于总数：" + "，".join(parts) + "。")
    return notes


def _notes_sheet(
    sheet: Any,
    catalog: Catalog,
    fields: Sequence[FieldDef],
    levels: Sequence[str],
    standard: Standard | None,
    year: int,
    rows: int,
) -> None:
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    bold = Font(bold=True)
    wrap = Alignment(wrap_text=True, vertical="top")
    row = 1

    def line(*values: str, font: Any = None, wrapped: bool = False) -> None:
        nonlocal row
        for column, value in enumerate(values, start=1):
            cell = sheet.cell(row=row, column=column, value=value)
            if font is not None:
                cell.font = font
            if wrapped:
                cell.alignment = wrap
        row += 1

    line(NOTES_SHEET, font=Font(bold=True, size=14))
    line(f"{template_title(catalog, year, levels)}（“{DATA_SHEET}”工作表，预留 {rows} 行）")
    row += 1
    line("一、一般说明", font=bold)
    for number, note in enumerate(_general_notes(catalog, fields, levels, year), start=1):
        line(f"{number}. {note}")
    row += 1
    line("二、栏目说明", font=bold)
    line("列", "表头", "字段代码", "类型", "计量单位", "是否必填", "说明", font=bold)
    for column, field in enumerate(fields, start=1):
        required = "园区必填" if field.id == "parent_code" else ("是" if field.required else "否")
        description = field.description or catalog.field_types[field.type].description
        if field.part_of:
            description += f"；不得大于“{catalog.fields[field.part_of].header}”"
        line(
            get_column_letter(column),
            field.header,
            field.id,
            TYPE_NAMES.get(field.type, field.type),
            UNIT_NAMES.get(field.unit or "", ""),
            required,
            description,
            wrapped=True,
        )
    if standard is not None:
        row += 1
        line("三、认定标准", font=bold)
        line("标准代码", standard.id)
        line("标准名称", standard.name)
        line("依据", standard.source)
        status = "暂定（部分门槛为暂定值，不是官方数值）" if standard.status == "provisional" else "正式"
        line("状态", status)
        if standard.note:
            line("说明", standard.note)
        targets = [
            f"{catalog.levels[name].name} {standard.coverage[name]:g}%" for name in levels if name in standard.coverage
        ]
        if targets:
            line("覆盖目标", "达标单位占比：" + "，".join(targets))
        row += 1
        line("层级", "适用范围", "指标或项目", "计算方法", "要求", "门槛状态", font=bold)
        for level in levels:
            for cells in _rule_rows(catalog, standard, level):
                line(*cells, wrapped=True)
    for letter, size in zip("ABCDEFG", (12, 24, 24, 20, 14, 14, 60), strict=True):
        sheet.column_dimensions[letter].width = size
