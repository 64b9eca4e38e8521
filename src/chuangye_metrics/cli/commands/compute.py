"""`chuangye compute`: indicators for every unit of a return."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from chuangye_metrics.cli.options import (
    REPORT_FORMATS,
    FormulasOption,
    InputFiles,
    Lang,
    LangOption,
    MappingOption,
    NoCacheOption,
    OutputFormat,
    QuietOption,
    RulesOption,
    SheetOption,
    YearOption,
    check_output,
    emit_report,
    language_of,
    report_findings,
    request_of,
)
from chuangye_metrics.config.catalog import Catalog
from chuangye_metrics.core.errors import ExitCode
from chuangye_metrics.core.progress import shown
from chuangye_metrics.core.words import Language
from chuangye_metrics.outputs.csv import write_compute_csv, write_years_csv
from chuangye_metrics.outputs.files import output_stream, write_output
from chuangye_metrics.outputs.json import binary_stream, compute_json, write_years_json
from chuangye_metrics.outputs.table import write_compute_table, years_table_text
from chuangye_metrics.pipeline import Returns, read, settings_of
from chuangye_metrics.reading.cache import Cache, replay_output

app = typer.Typer(rich_markup_mode=None)


@app.command()
def compute(
    files: InputFiles,
    output_format: Annotated[OutputFormat, typer.Option("--format", "-f", help="Output format.")] = OutputFormat.table,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Write to this file instead of stdout.")] = None,
    year: YearOption = None,
    level: Annotated[
        list[str] | None,
        typer.Option("--level", "-l", help="Only these levels (repeatable): street, 社区, park, …"),
    ] = None,
    sheet: SheetOption = None,
    keep_going: Annotated[
        bool,
        typer.Option("--keep-going", help="Compute despite data errors; bad cells count as missing."),
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
    # compute's JSON of one return is kept whole in the cache: replayed before anything else is loaded
    cache = Cache.for_file(files[0]) if len(files) == 1 and request.use_cache else None
    key = request.cache_key("compute-json", language) if cache is not None else ""
    if output_format is OutputFormat.json and cache is not None and (hit := cache.load_output(key)) is not None:
        with output_stream(output, language) as stream:
            findings, has_errors = replay_output(hit, stream)
        report_findings(findings, language)
        if has_errors:
            raise typer.Exit(ExitCode.DATA_ERROR)
        return
    settings = settings_of(request)
    catalog = settings.catalog
    if output_format is OutputFormat.json:
        with output_stream(output, language) as stream, shown(not quiet, language):
            returns = read(request, settings, language)
            if returns.units is not None and returns.several_years:
                write_years_json(binary_stream(stream), returns.years_table(), returns.sources, returns.findings)
            else:
                compute_json(stream, returns, cache, key)
        report_findings(returns.findings, language)
        if returns.units is None or returns.has_errors:
            raise typer.Exit(ExitCode.DATA_ERROR)
        return
    with shown(not quiet, language):
        returns = read(request, settings, language)
    report_findings(returns.findings, language)
    if returns.units is None:
        raise typer.Exit(ExitCode.DATA_ERROR)
    if returns.several_years:
        _emit_years(returns, output_format, output, catalog, language, quiet)
    elif output_format is OutputFormat.csv:
        with output_stream(output, language, bom=output is not None) as stream:  # column-wise: no model per unit
            write_compute_csv(stream, returns.units, catalog)
    elif output_format is OutputFormat.table:
        write_compute_table(returns, output, catalog, language)
    else:
        emit_report(output_format, output, returns.result(), catalog, language)
    if returns.has_errors:
        raise typer.Exit(ExitCode.DATA_ERROR)


def _emit_years(
    returns: Returns,
    output_format: OutputFormat,
    output: Path | None,
    catalog: Catalog,
    language: Language,
    quiet: bool,
) -> None:
    """The years compared: a table per level, YearsResult's JSON, long CSV, or the reports of the latest year."""

    if output_format is OutputFormat.json:
        with output_stream(output, language) as stream, shown(not quiet, language):
            write_years_json(binary_stream(stream), returns.years_table(), returns.sources, returns.findings)
    elif output_format is OutputFormat.csv:
        # as compute's CSV: a byte-order mark in a file, for Excel
        with output_stream(output, language, bom=output is not None) as stream, shown(not quiet, language):
            write_years_csv(stream, returns.years_table())
    elif output_format in REPORT_FORMATS:
        with shown(not quiet, language):
            years = returns.years_result()
            latest = returns.result(returns.years[-1])
        emit_report(output_format, output, latest, catalog, language, years=years)
    else:
        write_output(years_table_text(returns.years_result(), catalog, language), output, language)
