"""Findings where a unit names a parent that is neither in the return nor a division code."""

from __future__ import annotations

from typing import Literal

from chuangye_metrics.core.findings import Finding
from chuangye_metrics.hierarchy import filled_segments_of
from chuangye_metrics.reading.reader import ROW
from chuangye_metrics.validation.rules.base import Context, RuleKind


class UnknownParentRule(RuleKind):
    kind: Literal["unknown_parent"]

    def apply(self, context: Context) -> list[Finding]:
        frame = context.frame
        given = frame["parent_code"].notna() & ~context.unit_codes.among(frame["parent_code"])
        widths = context.catalog.code_segment_widths
        not_division = filled_segments_of(frame.loc[given, "parent_code"], widths).isna()
        # a division code places the unit even when its parent has no row; any other code must be in the file
        broken = not_division[not_division]
        picked = frame.loc[broken.index[: context.room(self, len(broken))], [ROW, "parent_code"]]
        return [
            context.finding(self, "parent_code", row, str(parent))
            for row, parent in zip(picked[ROW].tolist(), picked["parent_code"].tolist(), strict=True)
        ]
