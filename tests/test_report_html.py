"""The HTML report: self-contained, escaped, formatted, and readable in a real browser."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from collections.abc import Callable
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from chuangye_metrics.config.catalog import Catalog, format_measure
from chuangye_metrics.core.models import (
    Series,
    Source,
    UnitYears,
    YearPoint,
    YearsResult,
)
from chuangye_metrics.outputs.html import html_report, render_html
from chuangye_metrics.outputs.report_content import ChartSeries, Column, LevelTable, ReportContent, TextTable
from chuangye_metrics.standards.library import load_standard
from tests.conftest import check_result, compute_result, hand_shortlist
from tests.printing import chromium_pdf, needs, page_size, pages_of

SAMPLE = Path(__file__).resolve().parents[1] / "sample_data" / "jiangning_2016.xlsx"
STATUS_WORDS = {
    "zh": {"pass": "达标", "fail": "未达标", "incomplete": "数据不全"},
    "en": {"pass": "pass", "fail": "fail", "incomplete": "incomplete"},
}
STATUS_HEADER = {"zh": "结果", "en": "Status"}

OFFICIAL_STANDARD = """\
id: test-official
name: 测试标准
source: 测试文件 1号（2026 年）
status: official
levels:
  street:
    - {indicator: participation_rate, op: ">=", value: 1.0}
  community:
    - {indicator: participation_rate, op: ">=", value: 1.0}
    - {indicator: success_rate, op: ">=", value: 50}
coverage: {street: 100, community: 50}
"""

STREET = {
    "unit_code": "320115001000",
    "unit_name": "东山街道",
    "level": "街道",
    "year": 2016,
    # participation = 420 / 52000 * 100 = 0.8077 % -> "0.8%", below 1.0: fail
    "labour_force": 52000,
    "new_entrepreneurs": 420,
    # jobs per entity = 1300 / 200 = 6.5 -> "1:6.5"
    "startup_jobs": 1300,
    "startup_entities": 200,
}
PASSING_COMMUNITY = {
    "unit_code": "320115001001",
    "unit_name": "竹山社区",
    "level": "社区",
    "parent_code": "320115001000",
    "year": 2016,
    # participation = 30 / 2000 * 100 = 1.5 % ; success = 12 / 20 * 100 = 60 %: pass
    "labour_force": 2000,
    "new_entrepreneurs": 30,
    "trainees_certified": 20,
    "trainees_started": 12,
}
INCOMPLETE_COMMUNITY = {
    "unit_code": "320115001002",
    "unit_name": "上坊社区",
    "level": "社区",
    "parent_code": "320115001000",
    "year": 2016,
    # participation = 25 / 1000 * 100 = 2.5 %: pass; success has no counts: incomplete
    "labour_force": 1000,
    "new_entrepreneurs": 25,
}


# -- reading a page ------------------------------------------------------------------------------------------


class _Tables(HTMLParser):
    """Every table of a page as (header cells, body rows of cell texts); and every href, src and script."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tables: list[tuple[list[str], list[list[str]]]] = []
        self.references: list[str] = []
        self.scripts = 0
        self.cell: list[str] | None = None
        self.row: list[str] | None = None
        self.in_head = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.references += [value or "" for name, value in attrs if name in ("href", "src", "xlink:href")]
        if tag == "script":
            self.scripts += 1
        elif tag == "table":
            self.tables.append(([], []))
        elif tag == "thead":
            self.in_head = True
        elif tag == "tbody":
            self.in_head = False
        elif tag == "tr":
            self.row = []
        elif tag in ("td", "th"):
            self.cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self.cell is not None and self.row is not None:
            self.row.append(" ".join("".join(self.cell).split()))
            self.cell = None
        elif tag == "tr" and self.row is not None:
            header, body = self.tables[-1]
            if self.in_head:
                header.extend(self.row)
            else:
                body.append(self.row)
            self.row = None

    def handle_data(self, data: str) -> None:
        if self.cell is not None:
            self.cell.append(data)


def parse(page: str) -> _Tables:
    parser = _Tables()
    parser.feed(page)
    parser.close()
    return parser


def unit_rows(page: str, language: str = "zh") -> dict[str, tuple[list[str], list[str]]]:
    """Unit code -> (its table's header, its row), from the tables of units (those with a code column)."""
    rows: dict[str, tuple[list[str], list[str]]] = {}
    code = "单位代码" if language == "zh" else "Code"
    for header, body in parse(page).tables:
        if header[:1] == [code]:
            for row in body:
                rows[row[0]] = (header, row)
    return rows


def status_of(header: list[str], row: list[str], language: str = "zh") -> str:
    """The word in the unit's status column, without the symbol before it."""
    if STATUS_HEADER[language] not in header:
        return ""
    cell = row[header.index(STATUS_HEADER[language])]
    return cell.split(" ", 1)[-1]


def run_cli(cli: Any, *args: str | Path, code: int = 0) -> str:
    result = cli(*args)
    assert result.exit_code == code, result.stderr
    text: str = result.stdout
    return text


# -- in a real browser ---------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def chromium() -> str:
    binary = shutil.which("chromium") or shutil.which("chromium-browser")
    if binary is None:
        pytest.skip("no chromium binary on PATH: the browser rendering of the HTML report is not checked")
    return binary


def browse(chromium: str, page: Path, profile: Path, *options: str) -> subprocess.CompletedProcess[str]:
    command = [
        chromium,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={profile}",
        *options,
        page.resolve().as_uri(),
    ]
    done = subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    return done


@pytest.mark.parametrize("standard", ["jiangsu-2016", "jiaxing-2013"])
def test_every_unit_and_its_status_in_the_browser(cli: Any, chromium: str, tmp_path: Path, standard: str) -> None:
    page = tmp_path / "report.html"
    run_cli(cli, "check", SAMPLE, "--standard", standard, "--format", "html", "--output", page, "--fail-on", "never")
    document = json.loads(
        run_cli(cli, "check", SAMPLE, "--standard", standard, "--format", "json", "--fail-on", "never")
    )
    dom = browse(chromium, page, tmp_path / "profile", "--dump-dom").stdout
    assert "</html>" in dom
    rows = unit_rows(dom)
    judged = 0
    for unit in document["units"]:
        header, row = rows[unit["unit_code"]]
        if unit["unit_name"] is not None:
            assert unit["unit_name"] in row
        if unit["assessment"] is not None:
            judged += 1
            assert status_of(header, row) == STATUS_WORDS["zh"][unit["assessment"]["status"]], row
    assert judged >= 2
    assert len(rows) == len(document["units"]) == 10


def test_incomplete_units_in_the_browser(
    cli: Any, chromium: str, make_return: Callable[..., Path], tmp_path: Path
) -> None:
    standard = tmp_path / "standard.yaml"
    standard.write_text(OFFICIAL_STANDARD, encoding="utf-8")
    path = make_return([STREET, PASSING_COMMUNITY, INCOMPLETE_COMMUNITY])
    page = tmp_path / "report.html"
    run_cli(cli, "check", path, "--standard", standard, "--format", "html", "-o", page, "--lang", "en", code=3)
    rows = unit_rows(browse(chromium, page, tmp_path / "profile", "--dump-dom").stdout, "en")
    assert {code: status_of(*rows[code], "en") for code in rows} == {
        "320115000000": "",  # the county, derived from the street's code; the standard does not judge it
        "320115001000": "fail",
        "320115001001": "pass",
        "320115001002": "incomplete",
    }


def test_phone_screenshot(cli: Any, chromium: str, tmp_path: Path) -> None:
    page = tmp_path / "report.html"
    run_cli(cli, "check", SAMPLE, "--standard", "jiangsu-2016", "--format", "html", "-o", page, "--fail-on", "never")
    picture = tmp_path / "phone.png"
    browse(chromium, page, tmp_path / "profile", f"--screenshot={picture}", "--window-size=390,2000")
    assert picture.stat().st_size > 1000
    assert picture.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


# -- the page itself -----------------------------------------------------------------------------------------


def sample_check_page(catalog: Catalog, standard: str = "jiangsu-2016", language: Any = "zh") -> str:
    loaded = load_standard(standard, catalog)
    result = check_result(SAMPLE, catalog, loaded)
    assert result is not None
    return html_report(result, catalog, standard=loaded, language=language)


def test_the_page_is_self_contained(catalog: Catalog) -> None:
    result = compute_result(SAMPLE, catalog)
    assert result is not None
    for page in (sample_check_page(catalog), html_report(result, catalog)):
        assert page.startswith("<!DOCTYPE html>")
        assert '<meta charset="utf-8">' in page
        assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in page
        assert '<html lang="zh-CN">' in page
        found = parse(page)
        assert found.scripts == 0
        assert found.references and all(reference.startswith("#") for reference in found.references)
        lowered = page.lower()
        for outside in ("http://", "https://", "url(", "@import", "<link", "<img", "<iframe", "<object"):
            assert outside not in lowered, outside
        # every in-page link leads to an element of the page
        for reference in found.references:
            assert f'id="{reference[1:]}"' in page
        assert page.count("<svg") >= 2 and page.count("<figure") == page.count("<figcaption")


def test_provisional_standard_is_flagged(catalog: Catalog, tmp_path: Path) -> None:
    assert re.search(r'<p class="warning"[^>]*>[^<]*jiangsu-2016[^<]*暂定', sample_check_page(catalog))
    standard = tmp_path / "standard.yaml"
    standard.write_text(OFFICIAL_STANDARD, encoding="utf-8")
    loaded = load_standard(standard, catalog)
    result = check_result(SAMPLE, catalog, loaded)
    assert result is not None
    assert 'class="warning"' not in html_report(result, catalog, standard=loaded)


def test_user_text_is_escaped(cli: Any, make_return: Callable[..., Path], tmp_path: Path) -> None:
    name = "<script>alert(1)</script> & \"A\" 'B'"
    path = make_return([{**STREET, "unit_name": name}])
    standard = tmp_path / "standard.yaml"
    standard.write_text(OFFICIAL_STANDARD, encoding="utf-8")
    for page in (
        run_cli(cli, "compute", path, "--format", "html"),
        run_cli(cli, "check", path, "--standard", standard, "--format", "html", code=3),
    ):
        assert "<script>" not in page and "</script>" not in page
        assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;A&quot; &#x27;B&#x27;" in page
        found = parse(page)
        assert found.scripts == 0
        header, row = unit_rows(page)["320115001000"]
        assert row[header.index("单位名称")] == name


def test_english_labels(cli: Any, tmp_path: Path) -> None:
    page = run_cli(cli, "check", SAMPLE, "--standard", "jiangsu-2016", "--format", "html", "--lang", "en", code=3)
    assert '<html lang="en">' in page
    assert ">Contents</h2>" in page
    header, row = unit_rows(page, "en")["320115001000"]
    assert header[:2] == ["Code", "Name"]
    assert status_of(header, row, "en") == "fail"
    chinese = run_cli(cli, "check", SAMPLE, "--standard", "jiangsu-2016", "--format", "html", code=3)
    assert ">目录</h2>" in chinese
    assert status_of(*unit_rows(chinese)["320115001000"]) == "未达标"


def test_numbers_of_a_return_are_formatted(cli: Any, make_return: Callable[..., Path]) -> None:
    page = run_cli(cli, "compute", make_return([STREET]), "--format", "html")
    header, row = unit_rows(page)["320115001000"]
    cells = dict(zip(header, row, strict=True))
    assert cells["创业参与率"] == "0.8%"  # 420 / 52000 * 100 = 0.8077
    assert cells["创业实体带动就业比例"] == "1:6.5"  # 1300 / 200
    assert cells["劳动年龄人口数"] == "52,000"
    assert cells["创业带动就业人数"] == "1,300"
    assert cells["创业成功率（培训后）"] == "—"  # no trainees: no value
    assert cells["参加创业培训人数"] == ""  # a blank count stays blank


def test_cells_of_each_kind(catalog: Catalog) -> None:
    columns = [
        Column("unit_code", "代码", "text"),
        Column("unit_name", "名称", "text"),
        Column("status", "结果", "status"),
        Column("labour_force", "人数", "count"),
        Column("participation_rate", "比率", "percent"),
        Column("jobs_per_entity", "比例", "ratio"),
        Column("display:jobs_per_entity", "比例（1:N）", "text"),
        Column("mean_entity_age", "年限", "years"),
        Column("rule:participation_rate", "规则", "status"),
    ]
    rows: list[list[Any]] = [
        ["A1", "甲", "pass", 1234567, 30.64, 6.24, "1:6.2", 5.26, "pass"],
        ["A2", "乙", "fail", 12.0, 0.049, 10.0, "1:10.0", 0.0, "fail"],
        ["A3", None, "incomplete", None, None, None, None, None, "missing"],
    ]
    page = render_html(content([LevelTable("street", "街道", columns, rows)]))
    (header, body), *_ = parse(page).tables
    assert header == ["代码", "名称", "结果", "人数", "比率", "比例", "年限", "规则"]  # the 1:N text twin is left out
    assert body == [
        ["A1", "甲", "✓ 达标", "1,234,567", "30.6%", "1:6.2", "5.3 年", "✓ 达标"],
        ["A2", "乙", "✗ 未达标", "12", "0.0%", "1:10.0", "0.0 年", "✗ 未达标"],
        ["A3", "", "? 数据不全", "", "—", "—", "—", "? 缺数"],
    ]
    # status is never colour alone: the cell carries its word and a class
    assert '<td class="st st-fail"><span aria-hidden="true">✗ </span>未达标</td>' in page


def content(levels: list[LevelTable], **changes: Any) -> ReportContent:
    fields: dict[str, Any] = {
        "language": "zh",
        "title": "报告",
        "facts": [("文件", "a.xlsx")],
        "summary": [],
        "levels": levels,
        "charts": [],
        "formulas": TextTable(title="指标公式", header=["指标"], rows=[["创业参与率"]]),
        "rules": None,
        "shortlist": None,
        "years": None,
        "labels": {"pass": "达标", "fail": "未达标", "incomplete": "数据不全", "missing": "缺数"},
    }
    fields.update(changes)
    return ReportContent(**fields)


def test_chart_bars_threshold_and_missing_values() -> None:
    series = ChartSeries(
        level="community",
        level_label="社区/村",
        indicator="participation_rate",
        indicator_label="创业参与率",
        unit="percent",
        labels=["甲社区", "乙社区", "丙社区", "丁社区"],
        values=[0.8, 1.5, None, 1.0],
        threshold=1.0,
        op=">=",
        total_units=75,
    )
    page = render_html(content([], charts=[series]))
    svg = page[page.index("<svg") : page.index("</svg>")]
    # 0.8 < 1.0 fails; 1.5 and 1.0 (>= is inclusive) pass; the missing value has no bar
    assert svg.count("<rect") == 3
    assert svg.count('fill="#cf222e"') == 1 and svg.count('fill="#1a7f37"') == 2
    assert "<title>甲社区: 0.8% ✗</title>" in svg and "<title>丁社区: 1.0% ✓</title>" in svg
    assert "<title>丙社区: —</title>" in svg
    assert ">≥ 1.0%</text>" in svg and 'stroke-dasharray="4 3"' in svg
    assert 'role="img"' in svg and "<title id=" in svg
    caption = page[page.index("<figcaption>") : page.index("</figcaption>")]
    assert "社区/村 · 创业参与率" in caption
    assert "1 个单位" in caption  # one unit without a value
    assert "共 75 个" in caption  # 4 of 75 units shown


def test_summary_share_chart() -> None:
    from chuangye_metrics.outputs.report_content import LevelSummary

    summary = [
        LevelSummary("street", "街道/乡镇", 4, 3, 1, 0, 75.0, 80.0, False),
        LevelSummary("community", "社区/村", 10, 8, 1, 1, 80.0, 70.0, True),
        LevelSummary("county", "县(市、区)", 1, None, None, None, None, None, None),
    ]
    page = render_html(content([], summary=summary))
    (header, body), *_ = parse(page).tables
    assert header == ["层级", "单位数", "达标", "未达标", "数据不全", "达标比例", "覆盖目标", "结论"]
    assert body[0] == ["街道/乡镇", "4", "3", "1", "0", "75.0%", "80.0%", "✗ 未达到"]
    assert body[1] == ["社区/村", "10", "8", "1", "1", "80.0%", "70.0%", "✓ 达到"]
    svg = page[page.index("<svg") : page.index("</svg>")]
    # the county has neither share nor target: no row in the chart
    assert svg.count("<rect") == 2 and "县" not in svg
    assert "<title>街道/乡镇: 75.0% / 80.0%</title>" in svg


def test_shortlist_and_years_sections(catalog: Catalog) -> None:
    loaded = load_standard("jiangsu-2016", catalog)
    result = check_result(SAMPLE, catalog, loaded)
    assert result is not None
    shortlist = hand_shortlist(near_limit=30, shortfall=22)
    result = result.model_copy(update={"shortlist": shortlist})
    source = Source(file="jiangning_2015.xlsx", sheet="数据", sha256="0" * 64)
    years = YearsResult(
        sources=[source, *result.sources],
        years=[2015, 2016],
        units=[
            UnitYears(
                unit_code="320115001000",
                unit_name="东山街道",
                level="street",
                parent_code="320115000000",
                years=[2015, 2016],
                missing_years=[],
                fields={
                    "labour_force": Series(
                        kind="field",
                        unit="person",
                        # 52000 - 50000 = +2,000; growth 52000 / 50000 - 1 = 4 %
                        points=[
                            YearPoint(year=2015, value=50000, change=None),
                            YearPoint(year=2016, value=52000, change=2000),
                        ],
                        growth=4.0,
                        growth_from=2015,
                        growth_to=2016,
                    )
                },
                indicators={
                    "participation_rate": Series(
                        kind="indicator",
                        unit="percent",
                        # 0.8077 - 0.7 = +0.1077 points
                        points=[
                            YearPoint(year=2015, value=0.7, change=None),
                            YearPoint(year=2016, value=0.8077, change=0.1077),
                        ],
                        growth=None,
                        growth_from=None,
                        growth_to=None,
                    )
                },
            )
        ],
    )
    page = html_report(result, catalog, standard=loaded, years=years)
    for section in ("shortlist", "quotas", "years"):
        assert f'<section id="{section}">' in page
        assert f'href="#{section}"' in page
    shortlist_part = page[page.index('<section id="shortlist">') : page.index('<section id="quotas">')]
    assert "江宁开发区创业园" in shortlist_part and "竹山社区" in shortlist_part
    years_part = page[page.index('<section id="years">') :]
    years_part = years_part[: years_part.index("</section>")]
    (header, body), *_ = parse(years_part).tables
    labour, participation = body
    assert labour[header.index("2015 年")] == "50,000" and labour[header.index("2016 年")] == "52,000"
    assert labour[header.index("2016 同比")] == "+2,000"
    assert labour[header.index("年均增长率")] == "4.0%"
    assert participation[header.index("2016 年")] == "0.8%"
    assert participation[header.index("2016 同比")] == "+0.1个百分点"


def test_without_shortlist_or_years_there_are_no_such_sections(catalog: Catalog) -> None:
    page = sample_check_page(catalog)
    for section in ("shortlist", "quotas", "years"):
        assert f'id="{section}"' not in page


def test_cli_writes_to_output_and_to_stdout(cli: Any, tmp_path: Path) -> None:
    out = tmp_path / "r.html"
    assert run_cli(cli, "compute", SAMPLE, "--format", "html", "--output", out) == ""
    written = out.read_text(encoding="utf-8")
    assert written.startswith("<!DOCTYPE html>") and written.endswith("</html>\n")
    printed = run_cli(cli, "compute", SAMPLE, "--format", "html")
    assert printed == written
    check_out = tmp_path / "check.html"
    run_cli(
        cli, "check", SAMPLE, "--standard", "jiangsu-2017", "--format", "html", "-o", check_out, "--fail-on", "never"
    )
    assert "<svg" in check_out.read_text(encoding="utf-8")


def test_years_compared_from_the_command_line(cli: Any, tmp_path: Path) -> None:
    later = SAMPLE.with_name("jiangning_2017.xlsx")
    if not later.exists():
        pytest.skip("no second sample year to compare")
    page = run_cli(cli, "compute", SAMPLE, later, "--format", "html")
    assert '<section id="years">' in page and 'href="#years"' in page
    years_part = page[page.index('<section id="years">') :]
    (header, body), *_ = parse(years_part[: years_part.index("</section>")]).tables
    assert "2016 年" in header and "2017 年" in header and body


def test_a_large_level_is_written(catalog: Catalog) -> None:
    columns = [Column("unit_code", "代码", "text"), Column("status", "结果", "status")]
    columns += [Column(f"i{k}", f"指标{k}", "percent") for k in range(5)]
    rows: list[list[Any]] = [[f"U{n}", "pass" if n % 2 else "fail", *[n / 7] * 5] for n in range(20_000)]
    page = render_html(content([LevelTable("street", "街道", columns, rows)]))
    assert page.count("<tr>") == 20_000 + 1 + 2  # the units and their header; the formulas' header and row
    assert "<td>U19999</td>" in page and '<td class="num">2857.0%</td>' in page  # 19999 / 7 = 2857.0


@pytest.mark.parametrize("command", ["check", "compute"])
def test_the_page_prints_whole(cli: Any, chromium: str, tmp_path: Path, command: str) -> None:
    """Printed by Chromium with the page's print styles: A4 landscape, and no table cut off at the page's edge
    (the text past an edge is not in the PDF): every unit's name, its verdict and what it lacks, the heading of
    every printed column and every indicator's value are there."""
    needs("pdftotext", "pdfinfo")
    judged = ("--standard", "jiangsu-2016", "--fail-on", "never") if command == "check" else ()
    page = tmp_path / "report.html"
    run_cli(cli, command, SAMPLE, *judged, "--format", "html", "--output", page)
    document = json.loads(run_cli(cli, command, SAMPLE, *judged, "--format", "json"))
    pdf = chromium_pdf(chromium, page, tmp_path)
    width, height = page_size(pdf)
    assert width > height and round(width) == 842  # A4, landscape
    text = "".join(pages_of(pdf))
    for unit in document["units"]:
        assert unit["unit_name"] is None or "".join(unit["unit_name"].split()) in text, unit["unit_name"]
        for indicator in unit["indicators"].values():
            if indicator["value"] is not None:
                assert format_measure(indicator["value"], indicator["unit"]) in text
        if unit.get("assessment"):
            assert STATUS_WORDS["zh"][unit["assessment"]["status"]] in text
            for check in unit["assessment"]["checks"]:
                if check["status"] == "fail" and check["shortfall"] is not None:
                    assert f"差{check['shortfall']}" in text, check
    assert "打印版只列出单位" in text  # the counts left off the page are said to be left off
