"""Validation rules: one module per kind (each a RuleKind subclass), found here and read from YAML."""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Sequence
from functools import cache
from pathlib import Path
from typing import Annotated, Any, Union

from pydantic import BaseModel, ConfigDict, Field, create_model

from chuangye_metrics.config.catalog import Catalog
from chuangye_metrics.core.findings import Finding
from chuangye_metrics.core.resources import formulas_dir
from chuangye_metrics.core.words import register_messages
from chuangye_metrics.core.yamlio import YamlDocument
from chuangye_metrics.validation.rules.base import Context, RuleKind

for _module in pkgutil.iter_modules(__path__):
    if _module.name != "base":
        importlib.import_module(f"{__name__}.{_module.name}")

KINDS = RuleKind.KINDS
"""Every rule kind by the name rules.yaml uses: those of this package, and any defined since."""


class _RulesFileBase(BaseModel):
    model_config = ConfigDict(extra="forbid")


@cache
def _rules_file(kinds: tuple[type[RuleKind], ...]) -> type[BaseModel]:
    rule: Any = Annotated[Union[kinds], Field(discriminator="kind")]  # noqa: UP007
    return create_model("RulesFile", __base__=_RulesFileBase, rules=(list[rule], ...))


def rules_file() -> type[BaseModel]:
    """The model of a rules file: a list of rules, each of one of the kinds known now."""
    return _rules_file(tuple(KINDS[name] for name in sorted(KINDS)))


def load_rules(catalog: Catalog, extra: Sequence[Path] = ()) -> list[RuleKind]:
    """The shipped rules, then each extra file's; every name a rule uses must be known."""
    rules: list[RuleKind] = []
    for path in [formulas_dir() / "rules.yaml", *extra]:
        document = YamlDocument(path)
        parsed: Any = document.parse(rules_file())
        for index, rule in enumerate(parsed.rules):
            problem = rule.unknown_names(catalog)
            if problem:
                raise document.error(["rules", index], f"rule {rule.code!r}: {problem}")
            if rule.message is not None:
                register_messages({rule.code: rule.message.model_dump()})
            rules.append(rule)
    return rules


def apply_rules(rules: Sequence[RuleKind], context: Context) -> list[Finding]:
    findings: list[Finding] = []
    for rule in rules:
        findings.extend(rule.apply(context))
    return findings


__all__ = ["KINDS", "Context", "RuleKind", "apply_rules", "load_rules", "rules_file"]
