"""Progress of long runs on stderr: shown on a terminal, silent in pipes, logs and with --quiet."""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, Progress, SpinnerColumn, TaskProgressColumn, TextColumn, TimeElapsedColumn

from chuangye_metrics.core.words import Language, known_message

_reporter: ContextVar[Callable[[str, int | None, int | None], None] | None] = ContextVar("reporter", default=None)
_STARTED = time.perf_counter()
_last_stage: list[str] = []


def stage(name: str, done: int | None = None, total: int | None = None) -> None:
    """Say which stage a long run is in (and how far, when known); nothing happens unless progress is shown.

    With $CHUANGYE_STAGE_TIMES set, each stage's start is written to stderr in seconds since start-up (for
    the benchmark's breakdown).
    """
    if os.environ.get("CHUANGYE_STAGE_TIMES") and _last_stage[-1:] != [name]:
        _last_stage.append(name)
        print(f"stage {name} {time.perf_counter() - _STARTED:.3f}", file=sys.stderr)
    reporter = _reporter.get()
    if reporter is not None:
        reporter(name, done, total)


def stage_times_end() -> None:
    """The end of the last stage, with $CHUANGYE_STAGE_TIMES set."""
    if os.environ.get("CHUANGYE_STAGE_TIMES"):
        print(f"stage end {time.perf_counter() - _STARTED:.3f}", file=sys.stderr)


@contextmanager
def shown(enabled: bool, language: Language = "zh", console: Any = None) -> Iterator[Any]:
    """Show a progress line on stderr while the block runs, when enabled and stderr is a terminal.

    Yields the rich Progress shown, or None when nothing is.
    """
    if not enabled or (console is None and not sys.stderr.isatty()):
        yield None
        return

    columns = (
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        TaskProgressColumn(),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=console or Console(stderr=True), transient=True) as progress:
        task = progress.add_task("", total=None)

        def report(name: str, done: int | None, total: int | None) -> None:
            description = known_message(f"stage.{name}", language) or name
            progress.update(task, description=description, completed=done or 0, total=total)

        token = _reporter.set(report)
        try:
            yield progress
        finally:
            _reporter.reset(token)
