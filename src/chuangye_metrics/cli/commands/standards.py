"""`chuangye standards list|show`: the certification standards shipped or written by users."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.table import Table

from chuangye_metrics.cli.options import (
    DocumentFormat,
    DocumentFormatOption,
    FormulasOption,
    Lang,
    LangOption,
    language_of,
    say,
)
from chuangye_metrics.config.catalog import format_measure, load_catalog
from chuangye_metrics.core import words
from chuangye_metrics.outputs.table import text_console
from chuangye_metrics.standards.library import RuleSet, load_standard, shipped_standards

app = typer.Typer(
    name="standards",
    no_args_is_help=True,
    rich_markup_mode=None,
)


@app.command("list")
def list_standards(
    output_format: DocumentFormatOption = DocumentFormat.table,
    lang: LangOption = Lang.zh,
) -> None:
    """The shipped standards: id, name, levels, status and source."""

    catalog = load_catalog()
    standards = [load_standard(name, catalog) for name in shipped_standards()]
    if output_format is not DocumentFormat.table:
        rows = [
            {
                "id": s.id,
                "name": s.name,
                "status": s.status,
                "provisional": s.has_provisional,
                "levels": list(s.levels),
                "source": s.source,
            }
            for s in standards
        ]
        typer.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    language = language_of(lang)
    table = Table(header_style="bold")
    for heading in ("standard", "name", "levels", "status", "source"):
        table.add_column(words.text(f"standards-column.{heading}", language))
    for standard in standards:
        status = words.text(f"standards-status.{standard.status}", language)
        if standard.has_provisional and standard.status == "official":
            status = words.text("standards-status.partly", language, status=status)
        table.add_row(standard.id, standard.name, ", ".join(standard.levels), status, standard.source)
    console, buffer = text_console()
    console.print(table)
    typer.echo(buffer.getvalue(), nl=False)


@app.command("show")
def show_standard(
    standard: Annotated[str, typer.Argument()],
    output_format: DocumentFormatOption = DocumentFormat.table,
    formulas: FormulasOption = None,
    lang: LangOption = Lang.zh,
) -> None:
    """A standard's source, status, rules per level and coverage targets."""

    catalog = load_catalog(extra=formulas or [])
    loaded = load_standard(standard, catalog)
    if output_format is not DocumentFormat.table:
        typer.echo(loaded.model_dump_json(indent=2))
        return
    language = language_of(lang)
    say(f"{loaded.id}  {loaded.name}")
    say(words.text("check.source", language, source=loaded.source))
    status = words.text(f"standards-show-status.{loaded.status}", language)
    say(words.text("standards-show.status", language, status=status))
    if loaded.note:
        say(words.text("standards-show.note", language, note=loaded.note))
    for level, entries in loaded.levels.items():
        name = catalog.levels[level].label(language)
        typer.echo()
        say(f"{name} ({level})")
        for entry in entries:
            rules = entry.rules if isinstance(entry, RuleSet) else [entry]
            indent = "  "
            if isinstance(entry, RuleSet):
                condition = "; ".join(f"{field} ∈ {'、'.join(values)}" for field, values in entry.when.items())
                say(f"  {entry.name or ''} [{condition}]".replace("  [", "  ["))
                indent = "    "
            for rule in rules:
                if rule.indicator:
                    indicator = catalog.indicators[rule.indicator]
                    subject = indicator.tag(language)
                    threshold = format_measure(rule.value, indicator.unit, language_of(lang))
                else:
                    subject = catalog.fields[rule.field or ""].label(language)
                    threshold = f"{rule.value:g}"
                mark = words.text("standards-show.provisional-mark", language) if loaded.is_provisional(rule) else ""
                say(f"{indent}{subject} {rule.op} {threshold}{mark}")
    if loaded.coverage:
        targets = ", ".join(f"{level} {target:g}%" for level, target in loaded.coverage.items())
        typer.echo()
        say(words.text("standards-show.coverage", language, targets=targets))
