"""`chuangye schema`: the published JSON Schemas."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from chuangye_metrics.core.errors import UsageError
from chuangye_metrics.outputs.schemas import SCHEMAS, json_schema

app = typer.Typer(rich_markup_mode=None)


@app.command()
def schema(
    which: Annotated[
        str,
        typer.Argument(
            help="compute (its JSON output), validate (its report), check (its JSON output), "
            "years (compute's JSON for several years), "
            "standard (a standard YAML file) or row (one return row)."
        ),
    ] = "compute",
) -> None:
    """Print a JSON Schema: of compute's or check's JSON, of validate's report, of a standard file or a row."""

    if which not in SCHEMAS:
        raise UsageError(f"unknown schema {which!r}; choose one of: {', '.join(SCHEMAS)}")
    typer.echo(json.dumps(json_schema(which), ensure_ascii=False, indent=2))
