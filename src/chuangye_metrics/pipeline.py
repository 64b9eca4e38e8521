"""The pipeline, one for every command: a request read, validated, computed and judged into one result."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict

from chuangye_metrics.config.catalog import Catalog, load_catalog
from chuangye_metrics.config.mapping import load_mapping
from chuangye_metrics.core import words
from chuangye_metrics.core.errors import InputError
from chuangye_metrics.core.findings import CAPPED, Finding, finding_counts, format_value, has_errors
from chuangye_metrics.core.guard import RefusedUsage
from chuangye_metrics.core.models import ComputeResult, DiffResult, Source, ValidationReport, YearsResult
from chuangye_metrics.core.words import Language, both, listed, text
from chuangye_metrics.hierarchy import DERIVED, hierarchy_of
from chuangye_metrics.indicators.compute import UnitTable, errors_by_row, single_year, source_of, unit_results
from chuangye_metrics.reading.cache import Cache, fingerprint, load_return
from chuangye_metrics.reading.reader import ROW, ReturnTable
from chuangye_metrics.standards.assessment import RegisterEntry
from chuangye_metrics.standards.check import (
    CheckOutcome,
    ReturnRead,
    columns_the_standard_needs,
    judged,
    load_register,
)
from chuangye_metrics.standards.library import Standard, load_standard
from chuangye_metrics.standards.shortlist import DEFAULT_NEAR, parse_quota, shortlist_of
from chuangye_metrics.upward.diff import Version, unit_changes
from chuangye_metrics.upward.merge import Consolidated, Territory, consolidate
from chuangye_metrics.validation.rules import RuleKind, load_rules
from chuangye_metrics.validation.validate import Validated, fill_from_earlier_years, validate_return
from chuangye_metrics.years.compare import DUPLICATE_ACROSS_FILES, FILE, YearsTable, file_indexes

if TYPE_CHECKING:
    import pandas as pd


class Request(BaseModel):
    """What a command asks of the pipeline: every option that changes a result, and nothing else.

    The cache key of an output is this request's dump with the contents of the files it names, so an option
    added here is in the key without a word more.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    files: tuple[Path, ...]
    sheet: str | None = None
    year: int | None = None
    levels: tuple[str, ...] | None = None
    """Level ids or their names, as typed (``street``, ``社区``); resolved by ``Settings``."""
    keep_going: bool = False
    mapping: Path | None = None
    rules: tuple[Path, ...] = ()
    formulas: tuple[Path, ...] = ()
    standard: str | None = None
    """A shipped standard's id, or a standard YAML file."""
    register_file: Path | None = None
    quota: tuple[str, ...] | None = None
    near: int = DEFAULT_NEAR
    use_cache: bool = True

    @property
    def standard_file(self) -> Path | None:
        """The file of ``standard`` when it names one (not a shipped id)."""
        if self.standard is None:
            return None
        path = Path(self.standard)
        return path if path.is_file() else None

    @property
    def settings_files(self) -> list[Path]:
        """Every file besides the returns that the result depends on."""
        named = [self.mapping, *self.rules, *self.formulas, self.register_file, self.standard_file]
        return [path for path in named if path is not None]

    @property
    def inputs(self) -> list[Path]:
        """Every file the request reads: no output may be one of them."""
        return [*self.files, *self.settings_files]

    def cache_key(self, purpose: str, language: Language) -> str:
        """The key of an output of this request: every field, and the content of every settings file."""
        dump = self.model_dump_json(exclude={"use_cache"})
        return fingerprint(purpose, language, dump, files=self.settings_files)


@dataclass
class Settings:
    """The files a request names, loaded and checked."""

    catalog: Catalog
    mapping: dict[str, str] | None
    rules: list[RuleKind]
    levels: list[str] | None
    standard: Standard | None
    register: list[RegisterEntry]
    quotas: dict[str, int] | None
    near: int = DEFAULT_NEAR


def settings_of(request: Request) -> Settings:
    catalog = load_catalog(extra=list(request.formulas))
    return Settings(
        catalog=catalog,
        mapping=load_mapping(request.mapping, catalog) if request.mapping else None,
        rules=load_rules(catalog, list(request.rules)),
        levels=levels_of(request.levels, catalog),
        standard=load_standard(request.standard, catalog) if request.standard else None,
        register=load_register(request.register_file, catalog) if request.register_file else [],
        quotas=parse_quota(request.quota, catalog) if request.quota else None,
        near=request.near,
    )


def levels_of(labels: Iterable[str] | None, catalog: Catalog) -> list[str] | None:
    """Level ids of ``--level`` labels (ids or names, repeatable or comma-separated)."""
    if not labels:
        return None
    levels = []
    for label in labels:
        for part in label.split(","):
            level = catalog.level_id(part)
            if level is None:
                raise RefusedUsage("unknown-level-option", level=part, known=words.listed(catalog.levels))
            levels.append(level)
    return levels


def read(request: Request, settings: Settings, language: Language, *, compute: bool = True) -> Returns:
    """Every return of the request read and validated; then, unless errors stop it or ``compute`` is False,
    their units put together by year with derived parents and indicators."""
    return read_returns(
        list(request.files),
        settings.catalog,
        sheet=request.sheet,
        year=request.year,
        levels=settings.levels,
        keep_going=request.keep_going,
        language=language,
        mapping=settings.mapping,
        rules=settings.rules,
        caches=[Cache.for_file(path) if request.use_cache else None for path in request.files],
        compute=compute,
    )


def judge(returns: Returns, settings: Settings, language: Language) -> CheckOutcome:
    """Every unit of every year against the request's standard, with coverage and, with a quota, the shortlist.

    The years help each other: a blank 三年前创业实体实有数 is taken from the unit's row three years
    before, so the yearly growth of startup entities can be judged from the returns themselves.
    """
    standard = settings.standard
    assert standard is not None
    catalog = settings.catalog
    findings = [
        finding.localised(language)
        for finding in columns_the_standard_needs(returns.findings, returns.as_read(), standard, catalog)
    ]
    if returns.units is None:
        return CheckOutcome(judged=None, findings=findings)
    units = returns.units
    named_from_register(units, settings.register)
    checked = judged(
        units,
        lambda: returns.result().units,
        returns.sources_of(units.frame),
        standard,
        catalog,
        language,
        settings.register,
        findings,
        returns.unit_errors,
    )
    if settings.quotas is not None:
        checked.shortlist = shortlist_of(checked, settings.quotas, settings.near)
    return CheckOutcome(judged=checked, findings=findings)


def named_from_register(units: UnitTable, register: Sequence[RegisterEntry]) -> None:
    """A unit derived from its children (no row, so no name of its own) takes its name from the register."""
    names = {entry.unit_code: entry.unit_name for entry in register if entry.unit_name}
    frame = units.frame
    unnamed = frame["unit_name"].isna().to_numpy() & frame[DERIVED].to_numpy(dtype=bool)
    if names and unnamed.any():
        frame.loc[unnamed, "unit_name"] = frame.loc[unnamed, "unit_code"].map(names)


# --- several returns read together -------------------------------------------------------------------------


@dataclass
class Returns:
    """One or more returns read together: every unit of every year, with derived parents worked out per year."""

    findings: list[Finding]
    sources: list[Source]
    catalog: Catalog
    units: UnitTable | None = None
    unit_errors: dict[tuple[int, int], list[str]] = field(default_factory=dict)
    language: Language = "zh"
    template: Validated | None = None
    years: list[int] = field(default_factory=list)  # of every row read, oldest first, before --level
    tables: list[ReturnTable] = field(default_factory=list)  # each file's, emptied of rows: its sheet and columns

    @property
    def has_errors(self) -> bool:
        return has_errors(self.findings)

    @property
    def several_years(self) -> bool:
        return len(self.years) > 1

    def result(self, year: int | None = None) -> ComputeResult:
        """The units of one year (all units when None) as compute's result."""
        assert self.units is not None and self.template is not None
        frame = self.units.frame
        if year is not None:
            frame = frame.loc[frame["year"] == year].reset_index(drop=True)
        table = UnitTable(frame, self.catalog, self.language)
        units = unit_results(table, self.catalog)
        if self.unit_errors:
            files = file_indexes(frame)
            for unit, file_index in zip(units, files.tolist(), strict=True):
                if unit.row is not None:
                    unit.errors = self.unit_errors.get((file_index, unit.row), [])
        return ComputeResult.model_construct(sources=self.sources_of(frame), units=units, findings=list(self.findings))

    def sources_of(self, frame: pd.DataFrame) -> list[Source]:
        """The files the units' rows come from, in the order given (every file when no row is its own)."""
        if len(self.sources) == 1:
            return list(self.sources)
        rows = frame.loc[~frame[DERIVED].astype(bool)]
        used = sorted(set(file_indexes(rows).tolist())) or list(range(len(self.sources)))
        return [self.sources[index] for index in used]

    def as_read(self) -> list[ReturnRead]:
        """Each return with its label, table and the counts of its rows once merged (when the units were worked
        out)."""

        several = len(self.tables) > 1
        frame = self.units.frame if self.units is not None else None
        files = file_indexes(frame) if frame is not None else None
        return [
            ReturnRead(
                label=source.file if several else None,
                table=table,
                rows=None if frame is None or files is None else frame.loc[files == index, self.catalog.count_fields],
            )
            for index, (source, table) in enumerate(zip(self.sources, self.tables, strict=True))
        ]

    def years_table(self) -> YearsTable:
        assert self.units is not None
        frame = self.units.frame
        undated = frame["year"].isna() & ~frame[DERIVED].astype(bool)
        if undated.any() and self.several_years:
            files = sorted({self.sources[index].file for index in file_indexes(frame.loc[undated]).tolist()})
            raise InputError(
                f"{', '.join(files)}: {int(undated.sum())} row(s) have no 统计年度 (year) while the returns cover "
                f"{', '.join(map(str, self.years))}; fill in the year, or choose one year with --year"
            )
        return YearsTable.from_units(frame, self.catalog, self.language, years=self.years)

    def years_result(self) -> YearsResult:
        return self.years_table().result(self.sources, self.findings)


def years_of(frame: pd.DataFrame) -> list[int]:
    """The years of a return's rows, oldest first (rows without a year not counted)."""
    return sorted(int(year) for year in frame["year"].dropna().unique())


def _template(validated: Validated) -> Validated:
    """A validated return emptied of rows and findings: what unit_results needs besides the units."""
    return Validated(table=_emptied(validated.table), frame=validated.frame.iloc[0:0], findings=[])


def _emptied(table: ReturnTable) -> ReturnTable:
    """A return table without its rows and findings: where it was read from, and which columns it has."""
    return dataclasses.replace(table, frame=table.frame.iloc[0:0], totals=None, findings=[])


def read_returns(
    paths: Sequence[Path],
    catalog: Catalog,
    *,
    sheet: str | None = None,
    year: int | None = None,
    levels: Iterable[str] | None = None,
    keep_going: bool = False,
    language: Language = "zh",
    mapping: dict[str, str] | None = None,
    rules: Sequence[RuleKind] | None = None,
    caches: Sequence[Cache | None] | None = None,
    compute: bool = True,
) -> Returns:
    """Read and validate each file as compute does, then put their units together by year.

    Files of the same year with different units make up that year; the same unit and year in two files
    is an error. Derived parents are worked out per year over all the files, so a parent whose children
    come from two files sums them all. With several files every finding names its file.
    """
    several = len(paths) > 1
    labels = [str(path) for path in paths]
    validated_returns: list[Validated] = []
    for index, path in enumerate(paths):
        table = load_return(path, catalog, sheet=sheet, mapping=mapping, cache=caches[index] if caches else None)
        validated_returns.append(validate_return(table, catalog, year=year, rules=rules))
    some_have_the_year = any(len(validated.frame) for validated in validated_returns)
    findings_of_files = _yearless_files(validated_returns, labels) if several else []

    findings: list[Finding] = [finding.localised(language) for finding in findings_of_files]
    for label, validated in zip(labels, validated_returns, strict=True):
        for finding in validated.findings:
            if several and finding.code == "year-mismatch" and some_have_the_year:
                finding = finding.model_copy(update={"severity": "warning"})  # another file has the year
            finding = finding.localised(language)
            findings.append(finding.model_copy(update={"file": label}) if several else finding)

    import pandas as pd  # after the first read, which imports it beside the parse of its sheet

    parts = []
    for index, validated in enumerate(validated_returns):
        frame = validated.frame
        placeable = frame.loc[frame["unit_code"].notna() & frame["level"].notna()]
        parts.append(placeable.drop_duplicates(subset=["unit_code", "year"], keep="first").assign(**{FILE: index}))
    filled = [part for part in parts if len(part)]
    merged = pd.concat(filled, ignore_index=True) if filled else parts[0]
    duplicate = merged.duplicated(subset=["unit_code", "year"], keep="first")
    if duplicate.any():
        findings += _duplicates_across_files(merged, duplicate, validated_returns, labels, language)
        merged = merged.loc[~duplicate].reset_index(drop=True)

    if several:  # a unit's earlier year may be in another file
        merged, taken = fill_from_earlier_years(merged, catalog, files=labels)
        findings += [finding.localised(language) for finding in taken]
    sources = [
        source_of(validated.table, label, year=single_year(validated.frame))
        for validated, label in zip(validated_returns, labels, strict=True)
    ]
    template = _template(validated_returns[0])
    returns = Returns(
        findings=findings,
        sources=sources,
        catalog=catalog,
        language=language,
        template=template,
        years=years_of(merged),
        tables=[_emptied(validated.table) for validated in validated_returns],
    )
    if not compute or (returns.has_errors and not keep_going):
        return returns
    returns.unit_errors = {
        (index, row): codes
        for index, validated in enumerate(validated_returns)
        for row, codes in errors_by_row(validated.findings).items()
    }
    # one return: its hierarchy as validation worked it out; several: worked out again over all their units
    only = validated_returns[0].hierarchy if not several else None
    hierarchy = only if only is not None else hierarchy_of(merged, catalog)
    together = dataclasses.replace(template, frame=merged, hierarchy=hierarchy)
    returns.units = together.unit_table(catalog, language=language, levels=levels)
    return returns


def _yearless_files(validated_returns: Sequence[Validated], labels: Sequence[str]) -> list[Finding]:
    """An error for each file whose units have no year while another file's have one: they could be summed
    into no year, and would silently drop out of the parents they belong to."""
    with_years = [bool(validated.frame["year"].notna().any()) for validated in validated_returns]
    if not any(with_years):
        return []
    found = []
    for label, validated, has_years in zip(labels, validated_returns, with_years, strict=True):
        if not has_years and len(validated.frame):
            found.append(
                Finding(
                    severity="error",
                    code="year-unknown",
                    file=label,
                    sheet=validated.table.sheet,
                    field="year",
                    params={"file": label},
                )
            )
    return found


def _duplicates_across_files(
    merged: pd.DataFrame,
    duplicate: pd.Series,
    validated_returns: Sequence[Validated],
    labels: Sequence[str],
    language: Language,
) -> list[Finding]:
    """An error for each unit and year given again in a later file, naming the file and row it first came from."""
    first = merged.loc[~duplicate].set_index(["unit_code", "year"])[[FILE, ROW]]
    found: list[Finding] = []
    for row in merged.loc[duplicate, ["unit_code", "year", FILE, ROW]].itertuples(index=False):
        code, year, file_index, excel_row = row
        other_file, other_row = first.loc[(code, year)].tolist()
        validated = validated_returns[int(file_index)]
        column = validated.table.columns.get("unit_code")
        found.append(
            Finding(
                severity="error",
                code=DUPLICATE_ACROSS_FILES,
                file=labels[int(file_index)],
                sheet=validated.table.sheet,
                row=int(excel_row),
                column=column.letter if column else None,
                header=column.header if column else None,
                field="unit_code",
                value=str(code),
                params={
                    "year": "—" if year != year else format_value(year),
                    "other_file": labels[int(other_file)],
                    "other": int(other_row),
                },
            ).localised(language)
        )
    return found


def validation(returns: Returns, max_findings: int = 1000) -> ValidationReport:
    """Every finding of a return read and validated (``pipeline.read``), errors first, up to ``max_findings``."""
    ordered = sorted(
        returns.findings,
        key=lambda f: (f.severity != "error", f.code == CAPPED, f.row if f.row is not None else 0, f.column or ""),
    )
    errors, warnings = finding_counts(ordered)
    return ValidationReport(
        sources=returns.sources,
        valid=errors == 0,
        errors=errors,
        warnings=warnings,
        findings=ordered[:max_findings],
        left_out=max(0, len(ordered) - max_findings),
    )


# --- a consolidated return --------------------------------------------------------------------------------


@dataclass
class Merged:
    """Returns read for a consolidated return: the return (None when errors or outside units stop it)."""

    returns: Returns
    consolidated: Consolidated | None
    findings: list[Finding]

    @property
    def has_errors(self) -> bool:
        return has_errors(self.findings)


def consolidated_return(
    request: Request, settings: Settings, language: Language, territory: Territory, *, name: str | None = None
) -> Merged:
    """Every return of the request read and validated as compute does, then consolidated into ``territory``'s."""
    returns = read(request, settings, language)
    if returns.units is None:
        return Merged(returns=returns, consolidated=None, findings=returns.findings)
    names = {entry.unit_code: entry.unit_name for entry in settings.register if entry.unit_name}
    consolidated, outside = consolidate(
        returns.units.frame,
        settings.catalog,
        territory,
        tables=returns.tables,
        sources=returns.sources,
        labels=[source.file for source in returns.sources],
        names=names,
        unit_errors=returns.unit_errors,
        name=name,
        derived_name=text("label-derived-unit", "zh"),
    )
    findings = [*returns.findings, *(finding.localised(language) for finding in outside)]
    return Merged(returns=returns, consolidated=consolidated, findings=findings)


# --- two versions of a year's return -------------------------------------------------------------------------


@dataclass
class Revised:
    """Two versions of one year's return read, and what changed (None when data errors stop it)."""

    old: Returns
    new: Returns
    result: DiffResult | None
    findings: list[Finding]

    @property
    def has_errors(self) -> bool:
        return has_errors(self.findings)


def revisions(old_request: Request, new_request: Request, settings: Settings, language: Language) -> Revised:
    """Both versions read as compute reads them (and judged, with a standard); then every unit that changed."""
    sides = [read(request, settings, language) for request in (old_request, new_request)]
    outcomes = [judge(returns, settings, language) if settings.standard else None for returns in sides]
    findings = [
        finding
        if finding.file or len(request.files) > 1
        else finding.model_copy(update={"file": str(request.files[0])})
        for request, returns, outcome in zip((old_request, new_request), sides, outcomes, strict=True)
        for finding in (outcome.findings if outcome is not None else returns.findings)
    ]
    old, new = sides
    if old.units is None or new.units is None:
        return Revised(old=old, new=new, result=None, findings=findings)
    years = []
    for which, returns in (("old", old), ("new", new)):
        if len(returns.years) > 1:
            raise RefusedUsage("diff-several-years", side=both(f"diff.{which}"), years=listed(returns.years))
        years.append(returns.years[0] if returns.years else None)
    if years[0] != years[1]:
        raise RefusedUsage("diff-years-differ", old=years[0] or "—", new=years[1] or "—")
    versions = []
    for returns, outcome in zip(sides, outcomes, strict=True):
        assert returns.units is not None
        judged = outcome.judged if outcome is not None else None
        totals, grades = judged.assessments.grades() if judged is not None else (None, None)
        versions.append(
            Version(
                frame=returns.units.frame,
                fields={name for table in returns.tables for name in table.columns},
                status=judged.assessments.status if judged is not None else None,
                rules=judged.assessments.rules if judged is not None else (),
                totals=totals,
                grades=grades,
            )
        )
    units = unit_changes(versions[0], versions[1], settings.catalog, language)
    kinds = [unit.change for unit in units]
    result = DiffResult(
        old=old.sources,
        new=new.sources,
        year=years[1],
        standard=settings.standard.id if settings.standard else None,
        changed=bool(units),
        added=kinds.count("added"),
        removed=kinds.count("removed"),
        revised=kinds.count("revised"),
        status_changed=sum(unit.old_status != unit.new_status for unit in units if unit.change == "revised"),
        units=units,
        findings=findings,
    )
    return Revised(old=old, new=new, result=result, findings=findings)
