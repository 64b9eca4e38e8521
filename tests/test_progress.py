"""Progress shows on a terminal only: never in pipes, logs or with --quiet."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

from rich.console import Console

from chuangye_metrics.core import progress
from tests.test_compute import STREET


def test_stages_reach_a_terminal_display() -> None:
    console = Console(file=io.StringIO(), force_terminal=True, width=100)
    with progress.shown(True, "zh", console=console) as display:
        progress.stage("read")
        assert display.tasks[0].description == "读取报表"
        progress.stage("write", 3, 10)
        (task,) = display.tasks
        assert (task.description, task.completed, task.total) == ("写出结果", 3, 10)
    assert progress._reporter.get() is None


def test_english_stage_names() -> None:
    console = Console(file=io.StringIO(), force_terminal=True, width=100)
    with progress.shown(True, "en", console=console) as display:
        progress.stage("validate")
        assert display.tasks[0].description == "validating"


def test_stage_without_a_display_does_nothing() -> None:
    progress.stage("read")  # no reporter installed: no error, no output
    with progress.shown(False, "zh") as display:
        assert display is None and progress._reporter.get() is None


def test_piped_runs_show_no_progress(cli: Any, make_return: Callable[..., Path]) -> None:
    result = cli("compute", make_return([STREET]), "--format", "json")
    assert result.exit_code == 0
    assert "读取" not in result.stderr and "\r" not in result.stderr
    assert cli("compute", make_return([STREET]), "--format", "json", "--quiet").stderr == result.stderr


def test_stage_times_on_request(cli: Any, make_return: Callable[..., Path], monkeypatch: Any) -> None:
    path = make_return([STREET])
    quiet = cli("compute", path, "--format", "json", "--no-cache")
    assert "stage " not in quiet.stderr
    monkeypatch.setenv("CHUANGYE_STAGE_TIMES", "1")
    monkeypatch.setattr(progress, "_last_stage", [])
    timed = cli("compute", path, "--format", "json", "--no-cache")
    lines = [line.split() for line in timed.stderr.splitlines() if line.startswith("stage ")]
    assert [line[1] for line in lines] == ["read", "validate", "compute", "write"]
    seconds = [float(line[2]) for line in lines]
    assert seconds == sorted(seconds)
    assert timed.stdout == quiet.stdout  # the figures go to stderr only
