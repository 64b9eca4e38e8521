"""Parents and levels derived from 统计用区划代码."""

from __future__ import annotations

import itertools
import math

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from chuangye_metrics.config.catalog import Catalog
from chuangye_metrics.hierarchy import filled_segments_of, levels_of_codes, parent_codes_of

WIDTHS = [2, 2, 2, 3, 3]


def test_parent_chain_of_a_community() -> None:
    codes = pd.Series(["320115001002", "320115001000", "320115000000", "320100000000", "320000000000"])
    assert parent_codes_of(codes, WIDTHS).tolist() == [
        "320115001000",
        "320115000000",
        "320100000000",
        "320000000000",
        None,
    ]


def test_codes_that_are_not_division_codes_have_no_parent_and_no_level(catalog: Catalog) -> None:
    codes = pd.Series([None, "3201150010021", "32011500100a", "P-001", "32011500100"], index=[7, 8, 9, 10, 11])
    assert parent_codes_of(codes, WIDTHS).tolist() == [None] * 5
    assert all(math.isnan(value) for value in filled_segments_of(codes, WIDTHS))
    assert levels_of_codes(codes, catalog).isna().all()


def test_levels_follow_the_filled_segments(catalog: Catalog) -> None:
    codes = pd.Series(["320115001002", "320115001000", "320115000000", "320100000000", "320000000000"])
    assert levels_of_codes(codes, catalog).tolist() == ["community", "street", "county", "city", "province"]
    assert filled_segments_of(codes, WIDTHS).tolist() == [5, 4, 3, 2, 1]


def test_index_is_kept() -> None:
    codes = pd.Series(["320115001002", "320115001000"], index=[40, 3])
    assert parent_codes_of(codes, WIDTHS).to_dict() == {40: "320115001000", 3: "320115000000"}


@settings(max_examples=60, deadline=None)
@given(
    codes=st.lists(
        st.one_of(
            st.text(alphabet="0123456789", min_size=12, max_size=12),
            st.text(alphabet="0123456789AZaz-", min_size=12, max_size=12),
            st.text(min_size=0, max_size=14),
            st.none(),
        ),
        min_size=1,
        max_size=20,
    )
)
def test_code_points_read_from_arrow_match_the_plain_way(codes: list[str | None]) -> None:
    import numpy as np

    from chuangye_metrics.hierarchy import _ascii_code_points, _code_points

    values = np.array(codes, dtype=object)
    plain = np.array([value if isinstance(value, str) else "" for value in codes], dtype="U13")
    expected = plain.view(np.uint32).reshape(len(codes), 13)
    fast = _ascii_code_points(values, 12)
    if all(isinstance(value, str) and value.isascii() and len(value) == 12 for value in codes):
        assert fast is not None and (fast == expected).all()
    assert (_code_points(pd.Series(values, dtype=object), 12) == expected).all()


CODE_LISTS = st.lists(
    st.one_of(
        st.sampled_from(["320115001002", "320115001000", "320100000000", "012345678901", "12345678901", "0012"]),
        st.text(alphabet="0123456789", min_size=12, max_size=12),
        st.text(alphabet="0123456789", min_size=1, max_size=4),
        st.text(alphabet="0123456789AZaz-", min_size=12, max_size=12),
        st.text(min_size=0, max_size=14),
        st.none(),
    ),
    max_size=20,
)


def _reference_parent(code: object) -> str | None:
    """The parent code worked out one code at a time, as a person would."""
    if not isinstance(code, str) or len(code) != 12 or not all("0" <= ch <= "9" for ch in code):
        return None
    starts = [0, 2, 4, 6, 9, 12]
    segments = [code[start:stop] for start, stop in itertools.pairwise(starts)]
    filled = 0
    while filled < len(segments) and segments[filled].strip("0"):
        filled += 1
    if filled < 2:
        return None
    kept = "".join(segments[: filled - 1])
    return kept + "0" * (12 - len(kept))


@settings(max_examples=80, deadline=None)
@given(codes=CODE_LISTS)
def test_parent_codes_match_a_code_by_code_reading(codes: list[str | None]) -> None:
    import numpy as np

    got = parent_codes_of(pd.Series(np.array(codes, dtype=object), dtype=object), WIDTHS).tolist()
    assert got == [_reference_parent(code) for code in codes]
    assert all(value is None or type(value) is str for value in got)


@settings(max_examples=80, deadline=None)
@given(left=CODE_LISTS, right=CODE_LISTS)
def test_code_ids_are_equal_exactly_where_the_codes_are(left: list[str | None], right: list[str | None]) -> None:
    import numpy as np

    from chuangye_metrics.hierarchy import code_ids

    ids_left, ids_right = code_ids(np.array(left, dtype=object), pd.Series(right, dtype=object))
    codes = [*left, *right]
    ids = [*ids_left.tolist(), *ids_right.tolist()]
    assert len(ids_left) == len(left) and len(ids_right) == len(right)
    for code, number in zip(codes, ids, strict=True):
        assert (number == -1) == (code is None)
    for first, first_id in zip(codes, ids, strict=True):
        for second, second_id in zip(codes, ids, strict=True):
            if first is not None and second is not None:
                assert (first == second) == (first_id == second_id), (first, second)


@settings(max_examples=80, deadline=None)
@given(codes=CODE_LISTS, values=CODE_LISTS)
def test_a_code_set_finds_exactly_the_codes_it_holds(codes: list[str | None], values: list[str | None]) -> None:
    import numpy as np

    from chuangye_metrics.hierarchy import CodeSet

    held = CodeSet(pd.Series(codes, dtype=object))
    known = {code for code in codes if code is not None}
    expected = [value is not None and value in known for value in values]
    assert held.among(np.array(values, dtype=object)).tolist() == expected
    assert held.among(pd.Series([*values, pd.NA], dtype=object)).tolist() == [*expected, False]  # asked twice


def test_codes_that_spell_one_number_in_different_lengths_are_different_codes() -> None:
    import numpy as np

    from chuangye_metrics.hierarchy import CodeSet, code_ids

    held = CodeSet(np.array(["012345678901", "320100000000"], dtype=object))
    assert held.among(np.array(["12345678901", "32010000000"], dtype=object)).tolist() == [False, False]
    assert held.among(np.array(["012345678901", None], dtype=object)).tolist() == [True, False]
    left, right = code_ids(np.array(["012345678901"], dtype=object), np.array(["12345678901"], dtype=object))
    assert left[0] != right[0]
