"""Read a return (xlsx, xlsm, xls, ods, csv) into a table of canonical fields with Excel row numbers."""

from __future__ import annotations

import csv
import hashlib
import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from chuangye_metrics.catalog import Catalog
from chuangye_metrics.errors import InputError, UsageError
from chuangye_metrics.findings import Finding, excel_column
from chuangye_metrics.text import normalise_label

if TYPE_CHECKING:
    import pandas as pd

EXCEL_SUFFIXES = {".xlsx", ".xlsm", ".xls", ".ods", ".xlsb"}
CSV_SUFFIXES = {".csv", ".txt"}
HEAD_ROWS = 40
ROW = "_row"
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


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def read_return(path: Path, catalog: Catalog, sheet: str | None = None) -> ReturnTable:
    """Find the data sheet and its header, then read every data row into canonical fields."""
    if not path.exists():
        raise UsageError(f"{path}: no such file")
    if path.is_dir():
        raise UsageError(f"{path}: is a folder, not a return")
    if path.stat().st_size == 0:
        raise InputError(f"{path}: the file is empty")
    suffix = path.suffix.lower()
    source: _Source = _CsvSource(path) if suffix in CSV_SUFFIXES else _ExcelSource(path)
    sheet_name, head = _choose_sheet(source, catalog, sheet)
    header_index, columns = _locate_header(head, catalog)
    findings = _header_findings(head, header_index, columns, catalog, sheet_name)
    frame, cell_findings = source.read_body(sheet_name, header_index + 1, columns, catalog)
    return ReturnTable(
        path=path,
        sheet=sheet_name if isinstance(source, _ExcelSource) else None,
        sha256=file_sha256(path),
        frame=frame,
        columns=columns,
        findings=findings + cell_findings,
    )


class _Source:
    """A file with one or more sheets of cells."""

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


class _ExcelSource(_Source):
    def __init__(self, path: Path) -> None:
        import fastexcel

        self.path = path
        try:
            self.reader = fastexcel.read_excel(path)
        except Exception as error:  # fastexcel raises its own classes for every kind of bad file
            raise InputError(f"{path}: not a readable spreadsheet ({_first_line(error)})") from error

    def sheet_names(self) -> list[str]:
        return list(self.reader.sheet_names)

    def head(self, sheet: str) -> list[list[str | None]]:
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
        import pandas as pd

        dtypes: dict[str | int, Any] = {
            column.index: ("float" if catalog.fields[name].type in ("count", "year") else "string")
            for name, column in columns.items()
        }
        indexes = sorted(column.index for column in columns.values())
        loaded = self.reader.load_sheet(sheet, header_row=None, skip_rows=first_row, use_columns=indexes, dtypes=dtypes)
        batch, cell_errors = loaded.to_arrow_with_errors()
        by_index = {
            info.absolute_index: values for info, values in zip(loaded.available_columns(), batch.columns, strict=True)
        }
        frame = pd.DataFrame({name: by_index[column.index].to_pandas() for name, column in columns.items()})
        frame[ROW] = range(first_row + 1, first_row + 1 + len(frame))
        findings: list[Finding] = []
        if cell_errors is not None and cell_errors.errors:
            selected = [info.absolute_index for info in loaded.available_columns()]
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


class _CsvSource(_Source):
    ENCODINGS = ("utf-8-sig", "gb18030")

    def __init__(self, path: Path) -> None:
        import pandas as pd

        self.path = path
        raw = path.read_bytes()
        for encoding in self.ENCODINGS:
            try:
                text = raw.decode(encoding)
                break
            except UnicodeDecodeError:
                continue
        else:
            raise InputError(f"{path}: not text in UTF-8 or GB18030")
        if "\x00" in text:
            raise InputError(f"{path}: not a CSV text file")
        try:
            self.cells = pd.read_csv(
                io.StringIO(text),
                header=None,
                dtype=str,
                keep_default_na=False,
                skip_blank_lines=False,
                sep=None,
                engine="python",
            )
        except (pd.errors.ParserError, csv.Error) as error:
            raise InputError(f"{path}: not a readable CSV file ({_first_line(error)})") from error
        self.cells = self.cells.replace("", None)

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


def _choose_sheet(source: _Source, catalog: Catalog, sheet: str | None) -> tuple[str, list[list[str | None]]]:
    names = source.sheet_names()
    if sheet is not None:
        if sheet in names:
            return sheet, source.head(sheet)
        if sheet.isdigit() and 1 <= int(sheet) <= len(names):
            chosen = names[int(sheet) - 1]
            return chosen, source.head(chosen)
        raise UsageError(f"no sheet {sheet!r} in {source_name(source)}; sheets: {', '.join(names)}")
    best: tuple[int, str, list[list[str | None]]] | None = None
    for name in names:
        head = source.head(name)
        score = max((_header_score(row, catalog) for row in head), default=0)
        if score >= 3:
            return name, head
        if best is None or score > best[0]:
            best = (score, name, head)
    if best is None:
        raise InputError(f"{source_name(source)}: the workbook has no sheets")
    return best[1], best[2]


def source_name(source: _Source) -> str:
    return str(getattr(source, "path", "input"))


def _header_score(row: list[str | None], catalog: Catalog) -> int:
    return len({catalog.header_lookup.get(normalise_label(cell)) for cell in row if cell} - {None})


def _locate_header(head: list[list[str | None]], catalog: Catalog) -> tuple[int, dict[str, Column]]:
    """The header row is the first of the best-matching rows; columns map to the first header naming a field."""
    scores = [_header_score(row, catalog) for row in head]
    if not scores or max(scores) == 0:
        return 0, {}
    header_index = scores.index(max(scores))
    columns: dict[str, Column] = {}
    for index, cell in enumerate(head[header_index]):
        name = catalog.header_lookup.get(normalise_label(cell)) if cell else None
        if name is not None and name not in columns:
            columns[name] = Column(field=name, index=index, header=str(cell).strip())
    return header_index, columns


def _header_findings(
    head: list[list[str | None]],
    header_index: int,
    columns: dict[str, Column],
    catalog: Catalog,
    sheet: str,
) -> list[Finding]:
    findings: list[Finding] = []
    row = head[header_index] if head else []
    used = {column.index for column in columns.values()}
    for index, cell in enumerate(row):
        if not cell or index in used:
            continue
        name = catalog.header_lookup.get(normalise_label(cell))
        if name is not None:
            findings.append(
                Finding(
                    severity="warning",
                    code="duplicate-header",
                    sheet=sheet,
                    row=header_index + 1,
                    column=excel_column(index),
                    header=str(cell),
                    field=name,
                    params={"other": columns[name].letter},
                )
            )
        else:
            findings.append(
                Finding(
                    severity="warning",
                    code="unknown-header",
                    sheet=sheet,
                    row=header_index + 1,
                    column=excel_column(index),
                    header=str(cell),
                )
            )
    return findings


def _first_line(error: BaseException) -> str:
    text = str(error).strip().splitlines()
    return text[0] if text else type(error).__name__
