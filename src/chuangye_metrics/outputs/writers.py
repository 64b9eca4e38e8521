"""The output formats and the kinds of result each one writes: one registry, read by every command's --format."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from chuangye_metrics.core.progress import shown
from chuangye_metrics.standards.check import year_of_check

if TYPE_CHECKING:
    from pathlib import Path

    from chuangye_metrics.config.catalog import Catalog
    from chuangye_metrics.core.words import Language
    from chuangye_metrics.pipeline import Returns
    from chuangye_metrics.reading.cache import Cache
    from chuangye_metrics.standards.check import CheckOutcome
    from chuangye_metrics.standards.library import Standard

Kind = Literal["compute", "years", "check", "validation", "diff"]
"""compute: one year's units (Returns); years: several years compared (Returns); check: a Checked;
validation: a ValidationReport; diff: two versions of a year's return compared (pipeline.Revised)."""
REPORTED: tuple[Kind, ...] = ("compute", "years", "check")
"""The kinds a report format writes through its ``report`` (of the latest year); any other by ``write_<kind>``."""


@dataclass(frozen=True)
class Format:
    """An output format: its module in this package, the kinds it writes, and whether it needs --output."""

    name: str
    kinds: tuple[Kind, ...]
    report: bool = False
    """A report (a workbook, a page): its module's ``report`` writes every kind, of the latest year."""
    needs_file: bool = False


FORMATS = (
    Format("table", ("compute", "years", "check", "validation", "diff")),
    Format("json", ("compute", "years", "check", "validation", "diff")),
    Format("csv", ("compute", "years", "check", "diff")),
    Format("xlsx", ("compute", "years", "check", "diff"), report=True, needs_file=True),
    Format("html", ("compute", "years", "check", "diff"), report=True),
    Format("github", ("validation", "check")),
)
BY_NAME = {item.name: item for item in FORMATS}
REPORTS = tuple(item.name for item in FORMATS if item.report)


def formats_for(*kinds: Kind) -> list[str]:
    """The formats that write every one of ``kinds`` (the results a command may give), in registry order."""
    return [item.name for item in FORMATS if all(kind in item.kinds for kind in kinds)]


@dataclass
class Target:
    """Where and how a result is written."""

    output: Path | None
    catalog: Catalog
    language: Language
    quiet: bool = False
    standard: Standard | None = None
    cache: Cache | None = None
    """compute's JSON of one return is stored here as it is written, under ``key``."""
    key: str = ""
    indicators: tuple[str, ...] | None = None
    """compute's table: these indicators (None: every one, or as many as the terminal fits)."""


@dataclass
class Checked:
    """What check writes: the returns read and their outcome against the standard."""

    returns: Returns
    outcome: CheckOutcome


Writer = Callable[[Any, Target], None]


def writer(name: str, kind: Kind) -> Writer:
    """The function that writes ``kind`` in format ``name``: ``write_<kind>`` of outputs/<name>.py, or a report's
    ``report``; the module is imported now (the reports' code is the largest of the outputs)."""
    item = BY_NAME[name]
    if kind not in item.kinds:
        raise KeyError(f"{name} does not write {kind}")
    module = importlib.import_module(f"{__package__}.{name}")
    if item.report and kind in REPORTED:
        return lambda subject, target: _report(module, kind, subject, target)
    function: Writer = getattr(module, f"write_{kind}")
    return function


def write(name: str, kind: Kind, subject: Any, target: Target) -> None:
    writer(name, kind)(subject, target)


def _report(module: Any, kind: Kind, subject: Any, target: Target) -> None:
    """A report of one year: with several, the latest, beside the years compared."""
    years = None
    if kind == "check":
        returns, result = subject.returns, subject.outcome.result
        assert result is not None
        if returns.several_years:
            result, years = year_of_check(result, returns.years[-1]), returns.years_result()
    elif kind == "years":
        with shown(not target.quiet, target.language):
            years, result = subject.years_result(), subject.result(subject.years[-1])
    else:
        result = subject.result()
    module.report(
        target.output, result, target.catalog, standard=target.standard, language=target.language, years=years
    )
