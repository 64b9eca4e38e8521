"""Normalisation of header and label text as people type it into spreadsheets."""

from __future__ import annotations

import re
import unicodedata

_UNIT_SUFFIX = re.compile(r"\((?:人|个|户|家|名|人次|万元|元|年|%|‰|单位:?[^()]*)\)$")
_SPACE = re.compile(r"\s+")


def normalise_label(text: object) -> str:
    """Fold width, drop white space and line breaks, drop a trailing unit such as （人）."""
    if text is None:
        return ""
    folded = unicodedata.normalize("NFKC", str(text))
    folded = _SPACE.sub("", folded)
    previous = None
    while previous != folded:
        previous = folded
        folded = _UNIT_SUFFIX.sub("", folded)
    return folded
