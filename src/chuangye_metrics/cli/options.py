"""What the commands share: their options, formats and the steps around the pipeline (settings, findings, reports)."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, cast

import typer
from rich.cells import cell_len
from rich.console import Console

from chuangye_metrics.core import words
from chuangye_metrics.core.errors import UsageError
from chuangye_metrics.core.findings import finding_counts
from chuangye_metrics.core.text import printable, wrapped
from chuangye_metrics.outputs.files import check_output as check_target
from chuangye_metrics.outputs.layout import terminal_width
from chuangye_metrics.outputs.table import finding_line, findings_table
from chuangye_metrics.outputs.writers import BY_NAME, formats_for
from chuangye_metrics.pipeline import Request

if TYPE_CHECKING:
    from chuangye_metrics.config.catalog import Catalog
    from chuangye_metrics.core.words import Language
    from chuangye_metrics.outputs.writers import Kind


def format_choices(name: str, *kinds: Kind) -> type[StrEnum]:
    """A command's --format choices, read from the registry: the formats that write every kind it gives."""
    return cast("type[StrEnum]", StrEnum(name, {item: item for item in formats_for(*kinds)}))


if TYPE_CHECKING:  # built from the registry at run time; to the type checker, any StrEnum
    ComputeFormat = StrEnum
    CheckFormat = StrEnum
    ReportFormat = StrEnum
    DiffFormat = StrEnum
else:
    ComputeFormat = format_choices("ComputeFormat", "compute", "years")
    CheckFormat = format_choices("CheckFormat", "check")
    ReportFormat = format_choices("ReportFormat", "validation")
    DiffFormat = format_choices("DiffFormat", "diff")

COMPUTE_TABLE, CHECK_TABLE, REPORT_TABLE = ComputeFormat("table"), CheckFormat("table"), ReportFormat("table")
DIFF_TABLE = DiffFormat("table")
"""The default of each --format."""


class ListFormat(StrEnum):
    """``formulas list``: the catalogue as a table, a document or rows."""

    table = "table"
    json = "json"
    csv = "csv"


class DocumentFormat(StrEnum):
    table = "table"
    json = "json"


DocumentFormatOption = Annotated[DocumentFormat, typer.Option("--format", "-f")]


class Lang(StrEnum):
    zh = "zh"
    en = "en"


InputFile = Annotated[
    Path,
    typer.Argument(
        exists=True,
        dir_okay=False,
        readable=True,
    ),
]
InputFiles = Annotated[
    list[Path],
    typer.Argument(
        exists=True,
        dir_okay=False,
        readable=True,
    ),
]
SheetOption = Annotated[str | None, typer.Option("--sheet")]
YearOption = Annotated[
    int | None,
    typer.Option("--year", min=1949, max=2100),
]
LangOption = Annotated[Lang, typer.Option("--lang", envvar=words.LANG_VARIABLE)]
MappingOption = Annotated[
    Path | None,
    typer.Option("--mapping", exists=True, dir_okay=False),
]
RulesOption = Annotated[
    list[Path] | None,
    typer.Option("--rules", exists=True, dir_okay=False),
]

FormulasOption = Annotated[
    list[Path] | None,
    typer.Option("--formulas", exists=True, dir_okay=False),
]

NoCacheOption = Annotated[
    bool,
    typer.Option("--no-cache"),
]

QuietOption = Annotated[bool, typer.Option("--quiet", "-q")]


def language_of(lang: Lang) -> Language:
    return "en" if lang is Lang.en else "zh"


def say(text: str) -> None:
    """A line for people on stdout, the control characters of the names, sources and notes it quotes from a
    return or a user's file shown escaped (``text.printable``); on a terminal (or with ``COLUMNS``) broken to its
    width, the continuation under the line's own indent."""

    shown = printable(text)
    width = terminal_width()
    if width is None or cell_len(shown) <= width:
        typer.echo(shown)
        return
    body = shown.lstrip(" ")
    indent = " " * (len(shown) - len(body))
    typer.echo("\n".join(indent + line for line in wrapped(body, max(width - len(indent), 20)).split("\n")))


FINDINGS_SHOWN = 50


def report_findings(findings: list[Any], language: Language, keep_going: bool | None = None) -> None:
    """Findings on stderr: a table on a terminal, one line each in a log; at most FINDINGS_SHOWN of them. With
    errors, a command that has --keep-going and was run without it says that it stopped, and what --keep-going does."""
    if not findings:
        return

    findings = [  # several files read: each message led by its file
        finding.model_copy(update={"message": f"{finding.file}: {finding.message}"}) if finding.file else finding
        for finding in findings
    ]
    errors, warnings = finding_counts(findings)
    shown = findings[:FINDINGS_SHOWN]
    lines: list[str] = []
    terminal = sys.stderr.isatty()
    if terminal:
        console = Console(stderr=True, highlight=False, emoji=False)
        console.print(findings_table(shown, language))
    else:  # a log or a pipe: plain lines, and no need to load rich
        lines += [finding_line(finding, language) for finding in shown]
    if len(findings) > len(shown):
        left = len(findings) - len(shown)
        lines.append(words.text("findings.more", language, left=left))
    lines.append(words.text("findings.counts", language, errors=errors, warnings=warnings))
    if errors and keep_going is False:
        lines.append(words.text("findings.keep-going", language))
    sys.stderr.write("\n".join(lines) + "\n")
    sys.stderr.flush()


def check_output(
    output_format: StrEnum, output: Path | None, inputs: Sequence[Path | None], language: Language
) -> None:
    """Before anything is read: a workbook needs --output, and --output must be safe to replace (not one of
    ``inputs``, the files the command reads; not a link, folder, device or pipe; in a folder that can be written)."""

    if BY_NAME[output_format.value].needs_file and output is None:
        raise UsageError(words.text("output-needs-file", language, format=output_format.value))
    check_target(output, inputs, language)


def chosen_indicators(text: str | None, catalog: Catalog, language: Language) -> tuple[str, ...] | None:
    """--indicators: the ids of the indicators named (by id, name or short name, in either language), in the order
    given; every one for "all"; None when not given."""
    if text is None:
        return None
    names = [name.strip() for name in text.replace("，", ",").split(",") if name.strip()]
    if [name.lower() for name in names] == ["all"]:
        return tuple(catalog.indicators)
    by_name: dict[str, str] = {}
    for indicator in catalog.indicators.values():
        for name in (indicator.id, indicator.name, indicator.name_en, indicator.short_name, indicator.short_name_en):
            if name:
                by_name.setdefault(name.casefold(), indicator.id)
    chosen: list[str] = []
    for name in names:
        found = by_name.get(name.casefold())
        if found is None:
            known = words.text("sep.list", language).join(
                catalog.indicators[item].short_label(language) for item in list(catalog.indicators)[:4]
            )
            raise UsageError(words.text("unknown-indicator", language, name=name, known=known))
        if found not in chosen:
            chosen.append(found)
    return tuple(chosen) or None


def request_of(
    files: Sequence[Path],
    *,
    rules: list[Path] | None = None,
    formulas: list[Path] | None = None,
    no_cache: bool = False,
    **options: Any,
) -> Request:
    """The pipeline's request from a command's options: the repeatable ones as typer gives them (None for none)."""
    return Request(
        files=tuple(files), rules=tuple(rules or ()), formulas=tuple(formulas or ()), use_cache=not no_cache, **options
    )
