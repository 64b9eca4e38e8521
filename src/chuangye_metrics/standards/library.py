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


class Window(_Strict):
    """A rule over the last ``years`` years up to the year judged: each of them passes (``each``), or the
    indicator of their summed counts passes (``pooled``: a ratio of sums, never a mean of yearly rates)."""

    years: int = Field(ge=2, le=20, description="how many years, the year judged included")
    each: bool = Field(default=False, description="every one of the years passes (近3年均不低于…)")
    pooled: bool = Field(default=False, description="the years' counts summed, then the rule tested once (总体不低于…)")

    @model_validator(mode="after")
    def _one_kind(self) -> Window:
        if self.each == self.pooled:
            raise ValueError("a window is either 'each: true' or 'pooled: true'")
        return self

    @property
    def kind(self) -> Literal["each", "pooled"]:
        return "each" if self.each else "pooled"


class Threshold(_Strict):
    """One rule: an indicator or a raw count field compared with a value, in the year judged or over a window."""

    indicator: Identifier | None = None
    field: Identifier | None = None
    op: Operator
    value: float
    window: Window | None = Field(default=None, description="judged over several years (each, or pooled)")
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


class Step(_Strict):
    """A step of a points scale: ``points`` from ``at`` upwards (the highest step reached counts)."""

    at: float
    points: float = Field(ge=0)


class ScoreItem(_Strict):
    """One scored item: an indicator, a count field or an evaluator's score field, and how it earns points.

    Full marks at or above ``full``; none below ``floor``; linear between (all or nothing when ``floor`` is not
    given); or ``steps``. A score field's points are the evaluator's, up to ``points``.
    """

    id: Identifier
    name: str = Field(default="", description="the item's name (the indicator's or field's when empty)")
    name_en: str = ""
    indicator: Identifier | None = None
    field: Identifier | None = None
    score_field: Identifier | None = Field(default=None, description="points entered by the evaluators")
    window: Window | None = Field(default=None, description="only pooled: the indicator over the years' sums")
    points: float = Field(gt=0, description="the item's full marks")
    full: float | None = Field(default=None, description="full marks at or above this value")
    floor: float | None = Field(default=None, description="no points below this value; linear from here to full")
    steps: list[Step] = Field(default_factory=list)
    provisional: bool = False
    note: str = ""

    @model_validator(mode="after")
    def _one_scheme(self) -> ScoreItem:
        subjects = [name for name in (self.indicator, self.field, self.score_field) if name is not None]
        if len(subjects) != 1:
            raise ValueError("a scored item names exactly one of 'indicator', 'field' or 'score_field'")
        if self.score_field is not None:
            if self.full is not None or self.floor is not None or self.steps or self.window is not None:
                raise ValueError("a score_field item takes the evaluators' points: no full, floor, steps or window")
            return self
        if (self.full is None) == (not self.steps):
            raise ValueError("a scored item gives either 'full' (and perhaps 'floor') or 'steps'")
        if self.floor is not None and (self.full is None or self.floor > self.full):
            raise ValueError("'floor' goes with 'full' and is not above it")
        if any(step.points > self.points for step in self.steps):
            raise ValueError("a step gives more than the item's points")
        if self.window is not None and not self.window.pooled:
            raise ValueError("a scored item's window is pooled")
        return self

    @property
    def subject(self) -> str:
        return self.indicator or self.field or self.score_field or ""

    def name_in(self, language: Language) -> str:
        return self.name if language == "zh" else (self.name_en or self.name)


class Grade(_Strict):
    """A grade band: units whose total reaches ``min`` (and no higher band's) get it."""

    grade: str
    grade_en: str = ""
    min: float = Field(ge=0)
    passes: bool = Field(default=True, description="a unit of this grade passes the evaluation")
    subsidy: float | None = Field(default=None, ge=0, description="the payment of the grade, in 万元")
    exit: bool = Field(default=False, description="a unit of this grade leaves (准入退出机制)")
    note: str = ""

    def name_in(self, language: Language) -> str:
        return self.grade if language == "zh" else (self.grade_en or self.grade)


class Scoring(_Strict):
    """A scored evaluation of a level: items with points, grade bands, and veto rules (一票否决)."""

    items: list[ScoreItem] = Field(min_length=1)
    grades: list[Grade] = Field(min_length=1, description="highest band first")
    veto: list[Threshold] = Field(
        default_factory=list, description="a failed veto rule makes the grade the lowest, whatever the score"
    )
    note: str = ""

    @model_validator(mode="after")
    def _ordered(self) -> Scoring:
        cuts = [grade.min for grade in self.grades]
        if cuts != sorted(cuts, reverse=True) or len(set(cuts)) != len(cuts):
            raise ValueError("grades go from the highest cut-off down, each cut-off once")
        if self.grades[-1].min != 0:
            raise ValueError("the lowest grade starts at 0, so every total has a grade")
        ids = [item.id for item in self.items]
        if len(set(ids)) != len(ids):
            raise ValueError("each scored item has its own id")
        return self

    @property
    def total(self) -> float:
        return sum(item.points for item in self.items)

    @property
    def lowest(self) -> Grade:
        return self.grades[-1]


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
    date: str = Field(default="", description="the document's date as it gives it (2017-06-07, 2017-08)")
    read_at: str = Field(default="", description="where the text was read: an address, or the kind of copy")
    status: Literal["official", "provisional"] = Field(
        description="provisional: some thresholds are placeholders for values not public"
    )
    note: str = ""
    levels: dict[str, list[LevelEntry]] = Field(default_factory=dict)
    min_years_operating: int | None = Field(
        default=None, ge=1, description="a unit must have operated at least this many years (运营年限)"
    )
    scoring: dict[str, Scoring] = Field(default_factory=dict, description="per level, a scored evaluation")
    coverage: dict[str, Annotated[float, Field(ge=0, le=100)]] = Field(
        default_factory=dict, description="per level, the percentage of units that must pass"
    )

    @model_validator(mode="after")
    def _something_to_judge(self) -> Standard:
        if not self.levels and not self.scoring:
            raise ValueError("a standard gives rules ('levels') or a scored evaluation ('scoring'), or both")
        return self

    def name_in(self, language: Language) -> str:
        """The standard's name in the language (its Chinese name when it has no English one)."""
        return self.name if language == "zh" else (self.name_en or self.name)

    def rules_for(self, level: str) -> list[Threshold]:
        """Every rule a unit of the level may face (unconditional, conditional, the operating years and the
        scoring's vetoes), in file order."""
        rules: list[Threshold] = []
        for entry in self.entries_for(level):
            rules.extend(entry.rules if isinstance(entry, RuleSet) else [entry])
        return rules

    def entries_for(self, level: str) -> list[Threshold | RuleSet]:
        """The level's entries as judged: its own, then the operating years and the vetoes of its scoring."""
        entries: list[Threshold | RuleSet] = list(self.levels.get(level, []))
        if level in self.judged_levels:
            if self.min_years_operating is not None:
                entries.append(Threshold(field="operating_years", op=">=", value=self.min_years_operating))
            if level in self.scoring:
                entries.extend(self.scoring[level].veto)
        return entries

    @property
    def judged_levels(self) -> list[str]:
        """The levels the standard judges: those with rules, then those only scored."""
        return list(dict.fromkeys([*self.levels, *self.scoring]))

    def is_veto(self, level: str, rule: Threshold) -> bool:
        scoring = self.scoring.get(level)
        return scoring is not None and any(rule is veto for veto in scoring.veto)

    @property
    def over_years(self) -> bool:
        """A rule or item looks at years before the one judged (or at the operating years): each unit is then
        judged once, at its latest year, and its earlier rows are its window."""
        windows = [rule.window for level in self.judged_levels for rule in self.rules_for(level)]
        windows += [item.window for scoring in self.scoring.values() for item in scoring.items]
        return self.min_years_operating is not None or any(window is not None for window in windows)

    def is_provisional(self, rule: Threshold) -> bool:
        return self.status == "provisional" or rule.provisional

    @property
    def has_provisional(self) -> bool:
        rules = [self.is_provisional(rule) for level in self.judged_levels for rule in self.rules_for(level)]
        items = [item.provisional for scoring in self.scoring.values() for item in scoring.items]
        return self.status == "provisional" or any(rules) or any(items)

    def fields_needed(self, catalog: Catalog, levels: Sequence[str] | None = None) -> list[str]:
        """Fields the standard reads (for some levels, or all): its indicators', raw-field rules' and conditions'."""
        names: list[str] = []
        judged = self.judged_levels
        for level in judged if levels is None else [level for level in levels if level in judged]:
            for entry in self.levels.get(level, []):
                if isinstance(entry, RuleSet):
                    names.extend(entry.when)
            for rule in self.rules_for(level):
                names.extend(catalog.indicators[rule.indicator].field_names if rule.indicator else [rule.field or ""])
            for item in self.scoring[level].items if level in self.scoring else []:
                names.extend(catalog.indicators[item.indicator].field_names if item.indicator else [item.subject])
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
        level = _level(label, "levels", levels, document, catalog)
        for index, entry in enumerate(entries):
            place: list[str | int] = ["levels", label, index]
            rules = entry.rules if isinstance(entry, RuleSet) else [entry]
            if isinstance(entry, RuleSet):
                for name in entry.when:
                    definition = catalog.fields.get(name)
                    if definition is None or definition.type != "text":
                        raise document.error([*place, "when", name], f"condition on {name!r}, which is no text field")
            for position, rule in enumerate(rules):
                _check_rule(
                    rule, [*place, "rules", position] if isinstance(entry, RuleSet) else place, document, catalog
                )
        levels[level] = entries
    scoring: dict[str, Scoring] = {}
    for label, scored in standard.scoring.items():
        level = _level(label, "scoring", scoring, document, catalog)
        for index, rule in enumerate(scored.veto):
            _check_rule(rule, ["scoring", label, "veto", index], document, catalog)
        for index, item in enumerate(scored.items):
            _check_item(item, ["scoring", label, "items", index], document, catalog)
        scoring[level] = scored
    if standard.min_years_operating is not None and "operating_years" not in catalog.fields:
        raise document.error(["min_years_operating"], "min_years_operating needs the field 'operating_years'")
    coverage: dict[str, float] = {}
    for label, target in standard.coverage.items():
        covered = catalog.level_id(label)
        if covered is None:
            raise document.error(["coverage", label], f"unknown level {label!r} in coverage")
        coverage[covered] = target
    return standard.model_copy(update={"levels": levels, "scoring": scoring, "coverage": coverage})


def _level(label: str, part: str, seen: dict[str, Any], document: YamlDocument, catalog: Catalog) -> str:
    level = catalog.level_id(label)
    if level is None:
        known = ", ".join(catalog.levels)
        raise document.error([part, label], f"unknown level {label!r}; use one of: {known}")
    if level in seen:
        raise document.error([part, label], f"level {level!r} is given twice")
    return level


def _check_rule(rule: Threshold, where: list[str | int], document: YamlDocument, catalog: Catalog) -> None:
    if rule.indicator is not None and rule.indicator not in catalog.indicators:
        raise document.error(
            [*where, "indicator"],
            f"unknown indicator {rule.indicator!r}; see 'chuangye formulas list' (or add it with --formulas)",
        )
    if rule.field is not None and rule.field not in catalog.count_fields:
        raise document.error([*where, "field"], f"{rule.field!r} is no count or amount field of the return")


def _check_item(item: ScoreItem, where: list[str | int], document: YamlDocument, catalog: Catalog) -> None:
    if item.indicator is not None and item.indicator not in catalog.indicators:
        raise document.error([*where, "indicator"], f"unknown indicator {item.indicator!r}")
    if item.field is not None and item.field not in catalog.count_fields:
        raise document.error([*where, "field"], f"{item.field!r} is no count or amount field of the return")
    if item.score_field is not None and item.score_field not in catalog.score_fields:
        raise document.error([*where, "score_field"], f"{item.score_field!r} is no score field of the return")
