"""The ``chuangye`` command line: the group of commands, each loaded when used, and the one place errors stop."""

from __future__ import annotations

import contextlib
import importlib
import os
import sys
from typing import Annotated, Any, NoReturn

import typer
import typer.main
from typer.core import TyperGroup

from chuangye_metrics import __version__
from chuangye_metrics.cli import commands, localised
from chuangye_metrics.core import progress, words
from chuangye_metrics.core.errors import ChuangyeError, ExitCode
from chuangye_metrics.core.guard import error_text, language_of_arguments, reader_failure
from chuangye_metrics.core.text import printable
from chuangye_metrics.core.words import Language


class _Group(TyperGroup):
    """Catches every error in one place: one line on stderr and a documented exit code."""

    language: Language = "zh"
    """The language of the command line being run (its --lang, else CHUANGYE_LANG): its help and messages."""

    def main(self, *args: Any, **kwargs: Any) -> NoReturn:
        kwargs["standalone_mode"] = False
        arguments = kwargs.get("args") or (args[0] if args else sys.argv[1:])
        language = language_of_arguments(arguments)
        localised.use(language)
        localised.localise(self, "chuangye", language)
        self.language = language
        try:
            code = super().main(*args, **kwargs)
        except typer.Exit as done:
            code = done.exit_code
        except typer.Abort:
            _fail(words.text("usage.error-line", language, message=words.text("usage.aborted", language)), 2)
        except typer.TyperException as error:  # the parser's usage errors: bad option, value or argument
            if type(error).__name__ == "NoArgsIsHelpError":
                typer.echo(error.format_message())
                sys.exit(ExitCode.USAGE)
            context = getattr(error, "ctx", None)
            where = context.command_path if context is not None else "chuangye"
            message = localised.parser_message(error.format_message(), language)
            _fail(words.text("usage.line", language, where=where, message=message), ExitCode.USAGE)
        except ChuangyeError as error:
            _fail(words.text("usage.error-line", language, message=error_text(error, language)), error.exit_code)
        except (KeyboardInterrupt, _Interrupted):
            _fail(words.text("usage.error-line", language, message=words.text("usage.interrupted", language)), 2)
        except (SystemExit, GeneratorExit):
            raise
        except BaseException as error:  # the last line of defence: never a bare traceback (nor a Rust panic's)
            unreadable = reader_failure(error)  # a panic or failure of fastexcel while reading: the file's fault
            if unreadable is not None:
                message = error_text(unreadable, language)
                _fail(words.text("usage.error-line", language, message=message), unreadable.exit_code)
            message = words.text("usage.internal-error", language, error=f"{type(error).__name__}: {error}")
            _fail(f"chuangye: {message}", ExitCode.INTERNAL)
        sys.exit(int(code or 0))

    def list_commands(self, ctx: Any) -> list[str]:
        return list(commands.COMMANDS)

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        """The command, its module imported only now: `chuangye --help` loads none of them."""
        if cmd_name not in commands.COMMANDS:
            return None
        module = importlib.import_module(f"{commands.__name__}.{cmd_name}")
        command = typer.main.get_command(module.app)
        command.name = cmd_name
        return localised.localise(command, cmd_name, self.language)

    def format_commands(self, ctx: Any, formatter: Any) -> None:
        """The list of commands from their summaries (help.yaml), without loading them."""
        language = self.language
        rows = [(name, localised.summary(name, language)) for name in commands.COMMANDS]
        with formatter.section(words.text("help.text.commands", language)):
            formatter.write_dl(rows)

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
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    # plain help: rich's help renderer costs more to import than the whole rest of `chuangye --help`
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"chuangye-metrics {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True),
    ] = False,
) -> None:
    """创业型城市指标计算 · chuangye-metrics."""


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
