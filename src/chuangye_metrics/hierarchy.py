"""The territorial hierarchy: parents from division codes, and units derived by summing children."""

from __future__ import annotations

from typing import TYPE_CHECKING

from chuangye_metrics.catalog import Catalog

if TYPE_CHECKING:
    import pandas as pd

DERIVED = "derived"


def code_segments(code: str, widths: list[int]) -> list[str] | None:
    """Split a 统计用区划代码 into its segments, or None when it is not one."""
    if len(code) != sum(widths) or not code.isdigit():
        return None
    segments, start = [], 0
    for width in widths:
        segments.append(code[start : start + width])
        start += width
    return segments


def filled_segments(code: str, widths: list[int]) -> int | None:
    """How many leading segments are not all zeros: 2 for a city code such as 320100000000."""
    segments = code_segments(code, widths)
    if segments is None:
        return None
    filled = 0
    for segment in segments:
        if int(segment) == 0:
            break
        filled += 1
    return filled


def parent_code(code: str, widths: list[int]) -> str | None:
    """320115001002 -> 320115001000 -> 320115000000 -> 320100000000 -> 320000000000 -> None."""
    filled = filled_segments(code, widths)
    if not filled or filled <= 1:
        return None
    keep = sum(widths[: filled - 1])
    return code[:keep] + "0" * (len(code) - keep)


def level_of_code(code: str, catalog: Catalog) -> str | None:
    """The territorial level a division code denotes, from how many segments it fills."""
    filled = filled_segments(code, catalog.code_segment_widths)
    for level in catalog.levels.values():
        if level.territorial and level.code_segments == filled:
            return level.id
    return None


def level_above(level: str, catalog: Catalog) -> str | None:
    order = catalog.territorial_levels
    position = order.index(level) if level in order else 0
    return order[position - 1] if position > 0 else None


def add_derived_units(frame: pd.DataFrame, catalog: Catalog) -> pd.DataFrame:
    """Append a derived unit for every territorial parent that has children but no row of its own.

    A derived unit's counts are the sums of its direct children's counts (missing if any child's is
    missing). Parks are never summed. The parent of a row is always derived; a parent whose only child
    is itself derived is not, since it would only repeat that child (a county return does not invent
    its city and province).
    """
    import pandas as pd

    widths = catalog.code_segment_widths
    counts = catalog.count_fields
    frame = frame.copy()
    frame[DERIVED] = False
    territorial = frame["level"].isin(catalog.territorial_levels)
    derived_parts: list[pd.DataFrame] = []
    for year, units in frame.loc[territorial].groupby("year", dropna=False, sort=False):
        units = units.copy()
        missing_parent = units["parent_code"].isna()
        units.loc[missing_parent, "parent_code"] = units.loc[missing_parent, "unit_code"].map(
            lambda code: parent_code(code, widths)
        )
        frame.loc[units.index, "parent_code"] = units["parent_code"]
        known = set(units["unit_code"])
        created: list[pd.DataFrame] = []
        level_order = catalog.territorial_levels
        pool = units
        for level in reversed(level_order[1:]):
            children = pool.loc[(pool["level"] == level) & pool["parent_code"].notna()]
            orphans = children.loc[~children["parent_code"].isin(known)]
            if orphans.empty:
                continue
            grouped = orphans.groupby("parent_code", sort=True)
            sums = grouped[counts].sum(min_count=1)
            incomplete = orphans[counts].isna().groupby(orphans["parent_code"]).any()
            sums = sums.mask(incomplete)
            parents = sums.reset_index().rename(columns={"parent_code": "unit_code"})
            parents["level"] = [
                level_of_code(code, catalog) or level_above(level, catalog) or level for code in parents["unit_code"]
            ]
            parents["parent_code"] = parents["unit_code"].map(lambda code: parent_code(code, widths))
            parents["unit_name"] = None
            parents["year"] = year
            parents[DERIVED] = True
            parents["_children"] = grouped.size().to_numpy()
            parents["_derived_children"] = grouped[DERIVED].sum().to_numpy()
            known.update(parents["unit_code"])
            created.append(parents)
            pool = pd.concat([pool, parents], ignore_index=True)
        derived_parts.extend(_prune_single_child_roots(created, known_rows=set(units["unit_code"])))
    if not derived_parts:
        return frame
    derived = pd.concat(derived_parts, ignore_index=True).drop(columns=["_children", "_derived_children"])
    return pd.concat([frame, derived], ignore_index=True)


def _prune_single_child_roots(created: list[pd.DataFrame], known_rows: set[str]) -> list[pd.DataFrame]:
    """Drop derived units at the top of the tree whose only child is itself derived, from the top down."""
    import pandas as pd

    if not created:
        return []
    derived = pd.concat(created, ignore_index=True)
    present = known_rows | set(derived["unit_code"])
    while True:
        is_root = ~derived["parent_code"].isin(present)
        single = derived.loc[is_root & (derived["_children"] == 1) & (derived["_derived_children"] == 1)]
        if single.empty:
            return [derived]
        present -= set(single["unit_code"])
        derived = derived.drop(index=single.index)
