"""The published shape of results: pydantic models whose JSON Schema is the output contract."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from chuangye_metrics.findings import Finding

Number = int | float


class Source(BaseModel):
    file: str = Field(description="the input file as given on the command line")
    sheet: str | None = Field(description="the sheet read; null for CSV")
    sha256: str = Field(description="SHA-256 of the input file's bytes")


class IndicatorValue(BaseModel):
    value: float | None = Field(description="unrounded; percent values are percentages (30.6 means 30.6 %)")
    unit: Literal["percent", "ratio", "years"]
    numerator: Number | None
    denominator: Number | None
    reason: str | None = Field(description="why the value is null; null when it is not")


class UnitResult(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    unit_code: str
    unit_name: str | None
    level: str
    parent_code: str | None
    year: int | None
    derived: bool = Field(description="true when the unit has no row of its own and its counts sum its children")
    row: int | None = Field(description="Excel row of the unit in the return; null for derived units")
    fields: dict[str, Number | None]
    indicators: dict[str, IndicatorValue]
    errors: list[str] = Field(
        default_factory=list, description="codes of data errors on this unit's row (--keep-going)"
    )


class ComputeResult(BaseModel):
    source: Source
    units: list[UnitResult]
    findings: list[Finding] = Field(default_factory=list, description="warnings, and errors with --keep-going")
