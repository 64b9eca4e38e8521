"""Validation of a return table: every fault collected as a Finding, invalid cells set to missing."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from chuangye_metrics.config.catalog import Catalog
from chuangye_metrics.core import words
from chuangye_metrics.core.findings import Finding, FindingBudget, cap_findings, format_value
from chuangye_metrics.core.progress import stage
from chuangye_metrics.core.words import LANGUAGES, Language
from chuangye_metrics.hierarchy import hierarchy_of, levels_of_codes, parent_codes_of
from chuangye_metrics.indicators.compute import UnitTable, unit_table
from chuangye_metrics.reading.reader import ROW, ReturnTable, excel_row
from chuangye_metrics.validation.row_schema import column_checks, row_model
from chuangye_metrics.validation.rules import Context, RuleKind, apply_rules, load_rules

if TYPE_CHECKING:
    import numpy as np
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

    def unit_table(
        self, catalog: Catalog, *, language: Language = "zh", levels: Iterable[str] | None = None
    ) -> UnitTable:
        """The return's units and derived parents, with their indicators."""
        hierarchy = self.hierarchy if self.hierarchy is not None else hierarchy_of(self.frame, catalog)
        return unit_table(hierarchy, catalog, language=language, levels=levels)


def validate_return(
    table: ReturnTable, catalog: Catalog, year: int | None = None, rules: Sequence[RuleKind] | None = None
) -> Validated:
    """Check the table against the row model and the rules (shipped ones when ``rules`` is None).

    Never raises on bad data: every fault becomes a Finding, and a cell that breaks a constraint is
    set to missing so that ``compute --keep-going`` can go on without it.
    """

    import numpy as np
    import pandas as pd

    stage("validate")

    sheet = table.sheet
    columns = table.columns
    findings = list(table.findings)
    frame = _complete(table.frame, catalog)
    totals = _complete(table.totals, catalog) if table.totals is not None else None

    budget = FindingBudget()

    def cell_finding(code: str, name: str, index: Any, value: object, params: dict[str, Any]) -> Finding:
        column = columns.get(name)
        return Finding(
            severity="error",
            code=code,
            sheet=sheet,
            row=excel_row(frame, index),
            column=column.letter if column else None,
            header=column.header if column else catalog.fields[name].header,
            field=name,
            value=None if _is_missing(value) else format_value(value),
            params={key: _param(item) for key, item in params.items()},
        )

    def cell_findings(code: str, name: str, rows: pd.Series, values: pd.Series | None = None, **params: Any) -> None:
        hits = rows[rows].index
        for index in hits[: budget.room(code, len(hits))]:
            findings.append(cell_finding(code, name, index, None if values is None else values.at[index], params))

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
    for name in catalog.count_fields if not _parks_only(frame, catalog) else []:
        if name not in columns and catalog.fields[name].core:
            findings.append(missing_count_column(table, catalog, name))
    if any(finding.code == "missing-column" for finding in findings):
        return Validated(table=table, frame=frame.iloc[0:0], findings=cap_findings(findings))

    for name in REQUIRED:
        cell_findings("missing-value", name, frame[name].isna())

    model = row_model(catalog)
    for name in [*catalog.count_fields, *catalog.score_fields, "year"]:
        if name not in columns:
            continue
        values = frame[name]
        for constraint, bound, holds in column_checks(model, name):
            broken = values.notna() & ~holds(values)
            if broken.any():
                cell_findings(f"constraint-{constraint}", name, broken, values, bound=float(bound))
                frame.loc[broken, name] = float("nan")

    # each distinct label looked up once; a row points at its label by position (-1: blank)
    positions, labels = pd.factorize(frame["level"].to_numpy(dtype=object))
    level_ids = {label: catalog.level_id(str(label)) for label in labels}
    unknown_positions = [position for position, label in enumerate(labels) if level_ids[label] is None]
    unknown = pd.Series(np.isin(positions, unknown_positions), index=frame.index)
    hits = unknown[unknown].index
    hints: dict[str, dict[str, str] | str] = {}
    for index in hits[: budget.room("unknown-level", len(hits))]:  # in row order
        label = str(frame.at[index, "level"])
        if label not in hints:
            suggested = catalog.suggest_level(label)
            level = catalog.levels[suggested] if suggested else None
            hints[label] = {language: level.label(language) for language in LANGUAGES} if level else ""
        findings.append(cell_finding("unknown-level", "level", index, label, {"suggestion": hints[label]}))
    frame[LEVEL_LABEL] = frame["level"]
    frame["level"] = _mapped(positions, labels, level_ids, frame.index)
    if unknown.any():
        frame = _place_unknown_levels(frame, unknown.to_numpy(), catalog)

    findings += _year_findings(frame, table, year)
    # one year per row, decided once: the 统计年度 column, else the title, else --year
    default_year = table.title_year if table.title_year is not None else year
    for part in (frame, totals):
        if part is not None and default_year is not None:
            part["year"] = part["year"].fillna(float(default_year))
    if frame["year"].notna().any():
        cell_findings("missing-year", "year", frame["year"].isna() & frame["unit_code"].notna())
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
    unique = not duplicate.any()
    if duplicate.any():
        first_rows = frame.groupby(["unit_code", "year"], dropna=False)[ROW].transform("min")
        hits = duplicate[duplicate].index
        for index in hits[: budget.room("duplicate-code", len(hits))]:
            other = int(first_rows.to_numpy()[frame.index.get_loc(index)])
            findings.append(
                cell_finding("duplicate-code", "unit_code", index, frame.at[index, "unit_code"], {"other": other})
            )

    frame = _fill_parent_codes(frame, catalog)
    frame, filled = fill_from_earlier_years(frame, catalog, sheet)
    findings += filled
    hierarchy = hierarchy_of(frame, catalog, unique=unique)
    context = Context(
        frame=frame,
        hierarchy=hierarchy,
        totals=totals,
        columns=columns,
        catalog=catalog,
        sheet=sheet,
        budget=budget,
    )
    rule_findings = apply_rules(load_rules(catalog) if rules is None else rules, context)
    findings += rule_findings
    frame, blanked = _blank_error_cells(frame, rule_findings, catalog)
    if blanked:
        hierarchy = hierarchy_of(frame, catalog, unique=unique)
    findings += left_out_of_sums(frame, hierarchy, catalog, sheet)
    findings += budget.summaries()
    return Validated(table=table, frame=frame, findings=cap_findings(findings), hierarchy=hierarchy)


def _year_findings(frame: pd.DataFrame, table: ReturnTable, year: int | None) -> list[Finding]:
    """Warnings where the title's year disagrees with the 统计年度 column, or --year with the title."""
    title = table.title_year
    if title is None:
        return []
    column = table.columns.get("year")
    found: list[Finding] = []
    given = frame["year"].dropna()
    others = sorted({int(value) for value in given.tolist() if value != title})
    if others:
        first = int(frame.loc[given.index[given != title][0], ROW])
        found.append(
            Finding(
                severity="warning",
                code="title-year-disagrees",
                sheet=table.sheet,
                row=first,
                column=column.letter if column else None,
                header=column.header if column else None,
                field="year",
                value=format_value(float(others[0])),
                params={"title": title, "years": "、".join(str(other) for other in others)},
            )
        )
    if year is not None and year != title and frame["year"].isna().any():
        found.append(
            Finding(
                severity="warning",
                code="year-option-disagrees",
                sheet=table.sheet,
                field="year",
                params={"title": title, "year": year},
            )
        )
    return found


def missing_count_column(table: ReturnTable, catalog: Catalog, name: str) -> Finding:
    """The warning for a count column the return lacks, naming the indicators left null."""
    affected = [indicator for indicator in catalog.indicators.values() if name in indicator.field_names]
    names = {
        language: words.text("sep.list", language).join(item.label(language) for item in affected) or "-"
        for language in words.LANGUAGES
    }
    return Finding(
        severity="warning",
        code="missing-count-column",
        sheet=table.sheet,
        row=table.header_row,
        header=catalog.fields[name].header,
        field=name,
        params={"indicators": names},
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


def left_out_of_sums(
    frame: pd.DataFrame, hierarchy: pd.DataFrame, catalog: Catalog, sheet: str | None
) -> list[Finding]:
    """A warning for each parent that a unit of unknown level would have fed: its sum leaves that unit out."""

    unplaced = frame.loc[
        frame["unit_code"].notna() & frame["level"].notna() & ~frame["level"].isin(list(catalog.levels))
    ]
    unplaced = unplaced.loc[unplaced["parent_code"].notna()]
    if unplaced.empty:
        return []
    in_hierarchy = set(hierarchy["unit_code"].dropna().astype(str))
    findings = []
    for _, unit in unplaced.iterrows():
        parent = str(unit["parent_code"])
        if parent not in in_hierarchy:
            continue
        findings.append(
            Finding(
                severity="warning",
                code="left-out-of-sums",
                sheet=sheet,
                row=int(unit[ROW]),
                field="level",
                header=catalog.fields["level"].header,
                value=str(unit[LEVEL_LABEL]),
                params={"parent": parent},
            )
        )
    return findings


def _place_unknown_levels(frame: pd.DataFrame, unknown: Any, catalog: Catalog) -> pd.DataFrame:
    """A unit of unknown level takes the level its division code denotes; failing that, it keeps its label."""
    import numpy as np
    import pandas as pd

    by_code = levels_of_codes(frame["unit_code"], catalog).to_numpy(dtype=object)
    levels = frame["level"].to_numpy(dtype=object, copy=True)
    known_code = np.array([level is not None for level in by_code], dtype=bool) & frame["unit_code"].notna().to_numpy()
    levels[unknown & known_code] = by_code[unknown & known_code]
    labels = frame[LEVEL_LABEL].to_numpy(dtype=object)
    levels[unknown & ~known_code] = [str(label) for label in labels[unknown & ~known_code]]
    frame["level"] = pd.Series(levels, index=frame.index, dtype=object)
    return frame


def _blank_error_cells(frame: pd.DataFrame, findings: Sequence[Finding], catalog: Catalog) -> tuple[pd.DataFrame, bool]:
    """Counts that a rule found in error (a part above its whole, a parent below its children) become missing,
    so that ``--keep-going`` counts them nowhere: not in the unit's indicators, not in its parents' sums."""
    import numpy as np

    cells: dict[str, set[int]] = {}
    for finding in findings:
        if finding.severity == "error" and finding.row is not None and finding.field in catalog.count_fields:
            cells.setdefault(finding.field, set()).add(finding.row)
    if not cells:
        return frame, False
    rows = frame[ROW].to_numpy()
    changed = {}
    for name, excel_rows in cells.items():
        hit = np.isin(rows, list(excel_rows))
        if hit.any():
            column = frame[name].to_numpy(dtype="float64", copy=True)
            column[hit] = np.nan
            changed[name] = column
    return (frame.assign(**changed), True) if changed else (frame, False)


def _parks_only(frame: pd.DataFrame, catalog: Catalog) -> bool:
    """A return of parks and bases alone (every row of a level that is no territory): the counts of a
    territorial return are not its columns, and a standard asks for the ones it reads (see check)."""
    if "level" not in frame or not len(frame):
        return False
    levels = {catalog.level_id(str(label)) for label in frame["level"].dropna().unique().tolist()}
    territorial = set(catalog.territorial_levels)
    return bool(levels) and None not in levels and not levels & territorial


def _complete(frame: pd.DataFrame, catalog: Catalog) -> pd.DataFrame:
    """Every field as a column: counts and year float64 (NaN = missing), texts as objects."""
    frame = frame.copy(deep=False)  # copy-on-write: the caller's frame is never changed
    for name in [*catalog.count_fields, *catalog.score_fields, "year"]:
        frame[name] = frame[name].astype("float64") if name in frame else float("nan")
    for name in [*TEXT_FIELDS, *(f.id for f in catalog.fields.values() if f.type in ("text", "code"))]:
        if name not in frame:
            frame[name] = None
    return frame


def _fill_parent_codes(frame: pd.DataFrame, catalog: Catalog) -> pd.DataFrame:
    """A territorial unit with a blank parent code gets the one its division code implies."""
    import pandas as pd

    blank = (
        frame["parent_code"].isna() & frame["level"].isin(catalog.territorial_levels) & frame["unit_code"].notna()
    ).to_numpy()
    if blank.any():
        parents = frame["parent_code"].to_numpy(dtype=object, copy=True)
        codes = pd.Series(frame["unit_code"].to_numpy(dtype=object)[blank], dtype=object)
        parents[blank] = parent_codes_of(codes, catalog.code_segment_widths).to_numpy()
        frame["parent_code"] = pd.Series(parents, index=frame.index, dtype=object)  # not pandas' Arrow strings
    return frame


def _mapped(positions: np.ndarray, labels: Iterable[Any], ids: dict[Any, str | None], index: pd.Index) -> pd.Series:
    """Each row's level id from the position of its label (NaN for a blank label or one without an id)."""
    import numpy as np
    import pandas as pd

    known = [ids.get(label) for label in labels]
    mapped = np.array([np.nan if level is None else level for level in known] + [np.nan], dtype=object)
    return pd.Series(mapped[positions], index=index, dtype=object)  # a blank label, at -1, takes the last entry


def _param(item: object) -> object:
    """A finding's parameter: a text in both languages stays as it is, anything else as it reads."""
    return item if isinstance(item, dict) else format_value(item)


def _is_missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and value != value)
