"""The territorial hierarchy: parents from division codes, and units derived by summing children."""

from __future__ import annotations

from typing import TYPE_CHECKING

from chuangye_metrics.config.catalog import Catalog

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

DERIVED = "derived"


def _code_points(codes: pd.Series, length: int) -> np.ndarray:
    """Codes as an (n, length + 1) matrix of code points; a longer code leaves its last column non-zero."""
    import numpy as np

    values = codes.to_numpy(dtype=object)
    points = _ascii_code_points(values, length)
    if points is not None:
        return points
    text = np.array([value if isinstance(value, str) else "" for value in values], dtype=f"U{length + 1}")
    return text.view(np.uint32).reshape(len(text), length + 1)


def _ascii_code_points(values: np.ndarray, length: int) -> np.ndarray | None:
    """The code-point matrix read straight from Arrow's buffer, when every value is ASCII text of ``length``
    characters (a national return's codes); None otherwise."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    if len(values) == 0:
        return None
    try:
        text = pa.array(values, type=pa.string(), from_pandas=True)
    except (pa.ArrowTypeError, pa.ArrowInvalid):
        return None
    if text.null_count or not pc.all(pc.equal(pc.binary_length(text), length)).as_py():
        return None
    if not pc.all(pc.string_is_ascii(text)).as_py():
        return None
    offsets = np.frombuffer(text.buffers()[1], dtype=np.int32)[text.offset : text.offset + len(text) + 1]
    data = np.frombuffer(text.buffers()[2], dtype=np.uint8)[offsets[0] : offsets[-1]].reshape(len(text), length)
    points = np.zeros((len(text), length + 1), dtype=np.uint32)
    points[:, :length] = data  # the bytes of ASCII text are its code points
    return points


def _segments(codes: pd.Series, widths: list[int]) -> tuple[np.ndarray, np.ndarray]:
    """The code-point matrix and the count of leading non-zero segments (-1 for a non-division code)."""
    import numpy as np

    total = sum(widths)
    points = _code_points(codes, total)
    digits = points[:, :total]
    valid = ((digits >= ord("0")) & (digits <= ord("9"))).all(axis=1) & (points[:, total] == 0)
    filled = np.zeros(len(points), dtype=np.int64)
    still = np.ones(len(points), dtype=bool)
    start = 0
    for width in widths:
        still &= (digits[:, start : start + width] != ord("0")).any(axis=1)
        filled += still
        start += width
    return points, np.where(valid, filled, -1)


def filled_segments_of(codes: pd.Series, widths: list[int]) -> pd.Series:
    """How many leading segments of each code are not all zeros (2 for 320100000000); NaN for a non-division code."""
    import numpy as np
    import pandas as pd

    _, filled = _segments(codes, widths)
    return pd.Series(np.where(filled >= 0, filled, np.nan), index=codes.index, dtype="float64")


def parent_codes_of(codes: pd.Series, widths: list[int]) -> pd.Series:
    """320115001002 -> 320115001000 -> 320115000000 -> 320100000000 -> 320000000000 -> None, per code."""
    import numpy as np
    import pandas as pd

    points, filled = _segments(codes, widths)
    total = sum(widths)
    parents = np.ascontiguousarray(points[:, :total])
    has_parent = filled >= 2
    for count in range(2, len(widths) + 1):
        rows = filled == count
        parents[rows, sum(widths[: count - 1]) :] = ord("0")
    text = parents.view(f"U{total}").reshape(len(parents)).astype(object)
    text[~has_parent] = None
    return pd.Series(text, index=codes.index, dtype="object")


def levels_of_codes(codes: pd.Series, catalog: Catalog) -> pd.Series:
    """The territorial level each division code denotes, from how many segments it fills."""
    import numpy as np
    import pandas as pd

    widths = catalog.code_segment_widths
    by_segments = np.full(len(widths) + 2, None, dtype=object)  # position len + 1: not a division code
    for level in catalog.levels.values():
        if level.territorial and level.code_segments is not None and 0 <= level.code_segments <= len(widths):
            by_segments[level.code_segments] = level.id
    _, filled = _segments(codes, widths)
    return pd.Series(by_segments[np.where(filled >= 0, filled, len(widths) + 1)], index=codes.index, dtype=object)


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
    order = catalog.territorial_levels
    frame = frame.copy(deep=False)  # copy-on-write: the caller's frame is never changed
    frame[DERIVED] = False
    territorial = frame["level"].isin(order).to_numpy()
    blank_parent = territorial & frame["parent_code"].isna().to_numpy()
    if blank_parent.any():
        frame.loc[blank_parent, "parent_code"] = parent_codes_of(frame.loc[blank_parent, "unit_code"], widths)
    years = frame["year"]
    derived_parts: list[pd.DataFrame] = []
    for year in pd.unique(years[territorial]):
        in_year = territorial & (years.isna() if year != year else years == year).to_numpy()
        units = frame.loc[in_year, ["unit_code", "parent_code", "level", DERIVED, *counts]]
        # a unique Index hashes the codes once; each lookup after that reuses its table
        codes = pd.Index(pd.unique(units["unit_code"].to_numpy(dtype=object)), dtype=object)
        orphan = units["parent_code"].notna().to_numpy() & ~_among(codes, units["parent_code"])
        unit_levels = units["level"].to_numpy()
        created: list[pd.DataFrame] = []
        created_codes = pd.Index([], dtype=object)
        for level in reversed(order[1:]):
            made = [part.loc[part["level"] == level] for part in created]
            made = [part.loc[part["parent_code"].notna() & ~_among(codes, part["parent_code"])] for part in made]
            children = pd.concat([units.loc[orphan & (unit_levels == level)], *made], ignore_index=True)
            if len(created_codes) and not children.empty:
                children = children.loc[~children["parent_code"].isin(created_codes)]
            if children.empty:
                continue
            grouped = children.groupby("parent_code", sort=True)
            sums = grouped[counts].sum(min_count=1)
            incomplete = children[counts].isna().groupby(children["parent_code"]).any()
            sums = sums.mask(incomplete)
            parents = sums.reset_index().rename(columns={"parent_code": "unit_code"})
            parents["level"] = levels_of_codes(parents["unit_code"], catalog).fillna(
                level_above(level, catalog) or level
            )
            parents["parent_code"] = parent_codes_of(parents["unit_code"], widths)
            parents["unit_name"] = None
            parents["year"] = year
            parents[DERIVED] = True
            parents["_children"] = grouped.size().to_numpy()
            parents["_derived_children"] = grouped[DERIVED].sum().to_numpy()
            created_codes = created_codes.append(pd.Index(parents["unit_code"].to_numpy(dtype=object), dtype=object))
            created.append(parents)
        derived_parts.extend(_prune_single_child_roots(created, known_rows=codes))
    if not derived_parts:
        return frame
    derived = pd.concat(derived_parts, ignore_index=True).drop(columns=["_children", "_derived_children"])
    return pd.concat([frame, derived], ignore_index=True)


def _among(index: pd.Index, values: pd.Series) -> np.ndarray:
    """Which values are in a unique index, by its cached hash table."""
    import pandas as pd

    found: np.ndarray = index.get_indexer(pd.Index(values.to_numpy(dtype=object), dtype=object)) >= 0
    return found


def _prune_single_child_roots(created: list[pd.DataFrame], known_rows: pd.Index) -> list[pd.DataFrame]:
    """Drop derived units at the top of the tree whose only child is itself derived, from the top down."""
    import pandas as pd

    if not created:
        return []
    derived = pd.concat(created, ignore_index=True)
    under_a_row = derived["parent_code"].isin(known_rows)
    while True:
        is_root = ~under_a_row & ~derived["parent_code"].isin(derived["unit_code"].to_numpy())
        single = derived.loc[is_root & (derived["_children"] == 1) & (derived["_derived_children"] == 1)]
        if single.empty:
            return [derived]
        derived = derived.drop(index=single.index)
        under_a_row = under_a_row.drop(index=single.index)


def hierarchy_of(frame: pd.DataFrame, catalog: Catalog) -> pd.DataFrame:
    """The units with a code (first of duplicates) with derived parents.

    A unit whose level is unknown (its label kept as its level) is listed but summed into no parent: a parent
    derived from children it would have fed has its counts missing, as for a child with blank counts.
    """
    import pandas as pd

    placeable = frame.loc[frame["unit_code"].notna() & frame["level"].notna()]
    placeable = placeable.drop_duplicates(subset=["unit_code", "year"], keep="first")
    stand_ins = _stand_ins(placeable.loc[~placeable["level"].isin(list(catalog.levels))], catalog)
    if stand_ins.empty:
        return add_derived_units(placeable, catalog)
    placeable = placeable.assign(**{STAND_IN: False})
    units = add_derived_units(pd.concat([placeable, stand_ins], ignore_index=True), catalog)
    return units.loc[units[STAND_IN].ne(True).to_numpy()].drop(columns=[STAND_IN]).reset_index(drop=True)


STAND_IN = "_stand_in"


def _stand_ins(unplaced: pd.DataFrame, catalog: Catalog) -> pd.DataFrame:
    """For each unit of unknown level under a territorial parent, a child of that parent with every count blank."""

    order = catalog.territorial_levels
    fed = unplaced.loc[unplaced["parent_code"].notna()]
    parent_levels = levels_of_codes(fed["parent_code"], catalog)
    below = parent_levels.map(lambda level: order[order.index(level) + 1] if level in order[:-1] else None)
    fed = fed.loc[below.notna().to_numpy()]
    return fed.assign(
        unit_code=[f"\x00stand-in-{position}" for position in range(len(fed))],
        level=below.loc[below.notna()].to_numpy(),
        **{name: float("nan") for name in catalog.count_fields},
        **{STAND_IN: True},
    )
