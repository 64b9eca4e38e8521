"""What only the xlsx XML shows: cells that hold a formula but no saved value."""

from __future__ import annotations

import posixpath
import re
import zipfile
import zlib
from pathlib import Path
from typing import IO
from xml.etree import ElementTree

_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_PACKAGE_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_CELL_REF = re.compile(r"^([A-Z]+)(\d+)$")


def sheet_part(archive: zipfile.ZipFile, sheet_name: str) -> str | None:
    """The archive member holding the worksheet named ``sheet_name``."""
    workbook = ElementTree.fromstring(archive.read("xl/workbook.xml"))
    relation = None
    for sheet in workbook.iter(f"{_MAIN}sheet"):
        if sheet.get("name") == sheet_name:
            relation = sheet.get(f"{_REL}id")
    if relation is None:
        return None
    relations = ElementTree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    for item in relations.iter(f"{_PACKAGE_REL}Relationship"):
        if item.get("Id") == relation:
            target = item.get("Target", "")
            return target.lstrip("/") if target.startswith("/") else posixpath.normpath(f"xl/{target}")
    return None


def formulas_without_value(path: Path, sheet_name: str) -> list[tuple[int, int]]:
    """(Excel row, 0-based column) of every formula cell with no cached value; fast when there are none."""
    try:
        with zipfile.ZipFile(path) as archive:
            part = sheet_part(archive, sheet_name)
            if part is None or not _contains_formula(archive, part):
                return []
            with archive.open(part) as stream:
                return _scan(stream)
    except (zipfile.BadZipFile, KeyError, ElementTree.ParseError, zlib.error, OSError):
        return []


def _contains_formula(archive: zipfile.ZipFile, part: str) -> bool:
    tail = b""
    with archive.open(part) as stream:
        for block in iter(lambda: stream.read(1 << 22), b""):
            chunk = tail + block
            if b"<f>" in chunk or b"<f " in chunk or b"<f/>" in chunk:
                return True
            tail = chunk[-3:]
    return False


def _scan(stream: IO[bytes]) -> list[tuple[int, int]]:
    found: list[tuple[int, int]] = []
    for _, element in ElementTree.iterparse(stream, events=("end",)):
        if element.tag != f"{_MAIN}c":
            continue
        if element.find(f"{_MAIN}f") is not None:
            value = element.find(f"{_MAIN}v")
            inline = element.find(f"{_MAIN}is")
            if (value is None or not (value.text or "").strip()) and inline is None:
                match = _CELL_REF.match(element.get("r", ""))
                if match:
                    found.append((int(match.group(2)), _column_index(match.group(1))))
        element.clear()
    return found


def _column_index(letters: str) -> int:
    index = 0
    for letter in letters:
        index = index * 26 + ord(letter) - ord("A") + 1
    return index - 1
