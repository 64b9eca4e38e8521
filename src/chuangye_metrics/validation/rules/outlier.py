"""Findings where an indicator stands far from its siblings' median (robust z-score)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from chuangye_metrics.config.catalog import Catalog
from chuangye_metrics.core import words
from chuangye_metrics.core.findings import Finding
from chuangye_metrics.reading.reader import ROW
from chuangye_metrics.validation.rules.base import Context, RuleKind, indicator_values, shown


class OutlierRule(RuleKind):
    """A unit whose indicator stands more than ``threshold`` times its siblings' usual spread (the median absolute
    deviation, scaled) from their median. The spread is taken as at least ``min_spread`` (in the indicator's unit:
    percentage points, N of 1:N, years) and ``relative_spread`` of the median, so that siblings who nearly agree
    make no unit "far" for a difference nobody would notice."""

    kind: Literal["outlier"]
    indicators: list[str]
    threshold: float = Field(default=3.5, gt=0)
    min_siblings: int = Field(default=5, ge=3)
    min_spread: float = Field(default=0.05, ge=0)
    relative_spread: float = Field(default=0.02, ge=0)

    def unknown_names(self, catalog: Catalog) -> str | None:
        unknown = [indicator for indicator in self.indicators if indicator not in catalog.indicators]
        return f"unknown indicator {unknown[0]!r}" if unknown else None

    def apply(self, context: Context) -> list[Finding]:
        import numpy as np

        frame = context.frame
        findings = []
        keys = [frame["parent_code"].fillna(""), frame["level"].fillna(""), frame["year"].fillna(-1)]
        # sibling groups numbered once: grouping by an integer array is far cheaper than by three object columns
        groups = frame.groupby(keys, sort=False).ngroup().to_numpy()
        for indicator_id in self.indicators:
            indicator = context.catalog.indicators[indicator_id]
            if any(name not in context.columns for name in indicator.field_names):
                continue
            values = indicator_values(context, indicator_id)
            grouped = values.groupby(groups)
            size = grouped.transform("count")
            median = grouped.transform("median")
            mad = (values - median).abs().groupby(groups).transform("median")
            spread = np.maximum(mad.to_numpy(), np.maximum(self.min_spread, self.relative_spread * median.abs()))
            with np.errstate(divide="ignore", invalid="ignore"):
                z = 0.6745 * (values - median) / spread
            flagged = ((size >= self.min_siblings) & (spread > 0) & (z.abs() > self.threshold)).to_numpy()
            anchor = indicator.field_names[0]
            rows, anchors = frame[ROW].to_numpy(), frame[anchor].to_numpy()
            computed, medians, scores = values.to_numpy(), median.to_numpy(), z.to_numpy()
            positions = np.flatnonzero(flagged)
            for position in positions[: context.room(self, len(positions))].tolist():
                findings.append(
                    context.finding(
                        self,
                        anchor,
                        rows[position],
                        anchors[position],
                        indicator=words.both_named(indicator.label),
                        computed=shown(computed[position], indicator.unit),
                        median=shown(medians[position], indicator.unit),
                        gap=gap_text(abs(computed[position] - medians[position]), indicator.unit),
                        times=f"{self.threshold:g}",
                        z=f"{scores[position]:.1f}",
                    )
                )
        return findings


def gap_text(gap: float, unit: str) -> dict[str, str]:
    """How far apart two values are, in each language: "0.4 个百分点", "0.4 年", or the N of 1:N."""
    number = f"{gap:.1f}" if gap >= 0.05 else f"{gap:.2f}"
    if unit in ("percent", "years", "wan_yuan"):
        return words.both(f"gap.{unit}", gap=number)
    return {language: number for language in words.LANGUAGES}
