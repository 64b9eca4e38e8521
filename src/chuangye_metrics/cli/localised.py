"""The command line in its reader's language: help from formulas/help.yaml, the parser's messages from usage.yaml."""

from __future__ import annotations

import re
import types
from collections.abc import Sequence
from functools import cache
from typing import Any

import typer.core
import yaml
from rich.cells import cell_len
from typer._click.formatting import HelpFormatter, iter_rows, measure_table

from chuangye_metrics.core import words
from chuangye_metrics.core.resources import formulas_dir
from chuangye_metrics.core.text import wrapped
from chuangye_metrics.core.words import Language

_language: Language = "zh"
"""The language of the help being written (set by ``use``, read by the formatter and typer's own words)."""

# typer's own words in its help (it looks them up through gettext), by their English text
TYPER_WORDS = {
    "Arguments": "help.text.arguments",
    "Options": "help.text.options",
    "Commands": "help.text.commands",
    "default: {default}": "help.text.default",
    "required": "help.text.required",
    "env var: {var}": "help.text.envvar",
    "(dynamic)": "help.text.dynamic",
    "Aborted!": "help.text.aborted",
}


def _typer_words(message: str) -> str:
    code = TYPER_WORDS.get(message)
    return message if code is None else words.message_template(code, _language)


def use(language: Language) -> None:
    """Show help and typer's own words in ``language`` from now on."""
    global _language
    _language = language
    typer.core._ = _typer_words  # type: ignore[attr-defined]


def help_text(key: str, language: Language) -> str | None:
    """The help of a command (``compute``, ``standards.list``) or of an option (``compute.year``, falling back on
    ``param.year``)."""
    found = words.known_message(f"help.{key}", language)
    if found is None and "." in key:
        found = words.known_message(f"help.param.{key.rsplit('.', 1)[1]}", language)
    return found


def summary(name: str, language: Language) -> str:
    """A command's line in the list of commands: the first line of its help."""
    return (help_text(name, language) or "").strip().splitlines()[0]


def localise(command: Any, path: str, language: Language) -> Any:
    """The command (and its commands) with its help and its options' in ``language``, written by a formatter that
    measures Chinese characters as two columns."""
    text = help_text(path, language)
    if text is not None:
        command.help, command.short_help = text, None
    for param in command.params:
        found = help_text(f"{path}.{param.name}", language)
        if found is not None:
            param.help = found
    command.context_class = LocalContext
    show_help_option = command.get_help_option

    def get_help_option(self: Any, ctx: Any) -> Any:
        option = show_help_option(ctx)
        if option is not None:
            option.help = help_text("param.help", language)
        return option

    command.get_help_option = types.MethodType(get_help_option, command)
    for name, sub in (getattr(command, "commands", None) or {}).items():
        localise(sub, f"{path}.{name}", language)
    return command


class LocalFormatter(HelpFormatter):
    """click's help formatter, its headings and usage in the help's language, its lines broken between Chinese
    characters and measured as a terminal shows them."""

    def write_usage(self, prog: str, args: str = "", prefix: str | None = None) -> None:
        prefix = words.message_template("help.text.usage", _language) if prefix is None else prefix
        super().write_usage(prog, args, prefix)

    def write_heading(self, heading: str) -> None:
        self.write(f"{'':>{self.current_indent}}{heading}{words.text('help.text.heading-mark', _language)}\n")

    def write_text(self, text: str) -> None:
        indent = " " * self.current_indent
        for number, paragraph in enumerate(re.split(r"\n\s*\n", text.strip())):
            if number:
                self.write("\n")
            flowing = " ".join(line.strip() for line in paragraph.splitlines())
            width = max(self.width - self.current_indent, 20)
            self.write("".join(f"{indent}{line}\n" for line in wrapped(flowing, width).split("\n")))

    def write_dl(self, rows: Sequence[tuple[str, str]], col_max: int = 30, col_spacing: int = 2) -> None:
        rows = list(rows)
        widths = measure_table(rows)
        first_column = min(widths[0], col_max) + col_spacing
        for first, second in iter_rows(rows, len(widths)):
            self.write(f"{'':>{self.current_indent}}{first}")
            if not second:
                self.write("\n")
                continue
            if cell_len(first) <= first_column - col_spacing:
                self.write(" " * (first_column - cell_len(first)))
            else:
                self.write("\n" + " " * (first_column + self.current_indent))
            flowing = " ".join(line.strip() for line in second.splitlines() if line.strip())
            lines = wrapped(flowing, max(self.width - first_column - self.current_indent, 10)).split("\n")
            self.write(lines[0] + "\n")
            self.write("".join(f"{'':>{first_column + self.current_indent}}{line}\n" for line in lines[1:]))


class LocalContext(typer.Context):
    formatter_class = LocalFormatter


# --- the parser's messages ------------------------------------------------------------------------------------


@cache
def _patterns() -> list[tuple[str, re.Pattern[str]]]:
    """usage.yaml's messages that the parser's English is matched against, in their order."""
    path = formulas_dir() / "usage.yaml"
    data = yaml.load(path.read_text(encoding="utf-8"), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    return [
        (code, re.compile(entry["match"], re.S))
        for code, entry in data["usage"].items()
        if isinstance(entry, dict) and "match" in entry
    ]


def parser_message(message: str, language: Language) -> str:
    """One of the parser's English messages in ``language``: the first of usage.yaml's that matches it, its
    ``inner`` reason translated the same way; one that none matches kept after usage.unrecognised."""
    translated = _translated(message.strip(), language)
    if translated is None:
        return words.text("usage.unrecognised", language, message=message.strip())
    return translated


def _translated(message: str, language: Language) -> str | None:
    for code, pattern in _patterns():
        match = pattern.match(message)
        if match is None:
            continue
        groups = dict(match.groupdict())
        if "inner" in groups:
            groups["inner"] = _translated(groups["inner"].strip(), language) or groups["inner"]
        return words.text(code, language, **groups)
    return None
