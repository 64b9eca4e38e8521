"""`chuangye formulas list|explain`: the indicators, their formulas, fields and sources."""

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
    ListFormat,
    language_of,
    say,
)
from chuangye_metrics.config.catalog import load_catalog
from chuangye_metrics.core import words
from chuangye_metrics.core.guard import RefusedUsage
from chuangye_metrics.core.text import csv_line, defused
from chuangye_metrics.outputs.explain import indicator_details
from chuangye_metrics.outputs.table import markup_safe, text_console

app = typer.Typer(
    name="formulas",
    no_args_is_help=True,
    rich_markup_mode=None,
)


@app.command("list")
def list_formulas(
    output_format: Annotated[ListFormat, typer.Option("--format", "-f")] = ListFormat.table,
    formulas: FormulasOption = None,
    lang: LangOption = Lang.zh,
) -> None:
    """Every indicator with its formula in words."""

    catalog = load_catalog(extra=formulas or [])
    language = language_of(lang)
    details = [indicator_details(indicator, catalog, language) for indicator in catalog.indicators.values()]
    if output_format is ListFormat.json:
        typer.echo(json.dumps(details, ensure_ascii=False, indent=2))
        return
    if output_format is ListFormat.csv:
        columns = ("id", "name", "unit", "numerator", "denominator", "formula", "source")
        lines = [csv_line(columns), *(csv_line(defused(str(item[key] or "")) for key in columns) for item in details)]
        typer.echo("".join(lines), nl=False)
        return

    table = Table(header_style="bold")
    for heading in ("indicator", "name", "formula", "source"):
        table.add_column(words.text(f"formulas-list.{heading}", language))
    for item in details:
        name = catalog.indicators[item["id"]].name_in(language)
        cells = (item["id"], name, item["formula"], item["source"])
        table.add_row(*(markup_safe(cell or "") for cell in cells))
    console, buffer = text_console()
    console.print(table)
    typer.echo(buffer.getvalue(), nl=False)


@app.command("explain")
def explain_formula(
    indicator: Annotated[str, typer.Argument()],
    output_format: DocumentFormatOption = DocumentFormat.table,
    formulas: FormulasOption = None,
    lang: LangOption = Lang.zh,
) -> None:
    """One indicator: formula, fields with their headers, definition, source and adopted reading."""

    catalog = load_catalog(extra=formulas or [])
    language = language_of(lang)
    if indicator in catalog.fields and indicator not in catalog.indicators:
        definition = catalog.fields[indicator]
        if output_format is DocumentFormat.json:
            typer.echo(definition.model_dump_json(indent=2))
            return
        say(f"{definition.id}  {definition.header}")
        say(definition.description)
        if definition.aliases:
            aliases = words.text("sep.list", language).join(definition.aliases)
            say(words.text("explain-field.aliases", language, aliases=aliases))
        users = [i.id for i in catalog.indicators.values() if definition.id in i.field_names]
        if users:
            say(words.text("explain-field.used-by", language, users=words.text("sep.list", language).join(users)))
        return
    if indicator not in catalog.indicators:
        raise RefusedUsage("unknown-indicator-or-field", name=indicator, known=words.listed(catalog.indicators))
    item = indicator_details(catalog.indicators[indicator], catalog, language)
    if output_format is DocumentFormat.json:
        typer.echo(json.dumps(item, ensure_ascii=False, indent=2))
        return
    labels = words.section("explain-label", language)
    colon, listed = words.text("sep.colon", language), words.text("sep.list", language)
    say(f"{item['id']}  {item['name']}" + (f" ({item['name_en']})" if item["name_en"] else ""))
    say(f"{labels['formula']}{colon}{item['formula']}")
    say(f"{labels['fields']}{colon}" + listed.join(f"{name} = {header}" for name, header in item["fields"].items()))
    for key in ("definition", "source", "note"):
        if item[key]:
            say(f"{labels[key]}{colon}{item[key]}")
