"""Returns as bureaus send them, built by the tests: title block, two-row header, codes, totals, footer."""

from __future__ import annotations

import csv
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# One small county, 2016: counts chosen so that the hierarchy adds up.
UNITS: list[dict[str, Any]] = [
    {
        "unit_code": "320115001000",
        "unit_name": "东山街道",
        "level": "街道",
        "parent_code": None,
        "labour_force": 52000,
        "entrepreneurs": 3860,
        "new_entrepreneurs": 420,
        "startup_entities": 265,
        "startup_jobs": 2730,
        "new_urban_jobs": 6400,
        "trainees": 380,
        "trainees_certified": 352,
        "trainees_started": 186,
        "cohort_births": 240,
        "cohort_survivors": 171,
        "graduate_entrepreneurs": 96,
        "eligible_applicants": 310,
        "supported_applicants": 297,
        "survey_respondents": 400,
        "survey_satisfied": 366,
    },
    {
        "unit_code": "320115001001",
        "unit_name": "竹山社区",
        "level": "社区",
        "parent_code": None,
        "labour_force": 12400,
        "entrepreneurs": 910,
        "new_entrepreneurs": 102,
        "startup_entities": 61,
        "startup_jobs": 640,
        "new_urban_jobs": 1480,
        "trainees": 88,
        "trainees_certified": 81,
        "trainees_started": 44,
        "cohort_births": 57,
        "cohort_survivors": 41,
        "graduate_entrepreneurs": 23,
        "eligible_applicants": 74,
        "supported_applicants": 70,
        "survey_respondents": 100,
        "survey_satisfied": 93,
    },
    {
        "unit_code": "320115001202",
        "unit_name": "佘村",
        "level": "村",
        "parent_code": None,
        "labour_force": 6900,
        "entrepreneurs": 430,
        "new_entrepreneurs": 41,
        "startup_entities": 28,
        "startup_jobs": 212,
        "new_urban_jobs": 560,
        "trainees": 36,
        "trainees_certified": 33,
        "trainees_started": 18,
        "cohort_births": 25,
        "cohort_survivors": 19,
        "graduate_entrepreneurs": 6,
        "eligible_applicants": 30,
        "supported_applicants": 27,
        "survey_respondents": None,
        "survey_satisfied": None,
    },
    {
        "unit_code": "320115002000",
        "unit_name": "秣陵街道",
        "level": "街道",
        "parent_code": None,
        "labour_force": 41000,
        "entrepreneurs": 2900,
        "new_entrepreneurs": 310,
        "startup_entities": 190,
        "startup_jobs": 2050,
        "new_urban_jobs": 5100,
        "trainees": 260,
        "trainees_certified": 240,
        "trainees_started": 120,
        "cohort_births": 180,
        "cohort_survivors": 126,
        "graduate_entrepreneurs": 70,
        "eligible_applicants": 230,
        "supported_applicants": 220,
        "survey_respondents": 300,
        "survey_satisfied": 270,
    },
    {
        "unit_code": "P320115001",
        "unit_name": "江宁开发区创业园",
        "level": "园区",
        "parent_code": "320115000000",
        "labour_force": None,
        "entrepreneurs": 185,
        "new_entrepreneurs": 64,
        "startup_entities": 58,
        "startup_jobs": 512,
        "new_urban_jobs": 690,
        "trainees": 70,
        "trainees_certified": 66,
        "trainees_started": 39,
        "cohort_births": 40,
        "cohort_survivors": 31,
        "graduate_entrepreneurs": 28,
        "eligible_applicants": 60,
        "supported_applicants": 59,
        "survey_respondents": 90,
        "survey_satisfied": 84,
    },
]

# Header of the real layout: (field, top text, bottom text); a group label stands over several columns.
HEADER: list[tuple[str, str | None, str | None]] = [
    ("unit_code", "单 位 代 码", None),
    ("unit_name", "单位名称", None),
    ("level", "单位\n层级", None),
    ("parent_code", "上级单位代码", None),
    ("labour_force", "劳动年龄\n人口数（人）", None),
    ("entrepreneurs", "创业情况", "创业人员实有数(人)"),
    ("new_entrepreneurs", None, "当年新增创业人数（人）"),
    ("startup_entities", None, "当年新创办创业实体数（个）"),
    ("startup_jobs", None, "创业带动就业人数（人）"),
    ("new_urban_jobs", "城镇新增就业人数", None),
    ("trainees", "创业培训", "参加创业培训人数"),
    ("trainees_certified", None, "创业培训合格人数"),
    ("trainees_started", None, "培训后成功创业人数"),
    ("cohort_births", "三年前新创办创业实体数", None),
    ("cohort_survivors", "三年前新创办实体存活数", None),
    ("graduate_entrepreneurs", "大学生创业人数", None),
    ("eligible_applicants", "符合扶持政策条件人数", None),
    ("supported_applicants", "享受扶持政策人数", None),
    ("survey_respondents", "满意度调查有效样本数", None),
    ("survey_satisfied", "满意度调查满意人数", None),
]
FIELDS = [name for name, _, _ in HEADER]
COLUMN = {name: chr(ord("A") + index) for index, name in enumerate(FIELDS)}
COUNTS = FIELDS[4:]

TRADITIONAL = {
    "单 位 代 码": "單 位 代 碼",
    "单位名称": "單位名稱",
    "单位\n层级": "單位\n層級",
    "上级单位代码": "上級單位代碼",
    "劳动年龄\n人口数（人）": "勞動年齡\n人口數（人）",
    "创业情况": "創業情況",
    "创业人员实有数(人)": "創業人員實有數(人)",
    "当年新增创业人数（人）": "當年新增創業人數（人）",
    "当年新创办创业实体数（个）": "當年新創辦創業實體數（個）",
    "创业带动就业人数（人）": "創業帶動就業人數（人）",
    "城镇新增就业人数": "城鎮新增就業人數",
    "创业培训": "創業培訓",
    "参加创业培训人数": "參加創業培訓人數",
    "创业培训合格人数": "創業培訓合格人數",
    "培训后成功创业人数": "培訓後成功創業人數",
    "三年前新创办创业实体数": "三年前新創辦創業實體數",
    "三年前新创办实体存活数": "三年前新創辦實體存活數",
    "大学生创业人数": "大學生創業人數",
    "符合扶持政策条件人数": "符合扶持政策條件人數",
    "享受扶持政策人数": "享受扶持政策人數",
    "满意度调查有效样本数": "滿意度調查有效樣本數",
    "满意度调查满意人数": "滿意度調查滿意人數",
    "东山街道": "東山街道",
    "竹山社区": "竹山社區",
    "佘村": "佘村",
    "秣陵街道": "秣陵街道",
    "江宁开发区创业园": "江寧開發區創業園",
    "街道": "街道",
    "社区": "社區",
    "村": "村",
    "园区": "園區",
    "合计": "合計",
    "2016年度创业型城市建设情况统计表": "2016年度創業型城市建設情況統計表",
}


@dataclass
class Grid:
    """The cells of one sheet, row by row (None = empty), and the merged ranges (0-based, inclusive)."""

    rows: list[list[Any]]
    merges: list[tuple[int, int, int, int]] = field(default_factory=list)


def total_row(units: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """合计 of the county as the bureau adds it up: its streets (communities are inside them), no parks."""
    streets = [unit for unit in units if unit["level"] == "街道"]
    row: dict[str, Any] = {"unit_code": None, "unit_name": "合计", "level": None, "parent_code": None}
    for name in COUNTS:
        values = [unit[name] for unit in streets]
        row[name] = None if any(value is None for value in values) else sum(values)
    return row


def real_layout(
    units: Sequence[dict[str, Any]] = UNITS,
    *,
    total: str | None = "first",
    code_row: bool = True,
    footer: bool = True,
    title: str = "2016年度创业型城市建设情况统计表",
    traditional: bool = False,
    total_values: dict[str, Any] | None = None,
) -> Grid:
    """Title block (3 rows), two-row header with merged cells, code row, 合计 row, units, footer."""
    width = len(HEADER)
    tr = (lambda text: TRADITIONAL.get(text, text)) if traditional else (lambda text: text)
    rows: list[list[Any]] = [
        [tr(title)] + [None] * (width - 1),
        ["表号：人社创01表"] + [None] * 9 + ["制定机关：江苏省人力资源和社会保障厅"] + [None] * (width - 11),
        ["填报单位：南京市江宁区人力资源和社会保障局"] + [None] * 9 + ["计量单位：人、个"] + [None] * (width - 11),
        [tr(top) if top else None for _, top, _ in HEADER],
        [tr(bottom) if bottom else None for _, _, bottom in HEADER],
    ]
    merges = [(0, 0, 0, width - 1)]
    for index, (_, top, bottom) in enumerate(HEADER):
        if top and not bottom:
            merges.append((3, index, 4, index))
    merges += [(3, 5, 3, 8), (3, 10, 3, 12)]
    if code_row:
        rows.append(["甲", "乙", "丙", "丁", *range(1, width - 3)])
    body = [[_cell(unit, name, tr) for name in FIELDS] for unit in units]
    if total is not None:
        totals = {**total_row(units), **(total_values or {})}
        line = [_cell(totals, name, tr) for name in FIELDS]
        body = [line, *body] if total == "first" else [*body, line]
    rows += body
    if footer:
        rows.append([None] * width)
        rows.append(
            [
                "单位负责人：张三",
                None,
                None,
                None,
                "统计负责人：李四",
                None,
                None,
                None,
                "填表人：王五",
                None,
                None,
                None,
                "报出日期：2017年1月15日",
            ]
            + [None] * (width - 13)
        )
    return Grid(rows=rows, merges=merges)


def _cell(unit: dict[str, Any], name: str, tr: Any) -> Any:
    value = unit.get(name)
    translated = isinstance(value, str) and (name == "level" or value == "合计")
    return tr(value) if translated else value


def write_xlsx(grid: Grid, path: Path, sheet: str = "创业统计", before: Sequence[str] = ("填表说明",)) -> Path:
    from openpyxl import Workbook

    workbook = Workbook()
    first = workbook.active
    for name in before:
        instructions = workbook.create_sheet(name, 0) if first is None else first
        instructions.title = name
        instructions.append(["填表说明"])
        instructions.append(["1. 本表由街道（乡镇）、社区（村）和园区填报。"])
        instructions.append(["2. 人数按年末实有数填报，空白表示未统计。"])
        first = None
    data = workbook.create_sheet(sheet) if first is None else first
    data.title = sheet
    for row in grid.rows:
        data.append(row)
    for top, left, bottom, right in grid.merges:
        data.merge_cells(start_row=top + 1, start_column=left + 1, end_row=bottom + 1, end_column=right + 1)
    workbook.save(path)
    return path


def write_xls(grid: Grid, path: Path, sheet: str = "创业统计") -> Path:
    import xlwt

    book = xlwt.Workbook(encoding="utf-8")
    instructions = book.add_sheet("填表说明")
    instructions.write(0, 0, "填表说明")
    data = book.add_sheet(sheet)
    merged = {(top, left) for top, left, _, _ in grid.merges}
    for top, left, bottom, right in grid.merges:
        data.write_merge(top, bottom, left, right, grid.rows[top][left])
    for row_index, row in enumerate(grid.rows):
        for column_index, value in enumerate(row):
            if value is not None and (row_index, column_index) not in merged:
                data.write(row_index, column_index, value)
    book.save(str(path))
    return path


def write_ods(grid: Grid, path: Path, sheet: str = "创业统计") -> Path:
    import pandas as pd

    frame = pd.DataFrame(grid.rows, dtype=object)
    with pd.ExcelWriter(path, engine="odf") as writer:
        pd.DataFrame([["填表说明"]]).to_excel(writer, sheet_name="填表说明", header=False, index=False)
        frame.to_excel(writer, sheet_name=sheet, header=False, index=False)
    return path


def write_csv(grid: Grid, path: Path, encoding: str = "gb18030") -> Path:
    with path.open("w", encoding=encoding, newline="") as stream:
        writer = csv.writer(stream)
        for row in grid.rows:
            writer.writerow(["" if value is None else value for value in row])
    return path
