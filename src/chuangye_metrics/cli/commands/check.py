"""`chuangye check`: every unit against a certification standard, with gaps and coverage."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from chuangye_metrics.cli.options import (
    CHECK_TABLE,
    CheckFormat,
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
    check_output,
    language_of,
    report_findings,
    request_of,
)
from chuangye_metrics.core.errors import ExitCode
from chuangye_metrics.core.progress import shown
from chuangye_metrics.core.text import printable
from chuangye_metrics.outputs.table import provisional_banner
from chuangye_metrics.outputs.writers import Checked, Target, write
from chuangye_metrics.pipeline import judge, read, settings_of


class FailOn(StrEnum):
    unit = "unit"
    coverage = "coverage"
    never = "never"


app = typer.Typer(rich_markup_mode=None, add_completion=False)


@app.command()
def check(
    files: InputFiles,
    standard: Annotated[
        str,
        typer.Option("--standard", "-s"),
    ],
    output_format: Annotated[CheckFormat, typer.Option("--format", "-f")] = CHECK_TABLE,
    output: Annotated[Path | None, typer.Option("--output", "-o")] = None,
    register: Annotated[
        Path | None,
        typer.Option(
            "--register",
            exists=True,
            dir_okay=False,
        ),
    ] = None,
    fail_on: Annotated[
        FailOn,
        typer.Option(
            "--fail-on",
        ),
    ] = FailOn.unit,
    quota: Annotated[
        list[str] | None,
        typer.Option(
            "--quota",
        ),
    ] = None,
    near: Annotated[
        int,
        typer.Option("--near", min=0),
    ] = 5,
    year: YearOption = None,
    sheet: SheetOption = None,
    keep_going: Annotated[bool, typer.Option("--keep-going")] = False,
    mapping: MappingOption = None,
    rules: RulesOption = None,
    formulas: FormulasOption = None,
    no_cache: NoCacheOption = False,
    quiet: QuietOption = False,
    lang: LangOption = Lang.zh,
) -> None:
    """Judge every unit against a standard: value, threshold, gap, shortfall; and coverage per level."""

    language = language_of(lang)
    request = request_of(
        files,
        sheet=sheet,
        year=year,
        keep_going=keep_going,
        mapping=mapping,
        rules=rules,
        formulas=formulas,
        standard=standard,
        register_file=register,
        quota=tuple(quota) if quota else None,
        near=near,
        no_cache=no_cache,
    )
    check_output(output_format, output, request.inputs, language)
    settings = settings_of(request)
    catalog, loaded = settings.catalog, settings.standard
    with shown(not quiet, language):
        returns = read(request, settings, language)
        outcome = judge(returns, settings, language)
    report_findings(outcome.findings, language, keep_going=keep_going)
    if outcome.judged is None:
        raise typer.Exit(ExitCode.DATA_ERROR)
    target = Target(output, catalog, language, quiet=quiet, standard=loaded)
    write(output_format.value, "check", Checked(returns, outcome), target)
    banner = provisional_banner(outcome.judged.standard, language)
    if banner and output_format.value != "table":
        typer.echo(printable(banner), err=True)
    if outcome.has_errors:
        raise typer.Exit(ExitCode.DATA_ERROR)
    if outcome.fails(fail_on.value):
        raise typer.Exit(ExitCode.CHECK_FAILED)
