"""`chuangye validate`: every fault of a return, pinned to its cell."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from chuangye_metrics.cli.options import (
    FormulasOption,
    InputFile,
    Lang,
    LangOption,
    MappingOption,
    NoCacheOption,
    QuietOption,
    ReportFormat,
    RulesOption,
    SheetOption,
    YearOption,
    language_of,
    request_of,
)
from chuangye_metrics.core.errors import ExitCode
from chuangye_metrics.core.progress import shown
from chuangye_metrics.outputs.github import validation_annotations
from chuangye_metrics.outputs.json import validation_json
from chuangye_metrics.outputs.table import validation_text
from chuangye_metrics.pipeline import read, settings_of, validation

app = typer.Typer(rich_markup_mode=None)


@app.command()
def validate(
    file: InputFile,
    output_format: Annotated[ReportFormat, typer.Option("--format", "-f", help="Report format.")] = ReportFormat.table,
    year: YearOption = None,
    sheet: SheetOption = None,
    max_errors: Annotated[int, typer.Option("--max-errors", min=1, help="Report at most this many findings.")] = 1000,
    mapping: MappingOption = None,
    rules: RulesOption = None,
    formulas: FormulasOption = None,
    no_cache: NoCacheOption = False,
    quiet: QuietOption = False,
    lang: LangOption = Lang.zh,
) -> None:
    """Check a return and report every fault with its sheet, Excel row, column and field."""

    language = language_of(lang)
    request = request_of(
        [file], sheet=sheet, year=year, mapping=mapping, rules=rules, formulas=formulas, no_cache=no_cache
    )
    settings = settings_of(request)
    with shown(not quiet, language):
        report = validation(read(request, settings, language, compute=False), max_findings=max_errors)

    if output_format is ReportFormat.json:
        text = validation_json(report)
    elif output_format is ReportFormat.github:
        text = validation_annotations(report)
    else:
        text = validation_text(report, language, terminal=sys.stdout.isatty())
    typer.echo(text, nl=False)
    if report.errors:
        raise typer.Exit(ExitCode.DATA_ERROR)
