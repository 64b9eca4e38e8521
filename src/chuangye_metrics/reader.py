"""Read a return (xlsx, xlsm, xls, ods, csv) into a table of canonical fields with Excel row numbers."""

from __future__ import annotations

import csv
import hashlib
import io
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from chuangye_metrics.catalog import Catalog
from chuangye_metrics.errors import InputError, UsageError
from chuangye_metrics.findings import Finding, excel_column
from chuangye_metrics.layout import Layout, find_layout
from chuangye_metrics.text import normalise_label

if TYPE_CHECKING:
    from concurrent.futures import Future

    import pandas as pd

EXCEL_SUFFIXES = {".xlsx", ".xlsm", ".xls", ".ods", ".xlsb"}
CSV_SUFFIXES = {".csv", ".txt"}
HEAD_ROWS = 40
ROW = "_row"
_FOOTER = re.compile(
    r"^(单位负责人|统计负责人|填表人|制表人|审核人|负责人|报出日期|填报日期|联系电话|填表说明|说明|注)[:：]?"
)
_HINT = r"计|計|负|負|填|报|報|日期|电话|電話|说明|說明|注|註"
_TOTAL = re.compile(r"^(全[省市县区镇乡]|本[市县区])?(合计|总计|总合计)$")
NOT_APPLICABLE = {"-", "—", "–", "——", "--", "/", "…", "……", "－", "─"}


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
    from chuangye_metrics.progress import stage

    stage("read")
    if not path.exists():
        raise UsageError(f"{path}: no such file")
    if path.is_dir():
        raise UsageError(f"{path}: is a folder, not a return")
    if path.stat().st_size == 0:
        raise InputError(f"{path}: the file is empty")
    lookup = {**catalog.header_lookup, **{normalise_label(text): name for text, name in (mapping or {}).items()}}
    suffix = path.suffix.lower()
    source: _Source = _CsvSource(path) if suffix in CSV_SUFFIXES else _ExcelSource(path)
    sheet_name, _head, layout = _choose_sheet(source, lookup, sheet)
    label = sheet_name if isinstance(source, _ExcelSource) else None
    if layout is None:
        empty = _empty_frame()
        return ReturnTable(path=path, sheet=label, sha256=file_sha256(path), frame=empty, columns={})
    columns = {cell.field: Column(field=cell.field, index=cell.index, header=cell.text) for cell in layout.columns}
    findings = _header_findings(layout, columns, label)
    source.start_formula_scan(sheet_name)
    import_beside_the_read()
    frame, cell_findings = source.read_body(sheet_name, layout.first_data_row, columns, catalog)
    frame, totals = _split_rows(frame, columns)
    findings += cell_findings
    findings += source.formula_findings(sheet_name, layout.first_data_row, columns, label)
    return ReturnTable(
        path=path,
        sheet=label,
        sha256=file_sha256(path),
        frame=frame,
        columns=columns,
        findings=findings,
        totals=totals,
        title_year=layout.title_year,
        header_row=layout.header_bottom + 1,
    )


def import_beside_the_read() -> None:
    """Import pandas in a thread of its own while the read, which lets go of the GIL, parses the sheet."""
    import sys
    import threading

    if "pandas" not in sys.modules:
        threading.Thread(target=_import_pandas, name="import-pandas", daemon=True).start()


def _import_pandas() -> None:
    import pandas  # noqa: F401


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

    def start_formula_scan(self, sheet: str) -> None:
        """Begin looking for formulas without values, if the format can have them, beside the read of the body."""

    def formula_findings(
        self, sheet: str, first_row: int, columns: dict[str, Column], label: str | None
    ) -> list[Finding]:
        """Cells holding a formula with no saved value (never opened in Excel or WPS)."""
        return []


class _ExcelSource(_Source):
    def __init__(self, path: Path) -> None:
        import fastexcel

        self.path = path
        self._formula_cells: Future[list[tuple[int, int]]] | None = None
        try:
            self.reader = fastexcel.read_excel(path)
        except Exception as error:  # fastexcel raises its own classes for every kind of bad file
            raise InputError(f"{path}: not a readable spreadsheet ({_first_line(error)})") from error

    def sheet_names(self) -> list[str]:
        return list(self.reader.sheet_names)

    def head(self, sheet: str) -> list[list[str | None]]:
        if self.path.suffix.lower() in (".xlsx", ".xlsm"):
            from chuangye_metrics.xlsx import sheet_head

            # streamed from the XML: parsing the whole sheet to look at its first rows costs as much as the body
            streamed = sheet_head(self.path, sheet, HEAD_ROWS)
            if streamed is not None:
                return streamed
        return self.parsed_head(sheet)

    def parsed_head(self, sheet: str) -> list[list[str | None]]:
        """The first rows as fastexcel reads them (it parses the whole sheet to do so)."""
        try:
            loaded = self.reader.load_sheet(sheet, header_row=None, skip_rows=0, n_rows=HEAD_ROWS, dtypes="string")
        except Exception as error:
            raise InputError(f"{self.path}: sheet {sheet!r} cannot be read ({_first_line(error)})") from error
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
        dtypes: dict[str | int, Any] = {
            column.index: ("float" if catalog.fields[name].type in ("count", "year") else "string")
            for name, column in columns.items()
        }
        indexes = sorted(column.index for column in columns.values())
        loaded = self.reader.load_sheet(sheet, header_row=None, skip_rows=first_row, use_columns=indexes, dtypes=dtypes)
        batch, cell_errors = loaded.to_arrow_with_errors()
        import pandas as pd  # imported by now, beside the load: see import_beside_the_read

        by_index = {
            info.absolute_index: values for info, values in zip(loaded.selected_columns, batch.columns, strict=True)
        }
        frame = pd.DataFrame({name: by_index[column.index].to_pandas() for name, column in columns.items()})
        frame[ROW] = range(first_row + 1, first_row + 1 + len(frame))
        findings: list[Finding] = []
        if cell_errors is not None and cell_errors.errors:
            selected = [info.absolute_index for info in loaded.selected_columns]
            refused_columns = sorted({selected[error.offset_position[1]] for error in cell_errors.errors})
            findings = self._reparse_cells(sheet, first_row, columns, frame, refused_columns)
        return _finish(frame, columns, catalog), findings

    def _reparse_cells(
        self,
        sheet: str,
        first_row: int,
        columns: dict[str, Column],
        frame: pd.DataFrame,
        bad_columns: list[int],
    ) -> list[Finding]:
        """Cells the fast numeric read refused: read their text and parse it the forgiving way."""
        name_of = {column.index: name for name, column in columns.items()}
        texts = self.reader.load_sheet(
            sheet, header_row=None, skip_rows=first_row, use_columns=bad_columns, dtypes="string"
        ).to_pandas()
        findings: list[Finding] = []
        for position, index in enumerate(bad_columns):
            name = name_of[index]
            text = texts.iloc[:, position]
            numbers, invalid = parse_numbers(text)
            refused = frame[name].isna() & text.notna()
            frame.loc[refused, name] = numbers[refused]
            invalid &= ~text.map(_is_footer_text).astype(bool)
            for row_index in (invalid & refused)[lambda mask: mask].index:
                findings.append(
                    Finding(
                        severity="error",
                        code="not-a-number",
                        sheet=sheet,
                        row=first_row + 1 + int(row_index),
                        column=columns[name].letter,
                        header=columns[name].header,
                        field=name,
                        value=str(text[row_index]),
                    )
                )
        return findings

    def start_formula_scan(self, sheet: str) -> None:
        if self.path.suffix.lower() not in (".xlsx", ".xlsm"):
            return
        from concurrent.futures import ThreadPoolExecutor

        from chuangye_metrics.xlsx import formulas_without_value

        # the scan inflates the sheet's XML while fastexcel, which lets go of the GIL, parses it: free time
        pool = ThreadPoolExecutor(max_workers=1)
        self._formula_cells = pool.submit(formulas_without_value, self.path, sheet)
        pool.shutdown(wait=False)

    def formula_findings(
        self, sheet: str, first_row: int, columns: dict[str, Column], label: str | None
    ) -> list[Finding]:
        if self.path.suffix.lower() not in (".xlsx", ".xlsm"):
            return []
        from chuangye_metrics.xlsx import formulas_without_value

        started = self._formula_cells
        cells = started.result() if started is not None else formulas_without_value(self.path, sheet)
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
    ENCODINGS = ("utf-8-sig", "gb18030")

    def __init__(self, path: Path) -> None:
        import pandas as pd

        self.path = path
        raw = path.read_bytes()
        encodings = ("utf-16",) if raw[:2] in (b"\xff\xfe", b"\xfe\xff") else self.ENCODINGS
        for encoding in encodings:
            try:
                text = raw.decode(encoding)
                break
            except UnicodeDecodeError:
                continue
        else:
            raise InputError(f"{path}: not text in UTF-8 or GB18030")
        if "\x00" in text:
            raise InputError(f"{path}: not a CSV text file")
        sample = text[:20000]
        delimiter = max((",", "\t", ";"), key=sample.count)
        try:
            rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
        except csv.Error as error:
            raise InputError(f"{path}: not a readable CSV file ({_first_line(error)})") from error
        width = max((len(row) for row in rows), default=0)
        padded = [[cell if cell.strip() else None for cell in row] + [None] * (width - len(row)) for row in rows]
        self.cells = pd.DataFrame(padded, columns=range(width), dtype=object)

    def sheet_names(self) -> list[str]:
        return [self.path.stem]

    def head(self, sheet: str) -> list[list[str | None]]:
        return [list(row) for row in self.cells.head(HEAD_ROWS).itertuples(index=False)]

    def read_body(
        self, sheet: str, first_row: int, columns: dict[str, Column], catalog: Catalog
    ) -> tuple[pd.DataFrame, list[Finding]]:
        body = self.cells.iloc[first_row:]
        frame = body[[column.index for column in columns.values()]].copy()
        frame.columns = list(columns)
        frame = frame.reset_index(drop=True)
        frame[ROW] = range(first_row + 1, first_row + 1 + len(frame))
        findings: list[Finding] = []
        for name, column in columns.items():
            if catalog.fields[name].type not in ("count", "year"):
                continue
            numbers, invalid = parse_numbers(frame[name])
            invalid &= ~frame[name].map(_is_footer_text).astype(bool)
            for row_index in invalid[invalid].index:
                findings.append(
                    Finding(
                        severity="error",
                        code="not-a-number",
                        sheet=None,
                        row=excel_row(frame, row_index),
                        column=column.letter,
                        header=column.header,
                        field=name,
                        value=str(frame.at[row_index, name]),
                    )
                )
            frame[name] = numbers
        return _finish(frame, columns, catalog), findings


def excel_row(frame: pd.DataFrame, index: Any) -> int:
    """The Excel row number of the frame row labelled ``index``."""
    return int(frame[ROW].to_numpy()[frame.index.get_loc(index)])


def parse_numbers(texts: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Parse numbers typed as text: 12,458 and full-width ３２６ are numbers, "—" and blanks are missing.

    Returns the floats (NaN where missing or unreadable) and a mask of the unreadable cells.
    """
    import pandas as pd

    cleaned = texts.astype("string").str.normalize("NFKC").str.replace(r"[\s,]", "", regex=True)
    blank = cleaned.isna() | cleaned.eq("") | cleaned.isin(NOT_APPLICABLE)
    numbers = pd.to_numeric(cleaned.where(~blank), errors="coerce").astype("float64")
    invalid = (~blank & numbers.isna()).astype(bool)
    return numbers, invalid


def _finish(frame: pd.DataFrame, columns: dict[str, Column], catalog: Catalog) -> pd.DataFrame:
    """Strip text cells, make counts float64 (NaN = missing) and drop rows with nothing in them."""
    for name in columns:
        if catalog.fields[name].type in ("count", "year"):
            frame[name] = frame[name].astype("float64")
        else:
            stripped = frame[name].astype("string").str.strip()
            frame[name] = stripped.where(stripped.ne(""), None).astype(object)
    data_columns = list(columns)
    empty = frame[data_columns].isna().all(axis=1)
    return frame.loc[~empty].reset_index(drop=True)


def _choose_sheet(
    source: _Source, lookup: dict[str, str], sheet: str | None
) -> tuple[str, list[list[str | None]], Layout | None]:
    """The named sheet, or the first whose header names three fields or more, or else the best one."""
    names = source.sheet_names()
    if not names:
        raise InputError(f"{source.path}: the workbook has no sheets")
    if sheet is not None:
        if sheet not in names and sheet.isdigit() and 1 <= int(sheet) <= len(names):
            sheet = names[int(sheet) - 1]
        if sheet not in names:
            raise UsageError(f"no sheet {sheet!r} in {source.path}; sheets: {', '.join(names)}")
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


def _header_findings(layout: Layout, columns: dict[str, Column], sheet: str | None) -> list[Finding]:
    findings: list[Finding] = []
    for index, text, repeated in layout.unknown:
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
    labels = [name for name in ("unit_code", "unit_name", "level", "parent_code") if name in columns]
    if not labels or frame.empty:
        return frame, frame.iloc[0:0]
    texts = frame[labels]
    hinted = texts.apply(lambda column: column.astype("string").str.contains(_HINT, na=False)).any(axis=1)
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


def _is_footer_text(value: object) -> bool:
    return isinstance(value, str) and _FOOTER.match(normalise_label(value)) is not None


def _is_total_text(value: object) -> bool:
    return isinstance(value, str) and _TOTAL.match(normalise_label(value)) is not None


def _first_line(error: BaseException) -> str:
    text = str(error).strip().splitlines()
    return text[0] if text else type(error).__name__
