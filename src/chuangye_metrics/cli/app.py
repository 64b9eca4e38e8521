"""The ``chuangye`` command line: parse options, call one library function, render."""

from __future__ import annotations

import contextlib
import importlib
import os
import pkgutil
import sys
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer
from rich.console import Console
from typer.core import TyperGroup

from chuangye_metrics import __version__
from chuangye_metrics.cli import commands
from chuangye_metrics.config.catalog import load_catalog
from chuangye_metrics.config.mapping import load_mapping
from chuangye_metrics.core import progress
from chuangye_metrics.core.errors import ChuangyeError, ExitCode, UsageError
from chuangye_metrics.core.findings import finding_counts
from chuangye_metrics.core.guard import error_text, language_of_arguments, reader_failure
from chuangye_metrics.core.text import printable
from chuangye_metrics.outputs.files import check_output as check_target
from chuangye_metrics.outputs.files import write_output
from chuangye_metrics.outputs.findings_text import finding_line
from chuangye_metrics.outputs.render import findings_table
from chuangye_metrics.outputs.report_html import html_report
from chuangye_metrics.outputs.report_xlsx import write_report_workbook
from chuangye_metrics.reading.cache import Cache
from chuangye_metrics.validation.rules import load_rules

if TYPE_CHECKING:
    from chuangye_metrics.core.findings import Language


class _Group(TyperGroup):
    """Catches every error in one place: one line on stderr and a documented exit code."""

    def main(self, *args: Any, **kwargs: Any) -> NoReturn:
        kwargs["standalone_mode"] = False
        try:
            code = super().main(*args, **kwargs)
        except typer.Exit as done:
            code = done.exit_code
        except typer.Abort:
            _fail("chuangye: aborted", ExitCode.USAGE)
        except typer.TyperException as error:  # the parser's usage errors: bad option, value or argument
            if type(error).__name__ == "NoArgsIsHelpError":
                typer.echo(error.format_message())
                sys.exit(ExitCode.USAGE)
            context = getattr(error, "ctx", None)
            where = context.command_path if context is not None else "chuangye"
            _fail(f"{where}: error: {error.format_message()} (see '{where} --help')", ExitCode.USAGE)
        except ChuangyeError as error:
            language = language_of_arguments(kwargs.get("args") or (args[0] if args else sys.argv[1:]))
            _fail(f"chuangye: error: {error_text(error, language)}", error.exit_code)
        except (KeyboardInterrupt, _Interrupted):
            _fail("chuangye: interrupted", ExitCode.USAGE)
        except (SystemExit, GeneratorExit):
            raise
        except BaseException as error:  # the last line of defence: never a bare traceback (nor a Rust panic's)
            unreadable = reader_failure(error)  # a panic or failure of fastexcel while reading: the file's fault
            if unreadable is not None:
                language = language_of_arguments(kwargs.get("args") or (args[0] if args else sys.argv[1:]))
                _fail(f"chuangye: error: {error_text(unreadable, language)}", unreadable.exit_code)
            _fail(
                f"chuangye: internal error: {type(error).__name__}: {error}. "
                "This is a bug in chuangye-metrics; please report it with the command you ran.",
                ExitCode.INTERNAL,
            )
        sys.exit(int(code or 0))

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except KeyboardInterrupt:  # typer would end the run silently with 130: say so, with the usual code
            raise _Interrupted from None


class _Interrupted(Exception):
    """Ctrl-C while a command ran (KeyboardInterrupt, carried past typer, which would swallow it)."""


def _fail(message: str, code: int) -> NoReturn:

    typer.echo(printable(" ".join(message.split())), err=True)  # a name or value quoted can hold escapes
    sys.exit(int(code))


app = typer.Typer(
    cls=_Group,
    name="chuangye",
    help="创业型城市指标计算：读取统计报表，计算指标。 Indicators for entrepreneurial-city returns.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    # plain help: rich's help renderer costs more to import than the whole rest of `chuangye --help`
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)


class OutputFormat(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"
    xlsx = "xlsx"
    html = "html"


REPORT_FORMATS = (OutputFormat.xlsx, OutputFormat.html)


class DocumentFormat(StrEnum):
    table = "table"
    json = "json"


DocumentFormatOption = Annotated[DocumentFormat, typer.Option("--format", "-f", help="table or json.")]


class ReportFormat(StrEnum):
    table = "table"
    json = "json"
    github = "github"


class Lang(StrEnum):
    zh = "zh"
    en = "en"


def _version(value: bool) -> None:
    if value:
        typer.echo(f"chuangye-metrics {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Show the version and exit."),
    ] = False,
) -> None:
    """创业型城市指标计算 · chuangye-metrics."""


InputFile = Annotated[
    Path,
    typer.Argument(
        exists=True,
        dir_okay=False,
        readable=True,
        help="The return: .xlsx, .xlsm, .xls, .ods or .csv.",
    ),
]
InputFiles = Annotated[
    list[Path],
    typer.Argument(
        exists=True,
        dir_okay=False,
        readable=True,
        help="The return: .xlsx, .xlsm, .xls, .ods or .csv. Several files (or one with several years) "
        "are compared year by year.",
    ),
]
SheetOption = Annotated[str | None, typer.Option("--sheet", help="Sheet name or 1-based number (default: found).")]
YearOption = Annotated[
    int | None,
    typer.Option("--year", min=1949, max=2100, help="Reporting year: fills blanks, selects one year."),
]
LangOption = Annotated[Lang, typer.Option("--lang", help="Language of labels and messages.")]
MappingOption = Annotated[
    Path | None,
    typer.Option("--mapping", exists=True, dir_okay=False, help="YAML mapping your headers to field ids."),
]
RulesOption = Annotated[
    list[Path] | None,
    typer.Option("--rules", exists=True, dir_okay=False, help="Extra validation rules (YAML, repeatable)."),
]

FormulasOption = Annotated[
    list[Path] | None,
    typer.Option("--formulas", exists=True, dir_okay=False, help="Extra fields and indicators (YAML, repeatable)."),
]

NoCacheOption = Annotated[
    bool,
    typer.Option("--no-cache", help="Read the file afresh; neither use nor fill the cache of parsed returns."),
]

QuietOption = Annotated[
    bool, typer.Option("--quiet", "-q", help="No progress display on the terminal (it never shows in pipes or logs).")
]


def cache_for(file: Path, no_cache: bool) -> Any:
    """The cache entries of this input file, or None with --no-cache."""
    if no_cache:
        return None

    return Cache.for_file(file)


def read_options(mapping: Path | None, rules: list[Path] | None, formulas: list[Path] | None = None) -> dict[str, Any]:
    """The reader and validation settings given by --mapping, --rules and --formulas, loaded and checked."""

    catalog = load_catalog(extra=formulas or [])
    return {
        "catalog": catalog,
        "mapping": load_mapping(mapping, catalog) if mapping else None,
        "rules": load_rules(catalog, rules or []),
    }


def language_of(lang: Lang) -> Language:
    return "en" if lang is Lang.en else "zh"


def parse_levels(labels: list[str] | None, catalog: Any) -> list[str] | None:
    if not labels:
        return None
    levels = []
    for label in labels:
        for part in label.split(","):
            level = catalog.level_id(part)
            if level is None:
                known = ", ".join(catalog.levels)
                raise UsageError(f"unknown level {part!r}; use one of: {known} (or their Chinese names)")
            levels.append(level)
    return levels


def say(text: str) -> None:
    """A line for people on stdout, the control characters of the names, sources and notes it quotes from a
    return or a user's file shown escaped (``text.printable``)."""

    typer.echo(printable(text))


FINDINGS_SHOWN = 50


def report_findings(findings: list[Any], language: Language) -> None:
    """Findings on stderr: a table on a terminal, one line each in a log; at most FINDINGS_SHOWN of them."""
    if not findings:
        return

    findings = [  # several files read: each message led by its file
        finding.model_copy(update={"message": f"{finding.file}: {finding.message}"}) if finding.file else finding
        for finding in findings
    ]
    zh = language == "zh"
    errors, warnings = finding_counts(findings)
    shown = findings[:FINDINGS_SHOWN]
    lines: list[str] = []
    terminal = sys.stderr.isatty()
    if terminal:
        console = Console(stderr=True, highlight=False, emoji=False)
        console.print(findings_table(shown, language))
    else:  # a log or a pipe: plain lines, and no need to load rich
        lines += [finding_line(finding, language) for finding in shown]
    if len(findings) > len(shown):
        left = len(findings) - len(shown)
        lines.append(
            f"……另有 {left} 条未列出（完整清单：chuangye validate --format json）"
            if zh
            else f"... and {left} more (all of them: chuangye validate --format json)"
        )
    lines.append(f"{errors} 个错误，{warnings} 个警告" if zh else f"{errors} error(s), {warnings} warning(s)")
    sys.stderr.write("\n".join(lines) + "\n")
    sys.stderr.flush()


def check_output(
    output_format: OutputFormat, output: Path | None, inputs: list[Path | None], language: Language
) -> None:
    """Before anything is read: an Excel report needs --output, and --output must be safe to replace (not one of
    ``inputs``, the files the command reads; not a link, folder, device or pipe; in a folder that can be written)."""

    if output_format is OutputFormat.xlsx and output is None:
        raise UsageError("--format xlsx writes a workbook: give --output FILE.xlsx")
    check_target(output, inputs, language)


def standard_file(standard: str | None) -> Path | None:
    """The file of --standard when it names one (not a shipped id): a file the command reads."""
    if standard is None:
        return None
    path = Path(standard)
    return path if path.is_file() else None


def emit_report(
    output_format: OutputFormat,
    output: Path | None,
    result: Any,
    catalog: Any,
    language: Language,
    *,
    standard: Any = None,
    years: Any = None,
) -> None:
    """Write the Excel or HTML report of a compute or check result (and of the years compared, if any)."""
    if output_format is OutputFormat.xlsx:
        assert output is not None
        write_report_workbook(output, result, catalog, standard=standard, language=language, years=years)
        return

    write_output(html_report(result, catalog, standard=standard, language=language, years=years), output, language)


def _load_commands() -> None:
    """Import every module of chuangye_metrics.cli.commands; each adds its commands to ``app``."""

    names = sorted(
        (module.name for module in pkgutil.iter_modules(commands.__path__)),
        key=lambda name: (commands.ORDER.index(name) if name in commands.ORDER else len(commands.ORDER), name),
    )
    for name in names:
        importlib.import_module(f"{commands.__name__}.{name}")


def main() -> None:
    """Console-script entry point."""
    try:
        app()
    except SystemExit as stop:
        progress.stage_times_end()
        watched = sys.getprofile() is not None or sys.gettrace() is not None  # a profiler or coverage: exit as usual
        if not watched and (stop.code is None or isinstance(stop.code, int)):
            _leave(stop.code or 0)
        raise


def _leave(code: int) -> NoReturn:
    """Flush and exit without tearing the interpreter down: freeing a national return's millions of objects
    one by one costs a noticeable fraction of a second, for nothing."""

    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):  # a closed pipe (| head): nothing more can be said there
            stream.flush()
    os._exit(code)


_load_commands()
