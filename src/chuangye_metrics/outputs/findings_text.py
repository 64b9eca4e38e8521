"""Findings as plain text lines, for logs and pipes."""

from __future__ import annotations

from chuangye_metrics.core.findings import Finding
from chuangye_metrics.core.text import printable
from chuangye_metrics.core.words import Language


def finding_line(finding: Finding, language: Language = "zh") -> str:
    """One finding on one line for logs: severity, place (sheet, row, column, field) and message; the control
    characters of a value or sheet name quoted shown escaped (``text.printable``), so that it stays one line."""
    zh = language == "zh"
    severity = ("错误" if zh else "error") if finding.severity == "error" else ("警告" if zh else "warning")
    place = []
    if finding.sheet:
        place.append(f"{'工作表' if zh else 'sheet'} {finding.sheet}")
    if finding.row is not None:
        place.append(f"{'第' if zh else 'row '}{finding.row}{'行' if zh else ''}")
    if finding.column:
        place.append(f"{finding.column}列" if zh else f"column {finding.column}")
    if finding.field:
        place.append(finding.field)
    where = f" [{', '.join(place)}]" if place else ""
    value = f" ({'值' if zh else 'value'}: {finding.value})" if finding.value else ""
    return printable(f"{severity}{where}: {finding.message}{value}")
