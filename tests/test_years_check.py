"""`check` over several years: the growth of startup entities judged from the returns themselves."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

STANDARD = """\
id: test-growth
name: 测试增长标准
source: 测试文件 3号（2026 年）
status: official
levels:
  community:
    - {indicator: entity_growth_rate, op: ">=", value: 8}
"""


def row(code: str, year: int, active: int | None, base: int | None = None) -> dict[str, Any]:
    return {
        "unit_code": f"320115001{code}",
        "unit_name": f"{code}社区",
        "level": "社区",
        "year": year,
        "active_entities": active,
        "active_entities_base": base,
    }


# 001: 1000 entities in 2013, 1331 in 2016: (1331/1000)^(1/3) - 1 = 1.1 - 1 = 10.0 % a year → passes ≥ 8 %
# 002: 1000 → 1200: 1.2^(1/3) - 1 = 6.27 % fails; 8 % a year needs 1000 × 1.08³ = 1259.712, so 1260: 60 short
# 003: its 2016 row gives its own base, 900: (1000/900)^(1/3) - 1 = 3.57 %, the 2013 row (1500) is not used
EARLY = [row("001", 2013, 1000), row("002", 2013, 1000), row("003", 2013, 1500)]
LATE = [row("001", 2016, 1331), row("002", 2016, 1200), row("003", 2016, 1000, base=900)]


@pytest.fixture
def standard(tmp_path: Path) -> Path:
    path = tmp_path / "growth.yaml"
    path.write_text(STANDARD, encoding="utf-8")
    return path


def growth_checks(document: dict[str, Any], year: int) -> dict[str, dict[str, Any]]:
    return {
        unit["unit_code"][-3:]: unit["assessment"]["checks"][0]
        for unit in document["units"]
        if unit["year"] == year and unit["level"] == "community"
    }


def test_the_base_is_taken_from_the_return_three_years_before(
    cli: Any, make_return: Callable[..., Path], standard: Path
) -> None:
    result = cli(
        "check", make_return(EARLY), make_return(LATE), "--standard", standard, "--format", "json", "--fail-on", "never"
    )
    assert result.exit_code == 0, result.stderr
    checks = growth_checks(json.loads(result.stdout), 2016)
    assert checks["001"]["value"] == pytest.approx(10.0)
    assert checks["001"]["status"] == "pass"
    assert checks["002"]["value"] == pytest.approx((1.2 ** (1 / 3) - 1) * 100)
    assert (checks["002"]["status"], checks["002"]["shortfall"], checks["002"]["shortfall_unit"]) == (
        "fail",
        60,
        "entity",
    )
    assert checks["003"]["value"] == pytest.approx(((1000 / 900) ** (1 / 3) - 1) * 100)
    # 2013 has no earlier return: its growth is missing, not zero
    early = growth_checks(json.loads(result.stdout), 2013)
    assert {check["status"] for check in early.values()} == {"missing"}
    # two units were filled (003 gave its own base), and stderr says so
    assert "2 个单位的三年前创业实体实有数空白" in result.stderr


def test_one_return_with_both_years_gives_the_same(cli: Any, make_return: Callable[..., Path], standard: Path) -> None:
    apart = cli(
        "check", make_return(EARLY), make_return(LATE), "--standard", standard, "--format", "json", "--fail-on", "never"
    )
    together = cli("check", make_return(EARLY + LATE), "--standard", standard, "--format", "json", "--fail-on", "never")
    assert together.exit_code == 0, together.stderr
    values_apart = {code: check["value"] for code, check in growth_checks(json.loads(apart.stdout), 2016).items()}
    values_together = {code: check["value"] for code, check in growth_checks(json.loads(together.stdout), 2016).items()}
    assert values_apart == values_together


def test_without_the_year_three_before_growth_stays_missing(
    cli: Any, make_return: Callable[..., Path], standard: Path
) -> None:
    a_year_before = [row("001", 2015, 1210), row("002", 2015, 1100)]
    result = cli(
        "check",
        make_return(a_year_before),
        make_return(LATE),
        "--standard",
        standard,
        "--format",
        "json",
        "--fail-on",
        "never",
    )
    checks = growth_checks(json.loads(result.stdout), 2016)
    assert checks["001"]["status"] == "missing" and checks["001"]["value"] is None
    assert "三年前创业实体实有数空白" not in result.stderr


def test_the_years_compared_show_the_growth_of_counts_over_the_span(cli: Any, make_return: Callable[..., Path]) -> None:
    result = cli("compute", make_return(EARLY), make_return(LATE), "--format", "json")
    assert result.exit_code == 0, result.stderr
    units = {unit["unit_code"][-3:]: unit for unit in json.loads(result.stdout)["units"]}
    active = units["001"]["fields"]["active_entities"]
    # 1000 → 1331 over 2013–2016: 10.0 % a year; the years between have no return, so no 同比
    assert active["growth"] == pytest.approx(10.0)
    assert (active["growth_from"], active["growth_to"]) == (2013, 2016)
    assert [point["change"] for point in active["points"]] == [None, None]
    growth = units["001"]["indicators"]["entity_growth_rate"]["points"]
    assert [point["value"] for point in growth] == [None, pytest.approx(10.0)]


def test_the_excel_report_of_several_years_is_of_the_latest_with_the_years_beside(
    cli: Any, make_return: Callable[..., Path], standard: Path, tmp_path: Path
) -> None:
    out = tmp_path / "report.xlsx"
    result = cli(
        "check",
        make_return(EARLY),
        make_return(LATE),
        "--standard",
        standard,
        "--format",
        "xlsx",
        "--output",
        out,
        "--fail-on",
        "never",
    )
    assert result.exit_code == 0, result.stderr
    workbook = load_workbook(out)
    community = next(sheet for sheet in workbook if sheet.title.startswith("社区"))
    header = [cell.value for cell in community[1]]
    years = {row[header.index("年度")] for row in community.iter_rows(min_row=2, values_only=True) if row[0]}
    assert years == {2016}
    assert "历年比较" in workbook.sheetnames


IDENTITY = ["unit_code", "unit_name", "level", "year"]


def missing_columns(stdout: str) -> set[tuple[str | None, str]]:
    """(file name, field) of each missing-column warning."""
    findings = json.loads(stdout)["findings"]
    return {
        (Path(finding["file"]).name if finding.get("file") else None, finding["field"])
        for finding in findings
        if finding["code"] == "missing-count-column"
    }


def test_each_of_several_returns_is_warned_about_the_columns_the_standard_needs(
    cli: Any, make_return: Callable[..., Path], standard: Path
) -> None:
    full = make_return([LATE[0]], fields=[*IDENTITY, "active_entities", "active_entities_base"], name="a.xlsx")
    bare = make_return([LATE[1]], fields=IDENTITY, name="b.xlsx")
    result = cli("check", full, bare, "--standard", standard, "--format", "json", "--fail-on", "never")
    assert result.exit_code == 0, result.stderr
    # the standard reads both growth columns and b.xlsx has neither; the core counts it lacks are not read
    assert missing_columns(result.stdout) == {("b.xlsx", "active_entities"), ("b.xlsx", "active_entities_base")}


def test_a_base_column_filled_from_the_return_three_years_before_is_not_warned_about(
    cli: Any, make_return: Callable[..., Path], standard: Path
) -> None:
    early = make_return(EARLY, fields=[*IDENTITY, "active_entities"], name="2013.xlsx")
    late = make_return(LATE, fields=[*IDENTITY, "active_entities"], name="2016.xlsx")
    result = cli("check", early, late, "--standard", standard, "--format", "json", "--fail-on", "never")
    assert result.exit_code == 0, result.stderr
    # 2016's bases come from 2013's active entities; 2013's have no return of 2010 to come from
    assert missing_columns(result.stdout) == {("2013.xlsx", "active_entities_base")}
    both = make_return(EARLY + LATE, fields=[*IDENTITY, "active_entities"])
    together = cli("check", both, "--standard", standard, "--format", "json", "--fail-on", "never")
    assert together.exit_code == 0, together.stderr
    assert missing_columns(together.stdout) == set()
    alone = cli("check", late, "--standard", standard, "--format", "json", "--fail-on", "never")
    assert missing_columns(alone.stdout) == {(None, "active_entities_base")}
