"""JSON Schemas of what the command line publishes, generated from the pydantic models."""

from __future__ import annotations

from typing import Any

from chuangye_metrics.config.catalog import load_catalog
from chuangye_metrics.core.models import (
    CheckResult,
    ComputeResult,
    DiffResult,
    MergeResult,
    ValidationReport,
    YearsResult,
)
from chuangye_metrics.standards.library import Standard
from chuangye_metrics.validation.row_schema import row_model

SCHEMAS = ("compute", "validate", "check", "years", "merge", "diff", "standard", "row")


def json_schema(which: str) -> dict[str, Any]:
    if which == "compute":
        return _with_id(ComputeResult.model_json_schema(), which)
    if which == "check":
        return _with_id(CheckResult.model_json_schema(), which)
    if which == "years":
        return _with_id(YearsResult.model_json_schema(), which)
    if which == "diff":
        return _with_id(DiffResult.model_json_schema(), which)
    if which == "merge":
        return _with_id(MergeResult.model_json_schema(), which)
    if which == "standard":
        return _with_id(Standard.model_json_schema(), which)
    if which == "validate":
        return _with_id(ValidationReport.model_json_schema(), which)

    return _with_id(row_model(load_catalog()).model_json_schema(), which)


def _with_id(schema: dict[str, Any], which: str) -> dict[str, Any]:
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"chuangye-metrics/{which}.schema.json",
        **schema,
    }
