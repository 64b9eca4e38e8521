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


def test_constructed_models_are_the_validated_ones() -> None:
    from chuangye_metrics.core.models import AssessedUnit, Assessment, IndicatorValue, UnitResult

    value = {"value": 52.5, "unit": "percent", "numerator": 21, "denominator": 40, "reason": None}
    assert IndicatorValue.model_construct(**value) == IndicatorValue(**value)
    unit = {
        "unit_code": "320115001000",
        "unit_name": "东山街道",
        "level": "street",
        "parent_code": None,
        "year": 2016,
        "derived": False,
        "row": 8,
        "fields": {"labour_force": 52000, "entrepreneurs": None},
        "indicators": {"success_rate": IndicatorValue.model_construct(**value)},
        "errors": [],
    }
    built, validated = UnitResult.model_construct(**unit), UnitResult.model_validate(unit)
    assert built == validated
    assert built.model_fields_set == validated.model_fields_set == set(UnitResult.model_fields)
    assert built.model_dump() == validated.model_dump()
    assert built.model_dump_json() == validated.model_dump_json()
    assessed = AssessedUnit.model_construct(**dict(built), assessment=None)
    assert assessed.model_dump_json() == AssessedUnit.model_validate({**unit, "assessment": None}).model_dump_json()
    # a field left out takes its default, as validation gives it, and is dumped the same
    assessment = {"standard": "jiangsu-2016", "status": "pass", "provisional": False, "checks": []}
    constructed, checked = Assessment.model_construct(**assessment), Assessment.model_validate(assessment)
    assert constructed == checked and constructed.model_fields_set == checked.model_fields_set
    assert constructed.model_dump_json() == checked.model_dump_json()
