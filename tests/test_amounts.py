"""Amounts (万元, ㎡) and evaluators' scores: read exactly, amounts summed like counts but never added to people."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook

from chuangye_metrics.config.catalog import Catalog
from tests.conftest import read_result

HEADERS = ["单位代码", "单位名称", "单位层级", "统计年度", "营业总额", "纳税总额", "在孵创业实体数"]
HEADERS += ["制度建设得分", "孵化场地面积"]


def write(path: Path, rows: list[list[Any]]) -> Path:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(HEADERS)
    for row in rows:
        sheet.append(row)
    workbook.save(path)
    return path


@pytest.fixture
def streets(tmp_path: Path) -> Path:
    return write(
        tmp_path / "amounts.xlsx",
        [
            ["320115001000", "东山街道", "街道", 2023, "1,234.5 万元", 12.25, 10, "18分", "3,000㎡"],
            ["320115002000", "秣陵街道", "街道", 2023, 100.25, "3万", 5, 17.5, 1000],
        ],
    )


def test_amounts_are_read_exactly_with_their_units(streets: Path, catalog: Catalog) -> None:
    frame = read_result(streets, catalog).units.frame.set_index("unit_code")
    assert frame.loc["320115001000", ["revenue", "tax_paid", "score_rules", "site_area"]].tolist() == [
        1234.5,
        12.25,
        18,
        3000,
    ]
    assert frame.loc["320115002000", ["revenue", "tax_paid", "score_rules"]].tolist() == [100.25, 3, 17.5]


def test_amounts_sum_into_the_parent_and_scores_do_not(streets: Path, catalog: Catalog) -> None:
    frame = read_result(streets, catalog).units.frame.set_index("unit_code")
    county = frame.loc["320115000000"]
    # 1,234.5 + 100.25 = 1,334.75 万元; 12.25 + 3 = 15.25 万元; 3,000 + 1,000 m²; 10 + 5 entities
    assert county[["revenue", "tax_paid", "site_area", "incubated_entities"]].tolist() == [1334.75, 15.25, 4000, 15]
    # points given to each street are no points of the county's
    assert county["score_rules"] != county["score_rules"]


def test_an_amount_per_entity_is_in_wan_yuan(cli: Any, streets: Path) -> None:
    result = cli("compute", streets, "--format", "json")
    assert result.exit_code == 0, result.stderr
    units = {unit["unit_code"]: unit for unit in json.loads(result.stdout)["units"]}
    revenue = units["320115001000"]["indicators"]["revenue_per_entity"]
    # 1,234.5 万元 over 10 entities
    assert (revenue["value"], revenue["unit"], revenue["numerator"], revenue["denominator"]) == (
        pytest.approx(123.45),
        "wan_yuan",
        1234.5,
        10,
    )
    assert units["320115000000"]["fields"]["revenue"] == 1334.75
    table = cli("compute", streets, "--indicators", "revenue_per_entity")
    assert "123.5 万元" in table.stdout


def test_cells_that_are_no_amount_are_named(tmp_path: Path, catalog: Catalog) -> None:
    path = write(tmp_path / "bad.xlsx", [["320115003000", "淳化街道", "街道", 2023, "50人", -1, 5, 2000, None]])
    found = {(f.code, f.field, f.value) for f in read_result(path, catalog).findings if f.severity == "error"}
    # 人 is no unit of an amount; an amount is not negative; a score is at most 1,000 points
    assert found == {
        ("not-a-number", "revenue", "50人"),
        ("constraint-ge", "tax_paid", "-1"),
        ("constraint-le", "score_rules", "2000"),
    }


def test_an_indicator_adding_money_to_people_is_refused(cli: Any, streets: Path, tmp_path: Path) -> None:
    formulas = tmp_path / "mine.yaml"
    formulas.write_text(
        "indicators:\n"
        "  - {id: muddle, name: 混合, numerator: revenue + base_jobs, denominator: incubated_entities, unit: ratio}\n",
        encoding="utf-8",
    )
    result = cli("compute", streets, "--formulas", formulas)
    assert result.exit_code == 2
    assert "mine.yaml:2" in result.stderr and "wan_yuan" in result.stderr and "person" in result.stderr
