"""Findings where the 合计 row differs from the sum of the top-level units (parks counted or not)."""

from __future__ import annotations

from typing import ClassVar, Literal

from chuangye_metrics.core.findings import Finding
from chuangye_metrics.reading.reader import ROW
from chuangye_metrics.validation.rules.base import Context, RuleKind


class TotalRowRule(RuleKind):
    kind: Literal["total_row"]
    emits: ClassVar[tuple[str, ...]] = ("total-row-year",)

    def apply(self, context: Context) -> list[Finding]:
        totals = context.totals
        if totals is None or totals.empty:
            return []
        hierarchy = context.hierarchy
        roots = hierarchy.loc[~context.unit_codes.among(hierarchy["parent_code"])]
        roots = roots.assign(_park=~roots["level"].isin(context.catalog.territorial_levels))
        years = sorted(hierarchy["year"].dropna().unique().tolist())
        counts = [name for name in context.catalog.count_fields if name in context.columns]
        findings = []
        for _, total in totals.iterrows():
            year = total.get("year")
            if year is None or year != year:
                if len(years) > 1:
                    findings.append(
                        Finding(severity="warning", code="total-row-year", sheet=context.sheet, row=int(total[ROW]))
                    )
                    continue
                selected = roots
            else:
                selected = roots.loc[roots["year"] == year]
            for name in counts:
                value = total[name]
                if value != value:
                    continue
                territorial = selected.loc[~selected["_park"], name]
                everything = selected[name]
                expected = territorial.sum(min_count=1) if territorial.notna().all() else float("nan")
                with_parks = everything.sum(min_count=1) if everything.notna().all() else float("nan")
                if expected != expected or value in (expected, with_parks):
                    continue
                findings.append(context.finding(self, name, total[ROW], value, expected=expected))
        return findings
