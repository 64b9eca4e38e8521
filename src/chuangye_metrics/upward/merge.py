"""A consolidated return: a territory's units in hierarchy order with their total, for the level above."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from chuangye_metrics.config.catalog import Catalog
from chuangye_metrics.core.findings import Finding
from chuangye_metrics.core.guard import RefusedUsage
from chuangye_metrics.core.models import Source
from chuangye_metrics.core.words import listed
from chuangye_metrics.hierarchy import DERIVED, filled_segments_of, levels_of_codes
from chuangye_metrics.reading.reader import ROW, ReturnTable
from chuangye_metrics.years.compare import FILE

if TYPE_CHECKING:
    import pandas as pd

IDENTITY = ("unit_code", "unit_name", "level", "parent_code")
OUTSIDE = "merge-outside-territory"
NOTE = "_note"
"""The column of the note each row carries: a code of labels.yaml (``return.note.*``), or None."""


@dataclass(frozen=True)
class Territory:
    """The unit a consolidated return is sent for: its 12-digit code, the digits its units' codes begin with."""

    code: str
    prefix: str
    level: str

    def holds(self, code: object) -> bool:
        """Whether a division code lies within the territory, strictly below the unit itself."""
        return (
            isinstance(code, str)
            and len(code) == len(self.code)
            and code.isdigit()
            and code.startswith(self.prefix)
            and code != self.code
        )


def territory_of(text: str, catalog: Catalog) -> Territory:
    """The territory of ``--unit``: a division code, whole (320115000000) or its leading segments (320115)."""
    import pandas as pd

    widths = catalog.code_segment_widths
    total = sum(widths)
    code = text.strip()
    if not code.isascii() or not code.isdigit() or len(code) > total:
        raise RefusedUsage("merge-unit-not-a-code", unit=text, digits=total)
    code = code.ljust(total, "0")
    filled = filled_segments_of(pd.Series([code], dtype=object), widths).iloc[0]  # the leading segments not zero
    prefix = code[: sum(widths[: int(filled)])]
    if filled == 0 or code[len(prefix) :].strip("0"):  # a zero segment before a filled one: no division's code
        raise RefusedUsage("merge-unit-not-a-code", unit=text, digits=total)
    level = levels_of_codes(pd.Series([code], dtype=object), catalog).iloc[0]
    territorial = catalog.territorial_levels
    if level is None or level == territorial[-1]:
        raise RefusedUsage("merge-unit-lowest", unit=code)
    return Territory(code=code, prefix=prefix, level=str(level))


@dataclass
class Consolidated:
    """What a consolidated return holds: its rows in order, the total, and where every row came from."""

    territory: Territory
    name: str | None
    """填报单位: from --name, the register or the unit's own row; None when none gives it (left to be written in)."""
    year: int
    fields: list[str]
    """The columns written, in order: identity, text fields, counts."""
    rows: pd.DataFrame
    """The units written, in order: territorial units parent before child, then parks; ``NOTE`` says which
    were derived from their children and which held data errors (``--keep-going``)."""
    total: dict[str, float | None]
    sources: list[Source]
    units_per_file: list[int]
    unnamed: list[str] = field(default_factory=list)
    """Codes of derived units no register names: written with the derived label, to be named by hand."""

    @property
    def derived(self) -> int:
        return int(self.rows[DERIVED].astype(bool).sum())

    @property
    def parks(self) -> int:
        return int(self.rows["_park"].sum())


def consolidate(
    units: pd.DataFrame,
    catalog: Catalog,
    territory: Territory,
    *,
    tables: Sequence[ReturnTable],
    sources: Sequence[Source],
    labels: Sequence[str],
    names: Mapping[str, str],
    unit_errors: Mapping[tuple[int, int], list[str]],
    name: str | None = None,
    derived_name: str = "",
) -> tuple[Consolidated | None, list[Finding]]:
    """The consolidated return of ``territory`` from every unit read (``pipeline.Returns.units.frame``).

    A row outside the territory is an error naming it (None then, with every such finding). Derived units
    inside the territory are written as rows, marked; the territory's own figures are the total, from its own
    row when a return gives one, else summed from its top units (missing where any of theirs is). A derived
    unit is named from ``names`` (a register), else ``derived_name``, and listed in ``unnamed``.
    """
    years = sorted({int(year) for year in units["year"].dropna().unique()})
    if len(years) != 1:
        if not years:
            raise RefusedUsage("merge-no-year")
        raise RefusedUsage("merge-several-years", years=listed(years))
    (year,) = years
    if FILE not in units:  # one return: its units as validation put them together
        units = units.assign(**{FILE: 0})
    derived = units[DERIVED].astype(bool).to_numpy()
    territorial = units["level"].isin(catalog.territorial_levels).to_numpy()
    codes = units["unit_code"].to_numpy(dtype=object)
    parents = units["parent_code"].to_numpy(dtype=object)
    own = (codes == territory.code) & territorial & ~derived
    inside = [
        territory.holds(code) if is_territorial else parent == territory.code or territory.holds(parent)
        for code, parent, is_territorial in zip(codes, parents, territorial, strict=True)
    ]
    import numpy as np
    import pandas as pd

    inside_mask = np.array(inside, dtype=bool)
    outside = ~inside_mask & ~own & ~derived
    findings = [_outside(row, territory, tables, labels) for row in units.loc[outside].to_dict("records")]
    if findings:
        return None, findings

    present = {name for table in tables for name in table.columns}
    texts = [item.id for item in catalog.fields.values() if item.type == "text" and item.id not in IDENTITY]
    counts = catalog.count_fields
    fields = [*IDENTITY, *[name for name in texts if name in present], *_grouped(catalog, counts, present)]

    rows = units.loc[inside_mask | own].copy()
    rows["_park"] = ~rows["level"].isin(catalog.territorial_levels).to_numpy()
    top = rows.loc[~rows["_park"] & ~rows["parent_code"].isin(set(rows["unit_code"].tolist()))]
    total = {name: _sum_or_missing(top[name]) for name in fields if name in counts}
    unnamed: list[str] = []
    notes: list[str | None] = []
    filled_names: list[object] = []
    for unit in rows[["unit_code", "unit_name", DERIVED, FILE, ROW]].itertuples(index=False):
        code, unit_name, is_derived, file_index, excel_row = unit
        if is_derived:
            known = names.get(str(code))
            if known is None:
                unnamed.append(str(code))
                notes.append("return.note.derived-unnamed")
                filled_names.append(derived_name)
            else:
                notes.append("return.note.derived")
                filled_names.append(known)
            continue
        filled_names.append(unit_name)
        has_errors = (int(file_index), int(excel_row)) in unit_errors
        notes.append("return.note.errors" if has_errors else ("return.note.own" if code == territory.code else None))
    rows["unit_name"] = pd.Series(filled_names, index=rows.index, dtype=object)
    rows[NOTE] = pd.Series(notes, index=rows.index, dtype=object)
    per_file = rows.loc[~rows[DERIVED].astype(bool), FILE].value_counts()
    units_per_file = [int(per_file.get(index, 0)) for index in range(len(sources))]
    title = name or names.get(territory.code) or _own_name(rows, territory)
    return (
        Consolidated(
            territory=territory,
            name=title,
            year=year,
            fields=fields,
            rows=rows.reset_index(drop=True),
            total=total,
            sources=list(sources),
            units_per_file=units_per_file,
            unnamed=unnamed,
        ),
        [],
    )


def _grouped(catalog: Catalog, counts: Sequence[str], present: set[str]) -> list[str]:
    """The count fields present, each group's together (where its first field stands), in catalogue order."""
    chosen = [name for name in counts if name in present]
    groups: dict[str | None, list[str]] = {}
    for name in chosen:
        groups.setdefault(catalog.fields[name].group, []).append(name)
    return [name for members in groups.values() for name in members]


def _sum_or_missing(values: pd.Series) -> float | None:
    """The sum by the blank rule: missing when any is missing (or there are none)."""
    if values.empty or values.isna().any():
        return None
    return float(values.sum())


def _own_name(rows: pd.DataFrame, territory: Territory) -> str | None:
    own = rows.loc[rows["unit_code"] == territory.code, "unit_name"]
    return str(own.iloc[0]) if len(own) and isinstance(own.iloc[0], str) else None


def _outside(
    values: Mapping[str, Any], territory: Territory, tables: Sequence[ReturnTable], labels: Sequence[str]
) -> Finding:
    """An error for a row of a unit outside the territory, naming its file, sheet and row."""
    file_index = int(values[FILE])
    table = tables[file_index]
    column = table.columns.get("unit_code")
    return Finding(
        severity="error",
        code=OUTSIDE,
        file=labels[file_index] if len(labels) > 1 else None,
        sheet=table.sheet,
        row=int(values[ROW]),
        column=column.letter if column else None,
        header=column.header if column else None,
        field="unit_code",
        value=str(values["unit_code"]),
        params={"unit": territory.code, "parent": _text(values["parent_code"])},
    )


def _text(value: object) -> str:
    return value if isinstance(value, str) else "—"
