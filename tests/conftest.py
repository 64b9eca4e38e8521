"""Shared fixtures: a CLI runner and workbooks built in tmp_path."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook
from typer.testing import CliRunner

from chuangye_metrics.cli.app import app
from chuangye_metrics.config.catalog import Catalog, load_catalog
from chuangye_metrics.core.guard import language_of_arguments

CANONICAL_HEADERS = {
    "unit_code": "单位代码",
    "unit_name": "单位名称",
    "level": "单位层级",
    "parent_code": "上级单位代码",
    "year": "统计年度",
    "labour_force": "劳动年龄人口数",
    "entrepreneurs": "创业人员实有数",
    "new_entrepreneurs": "当年新增创业人数",
    "startup_entities": "当年新创办创业实体数",
    "startup_jobs": "创业带动就业人数",
    "new_urban_jobs": "城镇新增就业人数",
    "trainees": "参加创业培训人数",
    "trainees_certified": "创业培训合格人数",
    "trainees_started": "培训后成功创业人数",
    "cohort_births": "三年前新创办创业实体数",
    "cohort_survivors": "三年前新创办实体存活数",
    "graduate_entrepreneurs": "大学生创业人数",
    "eligible_applicants": "符合扶持政策条件人数",
    "supported_applicants": "享受扶持政策人数",
    "survey_respondents": "满意度调查有效样本数",
    "survey_satisfied": "满意度调查满意人数",
    "active_entities": "创业实体实有数",
    "active_entities_base": "三年前创业实体实有数",
    "active_entity_years": "创业实体累计经营年数",
    "incubated_entities": "在孵创业实体数",
    "park_type": "园区类型",
}
COUNT_FIELDS = [name for name in list(CANONICAL_HEADERS)[5:] if name != "park_type"]


class Invoker:
    """Runs the CLI in-process; stdout and stderr are kept apart."""

    def __init__(self) -> None:
        self.runner = CliRunner()

    def __call__(self, *args: str | Path) -> Any:
        arguments = [str(arg) for arg in args]
        result = self.runner.invoke(app, arguments, catch_exceptions=False)
        if language_of_arguments(arguments) == "en":
            chinese = [line for line in result.stderr.splitlines() if line.strip() and not ENGLISH.search(line)]
            assert not chinese, f"chuangye {' '.join(arguments)}: Chinese only under --lang en: {chinese}"
        elif language_of_arguments(arguments) == "zh":
            # (stage times, asked for with CHUANGYE_STAGE_TIMES, are a developer's measurements)
            english = [
                line
                for line in result.stderr.splitlines()
                if line.strip() and not IDEOGRAPH.search(line) and not line.startswith("stage ")
            ]
            assert not english, f"chuangye {' '.join(arguments)}: English only under a Chinese default: {english}"
        return result


IDEOGRAPH = re.compile(r"[\u4e00-\u9fff]")
"""A Chinese character: every line a command says on stderr in Chinese (its default) has one."""
ENGLISH = re.compile(r"[A-Za-z]{2}")
"""An English word: every line a command says on stderr with --lang en has one."""


def cli_command(path: str) -> Any:
    """The click command of ``chuangye PATH`` ("compute", "standards show"), as the app builds it."""
    import typer.main

    node: Any = typer.main.get_command(app)
    for part in path.split():
        node = node.get_command(typer.core._click.Context(node), part)
    return node


def cli_commands() -> list[str]:
    """Every command and subcommand of the app, as typed after ``chuangye``."""
    import typer.main

    def walk(node: Any, prefix: tuple[str, ...]) -> list[str]:
        context = typer.core._click.Context(node)
        paths = []
        for name in node.list_commands(context):
            command = node.get_command(context, name)
            subcommands = getattr(command, "list_commands", None)
            paths += walk(command, (*prefix, name)) if subcommands else [" ".join((*prefix, name))]
        return paths

    return walk(typer.main.get_command(app), ())


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-snapshots",
        action="store_true",
        help="write tests/snapshots anew from the current code instead of comparing (read the diff before committing)",
    )


def pytest_configure(config: pytest.Config) -> None:
    """Before any fixture of any scope runs, the cache is a folder of the test run's, never the user's."""
    import os
    import tempfile

    folder = tempfile.mkdtemp(prefix="chuangye-test-cache-")
    os.environ["CHUANGYE_CACHE_DIR"] = folder
    os.environ["XDG_CACHE_HOME"] = folder
    # tables for people are laid out to COLUMNS when it is set: the tests' own outputs do not depend on the shell's
    os.environ.pop("COLUMNS", None)
    os.environ.pop("LINES", None)


@pytest.fixture(autouse=True)
def private_cache(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test gets a cache folder of its own, never the user's (module fixtures get the run's, above)."""
    folder = tmp_path_factory.mktemp("cache")
    monkeypatch.setenv("CHUANGYE_CACHE_DIR", str(folder))
    return folder


@pytest.fixture
def cli() -> Invoker:
    return Invoker()


@pytest.fixture(scope="session")
def catalog() -> Catalog:
    return load_catalog()


def write_workbook(
    path: Path,
    rows: Sequence[dict[str, Any]],
    fields: Sequence[str] | None = None,
    sheet: str = "数据",
) -> Path:
    """A tidy return: one header row of canonical headers, then one row per dict (missing key = blank)."""
    fields = list(fields or CANONICAL_HEADERS)
    workbook = Workbook()
    worksheet = workbook.active
    worksheet.title = sheet
    worksheet.append([CANONICAL_HEADERS[name] for name in fields])
    for row in rows:
        worksheet.append([row.get(name) for name in fields])
    workbook.save(path)
    return path


@pytest.fixture
def make_return(tmp_path: Path) -> Callable[..., Path]:
    counter = iter(range(1_000_000))

    def make(rows: Sequence[dict[str, Any]], fields: Sequence[str] | None = None, name: str | None = None) -> Path:
        return write_workbook(tmp_path / (name or f"return_{next(counter)}.xlsx"), rows, fields)

    return make


def read_result(path: Path, catalog: Catalog, **options: Any) -> Any:
    """One return through the pipeline's reading (``pipeline.read_returns``): its Returns."""
    from chuangye_metrics.pipeline import read_returns

    return read_returns([path], catalog, **options)


def compute_result(path: Path, catalog: Catalog, **options: Any) -> Any:
    """compute's result of one return, as the pipeline gives it."""
    returns = read_result(path, catalog, **options)
    assert returns.units is not None, returns.findings
    return returns.result()


def check_result(path: Path, catalog: Catalog, standard: Any, **options: Any) -> Any:
    """check's result of one return against ``standard``, as the pipeline gives it."""
    from chuangye_metrics.pipeline import Settings, judge
    from chuangye_metrics.validation.rules import load_rules

    settings = Settings(
        catalog=catalog,
        mapping=None,
        rules=load_rules(catalog),
        levels=None,
        standard=standard,
        register=[],
        quotas=None,
    )
    return judge(read_result(path, catalog, **options), settings, options.get("language", "zh")).result


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def table_from_rows(rows: Sequence[dict[str, Any]], catalog: Catalog) -> Any:
    """A ReturnTable as the reader would give it for a tidy sheet, without writing a file."""
    import pandas as pd

    from chuangye_metrics.reading.reader import ROW, Column, ReturnTable

    fields = list(CANONICAL_HEADERS)
    frame = pd.DataFrame([{name: row.get(name) for name in fields} for row in rows], columns=fields)
    for name in fields:
        kind = catalog.fields[name].type
        frame[name] = frame[name].astype("float64") if kind in ("count", "year") else frame[name].astype(object)
    frame[ROW] = range(2, 2 + len(frame))
    columns = {
        name: Column(field=name, index=index, header=CANONICAL_HEADERS[name]) for index, name in enumerate(fields)
    }
    return ReturnTable(path=Path("memory.xlsx"), sheet="数据", sha256="0" * 64, frame=frame, columns=columns)


def hand_shortlist(near_limit: int, shortfall: int) -> Any:
    """A shortlist written by hand for the sample: the park proposed, 竹山社区 near with ``shortfall`` people."""
    from chuangye_metrics.core.models import Lack, LevelQuota, Shortlist, ShortlistEntry

    return Shortlist(
        near_limit=near_limit,
        quotas=[LevelQuota(level="park", year=2016, quota=1, passing=1, proposed=1)],
        entries=[
            ShortlistEntry(
                unit_code="P320115001",
                unit_name="江宁开发区创业园",
                level="park",
                year=2016,
                status="proposed",
                rank=1,
                margin=12.5,
                weakest="survival_rate",
            ),
            ShortlistEntry(
                unit_code="320115001001",
                unit_name="竹山社区",
                level="community",
                year=2016,
                status="near",
                rank=None,
                margin=None,
                weakest=None,
                lacking=[
                    Lack(rule="participation_rate", name="创业参与率", shortfall=shortfall, shortfall_unit="person")
                ],
            ),
        ],
    )
