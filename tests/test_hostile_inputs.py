"""Hostile inputs get a clear answer: one line on stderr, a documented exit code, bounded time and memory, and
the input left exactly as it was. Every hostile file is built here, in tmp_path."""

from __future__ import annotations

import hashlib
import json
import os
import resource
import struct
import subprocess
import sys
import time
import zipfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import CANONICAL_HEADERS, write_workbook

TIMEOUT = 30  # seconds: a hang fails the test instead of hanging the suite
MEMORY = 1 << 30  # bytes of data segment for the CLI process: a bomb that gets through dies instead of swapping


# --- running the CLI as a process ------------------------------------------------------------------------------


@dataclass
class Run:
    code: int
    stdout: str
    stderr: str
    seconds: float

    @property
    def lines(self) -> list[str]:
        return self.stderr.strip().splitlines()


def _limit_memory() -> None:
    resource.setrlimit(resource.RLIMIT_DATA, (MEMORY, MEMORY))


def chuangye(tmp_path: Path, *args: str | Path, timeout: float = TIMEOUT) -> Run:
    """``chuangye ARGS`` as a process of its own, with a private cache, a time limit and a memory limit."""
    env = {**os.environ, "CHUANGYE_CACHE_DIR": str(tmp_path / "cache"), "RUST_BACKTRACE": "1"}
    started = time.perf_counter()
    try:
        done = subprocess.run(
            [sys.executable, "-m", "chuangye_metrics", *map(str, args)],
            capture_output=True,
            timeout=timeout,
            env=env,
            stdin=subprocess.DEVNULL,
            preexec_fn=_limit_memory,
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"chuangye {' '.join(map(str, args))} did not return within {timeout} s")
    return Run(
        done.returncode,
        done.stdout.decode("utf-8", "replace"),
        done.stderr.decode("utf-8", "replace"),
        time.perf_counter() - started,
    )


def refused(run: Run, code: int, *needles: str) -> None:
    """Exit ``code``, exactly one line on stderr holding every needle, and no traceback or Rust report."""
    assert run.code == code, run.stderr[-3000:]
    assert len(run.lines) == 1, run.stderr[-3000:]
    assert "Traceback" not in run.stderr
    assert "panicked" not in run.stderr and "stack backtrace" not in run.stderr
    for needle in needles:
        assert needle in run.stderr, (needle, run.stderr)


@contextmanager
def untouched(*paths: Path) -> Iterator[None]:
    """The files are byte for byte the same, and the same files (inode), after the block."""

    def state(path: Path) -> tuple[Any, ...]:
        status = os.stat(path)
        if not os.path.isfile(path):
            return (status.st_ino, status.st_mode)
        return (status.st_ino, status.st_size, hashlib.sha256(path.read_bytes()).hexdigest())

    before = [state(path) for path in paths]
    yield
    assert [state(path) for path in paths] == before


# --- 1. not a regular file ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("options", [(), ("--no-cache",), ("--format", "json")])
def test_a_named_pipe_is_refused_not_waited_on(tmp_path: Path, options: tuple[str, ...]) -> None:
    fifo = tmp_path / "return.csv"
    os.mkfifo(fifo)
    with untouched(fifo):
        run = chuangye(tmp_path, "compute", fifo, *options, "--lang", "en")
    refused(run, 2, "return.csv", "named pipe")


def test_a_named_pipe_is_refused_by_validate_in_chinese(tmp_path: Path) -> None:
    fifo = tmp_path / "return.xlsx"
    os.mkfifo(fifo)
    refused(chuangye(tmp_path, "validate", fifo), 2, "return.xlsx", "命名管道")


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="no /dev/zero here")
@pytest.mark.parametrize("command", ["compute", "validate"])
def test_dev_zero_is_refused_not_read_for_ever(tmp_path: Path, command: str) -> None:
    run = chuangye(tmp_path, command, "/dev/zero", "--lang", "en")
    refused(run, 2, "/dev/zero", "character device")


def test_a_named_pipe_as_a_formulas_file_is_refused(tmp_path: Path) -> None:
    book = write_workbook(tmp_path / "ok.xlsx", [])
    fifo = tmp_path / "formulas.yaml"
    os.mkfifo(fifo)
    # --format json fingerprints the --formulas files for the cache before it reads them: neither may block
    run = chuangye(tmp_path, "compute", book, "--format", "json", "--formulas", fifo, "--lang", "en")
    refused(run, 2, "formulas.yaml", "named pipe")


@pytest.mark.parametrize("name", ["units.txt", "units.csv", "units"])
def test_a_named_pipe_as_the_register_is_refused(tmp_path: Path, name: str) -> None:
    book = write_workbook(tmp_path / "ok.xlsx", [{"unit_code": "320115001000", "unit_name": "a", "level": "街道"}])
    fifo = tmp_path / name
    os.mkfifo(fifo)
    run = chuangye(tmp_path, "check", book, "--standard", "jiangsu-2016", "--register", fifo, "--lang", "en")
    refused(run, 2, name, "named pipe")


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="no /dev/zero here")
def test_dev_zero_as_the_register_is_refused(tmp_path: Path) -> None:
    book = write_workbook(tmp_path / "ok.xlsx", [{"unit_code": "320115001000", "unit_name": "a", "level": "街道"}])
    run = chuangye(tmp_path, "check", book, "--standard", "jiangsu-2016", "--register", "/dev/zero", "--lang", "en")
    refused(run, 2, "/dev/zero", "character device")


def test_a_register_over_its_size_limit_is_refused(tmp_path: Path, monkeypatch: Any) -> None:
    from chuangye_metrics.config.catalog import load_catalog
    from chuangye_metrics.core import guard
    from chuangye_metrics.core.errors import InputError
    from chuangye_metrics.standards.check import load_register

    path = tmp_path / "units.txt"
    path.write_text("320115001000 东山街道\n" * 100, encoding="utf-8")
    monkeypatch.setattr(guard, "MAX_REGISTER_BYTES", 1000)
    with pytest.raises(InputError, match=r"units\.txt：单位名录文件过大"):
        load_register(path, load_catalog())


def test_a_register_saved_by_notepad_in_gb18030_still_reads(tmp_path: Path) -> None:
    from chuangye_metrics.config.catalog import load_catalog
    from chuangye_metrics.standards.check import load_register

    path = tmp_path / "units.txt"
    path.write_bytes("320115001000 东山街道\n320115002000 秣陵街道\n".encode("gb18030"))
    entries = load_register(path, load_catalog())
    assert [(entry.unit_code, entry.unit_name) for entry in entries] == [
        ("320115001000", "东山街道"),
        ("320115002000", "秣陵街道"),
    ]


# --- 2. zip bombs ------------------------------------------------------------------------------------------------

_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PACKAGE = "http://schemas.openxmlformats.org/package/2006"
_WORKBOOK_PARTS = {
    "[Content_Types].xml": f'<?xml version="1.0" encoding="UTF-8"?><Types xmlns="{_PACKAGE}/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    '<Override PartName="/xl/sharedStrings.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>',
    "_rels/.rels": f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{_PACKAGE}/relationships">'
    f'<Relationship Id="rId1" Type="{_REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>',
    "xl/workbook.xml": f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{_MAIN}" xmlns:r="{_REL}">'
    '<sheets><sheet name="数据" sheetId="1" r:id="rId1"/></sheets></workbook>',
    "xl/_rels/workbook.xml.rels": f'<?xml version="1.0" encoding="UTF-8"?><Relationships '
    f'xmlns="{_PACKAGE}/relationships"><Relationship Id="rId1" Type="{_REL}/worksheet" '
    f'Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="{_REL}/sharedStrings" '
    'Target="sharedStrings.xml"/></Relationships>',
}
_HEADER_ROW = (
    '<row r="1">'
    + "".join(f'<c r="{letter}1" t="s"><v>{index}</v></c>' for index, letter in enumerate("ABC"))
    + "</row>"
)
_SHEET_HEAD = f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{_MAIN}"><sheetData>{_HEADER_ROW}'
_SHEET_TAIL = "</sheetData></worksheet>"
_STRINGS_HEAD = f'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="{_MAIN}">' + "".join(
    f"<si><t>{CANONICAL_HEADERS[name]}</t></si>" for name in ("unit_code", "unit_name", "level")
)
_STRINGS_TAIL = "</sst>"


def _gf2_times(matrix: list[int], vector: int) -> int:
    total, index = 0, 0
    while vector:
        if vector & 1:
            total ^= matrix[index]
        vector >>= 1
        index += 1
    return total


def _crc32_combine(crc1: int, crc2: int, length2: int) -> int:
    """zlib's crc32_combine: the CRC-32 of A + B from those of A and B and the length of B."""
    odd = [0xEDB88320] + [1 << bit for bit in range(31)]
    even = [_gf2_times(odd, row) for row in odd]
    odd = [_gf2_times(even, row) for row in even]
    while length2:
        even = [_gf2_times(odd, row) for row in odd]
        if length2 & 1:
            crc1 = _gf2_times(even, crc1)
        length2 >>= 1
        if not length2:
            break
        odd = [_gf2_times(even, row) for row in even]
        if length2 & 1:
            crc1 = _gf2_times(odd, crc1)
        length2 >>= 1
    return crc1 ^ crc2


@dataclass
class Member:
    """A deflated zip member: ``head``, then ``filler`` ``times`` over, then ``tail``, compressed once."""

    name: str
    head: bytes
    filler: bytes = b""
    times: int = 0
    tail: bytes = b""
    declared: int | None = None  # the inflated size the archive claims (default: the true one)

    def deflated(self) -> tuple[bytes, bytes, bytes]:
        compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
        first = compressor.compress(self.head) + compressor.flush(zlib.Z_FULL_FLUSH)
        # after a full flush the compressor starts afresh, so every copy of the filler compresses the same
        block = compressor.compress(self.filler) + compressor.flush(zlib.Z_FULL_FLUSH) if self.times else b""
        return first, block, compressor.compress(self.tail) + compressor.flush(zlib.Z_FINISH)

    @property
    def size(self) -> int:
        return len(self.head) + len(self.filler) * self.times + len(self.tail)

    @property
    def crc(self) -> int:
        crc = zlib.crc32(self.head)
        if self.times:
            repeated, power, power_length, times, length = 0, zlib.crc32(self.filler), len(self.filler), self.times, 0
            while times:  # the CRC of filler * times, by doubling
                if times & 1:
                    repeated = _crc32_combine(repeated, power, power_length) if length else power
                    length += power_length
                times >>= 1
                if times:
                    power = _crc32_combine(power, power, power_length)
                    power_length *= 2
            crc = _crc32_combine(crc, repeated, length)
        return _crc32_combine(crc, zlib.crc32(self.tail), len(self.tail)) if self.tail else crc


def write_zip(path: Path, members: list[Member]) -> Path:
    """A zip archive streamed member by member (sizes under 4 GiB, no zip64), fast whatever it inflates to."""
    central = b""
    with path.open("wb") as out:
        for member in members:
            offset = out.tell()
            name = member.name.encode()
            first, block, last = member.deflated()
            compressed = len(first) + len(block) * member.times + len(last)
            declared = member.size if member.declared is None else member.declared
            fields = (20, 0x0800, 8, 0, 0x21, member.crc, compressed, declared, len(name))
            out.write(struct.pack("<IHHHHHIIIHH", 0x04034B50, *fields, 0) + name + first)
            for _ in range(member.times):
                out.write(block)
            out.write(last)
            central += struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, *fields, 0, 0, 0, 0, 0, offset) + name
        start = out.tell()
        out.write(central)
        out.write(struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(members), len(members), len(central), start, 0))
    return path


def bomb_workbook(
    path: Path, *, sheet_megabytes: int = 0, strings_megabytes: int = 0, declared: int | None = None
) -> Path:
    """A valid .xlsx return whose sheet (or shared strings) is padded with megabytes of white space."""
    megabyte = b" " * (1 << 20)
    members = [Member(name, text.encode()) for name, text in _WORKBOOK_PARTS.items()]
    members.append(
        Member(
            "xl/sharedStrings.xml",
            _STRINGS_HEAD.encode(),
            megabyte,
            strings_megabytes,
            _STRINGS_TAIL.encode(),
            declared if strings_megabytes else None,
        )
    )
    members.append(
        Member(
            "xl/worksheets/sheet1.xml",
            _SHEET_HEAD.encode(),
            megabyte,
            sheet_megabytes,
            _SHEET_TAIL.encode(),
            declared if sheet_megabytes else None,
        )
    )
    return write_zip(path, members)


def test_the_bomb_builder_makes_valid_workbooks(tmp_path: Path) -> None:
    path = bomb_workbook(tmp_path / "small.xlsx", sheet_megabytes=2)
    with zipfile.ZipFile(path) as archive:
        assert archive.testzip() is None  # every CRC checks out
        assert archive.getinfo("xl/worksheets/sheet1.xml").file_size > 2 << 20
    run = chuangye(tmp_path, "validate", path, "--lang", "en")
    assert run.code == 0, run.stderr  # read fine: a return without rows, only warnings
    assert "Traceback" not in run.stderr


def test_a_sheet_that_inflates_to_3_gb_is_refused(tmp_path: Path) -> None:
    path = bomb_workbook(tmp_path / "bomb.xlsx", sheet_megabytes=3 * 1024)
    assert path.stat().st_size < 4 << 20
    with untouched(path):
        run = chuangye(tmp_path, "compute", path, "--lang", "en")
    refused(run, 1, "bomb.xlsx", "xl/worksheets/sheet1.xml", "3,072 MB", "beyond the limit")
    assert run.seconds < 10


def test_huge_shared_strings_are_refused(tmp_path: Path) -> None:
    path = bomb_workbook(tmp_path / "strings.xlsx", strings_megabytes=3 * 1024)
    with untouched(path):
        run = chuangye(tmp_path, "validate", path)
    refused(run, 1, "strings.xlsx", "xl/sharedStrings.xml", "3,072 MB")


def test_a_part_that_inflates_a_thousandfold_is_refused(tmp_path: Path) -> None:
    path = bomb_workbook(tmp_path / "ratio.xlsx", sheet_megabytes=1024)  # 1 GB from 1 MB: under the size limit
    with untouched(path):
        run = chuangye(tmp_path, "compute", path, "--lang", "en")
    refused(run, 1, "ratio.xlsx", "xl/worksheets/sheet1.xml", "zip bomb")


@pytest.mark.parametrize(
    ("megabytes", "declared"),
    [(3 * 1024, 5_000_000), (6 * 1024, 200_000_000)],
    ids=["before-the-read", "beside-the-read"],  # a declared size under 16 MB is settled before the read
)
def test_a_forged_inflated_size_is_caught(tmp_path: Path, megabytes: int, declared: int) -> None:
    # the archive understates the sheet; it inflates to gigabytes, which fastexcel's zip reader would hold
    path = bomb_workbook(tmp_path / "forged.xlsx", sheet_megabytes=megabytes, declared=declared)
    with untouched(path):
        run = chuangye(tmp_path, "compute", path, "--no-cache", "--lang", "en")
    refused(run, 1, "forged.xlsx", "xl/worksheets/sheet1.xml", "forged")


# --- 3. unbounded work from small inputs -------------------------------------------------------------------------


def test_a_million_columns_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "wide.csv"
    path.write_text("单位代码,单位名称,单位层级," + ",".join(["x"] * 1_000_000) + "\n1,a,街道\n", encoding="utf-8")
    with untouched(path):
        run = chuangye(tmp_path, "validate", path, "--format", "json", "--lang", "en")
    refused(run, 1, "wide.csv", "line 1", "1,000,003 columns", "16,384")
    assert run.stdout == ""


def test_an_xlsx_head_cell_beyond_column_xfd_is_refused(tmp_path: Path) -> None:
    sheet = _SHEET_HEAD.replace("</row>", '<c r="ZZZZZ1" t="inlineStr"><is><t>x</t></is></c></row>') + _SHEET_TAIL
    path = sheet_workbook(tmp_path / "beyond.xlsx", sheet)
    with untouched(path):
        run = chuangye(tmp_path, "compute", path, "--lang", "en")
    refused(run, 1, "beyond.xlsx", "ZZZZZ1", "beyond an Excel sheet")


_UNIT_ROW = (
    '<row r="2"><c r="A2" t="inlineStr"><is><t>320115001000</t></is></c>'
    '<c r="B2" t="inlineStr"><is><t>东山街道</t></is></c><c r="C2" t="inlineStr"><is><t>街道</t></is></c></row>'
)


@pytest.mark.parametrize(
    "far, rows, columns",
    [("XFD1048576", "1,048,576", "16,384"), ("ZZ200000", "200,000", "702"), ("AAA60000", "60,000", "703")],
)
def test_two_far_apart_cells_are_refused_before_the_read(tmp_path: Path, far: str, rows: str, columns: str) -> None:
    # the reader holds the grid from the first cell to the last: A1 and XFD1048576 ask for 550 GB
    row = far.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
    sheet = _SHEET_HEAD + _UNIT_ROW + f'<row r="{row}"><c r="{far}"><v>1</v></c></row>' + _SHEET_TAIL
    path = sheet_workbook(tmp_path / "far.xlsx", sheet)
    assert path.stat().st_size < 3000
    with untouched(path):
        run = chuangye(tmp_path, "compute", path, "--lang", "en")
    refused(run, 1, "far.xlsx", f"{rows} rows × {columns} columns", "40,000,000 cells")


def test_far_apart_cells_are_refused_in_chinese_by_validate(tmp_path: Path) -> None:
    sheet = _SHEET_HEAD + _UNIT_ROW + '<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>' + _SHEET_TAIL
    path = sheet_workbook(tmp_path / "far.xlsx", sheet)
    refused(chuangye(tmp_path, "validate", path), 1, "far.xlsx", "工作表“数据”", "1,048,576 行 × 16,384 列")


@pytest.mark.parametrize(
    "cell",
    [
        '<c s="1" r="ZZ300000"><v>1</v></c>',  # the reference after another attribute
        '<c r="A300000"><v>1</v></c><c><v>1</v></c>' * 1 + "<c><v>1</v></c>" * 700,  # cells without a reference
    ],
    ids=["attribute-order", "no-reference"],
)
def test_far_cells_written_another_way_are_refused(tmp_path: Path, cell: str) -> None:
    sheet = _SHEET_HEAD + _UNIT_ROW + f'<row r="300000">{cell}</row>' + _SHEET_TAIL
    path = sheet_workbook(tmp_path / "odd.xlsx", sheet)
    refused(chuangye(tmp_path, "compute", path, "--lang", "en"), 1, "odd.xlsx", "300,000 rows")


def test_a_cell_beyond_the_grid_below_the_head_is_refused(tmp_path: Path) -> None:
    sheet = _SHEET_HEAD + _UNIT_ROW + '<row r="5000"><c r="XFE5000"><v>1</v></c></row>' + _SHEET_TAIL
    path = sheet_workbook(tmp_path / "beyond.xlsx", sheet)
    refused(chuangye(tmp_path, "compute", path, "--lang", "en"), 1, "beyond.xlsx", "beyond an Excel sheet")


def test_a_far_cell_without_a_value_is_no_reason_to_refuse(tmp_path: Path) -> None:
    # a style kept in XFD1048576 (Ctrl+End gone astray) holds no value: the reader leaves it out of its grid
    far = '<row r="1048576"><c r="XFD1048576" s="1"/></row><row r="1048570" ht="30" customHeight="1"/>'
    path = sheet_workbook(tmp_path / "styled.xlsx", _SHEET_HEAD + _UNIT_ROW + far + _SHEET_TAIL)
    run = chuangye(tmp_path, "compute", path, "--format", "json")
    assert run.code == 0, run.stderr[-2000:]
    assert '"320115001000"' in run.stdout


_WATCHED_SCAN = """
import sys
from pathlib import Path
from chuangye_metrics.core.guard import stop_on_sheet_extent
from chuangye_metrics.reading.xlsx import scan_sheet

path = Path(sys.argv[1])
scan_sheet(path, "数据", stop_on_sheet_extent(path, "数据"), roughly=True)
print("not stopped")
"""


def test_the_measure_beside_the_read_of_a_large_sheet_stops_the_process(tmp_path: Path) -> None:
    # above SYNC_SCAN_BYTES the sheet is measured in a thread beside the read: the measure ends the process
    # with one line as soon as the grid is too large (fastexcel, holding the GIL-free read, cannot be stopped)
    import random

    from chuangye_metrics.core.guard import SYNC_SCAN_BYTES

    generator = random.Random(13)
    rows = [
        f'<row r="{row}"><c r="A{row}"><v>{generator.random()}</v></c>'
        f'<c r="B{row}"><v>{generator.random()}</v></c></row>'
        for row in range(3, 3 + SYNC_SCAN_BYTES // 80)
    ]
    far = '<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>'
    sheet = _SHEET_HEAD + _UNIT_ROW + "".join(rows) + far + "".join(rows[:5000]) + _SHEET_TAIL
    assert len(sheet) > SYNC_SCAN_BYTES
    path = sheet_workbook(tmp_path / "padded.xlsx", sheet)
    done = subprocess.run(
        [sys.executable, "-c", _WATCHED_SCAN, str(path), "--lang", "en"],
        capture_output=True,
        timeout=TIMEOUT,
        stdin=subprocess.DEVNULL,
    )
    assert done.returncode == 1
    assert done.stdout == b""
    [line] = done.stderr.decode().splitlines()
    assert line.startswith("chuangye: error: ") and "1,048,576 rows × 16,384 columns" in line


def test_a_large_sheet_is_measured_beside_the_read_not_before(tmp_path: Path, monkeypatch: Any) -> None:
    from chuangye_metrics.config.catalog import load_catalog
    from chuangye_metrics.core import guard
    from chuangye_metrics.reading import reader

    book = write_workbook(tmp_path / "ok.xlsx", [{"unit_code": "320115001000", "unit_name": "a", "level": "街道"}])
    seen: list[str] = []
    monkeypatch.setattr(guard, "SYNC_SCAN_BYTES", 0)
    monkeypatch.setattr(guard, "stop_on_sheet_extent", lambda path, sheet: lambda extent: seen.append("beside"))
    monkeypatch.setattr(guard, "refuse_sheet_extent", lambda path, sheet: lambda extent: seen.append("before"))
    table = reader.read_return(book, load_catalog())
    assert table.frame["unit_code"].tolist() == ["320115001000"]
    assert "before" not in seen  # measured in the thread (whose watch is off once the body is read)


def test_a_return_as_wide_as_excel_is_read_in_bounded_time(tmp_path: Path) -> None:
    headers = [*CANONICAL_HEADERS.values()] + [f"备注{index}" for index in range(16_384 - len(CANONICAL_HEADERS))]
    path = tmp_path / "excel-wide.csv"
    path.write_text(",".join(headers) + "\n320115001000,东山街道,街道\n", encoding="utf-8")
    run = chuangye(tmp_path, "validate", path, "--format", "json")
    assert run.code == 0, run.stderr[-2000:]
    assert run.seconds < 20
    assert len(run.stdout) < 20 << 20


def big_yaml(path: Path, head: str) -> Path:
    path.write_text(head + "# " + "填充" * 400_000 + "\n", encoding="utf-8")  # 2.4 MB of comment
    return path


@pytest.mark.parametrize("option", ["--formulas", "--rules", "--mapping"])
def test_a_configuration_file_over_1_mb_is_refused(tmp_path: Path, option: str) -> None:
    book = write_workbook(tmp_path / "ok.xlsx", [])
    config = big_yaml(tmp_path / "big.yaml", "columns: {}\n" if option == "--mapping" else "rules: []\n")
    run = chuangye(tmp_path, "validate", book, option, config, "--lang", "en")
    refused(run, 2, "big.yaml", "2.3 MB", "1.0 MB")


def test_a_standard_file_over_1_mb_is_refused(tmp_path: Path) -> None:
    book = write_workbook(tmp_path / "ok.xlsx", [])
    standard = big_yaml(tmp_path / "standard.yaml", "id: big\n")
    run = chuangye(tmp_path, "check", book, "--standard", standard, "--lang", "en")
    refused(run, 2, "standard.yaml", "2.3 MB", "1.0 MB")


def formulas_file(path: Path, numerator: str) -> Path:
    path.write_text(
        "indicators:\n"
        "  - id: deep\n"
        "    name: deep\n"
        f"    numerator: '{numerator}'\n"
        "    denominator: labour_force\n"
        "    unit: percent\n",
        encoding="utf-8",
    )
    return path


@pytest.mark.parametrize(
    "numerator",
    [
        "(" * 10_000 + "entrepreneurs" + ")" * 10_000,  # nested parentheses
        "-" * 10_000 + "entrepreneurs",  # nested negations
        " + ".join(["entrepreneurs"] * 5_000),  # a chain as deep as it is long
    ],
    ids=["parentheses", "negations", "chain"],
)
def test_expressions_nested_too_deep_are_refused(tmp_path: Path, numerator: str) -> None:
    book = write_workbook(tmp_path / "ok.xlsx", [])
    path = formulas_file(tmp_path / "deep.yaml", numerator)
    run = chuangye(tmp_path, "compute", book, "--formulas", path, "--lang", "en")
    refused(run, 2, "deep.yaml:4", "deeper than")
    assert len(run.stderr) < 1000


def test_findings_kept_per_code_are_capped() -> None:
    from chuangye_metrics.core.findings import Finding, cap_findings

    findings = [Finding(severity="warning", code="unknown-header", column=str(index)) for index in range(5000)]
    findings += [Finding(severity="error", code="not-a-number", row=index) for index in range(3000)]
    findings.append(Finding(severity="error", code="duplicate-code", row=1))
    capped = cap_findings(findings, per_code=1000)
    by_code: dict[str, int] = {}
    for finding in capped:
        by_code[finding.code] = by_code.get(finding.code, 0) + 1
    assert by_code == {"unknown-header": 1000, "not-a-number": 1000, "duplicate-code": 1, "findings-capped": 2}
    summaries = {finding.params["of"]: finding for finding in capped if finding.code == "findings-capped"}
    assert summaries["unknown-header"].severity == "warning" and summaries["unknown-header"].params["left"] == 4000
    assert summaries["not-a-number"].severity == "error"  # the errors left out still count as errors
    assert "2000" in summaries["not-a-number"].localised("en").message
    assert capped[:1000] == findings[:1000]  # the first of each code, in their order
    assert cap_findings(findings[:10]) == findings[:10]


def bad_cells_csv(path: Path, rows: int, *, level: str = "社区", code: int = 0) -> Path:
    """A CSV of ``rows`` communities whose three counts are words, each row with a level and code as given
    (``code`` 0: each its own)."""
    header = "单位代码,单位名称,单位层级,统计年度,劳动年龄人口数,创业人员实有数,当年新增创业人数"
    lines = [header]
    for index in range(rows):
        unit = code or 320115001001 + index
        lines.append(f"{unit},社区{index},{level},2024,多,少,无")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_thousands_of_bad_cells_keep_a_thousand_findings_of_each_kind(tmp_path: Path) -> None:
    from chuangye_metrics.config.catalog import load_catalog
    from chuangye_metrics.core.findings import finding_counts
    from chuangye_metrics.reading.reader import read_return
    from chuangye_metrics.validation.validate import validate_return

    catalog = load_catalog()
    path = bad_cells_csv(tmp_path / "words.csv", 1500)
    table = read_return(path, catalog)
    assert len(table.findings) <= 1000 + 1  # the rest counted as they are read, not built
    validated = validate_return(table, catalog)
    codes: dict[str, int] = {}
    for finding in validated.findings:
        codes[finding.code] = codes.get(finding.code, 0) + 1
    assert codes["not-a-number"] == 1000
    [summary] = [finding for finding in validated.findings if finding.code == "findings-capped"]
    assert summary.severity == "error" and summary.params == {
        "of": "not-a-number",
        "left": 3 * 1500 - 1000,
        "kept": 1000,
    }
    assert finding_counts(validated.findings)[0] == 3 * 1500 + sum(
        1
        for finding in validated.findings
        if finding.severity == "error" and finding.code not in ("not-a-number", "findings-capped")
    )


def test_validate_counts_every_finding_though_it_keeps_a_thousand_of_each(tmp_path: Path) -> None:
    path = bad_cells_csv(tmp_path / "words.csv", 1500)
    run = chuangye(tmp_path, "validate", path, "--format", "json", "--max-errors", "100000", "--lang", "en")
    assert run.code == 1, run.stderr[-2000:]
    report = json.loads(run.stdout)
    listed = [finding for finding in report["findings"] if finding["code"] == "not-a-number"]
    assert len(listed) == 1000
    others = sum(1 for finding in report["findings"] if finding["code"] not in ("not-a-number", "findings-capped"))
    assert report["errors"] + report["warnings"] == 4500 + others  # every bad cell counted, a thousand listed
    [summary] = [finding for finding in report["findings"] if finding["code"] == "findings-capped"]
    assert summary["severity"] == "error"
    assert summary["message"] == '3500 more "not-a-number" finding(s) not listed (at most 1000 of each kind are kept)'
    assert report["findings"].index(summary) == sum(1 for f in report["findings"] if f["severity"] == "error") - 1


@pytest.mark.parametrize("kind", ["duplicate codes", "unknown levels"])
def test_a_return_of_one_repeated_fault_is_checked_in_bounded_time(tmp_path: Path, kind: str) -> None:
    # one code on every row, or a different unknown level on every row: once a loop over rows for each
    rows = 60_000
    if kind == "duplicate codes":
        path = bad_cells_csv(tmp_path / "same.csv", rows, code=320115001001)
    else:
        path = tmp_path / "levels.csv"
        lines = ["单位代码,单位名称,单位层级,统计年度,劳动年龄人口数"]
        lines += [f"{320115001001 + index},社区{index},层级{index},2024,100" for index in range(rows)]
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    run = chuangye(tmp_path, "validate", path, "--format", "json", "--max-errors", "100000", "--lang", "en")
    assert run.code == 1, run.stderr[-2000:]
    report = json.loads(run.stdout)
    code = "duplicate-code" if kind == "duplicate codes" else "unknown-level"
    assert sum(1 for finding in report["findings"] if finding["code"] == code) == 1000
    assert report["errors"] >= rows - 1


# --- 4. failures of the libraries that read a return ------------------------------------------------------------


def _record(kind: int, data: bytes = b"") -> bytes:
    return struct.pack("<HH", kind, len(data)) + data


def panicking_xls(path: Path) -> Path:
    """A BIFF8 workbook whose formula ends a PtgExp token two bytes short: calamine 0.36 panics on opening it."""
    bof_globals = _record(0x0809, struct.pack("<HHHHII", 0x0600, 0x0005, 0, 0, 0, 0))
    name = "数据".encode("utf-16-le")
    eof = _record(0x000A)
    sheet_at = len(bof_globals) + len(_record(0x0085, bytes(8) + name)) + len(eof)
    boundsheet = _record(0x0085, struct.pack("<IBBBB", sheet_at, 0, 0, 2, 1) + name)
    formula = struct.pack("<HHHdHI", 0, 0, 0, 1.0, 0, 0) + struct.pack("<H", 3) + bytes([0x01, 0x00, 0x00])
    sheet = _record(0x0809, struct.pack("<HHHHII", 0x0600, 0x0010, 0, 0, 0, 0)) + _record(0x0006, formula) + eof
    stream = (bof_globals + boundsheet + eof + sheet).ljust(4096, b"\x00")  # 4096 bytes: no mini stream
    sectors = len(stream) // 512
    end, free, fat_sector, no_stream = 0xFFFFFFFE, 0xFFFFFFFF, 0xFFFFFFFD, 0xFFFFFFFF
    header = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(16) + struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6)
    header += bytes(6) + struct.pack("<IIIIIIIII", 0, 1, 1, 0, 4096, end, 0, end, 0)
    header += struct.pack("<I", 0) + struct.pack("<I", free) * 108
    fat = [fat_sector, end, *range(3, 2 + sectors), end]
    fat_bytes = b"".join(struct.pack("<I", entry) for entry in fat).ljust(512, b"\xff")

    def entry(text: str, kind: int, child: int, start: int, size: int) -> bytes:
        encoded = (text + "\x00").encode("utf-16-le")
        return (
            encoded.ljust(64, b"\x00")
            + struct.pack("<HBBIII", len(encoded), kind, 1, no_stream, no_stream, child)
            + bytes(36)
            + struct.pack("<IQ", start, size)
        )

    directory = (entry("Root Entry", 5, 1, end, 0) + entry("Workbook", 2, no_stream, 2, len(stream))).ljust(512, b"\0")
    path.write_bytes(header + fat_bytes + directory + stream)
    return path


@pytest.mark.parametrize("command", ["compute", "validate"])
def test_a_rust_panic_in_the_reader_is_one_line(tmp_path: Path, command: str) -> None:
    import fastexcel

    path = panicking_xls(tmp_path / "ptgexp-truncated-operand.xls")
    try:
        fastexcel.read_excel(path)
    except BaseException as error:  # a PanicException is what is looked for
        if type(error).__name__ != "PanicException":
            pytest.skip(f"this fastexcel refuses the file without a panic: {error}")
    else:
        pytest.skip("this fastexcel reads the file without a panic")
    with untouched(path):
        run = chuangye(tmp_path, command, path, "--lang", "en")
    refused(run, 1, "ptgexp-truncated-operand.xls", "not a readable spreadsheet", "out of range")


def repeating_ods(path: Path) -> Path:
    """An .ods whose second row repeats 2,000,000 times: calamine caps it and logs a warning."""
    content = (
        '<?xml version="1.0" encoding="UTF-8"?><office:document-content '
        'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
        'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2"><office:body>'
        '<office:spreadsheet><table:table table:name="数据"><table:table-row>'
        + "".join(
            f'<table:table-cell office:value-type="string"><text:p>{header}</text:p></table:table-cell>'
            for header in ("单位代码", "单位名称", "单位层级")
        )
        + '</table:table-row><table:table-row table:number-rows-repeated="2000000"><table:table-cell/>'
        "</table:table-row></table:table></office:spreadsheet></office:body></office:document-content>"
    )
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        archive.writestr("content.xml", content, zipfile.ZIP_DEFLATED)
        archive.writestr(
            "META-INF/manifest.xml",
            '<?xml version="1.0" encoding="UTF-8"?><manifest:manifest '
            'xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0"><manifest:file-entry '
            'manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
            '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
            "</manifest:manifest>",
            zipfile.ZIP_DEFLATED,
        )
    return path


def test_calamine_log_lines_stay_off_stderr(tmp_path: Path) -> None:
    path = repeating_ods(tmp_path / "repeated.ods")
    run = chuangye(tmp_path, "validate", path, "--lang", "en")
    assert "Traceback" not in run.stderr
    assert "capped" not in run.stderr and "calamine" not in run.stderr, run.stderr


class PanicException(BaseException):
    """What pyo3 raises for a Rust panic: a BaseException, which ``except Exception`` does not catch."""


PanicException.__module__ = "pyo3_runtime"


def test_a_panic_while_reading_the_body_is_one_line(cli: Any, tmp_path: Path, monkeypatch: Any) -> None:
    from chuangye_metrics.reading import reader

    def panic(*args: Any, **kwargs: Any) -> Any:
        raise PanicException("called `Option::unwrap()` on a `None` value\nsecond line")

    book = write_workbook(tmp_path / "panics.xlsx", [{"unit_code": "320115001000", "unit_name": "a", "level": "街道"}])
    monkeypatch.setattr(reader._ExcelSource, "read_body", panic)
    result = cli("validate", book, "--no-cache", "--lang", "en")
    assert result.exit_code == 1
    assert result.stderr.strip().splitlines() == [
        f"chuangye: error: {book}: the file could not be read: called `Option::unwrap()` on a `None` value"
    ]


_PANICKING_LOAD = """
import os, runpy, sys
import fastexcel

class PanicException(BaseException):
    pass

PanicException.__module__ = "pyo3_runtime"

def load_sheet(self, *args, **kwargs):
    report = b"thread '<unnamed>' panicked at src/types/sheet.rs:9:9:\\nindex out of bounds\\n"
    os.write(2, report + b"note: run with RUST_BACKTRACE=1\\n")
    raise PanicException("index out of bounds")

fastexcel.ExcelReader.load_sheet = load_sheet
sys.argv = ["chuangye", *sys.argv[1:]]
runpy.run_module("chuangye_metrics", run_name="__main__")
"""


def test_a_rust_panic_s_own_report_while_loading_a_sheet_stays_off_stderr(tmp_path: Path) -> None:
    book = write_workbook(tmp_path / "panics.xlsx", [{"unit_code": "320115001000", "unit_name": "a", "level": "街道"}])
    env = {**os.environ, "CHUANGYE_CACHE_DIR": str(tmp_path / "cache")}
    done = subprocess.run(
        [sys.executable, "-c", _PANICKING_LOAD, "validate", str(book), "--no-cache", "--lang", "en"],
        capture_output=True,
        timeout=TIMEOUT,
        env=env,
        stdin=subprocess.DEVNULL,
    )
    assert done.returncode == 1
    assert done.stderr.decode().strip().splitlines() == [
        f"chuangye: error: {book}: the file could not be read: index out of bounds"
    ]


def test_python_s_stderr_reaches_the_terminal_while_rust_is_kept_quiet() -> None:
    # the progress line is drawn by a thread of Python's while fastexcel reads: it must not wait for the read
    script = (
        "import os, sys\n"
        "from chuangye_metrics.core.guard import rust_quiet\n"
        "with rust_quiet():\n"
        "    sys.stderr.write('drawn at once\\n')\n"
        "    os.write(2, b'from rust\\n')\n"
        "    sys.stdin.readline()\n"
    )
    child = subprocess.Popen(
        [sys.executable, "-c", script], stdin=subprocess.PIPE, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL
    )
    assert child.stderr is not None and child.stdin is not None
    try:
        import select

        ready, _, _ = select.select([child.stderr], [], [], TIMEOUT)
        assert ready, "nothing reached stderr while the block ran"
        assert child.stderr.readline() == b"drawn at once\n"
        child.stdin.write(b"\n")
        child.stdin.close()
        assert child.stderr.read() == b"from rust\n"  # what is not a panic report is passed on afterwards
    finally:
        child.kill()
        child.wait()


def test_a_panic_outside_the_reader_is_an_internal_error(cli: Any, tmp_path: Path, monkeypatch: Any) -> None:
    from chuangye_metrics import pipeline

    def panic(*args: Any, **kwargs: Any) -> Any:
        raise PanicException("boom")

    book = write_workbook(tmp_path / "ok.xlsx", [{"unit_code": "320115001000", "unit_name": "a", "level": "街道"}])
    monkeypatch.setattr(pipeline, "validate_return", panic)
    result = cli("validate", book, "--no-cache")
    assert result.exit_code == 70
    (line,) = result.stderr.strip().splitlines()
    assert "内部错误：PanicException: boom" in line


# --- 5. encodings ------------------------------------------------------------------------------------------------


def csv_lines(count: int, start: int = 1) -> list[str]:
    return [f"3201150010{index:02d},社区{index},社区" for index in range(start, start + count)]


def test_a_csv_half_utf8_half_gb18030_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "mixed.csv"
    top = ["单位代码,单位名称,单位层级", *csv_lines(4)]
    path.write_bytes(("\n".join(top) + "\n").encode() + ("\n".join(csv_lines(4, 5)) + "\n").encode("gb18030"))
    with untouched(path):
        run = chuangye(tmp_path, "validate", path, "--lang", "en")
    refused(run, 1, "mixed.csv", "mixed encodings", "line 1 is UTF-8", "line 6 is not")
    refused(chuangye(tmp_path, "compute", path), 1, "mixed.csv", "编码混杂", "第 6 行")


def test_a_csv_half_gb18030_half_utf8_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "mixed.csv"
    top = ["单位代码,单位名称,单位层级", *csv_lines(4)]
    path.write_bytes(("\n".join(top) + "\n").encode("gb18030") + ("\n".join(csv_lines(4, 5)) + "\n").encode())
    refused(chuangye(tmp_path, "validate", path, "--lang", "en"), 1, "mixed.csv", "line 6 is UTF-8", "line 1 is not")


def test_a_gb18030_csv_still_reads(tmp_path: Path) -> None:
    path = tmp_path / "gbk.csv"
    path.write_bytes(("\n".join(["单位代码,单位名称,单位层级", *csv_lines(6)]) + "\n").encode("gb18030"))
    run = chuangye(tmp_path, "compute", path, "--format", "json")
    assert run.code == 0, run.stderr
    assert "社区6" in run.stdout


def test_a_csv_in_neither_encoding_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "junk.csv"
    path.write_bytes("单位代码,单位名称,单位层级\n".encode() + b"320115001001,\x80\xff,x\n")
    refused(chuangye(tmp_path, "validate", path, "--lang", "en"), 1, "junk.csv", "line 2", "0x80")


# --- what held before and must keep holding ------------------------------------------------------------------------


def sheet_workbook(path: Path, sheet_xml: str) -> Path:
    members = [Member(name, text.encode()) for name, text in _WORKBOOK_PARTS.items()]
    members.append(Member("xl/sharedStrings.xml", (_STRINGS_HEAD + _STRINGS_TAIL).encode()))
    members.append(Member("xl/worksheets/sheet1.xml", sheet_xml.encode()))
    return write_zip(path, members)


def test_billion_laughs_in_the_sheet_xml(tmp_path: Path) -> None:
    entities = '<!ENTITY a0 "ha">' + "".join(f'<!ENTITY a{n} "{f"&a{n - 1};" * 10}">' for n in range(1, 10))
    xml = f'<?xml version="1.0"?><!DOCTYPE worksheet [{entities}]>' + _SHEET_HEAD.split("?>", 1)[1]
    xml = xml.replace("<sheetData>", '<sheetData><row r="2"><c r="A2" t="inlineStr"><is><t>&a9;</t></is></c></row>')
    path = sheet_workbook(tmp_path / "laughs.xlsx", xml + _SHEET_TAIL)
    with untouched(path):
        run = chuangye(tmp_path, "compute", path, "--format", "json")
    assert run.code == 1 and "Traceback" not in run.stderr
    assert "haha" not in run.stdout + run.stderr
    assert run.seconds < 15


def test_an_external_entity_in_the_sheet_xml_leaks_nothing(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-VALUE", encoding="utf-8")
    doctype = f'<!DOCTYPE worksheet [<!ENTITY leak SYSTEM "file://{secret}">]>'
    xml = f'<?xml version="1.0"?>{doctype}' + _SHEET_HEAD.split("?>", 1)[1]
    xml = xml.replace("<sheetData>", '<sheetData><row r="2"><c r="A2" t="inlineStr"><is><t>&leak;</t></is></c></row>')
    path = sheet_workbook(tmp_path / "xxe.xlsx", xml + _SHEET_TAIL)
    with untouched(path, secret):
        run = chuangye(tmp_path, "compute", path, "--format", "json")
    assert run.code == 1 and "Traceback" not in run.stderr
    assert "TOP-SECRET" not in run.stdout + run.stderr


def test_a_yaml_alias_bomb_exits_2_fast(tmp_path: Path) -> None:
    book = write_workbook(tmp_path / "ok.xlsx", [])
    lines = ['a0: &a0 ["x","x","x","x","x","x","x","x","x"]']
    lines += [f"a{n}: &a{n} [{','.join([f'*a{n - 1}'] * 9)}]" for n in range(1, 10)]
    path = tmp_path / "laughs.yaml"
    path.write_text("\n".join(lines) + "\nfields: *a9\n", encoding="utf-8")
    run = chuangye(tmp_path, "compute", book, "--formulas", path)
    refused(run, 2, "laughs.yaml")
    assert run.seconds < 15


@pytest.mark.parametrize(
    "numerator", ["__import__('os').system('true')", "labour_force ** 2", "labour_force.__class__"]
)
def test_code_in_a_formula_is_refused(tmp_path: Path, numerator: str) -> None:
    book = write_workbook(tmp_path / "ok.xlsx", [])
    path = formulas_file(tmp_path / "code.yaml", numerator.replace("'", "''"))
    refused(chuangye(tmp_path, "compute", book, "--formulas", path), 2, "code.yaml:4")
