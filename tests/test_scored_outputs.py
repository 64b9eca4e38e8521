"""Rules over several years and scored evaluations as people read them: check's table (zh and en, plain and at a
terminal's width), explain, the GitHub annotations, and the Excel and HTML reports, on a three-year base return."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook, load_workbook
from rich.cells import cell_len

HEADERS = [
    "单位代码",
    "单位名称",
    "单位层级",
    "上级单位代码",
    "统计年度",
    "孵化场地面积",
    "已使用面积",
    "在孵创业实体数",
    "吸纳就业人数",
    "出孵实体数",
    "孵化成功数",
    "到期应出园数",
    "按期出园数",
    "运营年限",
    "制度建设得分",
]
# code, name, year, site area, used, entities, jobs, graduated, successes, due to exit, exited on time, years, rules
ROWS = [
    # B001 passes: utilisation 95, 92, 91 %; success (7 + 8 + 5) ÷ (10 + 12 + 8) = 66.7 %
    ("B001", "甲基地", 2021, 10000, 9500, 35, 320, 10, 7, 10, 10, 3, 15),
    ("B001", "甲基地", 2022, 10000, 9200, 32, 310, 12, 8, 12, 12, 4, 18),
    ("B001", "甲基地", 2023, 10000, 9100, 31, 305, 8, 5, 8, 8, 5, 20),
    # B002: utilisation 95, 85, 92.5 % (2022 fails); success (6 + 5 + 6) ÷ 30 = 56.7 % fails
    ("B002", "乙基地", 2021, 8000, 7600, 40, 400, 10, 6, 10, 10, 6, 12),
    ("B002", "乙基地", 2022, 8000, 6800, 40, 400, 10, 5, 10, 9, 7, 12),
    ("B002", "乙基地", 2023, 8000, 7400, 40, 400, 10, 6, 10, 10, 8, 12),
    # B003 has no 2022 row
    ("B003", "丙基地", 2021, 5000, 4800, 30, 300, 5, 4, 5, 5, 2, 10),
    ("B003", "丙基地", 2023, 5000, 4800, 30, 300, 5, 4, 5, 5, 4, 18),
    # B004 scores full marks but its 2023 success rate, 1 ÷ 10 = 10 %, fails the veto
    ("B004", "丁基地", 2021, 6000, 5700, 40, 400, 10, 8, 10, 10, 5, 20),
    ("B004", "丁基地", 2022, 6000, 5700, 40, 400, 10, 9, 10, 10, 6, 20),
    ("B004", "丁基地", 2023, 6000, 5700, 40, 400, 10, 1, 10, 10, 7, 20),
    # B005 passes every rule and scores too little
    ("B005", "戊基地", 2021, 4000, 3800, 22, 150, 10, 7, 10, 10, 3, 5),
    ("B005", "戊基地", 2022, 4000, 3800, 22, 150, 10, 7, 10, 10, 4, 5),
    ("B005", "戊基地", 2023, 4000, 3800, 22, 150, 10, 7, 10, 10, 5, 5),
]
STANDARD = """\
id: test-scored
name: 测试评分标准
name_en: Test scored standard
source: 测试文件
status: official
levels:
  park:
    - {indicator: site_utilisation, op: ">=", value: 90, window: {years: 3, each: true}}
    - {indicator: incubation_success_rate, op: ">=", value: 60, window: {years: 3, pooled: true}}
scoring:
  park:
    items:
      - {id: entities, field: incubated_entities, points: 30, full: 40, floor: 20}
      - id: jobs
        field: base_jobs
        points: 30
        steps: [{at: 100, points: 10}, {at: 200, points: 20}, {at: 300, points: 30}]
      - {id: success, indicator: incubation_success_rate, window: {years: 3, pooled: true}, points: 20, full: 60}
      - {id: rules, score_field: score_rules, points: 20}
    grades:
      - {grade: 优秀, grade_en: excellent, min: 90, subsidy: 30}
      - {grade: 良好, grade_en: good, min: 80, subsidy: 20}
      - {grade: 合格, grade_en: pass, min: 60, subsidy: 10}
      - {grade: 不合格, grade_en: fail, min: 0, passes: false, exit: true}
    veto:
      - {indicator: incubation_success_rate, op: ">=", value: 20}
"""
# Each base is judged once, at 2023, its earlier rows its window. Points (2023, success pooled over 2021–2023):
#   B001: entities 31 → (31 − 20) ÷ (40 − 20) × 30 = 16.5; jobs 305 → 30; success 66.7 % → 20; rules 20
#         = 86.5: 良好 (≥ 80), 20 万元. 优秀 needs 3.5 more, only entities has room: 20 points need
#         (x − 20) ÷ 20 × 30 ≥ 20, x ≥ 33.3, so 34 entities: +3.
#   B002: 30 + 30 + 0 (56.7 % < 60) + 12 = 72: 合格, 10 万元. 良好 needs 8: success 17 → 18 successes of 30
#         (60 %, +1 of 17) costs less than 8 evaluator points on 12. Utilisation 2022: 6800 of 8000 = 85 %, 90 %
#         needs 7200 m², 400 more; pooled success needs 18 of 30, 1 more.
#   B003: no 2022 row: the pooled item has no value, so no total (15 + 30 + 18 = 63 counted); both window rules
#         missing 2022.
#   B004: 30 + 30 + 20 ((8 + 9 + 1) ÷ 30 = 60 %) + 20 = 100, but the veto (1 ÷ 10 = 10 % < 20 %) gives the lowest
#         grade, 不合格, which exits; 2 ÷ 10 = 20 % passes, 1 more.
#   B005: entities 22 → 2 ÷ 20 × 30 = 3; jobs 150 → 10; success 21 ÷ 30 = 70 % → 20; rules 5 = 38: 不合格, exits.
#         合格 needs 22: only entities has room (3 + 22 = 25 of 30): (x − 20) ÷ 20 × 30 ≥ 25, x ≥ 36.7: 37, +15.


@pytest.fixture
def bases(tmp_path: Path) -> tuple[Path, Path]:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(HEADERS)
    for code, name, year, *counts in ROWS:
        sheet.append([code, name, "园区", "320115000000", year, *counts])
    data = tmp_path / "bases.xlsx"
    workbook.save(data)
    standard = tmp_path / "scored.yaml"
    standard.write_text(STANDARD, encoding="utf-8")
    return data, standard


def unit_line(text: str, code: str) -> str:
    lines = [line for line in text.splitlines() if line.startswith(code + " ")]
    assert len(lines) == 1, (code, text)
    return lines[0]


def test_the_table_names_each_rules_window_the_failing_year_and_the_score(cli: Any, bases: tuple[Path, Path]) -> None:
    data, standard = bases
    result = cli("check", data, "--standard", standard)
    assert result.exit_code == 3, result.stderr  # units fail
    text = result.stdout
    for heading in (
        "孵化场地利用率 近3年均 ≥ 90.0%",
        "孵化成功率 3年合计 ≥ 60.0%",
        "孵化成功率 ≥ 20.0%（否决）",
        "总分",
        "等次",
        "补助",
        "退出",
        "下一等次",
    ):
        assert heading in text
    expected = {
        "B001": ["达标", "86.5/100", "良好", "20 万元", "距优秀 3.5 分：在孵创业实体数 +3", "91.0% ✓", "66.7% ✓"],
        "B002": ["未达标", "72/100", "合格", "10 万元", "距良好 8 分：孵化成功率 +1", "85.0% ✗ 2022年 差 400 平方米"],
        "B003": ["数据不全", "—/100", "96.0% ? 缺2022年", "— ? 缺2022年", "80.0% ✓"],
        "B004": ["未达标", "100/100", "不合格（否决）", "10.0% ✗ 差 1 个"],
        "B005": ["未达标", "38/100", "不合格", "距合格 22 分：在孵创业实体数 +15"],
    }
    for code, cells in expected.items():
        line = unit_line(text, code)
        assert all(cell in line for cell in cells), (cells, line)
    assert "56.7% ✗ 差 1 个" in unit_line(text, "B002")
    assert "62.5% ✓" in unit_line(text, "B001")  # the veto: 5 ÷ 8 in 2023
    assert "是" in unit_line(text, "B004").split() and "是" in unit_line(text, "B005").split()  # 不合格 exits
    assert "否" in unit_line(text, "B001").split()  # 良好 does not
    assert "2021" not in unit_line(text, "B001")  # judged at 2023 only: no year column, no earlier row


def test_the_table_in_english(cli: Any, bases: tuple[Path, Path]) -> None:
    data, standard = bases
    text = cli("check", data, "--standard", standard, "--lang", "en").stdout
    for heading in (
        "Incubation space in use each of 3 yrs ≥ 90.0%",
        "Incubation success rate 3 yrs pooled ≥ 60.0%",
        "Incubation success rate ≥ 20.0% (veto)",
        "Score",
        "Grade",
        "Next grade",
    ):
        assert heading in text
    assert "85.0% ✗ in 2022 short by 400 m²" in unit_line(text, "B002")
    assert "8 pts to good: Incubation success rate +1" in unit_line(text, "B002")
    assert "3.5 pts to excellent: incubated_entities +3" in unit_line(text, "B001")
    assert "96.0% ? 2022 missing" in unit_line(text, "B003")
    assert "fail (veto)" in unit_line(text, "B004")


@pytest.mark.parametrize("width", [80, 120, 240])
def test_at_a_terminal_width_no_code_number_or_status_is_cut(
    width: int, cli: Any, bases: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    data, standard = bases
    monkeypatch.setenv("COLUMNS", str(width))
    text = cli("check", data, "--standard", standard).stdout
    assert "…" not in text
    assert max(cell_len(line) for line in text.splitlines()) <= width
    for code in ("B001", "B002", "B003", "B004", "B005"):
        assert code in text
    for whole in ("86.5/100", "72/100", "100/100", "38/100", "不合格（否决）", "数据不全", "差 400 平方米"):
        assert whole in text, whole


def test_explain_gives_each_year_the_pooled_arithmetic_and_every_item(cli: Any, bases: tuple[Path, Path]) -> None:
    data, standard = bases
    # no --year: of B001's three rows, the one the standard judged (2023)
    text = cli("explain", data, "--unit", "B001", "--standard", standard).stdout
    for line in (
        "✓ 孵化场地利用率 近3年均 ≥ 90.0%: 91.0%",
        "2021 年：95.0% ✓",
        "2022 年：92.0% ✓",
        "2023 年：91.0% ✓",
        "2021–2023 年合计：(7 + 8 + 5) ÷ (10 + 12 + 8) × 100 = 66.7%",
        "✓ 孵化成功率 ≥ 20.0%（否决）: 62.5%",
        "评分（满分 100 分）：",
        "在孵创业实体数：31 → 16.5 / 30 分（40 及以上得满分，20 以下不得分，其间按比例）",
        "吸纳就业人数：305 → 30 / 30 分（分档：≥ 100 得 10 分、≥ 200 得 20 分、≥ 300 得 30 分）",
        "孵化成功率 3年合计：(7 + 8 + 5) ÷ (10 + 12 + 8) × 100 = 66.7% → 20 / 20 分（60.0% 及以上得满分，否则不得分）",
        "制度建设得分：20 → 20 / 20 分（评审打分，最多 20 分）",
        "总分：16.5 + 30 + 20 + 20 = 86.5 / 100 分",
        "等次：良好（80 分及以上），补助 20 万元",
        "距优秀还差 3.5 分：在孵创业实体数再增加 3 个（31 → 34）即可达到",
    ):
        assert line in text, line
    failing = cli("explain", data, "--unit", "B002", "--standard", standard).stdout
    assert "2022 年：85.0% ✗ 差 400 平方米" in failing
    assert "2021–2023 年合计：(6 + 5 + 6) ÷ (10 + 10 + 10) × 100 = 56.7%" in failing
    # 17 → 18 successes of 30: 56.7 % → 60 %
    assert "距良好还差 8 分：孵化成功数再增加 1 个（56.7% → 60.0%）即可达到" in failing
    missing = cli("explain", data, "--unit", "B003", "--standard", standard).stdout
    assert "2022 年：报表中没有这一年的行" in missing
    assert "总分：已计 63 / 100 分" in missing


def test_explain_of_a_vetoed_unit_and_in_english(cli: Any, bases: tuple[Path, Path]) -> None:
    data, standard = bases
    vetoed = cli("explain", data, "--unit", "B004", "--standard", standard).stdout
    assert "总分：30 + 30 + 20 + 20 = 100 / 100 分" in vetoed
    assert "否决项未达到（孵化成功率）：等次定为最低一档" in vetoed
    assert "等次：不合格，不通过，退出" in vetoed
    assert "距" not in vetoed.split("评分")[1]  # no next grade under a veto
    english = cli("explain", data, "--unit", "B001", "--standard", standard, "--lang", "en").stdout
    assert "2021–2023 pooled: (7 + 8 + 5) ÷ (10 + 12 + 8) × 100 = 66.7%" in english
    assert "Total: 16.5 + 30 + 20 + 20 = 86.5 / 100" in english
    assert "Grade: good (from 80 points), subsidy 20 10k yuan" in english
    assert "3.5 points short of excellent: 3 more entities in incubated_entities (31 → 34) would reach it" in english


def test_annotations_give_the_grade_the_failing_year_and_the_missing_year(cli: Any, bases: tuple[Path, Path]) -> None:
    data, standard = bases
    result = cli("check", data, "--standard", standard, "--format", "github")
    assert result.exit_code == 3
    lines = {line.split("title=test-scored ")[1][:4]: line for line in result.stdout.splitlines()}
    assert sorted(lines) == ["B002", "B003", "B004", "B005"]  # B001 passes: no annotation
    # the runner's escapes: % is %25
    assert lines["B002"].startswith("::error ")
    assert "总分 72/100，等次 合格；孵化场地利用率 近3年均 ≥ 90.0%25：85.0%25 ✗ 2022年 差 400 平方米" in lines["B002"]
    assert "孵化成功率 3年合计 ≥ 60.0%25：56.7%25 ✗ 差 1 个" in lines["B002"]
    assert lines["B003"].startswith("::warning ")
    assert "孵化成功率：窗口内缺少 2022 年度的数据" in lines["B003"]
    assert "96.0%25 ? 缺2022年" in lines["B003"]
    assert "总分 100/100，等次 不合格（否决）；孵化成功率 ≥ 20.0%25（否决）：10.0%25 ✗ 差 1 个" in lines["B004"]
    assert lines["B005"].endswith("总分 38/100，等次 不合格")


def _rows(sheet: Any) -> tuple[list[str], dict[str, dict[str, Any]]]:
    header = [cell.value for cell in next(sheet.iter_rows(max_row=1))]
    rows = {}
    for values in sheet.iter_rows(min_row=2, values_only=True):
        if values[0]:
            rows[values[0]] = dict(zip(header, values, strict=True))
    return header, rows


def test_the_workbook_has_a_grade_column_and_a_chart_of_the_scores(
    cli: Any, bases: tuple[Path, Path], tmp_path: Path
) -> None:
    data, standard = bases
    out = tmp_path / "r.xlsx"
    result = cli("check", data, "--standard", standard, "--format", "xlsx", "--output", out, "--quiet")
    assert result.exit_code == 3, result.stderr
    workbook = load_workbook(out)
    header, rows = _rows(workbook["园区"])
    assert header.index("总分（满分 100）") < header.index("等次") < header.index("孵化场地利用率 近3年均 ≥ 90.0%")
    assert {code: row["等次"] for code, row in rows.items()} == {
        "B001": "良好",
        "B002": "合格",
        "B003": None,
        "B004": "不合格（否决）",
        "B005": "不合格",
    }
    assert [rows[code]["总分（满分 100）"] for code in sorted(rows)] == [86.5, 72, None, 100, 38]
    assert [rows[code]["补助"] for code in sorted(rows)] == [20, 10, None, None, None]
    assert rows["B002"]["孵化成功率 ≥ 20.0%（否决）"] == "达标"
    assert rows["B004"]["孵化成功率 ≥ 20.0%（否决）"] == "未达标"
    assert rows["B002"]["孵化成功率 3年合计 ≥ 60.0%"] == "未达标"
    assert rows["B002"]["尚缺（分母不变）"] == "孵化场地利用率 2022年 差 400 平方米；孵化成功率 差 1 个"
    charts = workbook["图表"]
    block = [list(values) for values in charts.iter_rows(max_row=7, max_col=6, values_only=True)]
    assert block[0][0] == "园区 · 总分与等次分数线"
    assert block[1] == ["园区", "总分", "等次", "优秀 ≥ 90", "良好 ≥ 80", "合格 ≥ 60"]
    assert block[2] == ["甲基地", 86.5, "良好", 90, 80, 60]
    assert block[4] == ["丙基地", None, None, 90, 80, 60]
    with zipfile.ZipFile(out) as archive:
        drawn = [archive.read(name).decode() for name in archive.namelist() if name.startswith("xl/charts/chart")]
    scores = [chart for chart in drawn if "总分与等次分数线" in chart]
    assert len(scores) == 1
    chart = scores[0]
    # the totals as columns, each cut-off a line of its own
    assert chart.count("<c:barChart>") == 1 and chart.count("<c:ser>") == 4
    assert all(f"<c:v>{name}</c:v>" in chart for name in ("优秀 ≥ 90", "良好 ≥ 80", "合格 ≥ 60"))
    assert "$B$3:$B$7" in chart  # the five totals
    documented = [list(values) for values in workbook["公式与标准"].iter_rows(values_only=True)]
    assert ["园区", "全部单位", "孵化场地利用率 近3年均", "≥", "90.0%", "否", "", "测试文件"] in documented
    assert ["园区", "否决项（不达到即定为最低等次）", "孵化成功率", "≥", "20.0%", "否", "", "测试文件"] in documented
    scoring = [values[:7] for values in documented]
    assert ["园区", "评分项", "在孵创业实体数", "≥ 40 得满分，< 20 不得分，其间按比例", 30, "否", None] in scoring
    assert ["园区", "评分项", "孵化成功率 3年合计", "≥ 60.0% 得满分，否则不得分", 20, "否", None] in scoring
    assert ["园区", "等次", "良好", "总分 ≥ 80、补助 20 万元", None, None, None] in scoring
    assert ["园区", "等次", "不合格", "总分 ≥ 0、不通过、退出", None, None, None] in scoring


def test_the_page_has_a_grade_column_and_a_chart_of_the_scores(
    cli: Any, bases: tuple[Path, Path], tmp_path: Path
) -> None:
    data, standard = bases
    out = tmp_path / "r.html"
    result = cli("check", data, "--standard", standard, "--format", "html", "--output", out, "--quiet")
    assert result.exit_code == 3, result.stderr
    page = out.read_text(encoding="utf-8")
    units = page[page.index('<table class="units">') :]
    units = units[: units.index("</table>")]
    assert '<th scope="col">等次</th>' in units
    assert '<td class="st st-pass">良好</td>' in units
    assert '<td class="st st-fail">不合格（否决）</td>' in units
    assert '<td class="num">86.5</td>' in units
    figure = page[page.index('<figure class="scores">') :]
    figure = figure[: figure.index("</figure>")]
    assert "园区 · 总分与等次分数线" in figure
    assert "等次分数线：优秀 ≥ 90、良好 ≥ 80、合格 ≥ 60" in figure
    assert figure.count('class="cut"') == 3
    assert "<title>甲基地: 86.5 良好</title>" in figure
    assert "<title>丙基地: —</title>" in figure
    assert "1 个单位缺少评分项，没有总分" in figure
    # the bars: 86.5 of 100 passes (green), 38 fails (red)
    assert re.search(r"<title>甲基地: 86\.5 良好</title>.*?fill=\"#1a7f37\"", figure)
    assert re.search(r"<title>戊基地: 38 不合格</title>.*?fill=\"#cf222e\"", figure)
    assert '<section id="scoring">' in page and "≥ 100 得 10 分、≥ 200 得 20 分、≥ 300 得 30 分" in page


def test_the_shortlist_ranks_and_shows_the_score(cli: Any, bases: tuple[Path, Path]) -> None:
    data, standard = bases
    text = cli("check", data, "--standard", standard, "--quota", "park=2").stdout
    shortlist = text[text.index("申报推荐名单") :]
    assert "总分" in shortlist and "等次" in shortlist
    line = next(line for line in shortlist.splitlines() if "B001" in line)
    assert "86.5" in line and "良好" in line
