"""Years side by side: 同比 and yearly growth against hand computation, units of one year only, merged files."""

from __future__ import annotations

import csv
import io
import json
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jsonschema
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chuangye_metrics.config.catalog import Catalog
from chuangye_metrics.outputs.json import binary_stream, write_years_json
from tests.conftest import compute_result
from tests.test_compute import counts
from tests.test_jsonout import typed

ROOT = Path(__file__).resolve().parents[1]
SAMPLE_2016 = ROOT / "sample_data" / "jiangning_2016.xlsx"
SAMPLE_2017 = ROOT / "sample_data" / "jiangning_2017.xlsx"
SCHEMA = json.loads((ROOT / "schemas" / "years.schema.json").read_text(encoding="utf-8"))


def run(cli: Any, *args: str | Path, code: int = 0) -> Any:
    result = cli("compute", *args)
    assert result.exit_code == code, result.stderr
    return result


def years_json(cli: Any, *args: str | Path) -> dict[str, Any]:
    return json.loads(run(cli, *args, "--format", "json").stdout)  # type: ignore[no-any-return]


def by_code(document: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {unit["unit_code"]: unit for unit in document["units"]}


def points(series: dict[str, Any]) -> list[tuple[int, Any, Any]]:
    return [(point["year"], point["value"], point["change"]) for point in series["points"]]


@pytest.fixture(scope="module")
def sample_years() -> dict[str, Any]:
    from typer.testing import CliRunner

    from chuangye_metrics.cli.app import app

    result = CliRunner().invoke(app, ["compute", str(SAMPLE_2016), str(SAMPLE_2017), "--format", "json"])
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)  # type: ignore[no-any-return]


def test_sample_years_match_hand_computation(sample_years: dict[str, Any]) -> None:
    assert sample_years["years"] == [2016, 2017]
    assert [source["file"] for source in sample_years["sources"]] == [str(SAMPLE_2016), str(SAMPLE_2017)]
    units = by_code(sample_years)
    street = units["320115001000"]  # 东山街道, a row in both years
    assert street["years"] == [2016, 2017] and street["missing_years"] == []
    entrepreneurs = street["fields"]["entrepreneurs"]
    # 3,860 -> 4,246: +386; (4246 / 3860)^(1/1) - 1 = 0.1 -> 10.0 %
    assert points(entrepreneurs) == [(2016, 3860, None), (2017, 4246, 386)]
    assert entrepreneurs["unit"] == "person"
    assert entrepreneurs["growth"] == pytest.approx(10.0, abs=1e-9)
    assert (entrepreneurs["growth_from"], entrepreneurs["growth_to"], entrepreneurs["reason"]) == (2016, 2017, None)
    entities = street["fields"]["startup_entities"]
    # 265 -> 281: +16; 281 / 265 - 1 = 6.0377 %
    assert points(entities) == [(2016, 265, None), (2017, 281, 16)]
    assert entities["unit"] == "entity"
    assert entities["growth"] == pytest.approx((281 / 265 - 1) * 100)
    satisfaction = street["indicators"]["satisfaction_rate"]
    # 366 / 400 = 91.5 % -> 372 / 400 = 93.0 %: +1.5 percentage points; a rate has no growth
    ((_, first, none), (_, second, change)) = points(satisfaction)
    assert (first, second, none) == (pytest.approx(91.5), pytest.approx(93.0), None)
    assert change == pytest.approx(1.5)
    assert (satisfaction["growth"], satisfaction["growth_from"], satisfaction["reason"]) == (None, None, None)
    per_entity = street["indicators"]["jobs_per_entity"]
    # 1:(2730 / 265) = 1:10.30 -> 1:(2980 / 281) = 1:10.61: +0.303 in N
    assert per_entity["unit"] == "ratio"
    assert per_entity["points"][1]["change"] == pytest.approx(2980 / 281 - 2730 / 265)


def test_derived_county_sums_its_children_each_year(sample_years: dict[str, Any]) -> None:
    county = by_code(sample_years)["320115000000"]
    # 2016: 东山街道 3,860 + derived street 002 (殷巷 1,120 + 将军大道 980 + 元山 260) = 6,220
    # 2017: 4,246 + (1,200 + 1,050 + 255 + 龙都 540) = 7,291; +1,071; 7291 / 6220 - 1 = 17.22 %
    entrepreneurs = county["fields"]["entrepreneurs"]
    assert points(entrepreneurs) == [(2016, 6220, None), (2017, 7291, 1071)]
    assert entrepreneurs["growth"] == pytest.approx((7291 / 6220 - 1) * 100)


def test_a_parents_change_is_that_of_its_summed_counts_not_an_average(sample_years: dict[str, Any]) -> None:
    street = by_code(sample_years)["320115002000"]  # derived from its communities each year
    # 2016: (109 + 97 + 51) / (120 + 110 + 60) = 257 / 290; 2017 adds 龙都: (111 + 99 + 52 + 70) / (120 + 110 + 60 + 80)
    summed = (332 / 370 - 257 / 290) * 100  # +1.109 points
    averaged = ((111 / 120 + 99 / 110 + 52 / 60 + 70 / 80) / 4 - (109 / 120 + 97 / 110 + 51 / 60) / 3) * 100  # +1.162
    change = street["indicators"]["satisfaction_rate"]["points"][1]["change"]
    assert change == pytest.approx(summed)
    assert change != pytest.approx(averaged, abs=1e-3)


def test_a_unit_of_one_year_is_reported_with_its_missing_year(sample_years: dict[str, Any]) -> None:
    units = by_code(sample_years)
    gone, new = units["320115001203"], units["320115002204"]  # 佘村社区 left, 龙都社区 came
    assert (gone["unit_name"], gone["years"], gone["missing_years"]) == ("佘村社区", [2016], [2017])
    assert (new["unit_name"], new["years"], new["missing_years"]) == ("龙都社区", [2017], [2016])
    assert points(gone["fields"]["entrepreneurs"]) == [(2016, 430, None), (2017, None, None)]
    assert points(new["fields"]["entrepreneurs"]) == [(2016, None, None), (2017, 540, None)]
    for series in [*gone["fields"].values(), *gone["indicators"].values()]:
        assert all(point["change"] is None for point in series["points"])
    growth = gone["fields"]["entrepreneurs"]
    assert growth["growth"] is None and growth["growth_from"] is None
    assert growth["reason"] == "仅一个年度有数值，无法计算年均增长率"
    assert len(units) == 11  # 9 of 2016 (with 2 derived parents) + 龙都社区 + none twice


def test_years_json_validates_against_the_published_schema(sample_years: dict[str, Any]) -> None:
    jsonschema.validate(sample_years, SCHEMA)
    broken = json.loads(json.dumps(sample_years))
    broken["units"][0]["fields"]["entrepreneurs"]["points"][0]["year"] = "2016"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(broken, SCHEMA)


def test_streamed_json_equals_the_models(catalog: Catalog, sample_years: dict[str, Any]) -> None:
    from chuangye_metrics.pipeline import read_returns
    from tests.oracles import compare_years

    returns = read_returns([SAMPLE_2016, SAMPLE_2017], catalog)
    table = returns.years_table()
    streamed = io.StringIO()
    write_years_json(binary_stream(streamed), table, returns.sources, returns.findings, chunk=3)  # chunks of 3 units
    assert typed(streamed.getvalue()) == typed(returns.years_result().model_dump_json())  # 8 and 8.0 differ
    # from two compute results, each of one year: the same units
    results = [compute_result(path, catalog) for path in (SAMPLE_2016, SAMPLE_2017)]
    compared = compare_years([result for result in results if result is not None], catalog)
    assert json.loads(compared.model_dump_json())["units"] == sample_years["units"]


def test_latest_year_result_is_the_latest_years_units(catalog: Catalog) -> None:
    """What the reports of several years show as the latest year: its units, from its file alone."""
    from chuangye_metrics.pipeline import read_returns

    returns = read_returns([SAMPLE_2016, SAMPLE_2017], catalog)
    latest = returns.result(returns.years[-1])
    assert {unit.year for unit in latest.units} == {2017}
    assert [source.file for source in latest.sources] == [str(SAMPLE_2017)]
    assert "320115002204" in {unit.unit_code for unit in latest.units}


def test_csv_is_long_form_with_a_bom(cli: Any, catalog: Catalog, tmp_path: Path) -> None:
    output = tmp_path / "years.csv"
    run(cli, SAMPLE_2016, SAMPLE_2017, "--format", "csv", "--output", output)
    assert output.read_bytes().startswith(b"\xef\xbb\xbf")
    with output.open(encoding="utf-8-sig", newline="") as stream:
        rows = list(csv.DictReader(stream))
    assert list(rows[0]) == ["unit_code", "unit_name", "level", "kind", "id", "year", "value", "change", "growth"]
    # 11 units × (every count + every indicator) × 2 years
    assert len(rows) == 11 * (len(catalog.count_fields) + len(catalog.indicators)) * 2
    index = {(row["unit_code"], row["kind"], row["id"], row["year"]): row for row in rows}
    row = index[("320115001000", "field", "entrepreneurs", "2017")]
    assert (row["unit_name"], row["level"], row["value"], row["change"]) == ("东山街道", "street", "4246", "386")
    assert float(row["growth"]) == pytest.approx(10.0)
    first = index[("320115001000", "field", "entrepreneurs", "2016")]
    assert (first["value"], first["change"]) == ("3860", "")
    rate = index[("320115001000", "indicator", "satisfaction_rate", "2017")]
    assert float(rate["value"]) == pytest.approx(93.0) and float(rate["change"]) == pytest.approx(1.5)
    assert rate["growth"] == ""
    gone = index[("320115001203", "field", "entrepreneurs", "2017")]
    assert (gone["value"], gone["change"], gone["growth"]) == ("", "", "")


def test_csv_quotes_names_that_need_it(cli: Any, make_return: Callable[..., Path]) -> None:
    name = '甲社区, "新"'
    paths = [
        make_return([{**row, "unit_name": name} for row in community_rows(year)][:1], name=f"quoted_{year}.xlsx")
        for year in (2014, 2015)
    ]
    rows = list(csv.DictReader(io.StringIO(run(cli, *paths, "--format", "csv").stdout)))
    assert {row["unit_name"] for row in rows if row["unit_code"] == "320115001001"} == {name}
    assert not run(cli, *paths, "--format", "csv").stdout.startswith("\ufeff")  # no BOM on stdout


def test_table_shows_years_and_their_change(cli: Any) -> None:
    text = run(cli, SAMPLE_2016, SAMPLE_2017, "--level", "street").stdout
    assert "同比 2017" in text and "年均增长率 2016–2017" in text
    line = next(line for line in text.splitlines() if "创业人员实有数" in line and "3,860" in line)
    assert "4,246" in line and "+386" in line and "+10.0%" in line
    assert "+1.5 个百分点" in next(line for line in text.splitlines() if "创业环境满意度" in line and "91.5%" in line)
    english = run(cli, SAMPLE_2016, SAMPLE_2017, "--level", "community", "--lang", "en").stdout
    assert "YoY 2017" in english and "no data for 2017" in english


# --- several years of a small return -------------------------------------------------------------------------

# 甲社区 in every year: entrepreneurs 1,000 -> 1,100 -> 1,210; 满意 306 -> 321 -> 330 of 1,000 asked.
# 乙社区 in 2014 and 2016 only: entrepreneurs 500 -> 605; 新创办实体 0 -> 20.
JIA = {2014: (1000, 306), 2015: (1100, 321), 2016: (1210, 330)}
YI = {2014: (500, 0), 2016: (605, 20)}


def community_rows(year: int) -> list[dict[str, Any]]:
    rows = []
    if year in JIA:
        entrepreneurs, satisfied = JIA[year]
        rows.append(
            {
                "unit_code": "320115001001",
                "unit_name": "甲社区",
                "level": "社区",
                "year": year,
                **counts(entrepreneurs=entrepreneurs, survey_satisfied=satisfied, survey_respondents=1000),
            }
        )
    if year in YI:
        entrepreneurs, entities = YI[year]
        rows.append(
            {
                "unit_code": "320115001002",
                "unit_name": "乙社区",
                "level": "社区",
                "year": year,
                **counts(entrepreneurs=entrepreneurs, startup_entities=entities),
            }
        )
    return rows


@pytest.fixture
def three_years(make_return: Callable[..., Path]) -> list[Path]:
    return [make_return(community_rows(year), name=f"returns_{year}.xlsx") for year in (2014, 2015, 2016)]


def test_three_years_changes_gaps_and_growth(cli: Any, three_years: list[Path]) -> None:
    document = years_json(cli, *three_years)
    assert document["years"] == [2014, 2015, 2016]
    units = by_code(document)
    jia = units["320115001001"]["fields"]["entrepreneurs"]
    assert points(jia) == [(2014, 1000, None), (2015, 1100, 100), (2016, 1210, 110)]
    # (1210 / 1000)^(1 / 2) - 1 = 1.1 - 1 = 10.0 %
    assert jia["growth"] == pytest.approx(10.0) and (jia["growth_from"], jia["growth_to"]) == (2014, 2016)
    rate = units["320115001001"]["indicators"]["satisfaction_rate"]
    # 30.6 % -> 32.1 % -> 33.0 %: +1.5 then +0.9 percentage points
    assert [point["change"] for point in rate["points"]] == [None, pytest.approx(1.5), pytest.approx(0.9)]
    yi = units["320115001002"]
    assert (yi["years"], yi["missing_years"]) == ([2014, 2016], [2015])
    # 500 -> (2015 absent) -> 605: no change in 2016 (the year before has no return); (605 / 500)^(1/2) - 1 = 10.0 %
    assert points(yi["fields"]["entrepreneurs"]) == [(2014, 500, None), (2015, None, None), (2016, 605, None)]
    assert yi["fields"]["entrepreneurs"]["growth"] == pytest.approx(10.0)
    entities = yi["fields"]["startup_entities"]
    assert entities["growth"] is None and entities["reason"] == "起始年度数值为 0，无法计算年均增长率"
    # the derived street: 1,500 -> 1,100 -> 1,815: -400, +715; (1815 / 1500)^(1/2) - 1 = 10.0 %
    street = units["320115001000"]["fields"]["entrepreneurs"]
    assert points(street) == [(2014, 1500, None), (2015, 1100, -400), (2016, 1815, 715)]
    assert street["growth"] == pytest.approx(10.0)


def test_a_gap_year_gives_no_change_but_growth_over_the_span(cli: Any, three_years: list[Path]) -> None:
    first, _, last = three_years
    jia = by_code(years_json(cli, first, last))["320115001001"]["fields"]["entrepreneurs"]
    # 2014 and 2016 only: 1,000 -> 1,210, no 同比 across the missing 2015; CAGR (1210 / 1000)^(1/2) - 1 = 10.0 %
    assert points(jia) == [(2014, 1000, None), (2016, 1210, None)]
    assert jia["growth"] == pytest.approx(10.0)


def test_level_keeps_the_years_of_the_files(cli: Any, three_years: list[Path]) -> None:
    document = years_json(cli, three_years[0], three_years[2], "--level", "street")
    assert document["years"] == [2014, 2016]
    assert [unit["unit_code"] for unit in document["units"]] == ["320115001000"]
    empty = years_json(cli, *three_years, "--level", "park")  # no park in any year: the years all the same
    assert (empty["years"], empty["units"]) == ([2014, 2015, 2016], [])
    assert "同比 2015" in run(cli, *three_years, "--level", "street").stdout


def test_one_file_of_three_years_equals_three_files(
    cli: Any, make_return: Callable[..., Path], three_years: list[Path]
) -> None:
    together = make_return([row for year in (2014, 2015, 2016) for row in community_rows(year)])
    one = years_json(cli, together)
    three = years_json(cli, *three_years)
    assert one["years"] == three["years"] == [2014, 2015, 2016]
    assert one["units"] == three["units"]
    assert [source["file"] for source in one["sources"]] == [str(together)]


def test_same_unit_and_year_in_two_files_is_an_error_naming_both(
    cli: Any, make_return: Callable[..., Path], three_years: list[Path]
) -> None:
    again = make_return(community_rows(2016), name="again_2016.xlsx")
    result = run(cli, three_years[2], again, "--format", "json", code=1)
    assert result.stdout == ""
    assert str(again) in result.stderr and str(three_years[2]) in result.stderr
    assert "320115001001" in result.stderr
    kept = run(cli, three_years[2], again, "--format", "json", "--keep-going", code=1)
    assert json.loads(kept.stdout)["units"]  # --keep-going keeps the first file's rows and still exits 1


def test_two_files_of_one_year_are_merged(cli: Any, make_return: Callable[..., Path]) -> None:
    rows = community_rows(2016)
    whole = json.loads(run(cli, make_return(rows), "--format", "json").stdout)
    first, second = make_return(rows[:1]), make_return(rows[1:])
    merged = json.loads(run(cli, first, second, "--format", "json").stdout)
    # the same units, the street derived from both files' communities; only the Excel rows differ
    assert [{**unit, "row": None} for unit in merged["units"]] == [{**unit, "row": None} for unit in whole["units"]]
    assert [unit["row"] for unit in merged["units"]] == [None, 2, 2]  # street, 甲社区 (first file), 乙社区
    # each file its own source (one year, both)
    assert [(source["file"], source["year"]) for source in merged["sources"]] == [
        (str(first), 2016),
        (str(second), 2016),
    ]
    street = by_code(merged)["320115001000"]
    assert street["derived"] is True and street["fields"]["entrepreneurs"] == 1210 + 605


def test_year_option_selects_one_year_of_several_files(cli: Any, three_years: list[Path]) -> None:
    result = run(cli, *three_years, "--year", "2015", "--format", "json")
    document = json.loads(result.stdout)
    assert {unit["year"] for unit in document["units"]} == {2015}
    assert [source["file"] for source in document["sources"]] == [str(three_years[1])]
    assert {finding["code"] for finding in document["findings"]} == {"year-mismatch"}
    assert {finding["severity"] for finding in document["findings"]} == {"warning"}


def test_findings_name_their_file(cli: Any, make_return: Callable[..., Path], three_years: list[Path]) -> None:
    fields = [name for name in ("unit_code", "unit_name", "level", "year", "entrepreneurs")]
    sparse = make_return([{**community_rows(2016)[0], "year": 2017}], fields=fields, name="sparse_2017.xlsx")
    result = run(cli, three_years[0], sparse, "--format", "json")
    findings = json.loads(result.stdout)["findings"]
    assert findings and {finding["file"] for finding in findings} == {str(sparse)}
    assert f"{sparse}: " in result.stderr
    single = json.loads(run(cli, sparse, "--format", "json").stdout)["findings"]
    assert single and all("file" not in finding for finding in single)  # one file: findings as before


def test_a_data_error_in_one_file_stops_all(
    cli: Any, make_return: Callable[..., Path], three_years: list[Path]
) -> None:
    bad = make_return([{**community_rows(2016)[0], "year": 2017, "trainees": -1}], name="bad_2017.xlsx")
    result = run(cli, three_years[0], bad, code=1)
    assert result.stdout == "" and str(bad) in result.stderr


def test_no_input_is_overwritten(cli: Any, three_years: list[Path]) -> None:
    # the message is Chinese unless --lang en (as every output message, see outputs.py)
    result = cli("compute", three_years[0], three_years[1], "--output", three_years[1], "--lang", "en")
    assert result.exit_code == 2 and "never overwritten" in result.stderr


def test_reports_get_the_latest_year_and_the_years(
    cli: Any, three_years: list[Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from chuangye_metrics.outputs import xlsx

    calls: list[tuple[Any, ...]] = []
    monkeypatch.setattr(xlsx, "report", lambda *args, years=None, **kwargs: calls.append((*args, years, kwargs)))
    run(cli, *three_years, "--format", "xlsx", "--output", tmp_path / "report.xlsx")
    ((output, result, _catalog, years, options),) = calls
    assert (output, options["language"], options["standard"]) == (tmp_path / "report.xlsx", "zh", None)
    assert {unit.year for unit in result.units} == {2016}
    assert [source.file for source in result.sources] == [str(three_years[2])]
    assert years.years == [2014, 2015, 2016]


# --- the arithmetic, for any series --------------------------------------------------------------------------


@given(
    start=st.integers(1990, 2030),
    values=st.lists(st.one_of(st.none(), st.integers(0, 10_000_000)), min_size=1, max_size=12),
)
def test_growth_and_changes_for_any_count_series(start: int, values: list[int | None]) -> None:
    from chuangye_metrics.years.compare import count_growth, year_changes

    years = list(range(start, start + len(values)))
    matrix = np.array([[math.nan if value is None else float(value) for value in values]])
    changes = year_changes(matrix, years)[0].tolist()
    growth = count_growth(matrix, years)
    present = [(year, value) for year, value in zip(years, values, strict=True) if value is not None]
    for column in range(len(values)):
        before, now = (values[column - 1] if column else None), values[column]
        if before is None or now is None:
            assert math.isnan(changes[column])
        else:
            assert changes[column] == now - before
    if all(value is not None for value in values):  # no gaps: the changes add up to last - first
        assert sum(changes[1:]) == (values[-1] or 0) - (values[0] or 0)
    rate = float(growth.rate[0])
    if len(present) < 2 or present[0][1] == 0:
        assert math.isnan(rate) and growth.reason[0] != 0
        return
    (first_year, first), (last_year, last) = present[0], present[-1]
    expected = (math.exp(math.log(last / first) / (last_year - first_year)) - 1) * 100 if last else -100.0
    assert rate == pytest.approx(expected, rel=1e-9, abs=1e-9)
    assert (growth.first_year[0], growth.last_year[0], growth.reason[0]) == (first_year, last_year, 0)
    # compounding the rate over the span gives back the last value
    assert first * (1 + rate / 100) ** (last_year - first_year) == pytest.approx(last, rel=1e-9, abs=1e-6)


_COUNT = st.one_of(
    st.none(),
    st.integers(0, 10_000).map(float),
    st.sampled_from([0.5, 12.25, 2.0**53 + 2.0, 1e-7]),  # a fraction, a count too large to be exact, a tiny one
)


@settings(deadline=None, max_examples=60)
@given(
    years=st.lists(st.integers(2014, 2021), min_size=1, max_size=3, unique=True).map(sorted),
    data=st.data(),
    chunk=st.integers(1, 4),
)
def test_years_json_equals_the_models_for_any_table(
    catalog: Catalog, years: list[int], data: st.DataObject, chunk: int
) -> None:
    """The columnar years writer against YearsResult's dump: blanks, gaps, units missing years, fractions."""
    import pandas as pd

    from chuangye_metrics.years.compare import YearsTable

    units = data.draw(st.integers(1, 6))
    shape = (units, len(years))
    present = np.array(data.draw(st.lists(st.booleans(), min_size=units * len(years), max_size=units * len(years))))
    present = present.reshape(shape)
    counts = {}
    for name in catalog.count_fields:
        cells = data.draw(st.lists(_COUNT, min_size=units * len(years), max_size=units * len(years)))
        matrix = np.array([np.nan if cell is None else cell for cell in cells], dtype="float64").reshape(shape)
        counts[name] = np.where(present, matrix, np.nan)
    names = data.draw(st.lists(st.sampled_from([None, "东山街道", 'say "hi"\\']), min_size=units, max_size=units))
    identity = pd.DataFrame(
        {
            "unit_code": [f"3201150{index:05d}" for index in range(units)],
            "unit_name": names,
            "level": ["community"] * units,
            "parent_code": [None] * units,
        },
        dtype=object,
    )
    table = YearsTable(identity, years, present, counts, catalog, data.draw(st.sampled_from(["zh", "en"])))
    streamed = io.StringIO()
    write_years_json(binary_stream(streamed), table, [], [], chunk=chunk)
    assert typed(streamed.getvalue()) == typed(table.result([]).model_dump_json())
