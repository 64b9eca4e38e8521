"""Nothing harmed: an --output that is an input or not a regular file is refused, every output is written whole or
not at all (a full disk or an interruption leaves the old file and no temporary one), CSV text cannot start a
formula, and names cannot send control sequences to a terminal."""

from __future__ import annotations

import csv
import errno
import io
import json
import os
import stat
import subprocess
import sys
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import CANONICAL_HEADERS, sha256
from tests.test_compute import STREET

# a writer left open after a failure whose own clean-up fails again later prints to stderr: no test allows it
pytestmark = pytest.mark.filterwarnings("error::pytest.PytestUnraisableExceptionWarning")

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "sample_data" / "jiangning_2016.xlsx"
FORMATS = ["csv", "json", "table", "html", "xlsx"]
COMMUNITY = STREET | {"unit_code": "320115001001", "unit_name": "竹山社区", "level": "社区", "parent_code": None}


def run(cli: Any, command: str, inputs: Sequence[Path], *options: str | Path) -> Any:
    """compute or check (against jiangsu-2016, never failing on a unit) of the inputs, without the cache."""
    standard = ["--standard", "jiangsu-2016", "--fail-on", "never"] if command == "check" else []
    return cli(command, *inputs, *standard, "--no-cache", "--quiet", *options)


def refused(result: Any, *words: str) -> None:
    """Exit 2 with one line on stderr, nothing on stdout, no traceback, and each word in the line."""
    assert result.exit_code == 2, (result.exit_code, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr and result.stdout == ""
    for word in words:
        assert word in lines[0], lines[0]


def listing(folder: Path) -> list[str]:
    return sorted(path.name for path in folder.iterdir())


@pytest.fixture
def out(tmp_path: Path) -> Path:
    """A folder of its own for outputs: whatever a run leaves in it is seen."""
    folder = tmp_path / "out"
    folder.mkdir()
    return folder


@pytest.fixture
def two_years(make_return: Callable[..., Path]) -> list[Path]:
    return [
        make_return([STREET | {"year": year, "entrepreneurs": 3860 + year - 2015}], name=f"r{year}.xlsx")
        for year in (2015, 2016)
    ]


# --- an --output that is an input ----------------------------------------------------------------------------


@pytest.mark.parametrize("output_format", FORMATS)
@pytest.mark.parametrize("command", ["compute", "check"])
def test_an_output_hard_linked_to_the_input_is_refused(
    cli: Any, make_return: Callable[..., Path], out: Path, command: str, output_format: str
) -> None:
    source = make_return([STREET])
    before = sha256(source)
    link = out / f"l.{output_format}"
    os.link(source, link)
    result = run(cli, command, [source], "--format", output_format, "--output", link, "--lang", "en")
    refused(result, "is the input file", "never overwritten")
    assert sha256(source) == before and os.path.samefile(source, link)
    assert listing(out) == [link.name]


@pytest.mark.parametrize("output_format", FORMATS)
@pytest.mark.parametrize("command", ["compute", "check"])
def test_with_several_inputs_an_output_linked_to_any_of_them_is_refused(
    cli: Any, two_years: list[Path], out: Path, command: str, output_format: str
) -> None:
    before = [sha256(path) for path in two_years]
    link = out / f"l.{output_format}"
    os.link(two_years[1], link)
    refused(run(cli, command, two_years, "--format", output_format, "--output", link), "--output")
    assert [sha256(path) for path in two_years] == before
    assert listing(out) == [link.name]


def test_an_input_named_through_a_link_is_still_the_input(
    cli: Any, make_return: Callable[..., Path], out: Path
) -> None:
    source = make_return([STREET])
    before = sha256(source)
    alias = out / "alias.xlsx"
    alias.symlink_to(source)
    refused(run(cli, "compute", [alias], "--format", "csv", "--output", source), "--output")
    assert sha256(source) == before


def test_the_other_files_a_command_reads_are_inputs_too(
    cli: Any, make_return: Callable[..., Path], tmp_path: Path
) -> None:
    source = make_return([STREET])
    register = tmp_path / "register.txt"
    register.write_text("320115001000 东山街道\n", encoding="utf-8")
    before = register.read_bytes()
    refused(run(cli, "check", [source], "--register", register, "--format", "csv", "--output", register))
    assert register.read_bytes() == before


def test_the_message_is_chinese_by_default(cli: Any, make_return: Callable[..., Path], out: Path) -> None:
    source = make_return([STREET])
    link = out / "l.csv"
    os.link(source, link)
    refused(run(cli, "compute", [source], "--format", "csv", "--output", link), "输入文件")


# --- an --output that is not a regular file ------------------------------------------------------------------


@pytest.mark.parametrize("output_format", FORMATS)
@pytest.mark.parametrize("command", ["compute", "check"])
def test_an_output_that_is_a_symbolic_link_is_refused(
    cli: Any, make_return: Callable[..., Path], out: Path, tmp_path: Path, command: str, output_format: str
) -> None:
    # a link may point at the input, or anywhere: it is neither written through nor replaced
    target = tmp_path / "someone_elses.txt"
    target.write_text("keep me", encoding="utf-8")
    link = out / f"r.{output_format}"
    link.symlink_to(target)
    result = run(cli, command, [make_return([STREET])], "--format", output_format, "--output", link, "--lang", "en")
    refused(result, "symbolic link")
    assert link.is_symlink() and target.read_text(encoding="utf-8") == "keep me"
    assert listing(out) == [link.name]


def test_an_output_that_is_a_symbolic_link_to_the_input_is_refused(
    cli: Any, make_return: Callable[..., Path], out: Path
) -> None:
    source = make_return([STREET])
    before = sha256(source)
    link = out / "r.json"
    link.symlink_to(source)
    refused(run(cli, "compute", [source], "--format", "json", "--output", link), "--output")
    assert sha256(source) == before and link.is_symlink()


@pytest.fixture
def fifo(out: Path) -> Iterator[Path]:
    """A named pipe with a reader open, so that a wrong attempt to write to it does not block the test."""
    path = out / "pipe"
    os.mkfifo(path)
    reader = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    yield path
    os.close(reader)


@pytest.mark.parametrize("output_format", FORMATS)
def test_an_output_that_is_a_named_pipe_is_refused(
    cli: Any, make_return: Callable[..., Path], fifo: Path, output_format: str
) -> None:
    result = run(cli, "compute", [make_return([STREET])], "--format", output_format, "--output", fifo, "--lang", "en")
    refused(result, "named pipe", "not a regular file")
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)
    assert listing(fifo.parent) == [fifo.name]


@pytest.mark.parametrize("output_format", FORMATS)
def test_an_output_that_is_a_folder_is_refused(
    cli: Any, make_return: Callable[..., Path], out: Path, output_format: str
) -> None:
    folder = out / f"r.{output_format}"
    folder.mkdir()
    result = run(cli, "compute", [make_return([STREET])], "--format", output_format, "--output", folder, "--lang", "en")
    refused(result, "folder")
    assert folder.is_dir() and listing(folder) == [] and listing(out) == [folder.name]


@pytest.mark.parametrize("device", ["/dev/null", "/dev/full"])
def test_a_device_is_never_replaced(cli: Any, make_return: Callable[..., Path], device: str) -> None:
    from chuangye_metrics.core.errors import UsageError
    from chuangye_metrics.outputs.files import check_output

    if not Path(device).exists():
        pytest.skip(f"no {device} here")
    # the check itself, for every format (an xlsx report is the one that would rename over the device) ...
    with pytest.raises(UsageError, match="device"):
        check_output(Path(device), [], "en")
    # ... and a text format through the command line, which is harmless should the check ever be lost
    result = run(cli, "compute", [make_return([STREET])], "--format", "csv", "--output", device, "--lang", "en")
    refused(result, "device")
    assert stat.S_ISCHR(os.lstat(device).st_mode)


def test_an_output_in_a_missing_folder_is_refused_before_anything_is_read(
    cli: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from chuangye_metrics.cli.commands import compute

    def never(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("the return was read")

    monkeypatch.setattr(compute, "read", never)
    monkeypatch.setattr(compute, "settings_of", never)
    result = run(cli, "compute", [SAMPLE], "--format", "csv", "--output", tmp_path / "no" / "r.csv", "--lang", "en")
    refused(result, "cannot write", "no folder")


# --- written whole or not at all -----------------------------------------------------------------------------


class _Disk:
    """A disk with ``room`` bytes left for files under ``folder``; then a write fails with ``failure``."""

    def __init__(self, folder: Path, room: int, failure: Callable[[], BaseException]) -> None:
        self.folder = folder.resolve()
        self.room = room
        self.failure = failure


def _failing_file_class(disk: _Disk) -> type[io.FileIO]:
    class Full(io.FileIO):
        def write(self, data: Any) -> int:
            size = len(memoryview(data))
            if size > disk.room:  # what fits is written, then the disk is full
                written = super().write(memoryview(data)[: disk.room]) if disk.room else 0
                disk.room -= written or 0
                raise disk.failure()
            disk.room -= size
            return super().write(data) or 0

    return Full


@pytest.fixture
def full_disk(monkeypatch: pytest.MonkeyPatch) -> Callable[..., _Disk]:
    """Make files opened for writing under a folder fail once ``room`` bytes are written (like /dev/full):
    every writer, ours, XlsxWriter's and zipfile's, opens its files through ``open``."""
    import builtins

    real_open = builtins.open

    def install(folder: Path, room: int = 64, failure: Callable[[], BaseException] | None = None) -> _Disk:
        disk = _Disk(folder, room, failure or (lambda: OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))))
        full = _failing_file_class(disk)

        def fake_open(file: Any, mode: str = "r", *args: Any, **kwargs: Any) -> Any:
            writing = any(flag in mode for flag in "wax+")
            if writing and isinstance(file, (str, os.PathLike)) and Path(file).resolve().is_relative_to(disk.folder):
                raw = full(os.fspath(file), mode.replace("b", "").replace("t", ""))
                buffered: Any = io.BufferedRandom(raw) if "+" in mode else io.BufferedWriter(raw)
                if "b" in mode:
                    return buffered
                names = ("buffering", "encoding", "errors", "newline")
                given = {**dict(zip(names, args, strict=False)), **kwargs}
                return io.TextIOWrapper(
                    buffered,
                    encoding=given.get("encoding") or "utf-8",
                    errors=given.get("errors"),
                    newline=given.get("newline"),
                )
            return real_open(file, mode, *args, **kwargs)

        monkeypatch.setattr(builtins, "open", fake_open)
        monkeypatch.setattr(io, "open", fake_open)
        return disk

    return install


@pytest.mark.parametrize("previous", [True, False], ids=["replacing", "new"])
@pytest.mark.parametrize("output_format", FORMATS)
@pytest.mark.parametrize("command", ["compute", "check"])
def test_a_full_disk_leaves_the_old_output_and_no_temporary_file(
    cli: Any,
    make_return: Callable[..., Path],
    out: Path,
    full_disk: Callable[..., _Disk],
    command: str,
    output_format: str,
    previous: bool,
) -> None:
    source = make_return([STREET, COMMUNITY])
    target = out / f"r.{output_format}"
    if previous:
        target.write_bytes(b"the report of last month")
    full_disk(out)
    result = run(cli, command, [source], "--format", output_format, "--output", target, "--lang", "en")
    refused(result, f"cannot write {target}", "no space left on device")
    assert listing(out) == ([target.name] if previous else [])
    if previous:
        assert target.read_bytes() == b"the report of last month"


def test_a_full_disk_leaves_none_of_the_excel_writer_s_row_files(
    cli: Any, make_return: Callable[..., Path], out: Path, full_disk: Callable[..., _Disk], monkeypatch: Any
) -> None:
    from chuangye_metrics.outputs import xlsx as report_xlsx

    monkeypatch.setattr(report_xlsx, "CONSTANT_MEMORY_UNITS", 0)  # a temporary file per sheet, row by row
    full_disk(out, room=20_000)
    result = run(cli, "compute", [make_return([STREET, COMMUNITY])], "--format", "xlsx", "--output", out / "r.xlsx")
    refused(result, "磁盘空间已满")
    assert listing(out) == []


def test_a_full_disk_for_the_years_compared(
    cli: Any, two_years: list[Path], out: Path, full_disk: Callable[..., _Disk]
) -> None:
    for output_format in FORMATS:
        full_disk(out)
        target = out / f"years.{output_format}"
        refused(run(cli, "compute", two_years, "--format", output_format, "--output", target), "磁盘空间已满")
        assert listing(out) == []


@pytest.mark.parametrize("output_format", FORMATS)
def test_an_interrupted_write_leaves_nothing_behind(
    cli: Any, make_return: Callable[..., Path], out: Path, full_disk: Callable[..., _Disk], output_format: str
) -> None:
    target = out / f"r.{output_format}"
    target.write_bytes(b"old")
    full_disk(out, room=10, failure=KeyboardInterrupt)
    refused(run(cli, "compute", [make_return([STREET])], "--format", output_format, "--output", target), "已中断")
    assert listing(out) == [target.name] and target.read_bytes() == b"old"


@pytest.mark.parametrize(
    ("code", "words"),
    [(errno.EROFS, "read-only file system"), (errno.EACCES, "permission denied"), (errno.EDQUOT, "quota")],
)
def test_a_failure_to_move_the_output_into_place_says_why(
    cli: Any, make_return: Callable[..., Path], out: Path, monkeypatch: pytest.MonkeyPatch, code: int, words: str
) -> None:
    def failing(*args: Any, **kwargs: Any) -> None:
        raise OSError(code, os.strerror(code))

    monkeypatch.setattr(os, "replace", failing)
    target = out / "r.csv"
    refused(run(cli, "compute", [make_return([STREET])], "--format", "csv", "--output", target, "--lang", "en"), words)
    assert listing(out) == []


def test_a_failed_sync_is_a_failed_write(
    cli: Any, make_return: Callable[..., Path], out: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def failing(descriptor: int) -> None:
        raise OSError(errno.EIO, os.strerror(errno.EIO))

    monkeypatch.setattr(os, "fsync", failing)
    result = run(cli, "compute", [make_return([STREET])], "--format", "json", "--output", out / "r.json")
    refused(result, "r.json")
    assert listing(out) == []


@pytest.mark.parametrize("output_format", FORMATS)
def test_a_written_output_replaces_the_old_one_whole_and_keeps_its_mode(
    cli: Any, make_return: Callable[..., Path], out: Path, output_format: str
) -> None:
    source = make_return([STREET])
    target = out / f"r.{output_format}"
    target.write_bytes(b"old")
    target.chmod(0o640)
    old_link = out / "hard-link-to-the-old-output"
    os.link(target, old_link)  # someone's copy of last month's output: left as it was
    result = run(cli, "compute", [source], "--format", output_format, "--output", target)
    assert result.exit_code == 0, result.stderr
    assert listing(out) == sorted([target.name, old_link.name])
    assert stat.S_IMODE(target.stat().st_mode) == 0o640
    assert old_link.read_bytes() == b"old" and target.read_bytes() != b"old"
    if output_format != "xlsx":
        shown = run(cli, "compute", [source], "--format", output_format)
        text = target.read_text(encoding="utf-8-sig" if output_format == "csv" else "utf-8")
        assert text == shown.stdout


def test_a_full_standard_output_is_a_clear_usage_error() -> None:
    if not Path("/dev/full").exists():
        pytest.skip("no /dev/full here")
    command = [sys.executable, "-m", "chuangye_metrics", "compute", SAMPLE, "--format", "csv", "--no-cache"]
    with open("/dev/full", "w") as full:
        done = subprocess.run(
            [*command, "--lang", "en"],
            stdout=full,
            stderr=subprocess.PIPE,
            text=True,
            check=False,
            cwd=ROOT,
        )
    assert done.returncode == 2, done.stderr
    assert done.stderr.strip() == "chuangye: error: cannot write to standard output: no space left on device"


# --- CSV formula injection ------------------------------------------------------------------------------------

HOSTILE = ['=HYPERLINK("http://x","y")', "+cmd|' /C calc'!A0", "@SUM(1)", "-2+3"]
FIELDS = [name for name in CANONICAL_HEADERS if name != "park_type"]


def write_csv_return(path: Path, rows: Sequence[dict[str, Any]]) -> Path:
    """A return as a CSV file: text reaches the reader exactly as written (control characters included)."""
    with path.open("w", encoding="utf-8", newline="") as stream:
        writer = csv.writer(stream)
        writer.writerow([CANONICAL_HEADERS[name] for name in FIELDS])
        for row in rows:
            writer.writerow(["" if row.get(name) is None else row[name] for name in FIELDS])
    return path


def communities(names: Sequence[str], **changes: Any) -> list[dict[str, Any]]:
    return [
        COMMUNITY | {"unit_code": f"3201150010{index + 1:02d}", "unit_name": name, **changes}
        for index, name in enumerate(names)
    ]


# 729 entities against 1,000 three years before: a growth of (0.729)^(1/3) - 1 = -10 % a year, a negative number
SHRINKING = {"active_entities": 729, "active_entities_base": 1000}


def csv_rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text.removeprefix("\ufeff"))))


def test_compute_csv_text_cannot_start_a_formula(cli: Any, tmp_path: Path, out: Path) -> None:
    source = write_csv_return(tmp_path / "hostile.csv", communities(HOSTILE, **SHRINKING))
    result = run(cli, "compute", [source], "--format", "csv", "--output", out / "r.csv")
    assert result.exit_code == 0, result.stderr
    rows = csv_rows((out / "r.csv").read_text(encoding="utf-8-sig"))
    names = [row["unit_name"] for row in rows if row["level"] == "community"]
    assert names == ["'" + name for name in HOSTILE]
    growth = {row["entity_growth_rate"] for row in rows}
    assert len(growth) == 1 and float(growth.pop()) == pytest.approx(-10.0)  # a number: no quote mark
    document = json.loads(run(cli, "compute", [source], "--format", "json").stdout)
    assert [unit["unit_name"] for unit in document["units"] if unit["level"] == "community"] == HOSTILE


def test_check_csv_text_cannot_start_a_formula(cli: Any, tmp_path: Path) -> None:
    source = write_csv_return(tmp_path / "hostile.csv", communities(HOSTILE))
    result = run(cli, "check", [source], "--format", "csv")
    assert result.exit_code == 0, result.stderr
    rows = csv_rows(result.stdout)
    assert {row["unit_name"] for row in rows if row["level"] == "community"} == {"'" + name for name in HOSTILE}
    # 52.8 % training success against >= 50 %: a gap of 50 - 52.8 = -2.8, a negative number left as it is
    gaps = {row["gap"] for row in rows if row["indicator"] == "success_rate"}
    assert all(gap.startswith("-2.8") for gap in gaps)


def test_the_years_csv_text_cannot_start_a_formula(cli: Any, tmp_path: Path) -> None:
    files = [
        write_csv_return(tmp_path / f"{year}.csv", communities(HOSTILE, year=year, entrepreneurs=entrepreneurs))
        for year, entrepreneurs in ((2015, 4000), (2016, 3860))
    ]
    result = run(cli, "compute", files, "--format", "csv")
    assert result.exit_code == 0, result.stderr
    rows = csv_rows(result.stdout)
    assert {row["unit_name"] for row in rows if row["level"] == "community"} == {"'" + name for name in HOSTILE}
    changes = {row["change"] for row in rows if row["id"] == "entrepreneurs" and row["year"] == "2016"}
    assert "-140" in changes  # 4,000 -> 3,860: a negative change, a number


def test_both_csv_writers_defuse_the_same_cells(catalog: Any) -> None:
    from chuangye_metrics.outputs.csv import write_compute_csv
    from chuangye_metrics.validation.validate import validate_return
    from tests.conftest import table_from_rows
    from tests.oracles import compute, render_csv

    names = [*HOSTILE, "\ttab", "\rreturn", "=", "-", "a=b", "'quoted"]
    validated = validate_return(table_from_rows(communities(names, **SHRINKING), catalog), catalog)
    written = io.StringIO()
    write_compute_csv(written, validated.unit_table(catalog), catalog, chunk=3)
    expected = render_csv(compute(validated, catalog), catalog)
    assert written.getvalue() == expected
    shown = [row["unit_name"] for row in csv_rows(expected) if row["level"] == "community"]
    assert shown == [*("'" + name for name in HOSTILE), "'\ttab", "'\rreturn", "'=", "'-", "a=b", "'quoted"]


def test_formulas_list_csv_text_cannot_start_a_formula(cli: Any, tmp_path: Path) -> None:
    extra = tmp_path / "mine.yaml"
    extra.write_text(
        "indicators:\n  - {id: evil, name: '=1+1', numerator: new_entrepreneurs, denominator: labour_force, "
        "unit: percent}\n",
        encoding="utf-8",
    )
    result = cli("formulas", "list", "--format", "csv", "--formulas", extra)
    assert result.exit_code == 0, result.stderr
    assert {row["id"]: row["name"] for row in csv_rows(result.stdout)}["evil"] == "'=1+1"


# --- terminal escapes -----------------------------------------------------------------------------------------

CONTROLS = {
    "清\x1b[2J屏": "清\\x1b[2J屏",
    "响\x07铃": "响\\x07铃",
    "反\u202e向": "反\\u202e向",
    "隔\u2066离": "隔\\u2066离",
    "两\n行": "两\\n行",
    "回\r车": "回\\r车",
    "c1\x9b31m": "c1\\x9b31m",
    "[/x]标记": "[/x]标记",  # rich markup: shown as typed, never read as a tag
}
RAW = ("\x1b", "\x07", "\u202e", "\u2066", "\r", "\x9b")


def hostile_return(tmp_path: Path, year: int | None = None) -> Path:
    changes = {} if year is None else {"year": year}
    return write_csv_return(tmp_path / f"controls{year or ''}.csv", communities(list(CONTROLS), **changes))


def assert_escaped(text: str, lines_of_units: bool = True) -> None:
    for character in RAW:
        assert character not in text, repr(character)
    for shown in CONTROLS.values():
        assert shown in text, shown
    if lines_of_units:  # every unit's row on one line: a name cannot split it
        for index, shown in enumerate(CONTROLS.values()):
            (line,) = [line for line in text.splitlines() if f"3201150010{index + 1:02d}" in line]
            assert shown in line


def test_the_escaping_function() -> None:
    from chuangye_metrics.core.text import printable

    assert printable("东山街道 Dongshan") == "东山街道 Dongshan"
    assert printable("a\x1b[2Jb\x07\x00\x7f\x85\u200e\u2028\u202a\u2069\t") == (
        "a\\x1b[2Jb\\x07\\x00\\x7f\\x85\\u200e\\u2028\\u202a\\u2069\\t"
    )
    assert printable("line\r\nbreak") == "line\\r\\nbreak"


@pytest.mark.parametrize("plain", [False, True], ids=["drawn", "plain"])
def test_a_compute_table_shows_control_characters_escaped(
    cli: Any, tmp_path: Path, monkeypatch: Any, plain: bool
) -> None:
    from chuangye_metrics.outputs import table as render

    if plain:
        monkeypatch.setattr(render, "PLAIN_ABOVE", 1)
    result = run(cli, "compute", [hostile_return(tmp_path)])
    assert result.exit_code == 0, result.stderr
    assert_escaped(result.stdout, lines_of_units=plain)
    document = json.loads(run(cli, "compute", [hostile_return(tmp_path)], "--format", "json").stdout)
    assert {unit["unit_name"] for unit in document["units"]} >= set(CONTROLS)  # JSON keeps the exact text


@pytest.mark.parametrize("plain", [False, True], ids=["drawn", "plain"])
def test_a_check_table_shows_control_characters_escaped(
    cli: Any, tmp_path: Path, monkeypatch: Any, plain: bool
) -> None:
    from chuangye_metrics.outputs import table as render

    if plain:
        monkeypatch.setattr(render, "PLAIN_ABOVE", 1)
    result = run(cli, "check", [hostile_return(tmp_path)])
    assert result.exit_code == 0, result.stderr
    assert_escaped(result.stdout, lines_of_units=plain)


def test_a_check_shortlist_and_its_missing_units_show_control_characters_escaped(cli: Any, tmp_path: Path) -> None:
    register = tmp_path / "register.txt"
    register.write_text("320115001099 未报\x1b[31m社区\n", encoding="utf-8")
    result = run(cli, "check", [hostile_return(tmp_path)], "--quota", "community=3", "--near", "100000")
    assert result.exit_code == 0, result.stderr
    assert_escaped(result.stdout, lines_of_units=False)
    missing = run(cli, "check", [hostile_return(tmp_path)], "--register", register)
    assert "未报\\x1b[31m社区" in missing.stdout and "\x1b" not in missing.stdout


def test_the_years_table_shows_control_characters_escaped(cli: Any, tmp_path: Path) -> None:
    result = run(cli, "compute", [hostile_return(tmp_path, 2015), hostile_return(tmp_path, 2016)])
    assert result.exit_code == 0, result.stderr
    assert_escaped(result.stdout, lines_of_units=False)


def test_explain_shows_control_characters_escaped(cli: Any, tmp_path: Path) -> None:
    source = hostile_return(tmp_path)
    for index, shown in enumerate(CONTROLS.values()):
        result = cli("explain", source, "--unit", f"3201150010{index + 1:02d}")
        assert result.exit_code == 0, result.stderr
        assert shown in result.stdout.splitlines()[0]
        assert not any(character in result.stdout for character in RAW)
    parent = cli("explain", source, "--unit", "320115001000")  # the derived street lists its children's names
    assert parent.exit_code == 0 and not any(character in parent.stdout for character in RAW)


def test_findings_on_stderr_and_in_validate_show_control_characters_escaped(cli: Any, tmp_path: Path) -> None:
    # a level nobody knows, written with an escape sequence: the finding quotes the value
    source = write_csv_return(tmp_path / "level.csv", [COMMUNITY | {"level": "社区\x1b[2J\u202e"}])
    computed = run(cli, "compute", [source])
    assert computed.exit_code == 1
    assert "社区\\x1b[2J\\u202e" in computed.stderr and "\x1b" not in computed.stderr
    validated = cli("validate", source, "--no-cache")
    assert "社区\\x1b[2J\\u202e" in validated.stdout and "\x1b" not in validated.stdout
    github = cli("validate", source, "--no-cache", "--format", "github")
    assert "\x1b" not in github.stdout and "\u202e" not in github.stdout
    document = json.loads(cli("validate", source, "--no-cache", "--format", "json").stdout)
    assert {finding["value"] for finding in document["findings"]} == {"社区\x1b[2J\u202e"}  # JSON: exact


def test_the_findings_table_for_a_terminal_shows_control_characters_escaped() -> None:
    from rich.console import Console

    from chuangye_metrics.core.findings import Finding
    from chuangye_metrics.outputs.table import findings_table

    finding = Finding(
        severity="error", code="unknown-level", sheet="表\x1b]0;title\x07", value="[/red]\x1b[2J", message="坏\u202e"
    )
    buffer = io.StringIO()
    Console(file=buffer, width=200, force_terminal=False).print(findings_table([finding], "zh"))
    text = buffer.getvalue()
    assert "表\\x1b]0;title\\x07" in text and "[/red]\\x1b[2J" in text and "坏\\u202e" in text
    assert "\x1b" not in text and "\u202e" not in text


def test_an_error_message_shows_control_characters_escaped(cli: Any) -> None:
    result = cli("compute", SAMPLE, "--format", "\x1b[2Jpdf")
    assert result.exit_code == 2
    assert "\\x1b[2Jpdf" in result.stderr and "\x1b" not in result.stderr


def test_a_standard_s_own_texts_are_shown_escaped(cli: Any, tmp_path: Path) -> None:
    standard = tmp_path / "standard.yaml"
    standard.write_text(
        'id: mine\nname: "标准\\x1b[2J[bold]"\nsource: "来源\\u202e"\nstatus: provisional\n'
        "levels:\n  community:\n    - {field: new_entrepreneurs, op: '>=', value: 1}\n",
        encoding="utf-8",
    )
    result = cli("check", hostile_return(tmp_path), "--standard", standard, "--no-cache", "--fail-on", "never")
    assert result.exit_code == 0, result.stderr
    assert "标准\\x1b[2J[bold]" in result.stdout and "来源\\u202e" in result.stdout
    assert not any(character in result.stdout for character in RAW)
    shown = cli("standards", "show", standard)
    assert "标准\\x1b[2J[bold]" in shown.stdout and "\x1b" not in shown.stdout


def test_template_refuses_a_symbolic_link_even_with_force(cli: Any, out: Path, tmp_path: Path) -> None:
    target = tmp_path / "elsewhere.xlsx"
    target.write_bytes(b"keep me")
    link = out / "t.xlsx"
    link.symlink_to(target)
    refused(cli("template", "-o", link, "--force"), "符号链接")
    assert link.is_symlink() and target.read_bytes() == b"keep me"


def test_template_on_a_full_disk_leaves_nothing(cli: Any, out: Path, full_disk: Callable[..., _Disk]) -> None:
    full_disk(out)
    refused(cli("template", "-o", out / "t.xlsx"), "磁盘空间已满")
    assert listing(out) == []
