"""Rule kinds as a registry: every kind's words are in the catalogue, and a new kind is one class away."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

import pytest

from chuangye_metrics.config.catalog import Catalog
from chuangye_metrics.core.errors import ConfigError
from chuangye_metrics.core.findings import Finding
from chuangye_metrics.core.words import message_template
from chuangye_metrics.reading.reader import ROW
from chuangye_metrics.validation.rules import KINDS, Context, RuleKind, load_rules
from chuangye_metrics.validation.validate import validate_return
from tests.conftest import table_from_rows

SHIPPED_KINDS = {"part_of", "children_sum", "total_row", "compare", "indicator_range", "outlier"}


def test_the_package_kinds_are_registered() -> None:
    assert SHIPPED_KINDS | {"unknown_parent", "level_code"} <= set(KINDS)
    for name, kind in KINDS.items():
        assert kind.model_fields["kind"].annotation == Literal[name]  # type: ignore[comparison-overlap]


@pytest.mark.parametrize("language", ["zh", "en"])
def test_every_shipped_rule_and_every_code_a_kind_emits_has_words(catalog: Catalog, language: Any) -> None:
    codes = {rule.code for rule in load_rules(catalog)} | {code for kind in KINDS.values() for code in kind.emits}
    for code in sorted(codes):
        assert message_template(code, language).strip(), code


def test_a_new_kind_is_read_from_a_rules_file_and_applied(catalog: Catalog, tmp_path: Path) -> None:
    class EvenLabourForce(RuleKind):
        """A kind defined outside the package: an odd 劳动年龄人口数 is a finding."""

        kind: Literal["even_labour_force"]

        def apply(self, context: Context) -> list[Finding]:
            frame = context.frame
            odd = frame["labour_force"].notna() & (frame["labour_force"] % 2 == 1)
            return [
                context.finding(self, "labour_force", frame.at[index, ROW], frame.at[index, "labour_force"])
                for index in odd[odd].index
            ]

    try:
        _read_and_apply(catalog, tmp_path, EvenLabourForce)
    finally:
        del KINDS["even_labour_force"]


def _read_and_apply(catalog: Catalog, tmp_path: Path, kind: type[RuleKind]) -> None:
    rules_file = tmp_path / "even.yaml"
    rules_file.write_text(
        "rules:\n  - code: odd-labour-force\n    kind: even_labour_force\n    severity: warning\n"
        "    message: {zh: 劳动年龄人口数为奇数, en: the labour force is odd}\n",
        encoding="utf-8",
    )
    rules = load_rules(catalog, [rules_file])
    assert isinstance(rules[-1], kind)
    table = table_from_rows(
        [
            {"unit_code": "320115001000", "unit_name": "东山街道", "level": "street", "labour_force": 52001},
            {"unit_code": "320115002000", "unit_name": "秣陵街道", "level": "street", "labour_force": 30000},
        ],
        catalog,
    )
    found = [f for f in validate_return(table, catalog, rules=rules).findings if f.code == "odd-labour-force"]
    assert [(f.row, f.value, f.severity, f.localised("en").message) for f in found] == [
        (2, "52001", "warning", "the labour force is odd")
    ]


def test_an_unknown_kind_names_the_file_and_line(catalog: Catalog, tmp_path: Path) -> None:
    rules_file = tmp_path / "bad.yaml"
    rules_file.write_text("rules:\n  - code: x\n    kind: no_such_kind\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"bad.yaml:2: .*no_such_kind.*children_sum"):
        load_rules(catalog, [rules_file])


def test_warnings_past_the_room_of_their_code_are_counted_not_built(catalog: Catalog) -> None:
    """1,200 communities whose 创业参与率 is implausible: a thousand warnings built, the other 200 counted in one
    findings-capped finding; validate's count is still 1,200."""
    from chuangye_metrics.core.findings import CAPPED, FINDINGS_KEPT_PER_CODE, finding_counts

    rows = [
        {
            "unit_code": f"32011500{1 + index // 900}{1 + index % 900:03d}",
            "unit_name": f"社区{index}",
            "level": "community",
            "labour_force": 1000,
            "new_entrepreneurs": 400 + index % 7,  # 40 % and more, above the plausible 30 %; siblings alike
            "entrepreneurs": 900,
        }
        for index in range(1200)
    ]
    findings = validate_return(table_from_rows(rows, catalog), catalog).findings
    built = [finding for finding in findings if finding.code == "participation-implausible"]
    capped = [finding for finding in findings if finding.code == CAPPED and finding.params.get("of")]
    assert len(built) == FINDINGS_KEPT_PER_CODE
    assert [finding.row for finding in built] == list(range(2, 2 + FINDINGS_KEPT_PER_CODE))  # the first, in order
    ours = [capped for capped in capped if capped.params["of"] == "participation-implausible"]
    assert [finding.params["left"] for finding in ours] == [200]
    others = [f for f in findings if f.code != "participation-implausible" and f not in ours]
    assert finding_counts(findings)[1] == 1200 + finding_counts(others)[1]
