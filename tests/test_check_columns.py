"""check's column-wise assessment and writers against the check worked out unit by unit from the models."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chuangye_metrics.config.catalog import Catalog
from chuangye_metrics.outputs.csv import write_check_csv
from chuangye_metrics.outputs.json import binary_stream, write_check_json
from chuangye_metrics.pipeline import Settings, judge, read_returns
from chuangye_metrics.standards.check import Judged
from chuangye_metrics.standards.library import Standard, load_standard, shipped_standards
from chuangye_metrics.standards.shortlist import parse_quota
from chuangye_metrics.validation.rules import load_rules
from tests.check_oracle import check_csv_by_unit, judged_by_unit, shortlist_by_unit
from tests.conftest import write_workbook

SAMPLES = sorted((Path(__file__).resolve().parent.parent / "sample_data").glob("*.xlsx"))


def _judged(returns: Any, catalog: Catalog, standard: Standard, quotas: dict[str, int] | None) -> Judged:
    checked = judge(
        returns,
        Settings(
            catalog=catalog,
            mapping=None,
            rules=load_rules(catalog),
            levels=None,
            standard=standard,
            register=[],
            quotas=quotas,
            near=5,
        ),
        "zh",
    ).judged
    assert checked is not None
    return checked


def _oracle(judged: Judged, standard: Standard, catalog: Catalog, quotas: dict[str, int] | None) -> Any:
    """The same check worked out unit by unit, with a model per rule and unit."""
    result = judged_by_unit(
        judged.units, judged.results(), judged.sources, standard, catalog, "zh", [], judged.findings
    )
    if quotas is not None:
        result.shortlist = shortlist_by_unit(result, quotas, 5)
    return result


def _written(judged: Judged) -> tuple[Any, str]:
    document = io.StringIO()
    write_check_json(binary_stream(document), judged, chunk=2)  # several slices even on a small return
    table = io.StringIO()
    write_check_csv(table, judged, chunk=3)
    return json.loads(document.getvalue()), table.getvalue()


@pytest.mark.parametrize("sample", SAMPLES, ids=lambda path: path.stem)
@pytest.mark.parametrize("standard_id", sorted(shipped_standards()))
@pytest.mark.parametrize("quota", [None, "street=1,community=2"])
def test_every_shipped_standard_on_the_samples_matches_the_unit_by_unit_check(
    catalog: Catalog, sample: Path, standard_id: str, quota: str | None
) -> None:
    standard = load_standard(standard_id, catalog)
    quotas = parse_quota([quota], catalog) if quota else None
    judged = _judged(read_returns([sample], catalog), catalog, standard, quotas)
    oracle = _oracle(judged, standard, catalog, quotas)
    assert judged.result() == oracle
    document, table = _written(judged)
    assert document == oracle.model_dump(mode="json")
    assert table == check_csv_by_unit(oracle)


STANDARD = {
    "id": "t",
    "name": "t",
    "source": "t",
    "status": "official",
    "coverage": {"street": 50},
    "levels": {
        "street": [
            {"indicator": "participation_rate", "op": ">=", "value": 1.0},
            {"field": "startup_entities", "op": ">=", "value": 3, "provisional": True},
            {"indicator": "success_rate", "op": "<=", "value": 60},
            {
                "when": {"unit_name": ["甲", "乙"]},
                "name": "named",
                "rules": [{"field": "trainees", "op": "==", "value": 4}],
            },
        ],
        "community": [{"indicator": "employment_contribution", "op": ">", "value": 0}],
    },
}


def count(draw: Any, high: int = 40) -> int | None:
    """A count, now and then blank."""
    return None if draw(st.integers(0, 7)) == 0 else draw(st.integers(0, high))


@st.composite
def returns_rows(draw: Any) -> list[dict[str, Any]]:
    """Streets with a few communities each: counts mostly consistent, now and then blank."""
    rows: list[dict[str, Any]] = []
    for street in range(draw(st.integers(1, 6))):
        code = f"3201150{street + 1:02d}000"
        trainees = count(draw)
        certified = None if trainees is None else draw(st.integers(0, trainees))
        rows.append(
            {
                "unit_code": code,
                "unit_name": draw(st.sampled_from(["甲", "乙", "丙", None])),
                "level": "街道",
                "year": 2016,
                "labour_force": draw(st.integers(600, 800)),
                "new_entrepreneurs": count(draw, 12),
                "startup_entities": count(draw, 6),
                "trainees": trainees,
                "trainees_certified": certified,
                "trainees_started": None if certified is None else draw(st.integers(0, certified)),
            }
        )
        for community in range(draw(st.integers(0, 2))):
            rows.append(
                {
                    "unit_code": f"{code[:9]}{community + 1:03d}",
                    "unit_name": f"社区{community}",
                    "level": "社区",
                    "year": 2016,
                    "startup_jobs": count(draw),
                    "new_urban_jobs": count(draw),
                }
            )
    return rows


@given(rows=returns_rows(), quota=st.integers(0, 2))
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_the_column_wise_check_matches_the_unit_by_unit_check(
    catalog: Catalog, tmp_path_factory: pytest.TempPathFactory, rows: list[dict[str, Any]], quota: int
) -> None:
    standard = Standard.model_validate(STANDARD)
    path = write_workbook(tmp_path_factory.mktemp("check") / "return.xlsx", rows)
    quotas = {"street": quota, "community": quota}
    judged = _judged(read_returns([path], catalog, keep_going=True), catalog, standard, quotas)
    oracle = _oracle(judged, standard, catalog, quotas)
    assert judged.result() == oracle
    document, table = _written(judged)
    assert document == oracle.model_dump(mode="json")
    assert table == check_csv_by_unit(oracle)


def test_the_models_built_without_validation_give_every_field_and_validate(catalog: Catalog) -> None:
    from chuangye_metrics.core.models import AssessedUnit

    standard = load_standard("jiangsu-2016", catalog)
    result = _judged(read_returns(SAMPLES[:1], catalog), catalog, standard, None).result()
    for unit in result.units:
        models = [unit, *unit.indicators.values()]
        if unit.assessment is not None:
            models += [unit.assessment, *unit.assessment.checks]
        for model in models:  # a shared set of every field name is true of each
            assert set(vars(model)) == set(type(model).model_fields) == model.model_fields_set
        assert AssessedUnit.model_validate(unit.model_dump()) == unit


# --- bases over several years: windows, operating years, vetoes and scores ---------------------------------

BASE_FIELDS = [
    "unit_code",
    "unit_name",
    "level",
    "parent_code",
    "year",
    "park_type",
    "site_area",
    "site_area_used",
    "incubated_entities",
    "base_jobs",
    "graduated_entities",
    "incubation_successes",
    "due_to_exit",
    "exited_on_time",
    "operating_years",
    "score_rules",
]

# per base and year: site area, area used, entities, jobs, graduated, successes, due to exit, exited on time,
# operating years, the evaluators' points for its rules
BASES = {
    ("B001", "甲基地"): {  # passes every rule, year after year
        2021: (10000, 9500, 35, 320, 10, 7, 10, 10, 3, 15),
        2022: (10000, 9200, 32, 310, 12, 8, 12, 12, 4, 18),
        2023: (10000, 9100, 31, 305, 8, 5, 8, 8, 5, 20),
    },
    ("B002", "乙基地"): {  # 2022: 6800 of 8000 ㎡ in use, 85 %; three years' successes 17 of 30
        2021: (8000, 7600, 40, 400, 10, 6, 10, 10, 6, 12),
        2022: (8000, 6800, 40, 400, 10, 5, 10, 9, 7, 12),
        2023: (8000, 7400, 40, 400, 10, 6, 10, 10, 8, 12),
    },
    ("B003", "丙基地"): {  # no row for 2022
        2021: (5000, 4800, 30, 300, 5, 4, 5, 5, 2, 10),
        2023: (5000, 4800, 30, 300, 5, 4, 5, 5, 4, 18),
    },
    ("B004", "丁基地"): {  # 2023: 1 success of 10, below the veto's 20 %
        2021: (6000, 5700, 36, 350, 10, 3, 10, 10, 5, 16),
        2022: (6000, 5800, 34, 330, 10, 2, 10, 10, 6, 16),
        2023: (6000, 5600, 33, 320, 10, 1, 10, 10, 7, 19),
    },
}

SCORED = {
    "id": "scored-test",
    "name": "测试评分",
    "source": "测试",
    "status": "official",
    "scoring": {
        "park": {
            "items": [
                {"id": "entities", "field": "incubated_entities", "points": 30, "full": 40, "floor": 20},
                {
                    "id": "jobs",
                    "field": "base_jobs",
                    "points": 30,
                    "steps": [{"at": 100, "points": 10}, {"at": 200, "points": 20}, {"at": 300, "points": 30}],
                },
                {
                    "id": "success",
                    "indicator": "incubation_success_rate",
                    "window": {"years": 3, "pooled": True},
                    "points": 20,
                    "full": 60,
                },
                {"id": "rules", "score_field": "score_rules", "points": 20},
            ],
            "grades": [
                {"grade": "优秀", "grade_en": "excellent", "min": 90, "subsidy": 30},
                {"grade": "良好", "grade_en": "good", "min": 80, "subsidy": 20},
                {"grade": "合格", "grade_en": "pass", "min": 60, "subsidy": 10},
                {"grade": "不合格", "grade_en": "fail", "min": 0, "passes": False, "exit": True},
            ],
            "veto": [
                {"indicator": "incubation_success_rate", "op": ">=", "value": 20},
                {"field": "base_jobs", "op": ">=", "value": 50, "window": {"years": 3, "each": True}},
            ],
        }
    },
}


def base_rows(bases: dict[tuple[str, str], dict[int, tuple[Any, ...]]]) -> list[dict[str, Any]]:
    """The rows of a return of bases: one per base and year, year by year."""
    rows = []
    for year in sorted({year for years in bases.values() for year in years}):
        for (code, name), years in bases.items():
            if year in years:
                identity = [code, name, "园区", "320115000000", year, "孵化基地"]
                rows.append(dict(zip(BASE_FIELDS, [*identity, *years[year]], strict=True)))
    return rows


def write_bases(path: Path, rows: list[dict[str, Any]], catalog: Catalog) -> Path:
    """A return of bases with the catalogue's headers (a missing key is a blank cell)."""
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.append([catalog.fields[name].header for name in BASE_FIELDS])
    for row in rows:
        sheet.append([row.get(name) for name in BASE_FIELDS])
    workbook.save(path)
    return path


def _judged_bases(path: Path, catalog: Catalog, standard: Standard, quotas: dict[str, int] | None = None) -> Any:
    judged = _judged(read_returns([path], catalog, keep_going=True), catalog, standard, quotas)
    oracle = _oracle(judged, standard, catalog, quotas)
    return judged, oracle


def _latest(result: Any) -> dict[str, Any]:
    """Each base's assessment (at its latest year), by code."""
    return {unit.unit_code: unit.assessment for unit in result.units if unit.assessment is not None}


def _csv_rows(table: str) -> list[dict[str, str]]:
    import csv

    return list(csv.DictReader(io.StringIO(table)))


@pytest.mark.parametrize("quotas", [None, {"park": 1}])
def test_bases_over_three_years_against_the_national_standard(
    catalog: Catalog, tmp_path: Path, quotas: dict[str, int] | None
) -> None:
    standard = load_standard("national-2017-demo-base", catalog)
    judged, oracle = _judged_bases(
        write_bases(tmp_path / "bases.xlsx", base_rows(BASES), catalog), catalog, standard, quotas
    )
    assert judged.result() == oracle
    document, table = _written(judged)
    assert document == oracle.model_dump(mode="json")
    assert table == check_csv_by_unit(oracle)

    # each base judged once, at 2023; its 2021 and 2022 rows are its windows
    assert [(unit.unit_code, unit.year) for unit in oracle.units if unit.assessment] == [
        ("B001", 2023),
        ("B002", 2023),
        ("B003", 2023),
        ("B004", 2023),
    ]
    latest = _latest(oracle)
    assert {code: assessment.status for code, assessment in latest.items()} == {
        "B001": "pass",
        "B002": "fail",
        "B003": "incomplete",
        "B004": "fail",
    }
    used = latest["B002"].checks[0]  # site_utilisation >= 90 % each year
    # 7600/8000 = 95 %, 6800/8000 = 85 %, 7400/8000 = 92.5 %: the weakest is 85 %, in 2022, which lacks
    # 0.9 × 8000 − 6800 = 400 ㎡
    assert (used.value, used.status, used.shortfall, used.shortfall_unit) == (85.0, "fail", 400, "square_metre")
    assert used.window is not None and (used.window.failing_year, used.window.missing_years) == (2022, [])
    assert [year.status for year in used.window.by_year] == ["pass", "fail", "pass"]
    success = latest["B002"].checks[3]  # incubation_success_rate >= 60 % over the three years' sums
    # (6 + 5 + 6) / (10 + 10 + 10) = 56.67 %; (17 + 1) / 30 = 60 %: one success lacks
    assert (round(success.value or 0, 2), success.status, success.shortfall) == (56.67, "fail", 1)
    assert success.window is not None and success.window.kind == "pooled"
    gone = latest["B003"].checks[0]
    assert (gone.status, gone.reason) == ("missing", "窗口内缺少 2022 年度的数据，无法判断")
    assert gone.window is not None and gone.window.missing_years == [2022]
    years = latest["B003"].checks[-1]  # operating at least 3 years: 4 in 2023
    assert (years.field, years.value, years.status, years.window) == ("operating_years", 4.0, "pass", None)
    # three years' successes 3 + 2 + 1 = 6 of 30 = 20 %; (6 + 12) / 30 = 60 %
    assert latest["B004"].checks[3].shortfall == 12

    rows = [row for row in _csv_rows(table) if row["unit_code"] == "B002"]
    assert [(row["kind"], row["window"], row["window_years"], row["failing_year"]) for row in rows] == [
        ("rule", "each", "3", "2022"),
        ("rule", "each", "3", ""),
        ("rule", "each", "3", ""),
        ("rule", "pooled", "3", ""),
        ("rule", "pooled", "3", ""),
        ("rule", "", "", ""),
    ]
    assert {row["missing_years"] for row in _csv_rows(table) if row["unit_code"] == "B003" and row["window"]} == {
        "2022"
    }


def test_bases_over_three_years_against_a_scored_standard(catalog: Catalog, tmp_path: Path) -> None:
    standard = Standard.model_validate(SCORED)
    path = write_bases(tmp_path / "bases.xlsx", base_rows(BASES), catalog)
    judged, oracle = _judged_bases(path, catalog, standard, {"park": 1})
    assert judged.result() == oracle
    document, table = _written(judged)
    assert document == oracle.model_dump(mode="json")
    assert table == check_csv_by_unit(oracle)

    latest = _latest(oracle)
    first = latest["B001"].score
    # entities 31: 30 × (31 − 20) / (40 − 20) = 16.5; jobs 305: 30; success (7 + 8 + 5) / (10 + 12 + 8) = 66.7 %
    # >= 60 %: 20; rules 20: 86.5 points, 良好 (80 to 90), 20 万元
    assert first is not None
    assert [item.points for item in first.items] == [16.5, 30.0, 20.0, 20.0]
    assert (first.total, first.grade, first.passes, first.subsidy, first.exit) == (86.5, "良好", True, 20.0, False)
    # 90 − 86.5 = 3.5 points to 优秀: entities to 16.5 + 3.5 = 20 points, 30 × (n − 20) / 20 >= 20 at n >= 33.3:
    # 34, 3 more; jobs, success and rules have no points to give
    assert first.next_grade is not None
    step = first.next_grade
    assert (step.grade, step.points_needed, step.item, step.addition, step.value_after) == (
        "优秀",
        3.5,
        "entities",
        3.0,
        34.0,
    )
    second = latest["B002"].score
    # 40 entities: 30; 400 jobs: 30; 17 of 30 successes, 56.7 % < 60 %: 0 (no floor); rules 12: 72 points, 合格
    assert second is not None and (second.total, second.grade, second.subsidy) == (72.0, "合格", 10.0)
    # 8 points to 良好: one success more makes 18 of 30 = 60 %, 20 points, for 1 / 17 of the successes;
    # the rules' 8 points would be 8 / 12 of theirs
    assert second.next_grade is not None
    assert (second.next_grade.item, second.next_grade.addition, second.next_grade.addition_unit) == (
        "success",
        1.0,
        "entity",
    )
    assert latest["B002"].status == "pass"
    third = latest["B003"].score
    # no 2022 row: the pooled success rate is missing, so is the total; the points known are 15 + 30 + 18 = 63
    assert third is not None and (third.total, third.known, third.grade) == (None, 63.0, None)
    assert third.items[2].reason == "窗口内缺少 2022 年度的数据，无法判断"
    assert third.reason == "“孵化成功率”没有可计分的值，无法计算总分和等次（空白不按零分计）"
    assert latest["B003"].status == "incomplete"
    fourth = latest["B004"].score
    # 19.5 + 30 + 0 + 19 = 68.5 points (合格), but 2023's 1 success of 10 = 10 % < 20 %: vetoed, 不合格
    assert fourth is not None
    assert (fourth.total, fourth.grade, fourth.passes, fourth.exit) == (68.5, "不合格", False, True)
    assert (fourth.vetoed, fourth.veto_rules, fourth.next_grade) == (True, ["incubation_success_rate"], None)
    assert latest["B004"].status == "fail"
    veto = latest["B004"].checks[0]
    assert (veto.veto, veto.status, veto.shortfall) == (True, "fail", 1)  # (1 + 1) / 10 = 20 %

    rows = [row for row in _csv_rows(table) if row["unit_code"] == "B001"]
    assert [(row["kind"], row["item"], row["points"], row["max_points"]) for row in rows] == [
        ("rule", "", "", ""),
        ("rule", "", "", ""),
        ("item", "entities", "16.5", "30.0"),
        ("item", "jobs", "30.0", "30.0"),
        ("item", "success", "20.0", "20.0"),
        ("item", "rules", "20.0", "20.0"),
        ("score", "", "86.5", "100.0"),
    ]
    total = rows[-1]
    assert (total["grade"], total["grade_passes"], total["subsidy"], total["exit"], total["vetoed"]) == (
        "良好",
        "true",
        "20.0",
        "false",
        "false",
    )
    assert (total["next_grade"], total["points_needed"], total["next_item"], total["addition"]) == (
        "优秀",
        "3.5",
        "entities",
        "3.0",
    )
    assert [row["veto"] for row in rows if row["kind"] == "rule"] == ["true", "true"]
    vetoed = [row for row in _csv_rows(table) if row["unit_code"] == "B004" and row["kind"] == "score"]
    assert [(row["grade"], row["vetoed"], row["veto_rules"]) for row in vetoed] == [
        ("不合格", "true", "incubation_success_rate")
    ]
    # the subsidies a statistician adds up: one score row per base, 20 + 10 万元 (B003 unknown, B004 none)
    assert sum(float(row["subsidy"] or 0) for row in _csv_rows(table) if row["kind"] == "score") == 30.0


RICH = {
    "id": "rich-test",
    "name": "测试",
    "source": "测试",
    "status": "official",
    "min_years_operating": 3,
    "levels": {
        "park": [
            {"indicator": "site_utilisation", "op": ">=", "value": 90, "window": {"years": 3, "each": True}},
            {"indicator": "site_utilisation", "op": "<=", "value": 99, "window": {"years": 2, "each": True}},
            {"field": "graduated_entities", "op": ">=", "value": 20, "window": {"years": 3, "pooled": True}},
            {"indicator": "on_time_exit_rate", "op": ">=", "value": 95, "window": {"years": 3, "pooled": True}},
            {"field": "incubated_entities", "op": "==", "value": 30, "window": {"years": 2, "each": True}},
            {"field": "base_jobs", "op": ">=", "value": 300},
            {
                "when": {"park_type": ["孵化基地"]},
                "name": "孵化基地",
                "rules": [
                    {"field": "incubated_entities", "op": ">=", "value": 30, "window": {"years": 2, "each": True}}
                ],
            },
        ]
    },
    "scoring": {
        "park": {
            **SCORED["scoring"]["park"],  # type: ignore[index]
            "items": [
                *SCORED["scoring"]["park"]["items"],  # type: ignore[index]
                {
                    "id": "graduated",
                    "field": "graduated_entities",
                    "window": {"years": 2, "pooled": True},
                    "points": 10,
                    "steps": [{"at": 5, "points": 4}, {"at": 15, "points": 10}],
                },
            ],
        }
    },
}


def blank_or(draw: Any, value: int) -> int | None:
    """The value, now and then blank."""
    return None if draw(st.integers(0, 9)) == 0 else value


@st.composite
def bases_over_years(draw: Any) -> list[dict[str, Any]]:
    """A few bases, each with rows for some of the years 2020 to 2023: counts that hold together (a part no
    larger than its whole), now and then blank; small areas, so that a year's area is sometimes 0; a type of
    base, or none."""
    bases: dict[tuple[str, str], dict[int, tuple[Any, ...]]] = {}
    for number in range(draw(st.integers(1, 4))):
        years = draw(st.sets(st.sampled_from([2020, 2021, 2022, 2023]), min_size=1))
        rows: dict[int, tuple[Any, ...]] = {}
        for year in sorted(years):
            area = draw(st.integers(0, 20))
            graduated = draw(st.integers(0, 12))
            due = draw(st.integers(0, 12))
            rows[year] = tuple(
                blank_or(draw, value)
                for value in (
                    area,
                    draw(st.integers(0, area)),
                    draw(st.integers(25, 45)),
                    draw(st.sampled_from([0, 40, 99, 100, 250, 300, 320])),
                    graduated,
                    draw(st.integers(0, graduated)),
                    due,
                    draw(st.integers(0, due)),
                    draw(st.integers(0, 8)),
                    draw(st.integers(0, 25)),
                )
            )
        bases[(f"B{number:03d}", f"基地{number}")] = rows
    kinds = {code: draw(st.sampled_from(["孵化基地", "众创空间", None])) for code, _ in bases}
    return [row | {"park_type": kinds[row["unit_code"]]} for row in base_rows(bases)]


@given(rows=bases_over_years(), which=st.sampled_from(["national", "scored", "rich"]), quota=st.integers(0, 2))
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_the_column_wise_check_of_bases_over_years_matches_the_unit_by_unit_check(
    catalog: Catalog, tmp_path_factory: pytest.TempPathFactory, rows: list[dict[str, Any]], which: str, quota: int
) -> None:
    standard = (
        load_standard("national-2017-demo-base", catalog)
        if which == "national"
        else Standard.model_validate(SCORED if which == "scored" else RICH)
    )
    path = write_bases(tmp_path_factory.mktemp("bases") / "bases.xlsx", rows, catalog)
    judged, oracle = _judged_bases(path, catalog, standard, {"park": quota})
    assert judged.result() == oracle
    document, table = _written(judged)
    assert document == oracle.model_dump(mode="json")
    assert table == check_csv_by_unit(oracle)


def test_an_each_rule_failing_without_a_shortfall_says_why(catalog: Catalog, tmp_path: Path) -> None:
    bases = {("B001", "甲基地"): {2022: (8000, 7600, *[30] * 8), 2023: (8000, 8000, 35, *[30] * 7)}}
    standard = Standard.model_validate(RICH)
    judged, oracle = _judged_bases(write_bases(tmp_path / "b.xlsx", base_rows(bases), catalog), catalog, standard)
    assert judged.result() == oracle
    upper = _latest(oracle)["B001"].checks[1]  # site_utilisation <= 99 % in each of two years
    # 2022: 7600 / 8000 = 95 % passes; 2023: 8000 / 8000 = 100 % fails, and adding used area cannot help
    assert (upper.value, upper.status, upper.shortfall) == (100.0, "fail", None)
    assert upper.reason == "上限门槛：增加分子无法达标"
    exact = _latest(oracle)["B001"].checks[4]  # incubated entities == 30 in each of two years: 30, then 35
    # 35 cannot come down to 30 by adding
    assert (exact.status, exact.shortfall, exact.reason) == ("fail", None, "分母不变时增加分子也无法恰好达到该值")
    assert exact.window is not None and exact.window.failing_year == 2023
    # the value shown is the year farthest from 30: 35, not the passing 30
    assert exact.value == 35
    assert judged.result() == oracle


def test_a_pooled_item_names_a_blank_year_as_it_is(catalog: Catalog, tmp_path: Path) -> None:
    rows = base_rows(BASES)
    for row in rows:
        if row["unit_code"] == "B001" and row["year"] == 2022:
            row["graduated_entities"] = None  # the row is there, its 出孵实体数 blank
    standard = Standard.model_validate(SCORED)
    judged, oracle = _judged_bases(write_bases(tmp_path / "b.xlsx", rows, catalog), catalog, standard)
    score = _latest(oracle)["B001"].score
    assert score is not None and score.items[2].reason == "2022 年度：缺少数据：出孵实体数"
    assert judged.result() == oracle


def test_a_base_without_a_year_has_no_window_to_look_back_over(catalog: Catalog, tmp_path: Path) -> None:
    rows = [row for row in base_rows(BASES) if row["unit_code"] == "B001" and row["year"] == 2023]
    rows[0]["year"] = None  # kept with --keep-going, as a row of no year
    standard = load_standard("national-2017-demo-base", catalog)
    judged, oracle = _judged_bases(write_bases(tmp_path / "b.xlsx", rows, catalog), catalog, standard)
    used = _latest(oracle)["B001"].checks[0]
    assert (used.status, used.window, used.reason) == ("missing", None, "窗口内缺少 — 年度的数据，无法判断")
    assert judged.result() == oracle
