"""Faults a mutation run of the suite planted and no test saw: the cache key, the BOM, the float tolerance, 合计."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from chuangye_metrics.config.catalog import Catalog
from chuangye_metrics.reading import cache
from tests.test_check import assess_one, street
from tests.test_compute import STREET

COMMUNITY = {**STREET, "unit_code": "320115001001", "unit_name": "竹山社区", "level": "社区", "labour_force": 20000}


@pytest.fixture(scope="module")
def cache_seen_by_a_module_fixture() -> Path:
    """A module fixture runs before the autouse private cache: it must still see a cache of the test run's."""
    return cache.cache_root()


def test_fixtures_of_any_scope_never_see_the_users_cache(cache_seen_by_a_module_fixture: Path) -> None:
    users = Path.home() / ".cache" / "chuangye-metrics"
    assert cache_seen_by_a_module_fixture != users
    assert "chuangye-test-cache-" in str(cache_seen_by_a_module_fixture)
    assert os.environ["XDG_CACHE_HOME"] != str(Path.home() / ".cache")


def test_the_cache_key_holds_the_code(monkeypatch: pytest.MonkeyPatch) -> None:
    before = cache.fingerprint("table", None)
    monkeypatch.setattr(cache, "code_identity", lambda: "a reader fixed since, at the same version")
    assert cache.fingerprint("table", None) != before


def test_an_entry_of_other_code_is_not_served(
    cli: Any, make_return: Callable[..., Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    path = make_return([STREET, COMMUNITY])
    first = cli("compute", path, "--format", "json")
    assert first.exit_code == 0
    entries = {entry.name for entry in Path(os.environ["CHUANGYE_CACHE_DIR"]).rglob("*-*.json")}
    monkeypatch.setattr(cache, "code_identity", lambda: "other code")
    second = cli("compute", path, "--format", "json")
    assert second.stdout == first.stdout
    after = {entry.name for entry in Path(os.environ["CHUANGYE_CACHE_DIR"]).rglob("*-*.json")}
    assert after > entries  # read again and stored under a new key, not replayed


def test_language_is_in_computes_cache_key(cli: Any, make_return: Callable[..., Path]) -> None:
    path = make_return([STREET, {**COMMUNITY, "labour_force": None}])  # a reason text, whose words follow --lang
    chinese = cli("compute", path, "--format", "json")
    english = cli("compute", path, "--format", "json", "--lang", "en")
    assert "缺少" in chinese.stdout or "空白" in chinese.stdout
    assert english.stdout != chinese.stdout
    assert english.stdout == cli("compute", path, "--format", "json", "--lang", "en", "--no-cache").stdout


def test_keep_going_is_in_computes_cache_key(cli: Any, make_return: Callable[..., Path]) -> None:
    path = make_return([STREET, {**COMMUNITY, "labour_force": "约两万"}])
    stopped = cli("compute", path, "--format", "json")
    assert stopped.exit_code == 1 and stopped.stdout == ""
    kept = cli("compute", path, "--format", "json", "--keep-going")
    assert kept.exit_code == 1
    assert {unit["unit_code"] for unit in json.loads(kept.stdout)["units"]} >= {"320115001000", "320115001001"}
    again = cli("compute", path, "--format", "json")
    assert again.exit_code == 1 and again.stdout == ""


def test_check_csv_written_to_a_file_starts_with_a_bom(
    cli: Any, make_return: Callable[..., Path], tmp_path: Path
) -> None:
    output = tmp_path / "check.csv"
    result = cli("check", make_return([STREET]), "--standard", "jiangsu-2016", "--format", "csv", "--output", output)
    assert result.exit_code in (0, 3), result.stderr
    assert output.read_bytes().startswith(b"\xef\xbb\xbf")


@pytest.mark.parametrize(
    ("now", "base", "percent"),
    [
        (19_683, 15_625, 8),  # 27³ ÷ 25³: exactly 8 % a year over three years (7.999999999999985 on some machines)
        (1_728, 1_000, 20),  # 12³ ÷ 10³: exactly 20 % a year, which floats give as 19.999999999999996
    ],
)
def test_growth_of_exactly_the_threshold_passes_at_or_above_it(
    catalog: Catalog, now: int, base: int, percent: int
) -> None:
    check = assess_one(
        catalog,
        street(active_entities=now, active_entities_base=base),
        {"indicator": "entity_growth_rate", "op": ">=", "value": percent},
    )
    assert check["value"] == pytest.approx(percent)
    assert (check["status"], check["shortfall"]) == ("pass", 0)


def test_a_total_row_that_counts_a_root_park_is_not_a_mismatch(cli: Any, tmp_path: Path) -> None:
    from tests.conftest import CANONICAL_HEADERS, write_workbook

    park = {
        "unit_code": "P1",
        "unit_name": "创业园",
        "level": "园区",
        "parent_code": "320100000000",  # a parent outside the return: the park is a root, as the county is
        "year": 2016,
        "labour_force": 1000,
    }
    total = {"unit_name": "合计", "labour_force": 52000 + 1000}
    path = write_workbook(tmp_path / "total.xlsx", [total, STREET, park], list(CANONICAL_HEADERS))
    result = cli("validate", path, "--format", "json")
    codes = [finding["code"] for finding in json.loads(result.stdout)["findings"]]
    assert "total-row-mismatch" not in codes
    assert STREET["labour_force"] == 52000
    # and a total that is neither sum is still a mismatch
    path = write_workbook(tmp_path / "wrong.xlsx", [{**total, "labour_force": 52500}, STREET, park])
    codes = [finding["code"] for finding in json.loads(cli("validate", path, "--format", "json").stdout)["findings"]]
    assert "total-row-mismatch" in codes
