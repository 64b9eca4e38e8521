"""What only the xlsx XML shows: cells that hold a formula but no saved value, logical cells, the head."""

from __future__ import annotations

import posixpath
import re
import zipfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any
from xml.etree import ElementTree

from chuangye_metrics.core.findings import column_index, excel_column
from chuangye_metrics.core.guard import MAX_COLUMNS, MAX_ROWS, RefusedInput

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
    extent: SheetExtent | None = None
    """how far the sheet's cells reach (None when the pass could not tell)"""


_ANY_REFERENCE = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?(c|row)\b([^>]*)>")
_REFERENCE_ATTRIBUTE = re.compile(rb'\sr="([A-Z]{0,12})([0-9]{0,12})"')


class SheetExtent:
    """The rows and columns a sheet's cells with a value span, from its XML bytes as they stream by.

    The reader under fastexcel (calamine) holds a sheet as a dense grid from its first to its last cell with a
    value, about 40 bytes a cell: two cells, in A1 and XFD1048576, make a 600-byte file that asks for 550 GB.
    Every ``r="…"`` reference is read with array operations (numpy), at about the speed of inflating the XML;
    a chunk whose cells or rows are written otherwise (the reference after another attribute, none at all, a
    namespace prefix) is read element by element. Self-closing cells and rows (a style or a height kept, no
    value) are left out, as the reader leaves them out of its grid.
    """

    def __init__(self) -> None:
        self.first_row = 0
        self.last_row = 0
        self.first_column = 0
        self.last_column = 0
        self.next_row = 1
        self.digits = 0
        """the most digits of a row number so far"""
        self.beyond = False
        self.complete = False
        """whether the whole part has been measured"""

    @property
    def rows(self) -> int:
        return self.last_row - self.first_row + 1 if self.last_row else 0

    @property
    def columns(self) -> int:
        return self.last_column - self.first_column + 1 if self.last_column else 0

    @property
    def cells(self) -> int:
        return self.rows * self.columns

    def update(self, chunk: bytes) -> None:
        if not self._measure_references(chunk):
            self.measure_each(chunk)

    def update_roughly(self, chunk: bytes) -> None:
        """Measure the chunk exactly only when it may widen the grid: a reference of two letters or more, or a
        number with more digits than any so far; else take its last row, and at most 26 columns. Six times
        cheaper, for the measure beside the read of a large sheet (a row out of order among others of as many
        digits, or a cell without a reference, passes it)."""
        shapes = chunk.translate(_SHAPES)
        if b'r="AA' in shapes or b"9" * (self.digits + 1) + b'"' in shapes:
            self.update(chunk)
            return
        at = chunk.rfind(b'<row r="')
        if at >= 0:
            number = chunk[at + 8 : chunk.find(b'"', at + 8)]
            if number.isdigit():
                self._rows(int(number), int(number))
        if b'<c r="' in chunk:
            self._columns(1, 26)

    def _measure_references(self, chunk: bytes) -> bool:
        """Every ``<c r="…`` and ``<row r="…`` of the chunk read at once; False, having read nothing, when some cell
        or row is written otherwise."""
        import numpy as np

        if b":c " in chunk or b":row " in chunk or b":c>" in chunk or b":row>" in chunk:
            return False  # a namespace prefix (<x:c …>), or text that looks like one: read element by element
        data = np.frombuffer(chunk + bytes(16), dtype=np.uint8)
        tags = np.flatnonzero(data[: len(chunk)] == 0x3C)  # "<"
        first = data[tags + 1]
        tags = tags[(first == 0x63) | (first == 0x72)]  # "<c…" or "<r…"
        if not len(tags):
            return True
        after = data[tags[:, None] + np.arange(1, 9)]
        ends_name = np.isin(after, _NAME_ENDS)
        cell = (after[:, 0] == 0x63) & ends_name[:, 1]
        row = (after[:, 0] == 0x72) & (after[:, 1] == 0x6F) & (after[:, 2] == 0x77) & ends_name[:, 3]
        cell_referenced = cell & (after[:, 1:5] == _CELL_REFERENCE).all(axis=1)
        row_referenced = row & (after[:, 3:7] == _CELL_REFERENCE).all(axis=1)
        if (cell != cell_referenced).any() or (row != row_referenced).any():
            return False
        # a self-closing cell or row (``…/>`` right before the next element) holds no value
        following = np.flatnonzero(data[: len(chunk) + 2] == 0x3C)
        following = np.append(following, len(chunk) + 2)
        next_tag = following[np.searchsorted(following, tags, side="right")]
        closed = (data[next_tag - 1] == 0x3E) & (data[next_tag - 2] == 0x2F)
        row_at = tags[row_referenced & ~closed] + 8
        cell_at = tags[cell_referenced & ~closed] + 6
        if len(row_at):
            numbers, _ = _numbers(data, row_at)
            self._rows(int(numbers.min()), int(numbers.max()))
            self.next_row = max(self.next_row, int(numbers.max()) + 1)
        if len(cell_at):
            columns, letters = _letters(data, cell_at)
            if (letters == 0).any():
                return False
            numbers, digits = _numbers(data, cell_at + letters)
            self.beyond = self.beyond or bool((letters > 3).any() or (digits > 7).any())
            self._columns(int(columns.min()), int(columns.max()))
            self._rows(int(numbers.min()), int(numbers.max()))
        return True

    def measure_each(self, chunk: bytes) -> None:
        """Every row and cell of the chunk read in turn: a cell without a reference follows the one before it,
        a row without a number the row before it."""
        row = self.next_row - 1
        column = 0
        for match in _ANY_REFERENCE.finditer(chunk):
            kind, attributes = match.groups()
            reference = _REFERENCE_ATTRIBUTE.search(attributes)
            letters, number = reference.groups() if reference else (b"", b"")
            if kind == b"row":
                row = int(number) if number else row + 1
                column = 0
                self.next_row = max(self.next_row, row + 1)
                continue
            column = column_index(letters.decode()) + 1 if letters else column + 1
            if len(letters) > 3:
                self.beyond = True
            if attributes.endswith(b"/"):
                continue  # no value
            cell_row = int(number) if number else row
            self._rows(cell_row, cell_row)
            self._columns(column, column)

    def _rows(self, first: int, last: int) -> None:
        self.digits = max(self.digits, len(str(last)))
        self.first_row = first if not self.last_row else min(self.first_row, first)
        self.last_row = max(self.last_row, last)

    def _columns(self, first: int, last: int) -> None:
        self.first_column = first if not self.last_column else min(self.first_column, first)
        self.last_column = max(self.last_column, last)


_SHAPES = bytes.maketrans(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", b"A" * 26 + b"9" * 10)
"""capitals to A and digits to 9: the shape of every reference, for byte searches"""
_NAME_ENDS = (0x20, 0x3E, 0x2F, 0x09, 0x0A, 0x0D)
"""what may follow an element's name: a space, ">", "/>", a tab or a line break"""
_CELL_REFERENCE = (0x20, 0x72, 0x3D, 0x22)
""" r=\""""


def _letters(data: Any, at: Any) -> tuple[Any, Any]:
    """The column numbers (A = 1) of the references starting at ``at``, and how many letters each has (up to 4)."""
    import numpy as np

    window = data[at[:, None] + np.arange(4)] - np.uint8(0x41)  # "A" = 0, and anything not a capital above 25
    capital = np.cumprod(window < 26, axis=1, dtype=np.uint8).astype(bool)
    letters = capital.sum(axis=1)
    column = np.zeros(len(at), dtype=np.int64)
    for offset in range(4):
        column = np.where(capital[:, offset], column * 26 + window[:, offset] + 1, column)
    return column, letters


def _numbers(data: Any, at: Any) -> tuple[Any, Any]:
    """The numbers written from ``at`` (read to eight digits), and how many digits each has."""
    import numpy as np

    window = data[at[:, None] + np.arange(8)] - np.uint8(0x30)
    digit = np.cumprod(window < 10, axis=1, dtype=np.uint8).astype(bool)
    digits = digit.sum(axis=1)
    number = np.zeros(len(at), dtype=np.int64)
    for offset in range(8):
        number = np.where(digit[:, offset], number * 10 + window[:, offset], number)
    return number, digits


def sheet_part_size(path: Path, sheet_name: str) -> int | None:
    """The inflated size the archive declares for the sheet's XML (None when it cannot be told)."""
    try:
        with zipfile.ZipFile(path) as archive:
            part = sheet_part(archive, sheet_name)
            return None if part is None else archive.getinfo(part).file_size
    except (zipfile.BadZipFile, KeyError, ElementTree.ParseError, OSError, ValueError):
        return None


def scan_sheet(
    path: Path, sheet_name: str, watch: Callable[[SheetExtent], None] | None = None, *, roughly: bool = False
) -> SheetScan:
    """One streamed pass over the sheet's XML for formulas without a value, logical cells and, with ``watch``,
    its extent (exactly, or ``roughly``: see ``SheetExtent.update_roughly``); a second pass, parsing the XML, only
    when it holds a formula. ``watch`` is shown the extent after each chunk and may stop the pass by raising."""
    try:
        with zipfile.ZipFile(path) as archive:
            part = sheet_part(archive, sheet_name)
            if part is None:
                return SheetScan([], has_booleans=True)
            has_formula, has_booleans, extent = _first_pass(archive, part, watch, roughly)
            if not has_formula:
                return SheetScan([], has_booleans, extent)
            with archive.open(part) as stream:
                return SheetScan(_scan(stream), has_booleans, extent)
    except (zipfile.BadZipFile, KeyError, ElementTree.ParseError, zlib.error, OSError):
        return SheetScan([], has_booleans=True)


_FORMULA_MARKERS = (b"<f>", b"<f ", b"<f/>")
_BOOLEAN_MARKERS = (b't="b"', b"t='b'")


def _first_pass(
    archive: zipfile.ZipFile, part: str, watch: Callable[[SheetExtent], None] | None, roughly: bool
) -> tuple[bool, bool, SheetExtent | None]:
    """Whether the part's bytes hold a formula element and a logical cell, and (with ``watch``) how far its cells
    reach."""
    has_formula = has_boolean = False
    extent = SheetExtent() if watch is not None else None
    for chunk in _chunks(archive, part):
        has_formula = has_formula or (b"<f" in chunk and any(marker in chunk for marker in _FORMULA_MARKERS))
        has_boolean = has_boolean or (b"t=" in chunk and any(marker in chunk for marker in _BOOLEAN_MARKERS))
        if extent is not None and watch is not None:
            if roughly:
                extent.update_roughly(chunk)
            else:
                extent.update(chunk)
            watch(extent)
    if extent is not None and watch is not None:
        extent.complete = True
        watch(extent)
    return has_formula, has_boolean, extent


def _chunks(archive: zipfile.ZipFile, part: str) -> Iterator[bytes]:
    """The part's bytes in chunks of about 4 MB, each ending before an element, so that none is cut in two."""
    tail = b""
    with archive.open(part) as stream:
        for block in iter(lambda: stream.read(1 << 22), b""):
            chunk = tail + block
            cut = chunk.rfind(b"<")
            if cut > 0:
                yield chunk[:cut]
                tail = chunk[cut:]
            elif cut == 0 and len(chunk) < 1 << 24:
                tail = chunk  # one element so far: wait for its end
            else:  # no element starts here, or one 16 MB long: nothing to measure in it
                yield chunk
                tail = b""
    if tail:
        yield tail


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
                    found.append((int(match.group(2)), column_index(match.group(1))))
        element.clear()
    return found


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
                column = column_index(match.group(1)) if match else next_column
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
