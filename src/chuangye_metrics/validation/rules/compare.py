"""Findings where two expressions over counts fail their comparison (a user's rule)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import field_validator

from chuangye_metrics.config import expressions
from chuangye_metrics.config.catalog import Catalog
from chuangye_metrics.config.operators import OPERATORS, Operator
from chuangye_metrics.core.findings import Finding
from chuangye_metrics.reading.reader import ROW
from chuangye_metrics.validation.rules.base import Context, RuleKind


class CompareRule(RuleKind):
    kind: Literal["compare"]
    left: str
    op: Operator
    right: str

    @field_validator("left", "right", mode="before")
    @classmethod
    def _number_as_text(cls, value: Any) -> Any:
        return str(value) if isinstance(value, int | float) and not isinstance(value, bool) else value

    @field_validator("left", "right")
    @classmethod
    def _parses(cls, text: str) -> str:
        return expressions.checked(text)

    def unknown_names(self, catalog: Catalog) -> str | None:
        for text in (self.left, self.right):
            for name in expressions.field_names(expressions.parse(text)):
                if name not in catalog.fields or name not in catalog.count_fields:
                    return f"{name!r} is not a count or amount field"
        if self.message is None:
            return "a compare rule needs its own message: {zh: …, en: …}"
        return None

    def apply(self, context: Context) -> list[Finding]:
        frame = context.frame
        left_expr, right_expr = expressions.parse(self.left), expressions.parse(self.right)
        names = expressions.field_names(left_expr) + expressions.field_names(right_expr)
        if any(name not in context.columns for name in names):
            return []
        values = {name: frame[name].to_numpy(dtype="float64") for name in names}
        left = expressions.evaluate(left_expr, values)
        right = expressions.evaluate(right_expr, values)
        import numpy as np

        known = ~np.isnan(left) & ~np.isnan(right)
        broken = known & ~OPERATORS[self.op](left, right)
        first = names[0]
        return [
            context.finding(
                self,
                first,
                frame[ROW].iat[int(position)],
                frame[first].iat[int(position)],
                left=left[position],
                right=right[position],
            )
            for position in np.flatnonzero(broken)
        ]
