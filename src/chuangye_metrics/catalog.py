"""The catalogue of fields, levels and indicators, loaded from the YAML under formulas/."""

from __future__ import annotations

from functools import cached_property
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

from chuangye_metrics import expressions
from chuangye_metrics.resources import formulas_dir
from chuangye_metrics.text import normalise_label
from chuangye_metrics.yamlio import YamlDocument

Identifier = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*$")]
ConstraintName = Literal["ge", "gt", "le", "lt", "multiple_of"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class FieldType(_Strict):
    description: str = ""
    constraints: dict[ConstraintName, float] = {}


class FieldDef(_Strict):
    id: Identifier
    header: str
    aliases: list[str] = []
    type: Literal["code", "text", "level", "year", "count"]
    required: bool = False
    part_of: Identifier | None = None
    description: str = ""


class IndicatorDef(_Strict):
    id: Identifier
    name: str
    name_en: str = ""
    numerator: str
    denominator: str
    unit: Literal["percent", "ratio"]
    definition: str = ""
    source: str = ""
    note: str = ""

    @field_validator("numerator", "denominator")
    @classmethod
    def _parses(cls, text: str) -> str:
        try:
            expressions.parse(text)
        except expressions.ExpressionError as error:
            raise ValueError(f"bad expression {text!r}: {error}") from error
        return text

    @cached_property
    def numerator_expr(self) -> expressions.Expr:
        return expressions.parse(self.numerator)

    @cached_property
    def denominator_expr(self) -> expressions.Expr:
        return expressions.parse(self.denominator)

    @property
    def scale(self) -> float:
        """Multiplier applied to the quotient: 100 for percentages."""
        return 100.0 if self.unit == "percent" else 1.0

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


class FieldsFile(_Strict):
    field_types: dict[str, FieldType]
    fields: list[FieldDef]


class IndicatorsFile(_Strict):
    indicators: list[IndicatorDef]


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

    @property
    def count_fields(self) -> list[str]:
        return [f.id for f in self.fields.values() if f.type == "count"]

    @property
    def territorial_levels(self) -> list[str]:
        """Territorial level ids, top down."""
        return [level.id for level in self.levels.values() if level.territorial]

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

    def level_id(self, label: str) -> str | None:
        return self.level_lookup.get(normalise_label(label).lower())


def load_catalog(folder: Path | None = None) -> Catalog:
    """Load fields.yaml, levels.yaml and indicators.yaml and check they agree with each other."""
    folder = folder or formulas_dir()
    fields_doc = YamlDocument(folder / "fields.yaml")
    levels_doc = YamlDocument(folder / "levels.yaml")
    indicators_doc = YamlDocument(folder / "indicators.yaml")
    fields_file = fields_doc.parse(FieldsFile)
    levels_file = levels_doc.parse(LevelsFile)
    indicators_file = indicators_doc.parse(IndicatorsFile)

    fields: dict[str, FieldDef] = {}
    for index, field in enumerate(fields_file.fields):
        if field.id in fields:
            raise fields_doc.error(["fields", index, "id"], f"field {field.id!r} is defined twice")
        if field.type not in fields_file.field_types:
            raise fields_doc.error(["fields", index, "type"], f"unknown field type {field.type!r}")
        fields[field.id] = field
    for index, field in enumerate(fields_file.fields):
        if field.part_of is not None and fields.get(field.part_of, field).type != "count":
            raise fields_doc.error(["fields", index, "part_of"], f"part_of names no count field: {field.part_of!r}")
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
    for index, indicator in enumerate(indicators_file.indicators):
        if indicator.id in indicators:
            raise indicators_doc.error(["indicators", index, "id"], f"indicator {indicator.id!r} is defined twice")
        for part in ("numerator", "denominator"):
            expr = indicator.numerator_expr if part == "numerator" else indicator.denominator_expr
            for name in expressions.field_names(expr):
                if name not in fields or fields[name].type != "count":
                    raise indicators_doc.error(
                        ["indicators", index, part],
                        f"indicator {indicator.id!r}: {name!r} is not a count field",
                    )
        indicators[indicator.id] = indicator

    return Catalog(
        field_types=fields_file.field_types,
        fields=fields,
        indicators=indicators,
        levels=levels,
        code_segment_widths=levels_file.code_segment_widths,
    )
