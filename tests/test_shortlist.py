"""`check --quota`: the declaration shortlist ranks passing units by their weakest rule's margin."""

from __future__ import annotations

import json
from collections.abc import Callable
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chuangye_metrics.config.catalog import Catalog
from chuangye_metrics.core.errors import UsageError
from chuangye_metrics.standards.shortlist import parse_quota

STANDARD = """\
id: test-shortlist
name: 测试申报标准
source: 测试文件 2号（2026 年）
status: official
levels:
  community:
    - {indicator: participation_rate, op: ">=", value: 1.0}
    - {indicator: jobs_per_entrepreneur, op: ">=", value: 5}
coverage: {community: 50}
"""


def community(code: str, name: str, labour: int, new: int, jobs: int) -> dict[str, Any]:
    return {
        "unit_code": f"320115001{code}",
        "unit_name": name,
        "level": "社区",
        "year": 2016,
        "labour_force": labour,
        "new_entrepreneurs": new,
        "startup_jobs": jobs,
    }


# Margins in percent of the threshold (participation ≥ 1.0 %, jobs per entrepreneur ≥ 5):
# D: 40/2000 = 2.0 % → +100 %;  280/40 = 7 → +40 %   weakest +40
# C: 20/1000 = 2.0 % → +100 %;  120/20 = 6 → +20 %   weakest +20, next +100
# A: 15/1000 = 1.5 % → +50 %;    90/15 = 6 → +20 %   weakest +20, next +50
# B: 12/1000 = 1.2 % → +20 %;    72/12 = 6 → +20 %   weakest +20, next +20
# E:  6/500  = 1.2 % → +20 %;     36/6 = 6 → +20 %   the same as B: the code decides (B 002 before E 005)
# F:  9/1000 = 0.9 % fails: 10 of 1000 reach 1.0 %, so it lacks 1 person; 54/9 = 6 passes → near
# G:  2/1000 = 0.2 % fails: lacks 8 people, more than --near 5 → not listed
# H: no labour force → participation missing → incomplete, never listed
ROWS = [
    community("005", "E社区", 500, 6, 36),
    community("007", "G社区", 1000, 2, 10),
    community("002", "B社区", 1000, 12, 72),
    community("006", "F社区", 1000, 9, 54),
    community("001", "A社区", 1000, 15, 90),
    community("004", "D社区", 2000, 40, 280),
    community("003", "C社区", 1000, 20, 120),
    {"unit_code": "320115001008", "unit_name": "H社区", "level": "社区", "year": 2016, "new_entrepreneurs": 30},
]


@pytest.fixture
def standard(tmp_path: Path) -> Path:
    path = tmp_path / "standard.yaml"
    path.write_text(STANDARD, encoding="utf-8")
    return path


def shortlist_of(cli: Any, path: Path, standard: Path, *options: str) -> dict[str, Any]:
    result = cli("check", path, "--standard", standard, "--format", "json", "--fail-on", "never", *options)
    assert result.exit_code == 0, result.stderr
    document: dict[str, Any] = json.loads(result.stdout)
    return document


def test_shortlist_ranks_by_the_weakest_margin_and_breaks_ties_by_code(
    cli: Any, make_return: Callable[..., Path], standard: Path
) -> None:
    document = shortlist_of(cli, make_return(ROWS), standard, "--quota", "community=3")
    entries = document["shortlist"]["entries"]
    ranked = [(e["unit_name"], e["status"], e["rank"]) for e in entries if e["status"] != "near"]
    assert ranked == [
        ("D社区", "proposed", 1),
        ("C社区", "proposed", 2),
        ("A社区", "proposed", 3),
        ("B社区", "reserve", 4),
        ("E社区", "reserve", 5),
    ]
    top = entries[0]
    assert top["weakest"] == "jobs_per_entrepreneur"
    assert top["margin"] == pytest.approx(40.0)
    assert entries[3]["margin"] == pytest.approx(20.0)
    near = [e for e in entries if e["status"] == "near"]
    assert [(e["unit_name"], e["lacking"]) for e in near] == [
        (
            "F社区",
            [{"rule": "participation_rate", "name": "创业参与率", "shortfall": 1, "shortfall_unit": "person"}],
        )
    ]
    assert document["shortlist"]["quotas"] == [
        {"level": "community", "year": 2016, "quota": 3, "passing": 5, "proposed": 3}
    ]


def test_the_tie_is_broken_the_same_way_whatever_the_row_order(
    cli: Any, make_return: Callable[..., Path], standard: Path
) -> None:
    forward = shortlist_of(cli, make_return(ROWS), standard, "--quota", "社区=4")
    backward = shortlist_of(cli, make_return(list(reversed(ROWS))), standard, "--quota", "社区=4")
    names = [e["unit_name"] for e in forward["shortlist"]["entries"]]
    assert names == [e["unit_name"] for e in backward["shortlist"]["entries"]]
    # B and E tie on every margin: B's code 320115001002 sorts before E's 320115001005
    assert names[3:5] == ["B社区", "E社区"]
    assert [e["status"] for e in forward["shortlist"]["entries"]][3:5] == ["proposed", "reserve"]


def test_near_limit_widens_the_near_list(cli: Any, make_return: Callable[..., Path], standard: Path) -> None:
    document = shortlist_of(cli, make_return(ROWS), standard, "--quota", "community=1", "--near", "8")
    near = [
        (e["unit_name"], e["lacking"][0]["shortfall"])
        for e in document["shortlist"]["entries"]
        if e["status"] == "near"
    ]
    # F lacks 1 person and G 8: fewest first
    assert near == [("F社区", 1), ("G社区", 8)]
    assert document["shortlist"]["near_limit"] == 8


def test_without_quota_there_is_no_shortlist(cli: Any, make_return: Callable[..., Path], standard: Path) -> None:
    assert shortlist_of(cli, make_return(ROWS), standard)["shortlist"] is None


def test_shortlist_in_the_table_and_csv(cli: Any, make_return: Callable[..., Path], standard: Path) -> None:
    path = make_return(ROWS)
    table = cli("check", path, "--standard", standard, "--quota", "community=2", "--fail-on", "never")
    assert table.exit_code == 0, table.stderr
    assert "申报推荐名单" in table.stdout
    lines = [line for line in table.stdout.splitlines() if "D社区" in line or "F社区" in line]
    assert any("拟申报" in line and "+40.0%" in line for line in lines)
    assert any("差一点" in line and "创业参与率 差 1 人" in line for line in lines)
    english = cli("check", path, "--standard", standard, "--quota", "community=2", "--lang", "en", "--fail-on", "never")
    assert "Declaration shortlist" in english.stdout and "short by 1 person" in english.stdout

    csv_text = cli(
        "check", path, "--standard", standard, "--quota", "community=2", "--format", "csv", "--fail-on", "never"
    )
    header, *rows = csv_text.stdout.splitlines()
    assert header.endswith("shortlist_status,shortlist_rank,margin")
    by_unit = {row.split(",")[3]: row.split(",")[-3:] for row in rows}
    assert by_unit["D社区"][:2] == ["proposed", "1"]
    assert by_unit["B社区"][:2] == ["reserve", "4"]
    assert by_unit["G社区"] == ["", "", ""]


def test_a_level_without_passing_units_gets_an_empty_quota_line(
    cli: Any, make_return: Callable[..., Path], standard: Path
) -> None:
    document = shortlist_of(cli, make_return(ROWS), standard, "--quota", "street=2,community=1")
    quotas = {q["level"]: q for q in document["shortlist"]["quotas"]}
    # the standard has no street rules: the derived street is not assessed, so nothing passes
    assert (quotas["street"]["passing"], quotas["street"]["proposed"]) == (0, 0)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (["street=5,community=10"], {"street": 5, "community": 10}),
        (["街道=2", "社区＝3"], {"street": 2, "community": 3}),
        (["园区=0，"], {"park": 0}),
    ],
)
def test_parse_quota(text: list[str], expected: dict[str, int], catalog: Catalog) -> None:
    assert parse_quota(text, catalog) == expected


@pytest.mark.parametrize("text", ["street", "street=x", "planet=3", "street=-1"])
def test_parse_quota_refuses_nonsense(text: str, catalog: Catalog) -> None:
    with pytest.raises(UsageError, match="--quota"):
        parse_quota([text], catalog)


def test_bad_quota_exits_2(cli: Any, make_return: Callable[..., Path], standard: Path) -> None:
    result = cli("check", make_return(ROWS), "--standard", standard, "--quota", "planet=3")
    assert result.exit_code == 2
    assert "--quota" in result.stderr and "Traceback" not in result.stderr


def _assessed(code: str, values: list[float], thresholds: list[float]) -> Any:
    from chuangye_metrics.core.models import AssessedUnit, Assessment, RuleCheck

    checks = [
        RuleCheck(
            indicator=f"rule{position}",
            field=None,
            name=f"rule{position}",
            op=">=",
            threshold=threshold,
            unit="percent",
            value=value,
            status="pass" if value >= threshold else "fail",
            gap=threshold - value,
            shortfall=0 if value >= threshold else None,
            shortfall_unit=None,
            provisional=False,
        )
        for position, (value, threshold) in enumerate(zip(values, thresholds, strict=True))
    ]
    status = "pass" if all(check.status == "pass" for check in checks) else "fail"
    return AssessedUnit(
        unit_code=code,
        unit_name=code,
        level="community",
        parent_code=None,
        year=2016,
        derived=False,
        row=None,
        fields={},
        indicators={},
        assessment=Assessment(standard="t", status=status, provisional=False, checks=checks),
    )


@given(
    units=st.lists(
        st.tuples(st.integers(0, 400), st.integers(0, 400)),
        min_size=1,
        max_size=25,
    ),
    quota=st.integers(0, 10),
)
@settings(max_examples=150, deadline=None)
def test_proposed_units_have_the_widest_weakest_margins(units: list[tuple[int, int]], quota: int) -> None:
    from chuangye_metrics.core.models import CheckResult, Source, StandardInfo
    from tests.check_oracle import shortlist_by_unit

    thresholds = [50.0, 20.0]
    assessed = [_assessed(f"{index:03d}", [float(a), float(b)], thresholds) for index, (a, b) in enumerate(units)]
    result = CheckResult(
        sources=[Source(file="x", sheet=None, sha256="0")],
        standard=StandardInfo(id="t", name="t", source="t", status="official", provisional=False),
        units=assessed,
        coverage=[],
    )
    entries = shortlist_by_unit(result, {"community": quota}).entries

    # the weakest margin worked out independently, in exact fractions of each threshold
    def weakest(pair: tuple[int, int]) -> Fraction:
        return min(Fraction(pair[0] - 50, 50), Fraction(pair[1] - 20, 20))

    passing = [(code, pair) for code, pair in ((f"{i:03d}", p) for i, p in enumerate(units)) if weakest(pair) >= 0]
    ranked = [e for e in entries if e.status in ("proposed", "reserve")]
    assert sorted(e.unit_code for e in ranked) == sorted(code for code, _ in passing)
    proposed = [e.unit_code for e in ranked if e.status == "proposed"]
    assert len(proposed) == min(quota, len(passing))
    by_code = dict(passing)
    if proposed and len(proposed) < len(passing):
        lowest_proposed = min(weakest(by_code[code]) for code in proposed)
        highest_reserve = max(weakest(by_code[e.unit_code]) for e in ranked if e.status == "reserve")
        assert lowest_proposed >= highest_reserve
    assert [e.rank for e in ranked] == list(range(1, len(ranked) + 1))
    margins = [weakest(by_code[e.unit_code]) for e in ranked]
    assert margins == sorted(margins, reverse=True)
