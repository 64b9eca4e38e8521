"""What changed between two versions of one year's return: units added and removed, counts, indicators, verdicts."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from chuangye_metrics.config.catalog import Catalog
from chuangye_metrics.core.models import (
    CountChange,
    IndicatorChange,
    RuleChange,
    TextChange,
    UnitChange,
)
from chuangye_metrics.core.words import Language
from chuangye_metrics.hierarchy import DERIVED
from chuangye_metrics.indicators.compute import UnitTable, text_or_none
from chuangye_metrics.standards.assessment import RuleColumn
from chuangye_metrics.standards.measures import CHECK_STATUSES, UNIT_STATUSES
from chuangye_metrics.years.compare import DECIMALS

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

IDENTITY_TEXTS = ("unit_name", "level", "parent_code")


@dataclass
class Version:
    """One version of a year's return: its units (rows and derived parents), the fields its files have, and with
    a standard each unit's verdict and each rule's checks."""

    frame: pd.DataFrame
    fields: set[str]
    status: np.ndarray | None = None
    rules: Sequence[RuleColumn] = ()
    totals: np.ndarray | None = None  # a scored standard: each unit's total score (NaN when unknown or unscored)
    grades: np.ndarray | None = None  # objects: each unit's grade, or None


def unit_changes(old: Version, new: Version, catalog: Catalog, language: Language) -> list[UnitChange]:
    """Every unit that differs between the versions, in hierarchy order: territorial units by code, then parks."""
    import numpy as np
    import pandas as pd

    old_codes = old.frame["unit_code"].to_numpy(dtype=object)
    new_codes = new.frame["unit_code"].to_numpy(dtype=object)
    position = pd.Index(old_codes).get_indexer(new_codes)
    pairs_new = np.flatnonzero(position >= 0)
    pairs_old = position[pairs_new]
    added = np.flatnonzero(position < 0)
    removed = np.setdiff1d(np.arange(len(old_codes)), pairs_old)

    present = old.fields | new.fields
    counts = [name for name in catalog.count_fields if name in present]
    texts = [
        *IDENTITY_TEXTS,
        *(item.id for item in catalog.fields.values() if item.type == "text" and item.id not in IDENTITY_TEXTS),
    ]
    texts = [name for name in texts if name in old.frame and name in new.frame]
    old_indicators = UnitTable(old.frame, catalog, language).indicators
    new_indicators = UnitTable(new.frame, catalog, language).indicators

    changed = np.zeros(len(pairs_new), dtype=bool)
    count_masks = {}
    for name in counts:
        differ = _differ(_numbers(old.frame, name)[pairs_old], _numbers(new.frame, name)[pairs_new])
        count_masks[name] = differ
        changed |= differ
    text_masks = {}
    for name in [*texts, DERIVED]:
        differ = _texts_differ(
            old.frame[name].to_numpy(dtype=object)[pairs_old], new.frame[name].to_numpy(dtype=object)[pairs_new]
        )
        text_masks[name] = differ
        changed |= differ
    indicator_masks = {}
    for name in catalog.indicators:
        old_values = old_indicators[name]["value"].to_numpy(dtype="float64")[pairs_old]
        new_values = new_indicators[name]["value"].to_numpy(dtype="float64")[pairs_new]
        differ = _differ(old_values, new_values)
        indicator_masks[name] = differ
        changed |= differ
    judged = old.status is not None and new.status is not None
    # a version's rules are those of the levels and rule sets its units have: matched by what they test
    rules = list({_rule_key(rule): rule for rule in [*old.rules, *new.rules]}.values())
    keys = [_rule_key(rule) for rule in rules]
    old_rules = _rule_statuses(old.rules, keys, len(old_codes)) if judged else None
    new_rules = _rule_statuses(new.rules, keys, len(new_codes)) if judged else None
    if judged:
        assert old.status is not None and new.status is not None and old_rules is not None and new_rules is not None
        changed |= old.status[pairs_old] != new.status[pairs_new]
        changed |= (old_rules[:, pairs_old] != new_rules[:, pairs_new]).any(axis=0)
    if old.totals is not None and new.totals is not None and old.grades is not None and new.grades is not None:
        changed |= _differ(old.totals[pairs_old], new.totals[pairs_new])
        changed |= _texts_differ(old.grades[pairs_old], new.grades[pairs_new])

    def indicator_change(name: str, old_at: int | None, new_at: int | None) -> IndicatorChange:
        old_value = _value(old_indicators[name]["value"].iloc[old_at]) if old_at is not None else None
        new_value = _value(new_indicators[name]["value"].iloc[new_at]) if new_at is not None else None
        return IndicatorChange(
            indicator=name,
            unit=catalog.indicators[name].unit,
            old=old_value,
            new=new_value,
            change=None if old_value is None or new_value is None else new_value - old_value,
            old_reason=text_or_none(old_indicators[name]["reason"].iloc[old_at]) if old_at is not None else None,
            new_reason=text_or_none(new_indicators[name]["reason"].iloc[new_at]) if new_at is not None else None,
        )

    def rule_changes(old_at: int | None, new_at: int | None) -> list[RuleChange]:
        if not judged:
            return []
        assert old_rules is not None and new_rules is not None
        found = []
        for index, rule in enumerate(rules):
            before = int(old_rules[index, old_at]) if old_at is not None else -1
            after = int(new_rules[index, new_at]) if new_at is not None else -1
            if before != after:
                found.append(
                    RuleChange(
                        rule=rule.rule_id,
                        name=rule.name,
                        op=rule.op,
                        threshold=rule.threshold,
                        unit=rule.unit,
                        old=_check(before),
                        new=_check(after),
                    )
                )
        return found

    entries: list[tuple[tuple[bool, str], UnitChange]] = []
    for offset in np.flatnonzero(changed).tolist():
        old_at, new_at = int(pairs_old[offset]), int(pairs_new[offset])
        entries.append(
            _entry(
                new.frame,
                new_at,
                catalog,
                change="revised",
                counts=[
                    _count_change(name, old.frame, old_at, new.frame, new_at)
                    for name in counts
                    if count_masks[name][offset]
                ],
                texts=[
                    TextChange(
                        field=name,
                        old=_shown(old.frame[name].iloc[old_at]),
                        new=_shown(new.frame[name].iloc[new_at]),
                    )
                    for name in [*texts, DERIVED]
                    if text_masks[name][offset]
                ],
                indicators=[
                    indicator_change(name, old_at, new_at)
                    for name in catalog.indicators
                    if indicator_masks[name][offset]
                ],
                old_status=_status(old.status, old_at),
                new_status=_status(new.status, new_at),
                rules=rule_changes(old_at, new_at),
                **_scores(old, old_at, new, new_at),
            )
        )
    for side, frame, indexes in (("added", new.frame, added), ("removed", old.frame, removed)):
        for at in indexes.tolist():
            before_at: int | None = None if side == "added" else at
            after_at: int | None = at if side == "added" else None
            entries.append(
                _entry(
                    frame,
                    at,
                    catalog,
                    change=side,
                    counts=[
                        _count_change(name, old.frame, before_at, new.frame, after_at)
                        for name in counts
                        if name in frame and text_or_none(frame[name].iloc[at]) is not None
                    ],
                    texts=[],
                    indicators=[
                        change
                        for change in (indicator_change(name, before_at, after_at) for name in catalog.indicators)
                        if change.old is not None or change.new is not None
                    ],
                    old_status=_status(old.status, before_at),
                    new_status=_status(new.status, after_at),
                    rules=rule_changes(before_at, after_at),
                    **_scores(old, before_at, new, after_at),
                )
            )
    entries.sort(key=lambda entry: entry[0])
    return [unit for _, unit in entries]


def _scores(old: Version, old_at: int | None, new: Version, new_at: int | None) -> dict[str, Any]:
    """A unit's total score and grade in each version (null where the standard does not score it)."""
    found: dict[str, Any] = {}
    for side, version, at in (("old", old, old_at), ("new", new, new_at)):
        total = version.totals[at] if version.totals is not None and at is not None else None
        found[f"{side}_score"] = None if total is None or total != total else float(total)
        found[f"{side}_grade"] = version.grades[at] if version.grades is not None and at is not None else None
    return found


def _entry(frame: pd.DataFrame, at: int, catalog: Catalog, **parts: Any) -> tuple[tuple[bool, str], UnitChange]:
    row = frame.iloc[at]
    level = str(row["level"])
    code = str(row["unit_code"])
    unit = UnitChange(
        unit_code=code,
        unit_name=text_or_none(row["unit_name"]),
        level=level,
        parent_code=text_or_none(row["parent_code"]),
        derived=bool(row[DERIVED]),
        **parts,
    )
    return (level not in catalog.territorial_levels, code), unit


def _numbers(frame: pd.DataFrame, name: str) -> np.ndarray:
    import numpy as np

    if name not in frame:
        return np.full(len(frame), np.nan)
    numbers: np.ndarray = frame[name].to_numpy(dtype="float64", na_value=np.nan)
    return numbers


def _differ(old: np.ndarray, new: np.ndarray) -> np.ndarray:
    import numpy as np

    same: np.ndarray = (old == new) | (np.isnan(old) & np.isnan(new))
    return ~same


def _texts_differ(old: np.ndarray, new: np.ndarray) -> np.ndarray:
    import numpy as np

    return np.fromiter(
        (_shown(a) != _shown(b) for a, b in zip(old.tolist(), new.tolist(), strict=True)), dtype=bool, count=len(old)
    )


def _shown(value: object) -> str | None:
    if isinstance(value, bool):
        return "true" if value else "false"
    return text_or_none(value)


def _value(value: object) -> float | None:
    number = float(value)  # type: ignore[arg-type]
    return None if number != number else number


def _number(value: float | None) -> int | float | None:
    if value is None:
        return None
    return int(value) if value.is_integer() and abs(value) < 2**53 else value


def _count_change(
    name: str, old: pd.DataFrame, old_at: int | None, new: pd.DataFrame, new_at: int | None
) -> CountChange:
    before = _value(_numbers(old, name)[old_at]) if old_at is not None else None
    after = _value(_numbers(new, name)[new_at]) if new_at is not None else None
    change = None if before is None or after is None else round(after - before, DECIMALS)  # 830.2, not …0007
    return CountChange(field=name, old=_number(before), new=_number(after), change=_number(change))


def _rule_key(rule: RuleColumn) -> tuple[str, str, float]:
    """What a rule tests: a unit is checked by at most one rule with the same subject, operator and threshold."""
    return rule.rule_id, rule.op, rule.threshold


def _rule_statuses(rules: Sequence[RuleColumn], keys: list[tuple[str, str, float]], units: int) -> np.ndarray:
    """The check status of every unit (columns) by each rule of ``keys`` (rows), -1 where the rule does not apply."""
    import numpy as np

    table = np.full((len(keys), units), -1, dtype=np.int8)
    for rule in rules:
        table[keys.index(_rule_key(rule)), rule.rows] = rule.status
    return table


def _status(status: np.ndarray | None, at: int | None) -> Any:
    if status is None or at is None or status[at] < 0:
        return None
    return UNIT_STATUSES[int(status[at])]


def _check(code: int) -> Any:
    return None if code < 0 else CHECK_STATUSES[code]
