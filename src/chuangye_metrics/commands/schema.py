"""`chuangye schema`: the published JSON Schemas."""

from __future__ import annotations

from typing import Annotated

import typer

from chuangye_metrics.cli import (
    app,
)
from chuangye_metrics.errors import UsageError


@app.command()
def schema(
    which: Annotated[
        str,
        typer.Argument(help="compute (the JSON output), validate (its report) or row (one return row)."),
    ] = "compute",
) -> None:
    """Print a JSON Schema: of compute's JSON output, of validate's report, or of a return row."""
    import json

    from chuangye_metrics.schemas import SCHEMAS, json_schema

    if which not in SCHEMAS:
        raise UsageError(f"unknown schema {which!r}; choose one of: {', '.join(SCHEMAS)}")
    typer.echo(json.dumps(json_schema(which), ensure_ascii=False, indent=2))
