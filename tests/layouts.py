"""Returns in the layouts bureaus send, drawn by hypothesis, each count cell with the outcomes it may have.

A drawn ``Sheet`` holds the cells of one data sheet: a title block, a header one to three rows deep with merged
group cells, a column-code row, unmapped columns (序号 first, 备注 and 联系电话 anywhere), a 合计 row, unit rows
and a footer. Every count cell of a unit row is a ``Value``: what is written, the number the validated frame
must then hold (if it may hold one) and the finding codes that may name the cell instead. ``write`` saves the
sheet with openpyxl, XlsxWriter, xlwt, odfpy or as GB18030 CSV; ``expected`` gives each cell's ``Value`` as that
format can hold it (a CSV has only text: TRUE, 2016-01-02, #DIV/0!).
"""

from __future__ import annotations

import csv
import datetime
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from hypothesis import strategies as st

from tests.conftest import CANONICAL_HEADERS

FORMATS = ("openpyxl", "xlsxwriter", "xls", "ods", "csv")
SUFFIX = {"openpyxl": ".xlsx", "xlsxwriter": ".xlsx", "xls": ".xls", "ods": ".ods", "csv": ".csv"}

# What each count counts, and the units a cell may carry after its number (formulas/fields.yaml: unit, count_units).
FIELD_UNIT = {
    "labour_force": "person",
    "entrepreneurs": "person",
    "new_entrepreneurs": "person",
    "startup_entities": "entity",
    "startup_jobs": "person",
    "new_urban_jobs": "person",
    "trainees": "person",
    "trainees_certified": "person",
    "trainees_started": "person",
    "cohort_births": "entity",
    "cohort_survivors": "entity",
    "graduate_entrepreneurs": "person",
    "eligible_applicants": "person",
    "supported_applicants": "person",
    "survey_respondents": "person",
    "survey_satisfied": "person",
    "active_entities": "entity",
    "active_entities_base": "entity",
    "active_entity_years": "year",
    "incubated_entities": "entity",
}
COUNT_UNITS = {"person": ("人", "名", "位", "个"), "entity": ("个", "户", "家", "项", "所"), "year": ("年", "年度")}
FOREIGN_UNITS = ("人", "个", "户", "家", "年", "元", "万元", "人次", "%")

HEADERS = {name: text for name, text in CANONICAL_HEADERS.items() if name != "park_type"}
ALIASES = {  # some of the aliases in formulas/fields.yaml
    "unit_code": ["统计用区划代码", "区划代码"],
    "unit_name": ["名称", "地区名称"],
    "level": ["层级", "单位级别"],
    "parent_code": ["上级代码", "所属单位代码"],
    "year": ["年度", "统计年份"],
    "labour_force": ["常住劳动年龄人口数"],
    "entrepreneurs": ["实有创业人员数"],
    "new_entrepreneurs": ["新增创业人数"],
    "startup_entities": ["新创办创业实体数"],
    "startup_jobs": ["带动就业人数"],
    "new_urban_jobs": ["新增就业人数"],
    "trainees": ["创业培训人数"],
    "trainees_certified": ["培训合格人数"],
    "trainees_started": ["培训后创业人数"],
    "cohort_births": ["三年前新创办实体数"],
    "cohort_survivors": ["存活实体数"],
    "graduate_entrepreneurs": ["高校毕业生创业人数"],
    "eligible_applicants": ["符合政策条件人数"],
    "supported_applicants": ["享受政策人数"],
    "survey_respondents": ["有效样本数"],
    "survey_satisfied": ["满意人数"],
    "active_entities": ["实有创业实体数"],
    "active_entities_base": ["基期创业实体实有数"],
    "active_entity_years": ["创业实体经营年数合计"],
    "incubated_entities": ["在孵实体数"],
}
COUNTS = list(FIELD_UNIT)
HEADER_SUFFIX = {"person": ("（人）", "(人)"), "entity": ("（个）", "(户)"), "year": ("（年）",)}
GROUP_LABELS = ("创业情况", "创业培训", "扶持政策落实情况", "满意度调查", "主要指标", "其中")
TITLES = ("{year}年度创业型城市建设情况统计表", "创业型城市建设情况统计表", "{year}年创业工作统计报表")
TITLE_LINES = (
    "表号：人社创01表",
    "填报单位：南京市江宁区人力资源和社会保障局",
    "计量单位：人、个",
    "制定机关：江苏省人力资源和社会保障厅",
)
FOOTERS = ("单位负责人：张三", "统计负责人：李四", "填表人：王五", "报出日期：2017年1月15日")
TOTALS = ("合计", "合 计", "总计", "全区合计")
STEMS = "甲乙丙丁戊己庚辛壬癸"
LEVELS = {
    "street": ("街道", "乡镇", "镇", "街道办事处"),
    "community": ("社区", "居委会"),
    "village": ("村", "村委会"),
    "park": ("园区", "创业园", "开发区"),
}
PLACES = ("东山", "秣陵", "汤山", "淳化", "禄口", "横溪", "谷里", "湖熟")
SUFFIXES = {"street": "街道", "community": "社区", "village": "村", "park": "创业园"}
COUNTIES = ("320115", "320583", "110105", "440305")


@dataclass(frozen=True)
class ErrorValue:
    """A formula's error value (#DIV/0!, #N/A …), as Excel saves it: a cell of type error."""

    text: str


@dataclass(frozen=True)
class Formula:
    """A formula and the value Excel saved with it (None: a file no spreadsheet program ever calculated)."""

    formula: str
    cached: float | None = None


@dataclass(frozen=True)
class Formatted:
    """A number shown through a number format (#,##0, 0"人"); ``shown`` is the text Excel displays."""

    number: float
    code: str
    shown: str


@dataclass(frozen=True)
class Value:
    """A count cell: what is written, the number it holds, and the finding codes that may name it instead.

    ``number`` None: the cell holds no count, so the frame must be blank there *and* a finding with a code in
    ``codes`` must name the cell; a blank (``kind`` "blank") must be blank with no finding at all. ``seen`` is
    the value such a finding must show (None: not checked beyond being present).
    """

    kind: str
    cell: Any
    number: float | None = None
    codes: frozenset[str] = frozenset()
    seen: str | None = None

    @property
    def blank(self) -> bool:
        return self.kind == "blank"

    def __repr__(self) -> str:
        return f"{self.kind}:{self.cell!r}"

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:  # hypothesis prints this, not the fields
        printer.text(repr(self))


BLANK = Value("blank", None)


def severity_of(code: str) -> str:
    return "warning" if code == "not-applicable" else "error"


def shown_number(number: float) -> str:
    """A number as a finding shows it (12.0 -> "12")."""
    return str(int(number)) if number.is_integer() and abs(number) < 1e15 else str(number)


def full_width(text: str) -> str:
    return text.translate(str.maketrans("0123456789,.", "０１２３４５６７８９，．"))


# -- values ---------------------------------------------------------------------------------------------------------

SMALL = st.integers(0, 10**6)
LARGE = st.integers(1_000, 10**9)


def kept(unit: str) -> st.SearchStrategy[Value]:
    """Counts every reader must keep, exactly: numbers, whole floats, numbers typed as text in the ways people do."""
    units = COUNT_UNITS[unit]
    spaces = st.sampled_from(["", " ", "　"])
    formats = {"person": '0"人"', "entity": '0"个"', "year": '0"年"'}
    return st.one_of(
        SMALL.map(lambda n: Value("int", n, float(n))),
        SMALL.map(lambda n: Value("float", float(n), float(n))),
        LARGE.map(lambda n: Value("thousands", f"{n:,}", float(n))),
        st.tuples(LARGE, st.booleans()).map(
            lambda t: Value("full-width", full_width(f"{t[0]:,}" if t[1] else str(t[0])), float(t[0]))
        ),
        st.tuples(LARGE, st.booleans(), spaces, st.sampled_from(units), st.booleans()).map(
            lambda t: Value(
                "with-unit",
                (full_width if t[4] else str)(f"{t[0]:,}" if t[1] else str(t[0])) + t[2] + t[3],
                float(t[0]),
            )
        ),
        st.tuples(SMALL, st.sampled_from([" ", "  ", "　"])).map(
            lambda t: Value("padded", f"{t[1]}{t[0]}{t[1]}", float(t[0]))
        ),
        st.tuples(SMALL, st.sampled_from(["#,##0", "0.00", formats[unit]])).map(
            lambda t: Value("formatted", Formatted(float(t[0]), t[1], _display(t[0], t[1])), float(t[0]))
        ),
        SMALL.map(lambda n: Value("formula", Formula(f"={n}*1", float(n)), float(n))),
    )


def _display(number: int, code: str) -> str:
    if code == "#,##0":
        return f"{number:,}"
    if code == "0.00":
        return f"{number:.2f}"
    return str(number) + code.split('"')[1]


def blanks() -> st.SearchStrategy[Value]:
    return st.sampled_from([BLANK, Value("blank", " "), Value("blank", "   ")])


def refused_text(unit: str) -> st.SearchStrategy[Value]:
    """Text that holds no count: words, a unit the field does not count in, NaN and infinities."""
    foreign = [name for name in FOREIGN_UNITS if name not in COUNT_UNITS[unit]]
    nan_code = frozenset({"not-a-number"})
    return st.one_of(
        st.sampled_from(["约300", "不详", "待统计", "三百", "见附表", "x", "12,45", "1,2345"]).map(
            lambda text: Value("text", text, None, nan_code, text)
        ),
        st.tuples(SMALL, st.sampled_from(foreign)).map(
            lambda t: Value("foreign-unit", f"{t[0]}{t[1]}", None, nan_code, f"{t[0]}{t[1]}")
        ),
        st.sampled_from(["NaN", "nan", "inf", "-inf", "Infinity", "INF"]).map(
            lambda text: Value("nan-text", text, None, nan_code, text)
        ),
        # 1.2万 is 12,000 to a person: kept as that number, or refused with a finding
        st.just(Value("wan", "1.2万", 12000.0, nan_code, "1.2万")),
    )


def typed(unit: str) -> st.SearchStrategy[Value]:
    """Cells of a type that is no count: logical values, dates, formula errors, formulas never calculated."""
    dates = st.dates(datetime.date(2000, 1, 1), datetime.date(2030, 12, 31))
    return st.one_of(
        st.booleans().map(lambda b: Value("bool", b, None, frozenset({"boolean-cell"}), str(b).upper())),
        dates.map(lambda d: Value("date", d, None, frozenset({"date-cell"}))),
        dates.map(
            lambda d: Value(
                "datetime", datetime.datetime(d.year, d.month, d.day, 8, 30), None, frozenset({"date-cell"})
            )
        ),
        st.sampled_from(["#DIV/0!", "#N/A", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#NULL!"]).map(
            lambda text: Value("error", ErrorValue(text), None, frozenset({"error-cell"}), text)
        ),
        st.just(Value("formula-without-value", Formula("=1+1"), None, frozenset({"formula-without-value"}))),
    )


def out_of_range(unit: str) -> st.SearchStrategy[Value]:
    """Numbers that are no count: negative, fractional, larger than 10^12 — as numbers or as text."""

    def make(kind: str, number: float, codes: set[str], as_text: bool) -> Value:
        cell: Any = (shown_number(number) if as_text else number) if kind != "huge-int" else int(number)
        return Value(kind, cell, None, frozenset(codes), shown_number(number))

    fraction = st.tuples(SMALL, st.sampled_from([0.5, 0.25, 0.1, 0.75]))
    return st.one_of(
        st.tuples(st.integers(1, 10**6), st.booleans()).map(
            lambda t: make("negative", -float(t[0]), {"constraint-ge"}, t[1])
        ),
        st.tuples(fraction, st.booleans()).map(
            lambda t: make("fraction", t[0][0] + t[0][1], {"constraint-multiple_of"}, t[1])
        ),
        st.tuples(fraction, st.booleans()).map(
            lambda t: make("negative-fraction", -(t[0][0] + t[0][1]), {"constraint-ge", "constraint-multiple_of"}, t[1])
        ),
        st.tuples(st.integers(10**12 + 1, 10**14), st.booleans()).map(
            lambda t: make("huge", float(t[0]), {"constraint-le"}, t[1])
        ),
        st.integers(10**12 + 1, 10**14).map(lambda n: make("huge-int", float(n), {"constraint-le"}, False)),
    )


def not_applicable(unit: str) -> st.SearchStrategy[Value]:
    """A dash for "not applicable": missing, never zero, and a warning naming the cell."""
    dashes = st.sampled_from(["—", "-", "–", "——", "--", "/", "－", "─", "…", "……"])
    return st.tuples(dashes, st.sampled_from(["", " "])).map(
        lambda t: Value("dash", f"{t[1]}{t[0]}{t[1]}", None, frozenset({"not-applicable"}), t[0])
    )


FAMILIES: dict[str, Callable[[str], st.SearchStrategy[Value]]] = {
    "kept": kept,
    "refused-text": refused_text,
    "typed": typed,
    "out-of-range": out_of_range,
    "not-applicable": not_applicable,
}


def values(family: str, unit: str) -> st.SearchStrategy[Value]:
    """A count cell of one family, among blanks and counts that must be kept."""
    own = FAMILIES[family](unit)
    return st.one_of(blanks(), kept(unit), own, own)


def adapt(value: Value, form: str) -> Value:
    """The cell as ``form`` can hold it: a CSV has only text, xlwt and odfpy save no formula values."""
    cell = value.cell
    if form == "csv":
        return _as_text(value)
    if isinstance(cell, Formula):
        if (form == "xlsxwriter" and cell.cached is not None) or (form == "openpyxl" and cell.cached is None):
            return value
        # openpyxl, xlwt and odfpy cannot save a formula's value; XlsxWriter saves 0 for one never calculated
        return BLANK if cell.cached is None else replace(value, kind="int", cell=cell.cached)
    if isinstance(cell, ErrorValue) and form == "ods":
        return replace(value, kind="error-text", cell=cell.text)
    if isinstance(cell, Formatted) and form == "ods":
        return replace(value, cell=cell.number)
    return value


def _as_text(value: Value) -> Value:
    """What Excel's "Save as CSV" writes for the cell, and what the reader may then make of it."""
    cell = value.cell
    if cell is None:
        return value
    if isinstance(cell, bool):
        return replace(value, cell=str(cell).upper(), codes=frozenset({"not-a-number", "boolean-cell"}))
    if isinstance(cell, datetime.datetime):
        return replace(value, cell=cell.strftime("%Y-%m-%d %H:%M"), codes=frozenset({"not-a-number", "date-cell"}))
    if isinstance(cell, datetime.date):
        return replace(value, cell=cell.isoformat(), codes=frozenset({"not-a-number", "date-cell"}))
    if isinstance(cell, ErrorValue):
        return replace(value, cell=cell.text)
    if isinstance(cell, Formula):
        return BLANK if cell.cached is None else replace(value, cell=shown_number(cell.cached))
    if isinstance(cell, Formatted):
        return replace(value, cell=cell.shown)
    if isinstance(cell, int | float):
        return replace(value, cell=shown_number(float(cell)))
    return value


# -- sheets ---------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CountCell:
    row: int  # 0-based
    column: int  # 0-based
    field: str
    value: Value


@dataclass
class Sheet:
    """The cells of a return's data sheet (0-based row, column) and what the reader must make of them."""

    name: str
    cells: dict[tuple[int, int], Any]
    merges: list[tuple[int, int, int, int]]  # top, left, bottom, right: 0-based, inclusive
    columns: dict[str, tuple[int, str]]  # field -> (0-based column, the header text naming it)
    units: dict[int, str]  # Excel row -> unit code
    counts: list[CountCell]
    total: int | None = None  # Excel row of the 合计 row
    others: list[int] = field(default_factory=list)  # Excel rows of title, header, code row and footer
    instructions: bool = False  # a 填表说明 sheet before the data
    inline_strings: bool = False  # XlsxWriter's constant_memory mode: strings inline, not shared

    @property
    def height(self) -> int:
        return max(row for row, _ in self.cells) + 1

    @property
    def width(self) -> int:
        return max(column for _, column in self.cells) + 1

    def expected(self, form: str) -> list[CountCell]:
        return [replace(cell, value=adapt(cell.value, form)) for cell in self.counts]

    def grid(self, form: str) -> list[list[Any]]:
        rows: list[list[Any]] = [[None] * self.width for _ in range(self.height)]
        for (row, column), value in self.cells.items():
            rows[row][column] = adapt(value, form).cell if isinstance(value, Value) else value
        return rows

    def __repr__(self) -> str:
        lines = [f"Sheet {self.name!r} merges={self.merges} instructions={self.instructions}"]
        for index, row in enumerate(self.grid("openpyxl")):
            shown = [
                repr(self.cells[(index, column)]) if isinstance(self.cells.get((index, column)), Value) else repr(cell)
                for column, cell in enumerate(row)
            ]
            lines.append(f"  {index + 1:>2}: " + ", ".join(shown))
        return "\n".join(lines)

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        printer.text(repr(self))


@dataclass
class _Column:
    field: str | None  # None: a column no field maps (序号, 备注, 联系电话)
    text: str
    stack: list[int] = field(default_factory=list)  # group ids over it, outermost first
    style: str = "merge"  # where its text stands in a deep header: merged down, at the top, at the bottom


def header_text(draw: Any, name: str) -> str:
    base = draw(st.sampled_from([HEADERS[name], *ALIASES[name]]))
    variant = draw(st.sampled_from(["plain", "plain", "suffix", "break", "spaced"]))
    if variant == "suffix" and name in FIELD_UNIT | {"year": "year"}:
        return base + draw(st.sampled_from(HEADER_SUFFIX[FIELD_UNIT.get(name, "year")]))
    if variant == "break" and len(base) > 3:
        cut = draw(st.integers(1, len(base) - 1))
        return base[:cut] + "\n" + base[cut:]
    if variant == "spaced" and len(base) <= 4:
        return " ".join(base)
    return base


@st.composite
def sheets(draw: Any, family: str = "kept", max_units: int = 4, max_counts: int = 5) -> Sheet:
    """A return's data sheet in a layout bureaus use, its count cells drawn from ``family``."""
    year = draw(st.sampled_from([2015, 2016, 2017]))
    county = draw(st.sampled_from(COUNTIES))
    kinds = draw(st.lists(st.sampled_from(["street", "community", "village", "park"]), min_size=1, max_size=max_units))
    units = _units(draw, county, kinds)
    counts = draw(st.lists(st.sampled_from(COUNTS), min_size=1, max_size=max_counts, unique=True))
    with_parent = any(kind == "park" for kind in kinds) or draw(st.booleans())
    with_year = draw(st.booleans())
    mapped = ["unit_code", "unit_name", "level", *(["parent_code"] if with_parent else []), *counts]
    if with_year:
        mapped.insert(draw(st.integers(3, len(mapped))), "year")
    mapped = draw(st.permutations(mapped))
    columns = [_Column(name, header_text(draw, name)) for name in mapped]
    for label in draw(st.lists(st.sampled_from(["备注", "联系电话", "备 注"]), max_size=2)):
        columns.insert(draw(st.integers(0, len(columns))), _Column(None, label))
    if draw(st.booleans()):
        columns.insert(0, _Column(None, "序号"))
    depth = draw(st.integers(1, 3))
    groups = _group_columns(draw, columns, depth)
    left = draw(st.integers(0, 1))
    top = draw(st.integers(0, 1))
    width = len(columns)
    cells: dict[tuple[int, int], Any] = {}
    merges: list[tuple[int, int, int, int]] = []
    others: list[int] = []

    def put(row: int, column: int, value: Any) -> None:
        if value is not None:
            cells[(top + row, left + column)] = value

    def merge(r1: int, c1: int, r2: int, c2: int) -> None:
        if (r1, c1) != (r2, c2):
            merges.append((top + r1, left + c1, top + r2, left + c2))

    # title block: 0-4 rows; a year in it is the year of every unit (any 统计年度 column says the same)
    row = 0
    titles = draw(st.lists(st.sampled_from(TITLE_LINES), max_size=3, unique=True))
    if draw(st.booleans()):
        titles.insert(0, draw(st.sampled_from(TITLES)).format(year=year))
    for text in titles:
        if text in TITLE_LINES and width >= 4 and draw(st.booleans()):
            put(row, 0, text)
            put(row, width // 2, draw(st.sampled_from(TITLE_LINES)))
        else:
            put(row, 0, text)
            if draw(st.booleans()):
                merge(row, 0, row, width - 1)
        others.append(top + row + 1)
        row += 1
    if titles and draw(st.booleans()):
        row += 1  # a blank line under the title
    # header block
    for index, column in enumerate(columns):
        level = len(column.stack)
        if level == depth - 1 or column.style == "bottom":
            put(row + depth - 1, index, column.text)
        else:
            put(row + level, index, column.text)
            if column.style == "merge":
                merge(row + level, index, row + depth - 1, index)
    for group, (level, label) in groups.items():
        span = [index for index, column in enumerate(columns) if group in column.stack]
        put(row + level, span[0], label)
        merge(row + level, span[0], row + level, span[-1])
    others += [top + row + offset + 1 for offset in range(depth)]
    row += depth
    if draw(st.booleans()):  # column codes: 甲 乙 丙 … over the texts, 1 2 3 … over the counts
        stems = iter(STEMS)
        numbers = iter(range(1, width + 1))
        as_text = draw(st.booleans())
        for index, column in enumerate(columns):
            if column.field in FIELD_UNIT:
                number = next(numbers)
                put(row, index, str(number) if as_text else number)
            else:
                put(row, index, next(stems))
        others.append(top + row + 1)
        row += 1

    where = {column.field: index for index, column in enumerate(columns) if column.field}
    serial = next((index for index, column in enumerate(columns) if column.text == "序号"), None)
    total_at = draw(st.sampled_from([None, "first", "last"]))
    total: int | None = None

    def total_row() -> None:
        nonlocal row, total
        label_field = draw(st.sampled_from(["unit_name", "unit_code"]))
        put(row, where[label_field], draw(st.sampled_from(TOTALS)))
        for name in counts:
            put(row, where[name], draw(st.one_of(st.none(), SMALL)))
        total = top + row + 1
        row += 1

    if total_at == "first":
        total_row()
    unit_rows: dict[int, str] = {}
    count_cells: list[CountCell] = []
    for number, unit in enumerate(units, start=1):
        if serial is not None:
            put(row, serial, number)
        put(row, where["unit_code"], unit["code"])
        put(row, where["unit_name"], unit["name"])
        put(row, where["level"], unit["level"])
        if with_parent:
            put(row, where["parent_code"], unit["parent"] if unit["parent"] or draw(st.booleans()) else None)
        if with_year:
            put(row, where["year"], year)
        for index, column in enumerate(columns):
            if column.field is None and column.text != "序号":
                put(row, index, draw(st.sampled_from([None, "无", "已核实", "025-52121234"])))
        for name in counts:
            value = draw(values(family, FIELD_UNIT[name]))
            cells[(top + row, left + where[name])] = value
            count_cells.append(CountCell(top + row, left + where[name], name, value))
        unit_rows[top + row + 1] = unit["code"]
        row += 1
    if total_at == "last":
        total_row()
    if draw(st.booleans()):
        if draw(st.booleans()):
            row += 1
        texts = draw(st.lists(st.sampled_from(FOOTERS), min_size=1, max_size=4, unique=True))
        places = sorted(
            draw(st.lists(st.integers(0, width - 1), min_size=len(texts), max_size=len(texts), unique=True))
        )
        for text, place in zip(texts, places, strict=True):
            put(row, place, text)
        others.append(top + row + 1)
        row += 1
    return Sheet(
        name=draw(st.sampled_from(["数据", "创业统计", "Sheet1", "表1"])),
        cells=cells,
        merges=merges,
        columns={column.field: (left + index, column.text) for index, column in enumerate(columns) if column.field},
        units=unit_rows,
        counts=count_cells,
        total=total,
        others=others,
        instructions=draw(st.booleans()),
        inline_strings=draw(st.booleans()),
    )


def _units(draw: Any, county: str, kinds: list[str]) -> list[dict[str, Any]]:
    """Units of one county with distinct codes: streets 320115001000, communities 320115001001, villages 2xx."""
    units = []
    streets = 0
    below: dict[str, int] = {"community": 0, "village": 200}
    parks = 0
    for kind in kinds:
        if kind == "street":
            streets += 1
            code, parent = f"{county}{streets:03d}000", None
        elif kind == "park":
            parks += 1
            code, parent = f"P{county}{parks:02d}", f"{county}000000"
        else:
            below[kind] += 1
            code, parent = f"{county}{max(streets, 1):03d}{below[kind]:03d}", None
        place = draw(st.sampled_from(PLACES))
        units.append(
            {
                "code": code,
                "name": f"{place}{SUFFIXES[kind]}",
                "level": draw(st.sampled_from(LEVELS[kind])),
                "parent": parent,
            }
        )
    return units


def _group_columns(draw: Any, columns: list[_Column], depth: int) -> dict[int, tuple[int, str]]:
    """Put runs of adjacent count columns under merged group labels, up to ``depth`` - 1 levels of them."""
    groups: dict[int, tuple[int, str]] = {}
    for column in columns:
        column.style = draw(st.sampled_from(["merge", "merge", "top", "bottom"])) if depth > 1 else "merge"
    if depth == 1:
        return groups
    runs: list[list[int]] = []
    for index, column in enumerate(columns):
        if column.field in FIELD_UNIT and runs and runs[-1][-1] == index - 1:
            runs[-1].append(index)
        elif column.field in FIELD_UNIT:
            runs.append([index])
    for run in runs:
        outer = depth == 3 and len(run) >= 2 and draw(st.booleans())
        if outer:
            group = len(groups)
            groups[group] = (0, draw(st.sampled_from(GROUP_LABELS)))
            for index in run:
                columns[index].stack.append(group)
        level = 1 if outer else 0
        if level >= depth - 1:
            continue
        start = 0
        while start < len(run):
            size = draw(st.integers(1, len(run) - start))
            if size >= 2 and draw(st.booleans()):
                group = len(groups)
                groups[group] = (level, draw(st.sampled_from(GROUP_LABELS)))
                for index in run[start : start + size]:
                    columns[index].stack.append(group)
            start += size
    return groups


# -- writers --------------------------------------------------------------------------------------------------------


def write(sheet: Sheet, form: str, path: Path) -> Path:
    {"openpyxl": _openpyxl, "xlsxwriter": _xlsxwriter, "xls": _xlwt, "ods": _odfpy, "csv": _csv}[form](sheet, path)
    return path


INSTRUCTIONS = ("填表说明", "1. 本表由街道（乡镇）、社区（村）和园区填报。", "2. 空白表示未统计。")


def _openpyxl(sheet: Sheet, path: Path) -> None:
    from openpyxl import Workbook

    workbook = Workbook()
    data = workbook.active
    data.title = sheet.name
    if sheet.instructions:
        notes = workbook.create_sheet("填表说明", 0)
        for line in INSTRUCTIONS:
            notes.append([line])
    for row, values in enumerate(sheet.grid("openpyxl"), start=1):
        for column, value in enumerate(values, start=1):
            if value is None:
                continue
            cell = data.cell(row=row, column=column)
            if isinstance(value, ErrorValue):
                cell.value = value.text  # openpyxl writes an error code as a cell of type error
            elif isinstance(value, Formula):
                cell.value = value.formula
            elif isinstance(value, Formatted):
                cell.value = value.number
                cell.number_format = value.code
            else:
                cell.value = value
                if isinstance(value, str):
                    cell.data_type = "s"  # text, never a formula or an error
                elif isinstance(value, datetime.datetime):
                    cell.number_format = "yyyy-mm-dd hh:mm"
                elif isinstance(value, datetime.date):
                    cell.number_format = "yyyy-mm-dd"
    for top, left, bottom, right in sheet.merges:
        data.merge_cells(start_row=top + 1, start_column=left + 1, end_row=bottom + 1, end_column=right + 1)
    workbook.save(path)


def _xlsxwriter(sheet: Sheet, path: Path) -> None:
    import xlsxwriter

    workbook = xlsxwriter.Workbook(str(path), {"constant_memory": sheet.inline_strings})
    if sheet.instructions:
        notes = workbook.add_worksheet("填表说明")
        for row, line in enumerate(INSTRUCTIONS):
            notes.write_string(row, 0, line)
    data = workbook.add_worksheet(sheet.name)
    formats: dict[str, Any] = {}

    def number_format(code: str) -> Any:
        if code not in formats:
            formats[code] = workbook.add_format({"num_format": code})
        return formats[code]

    merged = {(top, left): (bottom, right) for top, left, bottom, right in sheet.merges}
    for row, values in enumerate(sheet.grid("xlsxwriter")):
        for column, value in enumerate(values):
            if (row, column) in merged:
                bottom, right = merged[(row, column)]
                data.merge_range(row, column, bottom, right, value)
            elif value is None:
                continue
            elif isinstance(value, ErrorValue):
                data.write_formula(row, column, "=1/0" if value.text == "#DIV/0!" else "=NA()", None, value.text)
            elif isinstance(value, Formula):
                data.write_formula(row, column, value.formula, None, value.cached)
            elif isinstance(value, Formatted):
                data.write_number(row, column, value.number, number_format(value.code))
            elif isinstance(value, bool):
                data.write_boolean(row, column, value)
            elif isinstance(value, datetime.datetime):
                data.write_datetime(row, column, value, number_format("yyyy-mm-dd hh:mm"))
            elif isinstance(value, datetime.date):
                data.write_datetime(row, column, value, number_format("yyyy-mm-dd"))
            elif isinstance(value, str):
                data.write_string(row, column, value)
            else:
                data.write_number(row, column, value)
    workbook.close()


# BIFF error codes: xlwt's own table of names gives #VALUE! the code of #NUM! and has no #N/A
XLS_ERRORS = {
    "#NULL!": 0x00,
    "#DIV/0!": 0x07,
    "#VALUE!": 0x0F,
    "#REF!": 0x17,
    "#NAME?": 0x1D,
    "#NUM!": 0x24,
    "#N/A": 0x2A,
}


def _xlwt(sheet: Sheet, path: Path) -> None:
    import xlwt

    book = xlwt.Workbook(encoding="utf-8")
    if sheet.instructions:
        notes = book.add_sheet("填表说明")
        for row, line in enumerate(INSTRUCTIONS):
            notes.write(row, 0, line)
    data = book.add_sheet(sheet.name)
    styles: dict[str, Any] = {}

    def style(code: str) -> Any:
        if code not in styles:
            styles[code] = xlwt.easyxf(num_format_str=code)
        return styles[code]

    merged = {(top, left): (bottom, right) for top, left, bottom, right in sheet.merges}
    for row, values in enumerate(sheet.grid("xls")):
        for column, value in enumerate(values):
            if (row, column) in merged:
                bottom, right = merged[(row, column)]
                data.write_merge(row, bottom, column, right, value)
            elif value is None:
                continue
            elif isinstance(value, ErrorValue):
                data.row(row).set_cell_error(column, XLS_ERRORS[value.text])
            elif isinstance(value, Formatted):
                data.write(row, column, value.number, style(value.code))
            elif isinstance(value, datetime.datetime):
                data.write(row, column, value, style("yyyy-mm-dd hh:mm"))
            elif isinstance(value, datetime.date):
                data.write(row, column, value, style("yyyy-mm-dd"))
            else:
                data.write(row, column, value)
    book.save(str(path))


def _odfpy(sheet: Sheet, path: Path) -> None:
    from odf.opendocument import OpenDocumentSpreadsheet
    from odf.table import CoveredTableCell, Table, TableCell, TableRow
    from odf.text import P

    document = OpenDocumentSpreadsheet()
    if sheet.instructions:
        notes = Table(name="填表说明")
        for line in INSTRUCTIONS:
            cell = TableCell(valuetype="string")
            cell.addElement(P(text=line))
            line_row = TableRow()
            line_row.addElement(cell)
            notes.addElement(line_row)
        document.spreadsheet.addElement(notes)
    data = Table(name=sheet.name)
    merged = {(top, left): (bottom, right) for top, left, bottom, right in sheet.merges}
    covered = {
        (row, column)
        for top, left, bottom, right in sheet.merges
        for row in range(top, bottom + 1)
        for column in range(left, right + 1)
        if (row, column) != (top, left)
    }
    for row, values in enumerate(sheet.grid("ods")):
        table_row = TableRow()
        for column, value in enumerate(values):
            if (row, column) in covered:
                table_row.addElement(CoveredTableCell())
                continue
            span: dict[str, Any] = {}
            if (row, column) in merged:
                bottom, right = merged[(row, column)]
                span = {"numberrowsspanned": bottom - row + 1, "numbercolumnsspanned": right - column + 1}
            table_row.addElement(_ods_cell(value, span, TableCell, P))
        data.addElement(table_row)
    document.spreadsheet.addElement(data)
    document.save(str(path))


def _ods_cell(value: Any, span: dict[str, Any], table_cell: Any, paragraph: Any) -> Any:
    if value is None:
        return table_cell(**span)
    if isinstance(value, bool):
        cell = table_cell(valuetype="boolean", booleanvalue=str(value).lower(), **span)
        text = str(value).upper()
    elif isinstance(value, datetime.datetime):
        cell = table_cell(valuetype="date", datevalue=value.isoformat(), **span)
        text = value.strftime("%Y-%m-%d %H:%M")
    elif isinstance(value, datetime.date):
        cell = table_cell(valuetype="date", datevalue=value.isoformat(), **span)
        text = value.isoformat()
    elif isinstance(value, int | float):
        cell = table_cell(valuetype="float", value=repr(value), **span)
        text = shown_number(float(value))
    else:
        cell = table_cell(valuetype="string", **span)
        text = str(value)
    cell.addElement(paragraph(text=text))
    return cell


def _csv(sheet: Sheet, path: Path) -> None:
    with path.open("w", encoding="gb18030", newline="") as stream:
        writer = csv.writer(stream)
        for values in sheet.grid("csv"):
            writer.writerow(["" if value is None else str(value) for value in values])


def tidy(header: list[str], rows: list[list[Any]], name: str = "数据") -> Sheet:
    """A one-row header over unit rows, as given: a count cell is a ``Value``, any other cell is written as is."""
    fields = {text: next((key for key, value in HEADERS.items() if value == text), None) for text in header}
    cells: dict[tuple[int, int], Any] = {(0, index): text for index, text in enumerate(header)}
    units: dict[int, str] = {}
    counts: list[CountCell] = []
    for row, values in enumerate(rows, start=1):
        for index, value in enumerate(values):
            name_of = fields[header[index]]
            if name_of in FIELD_UNIT and not isinstance(value, Value):
                value = BLANK if value is None else Value("int", value, float(value))
            if isinstance(value, Value):
                counts.append(CountCell(row, index, str(name_of), value))
            if value is not None:
                cells[(row, index)] = value
            if name_of == "unit_code":
                units[row + 1] = value
    columns = {name: (index, text) for index, (text, name) in enumerate(fields.items()) if name}
    return Sheet(name=name, cells=cells, merges=[], columns=columns, units=units, counts=counts, others=[1])


def folded(text: object) -> str:
    """Text compared as a person reads it: width folded, spaces and case ignored."""
    return unicodedata.normalize("NFKC", str(text)).strip().casefold()
