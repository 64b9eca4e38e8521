"""The published JSON Schemas: in step with the models, and met by real output."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from chuangye_metrics.outputs.schemas import SCHEMAS, json_schema
from tests.test_compute import STREET

SCHEMA_DIR = Path(__file__).resolve().parents[1] / "schemas"


@pytest.mark.parametrize("which", SCHEMAS)
def test_published_schema_is_current(which: str) -> None:
    published = json.loads((SCHEMA_DIR / f"{which}.schema.json").read_text(encoding="utf-8"))
    assert published == json_schema(which), f"regenerate with: chuangye schema {which} > schemas/{which}.schema.json"


def test_compute_json_validates_against_the_published_schema(cli: Any, make_return: Callable[..., Path]) -> None:
    schema = json.loads((SCHEMA_DIR / "compute.schema.json").read_text(encoding="utf-8"))
    rows = [
        STREET,
        {**STREET, "unit_code": "320115001001", "level": "社区", "labour_force": None},
        {
            **STREET,
            "unit_code": "P1",
            "level": "园区",
            "parent_code": "320115001000",
            "trainees": 0,
            "trainees_certified": 0,
            "trainees_started": 0,
        },
    ]
    result = cli("compute", make_return(rows), "--format", "json")
    assert result.exit_code == 0
    jsonschema.validate(json.loads(result.stdout), schema)


def test_schema_rejects_a_broken_document() -> None:
    schema = json.loads((SCHEMA_DIR / "compute.schema.json").read_text(encoding="utf-8"))
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"source": {"file": "x"}, "units": []}, schema)


def test_validate_json_validates_against_its_schema(cli: Any, make_return: Callable[..., Path]) -> None:
    schema = json.loads((SCHEMA_DIR / "validate.schema.json").read_text(encoding="utf-8"))
    result = cli("validate", make_return([{**STREET, "trainees": -1}]), "--format", "json")
    assert result.exit_code == 1
    jsonschema.validate(json.loads(result.stdout), schema)


def test_row_schema_accepts_a_row_and_refuses_a_negative_count() -> None:
    schema = json_schema("row")
    good = {key: value for key, value in STREET.items()}
    good["level"] = "街道"
    jsonschema.validate(good, schema)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({**good, "trainees": -1}, schema)


def test_check_json_validates_against_its_schema(cli: Any) -> None:
    schema = json.loads((SCHEMA_DIR / "check.schema.json").read_text(encoding="utf-8"))
    sample = Path(__file__).resolve().parents[1] / "sample_data" / "jiangning_2016.xlsx"
    result = cli("check", sample, "--standard", "jiangsu-2016", "--format", "json")
    assert result.exit_code == 3
    document = json.loads(result.stdout)
    jsonschema.validate(document, schema)
    broken = {**document, "coverage": [{"level": "street"}]}
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(broken, schema)


def test_shipped_standards_validate_against_the_standard_schema() -> None:
    import yaml

    from chuangye_metrics.standards.library import shipped_standards

    schema = json.loads((SCHEMA_DIR / "standard.schema.json").read_text(encoding="utf-8"))
    for path in shipped_standards().values():
        jsonschema.validate(yaml.safe_load(path.read_text(encoding="utf-8")), schema)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"id": "x", "name": "x", "source": "x", "status": "draft", "levels": {}}, schema)


def test_trusted_models_are_the_ones_model_construct_builds() -> None:
    from chuangye_metrics.core.models import IndicatorValue, UnitResult, trusted

    value = {"value": 52.5, "unit": "percent", "numerator": 21, "denominator": 40, "reason": None}
    assert trusted(IndicatorValue, dict(value)) == IndicatorValue.model_construct(**value)
    unit = {
        "unit_code": "320115001000",
        "unit_name": "东山街道",
        "level": "street",
        "parent_code": None,
        "year": 2016,
        "derived": False,
        "row": 8,
        "fields": {"labour_force": 52000, "entrepreneurs": None},
        "indicators": {"success_rate": trusted(IndicatorValue, dict(value))},
        "errors": [],
    }
    built, expected = trusted(UnitResult, dict(unit)), UnitResult.model_construct(**unit)
    assert built == expected
    assert built.model_fields_set == expected.model_fields_set
    assert built.model_dump_json() == expected.model_dump_json()
    assert set(unit) == set(UnitResult.model_fields)  # trusted() needs every field given
    # instances share one set of field names; a copy gets its own, and the others keep theirs
    other = trusted(IndicatorValue, dict(value))
    copied = other.model_copy(update={"value": 1.0})
    assert (copied.value, other.value) == (1.0, 52.5)
    assert other.model_fields_set == set(IndicatorValue.model_fields) == copied.model_fields_set
    # a field left out takes its default, as with model_construct
    partial = {key: item for key, item in value.items() if key != "reason"}
    assert trusted(IndicatorValue, dict(partial)) == IndicatorValue.model_construct(**partial)
