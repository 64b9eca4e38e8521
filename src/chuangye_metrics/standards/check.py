"""Units judged against a standard: each rule's value, gap and shortfall, and coverage per level."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from chuangye_metrics.config.catalog import Catalog, format_measure
from chuangye_metrics.config.operators import symbol
from chuangye_metrics.core import words
from chuangye_metrics.core.findings import Finding, has_errors
from chuangye_metrics.core.guard import RefusedInput, register_text
from chuangye_metrics.core.models import (
    AssessedUnit,
    CheckResult,
    LevelCoverage,
    RuleCheck,
    Shortlist,
    Source,
    StandardInfo,
    UnitResult,
    every_field,
)
from chuangye_metrics.core.words import Language, known_message
from chuangye_metrics.hierarchy import levels_of_codes
from chuangye_metrics.indicators.compute import UnitTable
from chuangye_metrics.reading.reader import ReturnTable, read_return
from chuangye_metrics.standards.assessment import Assessments, RegisterEntry, assess, coverage_of
from chuangye_metrics.standards.library import Standard
from chuangye_metrics.standards.measures import FAIL, is_blank
from chuangye_metrics.validation.validate import missing_count_column

if TYPE_CHECKING:
    import pandas as pd


FailOn = Literal["unit", "coverage", "never"]


@dataclass
class Judged:
    """The units of a unit table judged against a standard, column by column: what check's writers read.

    ``results`` gives the units' published models (UnitResult) when a writer wants models: the terminal table
    and the reports; JSON and CSV are written from the columns.
    """

    units: UnitTable
    sources: list[Source]
    standard: StandardInfo
    assessments: Assessments
    coverage: list[LevelCoverage]
    findings: list[Finding]
    results: Callable[[], list[UnitResult]]
    unit_errors: Mapping[tuple[int, int], list[str]] = field(default_factory=dict)
    shortlist: Shortlist | None = None

    @property
    def failed_units(self) -> int:
        return int((self.assessments.status == FAIL).sum())

    def result(self) -> CheckResult:
        """The whole check as the published model (a model per unit: for the table and the reports)."""
        assessments = self.assessments
        fields = every_field(AssessedUnit)
        assessed = [
            AssessedUnit.model_construct(fields, **dict(unit), assessment=assessments.assessment(position))
            for position, unit in enumerate(self.results())
        ]
        return CheckResult(
            sources=self.sources,
            standard=self.standard,
            units=assessed,
            coverage=self.coverage,
            findings=self.findings,
            shortlist=self.shortlist,
        )


@dataclass
class CheckOutcome:
    judged: Judged | None
    findings: list[Finding] = field(default_factory=list)

    @property
    def has_errors(self) -> bool:
        return has_errors(self.findings)

    @cached_property
    def result(self) -> CheckResult | None:
        """The published model of the whole check (built once, when asked for)."""
        return None if self.judged is None else self.judged.result()

    @property
    def failed_units(self) -> int:
        return 0 if self.judged is None else self.judged.failed_units

    @property
    def missed_targets(self) -> int:
        if self.judged is None:
            return 0
        return sum(1 for entry in self.judged.coverage if entry.met is False)

    def fails(self, fail_on: FailOn) -> bool:
        if fail_on == "never":
            return False
        if fail_on == "coverage":
            return self.missed_targets > 0
        return self.failed_units > 0 or self.missed_targets > 0


def judged(
    units: UnitTable,
    results: Callable[[], list[UnitResult]],
    sources: list[Source],
    standard: Standard,
    catalog: Catalog,
    language: Language,
    register: Sequence[RegisterEntry],
    findings: list[Finding],
    unit_errors: Mapping[tuple[int, int], list[str]] | None = None,
) -> Judged:
    """The units assessed against the standard, with the coverage per level.

    ``results``: the units' models in the table's order, built only when a writer asks for them.
    """
    assessments = assess(units, standard, catalog, language)
    return Judged(
        units=units,
        sources=sources,
        standard=standard_info(standard),
        assessments=assessments,
        coverage=coverage_of(units.frame, assessments, standard, register),
        findings=findings,
        results=results,
        unit_errors=unit_errors or {},
    )


def year_of_check(result: CheckResult, year: int) -> CheckResult:
    """The part of a check about one year: its units, its coverage and its shortlist."""
    shortlist = result.shortlist
    if shortlist is not None:
        shortlist = shortlist.model_copy(
            update={
                "quotas": [quota for quota in shortlist.quotas if quota.year in (year, None)],
                "entries": [entry for entry in shortlist.entries if entry.year == year],
            }
        )
    return result.model_copy(
        update={
            "units": [unit for unit in result.units if unit.year == year],
            "coverage": [entry for entry in result.coverage if entry.year == year],
            "shortlist": shortlist,
        }
    )


def columns_the_standard_needs(
    findings: Sequence[Finding], returns: Sequence[ReturnRead], standard: Standard, catalog: Catalog
) -> list[Finding]:
    """Missing-column warnings for the count columns the standard reads, not for those it does not.

    A column a return lacks is not warned about when its rows got the values from elsewhere (三年前创业实体实有数
    from the unit's row three years before, say).
    """
    needed = set(standard.fields_needed(catalog))
    kept = [finding for finding in findings if finding.code != "missing-count-column" or finding.field in needed]
    warned = {(finding.file, finding.field) for finding in kept if finding.code == "missing-count-column"}
    for read in returns:
        for name in catalog.count_fields:
            if name not in needed or (read.label, name) in warned or name in read.table.columns:
                continue
            if read.rows is not None and name in read.rows and read.rows[name].notna().any():
                continue
            finding = missing_count_column(read.table, catalog, name)
            kept.append(finding.model_copy(update={"file": read.label}) if read.label else finding)
    return kept


@dataclass(frozen=True)
class ReturnRead:
    """A return as read, for the missing-column warnings: the label its findings carry (None for a single
    return), its table, and its rows once validated and filled (None when not at hand)."""

    label: str | None
    table: ReturnTable
    rows: pd.DataFrame | None


def standard_info(standard: Standard) -> StandardInfo:
    return StandardInfo(
        id=standard.id,
        name=standard.name,
        source=standard.source,
        status=standard.status,
        provisional=standard.has_provisional,
        note=standard.note,
    )


def load_register(path: Path, catalog: Catalog) -> list[RegisterEntry]:
    """Every unit of the jurisdiction: a text file of codes (a name may follow), or a workbook or CSV."""
    import pandas as pd

    if path.suffix.lower() in (".txt", ".lst", ""):
        lines = register_text(path).splitlines()  # a named pipe or /dev/zero would be read for ever
        rows = []
        for line in lines:
            text = line.split("#", 1)[0].strip()
            if text:
                code, _, name = text.replace("\t", " ").partition(" ")
                rows.append({"unit_code": code, "unit_name": name.strip() or None, "level": None})
        frame = pd.DataFrame(rows, columns=["unit_code", "unit_name", "level"])
    else:
        table = read_return(path, catalog)
        if "unit_code" not in table.columns:
            raise RefusedInput("register-no-code", path=path)
        frame = table.frame
        frame = frame.assign(
            unit_name=frame.get("unit_name"),
            level=frame["level"].map(lambda label: None if is_blank(label) else catalog.level_id(str(label)))
            if "level" in frame
            else None,
        )
    frame = frame.loc[frame["unit_code"].notna()]
    from_codes = levels_of_codes(frame["unit_code"].astype(object), catalog)
    levels = frame["level"].where(frame["level"].notna(), from_codes)
    return [
        RegisterEntry(unit_code=str(code), unit_name=None if is_blank(name) else str(name), level=level)
        for code, name, level in zip(frame["unit_code"], frame["unit_name"], levels, strict=True)
    ]


def describe_rule(check: RuleCheck, language: Language = "zh", name: str | None = None) -> str:
    """ "创业参与率 ≥ 1.0%" — a rule as a column heading (``name`` in place of the rule's own: a short one)."""
    threshold = (
        _count(check.threshold) if check.unit == "count" else format_measure(check.threshold, check.unit, language)
    )
    return f"{check.name if name is None else name} {symbol(check.op)} {threshold}"


def unit_word(unit: str | None, language: Language = "zh") -> str:
    """What a shortfall counts: 人 / 个 / 年, or people / entities / years."""
    return known_message(f"count-unit.{unit}", language) or ""


def shortfall_text(shortfall: int, unit: str | None, language: Language = "zh") -> str:
    word = known_message(f"count-unit-one.{unit}" if shortfall == 1 else f"count-unit.{unit}", language) or ""
    return words.text("check.shortfall", language, shortfall=shortfall, word=word).rstrip()


def _count(value: float | None) -> str:
    if value is None:
        return "—"
    return f"{value:g}"
