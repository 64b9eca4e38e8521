"""No number lost: every count cell of a return, in any layout and format, is read as its number or named by a finding.

For every non-blank cell under a mapped header of a unit row, the validated frame holds exactly the cell's number,
or the cell is blank there and a finding names it: sheet, Excel row, column letter, header, field and the value
seen. Never a silent blank, never a changed number; a blank stays blank with no finding; and rows not meant as
units (title, header, code row, 合计, footer) never become units. The layouts are drawn by hypothesis
(tests/layouts.py) and saved with openpyxl, XlsxWriter, xlwt, odfpy and as GB18030 CSV.
"""

from __future__ import annotations

import math
import os
from collections import defaultdict
from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from chuangye_metrics.config.catalog import Catalog
from chuangye_metrics.core.findings import Finding, excel_column
from chuangye_metrics.core.text import normalise_label
from chuangye_metrics.reading.reader import read_return
from chuangye_metrics.validation.validate import validate_return
from tests.conftest import CANONICAL_HEADERS, COUNT_FIELDS
from tests.layouts import (
    ALIASES,
    COUNT_UNITS,
    FAMILIES,
    FIELD_UNIT,
    HEADERS,
    SUFFIX,
    Sheet,
    Value,
    folded,
    severity_of,
    sheets,
    tidy,
    write,
)

# Findings about what a single cell holds: none of them may name a cell whose number was kept.
CELL_CODES = {
    "not-a-number",
    "boolean-cell",
    "date-cell",
    "error-cell",
    "not-applicable",
    "formula-without-value",
    "constraint-ge",
    "constraint-le",
    "constraint-multiple_of",
}
# A read and validation of a small return takes about 0.25 s, so the examples are few: 8 per family in xlsx (two
# writers each), 2 per family in each other format, and no shrinking, which takes minutes per failure. Set
# CHUANGYE_LAYOUT_EXAMPLES=N to draw N times as many, CHUANGYE_LAYOUT_SHRINK=1 to get the minimal failing example.
SCALE = int(os.environ.get("CHUANGYE_LAYOUT_EXAMPLES", "1"))
PHASES = tuple(Phase) if os.environ.get("CHUANGYE_LAYOUT_SHRINK") else (Phase.explicit, Phase.generate)
PROPERTY = settings(
    max_examples=8 * SCALE,
    deadline=None,
    derandomize=True,
    database=None,
    phases=PHASES,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example],
)
FEWER = settings(PROPERTY, max_examples=2 * SCALE)


def problems(sheet: Sheet, form: str, path: Path, catalog: Catalog) -> list[str]:
    """Every way the reader broke the invariant on this sheet saved as ``form``; empty when it kept it."""
    table = read_return(path, catalog)
    validated = validate_return(table, catalog)
    found: list[str] = []
    if form != "csv" and table.sheet != sheet.name:
        found.append(f"read sheet {table.sheet!r}, not the data sheet {sheet.name!r}")
    for name, (index, text) in sheet.columns.items():
        column = table.columns.get(name)
        if column is None:
            found.append(f"header {text!r} in column {excel_column(index)} not mapped to {name}")
        elif column.index != index:
            found.append(f"{name} read from column {column.letter} ({column.header!r}), not {excel_column(index)}")
        elif normalise_label(column.header) != normalise_label(text):
            found.append(f"{name}: header shown as {column.header!r}, written {text!r}")
    frame = validated.frame
    rows = [int(row) for row in frame["_row"]]
    if sorted(rows) != sorted(sheet.units):
        strays = sorted(set(rows) - set(sheet.units))
        found.append(f"unit rows {sorted(rows)}, expected {sorted(sheet.units)} (not units: {strays})")
    position = {row: offset for offset, row in enumerate(rows)}
    for row, code in sheet.units.items():
        if row in position and frame["unit_code"].iloc[position[row]] != code:
            found.append(f"row {row}: unit code {frame['unit_code'].iloc[position[row]]!r}, expected {code!r}")
    if sheet.total is not None:
        totals = [] if table.totals is None else [int(row) for row in table.totals["_row"]]
        if sheet.total not in totals:
            found.append(f"合计 row {sheet.total} not set apart as a total (totals at {totals})")
    at: dict[tuple[int | None, str | None], list[Finding]] = defaultdict(list)
    for finding in validated.findings:
        at[(finding.row, finding.column)].append(finding)
    for cell in sheet.expected(form):
        row, letter, value = cell.row + 1, excel_column(cell.column), cell.value
        if row not in position or cell.field not in table.columns or table.columns[cell.field].index != cell.column:
            continue  # reported above
        got = float(frame[cell.field].iloc[position[row]])
        here = [finding for finding in at[(row, letter)] if finding.field == cell.field]
        where = f"{letter}{row} {cell.field} {value.kind} {value.cell!r}"
        codes = [f"{finding.severity} {finding.code} {finding.value!r}" for finding in here]
        if value.blank:
            if not math.isnan(got):
                found.append(f"{where}: a blank read as {got!r}")
            if here:
                found.append(f"{where}: a blank drew {codes}")
            continue
        if value.number is not None and got == value.number:
            flagged = [code for code, finding in zip(codes, here, strict=True) if finding.code in CELL_CODES]
            if flagged:
                found.append(f"{where}: kept as {got!r} but also flagged {flagged}")
            continue
        if math.isnan(got) and any(f.severity == "error" and f.code not in CELL_CODES for f in here):
            continue  # a rule found this cell in error (a part above its whole): missing, and named
        wanted = f"{value.number!r} or blank with {sorted(value.codes)}" if value.number is not None else "blank"
        if not math.isnan(got):
            found.append(f"{where}: CHANGED: read as {got!r}, expected {wanted}")
            continue
        named = [finding for finding in here if finding.code in value.codes]
        if not named:
            found.append(f"{where}: LOST: blank with no finding {sorted(value.codes)} (findings here: {codes})")
            continue
        finding = named[0]
        if finding.severity != severity_of(finding.code):
            found.append(f"{where}: {finding.code} is an {finding.severity}, not a {severity_of(finding.code)}")
        if finding.sheet != table.sheet or finding.header != table.columns[cell.field].header:
            found.append(f"{where}: {finding.code} names sheet {finding.sheet!r} header {finding.header!r}")
        if value.seen is not None and (finding.value is None or folded(finding.value) != folded(value.seen)):
            found.append(f"{where}: {finding.code} shows the value {finding.value!r}, not {value.seen!r}")
        if value.seen is None and finding.code != "formula-without-value" and not finding.value:
            found.append(f"{where}: {finding.code} shows no value")
    return found


def assert_kept(sheet: Sheet, forms: tuple[str, ...], folder: Path, catalog: Catalog) -> None:
    report = []
    for form in forms:
        path = write(sheet, form, folder / f"{form}{SUFFIX[form]}")
        report += [f"[{form}] {problem}" for problem in problems(sheet, form, path, catalog)]
    assert not report, "\n".join(report)


def test_the_layouts_speak_the_catalogs_language(catalog: Catalog) -> None:
    """The generator's headers, aliases and units are the ones formulas/fields.yaml defines."""
    assert {name: catalog.fields[name].header for name in HEADERS} == HEADERS
    # the counts of a territorial return; the amounts and counts of bases are read in tests/test_amounts.py
    assert sorted(FIELD_UNIT) == sorted(COUNT_FIELDS)
    assert set(FIELD_UNIT) == {name for name in catalog.count_fields if name in CANONICAL_HEADERS}
    for name, texts in ALIASES.items():
        for text in [HEADERS[name], *texts]:
            assert catalog.header_lookup[normalise_label(text)] == name, text
    for name, unit in FIELD_UNIT.items():
        assert catalog.fields[name].unit == unit, name
        assert set(catalog.units_of(name)) == set(COUNT_UNITS[unit]), name


@pytest.mark.parametrize("family", sorted(FAMILIES))
@PROPERTY
@given(data=st.data())
def test_no_number_lost_in_xlsx(
    family: str, data: st.DataObject, catalog: Catalog, tmp_path_factory: pytest.TempPathFactory
) -> None:
    sheet = data.draw(sheets(family), label="sheet")
    assert_kept(sheet, ("openpyxl", "xlsxwriter"), tmp_path_factory.mktemp("xlsx"), catalog)


@pytest.mark.parametrize("form", ["xls", "ods", "csv"])
@pytest.mark.parametrize("family", sorted(FAMILIES))
@FEWER
@given(data=st.data())
def test_no_number_lost_in_other_formats(
    family: str, form: str, data: st.DataObject, catalog: Catalog, tmp_path_factory: pytest.TempPathFactory
) -> None:
    sheet = data.draw(sheets(family, max_units=3, max_counts=4), label="sheet")
    assert_kept(sheet, (form,), tmp_path_factory.mktemp(form), catalog)


ALL_FORMS = ("openpyxl", "xlsxwriter", "xls", "ods", "csv")


def text(kind: str, cell: str, number: float) -> Value:
    return Value(kind, cell, number)


@pytest.mark.parametrize("form", ALL_FORMS)
def test_serial_column_first_with_counts_typed_as_text(form: str, tmp_path: Path, catalog: Catalog) -> None:
    """The old reader matched columns by their place among those it read: with 序号 first, 12,458 and 2900人
    were lost without a word, or the read died with an IndexError."""
    sheet = tidy(
        ["序号", "单位代码", "单位名称", "单位层级", "劳动年龄人口数", "创业人员实有数"],
        [
            [1, "320115001000", "东山街道", "街道", text("thousands", "12,458", 12458), text("unit", "2900人", 2900)],
            [2, "320115001001", "竹山社区", "社区", 5200, text("unit", "1,234 人", 1234)],
        ],
    )
    assert_kept(sheet, (form,), tmp_path, catalog)


@pytest.mark.parametrize("form", ALL_FORMS)
def test_serial_and_remarks_columns_around_refused_cells(form: str, tmp_path: Path, catalog: Catalog) -> None:
    """Findings name the column a person sees, with unmapped columns before and between the counts."""
    refused = Value("text", "约300", None, frozenset({"not-a-number"}), "约300")
    wrong_unit = Value("foreign-unit", "5户", None, frozenset({"not-a-number"}), "5户")
    dash = Value("dash", "—", None, frozenset({"not-applicable"}), "—")
    sheet = tidy(
        [
            "序号",
            "单位代码",
            "单位名称",
            "单位层级",
            "劳动年龄人口数",
            "备注",
            "当年新创办创业实体数",
            "创业带动就业人数",
        ],
        [
            [1, "320115001000", "东山街道", "街道", refused, "无", text("unit", "5户", 5), wrong_unit],
            [2, "320115001001", "竹山社区", "社区", text("full-width", "１２４５８", 12458), None, dash, 640],
        ],
    )
    assert_kept(sheet, (form,), tmp_path, catalog)


def test_the_invariant_check_catches_a_lost_and_a_changed_number(tmp_path: Path, catalog: Catalog) -> None:
    """The check itself: a cell written as 12,458 but expected as another number, and one expected kept that
    the reader refuses, are both reported."""
    sheet = tidy(
        ["单位代码", "单位名称", "单位层级", "劳动年龄人口数", "创业人员实有数"],
        [["320115001000", "东山街道", "街道", text("thousands", "12,458", 12459), text("text", "约300", 300)]],
    )
    path = write(sheet, "openpyxl", tmp_path / "check.xlsx")
    found = problems(sheet, "openpyxl", path, catalog)
    assert len(found) == 2, found
    assert "CHANGED" in found[0] and "12458.0" in found[0]
    assert "LOST" in found[1]
