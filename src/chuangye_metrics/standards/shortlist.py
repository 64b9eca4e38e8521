"""The declaration shortlist: passing units ranked by score (a scored level) or by their weakest rule's margin,
within each level's quota."""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from chuangye_metrics.config.catalog import Catalog
from chuangye_metrics.config.operators import LOWER_BOUNDS
from chuangye_metrics.core import words
from chuangye_metrics.core.guard import RefusedUsage
from chuangye_metrics.core.models import Lack, LevelQuota, RuleCheck, Shortlist, ShortlistEntry
from chuangye_metrics.indicators.compute import text_or_none
from chuangye_metrics.standards.assessment import RuleColumn
from chuangye_metrics.standards.check import Judged
from chuangye_metrics.standards.measures import FAIL, MISSING, PASS

if TYPE_CHECKING:
    import numpy as np

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
                raise RefusedUsage("quota-format", part=part.strip(), known=words.listed(catalog.levels))
            try:
                quota = int(number.strip())
            except ValueError:
                raise RefusedUsage("quota-not-whole", part=part.strip()) from None
            if quota < 0:
                raise RefusedUsage("quota-negative", part=part.strip())
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


def margins(rule: RuleColumn) -> np.ndarray:
    """``rule_margin`` of each of the rule's checks, as an array."""
    import numpy as np

    value = rule.value
    if rule.op == "==":
        margin = np.where(rule.status == PASS, 0.0, -np.inf)
    else:
        excess = value - rule.threshold if rule.op in LOWER_BOUNDS else rule.threshold - value
        margin = excess / abs(rule.threshold) * 100 if rule.threshold else excess
    return np.where(np.isnan(value), -np.inf, margin)


def shortlist_of(judged: Judged, quotas: dict[str, int], near_limit: int = DEFAULT_NEAR) -> Shortlist:
    """Rank each quota level's passing units (per year) and mark the top N proposed; list near misses.

    Passing units are ranked by their weakest rule's margin, widest first; on a tie the next weakest rule
    decides, then the unit code. Margins are compared to 9 decimals: equal quotients reached by different
    divisions are a tie, not noise. In a scored level the total score ranks first (highest first), the margins
    then break ties. A scored unit whose grade does not pass is no near miss: points, not counts, keep it out.
    """
    import numpy as np

    assessments, frame = judged.assessments, judged.units.frame
    flat = assessments.flat
    rules = assessments.rules
    margin = np.concatenate([margins(rule) for rule in rules]) if rules else np.zeros(0)
    margin = margin[flat.positions(rules)] if rules else margin
    status = flat.column(rules, "status")
    shortfall = flat.column(rules, "shortfall")
    codes = frame["unit_code"].astype(str).tolist()
    names = frame["unit_name"].tolist() if "unit_name" in frame else [None] * len(frame)
    levels = frame["level"].to_numpy(dtype=object)
    years = frame["year"].to_numpy(dtype="float64")
    starts = flat.starts

    def entry(position: int, **ranking: Any) -> ShortlistEntry:
        year = years[position]
        return ShortlistEntry(
            unit_code=codes[position],
            unit_name=text_or_none(names[position]),
            level=str(levels[position]),
            year=None if year != year else int(year),
            **ranking,
        )

    groups: dict[tuple[str, int | None], np.ndarray] = {}
    for level in quotas:
        members = np.flatnonzero((levels == level) & assessments.assessed)
        member_years = years[members]
        for year in dict.fromkeys(member_years.tolist()):
            in_year = np.isnan(member_years) if year != year else member_years == year
            groups[(level, None if year != year else int(year))] = members[in_year]
        if len(members) == 0:
            groups[(level, None)] = members
    level_order = {level: position for position, level in enumerate(quotas)}
    entries: list[ShortlistEntry] = []
    summary: list[LevelQuota] = []
    scored = assessments.scored
    for (level, year), members in sorted(groups.items(), key=lambda item: (level_order[item[0][0]], item[0][1] or 0)):
        quota = quotas[level]
        counts = starts[members + 1] - starts[members]
        with_score = np.array([position in scored for position in members.tolist()], dtype=bool)
        passing = members[(assessments.status[members] == PASS) & ((counts > 0) | with_score)]
        keys = []
        for position in passing.tolist():
            own = margin[starts[position] : starts[position + 1]]
            total = _score_total(scored, position)
            keys.append(
                (
                    -(total if total is not None else -math.inf),
                    [-value for value in sorted(round(item, 9) for item in own.tolist())],
                    codes[position],
                    position,
                )
            )
        keys.sort(key=lambda key: (key[0], key[1], key[2]))
        for rank, (_, _, _, position) in enumerate(keys, start=1):
            own = margin[starts[position] : starts[position + 1]]
            weakest = starts[position] + int(np.argmin(own)) if len(own) else None  # the first of the smallest
            rule = rules[int(flat.rule[weakest])] if weakest is not None else None
            grade = _grade(scored, position)
            entries.append(
                entry(
                    position,
                    status="proposed" if rank <= quota else "reserve",
                    rank=rank,
                    margin=float(margin[weakest]) if weakest is not None else None,
                    weakest=(rule.indicator or rule.field) if rule is not None else None,
                    weakest_name=rule.name if rule is not None else None,
                    score=_score_total(scored, position),
                    grade=grade,
                )
            )
        near: list[tuple[int, str, int, list[Lack]]] = []
        for position in members[assessments.status[members] == FAIL].tolist():
            if position in scored and _passes(scored, position) is not True:
                continue
            checks = range(int(starts[position]), int(starts[position + 1]))
            own_status = status[checks.start : checks.stop]
            own_shortfall = shortfall[checks.start : checks.stop]
            failing = own_status == FAIL
            if (own_status == MISSING).any() or np.isnan(own_shortfall[failing]).any():
                continue
            total = int(own_shortfall[failing].sum())
            if total > near_limit:
                continue
            lacks = []
            for check in np.array(checks)[failing].tolist():
                rule = rules[int(flat.rule[check])]
                lacks.append(
                    Lack(
                        rule=rule.rule_id,
                        name=rule.name,
                        shortfall=int(shortfall[check]),
                        shortfall_unit=rule.shortfall_unit,  # type: ignore[arg-type]
                    )
                )
            near.append((total, codes[position], position, lacks))
        for _total, _code, position, lacks in sorted(near, key=lambda item: (item[0], item[1])):
            entries.append(entry(position, status="near", rank=None, margin=None, weakest=None, lacking=lacks))
        summary.append(
            LevelQuota(level=level, year=year, quota=quota, passing=len(passing), proposed=min(quota, len(passing)))
        )
    return Shortlist(near_limit=near_limit, quotas=summary, entries=entries)


def _score_total(scored: dict[int, Any], position: int) -> float | None:
    """A scored unit's total (None when not scored or unknown)."""
    found = scored.get(position)
    if found is None:
        return None
    total = float(found[0].total[found[1]])
    return None if total != total else total


def _grade(scored: dict[int, Any], position: int) -> str | None:
    found = scored.get(position)
    if found is None:
        return None
    columns, offset = found
    grade = int(columns.grade[offset])
    return columns.scoring.grades[grade].name_in(columns.language) if grade >= 0 else None


def _passes(scored: dict[int, Any], position: int) -> bool | None:
    columns, offset = scored[position]
    verdict = int(columns.passes[offset])
    return None if verdict < 0 else bool(verdict)
