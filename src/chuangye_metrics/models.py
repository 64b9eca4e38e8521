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


CheckStatus = Literal["pass", "fail", "missing"]
UnitStatus = Literal["pass", "fail", "incomplete"]
CountUnit = Literal["person", "entity", "year"]


class RuleCheck(BaseModel):
    indicator: str | None = Field(description="the indicator the rule is on; null for a rule on a raw field")
    field: str | None = Field(description="the count field the rule is on; null for a rule on an indicator")
    name: str = Field(description="the indicator's or field's name, in the output language")
    op: str
    threshold: float
    unit: Literal["percent", "ratio", "years", "count"]
    value: float | None
    status: CheckStatus
    gap: float | None = Field(description="threshold - value, in the indicator's unit; <= 0 when a lower bound passes")
    shortfall: int | None = Field(
        description="least whole number to add to the numerator (or the field), denominator fixed, to pass; "
        "0 when passing; null when missing or when adding cannot pass"
    )
    shortfall_unit: CountUnit | None = Field(description="what the shortfall counts: people, entities or years")
    provisional: bool = Field(description="the threshold is a placeholder, not an official value")
    reason: str | None = Field(default=None, description="why the value is missing or there is no shortfall")


class Assessment(BaseModel):
    standard: str
    status: UnitStatus = Field(description="fail if any rule fails, else incomplete if any is missing, else pass")
    rule_set: str | None = Field(default=None, description="the conditional rule set that applied, if any")
    provisional: bool = Field(description="at least one of the thresholds applied is provisional")
    reason: str | None = None
    checks: list[RuleCheck]


class AssessedUnit(UnitResult):
    assessment: Assessment | None = Field(description="null for units of levels the standard does not cover")


class MissingUnit(BaseModel):
    unit_code: str
    unit_name: str | None


class LevelCoverage(BaseModel):
    level: str
    year: int | None
    assessed: int = Field(description="units assessed, including register units without a return")
    passed: int
    failed: int
    incomplete: int
    no_return: int = Field(description="units named by --register with no row in the return; they do not pass")
    share: float | None = Field(description="percentage of assessed units that pass")
    target: float | None = Field(description="the standard's coverage target for the level, in percent")
    met: bool | None = Field(description="share >= target; null without a target")
    missing_units: list[MissingUnit] = Field(default_factory=list)


class StandardInfo(BaseModel):
    id: str
    name: str
    source: str
    status: Literal["official", "provisional"]
    provisional: bool = Field(description="some thresholds used are provisional (placeholders)")
    note: str = ""


class CheckResult(ComputeResult):
    standard: StandardInfo
    units: list[AssessedUnit]  # type: ignore[assignment]
    coverage: list[LevelCoverage]
