"""The catalogue of fields, levels and indicators, loaded from the YAML under formulas/."""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from functools import cached_property
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator, model_validator

from chuangye_metrics.config import expressions
from chuangye_metrics.core import words
from chuangye_metrics.core.resources import formulas_dir
from chuangye_metrics.core.text import normalise_label
from chuangye_metrics.core.words import Language
from chuangye_metrics.core.yamlio import YamlDocument

Identifier = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*$")]
ConstraintName = Literal["ge", "gt", "le", "lt", "multiple_of"]


MISSING = "—"


def format_measure(value: float | None, unit: str, language: Language = "zh") -> str:
    """30.64 percent -> "30.6%"; a ratio of 6.2 -> "1:6.2"; 5.25 years -> "5.3 年"; 12.34 万元 -> "12.3 万元";
    null -> "—"."""
    if value is None or value != value:
        return MISSING
    if unit == "ratio":
        return f"1:{value:.1f}"
    if unit in ("years", "wan_yuan"):
        return words.text(f"measure.{unit}", language, value=f"{value:.1f}")
    if unit == "percent":
        return f"{value:.1f}%"
    return f"{value:g}"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


IndicatorUnit = Literal["percent", "ratio", "years", "wan_yuan"]
"""An indicator's unit: a percentage, N of 1:N, years, or 万元 (an amount per entity)."""
CountUnit = Literal["person", "entity", "year", "event", "wan_yuan", "square_metre", "point"]
SUMMED_TYPES = ("count", "amount")
"""Field types summed from children into parents: counts (whole numbers) and amounts (万元, ㎡; fractions allowed)."""
NUMBER_TYPES = ("count", "amount", "score", "year")
"""Field types read as numbers; a score (an evaluator's points) is a number never summed into a parent."""


class FieldType(_Strict):
    description: str = ""
    constraints: dict[ConstraintName, float] = {}


class EarlierYear(_Strict):
    """Where a blank count may be taken from: another count of the same unit some years before."""

    field: Identifier
    years: int = Field(ge=1)


class FieldDef(_Strict):
    id: Identifier
    header: str
    aliases: list[str] = []
    type: Literal["code", "text", "level", "year", "count", "amount", "score"]
    required: bool = False
    core: bool = Field(
        default=True,
        description="part of every return: a missing core count column is warned about; others only some standards use",
    )
    part_of: Identifier | None = None
    unit: CountUnit | None = Field(
        default=None,
        description="what a count counts (people, entities, years, events) or an amount measures (万元, ㎡, points)",
    )
    from_earlier_year: EarlierYear | None = Field(
        default=None,
        description="when blank, taken from this count of the same unit's row that many years before, "
        "when the returns read include that year",
    )
    description: str = ""
    group: str | None = Field(
        default=None,
        description="the heading over this column and its neighbours in a return's two-row header (创业培训 …)",
    )

    def label(self, language: Language) -> str:
        """The field as people read it: its header in Chinese, its id in English."""
        return self.header if language == "zh" else self.id


class IndicatorDef(_Strict):
    id: Identifier
    name: str
    name_en: str = ""
    short_name: str = Field(default="", description="a short name for narrow tables (the name when not given)")
    short_name_en: str = ""

    def name_in(self, language: Language, fallback: str = "") -> str:
        """The indicator's name in the language; ``fallback`` when it has no English name."""
        return self.name if language == "zh" else (self.name_en or fallback)

    def label(self, language: Language) -> str:
        """The indicator as people read it: its name in the language (its id when it has no English name)."""
        return self.name_in(language, self.id)

    def short_label(self, language: Language) -> str:
        """Its short name in the language, for a narrow table; its label when it has none."""
        return (self.short_name if language == "zh" else self.short_name_en) or self.label(language)

    def tag(self, language: Language) -> str:
        """Its Chinese name, or in English its id (for lists of rules)."""
        return self.name if language == "zh" else self.id

    numerator: str
    denominator: str
    unit: IndicatorUnit
    growth_periods: int | None = Field(
        default=None,
        ge=1,
        description="when set, the value is the yearly growth rate (numerator / denominator)^(1/periods) - 1",
    )
    definition: str = ""
    source: str = ""
    note: str = ""
    core: bool = Field(default=False, description="a core indicator of the certification: charted in reports")

    @field_validator("numerator", "denominator")
    @classmethod
    def _parses(cls, text: str) -> str:
        return expressions.checked(text)

    @cached_property
    def numerator_expr(self) -> expressions.Expr:
        return expressions.parse(self.numerator)

    @cached_property
    def denominator_expr(self) -> expressions.Expr:
        return expressions.parse(self.denominator)

    @model_validator(mode="after")
    def _growth_is_a_percentage(self) -> IndicatorDef:
        if self.growth_periods is not None and self.unit != "percent":
            raise ValueError("an indicator with growth_periods must have unit: percent")
        return self

    @property
    def scale(self) -> float:
        """Multiplier applied to the quotient: 100 for percentages."""
        return 100.0 if self.unit == "percent" else 1.0

    def value_of(self, numerator: Any, denominator: Any) -> Any:
        """The indicator's value from its numerator and denominator (arrays or numbers; NaN where undefined)."""
        import numpy as np

        numerator = np.asarray(numerator, dtype="float64")
        denominator = np.asarray(denominator, dtype="float64")
        usable = ~np.isnan(numerator) & ~np.isnan(denominator) & (denominator > 0)
        with np.errstate(divide="ignore", invalid="ignore"):
            quotient = np.where(usable, numerator / denominator, np.nan)
            if self.growth_periods is not None:
                quotient = np.where(quotient >= 0, np.power(quotient, 1.0 / self.growth_periods) - 1.0, np.nan)
        return quotient * self.scale

    @property
    def field_names(self) -> list[str]:
        names = expressions.field_names(self.numerator_expr)
        return names + [n for n in expressions.field_names(self.denominator_expr) if n not in names]


class LevelDef(_Strict):
    id: Identifier
    name: str
    name_en: str
    aliases: list[str] = []
    territorial: bool
    code_segments: int | None = Field(default=None, ge=1)

    def label(self, language: Language) -> str:
        """The level's name in the language."""
        return self.name if language == "zh" else self.name_en

    def tag(self, language: Language) -> str:
        """Its Chinese name, or in English its id."""
        return self.name if language == "zh" else self.id


class FieldsFile(_Strict):
    field_types: dict[str, FieldType]
    count_units: dict[CountUnit, list[Annotated[str, Field(min_length=1)]]] = {}
    ignored_headers: list[str] = []
    fields: list[FieldDef]


class IndicatorsFile(_Strict):
    indicators: list[IndicatorDef]


class ExtraFormulasFile(_Strict):
    """A user's --formulas file: fields and indicators in the shape of the shipped ones."""

    fields: list[FieldDef] = []
    indicators: list[IndicatorDef] = []


class LevelsFile(_Strict):
    code_segment_widths: list[Annotated[int, Field(ge=1)]]
    levels: list[LevelDef]


class Catalog(BaseModel):
    """Everything the engine knows about a return: checked for consistency on load."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    field_types: dict[str, FieldType]
    fields: dict[str, FieldDef]
    indicators: dict[str, IndicatorDef]
    levels: dict[str, LevelDef]
    code_segment_widths: list[int]
    count_units: dict[str, list[str]] = {}
    ignored_headers: frozenset[str] = frozenset()
    """normalised headers of columns kept for people (序号, 备注): passed over without a warning"""

    @property
    def count_fields(self) -> list[str]:
        """The fields summed from children into parents: counts and amounts."""
        return [f.id for f in self.fields.values() if f.type in SUMMED_TYPES]

    @property
    def score_fields(self) -> list[str]:
        """Points entered by evaluators: read as numbers, never summed."""
        return [f.id for f in self.fields.values() if f.type == "score"]

    def is_number(self, field_id: str) -> bool:
        """A field whose cells are read as numbers (counts, amounts, scores, the year)."""
        return self.fields[field_id].type in NUMBER_TYPES

    @property
    def territorial_levels(self) -> list[str]:
        """Territorial level ids, top down."""
        return [level.id for level in self.levels.values() if level.territorial]

    def units_of(self, field_id: str) -> tuple[str, ...]:
        """The units a cell of this count may carry after its number (人, 个 …), as fields.yaml lists them."""
        unit = self.fields[field_id].unit
        return tuple(self.count_units.get(unit, [])) if unit else ()

    def constraints_of(self, field_id: str) -> dict[str, float]:
        return {str(name): value for name, value in self.field_types[self.fields[field_id].type].constraints.items()}

    @cached_property
    def header_lookup(self) -> dict[str, str]:
        """Normalised header or alias -> field id."""
        lookup: dict[str, str] = {}
        for field in self.fields.values():
            for label in [field.header, field.id, *field.aliases]:
                lookup.setdefault(normalise_label(label), field.id)
        return lookup

    @cached_property
    def level_lookup(self) -> dict[str, str]:
        """Normalised level label or alias -> level id."""
        lookup: dict[str, str] = {}
        for level in self.levels.values():
            for label in [level.id, level.name, level.name_en, *level.aliases]:
                lookup.setdefault(normalise_label(label).lower(), level.id)
        return lookup

    def level_label(self, level: str, language: Language) -> str:
        """A level as people read it (社区/村, community/village); an unknown level as it was written."""
        definition = self.levels.get(level)
        return level if definition is None else definition.label(language)

    def level_id(self, label: str) -> str | None:
        return self.level_lookup.get(normalise_label(label).lower())

    def suggest_level(self, label: str) -> str | None:
        """The level an unknown label most likely means: the longest known name inside it (东山社区居委会 holds
        社区, 佘村村民小组 holds 村), else the closest known name by spelling; None when nothing is near."""

        text = normalise_label(label).lower()
        inside = [key for key in self.level_lookup if key and key in text]
        if inside:
            # the longest name inside wins; among one-character names (村, 镇 …), the one nearest the end
            return self.level_lookup[max(inside, key=lambda key: (len(key), text.rfind(key)))]
        close = difflib.get_close_matches(text, list(self.level_lookup), n=1, cutoff=0.6)
        return self.level_lookup[close[0]] if close else None


def load_catalog(folder: Path | None = None, extra: Sequence[Path] = ()) -> Catalog:
    """Load fields.yaml, levels.yaml and indicators.yaml, then any --formulas files, and check they agree.

    An extra file adds fields (a new id each) and indicators (a known id replaces the shipped definition).
    """
    folder = folder or formulas_dir()
    fields_doc = YamlDocument(folder / "fields.yaml")
    levels_doc = YamlDocument(folder / "levels.yaml")
    indicators_doc = YamlDocument(folder / "indicators.yaml")
    fields_file = fields_doc.parse(FieldsFile)
    levels_file = levels_doc.parse(LevelsFile)
    indicators_file = indicators_doc.parse(IndicatorsFile)

    fields: dict[str, FieldDef] = {}
    field_places: list[tuple[FieldDef, YamlDocument, list[str | int]]] = [
        (field, fields_doc, ["fields", index]) for index, field in enumerate(fields_file.fields)
    ]
    indicator_places: list[tuple[IndicatorDef, YamlDocument, list[str | int]]] = [
        (indicator, indicators_doc, ["indicators", index]) for index, indicator in enumerate(indicators_file.indicators)
    ]
    for path in extra:
        document = YamlDocument(path)
        if document.data is None:
            continue
        extra_file = document.parse(ExtraFormulasFile)
        field_places += [(field, document, ["fields", index]) for index, field in enumerate(extra_file.fields)]
        indicator_places += [
            (indicator, document, ["indicators", index]) for index, indicator in enumerate(extra_file.indicators)
        ]

    for field, document, place in field_places:
        if field.id in fields:
            raise document.error([*place, "id"], f"field {field.id!r} is defined twice")
        if field.type not in fields_file.field_types:
            raise document.error([*place, "type"], f"unknown field type {field.type!r}")
        fields[field.id] = field
    for field, document, place in field_places:
        if field.part_of is not None and fields.get(field.part_of, field).type not in SUMMED_TYPES:
            raise document.error([*place, "part_of"], f"part_of names no count field: {field.part_of!r}")
    for required in ("unit_code", "unit_name", "level", "parent_code", "year"):
        if required not in fields:
            raise fields_doc.error(["fields"], f"the field {required!r} must be defined")

    levels: dict[str, LevelDef] = {}
    for index, level in enumerate(levels_file.levels):
        if level.id in levels:
            raise levels_doc.error(["levels", index, "id"], f"level {level.id!r} is defined twice")
        if level.territorial and level.code_segments is None:
            raise levels_doc.error(["levels", index], f"territorial level {level.id!r} needs code_segments")
        levels[level.id] = level

    indicators: dict[str, IndicatorDef] = {}
    shipped = len(indicators_file.indicators)
    for position, (indicator, document, place) in enumerate(indicator_places):
        if indicator.id in indicators and position < shipped:
            raise document.error([*place, "id"], f"indicator {indicator.id!r} is defined twice")
        for part in ("numerator", "denominator"):
            expr = indicator.numerator_expr if part == "numerator" else indicator.denominator_expr
            for name in expressions.field_names(expr):
                if name not in fields or fields[name].type not in SUMMED_TYPES:
                    raise document.error(
                        [*place, part],
                        f"indicator {indicator.id!r}: {name!r} is not a count or amount field",
                    )
            try:
                expressions.sum_units(expr, lambda name: fields[name].unit or fields[name].type)
            except expressions.ExpressionError as error:
                raise document.error([*place, part], f"indicator {indicator.id!r}: {error}") from None
        indicators[indicator.id] = indicator

    return Catalog(
        field_types=fields_file.field_types,
        fields=fields,
        indicators=indicators,
        levels=levels,
        code_segment_widths=levels_file.code_segment_widths,
        count_units={str(unit): list(names) for unit, names in fields_file.count_units.items()},
        ignored_headers=frozenset(normalise_label(text) for text in fields_file.ignored_headers),
    )
