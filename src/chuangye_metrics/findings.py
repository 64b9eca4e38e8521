"""Validation findings: records of what is wrong with a return and where."""

from __future__ import annotations

from functools import cache
from typing import Any, Literal

from pydantic import BaseModel, Field

from chuangye_metrics.resources import formulas_dir
from chuangye_metrics.yamlio import YamlDocument

Severity = Literal["error", "warning"]
Language = Literal["zh", "en"]


class MessageText(BaseModel):
    zh: str
    en: str


class MessagesFile(BaseModel):
    messages: dict[str, MessageText]


@cache
def _messages() -> dict[str, MessageText]:
    return YamlDocument(formulas_dir() / "messages.yaml").parse(MessagesFile).messages


def register_messages(texts: dict[str, MessageText]) -> None:
    """Add the texts of rules that carry their own message (user rule files)."""
    _messages().update(texts)


def message_template(code: str, language: Language) -> str:
    """The text of message ``code`` in ``language``, with {placeholders} to fill in."""
    text = _messages()[code]
    return text.zh if language == "zh" else text.en


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
        text = _messages().get(self.code)
        if text is None:
            return self
        template = text.zh if language == "zh" else text.en
        values = {
            "header": self.header or self.field or "",
            "field": self.field or "",
            "value": self.value or "",
        }
        values.update({key: str(item) for key, item in self.params.items()})
        return self.model_copy(update={"message": template.format(**values)})


def format_value(value: object) -> str:
    """A cell value as a person would read it back: 12.0 -> "12"."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def excel_column(index: int) -> str:
    """0-based column index -> Excel letters (0 -> A, 26 -> AA)."""
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(ord("A") + remainder) + letters
    return letters
