"""Rules over several years: every year of a window passes (each), or the rule on the years' summed counts (pooled)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook

from chuangye_metrics.config.catalog import Catalog
from chuangye_metrics.standards.library import load_standard
from tests.conftest import check_result

HEADERS = {
    "unit_code": "单位代码",
    "unit_name": "单位名称",
    "level": "单位层级",
    "parent_code": "上级单位代码",
    "year": "统计年度",
    "site_area": "孵化场地面积",
    "site_area_used": "已使用面积",
    "incubated_entities": "在孵创业实体数",
    "base_jobs": "吸纳就业人数",
    "graduated_entities": "出孵实体数",
    "incubation_successes": "孵化成功数",
    "due_to_exit": "到期应出园数",
    "exited_on_time": "按期出园数",
    "operating_years": "运营年限",
}
COUNTY = "320115000000"


def base_row(code: str, year: int, *counts: float | None) -> dict[str, Any]:
    """A base's row: area, area used, entities, jobs, graduated, successes, due to exit, exited on time, years."""
    names = list(HEADERS)[5:]
    return {
        "unit_code": code,
        "unit_name": f"{code}基地",
        "level": "孵化基地",
        "parent_code": COUNTY,
        "year": year,
        **dict(zip(names, counts, strict=True)),
    }


def write_bases(path: Path, rows: Sequence[dict[str, Any]]) -> Path:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(list(HEADERS.values()))
    for row in rows:
        sheet.append([row.get(name) for name in HEADERS])
    workbook.save(path)
    return path


# B001 passes everything. B002: 2022's space 6,800 of 8,000 m² (85 %); its successes 6 + 8 + 6 = 20 of 10 + 20 + 10
# = 40 graduated over the three years (50 %; the mean of the yearly rates 60 %, 40 %, 60 % would be 53.3 %).
# B003 has no row for 2022. B004 has 28 and 29 entities in 2021 and 2022 (30 needed each year).
ROWS = [
    base_row("B001", 2021, 10000, 9500, 35, 320, 10, 7, 10, 10, 3),
    base_row("B001", 2022, 10000, 9200, 32, 310, 12, 8, 12, 12, 4),
    base_row("B001", 2023, 10000, 9100, 31, 305, 8, 5, 8, 8, 5),
    base_row("B002", 2021, 8000, 7600, 40, 400, 10, 6, 10, 10, 6),
    base_row("B002", 2022, 8000, 6800, 40, 400, 20, 8, 20, 19, 7),
    base_row("B002", 2023, 8000, 7400, 40, 400, 10, 6, 10, 10, 8),
    base_row("B003", 2021, 5000, 4800, 30, 300, 5, 4, 5, 5, 2),
    base_row("B003", 2023, 5000, 4800, 30, 300, 5, 4, 5, 5, 4),
    base_row("B004", 2021, 6000, 6000, 28, 350, 10, 7, 10, 10, 2),
    base_row("B004", 2022, 6000, 6000, 29, 350, 10, 7, 10, 10, 3),
    base_row("B004", 2023, 6000, 6000, 35, 350, 10, 7, 10, 10, 4),
]


@pytest.fixture
def national(tmp_path: Path, catalog: Catalog) -> Any:
    return check_result(
        write_bases(tmp_path / "bases.xlsx", ROWS), catalog, load_standard("national-2017-demo-base", catalog)
    )


def checks_of(result: Any, code: str) -> dict[str, Any]:
    (unit,) = [unit for unit in result.units if unit.unit_code == code and unit.assessment is not None]
    return {check.indicator or check.field: check for check in unit.assessment.checks}


def status_of(result: Any, code: str) -> str:
    (unit,) = [unit for unit in result.units if unit.unit_code == code and unit.assessment is not None]
    return str(unit.assessment.status)


def test_each_base_is_judged_once_at_its_latest_year(national: Any) -> None:
    judged = {(unit.unit_code, unit.year) for unit in national.units if unit.assessment is not None}
    assert judged == {("B001", 2023), ("B002", 2023), ("B003", 2023), ("B004", 2023)}
    assert [status_of(national, code) for code in ("B001", "B002", "B003", "B004")] == [
        "pass",
        "fail",
        "incomplete",
        "fail",
    ]
    (coverage,) = national.coverage  # the earlier years are windows, not verdicts
    assert (coverage.year, coverage.assessed, coverage.passed, coverage.failed, coverage.incomplete) == (
        2023,
        4,
        1,
        2,
        1,
    )


def test_an_each_rule_names_the_failing_year_and_lacks_what_that_year_lacks(national: Any) -> None:
    space = checks_of(national, "B002")["site_utilisation"]
    assert space.status == "fail"
    assert space.window is not None and space.window.kind == "each"
    assert (space.window.first_year, space.window.last_year, space.window.failing_year) == (2021, 2023, 2022)
    # 2021: 7,600 / 8,000 = 95 %; 2022: 6,800 / 8,000 = 85 %; 2023: 7,400 / 8,000 = 92.5 %
    assert [(year.year, year.value, year.status) for year in space.window.by_year] == [
        (2021, pytest.approx(95.0), "pass"),
        (2022, pytest.approx(85.0), "fail"),
        (2023, pytest.approx(92.5), "pass"),
    ]
    # the weakest year's value; 90 % of 8,000 m² is 7,200: 2022 lacks 400 m²
    assert space.value == pytest.approx(85.0)
    assert space.shortfall == 400 and space.shortfall_unit == "square_metre"
    assert [year.shortfall for year in space.window.by_year] == [0, 400, 0]


def test_an_each_rule_failing_in_two_years_names_the_first_and_lacks_both(national: Any) -> None:
    entities = checks_of(national, "B004")["incubated_entities"]
    # 28 and 29 entities where 30 are needed: 2021 fails first, and 2 + 1 = 3 entities are lacking in all
    assert (entities.status, entities.window.failing_year, entities.value, entities.shortfall) == ("fail", 2021, 28, 3)


def test_a_pooled_rule_is_the_ratio_of_the_summed_counts_never_the_mean_of_the_rates(national: Any) -> None:
    success = checks_of(national, "B002")["incubation_success_rate"]
    assert success.window is not None and success.window.kind == "pooled"
    # (6 + 8 + 6) / (10 + 20 + 10) = 20 / 40 = 50 %, not (60 + 40 + 60) / 3 = 53.3 %
    assert success.value == pytest.approx(50.0)
    # 60 % of 40 is 24 successes: 4 more over the three years; 23 would be 57.5 %
    assert (success.status, success.shortfall, success.shortfall_unit) == ("fail", 4, "entity")
    assert [year.value for year in success.window.by_year] == [pytest.approx(60.0), pytest.approx(40.0), 60.0]
    assert all(year.status is None for year in success.window.by_year)
    on_time = checks_of(national, "B002")["on_time_exit_rate"]
    # (10 + 19 + 10) / (10 + 20 + 10) = 39 / 40 = 97.5 % >= 95 %
    assert (on_time.status, on_time.value) == ("pass", pytest.approx(97.5))


def test_a_missing_year_makes_the_unit_incomplete_and_is_named(national: Any) -> None:
    checks = checks_of(national, "B003")
    for rule in ("site_utilisation", "incubated_entities", "base_jobs", "incubation_success_rate"):
        check = checks[rule]
        assert check.status == "missing", rule
        assert check.window.missing_years == [2022]
        assert "2022" in check.reason
    assert checks["operating_years"].status == "pass"  # 4 years >= 3


def test_the_operating_years_are_a_rule(national: Any, tmp_path: Path, catalog: Catalog) -> None:
    young = [base_row("B009", year, 10000, 9500, 35, 320, 10, 7, 10, 10, year - 2021) for year in (2021, 2022, 2023)]
    result = check_result(
        write_bases(tmp_path / "young.xlsx", young), catalog, load_standard("national-2017-demo-base", catalog)
    )
    operating = checks_of(result, "B009")["operating_years"]
    # 2 years of operation where 3 are required: 1 year short
    assert (operating.status, operating.value, operating.shortfall, operating.shortfall_unit) == ("fail", 2, 1, "year")


def test_a_blank_count_of_one_year_is_named_with_its_year(tmp_path: Path, catalog: Catalog) -> None:
    rows = [base_row("B005", year, 1000, 950, 30, 300, 5, 4, 5, 5, 5) for year in (2021, 2022, 2023)]
    rows[1]["incubation_successes"] = None
    result = check_result(
        write_bases(tmp_path / "blank.xlsx", rows), catalog, load_standard("national-2017-demo-base", catalog)
    )
    success = checks_of(result, "B005")["incubation_success_rate"]
    assert success.status == "missing" and success.value is None
    assert "2022" in success.reason and success.window.missing_years == []


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    graduated=st.lists(st.integers(min_value=1, max_value=400), min_size=3, max_size=3),
    data=st.data(),
)
def test_pooled_is_the_ratio_of_sums_for_any_split(
    tmp_path_factory: pytest.TempPathFactory, catalog: Catalog, graduated: list[int], data: st.DataObject
) -> None:
    successes = [data.draw(st.integers(min_value=0, max_value=count)) for count in graduated]
    rows = [
        base_row("B100", 2021 + offset, 1000, 950, 30, 300, graduated[offset], successes[offset], 5, 5, 5)
        for offset in range(3)
    ]
    path = write_bases(tmp_path_factory.mktemp("pooled") / "bases.xlsx", rows)
    success = checks_of(check_result(path, catalog, load_standard("national-2017-demo-base", catalog)), "B100")[
        "incubation_success_rate"
    ]
    pooled = sum(successes) / sum(graduated) * 100
    assert success.value == pytest.approx(pooled, rel=1e-12)
    # minimal: the shortfall added to the summed successes reaches 60 %, one fewer does not
    total = sum(graduated)
    if success.status == "fail":
        assert (sum(successes) + success.shortfall) / total * 100 >= 60 - 1e-9
        assert (sum(successes) + success.shortfall - 1) / total * 100 < 60
    else:
        assert pooled >= 60 - 1e-9 and success.shortfall == 0


def test_a_blank_condition_leaves_a_unit_incomplete_even_when_its_other_rules_pass(
    tmp_path: Path, catalog: Catalog
) -> None:
    standard = tmp_path / "tiers.yaml"
    standard.write_text(
        "id: tiers\nname: 分级\nsource: 测试\nstatus: official\nlevels:\n  park:\n"
        "    - {field: base_jobs, op: '>=', value: 100}\n"
        "    - when: {base_tier: [市级]}\n      rules: [{field: incubated_entities, op: '>=', value: 40}]\n",
        encoding="utf-8",
    )
    workbook = Workbook()
    headers = ["单位代码", "单位名称", "单位层级", "上级单位代码", "统计年度", "基地级别", "吸纳就业人数"]
    headers.append("在孵创业实体数")
    workbook.active.append(headers)
    workbook.active.append(["B1", "甲", "园区", COUNTY, 2023, None, 150, 10])
    workbook.active.append(["B2", "乙", "园区", COUNTY, 2023, "县级", 150, 10])
    workbook.save(tmp_path / "tiers.xlsx")
    result = check_result(tmp_path / "tiers.xlsx", catalog, load_standard(standard, catalog))
    # B1's tier is blank: whether 40 entities are needed cannot be told, so 150 jobs alone do not make it pass;
    # B2 is of a tier no rule set names: the rule for every park is all it faces
    assert status_of(result, "B1") == "incomplete"
    (b1,) = [unit for unit in result.units if unit.unit_code == "B1"]
    assert "基地级别" in b1.assessment.reason
    assert status_of(result, "B2") == "pass"
