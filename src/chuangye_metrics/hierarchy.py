"""The territorial hierarchy: parents from division codes, and units derived by summing children."""

from __future__ import annotations

import itertools
from typing import TYPE_CHECKING, NamedTuple

from chuangye_metrics.config.catalog import Catalog

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

DERIVED = "derived"


def _code_points(codes: pd.Series, length: int) -> np.ndarray:
    """Codes as an (n, length + 1) matrix of code points; a longer code leaves its last column non-zero.

    Bytes (uint8) when every code is ASCII, else uint32.
    """
    import numpy as np

    values = codes.to_numpy(dtype=object)
    points = _ascii_code_points(values, length)
    if points is not None:
        return points
    text = np.array([value if isinstance(value, str) else "" for value in values], dtype=f"U{length + 1}")
    return text.view(np.uint32).reshape(len(text), length + 1)


def _codes_text(points: np.ndarray, length: int) -> np.ndarray:
    """The first ``length`` code points of each row of a code-point matrix, as an object array of str."""
    import numpy as np
    import pyarrow as pa

    if points.dtype != np.uint8:
        text: np.ndarray = np.ascontiguousarray(points[:, :length]).view(f"U{length}").reshape(len(points))
        return text.astype(object)
    data = np.ascontiguousarray(points[:, :length])
    offsets = np.arange(0, (len(data) + 1) * length, length, dtype=np.int64)
    strings = pa.LargeStringArray.from_buffers(len(data), pa.py_buffer(offsets), pa.py_buffer(data))
    decoded: np.ndarray = strings.to_numpy(zero_copy_only=False)
    return decoded


def _ascii_code_points(values: np.ndarray, length: int) -> np.ndarray | None:
    """The code-point matrix (bytes) read straight from Arrow's buffer, when every value is ASCII text of
    ``length`` characters (a national return's codes); None otherwise."""
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
    points = np.zeros((len(text), length + 1), dtype=np.uint8)
    points[:, :length] = data  # the bytes of ASCII text are its code points
    return points


def code_ids(*columns: pd.Series | np.ndarray) -> list[np.ndarray]:
    """Each code of each column as an integer, the same for the same code in every column; -1 for none."""
    import numpy as np
    import pandas as pd

    parts = [np.asarray(column, dtype=object) for column in columns]
    values = np.concatenate(parts) if len(parts) > 1 else parts[0]
    spelt = _code_numbers(values)
    if spelt is None:
        ids, _ = pd.factorize(values)  # a blank code at -1
    else:
        ids, _ = pd.factorize(spelt.numbers)
        ids[spelt.numbers < 0] = -1
    bounds = np.cumsum([0, *(len(part) for part in parts)])
    return [ids[start:stop] for start, stop in itertools.pairwise(bounds)]


class CodeSet:
    """Which values are among a column of codes: the codes sorted or hashed once, for every lookup after."""

    def __init__(self, codes: pd.Series | np.ndarray) -> None:
        import numpy as np

        self._codes = np.asarray(codes, dtype=object)
        spelt = _code_numbers(self._codes)
        self._length = None if spelt is None else spelt.length
        # sorted, repeats and all: np.unique is many times slower than the sort, and searchsorted needs no more
        self._sorted = None if spelt is None else np.sort(spelt.numbers[spelt.numbers >= 0])
        self._index: pd.Index | None = None

    def among(self, values: pd.Series | np.ndarray) -> np.ndarray:
        """For each value, whether it is one of the codes (never for a blank)."""
        import numpy as np
        import pandas as pd

        values = np.asarray(values, dtype=object)
        spelt = _code_numbers(values) if self._sorted is not None else None
        if spelt is not None and self._sorted is not None:
            if spelt.length == 0 or len(self._sorted) == 0:
                return np.zeros(len(values), dtype=bool)  # no values, or no codes
            if spelt.length == self._length:
                places = np.searchsorted(self._sorted, spelt.numbers).clip(max=len(self._sorted) - 1)
                found: np.ndarray = (spelt.numbers >= 0) & (self._sorted[places] == spelt.numbers)
                return found
        if self._index is None:
            self._index = pd.Index(pd.unique(self._codes), dtype=object)
        hashed: np.ndarray = (self._index.get_indexer(pd.Index(values, dtype=object)) >= 0) & ~pd.isna(values)
        return hashed


class _Spelt(NamedTuple):
    numbers: np.ndarray
    length: int
    """Of every code; 0 when there is none."""


def _code_numbers(values: np.ndarray) -> _Spelt | None:
    """The codes as the numbers they spell (-1 for none), when every one is ASCII digits, all of one length of
    at most 18 (so that no two codes spell one number); None otherwise."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    try:
        text = pa.array(values, type=pa.string(), from_pandas=True)
    except (pa.ArrowTypeError, pa.ArrowInvalid):
        return None
    known = text.drop_null()
    if len(known) == 0:
        return _Spelt(np.full(len(values), -1, dtype=np.int64), 0)
    lengths = pc.min_max(pc.binary_length(known)).as_py()
    if lengths["min"] != lengths["max"] or not 0 < lengths["max"] <= 18:
        return None
    if not (pc.all(pc.string_is_ascii(known)).as_py() and pc.all(pc.utf8_is_digit(known)).as_py()):
        return None
    return _Spelt(pc.fill_null(pc.cast(text, pa.int64()), -1).to_numpy(), int(lengths["max"]))


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
    text = _codes_text(parents, total)
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
        codes = CodeSet(units["unit_code"])
        orphan = units["parent_code"].notna().to_numpy() & ~codes.among(units["parent_code"])
        unit_levels = units["level"].to_numpy()
        created: list[pd.DataFrame] = []
        created_codes = pd.Index([], dtype=object)
        for level in reversed(order[1:]):
            made = [part.loc[part["level"] == level] for part in created]
            made = [
                part.loc[part["parent_code"].notna().to_numpy() & ~codes.among(part["parent_code"])] for part in made
            ]
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


def _prune_single_child_roots(created: list[pd.DataFrame], known_rows: CodeSet) -> list[pd.DataFrame]:
    """Drop derived units at the top of the tree whose only child is itself derived, from the top down."""
    import pandas as pd

    if not created:
        return []
    derived = pd.concat(created, ignore_index=True)
    under_a_row = pd.Series(known_rows.among(derived["parent_code"]), index=derived.index)
    while True:
        is_root = ~under_a_row & ~derived["parent_code"].isin(derived["unit_code"].to_numpy())
        single = derived.loc[is_root & (derived["_children"] == 1) & (derived["_derived_children"] == 1)]
        if single.empty:
            return [derived]
        derived = derived.drop(index=single.index)
        under_a_row = under_a_row.drop(index=single.index)


def hierarchy_of(frame: pd.DataFrame, catalog: Catalog, *, unique: bool = False) -> pd.DataFrame:
    """The units with a code (first of duplicates) with derived parents; ``unique``: the caller has found no
    code given twice in a year, so none is looked for.

    A unit whose level is unknown (its label kept as its level) is listed but summed into no parent: a parent
    derived from children it would have fed has its counts missing, as for a child with blank counts.
    """
    import pandas as pd

    placeable = frame.loc[frame["unit_code"].notna() & frame["level"].notna()]
    if not unique:
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
