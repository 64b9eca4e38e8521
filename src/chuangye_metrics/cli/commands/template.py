"""`chuangye template`: the blank return (xlsx) a bureau sends to its streets, communities and parks."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from chuangye_metrics.cli.options import FormulasOption
from chuangye_metrics.config.catalog import load_catalog
from chuangye_metrics.outputs.template import default_year, template_fields, template_levels, write_template
from chuangye_metrics.pipeline import levels_of
from chuangye_metrics.standards.library import load_standard

app = typer.Typer(rich_markup_mode=None)


@app.command()
def template(
    output: Annotated[
        Path,
        typer.Option("--output", "-o", dir_okay=False, help="The workbook to write (.xlsx); kept unless --force."),
    ],
    standard: Annotated[
        str | None,
        typer.Option(
            "--standard",
            "-s",
            help="Only the columns this standard reads (a shipped id or a YAML file); default: every core count.",
        ),
    ] = None,
    level: Annotated[
        list[str] | None,
        typer.Option(
            "--level",
            "-l",
            help="Levels offered in the drop-down (repeatable or comma-separated: street,community, 园区, …); "
            "with --standard, only the rules of these levels.",
        ),
    ] = None,
    year: Annotated[
        int | None,
        typer.Option("--year", min=1949, max=2100, help="Reporting year in the title (default: last year)."),
    ] = None,
    rows: Annotated[
        int, typer.Option("--rows", min=1, max=10_000, help="Empty rows prepared with data validation.")
    ] = 200,
    year_column: Annotated[
        bool, typer.Option("--year-column", help="Add a 统计年度 column (default: the title carries the year).")
    ] = False,
    force: Annotated[bool, typer.Option("--force", help="Overwrite the output file if it exists.")] = False,
    formulas: FormulasOption = None,
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
    chosen = template_levels(catalog, loaded, levels)
    columns = len(template_fields(catalog, loaded, chosen, year_column))
    names = "、".join(catalog.levels[name].name for name in chosen)
    what = f"standard {loaded.id}" if loaded is not None else "every core count"
    typer.echo(
        f"chuangye: wrote {written}: year {year or default_year()}, {columns} columns ({what}), "
        f"{rows} blank rows, levels {names}",
        err=True,
    )
