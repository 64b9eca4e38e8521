"""The years compared as terminal tables: per level, each unit's indicators and counts by year, 同比 and growth."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from chuangye_metrics.config.catalog import MISSING, Catalog, format_measure
from chuangye_metrics.core.models import Series, UnitYears, YearsResult
from chuangye_metrics.core.words import Language
from chuangye_metrics.outputs.render import level_label, markup_safe, text_console

# the counts most asked about come first: entrepreneurs and entities
LEADING_COUNTS = ("entrepreneurs", "active_entities", "startup_entities")


def format_value(series: Series, value: float | None, language: Language) -> str:
    if value is None:
        return MISSING
    if series.kind == "field":
        return f"{value:,.0f}" if float(value).is_integer() else f"{value:,}"
    return format_measure(value, series.unit, language)


def format_change(series: Series, change: float | None, language: Language) -> str:
    """+120 (a count); +1.5 个百分点 (a percent); +0.3 (the N of 1:N); +0.2 年 (years)."""
    if change is None:
        return ""
    zh = language == "zh"
    if series.kind == "field":
        return f"{change:+,.0f}" if float(change).is_integer() else f"{change:+,}"
    # one decimal, as the values are shown; two for a change too small to show in one
    signed = f"{change:+.1f}" if change == 0 or abs(change) >= 0.05 else f"{change:+.2f}"
    if series.unit == "percent":
        return f"{signed} 个百分点" if zh else f"{signed} pp"
    if series.unit == "years":
        return f"{signed} 年" if zh else f"{signed} years"
    return signed


def format_growth(series: Series) -> str:
    if series.kind != "field":
        return ""
    if series.growth is None:
        return MISSING
    return f"{series.growth:+.1f}%"


def _series_rows(unit: UnitYears, catalog: Catalog, language: Language) -> list[tuple[str, Series]]:
    """(label, series) of the unit's indicators, then its counts; those without a value in any year left out."""
    zh = language == "zh"
    rows: list[tuple[str, Series]] = []
    for indicator_id, series in unit.indicators.items():
        definition = catalog.indicators.get(indicator_id)
        label = indicator_id if definition is None else (definition.name if zh else definition.name_en or indicator_id)
        rows.append((label, series))
    ordered = [name for name in LEADING_COUNTS if name in unit.fields]
    ordered += [name for name in unit.fields if name not in ordered]
    for name in ordered:
        field = catalog.fields.get(name)
        rows.append((name if field is None or not zh else field.header, unit.fields[name]))
    return [(label, series) for label, series in rows if any(point.value is not None for point in series.points)]


def years_table(result: YearsResult, units: list[UnitYears], title: str, catalog: Catalog, language: Language) -> Table:
    zh = language == "zh"
    years = result.years
    table = Table(title=markup_safe(title), header_style="bold", show_lines=False)
    table.add_column("单位" if zh else "Unit")
    table.add_column("项目" if zh else "Item")
    for year in years:
        table.add_column(str(year), justify="right", no_wrap=True)
    for year in years[1:]:
        table.add_column(f"同比 {year}" if zh else f"YoY {year}", justify="right", no_wrap=True)
    table.add_column(
        f"年均增长率 {years[0]}–{years[-1]}" if zh else f"Yearly growth {years[0]}–{years[-1]}",
        justify="right",
        no_wrap=True,
    )
    for unit in units:
        name = unit.unit_name or ("（下级汇总）" if zh else "(sum of children)")
        heading = [markup_safe(unit.unit_code), markup_safe(name)]
        if unit.missing_years:
            missing = "、".join(map(str, unit.missing_years))
            heading.append(f"[yellow]{missing} 年无数据[/yellow]" if zh else f"[yellow]no data for {missing}[/yellow]")
        rows = _series_rows(unit, catalog, language)
        if not rows:
            table.add_row(heading[0], "", *([MISSING] * len(years)), *([""] * len(years)), end_section=True)
            continue
        for position, (label, series) in enumerate(rows):
            by_year = {point.year: point for point in series.points}
            values = [
                format_value(series, by_year[year].value if year in by_year else None, language) for year in years
            ]
            changes = [
                format_change(series, by_year[year].change if year in by_year else None, language) for year in years[1:]
            ]
            table.add_row(
                heading[position] if position < len(heading) else "",
                markup_safe(label),
                *values,
                *changes,
                format_growth(series),
                end_section=position == len(rows) - 1,
            )
    return table


def render_years(result: YearsResult, catalog: Catalog, console: Console, language: Language = "zh") -> None:
    """A table per level (top down, parks last) with every unit of any year; then what the columns mean."""
    zh = language == "zh"
    files = ", ".join(source.file for source in result.sources)
    order = [level for level in catalog.levels if level in {unit.level for unit in result.units}]
    order += sorted({unit.level for unit in result.units} - set(order))
    for level in order:
        units = [unit for unit in result.units if unit.level == level]
        title = f"{level_label(level, catalog, language)} · {files}"
        console.print(years_table(result, units, title, catalog, language))
    note = (
        "同比：与上一年相比的增减——计数为人数或个数，百分比指标为百分点，1:N 比例为 N 的增减；上一年无数据时空白。"
        "年均增长率（计数）：((末年值 ÷ 首年值)^(1 ÷ 相隔年数) − 1) × 100%，取有数值的首末年度。"
        "上级单位各年的指标由下级计数汇总后计算。各年度均无数值的项目未列出。"
        if zh
        else "YoY: the change on the year before — counts in people or entities, percent indicators in "
        "percentage points, 1:N ratios in N; blank when the year before has no value. Yearly growth (counts): "
        "((last ÷ first)^(1 ÷ years between) − 1) × 100 %, over the first and last years with a value. "
        "A parent's indicators come from its children's summed counts each year. Items without a value in "
        "any year are left out."
    )
    console.print(note, style="dim")


def years_table_text(result: YearsResult, catalog: Catalog, language: Language = "zh") -> str:
    """The tables as text: coloured for a terminal, plain when piped or written to a file."""
    console, buffer = text_console()
    render_years(result, catalog, console, language)
    return buffer.getvalue()
