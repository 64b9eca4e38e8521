"""The words people read, in Chinese and English: the catalogue of formulas/messages.yaml, looked up by code.

Light on purpose (PyYAML, no pydantic): the error path of the command line needs it before anything else loads.
"""

from __future__ import annotations

from functools import cache
from typing import Literal

import yaml

from chuangye_metrics.core.errors import ConfigError
from chuangye_metrics.core.resources import formulas_dir

Language = Literal["zh", "en"]
LANGUAGES: tuple[Language, ...] = ("zh", "en")


@cache
def _catalogue() -> dict[str, dict[str, str]]:
    # the shipped catalogue, read directly (not through yamlio, whose input limits use these words)
    path = formulas_dir() / "messages.yaml"
    data = yaml.load(path.read_text(encoding="utf-8"), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    entries = data.get("messages") if isinstance(data, dict) else None
    if not isinstance(entries, dict):
        raise ConfigError(f"{path}: no messages mapping")
    for code, texts in entries.items():
        if not (isinstance(texts, dict) and all(isinstance(texts.get(language), str) for language in LANGUAGES)):
            raise ConfigError(f"{path}: message {code!r} needs a zh and an en text")
    return {str(code): {language: texts[language] for language in LANGUAGES} for code, texts in entries.items()}


def register_messages(texts: dict[str, dict[str, str]]) -> None:
    """Add the texts of rules that carry their own message (user rule files): code → {zh: …, en: …}."""
    _catalogue().update({code: {language: text[language] for language in LANGUAGES} for code, text in texts.items()})


def message_template(code: str, language: Language) -> str:
    """The text of message ``code`` in ``language``, with {placeholders} to fill in."""
    return _catalogue()[code][language]


def known_message(code: str, language: Language) -> str | None:
    """The text of message ``code`` in ``language``, or None when the catalogue has no such code."""
    texts = _catalogue().get(code)
    return None if texts is None else texts[language]
