"""Findings where an indicator falls outside a plausible range."""

from __future__ import annotations

from typing import Literal

from chuangye_metrics.config.catalog import Catalog
from chuangye_metrics.config.operators import OPERATORS, Operator
from chuangye_metrics.core.findings import Finding
from chuangye_metrics.reading.reader import ROW
from chuangye_metrics.validation.rules.base import Context, RuleKind, indicator_values, shown


class IndicatorRangeRule(RuleKind):
    kind: Literal["indicator_range"]
    indicator: str
    op: Operator
    value: float

    def unknown_names(self, catalog: Catalog) -> str | None:
        return None if self.indicator in catalog.indicators else f"unknown indicator {self.indicator!r}"

    def apply(self, context: Context) -> list[Finding]:
        import numpy as np

        indicator = context.catalog.indicators[self.indicator]
        if any(name not in context.columns for name in indicator.field_names):
            return []
        values = indicator_values(context, self.indicator)
        broken = values.notna() & ~OPERATORS[self.op](values, self.value)
        anchor = indicator.field_names[0]
        frame = context.frame
        positions = np.flatnonzero(broken.to_numpy())
        positions = positions[: context.room(self, len(positions))]
        rows, anchors, computed = frame[ROW].to_numpy(), frame[anchor].to_numpy(), values.to_numpy()
        bound = shown(self.value, indicator.unit)
        return [
            context.finding(
                self,
                anchor,
                rows[position],
                anchors[position],
                indicator=indicator.name,
                computed=shown(computed[position], indicator.unit),
                bound=bound,
            )
            for position in positions.tolist()
        ]
