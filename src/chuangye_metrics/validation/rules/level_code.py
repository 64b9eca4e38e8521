"""Findings where a unit's level disagrees with the level its division code implies."""

from __future__ import annotations

from typing import Literal

from chuangye_metrics.core.findings import Finding
from chuangye_metrics.hierarchy import levels_of_codes
from chuangye_metrics.reading.reader import ROW
from chuangye_metrics.validation.rules.base import Context, RuleKind


class LevelCodeRule(RuleKind):
    kind: Literal["level_code"]

    def apply(self, context: Context) -> list[Finding]:
        import numpy as np

        frame = context.frame
        territorial = frame["level"].isin(context.catalog.territorial_levels) & frame["unit_code"].notna()
        expected = levels_of_codes(frame["unit_code"].where(territorial), context.catalog)
        broken = territorial & expected.notna() & (expected != frame["level"])
        names = context.catalog.levels
        labels = (frame["_level_label"] if "_level_label" in frame else frame["level"]).to_numpy()
        positions = np.flatnonzero(broken.to_numpy())
        positions = positions[: context.room(self, len(positions))]
        rows, codes, levels = frame[ROW].to_numpy(), frame["unit_code"].to_numpy(), expected.to_numpy()
        return [
            context.finding(
                self,
                "level",
                rows[position],
                labels[position],
                code=codes[position],
                expected=names[str(levels[position])].name,
            )
            for position in positions.tolist()
        ]
