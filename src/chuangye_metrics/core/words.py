"""The words people read, in Chinese and English: the catalogues formulas/messages.yaml and labels.yaml, by code.

Light on purpose (PyYAML, no pydantic): the error path of the command line needs it before anything else loads.
"""

from __future__ import annotations

import string
from collections.abc import Iterable
from functools import cache
from typing import Any, Literal

import yaml

from chuangye_metrics.core.errors import ConfigError
from chuangye_metrics.core.resources import formulas_dir

Language = Literal["zh", "en"]
LANGUAGES: tuple[Language, ...] = ("zh", "en")
LANG_VARIABLE = "CHUANGYE_LANG"
"""The environment variable that sets the language of everything shown: ``en`` for English, else Chinese."""
# each catalogue file, the mapping in it and the prefix of its codes: the findings' messages and every other word
# (labels, notes, units), then the command line's help and the option parser's messages, read only when a code of
# theirs is looked up (`chuangye --help` reads help.yaml alone)
CATALOGUES = (
    ("messages.yaml", "messages", ""),
    ("labels.yaml", "labels", ""),
    ("help.yaml", "help", "help."),
    ("usage.yaml", "usage", "usage."),
)
_PREFIXES = tuple(prefix for _, _, prefix in CATALOGUES if prefix)


def placeholders(template: str) -> set[str]:
    """The names of a template's {placeholders}."""
    return {name for _, name, _, _ in string.Formatter().parse(template) if name is not None}


@cache
def _part(prefix: str) -> dict[str, dict[str, str]]:
    """The entries of the catalogue files whose codes have ``prefix`` ("" for messages and labels), checked."""
    # the shipped catalogues, read directly (not through yamlio, whose input limits use these words)
    catalogue: dict[str, dict[str, str]] = {}
    for file, section, own in CATALOGUES:
        if own != prefix:
            continue
        path = formulas_dir() / file
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
        entries = data.get(section) if isinstance(data, dict) else None
        if not isinstance(entries, dict):
            raise ConfigError(f"{path}: no {section} mapping")
        for code, texts in entries.items():
            if not (isinstance(texts, dict) and all(isinstance(texts.get(language), str) for language in LANGUAGES)):
                raise ConfigError(f"{path}: {code!r} needs a zh and an en text")
            # a placeholder one language leaves out on purpose is listed under unused
            unused = set(texts.get("unused") or [])
            if (placeholders(texts["zh"]) ^ placeholders(texts["en"])) - unused:
                raise ConfigError(f"{path}: {code!r} has different placeholders in zh and en")
            if str(code) in catalogue:
                raise ConfigError(f"{path}: {code!r} is given twice")
            if str(code).startswith(prefix or _PREFIXES) != bool(prefix):
                raise ConfigError(f"{path}: {code!r} does not begin as the codes of {file} do ({prefix or '-'})")
            catalogue[str(code)] = {language: texts[language] for language in LANGUAGES}
    return catalogue


def _entries_for(code: str) -> dict[str, dict[str, str]]:
    """The part of the catalogue that holds ``code``, read when first needed."""
    for prefix in _PREFIXES:
        if code.startswith(prefix):
            return _part(prefix)
    return _part("")


def _catalogue() -> dict[str, dict[str, str]]:
    """Every entry of every catalogue file."""
    return {code: texts for _, _, prefix in CATALOGUES for code, texts in _part(prefix).items()}


def register_messages(texts: dict[str, dict[str, str]]) -> None:
    """Add the texts of rules that carry their own message (user rule files): code → {zh: …, en: …}."""
    _part("").update({code: {language: text[language] for language in LANGUAGES} for code, text in texts.items()})


def message_template(code: str, language: Language) -> str:
    """The text of message ``code`` in ``language``, with {placeholders} to fill in."""
    return _entries_for(code)[code][language]


def known_message(code: str, language: Language) -> str | None:
    """The text of message ``code`` in ``language``, or None when the catalogue has no such code."""
    texts = _entries_for(code).get(code)
    return None if texts is None else texts[language]


def text(code: str, language: Language, /, **params: Any) -> str:
    """The words of ``code`` in ``language``, their {placeholders} filled in from ``params``."""
    return _entries_for(code)[code][language].format(**params)


def both(code: str, /, **params: Any) -> dict[str, str]:
    """The words of ``code`` in each language: a parameter of a finding or refusal shown in either."""
    return {language: text(code, language, **params) for language in LANGUAGES}


def both_named(label: Any) -> dict[str, str]:
    """A thing's name in each language, from its ``label(language)``: a parameter shown in either."""
    return {language: label(language) for language in LANGUAGES}


def listed(items: Iterable[object]) -> dict[str, str]:
    """Items joined as each language lists them (2016、2017 / 2016, 2017): a parameter shown in either."""
    texts = [str(item) for item in items]
    return {language: text("sep.list", language).join(texts) for language in LANGUAGES}


def section(prefix: str, language: Language) -> dict[str, str]:
    """Every code under ``prefix.`` (the prefix taken off) with its words in ``language``, in catalogue order."""
    start = prefix + "."
    return {
        code[len(start) :]: texts[language] for code, texts in _entries_for(start).items() if code.startswith(start)
    }
