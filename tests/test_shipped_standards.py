"""The shipped standards: each cites its source, fits the standard schema, gets its template, and is worked by hand."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

import jsonschema
import pytest
import yaml
from openpyxl import Workbook, load_workbook

from chuangye_metrics.config.catalog import Catalog
from chuangye_metrics.standards.library import load_standard, shipped_standards
from tests.conftest import Invoker

STANDARDS = sorted(shipped_standards())

Test = TypeVar("Test", bound=Callable[..., None])
WORKED: set[str] = set()
"""The standards a hand-computed test below runs through check."""


def worked(*standard_ids: str) -> Callable[[Test], Test]:
    """Marks a test as the hand-computed exercise of these standards."""
    WORKED.update(standard_ids)

    def mark(test: Test) -> Test:
        return test

    return mark


# --- every shipped standard ---------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def standard_schema() -> Any:
    """The standard schema as the current model gives it (``chuangye schema standard``)."""
    result = Invoker()("schema", "standard")
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


@pytest.mark.parametrize("standard_id", STANDARDS)
def test_a_shipped_standard_cites_its_source_and_fits_the_schema(
    standard_id: str, catalog: Catalog, standard_schema: Any
) -> None:
    standard = load_standard(standard_id, catalog)
    assert standard.id == standard_id
    assert standard.source.strip() and standard.date.strip() and standard.read_at.strip()
    assert standard.status in ("official", "provisional")
    assert standard.name and standard.name_en
    raw = yaml.safe_load(shipped_standards()[standard_id].read_text(encoding="utf-8"))
    jsonschema.validate(raw, standard_schema)


@pytest.mark.parametrize("standard_id", STANDARDS)
def test_the_template_of_a_shipped_standard_has_every_column_it_reads(
    standard_id: str, catalog: Catalog, cli: Any, tmp_path: Path
) -> None:
    path = tmp_path / f"{standard_id}.xlsx"
    result = cli("template", "--standard", standard_id, "-o", path)
    assert result.exit_code == 0, result.stderr
    sheet = load_workbook(path).worksheets[0]
    (header,) = [
        [cell for cell in row if cell is not None]
        for row in sheet.iter_rows(max_row=10, values_only=True)
        if row and row[0] == catalog.fields["unit_code"].header
    ]
    needed = load_standard(standard_id, catalog).fields_needed(catalog)
    assert needed
    assert [catalog.fields[name].header for name in needed if catalog.fields[name].header not in header] == []


def test_every_shipped_standard_is_worked_by_hand() -> None:
    assert set(shipped_standards()) - WORKED == set()


# --- returns and results ------------------------------------------------------------------------------------------


def write_return(path: Path, rows: Sequence[dict[str, Any]], catalog: Catalog) -> Path:
    """A tidy return of field ids' rows, under the catalogue's headers (a field no row has is left out)."""
    fields = list(dict.fromkeys(name for row in rows for name in row))
    workbook = Workbook()
    sheet = workbook.active
    sheet.append([catalog.fields[name].header for name in fields])
    for row in rows:
        sheet.append([row.get(name) for name in fields])
    workbook.save(path)
    return path


def check_json(cli: Any, path: Path, standard_id: str) -> Any:
    """``chuangye check PATH --standard ID --format json``, read back."""
    result = cli("check", path, "--standard", standard_id, "--format", "json", "--fail-on", "never", "--no-cache")
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def judged(document: Any) -> dict[str, Any]:
    """The assessed units by code (each judged once in these returns)."""
    units = [unit for unit in document["units"] if unit["assessment"] is not None]
    by_code = {unit["unit_code"]: unit for unit in units}
    assert len(by_code) == len(units)
    return by_code


def rules(unit: Any) -> dict[str, Any]:
    """A unit's checks by the indicator or field they test."""
    return {check["indicator"] or check["field"]: check for check in unit["assessment"]["checks"]}


def outcome(check: Any) -> tuple[Any, Any, Any]:
    return check["status"], check["value"], check["shortfall"]


def by_year(check: Any) -> list[tuple[Any, ...]]:
    return [(year["year"], year["value"], year["status"], year["shortfall"]) for year in check["window"]["by_year"]]


def park(code: str, year: int | None = None, **fields: Any) -> dict[str, Any]:
    """A base's (park's) row, under the county 320115000000."""
    row: dict[str, Any] = {"unit_code": code, "unit_name": f"{code}基地", "level": "孵化基地"}
    row["parent_code"] = "320115000000"
    if year is not None:
        row["year"] = year
    return {**row, **fields}


def territory(code: str, level: str, year: int = 2017, **fields: Any) -> dict[str, Any]:
    return {"unit_code": code, "unit_name": f"{code}单位", "level": level, "year": year, **fields}


# --- incubation bases and parks -----------------------------------------------------------------------------------


def national_row(code: str, year: int, *counts: int) -> dict[str, Any]:
    names = (
        "site_area",
        "site_area_used",
        "incubated_entities",
        "base_jobs",
        "graduated_entities",
        "incubation_successes",
        "due_to_exit",
        "exited_on_time",
        "operating_years",
    )
    return park(code, year, **dict(zip(names, counts, strict=True)))


@worked("national-2017-demo-base")
def test_national_demo_base_by_hand(cli: Any, tmp_path: Path, catalog: Catalog) -> None:
    rows = [
        # N1: 2022's jobs 290 < 300 fail that year; successes (7 + 5 + 6) / (10 + 10 + 10) = 60 % passes pooled
        national_row("N1", 2021, 1000, 950, 30, 300, 10, 7, 10, 10, 3),
        national_row("N1", 2022, 1000, 950, 30, 290, 10, 5, 10, 10, 4),
        national_row("N1", 2023, 1000, 950, 30, 310, 10, 6, 10, 10, 5),
    ]
    units = judged(check_json(cli, write_return(tmp_path / "n.xlsx", rows, catalog), "national-2017-demo-base"))
    assert (units["N1"]["year"], units["N1"]["assessment"]["status"]) == (2023, "fail")
    checks = rules(units["N1"])
    assert outcome(checks["base_jobs"]) == ("fail", 290, 10)  # the weakest year, and 300 - 290 = 10 jobs
    assert checks["base_jobs"]["window"]["failing_year"] == 2022
    assert outcome(checks["incubation_success_rate"]) == ("pass", pytest.approx(60.0), 0)  # 18 / 30
    assert outcome(checks["on_time_exit_rate"]) == ("pass", 100.0, 0)  # 30 / 30
    assert outcome(checks["operating_years"]) == ("pass", 5, 0)  # 5 >= 3


def fujian_row(code: str, year: int, *counts: int | None) -> dict[str, Any]:
    names = (
        "incubated_entities",
        "new_residents",
        "graduated_entities",
        "incubation_successes",
        "due_to_exit",
        "exited_on_time",
        "base_jobs",
    )
    return park(code, year, **dict(zip(names, counts, strict=True)))


@worked("fujian-2021-base")
def test_fujian_base_by_hand(cli: Any, tmp_path: Path, catalog: Catalog) -> None:
    rows = [
        # F1 passes: entities 30 + 31 + 32 = 93 >= 90; new residents 10, 12, 11 each >= 10; successes
        # (6 + 6 + 7) / 30 = 63.3 % >= 60; on time (9 + 9 + 10) / 30 = 93.3 % >= 90; jobs 280 + 300 + 330 = 910 >= 900
        # (2021's 280 alone is under 300: the mean over three years is what counts)
        fujian_row("F1", 2021, 30, 10, 10, 6, 10, 9, 280),
        fujian_row("F1", 2022, 31, 12, 10, 6, 10, 9, 300),
        fujian_row("F1", 2023, 32, 11, 10, 7, 10, 10, 330),
        # F2 fails every rule: entities 28 + 29 + 30 = 87, 3 short of 90; new residents 12, 8, 9: 2022 lacks 2 and
        # 2023 lacks 1, 3 in all; successes (5 + 6 + 6) / 30 = 56.7 %, 18 / 30 = 60 % needs 1 more; on time
        # (8 + 9 + 9) / 30 = 86.7 %, 27 / 30 = 90 % needs 1 more; jobs 300 + 300 + 299 = 899, 1 short of 900
        fujian_row("F2", 2021, 28, 12, 10, 5, 10, 8, 300),
        fujian_row("F2", 2022, 29, 8, 10, 6, 10, 9, 300),
        fujian_row("F2", 2023, 30, 9, 10, 6, 10, 9, 299),
        # F3 passes the rest but 2022's new residents are blank: incomplete, and the year is named
        fujian_row("F3", 2021, 30, 10, 10, 6, 10, 9, 300),
        fujian_row("F3", 2022, 30, None, 10, 6, 10, 9, 300),
        fujian_row("F3", 2023, 30, 10, 10, 6, 10, 9, 300),
    ]
    document = check_json(cli, write_return(tmp_path / "fujian.xlsx", rows, catalog), "fujian-2021-base")
    units = judged(document)
    assert {code: (unit["year"], unit["assessment"]["status"]) for code, unit in units.items()} == {
        "F1": (2023, "pass"),
        "F2": (2023, "fail"),
        "F3": (2023, "incomplete"),
    }
    passing = rules(units["F1"])
    assert outcome(passing["incubated_entities"]) == ("pass", 93, 0)
    assert outcome(passing["new_residents"]) == ("pass", 10, 0)
    assert outcome(passing["incubation_success_rate"]) == ("pass", pytest.approx(19 / 30 * 100), 0)
    assert outcome(passing["on_time_exit_rate"]) == ("pass", pytest.approx(28 / 30 * 100), 0)
    assert outcome(passing["base_jobs"]) == ("pass", 910, 0)
    assert passing["base_jobs"]["window"]["kind"] == "pooled"
    assert [year[1] for year in by_year(passing["base_jobs"])] == [280, 300, 330]

    failing = rules(units["F2"])
    assert outcome(failing["incubated_entities"]) == ("fail", 87, 3)
    assert outcome(failing["new_residents"]) == ("fail", 8, 3)
    assert failing["new_residents"]["window"]["failing_year"] == 2022
    assert by_year(failing["new_residents"]) == [(2021, 12, "pass", 0), (2022, 8, "fail", 2), (2023, 9, "fail", 1)]
    assert outcome(failing["incubation_success_rate"]) == ("fail", pytest.approx(17 / 30 * 100), 1)
    assert outcome(failing["on_time_exit_rate"]) == ("fail", pytest.approx(26 / 30 * 100), 1)
    assert outcome(failing["base_jobs"]) == ("fail", 899, 1)

    blank = rules(units["F3"])["new_residents"]
    assert (blank["status"], blank["shortfall"]) == ("missing", None)
    assert "2022" in blank["reason"]
    (coverage,) = document["coverage"]  # one verdict per base, at 2023
    assert (coverage["year"], coverage["assessed"], coverage["passed"], coverage["failed"]) == (2023, 3, 1, 1)


def hubei_row(code: str, year: int, tier: str | None, *counts: int) -> dict[str, Any]:
    names = (
        "site_area",
        "site_area_used",
        "incubated_entities",
        "student_entities",
        "service_staff",
        "mentors",
        "activities",
        "graduated_entities",
        "incubation_successes",
        "due_to_exit",
        "exited_on_time",
        "base_jobs",
    )
    return park(code, year, base_tier=tier, **dict(zip(names, counts, strict=True)))


@worked("hubei-base")
def test_hubei_base_by_hand(cli: Any, tmp_path: Path, catalog: Catalog) -> None:
    rows = [
        # H1, a city-level base, passes: 3,200 m² >= 3,000; 42 entities >= 40; 20 students; 5 staff, 10 mentors,
        # 12 activities; successes (4 + 6) / (10 + 10) = 50 % over two years (2023 alone: 40 %); on time 8 / 10 = 80 %;
        # space 2,700 / 3,200 = 84.4 %; 100 jobs
        hubei_row("H1", 2023, "市级", 3200, 2600, 40, 20, 5, 10, 12, 10, 4, 10, 9, 90),
        hubei_row("H1", 2024, "市级", 3200, 2700, 42, 20, 5, 10, 12, 10, 6, 10, 8, 100),
        # H2, a county-level base: 32 entities pass the county's 30 (not the city's 40); it lacks 200 m², 2 student
        # entities, 1 staff member, 1 activity; successes (3 + 6) / (8 + 12) = 45 %, 10 / 20 = 50 % needs 1 more;
        # on time 7 / 10 = 70 %, 8 / 10 needs 1 more; space 2,500 / 2,800 = 89.3 % passes; 95 jobs lack 5
        hubei_row("H2", 2023, "县级", 2800, 2500, 30, 18, 4, 10, 11, 8, 3, 10, 7, 95),
        hubei_row("H2", 2024, "县级", 2800, 2500, 32, 18, 4, 10, 11, 12, 6, 10, 7, 95),
        # H3, a city-level base with 38 entities: 2 short of the city's 40
        hubei_row("H3", 2023, "市级", 3000, 2400, 38, 20, 5, 10, 12, 10, 5, 10, 8, 100),
        hubei_row("H3", 2024, "市（州）级", 3000, 2400, 38, 20, 5, 10, 12, 10, 5, 10, 8, 100),
        # H4 is H1 with its tier left blank: which entity floor applies is unknown, so it cannot pass
        hubei_row("H4", 2023, None, 3200, 2600, 40, 20, 5, 10, 12, 10, 4, 10, 9, 90),
        hubei_row("H4", 2024, None, 3200, 2700, 42, 20, 5, 10, 12, 10, 6, 10, 8, 100),
        # H5, a provincial-level base, is outside the standard
        hubei_row("H5", 2024, "省级", 3200, 2700, 42, 20, 5, 10, 12, 10, 6, 10, 8, 100),
    ]
    units = judged(check_json(cli, write_return(tmp_path / "hubei.xlsx", rows, catalog), "hubei-base"))
    assert {code: (unit["year"], unit["assessment"]["status"]) for code, unit in units.items()} == {
        "H1": (2024, "pass"),
        "H2": (2024, "fail"),
        "H3": (2024, "fail"),
        "H4": (2024, "incomplete"),
    }
    assert "基地级别" in units["H4"]["assessment"]["reason"]
    assert [units[code]["assessment"]["rule_set"] for code in ("H1", "H2", "H3")] == [
        "市（州）本级基地",
        "县级基地",
        "市（州）本级基地",
    ]
    passing = rules(units["H1"])
    assert outcome(passing["incubation_success_rate"]) == ("pass", pytest.approx(50.0), 0)
    assert [year[1] for year in by_year(passing["incubation_success_rate"])] == [40.0, 60.0]
    assert outcome(passing["site_utilisation"]) == ("pass", pytest.approx(2700 / 3200 * 100), 0)
    assert outcome(passing["on_time_exit_rate"]) == ("pass", pytest.approx(80.0), 0)

    county = rules(units["H2"])
    assert {name: outcome(check) for name, check in county.items()} == {
        "site_area": ("fail", 2800, 200),
        "incubated_entities": ("pass", 32, 0),
        "student_entities": ("fail", 18, 2),
        "service_staff": ("fail", 4, 1),
        "mentors": ("pass", 10, 0),
        "activities": ("fail", 11, 1),
        "incubation_success_rate": ("fail", pytest.approx(45.0), 1),
        "on_time_exit_rate": ("fail", pytest.approx(70.0), 1),
        "site_utilisation": ("pass", pytest.approx(2500 / 2800 * 100), 0),
        "base_jobs": ("fail", 95, 5),
    }
    assert county["incubated_entities"]["threshold"] == 30
    assert outcome(rules(units["H3"])["incubated_entities"]) == ("fail", 38, 2)


@worked("anhui-2018-returnee-park")
def test_anhui_returnee_parks_by_hand(cli: Any, tmp_path: Path, catalog: Catalog) -> None:
    rows = [
        # A1, a 提升园: 10 entities >= 8, 4 / 10 = 40 % returnees, 80 jobs
        park("A1", 2018, park_type="提升园", incubated_entities=10, returnee_entities=4, base_jobs=80),
        # A2, a 园中园: 20 entities >= 15; 5 / 20 = 25 %, 6 / 20 = 30 % needs 1 more; 150 jobs, 50 short of 200
        park("A2", 2018, park_type="园中园", incubated_entities=20, returnee_entities=5, base_jobs=150),
        # A3, a 提升园 with 7 entities (1 short of 8); 3 / 7 = 42.9 % returnees; 90 jobs
        park("A3", 2018, park_type="提升园", incubated_entities=7, returnee_entities=3, base_jobs=90),
        # A4, a maker space: outside the standard
        park("A4", 2018, park_type="众创空间", incubated_entities=30, returnee_entities=0, base_jobs=300),
    ]
    units = judged(check_json(cli, write_return(tmp_path / "anhui.xlsx", rows, catalog), "anhui-2018-returnee-park"))
    assert {code: (unit["assessment"]["status"], unit["assessment"]["rule_set"]) for code, unit in units.items()} == {
        "A1": ("pass", "提升园"),
        "A2": ("fail", "园中园"),
        "A3": ("fail", "提升园"),
    }
    assert {name: outcome(check) for name, check in rules(units["A1"]).items()} == {
        "incubated_entities": ("pass", 10, 0),
        "returnee_share": ("pass", pytest.approx(40.0), 0),
        "base_jobs": ("pass", 80, 0),
    }
    assert {name: outcome(check) for name, check in rules(units["A2"]).items()} == {
        "incubated_entities": ("pass", 20, 0),
        "returnee_share": ("fail", pytest.approx(25.0), 1),
        "base_jobs": ("fail", 150, 50),
    }
    assert outcome(rules(units["A3"])["incubated_entities"]) == ("fail", 7, 1)
    assert rules(units["A2"])["returnee_share"]["threshold"] == 30


def chongqing_row(code: str, *values: float) -> dict[str, Any]:
    names = (
        "incubated_entities",
        "graduated_entities",
        "incubation_successes",
        "base_jobs",
        "revenue",
        "tax_paid",
        "score_rules",
        "score_records",
        "score_services",
    )
    return park(code, 2017, **dict(zip(names, values, strict=True)))


@worked("chongqing-2017-base-grades")
def test_chongqing_grades_by_hand(cli: Any, tmp_path: Path, catalog: Catalog) -> None:
    rows = [
        # C1: entities 25 → 20 × (25 − 10) / (30 − 10) = 15; success 7 / 10 = 70 % ≥ 60 → 20; jobs 320 → 15;
        # revenue 1,000 → 10; tax 40 → 5 × 40 / 50 = 4; evaluators 10 + 9 + 10 = 29; total 93 → 优秀, 30万
        chongqing_row("C1", 25, 10, 7, 320, 1000, 40, 10, 9, 10),
        # C2: entities 20 → 10; success 5 / 10 = 50 % → 20 × (50 − 20) / (60 − 20) = 15; jobs 250 → 10 (the 200 step);
        # revenue 600 → 6; tax 25 → 2.5; evaluators 8 + 8 + 9 = 25; total 68.5 → 合格, 10万
        chongqing_row("C2", 20, 10, 5, 250, 600, 25, 8, 8, 9),
        # C3: entities 40 → 20; success 1 / 10 = 10 % → 0; jobs 400 → 15; revenue 2,000 → 10; tax 100 → 5;
        # evaluators 30; total 80 (良好 by points) but the veto fails (10 % < 20 %; 2 / 10 needs 1 more): 不合格, out
        chongqing_row("C3", 40, 10, 1, 400, 2000, 100, 10, 10, 10),
        # C4: entities 8 → 0; success 3 / 10 = 30 % → 20 × 10 / 40 = 5; jobs 90 → 0; revenue 100 → 1; tax 0 → 0;
        # evaluators 6 + 5 + 6 = 17; total 23 → 不合格 by points, out, nothing paid
        chongqing_row("C4", 8, 10, 3, 90, 100, 0, 6, 5, 6),
    ]
    units = judged(check_json(cli, write_return(tmp_path / "cq.xlsx", rows, catalog), "chongqing-2017-base-grades"))
    scores = {code: unit["assessment"]["score"] for code, unit in units.items()}
    assert {code: [item["points"] for item in score["items"]] for code, score in scores.items()} == {
        "C1": [15, 20, 15, 10, 4, 10, 9, 10],
        "C2": [10, 15, 10, 6, 2.5, 8, 8, 9],
        "C3": [20, 0, 15, 10, 5, 10, 10, 10],
        "C4": [0, 5, 0, 1, 0, 6, 5, 6],
    }
    summary = {
        code: (score["total"], score["grade"], score["passes"], score["subsidy"], score["exit"], score["vetoed"])
        for code, score in scores.items()
    }
    assert summary == {
        "C1": (93, "优秀", True, 30, False, False),
        "C2": (68.5, "合格", True, 10, False, False),
        "C3": (80, "不合格", False, 0, True, True),
        "C4": (23, "不合格", False, 0, True, False),
    }
    assert {code: unit["assessment"]["status"] for code, unit in units.items()} == {
        "C1": "pass",
        "C2": "pass",
        "C3": "fail",
        "C4": "fail",
    }
    veto = rules(units["C3"])["incubation_success_rate"]
    assert (veto["veto"], *outcome(veto)) == (True, "fail", pytest.approx(10.0), 1)
    assert all(score["max_total"] == 100 for score in scores.values())
    assert scores["C2"]["next_grade"]["grade"] == "良好"
    assert scores["C2"]["next_grade"]["points_needed"] == pytest.approx(11.5)  # 80 − 68.5


# --- cities, counties and streets ---------------------------------------------------------------------------------


@worked("shandong-2017")
def test_shandong_by_hand(cli: Any, tmp_path: Path, catalog: Catalog) -> None:
    rows = [
        # the city: 720 / 1,000 entities of last year still operating = 72 %; 410 / 500 satisfied = 82 %
        territory(
            "370200000000",
            "市",
            entities_born_last_year=1000,
            survivors_one_year=720,
            survey_respondents=500,
            survey_satisfied=410,
        ),
        # the county: 130 / 200 = 65 %, 140 / 200 = 70 % needs 10 more; 80 / 100 = 80 % satisfied, just enough
        territory(
            "370202000000",
            "县",
            entities_born_last_year=200,
            survivors_one_year=130,
            survey_respondents=100,
            survey_satisfied=80,
        ),
        # the street: 20 of 100 certified trainees started = 20 %, just enough; no adviser, 1 needed
        territory("370202001000", "街道", trainees=120, trainees_certified=100, trainees_started=20, advisers=0),
    ]
    units = judged(check_json(cli, write_return(tmp_path / "shandong.xlsx", rows, catalog), "shandong-2017"))
    assert {code: unit["assessment"]["status"] for code, unit in units.items()} == {
        "370200000000": "pass",
        "370202000000": "fail",
        "370202001000": "fail",
    }
    assert {name: outcome(check) for name, check in rules(units["370200000000"]).items()} == {
        "one_year_survival_rate": ("pass", pytest.approx(72.0), 0),
        "satisfaction_rate": ("pass", pytest.approx(82.0), 0),
    }
    assert {name: outcome(check) for name, check in rules(units["370202000000"]).items()} == {
        "one_year_survival_rate": ("fail", pytest.approx(65.0), 10),
        "satisfaction_rate": ("pass", pytest.approx(80.0), 0),
    }
    assert {name: outcome(check) for name, check in rules(units["370202001000"]).items()} == {
        "success_rate": ("pass", pytest.approx(20.0), 0),
        "advisers": ("fail", 0, 1),
    }
    assert all(check["provisional"] for unit in units.values() for check in unit["assessment"]["checks"])


@worked("harbin-2009")
def test_harbin_by_hand(cli: Any, tmp_path: Path, catalog: Catalog) -> None:
    rows = [
        # 哈尔滨: (12,000 + 9,000) / 100,000 = 21 %; 9,000 / 1,500 = 1:6; 700 / 1,000 = 70 %;
        # 4,500 / (95,500 + 4,500) = 4.5 %, at the ceiling
        territory(
            "230100000000",
            "市",
            2009,
            labour_force=100_000,
            entrepreneurs=12_000,
            new_entrepreneurs=1_500,
            startup_jobs=9_000,
            entities_born_last_year=1_000,
            survivors_one_year=700,
            registered_unemployed=4_500,
            urban_employed=95_500,
        ),
        # a second city: (10,000 + 8,000) / 100,000 = 18 %, 2,000 short of 20,000; 8,000 / 1,600 = 1:5, 9,600 jobs
        # make 1:6 (1,600 more); 690 / 1,000 = 69 %, 10 short; 5,000 / (95,000 + 5,000) = 5 % > 4.5 % (a ceiling:
        # no shortfall)
        territory(
            "230200000000",
            "市",
            2009,
            labour_force=100_000,
            entrepreneurs=10_000,
            new_entrepreneurs=1_600,
            startup_jobs=8_000,
            entities_born_last_year=1_000,
            survivors_one_year=690,
            registered_unemployed=5_000,
            urban_employed=95_000,
        ),
    ]
    units = judged(check_json(cli, write_return(tmp_path / "harbin.xlsx", rows, catalog), "harbin-2009"))
    assert {code: unit["assessment"]["status"] for code, unit in units.items()} == {
        "230100000000": "pass",
        "230200000000": "fail",
    }
    assert {name: outcome(check) for name, check in rules(units["230100000000"]).items()} == {
        "activity_index": ("pass", pytest.approx(21.0), 0),
        "jobs_per_entrepreneur": ("pass", pytest.approx(6.0), 0),
        "one_year_survival_rate": ("pass", pytest.approx(70.0), 0),
        "unemployment_rate": ("pass", pytest.approx(4.5), 0),
    }
    assert {name: outcome(check) for name, check in rules(units["230200000000"]).items()} == {
        "activity_index": ("fail", pytest.approx(18.0), 2000),
        "jobs_per_entrepreneur": ("fail", pytest.approx(5.0), 1600),
        "one_year_survival_rate": ("fail", pytest.approx(69.0), 10),
        "unemployment_rate": ("fail", pytest.approx(5.0), None),
    }
    assert not any(check["provisional"] for unit in units.values() for check in unit["assessment"]["checks"])


@worked("guilin-2009")
def test_guilin_by_hand(cli: Any, tmp_path: Path, catalog: Catalog) -> None:
    common = {"new_entrepreneurs": 1_000, "startup_jobs": 5_000, "entities_born_last_year": 400}
    rows = [
        # 桂林: 280 / 400 = 70 %; 5,000 / 1,000 = 1:5; (1,000 + 5,000) / 20,000 = 30 %
        territory("450300000000", "市", 2010, **common, survivors_one_year=280, new_urban_jobs=20_000),
        # another city: 279 / 400 = 69.75 %, 1 short; (1,000 + 5,000) / 25,000 = 24 %, 7,500 needs 1,500 more
        territory("450400000000", "市", 2010, **common, survivors_one_year=279, new_urban_jobs=25_000),
    ]
    units = judged(check_json(cli, write_return(tmp_path / "guilin.xlsx", rows, catalog), "guilin-2009"))
    assert {name: outcome(check) for name, check in rules(units["450300000000"]).items()} == {
        "one_year_survival_rate": ("pass", pytest.approx(70.0), 0),
        "jobs_per_entrepreneur": ("pass", pytest.approx(5.0), 0),
        "employment_contribution": ("pass", pytest.approx(30.0), 0),
    }
    assert {name: outcome(check) for name, check in rules(units["450400000000"]).items()} == {
        "one_year_survival_rate": ("fail", pytest.approx(69.75), 1),
        "jobs_per_entrepreneur": ("pass", pytest.approx(5.0), 0),
        "employment_contribution": ("fail", pytest.approx(24.0), 1500),
    }
    assert [units[code]["assessment"]["status"] for code in ("450300000000", "450400000000")] == ["pass", "fail"]


@worked("tianjin-2024-street")
def test_tianjin_streets_by_hand(cli: Any, tmp_path: Path, catalog: Catalog) -> None:
    rows = [
        # 100 entities, 200 jobs, 10 activities, 180 / 200 = 90 % satisfied: every floor just reached
        territory(
            "120101001000",
            "街道",
            2024,
            active_entities=100,
            startup_jobs=200,
            activities=10,
            survey_respondents=200,
            survey_satisfied=180,
        ),
        # 95 entities (5 short); 250 jobs; activities blank; 85 / 100 = 85 %, 90 / 100 needs 5 more: a failure
        # outweighs the blank
        territory(
            "120101002000",
            "街道",
            2024,
            active_entities=95,
            startup_jobs=250,
            survey_respondents=100,
            survey_satisfied=85,
        ),
    ]
    units = judged(check_json(cli, write_return(tmp_path / "tianjin.xlsx", rows, catalog), "tianjin-2024-street"))
    assert {name: outcome(check) for name, check in rules(units["120101001000"]).items()} == {
        "active_entities": ("pass", 100, 0),
        "startup_jobs": ("pass", 200, 0),
        "activities": ("pass", 10, 0),
        "satisfaction_rate": ("pass", pytest.approx(90.0), 0),
    }
    assert {name: outcome(check) for name, check in rules(units["120101002000"]).items()} == {
        "active_entities": ("fail", 95, 5),
        "startup_jobs": ("pass", 250, 0),
        "activities": ("missing", None, None),
        "satisfaction_rate": ("fail", pytest.approx(85.0), 5),
    }
    assert [units[code]["assessment"]["status"] for code in ("120101001000", "120101002000")] == ["pass", "fail"]


@worked("national-training", "jiangsu-2017")
def test_training_targets_by_hand(cli: Any, tmp_path: Path, catalog: Catalog) -> None:
    rows = [
        # the city: 800 / 1,000 = 80 % certified; 400 / 800 = 50 % started
        territory("320100000000", "市", trainees=1_000, trainees_certified=800, trainees_started=400),
        # a county: 390 / 500 = 78 %, 400 / 500 needs 10 more; 200 / 390 = 51.3 % started
        territory("320115000000", "县", trainees=500, trainees_certified=390, trainees_started=200),
    ]
    path = write_return(tmp_path / "training.xlsx", rows, catalog)
    units = judged(check_json(cli, path, "national-training"))
    # the province is derived from its one city: the same 80 % and 50 %
    assert {code: unit["assessment"]["status"] for code, unit in units.items()} == {
        "320000000000": "pass",
        "320100000000": "pass",
        "320115000000": "fail",
    }
    assert {name: outcome(check) for name, check in rules(units["320115000000"]).items()} == {
        "training_pass_rate": ("fail", pytest.approx(78.0), 10),
        "success_rate": ("pass", pytest.approx(200 / 390 * 100), 0),
    }
    # Jiangsu's 2017 targets on the same return: the province's 80 % is 100 short of 90 % of 1,000
    province = judged(check_json(cli, path, "jiangsu-2017"))
    assert list(province) == ["320000000000"]
    assert {name: outcome(check) for name, check in rules(province["320000000000"]).items()} == {
        "training_pass_rate": ("fail", pytest.approx(80.0), 100),
        "success_rate": ("pass", pytest.approx(50.0), 0),
    }


STREET_COUNTS = (
    "labour_force",
    "new_entrepreneurs",
    "trainees_certified",
    "trainees_started",
    "cohort_births",
    "cohort_survivors",
    "startup_jobs",
    "new_urban_jobs",
)


def street(code: str, *counts: int) -> dict[str, Any]:
    return territory(code, "街道", 2017, **dict(zip(STREET_COUNTS, counts, strict=True)))


@worked("jiangsu-street-scoring", "jiangsu-2016")
def test_jiangsu_streets_by_hand(cli: Any, tmp_path: Path, catalog: Catalog) -> None:
    rows = [
        # S1: 520 / 52,000 = 1.0 %; 60 / 100 = 60 %; 140 / 200 = 70 %; (520 + 2,000) / 8,400 = 30 %: 4 × 25 = 100
        street("320115001000", 52_000, 520, 100, 60, 200, 140, 2_000, 8_400),
        # S2: 390 / 52,000 = 0.75 % → 25 × (0.75 − 0.5) / 0.5 = 12.5; 40 % → 25 × (40 − 25) / 25 = 15; 70 % → 25;
        # (390 + 2,130) / 8,400 = 30 % → 25; total 77.5 → 合格
        street("320115002000", 52_000, 390, 100, 40, 200, 140, 2_130, 8_400),
        # S3: 200 / 52,000 = 0.38 %, 20 %, 63 / 200 = 31.5 %, (200 + 1,000) / 8,400 = 14.3 %: all under the floors → 0
        street("320115003000", 52_000, 200, 100, 20, 200, 63, 1_000, 8_400),
    ]
    path = write_return(tmp_path / "streets.xlsx", rows, catalog)
    document = check_json(cli, path, "jiangsu-street-scoring")
    units = judged(document)
    scores = {code[-6:-3]: unit["assessment"]["score"] for code, unit in units.items()}
    assert {code: [item["points"] for item in score["items"]] for code, score in scores.items()} == {
        "001": [25, 25, 25, 25],
        "002": [pytest.approx(12.5), 15, 25, 25],
        "003": [0, 0, 0, 0],
    }
    assert {code: (score["total"], score["grade"], score["passes"]) for code, score in scores.items()} == {
        "001": (100, "优秀", True),
        "002": (pytest.approx(77.5), "合格", True),
        "003": (0, "不合格", False),
    }
    assert [unit["assessment"]["status"] for unit in units.values()] == ["pass", "pass", "fail"]
    (coverage,) = document["coverage"]  # 2 of 3 streets pass: 66.7 % < 80 %
    assert (coverage["passed"], coverage["assessed"], coverage["target"], coverage["met"]) == (2, 3, 80, False)

    # the provisional thresholds of jiangsu-2016 on the same streets: S1 reaches all four; S2's 0.75 % lacks 130 new
    # entrepreneurs (520 / 52,000 = 1 %) and its 40 % lacks 10 starters (50 / 100)
    thresholds = judged(check_json(cli, path, "jiangsu-2016"))
    assert [unit["assessment"]["status"] for unit in thresholds.values()] == ["pass", "fail", "fail"]
    second = rules(thresholds["320115002000"])
    assert outcome(second["participation_rate"]) == ("fail", pytest.approx(0.75), 130)
    assert outcome(second["success_rate"]) == ("fail", pytest.approx(40.0), 10)


@worked("jiaxing-2013")
def test_jiaxing_streets_by_hand(cli: Any, tmp_path: Path, catalog: Catalog) -> None:
    rows = [
        # (3,000 + 500) / 10,000 = 35 %; 50 / 100 = 50 %; 500 / 50 = 1:10: every provisional street floor reached
        territory(
            "330402001000",
            "街道",
            2015,
            labour_force=10_000,
            entrepreneurs=3_000,
            new_entrepreneurs=50,
            startup_jobs=500,
            trainees=100,
            trainees_certified=100,
            trainees_started=50,
        ),
    ]
    units = judged(check_json(cli, write_return(tmp_path / "jiaxing.xlsx", rows, catalog), "jiaxing-2013"))
    street_checks = rules(units["330402001000"])
    assert {name: outcome(check) for name, check in street_checks.items()} == {
        "activity_index": ("pass", pytest.approx(35.0), 0),
        "success_rate": ("pass", pytest.approx(50.0), 0),
        "jobs_per_entrepreneur": ("pass", pytest.approx(10.0), 0),
    }
    assert all(check["provisional"] for check in street_checks.values())


@worked("jiangsu-2016-demo-base")
def test_jiangsu_demo_bases_by_hand(cli: Any, tmp_path: Path, catalog: Catalog) -> None:
    rows = [
        # a returnee park: 20 entities, 100 jobs from 20 new entities = 1:5
        park("J1", 2016, park_type="返乡创业园", incubated_entities=20, startup_entities=20, startup_jobs=100),
        # a maker space: 30 entities; 90 jobs from 10 new entities = 1:9, 100 make 1:10 (10 more)
        park("J2", 2016, park_type="众创空间", incubated_entities=30, startup_entities=10, startup_jobs=90),
    ]
    units = judged(check_json(cli, write_return(tmp_path / "js.xlsx", rows, catalog), "jiangsu-2016-demo-base"))
    assert [units[code]["assessment"]["status"] for code in ("J1", "J2")] == ["pass", "fail"]
    assert outcome(rules(units["J1"])["jobs_per_entity"]) == ("pass", pytest.approx(5.0), 0)
    assert outcome(rules(units["J2"])["jobs_per_entity"]) == ("fail", pytest.approx(9.0), 10)
