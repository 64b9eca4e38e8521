"""Validation findings: records of what is wrong with a return and where."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, Literal

from pydantic import BaseModel, Field

from chuangye_metrics.core.words import Language, known_message, message_template

Severity = Literal["error", "warning"]


class MessageText(BaseModel):
    zh: str
    en: str


class Finding(BaseModel):
    """One fault, pinned to the cell a person sees in Excel."""

    severity: Severity
    code: str = Field(description="stable identifier of the kind of fault")
    file: str | None = Field(
        default=None,
        exclude_if=lambda file: file is None,
        description="the input file, when several are read; left out otherwise",
    )
    sheet: str | None = None
    row: int | None = Field(default=None, description="Excel row number (1-based) as shown in Excel")
    column: str | None = Field(default=None, description="Excel column letter")
    header: str | None = None
    field: str | None = None
    value: str | None = None
    message: str = ""
    params: dict[str, Any] = Field(default_factory=dict, exclude=True)

    def localised(self, language: Language) -> Finding:
        """A copy whose message is written in ``language``."""
        template = known_message(self.code, language)
        if template is None:
            return self
        values = {
            "header": self.header or self.field or "",
            "field": self.field or "",
            "value": self.value or "",
        }
        values.update({key: _localised_param(item, language) for key, item in self.params.items()})
        message = template.format(**values)
        suggestion = self.params.get("suggestion")
        if suggestion:
            message += message_template("did-you-mean", language).format(suggestion=values["suggestion"])
        return self.model_copy(update={"message": message})


def _localised_param(item: Any, language: Language) -> str:
    """A parameter as text; one given in both languages ({"zh": …, "en": …}) in ``language``."""
    if isinstance(item, dict) and language in item:
        return str(item[language])
    return str(item)


def format_value(value: object) -> str:
    """A cell value as a person would read it back: 12.0 -> "12"."""
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return str(value)


def column_index(letters: str) -> int:
    """Excel letters -> 0-based column index (A -> 0, AA -> 26): the inverse of ``excel_column``."""
    index = 0
    for letter in letters:
        index = index * 26 + ord(letter) - ord("A") + 1
    return index - 1


def excel_column(index: int) -> str:
    """0-based column index -> Excel letters (0 -> A, 26 -> AA)."""
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(ord("A") + remainder) + letters
    return letters


FINDINGS_KEPT_PER_CODE = 1000
"""How many findings of one code a run keeps (the printed list shows 50 of all of them)."""
CAPPED = "findings-capped"


class FindingBudget:
    """Room for findings as they are collected: the first ``per_code`` of each code are built, the rest only
    counted, so that a return with a million bad cells costs a thousand findings, not a million."""

    def __init__(self, per_code: int = FINDINGS_KEPT_PER_CODE) -> None:
        self.per_code = per_code
        self.built: dict[str, int] = {}
        self.left: dict[str, int] = {}
        self.errors: set[str] = set()

    def room(self, code: str, wanted: int = 1, severity: Severity = "error") -> int:
        """How many of ``wanted`` findings of ``code`` to build now; the rest are counted as left out."""
        built = self.built.get(code, 0)
        take = max(0, min(wanted, self.per_code - built))
        self.built[code] = built + take
        if wanted > take:
            self.left[code] = self.left.get(code, 0) + wanted - take
            if severity == "error":
                self.errors.add(code)
        return take

    def summaries(self) -> list[Finding]:
        """One ``findings-capped`` finding for each code that had more than its room."""
        return [_summary(code, count, code in self.errors, self.per_code) for code, count in self.left.items()]


def _summary(code: str, left: int, error: bool, kept: int) -> Finding:
    return Finding(
        severity="error" if error else "warning", code=CAPPED, params={"of": code, "left": left, "kept": kept}
    )


def cap_findings(findings: Sequence[Finding], per_code: int = FINDINGS_KEPT_PER_CODE) -> list[Finding]:
    """The first ``per_code`` findings of each code, in their order, then one ``findings-capped`` finding for each
    code that had more, saying how many were left out (``params``: ``of``, ``left``, ``kept``).

    Summaries already in ``findings`` (from a ``FindingBudget``) are merged into these. A summary is an error when
    any finding it stands for is, so a capped list still has errors exactly when the whole list had them: a return
    with a million bad cells or a million unknown headers makes a bounded report.
    """
    seen: dict[str, int] = {}
    left: dict[str, int] = {}
    errors: set[str] = set()
    kept: list[Finding] = []
    for finding in findings:
        if finding.code == CAPPED:
            code = str(finding.params["of"])
            left[code] = left.get(code, 0) + int(finding.params["left"])
            if finding.severity == "error":
                errors.add(code)
            continue
        count = seen.get(finding.code, 0)
        seen[finding.code] = count + 1
        if count < per_code:
            kept.append(finding)
            continue
        left[finding.code] = left.get(finding.code, 0) + 1
        if finding.severity == "error":
            errors.add(finding.code)
    kept += [_summary(code, count, code in errors, per_code) for code, count in left.items()]
    return kept


def has_errors(findings: Iterable[Finding]) -> bool:
    return any(finding.severity == "error" for finding in findings)


def finding_counts(findings: Sequence[Finding]) -> tuple[int, int]:
    """Errors and warnings, counting the findings each ``findings-capped`` summary stands for."""
    errors = warnings = 0
    for finding in findings:
        weight = int(finding.params["left"]) if finding.code == CAPPED else 1
        if finding.severity == "error":
            errors += weight
        else:
            warnings += weight
    return errors, warnings
