"""Messy returns as bureaus send them: every layout variation read to the same units and Excel rows."""

from __future__ import annotations

import datetime
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import sha256
from tests.corpus import FIELDS, UNITS, Grid, real_layout, write_csv, write_ods, write_xls, write_xlsx


def compute_units(cli: Any, path: Path, *options: str) -> list[dict[str, Any]]:
    before = sha256(path)
    result = cli("compute", path, "--format", "json", *options)
    assert result.exit_code == 0, result.stderr
    assert "Traceback" not in result.stderr
    assert sha256(path) == before
    return json.loads(result.stdout)["units"]  # type: ignore[no-any-return]


def by_code(units: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {unit["unit_code"]: unit for unit in units}


WRITERS: dict[str, Callable[[Grid, Path], Path]] = {
    "xlsx": write_xlsx,
    "xlsm": write_xlsx,
    "xls": write_xls,
    "ods": write_ods,
    "csv-gb18030": lambda grid, path: write_csv(grid, path, "gb18030"),
    "csv-utf8": lambda grid, path: write_csv(grid, path, "utf-8"),
    "csv-utf8-bom": lambda grid, path: write_csv(grid, path, "utf-8-sig"),
}
SUFFIX = {"xlsx": ".xlsx", "xlsm": ".xlsm", "xls": ".xls", "ods": ".ods"}


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> list[dict[str, Any]]:
    """The full real layout saved as .xlsx: the units every other form must reproduce."""
    from tests.conftest import Invoker

    path = write_xlsx(real_layout(), tmp_path_factory.mktemp("ref") / "real.xlsx")
    return compute_units(Invoker(), path)


def test_real_layout_reads_every_unit_with_its_excel_row(reference: list[dict[str, Any]]) -> None:
    units = by_code(reference)
    # title block rows 1-3, header rows 4-5, code row 6, 合计 row 7, units from row 8
    assert {code: unit["row"] for code, unit in units.items() if not unit["derived"]} == {
        "320115001000": 8,
        "320115001001": 9,
        "320115001202": 10,
        "320115002000": 11,
        "P320115001": 12,
    }
    assert all(unit["year"] == 2016 for unit in reference)  # from the title "2016年度…"
    county = units["320115000000"]
    assert county["derived"] is True
    # the two streets' own rows; their communities are inside them, the park is outside
    assert county["fields"]["labour_force"] == 52000 + 41000
    assert county["fields"]["new_entrepreneurs"] == 420 + 310
    assert county["indicators"]["participation_rate"]["value"] == pytest.approx(730 / 93000 * 100, abs=1e-12)
    assert units["320115001202"]["level"] == "community"
    assert units["320115001202"]["fields"]["survey_respondents"] is None
    for code, source in ((unit["unit_code"], unit) for unit in UNITS):
        for name in FIELDS[4:]:
            assert units[code]["fields"][name] == source[name], (code, name)


@pytest.mark.parametrize("form", sorted(WRITERS))
def test_every_format_gives_identical_json(
    cli: Any, tmp_path: Path, reference: list[dict[str, Any]], form: str
) -> None:
    path = WRITERS[form](real_layout(), tmp_path / f"real{SUFFIX.get(form, '.csv')}")
    assert compute_units(cli, path) == reference


def test_traditional_headers_give_identical_json(cli: Any, tmp_path: Path, reference: list[dict[str, Any]]) -> None:
    path = write_xlsx(real_layout(traditional=True), tmp_path / "traditional.xlsx")
    assert compute_units(cli, path) == reference


def test_tidy_return_gives_the_same_values(
    cli: Any, make_return: Callable[..., Path], reference: list[dict[str, Any]]
) -> None:
    tidy = compute_units(cli, make_return([{**unit, "year": 2016} for unit in UNITS]))
    strip = [{key: value for key, value in unit.items() if key != "row"} for unit in tidy]
    assert strip == [{key: value for key, value in unit.items() if key != "row"} for unit in reference]


@pytest.mark.parametrize(
    "variation",
    [
        {"total": "last"},
        {"total": None},
        {"code_row": False},
        {"footer": False},
    ],
)
def test_layout_variations(
    cli: Any, tmp_path: Path, reference: list[dict[str, Any]], variation: dict[str, Any]
) -> None:
    units = compute_units(cli, write_xlsx(real_layout(**variation), tmp_path / "variant.xlsx"))
    first_row = (
        8 - (0 if variation.get("code_row", True) else 1) - (1 if variation.get("total", "first") != "first" else 0)
    )
    assert [unit["row"] for unit in units if not unit["derived"]] == list(range(first_row, first_row + 5))
    strip = [{key: value for key, value in unit.items() if key != "row"} for unit in units]
    assert strip == [{key: value for key, value in unit.items() if key != "row"} for unit in reference]


def test_no_instructions_sheet(cli: Any, tmp_path: Path, reference: list[dict[str, Any]]) -> None:
    assert compute_units(cli, write_xlsx(real_layout(), tmp_path / "one.xlsx", before=())) == reference


def test_sheet_option_by_name_and_number(cli: Any, tmp_path: Path, reference: list[dict[str, Any]]) -> None:
    path = write_xlsx(real_layout(), tmp_path / "two.xlsx")
    assert compute_units(cli, path, "--sheet", "创业统计") == reference
    assert compute_units(cli, path, "--sheet", "2") == reference
    missing = cli("compute", path, "--sheet", "不存在")
    assert missing.exit_code == 2
    assert "填表说明" in missing.stderr and len(missing.stderr.strip().splitlines()) == 1


def test_data_away_from_the_corner(cli: Any, tmp_path: Path) -> None:
    grid = real_layout(total=None, footer=False)
    grid.rows = [[None] * 30, [None] * 30] + [[None, None, *row] for row in grid.rows]
    grid.rows[10][2 + FIELDS.index("startup_jobs")] = "约两千"  # the first unit, Excel row 2 + 8 = 10 … row 11
    path = write_xlsx(grid, tmp_path / "shifted.xlsx")
    result = cli("validate", path, "--format", "json")
    document = json.loads(result.stdout)
    assert result.exit_code == 1
    errors = [f for f in document["findings"] if f["severity"] == "error"]
    assert [(f["code"], f["row"], f["column"], f["field"], f["value"]) for f in errors] == [
        ("not-a-number", 11, "K", "startup_jobs", "约两千")
    ]


def test_numbers_typed_as_text(cli: Any, tmp_path: Path) -> None:
    grid = real_layout(total=None)
    first = 6  # 0-based row of the first unit without a 合计 row
    grid.rows[first][FIELDS.index("labour_force")] = "52,000"
    grid.rows[first][FIELDS.index("entrepreneurs")] = "３８６０"
    grid.rows[first][FIELDS.index("survey_satisfied")] = "—"
    grid.rows[first][FIELDS.index("survey_respondents")] = "-"
    grid.rows[first][FIELDS.index("trainees")] = " 380 "
    for form in ("xlsx", "csv-gb18030"):
        units = by_code(compute_units(cli, WRITERS[form](grid, tmp_path / f"text{SUFFIX.get(form, '.csv')}")))
        street = units["320115001000"]["fields"]
        assert (street["labour_force"], street["entrepreneurs"], street["trainees"]) == (52000, 3860, 380)
        assert street["survey_satisfied"] is None and street["survey_respondents"] is None


def test_header_spelling_variants(cli: Any, tmp_path: Path) -> None:
    headers = [
        "单 位 代 码",
        "单位名称",
        "单位层级",
        "劳动年龄人口数(人)",
        "当年新增\n创业人数（人）",
        "创业人员实有数 （人）",
    ]
    rows = [headers, ["320115001000", "东山街道", "街道", 52000, 420, 3860]]
    path = tmp_path / "variants.xlsx"
    write_xlsx(Grid(rows=rows), path, before=())
    (unit,) = [u for u in compute_units(cli, path) if not u["derived"]]
    assert unit["fields"]["labour_force"] == 52000
    assert unit["fields"]["new_entrepreneurs"] == 420
    assert unit["fields"]["entrepreneurs"] == 3860


def test_year_from_column_title_or_option(cli: Any, tmp_path: Path, make_return: Callable[..., Path]) -> None:
    titled = write_xlsx(real_layout(title="2018年度创业统计表"), tmp_path / "titled.xlsx")
    assert {unit["year"] for unit in compute_units(cli, titled)} == {2018}
    # the title decides; a --year that disagrees is named, never a silent relabelling (tests/test_reader_truth.py)
    assert cli("compute", titled, "--format", "json", "--year", "2019").exit_code == 1
    untitled = write_xlsx(real_layout(title="创业统计表"), tmp_path / "untitled.xlsx")
    assert {unit["year"] for unit in compute_units(cli, untitled)} == {None}
    assert {unit["year"] for unit in compute_units(cli, untitled, "--year", "2019")} == {2019}
    column = make_return([{**UNITS[0], "year": 2017}])
    assert {unit["year"] for unit in compute_units(cli, column)} == {2017}


def test_user_mapping(cli: Any, tmp_path: Path) -> None:
    rows = [
        ["单位代码", "单位名称", "单位层级", "户籍劳动力", "新办创业人数"],
        ["320115001000", "东山街道", "街道", 52000, 420],
    ]
    path = write_xlsx(Grid(rows=rows), tmp_path / "custom.xlsx", before=())
    mapping = tmp_path / "mapping.yaml"
    mapping.write_text("columns:\n  户籍劳动力: labour_force\n  新办创业人数: new_entrepreneurs\n", encoding="utf-8")
    (unit,) = [u for u in compute_units(cli, path, "--mapping", str(mapping)) if not u["derived"]]
    assert unit["indicators"]["participation_rate"]["value"] == pytest.approx(420 / 52000 * 100, abs=1e-12)
    bad = tmp_path / "bad.yaml"
    bad.write_text("columns:\n  户籍劳动力: labour\n", encoding="utf-8")
    result = cli("compute", path, "--mapping", bad)
    assert result.exit_code == 2
    assert "bad.yaml:2" in result.stderr


def test_unknown_header_is_a_warning(cli: Any, make_return: Callable[..., Path], tmp_path: Path) -> None:
    rows = [
        ["单位代码", "单位名称", "单位层级", "劳动年龄人口数", "其他情况"],  # 备注 and 序号 pass without a word
        ["320115001000", "东山街道", "街道", 52000, "无"],
    ]
    path = write_xlsx(Grid(rows=rows), tmp_path / "extra.xlsx", before=())
    result = cli("validate", path, "--format", "json")
    assert result.exit_code == 0
    unknown = [f for f in json.loads(result.stdout)["findings"] if f["code"] == "unknown-header"]
    assert [(f["row"], f["column"], f["header"], f["severity"]) for f in unknown] == [(1, "E", "其他情况", "warning")]


def test_a_header_given_twice_is_a_warning_and_the_first_column_counts(cli: Any, tmp_path: Path) -> None:
    rows = [
        ["单位代码", "单位名称", "单位层级", "劳动年龄人口数", "劳动年龄人口数"],
        ["320115001000", "东山街道", "街道", 52000, 99],
    ]
    path = write_xlsx(Grid(rows=rows), tmp_path / "twice.xlsx", before=())
    result = cli("validate", path, "--format", "json", "--lang", "en")
    assert result.exit_code == 0
    (finding,) = [f for f in json.loads(result.stdout)["findings"] if f["code"] != "missing-count-column"]
    assert (finding["code"], finding["row"], finding["column"], finding["field"]) == (
        "duplicate-header",
        1,
        "E",
        "labour_force",
    )
    assert "column D" in finding["message"]
    (unit,) = [u for u in compute_units(cli, path) if not u["derived"]]
    assert unit["fields"]["labour_force"] == 52000


@pytest.mark.parametrize(
    "grid",
    [
        real_layout(),
        real_layout(traditional=True),
        real_layout(total=None, footer=False, code_row=False),
        real_layout(title="2018年度创业统计表", total="last"),
    ],
)
def test_the_streamed_head_is_what_the_bulk_reader_sees(grid: Any, tmp_path: Path) -> None:
    from chuangye_metrics.reading.reader import HEAD_ROWS, _ExcelSource
    from chuangye_metrics.reading.xlsx import sheet_head

    path = write_xlsx(grid, tmp_path / "head.xlsx")
    source = _ExcelSource(path)
    for sheet in source.sheet_names():
        streamed = sheet_head(path, sheet, HEAD_ROWS)
        assert streamed is not None
        assert streamed == source.parsed_head(sheet)


def test_the_streamed_head_of_the_sample_and_of_odd_cells(tmp_path: Path) -> None:
    from openpyxl import Workbook

    from chuangye_metrics.reading.reader import HEAD_ROWS, _ExcelSource
    from chuangye_metrics.reading.xlsx import sheet_head

    sample = Path(__file__).resolve().parents[1] / "sample_data" / "jiangning_2016.xlsx"
    source = _ExcelSource(sample)
    for sheet in source.sheet_names():
        assert sheet_head(sample, sheet, HEAD_ROWS) == source.parsed_head(sheet)
    workbook = Workbook()
    sheet = workbook.active
    sheet["C3"] = "标题"
    sheet["B5"], sheet["C5"], sheet["D5"], sheet["E5"] = "单位代码", 1.5, True, 0.1
    sheet["C6"], sheet["D6"] = 52000, "=1+1"
    path = tmp_path / "odd.xlsx"
    workbook.save(path)
    assert sheet_head(path, "Sheet", HEAD_ROWS) == _ExcelSource(path).parsed_head("Sheet")
    sheet["B7"] = datetime.date(2016, 12, 31)  # a date: left to the bulk reader
    workbook.save(path)
    assert sheet_head(path, "Sheet", HEAD_ROWS) is None
