"""Certification standards: thresholds per level, read from YAML and checked against the catalogue."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Discriminator, Field, Tag, model_validator

from chuangye_metrics.config.catalog import Catalog, Identifier
from chuangye_metrics.config.operators import LOWER_BOUNDS, Operator
from chuangye_metrics.core import words
from chuangye_metrics.core.guard import RefusedConfig
from chuangye_metrics.core.resources import formulas_dir
from chuangye_metrics.core.text import normalise_label
from chuangye_metrics.core.words import Language
from chuangye_metrics.core.yamlio import YamlDocument


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Threshold(_Strict):
    """One rule: an indicator or a raw count field compared with a value."""

    indicator: Identifier | None = None
    field: Identifier | None = None
    op: Operator
    value: float
    provisional: bool = Field(default=False, description="this threshold is a placeholder, not the official value")
    note: str = ""

    @model_validator(mode="after")
    def _one_subject(self) -> Threshold:
        if (self.indicator is None) == (self.field is None):
            raise ValueError("a rule names exactly one of 'indicator' or 'field'")
        return self

    @property
    def subject(self) -> str:
        return self.indicator or self.field or ""

    @property
    def is_lower_bound(self) -> bool:
        return self.op in LOWER_BOUNDS


class RuleSet(_Strict):
    """Rules for the part of a level whose text fields take the listed values (e.g. a park type)."""

    when: dict[Identifier, list[str]]
    name: str = ""
    rules: list[Threshold]

    @model_validator(mode="before")
    @classmethod
    def _single_values(cls, data: Any) -> Any:
        if isinstance(data, dict) and isinstance(data.get("when"), dict):
            data = {**data, "when": {k: v if isinstance(v, list) else [v] for k, v in data["when"].items()}}
        return data

    def matches(self, values: dict[str, Any]) -> bool | None:
        """True or False for a unit's text values; None when a value the condition needs is blank."""
        for name, accepted in self.when.items():
            value = values.get(name)
            if value is None or value != value or str(value).strip() == "":
                return None
            if normalise_label(str(value)) not in {normalise_label(item) for item in accepted}:
                return False
        return True


def _kind(value: Any) -> str:
    """Which kind of level entry: a dict when read, a model when dumped."""
    conditional = isinstance(value, RuleSet) or (isinstance(value, dict) and "when" in value)
    return "rule_set" if conditional else "threshold"


LevelEntry = Annotated[
    Annotated[Threshold, Tag("threshold")] | Annotated[RuleSet, Tag("rule_set")],
    Discriminator(_kind),
]


class Standard(_Strict):
    """A certification standard: rules per level and the share of units each level must have passing."""

    id: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_.-]*$")]
    name: str
    name_en: str = ""
    source: str = Field(description="the document: number, title, date")
    status: Literal["official", "provisional"] = Field(
        description="provisional: some thresholds are placeholders for values not public"
    )
    note: str = ""
    levels: dict[str, list[LevelEntry]]
    coverage: dict[str, Annotated[float, Field(ge=0, le=100)]] = Field(
        default_factory=dict, description="per level, the percentage of units that must pass"
    )

    def name_in(self, language: Language) -> str:
        """The standard's name in the language (its Chinese name when it has no English one)."""
        return self.name if language == "zh" else (self.name_en or self.name)

    def rules_for(self, level: str) -> list[Threshold]:
        """Every rule a unit of the level may face (unconditional and conditional), in file order."""
        rules: list[Threshold] = []
        for entry in self.levels.get(level, []):
            rules.extend(entry.rules if isinstance(entry, RuleSet) else [entry])
        return rules

    def is_provisional(self, rule: Threshold) -> bool:
        return self.status == "provisional" or rule.provisional

    @property
    def has_provisional(self) -> bool:
        return any(self.is_provisional(rule) for level in self.levels for rule in self.rules_for(level))

    def fields_needed(self, catalog: Catalog, levels: Sequence[str] | None = None) -> list[str]:
        """Fields the standard reads (for some levels, or all): its indicators', raw-field rules' and conditions'."""
        names: list[str] = []
        for level in self.levels if levels is None else [level for level in levels if level in self.levels]:
            for entry in self.levels[level]:
                if isinstance(entry, RuleSet):
                    names.extend(entry.when)
            for rule in self.rules_for(level):
                names.extend(catalog.indicators[rule.indicator].field_names if rule.indicator else [rule.field or ""])
        return list(dict.fromkeys(names))


def standards_dir() -> Path:
    return formulas_dir() / "standards"


def shipped_standards() -> dict[str, Path]:
    """Shipped standard id -> file."""
    return {path.stem: path for path in sorted(standards_dir().glob("*.yaml"))}


def load_standard(reference: str | Path, catalog: Catalog) -> Standard:
    """A shipped standard by id, or a standard file by path; checked against the catalogue."""
    path = Path(reference)
    shipped = shipped_standards()
    if str(reference) in shipped:
        path = shipped[str(reference)]
    elif not path.is_file():
        raise RefusedConfig("unknown-standard", reference=str(reference), known=words.listed(shipped))
    document = YamlDocument(path)
    if not isinstance(document.data, dict):
        raise document.error([], "a standard is a mapping with id, name, source, status and levels")
    standard = document.parse(Standard)
    return _checked(standard, document, catalog)


def _checked(standard: Standard, document: YamlDocument, catalog: Catalog) -> Standard:
    """Level names resolved to ids; every indicator, field and condition known to the catalogue."""
    levels: dict[str, list[Any]] = {}
    for label, entries in standard.levels.items():
        level = catalog.level_id(label)
        if level is None:
            known = ", ".join(catalog.levels)
            raise document.error(["levels", label], f"unknown level {label!r}; use one of: {known}")
        if level in levels:
            raise document.error(["levels", label], f"level {level!r} is given twice")
        for index, entry in enumerate(entries):
            place: list[str | int] = ["levels", label, index]
            rules = entry.rules if isinstance(entry, RuleSet) else [entry]
            if isinstance(entry, RuleSet):
                for name in entry.when:
                    definition = catalog.fields.get(name)
                    if definition is None or definition.type != "text":
                        raise document.error([*place, "when", name], f"condition on {name!r}, which is no text field")
            for position, rule in enumerate(rules):
                where = [*place, "rules", position] if isinstance(entry, RuleSet) else place
                if rule.indicator is not None and rule.indicator not in catalog.indicators:
                    raise document.error(
                        [*where, "indicator"],
                        f"unknown indicator {rule.indicator!r}; "
                        "see 'chuangye formulas list' (or add it with --formulas)",
                    )
                if rule.field is not None:
                    definition = catalog.fields.get(rule.field)
                    if definition is None or definition.type != "count":
                        raise document.error([*where, "field"], f"{rule.field!r} is no count field of the return")
        levels[level] = entries
    coverage: dict[str, float] = {}
    for label, target in standard.coverage.items():
        level = catalog.level_id(label)
        if level is None:
            raise document.error(["coverage", label], f"unknown level {label!r} in coverage")
        coverage[level] = target
    return standard.model_copy(update={"levels": levels, "coverage": coverage})
