"""`chuangye validate`: every fault of a return, pinned to its cell."""

from __future__ import annotations

from typing import Annotated

import typer

from chuangye_metrics.cli.options import (
    REPORT_TABLE,
    FormulasOption,
    InputFiles,
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
from chuangye_metrics.outputs.writers import Target, write
from chuangye_metrics.pipeline import read, settings_of, validation

app = typer.Typer(rich_markup_mode=None, add_completion=False)


@app.command()
def validate(
    files: InputFiles,
    output_format: Annotated[ReportFormat, typer.Option("--format", "-f")] = REPORT_TABLE,
    year: YearOption = None,
    sheet: SheetOption = None,
    max_errors: Annotated[int, typer.Option("--max-errors", min=1)] = 1000,
    mapping: MappingOption = None,
    rules: RulesOption = None,
    formulas: FormulasOption = None,
    no_cache: NoCacheOption = False,
    quiet: QuietOption = False,
    lang: LangOption = Lang.zh,
) -> None:
    """Check returns and report every fault with its file, sheet, Excel row, column and field."""

    language = language_of(lang)
    request = request_of(
        files, sheet=sheet, year=year, mapping=mapping, rules=rules, formulas=formulas, no_cache=no_cache
    )
    settings = settings_of(request)
    with shown(not quiet, language):
        report = validation(read(request, settings, language, compute=False), max_findings=max_errors)

    write(output_format.value, "validation", report, Target(None, settings.catalog, language, quiet=quiet))
    if report.errors:
        raise typer.Exit(ExitCode.DATA_ERROR)
