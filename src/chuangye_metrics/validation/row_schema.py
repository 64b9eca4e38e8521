"""The pydantic model of one return row, built from the field definitions in formulas/."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

import annotated_types
from pydantic import BaseModel, ConfigDict, Field, create_model

from chuangye_metrics.config.catalog import Catalog

_PYTHON_TYPES: dict[str, type] = {
    "code": str,
    "text": str,
    "level": str,
    "year": int,
    "count": int,
    "amount": float,
    "score": float,
}

# How each constraint of the row model is tested on a whole column at once:
# each entry gives the predicate that holds for valid values.
_COLUMN_TESTS: dict[type, Callable[[Any, Any], Any]] = {
    annotated_types.Ge: lambda column, bound: column >= bound.ge,
    annotated_types.Gt: lambda column, bound: column > bound.gt,
    annotated_types.Le: lambda column, bound: column <= bound.le,
    annotated_types.Lt: lambda column, bound: column < bound.lt,
    annotated_types.MultipleOf: lambda column, bound: (column % bound.multiple_of) == 0,
}

_CONSTRAINT_CODES: dict[type, str] = {
    annotated_types.Ge: "ge",
    annotated_types.Gt: "gt",
    annotated_types.Le: "le",
    annotated_types.Lt: "lt",
    annotated_types.MultipleOf: "multiple_of",
}


def row_model(catalog: Catalog) -> type[BaseModel]:
    """A pydantic model of one return row; its JSON Schema documents the return format."""
    definitions: dict[str, Any] = {}
    for field in catalog.fields.values():
        constraints: dict[str, Any] = {name: _whole(value) for name, value in catalog.constraints_of(field.id).items()}
        python_type = _PYTHON_TYPES[field.type]
        default: Any = ... if field.required else None
        annotation = python_type if field.required else python_type | None
        definitions[field.id] = (
            annotation,
            Field(default=default, title=field.header, description=field.description, **constraints),
        )
    model: type[BaseModel] = create_model("ReturnRow", __config__=ConfigDict(extra="forbid"), **definitions)
    return model


def _holds(test: Callable[[Any, Any], Any], constraint: Any, column: Any) -> Any:
    return test(column, constraint)


def _whole(value: float) -> float | int:
    return int(value) if float(value).is_integer() else value


def column_checks(model: type[BaseModel], field_id: str) -> list[tuple[str, float, Callable[[Any], Any]]]:
    """The row model's constraints on one field as (name, bound, vectorised predicate of valid values)."""
    checks: list[tuple[str, float, Callable[[Any], Any]]] = []
    for constraint in model.model_fields[field_id].metadata:
        test = _COLUMN_TESTS.get(type(constraint))
        if test is None:
            continue
        name = _CONSTRAINT_CODES[type(constraint)]
        bound = getattr(constraint, name)
        checks.append((name, bound, partial(_holds, test, constraint)))
    return checks
