"""`chuangye explain`: one unit's arithmetic, from its counts to its shortfall against a standard."""

from __future__ import annotations

from typing import Annotated

import typer

from chuangye_metrics.cli.options import (
    FormulasOption,
    InputFile,
    Lang,
    LangOption,
    MappingOption,
    SheetOption,
    YearOption,
    language_of,
    report_findings,
    request_of,
)
from chuangye_metrics.core.errors import ExitCode
from chuangye_metrics.outputs.explain import find_unit, unit_explanation
from chuangye_metrics.pipeline import judge, read, settings_of

app = typer.Typer(rich_markup_mode=None, add_completion=False)


@app.command()
def explain(
    file: InputFile,
    unit: Annotated[str, typer.Option("--unit", "-u")],
    standard: Annotated[str | None, typer.Option("--standard", "-s")] = None,
    year: YearOption = None,
    sheet: SheetOption = None,
    mapping: MappingOption = None,
    formulas: FormulasOption = None,
    lang: LangOption = Lang.zh,
) -> None:
    """Show one unit's counts, each indicator's division, and each rule's threshold and shortfall."""

    language = language_of(lang)
    request = request_of(
        [file],
        sheet=sheet,
        year=year,
        keep_going=True,
        mapping=mapping,
        formulas=formulas,
        standard=standard,
        no_cache=True,
    )
    settings = settings_of(request)
    catalog, loaded = settings.catalog, settings.standard
    returns = read(request, settings, language)
    outcome = judge(returns, settings, language) if loaded else None
    findings = outcome.findings if outcome is not None else returns.findings
    report_findings([finding for finding in findings if finding.severity == "error"], language)
    result = outcome.result if outcome is not None else (returns.result() if returns.units is not None else None)
    if result is None:
        raise typer.Exit(ExitCode.DATA_ERROR)
    units = list(result.units)
    chosen = find_unit(units, unit.strip(), year)
    typer.echo(unit_explanation(chosen, units, catalog, loaded, file, language), nl=False)
