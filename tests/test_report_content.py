"""The content shared by the Excel and HTML reports: level tables, summaries, chart series and documentation."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from chuangye_metrics.config.catalog import Catalog
from chuangye_metrics.core.models import CheckResult, ComputeResult, Series, Source, UnitYears, YearPoint, YearsResult
from chuangye_metrics.outputs.report_content import CHART_UNITS_MAX, format_cell, report_content, years_table
from chuangye_metrics.standards.library import load_standard
from tests.conftest import check_result, compute_result

SAMPLE = Path(__file__).parent.parent / "sample_data" / "jiangning_2016.xlsx"

# Two communities of one street that has no row of its own.
COMMUNITIES = [
    {
        "unit_code": "320115001001",
        "unit_name": "甲社区",
        "level": "社区",
        "year": 2016,
        "labour_force": 1000,
        "new_entrepreneurs": 10,
        "startup_jobs": 40,
        "new_urban_jobs": 100,
    },
    {
        "unit_code": "320115001002",
        "unit_name": "乙社区",
        "level": "社区",
        "year": 2016,
        "labour_force": 3000,
        "new_entrepreneurs": 90,
        "startup_jobs": 110,
        "new_urban_jobs": 400,
    },
]


def _compute(path: Path, catalog: Catalog) -> ComputeResult:
    result = compute_result(path, catalog)
    assert result is not None
    return result


def _check(path: Path, catalog: Catalog, standard_id: str) -> CheckResult:
    result = check_result(path, catalog, load_standard(standard_id, catalog))
    assert result is not None
    return result


def test_core_indicators_are_data(catalog: Catalog) -> None:
    core = [indicator.id for indicator in catalog.indicators.values() if indicator.core]
    assert core == ["participation_rate", "success_rate", "survival_rate", "employment_contribution"]


def test_a_parent_is_computed_from_summed_counts_not_averaged(
    make_return: Callable[..., Path], catalog: Catalog
) -> None:
    content = report_content(_compute(make_return(COMMUNITIES), catalog), catalog)
    street = next(table for table in content.levels if table.level == "street")
    column = [c.id for c in street.columns].index("participation_rate")
    # (10 + 90) / (1000 + 3000) × 100 = 2.5, where the mean of 1.0 and 3.0 would be 2.0
    assert street.rows[0][column] == pytest.approx(2.5)
    name = [c.id for c in street.columns].index("unit_name")
    assert street.rows[0][name] == "（下级汇总）"
    chart = next(c for c in content.charts if c.level == "street" and c.indicator == "participation_rate")
    assert chart.values == [pytest.approx(2.5)]
    # employment contribution of the street: (100 + 150) / 500 × 100 = 50
    chart = next(c for c in content.charts if c.level == "street" and c.indicator == "employment_contribution")
    assert chart.values == [pytest.approx(50.0)]


def test_level_tables_hold_counts_indicators_and_the_ratio_text(
    make_return: Callable[..., Path], catalog: Catalog
) -> None:
    content = report_content(_compute(make_return(COMMUNITIES), catalog), catalog)
    assert [table.level for table in content.levels] == ["street", "community"]
    communities = content.levels[1]
    ids = [column.id for column in communities.columns]
    first = communities.rows[0]
    assert first[ids.index("unit_code")] == "320115001001"
    assert first[ids.index("parent_code")] == "320115001000"
    assert first[ids.index("labour_force")] == 1000
    assert first[ids.index("survival_rate")] is None  # no cohort counts: blank
    # 40 jobs / 10 entrepreneurs = 4 -> "1:4.0"
    assert first[ids.index("jobs_per_entrepreneur")] == pytest.approx(4.0)
    assert ids.index("display:jobs_per_entrepreneur") == ids.index("jobs_per_entrepreneur") + 1
    assert first[ids.index("display:jobs_per_entrepreneur")] == "1:4.0"
    kinds = {column.id: column.kind for column in communities.columns}
    assert kinds["participation_rate"] == "percent"
    assert kinds["jobs_per_entrepreneur"] == "ratio"
    assert kinds["mean_entity_age"] == "years"
    assert kinds["labour_force"] == "count"
    assert "status" not in ids  # no standard, no statuses
    assert all(entry.passed is None and entry.share is None for entry in content.summary)
    assert content.rules is None and content.shortlist is None and content.years is None


def test_check_tables_hold_statuses_per_rule(make_return: Callable[..., Path], catalog: Catalog) -> None:
    result = _check(make_return(COMMUNITIES), catalog, "jiangsu-2016")
    content = report_content(result, catalog, standard=load_standard("jiangsu-2016", catalog))
    communities = next(table for table in content.levels if table.level == "community")
    ids = [column.id for column in communities.columns]
    headings = {column.id: column.label for column in communities.columns}
    # jiangsu-2016: participation_rate >= 1.0 (provisional). 甲: 10/1000 = 1.0 % passes; 乙: 3.0 % passes.
    assert [row[ids.index("rule:participation_rate")] for row in communities.rows] == ["pass", "pass"]
    assert headings["rule:participation_rate"] == "创业参与率 ≥ 1.0%*"
    # no training or cohort counts: those rules are missing, so the units are incomplete
    assert [row[ids.index("rule:success_rate")] for row in communities.rows] == ["missing", "missing"]
    assert [row[ids.index("status")] for row in communities.rows] == ["incomplete", "incomplete"]
    assert content.provisional and content.warning
    summary = next(entry for entry in content.summary if entry.level == "community")
    # 0 of 2 pass: share 0 %, against the 70 % target of jiangsu-2016
    assert (summary.units, summary.passed, summary.incomplete, summary.share, summary.target, summary.met) == (
        2,
        0,
        2,
        0.0,
        70.0,
        False,
    )


def test_charts_follow_the_core_indicators_and_the_standards_rules(catalog: Catalog) -> None:
    standard = load_standard("jiangsu-2016", catalog)
    content = report_content(_check(SAMPLE, catalog, "jiangsu-2016"), catalog, standard=standard)
    park = {chart.indicator: chart for chart in content.charts if chart.level == "park"}
    # parks have no labour force, so no participation rate: that series is left out; jobs_per_entity is no core
    # indicator but jiangsu-2016 has a park rule on it (>= 5)
    assert list(park) == ["success_rate", "survival_rate", "employment_contribution", "jobs_per_entity"]
    assert [(park[i].op, park[i].threshold) for i in park] == [(">=", 50), (">=", 70), (">=", 30), (">=", 5)]
    assert all(chart.provisional for chart in park.values())
    county = [chart for chart in content.charts if chart.level == "county"]
    assert [chart.threshold for chart in county] == [None] * 4  # the standard has no county rules
    plain = report_content(_compute(SAMPLE, catalog), catalog)
    core = ["participation_rate", "success_rate", "survival_rate", "employment_contribution"]
    assert [chart.indicator for chart in plain.charts if chart.level == "street"] == core
    assert all(chart.threshold is None for chart in plain.charts)


def test_a_chart_shows_at_most_sixty_units_and_says_so(make_return: Callable[..., Path], catalog: Catalog) -> None:
    units = CHART_UNITS_MAX + 5
    rows = [
        {
            "unit_code": f"320115001{index:03d}",
            "unit_name": f"社区{index}",
            "level": "社区",
            "year": 2016,
            "labour_force": 1000,
            "new_entrepreneurs": index,
        }
        for index in range(1, units + 1)
    ]
    content = report_content(_compute(make_return(rows), catalog), catalog)
    chart = next(c for c in content.charts if c.level == "community" and c.indicator == "participation_rate")
    assert len(chart.labels) == len(chart.values) == 60
    assert chart.total_units == 65
    assert chart.labels[0] == "社区1" and chart.values[0] == pytest.approx(0.1)  # 1 / 1000 × 100
    assert "共 65 个" in chart.title
    english = report_content(_compute(make_return(rows), catalog), catalog, language="en")
    chart = next(c for c in english.charts if c.level == "community" and c.indicator == "participation_rate")
    assert "first 60 of 65 units" in chart.title


def test_rule_sets_with_different_thresholds_get_one_column_without_a_threshold(
    make_return: Callable[..., Path], catalog: Catalog
) -> None:
    park = {"level": "园区", "year": 2016, "parent_code": "320115000000", "startup_jobs": 100, "startup_entities": 10}
    rows = [
        {**park, "unit_code": "P1", "unit_name": "返乡园", "park_type": "返乡创业园", "incubated_entities": 25},
        {**park, "unit_code": "P2", "unit_name": "空间", "park_type": "众创空间", "incubated_entities": 25},
    ]
    standard = load_standard("jiangsu-2016-demo-base", catalog)
    result = check_result(make_return(rows), catalog, standard)
    assert result is not None
    table = report_content(result, catalog, standard=standard).levels[-1]
    headings = {column.id: column.label for column in table.columns}
    ids = [column.id for column in table.columns]
    # 1:5 for 返乡 parks, 1:10 for 众创空间: no single threshold in the heading
    assert headings["rule:jobs_per_entity"] == "创业实体带动就业比例"
    # 100 jobs / 10 entities = 10: passes both; 25 incubated passes >= 20 but fails >= 30
    assert [row[ids.index("rule:jobs_per_entity")] for row in table.rows] == ["pass", "pass"]
    assert [row[ids.index("rule:incubated_entities")] for row in table.rows] == ["pass", "fail"]
    assert [row[ids.index("rule_set")] for row in table.rows] == ["返乡、农村创业园", "众创空间"]
    charts = {c.indicator: c for c in report_content(result, catalog, standard=standard).charts}
    assert charts["jobs_per_entity"].values == [pytest.approx(10.0)] * 2
    assert charts["jobs_per_entity"].threshold is None


def test_formulas_and_rules_document_every_indicator_and_rule(catalog: Catalog) -> None:
    standard = load_standard("jiangsu-2016", catalog)
    content = report_content(_check(SAMPLE, catalog, "jiangsu-2016"), catalog, standard=standard)
    assert [row[0] for row in content.formulas.rows] == list(catalog.indicators)
    participation = content.formulas.rows[0]
    assert participation[3] == "当年新增创业人数 ÷ 劳动年龄人口数 × 100"
    assert content.rules is not None
    # 4 street + 4 community + 5 park rules, then 3 coverage targets
    assert len(content.rules.rows) == 4 + 4 + 5 + 3
    assert content.rules.rows[0][:6] == ["街道/乡镇", "全部单位", "创业参与率", "≥", "1.0%", "是"]
    assert content.rules.rows[-1][:5] == ["园区", "达标覆盖率目标", "达标比例", "≥", "90%"]


def test_years_table_flags_missing_years(catalog: Catalog) -> None:
    source = Source(file="a.xlsx", sheet=None, sha256="0" * 64)
    count = Series(
        kind="field",
        unit="person",
        points=[
            YearPoint(year=2015, value=100, change=None),
            YearPoint(year=2016, value=None, change=None),
            YearPoint(year=2017, value=121, change=None),
        ],
        growth=10.0,
        growth_from=2015,
        growth_to=2017,
    )
    unit = UnitYears(
        unit_code="320115001000",
        unit_name="东山街道",
        level="street",
        parent_code=None,
        years=[2015, 2017],
        missing_years=[2016],
        fields={"new_entrepreneurs": count},
        indicators={},
    )
    table = years_table(YearsResult(sources=[source], years=[2015, 2016, 2017], units=[unit]), catalog)
    assert table.header[5:8] == ["2015 年", "2016 年", "2017 年"]
    # code, name, level, item, unit; 2015, 2016, 2017; change 2016, 2017; growth, its period, years missing
    identity = ["320115001000", "东山街道", "街道/乡镇", "当年新增创业人数", "人"]
    assert table.rows == [[*identity, 100, None, 121, None, None, 10.0, "2015–2017", "2016"]]
    assert table.row_units == ["count"]


def test_format_cell() -> None:
    assert format_cell(30.64, "percent") == "30.6%"
    assert format_cell(1234, "count") == "1,234"
    assert format_cell(6.25, "ratio") == "6.25"
    assert format_cell("fail", "status") == "未达标"
    assert format_cell("fail", "status", "en") == "fail"
    assert format_cell(None, "percent") == ""


def test_english_labels(catalog: Catalog) -> None:
    content = report_content(_compute(SAMPLE, catalog), catalog, language="en")
    assert content.title == "Entrepreneurial-city indicator report"
    assert content.labels["sheet_summary"] == "Summary"
    street = next(table for table in content.levels if table.level == "street")
    assert street.label == "street/town"
    assert {column.label for column in street.columns} >= {"Code", "Entrepreneurship participation rate"}
