"""Tables at a terminal's width: compute and check drawn through a pseudo-terminal at 80, 120 and 200 columns
(snapshots in tests/snapshots/terminal, updated with --update-snapshots), plain and whole in a pipe, and the layout's
arithmetic checked against rich's own drawing."""

from __future__ import annotations

import io
import itertools
import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from rich.cells import cell_len
from rich.console import Console

from chuangye_metrics.config.catalog import Catalog, format_measure
from chuangye_metrics.core.text import CLOSING, wrapped
from chuangye_metrics.outputs.layout import Column, Grid, draw_table, fits, needed, terminal_width

pty = pytest.importorskip("pty")  # POSIX only

SAMPLES = Path(__file__).parent.parent / "sample_data"
SNAPSHOTS = Path(__file__).parent / "snapshots" / "terminal"
SAMPLE = SAMPLES / "jiangning_2017.xlsx"
STANDARD = "jiangsu-2016"
ESCAPES = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07]*\x07")


def on_terminal(width: int, *args: str, tmp_path: Path) -> str:
    """stdout of ``chuangye args`` run on a pseudo-terminal ``width`` columns wide, its escapes taken out."""
    import fcntl
    import struct
    import termios

    leader, follower = pty.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 40, width, 0, 0))
    env = {key: value for key, value in os.environ.items() if key not in ("COLUMNS", "LINES")}
    env.update(NO_COLOR="1", TERM="xterm-256color", CHUANGYE_CACHE_DIR=str(tmp_path / "cache"))
    process = subprocess.Popen(
        [sys.executable, "-m", "chuangye_metrics", *args, "--quiet"],
        stdin=subprocess.DEVNULL,
        stdout=follower,
        stderr=subprocess.PIPE,
        env=env,
        cwd=SAMPLES,
    )
    os.close(follower)
    chunks: list[bytes] = []
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # the terminal is gone: the command ended
            break
        if not chunk:
            break
        chunks.append(chunk)
    process.wait(timeout=120)
    os.close(leader)
    text = b"".join(chunks).decode("utf-8").replace("\r\n", "\n")
    return ESCAPES.sub("", text)


def json_of(cli: Any, *args: str) -> Any:
    result = cli(*args, "--format", "json")
    return json.loads(result.stdout)


def compare(name: str, text: str, request: pytest.FixtureRequest) -> None:
    stored = SNAPSHOTS / f"{name}.txt"
    if request.config.getoption("--update-snapshots"):
        SNAPSHOTS.mkdir(parents=True, exist_ok=True)
        stored.write_text(text, encoding="utf-8")
        return
    assert stored.exists(), f"no snapshot {stored}: run pytest {__file__} --update-snapshots and read the diff"
    assert text == stored.read_text(encoding="utf-8")


def unit_lines(text: str, code: str) -> str:
    """The line of a table that starts with the unit's code, and the lines under it that continue its row."""
    lines = [line.replace("│", " ")[2:] if line.startswith("│") else line for line in text.splitlines()]
    for position, line in enumerate(lines):
        if line.startswith(code + " ") or line == code:
            following = [line]
            for more in lines[position + 1 :]:
                if not more.startswith(" ") or not more.strip():
                    break
                following.append(more)
            return "\n".join(following)
    raise AssertionError(f"no row of {code}")


@pytest.mark.parametrize("width", [80, 120, 200])
def test_compute_on_a_terminal(width: int, cli: Any, catalog: Catalog, tmp_path: Path, request: Any) -> None:
    text = on_terminal(width, "compute", SAMPLE.name, tmp_path=tmp_path)
    compare(f"compute-{width}", text, request)
    assert "…" not in text
    assert max(cell_len(line) for line in text.splitlines()) <= width
    core = [name for name, indicator in catalog.indicators.items() if indicator.core]
    for unit in json_of(cli, "compute", str(SAMPLE))["units"]:
        row = unit_lines(text, unit["unit_code"])
        values = [format_measure(unit["indicators"][name]["value"], unit["indicators"][name]["unit"]) for name in core]
        found = [re.search(rf"(?<![\d.:]){re.escape(value)}(?![\d.%])", row) for value in values]
        assert all(found), (unit["unit_code"], values, row)
        positions = [match.start() for match in found if match]
        assert positions == sorted(positions), f"the core indicators out of order in {row!r}"


@pytest.mark.parametrize("width", [80, 120, 200])
def test_check_on_a_terminal(width: int, cli: Any, tmp_path: Path, request: Any) -> None:
    text = on_terminal(width, "check", SAMPLE.name, "-s", STANDARD, tmp_path=tmp_path)
    compare(f"check-{width}", text, request)
    assert "…" not in text
    statuses = {"pass": "达标", "fail": "未达标", "incomplete": "数据不全"}
    result = json_of(cli, "check", str(SAMPLE), "-s", STANDARD)
    for unit in result["units"]:
        if unit["assessment"] is None:
            continue
        row = unit_lines(text, unit["unit_code"])
        assert statuses[unit["assessment"]["status"]] in row.split(), row
        for check in unit["assessment"]["checks"]:
            if check["status"] == "fail" and check["shortfall"] is not None:
                assert f"差 {check['shortfall']} " in row, (check, row)


def test_english_compute_at_80_columns_lists_every_value(cli: Any, tmp_path: Path) -> None:
    """English names are too long for columns at 80: a block per unit, every value whole."""
    text = on_terminal(80, "compute", SAMPLE.name, "--lang", "en", tmp_path=tmp_path)
    assert "…" not in text
    for unit in json_of(cli, "compute", str(SAMPLE), "--lang", "en")["units"]:
        block = text.split(unit["unit_code"], 1)[1].split("\n\n", 1)[0]
        for value in unit["indicators"].values():
            assert format_measure(value["value"], value["unit"], "en") in block


def test_chosen_indicators_are_the_columns(cli: Any, tmp_path: Path) -> None:
    text = on_terminal(80, "compute", SAMPLE.name, "--indicators", "存活率,jobs_per_entity", tmp_path=tmp_path)
    heading = next(line for line in text.splitlines() if line.startswith("单位代码"))
    assert heading.split()[-2:] == ["存活率", "实体带动比"]
    assert "另有" not in text  # nothing is said to be left out when the columns were chosen


def test_an_unknown_indicator_is_a_usage_error(cli: Any) -> None:
    result = cli("compute", str(SAMPLE), "--indicators", "参与率,no_such")
    assert result.exit_code == 2
    assert "no_such" in result.stderr and "--indicators" in result.stderr
    assert result.stdout == ""


def test_in_a_pipe_the_table_is_plain_and_whole(cli: Any, catalog: Catalog) -> None:
    """No terminal and no COLUMNS: every indicator under its full name, no box, nothing cut, any width."""
    text = cli("compute", str(SAMPLE)).stdout
    assert "…" not in text and "┃" not in text
    heading = text.splitlines()[1]
    assert [indicator.name for indicator in catalog.indicators.values()] == heading.split()[3:]
    assert max(cell_len(line) for line in text.splitlines()) > 200


def test_columns_lays_out_a_pipe(cli: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "100")
    text = cli("compute", str(SAMPLE)).stdout
    assert max(cell_len(line) for line in text.splitlines()) <= 100
    assert "…" not in text


def test_terminal_width_reads_columns_only_off_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "97")
    assert terminal_width(io.StringIO()) == 97
    monkeypatch.setenv("COLUMNS", "wide")
    assert terminal_width(io.StringIO()) is None
    monkeypatch.delenv("COLUMNS")
    assert terminal_width(io.StringIO()) is None


cells = st.text(alphabet="0123456789.%:江宁区社村abc —", min_size=0, max_size=14)


@settings(max_examples=150, deadline=None)
@given(
    st.lists(st.tuples(cells, st.lists(cells, min_size=3, max_size=3), st.booleans()), min_size=1, max_size=7),
    st.integers(min_value=20, max_value=140),
    st.booleans(),
)
def test_a_table_said_to_fit_is_drawn_whole(spec: list[tuple[str, list[str], bool]], width: int, compact: bool) -> None:
    """``needed`` against rich: a table that fits is drawn in ``width`` columns, no whole cell cut; a boxed table
    needs no less than the width rich draws it at, so a fitting one is not cut either."""
    columns = [Column(heading or "h", values, whole=whole) for heading, values, whole in spec]
    grid = Grid("", columns, keys=1)
    buffer = io.StringIO()
    Console(file=buffer, width=width, highlight=False).print(draw_table(grid, compact))
    drawn = buffer.getvalue()
    if fits(columns, width, compact):
        assert "…" not in drawn
        assert max(cell_len(line) for line in drawn.splitlines()) <= width
        for column in columns:
            if column.whole:
                for value in column.cells:
                    if value.strip():
                        assert value.strip() in drawn
    natural = Console(file=io.StringIO(), width=10_000).measure(draw_table(grid, compact)).maximum
    if all(column.whole for column in columns):
        assert needed(columns, compact) == natural


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="创业参与率（三年）。，；：ab cd-12 %", max_size=120), st.integers(min_value=4, max_value=90))
def test_a_paragraph_is_wrapped_to_the_width_with_nothing_lost(text: str, width: int) -> None:
    # marks in a row may begin a line: the catalogue's texts have none
    assume(not any(a in CLOSING and b in CLOSING for a, b in itertools.pairwise(text.replace(" ", ""))))
    lines = wrapped(text, width).split("\n")
    assert all(cell_len(line) <= width for line in lines)
    assert "".join(lines).replace(" ", "") == text.replace(" ", "")
    # a Chinese closing mark never begins a line (an ASCII word too long for a line is cut anywhere)
    assert not any(line[:1] in CLOSING and not line[:1].isascii() for line in lines[1:])
