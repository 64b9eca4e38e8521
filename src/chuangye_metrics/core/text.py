"""Text helpers: header and label text folded as people type it into spreadsheets; text made safe to show on a
terminal and to write to CSV."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from functools import cache
from typing import Any

from rich.cells import cell_len

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


# --- text shown on a terminal ---------------------------------------------------------------------------------

# Characters a terminal acts on instead of showing: C0 controls (ESC starts escape sequences, BEL rings, CR and
# LF move the cursor), DEL, C1 controls (CSI is a one-character ESC [), the line and paragraph separators, and the
# bidirectional marks, embeddings, overrides and isolates that reorder the text around them.
_INVISIBLE = [
    *range(0x00, 0x20),
    *range(0x7F, 0xA0),
    0x061C,
    0x200E,
    0x200F,
    0x2028,
    0x2029,
    *range(0x202A, 0x202F),
    *range(0x2066, 0x206A),
]
_NAMED = {0x09: "\\t", 0x0A: "\\n", 0x0D: "\\r"}
_ESCAPES = {code: _NAMED.get(code, f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}") for code in _INVISIBLE}


def printable(text: str) -> str:
    """Text as it may be shown on a terminal: each control character, line break and bidirectional control
    written out as an escape (``\\x1b``, ``\\n``, ``\\u202e``), so that text from a return can neither send escape
    sequences to the terminal nor split or reorder a table's line. Everything else is left as it is."""
    # every character escaped is one str.isprintable() rejects (Cc, Cf, Zl, Zp): most text is returned at once
    return text if text.isprintable() else text.translate(_ESCAPES)


# --- text written to CSV ----------------------------------------------------------------------------------------

# A spreadsheet reads a cell starting with one of these as a formula (OWASP, "CSV injection"): such a text cell
# is written with a leading ' that Excel, WPS and LibreOffice take as "text", and do not show. Numbers are not text
# and are never touched; JSON keeps the exact text.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
FORMULA_START_PATTERN = "^[=+\\-@\t\r]"  # the same, as a regular expression for Arrow's column-wise writers
CSV_QUOTED_PATTERN = '[",\r\n]'  # a cell holding one of these is quoted, its quotes doubled


def defused(text: str) -> str:
    """A CSV text cell that no spreadsheet reads as a formula: ``'`` before a leading = + - @ tab or CR."""
    return "'" + text if text.startswith(FORMULA_START) else text


def csv_line(cells: Iterable[object]) -> str:
    """One CSV line, as Python's csv module writes it with "\\n" line ends (QUOTE_MINIMAL), except that a cell
    with a carriage return is quoted too, so that no reader splits the row there. Text cells are to be
    ``defused`` by the caller, which knows which cells are text."""
    return ",".join(_csv_cell(cell) for cell in cells) + "\n"


_QUOTED = re.compile(CSV_QUOTED_PATTERN)


def _csv_cell(cell: object) -> str:
    text = cell if isinstance(cell, str) else "" if cell is None else str(cell)
    return '"' + text.replace('"', '""') + '"' if _QUOTED.search(text) else text


CLOSING = set("，。、；：？！）》」』】〕,.;:?!)]%")
"""Marks that never begin a line: they stay with the character before them."""
_TOKENS = re.compile(r"[!-~]+|\s+|.", re.S)


def wrapped(text: str, width: int) -> str:
    """A paragraph broken into lines of at most ``width`` columns: between any two Chinese characters, at the
    spaces between words of other scripts, never before a closing mark; a word longer than a line is cut."""
    lines: list[str] = []
    line = ""
    for token in _TOKENS.findall(text):
        if token.isspace():
            line += " " if line else ""
            continue
        if cell_len(line) + cell_len(token) > width and line.strip():
            carried, line = "", line.rstrip()
            # a closing mark takes the character before it along (and any marks between)
            while (carried or token)[0] in CLOSING and line and cell_len(line[-1] + carried + token) <= width:
                line, carried = line[:-1], line[-1] + carried
            if line.strip():
                lines.append(line.rstrip())
            line = carried
        while cell_len(line + token) > width:  # a word wider than a line
            cut = width - cell_len(line)
            lines.append(line + token[:cut])
            line, token = "", token[cut:]
        line += token
    if line.strip():
        lines.append(line.rstrip())
    return "\n".join(lines)
