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
    read_options,
    report_findings,
)
from chuangye_metrics.core.errors import ExitCode
from chuangye_metrics.outputs.explain import find_unit, unit_explanation
from chuangye_metrics.pipeline import compute_return
from chuangye_metrics.standards.check import check_return
from chuangye_metrics.standards.library import load_standard

app = typer.Typer(rich_markup_mode=None)


@app.command()
def explain(
    file: InputFile,
    unit: Annotated[str, typer.Option("--unit", "-u", help="The unit's code (单位代码); derived parents too.")],
    standard: Annotated[
        str | None, typer.Option("--standard", "-s", help="Also show the unit against this standard (id or YAML).")
    ] = None,
    year: YearOption = None,
    sheet: SheetOption = None,
    mapping: MappingOption = None,
    formulas: FormulasOption = None,
    lang: LangOption = Lang.zh,
) -> None:
    """Show one unit's counts, each indicator's division, and each rule's threshold and shortfall."""

    options = read_options(mapping, None, formulas)
    catalog = options["catalog"]
    language = language_of(lang)
    loaded = load_standard(standard, catalog) if standard else None
    settings = {"sheet": sheet, "year": year, "keep_going": True, "language": language, **options}
    outcome = check_return(file, standard=loaded, **settings) if loaded else compute_return(file, **settings)
    errors = [finding for finding in outcome.findings if finding.severity == "error"]
    report_findings(errors, language)
    if outcome.result is None:
        raise typer.Exit(ExitCode.DATA_ERROR)
    units = list(outcome.result.units)
    chosen = find_unit(units, unit.strip(), year)
    typer.echo(unit_explanation(chosen, units, catalog, loaded, file, language), nl=False)
