"""`chuangye merge`: streets' and parks' returns consolidated into a county's, read back to exactly what went in."""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from openpyxl import load_workbook

from chuangye_metrics.config.catalog import Catalog
from tests.conftest import COUNT_FIELDS, read_result, sha256

COUNTY = "320115000000"
EAST = {  # 东山街道 sends its own row and its communities'
    "unit_code": "320115001000",
    "unit_name": "东山街道",
    "level": "街道",
    "year": 2016,
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
}
COMMUNITY_COUNTS = {  # each below 东山街道's own, and their sums too
    "320115001001": (20000, 1500, 160, 100, 1000, 2500, 150, 140, 70, 90, 60),
    "320115001002": (30000, 2300, 250, 150, 1700, 3800, 220, 200, 110, 140, 100),
}
EAST_COMMUNITIES = [
    {"unit_code": code, "unit_name": name, "level": level, "year": 2016}
    | dict(zip(COUNT_FIELDS[:11], COMMUNITY_COUNTS[code], strict=True))
    for code, name, level in (("320115001001", "竹山社区", "社区"), ("320115001002", "上坊村", "村"))
]
# 秣陵街道 sends only its communities: its row is derived; one community's 新增就业 is blank, so the street's is too
WEST_COMMUNITIES = [
    {"unit_code": "320115002001", "unit_name": "秣陵社区", "level": "社区", "year": 2016, "labour_force": 18000,
     "entrepreneurs": 1200, "new_entrepreneurs": 150, "startup_entities": 90, "startup_jobs": 800,
     "new_urban_jobs": 2000, "trainees": 100, "trainees_certified": 90, "trainees_started": 40,
     "cohort_births": 60, "cohort_survivors": 45},
    {"unit_code": "320115002002", "unit_name": "殷巷村", "level": "村", "year": 2016, "labour_force": 12000,
     "entrepreneurs": 700, "new_entrepreneurs": 60, "startup_entities": 35, "startup_jobs": 300,
     "new_urban_jobs": None, "trainees": 50, "trainees_certified": 45, "trainees_started": 20,
     "cohort_births": 30, "cohort_survivors": 21},
]  # fmt: skip
PARK = {
    "unit_code": "P0001",
    "unit_name": "江宁留学人员创业园",
    "level": "园区",
    "parent_code": COUNTY,
    "park_type": "省级",
    "year": 2016,
    "labour_force": 5000,
    "entrepreneurs": 300,
    "new_entrepreneurs": 40,
    "startup_entities": 38,
    "startup_jobs": 620,
}
FIELDS = ["unit_code", "unit_name", "level", "parent_code", "year", "park_type", *COUNT_FIELDS[:11]]

# The 合计 row by hand: 东山街道's own row plus 秣陵街道's sums (the park is never summed into a territory)
WEST = {name: sum(unit[name] for unit in WEST_COMMUNITIES) for name in COUNT_FIELDS[:11] if name != "new_urban_jobs"}
TOTAL: dict[str, float | None] = {
    "labour_force": 52000 + 30000,
    "entrepreneurs": 3860 + 1900,
    "new_entrepreneurs": 420 + 210,
    "startup_entities": 265 + 125,
    "startup_jobs": 2730 + 1100,
    "new_urban_jobs": None,  # 殷巷村's is blank, so 秣陵街道's sum is missing, and the county's with it
    "trainees": 380 + 150,
    "trainees_certified": 352 + 135,
    "trainees_started": 186 + 60,
    "cohort_births": 240 + 90,
    "cohort_survivors": 171 + 66,
}


@pytest.fixture
def returns(tmp_path: Path) -> list[Path]:
    from tests.conftest import write_workbook

    return [
        write_workbook(tmp_path / "dongshan.xlsx", [EAST, *EAST_COMMUNITIES], FIELDS),
        write_workbook(tmp_path / "moling.xlsx", WEST_COMMUNITIES, FIELDS),
        write_workbook(tmp_path / "park.xlsx", [PARK], FIELDS),
    ]


def merged(cli: Any, files: list[Path], target: Path, *options: str) -> Any:
    return cli("merge", *files, "--unit", "320115", "--name", "江宁区", "-o", target, *options)


def same(left: Any, right: Any) -> bool:
    if isinstance(left, float) and isinstance(right, float) and math.isnan(left) and math.isnan(right):
        return True
    return bool(left == right)


def test_the_hand_computed_sums_hold() -> None:
    assert WEST["labour_force"] == 30000 and WEST["cohort_survivors"] == 66


def test_a_merged_return_reads_back_to_exactly_the_units_that_went_in(
    cli: Any, returns: list[Path], tmp_path: Path, catalog: Catalog
) -> None:
    target = tmp_path / "county.xlsx"
    before = [(path.stat().st_ino, sha256(path)) for path in returns]
    result = merged(cli, returns, target)
    assert result.exit_code == 0, result.stderr
    assert [(path.stat().st_ino, sha256(path)) for path in returns] == before  # the inputs untouched

    back = read_result(target, catalog)
    assert not [finding for finding in back.findings if finding.severity == "error"], back.findings
    frame = back.units.frame
    rows = frame.loc[~frame["derived"].astype(bool)].set_index("unit_code")
    sent = [EAST, *EAST_COMMUNITIES, *WEST_COMMUNITIES, PARK]
    # every unit that went in, and 秣陵街道 written as the row derived from its communities
    assert sorted(rows.index) == sorted([unit["unit_code"] for unit in sent] + ["320115002000"])
    for unit in sent:
        row = rows.loc[unit["unit_code"]]
        for name in ("unit_name", "year", *COUNT_FIELDS[:11]):
            expected = unit.get(name)
            assert same(row[name], float("nan") if expected is None else expected), (unit["unit_code"], name)
        assert row["level"] == catalog.level_id(unit["level"])
    assert rows.loc["P0001", "parent_code"] == COUNTY and rows.loc["P0001", "park_type"] == "省级"
    west = rows.loc["320115002000"]
    assert west["level"] == "street" and west["unit_name"] == "（下级汇总）"
    for name, value in WEST.items():
        assert west[name] == value
    assert math.isnan(west["new_urban_jobs"])

    # the 合计 row equals the hand-computed sum of the county's top units
    totals = load_workbook(target, read_only=True)
    sheet = totals.worksheets[0]
    header = [cell.value for cell in next(sheet.iter_rows(min_row=6, max_row=6))]
    total_row = [cell.value for cell in next(sheet.iter_rows(min_row=8, max_row=8))]
    assert total_row[header.index("单位名称")] == "合计"
    for name, value in TOTAL.items():
        column = next(i for i, text in enumerate(header) if text and text.startswith(catalog.fields[name].header))
        assert total_row[column] == value, name
    notes = [cell.value for cell in next(sheet.iter_rows(min_row=9, max_row=9))]
    assert header[-1] == "备注" and notes[0] == "320115001000"


def test_a_merged_return_validates_and_computes_as_its_inputs(cli: Any, returns: list[Path], tmp_path: Path) -> None:
    target = tmp_path / "county.xlsx"
    assert merged(cli, returns, target).exit_code == 0
    report = cli("validate", target, "--format", "json")
    assert report.exit_code == 0, report.stdout
    assert json.loads(report.stdout)["errors"] == 0

    def units(*files: Path) -> dict[str, Any]:
        done = cli("compute", *files, "--format", "json")
        assert done.exit_code == 0, done.stderr
        return {unit["unit_code"]: unit for unit in json.loads(done.stdout)["units"]}

    original, consolidated = units(*returns), units(target)
    assert set(original) == set(consolidated)
    assert original[COUNTY]["derived"] and consolidated[COUNTY]["derived"]  # the county: derived both times
    for code, unit in original.items():
        other = consolidated[code]
        assert other["fields"] == unit["fields"], code
        for indicator, value in unit["indicators"].items():
            assert other["indicators"][indicator]["value"] == value["value"], (code, indicator)
        assert other["level"] == unit["level"] and other["parent_code"] == unit["parent_code"]


def test_the_summary_is_json_to_its_schema(cli: Any, returns: list[Path], tmp_path: Path) -> None:
    target = tmp_path / "county.xlsx"
    result = merged(cli, returns, target, "--format", "json")
    assert result.exit_code == 0, result.stderr
    summary = json.loads(result.stdout)
    jsonschema.validate(summary, json.loads(cli("schema", "merge").stdout))
    assert summary["sha256"] == sha256(target)
    assert summary["unit"] == COUNTY and summary["name"] == "江宁区" and summary["year"] == 2016
    assert (summary["units"], summary["derived"], summary["parks"]) == (7, 1, 1)
    assert summary["unnamed"] == ["320115002000"]
    assert [source["units"] for source in summary["sources"]] == [3, 2, 1]
    assert summary["total"]["labour_force"] == TOTAL["labour_force"] and summary["total"]["new_urban_jobs"] is None


def test_the_notes_sheet_names_every_file_and_its_hash(cli: Any, returns: list[Path], tmp_path: Path) -> None:
    target = tmp_path / "county.xlsx"
    assert merged(cli, returns, target).exit_code == 0
    workbook = load_workbook(target, read_only=True)
    assert workbook.sheetnames == ["统计表", "填表说明"]
    text = "\n".join(str(cell) for row in workbook["填表说明"].iter_rows(values_only=True) for cell in row if cell)
    for path in returns:
        assert path.name in text and sha256(path) in text


def test_a_register_names_the_derived_rows(cli: Any, returns: list[Path], tmp_path: Path, catalog: Catalog) -> None:
    register = tmp_path / "register.txt"
    register.write_text("320115002000 秣陵街道\n", encoding="utf-8")
    target = tmp_path / "county.xlsx"
    result = merged(cli, returns, target, "--register", register, "--format", "json")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["unnamed"] == []
    frame = read_result(target, catalog).units.frame
    assert frame.loc[frame["unit_code"] == "320115002000", "unit_name"].tolist() == ["秣陵街道"]


def test_a_unit_outside_the_territory_is_an_error_naming_it(
    cli: Any, returns: list[Path], tmp_path: Path, make_return: Callable[..., Path]
) -> None:
    stranger = make_return([EAST | {"unit_code": "320116001000", "unit_name": "江浦街道"}], FIELDS)
    target = tmp_path / "county.xlsx"
    result = merged(cli, [*returns, stranger], target)
    assert result.exit_code == 1
    assert "320116001000" in result.stderr and "320115000000" in result.stderr and "第2行" in result.stderr
    assert not target.exists()


def test_the_same_unit_in_two_files_is_an_error_naming_both(
    cli: Any, returns: list[Path], tmp_path: Path, make_return: Callable[..., Path]
) -> None:
    again = make_return([EAST], FIELDS, name="again.xlsx")
    result = merged(cli, [*returns, again], tmp_path / "county.xlsx")
    assert result.exit_code == 1
    assert "again.xlsx" in result.stderr and "dongshan.xlsx" in result.stderr


@pytest.mark.parametrize(
    ("options", "says"),
    [
        (["--unit", "32011X"], "区划代码"),
        (["--unit", "320115001001"], "社区"),
        (["-o", "county.csv"], ".xlsx"),
    ],
)
def test_usage_mistakes_stop_before_anything_is_written(
    cli: Any, returns: list[Path], tmp_path: Path, options: list[str], says: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    arguments = {"--unit": "320115", "-o": "county.xlsx"}
    arguments.update(dict(zip(options[::2], options[1::2], strict=True)))
    result = cli("merge", *returns, *[part for pair in arguments.items() for part in pair])
    assert result.exit_code == 2
    assert says in result.stderr
    assert not list(tmp_path.glob("county.*"))


def test_an_existing_return_is_kept_unless_forced(cli: Any, returns: list[Path], tmp_path: Path) -> None:
    target = tmp_path / "county.xlsx"
    target.write_bytes(b"signed last week")
    result = merged(cli, returns, target)
    assert result.exit_code == 2 and "--force" in result.stderr
    assert target.read_bytes() == b"signed last week"
    assert merged(cli, returns, target, "--force").exit_code == 0
    assert target.read_bytes()[:2] == b"PK"


def test_an_input_is_never_the_output(cli: Any, returns: list[Path]) -> None:
    before = sha256(returns[0])
    result = merged(cli, returns, returns[0], "--force")
    assert result.exit_code == 2
    assert sha256(returns[0]) == before


def test_several_years_are_refused(
    cli: Any, returns: list[Path], tmp_path: Path, make_return: Callable[..., Path]
) -> None:
    later = make_return([EAST | {"year": 2017}], FIELDS)
    result = merged(cli, [*returns, later], tmp_path / "county.xlsx")
    assert result.exit_code == 2 and "2016" in result.stderr and "2017" in result.stderr


def test_with_keep_going_a_bad_cell_is_left_blank_and_listed(
    cli: Any, returns: list[Path], tmp_path: Path, catalog: Catalog
) -> None:
    bad = tmp_path / "bad.xlsx"
    from tests.conftest import write_workbook

    write_workbook(bad, [WEST_COMMUNITIES[0] | {"labour_force": "很多"}, WEST_COMMUNITIES[1]], FIELDS)
    target = tmp_path / "county.xlsx"
    stopped = merged(cli, [returns[0], bad, returns[2]], target)
    assert stopped.exit_code == 1 and not target.exists()
    kept = merged(cli, [returns[0], bad, returns[2]], target, "--keep-going")
    assert kept.exit_code == 1 and target.exists()
    sheet = load_workbook(target, read_only=True)["统计表"]
    rows = {row[0]: row for row in sheet.iter_rows(min_row=9, values_only=True) if row[0]}
    header = [cell.value for cell in next(sheet.iter_rows(min_row=6, max_row=6))]
    assert rows["320115002001"][header.index("劳动年龄人口数（人）")] is None
    assert "数据有误" in rows["320115002001"][-1]
    notes = "\n".join(str(c) for row in load_workbook(target, read_only=True)["填表说明"].iter_rows(values_only=True)
                      for c in row if c)  # fmt: skip
    assert "bad.xlsx" in notes and "第2行" in notes
