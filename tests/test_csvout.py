"""The column-wise CSV writer gives the same text as the row-by-row one over the models, whatever the values."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chuangye_metrics.config.catalog import Catalog
from chuangye_metrics.outputs.csv import write_compute_csv
from chuangye_metrics.validation.validate import validate_return
from tests.conftest import read_result, table_from_rows
from tests.oracles import compute, render_csv
from tests.test_compute import STREET


def test_the_column_wise_csv_matches_the_models(make_return: Callable[..., Path], catalog: Catalog) -> None:
    rows = [
        STREET | {"unit_name": '东山"街道", 第一\t分区'},
        STREET | {"unit_code": "320115001001", "level": "社区", "unit_name": "竹山\n社区", "labour_force": None},
        STREET | {"unit_code": "320115001002", "level": "社区", "unit_name": "回车\r社区", "trainees": 0},
        STREET | {"unit_code": "P1", "level": "园区", "parent_code": "320115001000", "startup_jobs": -3},
    ]
    returns = read_result(make_return(rows), catalog, keep_going=True)
    assert returns.units is not None
    written = io.StringIO()
    write_compute_csv(written, returns.units, catalog, chunk=2)
    assert written.getvalue() == render_csv(returns.result(), catalog)
    assert '"东山""街道"", 第一\t分区"' in written.getvalue()  # quoted, its quotes doubled, by hand


def test_csv_to_a_file_has_the_byte_order_mark_for_excel(
    cli: Any, make_return: Callable[..., Path], tmp_path: Path
) -> None:
    target = tmp_path / "units.csv"
    result = cli("compute", make_return([STREET]), "--format", "csv", "--output", target)
    assert result.exit_code == 0
    data = target.read_bytes()
    assert data.startswith(b"\xef\xbb\xbfunit_code,unit_name,")
    assert b"320115001000," in data


names = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=12)
counts = st.one_of(st.none(), st.integers(0, 10**9))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(name=names, labour=counts, new=counts, jobs=counts)
def test_any_values_give_the_same_csv(catalog: Catalog, name: str, labour: Any, new: Any, jobs: Any) -> None:
    row = STREET | {"unit_name": name or "x", "labour_force": labour, "new_entrepreneurs": new, "startup_jobs": jobs}
    validated = validate_return(table_from_rows([row], catalog), catalog)
    written = io.StringIO()
    write_compute_csv(written, validated.unit_table(catalog), catalog, chunk=1)
    assert written.getvalue() == render_csv(compute(validated, catalog), catalog)
