"""Write large returns in the realistic layout (title block, two-row header, code row, 合计 row) fast."""

from __future__ import annotations

import argparse
import zipfile
from pathlib import Path
from xml.sax.saxutils import escape

import numpy as np

HEADER_TOP = [
    "单位代码",
    "单位名称",
    "单位层级",
    "上级单位代码",
    "劳动年龄人口数",
    "创业情况",
    None,
    None,
    None,
    "城镇新增就业人数",
    "创业培训",
    None,
    None,
    "三年前新创办创业实体数",
    "三年前新创办实体存活数",
    "大学生创业人数",
    "符合扶持政策条件人数",
    "享受扶持政策人数",
    "满意度调查有效样本数",
    "满意度调查满意人数",
]
HEADER_BOTTOM = (
    [None] * 5
    + [
        "创业人员实有数",
        "当年新增创业人数",
        "当年新创办创业实体数",
        "创业带动就业人数",
        None,
        "参加创业培训人数",
        "创业培训合格人数",
        "培训后成功创业人数",
    ]
    + [None] * 7
)
COUNTS = [
    "labour_force",
    "entrepreneurs",
    "new_entrepreneurs",
    "startup_entities",
    "startup_jobs",
    "new_urban_jobs",
    "trainees",
    "trainees_certified",
    "trainees_started",
    "cohort_births",
    "cohort_survivors",
    "graduate_entrepreneurs",
    "eligible_applicants",
    "supported_applicants",
    "survey_respondents",
    "survey_satisfied",
]
WIDTH = 20


def letters(index: int) -> str:
    out = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        out = chr(65 + rest) + out
    return out


COLUMNS = [letters(i) for i in range(WIDTH)]


def community_counts(rng: np.random.Generator, n: int) -> dict[str, np.ndarray]:
    """Plausible counts that respect every part-of rule."""
    labour = rng.integers(2_000, 20_000, n)
    entrepreneurs = (labour * rng.uniform(0.04, 0.09, n)).astype(np.int64)
    new = (entrepreneurs * rng.uniform(0.08, 0.14, n)).astype(np.int64)
    trainees = (new * rng.uniform(0.6, 1.0, n)).astype(np.int64)
    certified = (trainees * rng.uniform(0.85, 0.97, n)).astype(np.int64)
    births = (new * rng.uniform(0.5, 0.7, n)).astype(np.int64)
    eligible = (new * rng.uniform(0.6, 0.8, n)).astype(np.int64)
    respondents = rng.integers(50, 120, n)
    return {
        "labour_force": labour,
        "entrepreneurs": entrepreneurs,
        "new_entrepreneurs": new,
        "startup_entities": (new * rng.uniform(0.5, 0.7, n)).astype(np.int64),
        "startup_jobs": (new * rng.uniform(5.0, 8.0, n)).astype(np.int64),
        "new_urban_jobs": (new * rng.uniform(12.0, 16.0, n)).astype(np.int64),
        "trainees": trainees,
        "trainees_certified": certified,
        "trainees_started": (certified * rng.uniform(0.45, 0.6, n)).astype(np.int64),
        "cohort_births": births,
        "cohort_survivors": (births * rng.uniform(0.65, 0.75, n)).astype(np.int64),
        "graduate_entrepreneurs": (new * rng.uniform(0.15, 0.3, n)).astype(np.int64),
        "eligible_applicants": eligible,
        "supported_applicants": (eligible * rng.uniform(0.9, 0.99, n)).astype(np.int64),
        "survey_respondents": respondents,
        "survey_satisfied": (respondents * rng.uniform(0.85, 0.95, n)).astype(np.int64),
    }


def rows_for(total: int, seed: int = 2016) -> tuple[list[str], list[str], list[str], dict[str, np.ndarray]]:
    """Communities grouped 30 to a street, 20 streets to a county; all street rows first, then the communities."""
    rng = np.random.default_rng(seed)
    per_street, streets_per_county = 30, 20
    streets = max(1, total // (per_street + 1))
    communities = total - streets
    street_of = np.repeat(np.arange(streets), per_street)[:communities]
    if len(street_of) < communities:
        street_of = np.concatenate([street_of, np.full(communities - len(street_of), streets - 1)])
    counts = community_counts(rng, communities)
    street_sums = {
        name: np.bincount(street_of, weights=values, minlength=streets).astype(np.int64)
        for name, values in counts.items()
    }
    street_codes = []
    for street in range(streets):
        county = street // streets_per_county
        # two digits each for province, city and county (01-99), so 99 counties to a city, 99 cities to a province
        province, rest = divmod(county, 99 * 99)
        city, county_in_city = divmod(rest, 99)
        street_codes.append(
            f"{11 + province:02d}{1 + city:02d}{1 + county_in_city:02d}{1 + street % streets_per_county:03d}000"
        )
    community_index = np.arange(communities)
    position = community_index - np.searchsorted(street_of, street_of)
    community_codes = [f"{street_codes[s][:9]}{1 + p:03d}" for s, p in zip(street_of, position, strict=True)]
    codes = street_codes + community_codes
    names = [f"街道{i}" for i in range(streets)] + [f"社区{i}" for i in range(communities)]
    levels = ["街道"] * streets + ["社区"] * communities
    merged = {name: np.concatenate([street_sums[name] + rng.integers(0, 50, streets), counts[name]]) for name in COUNTS}
    # a street's parts must stay within its wholes after the random top-up
    merged["new_entrepreneurs"][:streets] = street_sums["new_entrepreneurs"]
    merged["graduate_entrepreneurs"][:streets] = street_sums["graduate_entrepreneurs"]
    merged["trainees_certified"][:streets] = street_sums["trainees_certified"]
    merged["trainees_started"][:streets] = street_sums["trainees_started"]
    merged["cohort_survivors"][:streets] = street_sums["cohort_survivors"]
    merged["supported_applicants"][:streets] = street_sums["supported_applicants"]
    merged["survey_satisfied"][:streets] = street_sums["survey_satisfied"]
    return codes, names, levels, merged


def write_xlsx(path: Path, total_rows: int, *, year: int = 2016, warn_every_row: bool = False) -> Path:
    """A return of ``total_rows`` units for ``year`` (its counts drawn afresh for each year); with
    ``warn_every_row``, every unit's 创业参与率 above the plausible 30 % (a warning on each row, no error)."""
    codes, names, levels, counts = rows_for(total_rows, seed=year)
    if warn_every_row:
        counts["labour_force"] = counts["new_entrepreneurs"] * 3
    n = len(codes)
    merges = ["A1:T1", "F4:I4", "K4:M4"] + [f"{c}4:{c}5" for c in COLUMNS if c not in "FGHIKLM"]
    lines = [
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>',
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>',
        _text_row(1, [f"{year}年度创业型城市建设情况统计表"]),
        _text_row(2, ["表号：人社创01表"] + [None] * 9 + ["制定机关：人力资源和社会保障厅"]),
        _text_row(3, ["填报单位：（汇总）"] + [None] * 9 + ["计量单位：人、个"]),
        _text_row(4, HEADER_TOP),
        _text_row(5, HEADER_BOTTOM),
        _text_row(6, ["甲", "乙", "丙", "丁"] + [str(i) for i in range(1, WIDTH - 3)]),
    ]
    totals = [int(counts[name][: len([c for c in codes if c.endswith("000")])].sum()) for name in COUNTS]
    lines.append(_row(7, [("s", None), ("s", "合计"), ("s", None), ("s", None)] + [("n", v) for v in totals]))
    body_columns = [np.char.mod("%d", counts[name]) for name in COUNTS]
    for index in range(n):
        row = index + 8
        cells = [
            f'<c r="A{row}" t="inlineStr"><is><t>{codes[index]}</t></is></c>',
            f'<c r="B{row}" t="inlineStr"><is><t>{names[index]}</t></is></c>',
            f'<c r="C{row}" t="inlineStr"><is><t>{levels[index]}</t></is></c>',
        ]
        cells += [f'<c r="{COLUMNS[4 + k]}{row}"><v>{column[index]}</v></c>' for k, column in enumerate(body_columns)]
        lines.append(f'<row r="{row}">{"".join(cells)}</row>')
    lines.append("</sheetData>")
    lines.append(
        f'<mergeCells count="{len(merges)}">' + "".join(f'<mergeCell ref="{m}"/>' for m in merges) + "</mergeCells>"
    )
    lines.append("</worksheet>")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES)
        archive.writestr("_rels/.rels", ROOT_RELS)
        archive.writestr("xl/workbook.xml", WORKBOOK)
        archive.writestr("xl/_rels/workbook.xml.rels", WORKBOOK_RELS)
        archive.writestr("xl/worksheets/sheet1.xml", "\n".join(lines))
    return path


def _text_row(row: int, values: list[str | None]) -> str:
    return _row(row, [("s", value) for value in values])


def _row(row: int, cells: list[tuple[str, object]]) -> str:
    out = []
    for index, (kind, value) in enumerate(cells):
        if value is None:
            continue
        ref = f"{COLUMNS[index]}{row}"
        if kind == "n":
            out.append(f'<c r="{ref}"><v>{value}</v></c>')
        else:
            out.append(f'<c r="{ref}" t="inlineStr"><is><t>{escape(str(value))}</t></is></c>')
    return f'<row r="{row}">{"".join(out)}</row>'


CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    "</Types>"
)
ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
    'Target="xl/workbook.xml"/></Relationships>'
)
WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheets><sheet name="创业统计" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
    'Target="worksheets/sheet1.xml"/></Relationships>'
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("rows", type=int)
    parser.add_argument("output", type=Path)
    parser.add_argument("--year", type=int, default=2016)
    parser.add_argument("--warn-every-row", action="store_true", help="every unit's participation rate implausible")
    arguments = parser.parse_args()
    write_xlsx(arguments.output, arguments.rows, year=arguments.year, warn_every_row=arguments.warn_every_row)


if __name__ == "__main__":
    main()
