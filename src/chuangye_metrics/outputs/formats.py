"""The output formats, each written by its module in this package, loaded only when a command writes it."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Protocol, cast

if TYPE_CHECKING:
    from pathlib import Path

    from chuangye_metrics.config.catalog import Catalog
    from chuangye_metrics.core.models import CheckResult, ComputeResult, YearsResult
    from chuangye_metrics.core.words import Language
    from chuangye_metrics.standards.library import Standard

REPORTS = ("xlsx", "html")
"""The formats that write a report (a workbook, a page) of a compute or check result."""


class ReportWriter(Protocol):
    """What a report format's module offers."""

    def report(
        self,
        output: Path | None,
        result: ComputeResult | CheckResult,
        catalog: Catalog,
        *,
        standard: Standard | None,
        language: Language,
        years: YearsResult | None,
    ) -> None: ...


def report_writer(name: str) -> ReportWriter:
    """The module of a report format, imported now (the reports' code is the largest of the outputs)."""
    if name not in REPORTS:
        raise KeyError(name)
    return cast(ReportWriter, importlib.import_module(f"{__package__}.{name}"))
