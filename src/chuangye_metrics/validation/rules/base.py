"""What every rule kind is: its fields in YAML, the codes it emits, and how it is applied to a return."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Annotated, Any, ClassVar, get_args

from pydantic import BaseModel, ConfigDict, Field

from chuangye_metrics.config.catalog import Catalog, format_measure
from chuangye_metrics.core.findings import Finding, FindingBudget, MessageText, Severity, format_value
from chuangye_metrics.hierarchy import CodeSet
from chuangye_metrics.indicators.compute import indicator_arrays
from chuangye_metrics.reading.reader import Column

if TYPE_CHECKING:
    import pandas as pd


@dataclass
class Context:
    """What the rules look at: the validated unit rows, the hierarchy, the total rows."""

    frame: pd.DataFrame
    hierarchy: pd.DataFrame
    totals: pd.DataFrame | None
    columns: dict[str, Column]
    catalog: Catalog
    sheet: str | None
    budget: FindingBudget = field(default_factory=FindingBudget)

    @cached_property
    def unit_codes(self) -> CodeSet:
        """The codes of the hierarchy's units (rows and derived parents), for the rules that look codes up."""
        return CodeSet(self.hierarchy["unit_code"])

    def room(self, rule: RuleKind, count: int) -> int:
        """How many of ``count`` findings of ``rule`` to build. Every error is built: its cell is blanked from the
        findings. Warnings past the budget's room for their code are only counted (``FindingBudget``)."""
        if rule.severity == "error":
            return count
        return self.budget.room(rule.code, count, rule.severity)

    def finding(self, rule: RuleKind, field: str | None, row: Any, value: object = None, **params: Any) -> Finding:
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
            # a parameter given in each language (a dict of language to text) is kept so
            params={key: item if isinstance(item, dict) else format_value(item) for key, item in params.items()},
        )


class RuleKind(BaseModel):
    """A kind of validation rule. A subclass names its ``kind`` (a Literal), adds its fields, and implements
    ``apply``; defining it registers it, and rules.yaml (or a user's --rules file) uses it by that name.

    Every finding it makes carries the rule's ``code`` (its words in messages.yaml, or the rule's own
    ``message``), or one of the codes in ``emits``.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    KINDS: ClassVar[dict[str, type[RuleKind]]] = {}
    emits: ClassVar[tuple[str, ...]] = ()
    """Codes the kind emits besides the rule's own."""

    kind: str
    code: Annotated[str, Field(pattern=r"^[a-z][a-z0-9-]*$")]
    severity: Severity = "error"
    description: str = ""
    message: MessageText | None = None

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: Any) -> None:
        super().__pydantic_init_subclass__(**kwargs)
        names = get_args(cls.model_fields["kind"].annotation)
        if len(names) != 1:
            raise TypeError(f"{cls.__name__}: kind must be one Literal name")
        RuleKind.KINDS[str(names[0])] = cls

    def apply(self, context: Context) -> list[Finding]:
        """Every finding of this rule on the return."""
        raise NotImplementedError

    def unknown_names(self, catalog: Catalog) -> str | None:
        """What the rule names that the catalogue does not have, in words; None when all is known."""
        return None


def indicator_values(context: Context, indicator_id: str) -> pd.Series:
    """An indicator's value for every unit row of the return."""
    import pandas as pd

    frame, indicator = context.frame, context.catalog.indicators[indicator_id]
    values = {name: frame[name].to_numpy(dtype="float64") for name in indicator.field_names}
    return pd.Series(indicator_arrays(values, len(frame), indicator).value, index=frame.index, dtype="float64")


def shown(value: float, unit: str) -> str:
    return format_measure(value, unit)
