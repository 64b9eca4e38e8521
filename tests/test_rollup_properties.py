"""Property tests: a parent derived from any split into children equals the parent counted whole."""

from __future__ import annotations

import math
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chuangye_metrics.config.catalog import Catalog
from chuangye_metrics.validation.validate import validate_return
from tests.conftest import table_from_rows
from tests.oracles import compute

# Each chain lists counts that are each part of the one before: they are split as disjoint layers.
CHAINS = [
    ["labour_force"],
    ["entrepreneurs", "new_entrepreneurs", "graduate_entrepreneurs"],
    ["startup_entities"],
    ["startup_jobs"],
    ["new_urban_jobs"],
    ["trainees", "trainees_certified", "trainees_started"],
    ["cohort_births", "cohort_survivors"],
    ["eligible_applicants", "supported_applicants"],
    ["survey_respondents", "survey_satisfied"],
]


@st.composite
def split_parent(draw: Any) -> tuple[dict[str, int], list[dict[str, int]]]:
    """A parent's counts and a split of them into 1-6 children whose counts add up to the parent's."""
    children_count = draw(st.integers(min_value=1, max_value=6))
    parent: dict[str, int] = {}
    children: list[dict[str, int]] = [{} for _ in range(children_count)]
    for chain in CHAINS:
        # layers[k] = count of chain[k] minus count of chain[k + 1]: what is in this field and not the next
        layer_values = draw(st.lists(st.integers(0, 200_000), min_size=len(chain), max_size=len(chain)))
        for depth in range(len(chain)):
            parent[chain[depth]] = sum(layer_values[depth:])
        for depth, total in enumerate(layer_values):
            cuts = sorted(
                draw(st.lists(st.integers(0, total), min_size=children_count - 1, max_size=children_count - 1))
            )
            parts = [b - a for a, b in zip([0, *cuts], [*cuts, total], strict=True)]
            for child, part in zip(children, parts, strict=True):
                child[f"_layer_{chain[0]}_{depth}"] = part
        for child in children:
            for depth in range(len(chain)):
                child[chain[depth]] = sum(
                    child.pop(f"_layer_{chain[0]}_{d}") if d == depth else child[f"_layer_{chain[0]}_{d}"]
                    for d in range(depth, len(chain))
                )
    return parent, children


def indicators_of(rows: list[dict[str, Any]], catalog: Catalog, code: str) -> dict[str, Any]:
    validated = validate_return(table_from_rows(rows, catalog), catalog)
    assert validated.errors == []
    result = compute(validated, catalog)
    (unit,) = [unit for unit in result.units if unit.unit_code == code]
    return {key: value.value for key, value in unit.indicators.items()} | {"_fields": unit.fields}


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(split_parent())
def test_any_split_gives_the_parent_indicators(
    catalog: Catalog, case: tuple[dict[str, int], list[dict[str, int]]]
) -> None:
    parent_counts, children_counts = case
    street = "320115001000"
    whole = indicators_of(
        [{"unit_code": street, "unit_name": "整体", "level": "街道", **parent_counts}], catalog, street
    )
    children = [
        {"unit_code": f"320115001{index + 1:03d}", "unit_name": f"社区{index}", "level": "社区", **counts}
        for index, counts in enumerate(children_counts)
    ]
    derived = indicators_of(children, catalog, street)
    assert derived["_fields"] == whole["_fields"]
    for indicator_id, value in whole.items():
        if indicator_id == "_fields":
            continue
        if value is None:
            assert derived[indicator_id] is None, indicator_id
        else:
            assert math.isclose(derived[indicator_id], value, rel_tol=1e-12, abs_tol=1e-12), indicator_id


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(1, 100_000), st.integers(0, 1_000)), min_size=2, max_size=6))
def test_parent_rate_is_ratio_of_sums(catalog: Catalog, pairs: list[tuple[int, int]]) -> None:
    rows = [
        {
            "unit_code": f"320115001{index + 1:03d}",
            "unit_name": "社区",
            "level": "社区",
            "labour_force": labour,
            "entrepreneurs": new,
            "new_entrepreneurs": new,
        }
        for index, (labour, new) in enumerate(pairs)
    ]
    derived = indicators_of(rows, catalog, "320115001000")
    expected = sum(new for _, new in pairs) / sum(labour for labour, _ in pairs) * 100
    assert math.isclose(derived["participation_rate"], expected, rel_tol=1e-12)
