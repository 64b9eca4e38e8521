"""The command line: help everywhere, exit codes, one-line errors, stdout/stderr separation."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from chuangye_metrics.cli import localised
from chuangye_metrics.cli.commands import COMMANDS as LISTED
from chuangye_metrics.core import words
from tests.conftest import cli_command, cli_commands, sha256
from tests.test_compute import STREET

COMMANDS = sorted(cli_commands())


def test_commands_are_listed() -> None:
    expected = {"compute", "validate", "check", "explain", "schema", "template"}
    expected |= {"standards list", "standards show", "formulas list", "formulas explain"}
    assert expected <= set(COMMANDS)


def squeezed(text: str) -> str:
    """Text without its spaces and line breaks: help is wrapped to the terminal, anywhere in Chinese."""
    return "".join(text.split())


def help_texts(command: str, language: words.Language) -> list[str]:
    """The help of ``chuangye COMMAND`` and of each of its options, as help.yaml gives them."""
    path = command.replace(" ", ".") or "chuangye"
    node = cli_command(command) if command else None
    texts = [localised.help_text(path, language)]
    params = node.params if node is not None else []
    texts += [localised.help_text(f"{path}.{param.name}", language) for param in params]
    assert all(texts), f"{path}: a text missing in {language}"
    return [text for text in texts if text]


@pytest.mark.parametrize("command", ["", *COMMANDS])
def test_every_command_has_help_in_chinese_and_in_english(
    cli: Any, command: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Chinese by default, every option's text there; English with CHUANGYE_LANG=en (or the command's --lang en)."""
    chinese = cli(*command.split(), "--help")
    assert chinese.exit_code == 0
    assert chinese.stdout.startswith("用法：")
    for text in help_texts(command, "zh"):
        assert squeezed(text) in squeezed(chinese.stdout)
    assert "Usage" not in chinese.stdout and "Show this message" not in chinese.stdout
    monkeypatch.setenv("CHUANGYE_LANG", "en")
    english = cli(*command.split(), "--help")
    assert english.stdout.startswith("Usage: ")
    for text in help_texts(command, "en"):
        assert squeezed(text) in squeezed(english.stdout)
    assert not re.search(r"[\u4e00-\u9fff]{6}", english.stdout.replace("统计年度", "").replace("填表说明", ""))


def test_the_environment_variable_sets_the_language(cli: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CHUANGYE_LANG", "en")
    assert cli("compute", "--help").stdout.startswith("Usage: ")
    result = cli("compute", "nope.xlsx")
    assert "does not exist" in result.stderr
    assert cli("compute", "nope.xlsx", "--lang", "zh").stderr.startswith("chuangye compute：错误：")
    monkeypatch.delenv("CHUANGYE_LANG")
    assert cli("compute", "--help", "--lang", "en").stdout.startswith("Usage: ")


@pytest.mark.parametrize(
    ("args", "chinese", "english"),
    [
        (("compute", "nope.xlsx"), "文件“nope.xlsx”不存在", "file 'nope.xlsx' does not exist"),
        (("compute", "x.xlsx", "--fromat", "json"), "没有选项 --fromat", "no such option: --fromat"),
        (("comput",), "没有命令“comput”", "no such command 'comput'"),
        (("check", "x.xlsx"), "缺少选项 '--standard' / '-s'", "missing option '--standard' / '-s'"),
        (("compute", "--year", "abc", "x.xlsx"), "'--year' 的值无效：应为整数", "a whole number is needed"),
        (("compute", "--year", "1800", "x.xlsx"), "应不小于 1949", "should be at least 1949"),
        (("schema", "a", "b", "c"), "多余的参数：b c", "unexpected extra arguments: b c"),
        (("compute", "--format"), "选项 --format 后面要给出一个值", "option --format needs a value"),
    ],
)
def test_the_parsers_messages_are_in_the_readers_language(
    cli: Any, args: tuple[str, ...], chinese: str, english: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    if "x.xlsx" in args:
        (tmp_path / "x.xlsx").write_bytes(b"")
    zh = cli(*args)
    monkeypatch.setenv("CHUANGYE_LANG", "en")
    en = cli(*args)
    one_line_usage_error(zh)
    one_line_usage_error(en)
    assert chinese in zh.stderr and "错误" in zh.stderr, zh.stderr
    assert english in en.stderr and "error" in en.stderr, en.stderr


def test_every_usage_pattern_is_in_both_languages_and_compiles() -> None:
    for code, pattern in localised._patterns():
        assert pattern.groupindex.keys() - {"inner"} <= words.placeholders(words.message_template(code, "zh"))
        assert words.placeholders(words.message_template(code, "zh")) == words.placeholders(
            words.message_template(code, "en")
        )


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
    loaded = "['chuangye_metrics.cli.app', 'chuangye_metrics.cli.commands', 'chuangye_metrics.cli.localised']"
    assert completed.stdout.strip().splitlines()[-1] == loaded


def test_the_commands_listed_are_the_apps() -> None:
    """`chuangye --help` lists COMMANDS, each with the first line of its help, without loading them."""
    assert set(LISTED) == {command.split()[0] for command in COMMANDS}
    for name in LISTED:
        for language in words.LANGUAGES:
            assert localised.summary(name, language) == (localised.help_text(name, language) or "").splitlines()[0]


def test_a_command_loads_the_report_writers_only_to_write_a_report() -> None:
    """The reports' code is the largest of the outputs: `compute` to JSON starts without it."""
    code = (
        "import sys; import chuangye_metrics.cli.commands.compute, chuangye_metrics.cli.commands.check\n"
        "print(sorted(m for m in ('xlsx', 'html', 'report_content') if f'chuangye_metrics.outputs.{m}' in sys.modules))"
    )
    completed = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert completed.stdout.strip() == "[]"
