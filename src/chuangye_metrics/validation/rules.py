"""Validation rules from YAML, each applied by a vectorised mechanism named by its ``kind``."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from chuangye_metrics.config import expressions
from chuangye_metrics.config.catalog import Catalog, format_measure
from chuangye_metrics.config.operators import OPERATORS, Operator
from chuangye_metrics.core.findings import Finding, MessageText, Severity, format_value, register_messages
from chuangye_metrics.core.resources import formulas_dir
from chuangye_metrics.core.yamlio import YamlDocument
from chuangye_metrics.hierarchy import DERIVED, filled_segments_of, levels_of_codes
from chuangye_metrics.indicators.compute import indicator_frame
from chuangye_metrics.reading.reader import ROW, Column

if TYPE_CHECKING:
    import pandas as pd


class _Rule(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    code: Annotated[str, Field(pattern=r"^[a-z][a-z0-9-]*$")]
    severity: Severity = "error"
    description: str = ""
    message: MessageText | None = None


class PartOfRule(_Rule):
    kind: Literal["part_of"]


class ChildrenSumRule(_Rule):
    kind: Literal["children_sum"]


class TotalRowRule(_Rule):
    kind: Literal["total_row"]


class CompareRule(_Rule):
    kind: Literal["compare"]
    left: str
    op: Operator
    right: str

    @field_validator("left", "right", mode="before")
    @classmethod
    def _number_as_text(cls, value: Any) -> Any:
        return str(value) if isinstance(value, int | float) and not isinstance(value, bool) else value

    @field_validator("left", "right")
    @classmethod
    def _parses(cls, text: str) -> str:
        try:
            expressions.parse(text)
        except expressions.ExpressionError as error:
            raise ValueError(f"bad expression {text!r}: {error}") from error
        return text


class IndicatorRangeRule(_Rule):
    kind: Literal["indicator_range"]
    indicator: str
    op: Operator
    value: float


class OutlierRule(_Rule):
    kind: Literal["outlier"]
    indicators: list[str]
    threshold: float = Field(default=3.5, gt=0)
    min_siblings: int = Field(default=5, ge=3)


class UnknownParentRule(_Rule):
    kind: Literal["unknown_parent"]


class LevelCodeRule(_Rule):
    kind: Literal["level_code"]


Rule = Annotated[
    PartOfRule
    | ChildrenSumRule
    | TotalRowRule
    | CompareRule
    | IndicatorRangeRule
    | OutlierRule
    | UnknownParentRule
    | LevelCodeRule,
    Field(discriminator="kind"),
]


class RulesFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    rules: list[Rule]


def load_rules(catalog: Catalog, extra: Sequence[Path] = ()) -> list[Any]:
    """The shipped rules, then each extra file's; every name a rule uses must be known."""
    rules: list[Any] = []
    for path in [formulas_dir() / "rules.yaml", *extra]:
        document = YamlDocument(path)
        parsed = document.parse(RulesFile)
        for index, rule in enumerate(parsed.rules):
            problem = _unknown_names(rule, catalog)
            if problem:
                raise document.error(["rules", index], f"rule {rule.code!r}: {problem}")
            if rule.message is not None:
                register_messages({rule.code: rule.message})
            rules.append(rule)
    return rules


def _unknown_names(rule: Any, catalog: Catalog) -> str | None:
    if isinstance(rule, CompareRule):
        for text in (rule.left, rule.right):
            for name in expressions.field_names(expressions.parse(text)):
                if name not in catalog.fields or catalog.fields[name].type != "count":
                    return f"{name!r} is not a count field"
    indicators = [rule.indicator] if isinstance(rule, IndicatorRangeRule) else getattr(rule, "indicators", [])
    for indicator in indicators:
        if indicator not in catalog.indicators:
            return f"unknown indicator {indicator!r}"
    if isinstance(rule, CompareRule) and rule.message is None:
        return "a compare rule needs its own message: {zh: …, en: …}"
    return None


@dataclass
class Context:
    """What the mechanisms look at: the validated unit rows, the hierarchy, the total rows."""

    frame: pd.DataFrame
    hierarchy: pd.DataFrame
    totals: pd.DataFrame | None
    columns: dict[str, Column]
    catalog: Catalog
    sheet: str | None

    def finding(self, rule: Any, field: str | None, row: Any, value: object = None, **params: Any) -> Finding:
        column = self.columns.get(field) if field else None
        header = (
            column.header if column else (self.catalog.fields[field].header if field in self.catalog.fields else field)
        )
        return Finding(
            severity=rule.severity,
            code=rule.code,
            sheet=self.sheet,
            row=None if row is None else int(row),
            column=column.letter if column else None,
            header=header,
            field=field,
            value=None if value is None else format_value(value),
            params={key: format_value(item) for key, item in params.items()},
        )


def apply_rules(rules: Sequence[Any], context: Context) -> list[Finding]:
    findings: list[Finding] = []
    for rule in rules:
        findings.extend(_MECHANISMS[rule.kind](rule, context))
    return findings


def _part_of(rule: PartOfRule, context: Context) -> list[Finding]:
    frame = context.frame
    findings = []
    for field in context.catalog.fields.values():
        whole = field.part_of
        if whole is None or field.id not in context.columns or whole not in context.columns:
            continue
        broken = frame[field.id].notna() & frame[whole].notna() & (frame[field.id] > frame[whole])
        for index in broken[broken].index:
            findings.append(
                context.finding(
                    rule,
                    field.id,
                    frame.at[index, ROW],
                    frame.at[index, field.id],
                    whole_header=context.columns[whole].header,
                    whole=frame.at[index, whole],
                )
            )
    return findings


def _children_sum(rule: ChildrenSumRule, context: Context) -> list[Finding]:
    import numpy as np
    import pandas as pd

    hierarchy = context.hierarchy
    territorial = hierarchy["level"].isin(context.catalog.territorial_levels).to_numpy()
    is_row = territorial & ~hierarchy[DERIVED].to_numpy(dtype=bool)
    if not is_row.any():
        return []
    # each (code, year) as one integer: a row's own key, and the key of the parent a unit names
    count = len(hierarchy)
    both = np.concatenate(
        [hierarchy["unit_code"].to_numpy(dtype=object), hierarchy["parent_code"].to_numpy(dtype=object)]
    )
    code_ids, _ = pd.factorize(both)  # one hashing pass for both columns; a blank parent gets -1
    year_ids, _ = pd.factorize(hierarchy["year"].fillna(-1).to_numpy(dtype="float64"))
    years = int(year_ids.max()) + 1
    own = code_ids[:count] * years + year_ids
    parent = code_ids[count:]
    parent_key = np.where(parent >= 0, parent * years + year_ids, -1)
    keys = (int(code_ids.max()) + 1) * years
    is_row_key = np.zeros(keys, dtype=bool)
    is_row_key[own[is_row]] = True
    is_child = territorial & (parent_key >= 0)
    is_child[is_child] = is_row_key[parent_key[is_child]]
    if not is_child.any():
        return []
    child_keys = parent_key[is_child]
    children = np.bincount(child_keys, minlength=keys)
    rows = np.flatnonzero(is_row & (children[own] > 0))
    excel_rows = hierarchy[ROW].to_numpy(dtype="float64")
    findings = []
    for name in [name for name in context.catalog.count_fields if name in context.columns]:
        values = hierarchy[name].to_numpy(dtype="float64")
        known = ~np.isnan(values[is_child])
        sums = np.bincount(child_keys, weights=np.where(known, values[is_child], 0.0), minlength=keys)
        summed = np.bincount(child_keys, weights=known, minlength=keys) > 0  # a sum of only blanks is blank
        own_values = values[rows]
        broken = ~np.isnan(own_values) & summed[own[rows]] & (own_values < sums[own[rows]])
        for position in rows[broken].tolist():
            key = own[position]
            findings.append(
                context.finding(
                    rule,
                    name,
                    excel_rows[position],
                    values[position],
                    sum=float(sums[key]),
                    children=int(children[key]),
                )
            )
    return findings


def _total_row(rule: TotalRowRule, context: Context) -> list[Finding]:
    totals = context.totals
    if totals is None or totals.empty:
        return []
    hierarchy = context.hierarchy
    roots = hierarchy.loc[~hierarchy["parent_code"].isin(hierarchy["unit_code"].to_numpy())]
    roots = roots.assign(_park=~roots["level"].isin(context.catalog.territorial_levels))
    years = sorted(set(hierarchy["year"].dropna()))
    counts = [name for name in context.catalog.count_fields if name in context.columns]
    findings = []
    for _, total in totals.iterrows():
        year = total.get("year")
        if year is None or year != year:
            if len(years) > 1:
                findings.append(
                    Finding(severity="warning", code="total-row-year", sheet=context.sheet, row=int(total[ROW]))
                )
                continue
            selected = roots
        else:
            selected = roots.loc[roots["year"] == year]
        for name in counts:
            value = total[name]
            if value != value:
                continue
            territorial = selected.loc[~selected["_park"], name]
            everything = selected[name]
            expected = territorial.sum(min_count=1) if territorial.notna().all() else float("nan")
            with_parks = everything.sum(min_count=1) if everything.notna().all() else float("nan")
            if expected != expected or value in (expected, with_parks):
                continue
            findings.append(context.finding(rule, name, total[ROW], value, expected=expected))
    return findings


def _compare(rule: CompareRule, context: Context) -> list[Finding]:
    frame = context.frame
    left_expr, right_expr = expressions.parse(rule.left), expressions.parse(rule.right)
    names = expressions.field_names(left_expr) + expressions.field_names(right_expr)
    if any(name not in context.columns for name in names):
        return []
    values = {name: frame[name].to_numpy(dtype="float64") for name in names}
    left = expressions.evaluate(left_expr, values)
    right = expressions.evaluate(right_expr, values)
    import numpy as np

    known = ~np.isnan(left) & ~np.isnan(right)
    broken = known & ~OPERATORS[rule.op](left, right)
    first = names[0]
    return [
        context.finding(
            rule,
            first,
            frame[ROW].iat[int(position)],
            frame[first].iat[int(position)],
            left=left[position],
            right=right[position],
        )
        for position in np.flatnonzero(broken)
    ]


def _indicator_values(context: Context, indicator_id: str) -> pd.Series:

    return indicator_frame(context.frame, context.catalog.indicators[indicator_id], context.catalog)["value"]


def _indicator_range(rule: IndicatorRangeRule, context: Context) -> list[Finding]:
    indicator = context.catalog.indicators[rule.indicator]
    if any(name not in context.columns for name in indicator.field_names):
        return []
    values = _indicator_values(context, rule.indicator)
    broken = values.notna() & ~OPERATORS[rule.op](values, rule.value)
    anchor = indicator.field_names[0]
    frame = context.frame
    return [
        context.finding(
            rule,
            anchor,
            frame.at[index, ROW],
            frame.at[index, anchor],
            indicator=indicator.name,
            computed=_shown(values[index], indicator.unit),
            bound=_shown(rule.value, indicator.unit),
        )
        for index in broken[broken].index
    ]


def _outlier(rule: OutlierRule, context: Context) -> list[Finding]:
    import numpy as np

    frame = context.frame
    findings = []
    keys = [frame["parent_code"].fillna(""), frame["level"].fillna(""), frame["year"].fillna(-1)]
    # sibling groups numbered once: grouping by an integer array is far cheaper than by three object columns
    groups = frame.groupby(keys, sort=False).ngroup().to_numpy()
    for indicator_id in rule.indicators:
        indicator = context.catalog.indicators[indicator_id]
        if any(name not in context.columns for name in indicator.field_names):
            continue
        values = _indicator_values(context, indicator_id)
        grouped = values.groupby(groups)
        size = grouped.transform("count")
        median = grouped.transform("median")
        mad = (values - median).abs().groupby(groups).transform("median")
        with np.errstate(divide="ignore", invalid="ignore"):
            z = 0.6745 * (values - median) / mad
        flagged = ((size >= rule.min_siblings) & (mad > 0) & (z.abs() > rule.threshold)).to_numpy()
        anchor = indicator.field_names[0]
        rows, anchors = frame[ROW].to_numpy(), frame[anchor].to_numpy()
        computed, medians, scores = values.to_numpy(), median.to_numpy(), z.to_numpy()
        for position in np.flatnonzero(flagged):
            findings.append(
                context.finding(
                    rule,
                    anchor,
                    rows[position],
                    anchors[position],
                    indicator=indicator.name,
                    computed=_shown(computed[position], indicator.unit),
                    median=_shown(medians[position], indicator.unit),
                    z=f"{scores[position]:.1f}",
                )
            )
    return findings


def _unknown_parent(rule: UnknownParentRule, context: Context) -> list[Finding]:

    frame = context.frame
    given = frame["parent_code"].notna() & ~frame["parent_code"].isin(context.hierarchy["unit_code"].to_numpy())
    widths = context.catalog.code_segment_widths
    not_division = filled_segments_of(frame.loc[given, "parent_code"], widths).isna()
    # a division code places the unit even when its parent has no row; any other code must be in the file
    broken = not_division[not_division]
    return [
        context.finding(rule, "parent_code", frame.at[index, ROW], str(frame.at[index, "parent_code"]))
        for index in broken.index
    ]


def _level_code(rule: LevelCodeRule, context: Context) -> list[Finding]:

    frame = context.frame
    territorial = frame["level"].isin(context.catalog.territorial_levels) & frame["unit_code"].notna()
    expected = levels_of_codes(frame["unit_code"].where(territorial), context.catalog)
    broken = territorial & expected.notna() & (expected != frame["level"])
    names = context.catalog.levels
    labels = frame["_level_label"] if "_level_label" in frame else frame["level"]
    return [
        context.finding(
            rule,
            "level",
            frame.at[index, ROW],
            labels[index],
            code=frame.at[index, "unit_code"],
            expected=names[str(expected[index])].name,
        )
        for index in broken[broken].index
    ]


def _shown(value: float, unit: str) -> str:

    return format_measure(value, unit)


_MECHANISMS: dict[str, Callable[[Any, Context], list[Finding]]] = {
    "part_of": _part_of,
    "children_sum": _children_sum,
    "total_row": _total_row,
    "compare": _compare,
    "indicator_range": _indicator_range,
    "outlier": _outlier,
    "unknown_parent": _unknown_parent,
    "level_code": _level_code,
}
