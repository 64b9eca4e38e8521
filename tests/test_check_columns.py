"""check's column-wise assessment and writers against the check worked out unit by unit from the models."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chuangye_metrics.config.catalog import Catalog
from chuangye_metrics.outputs.csv import write_check_csv
from chuangye_metrics.outputs.json import binary_stream, write_check_json
from chuangye_metrics.pipeline import Settings, judge, read_returns
from chuangye_metrics.standards.check import Judged
from chuangye_metrics.standards.library import Standard, load_standard, shipped_standards
from chuangye_metrics.standards.shortlist import parse_quota
from chuangye_metrics.validation.rules import load_rules
from tests.check_oracle import check_csv_by_unit, judged_by_unit, shortlist_by_unit
from tests.conftest import write_workbook

SAMPLES = sorted((Path(__file__).resolve().parent.parent / "sample_data").glob("*.xlsx"))


def _judged(returns: Any, catalog: Catalog, standard: Standard, quotas: dict[str, int] | None) -> Judged:
    checked = judge(
        returns,
        Settings(
            catalog=catalog,
            mapping=None,
            rules=load_rules(catalog),
            levels=None,
            standard=standard,
            register=[],
            quotas=quotas,
            near=5,
        ),
        "zh",
    ).judged
    assert checked is not None
    return checked


def _oracle(judged: Judged, standard: Standard, catalog: Catalog, quotas: dict[str, int] | None) -> Any:
    """The same check worked out unit by unit, with a model per rule and unit."""
    result = judged_by_unit(
        judged.units, judged.results(), judged.sources, standard, catalog, "zh", [], judged.findings
    )
    if quotas is not None:
        result.shortlist = shortlist_by_unit(result, quotas, 5)
    return result


def _written(judged: Judged) -> tuple[Any, str]:
    document = io.StringIO()
    write_check_json(binary_stream(document), judged, chunk=2)  # several slices even on a small return
    table = io.StringIO()
    write_check_csv(table, judged, chunk=3)
    return json.loads(document.getvalue()), table.getvalue()


@pytest.mark.parametrize("sample", SAMPLES, ids=lambda path: path.stem)
@pytest.mark.parametrize("standard_id", sorted(shipped_standards()))
@pytest.mark.parametrize("quota", [None, "street=1,community=2"])
def test_every_shipped_standard_on_the_samples_matches_the_unit_by_unit_check(
    catalog: Catalog, sample: Path, standard_id: str, quota: str | None
) -> None:
    standard = load_standard(standard_id, catalog)
    quotas = parse_quota([quota], catalog) if quota else None
    judged = _judged(read_returns([sample], catalog), catalog, standard, quotas)
    oracle = _oracle(judged, standard, catalog, quotas)
    assert judged.result() == oracle
    document, table = _written(judged)
    assert document == oracle.model_dump(mode="json")
    assert table == check_csv_by_unit(oracle)


STANDARD = {
    "id": "t",
    "name": "t",
    "source": "t",
    "status": "official",
    "coverage": {"street": 50},
    "levels": {
        "street": [
            {"indicator": "participation_rate", "op": ">=", "value": 1.0},
            {"field": "startup_entities", "op": ">=", "value": 3, "provisional": True},
            {"indicator": "success_rate", "op": "<=", "value": 60},
            {
                "when": {"unit_name": ["甲", "乙"]},
                "name": "named",
                "rules": [{"field": "trainees", "op": "==", "value": 4}],
            },
        ],
        "community": [{"indicator": "employment_contribution", "op": ">", "value": 0}],
    },
}


def count(draw: Any, high: int = 40) -> int | None:
    """A count, now and then blank."""
    return None if draw(st.integers(0, 7)) == 0 else draw(st.integers(0, high))


@st.composite
def returns_rows(draw: Any) -> list[dict[str, Any]]:
    """Streets with a few communities each: counts mostly consistent, now and then blank."""
    rows: list[dict[str, Any]] = []
    for street in range(draw(st.integers(1, 6))):
        code = f"3201150{street + 1:02d}000"
        trainees = count(draw)
        certified = None if trainees is None else draw(st.integers(0, trainees))
        rows.append(
            {
                "unit_code": code,
                "unit_name": draw(st.sampled_from(["甲", "乙", "丙", None])),
                "level": "街道",
                "year": 2016,
                "labour_force": draw(st.integers(600, 800)),
                "new_entrepreneurs": count(draw, 12),
                "startup_entities": count(draw, 6),
                "trainees": trainees,
                "trainees_certified": certified,
                "trainees_started": None if certified is None else draw(st.integers(0, certified)),
            }
        )
        for community in range(draw(st.integers(0, 2))):
            rows.append(
                {
                    "unit_code": f"{code[:9]}{community + 1:03d}",
                    "unit_name": f"社区{community}",
                    "level": "社区",
                    "year": 2016,
                    "startup_jobs": count(draw),
                    "new_urban_jobs": count(draw),
                }
            )
    return rows


@given(rows=returns_rows(), quota=st.integers(0, 2))
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_the_column_wise_check_matches_the_unit_by_unit_check(
    catalog: Catalog, tmp_path_factory: pytest.TempPathFactory, rows: list[dict[str, Any]], quota: int
) -> None:
    standard = Standard.model_validate(STANDARD)
    path = write_workbook(tmp_path_factory.mktemp("check") / "return.xlsx", rows)
    quotas = {"street": quota, "community": quota}
    judged = _judged(read_returns([path], catalog, keep_going=True), catalog, standard, quotas)
    oracle = _oracle(judged, standard, catalog, quotas)
    assert judged.result() == oracle
    document, table = _written(judged)
    assert document == oracle.model_dump(mode="json")
    assert table == check_csv_by_unit(oracle)


def test_the_models_built_without_validation_give_every_field_and_validate(catalog: Catalog) -> None:
    from chuangye_metrics.core.models import AssessedUnit

    standard = load_standard("jiangsu-2016", catalog)
    result = _judged(read_returns(SAMPLES[:1], catalog), catalog, standard, None).result()
    for unit in result.units:
        models = [unit, *unit.indicators.values()]
        if unit.assessment is not None:
            models += [unit.assessment, *unit.assessment.checks]
        for model in models:  # a shared set of every field name is true of each
            assert set(vars(model)) == set(type(model).model_fields) == model.model_fields_set
        assert AssessedUnit.model_validate(unit.model_dump()) == unit
