"""GitHub workflow annotations parse back, per the runner's syntax, to the right file, line and column."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from chuangye_metrics.core.findings import Finding, column_index, excel_column
from chuangye_metrics.outputs.github import annotation
from tests.conftest import CANONICAL_HEADERS
from tests.test_compute import STREET

SAMPLE = Path(__file__).resolve().parents[1] / "sample_data" / "jiangning_2016.xlsx"

# The runner's escapes (actions/runner, ActionCommand): data escapes %, CR and LF; a property also : and ,.
# It unescapes in this order, %25 first.
_DATA = (("%", "%25"), ("\r", "%0D"), ("\n", "%0A"))
_PROPERTY = (*_DATA, (":", "%3A"), (",", "%2C"))


def _unescape(text: str, mappings: tuple[tuple[str, str], ...]) -> str:
    for token, replacement in mappings:
        text = text.replace(replacement, token)
    return text


def parse_command(line: str) -> tuple[str, dict[str, str], str]:
    """A workflow command line as the runner reads it: its name, its properties and its message."""
    assert line.startswith("::"), line
    end = line.index("::", 2)
    info, data = line[2:end], line[end + 2 :]
    name, _, properties = info.partition(" ")
    parsed: dict[str, str] = {}
    for pair in properties.split(","):
        if pair:
            key, _, value = pair.partition("=")
            parsed[key] = _unescape(value, _PROPERTY)
    return name, parsed, _unescape(data, _DATA)


def column_number(letters: str) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + ord(letter) - ord("A") + 1
    return number


def test_column_number_is_excels() -> None:
    letters = ("A", "G", "Z", "AA", "AZ", "BA")
    assert [column_number(letter) for letter in letters] == [1, 7, 26, 27, 52, 53]
    assert [column_index(letter) + 1 for letter in letters] == [1, 7, 26, 27, 52, 53]
    assert [excel_column(column_index(letter)) for letter in letters] == list(letters)


def test_an_annotation_of_a_file_named_with_the_separators_parses_back(
    cli: Any, make_return: Callable[..., Path]
) -> None:
    path = make_return([STREET, {**STREET, "unit_code": "320115001001", "trainees": -1}], name="d,x:y%z.xlsx")
    result = cli("validate", path, "--format", "github", "--lang", "en")
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    errors = [parse_command(line) for line in lines if line.startswith("::error")]
    assert len(errors) == 1
    name, properties, message = errors[0]
    assert name == "error"
    assert properties["file"] == str(path)
    assert properties["line"] == "3"  # the header is row 1, the street row 2
    trainees_column = list(CANONICAL_HEADERS).index("trainees") + 1
    assert properties["col"] == str(trainees_column)
    assert "must be at least 0" in message


def test_every_annotation_names_the_json_findings_place(cli: Any, make_return: Callable[..., Path]) -> None:
    rows = [
        STREET,
        {**STREET, "unit_code": "320115001001", "trainees": -1},
        {**STREET, "unit_code": "320115001002", "labour_force": "约3万"},
    ]
    path = make_return(rows, name="a:b,c.xlsx")
    document = json.loads(cli("validate", path, "--format", "json", "--lang", "en").stdout)
    annotations = [parse_command(line) for line in cli("validate", path, "--format", "github").stdout.splitlines()]
    assert len(annotations) == len(document["findings"]) >= 2
    for (name, properties, _), finding in zip(annotations, document["findings"], strict=True):
        assert name == ("error" if finding["severity"] == "error" else "warning")
        assert properties["file"] == str(path)
        if finding["row"] is not None:
            assert properties["line"] == str(finding["row"])
        if finding["column"] is not None:
            assert properties["col"] == str(column_number(finding["column"]))


def test_a_message_breaking_lines_stays_one_command() -> None:
    finding = Finding.model_construct(
        severity="warning", code="c", sheet="表,1:2", row=4, column="B", field="x", value=None, message="a%b\nc"
    )
    line = annotation("r.xlsx", finding)
    assert line.count("\n") == 1 and line.endswith("\n")
    name, properties, message = parse_command(line.rstrip("\n"))
    assert (name, properties["file"], properties["line"], properties["col"]) == ("warning", "r.xlsx", "4", "2")
    assert "表,1:2" in properties["title"]
    assert message.startswith("a%b")


def test_check_annotates_each_unit_that_fails_or_cannot_be_judged(cli: Any) -> None:
    document = json.loads(cli("check", SAMPLE, "--standard", "jiangsu-2016", "--format", "json").stdout)
    result = cli("check", SAMPLE, "--standard", "jiangsu-2016", "--format", "github", "--lang", "en")
    assert result.exit_code == 3
    annotations = [parse_command(line) for line in result.stdout.splitlines()]
    judged = [unit for unit in document["units"] if unit["assessment"] is not None]
    expected = [unit for unit in judged if unit["assessment"]["status"] != "pass"]
    assert 0 < len(expected) < len(judged)  # some pass, and are not annotated
    assert len(annotations) == len(expected)
    for (name, properties, message), unit in zip(annotations, expected, strict=True):
        assert name == ("error" if unit["assessment"]["status"] == "fail" else "warning")
        assert properties["file"] == str(SAMPLE)
        assert properties.get("line") == (None if unit["row"] is None else str(unit["row"]))
        assert properties["title"] == f"jiangsu-2016 {unit['unit_code']} {unit['year']}"
        assert message.startswith(unit["unit_code"])
        for check in unit["assessment"]["checks"]:
            if check["status"] == "fail" and check["shortfall"]:
                assert f"short by {check['shortfall']} " in message


def test_validate_of_several_files_annotates_each_at_its_own_file(cli: Any, make_return: Callable[..., Path]) -> None:
    good = make_return([STREET], name="good.xlsx")
    bad = make_return([{**STREET, "year": 2017, "trainees": -1}], name="bad, 2017.xlsx")
    result = cli("validate", good, bad, "--format", "github", "--lang", "en")
    assert result.exit_code == 1
    (annotated,) = [parse_command(line) for line in result.stdout.splitlines()]
    assert annotated[0] == "error"
    assert annotated[1]["file"] == str(bad)
    assert annotated[1]["line"] == "2"
