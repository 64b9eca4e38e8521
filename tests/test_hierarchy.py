"""Parents and levels derived from 统计用区划代码."""

from __future__ import annotations

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
