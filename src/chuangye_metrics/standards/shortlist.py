"""The declaration shortlist: passing units ranked by their weakest rule's margin, within each level's quota."""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

from chuangye_metrics.config.catalog import Catalog
from chuangye_metrics.config.operators import LOWER_BOUNDS
from chuangye_metrics.core.errors import UsageError
from chuangye_metrics.core.models import (
    AssessedUnit,
    CheckResult,
    Lack,
    LevelQuota,
    RuleCheck,
    Shortlist,
    ShortlistEntry,
)

DEFAULT_NEAR = 5


def parse_quota(text: Iterable[str], catalog: Catalog) -> dict[str, int]:
    """``street=5,community=10`` (ids or Chinese names; repeatable) as {level id: quota}."""
    quotas: dict[str, int] = {}
    for chunk in text:
        for part in chunk.replace("，", ",").split(","):
            if not part.strip():
                continue
            label, sep, number = part.replace("＝", "=").partition("=")
            level = catalog.level_id(label.strip())
            if not sep or level is None:
                known = ", ".join(catalog.levels)
                raise UsageError(f"--quota {part.strip()!r}: write LEVEL=N, with LEVEL one of {known}")
            try:
                quota = int(number.strip())
            except ValueError:
                raise UsageError(f"--quota {part.strip()!r}: N must be a whole number") from None
            if quota < 0:
                raise UsageError(f"--quota {part.strip()!r}: N must not be negative")
            quotas[level] = quota
    return quotas


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


def build_shortlist(result: CheckResult, quotas: dict[str, int], near_limit: int = DEFAULT_NEAR) -> Shortlist:
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
