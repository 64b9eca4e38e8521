"""The check worked out unit by unit from the published models: the oracle of the column-wise assessment."""

from __future__ import annotations

import io
import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Literal

from chuangye_metrics.config import expressions
from chuangye_metrics.config.catalog import Catalog
from chuangye_metrics.config.operators import LOWER_BOUNDS, TOLERANCE, passes
from chuangye_metrics.core.findings import Finding
from chuangye_metrics.core.models import (
    AssessedUnit,
    Assessment,
    CheckResult,
    Lack,
    LevelCoverage,
    LevelQuota,
    MissingUnit,
    RuleCheck,
    Shortlist,
    ShortlistEntry,
    Source,
    UnitResult,
)
from chuangye_metrics.core.text import csv_line, defused
from chuangye_metrics.core.words import Language, message_template
from chuangye_metrics.indicators.compute import UnitTable
from chuangye_metrics.outputs.csv import CHECK_CSV_COLUMNS, SHORTLIST_COLUMNS
from chuangye_metrics.standards.assessment import RegisterEntry, least_addition
from chuangye_metrics.standards.check import standard_info
from chuangye_metrics.standards.library import RuleSet, Standard, Threshold

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

DEFAULT_NEAR = 5


def judged_by_unit(
    units: UnitTable,
    results: Sequence[UnitResult],
    sources: list[Source],
    standard: Standard,
    catalog: Catalog,
    language: Language,
    register: Sequence[RegisterEntry],
    findings: list[Finding],
) -> CheckResult:
    """The units (results in the table's order) assessed against the standard, with the coverage per level."""
    assessments = assess_by_unit(units, standard, catalog, language)
    assessed = [
        AssessedUnit(**unit.model_dump(), assessment=assessments.get(index))
        for index, unit in zip(units.frame.index, results, strict=True)
    ]
    return CheckResult(
        sources=sources,
        standard=standard_info(standard),
        units=assessed,
        coverage=coverage_by_unit(assessed, standard, register),
        findings=findings,
    )


def assess_by_unit(
    units: UnitTable, standard: Standard, catalog: Catalog, language: Language = "zh"
) -> dict[Any, Assessment]:
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
            assessments[index] = Assessment.model_validate(
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
            RuleCheck.model_validate(
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


def coverage_by_unit(
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


def rule_margin(check: RuleCheck) -> float:
    """How far a value clears its threshold, in percent of the threshold (in the rule's unit when it is 0).

    Negative when the rule fails; 0 on the threshold and for an equality rule that holds.
    """
    if check.value is None:
        return -math.inf
    if check.op == "==":
        return 0.0 if check.status == "pass" else -math.inf
    excess = check.value - check.threshold if check.op in LOWER_BOUNDS else check.threshold - check.value
    return excess / abs(check.threshold) * 100 if check.threshold else excess


def _ranking_key(unit: AssessedUnit) -> tuple[list[float], str]:
    """Widest weakest margin first; on a tie the next weakest rule decides, then the unit code.

    Margins are compared to 9 decimals: equal quotients reached by different divisions are a tie, not noise.
    """
    assert unit.assessment is not None
    margins = sorted(round(rule_margin(check), 9) for check in unit.assessment.checks)
    return [-margin for margin in margins], unit.unit_code


def _lacking(unit: AssessedUnit) -> list[Lack] | None:
    """What each failing rule lacks, or None when some rule cannot be passed by adding (or is missing)."""
    assert unit.assessment is not None
    lacks: list[Lack] = []
    for check in unit.assessment.checks:
        if check.status == "missing":
            return None
        if check.status == "fail":
            if check.shortfall is None:
                return None
            lacks.append(
                Lack(
                    rule=check.indicator or check.field or "",
                    name=check.name,
                    shortfall=check.shortfall,
                    shortfall_unit=check.shortfall_unit,
                )
            )
    return lacks


def _entry(unit: AssessedUnit, **ranking: Any) -> ShortlistEntry:
    return ShortlistEntry(
        unit_code=unit.unit_code, unit_name=unit.unit_name, level=unit.level, year=unit.year, **ranking
    )


def shortlist_by_unit(result: CheckResult, quotas: dict[str, int], near_limit: int = DEFAULT_NEAR) -> Shortlist:
    """Rank each quota level's passing units (per year) and mark the top N proposed; list near misses."""
    level_order = {level: position for position, level in enumerate(quotas)}
    groups: dict[tuple[str, int | None], list[AssessedUnit]] = {}
    for unit in result.units:
        if unit.level in quotas and unit.assessment is not None:
            groups.setdefault((unit.level, unit.year), []).append(unit)
    for level in quotas:
        if not any(key[0] == level for key in groups):
            groups[(level, None)] = []
    entries: list[ShortlistEntry] = []
    summary: list[LevelQuota] = []
    for (level, year), units in sorted(groups.items(), key=lambda item: (level_order[item[0][0]], item[0][1] or 0)):
        quota = quotas[level]
        passing = sorted(
            (unit for unit in units if unit.assessment and unit.assessment.status == "pass" and unit.assessment.checks),
            key=_ranking_key,
        )
        for rank, unit in enumerate(passing, start=1):
            assert unit.assessment is not None
            weakest = min(unit.assessment.checks, key=rule_margin)  # passing units have at least one rule
            entries.append(
                _entry(
                    unit,
                    status="proposed" if rank <= quota else "reserve",
                    rank=rank,
                    margin=rule_margin(weakest),
                    weakest=weakest.indicator or weakest.field,
                    weakest_name=weakest.name,
                )
            )
        near: list[tuple[int, str, AssessedUnit, list[Lack]]] = []
        for unit in units:
            if unit.assessment is None or unit.assessment.status != "fail":
                continue
            lacks = _lacking(unit)
            total = None if lacks is None else sum(lack.shortfall for lack in lacks)
            if lacks is not None and total is not None and total <= near_limit:
                near.append((total, unit.unit_code, unit, lacks))
        for _total, _code, unit, lacks in sorted(near, key=lambda item: (item[0], item[1])):
            entries.append(_entry(unit, status="near", rank=None, margin=None, weakest=None, lacking=lacks))
        summary.append(
            LevelQuota(level=level, year=year, quota=quota, passing=len(passing), proposed=min(quota, len(passing)))
        )
    return Shortlist(near_limit=near_limit, quotas=summary, entries=entries)


def check_csv_by_unit(result: CheckResult) -> str:
    """One row per unit and rule (a unit with no rules that apply gets one row without a rule).

    With a shortlist, each row also carries its unit's shortlist status, rank and margin. Text cells that a
    spreadsheet would read as a formula get a leading ' (``text.defused``).
    """
    buffer = io.StringIO()
    listed = {(e.unit_code, e.year): e for e in result.shortlist.entries} if result.shortlist else None
    buffer.write(csv_line(CHECK_CSV_COLUMNS + (SHORTLIST_COLUMNS if listed is not None else [])))
    for unit in result.units:
        assessment = unit.assessment
        if assessment is None:
            continue
        # every text cell defused (a leading ' before = + - @ tab CR: "==" too); numbers as they are
        head = [
            defused(result.standard.id),
            "true" if result.standard.provisional else "false",
            defused(unit.unit_code),
            defused(unit.unit_name or ""),
            defused(unit.level),
            "" if unit.year is None else unit.year,
            "true" if unit.derived else "false",
            assessment.status,
            defused(assessment.rule_set or ""),
        ]
        tail: list[object] = []
        if listed is not None:
            entry = listed.get((unit.unit_code, unit.year))
            tail = (
                ["", "", ""]
                if entry is None
                else [entry.status, entry.rank or "", "" if entry.margin is None else repr(entry.margin)]
            )
        if not assessment.checks:
            buffer.write(csv_line([*head, *[""] * 10, defused(assessment.reason or ""), *tail]))
        for check in assessment.checks:
            buffer.write(
                csv_line(
                    [
                        *head,
                        defused(check.indicator or ""),
                        defused(check.field or ""),
                        defused(check.op),
                        repr(check.threshold),
                        "" if check.value is None else repr(check.value),
                        check.status,
                        "" if check.gap is None else repr(check.gap),
                        "" if check.shortfall is None else check.shortfall,
                        check.shortfall_unit or "",
                        "true" if check.provisional else "false",
                        defused(check.reason or ""),
                        *tail,
                    ]
                )
            )
    return buffer.getvalue()
