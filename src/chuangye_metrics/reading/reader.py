"""Read a return (xlsx, xlsm, xls, ods, csv) into a table of canonical fields with Excel row numbers."""

from __future__ import annotations

import csv
import hashlib
import io
import re
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from chuangye_metrics.config.catalog import Catalog
from chuangye_metrics.core import words
from chuangye_metrics.core.findings import Finding, FindingBudget, Severity, excel_column
from chuangye_metrics.core.guard import (
    SYNC_SCAN_BYTES,
    RefusedInput,
    RefusedUsage,
    check_workbook,
    decode_csv,
    refuse_sheet_extent,
    require_regular_file,
    rust_quiet,
    stop_on_sheet_extent,
    widest_row,
)
from chuangye_metrics.core.progress import stage
from chuangye_metrics.core.text import normalise_label
from chuangye_metrics.reading.layout import Layout, find_layout
from chuangye_metrics.reading.xlsx import SheetExtent, SheetScan, scan_sheet, sheet_head, sheet_part_size

if TYPE_CHECKING:
    from concurrent.futures import Future

    import numpy as np
    import pandas as pd
    import pyarrow as pa

EXCEL_SUFFIXES = {".xlsx", ".xlsm", ".xls", ".ods", ".xlsb"}
CSV_SUFFIXES = {".csv", ".txt"}
HEAD_ROWS = 40
ROW = "_row"
_FOOTER = re.compile(
    r"^(单位负责人|统计负责人|填表人|制表人|审核人|负责人|报出日期|填报日期|联系电话|填表说明|说明|注)[:：]?"
)
_HINT = r"计|計|负|負|填|报|報|日期|电话|電話|说明|說明|注|註"
LABEL_FIELDS = ("unit_code", "unit_name", "level", "parent_code")  # the cells a footer or 合计 row is told by
HINTED = "_hinted"
_TOTAL = re.compile(r"^(全[省市县区镇乡]|本[市县区])?(合计|总计|总合计)$")
NOT_APPLICABLE = {"-", "—", "–", "——", "--", "/", "…", "……", "...", "......", "－", "─"}  # "..." is "…" after NFKC


@dataclass(frozen=True)
class Column:
    """Where a field's values come from in the sheet."""

    field: str
    index: int
    header: str

    @property
    def letter(self) -> str:
        return excel_column(self.index)


@dataclass
class ReturnTable:
    """The canonical table of a return, before validation."""

    path: Path
    sheet: str | None
    sha256: str
    frame: pd.DataFrame
    columns: dict[str, Column]
    findings: list[Finding] = field(default_factory=list)
    totals: pd.DataFrame | None = None
    title_year: int | None = None
    header_row: int | None = None


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def read_return(
    path: Path, catalog: Catalog, sheet: str | None = None, mapping: dict[str, str] | None = None
) -> ReturnTable:
    """Find the data sheet, its header block and first data row, then read every row into canonical fields.

    ``mapping`` maps header texts to field ids, ahead of the names and aliases in formulas/.
    """

    stage("read")
    if not path.exists():
        raise RefusedUsage("input-missing", path=path)
    if path.is_dir():
        raise RefusedUsage("input-is-folder", path=path)

    if require_regular_file(path).st_size == 0:  # a named pipe or /dev/zero would be read for ever
        raise RefusedInput("input-empty", path=path)
    lookup = {**catalog.header_lookup, **{normalise_label(text): name for text, name in (mapping or {}).items()}}
    suffix = path.suffix.lower()
    source: _Source = _CsvSource(path) if suffix in CSV_SUFFIXES else _ExcelSource(path)
    sheet_name, _head, layout = _choose_sheet(source, lookup, sheet)
    label = sheet_name if isinstance(source, _ExcelSource) else None
    if layout is None:
        empty = _empty_frame()
        return ReturnTable(path=path, sheet=label, sha256=file_sha256(path), frame=empty, columns={})
    columns = {cell.field: Column(field=cell.field, index=cell.index, header=cell.text) for cell in layout.columns}
    findings = _header_findings(layout, columns, label, catalog)
    source.start_sheet_scan(sheet_name)
    hashed = work_beside_the_read(path)
    frame, cell_findings = source.read_body(sheet_name, layout.first_data_row, columns, catalog)
    frame, totals = _split_rows(frame, columns)
    findings += cell_findings
    findings += source.formula_findings(sheet_name, layout.first_data_row, columns, label)
    return ReturnTable(
        path=path,
        sheet=label,
        sha256=hashed.result(),
        frame=frame,
        columns=columns,
        findings=findings,
        totals=totals,
        title_year=layout.title_year,
        header_row=layout.header_bottom + 1,
    )


def work_beside_the_read(path: Path) -> Future[str]:
    """While the read, which lets go of the GIL, parses the sheet: a thread of its own imports the modules the
    next steps need and hashes the file (the file's SHA-256, when done)."""
    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="beside-the-read")
    hashed = pool.submit(_beside_the_read, path, path.stat().st_size > LARGE_FILE_BYTES)
    pool.shutdown(wait=False)
    return hashed


LARGE_FILE_BYTES = 4 << 20
"""A file this large is read for seconds: time enough to import the writers' modules beside it as well."""


def _beside_the_read(path: Path, large: bool) -> str:
    import pandas  # noqa: F401

    if large:
        import polars  # noqa: F401
        import pyarrow.compute  # noqa: F401
    return file_sha256(path)


class _Source:
    """A file with one or more sheets of cells."""

    path: Path

    def sheet_names(self) -> list[str]:
        raise NotImplementedError

    def head(self, sheet: str) -> list[list[str | None]]:
        """The first rows as text; row i is Excel row i + 1, cell j is column j (A = 0)."""
        raise NotImplementedError

    def read_body(
        self, sheet: str, first_row: int, columns: dict[str, Column], catalog: Catalog
    ) -> tuple[pd.DataFrame, list[Finding]]:
        """Rows from 0-based ``first_row`` on, one column per field, with the Excel row in ROW."""
        raise NotImplementedError

    def start_sheet_scan(self, sheet: str) -> None:
        """Begin the pass over the sheet's own XML (formulas without values, logical cells), if the format has one,
        beside the read of the body."""

    def formula_findings(
        self, sheet: str, first_row: int, columns: dict[str, Column], label: str | None
    ) -> list[Finding]:
        """Cells holding a formula with no saved value (never opened in Excel or WPS)."""
        return []


class _ExcelSource(_Source):
    def __init__(self, path: Path) -> None:
        import fastexcel

        self.path = path
        self._scans: dict[str, Future[SheetScan] | SheetScan] = {}
        self._read = threading.Event()  # set when fastexcel has read the body: its grid is then built
        check_workbook(path)  # a zip bomb is refused from its central directory, before anything inflates it
        try:
            with rust_quiet():  # a Rust panic's own report kept off stderr: the error below says it in one line
                self.reader = fastexcel.read_excel(path)
        except (KeyboardInterrupt, SystemExit, GeneratorExit):
            raise
        except BaseException as error:  # fastexcel's own classes for every kind of bad file, and Rust panics
            raise RefusedInput("input-unreadable", path=path, detail=_first_line(error)) from error

    def sheet_names(self) -> list[str]:
        return list(self.reader.sheet_names)

    def head(self, sheet: str) -> list[list[str | None]]:
        if self.path.suffix.lower() in (".xlsx", ".xlsm"):
            # streamed from the XML: parsing the whole sheet to look at its first rows costs as much as the body
            streamed = sheet_head(self.path, sheet, HEAD_ROWS)
            if streamed is not None:
                return streamed
        return self.parsed_head(sheet)

    def parsed_head(self, sheet: str) -> list[list[str | None]]:
        """The first rows as fastexcel reads them (it parses the whole sheet to do so)."""
        if self.path.suffix.lower() in (".xlsx", ".xlsm"):
            self.sheet_scan(sheet)  # the sheet's extent measured before fastexcel holds its grid
        try:
            with rust_quiet():
                loaded = self.reader.load_sheet(sheet, header_row=None, skip_rows=0, n_rows=HEAD_ROWS, dtypes="string")
        except Exception as error:
            raise RefusedInput("sheet-unreadable", path=self.path, sheet=sheet, detail=_first_line(error)) from error
        table = loaded.to_arrow()
        width = max((info.absolute_index for info in loaded.available_columns()), default=-1) + 1
        rows: list[list[str | None]] = [[None] * width for _ in range(table.num_rows)]
        for info, values in zip(loaded.available_columns(), table.columns, strict=True):
            for row_index, value in enumerate(values.to_pylist()):
                rows[row_index][info.absolute_index] = value
        return rows

    def read_body(
        self, sheet: str, first_row: int, columns: dict[str, Column], catalog: Catalog
    ) -> tuple[pd.DataFrame, list[Finding]]:
        numeric = [name for name in columns if catalog.is_number(name)]
        dtypes: dict[str | int, Any] = {
            column.index: ("float" if name in numeric else "string") for name, column in columns.items()
        }
        indexes = sorted(column.index for column in columns.values())
        with rust_quiet():
            loaded = self.reader.load_sheet(
                sheet, header_row=None, skip_rows=first_row, use_columns=indexes, dtypes=dtypes
            )
            batch, cell_errors = loaded.to_arrow_with_errors()
        import pandas as pd  # imported by now, beside the load: see work_beside_the_read

        # columns are matched by their absolute index (A = 0), never by their place among the selected ones
        by_index = {
            info.absolute_index: values for info, values in zip(loaded.selected_columns, batch.columns, strict=True)
        }
        frame = pd.DataFrame({name: by_index[column.index].to_pandas() for name, column in columns.items()})
        frame[ROW] = range(first_row + 1, first_row + 1 + len(frame))
        # a cell error's column counts from the first column of the sheet's used range, as ``info.index`` does
        name_of = {column.index: name for name, column in columns.items()}
        name_at = {info.index: name_of[info.absolute_index] for info in loaded.selected_columns}
        refused: dict[str, dict[int, str]] = {name: {} for name in columns}
        for error in cell_errors.errors if cell_errors is not None else []:
            position, index = error.offset_position
            name = name_at.get(index)
            if name is not None and position < len(frame):
                refused[name][int(position)] = _refusal_kind(error.detail)
        for name in numeric:
            for position in _nan_positions(by_index[columns[name].index]):
                refused[name].setdefault(position, "text")  # "NaN" or "inf", which the numeric read takes as numbers
        may_hold_booleans = self.may_hold_booleans(sheet)
        wanted = [name for name in columns if any(kind != "error" for kind in refused[name].values())]
        if may_hold_booleans:
            wanted = sorted({*wanted, *numeric}, key=list(columns).index)
        texts = self._texts(sheet, first_row, [columns[name] for name in wanted], len(frame))
        findings: list[Finding] = []
        budget = FindingBudget()
        self._read.set()
        for name, column in columns.items():
            problems = refused[name]
            text = texts.get(name)
            if name in numeric and may_hold_booleans and text is not None:
                for position in _boolean_positions(frame[name], text, problems):
                    problems[position] = "boolean"
            if problems:
                findings += _repair_cells(frame, name, column, sheet, first_row, problems, text, catalog, budget)
        return _finish(frame, columns, catalog), findings + budget.summaries()

    def may_hold_booleans(self, sheet: str) -> bool:
        """Whether a cell of the sheet may be a logical value (which the numeric read takes as 1 or 0)."""
        if self.path.suffix.lower() in (".xlsx", ".xlsm"):
            return self.sheet_scan(sheet).has_booleans
        return True

    def sheet_scan(self, sheet: str) -> SheetScan:
        """The pass over the sheet's XML made before the read or begun beside it (or made now, when neither was)."""
        scan = self._scans.get(sheet)
        if scan is None:
            scan = self._scans[sheet] = self._scan_now(sheet)
        return scan if isinstance(scan, SheetScan) else scan.result()

    def _scan_now(self, sheet: str) -> SheetScan:
        """The pass over the sheet's XML, made before anything reads the sheet: a sheet whose cells span a grid
        too large to hold is refused here."""

        return scan_sheet(self.path, sheet, refuse_sheet_extent(self.path, sheet))

    def _texts(self, sheet: str, first_row: int, wanted: list[Column], height: int) -> dict[str, pd.Series]:
        """The cells of some columns as text (None where blank or an error value), row for row with the body."""
        import pandas as pd

        if not wanted:
            return {}
        with rust_quiet():
            loaded = self.reader.load_sheet(
                sheet,
                header_row=None,
                skip_rows=first_row,
                use_columns=sorted(column.index for column in wanted),
                dtypes="string",
            )
            batch, _errors = loaded.to_arrow_with_errors()
        by_index = {
            info.absolute_index: values for info, values in zip(loaded.selected_columns, batch.columns, strict=True)
        }
        texts = {}
        for column in wanted:
            values = pd.Series(by_index[column.index].to_pylist(), dtype=object)
            texts[column.field] = values.reindex(range(height))  # a shorter read is blank below its end
        return texts

    def start_sheet_scan(self, sheet: str) -> None:
        if self.path.suffix.lower() not in (".xlsx", ".xlsm") or sheet in self._scans:
            return

        size = sheet_part_size(self.path, sheet)
        if size is None or size <= SYNC_SCAN_BYTES:
            self._scans[sheet] = self._scan_now(sheet)
            return
        # a large sheet: the scan inflates its XML while fastexcel, which lets go of the GIL, parses it, and stops
        # the process if the cells span a grid too large to hold before fastexcel has built it
        stop = stop_on_sheet_extent(self.path, sheet)

        def watch(extent: SheetExtent) -> None:
            if not self._read.is_set():
                stop(extent)

        pool = ThreadPoolExecutor(max_workers=1)
        self._scans[sheet] = pool.submit(scan_sheet, self.path, sheet, watch, roughly=True)
        pool.shutdown(wait=False)

    def formula_findings(
        self, sheet: str, first_row: int, columns: dict[str, Column], label: str | None
    ) -> list[Finding]:
        if self.path.suffix.lower() not in (".xlsx", ".xlsm"):
            return []
        cells = self.sheet_scan(sheet).formulas_without_value
        by_index = {column.index: column for column in columns.values()}
        findings = []
        for row, index in cells:
            column = by_index.get(index)
            if column is None or row <= first_row:
                continue
            findings.append(
                Finding(
                    severity="error",
                    code="formula-without-value",
                    sheet=label,
                    row=row,
                    column=column.letter,
                    header=column.header,
                    field=column.field,
                )
            )
        return findings


class _CsvSource(_Source):
    def __init__(self, path: Path) -> None:
        import pandas as pd

        self.path = path
        text = decode_csv(path, path.read_bytes())  # UTF-16, UTF-8 or GB18030; refused when mixed or neither
        if "\x00" in text:
            raise RefusedInput("csv-not-text", path=path)
        sample = text[:20000]
        delimiter = max((",", "\t", ";"), key=sample.count)
        try:
            rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
        except csv.Error as error:
            raise RefusedInput("csv-unreadable", path=path, detail=_first_line(error)) from error
        width = widest_row(path, rows)  # refused beyond Excel's 16,384 columns: no return is that wide
        padded = [[cell if cell.strip() else None for cell in row] + [None] * (width - len(row)) for row in rows]
        self.cells = pd.DataFrame(padded, columns=range(width), dtype=object)

    def sheet_names(self) -> list[str]:
        return [self.path.stem]

    def head(self, sheet: str) -> list[list[str | None]]:
        return [list(row) for row in self.cells.head(HEAD_ROWS).itertuples(index=False)]

    def read_body(
        self, sheet: str, first_row: int, columns: dict[str, Column], catalog: Catalog
    ) -> tuple[pd.DataFrame, list[Finding]]:
        import numpy as np

        body = self.cells.iloc[first_row:]
        frame = body[[column.index for column in columns.values()]].copy()
        frame.columns = list(columns)
        frame = frame.reset_index(drop=True)
        frame[ROW] = range(first_row + 1, first_row + 1 + len(frame))
        findings: list[Finding] = []
        budget = FindingBudget()
        for name, column in columns.items():
            if not catalog.is_number(name):
                continue
            texts = frame[name]
            parsed = parse_numbers(texts, catalog.units_of(name))
            frame[name] = parsed.numbers
            odd = parsed.invalid.to_numpy() | parsed.dashes.to_numpy()
            refused = {int(position): "text" for position in np.flatnonzero(odd)}
            if refused:
                findings += _repair_cells(frame, name, column, None, first_row, refused, texts, catalog, budget)
        return _finish(frame, columns, catalog), findings + budget.summaries()


def excel_row(frame: pd.DataFrame, index: Any) -> int:
    """The Excel row number of the frame row labelled ``index``."""
    return int(frame[ROW].to_numpy()[frame.index.get_loc(index)])


class ParsedNumbers(NamedTuple):
    numbers: pd.Series
    """floats, NaN where missing or unreadable"""
    invalid: pd.Series
    """cells that are not a number: text, a unit not allowed, "NaN" or "inf" """
    dashes: pd.Series
    """cells holding a dash (—, -, /): missing, not zero"""


def parse_numbers(texts: pd.Series, units: tuple[str, ...] = ()) -> ParsedNumbers:
    """Parse numbers typed as text: 12,458, full-width ３２６ and, with ``units``, 2900人 are numbers.

    Blanks and "—" are missing. Separators count only where they group thousands (1,234,567 or 1 234 567), and a
    unit only from ``units``, after the number. Returns the floats (NaN where missing or unreadable) and a mask of
    the unreadable cells: text, a unit not in ``units``, and "NaN" or "inf", which are not counts.
    """
    import numpy as np
    import pandas as pd

    cleaned = texts.astype("string").str.normalize("NFKC").str.strip()
    if units:
        suffix = "|".join(re.escape(unit) for unit in sorted(units, key=len, reverse=True))
        cleaned = cleaned.str.replace(rf"(?<=[0-9.])\s*(?:{suffix})$", "", regex=True)
    grouped = cleaned.str.fullmatch(r"[+-]?\d{1,3}(?:(?:,\d{3})+|(?: \d{3})+)(?:\.\d+)?").fillna(False)
    cleaned = cleaned.where(~grouped, cleaned.str.replace(r"[, ]", "", regex=True))
    dashes = cleaned.isin(NOT_APPLICABLE).fillna(False).astype(bool)
    blank = (cleaned.isna() | cleaned.eq("")).astype(bool) | dashes
    numbers = pd.to_numeric(cleaned.where(~blank), errors="coerce").astype("float64")
    invalid = pd.Series(~blank.to_numpy() & ~np.isfinite(numbers.to_numpy()), index=texts.index)
    return ParsedNumbers(numbers.where(~invalid), invalid, dashes)


_EXCEL_ERRORS = {
    "Div0": "#DIV/0!",
    "NA": "#N/A",
    "Value": "#VALUE!",
    "Ref": "#REF!",
    "Name": "#NAME?",
    "Num": "#NUM!",
    "Null": "#NULL!",
    "GettingData": "#GETTING_DATA",
}
_ERROR_TEXTS = set(_EXCEL_ERRORS.values()) | {"#N/A!", "#SPILL!", "#CALC!", "#FIELD!", "#BLOCKED!", "#UNKNOWN!"}
_REFUSED_TYPE = re.compile(r"got '(\w+)\((.*)\)'?$", re.DOTALL)
_DATE_TYPES = {"DateTime", "DateTimeIso", "Duration", "DurationIso"}


def _refusal_kind(detail: str) -> str:
    """What the numeric read refused, from its message: "error:#N/A", "date" or "text"."""
    match = _REFUSED_TYPE.search(detail)
    kind = match.group(1) if match else ""
    if kind == "Error":
        inner = match.group(2).rstrip(")'") if match else ""
        return f"error:{_EXCEL_ERRORS.get(inner, '#' + inner)}"
    if kind in _DATE_TYPES:
        return "date"
    return "text"


def _nan_positions(values: Any) -> list[int]:
    """Rows where a numeric column holds NaN or infinity (a cell reading "NaN" or "inf"), as distinct from a blank."""
    import numpy as np
    import pyarrow.compute as pc

    if values.null_count == len(values):
        return []
    # a number cell cannot hold NaN or infinity: only a text cell such as "NaN" or "inf" reads as one
    found = pc.fill_null(pc.or_(pc.is_nan(values), pc.is_inf(values)), False).to_numpy(zero_copy_only=False)
    return [int(position) for position in np.flatnonzero(found)]


def _boolean_positions(numbers: pd.Series, text: pd.Series, refused: dict[int, str]) -> list[int]:
    """Rows whose cell is a logical value: read as 1 or 0 by the numeric read, as true or false as text."""
    logical = text.isin(("true", "false")).to_numpy() & numbers.isin((0.0, 1.0)).to_numpy()
    return [int(position) for position in logical.nonzero()[0] if int(position) not in refused]


def _repair_cells(
    frame: pd.DataFrame,
    name: str,
    column: Column,
    sheet: str | None,
    first_row: int,
    problems: dict[int, str],
    text: pd.Series | None,
    catalog: Catalog,
    budget: FindingBudget,
) -> list[Finding]:
    """Cells the fast read refused or mistook: a number typed as text is parsed; anything else is a finding (as
    many of each kind as ``budget`` has room for; the rest are counted)."""
    import numpy as np
    import pandas as pd

    positions = sorted(problems)
    numeric = catalog.is_number(name)
    texts = (
        text.iloc[positions] if text is not None else pd.Series([None] * len(positions), index=positions, dtype=object)
    )
    parsed = parse_numbers(texts, catalog.units_of(name)) if numeric else None
    column_values = frame[name].to_numpy(copy=True)
    findings: list[Finding] = []
    for offset, position in enumerate(positions):
        kind = problems[position]
        value = texts.iloc[offset]
        code: str | None = None
        if kind.startswith("error:"):
            code, value = "error-cell", kind.removeprefix("error:")
        elif kind == "date":
            code = "date-cell"
        elif kind == "boolean":
            code, value = "boolean-cell", str(value).upper()
        elif parsed is not None:
            if value is None or _is_footer_text(value):
                pass  # a footer line under the table is set apart with its row
            elif parsed.invalid.iloc[offset]:
                code = _text_code(value)
            elif parsed.dashes.iloc[offset]:
                code = "not-applicable"
            else:
                column_values[position] = parsed.numbers.iloc[offset]
                continue
        if numeric:
            column_values[position] = np.nan
        severity: Severity = "warning" if code == "not-applicable" else "error"
        if code is not None and budget.room(code, 1, severity):
            findings.append(
                Finding(
                    severity=severity,
                    code=code,
                    sheet=sheet,
                    row=first_row + 1 + position,
                    column=column.letter,
                    header=column.header,
                    field=name,
                    value=None if value is None else str(value),
                )
            )
    if numeric:
        frame[name] = pd.Series(column_values, index=frame.index, dtype="float64")
    return findings


def _text_code(value: object) -> str:
    """The finding for text that is not a number: a formula's error value as text, or plain text."""
    return "error-cell" if normalise_label(value).upper() in _ERROR_TEXTS else "not-a-number"


def _finish(frame: pd.DataFrame, columns: dict[str, Column], catalog: Catalog) -> pd.DataFrame:
    """Strip text cells, make counts float64 (NaN = missing), mark the rows a footer or total may be on
    (``HINTED``, for ``_split_rows``) and drop rows with nothing in them."""
    import numpy as np

    labels = []
    blank = []  # of each column, where a cell is blank
    for name in columns:
        if catalog.is_number(name):
            frame[name] = frame[name].astype("float64")
            blank.append(np.isnan(frame[name].to_numpy()))
        else:
            frame[name], text, blank_text = _stripped(frame[name])
            blank.append(blank_text)
            if name in LABEL_FIELDS:
                labels.append(text)
    frame[HINTED] = _hinted(labels) if labels else False
    empty: np.ndarray = np.logical_and.reduce(blank)
    finished: pd.DataFrame = frame.loc[~empty].reset_index(drop=True)
    return finished


def _stripped(texts: pd.Series) -> tuple[pd.Series, pa.Array, np.ndarray]:
    """Text cells with surrounding white space (Unicode's) removed, as objects (blank or all-space is pd.NA)
    and as Arrow strings, and where they are blank."""
    import pandas as pd
    import pyarrow as pa
    import pyarrow.compute as pc

    try:
        text = pc.utf8_trim_whitespace(pa.array(texts, type=pa.string(), from_pandas=True))
    except (pa.ArrowTypeError, pa.ArrowInvalid):  # a cell repaired to something that is not text
        stripped = texts.astype("string").str.strip()
        objects = stripped.where(stripped.ne(""), None).astype(object)
        return objects, pa.array(objects.to_numpy(), type=pa.string(), from_pandas=True), objects.isna().to_numpy()
    values = text.to_numpy(zero_copy_only=False)
    blank: np.ndarray = pc.fill_null(pc.equal(text, ""), True).to_numpy(zero_copy_only=False)
    values[blank] = pd.NA
    return pd.Series(values, index=texts.index, dtype=object), text, blank


def _choose_sheet(
    source: _Source, lookup: dict[str, str], sheet: str | None
) -> tuple[str, list[list[str | None]], Layout | None]:
    """The named sheet, or the first whose header names three fields or more, or else the best one."""
    names = source.sheet_names()
    if not names:
        raise RefusedInput("workbook-no-sheets", path=source.path)
    if sheet is not None:
        if sheet not in names and sheet.isdigit() and 1 <= int(sheet) <= len(names):
            sheet = names[int(sheet) - 1]
        if sheet not in names:
            raise RefusedUsage("no-such-sheet", path=source.path, sheet=sheet, sheets=words.listed(names))
        head = source.head(sheet)
        return sheet, head, find_layout(head, lookup)
    best: tuple[int, str, list[list[str | None]], Layout | None] | None = None
    for name in names:
        head = source.head(name)
        layout = find_layout(head, lookup)
        score = len(layout.columns) if layout else 0
        if score >= 3:
            return name, head, layout
        if best is None or score > best[0]:
            best = (score, name, head, layout)
    assert best is not None
    return best[1], best[2], best[3]


def _header_findings(layout: Layout, columns: dict[str, Column], sheet: str | None, catalog: Catalog) -> list[Finding]:
    """A warning for each header that names no field, but for the columns returns carry for people (序号, 备注)."""
    findings: list[Finding] = []
    for index, text, repeated in layout.unknown:
        if not repeated and normalise_label(text) in catalog.ignored_headers:
            continue
        findings.append(
            Finding(
                severity="warning",
                code="duplicate-header" if repeated else "unknown-header",
                sheet=sheet,
                row=layout.header_top + 1,
                column=excel_column(index),
                header=text,
                field=repeated,
                params={"other": columns[repeated].letter} if repeated else {},
            )
        )
    return findings


def _empty_frame() -> pd.DataFrame:
    import pandas as pd

    return pd.DataFrame({ROW: pd.Series(dtype="int64")})


def _split_rows(frame: pd.DataFrame, columns: dict[str, Column]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Drop footer rows (单位负责人, 填表人, 报出日期 …) and set 合计/总计 rows apart from the units."""
    hinted = frame[HINTED].to_numpy(dtype=bool)  # marked by _finish
    frame = frame.drop(columns=[HINTED])
    labels = [name for name in LABEL_FIELDS if name in columns]
    if not labels or frame.empty:
        return frame, frame.iloc[0:0]
    texts = frame[labels]
    candidates = texts.loc[hinted]
    footer = (
        candidates.apply(lambda column: column.map(_is_footer_text)).any(axis=1).reindex(frame.index, fill_value=False)
    )
    total = (
        candidates.apply(lambda column: column.map(_is_total_text)).any(axis=1).reindex(frame.index, fill_value=False)
    )
    total &= ~footer
    units = frame.loc[~footer & ~total].reset_index(drop=True)
    return units, frame.loc[total].reset_index(drop=True)


def _hinted(labels: list[pa.Array]) -> np.ndarray:
    """Rows where a label cell holds a hint of a footer or total (计, 填, 日期 …): the only ones worth a closer
    look."""
    import pyarrow.compute as pc

    # one pass over the row's cells joined: no hint holds the separator, so none spans two cells
    joined = pc.binary_join_element_wise(*labels, "\x00", null_handling="replace", null_replacement="")
    hinted: np.ndarray = pc.match_substring_regex(joined, _HINT).to_numpy(zero_copy_only=False)
    return hinted


def _is_footer_text(value: object) -> bool:
    return isinstance(value, str) and _FOOTER.match(normalise_label(value)) is not None


def _is_total_text(value: object) -> bool:
    return isinstance(value, str) and _TOTAL.match(normalise_label(value)) is not None


def _first_line(error: BaseException) -> str:
    text = str(error).strip().splitlines()
    return text[0] if text else type(error).__name__
