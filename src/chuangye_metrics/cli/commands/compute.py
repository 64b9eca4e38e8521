"""`chuangye compute`: indicators for every unit of a return."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from chuangye_metrics.cli.options import (
    COMPUTE_TABLE,
    ComputeFormat,
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
    chosen_indicators,
    language_of,
    report_findings,
    request_of,
)
from chuangye_metrics.core.errors import ExitCode
from chuangye_metrics.core.progress import shown
from chuangye_metrics.outputs.files import output_stream
from chuangye_metrics.outputs.writers import Target, write
from chuangye_metrics.pipeline import read, settings_of
from chuangye_metrics.reading.cache import Cache, replay_output

app = typer.Typer(rich_markup_mode=None, add_completion=False)


@app.command()
def compute(
    files: InputFiles,
    output_format: Annotated[ComputeFormat, typer.Option("--format", "-f")] = COMPUTE_TABLE,
    output: Annotated[Path | None, typer.Option("--output", "-o")] = None,
    year: YearOption = None,
    level: Annotated[
        list[str] | None,
        typer.Option("--level", "-l"),
    ] = None,
    sheet: SheetOption = None,
    indicators: Annotated[str | None, typer.Option("--indicators", "-i")] = None,
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
    """Compute every indicator for every unit, and for parents derived from their children.

    With several years (several files, or one file with a 统计年度 column), the years side by side.
    """
    language = language_of(lang)
    request = request_of(
        files,
        sheet=sheet,
        year=year,
        levels=tuple(level) if level else None,
        keep_going=keep_going,
        mapping=mapping,
        rules=rules,
        formulas=formulas,
        no_cache=no_cache,
    )
    check_output(output_format, output, request.inputs, language)
    json = output_format.value == "json"
    # compute's JSON of one return is kept whole in the cache: replayed before anything else is loaded
    cache = Cache.for_file(files[0]) if len(files) == 1 and request.use_cache else None
    key = request.cache_key("compute-json", language) if cache is not None else ""
    if json and cache is not None and (hit := cache.load_output(key)) is not None:
        with output_stream(output, language) as stream:
            findings, has_errors = replay_output(hit, stream)
        report_findings(findings, language, keep_going=keep_going)
        if has_errors:
            raise typer.Exit(ExitCode.DATA_ERROR)
        return
    settings = settings_of(request)
    chosen = chosen_indicators(indicators, settings.catalog, language)
    with shown(not quiet, language):
        returns = read(request, settings, language)
    if returns.units is not None:
        target = Target(
            output, settings.catalog, language, quiet=quiet, cache=cache if json else None, key=key, indicators=chosen
        )
        write(output_format.value, "years" if returns.several_years else "compute", returns, target)
    report_findings(returns.findings, language, keep_going=keep_going)
    if returns.units is None or returns.has_errors:
        raise typer.Exit(ExitCode.DATA_ERROR)
