"""No number lost: the cells of returns as street offices fill them in, each read exactly or named by a finding."""

from __future__ import annotations

import datetime
import json
from pathlib import Path
from typing import Any

from openpyxl import Workbook

HEADERS = [
    "序号",
    "单位代码",
    "单位名称",
    "单位层级",
    "上级单位代码",
    "劳动年龄人口数",
    "创业人员实有数",
    "当年新增创业人数",
]
COUNTY = "320115000000"
STREET = "320115001000"


def serial_return(path: Path, rows: list[list[Any]], title: str | None = "2016年度创业型城市建设情况统计表") -> Path:
    """A return with a 序号 column before the data (as most printed returns have), a title and a 合计 row."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "统计表"
    if title:
        sheet.append([title])
    sheet.append(HEADERS)
    for number, row in enumerate(rows, start=1):
        sheet.append([number, *row])
    workbook.save(path)
    return path


def computed(cli: Any, path: Path, *options: str) -> tuple[int, dict[str, dict[str, Any]], list[dict[str, Any]]]:
    result = cli("compute", path, "--format", "json", "--no-cache", *options)
    if not result.stdout:
        return result.exit_code, {}, []
    document = json.loads(result.stdout)
    return result.exit_code, {unit["unit_code"]: unit for unit in document["units"]}, document["findings"]


def located(findings: list[dict[str, Any]]) -> set[tuple[str, str, int, str, str, str]]:
    """The findings that name one cell."""
    return {
        (f["code"], f["sheet"], f["row"], f["column"], f["field"], f["value"])
        for f in findings
        if f["row"] and f["column"] and f["value"] is not None
    }


def refuse(text: str) -> None:
    raise ValueError(f"not JSON: {text}")


def test_counts_typed_as_text_beside_a_serial_column(cli: Any, tmp_path: Path) -> None:
    # the old reader matched refused cells to columns by their place among the read ones: with 序号 in column A
    # every count typed as text came out blank, without a word
    rows = [
        [STREET, "东山街道", "街道", COUNTY, "12,458", "1,020", "120"],
        [f"{STREET[:9]}001", "佘村社区", "社区", STREET, "5,000", "400", "40"],
        [f"{STREET[:9]}002", "龙都社区", "社区", STREET, 7458, "620", "８０"],
    ]
    path = serial_return(tmp_path / "serial.xlsx", rows)
    code, units, findings = computed(cli, path)
    assert code == 0, findings
    assert [f for f in findings if f["severity"] == "error"] == []
    street = units[STREET]["fields"]
    assert (street["labour_force"], street["entrepreneurs"], street["new_entrepreneurs"]) == (12458, 1020, 120)
    assert units["320115001001"]["fields"]["labour_force"] == 5000
    assert units["320115001002"]["fields"]["new_entrepreneurs"] == 80
    # the county is derived from its street: 120 ÷ 12,458 × 100
    county = units[COUNTY]
    assert county["derived"] is True
    assert county["indicators"]["participation_rate"]["numerator"] == 120
    assert county["indicators"]["participation_rate"]["denominator"] == 12458


def test_counts_with_their_unit(cli: Any, tmp_path: Path) -> None:
    rows = [
        [STREET, "东山街道", "街道", COUNTY, "52,000人", "2900人", "1,234 人"],
        [f"{STREET[:9]}001", "佘村社区", "社区", STREET, "１２０００ 人", "12个", "5户"],
    ]
    path = serial_return(tmp_path / "units.xlsx", rows)
    code, units, findings = computed(cli, path, "--keep-going")
    assert code == 1
    street = units[STREET]["fields"]
    assert (street["labour_force"], street["entrepreneurs"], street["new_entrepreneurs"]) == (52000, 2900, 1234)
    community = units["320115001001"]["fields"]
    assert (community["labour_force"], community["entrepreneurs"]) == (12000, 12)
    # 户 counts households, not people: refused, with its cell
    assert community["new_entrepreneurs"] is None
    assert located(findings) == {("not-a-number", "统计表", 4, "H", "new_entrepreneurs", "5户")}


def test_cells_that_are_not_counts_are_named(cli: Any, tmp_path: Path) -> None:
    rows = [
        [STREET, "东山街道", "街道", COUNTY, True, "#DIV/0!", "NaN"],
        [f"{STREET[:9]}001", "佘村社区", "社区", STREET, 1e308, "#N/A", datetime.date(2016, 3, 1)],
        [f"{STREET[:9]}002", "龙都社区", "社区", STREET, "inf", 15, 10],
    ]
    path = serial_return(tmp_path / "odd.xlsx", rows)
    result = cli("compute", path, "--format", "json", "--no-cache", "--keep-going")
    assert result.exit_code == 1
    document = json.loads(result.stdout, parse_constant=refuse)  # strict JSON: no bare Infinity or NaN
    units = {unit["unit_code"]: unit for unit in document["units"]}
    assert units[STREET]["fields"]["labour_force"] is None
    assert units["320115001001"]["fields"]["labour_force"] is None
    assert units["320115001002"]["fields"]["labour_force"] is None
    assert units["320115001002"]["fields"]["entrepreneurs"] == 15
    found = located(document["findings"])
    assert found == {
        ("boolean-cell", "统计表", 3, "F", "labour_force", "TRUE"),
        ("error-cell", "统计表", 3, "G", "entrepreneurs", "#DIV/0!"),
        ("not-a-number", "统计表", 3, "H", "new_entrepreneurs", "NaN"),
        ("constraint-le", "统计表", 4, "F", "labour_force", "1e+308"),
        ("error-cell", "统计表", 4, "G", "entrepreneurs", "#N/A"),
        ("date-cell", "统计表", 4, "H", "new_entrepreneurs", "2016-03-01 00:00:00"),
        ("not-a-number", "统计表", 5, "F", "labour_force", "inf"),
    }
    # the county is derived from a street whose counts are missing: missing too, never a partial sum
    assert units[COUNTY]["fields"]["labour_force"] is None


def test_validate_names_every_odd_cell_and_exits_1(cli: Any, tmp_path: Path) -> None:
    rows = [[STREET, "东山街道", "街道", COUNTY, "2900人", True, "#N/A"]]
    path = serial_return(tmp_path / "odd.xlsx", rows)
    result = cli("validate", path, "--format", "json", "--no-cache")
    assert result.exit_code == 1
    codes = {(f["code"], f["column"]) for f in json.loads(result.stdout)["findings"] if f["severity"] == "error"}
    assert codes == {("boolean-cell", "G"), ("error-cell", "H")}


def test_a_dash_is_missing_and_said_so(cli: Any, tmp_path: Path) -> None:
    rows = [[STREET, "东山街道", "街道", COUNTY, "—", 300, "-"]]
    path = serial_return(tmp_path / "dash.xlsx", rows)
    code, units, findings = computed(cli, path)
    assert code == 0
    assert units[STREET]["fields"]["labour_force"] is None
    assert units[STREET]["fields"]["entrepreneurs"] == 300
    assert {(f["code"], f["severity"], f["column"], f["value"]) for f in findings if f["row"] == 3} == {
        ("not-applicable", "warning", "F", "—"),
        ("not-applicable", "warning", "H", "-"),
    }


def test_level_names_as_written_on_the_ground(cli: Any, tmp_path: Path) -> None:
    names = ["街道办事处", "社区居委会", "居民委员会", "村民委员会", "村委会", "行政村"]
    rows = [[STREET, "东山街道", names[0], COUNTY, 1000, 60, 6]]
    rows += [[f"{STREET[:9]}{i:03d}", f"单位{i}", name, STREET, 100, 10, 1] for i, name in enumerate(names[1:], 1)]
    code, units, findings = computed(cli, serial_return(tmp_path / "levels.xlsx", rows))
    assert code == 0, findings
    assert units[STREET]["level"] == "street"
    assert [units[f"{STREET[:9]}{i:03d}"]["level"] for i in range(1, 6)] == ["community"] * 5


def test_an_unknown_level_gets_a_suggestion(cli: Any, tmp_path: Path) -> None:
    rows = [
        [STREET, "东山街道", "街道", COUNTY, 1000, 10, 1],
        [f"{STREET[:9]}001", "佘村", "佘村村民小组", STREET, 100, 10, 1],
    ]
    path = serial_return(tmp_path / "level.xlsx", rows)
    result = cli("validate", path, "--no-cache")
    assert result.exit_code == 1
    assert "无法识别的单位层级“佘村村民小组”" in result.stdout
    assert "是否应为“社区/村”" in result.stdout
    result = cli("validate", path, "--no-cache", "--lang", "en")
    assert 'did you mean "community/village"?' in result.stdout


# --- --keep-going: a cell in error counts nowhere; a row of unknown level stays in the output ---------------

KEEP_GOING_HEADERS = [
    "单位代码",
    "单位名称",
    "单位层级",
    "上级单位代码",
    "劳动年龄人口数",
    "参加创业培训人数",
    "创业培训合格人数",
]


def keep_going_return(path: Path) -> Path:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "统计表"
    sheet.append(KEEP_GOING_HEADERS)
    sheet.append(["320115001001", "竹山社区", "社区", None, 5000, 120, 130])  # 130 certified of 120 trained
    sheet.append(["320115001002", "佘村社区", "社区", None, 6000, 100, 90])
    sheet.append(["320115002001", "龙都村", "星系", None, 7000, 50, 40])  # its code says community
    sheet.append(["X1", "创业点", "星系", "320115002000", 100, 5, 4])  # nothing says what it is
    sheet.append(["320115002002", "石马村", "村", None, 3000, 10, 8])
    workbook.save(path)
    return path


def test_keep_going_counts_a_part_above_its_whole_nowhere(cli: Any, tmp_path: Path) -> None:
    code, units, _findings = computed(cli, keep_going_return(tmp_path / "kg.xlsx"), "--keep-going")
    assert code == 1
    community = units["320115001001"]
    assert community["errors"] == ["part-exceeds-whole"]
    assert community["fields"]["trainees_certified"] is None  # not 130
    assert community["fields"]["trainees"] == 120
    assert community["indicators"]["training_pass_rate"]["value"] is None  # not 108.3 %
    street = units["320115001000"]
    assert street["derived"] is True
    assert street["fields"]["labour_force"] == 11000  # 5,000 + 6,000
    assert street["fields"]["trainees"] == 220
    assert street["fields"]["trainees_certified"] is None  # a child's is missing: missing, not 90
    assert street["indicators"]["training_pass_rate"]["value"] is None


def test_keep_going_keeps_a_row_of_unknown_level(cli: Any, tmp_path: Path) -> None:
    code, units, findings = computed(cli, keep_going_return(tmp_path / "kg.xlsx"), "--keep-going")
    assert code == 1
    # the division code says community: placed, and summed into its street with its neighbour
    placed = units["320115002001"]
    assert (placed["level"], placed["errors"]) == ("community", ["unknown-level"])
    assert placed["indicators"]["training_pass_rate"]["value"] == 80.0
    # no level to be had: listed as written, with its error, and summed into nothing
    unplaced = units["X1"]
    assert (unplaced["level"], unplaced["errors"], unplaced["row"]) == ("星系", ["unknown-level"], 5)
    assert unplaced["fields"]["labour_force"] == 100
    # the street it would have fed is derived from its children: missing, and said so
    street = units["320115002000"]
    assert street["derived"] is True
    assert street["fields"]["labour_force"] is None  # not 7,000 + 3,000 = 10,000 without the unit left out
    left_out = [f for f in findings if f["code"] == "left-out-of-sums"]
    assert [(f["row"], f["severity"], f["value"]) for f in left_out] == [(5, "warning", "星系")]
    assert "320115002000" in left_out[0]["message"]
    # and the county above is missing too, by the same rule
    assert units["320115000000"]["fields"]["labour_force"] is None


def test_explain_works_on_every_row_in_the_output(cli: Any, tmp_path: Path) -> None:
    path = keep_going_return(tmp_path / "kg.xlsx")
    result = cli("explain", path, "--unit", "X1")
    assert "X1" in result.stdout and "创业点" in result.stdout
    result = cli("explain", path, "--unit", "320115001001")
    assert "130" not in result.stdout.split("创业培训合格人数", 1)[1].splitlines()[0]
    assert "空白" in result.stdout


# --- one year per row, decided once ----------------------------------------------------------------------


def year_return(path: Path, title: str | None, rows: list[list[Any]], year_column: bool) -> Path:
    workbook = Workbook()
    sheet = workbook.active
    if title:
        sheet.append([title])
    headers = ["单位代码", "单位名称", "单位层级", "劳动年龄人口数", "当年新增创业人数"]
    sheet.append([*headers, "统计年度"] if year_column else headers)
    for row in rows:
        sheet.append(row)
    workbook.save(path)
    return path


def test_a_title_that_disagrees_with_the_year_column_is_said(cli: Any, tmp_path: Path) -> None:
    rows = [[STREET, "东山街道", "街道", 52000, 420, 2017], [f"{STREET[:9]}001", "竹山社区", "社区", 20000, 150, 2017]]
    path = year_return(tmp_path / "y.xlsx", "2016年度创业型城市建设情况统计表", rows, year_column=True)
    code, units, findings = computed(cli, path)
    assert code == 0
    assert {unit["year"] for unit in units.values()} == {2017}  # one return of 2017, not a comparison of two years
    (said,) = [f for f in findings if f["code"] == "title-year-disagrees"]
    assert (said["severity"], said["row"], said["column"]) == ("warning", 3, "F")
    assert "2016" in said["message"] and "2017" in said["message"]


def test_a_year_option_that_disagrees_with_the_title_is_said(cli: Any, tmp_path: Path) -> None:
    rows = [[STREET, "东山街道", "街道", 52000, 420]]
    path = year_return(tmp_path / "y.xlsx", "2017年度创业型城市建设情况统计表", rows, year_column=False)
    result = cli("compute", path, "--format", "json", "--year", "2016", "--no-cache")
    # the title decides the rows' year; --year 2016 then keeps none of them, and both are named
    assert result.exit_code == 1
    assert "标题写的是 2017 年度" in result.stderr and "--year 为 2016" in result.stderr
    assert "没有统计年度为 2016 的数据行" in result.stderr


def test_a_file_without_a_year_beside_one_with_a_year(cli: Any, tmp_path: Path) -> None:
    first = year_return(
        tmp_path / "a.xlsx", "2016年度创业型城市建设情况统计表", [[STREET, "东山街道", "街道", 84600, 420]], False
    )
    second = tmp_path / "b.csv"
    second.write_text(
        "单位代码,单位名称,单位层级,劳动年龄人口数,当年新增创业人数\n320115002000,淳化街道,街道,22200,180\n",
        encoding="gb18030",
    )
    result = cli("compute", first, second, "--format", "json", "--no-cache")
    assert result.exit_code == 1
    assert "b.csv" in result.stderr and "--year" in result.stderr
    result = cli("compute", first, second, "--format", "json", "--year", "2016", "--no-cache")
    assert result.exit_code == 0, result.stderr
    units = {unit["unit_code"]: unit for unit in json.loads(result.stdout)["units"]}
    assert {unit["year"] for unit in units.values()} == {2016}
    assert units[COUNTY]["fields"]["labour_force"] == 106800  # 84,600 + 22,200: no street left out
    assert units[COUNTY]["fields"]["new_entrepreneurs"] == 600


def test_a_row_without_a_year_among_rows_with_one(cli: Any, tmp_path: Path) -> None:
    rows = [[STREET, "东山街道", "街道", 52000, 420, 2016], [f"{STREET[:9]}001", "竹山社区", "社区", 20000, 150, None]]
    path = year_return(tmp_path / "y.xlsx", None, rows, year_column=True)
    result = cli("validate", path, "--format", "json", "--no-cache")
    assert result.exit_code == 1
    errors = [
        (f["code"], f["row"], f["column"]) for f in json.loads(result.stdout)["findings"] if f["severity"] == "error"
    ]
    assert errors == [("missing-year", 3, "F")]


def test_columns_kept_for_people_are_passed_over_quietly(cli: Any, tmp_path: Path) -> None:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["序号", "单位代码", "单位名称", "单位层级", "劳动年龄人口数", "备注", "当年新增创业人数", "其他情况"])
    sheet.append([1, STREET, "东山街道", "街道", 52000, "含外来人口", 420, "无"])
    path = tmp_path / "people.xlsx"
    workbook.save(path)
    code, units, findings = computed(cli, path)
    assert code == 0
    assert units[STREET]["fields"]["new_entrepreneurs"] == 420
    assert [(f["code"], f["column"]) for f in findings if f["code"] == "unknown-header"] == [("unknown-header", "H")]


def test_check_and_explain_read_the_serial_return_right(cli: Any, tmp_path: Path) -> None:
    rows = [
        [STREET, "东山街道", "街道", COUNTY, "12,458人", "1,020", "120人"],
        [f"{STREET[:9]}001", "佘村社区", "社区居委会", STREET, "5,000", "400", "40"],
    ]
    path = serial_return(tmp_path / "serial.xlsx", rows)
    result = cli("check", path, "--standard", "jiangsu-2016", "--format", "json", "--no-cache", "--fail-on", "never")
    assert result.exit_code == 0, result.stderr
    units = {unit["unit_code"]: unit for unit in json.loads(result.stdout)["units"]}
    (participation,) = [
        check for check in units[STREET]["assessment"]["checks"] if check["indicator"] == "participation_rate"
    ]
    assert participation["value"] == 120 / 12458 * 100
    result = cli("explain", path, "--unit", STREET)
    assert result.exit_code == 0, result.stderr
    assert "120 ÷ 12,458 × 100 = 1.0%" in result.stdout or "120 ÷ 12458 × 100 = 1.0%" in result.stdout


def test_a_code_row_below_a_row_of_unmapped_sub_headers_is_not_a_unit(cli: Any, tmp_path: Path) -> None:
    # found by the layout property test: the row of 联系电话 under the header was taken as the first data row,
    # and the code row after it (甲 乙 丙 …) became a unit
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["单位代码", "单位名称", "单位层级", "劳动年龄人口数", "备注"])
    sheet.append([None, None, None, None, "联系电话"])
    sheet.append(["甲", "乙", "丙", "1", "丁"])
    sheet.append([STREET, "东山街道", "街道", 52000, None])
    path = tmp_path / "code-row.xlsx"
    workbook.save(path)
    code, units, findings = computed(cli, path)
    assert code == 0, findings
    assert sorted(units) == [COUNTY, STREET]
    assert units[STREET]["row"] == 4
