"""Bad returns: each fault reported at its exact row, column and field, with the right exit code."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import sha256
from tests.corpus import COLUMN, UNITS, Grid, real_layout, write_xlsx

FIRST_UNIT_ROW = 8  # Excel row of UNITS[0] in the real layout (合计 on row 7)
ROW_OF = {unit["unit_code"]: FIRST_UNIT_ROW + index for index, unit in enumerate(UNITS)}


def validate(cli: Any, path: Path, *options: str) -> tuple[int, list[dict[str, Any]]]:
    before = sha256(path)
    result = cli("validate", path, "--format", "json", *options)
    assert "Traceback" not in result.stderr
    assert sha256(path) == before
    return result.exit_code, json.loads(result.stdout)["findings"]


def located(findings: list[dict[str, Any]], severity: str = "error") -> list[tuple[Any, ...]]:
    return sorted(
        (f["code"], f["row"], f["column"], f["field"], f["value"]) for f in findings if f["severity"] == severity
    )


def with_unit(code: str, **changes: Any) -> list[dict[str, Any]]:
    return [{**unit, **changes} if unit["unit_code"] == code else unit for unit in UNITS]


def test_the_clean_real_layout_has_no_findings(cli: Any, tmp_path: Path) -> None:
    code, findings = validate(cli, write_xlsx(real_layout(), tmp_path / "clean.xlsx"))
    assert code == 0
    assert findings == []


PARTS = [
    ("new_entrepreneurs", "entrepreneurs"),
    ("trainees_certified", "trainees"),
    ("trainees_started", "trainees_certified"),
    ("cohort_survivors", "cohort_births"),
    ("graduate_entrepreneurs", "new_entrepreneurs"),
    ("supported_applicants", "eligible_applicants"),
    ("survey_satisfied", "survey_respondents"),
]


@pytest.mark.parametrize(("part", "whole"), PARTS)
def test_a_part_larger_than_its_whole(cli: Any, tmp_path: Path, part: str, whole: str) -> None:
    unit = UNITS[3]  # 秣陵街道: a street with no communities listed, so no parent-sum check interferes
    units = with_unit(unit["unit_code"], **{part: unit[whole] + 1})
    code, findings = validate(cli, write_xlsx(real_layout(units, total=None), tmp_path / "part.xlsx"))
    assert code == 1
    row = ROW_OF[unit["unit_code"]] - 1
    expected = [("part-exceeds-whole", row, COLUMN[part], part, str(unit[whole] + 1))]
    if part == "new_entrepreneurs":  # a larger new_entrepreneurs also makes graduates a smaller share, not an error
        pass
    assert [item for item in located(findings) if item[0] == "part-exceeds-whole"] == expected


def test_parent_smaller_than_its_children(cli: Any, tmp_path: Path) -> None:
    # 东山街道 says 18000 working-age people; its two communities alone have 12400 + 6900 = 19300
    units = with_unit("320115001000", labour_force=18000)
    code, findings = validate(cli, write_xlsx(real_layout(units, total=None), tmp_path / "parent.xlsx"))
    assert code == 1
    assert located(findings) == [("parent-below-children", 7, "E", "labour_force", "18000")]
    (finding,) = [f for f in findings if f["code"] == "parent-below-children"]
    assert "19300" in finding["message"]


def test_total_row_that_does_not_add_up(cli: Any, tmp_path: Path) -> None:
    grid = real_layout(total_values={"labour_force": 93001, "startup_jobs": 1})
    code, findings = validate(cli, write_xlsx(grid, tmp_path / "total.xlsx"))
    assert code == 1
    assert located(findings) == [
        ("total-row-mismatch", 7, "E", "labour_force", "93001"),
        ("total-row-mismatch", 7, "I", "startup_jobs", "1"),
    ]
    (labour,) = [f for f in findings if f["field"] == "labour_force"]
    assert "93000" in labour["message"]


def test_total_row_last_is_checked_too(cli: Any, tmp_path: Path) -> None:
    grid = real_layout(total="last", total_values={"trainees": 1})
    code, findings = validate(cli, write_xlsx(grid, tmp_path / "total_last.xlsx"))
    assert code == 1
    assert located(findings) == [("total-row-mismatch", 12, "K", "trainees", "1")]


def test_formula_without_saved_value(cli: Any, tmp_path: Path) -> None:
    grid = real_layout()
    grid.rows[7][COLUMN_INDEX["startup_jobs"]] = "=1000+1730"
    code, findings = validate(cli, write_xlsx(grid, tmp_path / "formula.xlsx"))
    assert code == 1
    assert ("formula-without-value", 8, "I", "startup_jobs", None) in located(findings)


COLUMN_INDEX = {name: ord(letter) - ord("A") for name, letter in COLUMN.items()}


def test_text_negative_fraction_level_and_duplicate_in_the_real_layout(cli: Any, tmp_path: Path) -> None:
    units = [dict(unit) for unit in UNITS]
    units[1]["startup_jobs"] = "六百四十"
    units[2]["trainees"] = -36
    units[3]["cohort_births"] = 180.5
    units[4]["level"] = "开发区园区园"
    units.append({**UNITS[3]})
    code, findings = validate(cli, write_xlsx(real_layout(units, total=None), tmp_path / "bad.xlsx"))
    assert code == 1
    assert located(findings) == [
        ("constraint-ge", 9, "K", "trainees", "-36"),
        ("constraint-multiple_of", 10, "N", "cohort_births", "180.5"),
        ("duplicate-code", 12, "A", "unit_code", "320115002000"),
        ("not-a-number", 8, "I", "startup_jobs", "六百四十"),
        ("unknown-level", 11, "C", "level", "开发区园区园"),
    ]


def test_missing_required_column_in_the_real_layout(cli: Any, tmp_path: Path) -> None:
    grid = real_layout()
    for row in grid.rows:
        del row[COLUMN_INDEX["level"]]
    grid.merges = [(0, 0, 0, len(grid.rows[3]) - 1)]
    code, findings = validate(cli, write_xlsx(grid, tmp_path / "nolevel.xlsx"))
    assert code == 1
    assert located(findings) == [("missing-column", 5, None, "level", None)]


def test_missing_count_column_is_a_warning(cli: Any, tmp_path: Path) -> None:
    grid = real_layout()
    for row in grid.rows:
        row[COLUMN_INDEX["survey_satisfied"]] = None
    code, findings = validate(cli, write_xlsx(grid, tmp_path / "nosurvey.xlsx"))
    assert code == 0
    assert [f["code"] for f in findings] == ["missing-count-column"]
    assert "创业环境满意度" in findings[0]["message"]  # the indicator left null, by its name


def test_implausible_participation_is_a_warning(cli: Any, tmp_path: Path) -> None:
    # 秣陵街道: 41000 working-age, 12500 new entrepreneurs = 30.49 % > 30 %
    units = with_unit("320115002000", new_entrepreneurs=12500, entrepreneurs=13000)
    code, findings = validate(cli, write_xlsx(real_layout(units, total=None), tmp_path / "high.xlsx"))
    assert code == 0
    assert located(findings, "warning") == [("participation-implausible", 10, "G", "new_entrepreneurs", "12500")]
    assert "30.5%" in findings[0]["message"]


def test_outlier_among_siblings(cli: Any, tmp_path: Path) -> None:
    base = {key: value for key, value in UNITS[1].items()}
    communities = [
        {**base, "unit_code": f"320115001{index:03d}", "unit_name": f"社区{index}", "trainees_started": started}
        for index, started in enumerate([40, 42, 44, 41, 43, 80], start=1)
    ]
    code, findings = validate(cli, write_xlsx(real_layout(communities, total=None), tmp_path / "outlier.xlsx"))
    assert code == 0
    outliers = [f for f in findings if f["code"] == "sibling-outlier"]
    # success rates 40/81 … 43/81 and 80/81: only the last one is far from the median
    assert [(f["row"], f["column"], f["field"]) for f in outliers] == [(12, "M", "trainees_started")]
    # 80/81 = 98.8 %; the median of 40 … 43 and 80 over 81 is 42.5/81 = 52.5 %; 46.3 points apart
    message = outliers[0]["message"]
    assert "98.8%" in message and "中位数为 52.5%" in message and "相差 46.3 个百分点" in message


def test_siblings_that_nearly_agree_have_no_outlier(cli: Any, tmp_path: Path) -> None:
    """Participation of 0.90 … 0.92 % and 0.96 %: the last is 7 spreads out by the siblings' own tiny spread
    (0.005 points), but 0.06 points is no difference anybody would check; the floor on the spread (0.05 points)
    keeps it quiet."""
    base = {key: value for key, value in UNITS[1].items()}
    communities = [
        {
            **base,
            "unit_code": f"320115001{index:03d}",
            "unit_name": f"社区{index}",
            "labour_force": 10000,
            "new_entrepreneurs": new,
        }
        for index, new in enumerate([90, 91, 90, 92, 90, 96], start=1)
    ]
    code, findings = validate(cli, write_xlsx(real_layout(communities, total=None), tmp_path / "near.xlsx"))
    assert code == 0
    assert [f for f in findings if f["code"] == "sibling-outlier" and f["field"] == "new_entrepreneurs"] == []


def test_parent_code_nowhere_to_be_found(cli: Any, tmp_path: Path) -> None:
    units = with_unit("P320115001", parent_code="JN-ZONE-9")
    code, findings = validate(cli, write_xlsx(real_layout(units, total=None), tmp_path / "parent.xlsx"))
    assert code == 0
    assert located(findings, "warning") == [("unknown-parent", 11, "D", "parent_code", "JN-ZONE-9")]


def test_level_that_contradicts_the_code(cli: Any, tmp_path: Path) -> None:
    units = with_unit("320115001001", level="街道")
    _, findings = validate(cli, write_xlsx(real_layout(units, total=None), tmp_path / "level.xlsx"))
    assert ("level-code-mismatch", 8, "C", "level", "街道") in located(findings, "warning")


def test_user_rule_from_yaml(cli: Any, tmp_path: Path) -> None:
    rules = tmp_path / "rules.yaml"
    rules.write_text(
        "rules:\n"
        "  - code: jobs-per-entity-too-high\n"
        "    kind: compare\n"
        "    severity: error\n"
        "    left: startup_jobs\n"
        '    op: "<="\n'
        "    right: 10 * startup_entities\n"
        "    message: {zh: '带动就业人数超过实体数的 10 倍', en: 'more than 10 jobs per new entity'}\n",
        encoding="utf-8",
    )
    # 东山街道 2730 > 10 × 265; 竹山社区 640 > 10 × 61; 秣陵街道 2050 > 10 × 190; not 佘村 (212 ≤ 280) nor the park
    code, findings = validate(cli, write_xlsx(real_layout(total=None), tmp_path / "rules.xlsx"), "--rules", str(rules))
    assert code == 1
    assert located(findings) == [
        ("jobs-per-entity-too-high", 7, "I", "startup_jobs", "2730"),
        ("jobs-per-entity-too-high", 8, "I", "startup_jobs", "640"),
        ("jobs-per-entity-too-high", 10, "I", "startup_jobs", "2050"),
    ]
    assert findings[0]["message"] == "带动就业人数超过实体数的 10 倍"


def test_bad_rule_file_names_file_and_line(cli: Any, tmp_path: Path) -> None:
    rules = tmp_path / "rules.yaml"
    rules.write_text(
        "rules:\n  - code: x\n    kind: compare\n    left: jobs\n    op: '<='\n    right: 1\n"
        "    message: {zh: a, en: b}\n",
        encoding="utf-8",
    )
    result = cli("validate", write_xlsx(real_layout(), tmp_path / "r.xlsx"), "--rules", rules)
    assert result.exit_code == 2
    assert "rules.yaml:2" in result.stderr and "jobs" in result.stderr


def broken_files(tmp_path: Path) -> dict[str, Path]:
    good = write_xlsx(real_layout(), tmp_path / "good.xlsx").read_bytes()
    files = {
        "empty.xlsx": b"",
        "text.xlsx": "单位代码,单位名称\n".encode(),
        "truncated.xlsx": good[: len(good) // 2],
        "corrupt.xls": b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600,
        "image.ods": b"\x89PNG\r\n\x1a\n" + b"\x00" * 100,
        "binary.csv": bytes(range(256)) * 4,
    }
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as bundle:
        bundle.writestr("readme.txt", "not a workbook")
    files["noworkbook.xlsx"] = archive.getvalue()
    paths = {}
    for name, content in files.items():
        paths[name] = tmp_path / name
        paths[name].write_bytes(content)
    return paths


@pytest.mark.parametrize("command", ["validate", "compute"])
def test_unreadable_files_exit_1_with_one_line(cli: Any, tmp_path: Path, command: str) -> None:
    for name, path in broken_files(tmp_path).items():
        before = sha256(path)
        result = cli(command, path)
        assert result.exit_code == 1, (name, result.stderr)
        assert len(result.stderr.strip().splitlines()) == 1, (name, result.stderr)
        assert "Traceback" not in result.stderr
        assert name in result.stderr
        assert sha256(path) == before


def test_a_sheet_without_the_return_headers(cli: Any, tmp_path: Path) -> None:
    path = write_xlsx(Grid(rows=[["姓名", "年龄"], ["张三", 30]]), tmp_path / "other.xlsx", before=())
    code, findings = validate(cli, path)
    assert code == 1
    assert sorted(f["field"] for f in findings if f["code"] == "missing-column") == ["level", "unit_code", "unit_name"]
