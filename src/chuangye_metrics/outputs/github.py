"""GitHub workflow annotations: validate's findings and check's failing units as ``::error`` and ``::warning`` lines."""

from __future__ import annotations

from typing import TYPE_CHECKING

from chuangye_metrics.core import words
from chuangye_metrics.core.findings import Finding, column_index
from chuangye_metrics.core.models import AssessedUnit, ValidationReport
from chuangye_metrics.core.text import printable
from chuangye_metrics.core.words import message_template
from chuangye_metrics.outputs.files import write_output
from chuangye_metrics.outputs.table import check_cell, grade_text, rule_heading, total_text
from chuangye_metrics.years.compare import file_indexes

if TYPE_CHECKING:
    from chuangye_metrics.core.words import Language
    from chuangye_metrics.outputs.writers import Checked, Target

# The runner's escapes of a workflow command (actions/toolkit, command.ts): a message escapes %, CR and LF; a
# property's value also : and , (which would end the value or the property list)
_DATA_ESCAPES = str.maketrans({"%": "%25", "\r": "%0D", "\n": "%0A"})
_PROPERTY_ESCAPES = str.maketrans({"%": "%25", "\r": "%0D", "\n": "%0A", ":": "%3A", ",": "%2C"})


def command(kind: str, properties: dict[str, str | int | None], message: str) -> str:
    """One workflow command: control characters shown escaped (text from a return can start no other command),
    then the command's own separators encoded."""
    listed = ",".join(
        f"{key}={printable(str(value)).translate(_PROPERTY_ESCAPES)}"
        for key, value in properties.items()
        if value is not None and value != ""
    )
    return f"::{kind} {listed}::{printable(message).translate(_DATA_ESCAPES)}\n"


def annotation(file: str, finding: Finding) -> str:
    """A finding at its file, line and column; its code and cell as the title."""
    column = finding.column if finding.column and finding.column.isascii() and finding.column.isalpha() else None
    where = " ".join(part for part in (finding.sheet, f"{finding.column or ''}{finding.row or ''}") if part)
    properties: dict[str, str | int | None] = {
        "file": finding.file or file,
        "line": finding.row,
        "col": column_index(column.upper()) + 1 if column else None,  # 1-based
        "title": f"{finding.code} {where}".strip(),
    }
    return command("error" if finding.severity == "error" else "warning", properties, finding.message)


def validation_annotations(report: ValidationReport) -> str:
    """One workflow command per finding of validate's report."""
    # with several files each finding names its own
    return "".join(annotation(report.sources[0].file, finding) for finding in report.findings)


def unit_annotation(file: str, unit: AssessedUnit, standard: str, language: Language) -> str:
    """A unit that fails the standard (an error) or cannot be judged on it (a warning): its score and grade when
    the level is scored, and the rules it misses (a rule over years with the years that fail or are missing)."""
    assert unit.assessment is not None
    status = unit.assessment.status
    missed = [check for check in unit.assessment.checks if check.status != "pass"]
    colon = words.text("sep.colon", language)
    parts = [f"{rule_heading(check, language)}{colon}{check_cell(check, language)}" for check in missed]
    score = unit.assessment.score
    if score is not None and score.grade is not None:
        parts.insert(
            0, words.text("annotation.score", language, total=total_text(score), grade=grade_text(score, language))
        )
    elif score is not None:
        # why no grade: the items without points, each with its reason
        lacking = [f"{item.name}{colon}{item.reason}" for item in score.items if item.points is None and item.reason]
        parts[:0] = lacking or [score.reason or ""]
    rules = words.text("sep.semicolon", language).join(parts)
    name = unit.unit_name or message_template("label-derived-unit", language)
    year = "" if unit.year is None else f" {unit.year}"
    message = words.text(f"annotation.{status}", language, unit=f"{unit.unit_code} {name}", standard=standard)
    if rules:
        message += colon + rules
    properties: dict[str, str | int | None] = {
        "file": file,
        "line": unit.row,
        "title": f"{standard} {unit.unit_code}{year}",
    }
    return command("error" if status == "fail" else "warning", properties, message)


def write_validation(report: ValidationReport, target: Target) -> None:
    """The registry's entry point (outputs.writers)."""
    write_output(validation_annotations(report), target.output, target.language)


def write_check(checked: Checked, target: Target) -> None:
    """One workflow command per unit that fails or cannot be judged, at its file and row; and one per finding."""
    result, judged = checked.outcome.result, checked.outcome.judged
    assert result is not None and judged is not None
    sources = checked.returns.sources
    files = file_indexes(judged.units.frame).tolist()
    lines = [annotation(sources[0].file, finding) for finding in result.findings]
    for unit, index in zip(result.units, files, strict=True):
        if unit.assessment is not None and unit.assessment.status != "pass":
            file = sources[index].file if 0 <= index < len(sources) else sources[0].file
            lines.append(unit_annotation(file, unit, result.standard.id, target.language))
    write_output("".join(lines), target.output, target.language)
