"""`chuangye standards list|show`: the certification standards shipped or written by users."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.table import Table

from chuangye_metrics.cli.options import (
    DocumentFormat,
    DocumentFormatOption,
    FormulasOption,
    Lang,
    LangOption,
    language_of,
    say,
)
from chuangye_metrics.config.catalog import Catalog, format_measure, load_catalog
from chuangye_metrics.core import words
from chuangye_metrics.core.words import Language
from chuangye_metrics.outputs.explain import item_scheme
from chuangye_metrics.outputs.report_content import grade_terms
from chuangye_metrics.outputs.table import text_console, window_words
from chuangye_metrics.standards.check import unit_word
from chuangye_metrics.standards.library import (
    RuleSet,
    Scoring,
    Standard,
    Threshold,
    load_standard,
    shipped_standards,
)

app = typer.Typer(
    name="standards",
    no_args_is_help=True,
    rich_markup_mode=None,
)


@app.command("list")
def list_standards(
    output_format: DocumentFormatOption = DocumentFormat.table,
    lang: LangOption = Lang.zh,
) -> None:
    """The shipped standards: id, name, levels, status and source."""

    catalog = load_catalog()
    standards = [load_standard(name, catalog) for name in shipped_standards()]
    if output_format is not DocumentFormat.table:
        rows = [
            {
                "id": s.id,
                "name": s.name,
                "status": s.status,
                "provisional": s.has_provisional,
                "levels": s.judged_levels,
                "scored": sorted(s.scoring),
                "date": s.date,
                "read_at": s.read_at,
                "source": s.source,
            }
            for s in standards
        ]
        typer.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    language = language_of(lang)
    table = Table(header_style="bold")
    for heading in ("standard", "name", "levels", "status", "source"):
        table.add_column(words.text(f"standards-column.{heading}", language))
    for standard in standards:
        status = words.text(f"standards-status.{standard.status}", language)
        if standard.has_provisional and standard.status == "official":
            status = words.text("standards-status.partly", language, status=status)
        table.add_row(standard.id, standard.name, ", ".join(standard.judged_levels), status, standard.source)
    console, buffer = text_console()
    console.print(table)
    typer.echo(buffer.getvalue(), nl=False)


@app.command("show")
def show_standard(
    standard: Annotated[str, typer.Argument()],
    output_format: DocumentFormatOption = DocumentFormat.table,
    formulas: FormulasOption = None,
    lang: LangOption = Lang.zh,
) -> None:
    """A standard's source, status, rules per level and coverage targets."""

    catalog = load_catalog(extra=formulas or [])
    loaded = load_standard(standard, catalog)
    if output_format is not DocumentFormat.table:
        typer.echo(loaded.model_dump_json(indent=2))
        return
    language = language_of(lang)
    say(f"{loaded.id}  {loaded.name}")
    say(words.text("check.source", language, source=loaded.source))
    if loaded.date or loaded.read_at:
        say(words.text("standards-show.cited", language, date=loaded.date or "—", read_at=loaded.read_at or "—"))
    status = words.text(f"standards-show-status.{loaded.status}", language)
    say(words.text("standards-show.status", language, status=status))
    if loaded.note:
        say(words.text("standards-show.note", language, note=loaded.note))
    for level in loaded.judged_levels:
        name = catalog.levels[level].label(language)
        typer.echo()
        say(f"{name} ({level})")
        for entry in loaded.entries_for(level):
            rules = entry.rules if isinstance(entry, RuleSet) else [entry]
            indent = "  "
            if isinstance(entry, RuleSet):
                condition = "; ".join(f"{field} ∈ {'、'.join(values)}" for field, values in entry.when.items())
                say(f"  {entry.name or ''} [{condition}]".replace("  [", "  ["))
                indent = "    "
            for rule in rules:
                say(indent + _rule_text(rule, loaded, level, catalog, language))
        if level in loaded.scoring:
            _show_scoring(loaded.scoring[level], catalog, language)
    if loaded.coverage:
        targets = ", ".join(f"{level} {target:g}%" for level, target in loaded.coverage.items())
        typer.echo()
        say(words.text("standards-show.coverage", language, targets=targets))


def _rule_text(rule: Threshold, standard: Standard, level: str, catalog: Catalog, language: Language) -> str:
    """ "孵化场地利用率 >= 90.0%（近 3 年每年）" — a rule as the standard states it."""
    subject, threshold = _subject(rule.indicator, rule.field, rule.value, catalog, language)
    if rule.window is not None:
        subject += " " + window_words(rule.window, language)
    text = f"{subject} {rule.op} {threshold}"
    if standard.is_veto(level, rule):
        text += words.text("standards-show.veto-mark", language)
    if standard.is_provisional(rule):
        text += words.text("standards-show.provisional-mark", language)
    return text


def _subject(
    indicator_id: str | None, field_id: str | None, value: float, catalog: Catalog, language: Language
) -> tuple[str, str]:
    """What a rule or item measures, and a value in its unit."""
    if indicator_id:
        indicator = catalog.indicators[indicator_id]
        return indicator.tag(language), format_measure(value, indicator.unit, language)
    field = catalog.fields[field_id or ""]
    word = unit_word(field.unit, language) if field.unit else ""
    return field.label(language), f"{value:g} {word}".rstrip()


def _show_scoring(scoring: Scoring, catalog: Catalog, language: Language) -> None:
    """The items with their points and schemes, the grades with their consequences, and the veto rules' grade."""
    colon = words.text("sep.colon", language)
    say("  " + words.text("standards-show.scoring", language, total=f"{scoring.total:g}"))
    for item in scoring.items:
        subject = (
            item.name_in(language) or _subject(item.indicator, item.field or item.score_field, 0, catalog, language)[0]
        )
        if item.window is not None:
            subject += " " + window_words(item.window, language)
        scheme = words.text(
            "standards-show.item", language, points=f"{item.points:g}", scheme=item_scheme(item, catalog, language)
        )
        mark = words.text("standards-show.provisional-mark", language) if item.provisional else ""
        say(f"    {subject}{colon}{scheme}{mark}")
    say("  " + words.text("standards-show.grades", language))
    for grade in scoring.grades:
        say(f"    {grade.name_in(language)}{colon}{grade_terms(grade, language)}")
    if scoring.veto:
        say("  " + words.text("standards-show.vetoes", language, grade=scoring.lowest.name_in(language)))
