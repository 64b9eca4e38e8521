"""Validation of a return table: every fault collected as a Finding, invalid cells set to missing."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from chuangye_metrics.catalog import Catalog
from chuangye_metrics.findings import Finding, format_value
from chuangye_metrics.reader import ROW, ReturnTable, excel_row
from chuangye_metrics.schema import column_checks, row_model

if TYPE_CHECKING:
    import pandas as pd

REQUIRED = ("unit_code", "unit_name", "level")
INVALID = "_invalid"


@dataclass
class Validated:
    """A return after validation: the typed frame (level ids, invalid cells blanked) and the findings."""

    table: ReturnTable
    frame: pd.DataFrame
    findings: list[Finding] = field(default_factory=list)

    @property
    def errors(self) -> list[Finding]:
        return [finding for finding in self.findings if finding.severity == "error"]


def validate_return(table: ReturnTable, catalog: Catalog, year: int | None = None) -> Validated:
    """Check the table against the row model and the return's rules; never raises on bad data."""
    import numpy as np

    frame = table.frame.copy()
    findings = list(table.findings)
    sheet = table.sheet
    columns = table.columns
    frame[INVALID] = False

    def cell_finding(code: str, name: str, rows: pd.Series, values: pd.Series | None = None, **params: object) -> None:
        column = columns.get(name)
        for index in rows[rows].index:
            value = None if values is None else values.at[index]
            findings.append(
                Finding(
                    severity="error",
                    code=code,
                    sheet=sheet,
                    row=excel_row(frame, index),
                    column=column.letter if column else None,
                    header=column.header if column else catalog.fields[name].header,
                    field=name,
                    value=None if value is None or _is_missing(value) else format_value(value),
                    params=dict(params),
                )
            )
        frame.loc[rows, INVALID] = True

    for name in REQUIRED:
        if name not in columns:
            findings.append(
                Finding(
                    severity="error",
                    code="missing-column",
                    sheet=sheet,
                    header=catalog.fields[name].header,
                    field=name,
                )
            )
    for name in catalog.count_fields:
        if name not in columns:
            affected = [i.id for i in catalog.indicators.values() if name in i.field_names]
            findings.append(
                Finding(
                    severity="warning",
                    code="missing-count-column",
                    sheet=sheet,
                    header=catalog.fields[name].header,
                    field=name,
                    params={"indicators": ", ".join(affected) or "-"},
                )
            )
        frame[name] = frame[name].astype("float64") if name in frame else np.nan
    for name in ("unit_code", "unit_name", "level", "parent_code"):
        if name not in frame:
            frame[name] = None
    if any(finding.code == "missing-column" for finding in findings):
        return Validated(table=table, frame=frame.iloc[0:0], findings=findings)

    for finding in table.findings:
        if finding.code == "not-a-number" and finding.row is not None:
            frame.loc[frame[ROW] == finding.row, INVALID] = True

    for name in REQUIRED:
        cell_finding("missing-value", name, frame[name].isna())

    model = row_model(catalog)
    for name in [*catalog.count_fields, "year"]:
        if name not in columns:
            continue
        values = frame[name]
        for constraint, bound, holds in column_checks(model, name):
            broken = values.notna() & ~holds(values)
            if broken.any():
                cell_finding(
                    f"constraint-{constraint}",
                    name,
                    broken,
                    values,
                    bound=format_value(float(bound)),
                )
                frame.loc[broken, name] = np.nan

    level_ids = frame["level"].map(lambda label: catalog.level_id(label) if isinstance(label, str) else None)
    cell_finding("unknown-level", "level", frame["level"].notna() & level_ids.isna(), frame["level"])
    frame["level"] = level_ids

    if "year" in frame:
        frame["year"] = frame["year"].fillna(year) if year is not None else frame["year"]
        if year is not None:
            if not frame["year"].eq(year).any():
                findings.append(
                    Finding(
                        severity="error",
                        code="year-mismatch",
                        sheet=sheet,
                        field="year",
                        header=columns["year"].header,
                        params={"year": year},
                    )
                )
            frame = frame.loc[frame["year"] == year].reset_index(drop=True)
    else:
        frame["year"] = np.nan if year is None else float(year)

    parks = frame["level"].eq("park")
    cell_finding("park-without-parent", "parent_code", parks & frame["parent_code"].isna())

    coded = frame["unit_code"].notna()
    duplicate = coded & frame.duplicated(subset=["unit_code", "year"], keep="first")
    if duplicate.any():
        first_rows = frame.groupby(["unit_code", "year"], dropna=False)[ROW].transform("min")
        for index in duplicate[duplicate].index:
            cell_finding(
                "duplicate-code",
                "unit_code",
                frame.index.to_series() == index,
                frame["unit_code"],
                other=int(first_rows.to_numpy()[frame.index.get_loc(index)]),
            )
    return Validated(table=table, frame=frame, findings=findings)


def _is_missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and value != value)
