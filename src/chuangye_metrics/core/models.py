"""The published shape of results: pydantic models whose JSON Schema is the output contract."""

from __future__ import annotations

from functools import cache
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from chuangye_metrics.core.findings import Finding

Number = int | float


@cache
def every_field(model: type[BaseModel]) -> set[str]:
    """The names of all the model's fields, one set shared as ``model_construct``'s ``_fields_set`` by the many
    models built from values that give every field: a set each would take a third of their memory. Setting a
    field adds a name already there; a copy gets a set of its own."""
    return set(model.model_fields)


class Source(BaseModel):
    file: str = Field(description="the input file as given on the command line")
    sheet: str | None = Field(description="the sheet read; null for CSV")
    sha256: str = Field(description="SHA-256 of the input file's bytes")
    year: int | None = Field(
        default=None, description="the reporting year of the file's rows; null when they have several or none"
    )


class IndicatorValue(BaseModel):
    value: float | None = Field(description="unrounded; percent values are percentages (30.6 means 30.6 %)")
    unit: Literal["percent", "ratio", "years", "wan_yuan"]
    numerator: Number | None
    denominator: Number | None
    reason: str | None = Field(description="why the value is null; null when it is not")


class UnitResult(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    unit_code: str
    unit_name: str | None
    level: str
    parent_code: str | None
    year: int | None
    derived: bool = Field(description="true when the unit has no row of its own and its counts sum its children")
    row: int | None = Field(description="Excel row of the unit in the return; null for derived units")
    fields: dict[str, Number | None]
    indicators: dict[str, IndicatorValue]
    errors: list[str] = Field(
        default_factory=list, description="codes of data errors on this unit's row (--keep-going)"
    )


class ComputeResult(BaseModel):
    sources: list[Source] = Field(description="each file the units were read from, in the order given")
    units: list[UnitResult]
    findings: list[Finding] = Field(default_factory=list, description="warnings, and errors with --keep-going")


CheckStatus = Literal["pass", "fail", "missing"]
UnitStatus = Literal["pass", "fail", "incomplete"]
CountUnit = Literal["person", "entity", "year", "event", "wan_yuan", "square_metre", "point"]


WindowKind = Literal["each", "pooled"]


class YearCheck(BaseModel):
    year: int
    value: float | None = Field(description="the rule's indicator or field in that year alone; null when missing")
    status: CheckStatus | None = Field(
        description="each: that year's check; null for a pooled rule, which tests only the years' sums"
    )
    shortfall: int | None = Field(description="each: what that year lacks (0 when it passes); null otherwise")


class WindowCheck(BaseModel):
    kind: WindowKind = Field(description="each: every year passes; pooled: the rule on the years' summed counts")
    years: int = Field(description="how many years the window holds, the year judged included")
    first_year: int
    last_year: int = Field(description="the year judged")
    failing_year: int | None = Field(description="each: the earliest year that fails; null otherwise")
    missing_years: list[int] = Field(description="years of the window in which the unit has no row")
    by_year: list[YearCheck] = Field(description="one per year of the window, oldest first")


class RuleCheck(BaseModel):
    indicator: str | None = Field(description="the indicator the rule is on; null for a rule on a raw field")
    field: str | None = Field(description="the count field the rule is on; null for a rule on an indicator")
    name: str = Field(description="the indicator's or field's name, in the output language")
    op: str
    threshold: float
    unit: Literal["percent", "ratio", "years", "wan_yuan", "count"]
    value: float | None
    status: CheckStatus
    gap: float | None = Field(description="threshold - value, in the indicator's unit; <= 0 when a lower bound passes")
    shortfall: int | None = Field(
        description="least whole number to add to the numerator (or the field), denominator fixed, to pass; "
        "0 when passing; null when missing or when adding cannot pass"
    )
    shortfall_unit: CountUnit | None = Field(description="what the shortfall counts: people, entities or years")
    provisional: bool = Field(description="the threshold is a placeholder, not an official value")
    reason: str | None = Field(default=None, description="why the value is missing or there is no shortfall")
    window: WindowCheck | None = Field(
        default=None,
        description="for a rule over several years: the years, each year's value and the earliest failing one; "
        "value and shortfall above are then the weakest year's and the sum of the failing years' (each), or the "
        "summed counts' (pooled)",
    )
    veto: bool = Field(default=False, description="a veto rule (一票否决) of a scored evaluation")


ScoreUnit = Literal["percent", "ratio", "years", "wan_yuan", "count", "point"]


class ItemScore(BaseModel):
    item: str = Field(description="the item's id in the standard")
    name: str
    unit: ScoreUnit = Field(description="the unit of value: the indicator's, count (a field) or point (a score field)")
    value: float | None = Field(description="what the item measures; null when missing")
    points: float | None = Field(description="the points earned; null when the value is missing")
    max_points: float
    provisional: bool
    reason: str | None = Field(default=None, description="why the value or the points are missing")


class NextGrade(BaseModel):
    grade: str = Field(description="the next grade up")
    points_needed: float = Field(description="its cut-off minus the total")
    item: str | None = Field(description="the cheapest single item that reaches it; null when none alone can")
    item_name: str | None
    addition: float | None = Field(
        description="what that item needs: the least whole number added to its count (the numerator of its "
        "indicator, the denominator fixed), or the points an evaluator's item needs"
    )
    addition_unit: CountUnit | None = Field(description="what the addition counts")
    value_after: float | None = Field(description="the item's value once the addition is made")


class Score(BaseModel):
    total: float | None = Field(description="points of all items; null when an item is missing (blank is not 0)")
    max_total: float = Field(description="the full marks of all items")
    known: float = Field(description="the points of the items that have a value")
    grade: str | None = Field(description="the grade band reached; the lowest when vetoed; null when unknown")
    passes: bool | None = Field(description="the grade passes the evaluation")
    subsidy: float | None = Field(description="the grade's payment, in 万元; null when it carries none")
    exit: bool | None = Field(description="the grade means leaving (准入退出机制)")
    vetoed: bool = Field(description="a veto rule failed: the lowest grade whatever the score")
    veto_rules: list[str] = Field(description="the indicators or fields of the veto rules that failed")
    items: list[ItemScore]
    next_grade: NextGrade | None = Field(description="how far the next grade up is; null at the top, or vetoed")
    reason: str | None = Field(default=None, description="why the total or the grade is unknown")


class Assessment(BaseModel):
    standard: str
    status: UnitStatus = Field(description="fail if any rule fails, else incomplete if any is missing, else pass")
    rule_set: str | None = Field(default=None, description="the conditional rule set that applied, if any")
    provisional: bool = Field(description="at least one of the thresholds applied is provisional")
    reason: str | None = None
    checks: list[RuleCheck]
    score: Score | None = Field(default=None, description="the scored evaluation, for a level the standard scores")


class AssessedUnit(UnitResult):
    assessment: Assessment | None = Field(description="null for units of levels the standard does not cover")


class MissingUnit(BaseModel):
    unit_code: str
    unit_name: str | None


class LevelCoverage(BaseModel):
    level: str
    year: int | None
    assessed: int = Field(description="units assessed, including register units without a return")
    passed: int
    failed: int
    incomplete: int
    no_return: int = Field(description="units named by --register with no row in the return; they do not pass")
    share: float | None = Field(description="percentage of assessed units that pass")
    target: float | None = Field(description="the standard's coverage target for the level, in percent")
    met: bool | None = Field(description="share >= target; null without a target")
    missing_units: list[MissingUnit] = Field(default_factory=list)


class StandardInfo(BaseModel):
    id: str
    name: str
    source: str
    status: Literal["official", "provisional"]
    provisional: bool = Field(description="some thresholds used are provisional (placeholders)")
    note: str = ""


ShortlistStatus = Literal["proposed", "reserve", "near"]


class Lack(BaseModel):
    rule: str = Field(description="the failing rule's indicator or field id")
    name: str
    shortfall: int = Field(description="least whole number to add to pass the rule")
    shortfall_unit: CountUnit | None


class ShortlistEntry(BaseModel):
    unit_code: str
    unit_name: str | None
    level: str
    year: int | None
    status: ShortlistStatus = Field(
        description="proposed: within the level's quota; reserve: passes, beyond the quota; "
        "near: fails, but lacks at most --near in all"
    )
    rank: int | None = Field(
        description="1 = the highest score (a scored level), else the widest weakest-rule margin, among the level's "
        "passing units"
    )
    margin: float | None = Field(
        description="the weakest rule's margin over its threshold, in percent of the threshold; null for near units"
    )
    weakest: str | None = Field(description="the indicator or field id of the rule with the smallest margin")
    weakest_name: str | None = Field(default=None, description="that rule's indicator or field name")
    lacking: list[Lack] = Field(default_factory=list, description="for near units: what each failing rule lacks")
    score: float | None = Field(default=None, description="a scored level: the unit's total score, which ranks first")
    grade: str | None = Field(default=None, description="a scored level: the unit's grade")


class LevelQuota(BaseModel):
    level: str
    year: int | None
    quota: int
    passing: int
    proposed: int


class Shortlist(BaseModel):
    near_limit: int = Field(description="a failing unit is near when its shortfalls add up to at most this")
    quotas: list[LevelQuota]
    entries: list[ShortlistEntry]


class CheckResult(ComputeResult):
    standard: StandardInfo
    units: list[AssessedUnit]  # type: ignore[assignment]
    coverage: list[LevelCoverage]
    shortlist: Shortlist | None = Field(default=None, description="the declaration shortlist, with --quota")


SeriesUnit = Literal[
    "person", "entity", "year", "event", "wan_yuan", "square_metre", "point", "count", "percent", "ratio", "years"
]


class YearPoint(BaseModel):
    year: int
    value: Number | None = Field(
        description="the count, or the indicator's unrounded value (percent values are percentages); "
        "null when the unit has no value that year"
    )
    change: Number | None = Field(
        description="value minus the value of the year before (同比): counts in their own unit, percent "
        "indicators in percentage points, ratios in N of 1:N, years indicators in years; null in the first "
        "year, when the year before is not among the years compared, or when either value is missing"
    )


class Series(BaseModel):
    kind: Literal["field", "indicator"]
    unit: SeriesUnit = Field(
        description="a count's unit (person, entity, year; count when the field names none) or the "
        "indicator's (percent, ratio, years)"
    )
    points: list[YearPoint] = Field(description="one per year of the comparison, oldest first")
    growth: float | None = Field(
        description="counts only: the average yearly (compound) growth between the first and last years "
        "with a value, in percent: ((last / first)^(1 / years between) - 1) × 100; null otherwise"
    )
    growth_from: int | None = Field(description="the first year of the growth; null when growth is null")
    growth_to: int | None = Field(description="the last year of the growth; null when growth is null")
    reason: str | None = Field(
        default=None, description="why a count's growth is null; null for indicators, whose growth is never given"
    )


class UnitYears(BaseModel):
    unit_code: str
    unit_name: str | None
    level: str
    parent_code: str | None
    years: list[int] = Field(description="the years in which the unit has a row or is derived")
    missing_years: list[int] = Field(description="years of the comparison in which the unit does not appear")
    fields: dict[str, Series]
    indicators: dict[str, Series]


class YearsResult(BaseModel):
    sources: list[Source] = Field(description="every input file, in the order given")
    years: list[int] = Field(description="the years compared, oldest first")
    units: list[UnitYears] = Field(
        description="every unit of any year, matched by unit_code: territorial units in code order, then parks"
    )
    findings: list[Finding] = Field(
        default_factory=list,
        description="warnings, and errors with --keep-going; with several files, each names its file",
    )


# validate's report: every finding of a return, errors first, with the counts (no docstring: it would enter the
# published schema as a description)
class ValidationReport(BaseModel):
    sources: list[Source] = Field(description="each file checked, in the order given")
    valid: bool = Field(description="true when the return has no errors (warnings allowed)")
    errors: int = Field(description="number of errors found, including any left out of findings")
    warnings: int = Field(description="number of warnings found, including any left out of findings")
    findings: list[Finding]
    left_out: int = Field(description="findings not listed because of --max-errors")


class MergedSource(Source):
    units: int = Field(description="rows of the file written into the consolidated return")


class MergeResult(BaseModel):
    """What merge wrote: the consolidated return, its total and the files it was made from."""

    output: str = Field(description="the consolidated return written")
    sha256: str = Field(description="SHA-256 of the consolidated return's bytes")
    unit: str = Field(description="the 12-digit division code of the unit the return is sent for")
    name: str | None = Field(description="填报单位: the unit's name; null when no option, register or row gives it")
    level: str = Field(description="the unit's level id")
    year: int
    units: int = Field(description="rows written, the 合计 row not counted")
    derived: int = Field(description="rows summed from their children (no row of their own in the returns)")
    parks: int
    total: dict[str, Number | None] = Field(description="the 合计 row: each count written; null where it is blank")
    unnamed: list[str] = Field(description="codes of derived rows no register names, written with a placeholder")
    sources: list[MergedSource]
    findings: list[Finding] = Field(default_factory=list, description="warnings, and errors with --keep-going")


ChangeKind = Literal["added", "removed", "revised"]


class CountChange(BaseModel):
    field: str
    old: Number | None = Field(description="null when blank (missing) in the old version")
    new: Number | None = Field(description="null when blank (missing) in the new version")
    change: Number | None = Field(description="new minus old; null when either is blank")


class TextChange(BaseModel):
    field: str = Field(description="unit_name, level, parent_code, a text field, or derived")
    old: str | None
    new: str | None


class IndicatorChange(BaseModel):
    indicator: str
    unit: Literal["percent", "ratio", "years", "wan_yuan"]
    old: float | None = Field(description="unrounded; percent values are percentages")
    new: float | None
    change: float | None = Field(
        description="new minus old in the indicator's own unit: percentage points, N of 1:N, years; null when "
        "either is null"
    )
    old_reason: str | None = Field(default=None, description="why the old value is null")
    new_reason: str | None = Field(default=None, description="why the new value is null")


class RuleChange(BaseModel):
    rule: str = Field(description="the indicator or field the rule is on")
    name: str
    op: str
    threshold: float
    unit: str = Field(description="the threshold's unit: percent, ratio, years, or count")
    old: CheckStatus | None = Field(description="null when the rule did not apply to the unit")
    new: CheckStatus | None


class UnitChange(BaseModel):
    unit_code: str
    unit_name: str | None
    level: str
    parent_code: str | None
    derived: bool = Field(description="summed from its children in the new version (in the old, if removed)")
    change: ChangeKind
    counts: list[CountChange] = Field(description="every count whose value differs, blanks included")
    texts: list[TextChange] = Field(description="every name, level, parent code or text field that differs")
    indicators: list[IndicatorChange] = Field(description="every indicator whose value differs")
    old_status: UnitStatus | None = Field(default=None, description="with --standard: the old verdict")
    new_status: UnitStatus | None = Field(default=None, description="with --standard: the new verdict")
    rules: list[RuleChange] = Field(default_factory=list, description="with --standard: every rule whose check changed")
    old_score: float | None = Field(default=None, description="a scored standard: the old total score")
    new_score: float | None = Field(default=None, description="a scored standard: the new total score")
    old_grade: str | None = Field(default=None, description="a scored standard: the old grade")
    new_grade: str | None = Field(default=None, description="a scored standard: the new grade")


class DiffResult(BaseModel):
    """What changed between two versions of one year's return."""

    old: list[Source]
    new: list[Source]
    year: int | None
    standard: str | None = Field(description="the standard the units were judged against; null without --standard")
    changed: bool = Field(description="true when anything differs (the command then exits 4)")
    added: int
    removed: int
    revised: int
    status_changed: int = Field(description="with --standard: units whose verdict changed")
    units: list[UnitChange] = Field(description="the units that changed, in hierarchy order")
    findings: list[Finding] = Field(default_factory=list, description="warnings of either version, with its file")
