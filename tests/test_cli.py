"""The command line: help everywhere, exit codes, one-line errors, stdout/stderr separation."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from chuangye_metrics.cli.commands import SUMMARIES
from tests.conftest import cli_command, cli_commands, sha256
from tests.test_compute import STREET

COMMANDS = sorted(cli_commands())


def test_commands_are_listed() -> None:
    expected = {"compute", "validate", "check", "explain", "schema", "template"}
    expected |= {"standards list", "standards show", "formulas list", "formulas explain"}
    assert expected <= set(COMMANDS)


@pytest.mark.parametrize("command", ["", *COMMANDS])
def test_every_command_has_help(cli: Any, command: str) -> None:
    result = cli(*command.split(), "--help")
    assert result.exit_code == 0
    assert "Usage" in result.stdout
    assert len(result.stdout.strip().splitlines()) > 3


def test_version(cli: Any) -> None:
    result = cli("--version")
    assert result.exit_code == 0
    assert result.stdout.startswith("chuangye-metrics ")


def one_line_usage_error(result: Any) -> None:
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr
    assert result.stdout == ""


def test_missing_file(cli: Any, tmp_path: Path) -> None:
    result = cli("compute", tmp_path / "nope.xlsx")
    one_line_usage_error(result)
    assert "nope.xlsx" in result.stderr


def test_unknown_option(cli: Any, make_return: Callable[..., Path]) -> None:
    result = cli("compute", make_return([STREET]), "--frobnicate")
    one_line_usage_error(result)
    assert "--frobnicate" in result.stderr


def test_unknown_level(cli: Any, make_return: Callable[..., Path]) -> None:
    result = cli("compute", make_return([STREET]), "--level", "galaxy")
    one_line_usage_error(result)
    assert "galaxy" in result.stderr


def test_bad_format_value(cli: Any, make_return: Callable[..., Path]) -> None:
    one_line_usage_error(cli("compute", make_return([STREET]), "--format", "pdf"))


def test_unknown_command(cli: Any) -> None:
    one_line_usage_error(cli("frobnicate"))


def test_output_may_not_overwrite_the_input(cli: Any, make_return: Callable[..., Path]) -> None:
    path = make_return([STREET])
    before = sha256(path)
    one_line_usage_error(cli("compute", path, "--format", "json", "--output", path))
    assert sha256(path) == before


def test_not_a_spreadsheet_is_a_data_error(cli: Any, tmp_path: Path) -> None:
    fake = tmp_path / "fake.xlsx"
    fake.write_bytes(b"this is not a workbook")
    result = cli("compute", fake)
    assert result.exit_code == 1
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.stderr


def test_empty_file_is_a_data_error(cli: Any, tmp_path: Path) -> None:
    empty = tmp_path / "empty.xlsx"
    empty.write_bytes(b"")
    result = cli("validate", empty)
    assert result.exit_code == 1
    assert "empty" in result.stderr


def test_json_goes_to_stdout_and_warnings_to_stderr(cli: Any, make_return: Callable[..., Path]) -> None:
    fields = [name for name in STREET if name != "survey_satisfied"] + ["unit_code"]
    path = make_return([STREET], fields=list(dict.fromkeys(fields)))
    result = cli("compute", path, "--format", "json")
    assert result.exit_code == 0
    document = json.loads(result.stdout)
    assert any(finding["code"] == "missing-count-column" for finding in document["findings"])
    assert "满意度调查满意人数" in result.stderr


def test_console_script_runs_without_traceback(tmp_path: Path) -> None:
    completed = subprocess.run(
        [sys.executable, "-m", "chuangye_metrics", "compute", str(tmp_path / "missing.xlsx")],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        check=False,
    )
    assert completed.returncode == 2
    assert "Traceback" not in completed.stderr
    assert len(completed.stderr.strip().splitlines()) == 1


def test_help_loads_neither_the_commands_nor_pandas() -> None:
    code = (
        "import sys; from chuangye_metrics.cli.app import app\n"
        "try: app(['--help'])\nexcept SystemExit: pass\n"
        "loaded = ('pandas', 'pydantic', 'chuangye_metrics.cli.')\n"
        "print(sorted(name for name in sys.modules if name.startswith(loaded)))"
    )
    completed = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert completed.stdout.strip().splitlines()[-1] == "['chuangye_metrics.cli.app', 'chuangye_metrics.cli.commands']"


@pytest.mark.parametrize("name", sorted(SUMMARIES))
def test_the_summaries_in_help_are_the_commands_own(name: str) -> None:
    """`chuangye --help` lists the commands from SUMMARIES without loading them: each must say what the command
    says of itself."""
    command = cli_command(name)
    assert SUMMARIES[name] == (command.help or "").strip().splitlines()[0]


def test_a_command_loads_the_report_writers_only_to_write_a_report() -> None:
    """The reports' code is the largest of the outputs: `compute` to JSON starts without it."""
    code = (
        "import sys; import chuangye_metrics.cli.commands.compute, chuangye_metrics.cli.commands.check\n"
        "print(sorted(m for m in ('xlsx', 'html', 'report_content') if f'chuangye_metrics.outputs.{m}' in sys.modules))"
    )
    completed = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert completed.stdout.strip() == "[]"
