"""Write sample_data/jiangning_2016.xlsx and jiangning_2017.xlsx: an illustrative county return, two years.

`python sample_data/make_sample.py 2017` writes the 2017 file only (openpyxl stamps the time of writing
into each workbook, so writing a file again changes its bytes though not its cells).
"""

from __future__ import annotations

import sys
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Font

HEADERS = [
    "单位代码",
    "单位名称",
    "单位层级",
    "上级单位代码",
    "统计年度",
    "劳动年龄人口数",
    "创业人员实有数",
    "当年新增创业人数",
    "当年新创办创业实体数",
    "创业带动就业人数",
    "城镇新增就业人数",
    "参加创业培训人数",
    "创业培训合格人数",
    "培训后成功创业人数",
    "三年前新创办创业实体数",
    "三年前新创办实体存活数",
    "大学生创业人数",
    "符合扶持政策条件人数",
    "享受扶持政策人数",
    "满意度调查有效样本数",
    "满意度调查满意人数",
]

# Counts follow HEADERS from 劳动年龄人口数 on; None is a blank cell (not collected), never zero.
ROWS = [
    (
        "320115001000",
        "东山街道",
        "街道",
        None,
        2016,
        52000,
        3860,
        420,
        265,
        2730,
        6400,
        380,
        352,
        186,
        240,
        171,
        96,
        310,
        297,
        400,
        366,
    ),
    (
        "320115001001",
        "竹山社区",
        "社区",
        None,
        2016,
        12400,
        910,
        102,
        61,
        640,
        1480,
        88,
        81,
        44,
        57,
        41,
        23,
        74,
        70,
        100,
        93,
    ),
    (
        "320115001002",
        "上坊社区",
        "社区",
        None,
        2016,
        9800,
        705,
        77,
        49,
        515,
        1190,
        70,
        64,
        31,
        45,
        30,
        15,
        58,
        55,
        100,
        89,
    ),
    (
        "320115001203",
        "佘村社区",
        "社区",
        None,
        2016,
        6900,
        430,
        41,
        28,
        212,
        560,
        36,
        33,
        18,
        25,
        19,
        6,
        30,
        27,
        None,
        None,
    ),
    (
        "320115002001",
        "殷巷社区",
        "社区",
        None,
        2016,
        15300,
        1120,
        131,
        83,
        902,
        1850,
        110,
        101,
        57,
        70,
        52,
        30,
        95,
        91,
        120,
        109,
    ),
    (
        "320115002002",
        "将军大道社区",
        "社区",
        None,
        2016,
        13100,
        980,
        118,
        74,
        830,
        1620,
        95,
        90,
        48,
        66,
        47,
        35,
        88,
        85,
        110,
        97,
    ),
    (
        "320115002203",
        "元山村",
        "村",
        None,
        2016,
        4200,
        260,
        22,
        15,
        96,
        310,
        0,
        0,
        0,
        12,
        8,
        2,
        18,
        16,
        60,
        51,
    ),
    (
        "P320115001",
        "江宁开发区创业园",
        "园区",
        "320115000000",
        2016,
        None,
        185,
        64,
        58,
        512,
        690,
        70,
        66,
        39,
        40,
        31,
        28,
        60,
        59,
        90,
        84,
    ),
]


# 2017: other counts; 佘村社区 (320115001203) has no row any more and 龙都社区 (320115002204) is new.
ROWS_2017 = [
    ("320115001000", "东山街道", "街道", None, 2017,
     52600, 4246, 455, 281, 2980, 6550, 400, 371, 201, 251, 182, 104, 330, 318, 400, 372),
    ("320115001001", "竹山社区", "社区", None, 2017,
     12500, 1001, 110, 66, 700, 1520, 92, 85, 47, 60, 44, 26, 80, 77, 100, 94),
    ("320115001002", "上坊社区", "社区", None, 2017,
     9900, 740, 80, 50, 530, 1210, 72, 66, 33, 47, 32, 16, 60, 57, 100, 90),
    ("320115002001", "殷巷社区", "社区", None, 2017,
     15500, 1200, 140, 88, 950, 1900, 115, 106, 61, 74, 56, 33, 100, 96, 120, 111),
    ("320115002002", "将军大道社区", "社区", None, 2017,
     13300, 1050, 125, 79, 880, 1680, 100, 94, 51, 70, 50, 37, 92, 89, 110, 99),
    ("320115002203", "元山村", "村", None, 2017,
     4150, 255, 20, 14, 90, 300, 10, 9, 4, 13, 9, 2, 17, 15, 60, 52),
    ("320115002204", "龙都社区", "社区", None, 2017,
     8200, 540, 58, 37, 390, 820, 48, 44, 22, 30, 21, 11, 40, 38, 80, 70),
    ("P320115001", "江宁开发区创业园", "园区", "320115000000", 2017,
     None, 210, 70, 63, 560, 740, 75, 70, 42, 44, 34, 30, 65, 63, 90, 85),
]  # fmt: skip

SAMPLES = {2016: ROWS, 2017: ROWS_2017}


def write_sample(year: int) -> Path:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "创业指标统计表"
    sheet.append(HEADERS)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in SAMPLES[year]:
        sheet.append(list(row))
    for row in sheet.iter_rows(min_row=2, max_col=4):
        for cell in row:
            cell.number_format = "@"
    path = Path(__file__).with_name(f"jiangning_{year}.xlsx")
    workbook.save(path)
    return path


def main(years: list[str]) -> None:
    for year in [int(year) for year in years] or sorted(SAMPLES):
        write_sample(year)


if __name__ == "__main__":
    main(sys.argv[1:])
