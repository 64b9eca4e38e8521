"""merge over drawn territories: every unit, count and blank read back as it went in, the 合计 by the blank rule."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from chuangye_metrics.cli.app import app
from chuangye_metrics.config.catalog import load_catalog
from chuangye_metrics.indicators.compute import text_or_none
from chuangye_metrics.reading.reader import read_return
from tests.conftest import read_result, write_workbook

COUNTS = ["labour_force", "startup_entities", "startup_jobs", "new_urban_jobs", "trainees"]  # no part-of between
FIELDS = ["unit_code", "unit_name", "level", "parent_code", "year", "park_type", *COUNTS]
CATALOG = load_catalog()

count = st.one_of(st.none(), st.integers(0, 10**6))
community = st.fixed_dictionaries({name: count for name in COUNTS})
street = st.fixed_dictionaries(
    {
        "has_row": st.booleans(),
        "communities": st.lists(community, max_size=3),
        "extra": st.fixed_dictionaries({name: st.one_of(st.none(), st.integers(0, 1000)) for name in COUNTS}),
    }
)
park = st.fixed_dictionaries(
    {name: count for name in COUNTS} | {"park_type": st.one_of(st.none(), st.sampled_from(["省级", "市级"]))}
)


def summed(values: list[int | None]) -> int | None:
    """The blank rule: missing when any is missing."""
    return None if any(value is None for value in values) or not values else sum(v for v in values if v is not None)


def same(value: Any, expected: int | str | None) -> bool:
    if expected is None:
        return text_or_none(value) is None  # None, NaN or pandas' NA: blank
    return bool(value == expected)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(streets=st.lists(street, min_size=1, max_size=3), parks=st.lists(park, max_size=2))
def test_a_drawn_territory_reads_back_as_it_went_in(streets: list[dict[str, Any]], parks: list[dict[str, Any]]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        files: list[Path] = []
        expected: dict[str, dict[str, Any]] = {}
        street_counts: list[dict[str, int | None]] = []
        for number, drawn in enumerate(streets, start=1):
            code = f"320115{number:03d}000"
            rows = []
            children = drawn["communities"]
            own: dict[str, int | None] = {}
            for name in COUNTS:
                known = [child[name] for child in children]
                base = sum(value for value in known if value is not None)
                extra = drawn["extra"][name]
                own[name] = None if extra is None else base + extra  # never below its communities' sum
            has_row = drawn["has_row"] or not children
            if has_row:
                rows.append({"unit_code": code, "unit_name": f"街道{number}", "level": "街道", "year": 2016, **own})
                expected[code] = {"unit_name": f"街道{number}", "level": "street", **own}
                street_counts.append(own)
            else:
                sums = {name: summed([child[name] for child in children]) for name in COUNTS}
                expected[code] = {"level": "street", **sums}
                street_counts.append(sums)
            for index, child in enumerate(children, start=1):
                child_code = f"{code[:9]}{index:03d}"
                name = f"社区{number}-{index}"
                rows.append({"unit_code": child_code, "unit_name": name, "level": "社区", "year": 2016, **child})
                expected[child_code] = {"unit_name": name, "level": "community", **child}
            files.append(write_workbook(root / f"street{number}.xlsx", rows, FIELDS))
        if parks:
            rows = []
            for index, drawn in enumerate(parks, start=1):
                code = f"P{index:03d}"
                rows.append(
                    {"unit_code": code, "unit_name": f"园区{index}", "level": "园区", "parent_code": "320115000000"}
                    | {"year": 2016}
                    | drawn
                )
                expected[code] = {"unit_name": f"园区{index}", "level": "park", "parent_code": "320115000000"} | drawn
            files.append(write_workbook(root / "parks.xlsx", rows, FIELDS))

        target = root / "county.xlsx"
        result = CliRunner().invoke(app, ["merge", *map(str, files), "-u", "320115", "-o", str(target), "-q"])
        assert result.exit_code == 0, result.stderr

        back = read_result(target, CATALOG)
        assert not [finding for finding in back.findings if finding.severity == "error"], back.findings
        frame = back.units.frame
        rows_back = frame.loc[~frame["derived"].astype(bool)].set_index("unit_code")
        assert sorted(rows_back.index) == sorted(expected)
        for code, values in expected.items():
            row = rows_back.loc[code]
            for name, value in values.items():
                assert same(row[name], value), (code, name, row[name], value)

        total = read_return(target, CATALOG).totals
        assert total is not None and len(total) == 1
        for name in COUNTS:
            assert same(total.iloc[0][name], summed([counts[name] for counts in street_counts])), name
