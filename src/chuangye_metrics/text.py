"""Normalisation of header and label text as people type it into spreadsheets."""

from __future__ import annotations

import re
import unicodedata
from functools import cache
from typing import Any

_UNIT_SUFFIX = re.compile(r"\((?:人|个|户|家|名|人次|万元|元|年|%|‰|单位:?[^()]*)\)$")
_SPACE = re.compile(r"\s+")


@cache
def _converter() -> Any:
    import opencc

    return opencc.OpenCC("t2s")


@cache
def to_simplified(text: str) -> str:
    """Traditional characters to simplified ones (勞動年齡人口數 -> 劳动年龄人口数)."""
    if text.isascii():
        return text
    return str(_converter().convert(text))


@cache
def normalise_label(text: object) -> str:
    """Fold width and traditional characters, drop white space and line breaks and a trailing unit such as （人）."""
    if text is None:
        return ""
    folded = to_simplified(_SPACE.sub("", unicodedata.normalize("NFKC", str(text))))
    previous = None
    while previous != folded:
        previous = folded
        folded = _UNIT_SUFFIX.sub("", folded)
    return folded
