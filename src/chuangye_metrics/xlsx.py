"""What only the xlsx XML shows: cells that hold a formula but no saved value, logical cells, the head."""

from __future__ import annotations

import posixpath
import re
import zipfile
import zlib
from dataclasses import dataclass
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


@dataclass(frozen=True)
class SheetScan:
    """What a pass over a sheet's XML found beside the bulk read."""

    formulas_without_value: list[tuple[int, int]]
    """(Excel row, 0-based column) of every formula cell with no cached value"""
    has_booleans: bool
    """whether a cell is a logical value (t="b"); True when that cannot be told"""


def scan_sheet(path: Path, sheet_name: str) -> SheetScan:
    """One streamed pass over the sheet's XML for formulas without a value and logical cells; fast when the sheet
    has neither formulas nor logical cells, which it tells from the bytes without parsing them."""
    try:
        with zipfile.ZipFile(path) as archive:
            part = sheet_part(archive, sheet_name)
            if part is None:
                return SheetScan([], has_booleans=True)
            has_formula, has_booleans = _markers(archive, part)
            if not has_formula:
                return SheetScan([], has_booleans)
            with archive.open(part) as stream:
                return SheetScan(_scan(stream), has_booleans)
    except (zipfile.BadZipFile, KeyError, ElementTree.ParseError, zlib.error, OSError):
        return SheetScan([], has_booleans=True)


_FORMULA_MARKERS = (b"<f>", b"<f ", b"<f/>")
_BOOLEAN_MARKERS = (b't="b"', b"t='b'")


def _markers(archive: zipfile.ZipFile, part: str) -> tuple[bool, bool]:
    """Whether the part's bytes hold a formula element, and a logical cell; read no further than both are seen."""
    has_formula = has_boolean = False
    tail = b""
    with archive.open(part) as stream:
        for block in iter(lambda: stream.read(1 << 22), b""):
            chunk = tail + block
            has_formula = has_formula or any(marker in chunk for marker in _FORMULA_MARKERS)
            has_boolean = has_boolean or any(marker in chunk for marker in _BOOLEAN_MARKERS)
            if has_formula and has_boolean:
                break
            tail = chunk[-5:]
    return has_formula, has_boolean


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


_DATE_FORMAT_IDS = {14, 15, 16, 17, 18, 19, 20, 21, 22, 45, 46, 47}
_DATE_CODE = re.compile(r"[dmyhs]", re.IGNORECASE)
_QUOTED = re.compile(r'"[^"]*"|\[[^\]]*\]|\\.')


class _Unusual(Exception):
    """A head the streaming reader does not render as the bulk reader would: leave it to the bulk reader."""


def sheet_head(path: Path, sheet_name: str, rows: int) -> list[list[str | None]] | None:
    """The first ``rows`` rows of an .xlsx sheet as text (row 0 is Excel row 1), streamed from the sheet XML.

    Reads only as far into the sheet and its shared strings as the head needs. Returns None for anything it
    does not render exactly as fastexcel's text read would (dates, errors, odd parts), so the caller falls
    back to that read.
    """
    try:
        with zipfile.ZipFile(path) as archive:
            part = sheet_part(archive, sheet_name)
            if part is None:
                return None
            with archive.open(part) as stream:
                cells = _head_cells(stream, rows)
            _refuse_beyond_the_grid(path, sheet_name, cells)
            date_styles = (
                _date_styles(archive) if any(kind == "n" and style for _, _, kind, style, _ in cells) else set()
            )
            needed = {int(text) for _, _, kind, _, text in cells if kind == "s"}
            shared = _shared_strings(archive, max(needed)) if needed else []
    except (
        _Unusual,
        zipfile.BadZipFile,
        KeyError,
        ValueError,
        IndexError,
        ElementTree.ParseError,
        zlib.error,
        OSError,
    ):
        return None
    height = max((row for row, *_ in cells), default=-1) + 1
    width = max((column for _, column, *_ in cells), default=-1) + 1
    head: list[list[str | None]] = [[None] * width for _ in range(height)]
    for row, column, kind, style, text in cells:
        if kind == "s":
            value: str | None = shared[int(text)]
        elif kind == "n":
            if style in date_styles:
                return None
            value = _number_text(text)
        else:
            value = text
        head[row][column] = value
    return head


def _refuse_beyond_the_grid(path: Path, sheet_name: str, cells: list[tuple[int, int, str, int, str]]) -> None:
    """A head cell beyond Excel's last column (XFD) is no return's: refused before a head that wide is built."""
    from chuangye_metrics.findings import excel_column
    from chuangye_metrics.guard import MAX_COLUMNS, MAX_ROWS, RefusedInput

    far = max(cells, key=lambda cell: cell[1], default=None)
    if far is not None and far[1] >= MAX_COLUMNS:
        raise RefusedInput(
            "refused-cell-beyond-sheet",
            path=path,
            sheet=sheet_name,
            cell=f"{excel_column(far[1])}{far[0] + 1}",
            rows=f"{MAX_ROWS:,}",
            columns=f"{MAX_COLUMNS:,}",
        )


def _head_cells(stream: IO[bytes], rows: int) -> list[tuple[int, int, str, int, str]]:
    """(row, column, kind, style, text) of every cell with a value in the first ``rows`` rows."""
    cells: list[tuple[int, int, str, int, str]] = []
    next_row = 0
    for _, element in ElementTree.iterparse(stream, events=("end",)):
        if element.tag == f"{_MAIN}row":
            reference = element.get("r")
            row = int(reference) - 1 if reference else next_row
            next_row = row + 1
            if row >= rows:
                break
            next_column = 0
            for cell in element.iter(f"{_MAIN}c"):
                match = _CELL_REF.match(cell.get("r", ""))
                column = _column_index(match.group(1)) if match else next_column
                next_column = column + 1
                kind = cell.get("t", "n")
                style = int(cell.get("s", "0"))
                if kind == "inlineStr":
                    inline = cell.find(f"{_MAIN}is")
                    text = _rich_text(inline) if inline is not None else ""
                    if text:
                        cells.append((row, column, "str", style, text))
                    continue
                value = cell.find(f"{_MAIN}v")
                if value is None or value.text is None:
                    continue
                if kind in ("e", "d"):
                    raise _Unusual(kind)
                if kind == "b":
                    cells.append((row, column, "str", style, "true" if value.text.strip() == "1" else "false"))
                elif kind in ("s", "n", "str"):
                    cells.append((row, column, kind, style, value.text))
                else:
                    raise _Unusual(kind)
            element.clear()
    return cells


def _rich_text(element: ElementTree.Element) -> str:
    """The text of a string item: its <t>, or its runs' <t>s; phonetic runs (<rPh>) left out."""
    direct = element.find(f"{_MAIN}t")
    if direct is not None:
        return direct.text or ""
    return "".join(run.findtext(f"{_MAIN}t") or "" for run in element.findall(f"{_MAIN}r"))


def _shared_strings(archive: zipfile.ZipFile, last: int) -> list[str]:
    """The shared strings up to index ``last``, read no further than that."""
    strings: list[str] = []
    with archive.open("xl/sharedStrings.xml") as stream:
        for _, element in ElementTree.iterparse(stream, events=("end",)):
            if element.tag == f"{_MAIN}si":
                strings.append(_rich_text(element))
                element.clear()
                if len(strings) > last:
                    break
    if len(strings) <= last:
        raise _Unusual("shared string missing")
    return strings


def _date_styles(archive: zipfile.ZipFile) -> set[int]:
    """Indexes of the cell formats that show numbers as dates or times."""
    try:
        styles = ElementTree.fromstring(archive.read("xl/styles.xml"))
    except KeyError:
        return set()
    custom = {int(item.get("numFmtId", "0")): item.get("formatCode", "") for item in styles.iter(f"{_MAIN}numFmt")}
    formats = styles.find(f"{_MAIN}cellXfs")
    dated: set[int] = set()
    for index, format_ in enumerate(formats.findall(f"{_MAIN}xf") if formats is not None else []):
        number_format = int(format_.get("numFmtId", "0"))
        code = _QUOTED.sub("", custom.get(number_format, ""))
        if number_format in _DATE_FORMAT_IDS or _DATE_CODE.search(code):
            dated.add(index)
    return dated


def _number_text(text: str) -> str:
    """A number cell as fastexcel's text read writes it: whole numbers without a decimal point."""
    number = float(text)
    if number.is_integer() and abs(number) < 1e15:
        return str(int(number))
    return repr(number)
