"""The Excel report: sheets, values equal to the JSON output, number formats, colours, charts; LibreOffice opens it."""

from __future__ import annotations

import json
import re
import shutil
import zipfile
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from chuangye_metrics.config.catalog import Catalog
from chuangye_metrics.core.models import (
    CheckResult,
    Series,
    Source,
    UnitYears,
    YearPoint,
    YearsResult,
)
from chuangye_metrics.outputs import xlsx as report_xlsx
from chuangye_metrics.outputs.xlsx import write_report_workbook
from chuangye_metrics.standards.library import load_standard
from tests.conftest import check_result, compute_result, hand_shortlist, sha256
from tests.printing import libreoffice_pdf, needs, page_size, pages_of

SAMPLE = Path(__file__).parent.parent / "sample_data" / "jiangning_2016.xlsx"
# level -> sheet: the level's name, "/" (not allowed in sheet names) written as "、"
LEVEL_SHEETS = {"county": "县(市、区)", "street": "街道、乡镇", "community": "社区、村", "park": "园区"}
STATUS_WORDS = {"pass": "达标", "fail": "未达标", "incomplete": "数据不全", "missing": "缺数"}
PERCENT = '0.0"%"'


def _json(cli: Any, *args: Any) -> dict[str, Any]:
    result = cli(*args, "--format", "json", "--quiet")
    assert result.exit_code in (0, 3), result.stderr
    data: dict[str, Any] = json.loads(result.stdout)
    return data


def _table(worksheet: Worksheet) -> tuple[list[str], dict[str, dict[str, Any]], dict[str, dict[str, Any]]]:
    """The header, and per unit code the values and the cells of its row, by heading."""
    rows = list(worksheet.iter_rows())
    header = [str(cell.value) for cell in rows[0]]
    assert len(set(header)) == len(header), "headings are distinct"
    values = {str(row[0].value): {h: cell.value for h, cell in zip(header, row, strict=True)} for row in rows[1:]}
    cells = {str(row[0].value): dict(zip(header, row, strict=True)) for row in rows[1:]}
    return header, values, cells


def _assert_units_match(workbook: Any, units: list[dict[str, Any]], catalog: Catalog) -> None:
    """Every unit's indicator values and counts in its level's sheet equal the JSON output."""
    tables = {level: _table(workbook[sheet]) for level, sheet in LEVEL_SHEETS.items()}
    assert sum(len(table[1]) for table in tables.values()) == len(units)
    for unit in units:
        _, values, cells = tables[unit["level"]]
        row = values[unit["unit_code"]]
        assert row["上级单位代码"] == unit["parent_code"]
        assert row["年度"] == unit["year"]
        for indicator_id, indicator in unit["indicators"].items():
            name = catalog.indicators[indicator_id].name
            if indicator["value"] is None:
                assert row[name] is None, (unit["unit_code"], indicator_id)
                continue
            assert row[name] == pytest.approx(indicator["value"], rel=1e-14), (unit["unit_code"], indicator_id)
            expected_format = {"percent": PERCENT, "ratio": "0.00", "years": "0.0"}[indicator["unit"]]
            assert cells[unit["unit_code"]][name].number_format == expected_format
            if indicator["unit"] == "ratio":
                assert row[f"{name}（1:N）"] == f"1:{indicator['value']:.1f}"
        for field_id, count in unit["fields"].items():
            heading = catalog.fields[field_id].header
            assert row[heading] == count, (unit["unit_code"], field_id)
            if count is not None:
                assert cells[unit["unit_code"]][heading].number_format == "#,##0"


def _chart_parts(path: Path) -> list[str]:
    with zipfile.ZipFile(path) as archive:
        assert archive.testzip() is None
        return [
            archive.read(name).decode() for name in archive.namelist() if re.match(r"xl/charts/chart\d+\.xml$", name)
        ]


def _conditional_words(worksheet: Worksheet) -> dict[str, set[str]]:
    """Cell range -> the words its equal-to rules colour."""
    words: dict[str, set[str]] = {}
    for rules in worksheet.conditional_formatting:
        for rule in rules.rules:
            if rule.type == "cellIs" and rule.operator == "equal":
                words.setdefault(str(rules.sqref), set()).update(formula.strip('"') for formula in rule.formula)
    return words


def test_compute_report_equals_the_json_output(cli: Any, tmp_path: Path, catalog: Catalog) -> None:
    expected = _json(cli, "compute", SAMPLE)
    out = tmp_path / "r.xlsx"
    result = cli("compute", SAMPLE, "--format", "xlsx", "--output", out, "--quiet")
    assert result.exit_code == 0, result.stderr
    assert result.stdout == ""
    workbook = load_workbook(out)
    assert workbook.sheetnames == ["汇总", *LEVEL_SHEETS.values(), "图表", "公式与标准"]
    _assert_units_match(workbook, expected["units"], catalog)
    for sheet in LEVEL_SHEETS.values():
        assert workbook[sheet].freeze_panes == "C2"
        assert workbook[sheet].auto_filter.ref.startswith("A1:")
    # without a standard: each core indicator with a value, per level. The county, streets and communities have
    # all four; parks have no labour force, so no participation rate: 4 + 4 + 4 + 3 charts, no pass-share chart
    assert len(workbook["图表"]._charts) == 15
    assert len(_chart_parts(out)) == 15
    summary = [row for row in workbook["汇总"].iter_rows(values_only=True)]
    assert ("文件", str(SAMPLE)) in [row[:2] for row in summary]
    # the sample has 1 county, 2 streets, 6 communities and 1 park
    assert [row[:2] for row in summary if row[0] in ("县(市、区)", "街道/乡镇", "社区/村", "园区")] == [
        ("县(市、区)", 1),
        ("街道/乡镇", 2),
        ("社区/村", 6),
        ("园区", 1),
    ]
    formulas = [row for row in workbook["公式与标准"].iter_rows(values_only=True)]
    assert ("participation_rate", "创业参与率", "百分比", "当年新增创业人数 ÷ 劳动年龄人口数 × 100") in [
        row[:4] for row in formulas
    ]


def test_check_report_equals_the_json_output(cli: Any, tmp_path: Path, catalog: Catalog) -> None:
    expected = _json(cli, "check", SAMPLE, "--standard", "jiangsu-2016")
    out = tmp_path / "r.xlsx"
    result = cli("check", SAMPLE, "--standard", "jiangsu-2016", "--format", "xlsx", "--output", out, "--quiet")
    assert result.exit_code == 3, result.stderr  # units fail
    workbook = load_workbook(out)
    _assert_units_match(workbook, expected["units"], catalog)
    for unit in expected["units"]:
        _, values, _ = _table(workbook[LEVEL_SHEETS[unit["level"]]])
        row = values[unit["unit_code"]]
        if unit["assessment"] is None:  # jiangsu-2016 has no county rules
            assert "结果" not in row
            continue
        assert row["结果"] == STATUS_WORDS[unit["assessment"]["status"]]
        for check in unit["assessment"]["checks"]:
            heading = next(h for h in row if h.startswith(check["name"] + " ") and h.endswith("*"))
            assert row[heading] == STATUS_WORDS[check["status"]]
    streets = workbook["街道、乡镇"]
    header = [cell.value for cell in next(streets.iter_rows(max_row=1))]
    status_column = get_column_letter(header.index("结果") + 1)
    words = _conditional_words(streets)
    assert words[f"{status_column}2:{status_column}3"] == {"达标", "未达标", "数据不全", "缺数"}
    rule_column = get_column_letter(header.index("创业参与率 ≥ 1.0%*") + 1)
    assert f"{rule_column}2:{rule_column}3" in words

    summary = workbook["汇总"]
    cells = [row for row in summary.iter_rows(values_only=True)]
    assert any("暂定门槛" in str(row[0]) for row in cells[:3]), "the provisional standard is flagged at the top"
    coverage = {entry["level"]: entry for entry in expected["coverage"]}
    by_level = {row[0]: row for row in cells if row[0] in ("街道/乡镇", "社区/村", "园区")}
    for level, label in (("street", "街道/乡镇"), ("community", "社区/村"), ("park", "园区")):
        # level, units, pass, fail, incomplete, no return, share, target, met
        row = by_level[label]
        entry = coverage[level]
        assert row[2:8] == (
            entry["passed"],
            entry["failed"],
            entry["incomplete"],
            entry["no_return"],
            pytest.approx(entry["share"]),
            entry["target"],
        )
        assert row[8] == ("达到" if entry["met"] else "未达到")
    # the sample: both streets and all six communities fail; the park passes
    assert [by_level[label][6] for label in ("街道/乡镇", "社区/村", "园区")] == [0, 0, 100]

    charts = _chart_parts(out)
    # 4 core indicators for the county, streets and communities; parks: 3 (no participation rate) plus
    # jobs_per_entity, which jiangsu-2016 has a park rule on; plus the pass share per level
    assert len(charts) == 4 + 4 + 4 + 4 + 1
    assert len(workbook["图表"]._charts) == 16 and len(summary._charts) == 1
    combos = [chart for chart in charts if "<c:barChart>" in chart and "<c:lineChart>" in chart]
    assert len(combos) == 12 + 1  # every chart of a ruled level draws its threshold; the pass share its targets
    assert any("门槛 ≥ 50.0%（暂定）" in chart for chart in charts)
    rules = [row for row in workbook["公式与标准"].iter_rows(values_only=True)]
    assert ("园区", "全部单位", "当年新创办创业实体数", "≥", "20", "是") in [row[:6] for row in rules]


def test_percent_format_shows_the_stored_percentage(tmp_path: Path, catalog: Catalog) -> None:
    """30.6 stored, "30.6%" shown: the format's percent sign is a literal, not Excel's ×100."""
    result = compute_result(SAMPLE, catalog)
    assert result is not None
    out = tmp_path / "r.xlsx"
    write_report_workbook(out, result, catalog)
    assert report_xlsx.PERCENT_FORMAT == '0.0"%"'
    with zipfile.ZipFile(out) as archive:
        styles = archive.read("xl/styles.xml").decode()
    assert 'formatCode="0.0&quot;%&quot;"' in styles


def test_english_report(cli: Any, tmp_path: Path) -> None:
    out = tmp_path / "r.xlsx"
    result = cli("check", SAMPLE, "-s", "jiangsu-2016", "-f", "xlsx", "-o", out, "--lang", "en", "--quiet")
    assert result.exit_code == 3, result.stderr
    workbook = load_workbook(out)
    assert workbook.sheetnames == [
        "Summary",
        "county",
        "street-town",
        "community-village",
        "park",
        "Charts",
        "Formulas and rules",
    ]
    header = [cell.value for cell in next(workbook["park"].iter_rows(max_row=1))]
    assert header[:5] == ["Code", "Name", "Parent code", "Year", "Status"]
    assert "Start-up rate after training" in header
    statuses = {row[4] for row in workbook["community-village"].iter_rows(min_row=2, values_only=True)}
    assert statuses == {"fail"}
    assert workbook["Summary"]["A1"].value == "Entrepreneurial-city indicator report"


def test_xlsx_needs_an_output_file(cli: Any) -> None:
    result = cli("compute", SAMPLE, "--format", "xlsx", "--quiet")
    assert result.exit_code == 2
    assert "--output" in result.stderr
    assert result.stdout == ""


def _check_result(catalog: Catalog) -> CheckResult:
    result = check_result(SAMPLE, catalog, load_standard("jiangsu-2016", catalog))
    assert result is not None
    return result


def test_shortlist_and_years_sheets(tmp_path: Path, catalog: Catalog) -> None:
    result = _check_result(catalog)
    shortlist = hand_shortlist(near_limit=5, shortfall=3)
    series = Series(
        kind="indicator",
        unit="percent",
        points=[YearPoint(year=2015, value=0.5, change=None), YearPoint(year=2016, value=0.75, change=0.25)],
        growth=None,
        growth_from=None,
        growth_to=None,
        reason="counts only",
    )
    years = YearsResult(
        sources=[Source(file="2015.xlsx", sheet=None, sha256="1" * 64), *result.sources],
        years=[2015, 2016],
        units=[
            UnitYears(
                unit_code="320115001001",
                unit_name="竹山社区",
                level="community",
                parent_code="320115001000",
                years=[2015, 2016],
                missing_years=[],
                fields={},
                indicators={"participation_rate": series},
            )
        ],
    )
    out = tmp_path / "r.xlsx"
    write_report_workbook(
        out,
        result.model_copy(update={"shortlist": shortlist}),
        catalog,
        standard=load_standard("jiangsu-2016", catalog),
        years=years,
    )
    workbook = load_workbook(out)
    assert workbook.sheetnames[-4:] == ["图表", "推荐名单", "历年比较", "公式与标准"]
    rows = [row for row in workbook["推荐名单"].iter_rows(values_only=True)]
    assert ("园区", 2016, 1, 1, 1) in [row[:5] for row in rows]  # level, year, quota, passing, proposed
    proposed = next(row for row in rows if row[3] == "P320115001")
    assert proposed[:9] == (
        "园区",
        2016,
        1,
        "P320115001",
        "江宁开发区创业园",
        "拟申报",
        12.5,
        "创业存活率（三年）",
        None,
    )
    near = next(row for row in rows if row[3] == "320115001001")
    assert near[5] == "差一点" and near[8] == "创业参与率 差 3 人"
    margin = next(row for row in workbook["推荐名单"].iter_rows() if row[3].value == "P320115001")[6]
    assert margin.number_format == report_xlsx.SIGNED_PERCENT_FORMAT
    sheet = workbook["历年比较"]
    header = [cell.value for cell in sheet[1]]
    assert header[5:8] == ["2015 年", "2016 年", "2016 同比"]
    line = [cell for cell in sheet[2]]
    assert [cell.value for cell in line[:8]] == [
        "320115001001",
        "竹山社区",
        "社区/村",
        "创业参与率",
        "%",
        0.5,
        0.75,
        0.25,
    ]
    assert line[5].number_format == PERCENT
    assert "个百分点" in line[7].number_format
    summary = [row[:2] for row in workbook["汇总"].iter_rows(values_only=True)]
    assert ("比较年度", "2015, 2016") in summary


def test_written_atomically_and_the_input_untouched(tmp_path: Path, catalog: Catalog, monkeypatch: Any) -> None:
    source = tmp_path / "return.xlsx"
    shutil.copy(SAMPLE, source)
    before = sha256(source)
    result = compute_result(source, catalog)
    assert result is not None
    out = tmp_path / "r.xlsx"
    out.write_bytes(b"old report")
    write_report_workbook(out, result, catalog)
    assert sorted(path.name for path in tmp_path.iterdir()) == ["r.xlsx", "return.xlsx"]
    assert sha256(source) == before
    assert zipfile.is_zipfile(out)

    def broken(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("disk on fire")

    previous = out.read_bytes()
    monkeypatch.setattr(report_xlsx, "_write", broken)
    with pytest.raises(RuntimeError):
        write_report_workbook(out, result, catalog)
    assert out.read_bytes() == previous, "a failed write leaves the old report"
    assert sorted(path.name for path in tmp_path.iterdir()) == ["r.xlsx", "return.xlsx"]


def test_output_in_a_missing_folder_is_a_usage_error(cli: Any, tmp_path: Path) -> None:
    out = tmp_path / "no" / "such" / "r.xlsx"
    result = cli("compute", SAMPLE, "--format", "xlsx", "--output", out, "--quiet", "--lang", "en")
    assert result.exit_code == 2
    assert "cannot write" in result.stderr  # in Chinese without --lang en, as every output message


def test_large_results_are_written_row_by_row(cli: Any, tmp_path: Path, catalog: Catalog, monkeypatch: Any) -> None:
    """The constant-memory path writes the same values (it is taken above CONSTANT_MEMORY_UNITS units)."""
    monkeypatch.setattr(report_xlsx, "CONSTANT_MEMORY_UNITS", 0)
    expected = _json(cli, "check", SAMPLE, "--standard", "jiangsu-2016")
    out = tmp_path / "r.xlsx"
    write_report_workbook(out, _check_result(catalog), catalog, standard=load_standard("jiangsu-2016", catalog))
    workbook = load_workbook(out)
    _assert_units_match(workbook, expected["units"], catalog)
    assert len(_chart_parts(out)) == 17


def test_sheet_names_are_valid_and_distinct() -> None:
    names = report_xlsx._SheetNames("zh")
    assert names.take("街道/乡镇") == "街道、乡镇"
    long = "很长的层级名称" * 6
    first, second = names.take(long), names.take(long)
    assert len(first) == 31 and len(second) <= 31 and first != second
    assert names.take("a[b]:c*?d\\e") == "a、b、、c、、d、e"
    english = report_xlsx._SheetNames("en")
    assert english.take("Summary") == "Summary"
    assert english.take("summary") == "summary (2)"
    assert english.take("history") == "history (2)"


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) is not installed")
def test_libreoffice_converts_the_report_to_pdf(tmp_path: Path, catalog: Catalog) -> None:
    """The workbook opens without repair in another spreadsheet program: LibreOffice reads it and prints it."""
    out = tmp_path / "r.xlsx"
    result = _check_result(catalog)
    write_report_workbook(out, result, catalog, standard=load_standard("jiangsu-2016", catalog))
    pdf = libreoffice_pdf(out, tmp_path)
    assert pdf.stat().st_size > 1000
    assert pdf.read_bytes().startswith(b"%PDF")


def test_rows_beyond_a_sheets_capacity_are_left_out_with_a_note(
    tmp_path: Path, catalog: Catalog, monkeypatch: Any
) -> None:
    monkeypatch.setattr(report_xlsx, "EXCEL_ROWS", 6)
    result = compute_result(SAMPLE, catalog)
    assert result is not None
    out = tmp_path / "r.xlsx"
    write_report_workbook(out, result, catalog)
    rows = list(load_workbook(out)["社区、村"].iter_rows(values_only=True))
    # 6 rows in all: the header, 4 of the 6 communities, and the note that the other 2 are left out
    assert len(rows) == 6
    assert [row[0] for row in rows[1:5]] == ["320115001001", "320115001002", "320115001203", "320115002001"]
    assert "其余 2 行未写入" in str(rows[5][0])


@pytest.mark.parametrize("standard", ["jiangsu-2016", None])
def test_the_report_prints_at_most_two_pages_a_level_with_every_unit(
    cli: Any, tmp_path: Path, standard: str | None
) -> None:
    """Printed by LibreOffice as the sheets' print settings say (A4 landscape, one page wide, the header row and
    the code and name repeated): each level's sheet on at most two pages, every unit's name and code on its pages,
    and the standard in the page header."""
    needs("soffice", "pdftotext", "pdfinfo")
    out = tmp_path / "report.xlsx"
    judged = ("check", SAMPLE, "--standard", standard, "--fail-on", "never") if standard else ("compute", SAMPLE)
    assert cli(*judged, "--format", "xlsx", "--output", out).exit_code == 0
    units = json.loads(cli(*judged, "--format", "json").stdout)["units"]
    pdf = libreoffice_pdf(out, tmp_path)
    width, height = page_size(pdf)
    assert width > height  # landscape
    pages = pages_of(pdf, layout=True)
    heading = "上级单位代码"  # the level sheets' header row, repeated on each of their pages
    level_pages = [text for text in pages if heading in text]
    levels = {unit["level"] for unit in units}
    assert len(levels) >= 3
    for level in levels:
        # a unit's row begins with its code and its name, side by side
        rows = [
            unit["unit_code"] + "".join((unit["unit_name"] or "（下级汇总）").split())
            for unit in units
            if unit["level"] == level
        ]
        printed = [text for text in level_pages if any(row in text for row in rows)]
        assert 1 <= len(printed) <= 2, (level, len(printed))
        for row in rows:
            assert any(row in text for text in printed), row
    if standard:
        assert all("jiangsu-2016" in text for text in level_pages)  # the page header
    assert all(re.search(r"第\d+页，共\d+页", text) for text in pages)  # the footer
