"""`chuangye diff`: a hand-made pair of versions, and exactly the changes between them, computed by hand."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from tests.conftest import COUNT_FIELDS, sha256, write_workbook

FIELDS = ["unit_code", "unit_name", "level", "year", *COUNT_FIELDS[:11]]
# labour_force, entrepreneurs, new_entrepreneurs, startup_entities, startup_jobs, new_urban_jobs, trainees,
# trainees_certified, trainees_started, cohort_births, cohort_survivors
STREET = (52000, 3860, 420, 265, 2730, 6400, 380, 352, 186, 240, 171)
BAMBOO = (20000, 1500, 250, 100, 1000, 2500, 150, 140, 80, 90, 70)
UPPER = (30000, 2300, 150, 150, 1700, 3800, 220, 200, 100, 140, 100)
NEW_ONE = (25000, 2000, 200, 120, 1500, 3000, 200, 180, 90, 120, 90)


def unit(code: str, name: str, level: str, counts: tuple[int, ...], **changes: int) -> dict[str, Any]:
    row = {"unit_code": code, "unit_name": name, "level": level, "year": 2016}
    return row | dict(zip(COUNT_FIELDS[:11], counts, strict=True)) | changes


OLD = [
    unit("320115001000", "东山街道", "街道", STREET),
    unit("320115001001", "竹山社区", "社区", BAMBOO),
    unit("320115001002", "上坊村", "村", UPPER),  # removed in the new version
]
NEW = [
    unit("320115001000", "东山街道", "街道", STREET, new_entrepreneurs=540),  # 0.81 % -> 1.04 %: now passes
    unit("320115001001", "竹山社区", "社区", BAMBOO, new_entrepreneurs=260, startup_jobs=1100),
    unit("320115001003", "新社区", "社区", NEW_ONE),  # added
]

# By hand. 东山街道: 新增创业 420 -> 540.
STREET_INDICATORS = {
    "participation_rate": (420 / 52000 * 100, 540 / 52000 * 100),  # 0.8077 -> 1.0385 %: +0.2308 pp
    "employment_contribution": ((420 + 2730) / 6400 * 100, (540 + 2730) / 6400 * 100),  # 49.22 -> 51.09 %
    "jobs_per_entrepreneur": (2730 / 420, 2730 / 540),  # 1:6.5 -> 1:5.06
}
# 竹山社区: 新增创业 250 -> 260, 创业带动就业 1000 -> 1100.
BAMBOO_INDICATORS = {
    "participation_rate": (1.25, 1.3),
    "activity_index": (12.5, 13.0),  # (1500 + 1000) / 20000 -> (1500 + 1100) / 20000
    "employment_contribution": (50.0, 54.4),  # (250 + 1000) / 2500 -> (260 + 1100) / 2500
    "jobs_per_entrepreneur": (4.0, 1100 / 260),
    "jobs_per_entity": (10.0, 11.0),
}


@pytest.fixture
def versions(tmp_path: Path) -> tuple[Path, Path]:
    return (
        write_workbook(tmp_path / "old.xlsx", OLD, FIELDS),
        write_workbook(tmp_path / "new.xlsx", NEW, FIELDS),
    )


def diffed(cli: Any, versions: tuple[Path, Path], *options: str) -> Any:
    return cli("diff", *versions, *options)


def assert_indicators(unit: dict[str, Any], expected: dict[str, tuple[float, float]]) -> None:
    """Exactly these indicators changed, from and to these values, by the difference."""
    changed = {item["indicator"]: item for item in unit["indicators"]}
    assert sorted(changed) == sorted(expected)
    for name, (old, new) in expected.items():
        assert (changed[name]["old"], changed[name]["new"]) == pytest.approx((old, new)), name
        assert changed[name]["change"] == pytest.approx(new - old), name


def by_code(document: dict[str, Any]) -> dict[str, Any]:
    return {unit["unit_code"]: unit for unit in document["units"]}


def test_exactly_the_changes_made_by_hand_are_listed(cli: Any, versions: tuple[Path, Path]) -> None:
    result = diffed(cli, versions, "--format", "json", "--standard", "jiangsu-2016")
    assert result.exit_code == 4, result.stderr
    document = json.loads(result.stdout)
    assert (document["added"], document["removed"], document["revised"]) == (1, 1, 3)
    units = by_code(document)
    assert list(units) == ["320115000000", "320115001000", "320115001001", "320115001002", "320115001003"]
    assert units["320115001003"]["change"] == "added" and units["320115001002"]["change"] == "removed"

    street = units["320115001000"]
    assert street["change"] == "revised"
    assert street["counts"] == [{"field": "new_entrepreneurs", "old": 420, "new": 540, "change": 120}]
    assert_indicators(street, STREET_INDICATORS)
    participation = next(item for item in street["indicators"] if item["indicator"] == "participation_rate")
    assert participation["change"] == pytest.approx(120 / 52000 * 100)  # percentage points
    assert (street["old_status"], street["new_status"]) == ("fail", "pass")  # passes only in the new version
    assert [(rule["rule"], rule["old"], rule["new"]) for rule in street["rules"]] == [
        ("participation_rate", "fail", "pass")
    ]

    bamboo = units["320115001001"]
    assert [(item["field"], item["old"], item["new"], item["change"]) for item in bamboo["counts"]] == [
        ("new_entrepreneurs", 250, 260, 10),
        ("startup_jobs", 1000, 1100, 100),
    ]
    assert_indicators(bamboo, BAMBOO_INDICATORS)
    jobs = next(item for item in bamboo["indicators"] if item["indicator"] == "jobs_per_entrepreneur")
    assert jobs["change"] == pytest.approx(1100 / 260 - 4)  # N of 1:N
    assert (bamboo["old_status"], bamboo["new_status"], bamboo["rules"]) == ("pass", "pass", [])

    county = units["320115000000"]  # derived from its one street: the street's correction moves it too
    assert county["derived"] and county["change"] == "revised"
    assert county["counts"] == [{"field": "new_entrepreneurs", "old": 420, "new": 540, "change": 120}]
    assert document["status_changed"] == 1


def test_the_same_return_twice_has_no_changes_and_exits_0(
    cli: Any, versions: tuple[Path, Path], tmp_path: Path
) -> None:
    copy = tmp_path / "copy.xlsx"
    copy.write_bytes(versions[0].read_bytes())
    result = cli("diff", versions[0], copy, "--format", "json")
    assert result.exit_code == 0, result.stderr
    document = json.loads(result.stdout)
    assert document["changed"] is False and document["units"] == []
    table = cli("diff", versions[0], copy)
    assert table.exit_code == 0 and "没有变化" in table.stdout


def test_the_json_follows_its_schema(cli: Any, versions: tuple[Path, Path]) -> None:
    result = diffed(cli, versions, "--format", "json", "--standard", "jiangsu-2016")
    jsonschema.validate(json.loads(result.stdout), json.loads(cli("schema", "diff").stdout))


def test_the_table_speaks_chinese_first_and_english_on_request(cli: Any, versions: tuple[Path, Path]) -> None:
    chinese = diffed(cli, versions, "--standard", "jiangsu-2016")
    assert chinese.exit_code == 4
    assert "新增" in chinese.stdout and "删除" in chinese.stdout and "修订" in chinese.stdout
    assert "420 → 540（+120）" in chinese.stdout
    assert "0.81% → 1.04%（+0.23 个百分点）" in chinese.stdout
    assert "未达标 → 达标" in chinese.stdout
    english = diffed(cli, versions, "--standard", "jiangsu-2016", "--lang", "en")
    assert "added" in english.stdout and "420 → 540 (+120)" in english.stdout and "+0.23 pp" in english.stdout


def test_the_csv_has_a_row_per_change(cli: Any, versions: tuple[Path, Path]) -> None:
    result = diffed(cli, versions, "--format", "csv")
    assert result.exit_code == 4
    rows = list(csv.DictReader(io.StringIO(result.stdout.lstrip("\ufeff"))))
    revised = [row for row in rows if row["unit_code"] == "320115001001" and row["kind"] == "count"]
    assert [(row["id"], row["old"], row["new"], row["change"]) for row in revised] == [
        ("new_entrepreneurs", "250", "260", "10"),
        ("startup_jobs", "1000", "1100", "100"),
    ]
    assert {row["change_kind"] for row in rows if row["unit_code"] == "320115001003"} == {"added"}


@pytest.mark.parametrize("fmt", ["xlsx", "html"])
def test_the_reports_are_written(cli: Any, versions: tuple[Path, Path], tmp_path: Path, fmt: str) -> None:
    target = tmp_path / f"diff.{fmt}"
    result = diffed(cli, versions, "--format", fmt, "--output", target, "--standard", "jiangsu-2016")
    assert result.exit_code == 4, result.stderr
    data = target.read_bytes()
    if fmt == "xlsx":
        from openpyxl import load_workbook

        sheet = load_workbook(target, read_only=True).worksheets[0]
        text = "\n".join(str(cell) for row in sheet.iter_rows(values_only=True) for cell in row if cell is not None)
        assert "\n1100\n" in text  # a number, as a number
    else:
        text = data.decode("utf-8")
        assert "1,000 → 1,100" in text.replace("</td><td>", " → ") or ">1,100<" in text
    assert "竹山社区" in text and "320115001003" in text


def test_versions_of_different_years_are_refused(cli: Any, versions: tuple[Path, Path], tmp_path: Path) -> None:
    later = write_workbook(tmp_path / "later.xlsx", [row | {"year": 2017} for row in NEW], FIELDS)
    result = cli("diff", versions[0], later)
    assert result.exit_code == 2 and "2016" in result.stderr and "2017" in result.stderr


def test_several_files_a_version(cli: Any, versions: tuple[Path, Path], tmp_path: Path) -> None:
    first = write_workbook(tmp_path / "a.xlsx", NEW[:2], FIELDS)
    second = write_workbook(tmp_path / "b.xlsx", NEW[2:], FIELDS)
    result = cli("diff", "--old", versions[0], "--new", first, "--new", second, "--format", "json")
    assert result.exit_code == 4, result.stderr
    assert json.loads(result.stdout)["units"] == json.loads(cli("diff", *versions, "--format", "json").stdout)["units"]
    assert cli("diff", versions[0]).exit_code == 2
    assert cli("diff", *versions, "--old", first).exit_code == 2


def test_the_inputs_are_never_written(cli: Any, versions: tuple[Path, Path]) -> None:
    before = [(path.stat().st_ino, sha256(path)) for path in versions]
    assert diffed(cli, versions, "--format", "csv", "-o", versions[1]).exit_code == 2
    diffed(cli, versions)
    assert [(path.stat().st_ino, sha256(path)) for path in versions] == before


def test_a_level_in_one_version_only_is_compared_by_what_its_rules_test(cli: Any, tmp_path: Path) -> None:
    """A park in the old version only: the standard's park rules exist on one side (the crash this guards)."""
    park = unit("P0001", "江宁创业园", "园区", STREET) | {"parent_code": "320115000000"}
    old = write_workbook(tmp_path / "old.xlsx", [*OLD, park], [*FIELDS, "parent_code"])
    new = write_workbook(tmp_path / "new.xlsx", NEW, [*FIELDS, "parent_code"])
    result = cli("diff", old, new, "--format", "json", "--standard", "jiangsu-2016")
    assert result.exit_code == 4, result.stderr
    units = by_code(json.loads(result.stdout))
    removed = units["P0001"]
    assert removed["change"] == "removed" and removed["old_status"] is not None and removed["new_status"] is None
    assert {rule["rule"] for rule in removed["rules"]} >= {"jobs_per_entity", "startup_entities"}
    assert all(rule["new"] is None for rule in removed["rules"])
    street = units["320115001000"]  # the streets' rules still line up
    assert [(rule["rule"], rule["old"], rule["new"]) for rule in street["rules"]] == [
        ("participation_rate", "fail", "pass")
    ]
