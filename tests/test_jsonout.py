"""The column-wise JSON writer gives the same document as the pydantic models, whatever the values."""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chuangye_metrics.config.catalog import Catalog
from chuangye_metrics.core.models import ComputeResult, Source
from chuangye_metrics.outputs.json import write_compute_json, write_returns_json
from tests.conftest import read_result, table_from_rows
from tests.test_compute import STREET


def typed(text: str | bytes) -> Any:
    """The JSON document with every number tagged int or float, so that 8 and 8.0 differ."""
    return json.loads(text, parse_int=lambda raw: ("int", int(raw)), parse_float=lambda raw: ("float", float(raw)))


def both(path: Path, catalog: Catalog, **options: Any) -> tuple[Any, Any]:
    returns = read_result(path, catalog, **options)
    stream = io.BytesIO()
    write_returns_json(stream, returns)
    result = returns.result()
    assert typed(stream.getvalue()) == typed(result.model_dump_json())
    fast = json.loads(stream.getvalue())
    slow = json.loads(result.model_dump_json())
    return fast, slow


def test_the_fast_writer_matches_the_models(make_return: Callable[..., Path], catalog: Catalog) -> None:
    rows = [
        STREET | {"unit_name": '东山"街道"\\ 第一\t分区'},
        STREET | {"unit_code": "320115001001", "level": "社区", "unit_name": "竹山\n社区", "labour_force": None},
        STREET | {"unit_code": "320115001002", "level": "社区", "trainees": 0, "trainees_certified": 0},
        STREET | {"unit_code": "P1", "level": "园区", "parent_code": "320115001000", "startup_jobs": -3},
    ]
    fast, slow = both(make_return(rows), catalog, keep_going=True)
    assert fast == slow
    assert any(unit["errors"] for unit in fast["units"])  # the bad cell under --keep-going
    assert any(unit["derived"] for unit in fast["units"])
    by_code = {unit["unit_code"]: unit for unit in fast["units"]}
    assert by_code["320115001002"]["indicators"]["survival_rate"]["value"] == 71.25
    # the street's counts are below its two communities' sums: in error, so missing under --keep-going
    assert by_code["320115001000"]["indicators"]["survival_rate"]["value"] is None


def halves_catalog(tmp_path: Path) -> Catalog:
    """The shipped catalogue with an indicator whose numerator has a fraction: half of 创业带动就业人数."""
    from chuangye_metrics.config.catalog import load_catalog

    formulas = tmp_path / "halves.yaml"
    formulas.write_text(
        "indicators:\n  - {id: half_jobs, name: 半数岗位, numerator: startup_jobs * 0.5,"
        " denominator: new_entrepreneurs, unit: ratio}\n",
        encoding="utf-8",
    )
    return load_catalog(extra=[formulas])


def test_a_fractional_numerator_keeps_its_fraction_and_whole_ones_stay_whole(
    make_return: Callable[..., Path], tmp_path: Path
) -> None:
    catalog = halves_catalog(tmp_path)
    rows = [STREET, STREET | {"unit_code": "320115001001", "level": "社区", "startup_jobs": 2729}]
    fast, _ = both(make_return(rows), catalog)  # both() compares ints and floats by type too
    by_code = {unit["unit_code"]: unit["indicators"]["half_jobs"]["numerator"] for unit in fast["units"]}
    assert by_code["320115001001"] == 1364.5
    assert by_code["320115001000"] == STREET["startup_jobs"] / 2 and isinstance(by_code["320115001000"], int)


def test_a_fractional_numerator_beside_a_bad_cell_keeps_the_errors_of_each_unit(
    make_return: Callable[..., Path], tmp_path: Path
) -> None:
    catalog = halves_catalog(tmp_path)
    rows = [
        STREET,
        STREET | {"unit_code": "320115001001", "level": "社区", "startup_jobs": 2729, "trainees": -4},
    ]
    fast, _ = both(make_return(rows), catalog, keep_going=True)  # the slice goes the Arrow way: 1364.5
    by_code = {unit["unit_code"]: unit for unit in fast["units"]}
    assert by_code["320115001001"]["indicators"]["half_jobs"]["numerator"] == 1364.5
    assert by_code["320115001001"]["errors"] == ["constraint-ge"]
    assert by_code["320115001000"]["errors"] == []


def test_schema_of_the_fast_output(make_return: Callable[..., Path], catalog: Catalog) -> None:
    fast, _ = both(make_return([STREET]), catalog)
    ComputeResult.model_validate(fast)


names = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=12)
counts = st.one_of(st.none(), st.integers(0, 10**9), st.sampled_from([2**53 + 2, 10**17, 12.5]))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(name=names, labour=counts, new=counts, jobs=counts)
def test_any_values_give_the_same_document(catalog: Catalog, name: str, labour: Any, new: Any, jobs: Any) -> None:
    from chuangye_metrics.indicators.compute import errors_by_row, single_year
    from chuangye_metrics.validation.validate import validate_return
    from tests.oracles import compute

    row = STREET | {"unit_name": name or "x", "labour_force": labour, "new_entrepreneurs": new, "startup_jobs": jobs}
    validated = validate_return(table_from_rows([row], catalog), catalog)
    units = validated.unit_table(catalog)
    stream = io.BytesIO()
    source = Source(file="memory.xlsx", sheet="数据", sha256="0" * 64, year=single_year(validated.frame))
    findings = [finding.localised("zh") for finding in validated.findings]
    errors = {(0, row): codes for row, codes in errors_by_row(validated.findings).items()}
    write_compute_json(stream, units, catalog, [source], findings, errors, chunk=1)
    expected = compute(validated, catalog, file_label="memory.xlsx")
    assert typed(stream.getvalue()) == typed(expected.model_dump_json())
