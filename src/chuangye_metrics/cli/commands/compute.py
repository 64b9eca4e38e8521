"""`chuangye compute`: indicators for every unit of a return."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

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
    cache_for,
    check_output,
    emit_report,
    language_of,
    parse_levels,
    read_options,
    report_findings,
)
from chuangye_metrics.core.errors import ExitCode
from chuangye_metrics.core.progress import shown
from chuangye_metrics.indicators.compute import source_of
from chuangye_metrics.outputs import render
from chuangye_metrics.outputs.csvout import write_compute_csv
from chuangye_metrics.outputs.files import output_stream, write_output
from chuangye_metrics.outputs.jsonout import binary_stream, compute_json, write_compute_json
from chuangye_metrics.outputs.render_years import years_table_text
from chuangye_metrics.outputs.tableout import write_plain_compute_table
from chuangye_metrics.outputs.years_out import write_years_csv, write_years_json
from chuangye_metrics.pipeline import compute_return
from chuangye_metrics.reading.cache import fingerprint, replay_output
from chuangye_metrics.years.compare import read_returns, returns_of_outcome

if TYPE_CHECKING:
    from chuangye_metrics.config.catalog import Catalog
    from chuangye_metrics.core.models import ComputeResult
    from chuangye_metrics.core.words import Language
    from chuangye_metrics.pipeline import ComputeOutcome
    from chuangye_metrics.years.compare import Returns


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
    check_output(output_format, output, [*files, mapping, *(rules or []), *(formulas or [])], language)
    if len(files) > 1:
        options = read_options(mapping, rules, formulas)
        _compute_files(
            files,
            options,
            output_format=output_format,
            output=output,
            year=year,
            levels=parse_levels(level, options["catalog"]),
            sheet=sheet,
            keep_going=keep_going,
            no_cache=no_cache,
            quiet=quiet,
            language=language,
        )
        return
    file = files[0]
    cache = cache_for(file, no_cache)
    key = ""
    if output_format is OutputFormat.json and cache is not None:
        files = [*([mapping] if mapping else []), *(rules or []), *(formulas or [])]
        key = fingerprint("compute-json", str(file), sheet, year, level, keep_going, language, files=files)
        hit = cache.load_output(key)
        if hit is not None:
            with output_stream(output, language) as stream:
                findings, has_errors = replay_output(hit, stream)
            report_findings(findings, language)
            if has_errors:
                raise typer.Exit(ExitCode.DATA_ERROR)
            return
    options = read_options(mapping, rules, formulas)
    catalog = options["catalog"]
    levels = parse_levels(level, catalog)

    def run() -> ComputeOutcome:

        return compute_return(
            file,
            sheet=sheet,
            year=year,
            levels=levels,
            keep_going=keep_going,
            language=language,
            cache=cache,
            **options,
        )

    if output_format is OutputFormat.json:
        with output_stream(output, language) as stream, shown(not quiet, language):
            outcome = run()
            several = _several_years(outcome, language)
            if several is None:
                done = compute_json(stream, lambda: outcome, cache, key)
            else:
                write_years_json(stream, several.years_table(), several.sources, several.findings)
        report_findings(outcome.findings, language)
        if several is not None:
            if several.has_errors:
                raise typer.Exit(ExitCode.DATA_ERROR)
            return
        if not done.written or done.has_errors:
            raise typer.Exit(ExitCode.DATA_ERROR)
        return

    with shown(not quiet, language):
        outcome = run()
    report_findings(outcome.findings, language)
    several = _several_years(outcome, language)
    if several is not None:
        _emit_years(several, output_format, output, catalog, language, quiet)
        if several.has_errors:
            raise typer.Exit(ExitCode.DATA_ERROR)
        return
    if output_format is OutputFormat.csv and outcome.units is not None:
        with output_stream(output, language, bom=output is not None) as stream:  # column-wise: no model per unit
            write_compute_csv(stream, outcome.units, catalog)
    elif output_format is OutputFormat.table and outcome.units is not None and outcome.validated is not None:
        _emit_table(outcome, output, catalog, language)
    elif (result := outcome.result) is None:
        raise typer.Exit(ExitCode.DATA_ERROR)
    else:
        _emit_result(result, output_format, output, catalog, language)
    if outcome.has_errors:
        raise typer.Exit(ExitCode.DATA_ERROR)


def _emit_result(
    result: ComputeResult, output_format: OutputFormat, output: Path | None, catalog: Catalog, language: Language
) -> None:
    """One year's units as a report, CSV or a table (JSON is streamed elsewhere)."""

    if output_format in REPORT_FORMATS:
        emit_report(output_format, output, result, catalog, language)
    elif output_format is OutputFormat.csv:
        write_output(render.render_csv(result, catalog), output, language, bom=output is not None)
    else:
        write_output(render.table_text(result, catalog, language), output, language)


def _emit_table(outcome: ComputeOutcome, output: Path | None, catalog: Catalog, language: Language) -> None:
    """The table of one year's units; a plain one of more than PLAIN_ABOVE units is written column by column."""

    assert outcome.units is not None and outcome.validated is not None
    if len(outcome.units.frame) <= render.PLAIN_ABOVE:
        assert outcome.result is not None
        write_output(render.table_text(outcome.result, catalog, language), output, language)
        return

    source = source_of(outcome.validated.table, outcome.file_label)
    with output_stream(output, language) as stream:
        write_plain_compute_table(stream, outcome.units, catalog, source, language)


def _several_years(outcome: ComputeOutcome, language: Language) -> Returns | None:
    """The return as Returns when it covers more than one year; None for one year (or nothing computed)."""
    if outcome.units is None or outcome.validated is None or outcome.validated.frame["year"].dropna().nunique() < 2:
        return None

    return returns_of_outcome(outcome, language)


def _compute_files(
    files: list[Path],
    options: dict[str, Any],
    *,
    output_format: OutputFormat,
    output: Path | None,
    year: int | None,
    levels: list[str] | None,
    sheet: str | None,
    keep_going: bool,
    no_cache: bool,
    quiet: bool,
    language: Language,
) -> None:
    """Several returns: the years side by side, or one year's units when they cover one year."""

    catalog = options["catalog"]
    with shown(not quiet, language):
        returns = read_returns(
            files,
            sheet=sheet,
            year=year,
            levels=levels,
            keep_going=keep_going,
            language=language,
            caches=[cache_for(file, no_cache) for file in files],
            **options,
        )
    report_findings(returns.findings, language)
    if returns.units is None:
        raise typer.Exit(ExitCode.DATA_ERROR)
    if returns.several_years:
        _emit_years(returns, output_format, output, catalog, language, quiet)
    elif output_format is OutputFormat.json:
        with output_stream(output, language) as stream, shown(not quiet, language):
            if returns.unit_errors:  # rows of several files: their error codes are found by file and row
                stream.write(render.render_json(returns.result()))
            else:
                source = returns.source_of(returns.units.frame)
                binary = binary_stream(stream)
                write_compute_json(binary, returns.units, catalog, source, returns.findings)
                binary.flush()
    else:
        _emit_result(returns.result(), output_format, output, catalog, language)
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
            write_years_json(stream, returns.years_table(), returns.sources, returns.findings)
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
