"""`chuangye compute`: indicators for every unit of a return."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from chuangye_metrics.cli import (
    REPORT_FORMATS,
    FormulasOption,
    InputFile,
    Lang,
    LangOption,
    MappingOption,
    NoCacheOption,
    OutputFormat,
    QuietOption,
    RulesOption,
    SheetOption,
    YearOption,
    app,
    cache_for,
    check_report_output,
    emit,
    emit_report,
    language_of,
    open_output,
    parse_levels,
    read_options,
    refuse_overwrite,
    report_findings,
)
from chuangye_metrics.errors import ExitCode

if TYPE_CHECKING:
    from chuangye_metrics.compute import ComputeOutcome


@app.command()
def compute(
    file: InputFile,
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
    """Compute every indicator for every unit, and for parents derived from their children."""
    refuse_overwrite(file, output)
    check_report_output(output_format, output)
    language = language_of(lang)
    cache = cache_for(file, no_cache)
    key = ""
    if output_format is OutputFormat.json and cache is not None:
        from chuangye_metrics.cache import fingerprint, replay_output

        files = [*([mapping] if mapping else []), *(rules or []), *(formulas or [])]
        key = fingerprint("compute-json", str(file), sheet, year, level, keep_going, language, files=files)
        hit = cache.load_output(key)
        if hit is not None:
            with open_output(output) as stream:
                findings, has_errors = replay_output(hit, stream)
            report_findings(findings, language)
            if has_errors:
                raise typer.Exit(ExitCode.DATA_ERROR)
            return
    options = read_options(mapping, rules, formulas)
    catalog = options["catalog"]
    levels = parse_levels(level, catalog)

    def run() -> ComputeOutcome:
        from chuangye_metrics.compute import compute_return

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
        from chuangye_metrics.progress import shown

        with open_output(output) as stream, shown(not quiet, language):
            from chuangye_metrics.jsonout import compute_json

            done = compute_json(stream, run, cache, key)
        report_findings(done.findings, language)
        if not done.written or done.has_errors:
            raise typer.Exit(ExitCode.DATA_ERROR)
        return
    from chuangye_metrics import render
    from chuangye_metrics.progress import shown

    with shown(not quiet, language):
        outcome = run()
    report_findings(outcome.findings, language)
    if (result := outcome.result) is None:
        raise typer.Exit(ExitCode.DATA_ERROR)
    if output_format in REPORT_FORMATS:
        emit_report(output_format, output, result, catalog, language)
    elif output_format is OutputFormat.csv:
        emit(render.render_csv(result, catalog), output, bom=output is not None)
    else:
        emit(render.table_text(result, catalog, language), output)
    if outcome.has_errors:
        raise typer.Exit(ExitCode.DATA_ERROR)
