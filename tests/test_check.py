"""`chuangye check`: statuses, gaps, shortfalls and coverage against user-written and shipped standards."""

from __future__ import annotations

import json
from collections.abc import Callable
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook

from chuangye_metrics.config.catalog import Catalog
from chuangye_metrics.standards.assessment import assess
from chuangye_metrics.standards.library import Standard, shipped_standards
from chuangye_metrics.validation.validate import validate_return
from tests.conftest import CANONICAL_HEADERS, table_from_rows

USER_STANDARD = """\
id: test-three-levels
name: 测试标准
source: 测试文件 1号（2026 年）
status: official
levels:
  street:
    - {indicator: participation_rate, op: ">=", value: 1.0}
    - {indicator: success_rate, op: ">=", value: 50}
  社区:
    - {indicator: jobs_per_entrepreneur, op: ">=", value: 5}
    - {field: new_entrepreneurs, op: ">=", value: 10}
  park:
    - {indicator: survival_rate, op: ">", value: 60}
    - {field: startup_entities, op: ">=", value: 20}
coverage: {street: 100, community: 50, park: 100}
"""

STREET = {
    "unit_code": "320115001000",
    "unit_name": "东山街道",
    "level": "街道",
    "year": 2016,
    "labour_force": 10000,
    "new_entrepreneurs": 90,
    "startup_jobs": 400,
    "trainees": 60,
    "trainees_certified": 40,
    "trainees_started": 20,
}
PASSING_COMMUNITY = {
    "unit_code": "320115001001",
    "unit_name": "竹山社区",
    "level": "社区",
    "year": 2016,
    "new_entrepreneurs": 50,
    "startup_jobs": 260,
}
FAILING_COMMUNITY = {
    "unit_code": "320115001002",
    "unit_name": "上坊社区",
    "level": "社区",
    "year": 2016,
    "new_entrepreneurs": 7,
    "startup_jobs": 30,
}
BLANK_COMMUNITY = {"unit_code": "320115001003", "unit_name": "佘村社区", "level": "社区", "year": 2016}
PARK = {
    "unit_code": "P001",
    "unit_name": "东山创业园",
    "level": "园区",
    "parent_code": "320115001000",
    "year": 2016,
    "cohort_births": 10,
    "cohort_survivors": 6,
    "startup_entities": 25,
}
ROWS = [STREET, PASSING_COMMUNITY, FAILING_COMMUNITY, BLANK_COMMUNITY, PARK]


@pytest.fixture
def user_standard(tmp_path: Path) -> Path:
    path = tmp_path / "standard.yaml"
    path.write_text(USER_STANDARD, encoding="utf-8")
    return path


def run_check(cli: Any, path: Path, *options: str | Path, code: int = 3) -> dict[str, Any]:
    result = cli("check", path, "--format", "json", *options)
    assert result.exit_code == code, result.stderr
    document: dict[str, Any] = json.loads(result.stdout)
    return document


def assessments(document: dict[str, Any]) -> dict[str, Any]:
    return {unit["unit_code"]: unit["assessment"] for unit in document["units"]}


def checks_of(assessment: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {check["indicator"] or check["field"]: check for check in assessment["checks"]}


def test_user_standard_statuses_gaps_and_shortfalls(
    cli: Any, make_return: Callable[..., Path], user_standard: Path
) -> None:
    document = run_check(cli, make_return(ROWS), "--standard", user_standard)
    units = assessments(document)

    street = units["320115001000"]
    assert street["status"] == "fail"
    participation = checks_of(street)["participation_rate"]
    # 90 / 10000 = 0.9 %; 1.0 % of 10000 is 100 people, so 10 more new entrepreneurs
    assert participation["value"] == pytest.approx(0.9)
    assert participation["gap"] == pytest.approx(0.1)
    assert (participation["status"], participation["shortfall"], participation["shortfall_unit"]) == (
        "fail",
        10,
        "person",
    )
    success = checks_of(street)["success_rate"]
    # 20 / 40 = 50 % exactly: on the threshold of ">=", so it passes with nothing short
    assert (success["status"], success["shortfall"], success["gap"]) == ("pass", 0, pytest.approx(0.0))

    assert units["320115001001"]["status"] == "pass"

    failing = checks_of(units["320115001002"])
    # 30 / 7 = 4.29 jobs per entrepreneur; 1:5 needs 35 jobs, so 5 more
    assert failing["jobs_per_entrepreneur"]["shortfall"] == 5
    assert failing["jobs_per_entrepreneur"]["gap"] == pytest.approx(5 - 30 / 7)
    # the raw field: 7 new entrepreneurs against at least 10
    assert (failing["new_entrepreneurs"]["status"], failing["new_entrepreneurs"]["shortfall"]) == ("fail", 3)
    assert failing["new_entrepreneurs"]["shortfall_unit"] == "person"
    assert units["320115001002"]["status"] == "fail"

    blank = units["320115001003"]
    assert blank["status"] == "incomplete"
    assert {check["status"] for check in blank["checks"]} == {"missing"}
    assert all(check["shortfall"] is None and check["reason"] for check in blank["checks"])

    park = checks_of(units["P001"])
    # 6 / 10 = 60 % is not above 60; 7 / 10 = 70 % is, so 1 more surviving entity
    assert (park["survival_rate"]["status"], park["survival_rate"]["shortfall"]) == ("fail", 1)
    assert park["survival_rate"]["shortfall_unit"] == "entity"
    assert park["startup_entities"]["status"] == "pass"

    # the county derived from the street is of no level the standard covers
    assert units["320115000000"] is None


def test_user_standard_coverage(cli: Any, make_return: Callable[..., Path], user_standard: Path) -> None:
    document = run_check(cli, make_return(ROWS), "--standard", user_standard)
    coverage = {entry["level"]: entry for entry in document["coverage"]}
    assert set(coverage) == {"street", "community", "park"}
    community = coverage["community"]
    assert (community["assessed"], community["passed"], community["failed"], community["incomplete"]) == (3, 1, 1, 1)
    assert community["share"] == pytest.approx(100 / 3)
    assert (community["target"], community["met"]) == (50, False)
    assert (coverage["street"]["share"], coverage["street"]["met"]) == (0, False)
    assert coverage["park"]["year"] == 2016


def test_register_counts_units_without_a_return(
    cli: Any, make_return: Callable[..., Path], user_standard: Path, tmp_path: Path
) -> None:
    register = tmp_path / "register.txt"
    register.write_text(
        "# 东山街道辖区\n320115001000 东山街道\n320115001001 竹山社区\n320115001002\n320115001004 新村社区\n",
        encoding="utf-8",
    )
    document = run_check(
        cli, make_return([STREET, PASSING_COMMUNITY]), "--standard", user_standard, "--register", register
    )
    community = {entry["level"]: entry for entry in document["coverage"]}["community"]
    assert (community["assessed"], community["passed"], community["no_return"]) == (3, 1, 2)
    assert [unit["unit_code"] for unit in community["missing_units"]] == ["320115001002", "320115001004"]
    assert community["missing_units"][1]["unit_name"] == "新村社区"
    assert community["share"] == pytest.approx(100 / 3)


@pytest.mark.parametrize(("fail_on", "code"), [("unit", 3), ("coverage", 0), ("never", 0)])
def test_fail_on_chooses_what_exits_3(
    cli: Any, make_return: Callable[..., Path], tmp_path: Path, fail_on: str, code: int
) -> None:
    lenient = tmp_path / "lenient.yaml"
    lenient.write_text(USER_STANDARD.replace("{street: 100, community: 50, park: 100}", "{community: 30}"))
    # one community of three passes: 33 % meets the 30 % target though units fail
    run_check(cli, make_return(ROWS), "--standard", lenient, "--fail-on", fail_on, code=code)


def test_missed_coverage_exits_3_with_fail_on_coverage(
    cli: Any, make_return: Callable[..., Path], user_standard: Path
) -> None:
    run_check(cli, make_return(ROWS), "--standard", user_standard, "--fail-on", "coverage", code=3)


def test_all_passing_exits_0(cli: Any, make_return: Callable[..., Path], tmp_path: Path) -> None:
    standard = tmp_path / "easy.yaml"
    standard.write_text(
        "id: easy\nname: 宽松\nsource: 测试\nstatus: official\n"
        "levels:\n  community:\n    - {field: new_entrepreneurs, op: '>=', value: 1}\ncoverage: {community: 100}\n"
    )
    document = run_check(cli, make_return([STREET, PASSING_COMMUNITY]), "--standard", standard, code=0)
    assert assessments(document)["320115001001"]["status"] == "pass"


def test_table_and_csv_outputs(cli: Any, make_return: Callable[..., Path], user_standard: Path) -> None:
    path = make_return(ROWS)
    table = cli("check", path, "--standard", user_standard)
    assert table.exit_code == 3
    assert "东山街道" in table.stdout and "未达标" in table.stdout and "差 10 人" in table.stdout
    assert "达标覆盖率" in table.stdout
    csv_result = cli("check", path, "--standard", user_standard, "--format", "csv")
    lines = csv_result.stdout.splitlines()
    assert lines[0].startswith("standard,provisional_standard,unit_code")
    street_participation = [line for line in lines if line.count("320115001000") and "participation_rate" in line]
    assert len(street_participation) == 1
    assert ",fail,0.1" in street_participation[0] and ",10,person," in street_participation[0]


# --- shortfall is minimal: hand arithmetic with exact fractions ---------------------------------------


def assess_one(catalog: Catalog, row: dict[str, Any], rule: dict[str, Any]) -> dict[str, Any]:
    standard = Standard.model_validate(
        {"id": "t", "name": "t", "source": "t", "status": "official", "levels": {"street": [rule]}}
    )
    validated = validate_return(table_from_rows([row], catalog), catalog)
    table = validated.unit_table(catalog)
    assessments = assess(table, standard, catalog)
    (position,) = assessments.assessed.nonzero()[0].tolist()
    assessment = assessments.assessment(position)
    assert assessment is not None
    return assessment.checks[0].model_dump()


def street(**counts: int) -> dict[str, Any]:
    return {"unit_code": "320115001000", "unit_name": "街道", "level": "街道", "year": 2016, **counts}


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    labour=st.integers(1, 200_000),
    new=st.integers(0, 5_000),
    tenths=st.integers(1, 300),
    strict=st.booleans(),
)
def test_percent_shortfall_is_the_least_that_passes(
    catalog: Catalog, labour: int, new: int, tenths: int, strict: bool
) -> None:
    threshold = Fraction(tenths, 10)  # 0.1 % .. 30.0 %
    op = ">" if strict else ">="
    check = assess_one(
        catalog,
        street(labour_force=labour, new_entrepreneurs=new),
        {"indicator": "participation_rate", "op": op, "value": float(threshold)},
    )

    def passes(added: int) -> bool:
        value = Fraction(new + added, labour) * 100
        return value > threshold if strict else value >= threshold

    assert check["status"] == ("pass" if passes(0) else "fail")
    shortfall = check["shortfall"]
    assert passes(shortfall)
    if shortfall > 0:
        assert not passes(shortfall - 1)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(jobs=st.integers(0, 10_000), entities=st.integers(1, 2_000), ratio=st.integers(1, 20))
def test_ratio_shortfall_is_the_least_that_passes(catalog: Catalog, jobs: int, entities: int, ratio: int) -> None:
    check = assess_one(
        catalog,
        street(startup_jobs=jobs, startup_entities=entities),
        {"indicator": "jobs_per_entity", "op": ">=", "value": ratio},
    )
    needed = max(0, ratio * entities - jobs)  # 1:ratio needs ratio × entities jobs
    assert check["shortfall"] == needed


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(base=st.integers(1, 5_000), now=st.integers(0, 10_000), percent=st.integers(1, 30))
def test_growth_shortfall_is_the_least_that_passes(catalog: Catalog, base: int, now: int, percent: int) -> None:
    check = assess_one(
        catalog,
        street(active_entities=now, active_entities_base=base),
        {"indicator": "entity_growth_rate", "op": ">=", "value": percent},
    )

    def passes(added: int) -> bool:
        # ((now + added) / base)^(1/3) - 1 >= percent / 100  <=>  (now + added) × 100³ >= base × (100 + percent)³
        return (now + added) * 100**3 >= base * (100 + percent) ** 3

    shortfall = check["shortfall"]
    assert passes(shortfall)
    if shortfall > 0:
        assert not passes(shortfall - 1)


def test_upper_bound_failure_has_no_shortfall(catalog: Catalog) -> None:
    check = assess_one(
        catalog,
        street(labour_force=1000, new_entrepreneurs=50),
        {"indicator": "participation_rate", "op": "<=", "value": 2},
    )
    assert (check["status"], check["shortfall"]) == ("fail", None)
    assert check["reason"]


# --- shipped standards ---------------------------------------------------------------------------------


def test_every_shipped_standard_loads_and_cites_its_source(cli: Any) -> None:
    listed = cli("standards", "list", "--format", "json")
    assert listed.exit_code == 0
    rows = {row["id"]: row for row in json.loads(listed.stdout)}
    assert {"jiangsu-2016", "jiangsu-2016-demo-base", "jiangsu-2017", "jiaxing-2013"} <= set(rows)
    assert set(rows) == set(shipped_standards())
    for row in rows.values():
        assert row["source"] and row["name"]
    assert rows["jiangsu-2016"]["provisional"] is True
    assert rows["jiangsu-2016"]["levels"] == ["street", "community", "park"]
    shown = cli("standards", "show", "jiangsu-2016")
    assert shown.exit_code == 0 and "苏人社发〔2016〕249号" in shown.stdout and "暂定" in shown.stdout


SAMPLE = Path(__file__).resolve().parents[1] / "sample_data" / "jiangning_2016.xlsx"


def test_jiangsu_2016_marks_provisional_thresholds(cli: Any) -> None:
    document = run_check(cli, SAMPLE, "--standard", "jiangsu-2016")
    assert document["standard"]["status"] == "provisional"
    assert document["standard"]["provisional"] is True
    assessed = [unit["assessment"] for unit in document["units"] if unit["assessment"]]
    assert assessed and all(a["provisional"] and all(c["provisional"] for c in a["checks"]) for a in assessed)
    targets = {entry["level"]: entry["target"] for entry in document["coverage"]}
    assert targets == {"street": 80, "community": 70, "park": 90}
    table = cli("check", SAMPLE, "--standard", "jiangsu-2016")
    assert "暂定" in table.stdout and "*" in table.stdout
    english = cli("check", SAMPLE, "--standard", "jiangsu-2016", "--lang", "en", "--format", "json")
    assert "provisional" in english.stderr


def test_jiaxing_2013_on_a_city(cli: Any, make_return: Callable[..., Path]) -> None:
    city = {
        "unit_code": "330400000000",
        "unit_name": "嘉兴市",
        "level": "市",
        "year": 2015,
        "labour_force": 100_000,
        "entrepreneurs": 20_000,
        "new_entrepreneurs": 2_000,
        "startup_jobs": 16_000,  # activity (20000 + 16000) / 100000 = 36 %; 1:8 per new entrepreneur
        "trainees": 1_000,
        "trainees_certified": 920,  # 92 %
        "trainees_started": 460,  # 460 / 920 = 50 %
        "graduate_entrepreneurs": 400,  # 20 %
        "eligible_applicants": 1_000,
        "supported_applicants": 950,  # 95 %
        "survey_respondents": 500,
        "survey_satisfied": 460,  # 92 %
        "active_entities": 1_331,
        "active_entities_base": 1_000,  # (1.331)^(1/3) - 1 = 10 %
        "active_entity_years": 5_324,  # 5324 / 1331 = 4 years
    }
    document = run_check(cli, make_return([city]), "--standard", "jiaxing-2013")
    assessment = assessments(document)["330400000000"]
    checks = checks_of(assessment)
    failing = {name for name, check in checks.items() if check["status"] == "fail"}
    assert failing == {"jobs_per_entrepreneur", "mean_entity_age"}
    assert checks["jobs_per_entrepreneur"]["shortfall"] == 4_000  # 1:10 needs 20000 jobs
    assert checks["mean_entity_age"]["shortfall"] == 1_331  # 5 years × 1331 entities = 6655 entity-years
    assert checks["mean_entity_age"]["shortfall_unit"] == "year"
    assert checks["entity_growth_rate"]["value"] == pytest.approx(10.0)
    assert not any(check["provisional"] for check in assessment["checks"])
    assert document["standard"]["provisional"] is True  # its street rules are placeholders


def test_jiangsu_2017_on_a_province(cli: Any, make_return: Callable[..., Path]) -> None:
    province = {
        "unit_code": "320000000000",
        "unit_name": "江苏省",
        "level": "省",
        "year": 2017,
        "trainees": 1_000,
        "trainees_certified": 950,
        "trainees_started": 450,
    }
    document = run_check(cli, make_return([province]), "--standard", "jiangsu-2017")
    checks = checks_of(assessments(document)["320000000000"])
    assert checks["training_pass_rate"]["status"] == "pass"
    # 450 / 950 = 47.4 %; 50 % of 950 is 475
    assert (checks["success_rate"]["status"], checks["success_rate"]["shortfall"]) == ("fail", 25)


def test_demo_base_rules_follow_the_park_type(cli: Any, make_return: Callable[..., Path]) -> None:
    def park(code: str, kind: str | None, incubated: int, jobs: int, entities: int) -> dict[str, Any]:
        row = {
            "unit_code": code,
            "unit_name": f"园区{code}",
            "level": "园区",
            "parent_code": "320115000000",
            "year": 2016,
            "incubated_entities": incubated,
            "startup_jobs": jobs,
            "startup_entities": entities,
        }
        return row | ({"park_type": kind} if kind else {})

    rows = [
        park("P1", "返乡创业园", 25, 130, 25),  # 25 ≥ 20; 130 / 25 = 5.2 ≥ 5
        park("P2", "众创空间", 28, 300, 30),  # 28 < 30 (2 short); 300 / 30 = 10
        park("P3", "科技园", 50, 500, 10),  # no rule set for this type
        park("P4", None, 50, 500, 10),  # type blank: which rules apply is unknown
    ]
    document = run_check(cli, make_return(rows), "--standard", "jiangsu-2016-demo-base")
    units = assessments(document)
    assert (units["P1"]["status"], units["P1"]["rule_set"]) == ("pass", "返乡、农村创业园")
    p2 = checks_of(units["P2"])
    assert units["P2"]["status"] == "fail"
    assert (p2["incubated_entities"]["shortfall"], p2["incubated_entities"]["shortfall_unit"]) == (2, "entity")
    assert p2["jobs_per_entity"]["status"] == "pass"
    assert units["P3"] is None
    assert units["P4"]["status"] == "incomplete" and "园区类型" in units["P4"]["reason"]
    park_coverage = document["coverage"][0]
    assert (park_coverage["assessed"], park_coverage["passed"]) == (3, 1)


# --- mistakes in standard files ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        (USER_STANDARD.replace("indicator: success_rate", "indicator: sucess_rate"), 8, "sucess_rate"),
        (USER_STANDARD.replace('op: ">=", value: 5}', 'op: "=>", value: 5}'), 10, "op"),
        (USER_STANDARD.replace("{field: startup_entities,", "{field: startup_entitys,"), 14, "startup_entitys"),
        (USER_STANDARD.replace("  社区:", "  片区:"), 10, "片区"),  # 村委 is a level name now
        (USER_STANDARD.replace("status: official", "status: [official"), 5, "YAML"),
    ],
)
def test_a_mistake_in_a_standard_names_file_and_line(
    cli: Any, make_return: Callable[..., Path], tmp_path: Path, text: str, line: int, words: str
) -> None:
    standard = tmp_path / "broken.yaml"
    standard.write_text(text, encoding="utf-8")
    result = cli("check", make_return(ROWS), "--standard", standard)
    assert result.exit_code == 2
    assert f"broken.yaml:{line}" in result.stderr
    assert words in result.stderr
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_unknown_standard_id_exits_2(cli: Any, make_return: Callable[..., Path]) -> None:
    result = cli("check", make_return(ROWS), "--standard", "jiangsu-2099")
    assert result.exit_code == 2
    assert "jiangsu-2016" in result.stderr  # the known ids are listed


def test_user_formulas_feed_a_standard(cli: Any, tmp_path: Path) -> None:
    formulas = tmp_path / "mine.yaml"
    formulas.write_text(
        "fields:\n"
        "  - {id: returnee_entrepreneurs, header: 返乡创业人数, type: count, unit: person}\n"
        "indicators:\n"
        "  - {id: returnee_person_share, name: 返乡创业占比, numerator: returnee_entrepreneurs,"
        " denominator: new_entrepreneurs, unit: percent}\n",
        encoding="utf-8",
    )
    standard = tmp_path / "returnees.yaml"
    standard.write_text(
        "id: returnees\nname: 返乡\nsource: 测试\nstatus: official\n"
        "levels:\n  street:\n    - {indicator: returnee_person_share, op: '>=', value: 25}\n",
        encoding="utf-8",
    )
    path = tmp_path / "with_returnees.xlsx"
    headers = {**CANONICAL_HEADERS, "returnee_entrepreneurs": "返乡创业人数"}
    workbook = Workbook()
    workbook.active.append(list(headers.values()))
    workbook.active.append([(STREET | {"returnee_entrepreneurs": 18}).get(name) for name in headers])
    workbook.save(path)
    document = run_check(cli, path, "--standard", standard, "--formulas", formulas)
    check = checks_of(assessments(document)["320115001000"])["returnee_person_share"]
    # 18 / 90 = 20 %; 25 % of 90 is 22.5, so 23 returnees: 5 more
    assert (check["value"], check["shortfall"]) == (pytest.approx(20.0), 5)
    without = cli("check", path, "--standard", standard)
    assert without.exit_code == 2 and "returnee_person_share" in without.stderr


def test_explain_shows_the_arithmetic(cli: Any, make_return: Callable[..., Path], user_standard: Path) -> None:
    result = cli("explain", make_return(ROWS), "--unit", "320115001000", "--standard", user_standard)
    assert result.exit_code == 0, result.stderr
    assert "90 ÷ 10000 × 100 = 0.9%" in result.stdout
    assert "再增加 10 人" in result.stdout
    derived = cli("explain", make_return(ROWS), "--unit", "320115000000")
    assert derived.exit_code == 0 and "1 个直接下级" in derived.stdout
    missing = cli("explain", make_return(ROWS), "--unit", "999")
    assert missing.exit_code == 2


def test_formulas_list_and_explain(cli: Any) -> None:
    listed = cli("formulas", "list", "--format", "json")
    assert listed.exit_code == 0
    ids = [item["id"] for item in json.loads(listed.stdout)]
    assert "participation_rate" in ids and "entity_growth_rate" in ids
    explained = cli("formulas", "explain", "activity_index")
    assert explained.exit_code == 0
    assert "(创业人员实有数 + 创业带动就业人数) ÷ 劳动年龄人口数 × 100" in explained.stdout
    assert cli("formulas", "explain", "no_such_thing").exit_code == 2


def test_missing_columns_are_warned_about_as_the_standard_needs(
    cli: Any, make_return: Callable[..., Path], user_standard: Path
) -> None:
    fields = ["unit_code", "unit_name", "level", "year", "labour_force", "new_entrepreneurs"]
    result = cli("check", make_return([STREET], fields=fields), "--standard", user_standard, "--format", "json")
    warned = {f["field"] for f in json.loads(result.stdout)["findings"] if f["code"] == "missing-count-column"}
    # the standard reads these; it does not read e.g. satisfaction survey counts
    assert warned == {
        "trainees_started",
        "trainees_certified",
        "startup_jobs",
        "cohort_survivors",
        "cohort_births",
        "startup_entities",
    }


def test_a_coverage_target_on_a_level_without_rules_has_a_row(
    cli: Any, make_return: Callable[..., Path], tmp_path: Path
) -> None:
    standard = tmp_path / "minimal.yaml"
    standard.write_text(
        "id: minimal\nname: 最小\nsource: 测试\nstatus: provisional\n"
        "levels:\n  street:\n    - {indicator: participation_rate, op: '>=', value: 0.5}\n"
        "coverage: {street: 80, community: 70}\n",
        encoding="utf-8",
    )
    document = run_check(cli, make_return(ROWS), "--standard", standard, code=0)
    coverage = {entry["level"]: entry for entry in document["coverage"]}
    assert (coverage["street"]["passed"], coverage["street"]["met"]) == (1, True)  # 0.9 % >= 0.5 %
    assert (coverage["community"]["assessed"], coverage["community"]["share"], coverage["community"]["met"]) == (
        0,
        None,
        None,
    )


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        (
            "indicators:\n  - {id: x, name: X, numerator: nosuch, denominator: labour_force, unit: percent}\n",
            2,
            "nosuch",
        ),
        ("indicators:\n  - {id: x, name: X, numerator: a +, denominator: labour_force, unit: percent}\n", 2, "bad"),
        ("fields:\n  - {id: labour_force, header: 重复, type: count}\n", 2, "twice"),
        ("fields: [\n", 2, "YAML"),
    ],
)
def test_a_mistake_in_a_formulas_file_names_file_and_line(
    cli: Any, make_return: Callable[..., Path], tmp_path: Path, text: str, line: int, words: str
) -> None:
    formulas = tmp_path / "mine.yaml"
    formulas.write_text(text, encoding="utf-8")
    result = cli("compute", make_return(ROWS), "--formulas", formulas)
    assert result.exit_code == 2
    assert f"mine.yaml:{line}" in result.stderr and words in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_a_large_check_table_is_written_as_plain_aligned_columns(cli: Any, monkeypatch: Any) -> None:
    from chuangye_metrics.outputs import table as render

    sample = Path(__file__).resolve().parent.parent / "sample_data" / "jiangning_2016.xlsx"
    drawn = cli("check", sample, "--standard", "jiangsu-2016", "--no-cache").stdout
    monkeypatch.setattr(render, "PLAIN_ABOVE", 1)
    plain = cli("check", sample, "--standard", "jiangsu-2016", "--no-cache").stdout
    assert "┃" in drawn
    lines = plain.splitlines()
    assert lines[lines.index("街道/乡镇 · jiangsu-2016") + 1].split()[:3] == ["单位代码", "单位名称", "结果"]
    street = next(line for line in lines if line.startswith("320115001000"))
    assert street.split()[:4] == ["320115001000", "东山街道", "未达标", "0.8%"]  # 420 / 52000, short of 1 %
    assert "达标覆盖率" in plain  # the small coverage table is still drawn


@pytest.mark.parametrize("standard_id", sorted(shipped_standards()))
def test_a_standard_dumps_as_it_was_read(catalog: Catalog, standard_id: str) -> None:
    """A conditional rule set (``when:``) is dumped as one, not as a threshold: no serializer warning, and the dump
    reads back to the same standard."""
    import warnings

    from chuangye_metrics.standards.library import load_standard

    standard = load_standard(standard_id, catalog)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        dumped = standard.model_dump(mode="json")
    assert Standard.model_validate(dumped) == standard


def test_a_derived_unit_takes_its_name_from_the_register(cli: Any, tmp_path: Path) -> None:
    """秣陵街道 has no row of its own in the sample (its counts sum its communities'): the register names it, in
    every output, and it stays marked as derived."""
    register = tmp_path / "register.txt"
    register.write_text("320115001000 东山街道\n320115002000 秣陵街道\n320115003000 汤山街道\n", encoding="utf-8")
    sample = Path(__file__).parent.parent / "sample_data" / "jiangning_2016.xlsx"
    args = ("check", sample, "-s", "jiangsu-2016", "--register", register, "--fail-on", "never")
    units = {unit["unit_code"]: unit for unit in json.loads(cli(*args, "--format", "json").stdout)["units"]}
    assert (units["320115002000"]["unit_name"], units["320115002000"]["derived"]) == ("秣陵街道", True)
    assert units["320115000000"]["unit_name"] is None  # the county is not in the register
    assert "秣陵街道" in cli(*args).stdout
    csv_rows = cli(*args, "--format", "csv").stdout.splitlines()
    assert any(",320115002000,秣陵街道,street," in row for row in csv_rows)
