"""Scored evaluations: points per item, the total, grades and their consequences, veto rules and the next grade."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook

from chuangye_metrics.config.catalog import Catalog
from chuangye_metrics.standards.library import ScoreItem, load_standard
from chuangye_metrics.standards.scoring import points_of
from tests.conftest import check_result

STANDARD = """\
id: graded
name: 测试评分办法
source: 测试
status: provisional
scoring:
  park:
    items:
      - {id: entities, field: incubated_entities, points: 30, full: 40, floor: 20}
      - id: jobs
        field: base_jobs
        points: 30
        steps: [{at: 100, points: 10}, {at: 200, points: 20}, {at: 300, points: 30}]
      - {id: success, indicator: incubation_success_rate, points: 20, full: 60}
      - {id: rules, score_field: score_rules, points: 20}
    grades:
      - {grade: 优秀, grade_en: excellent, min: 90, subsidy: 30}
      - {grade: 良好, grade_en: good, min: 80, subsidy: 20}
      - {grade: 合格, grade_en: pass, min: 60, subsidy: 10}
      - {grade: 不合格, grade_en: fail, min: 0, passes: false, exit: true}
    veto:
      - {indicator: incubation_success_rate, op: ">=", value: 20}
"""
HEADERS = [
    "单位代码",
    "单位名称",
    "单位层级",
    "上级单位代码",
    "统计年度",
    "在孵创业实体数",
    "吸纳就业人数",
    "出孵实体数",
]
HEADERS += ["孵化成功数", "制度建设得分"]
# code, entities, jobs, graduated, successes, the evaluators' points for 制度建设
PARKS = [
    ("P1", 40, 350, 10, 7, 18),
    ("P2", 31, 305, 10, 6, 20),
    ("P3", 40, 400, 10, 1, 20),
    ("P4", 25, 150, 10, 5, None),
    ("P5", 20, 280, 10, 6, 15),
]


@pytest.fixture
def files(tmp_path: Path) -> tuple[Path, Path]:
    standard = tmp_path / "graded.yaml"
    standard.write_text(STANDARD, encoding="utf-8")
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(HEADERS)
    for code, entities, jobs, graduated, successes, points in PARKS:
        sheet.append([code, f"{code}园", "园区", "320115000000", 2023, entities, jobs, graduated, successes, points])
    path = tmp_path / "parks.xlsx"
    workbook.save(path)
    return path, standard


@pytest.fixture
def scores(files: tuple[Path, Path], catalog: Catalog) -> dict[str, Any]:
    path, standard = files
    result = check_result(path, catalog, load_standard(standard, catalog))
    return {unit.unit_code: unit.assessment for unit in result.units}


def points(assessment: Any) -> dict[str, float | None]:
    return {item.item: item.points for item in assessment.score.items}


def test_points_totals_grades_and_payments(scores: dict[str, Any]) -> None:
    # P1: 40 entities = full 30; 350 jobs reach the 300 step: 30; 7/10 = 70 % >= 60 %: 20; 18 points: 98 → 优秀
    p1 = scores["P1"]
    assert points(p1) == {"entities": 30, "jobs": 30, "success": 20, "rules": 18}
    assert (p1.score.total, p1.score.grade, p1.score.subsidy, p1.score.exit, p1.status) == (
        98,
        "优秀",
        30,
        False,
        "pass",
    )
    assert p1.score.next_grade is None  # the top grade
    # P2: 31 entities, linear from 20 (0) to 40 (30): 11/20 × 30 = 16.5; 305 jobs: 30; 60 %: 20; 20: total 86.5 → 良好
    p2 = scores["P2"]
    assert points(p2) == {"entities": pytest.approx(16.5), "jobs": 30, "success": 20, "rules": 20}
    assert (p2.score.total, p2.score.grade, p2.score.subsidy, p2.score.passes) == (
        pytest.approx(86.5),
        "良好",
        20,
        True,
    )
    assert p2.score.max_total == 100


def test_the_next_grade_and_the_cheapest_item_to_reach_it(scores: dict[str, Any]) -> None:
    # P2 is 90 - 86.5 = 3.5 points short of 优秀. Only the entities item has room (13.5 points): 20 points need
    # 20 + 20/30 × 20 = 33.3 entities, so 34: three more.
    upward = scores["P2"].score.next_grade
    assert (upward.grade, upward.points_needed, upward.item, upward.addition, upward.addition_unit) == (
        "优秀",
        pytest.approx(3.5),
        "entities",
        3,
        "entity",
    )
    assert upward.value_after == 34
    # P5: 20 entities (0), 280 jobs (20), 60 % (20), 15 points: 55 → 不合格, 5 short of 合格. Entities: 5 points need
    # 23.3, so 4 more (4/20 = 20 %); jobs: the 300 step, 20 more (20/280 = 7 %); 制度建设: 5 points (5/15 = 33 %).
    p5 = scores["P5"]
    assert (p5.score.total, p5.score.grade, p5.score.passes, p5.score.exit, p5.status) == (
        55,
        "不合格",
        False,
        True,
        "fail",
    )
    upward = p5.score.next_grade
    assert (upward.grade, upward.points_needed, upward.item, upward.addition, upward.value_after) == (
        "合格",
        5,
        "jobs",
        20,
        300,
    )


def test_a_veto_overrides_a_high_score(scores: dict[str, Any]) -> None:
    # P3 scores 30 + 30 + 0 + 20 = 80 (良好 by points), but its success rate, 1/10 = 10 %, fails the veto (>= 20 %)
    p3 = scores["P3"]
    assert p3.score.total == 80
    assert (p3.score.vetoed, p3.score.veto_rules, p3.score.grade, p3.score.passes) == (
        True,
        ["incubation_success_rate"],
        "不合格",
        False,
    )
    assert (p3.score.exit, p3.score.subsidy, p3.score.next_grade, p3.status) == (True, None, None, "fail")
    (veto,) = [check for check in p3.checks if check.veto]
    assert (veto.status, veto.value) == ("fail", pytest.approx(10.0))


def test_a_blank_item_is_missing_not_zero(scores: dict[str, Any]) -> None:
    # P4: 25 entities → 7.5, 150 jobs → 10, 50 % → 0, 制度建设 blank: no total, no grade (not 17.5 → 不合格)
    p4 = scores["P4"]
    assert points(p4) == {"entities": pytest.approx(7.5), "jobs": 10, "success": 0, "rules": None}
    assert (p4.score.total, p4.score.known, p4.score.grade, p4.status) == (
        None,
        pytest.approx(17.5),
        None,
        "incomplete",
    )
    assert "制度建设得分" in p4.score.reason


def test_a_score_above_the_items_points_is_not_clipped(files: tuple[Path, Path], catalog: Catalog) -> None:
    path, standard = files
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(HEADERS)
    sheet.append(["P9", "P9园", "园区", "320115000000", 2023, 40, 350, 10, 7, 25])
    workbook.save(path)
    (unit,) = check_result(path, catalog, load_standard(standard, catalog)).units
    rules = {item.item: item for item in unit.assessment.score.items}["rules"]
    assert (rules.value, rules.points) == (25, None)
    assert "25" in rules.reason and "20" in rules.reason
    assert unit.assessment.score.total is None


def test_the_shortlist_ranks_by_score(cli: Any, files: tuple[Path, Path]) -> None:
    path, standard = files
    result = cli("check", path, "--standard", standard, "--quota", "park=1", "--format", "json")
    assert result.exit_code == 3, result.stderr
    entries = [
        (e["unit_code"], e["status"], e["rank"], e["score"]) for e in json.loads(result.stdout)["shortlist"]["entries"]
    ]
    # P1 (98) before P2 (86.5); P3 (vetoed) and P5 (不合格) are out, and no near miss: points keep them out
    assert entries == [("P1", "proposed", 1, 98), ("P2", "reserve", 2, 86.5)]


@pytest.mark.parametrize(
    ("value", "expected"),
    [(10, 0), (20, 0), (30, 15), (40, 30), (55, 30), (float("nan"), None)],
)
def test_linear_points_between_floor_and_full(value: float, expected: float | None) -> None:
    item = ScoreItem(id="x", field="base_jobs", points=30, full=40, floor=20)
    (earned,) = points_of(item, [value]).tolist()
    assert (None if earned != earned else earned) == expected


@pytest.mark.parametrize(("value", "expected"), [(99, 0), (100, 10), (250, 20), (300, 30), (1000, 30)])
def test_the_highest_step_reached(value: float, expected: float) -> None:
    item = ScoreItem(
        id="x",
        field="base_jobs",
        points=30,
        steps=[{"at": 300, "points": 30}, {"at": 100, "points": 10}, {"at": 200, "points": 20}],
    )  # type: ignore[list-item]
    assert points_of(item, [value]).tolist() == [expected]


@pytest.mark.parametrize(
    ("item", "message"),
    [
        ({"id": "x", "field": "base_jobs", "points": 10}, "either 'full'"),
        ({"id": "x", "field": "base_jobs", "indicator": "site_utilisation", "points": 10, "full": 1}, "exactly one"),
        ({"id": "x", "score_field": "score_rules", "points": 10, "full": 5}, "no full"),
        ({"id": "x", "field": "base_jobs", "points": 10, "full": 5, "floor": 9}, "not above"),
    ],
)
def test_a_malformed_item_is_refused(item: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        ScoreItem.model_validate(item)


def test_grades_must_run_from_the_highest_cut_down_to_zero(tmp_path: Path, cli: Any) -> None:
    standard = tmp_path / "bad.yaml"
    standard.write_text(STANDARD.replace("min: 0, passes", "min: 10, passes"), encoding="utf-8")
    result = cli("standards", "show", standard)
    assert result.exit_code == 2
    assert "bad.yaml" in result.stderr


def test_diff_names_a_changed_score_and_grade(cli: Any, files: tuple[Path, Path], tmp_path: Path) -> None:
    _, standard = files
    versions = []
    for name, entities in (("old.xlsx", 31), ("new.xlsx", 40)):
        workbook = Workbook()
        workbook.active.append(HEADERS)
        workbook.active.append(["P2", "P2园", "园区", "320115000000", 2023, entities, 305, 10, 6, 20])
        workbook.save(tmp_path / name)
        versions.append(tmp_path / name)
    result = cli("diff", *versions, "--standard", standard, "--format", "json")
    assert result.exit_code == 4, result.stderr
    (unit,) = json.loads(result.stdout)["units"]
    # 31 entities earn 16.5 points (86.5 in all, 良好); 40 earn the full 30 (100, 优秀)
    assert (unit["old_score"], unit["new_score"], unit["old_grade"], unit["new_grade"]) == (86.5, 100, "良好", "优秀")
    table = cli("diff", *versions, "--standard", standard)
    assert "总分：86.5 → 100（+13.5）" in table.stdout and "等次：良好 → 优秀" in table.stdout
