"""Findings where a count exceeds the count it is part of (创业培训合格人数 within 参加创业培训人数, …)."""

from __future__ import annotations

from typing import Literal

from chuangye_metrics.core.findings import Finding
from chuangye_metrics.reading.reader import ROW
from chuangye_metrics.validation.rules.base import Context, RuleKind


class PartOfRule(RuleKind):
    kind: Literal["part_of"]

    def apply(self, context: Context) -> list[Finding]:
        frame = context.frame
        findings = []
        for field in context.catalog.fields.values():
            whole = field.part_of
            if whole is None or field.id not in context.columns or whole not in context.columns:
                continue
            broken = frame[field.id].notna() & frame[whole].notna() & (frame[field.id] > frame[whole])
            picked = frame.loc[broken.to_numpy(), [ROW, field.id, whole]]
            header = context.columns[whole].header
            for row, part, total in zip(*(picked[name].tolist() for name in (ROW, field.id, whole)), strict=True):
                findings.append(context.finding(self, field.id, row, part, whole_header=header, whole=total))
        return findings
