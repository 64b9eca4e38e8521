"""The validation report of ``chuangye validate``: findings with counts, in table, JSON or GitHub form."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from chuangye_metrics.pipeline import Returns
import io

from pydantic import BaseModel, Field
from rich.console import Console

from chuangye_metrics.core.findings import CAPPED, Finding, finding_counts
from chuangye_metrics.core.models import Source
from chuangye_metrics.core.text import printable
from chuangye_metrics.core.words import Language
from chuangye_metrics.outputs.findings_text import finding_line
from chuangye_metrics.outputs.render import findings_table, markup_safe


class ValidationReport(BaseModel):
    source: Source
    valid: bool = Field(description="true when the return has no errors (warnings allowed)")
    errors: int = Field(description="number of errors found, including any left out of findings")
    warnings: int = Field(description="number of warnings found, including any left out of findings")
    findings: list[Finding]
    left_out: int = Field(description="findings not listed because of --max-errors")


def validation_report(returns: Returns, max_findings: int = 1000) -> ValidationReport:
    """Every finding of a return read and validated (``pipeline.read``), errors first, up to ``max_findings``."""
    ordered = sorted(
        returns.findings,
        key=lambda f: (f.severity != "error", f.code == CAPPED, f.row if f.row is not None else 0, f.column or ""),
    )
    errors, warnings = finding_counts(ordered)
    return ValidationReport(
        source=returns.sources[0],
        valid=errors == 0,
        errors=errors,
        warnings=warnings,
        findings=ordered[:max_findings],
        left_out=max(0, len(ordered) - max_findings),
    )


def render_report(report: ValidationReport, output_format: str, language: Language, terminal: bool = True) -> str:
    """The report as JSON, GitHub annotations, or for people: a table on a terminal, one line a finding elsewhere."""
    if output_format == "json":
        return report.model_dump_json(indent=2) + "\n"
    if output_format == "github":
        return "".join(_annotation(report.source.file, finding) for finding in report.findings)
    buffer = io.StringIO()
    console = Console(file=buffer, width=200, emoji=False)
    if report.findings and terminal:
        console.print(findings_table(report.findings, language))
    elif report.findings:  # a log or a file: greppable lines, and a thousand of them print at once
        buffer.write("".join(finding_line(finding, language) + "\n" for finding in report.findings))
    zh = language == "zh"
    if report.left_out:
        console.print(
            f"另有 {report.left_out} 条未列出（--max-errors）"
            if zh
            else f"{report.left_out} more not listed (--max-errors)"
        )
    status = ("通过" if zh else "valid") if report.valid else ("未通过" if zh else "invalid")
    file = markup_safe(report.source.file)
    console.print(
        f"{file}: {status} · {report.errors} 个错误，{report.warnings} 个警告"
        if zh
        else f"{file}: {status} · {report.errors} error(s), {report.warnings} warning(s)"
    )
    return buffer.getvalue()


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
