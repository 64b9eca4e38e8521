"""Faults in a tidy return: each reported with its sheet, Excel row, column and field; exit code 1."""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chuangye_metrics.config.catalog import Catalog, load_catalog
from tests.conftest import CANONICAL_HEADERS, read_result, sha256
from tests.test_compute import STREET

COLUMN = {name: chr(ord("A") + index) for index, name in enumerate(CANONICAL_HEADERS)}


def findings(cli: Any, path: Path, *options: str) -> tuple[int, list[dict[str, Any]]]:
    result = cli("validate", path, "--format", "json", *options)
    document = json.loads(result.stdout)
    return result.exit_code, document["findings"]


def errors_of(found: list[dict[str, Any]]) -> list[tuple[str, int | None, str | None, str | None, str | None]]:
    return [(f["code"], f["row"], f["column"], f["field"], f["value"]) for f in found if f["severity"] == "error"]


def test_clean_return_is_valid(cli: Any, make_return: Callable[..., Path]) -> None:
    code, found = findings(cli, make_return([STREET]))
    assert code == 0
    assert errors_of(found) == []


def test_text_in_a_count_cell(cli: Any, make_return: Callable[..., Path]) -> None:
    path = make_return([STREET, {**STREET, "unit_code": "320115001001", "level": "社区", "startup_jobs": "约300"}])
    before = sha256(path)
    code, found = findings(cli, path)
    assert code == 1
    assert errors_of(found) == [("not-a-number", 3, COLUMN["startup_jobs"], "startup_jobs", "约300")]
    assert found[0]["sheet"] == "数据"
    assert found[0]["header"] == "创业带动就业人数"
    assert "约300" in found[0]["message"]
    assert sha256(path) == before


def test_numbers_typed_as_text_are_read(cli: Any, make_return: Callable[..., Path]) -> None:
    row = {**STREET, "labour_force": "52,000", "new_entrepreneurs": "４２０", "survey_satisfied": "—"}
    result = cli("compute", make_return([row]), "--format", "json", "--level", "street")
    assert result.exit_code == 0, result.stderr
    (unit,) = json.loads(result.stdout)["units"]
    assert unit["fields"]["labour_force"] == 52000
    assert unit["fields"]["new_entrepreneurs"] == 420
    assert unit["fields"]["survey_satisfied"] is None


def test_negative_and_fractional_counts(cli: Any, make_return: Callable[..., Path]) -> None:
    path = make_return(
        [STREET, {**STREET, "unit_code": "320115001001", "level": "社区", "trainees": -5, "cohort_births": 12.5}]
    )
    code, found = findings(cli, path)
    assert code == 1
    assert sorted(errors_of(found)) == [
        ("constraint-ge", 3, COLUMN["trainees"], "trainees", "-5"),
        ("constraint-multiple_of", 3, COLUMN["cohort_births"], "cohort_births", "12.5"),
    ]


def test_unknown_level_duplicate_code_and_blank_name(cli: Any, make_return: Callable[..., Path]) -> None:
    rows = [
        STREET,
        {**STREET, "unit_code": "320115001001", "level": "星系"},
        {**STREET, "unit_name": None},
    ]
    code, found = findings(cli, make_return(rows))
    assert code == 1
    assert sorted(errors_of(found)) == [
        ("duplicate-code", 4, COLUMN["unit_code"], "unit_code", "320115001000"),
        ("missing-value", 4, COLUMN["unit_name"], "unit_name", None),
        ("unknown-level", 3, COLUMN["level"], "level", "星系"),
    ]
    duplicate = next(f for f in found if f["code"] == "duplicate-code")
    assert "第 2 行" in duplicate["message"]


def test_park_must_name_its_parent(cli: Any, make_return: Callable[..., Path]) -> None:
    code, found = findings(cli, make_return([STREET, {**STREET, "unit_code": "P1", "level": "园区"}]))
    assert code == 1
    assert errors_of(found) == [("park-without-parent", 3, COLUMN["parent_code"], "parent_code", None)]


def test_missing_required_column(cli: Any, make_return: Callable[..., Path]) -> None:
    fields = [name for name in CANONICAL_HEADERS if name != "level"]
    code, found = findings(cli, make_return([STREET], fields=fields))
    assert code == 1
    assert errors_of(found) == [("missing-column", 1, None, "level", None)]


def test_compute_refuses_bad_data_unless_keep_going(cli: Any, make_return: Callable[..., Path]) -> None:
    path = make_return([STREET, {**STREET, "unit_code": "320115001001", "level": "社区", "labour_force": "n/a"}])
    refused = cli("compute", path, "--format", "json")
    assert refused.exit_code == 1
    assert refused.stdout == ""
    assert "n/a" in refused.stderr
    kept = cli("compute", path, "--format", "json", "--keep-going")
    assert kept.exit_code == 1
    units = {unit["unit_code"]: unit for unit in json.loads(kept.stdout)["units"]}
    assert units["320115001001"]["errors"] == ["not-a-number"]
    assert units["320115001001"]["fields"]["labour_force"] is None
    assert units["320115001000"]["errors"] == []


def test_github_annotations(cli: Any, make_return: Callable[..., Path]) -> None:
    path = make_return([{**STREET, "trainees": -1}])
    result = cli("validate", path, "--format", "github", "--lang", "en")
    assert result.exit_code == 1
    assert result.stdout.startswith(f"::error file={path},line=2,")
    assert "must be at least 0" in result.stdout


def test_max_errors_counts_what_was_left_out(cli: Any, make_return: Callable[..., Path]) -> None:
    rows = [{**STREET, "unit_code": f"320115001{index:03d}", "level": "社区", "trainees": -1} for index in range(1, 6)]
    result = cli("validate", make_return(rows), "--format", "json", "--max-errors", "2")
    document = json.loads(result.stdout)
    assert result.exit_code == 1
    assert len(document["findings"]) == 2
    assert document["errors"] == 5
    assert document["left_out"] == 3


def test_a_park_under_a_division_code_not_in_the_file_is_placed(cli: Any, make_return: Callable[..., Path]) -> None:
    park = {"unit_code": "P1", "unit_name": "园区", "level": "园区", "parent_code": "320115001000", "year": 2016}
    stray = {**park, "unit_code": "P2", "parent_code": "ZONE-9"}
    result = cli("validate", make_return([park, stray]), "--format", "json")
    codes = [(finding["code"], finding["value"]) for finding in json.loads(result.stdout)["findings"]]
    assert [entry for entry in codes if entry[0] == "unknown-parent"] == [("unknown-parent", "ZONE-9")]


def test_the_table_is_one_line_a_finding_outside_a_terminal(cli: Any, make_return: Callable[..., Path]) -> None:
    from chuangye_metrics.outputs.table import validation_text
    from chuangye_metrics.pipeline import validation

    path = make_return([STREET, {**STREET, "unit_code": "320115001001", "level": "社区", "startup_jobs": "约300"}])
    result = cli("validate", path)
    assert result.exit_code == 1
    column = COLUMN["startup_jobs"]
    lines = [line for line in result.stdout.splitlines() if line.startswith("错误")]
    assert len(lines) == 1
    # the field by its header; the value the message already quotes is not repeated after it
    assert f"[工作表 数据, 第3行, {column}列, 创业带动就业人数]" in lines[0] and "约300" in lines[0]
    assert "(值: 约300)" not in lines[0]
    # on a terminal the same findings are a table with a header row
    report = validation(read_result(path, load_catalog(), compute=False))
    table = validation_text(report, "zh", terminal=True)
    assert "级别" in table and "工作表" in table and "约300" in table
    assert "[工作表 数据" not in table


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    units=st.lists(
        st.tuples(
            st.sampled_from(["S1", "S2", "C1", "C2", "C3", "C4"]),  # code
            st.sampled_from([None, "S1", "S2", "X"]),  # parent code
            st.sampled_from(["street", "street", "community", "park"]),
            st.sampled_from([False, False, True]),  # derived
            st.sampled_from([2016.0, 2016.0, 2017.0, float("nan")]),
            st.one_of(st.none(), st.integers(0, 4)),  # labour_force: small, so that sums often tie
        ),
        min_size=1,
        max_size=14,
    )
)
def test_parent_below_children_matches_a_plain_count(catalog: Catalog, units: list[tuple[Any, ...]]) -> None:
    """Every (code, year) row against the sum of the units naming it as parent in the same year, worked out
    one unit at a time."""
    from chuangye_metrics.reading.reader import ROW, Column
    from chuangye_metrics.validation.rules import Context
    from chuangye_metrics.validation.rules.children_sum import ChildrenSumRule

    rows = [
        {"unit_code": code, "parent_code": parent, "level": level, "derived": derived, "year": year,
         "labour_force": float("nan") if labour is None else float(labour), ROW: 10 + position}
        for position, (code, parent, level, derived, year, labour) in enumerate(units)
    ]  # fmt: skip
    hierarchy = pd.DataFrame(rows).drop_duplicates(subset=["unit_code", "year"])
    for name in catalog.count_fields:
        if name not in hierarchy:
            hierarchy[name] = float("nan")
    columns = {"labour_force": Column(field="labour_force", index=4, header="劳动年龄人口数")}
    context = Context(hierarchy, hierarchy, None, columns, catalog, "数据")
    rule = ChildrenSumRule(code="parent-below-children", kind="children_sum", severity="error")
    found = [
        (f.row, float(f.value or "nan"), float(f.params["sum"]), int(f.params["children"])) for f in rule.apply(context)
    ]

    territorial = [unit for unit in hierarchy.to_dict("records") if unit["level"] != "park"]
    expected = []
    for unit in territorial:
        if unit["derived"] or math.isnan(unit["labour_force"]):
            continue
        same_year = [
            child["labour_force"]
            for child in territorial
            if child["parent_code"] == unit["unit_code"] and _same_year(child["year"], unit["year"])
        ]
        known = [value for value in same_year if not math.isnan(value)]
        if known and unit["labour_force"] < sum(known):
            expected.append((unit[ROW], unit["labour_force"], sum(known), len(same_year)))
    assert sorted(found) == sorted(expected)


def _same_year(first: float, second: float) -> bool:
    return first == second or (math.isnan(first) and math.isnan(second))
