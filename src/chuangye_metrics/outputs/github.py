"""GitHub workflow annotations: validate's findings as ``::error`` and ``::warning`` lines a CI job shows."""

from __future__ import annotations

from typing import TYPE_CHECKING

from chuangye_metrics.core.findings import Finding
from chuangye_metrics.core.models import ValidationReport
from chuangye_metrics.core.text import printable
from chuangye_metrics.outputs.files import write_output

if TYPE_CHECKING:
    from chuangye_metrics.outputs.writers import Target


def validation_annotations(report: ValidationReport) -> str:
    """One workflow command per finding of validate's report."""
    return "".join(_annotation(report.source.file, finding) for finding in report.findings)


def _annotation(file: str, finding: Finding) -> str:
    """A GitHub workflow command. Its text is the return's (a sheet name, a value quoted): control characters
    shown escaped, and the command's own separators encoded, so that no text can end it or start another."""
    kind = "error" if finding.severity == "error" else "warning"
    place = f"file={_property(file)}"
    if finding.row is not None:
        place += f",line={finding.row}"
    where = " ".join(part for part in (finding.sheet, f"{finding.column or ''}{finding.row or ''}") if part)
    title = _property(f"{finding.code} {where}".strip())
    message = printable(finding.message).replace("%", "%25")
    return f"::{kind} {place},title={title}::{message}\n"


def _property(text: str) -> str:
    return printable(text).replace("%", "%25").replace(":", "%3A").replace(",", "%2C")


def write_validation(report: ValidationReport, target: Target) -> None:
    """The registry's entry point (outputs.writers)."""
    write_output(validation_annotations(report), target.output, target.language)
