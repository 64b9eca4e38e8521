"""`chuangye template`: the blank return (xlsx) a bureau sends to its streets, communities and parks."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from chuangye_metrics.cli.options import FormulasOption, Lang, LangOption, language_of
from chuangye_metrics.config.catalog import load_catalog
from chuangye_metrics.core import words
from chuangye_metrics.core.text import printable
from chuangye_metrics.outputs.template import default_year, template_fields, template_levels, write_template
from chuangye_metrics.pipeline import levels_of
from chuangye_metrics.standards.library import load_standard

app = typer.Typer(rich_markup_mode=None, add_completion=False)


@app.command()
def template(
    output: Annotated[
        Path,
        typer.Option("--output", "-o", dir_okay=False),
    ],
    standard: Annotated[
        str | None,
        typer.Option(
            "--standard",
            "-s",
        ),
    ] = None,
    level: Annotated[
        list[str] | None,
        typer.Option(
            "--level",
            "-l",
        ),
    ] = None,
    year: Annotated[
        int | None,
        typer.Option("--year", min=1949, max=2100),
    ] = None,
    rows: Annotated[int, typer.Option("--rows", min=1, max=10_000)] = 200,
    year_column: Annotated[bool, typer.Option("--year-column")] = False,
    force: Annotated[bool, typer.Option("--force")] = False,
    formulas: FormulasOption = None,
    lang: LangOption = Lang.zh,
) -> None:
    """Write a blank return to fill in: headers, drop-downs, number checks and a 填表说明 sheet."""

    catalog = load_catalog(extra=formulas or [])
    levels = levels_of(level, catalog)
    loaded = load_standard(standard, catalog) if standard is not None else None
    written = write_template(
        output,
        catalog,
        standard=loaded,
        level=levels,
        year=year,
        rows=rows,
        year_column=year_column,
        overwrite=force,
    )
    language = language_of(lang)
    chosen = template_levels(catalog, loaded, levels)
    columns = len(template_fields(catalog, loaded, chosen, year_column))
    names = words.text("sep.list", language).join(catalog.level_label(name, language) for name in chosen)
    if loaded is not None:
        what = words.text("template.of-standard", language, standard=loaded.id)
    else:
        what = words.text("template.every-count", language)
    line = words.text(
        "template.written",
        language,
        file=written,
        year=year or default_year(),
        columns=columns,
        what=what,
        rows=rows,
        levels=names,
    )
    typer.echo(printable(line), err=True)
