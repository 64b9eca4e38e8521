"""Validation of a return table: every fault collected as a Finding, invalid cells set to missing."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from chuangye_metrics.catalog import Catalog
from chuangye_metrics.findings import Finding, format_value
from chuangye_metrics.reader import ROW, ReturnTable, excel_row
from chuangye_metrics.schema import column_checks, row_model

if TYPE_CHECKING:
    import pandas as pd

REQUIRED = ("unit_code", "unit_name", "level")
TEXT_FIELDS = ("unit_code", "unit_name", "level", "parent_code")
LEVEL_LABEL = "_level_label"


@dataclass
class Validated:
    """A return after validation: the typed frame (level ids, parent codes, bad cells blanked) and the findings."""

    table: ReturnTable
    frame: pd.DataFrame
    findings: list[Finding] = field(default_factory=list)
    hierarchy: pd.DataFrame | None = None

    @property
    def errors(self) -> list[Finding]:
        return [finding for finding in self.findings if finding.severity == "error"]


def validate_return(
    table: ReturnTable, catalog: Catalog, year: int | None = None, rules: Sequence[Any] | None = None
) -> Validated:
    """Check the table against the row model and the rules (shipped ones when ``rules`` is None).

    Never raises on bad data: every fault becomes a Finding, and a cell that breaks a constraint is
    set to missing so that ``compute --keep-going`` can go on without it.
    """
    from chuangye_metrics.progress import stage
    from chuangye_metrics.rules import Context, apply_rules, load_rules

    stage("validate")

    sheet = table.sheet
    columns = table.columns
    findings = list(table.findings)
    frame = _complete(table.frame, catalog)
    totals = _complete(table.totals, catalog) if table.totals is not None else None

    def cell_findings(code: str, name: str, rows: pd.Series, values: pd.Series | None = None, **params: Any) -> None:
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
                    value=None if _is_missing(value) else format_value(value),
                    params={key: format_value(item) for key, item in params.items()},
                )
            )

    for name in REQUIRED:
        if name not in columns:
            findings.append(
                Finding(
                    severity="error",
                    code="missing-column",
                    sheet=sheet,
                    row=table.header_row,
                    header=catalog.fields[name].header,
                    field=name,
                )
            )
    for name in catalog.count_fields:
        if name not in columns and catalog.fields[name].core:
            findings.append(missing_count_column(table, catalog, name))
    if any(finding.code == "missing-column" for finding in findings):
        return Validated(table=table, frame=frame.iloc[0:0], findings=findings)

    for name in REQUIRED:
        cell_findings("missing-value", name, frame[name].isna())

    model = row_model(catalog)
    for name in [*catalog.count_fields, "year"]:
        if name not in columns:
            continue
        values = frame[name]
        for constraint, bound, holds in column_checks(model, name):
            broken = values.notna() & ~holds(values)
            if broken.any():
                cell_findings(f"constraint-{constraint}", name, broken, values, bound=float(bound))
                frame.loc[broken, name] = float("nan")

    labels = frame["level"].dropna().unique()
    level_ids = {label: catalog.level_id(str(label)) for label in labels}
    unknown_labels = [label for label, level in level_ids.items() if level is None]
    unknown = frame["level"].isin(unknown_labels)
    cell_findings("unknown-level", "level", unknown.astype(bool), frame["level"])
    frame[LEVEL_LABEL] = frame["level"]
    frame["level"] = frame["level"].map(level_ids).astype(object)

    default_year = year if year is not None else table.title_year
    for part in (frame, totals):
        if part is not None and default_year is not None:
            part["year"] = part["year"].fillna(float(default_year))
    if year is not None:
        if not frame["year"].eq(year).any():
            findings.append(
                Finding(severity="error", code="year-mismatch", sheet=sheet, field="year", params={"year": year})
            )
        frame = frame.loc[frame["year"] == year].reset_index(drop=True)
        if totals is not None:
            totals = totals.loc[totals["year"].isna() | (totals["year"] == year)].reset_index(drop=True)

    parks = frame["level"].eq("park")
    cell_findings("park-without-parent", "parent_code", parks & frame["parent_code"].isna())

    coded = frame["unit_code"].notna()
    duplicate = coded & frame.duplicated(subset=["unit_code", "year"], keep="first")
    if duplicate.any():
        first_rows = frame.groupby(["unit_code", "year"], dropna=False)[ROW].transform("min")
        for index in duplicate[duplicate].index:
            cell_findings(
                "duplicate-code",
                "unit_code",
                frame.index.to_series() == index,
                frame["unit_code"],
                other=int(first_rows.to_numpy()[frame.index.get_loc(index)]),
            )

    frame = _fill_parent_codes(frame, catalog)
    frame, filled = fill_from_earlier_years(frame, catalog, sheet)
    findings += filled
    hierarchy = hierarchy_of(frame, catalog)
    context = Context(
        frame=frame,
        hierarchy=hierarchy,
        totals=totals,
        columns=columns,
        catalog=catalog,
        sheet=sheet,
    )
    findings += apply_rules(load_rules(catalog) if rules is None else rules, context)
    return Validated(table=table, frame=frame, findings=findings, hierarchy=hierarchy)


def missing_count_column(table: ReturnTable, catalog: Catalog, name: str) -> Finding:
    """The warning for a count column the return lacks, naming the indicators left null."""
    affected = [i.id for i in catalog.indicators.values() if name in i.field_names]
    return Finding(
        severity="warning",
        code="missing-count-column",
        sheet=table.sheet,
        row=table.header_row,
        header=catalog.fields[name].header,
        field=name,
        params={"indicators": ", ".join(affected) or "-"},
    )


def fill_from_earlier_years(
    frame: pd.DataFrame, catalog: Catalog, sheet: str | None = None, files: Sequence[str] = ()
) -> tuple[pd.DataFrame, list[Finding]]:
    """Blank counts taken from the same unit's row some years before, as ``from_earlier_year`` in fields.yaml says.

    三年前创业实体实有数 left blank in the 2016 row is the 创业实体实有数 of the 2013 row, when both are read.
    One warning per field says how many units were filled; with ``files`` (rows of several files, numbered
    in a ``_file`` column), one per field and file of the filled rows, naming it.
    """
    import numpy as np

    findings: list[Finding] = []
    for target in catalog.fields.values():
        source = target.from_earlier_year
        if source is None or target.id not in frame or source.field not in frame:
            continue
        blank = (frame[target.id].isna() & frame["year"].notna() & frame["unit_code"].notna()).to_numpy()
        if not blank.any():
            continue
        earlier = frame.loc[frame[source.field].notna() & frame["year"].notna(), ["unit_code", "year", source.field]]
        if earlier.empty:
            continue
        earlier = earlier.assign(year=earlier["year"] + source.years).drop_duplicates(["unit_code", "year"])
        wanted = frame.loc[blank, ["unit_code", "year"]]
        values = wanted.merge(earlier, on=["unit_code", "year"], how="left")[source.field].to_numpy()
        found = ~np.isnan(values.astype("float64"))
        if not found.any():
            continue
        column = frame[target.id].to_numpy(dtype="float64", copy=True)
        column[np.flatnonzero(blank)[found]] = values[found]
        frame = frame.assign(**{target.id: column})
        filled_at = np.flatnonzero(blank)[found]
        groups = frame["_file"].to_numpy()[filled_at] if files else np.zeros(len(filled_at), dtype=np.int64)
        for group in sorted(set(groups.tolist())):
            findings.append(
                Finding(
                    severity="warning",
                    code="filled-from-earlier-year",
                    file=files[int(group)] if files else None,
                    sheet=sheet,
                    header=target.header,
                    field=target.id,
                    params={
                        "count": int((groups == group).sum()),
                        "header": target.header,
                        "source": catalog.fields[source.field].header,
                        "years": source.years,
                    },
                )
            )
    return frame, findings


def hierarchy_of(frame: pd.DataFrame, catalog: Catalog) -> pd.DataFrame:
    """The units that can be placed (a code and a known level, first of duplicates) with derived parents."""
    from chuangye_metrics.hierarchy import add_derived_units

    placeable = frame.loc[frame["unit_code"].notna() & frame["level"].notna()]
    return add_derived_units(placeable.drop_duplicates(subset=["unit_code", "year"], keep="first"), catalog)


def _complete(frame: pd.DataFrame, catalog: Catalog) -> pd.DataFrame:
    """Every field as a column: counts and year float64 (NaN = missing), texts as objects."""
    frame = frame.copy(deep=False)  # copy-on-write: the caller's frame is never changed
    for name in [*catalog.count_fields, "year"]:
        frame[name] = frame[name].astype("float64") if name in frame else float("nan")
    for name in [*TEXT_FIELDS, *(f.id for f in catalog.fields.values() if f.type in ("text", "code"))]:
        if name not in frame:
            frame[name] = None
    return frame


def _fill_parent_codes(frame: pd.DataFrame, catalog: Catalog) -> pd.DataFrame:
    """A territorial unit with a blank parent code gets the one its division code implies."""
    import pandas as pd

    from chuangye_metrics.hierarchy import parent_codes_of

    blank = (
        frame["parent_code"].isna() & frame["level"].isin(catalog.territorial_levels) & frame["unit_code"].notna()
    ).to_numpy()
    if blank.any():
        parents = frame["parent_code"].to_numpy(dtype=object, copy=True)
        codes = pd.Series(frame["unit_code"].to_numpy(dtype=object)[blank], dtype=object)
        parents[blank] = parent_codes_of(codes, catalog.code_segment_widths).to_numpy()
        frame["parent_code"] = pd.Series(parents, index=frame.index, dtype=object)  # not pandas' Arrow strings
    return frame


def _is_missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and value != value)
