"""The consolidated return as a workbook in the province's layout, which the reader and the level above read back."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from chuangye_metrics import __version__
from chuangye_metrics.config.catalog import Catalog
from chuangye_metrics.core import words
from chuangye_metrics.core.findings import Finding
from chuangye_metrics.core.models import MergedSource, MergeResult
from chuangye_metrics.indicators.compute import text_or_none
from chuangye_metrics.outputs.files import made_on, replacing_workbook
from chuangye_metrics.outputs.template import UNIT_NAMES, column_width, display_width, unit_line
from chuangye_metrics.reading.reader import file_sha256
from chuangye_metrics.upward.merge import NOTE, Consolidated

if TYPE_CHECKING:
    from xlsxwriter.format import Format
    from xlsxwriter.worksheet import Worksheet

STEMS = "甲乙丙丁戊己庚辛壬癸子丑寅卯"
"""The codes of the columns that are not counts, in the row under the header (the counts are numbered 1, 2, 3 …)."""
TITLE_ROW, FIRST_LINE_ROW, GROUP_ROW, HEADER_ROW, CODE_ROW, TOTAL_ROW = 0, 1, 4, 5, 6, 7
NOTE_WIDTH = 22


def _words(code: str, /, **params: Any) -> str:
    """The return is the province's Chinese form, whatever --lang says: its words are the catalogue's zh."""
    return words.text(f"return.{code}", "zh", **params)


def write_consolidated(
    path: Path,
    consolidated: Consolidated,
    catalog: Catalog,
    *,
    form_number: str | None,
    authority: str | None,
    findings: Sequence[Finding],
    inputs: Sequence[Path],
    language: words.Language,
) -> None:
    """Write the consolidated return whole or not at all (``files.replacing``), never over one of ``inputs``."""

    with replacing_workbook(path, language, inputs=inputs) as temporary:
        _write(temporary, consolidated, catalog, form_number, authority, findings)


def title_of(consolidated: Consolidated) -> str:
    return _words("title", year=consolidated.year)


def _write(
    path: Path,
    consolidated: Consolidated,
    catalog: Catalog,
    form_number: str | None,
    authority: str | None,
    findings: Sequence[Finding],
) -> None:
    from xlsxwriter import Workbook

    options = {"constant_memory": True, "nan_inf_to_errors": True, "tmpdir": str(path.parent)}
    workbook = Workbook(str(path), options)
    workbook.set_properties(
        {"title": title_of(consolidated), "comments": f"chuangye-metrics {__version__}", "created": made_on()}
    )
    data = workbook.add_worksheet(_words("sheet-data"))
    notes = workbook.add_worksheet(_words("sheet-notes"))
    _data_sheet(workbook, data, consolidated, catalog, form_number, authority)
    _notes_sheet(workbook, notes, consolidated, findings)
    workbook.close()


def _data_sheet(
    workbook: Any,
    sheet: Worksheet,
    consolidated: Consolidated,
    catalog: Catalog,
    form_number: str | None,
    authority: str | None,
) -> None:
    fields = [catalog.fields[name] for name in consolidated.fields]
    width = len(fields) + 1  # and the note column
    last = width - 1
    counts = set(catalog.count_fields)
    border = {"border": 1, "border_color": "#808080"}
    title = workbook.add_format({"bold": True, "font_size": 16, "align": "center", "valign": "vcenter"})
    right = workbook.add_format({"align": "right"})
    header = workbook.add_format(
        {"bold": True, "align": "center", "valign": "vcenter", "text_wrap": True, "bg_color": "#DDEBF7", **border}
    )
    code_cell = workbook.add_format({"align": "center", **border})
    text_cell = workbook.add_format({"num_format": "@", **border})
    plain = workbook.add_format(border)
    number = workbook.add_format({"num_format": "#,##0", **border})
    total_text = workbook.add_format({"bold": True, "num_format": "@", **border})
    total_number = workbook.add_format({"bold": True, "num_format": "#,##0", **border})
    note = workbook.add_format({"text_wrap": True, **border})

    sheet.merge_range(TITLE_ROW, 0, TITLE_ROW, last, title_of(consolidated), title)
    sheet.set_row(TITLE_ROW, 30)
    lines = [
        (_words("reporter", name=consolidated.name or ""), _words("form-number", value=form_number or "")),
        (_words("year", year=consolidated.year), _words("authority", value=authority or "")),
        (_words("unit-code", code=consolidated.territory.code), unit_line(fields)),
    ]
    for offset, (left, right_text) in enumerate(lines):
        row = FIRST_LINE_ROW + offset
        sheet.write_string(row, 0, left)
        sheet.write_string(row, last, right_text, right)

    groups: list[tuple[str | None, int, int]] = []
    for column, field in enumerate(fields):
        group = field.group or (_words("group-identity") if field.type not in ("count", "amount") else None)
        if groups and groups[-1][0] == group and group is not None:
            groups[-1] = (group, groups[-1][1], column)
        else:
            groups.append((group, column, column))
    for group, first, end in groups:
        if group is None:
            sheet.write_blank(GROUP_ROW, first, None, header)
        elif first == end:
            sheet.write_string(GROUP_ROW, first, group, header)
        else:
            sheet.merge_range(GROUP_ROW, first, GROUP_ROW, end, group, header)
    sheet.write_blank(GROUP_ROW, last, None, header)

    header_lines = 1
    for column, field in enumerate(fields):
        text = field.header + (
            f"（{UNIT_NAMES[field.unit]}）" if field.type in ("count", "amount") and field.unit else ""
        )
        size = column_width(field)
        sheet.set_column(column, column, size)
        header_lines = max(header_lines, -(-display_width(text) // max(size - 2, 1)))
        sheet.write_string(HEADER_ROW, column, text, header)
    sheet.set_column(last, last, NOTE_WIDTH)
    sheet.write_string(HEADER_ROW, last, _words("note-header"), header)
    sheet.set_row(HEADER_ROW, 16 * header_lines + 8)

    stems = iter(STEMS)
    numbered = 0
    for column, field in enumerate(fields):
        if field.id in counts:
            numbered += 1
            sheet.write_number(CODE_ROW, column, numbered, code_cell)
        else:
            sheet.write_string(CODE_ROW, column, next(stems, ""), code_cell)
    sheet.write_blank(CODE_ROW, last, None, code_cell)

    for column, field in enumerate(fields):
        if field.id == "unit_name":
            sheet.write_string(TOTAL_ROW, column, _words("total"), total_text)
        elif field.id in counts and consolidated.total.get(field.id) is not None:
            sheet.write_number(TOTAL_ROW, column, _whole(consolidated.total[field.id]), total_number)
        else:
            sheet.write_blank(TOTAL_ROW, column, None, total_number)
    sheet.write_blank(TOTAL_ROW, last, None, note)

    frame = consolidated.rows
    columns = [frame[field.id].to_numpy(dtype=object) for field in fields]
    notes = frame[NOTE].to_numpy(dtype=object)
    row = TOTAL_ROW
    for index in range(len(frame)):
        row += 1
        for column, field in enumerate(fields):
            value = columns[column][index]
            if text_or_none(value) is None:
                sheet.write_blank(row, column, None, plain)
            elif field.id in counts or catalog.is_number(field.id):
                sheet.write_number(row, column, _whole(float(value)), number)
            elif field.type == "level":
                sheet.write_string(row, column, catalog.level_label(str(value), "zh"), plain)
            else:
                sheet.write_string(row, column, str(value), text_cell)
        code = notes[index]
        if isinstance(code, str):
            sheet.write_string(row, last, _words(code.removeprefix("return.")), note)
        else:
            sheet.write_blank(row, last, None, note)
    row += 2
    sheet.merge_range(row, 0, row, last, _words("footer"))

    sheet.freeze_panes(TOTAL_ROW, 2)
    sheet.repeat_rows(GROUP_ROW, CODE_ROW)
    sheet.repeat_columns(0, 1)
    sheet.set_landscape()
    sheet.set_paper(9)  # A4
    sheet.fit_to_pages(1, 0)
    sheet.set_margins(left=0.4, right=0.4, top=0.6, bottom=0.6)
    sheet.set_footer(_words("page-footer"))


def _notes_sheet(workbook: Any, sheet: Worksheet, consolidated: Consolidated, findings: Sequence[Finding]) -> None:
    bold = workbook.add_format({"bold": True})
    heading = workbook.add_format({"bold": True, "font_size": 14})
    wrap = workbook.add_format({"text_wrap": True, "valign": "top"})
    sheet.set_column(0, 0, 8)
    sheet.set_column(1, 1, 48)
    sheet.set_column(2, 2, 14)
    sheet.set_column(3, 3, 10)
    sheet.set_column(4, 4, 70)
    row = 0

    def line(*values: str | int, style: Format | None = None) -> None:
        nonlocal row
        for column, value in enumerate(values):
            if isinstance(value, int):
                sheet.write_number(row, column, value, style)
            else:
                sheet.write_string(row, column, value, style)
        row += 1

    line(_words("sheet-notes"), style=heading)
    line(_words("made-by", version=__version__, date=made_on().date().isoformat()))
    row += 1
    line(_words("notes-general"), style=bold)
    territorial = len(consolidated.rows) - consolidated.parks
    general = [
        _words("note-unit", name=consolidated.name or "", code=consolidated.territory.code, year=consolidated.year),
        _words("note-counts", units=len(consolidated.rows), territorial=territorial, parks=consolidated.parks),
        _words("note-total"),
        _words("note-derived", derived=consolidated.derived),
        _words("note-blank"),
    ]
    if consolidated.unnamed:
        general.append(
            _words("note-unnamed", codes="、".join(consolidated.unnamed[:20]), count=len(consolidated.unnamed))
        )
    for number, text in enumerate(general, start=1):
        line(f"{number}.", text)
    row += 1
    line(_words("notes-sources"), style=bold)
    line(
        _words("column-number"),
        _words("column-file"),
        _words("column-sheet"),
        _words("column-units"),
        "SHA-256",
        style=bold,
    )
    for number, (source, count) in enumerate(zip(consolidated.sources, consolidated.units_per_file, strict=True), 1):
        line(number, Path(source.file).name, source.sheet or "", count, source.sha256)
    errors = [finding for finding in findings if finding.severity == "error"]
    if errors:
        row += 1
        line(_words("notes-errors", count=len(errors)), style=bold)
        for finding in errors:
            place = [Path(finding.file).name if finding.file else "", finding.sheet or ""]
            place += [_words("place-row", row=finding.row) if finding.row else ""]
            place += [_words("place-column", column=finding.column) if finding.column else ""]
            sheet.write_string(row, 1, "，".join(part for part in place if part))
            sheet.write_string(row, 4, finding.localised("zh").message, wrap)
            row += 1


def _whole(value: float | None) -> float:
    assert value is not None
    return int(value) if float(value).is_integer() else value


def merge_result(consolidated: Consolidated, output: Path, findings: Sequence[Finding]) -> MergeResult:
    """What merge wrote, as its JSON gives it."""
    return MergeResult(
        output=str(output),
        sha256=file_sha256(output),
        unit=consolidated.territory.code,
        name=consolidated.name,
        level=consolidated.territory.level,
        year=consolidated.year,
        units=len(consolidated.rows),
        derived=consolidated.derived,
        parks=consolidated.parks,
        total={name: None if value is None else _whole(value) for name, value in consolidated.total.items()},
        unnamed=consolidated.unnamed,
        sources=[
            MergedSource(**source.model_dump(), units=count)
            for source, count in zip(consolidated.sources, consolidated.units_per_file, strict=True)
        ],
        findings=list(findings),
    )


def summary_lines(result: MergeResult, catalog: Catalog, language: words.Language) -> list[str]:
    """What merge says on stdout when it is done, for people."""
    unit = words.text("merge.unit", language, name=result.name, code=result.unit) if result.name else result.unit
    values = words.text("sep.semicolon", language).join(
        f"{catalog.fields[name].label(language)} {_shown(value)}" for name, value in result.total.items()
    )
    return [
        words.text("merge.written", language, output=result.output, unit=unit, year=result.year),
        words.text(
            "merge.rows",
            language,
            units=result.units,
            derived=result.derived,
            parks=result.parks,
            files=len(result.sources),
        ),
        words.text("merge.total", language, values=values),
    ]


def _shown(value: float | None) -> str:
    return "—" if value is None else f"{value:,.0f}" if float(value).is_integer() else f"{value:,}"
