"""`chuangye merge`: the returns of a territory consolidated into the one return it sends to the level above."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from chuangye_metrics.cli.options import (
    DocumentFormat,
    DocumentFormatOption,
    FormulasOption,
    InputFiles,
    Lang,
    LangOption,
    MappingOption,
    NoCacheOption,
    QuietOption,
    RulesOption,
    SheetOption,
    YearOption,
    language_of,
    report_findings,
    request_of,
    say,
)
from chuangye_metrics.core import words
from chuangye_metrics.core.errors import ExitCode
from chuangye_metrics.core.guard import RefusedUsage
from chuangye_metrics.core.progress import shown
from chuangye_metrics.outputs.consolidated import merge_result, summary_lines, write_consolidated
from chuangye_metrics.outputs.files import check_output
from chuangye_metrics.pipeline import consolidated_return, settings_of
from chuangye_metrics.upward.merge import territory_of

app = typer.Typer(rich_markup_mode=None, add_completion=False)


@app.command()
def merge(
    files: InputFiles,
    unit: Annotated[
        str,
        typer.Option("--unit", "-u"),
    ],
    output: Annotated[Path, typer.Option("--output", "-o")],
    name: Annotated[str | None, typer.Option("--name")] = None,
    form_number: Annotated[str | None, typer.Option("--form-number")] = None,
    authority: Annotated[str | None, typer.Option("--authority")] = None,
    register: Annotated[
        Path | None,
        typer.Option(
            "--register",
            exists=True,
            dir_okay=False,
        ),
    ] = None,
    force: Annotated[bool, typer.Option("--force")] = False,
    output_format: DocumentFormatOption = DocumentFormat.table,
    year: YearOption = None,
    sheet: SheetOption = None,
    keep_going: Annotated[
        bool,
        typer.Option("--keep-going"),
    ] = False,
    mapping: MappingOption = None,
    rules: RulesOption = None,
    formulas: FormulasOption = None,
    no_cache: NoCacheOption = False,
    quiet: QuietOption = False,
    lang: LangOption = Lang.zh,
) -> None:
    """Consolidate returns into the one return sent up: every unit's row, their total, signed off."""
    language = language_of(lang)
    request = request_of(
        files,
        sheet=sheet,
        year=year,
        keep_going=keep_going,
        mapping=mapping,
        rules=rules,
        formulas=formulas,
        register_file=register,
        no_cache=no_cache,
    )
    if output.suffix.lower() != ".xlsx":
        raise RefusedUsage("merge-output-not-xlsx", output=output)
    if output.exists() and not force:
        raise RefusedUsage("merge-output-exists", output=output)
    check_output(output, request.inputs, language)
    settings = settings_of(request)
    territory = territory_of(unit, settings.catalog)
    with shown(not quiet, language):
        merged = consolidated_return(request, settings, language, territory, name=name)
    report_findings(merged.findings, language, keep_going=keep_going)
    if merged.consolidated is None:
        raise typer.Exit(ExitCode.DATA_ERROR)
    write_consolidated(
        output,
        merged.consolidated,
        settings.catalog,
        form_number=form_number,
        authority=authority,
        findings=merged.findings,
        inputs=request.inputs,
        language=language,
    )
    summary = merge_result(merged.consolidated, output, merged.findings)
    if output_format is DocumentFormat.json:
        typer.echo(summary.model_dump_json(indent=2))
    else:
        for line in summary_lines(summary, settings.catalog, language):
            say(line)
    if summary.unnamed:
        typer.echo(words.text("merge.unnamed", language, count=len(summary.unnamed)), err=True)
    if merged.has_errors:
        raise typer.Exit(ExitCode.DATA_ERROR)
