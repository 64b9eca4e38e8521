"""`chuangye template`: the blank return, filled in and read back by validate, compute and check."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from chuangye_metrics.config.catalog import Catalog
from chuangye_metrics.outputs.template import write_template
from chuangye_metrics.reading.reader import read_return
from chuangye_metrics.standards.library import load_standard
from tests.conftest import CANONICAL_HEADERS, sha256
from tests.test_compute import STREET as COMPUTE_STREET

IDENTITY = ["单位代码", "单位名称", "单位层级", "上级单位代码"]
# Every core count field, in the order of fields.yaml: the columns of the template without --standard.
CORE_COUNTS = [
    "劳动年龄人口数",
    "创业人员实有数",
    "当年新增创业人数",
    "当年新创办创业实体数",
    "创业带动就业人数",
    "城镇新增就业人数",
    "参加创业培训人数",
    "创业培训合格人数",
    "培训后成功创业人数",
    "三年前新创办创业实体数",
    "三年前新创办实体存活数",
    "大学生创业人数",
    "符合扶持政策条件人数",
    "享受扶持政策人数",
    "满意度调查有效样本数",
    "满意度调查满意人数",
]
ALL_LEVEL_NAMES = ["省", "市", "县(市、区)", "街道/乡镇", "社区/村", "园区"]

# A street and two of its communities, as a street office would fill them in: the street's counts are at
# least the sums of its communities' (8000 + 6500 <= 52000, 64 + 65 <= 420, ...), every part at most its whole.
STREET = {
    name: value
    for name, value in COMPUTE_STREET.items()
    if name not in ("year", "active_entities", "active_entities_base", "active_entity_years", "incubated_entities")
} | {"level": "街道/乡镇"}
COMMUNITY_1 = {
    "unit_code": "320115001001",
    "unit_name": "东山社区",
    "level": "社区/村",
    "labour_force": 8000,
    "entrepreneurs": 600,
    "new_entrepreneurs": 64,
    "startup_entities": 40,
    "startup_jobs": 300,
    "new_urban_jobs": 900,
    "trainees": 50,
    "trainees_certified": 46,
    "trainees_started": 24,
    "cohort_births": 30,
    "cohort_survivors": 22,
    "graduate_entrepreneurs": 12,
    "eligible_applicants": 40,
    "supported_applicants": 38,
    "survey_respondents": 60,
    "survey_satisfied": 54,
}
COMMUNITY_2 = {
    "unit_code": "320115001002",
    "unit_name": "百家湖社区",
    "level": "社区/村",
    "parent_code": "320115001000",
    "labour_force": 6500,
    "entrepreneurs": 480,
    "new_entrepreneurs": 65,
    "startup_entities": 33,
    "startup_jobs": 250,
    "new_urban_jobs": 700,
    "trainees": 40,
    "trainees_certified": 35,
    "trainees_started": 20,
    "cohort_births": 25,
    "cohort_survivors": 18,
    "graduate_entrepreneurs": 9,
    "eligible_applicants": 30,
    "supported_applicants": 27,
    "survey_respondents": 50,
    "survey_satisfied": 43,
}

# Parks for jiangsu-2016-demo-base: a returnee park that passes (25 >= 20 incubated, 150 / 24 = 6.25 >= 5 jobs
# per entity), a maker space that fails (28 < 30 incubated: 2 short; 230 / 20 = 11.5 >= 10) and a park of a
# type the standard does not cover. Codes with leading zeros must survive.
PARKS = [
    {
        "unit_code": "001",
        "unit_name": "东山返乡创业园",
        "level": "园区",
        "parent_code": "320115001000",
        "park_type": "返乡创业园",
        "startup_entities": 24,
        "startup_jobs": 150,
        "incubated_entities": 25,
    },
    {
        "unit_code": "002",
        "unit_name": "东山众创空间",
        "level": "园区",
        "parent_code": "320115001000",
        "park_type": "众创空间",
        "startup_entities": 20,
        "startup_jobs": 230,
        "incubated_entities": 28,
    },
    {
        "unit_code": "003",
        "unit_name": "东山科技园",
        "level": "园区",
        "parent_code": "320115001000",
        "park_type": "科技园",
        "startup_entities": 12,
        "startup_jobs": 40,
        "incubated_entities": 15,
    },
]


def make_template(cli: Any, path: Path, *options: str) -> Path:
    result = cli("template", "-o", path, *options)
    assert result.exit_code == 0, result.stderr
    assert result.stdout == ""
    assert len(result.stderr.strip().splitlines()) == 1
    assert str(path) in result.stderr
    return path


def data_sheet(path: Path) -> Any:
    workbook = load_workbook(path)
    assert workbook.sheetnames[:2] == ["统计表", "填表说明"]
    return workbook["统计表"]


def headers(sheet: Any) -> list[str]:
    return [cell.value for cell in sheet[3] if cell.value is not None]


def fill(path: Path, rows: list[dict[str, Any]]) -> Path:
    """Type rows into the data area (row 4 on) by header, as a person filling the template would."""
    workbook = load_workbook(path)
    sheet = workbook["统计表"]
    column_of = {cell.value: cell.column for cell in sheet[3] if cell.value}
    for offset, row in enumerate(rows):
        for name, value in row.items():
            sheet.cell(row=4 + offset, column=column_of[CANONICAL_HEADERS[name]], value=value)
    workbook.save(path)
    return path


def validations(sheet: Any) -> list[Any]:
    return list(sheet.data_validations.dataValidation)


def covered_columns(rule: Any) -> set[str]:
    """Column letters of a validation's ranges; each range must span the data rows 4 to 203."""
    letters = set()
    for cell_range in rule.sqref.ranges:
        assert (cell_range.min_row, cell_range.max_row) == (4, 203), cell_range.coord
        assert cell_range.min_col == cell_range.max_col
        letters.add(get_column_letter(cell_range.min_col))
    return letters


def letter(sheet: Any, header: str) -> str:
    return str(next(cell.column_letter for cell in sheet[3] if cell.value == header))


def test_help(cli: Any) -> None:
    result = cli("template", "--help")
    assert result.exit_code == 0
    for option in ("--standard", "--level", "--year", "--rows", "--year-column", "--force", "--output"):
        assert option in result.stdout


def test_default_template_layout(cli: Any, tmp_path: Path) -> None:
    sheet = data_sheet(make_template(cli, tmp_path / "return.xlsx", "--year", "2025"))
    assert sheet["A1"].value == "2025年度创业型城市建设情况统计表"
    assert sheet["A2"].value.startswith("填报单位")
    assert any(cell.value == "计量单位：人、个" for cell in sheet[2])
    assert headers(sheet) == IDENTITY + CORE_COUNTS
    assert "统计年度" not in headers(sheet)
    assert sheet.freeze_panes == "C4"
    for cell in sheet[3]:
        assert cell.font.bold and cell.alignment.wrap_text
        assert cell.comment is not None and cell.comment.text
        # a header fits in its column on at most two lines: two units per Chinese character
        assert sheet.column_dimensions[cell.column_letter].width >= len(cell.value) + 1
    assert "常住劳动年龄人口数" in sheet["E3"].comment.text
    for header in ("单位代码", "上级单位代码"):
        column = letter(sheet, header)
        assert sheet[f"{column}4"].number_format == "@"
        assert sheet[f"{column}203"].number_format == "@"
    assert sheet["B4"].number_format == "General"


def test_reader_finds_the_template_header(tmp_path: Path, catalog: Catalog) -> None:
    path = write_template(tmp_path / "blank.xlsx", catalog, year=2024)
    table = read_return(path, catalog)
    assert table.sheet == "统计表"
    assert table.header_row == 3
    assert table.title_year == 2024
    assert [column.header for column in sorted(table.columns.values(), key=lambda c: c.index)] == (
        IDENTITY + CORE_COUNTS
    )
    assert table.findings == []
    assert table.frame.empty


def test_default_year_is_last_year(tmp_path: Path, catalog: Catalog) -> None:
    import datetime

    path = write_template(tmp_path / "blank.xlsx", catalog)
    assert data_sheet(path)["A1"].value == f"{datetime.date.today().year - 1}年度创业型城市建设情况统计表"


def test_round_trip_validate_and_compute(cli: Any, tmp_path: Path) -> None:
    path = fill(make_template(cli, tmp_path / "street.xlsx", "--year", "2025"), [STREET, COMMUNITY_1, COMMUNITY_2])

    validated = cli("validate", path, "--year", "2025", "--format", "json")
    assert validated.exit_code == 0, validated.stdout
    report = json.loads(validated.stdout)
    assert report["valid"] is True
    assert report["errors"] == 0
    assert report["findings"] == []

    computed = cli("compute", path, "--year", "2025", "--format", "json")
    assert computed.exit_code == 0, computed.stderr
    units = {unit["unit_code"]: unit for unit in json.loads(computed.stdout)["units"]}
    # the three rows, and their county derived from the street
    assert set(units) == {"320115001000", "320115001001", "320115001002", "320115000000"}
    assert [units[code]["row"] for code in ("320115001000", "320115001001", "320115001002")] == [4, 5, 6]
    assert units["320115001001"]["level"] == "community"
    assert units["320115001001"]["parent_code"] == "320115001000"  # derived from the division code
    assert units["320115000000"]["derived"] is True
    rate = "participation_rate"
    assert units["320115001000"]["indicators"][rate]["value"] == pytest.approx(420 / 52000 * 100)
    assert units["320115001001"]["indicators"][rate]["value"] == pytest.approx(0.8)  # 64 / 8000
    assert units["320115001002"]["indicators"][rate]["value"] == pytest.approx(1.0)  # 65 / 6500
    assert units["320115001001"]["indicators"]["survival_rate"]["value"] == pytest.approx(22 / 30 * 100)
    assert units["320115001002"]["indicators"]["jobs_per_entrepreneur"]["value"] == pytest.approx(250 / 65)


def test_title_year_is_the_reporting_year(cli: Any, tmp_path: Path) -> None:
    path = fill(make_template(cli, tmp_path / "street.xlsx", "--year", "2023"), [STREET])
    computed = cli("compute", path, "--format", "json")
    assert computed.exit_code == 0, computed.stderr
    assert {unit["year"] for unit in json.loads(computed.stdout)["units"]} == {2023}


def test_year_column(cli: Any, tmp_path: Path) -> None:
    sheet = data_sheet(make_template(cli, tmp_path / "years.xlsx", "--year-column", "--year", "2025"))
    assert headers(sheet)[:5] == [*IDENTITY, "统计年度"]
    year_rules = [rule for rule in validations(sheet) if covered_columns(rule) == {"E"}]
    assert [(rule.type, rule.operator, rule.formula1, rule.formula2) for rule in year_rules] == [
        ("whole", "between", "1949", "2100")
    ]
    path = fill(tmp_path / "years.xlsx", [{**STREET, "year": 2025}, {**COMMUNITY_1, "year": 2024}])
    computed = cli("compute", path, "--year", "2024", "--format", "json")
    assert computed.exit_code == 0, computed.stderr
    units = {unit["unit_code"]: unit for unit in json.loads(computed.stdout)["units"]}
    # only the 2024 row, and its street derived from it (the street's own row is for 2025)
    assert {code: (unit["year"], unit["derived"]) for code, unit in units.items()} == {
        "320115001001": (2024, False),
        "320115001000": (2024, True),
    }
    assert units["320115001000"]["fields"]["labour_force"] == 8000


def test_data_validations(cli: Any, tmp_path: Path) -> None:
    sheet = data_sheet(make_template(cli, tmp_path / "return.xlsx"))
    rules = validations(sheet)
    counts = [rule for rule in rules if rule.type == "whole"]
    assert len(counts) == 1
    (count,) = counts
    assert (count.operator, count.formula1, count.formula2) == ("between", "0", "1e+12")  # no count above 10^12
    assert count.showErrorMessage and count.allow_blank
    assert "整数" in count.error and "留空" in count.error
    assert covered_columns(count) == {letter(sheet, header) for header in CORE_COUNTS}

    (level,) = [rule for rule in rules if rule.type == "list"]
    assert covered_columns(level) == {"C"}
    assert level.formula1 == '"' + ",".join(ALL_LEVEL_NAMES) + '"'
    assert level.showErrorMessage

    # no number rule on identity columns: codes and names are free text
    assert not any(covered_columns(rule) & {"A", "B", "D"} for rule in rules if rule.type is not None)


def test_level_limits_the_drop_down(cli: Any, tmp_path: Path) -> None:
    sheet = data_sheet(make_template(cli, tmp_path / "street.xlsx", "--level", "street,社区", "--year", "2025"))
    (level,) = [rule for rule in validations(sheet) if rule.type == "list"]
    assert level.formula1 == '"街道/乡镇,社区/村"'
    assert sheet["A1"].value == "2025年度创业型城市建设情况统计表（街道/乡镇、社区/村）"
    assert headers(sheet) == IDENTITY + CORE_COUNTS  # without a standard, the level does not change the columns


def test_demo_base_standard_round_trip(cli: Any, tmp_path: Path) -> None:
    path = make_template(cli, tmp_path / "parks.xlsx", "--standard", "jiangsu-2016-demo-base", "--year", "2025")
    sheet = data_sheet(path)
    assert headers(sheet) == [*IDENTITY, "园区类型", "当年新创办创业实体数", "创业带动就业人数", "在孵创业实体数"]
    rules = validations(sheet)
    (level,) = [rule for rule in rules if rule.type == "list"]
    assert level.formula1 == '"园区"'
    (count,) = [rule for rule in rules if rule.type == "whole"]
    assert covered_columns(count) == {"F", "G", "H"}  # not the park type: free text
    (park_type,) = [rule for rule in rules if covered_columns(rule) == {"E"}]
    assert park_type.type is None and "众创空间" in park_type.prompt

    fill(path, PARKS)
    result = cli("check", path, "--standard", "jiangsu-2016-demo-base", "--year", "2025", "--format", "json")
    assert result.exit_code == 3, result.stderr  # a park fails
    document = json.loads(result.stdout)
    units = {unit["unit_code"]: unit for unit in document["units"]}
    assert set(units) == {"001", "002", "003"}
    passing, failing = units["001"]["assessment"], units["002"]["assessment"]
    assert (passing["status"], passing["rule_set"]) == ("pass", "返乡、农村创业园")
    assert (failing["status"], failing["rule_set"]) == ("fail", "众创空间")
    incubated = next(check for check in failing["checks"] if check["field"] == "incubated_entities")
    assert (incubated["value"], incubated["threshold"], incubated["shortfall"]) == (28, 30, 2)
    jobs = next(check for check in passing["checks"] if check["indicator"] == "jobs_per_entity")
    assert jobs["value"] == pytest.approx(6.25)
    assert units["003"]["assessment"] is None  # a 科技园 is outside the standard
    (coverage,) = document["coverage"]
    assert (coverage["level"], coverage["assessed"], coverage["passed"], coverage["failed"]) == ("park", 2, 1, 1)
    assert not [finding for finding in document["findings"] if finding["severity"] == "error"]


def test_standard_with_level_keeps_that_level_s_fields(cli: Any, tmp_path: Path) -> None:
    path = make_template(cli, tmp_path / "parks.xlsx", "--standard", "jiangsu-2016", "--level", "园区")
    # jiangsu-2016 for parks: success, survival, employment contribution, jobs per entity, startup entities
    assert headers(data_sheet(path)) == [
        *IDENTITY,
        "当年新增创业人数",
        "当年新创办创业实体数",
        "创业带动就业人数",
        "城镇新增就业人数",
        "创业培训合格人数",
        "培训后成功创业人数",
        "三年前新创办创业实体数",
        "三年前新创办实体存活数",
    ]


def test_awkward_level_names_go_on_a_hidden_sheet(tmp_path: Path, catalog: Catalog) -> None:
    county = catalog.levels["county"].model_copy(update={"name": "县(市,区)"})
    odd = catalog.model_copy(update={"levels": {**catalog.levels, "county": county}})
    path = write_template(tmp_path / "odd.xlsx", odd)
    workbook = load_workbook(path)
    assert workbook.sheetnames == ["统计表", "填表说明", "选项"]
    assert workbook["选项"].sheet_state == "hidden"
    assert [row[0] for row in workbook["选项"].iter_rows(values_only=True)] == [
        "省",
        "市",
        "县(市,区)",
        "街道/乡镇",
        "社区/村",
        "园区",
    ]
    (level,) = [rule for rule in validations(workbook["统计表"]) if rule.type == "list"]
    assert level.formula1 == "'选项'!$A$1:$A$6"
    assert read_return(path, catalog).sheet == "统计表"


def notes_rows(path: Path) -> list[list[Any]]:
    sheet = load_workbook(path)["填表说明"]
    return [[value for value in row if value is not None] for row in sheet.iter_rows(values_only=True)]


def test_instructions_list_every_field(cli: Any, tmp_path: Path) -> None:
    path = make_template(cli, tmp_path / "return.xlsx", "--year-column")
    rows = notes_rows(path)
    start = rows.index(["列", "表头", "字段代码", "类型", "计量单位", "是否必填", "说明"])
    listed = {row[1]: row for row in rows[start + 1 : start + 1 + len(IDENTITY) + 1 + len(CORE_COUNTS)]}
    assert list(listed) == [*IDENTITY, "统计年度", *CORE_COUNTS]
    assert listed["单位代码"][:3] == ["A", "单位代码", "unit_code"]
    assert listed["单位代码"][4] == "是"  # required
    assert listed["劳动年龄人口数"][2:6] == ["labour_force", "非负整数", "人", "否"]
    assert listed["当年新创办创业实体数"][4] == "个"
    assert "不得大于“创业人员实有数”" in listed["当年新增创业人数"][-1]
    text = "\n".join(str(value) for row in rows for value in row)
    assert "空白表示缺失，不按零计" in text
    assert "12 位统计用区划代码" in text
    assert "园区必须填写上级单位代码" in text
    assert "三、认定标准" not in text


def test_instructions_give_the_standard(cli: Any, tmp_path: Path, catalog: Catalog) -> None:
    path = make_template(cli, tmp_path / "return.xlsx", "--standard", "jiangsu-2016", "--level", "street")
    rows = notes_rows(path)
    standard = load_standard("jiangsu-2016", catalog)
    assert ["标准代码", "jiangsu-2016"] in rows
    assert ["标准名称", standard.name] in rows
    assert ["依据", standard.source] in rows
    start = rows.index(["层级", "适用范围", "指标或项目", "计算方法", "要求", "门槛状态"])
    rules = rows[start + 1 :]
    assert [row[2:5] for row in rules] == [
        ["创业参与率", "当年新增创业人数 ÷ 劳动年龄人口数 × 100", "≥ 1.0%"],
        ["创业成功率（培训后）", "培训后成功创业人数 ÷ 创业培训合格人数 × 100", "≥ 50.0%"],
        ["创业存活率（三年）", "三年前新创办实体存活数 ÷ 三年前新创办创业实体数 × 100", "≥ 70.0%"],
        ["就业贡献率", "(当年新增创业人数 + 创业带动就业人数) ÷ 城镇新增就业人数 × 100", "≥ 30.0%"],
    ]
    assert all(row[0] == "街道/乡镇" and row[5] == "暂定值" for row in rules)  # the standard is provisional
    assert ["覆盖目标", "达标单位占比：街道/乡镇 80%"] in rows


def test_demo_base_instructions_mark_official_thresholds(cli: Any, tmp_path: Path) -> None:
    rows = notes_rows(make_template(cli, tmp_path / "parks.xlsx", "--standard", "jiangsu-2016-demo-base"))
    start = rows.index(["层级", "适用范围", "指标或项目", "计算方法", "要求", "门槛状态"])
    assert [(row[2], row[4], row[5]) for row in rows[start + 1 :]] == [
        ("在孵创业实体数", "≥ 20 个", "正式"),
        ("创业实体带动就业比例", "≥ 1:5.0", "正式"),
        ("在孵创业实体数", "≥ 30 个", "正式"),
        ("创业实体带动就业比例", "≥ 1:10.0", "正式"),
    ]


def one_line_usage_error(result: Any) -> None:
    assert result.exit_code == 2
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert "Traceback" not in result.stderr
    assert result.stdout == ""


def test_refuses_to_overwrite(cli: Any, tmp_path: Path) -> None:
    path = tmp_path / "return.xlsx"
    path.write_bytes(b"someone's work")
    before = sha256(path)
    result = cli("template", "-o", path)
    one_line_usage_error(result)
    assert "--force" in result.stderr
    assert sha256(path) == before
    assert sorted(item.name for item in tmp_path.iterdir()) == ["return.xlsx"]
    make_template(cli, path, "--force", "--year", "2025")
    assert data_sheet(path)["A1"].value == "2025年度创业型城市建设情况统计表"


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        (["--level", "galaxy"], "galaxy"),
        (["--standard", "no-such-standard"], "no-such-standard"),
        (["--standard", "jiangsu-2016-demo-base", "--level", "street"], "street"),
        (["--rows", "0"], "--rows"),
        (["--year", "1800"], "--year"),
    ],
)
def test_bad_options(cli: Any, tmp_path: Path, options: list[str], expected: str) -> None:
    result = cli("template", "-o", tmp_path / "return.xlsx", *options)
    one_line_usage_error(result)
    assert expected in result.stderr
    assert not (tmp_path / "return.xlsx").exists()


@pytest.mark.parametrize("name", ["return.csv", "return.xls", "return"])
def test_only_xlsx(cli: Any, tmp_path: Path, name: str) -> None:
    one_line_usage_error(cli("template", "-o", tmp_path / name))
    assert list(tmp_path.iterdir()) == []


def test_library_refuses_unknown_level(tmp_path: Path, catalog: Catalog) -> None:
    from chuangye_metrics.core.errors import UsageError

    with pytest.raises(UsageError, match="galaxy"):
        write_template(tmp_path / "x.xlsx", catalog, level="galaxy")
    assert not (tmp_path / "x.xlsx").exists()
