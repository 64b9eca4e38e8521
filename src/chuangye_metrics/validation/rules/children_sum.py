"""Findings where a unit's own count is below the sum of its children's in the same year."""

from __future__ import annotations

from typing import Literal

from chuangye_metrics.core.findings import Finding
from chuangye_metrics.hierarchy import DERIVED, code_ids
from chuangye_metrics.reading.reader import ROW
from chuangye_metrics.validation.rules.base import Context, RuleKind


class ChildrenSumRule(RuleKind):
    kind: Literal["children_sum"]

    def apply(self, context: Context) -> list[Finding]:
        import numpy as np
        import pandas as pd

        hierarchy = context.hierarchy
        territorial = hierarchy["level"].isin(context.catalog.territorial_levels).to_numpy()
        is_row = territorial & ~hierarchy[DERIVED].to_numpy(dtype=bool)
        if not is_row.any():
            return []
        # each (code, year) as one integer: a row's own key, and the key of the parent a unit names
        own_code, parent = code_ids(hierarchy["unit_code"], hierarchy["parent_code"])  # a blank parent: -1
        year_ids, _ = pd.factorize(hierarchy["year"].fillna(-1).to_numpy(dtype="float64"))
        years = int(year_ids.max()) + 1
        own = own_code * years + year_ids
        parent_key = np.where(parent >= 0, parent * years + year_ids, -1)
        keys = (max(int(own_code.max()), int(parent.max())) + 1) * years
        is_row_key = np.zeros(keys, dtype=bool)
        is_row_key[own[is_row]] = True
        is_child = territorial & (parent_key >= 0)
        is_child[is_child] = is_row_key[parent_key[is_child]]
        if not is_child.any():
            return []
        child_keys = parent_key[is_child]
        children = np.bincount(child_keys, minlength=keys)
        rows = np.flatnonzero(is_row & (children[own] > 0))
        excel_rows = hierarchy[ROW].to_numpy(dtype="float64")
        findings = []
        for name in [name for name in context.catalog.count_fields if name in context.columns]:
            values = hierarchy[name].to_numpy(dtype="float64")
            known = ~np.isnan(values[is_child])
            sums = np.bincount(child_keys, weights=np.where(known, values[is_child], 0.0), minlength=keys)
            summed = np.bincount(child_keys, weights=known, minlength=keys) > 0  # a sum of only blanks is blank
            own_values = values[rows]
            broken = ~np.isnan(own_values) & summed[own[rows]] & (own_values < sums[own[rows]])
            for position in rows[broken].tolist():
                key = own[position]
                findings.append(
                    context.finding(
                        self,
                        name,
                        excel_rows[position],
                        values[position],
                        sum=float(sums[key]),
                        children=int(children[key]),
                    )
                )
        return findings
