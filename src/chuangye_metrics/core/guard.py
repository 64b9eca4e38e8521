"""Hostile inputs: what is refused before a return or a configuration file is read, and why.

Every refusal is one line naming the file (Chinese, or English with ``--lang en``) and a documented exit code;
nothing here ever writes to an input. The limits sit well above anything a real return or configuration needs:

- a return must be a regular file: a named pipe or a device (``/dev/zero``) would be read, or hashed for the
  cache, for ever;
- a spreadsheet that is a zip archive (.xlsx, .xlsm, .xlsb, .ods) is first judged from its central directory:
  no part may inflate beyond ``MAX_PART_BYTES``, all of them together beyond ``MAX_TOTAL_BYTES``, nor a large
  part inflate more than ``MAX_RATIO``-fold; a part whose compressed size would allow more than the limit is
  inflated (its first 16 MB before the read, the rest beside it) to check it is no larger than its archive
  declares (the Rust zip reader under fastexcel trusts nothing but the deflate stream itself);
- a sheet whose cells span more than ``MAX_SHEET_CELLS`` from first to last (the reader holds that grid whole:
  two cells, in A1 and XFD1048576, would ask for 550 GB), or reach beyond Excel's grid, is refused from its
  XML before it is read; a sheet of more than ``SYNC_SCAN_BYTES`` of XML is measured (more roughly) beside the
  read, which the measure stops (ending the process) if it gets there first;
- a CSV wider than Excel's 16,384 columns is no return, nor one in two encodings at once;
- a formulas, rules, mapping or standard YAML file is at most ``MAX_CONFIG_BYTES``, a register of units as
  text at most ``MAX_REGISTER_BYTES``.
"""

from __future__ import annotations

import logging
import os
import re
import stat
import struct
import sys
import tempfile
import threading
import zipfile
import zlib
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import TYPE_CHECKING, Any

from chuangye_metrics.core import words
from chuangye_metrics.core.errors import ChuangyeError, ConfigError, ExitCode, InputError, UsageError
from chuangye_metrics.core.words import LANG_VARIABLE, message_template

if TYPE_CHECKING:
    import zipfile

    from chuangye_metrics.core.words import Language
    from chuangye_metrics.reading.xlsx import SheetExtent

MAX_CONFIG_BYTES = 1 << 20
"""A YAML file of our own (formulas, rules, mapping, standard): the shipped ones are a few KB each."""
MAX_REGISTER_BYTES = 64 << 20
"""A register of units as a text file: every village and community of China, a line each, is about 30 MB."""
MAX_COLUMNS = 16_384
"""Excel's widest sheet (column XFD); a real return has fewer than 100 columns."""
MAX_ROWS = 1_048_576
"""Excel's tallest sheet."""
MAX_SHEET_CELLS = 40_000_000
"""Cells of the grid a sheet's cells span, first to last (the reader under fastexcel holds that grid whole, about
40 bytes a cell: 1.6 GB); a national return of 600,000 rows and 30 columns is 18 million."""
SYNC_SCAN_BYTES = 16 << 20
"""A sheet's XML up to this size (inflated) is measured before it is read (at most about 0.3 s); a larger one
beside the read, so that a national return is not read twice over."""
MAX_PART_BYTES = 2 << 30
"""One part of a zipped workbook, inflated: a full 1,048,576-row sheet of 25 columns is about 1-1.5 GB of XML."""
MAX_TOTAL_BYTES = 4 << 30
"""All the parts of a zipped workbook, inflated."""
MAX_RATIO = 500
"""How many times a large part may inflate: spreadsheet XML deflates 5 to 30-fold, a zip bomb 1,000-fold."""
RATIO_FLOOR = 64 << 20
"""Parts smaller than this (inflated) are not judged by their ratio: a small part cannot hurt."""
MAX_PARTS = 10_000
"""Parts of a zipped workbook: Excel writes a dozen, a workbook with hundreds of sheets some hundreds."""
DEFLATE_MAX_RATIO = 1032
"""The most a deflate stream can inflate; a part whose compressed size times this stays under the limits needs
no checking of the size it declares."""
_STORED, _DEFLATED = 0, 8
_CHUNK = 1 << 20


# --- errors in the user's language ---------------------------------------------------------------------------


class _Refusal:
    """A refusal rendered from formulas/messages.yaml: Chinese by default, English with ``--lang en``."""

    code: str
    params: dict[str, Any]

    def text(self, language: Language) -> str:

        values = {
            key: value.get(language, value["en"]) if isinstance(value, dict) else value
            for key, value in self.params.items()
        }
        return message_template(self.code, language).format(**values)


class RefusedInput(_Refusal, InputError):
    """An input refused as hostile or unreadable (exit 1)."""

    def __init__(self, code: str, **params: Any) -> None:
        self.code, self.params = code, params
        super().__init__(self.text("zh"))


class RefusedUsage(_Refusal, UsageError):
    """An input that is not a file one can read a return from (exit 2)."""

    def __init__(self, code: str, **params: Any) -> None:
        self.code, self.params = code, params
        super().__init__(self.text("zh"))


class RefusedConfig(_Refusal, ConfigError):
    """A configuration file refused before it is parsed (exit 2)."""

    def __init__(self, code: str, **params: Any) -> None:
        self.code, self.params = code, params
        super().__init__(self.text("zh"))


def language_of_arguments(arguments: Sequence[str]) -> Language:
    """The language a command line asks for, read from the raw arguments: its --lang, else the environment's
    CHUANGYE_LANG (``words.LANG_VARIABLE``), else Chinese."""
    language: Language = "en" if os.environ.get(LANG_VARIABLE, "").strip().lower() == "en" else "zh"
    for index, argument in enumerate(arguments):
        if argument == "--lang" and index + 1 < len(arguments):
            language = "en" if arguments[index + 1] == "en" else "zh"
        elif argument.startswith("--lang="):
            language = "en" if argument.partition("=")[2] == "en" else "zh"
    return language


def error_text(error: ChuangyeError, language: Language) -> str:
    """The one-line message of a stopping error, in ``language`` when it has its text in messages.yaml."""
    if isinstance(error, _Refusal):
        try:
            return error.text(language)
        except Exception:  # a message that cannot be rendered still says what it said when raised
            return error.message
    return error.message


def size_text(size: int) -> str:
    """Bytes for a person: 1.5 MB, 3,072 MB."""
    megabytes = size / (1 << 20)
    if megabytes < 10:
        return f"{megabytes:.1f} MB"
    return f"{megabytes:,.0f} MB"


# --- regular files -----------------------------------------------------------------------------------------------

_KINDS = {
    stat.S_IFIFO: "file-kind.fifo",
    stat.S_IFCHR: "file-kind.character-device",
    stat.S_IFBLK: "file-kind.block-device",
    stat.S_IFSOCK: "file-kind.socket",
    stat.S_IFDIR: "file-kind.folder",
}


def require_regular_file(path: Path, *, config: bool = False) -> os.stat_result:
    """The file's status, if it is a regular file (symbolic links followed); else a refusal naming it.

    A named pipe, a device such as /dev/zero or a socket would be read (or hashed for the cache) for ever.
    """
    try:
        status = os.stat(path)
    except OSError as error:
        cls = ConfigError if config else UsageError
        raise cls(f"{path}: cannot read: {error.strerror or error}") from error
    if not stat.S_ISREG(status.st_mode):
        kind = words.both(_KINDS.get(stat.S_IFMT(status.st_mode), "file-kind.special"))
        if config:
            raise RefusedConfig("refused-not-regular", path=path, kind=kind)
        raise RefusedUsage("refused-not-regular", path=path, kind=kind)
    return status


def config_bytes(path: Path) -> bytes:
    """The bytes of a configuration file (formulas, rules, mapping, standard), refused above MAX_CONFIG_BYTES."""
    status = require_regular_file(path, config=True)
    if status.st_size > MAX_CONFIG_BYTES:
        raise RefusedConfig(
            "refused-config-size", path=path, size=size_text(status.st_size), limit=size_text(MAX_CONFIG_BYTES)
        )
    try:
        with open(path, "rb") as stream:
            data = stream.read(MAX_CONFIG_BYTES + 1)  # it may have grown since it was measured
    except OSError as error:
        raise RefusedConfig("config-unreadable", path=path, detail=str(error.strerror or error)) from error
    if len(data) > MAX_CONFIG_BYTES:
        raise RefusedConfig(
            "refused-config-size", path=path, size=size_text(len(data)), limit=size_text(MAX_CONFIG_BYTES)
        )
    return data


def register_text(path: Path) -> str:
    """The text of a register of units, refused when it is not a regular file or over MAX_REGISTER_BYTES."""
    status = require_regular_file(path)
    size = status.st_size
    data = b""
    if size <= MAX_REGISTER_BYTES:
        try:
            with open(path, "rb") as stream:
                data = stream.read(MAX_REGISTER_BYTES + 1)
        except OSError as error:
            raise RefusedInput("register-unreadable", path=path, detail=str(error.strerror or error)) from error
        size = len(data)
    if size > MAX_REGISTER_BYTES:
        raise RefusedInput(
            "refused-register-size", path=path, size=size_text(size), limit=size_text(MAX_REGISTER_BYTES)
        )
    return decode_csv(path, data)  # UTF-16, UTF-8 or GB18030, as Notepad saves it; refused when mixed or neither


# --- zipped workbooks ----------------------------------------------------------------------------------------------


def check_workbook(path: Path) -> None:
    """Refuse a zipped workbook whose parts would inflate beyond the limits, judged from its central directory.

    A part whose compressed size would let it inflate beyond MAX_PART_BYTES whatever it declares is checked
    as it really inflates: a small one before the read, a large one beside it (see ``_watch``).
    """

    try:
        if not zipfile.is_zipfile(path):
            return  # not a zip archive: an .xls, or something fastexcel will refuse
        with open(path, "rb") as stream:
            count = _declared_entries(stream)
            if count is not None and count > MAX_PARTS:
                raise RefusedInput("refused-zip-parts", path=path, count=f"{count:,}", limit=f"{MAX_PARTS:,}")
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError, struct.error):
        return  # a damaged archive: fastexcel says so
    if len(infos) > MAX_PARTS:
        raise RefusedInput("refused-zip-parts", path=path, count=f"{len(infos):,}", limit=f"{MAX_PARTS:,}")
    total = 0
    suspects: list[zipfile.ZipInfo] = []
    for info in infos:
        if info.is_dir():
            continue
        part = info.filename
        if info.compress_type not in (_STORED, _DEFLATED):
            raise RefusedInput("refused-zip-method", path=path, part=part, method=info.compress_type)
        if info.file_size > MAX_PART_BYTES:
            raise RefusedInput(
                "refused-zip-part",
                path=path,
                part=part,
                size=size_text(info.file_size),
                limit=size_text(MAX_PART_BYTES),
            )
        if info.file_size > RATIO_FLOOR and info.file_size > MAX_RATIO * max(info.compress_size, 1):
            raise RefusedInput(
                "refused-zip-ratio",
                path=path,
                part=part,
                size=size_text(info.file_size),
                compressed=size_text(info.compress_size),
                ratio=f"{info.file_size // max(info.compress_size, 1):,}",
                limit=f"{MAX_RATIO:,}",
            )
        total += info.file_size
        if info.compress_type == _DEFLATED and info.compress_size * DEFLATE_MAX_RATIO > MAX_PART_BYTES:
            suspects.append(info)
    if total > MAX_TOTAL_BYTES:
        raise RefusedInput("refused-zip-total", path=path, size=size_text(total), limit=size_text(MAX_TOTAL_BYTES))
    if suspects:
        _verify_declared_sizes(path, suspects)


def _declared_entries(stream: Any) -> int | None:
    """The number of entries the end-of-central-directory record declares (zip64 included), read from the tail."""
    stream.seek(0, os.SEEK_END)
    size = stream.tell()
    start = max(0, size - (1 << 16) - 22)
    stream.seek(start)
    tail = stream.read()
    at = tail.rfind(b"PK\x05\x06")
    if at < 0 or at + 22 > len(tail):
        return None
    count: int = struct.unpack_from("<H", tail, at + 10)[0]
    if count == 0xFFFF and at >= 20 and tail[at - 20 : at - 16] == b"PK\x06\x07":
        (offset,) = struct.unpack_from("<Q", tail, at - 20 + 8)
        stream.seek(offset)
        record = stream.read(56)
        if record[:4] == b"PK\x06\x06" and len(record) >= 40:
            count = struct.unpack_from("<Q", record, 32)[0]
    return count


SYNC_INFLATE = 16 << 20
"""Bytes of each suspect part inflated before the read (about 50 ms): a part that declares no more is settled
then; the rest of a larger one is inflated beside the read."""


def _verify_declared_sizes(path: Path, suspects: list[zipfile.ZipInfo]) -> None:
    pending: list[_Inflation] = []
    for info in suspects:
        inflation = _Inflation(path, info)
        try:
            inflation.advance(SYNC_INFLATE)
        except (OSError, zlib.error):
            continue  # a damaged part: the read itself says so
        if inflation.forged:
            raise RefusedInput("refused-zip-lie", path=path, part=info.filename, size=size_text(info.file_size))
        if not inflation.done:
            pending.append(inflation)
        else:
            inflation.close()
    if pending:
        threading.Thread(target=_watch, args=(path, pending), name="zip-watch", daemon=True).start()


def _watch(path: Path, pending: list[_Inflation]) -> None:
    """Inflate the rest of each large suspect part beside the read; one that inflates beyond what it declares
    stops the process.

    The Rust zip reader under fastexcel inflates a part to the end of its deflate stream whatever size the
    archive declares, and keeps what it inflates in memory; a forged size would let it take tens of GB and
    abort. It cannot be stopped from Python once it is reading, so the process stops, with one line and exit 1,
    as soon as the forgery shows: when the declared size is passed, which calamine, parsing XML as it inflates,
    reaches later than this plain inflation does.
    """
    for inflation in pending:
        try:
            inflation.advance(None)
        except (OSError, zlib.error):  # a damaged part: the read itself will say so
            continue
        finally:
            inflation.close()
        if inflation.forged:
            info = inflation.info
            stop_process(RefusedInput("refused-zip-lie", path=path, part=info.filename, size=size_text(info.file_size)))


def stop_process(refusal: RefusedInput) -> None:
    """Say the refusal in one line and end the process with exit 1, from a thread watching beside a read that
    Python cannot interrupt (the main thread is inside fastexcel, which would abort the process)."""
    language = language_of_arguments(sys.argv[1:])
    try:
        os.write(2, f"chuangye: error: {refusal.text(language)}\n".encode())
    finally:
        os._exit(int(ExitCode.DATA_ERROR))


def sheet_extent_refusal(path: Path, sheet: str, extent: SheetExtent) -> RefusedInput | None:
    """The refusal of a sheet whose cells reach beyond Excel's grid, or span a grid too large to hold."""
    if extent.beyond or extent.last_row > MAX_ROWS or extent.last_column > MAX_COLUMNS:
        return RefusedInput(
            "refused-sheet-beyond-grid", path=path, sheet=sheet, rows=f"{MAX_ROWS:,}", columns=f"{MAX_COLUMNS:,}"
        )
    if extent.cells > MAX_SHEET_CELLS:
        return RefusedInput(
            "refused-sheet-extent",
            path=path,
            sheet=sheet,
            rows=f"{extent.rows:,}",
            columns=f"{extent.columns:,}",
            limit=f"{MAX_SHEET_CELLS:,}",
        )
    return None


def refuse_sheet_extent(path: Path, sheet: str) -> Callable[[SheetExtent], None]:
    """A watch for ``xlsx.scan_sheet`` run before the read: raises the refusal as soon as the extent is too large."""

    def watch(extent: SheetExtent) -> None:
        refusal = sheet_extent_refusal(path, sheet, extent)
        if refusal is not None:
            raise refusal

    return watch


def stop_on_sheet_extent(path: Path, sheet: str) -> Callable[[SheetExtent], None]:
    """A watch for ``xlsx.scan_sheet`` run beside the read: stops the process as soon as the extent is too large,
    before the reader, parsing the same XML several times slower, comes to build its grid."""

    def watch(extent: SheetExtent) -> None:
        refusal = sheet_extent_refusal(path, sheet, extent)
        if refusal is not None:
            stop_process(refusal)

    return watch


class _Inflation:
    """A deflated part inflated step by step (never holding more than a MB), counting what it gives."""

    def __init__(self, path: Path, info: zipfile.ZipInfo) -> None:
        self.info = info
        self.inflated = 0
        self.forged = False
        self.done = False
        self.stream = open(path, "rb")  # noqa: SIM115 - kept open between steps, closed by close()
        self.stream.seek(info.header_offset)
        header = self.stream.read(30)
        if len(header) < 30 or header[:4] != b"PK\x03\x04":
            self.done = True
            return
        name_length, extra_length = struct.unpack_from("<HH", header, 26)
        self.stream.seek(info.header_offset + 30 + name_length + extra_length)
        self.left = info.compress_size
        self.inflater = zlib.decompressobj(-15)

    def advance(self, budget: int | None) -> None:
        """Inflate about ``budget`` more bytes (None: to the end), stopping as soon as the part is forged."""
        target = None if budget is None else self.inflated + budget
        while not self.done and (target is None or self.inflated < target):
            if self.inflater.unconsumed_tail:
                data = self.inflater.decompress(self.inflater.unconsumed_tail, _CHUNK)
            else:
                block = self.stream.read(min(self.left, _CHUNK)) if self.left > 0 else b""
                if not block:
                    self.done = True
                    break
                self.left -= len(block)
                data = self.inflater.decompress(block, _CHUNK)
            self.inflated += len(data)
            if self.inflated > self.info.file_size:
                self.forged = self.done = True
            elif self.inflater.eof:
                self.done = True

    def close(self) -> None:
        self.stream.close()


# --- CSV text ---------------------------------------------------------------------------------------------------

_BOM = b"\xef\xbb\xbf"


def decode_csv(path: Path, raw: bytes) -> str:
    """The text of a CSV: UTF-16 by its byte-order mark, else UTF-8 (with or without a BOM), else GB18030.

    GB18030 decodes almost any bytes, so a file saved half in UTF-8 and half in GB18030 (two returns pasted
    together) would read, as garbled names, without a word: it is refused as mixed when, besides the lines
    that break UTF-8, some line is UTF-8 holding Chinese text. Bytes that are neither are refused with their line.
    """
    if raw[:2] in (b"\xff\xfe", b"\xfe\xff"):
        try:
            return raw.decode("utf-16")
        except UnicodeDecodeError as error:
            raise RefusedInput("utf16-invalid", path=path) from error
    body = raw[len(_BOM) :] if raw.startswith(_BOM) else raw
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError as error:
        broken = _line_at(body, error.start)  # the first line that is not UTF-8
    try:
        text = body.decode("gb18030")
    except UnicodeDecodeError as error:
        line = _line_at(body, error.start)
        if _utf8_chinese(_line_bytes(body, line)):  # GB18030 stumbles on a line that is UTF-8: mixed
            raise RefusedInput("refused-mixed-encodings", path=path, utf8_line=line, line=broken) from error
        raise RefusedInput("refused-encoding", path=path, line=line, byte=f"{body[error.start]:02X}") from error
    checked = -1
    for match in _UTF8_HAN_PAIR.finditer(body):  # lines holding what could be two Chinese characters in UTF-8
        start = body.rfind(b"\n", 0, match.start()) + 1
        if start == checked:
            continue
        checked = start
        end = body.find(b"\n", match.end())
        if _utf8_chinese(body[start : end if end >= 0 else len(body)]):
            line = _line_at(body, start)
            raise RefusedInput("refused-mixed-encodings", path=path, utf8_line=line, line=broken)
    return text


_UTF8_HAN_PAIR = re.compile(rb"[\xe4-\xe9][\x80-\xbf]{2}[\xe4-\xe9][\x80-\xbf]{2}")


def _line_at(data: bytes, offset: int) -> int:
    return data.count(b"\n", 0, offset) + 1


def _line_bytes(data: bytes, number: int) -> bytes:
    lines = data.split(b"\n", number)
    return lines[number - 1] if len(lines) >= number else b""


def _utf8_chinese(line: bytes) -> bool:
    """Whether the line is valid UTF-8 holding two Chinese characters or more (not GB18030 that happens to be)."""
    try:
        text = line.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return sum(1 for character in text if "\u4e00" <= character <= "\u9fff") >= 2


def widest_row(path: Path, rows: Sequence[Sequence[str]]) -> int:
    """The number of columns of the widest row, refused beyond MAX_COLUMNS (Excel's 16,384)."""
    width = 0
    for number, row in enumerate(rows, start=1):
        if len(row) > width:
            width = len(row)
            if width > MAX_COLUMNS:
                raise RefusedInput(
                    "refused-columns", path=path, line=number, count=f"{width:,}", limit=f"{MAX_COLUMNS:,}"
                )
    return width


# --- what the Rust readers print themselves -------------------------------------------------------------------


def quiet_logs() -> None:
    """Keep calamine's and fastexcel's log records (forwarded to Python's logging by pyo3-log) off stderr.

    Without a handler of its own, a warning such as calamine's "ods row repeat count capped" would go to the
    root logger's last-resort handler, that is to stderr, between our one-line messages.
    """

    for name in ("calamine", "fastexcel"):
        logger = logging.getLogger(name)
        if not any(isinstance(handler, logging.NullHandler) for handler in logger.handlers):
            logger.addHandler(logging.NullHandler())
        logger.propagate = False


@contextmanager
def rust_quiet() -> Iterator[None]:
    """Around a call into fastexcel: a Rust panic's own report (``thread '…' panicked at …`` and its backtrace,
    written straight to file descriptor 2 by Rust's panic hook) is kept off stderr; the panic itself still
    arrives as an exception, and the CLI says in one line that the file could not be read.

    Only descriptor 2 is diverted: Python's own ``sys.stderr`` (the progress line drawn by another thread, a
    warning) keeps writing to the terminal as it goes. Anything else Rust writes meanwhile is passed on when the
    call returns. Costs a temporary file and a few system calls.
    """

    quiet_logs()
    with suppress(OSError, ValueError, AttributeError):
        sys.stderr.flush()
    try:
        saved = os.dup(2)
    except OSError:  # no stderr to speak of
        yield
        return
    python_stderr = sys.stderr
    diverted = None
    try:
        if _writes_to_descriptor_2(python_stderr):
            diverted = open(  # noqa: SIM115 - closed below, after sys.stderr is put back
                saved,
                "w",
                encoding=getattr(python_stderr, "encoding", None) or "utf-8",
                errors=getattr(python_stderr, "errors", None) or "backslashreplace",
                closefd=False,
                buffering=1,
            )
        with tempfile.TemporaryFile() as capture:
            os.dup2(capture.fileno(), 2)
            if diverted is not None:
                sys.stderr = diverted
            try:
                yield
            finally:
                if diverted is not None:
                    sys.stderr = python_stderr
                    with suppress(OSError, ValueError):
                        diverted.close()
                os.dup2(saved, 2)
                capture.seek(0)
                kept = without_panic_reports(capture.read())
                if kept:
                    with suppress(OSError):
                        os.write(2, kept)
    finally:
        os.close(saved)


def _writes_to_descriptor_2(stream: Any) -> bool:
    try:
        return bool(stream.fileno() == 2)
    except (AttributeError, OSError, ValueError):  # a test runner's buffer: it never reaches descriptor 2
        return False


def without_panic_reports(text: bytes) -> bytes:
    """``text`` without the reports Rust's panic hook writes: from ``thread '…' panicked at`` to its ``note:``."""
    kept: list[bytes] = []
    inside = False
    for line in text.splitlines(keepends=True):
        if line.startswith(b"thread '") and b" panicked at " in line:
            inside = True
            continue
        if inside:
            if line.startswith(b"note: "):
                inside = False
            continue
        kept.append(line)
    return b"".join(kept)


# --- failures of the libraries that read returns --------------------------------------------------------------

_READERS = ("reader.py", "xlsx.py", "guard.py")
_DEPENDENCIES = ("fastexcel", "pyo3_runtime", "python_calamine", "zipfile", "zlib", "xml.", "csv")


def reader_failure(error: BaseException) -> InputError | None:
    """An exception that escaped the reading of a return, as the input error it is, or None if it is a bug.

    A Rust panic (pyo3's ``PanicException``, a BaseException), an error of fastexcel or of the zip and XML
    libraries, or running out of memory, raised while a return was being read, says the file could not be
    read (exit 1); anything else is left to be reported as an internal error.
    """
    path: Any = None
    inside_reader = False
    trace = error.__traceback__
    while trace is not None:
        frame = trace.tb_frame
        filename = frame.f_code.co_filename.replace("\\", "/")
        if "/chuangye_metrics/" in filename and filename.rsplit("/", 1)[-1] in _READERS:
            inside_reader = True
            candidate = frame.f_locals.get("path")
            if candidate is None:
                candidate = getattr(frame.f_locals.get("self"), "path", None)
            if isinstance(candidate, str | os.PathLike):
                path = candidate
        trace = trace.tb_next
    if not inside_reader:
        return None
    module = type(error).__module__ or ""
    foreign = not isinstance(error, Exception) or module.startswith(_DEPENDENCIES) or isinstance(error, MemoryError)
    if not foreign:
        return None
    detail: str | dict[str, str] = _first_line(error)
    if isinstance(error, MemoryError):
        detail = words.both("reader.out-of-memory")
    return RefusedInput("reader-failed", path=path if path is not None else "?", detail=detail)


def _first_line(error: BaseException) -> str:
    lines = str(error).strip().splitlines()
    text = lines[0] if lines else type(error).__name__
    return text if len(text) <= 200 else text[:199] + "…"
