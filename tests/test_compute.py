"""Indicators on hand-computed values, null reasons, blanks, and the derived hierarchy."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from chuangye_metrics.config.catalog import load_catalog
from tests.conftest import read_result, sha256

STREET = {
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
    "graduate_entrepreneurs": 96,
    "eligible_applicants": 310,
    "supported_applicants": 297,
    "survey_respondents": 400,
    "survey_satisfied": 366,
    "active_entities": 1331,
    "active_entities_base": 1000,
    "active_entity_years": 7986,
    "incubated_entities": 40,
}

# Worked by hand from STREET's counts with the definitions of the indicators.
EXPECTED_STREET = {
    "participation_rate": 420 / 52000 * 100,  # 0.8077 %
    "activity_index": (3860 + 2730) / 52000 * 100,  # 12.67 %
    "success_rate": 186 / 352 * 100,  # 52.84 %
    "training_pass_rate": 352 / 380 * 100,  # 92.63 %
    "survival_rate": 71.25,  # 171 / 240
    "employment_contribution": 49.21875,  # (420 + 2730) / 6400
    "jobs_per_entrepreneur": 6.5,  # 2730 / 420, shown 1:6.5
    "jobs_per_entity": 2730 / 265,  # 10.30
    "graduate_share": 96 / 420 * 100,  # 22.86 %
    "policy_coverage": 297 / 310 * 100,  # 95.81 %
    "satisfaction_rate": 91.5,  # 366 / 400
    "entity_growth_rate": 10.0,  # (1331 / 1000)^(1/3) - 1 = 1.1 - 1
    "mean_entity_age": 6.0,  # 7986 / 1331
}


def run_json(cli: Any, path: Path, *options: str) -> dict[str, Any]:
    result = cli("compute", path, "--format", "json", *options)
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)  # type: ignore[no-any-return]


def units_by_code(document: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {unit["unit_code"]: unit for unit in document["units"]}


def test_every_indicator_matches_hand_computation(cli: Any, make_return: Callable[..., Path]) -> None:
    document = run_json(cli, make_return([STREET]))
    units = units_by_code(document)
    # the street's county has a child in the file and no row: it is derived, equal to its one child
    assert set(units) == {"320115001000", "320115000000"}
    assert units["320115000000"]["derived"] is True
    unit = units["320115001000"]
    assert unit["level"] == "street"
    assert unit["year"] == 2016
    assert unit["derived"] is False
    assert unit["row"] == 2
    assert set(unit["indicators"]) == set(load_catalog().indicators) >= set(EXPECTED_STREET)
    for indicator_id in set(unit["indicators"]) - set(EXPECTED_STREET):  # a base's: its counts are not in the return
        assert unit["indicators"][indicator_id]["value"] is None and unit["indicators"][indicator_id]["reason"]
    for indicator_id, expected in EXPECTED_STREET.items():
        assert unit["indicators"][indicator_id]["value"] == pytest.approx(expected, rel=0, abs=1e-9), indicator_id
        assert unit["indicators"][indicator_id]["reason"] is None
    participation = unit["indicators"]["participation_rate"]
    assert (participation["numerator"], participation["denominator"], participation["unit"]) == (420, 52000, "percent")
    activity = unit["indicators"]["activity_index"]
    assert (activity["numerator"], activity["denominator"]) == (6590, 52000)
    assert unit["indicators"]["jobs_per_entrepreneur"]["unit"] == "ratio"


def test_zero_denominator_gives_null_with_reason(cli: Any, make_return: Callable[..., Path]) -> None:
    row = {
        **STREET,
        "trainees": 0,
        "trainees_certified": 0,
        "trainees_started": 0,
        "new_entrepreneurs": 0,
        "graduate_entrepreneurs": 0,
    }
    unit = units_by_code(run_json(cli, make_return([row])))["320115001000"]
    for indicator_id in ("success_rate", "training_pass_rate", "jobs_per_entrepreneur", "graduate_share"):
        indicator = unit["indicators"][indicator_id]
        assert indicator["value"] is None, indicator_id
        assert indicator["denominator"] == 0
        assert "分母为零" in indicator["reason"]
    assert unit["indicators"]["participation_rate"]["value"] == 0.0
    assert unit["indicators"]["participation_rate"]["reason"] is None


def test_blank_is_missing_not_zero(cli: Any, make_return: Callable[..., Path]) -> None:
    blank_numerator = {**STREET, "unit_code": "320115001001", "trainees_started": None}
    zero_numerator = {**STREET, "unit_code": "320115001002", "trainees_started": 0}
    blank_denominator = {**STREET, "unit_code": "320115001003", "labour_force": None}
    units = units_by_code(run_json(cli, make_return([blank_numerator, zero_numerator, blank_denominator])))

    blank = units["320115001001"]
    assert blank["fields"]["trainees_started"] is None
    assert blank["indicators"]["success_rate"]["value"] is None
    assert blank["indicators"]["success_rate"]["numerator"] is None
    assert "培训后成功创业人数" in blank["indicators"]["success_rate"]["reason"]

    zero = units["320115001002"]
    assert zero["fields"]["trainees_started"] == 0
    assert zero["indicators"]["success_rate"]["value"] == 0.0

    no_labour = units["320115001003"]
    for indicator_id in ("participation_rate", "activity_index"):
        assert no_labour["indicators"][indicator_id]["value"] is None
        assert "劳动年龄人口数" in no_labour["indicators"][indicator_id]["reason"]
    assert no_labour["indicators"]["survival_rate"]["value"] == 71.25


def test_reasons_in_english(cli: Any, make_return: Callable[..., Path]) -> None:
    path = make_return([{**STREET, "labour_force": None, "trainees_certified": 0, "trainees_started": 0}])
    unit = units_by_code(run_json(cli, path, "--lang", "en"))["320115001000"]
    assert unit["indicators"]["participation_rate"]["reason"] == "missing data: labour_force"
    assert unit["indicators"]["success_rate"]["reason"] == "zero denominator (trainees_certified)"


def test_the_arithmetic_gives_reasons_as_codes_put_into_words_only_when_written(catalog: Any) -> None:
    import inspect

    import numpy as np

    from chuangye_metrics.indicators.compute import indicator_arrays, reason_text, reason_words

    assert "language" not in inspect.signature(indicator_arrays).parameters
    activity = catalog.indicators["activity_index"]  # (entrepreneurs + startup_jobs) / labour_force
    nan = float("nan")
    values = {
        "entrepreneurs": np.array([5.0, nan, 5.0, nan, 5.0]),
        "startup_jobs": np.array([5.0, 5.0, nan, nan, 5.0]),
        "labour_force": np.array([100.0, 100.0, 100.0, 100.0, 0.0]),
    }
    parts = indicator_arrays(values, 5, activity)
    assert parts.reasons == (
        "reason-missing:entrepreneurs",
        "reason-missing:startup_jobs",
        "reason-missing:entrepreneurs,startup_jobs",
        "reason-zero-denominator",
    )
    assert parts.reason.tolist() == [0, 1, 2, 3, 4]
    assert reason_words(parts, activity, catalog, "zh").tolist() == [
        None,
        "缺少数据：创业人员实有数",
        "缺少数据：创业带动就业人数",
        "缺少数据：创业人员实有数、创业带动就业人数",
        "分母为零（劳动年龄人口数）",  # the field by its header
    ]
    assert reason_text("reason-missing:entrepreneurs,startup_jobs", activity, catalog, "en") == (
        "missing data: entrepreneurs, startup_jobs"
    )


def counts(**values: int | None) -> dict[str, int | None]:
    """Ten of everything, with room above for the parts: entrepreneurs ≥ new entrepreneurs etc."""
    base = dict.fromkeys(STREET.keys() - {"unit_code", "unit_name", "level", "year"}, 10)
    base.update(entrepreneurs=100_000, labour_force=1_000_000, survey_respondents=1000)
    base.update(values)
    return base


def test_derived_parents_sum_children_and_skip_parks(cli: Any, make_return: Callable[..., Path]) -> None:
    rows = [
        {
            "unit_code": "320115001001",
            "unit_name": "甲社区",
            "level": "社区",
            **counts(labour_force=1000, new_entrepreneurs=10, survey_respondents=50),
        },
        {
            "unit_code": "320115001202",
            "unit_name": "乙村",
            "level": "村",
            **counts(labour_force=3000, new_entrepreneurs=50, survey_respondents=None),
        },
        {
            "unit_code": "320115002000",
            "unit_name": "丙街道",
            "level": "街道",
            **counts(labour_force=10000, new_entrepreneurs=200, survey_respondents=100),
        },
        {
            "unit_code": "320115002001",
            "unit_name": "丙街道丁社区",
            "level": "社区",
            **counts(labour_force=4000, new_entrepreneurs=70, survey_respondents=40),
        },
        {
            "unit_code": "P001",
            "unit_name": "创业园",
            "level": "园区",
            "parent_code": "320115000000",
            **counts(labour_force=500, new_entrepreneurs=30, survey_respondents=30),
        },
    ]
    units = units_by_code(run_json(cli, make_return(rows), "--year", "2016"))
    assert set(units) == {
        "320115000000",
        "320115001000",
        "320115001001",
        "320115001202",
        "320115002000",
        "320115002001",
        "P001",
    }

    street = units["320115001000"]
    assert street["derived"] is True and street["level"] == "street" and street["row"] is None
    assert street["parent_code"] == "320115000000"
    assert street["fields"]["labour_force"] == 4000
    assert street["fields"]["new_entrepreneurs"] == 60
    assert street["indicators"]["participation_rate"]["value"] == pytest.approx(60 / 4000 * 100, abs=1e-12)
    # a child without survey_respondents makes the sum missing, not the other child's value
    assert street["fields"]["survey_respondents"] is None
    assert street["indicators"]["satisfaction_rate"]["value"] is None
    assert "满意度调查有效样本数" in street["indicators"]["satisfaction_rate"]["reason"]

    county = units["320115000000"]
    assert county["derived"] is True and county["level"] == "county"
    # the derived street (4000) and the street's own row (10000); not 丁社区 (inside 丙街道), not the park
    assert county["fields"]["labour_force"] == 14000
    assert county["fields"]["new_entrepreneurs"] == 260
    assert county["indicators"]["participation_rate"]["value"] == pytest.approx(260 / 14000 * 100, abs=1e-12)
    # the mean of the children's rates would be (1.5 + 2.0) / 2 = 1.75: a ratio of sums is not that
    assert county["indicators"]["participation_rate"]["value"] != pytest.approx(1.75)
    assert all(unit["year"] == 2016 for unit in units.values())


def test_ancestors_that_would_repeat_a_derived_child_are_not_invented(
    cli: Any, make_return: Callable[..., Path]
) -> None:
    rows = [
        {"unit_code": "320115001001", "unit_name": "甲社区", "level": "社区", **counts()},
        {"unit_code": "320115001002", "unit_name": "乙社区", "level": "社区", **counts()},
    ]
    units = units_by_code(run_json(cli, make_return(rows)))
    # the street has children in the file; its county, city and province would only repeat it
    assert set(units) == {"320115001000", "320115001001", "320115001002"}


def test_a_single_listed_community_still_gets_its_street(cli: Any, make_return: Callable[..., Path]) -> None:
    rows = [{"unit_code": "320115001001", "unit_name": "甲社区", "level": "社区", **counts(labour_force=321)}]
    units = units_by_code(run_json(cli, make_return(rows)))
    assert set(units) == {"320115001000", "320115001001"}
    assert units["320115001000"]["fields"]["labour_force"] == 321


def test_parents_across_cities_roll_up_to_the_province(cli: Any, make_return: Callable[..., Path]) -> None:
    rows = [
        {"unit_code": "320115000000", "unit_name": "江宁区", "level": "县(市、区)", **counts(labour_force=100)},
        {"unit_code": "320116000000", "unit_name": "六合区", "level": "区", **counts(labour_force=200)},
        {"unit_code": "320205000000", "unit_name": "锡山区", "level": "区", **counts(labour_force=400)},
    ]
    units = units_by_code(run_json(cli, make_return(rows)))
    assert units["320100000000"]["fields"]["labour_force"] == 300
    assert units["320200000000"]["fields"]["labour_force"] == 400
    assert units["320000000000"]["fields"]["labour_force"] == 700
    assert units["320000000000"]["level"] == "province"


def test_explicit_parent_code_is_used(cli: Any, make_return: Callable[..., Path]) -> None:
    rows = [
        {"unit_code": "C1", "unit_name": "甲", "level": "社区", "parent_code": "S1", **counts(labour_force=5)},
        {"unit_code": "C2", "unit_name": "乙", "level": "社区", "parent_code": "S1", **counts(labour_force=7)},
    ]
    units = units_by_code(run_json(cli, make_return(rows)))
    assert units["S1"]["derived"] is True
    assert units["S1"]["level"] == "street"
    assert units["S1"]["fields"]["labour_force"] == 12


def test_level_filter(cli: Any, make_return: Callable[..., Path]) -> None:
    rows = [
        {"unit_code": "320115001001", "unit_name": "甲", "level": "社区", **counts()},
        {"unit_code": "320115001002", "unit_name": "乙", "level": "社区", **counts()},
        {"unit_code": "P1", "unit_name": "园", "level": "园区", "parent_code": "320115001000", **counts()},
    ]
    document = run_json(cli, make_return(rows), "--level", "街道", "--level", "park")
    assert [unit["unit_code"] for unit in document["units"]] == ["320115001000", "P1"]


def test_year_column_and_year_option(cli: Any, make_return: Callable[..., Path]) -> None:
    rows = [{**STREET, "year": 2016}, {**STREET, "year": 2017, "labour_force": 60000}]
    path = make_return(rows)
    both = run_json(cli, path, "--level", "street")  # several years: the years side by side
    (street,) = both["units"]
    points = street["fields"]["labour_force"]["points"]
    assert [(point["year"], point["value"]) for point in points] == [(2016, 52000), (2017, 60000)]
    only = run_json(cli, path, "--year", "2017")
    assert [(unit["unit_code"], unit["year"], unit["fields"]["labour_force"]) for unit in only["units"]] == [
        ("320115000000", 2017, 60000),
        ("320115001000", 2017, 60000),
    ]


def test_source_block_and_input_unchanged(cli: Any, make_return: Callable[..., Path]) -> None:
    path = make_return([STREET])
    before = sha256(path)
    document = run_json(cli, path)
    assert document["sources"] == [{"file": str(path), "sheet": "数据", "sha256": before, "year": 2016}]
    assert sha256(path) == before


def test_csv_output(cli: Any, make_return: Callable[..., Path], tmp_path: Path) -> None:
    import csv

    output = tmp_path / "out.csv"
    result = cli("compute", make_return([STREET]), "--format", "csv", "--output", output)
    assert result.exit_code == 0
    with output.open(encoding="utf-8-sig") as stream:
        (row,) = [row for row in csv.DictReader(stream) if row["derived"] == "false"]
    assert row["unit_code"] == "320115001000"
    assert float(row["survival_rate"]) == 71.25
    assert float(row["participation_rate"]) == pytest.approx(420 / 52000 * 100, abs=1e-12)


def test_table_shows_names_one_decimal_and_ratios(cli: Any, make_return: Callable[..., Path]) -> None:
    result = cli("compute", make_return([STREET]))
    assert result.exit_code == 0
    assert "创业参与率" in result.stdout
    assert "0.8%" in result.stdout  # 0.8077 %
    assert "71.2%" in result.stdout  # 71.25 % shown with one decimal (banker's rounding is not used: 71.25 -> 71.2)
    assert "1:6.5" in result.stdout
    assert "东山街道" in result.stdout


def test_a_large_table_is_written_as_plain_aligned_columns(
    cli: Any, make_return: Callable[..., Path], monkeypatch: Any
) -> None:
    from chuangye_metrics.outputs import table as render

    monkeypatch.setattr(render, "PLAIN_ABOVE", 1)
    rows = [
        STREET | {"unit_code": "320115001001", "level": "社区", "unit_name": "竹山社区", "parent_code": None},
        STREET | {"unit_code": "320115001002", "level": "社区", "unit_name": "上坊\n社区", "parent_code": None},
    ]
    result = cli("compute", make_return(rows), "--no-cache")
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[1].split()[:4] == ["单位代码", "单位名称", "层级", "创业参与率"]
    assert set(lines[2].replace(" ", "")) == {"-"}
    derived, community = lines[3], lines[4]  # the street (derived from its one community), then the community
    assert derived.startswith("320115001000  （下级汇总） *  街道/乡镇")
    assert community.startswith("320115001001  竹山社区")
    assert community.split()[3] == "0.8%"  # 420 / 52000 = 0.81 %
    # "竹山社区" is 8 columns wide on screen, "（下级汇总） *" 14: the level column starts at the same place
    assert derived.index("街道") - len("320115001000  （下级汇总） *  ") == 0
    assert community.index("社区/村") == len("320115001000  竹山社区") + 6 + 2
    # the line break of the name kept off the table: shown escaped, as every control character of a name on a
    # terminal (text.printable), rather than as a space, which would hide that the name holds one
    assert lines[5].startswith("320115001002  上坊\\n社区")
    assert "标 * 的单位在文件中无本行" in result.stdout


def test_numbers_for_models_keep_whole_values_whole_and_the_rest_as_they_are() -> None:
    import numpy as np

    from chuangye_metrics.indicators.compute import model_numbers

    values = model_numbers(np.array([1.0, 2.5, np.nan, np.inf, -np.inf, 2.0**70, -3.0]))
    assert values == [1, 2.5, None, float("inf"), float("-inf"), 2**70, -3]
    assert [type(value) for value in values] == [int, float, type(None), float, float, int, int]


@pytest.mark.parametrize("language", ["zh", "en"])
def test_the_plain_table_written_by_column_is_the_one_written_from_the_models(
    make_return: Callable[..., Path], catalog: Any, language: Any, monkeypatch: Any
) -> None:
    import io

    from chuangye_metrics.outputs import table as tableout
    from tests.oracles import plain_compute_table

    community = STREET | {"level": "社区", "parent_code": None}
    rows = [
        community | {"unit_code": "320115001001", "unit_name": "竹山社区", "year": 2016},
        community | {"unit_code": "320115001002", "unit_name": "上坊\n社区", "year": 2016, "trainees_certified": None},
        community | {"unit_code": "320115001001", "unit_name": "竹山社区", "year": 2017, "new_entrepreneurs": 0},
        STREET
        | {
            "unit_code": "320115900001",
            "unit_name": "Jiangning Park 江宁园",
            "level": "园区",
            "parent_code": "320115000000",
        },
    ]
    returns = read_result(make_return(rows), catalog, language=language, keep_going=True)
    assert returns.units is not None
    written = io.StringIO()
    sources = returns.sources_of(returns.units.frame)
    monkeypatch.setattr(tableout, "SLICE", 2)  # lines written two at a time: slices join up
    tableout.write_plain_compute_table(written, returns.units, catalog, sources, language)
    expected = plain_compute_table(returns.result(), catalog, language)
    assert written.getvalue() == expected
    # what the comparison covers: derived units, two years, a blank indicator, a park, a name with a line break
    assert "2017" in expected and "—" in expected and " *" in expected and "上坊\\n社区" in expected


def test_a_large_table_goes_to_the_output_file_as_to_stdout(
    cli: Any, make_return: Callable[..., Path], monkeypatch: Any, tmp_path: Path
) -> None:
    from chuangye_metrics.outputs import table as render

    monkeypatch.setattr(render, "PLAIN_ABOVE", 1)
    path = make_return([STREET, STREET | {"unit_code": "320115002000", "unit_name": "西山街道"}])
    shown = cli("compute", path, "--no-cache")
    output = tmp_path / "table.txt"
    written = cli("compute", path, "--no-cache", "--output", output)
    assert shown.exit_code == written.exit_code == 0
    assert output.read_text(encoding="utf-8") == shown.stdout and "西山街道" in shown.stdout
