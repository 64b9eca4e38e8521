"""The formula engine and the shipped YAML: parsing, evaluation, and mistakes named by file and line."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from chuangye_metrics.config import expressions
from chuangye_metrics.config.catalog import load_catalog
from chuangye_metrics.core.errors import ConfigError
from chuangye_metrics.core.guard import error_text
from chuangye_metrics.core.resources import formulas_dir
from chuangye_metrics.core.yamlio import YamlDocument


def test_every_shipped_yaml_loads() -> None:
    folder = formulas_dir()
    files = sorted(folder.rglob("*.yaml"))
    assert {path.name for path in files} >= {"fields.yaml", "indicators.yaml", "levels.yaml", "messages.yaml"}
    for path in files:
        assert YamlDocument(path).data, path
    catalog = load_catalog()
    assert len(catalog.indicators) == len(YamlDocument(folder / "indicators.yaml").data["indicators"]) >= 21
    for indicator in catalog.indicators.values():
        assert indicator.name and indicator.definition and indicator.source, indicator.id


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a + b * c", 2 + 3 * 4),
        ("(a + b) * c", (2 + 3) * 4),
        ("a - b - c", 2 - 3 - 4),
        ("c / b / a", 4 / 3 / 2),
        ("-a + 10", 8),
        ("100 * a / c", 50),
        ("  a  ", 2),
        ("0.5 * c", 2),
    ],
)
def test_evaluation_follows_arithmetic(text: str, expected: float) -> None:
    values = {"a": np.float64(2), "b": np.float64(3), "c": np.float64(4)}
    assert float(expressions.evaluate(expressions.parse(text), values)) == pytest.approx(expected)


@pytest.mark.parametrize(
    "text",
    ["", "a +", "(a + b", "a b", "__import__('os')", "a ** 2", "a; b", "open('x')", "a.b", "1e3", "a % b"],
)
def test_malformed_or_unsafe_expressions_are_refused(text: str) -> None:
    with pytest.raises(expressions.ExpressionError):
        expressions.parse(text)


def test_field_names_in_order() -> None:
    assert expressions.field_names(expressions.parse("(x + y) / (y + z)")) == ["x", "y", "z"]


def test_missing_propagates_and_division_by_zero_is_missing() -> None:
    values = {"a": np.array([1.0, np.nan, 3.0]), "b": np.array([2.0, 2.0, 0.0])}
    result = expressions.evaluate(expressions.parse("a / b"), values)
    assert result[0] == 0.5
    assert np.isnan(result[1])
    assert np.isnan(result[2])


@given(st.integers(-(10**6), 10**6), st.integers(-(10**6), 10**6), st.integers(1, 10**6))
def test_printed_expression_parses_back_to_the_same_value(a: int, b: int, c: int) -> None:
    expr = expressions.parse("(a - b) / c + a * b")
    again = expressions.parse(str(expr))
    values = {"a": np.float64(a), "b": np.float64(b), "c": np.float64(c)}
    assert float(expressions.evaluate(again, values)) == float(expressions.evaluate(expr, values))
    assert float(expressions.evaluate(expr, values)) == pytest.approx((a - b) / c + a * b)


def copy_formulas(tmp_path: Path) -> Path:
    target = tmp_path / "formulas"
    shutil.copytree(formulas_dir(), target)
    return target


def test_unknown_field_in_a_formula_names_file_and_line(tmp_path: Path) -> None:
    folder = copy_formulas(tmp_path)
    path = folder / "indicators.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("denominator: labour_force", "denominator: labor_force", 1), encoding="utf-8")
    line = next(
        number
        for number, content in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if "labor_force" in content
    )
    with pytest.raises(ConfigError) as caught:
        load_catalog(folder)
    assert f"indicators.yaml:{line}:" in caught.value.message
    assert "labor_force" in caught.value.message


def test_bad_expression_names_file_and_line(tmp_path: Path) -> None:
    folder = copy_formulas(tmp_path)
    path = folder / "indicators.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("numerator: trainees_started", "numerator: trainees_started *", 1), encoding="utf-8")
    line = next(
        number
        for number, content in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if "trainees_started *" in content
    )
    with pytest.raises(ConfigError) as caught:
        load_catalog(folder)
    assert f"indicators.yaml:{line}:" in caught.value.message


def test_yaml_syntax_error_names_file_and_line(tmp_path: Path) -> None:
    folder = copy_formulas(tmp_path)
    path = folder / "levels.yaml"
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[5] = "  - id: [unclosed"
    path.write_text("\n".join(lines), encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_catalog(folder)
    assert "levels.yaml:6" in caught.value.message
    assert "YAML 语法错误" in caught.value.message  # Chinese by default
    assert "YAML syntax error" in error_text(caught.value, "en")


def test_bad_unit_is_refused(tmp_path: Path) -> None:
    folder = copy_formulas(tmp_path)
    path = folder / "indicators.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("unit: ratio", "unit: permille", 1), encoding="utf-8")
    with pytest.raises(ConfigError, match="unit"):
        load_catalog(folder)
