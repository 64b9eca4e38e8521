"""`chuangye schema`: the published JSON Schemas."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from chuangye_metrics.core import words
from chuangye_metrics.core.guard import RefusedUsage
from chuangye_metrics.outputs.schemas import SCHEMAS, json_schema

app = typer.Typer(rich_markup_mode=None, add_completion=False)


@app.command()
def schema(
    which: Annotated[
        str,
        typer.Argument(),
    ] = "compute",
) -> None:
    """Print a JSON Schema: of compute's or check's JSON, of validate's report, of a standard file or a row."""

    if which not in SCHEMAS:
        raise RefusedUsage("unknown-schema", which=which, known=words.listed(SCHEMAS))
    typer.echo(json.dumps(json_schema(which), ensure_ascii=False, indent=2))
