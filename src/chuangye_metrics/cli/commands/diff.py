"""`chuangye diff`: what changed between two versions of one year's return."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from chuangye_metrics.cli.options import (
    DIFF_TABLE,
    DiffFormat,
    FormulasOption,
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
from chuangye_metrics.core.guard import RefusedUsage
from chuangye_metrics.core.progress import shown
from chuangye_metrics.outputs.writers import Target, write
from chuangye_metrics.pipeline import revisions, settings_of

if TYPE_CHECKING:
    from chuangye_metrics.pipeline import Request

app = typer.Typer(rich_markup_mode=None, add_completion=False)


@app.command()
def diff(
    files: Annotated[
        list[Path] | None,
        typer.Argument(
            exists=True,
            dir_okay=False,
            readable=True,
        ),
    ] = None,
    old: Annotated[
        list[Path] | None,
        typer.Option("--old", exists=True, dir_okay=False, readable=True),
    ] = None,
    new: Annotated[
        list[Path] | None,
        typer.Option("--new", exists=True, dir_okay=False, readable=True),
    ] = None,
    standard: Annotated[
        str | None,
        typer.Option("--standard", "-s"),
    ] = None,
    output_format: Annotated[DiffFormat, typer.Option("--format", "-f")] = DIFF_TABLE,
    output: Annotated[Path | None, typer.Option("--output", "-o")] = None,
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
    """Show what changed between two versions of a year's return: units, counts, indicators and verdicts.

    Exit 0 when nothing changed, 4 when something did.
    """
    language = language_of(lang)
    if files and (old or new):
        raise RefusedUsage("diff-files-and-options")
    if files:
        if len(files) != 2:
            raise RefusedUsage("diff-two-files", count=len(files))
        old, new = [files[0]], [files[1]]
    if not old or not new:
        raise RefusedUsage("diff-two-files", count=len(old or []) + len(new or []))

    def request(paths: list[Path]) -> Request:
        return request_of(
            paths,
            sheet=sheet,
            year=year,
            keep_going=keep_going,
            mapping=mapping,
            rules=rules,
            formulas=formulas,
            standard=standard,
            no_cache=no_cache,
        )

    before, after = request(old), request(new)
    check_output(output_format, output, [*before.inputs, *after.inputs], language)
    settings = settings_of(after)
    with shown(not quiet, language):
        revised = revisions(before, after, settings, language)
    report_findings(revised.findings, language, keep_going=keep_going)
    if revised.result is None:
        raise typer.Exit(ExitCode.DATA_ERROR)
    write(output_format.value, "diff", revised, Target(output, settings.catalog, language, quiet=quiet))
    if revised.has_errors:
        raise typer.Exit(ExitCode.DATA_ERROR)
    if revised.result.changed:
        raise typer.Exit(ExitCode.CHANGED)
