"""Units judged against a standard: each rule's value, gap and shortfall, and coverage per level."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from chuangye_metrics.config import expressions
from chuangye_metrics.config.catalog import Catalog, format_measure
from chuangye_metrics.config.operators import TOLERANCE, passes, symbol
from chuangye_metrics.core.errors import InputError
from chuangye_metrics.core.findings import Finding
from chuangye_metrics.core.guard import register_text
from chuangye_metrics.core.models import (
    AssessedUnit,
    Assessment,
    CheckResult,
    LevelCoverage,
    MissingUnit,
    RuleCheck,
    Source,
    StandardInfo,
    UnitResult,
    trusted,
)
from chuangye_metrics.core.words import Language, message_template
from chuangye_metrics.hierarchy import levels_of_codes
from chuangye_metrics.indicators.compute import UnitTable
from chuangye_metrics.reading.reader import ReturnTable, read_return
from chuangye_metrics.standards.library import RuleSet, Standard, Threshold
from chuangye_metrics.validation.validate import missing_count_column

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd


FailOn = Literal["unit", "coverage", "never"]
MAX_DOUBLINGS = 62


@dataclass
class CheckOutcome:
    result: CheckResult | None
    findings: list[Finding] = field(default_factory=list)

    @property
    def has_errors(self) -> bool:
        return any(finding.severity == "error" for finding in self.findings)

    @property
    def failed_units(self) -> int:
        if self.result is None:
            return 0
        return sum(1 for unit in self.result.units if unit.assessment and unit.assessment.status == "fail")

    @property
    def missed_targets(self) -> int:
        if self.result is None:
            return 0
        return sum(1 for entry in self.result.coverage if entry.met is False)

    def fails(self, fail_on: FailOn) -> bool:
        if fail_on == "never":
            return False
        if fail_on == "coverage":
            return self.missed_targets > 0
        return self.failed_units > 0 or self.missed_targets > 0


@dataclass(frozen=True)
class RegisterEntry:
    unit_code: str
    unit_name: str | None
    level: str | None


def judged(
    units: UnitTable,
    results: Sequence[UnitResult],
    source: Source,
    standard: Standard,
    catalog: Catalog,
    language: Language,
    register: Sequence[RegisterEntry],
    findings: list[Finding],
) -> CheckResult:
    """The units (results in the table's order) assessed against the standard, with the coverage per level."""
    assessments = assess(units, standard, catalog, language)
    assessed = [
        trusted(AssessedUnit, {**unit.__dict__, "assessment": assessments.get(index)})
        for index, unit in zip(units.frame.index, results, strict=True)
    ]
    return CheckResult(
        source=source,
        standard=standard_info(standard),
        units=assessed,
        coverage=coverage_of(assessed, standard, register),
        findings=findings,
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


def least_addition(reaches: Callable[[np.ndarray], np.ndarray], count: int) -> np.ndarray:
    """Per unit, the least whole k >= 1 with reaches(k) true (reaches(0) is false and reaches grows with k).

    NaN where no k up to 2**62 reaches. Doubling finds an upper bound, then bisection the least.
    """
    import numpy as np

    high = np.ones(count, dtype="float64")
    for _ in range(MAX_DOUBLINGS):
        short = ~reaches(high)
        if not short.any():
            break
        high[short] *= 2
    reachable = reaches(high)
    low = np.where(reachable, np.floor(high / 2), high)
    low[high == 1] = 0
    while True:
        open_ = reachable & (high - low > 1)
        if not open_.any():
            break
        middle = np.floor((low + high) / 2)
        ok = reaches(middle)
        high = np.where(open_ & ok, middle, high)
        low = np.where(open_ & ~ok, middle, low)
    return np.where(reachable, high, np.nan)


def assess(units: UnitTable, standard: Standard, catalog: Catalog, language: Language = "zh") -> dict[Any, Assessment]:
    """Assessment of every unit of the standard's levels, keyed by the unit's index in the table."""
    frame = units.frame
    assessments: dict[Any, Assessment] = {}
    for level, entries in standard.levels.items():
        members = frame.index[(frame["level"] == level).to_numpy()]
        if len(members) == 0:
            continue
        subset = frame.loc[members]
        applies, chosen, blank_condition = _applicable(entries, subset, catalog, language)
        checks_by_rule: dict[int, list[RuleCheck | None]] = {}
        for position, (rule, mask) in enumerate(applies):
            checks_by_rule[position] = _rule_checks(rule, standard, subset, mask, units, catalog, language)
        for offset, index in enumerate(members):
            checks = [checks_by_rule[p][offset] for p in range(len(applies))]
            present = [check for check in checks if check is not None]
            if not present and blank_condition[offset] is None:
                continue
            statuses = {check.status for check in present}
            status: Literal["pass", "fail", "incomplete"] = (
                "fail" if "fail" in statuses else "incomplete" if "missing" in statuses or not present else "pass"
            )
            assessments[index] = trusted(
                Assessment,
                {
                    "standard": standard.id,
                    "status": status,
                    "rule_set": chosen[offset],
                    "provisional": any(check.provisional for check in present),
                    "reason": blank_condition[offset] if not present else None,
                    "checks": present,
                },
            )
    return assessments


def _applicable(
    entries: Sequence[Threshold | RuleSet], subset: pd.DataFrame, catalog: Catalog, language: Language
) -> tuple[list[tuple[Threshold, np.ndarray]], list[str | None], list[str | None]]:
    """Each rule with the mask of units it applies to; per unit, the rule set chosen and any blank condition."""
    import numpy as np

    count = len(subset)
    applies: list[tuple[Threshold, np.ndarray]] = []
    chosen: list[str | None] = [None] * count
    blank: list[str | None] = [None] * count
    taken = np.zeros(count, dtype=bool)
    for entry in entries:
        if isinstance(entry, Threshold):
            applies.append((entry, np.ones(count, dtype=bool)))
            continue
        columns = {
            name: subset[name].astype(object).where(subset[name].notna(), None).tolist()
            if name in subset
            else [None] * count
            for name in entry.when
        }
        matches = np.zeros(count, dtype=bool)
        for offset in range(count):
            verdict = entry.matches({name: values[offset] for name, values in columns.items()})
            if verdict is None and not taken[offset]:
                name = next(n for n, values in columns.items() if _blank(values[offset]))
                header = catalog.fields[name].header if language == "zh" else name
                blank[offset] = message_template("check-condition-blank", language).format(header=header)
            elif verdict and not taken[offset]:
                matches[offset] = True
                chosen[offset] = entry.name or ", ".join(entry.when)
        taken |= matches
        applies.extend((rule, matches) for rule in entry.rules)
    for offset in np.flatnonzero(taken).tolist():
        blank[offset] = None
    return applies, chosen, blank


def _blank(value: Any) -> bool:
    return value is None or value != value or str(value).strip() == ""


def _rule_checks(
    rule: Threshold,
    standard: Standard,
    subset: pd.DataFrame,
    mask: np.ndarray,
    units: UnitTable,
    catalog: Catalog,
    language: Language,
) -> list[RuleCheck | None]:
    """The check of one rule for each unit of the subset (None where the rule does not apply)."""
    import numpy as np

    threshold = rule.value
    reasons: list[str | None]
    if rule.indicator is not None:
        indicator = catalog.indicators[rule.indicator]
        result = units.indicators[rule.indicator].loc[subset.index]
        numerator = result["numerator"].to_numpy(dtype="float64")
        denominator = result["denominator"].to_numpy(dtype="float64")
        values = result["value"].to_numpy(dtype="float64")
        reasons = result["reason"].tolist()
        name = indicator.name if language == "zh" else (indicator.name_en or indicator.id)
        unit: Literal["percent", "ratio", "years", "count"] = indicator.unit
        shortfall_units = {catalog.fields[name].unit for name in _numerator_fields(indicator)}
        shortfall_unit = shortfall_units.pop() if len(shortfall_units) == 1 else None

        def value_after(added: np.ndarray, rows: np.ndarray) -> np.ndarray:
            return np.asarray(indicator.value_of(numerator[rows] + added, denominator[rows]))

    else:
        definition = catalog.fields[rule.field or ""]
        values = (
            subset[definition.id].to_numpy(dtype="float64") if definition.id in subset else np.full(len(subset), np.nan)
        )
        header = definition.header if language == "zh" else definition.id
        missing_reason = message_template("check-field-missing", language).format(header=header)
        reasons = [missing_reason if np.isnan(value) else None for value in values]
        name = definition.header if language == "zh" else definition.id
        unit = "count"
        shortfall_unit = definition.unit

        def value_after(added: np.ndarray, rows: np.ndarray) -> np.ndarray:
            return np.asarray(values[rows] + added)

    missing = np.isnan(values)
    passing = passes(rule.op, values, threshold) & ~missing
    failing = ~passing & ~missing & mask
    shortfall = np.where(passing, 0.0, np.nan)
    if rule.op in (">=", ">", "==") and failing.any():
        rows = np.flatnonzero(failing)
        reach_op = ">=" if rule.op == "==" else rule.op

        def reaches(added: np.ndarray) -> np.ndarray:
            return passes(reach_op, value_after(added, rows), threshold)

        least = least_addition(reaches, len(rows))
        if rule.op == "==":
            exact = passes("==", value_after(np.nan_to_num(least), rows), threshold)
            least = np.where(exact, least, np.nan)
        shortfall[rows] = least
    provisional = standard.is_provisional(rule)
    checks: list[RuleCheck | None] = []
    for offset in range(len(subset)):
        if not mask[offset]:
            checks.append(None)
            continue
        value = None if missing[offset] else float(values[offset])
        status: Literal["pass", "fail", "missing"] = (
            "missing" if value is None else "pass" if passing[offset] else "fail"
        )
        reason = reasons[offset] if status == "missing" else None
        if status == "fail" and np.isnan(shortfall[offset]):
            reason = message_template("check-upper-bound" if rule.op in ("<=", "<") else "check-unreachable", language)
        checks.append(
            trusted(
                RuleCheck,
                {
                    "indicator": rule.indicator,
                    "field": rule.field,
                    "name": name,
                    "op": rule.op,
                    "threshold": float(threshold),
                    "unit": unit,
                    "value": value,
                    "status": status,
                    "gap": None if value is None else float(threshold - value),
                    "shortfall": None if np.isnan(shortfall[offset]) else int(shortfall[offset]),
                    "shortfall_unit": shortfall_unit,
                    "provisional": provisional,
                    "reason": reason,
                },
            )
        )
    return checks


def _numerator_fields(indicator: Any) -> list[str]:

    return expressions.field_names(indicator.numerator_expr)


def coverage_of(
    units: Sequence[AssessedUnit], standard: Standard, register: Sequence[RegisterEntry] = ()
) -> list[LevelCoverage]:
    """Per level the standard covers and per year: how many units were assessed and how many pass."""
    years: list[int | None] = [*sorted({unit.year for unit in units if unit.year is not None})] or [None]
    coverage: list[LevelCoverage] = []
    # a coverage target on a level without rules still gets its row: nothing there can be assessed
    for level in dict.fromkeys([*standard.levels, *standard.coverage]):
        for year in years:
            members = [
                unit for unit in units if unit.level == level and unit.year == year and unit.assessment is not None
            ]
            present = {unit.unit_code for unit in units if unit.year == year}
            absent = [entry for entry in register if entry.level == level and entry.unit_code not in present]
            statuses = [unit.assessment.status for unit in members if unit.assessment is not None]
            passed = statuses.count("pass")
            assessed = len(statuses) + len(absent)
            share = passed / assessed * 100 if assessed else None
            target = standard.coverage.get(level)
            coverage.append(
                LevelCoverage(
                    level=level,
                    year=year,
                    assessed=assessed,
                    passed=passed,
                    failed=statuses.count("fail"),
                    incomplete=statuses.count("incomplete"),
                    no_return=len(absent),
                    share=share,
                    target=target,
                    met=None if target is None or share is None else share >= target - TOLERANCE,
                    missing_units=[
                        MissingUnit(unit_code=entry.unit_code, unit_name=entry.unit_name) for entry in absent
                    ],
                )
            )
    return coverage


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
            raise InputError(f"{path}: the register has no 单位代码 (unit_code) column")
        frame = table.frame
        frame = frame.assign(
            unit_name=frame.get("unit_name"),
            level=frame["level"].map(lambda label: None if _blank(label) else catalog.level_id(str(label)))
            if "level" in frame
            else None,
        )
    frame = frame.loc[frame["unit_code"].notna()]
    from_codes = levels_of_codes(frame["unit_code"].astype(object), catalog)
    levels = frame["level"].where(frame["level"].notna(), from_codes)
    return [
        RegisterEntry(unit_code=str(code), unit_name=None if _blank(name) else str(name), level=level)
        for code, name, level in zip(frame["unit_code"], frame["unit_name"], levels, strict=True)
    ]


def describe_check(check: RuleCheck, language: Language = "zh") -> str:
    """ "0.8% ✗ 差 96 人" — one rule's outcome for a table cell."""
    value = _count(check.value) if check.unit == "count" else format_measure(check.value, check.unit, language)
    text = f"{value} " + {"pass": "✓", "fail": "✗", "missing": "?"}[check.status]
    if check.status == "fail" and check.shortfall is not None:
        text += f" {shortfall_text(check.shortfall, check.shortfall_unit, language)}"
    return text


def describe_rule(check: RuleCheck, language: Language = "zh") -> str:
    """ "创业参与率 ≥ 1.0%" — a rule as a column heading."""
    threshold = (
        _count(check.threshold) if check.unit == "count" else format_measure(check.threshold, check.unit, language)
    )
    return f"{check.name} {symbol(check.op)} {threshold}"


def unit_word(unit: str | None, language: Language = "zh") -> str:
    """What a shortfall counts: 人 / 个 / 年, or people / entities / years."""
    words = (
        {"person": "人", "entity": "个", "year": "年"}
        if language == "zh"
        else {
            "person": "people",
            "entity": "entities",
            "year": "years",
        }
    )
    return words.get(unit or "", "")


SINGULAR_EN = {"people": "person", "entities": "entity", "years": "year"}


def shortfall_text(shortfall: int, unit: str | None, language: Language = "zh") -> str:
    word = unit_word(unit, language)
    if language != "zh" and shortfall == 1:
        word = SINGULAR_EN.get(word, word)
    return f"差 {shortfall} {word}".rstrip() if language == "zh" else f"short by {shortfall} {word}".rstrip()


def _count(value: float | None) -> str:
    if value is None:
        return "—"
    return f"{value:g}"
