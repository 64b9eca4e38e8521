"""The pipeline: read, validate and compute a return."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from chuangye_metrics.config.catalog import Catalog
from chuangye_metrics.core.findings import Finding
from chuangye_metrics.core.models import ComputeResult
from chuangye_metrics.core.words import Language
from chuangye_metrics.indicators.compute import UnitTable, errors_by_row, source_of, unit_results
from chuangye_metrics.reading.cache import Cache, load_return
from chuangye_metrics.validation.rules import RuleKind
from chuangye_metrics.validation.validate import Validated, validate_return


@dataclass
class ComputeOutcome:
    """What ``compute`` produced: the unit table (None when errors stopped it) and every finding.

    The result models are built only when asked for: JSON output is written from the table directly.
    """

    findings: list[Finding] = field(default_factory=list)
    validated: Validated | None = None
    units: UnitTable | None = None
    catalog: Catalog | None = None
    file_label: str = ""

    @property
    def has_errors(self) -> bool:
        return any(finding.severity == "error" for finding in self.findings)

    @cached_property
    def result(self) -> ComputeResult | None:
        if self.units is None or self.validated is None or self.catalog is None:
            return None
        return ComputeResult(
            source=source_of(self.validated.table, self.file_label),
            units=unit_results(self.units, self.catalog, errors_by_row(self.validated.findings)),
            findings=self.findings,
        )


def compute_return(
    path: Path,
    catalog: Catalog,
    *,
    sheet: str | None = None,
    year: int | None = None,
    levels: Iterable[str] | None = None,
    keep_going: bool = False,
    language: Language = "zh",
    mapping: dict[str, str] | None = None,
    rules: Sequence[RuleKind] | None = None,
    cache: Cache | None = None,
) -> ComputeOutcome:
    """Read, validate and compute a return; with data errors and no ``keep_going``, compute nothing."""
    table = load_return(path, catalog, sheet=sheet, mapping=mapping, cache=cache)
    validated = validate_return(table, catalog, year=year, rules=rules)
    findings = [finding.localised(language) for finding in validated.findings]
    if validated.errors and not keep_going:
        return ComputeOutcome(findings=findings)
    units = validated.unit_table(catalog, language=language, levels=levels)
    return ComputeOutcome(findings=findings, validated=validated, units=units, catalog=catalog, file_label=str(path))


def compute(
    validated: Validated,
    catalog: Catalog,
    *,
    language: Language = "zh",
    levels: Iterable[str] | None = None,
    file_label: str | None = None,
) -> ComputeResult:
    """Indicators for every placeable unit and every derived parent of a validated return."""
    table = validated.unit_table(catalog, language=language, levels=levels)
    return ComputeResult(
        source=source_of(validated.table, file_label),
        units=unit_results(table, catalog, errors_by_row(validated.findings)),
        findings=[finding.localised(language) for finding in validated.findings],
    )
