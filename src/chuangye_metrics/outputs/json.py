"""Every JSON document, written column-wise at any size: compute's, the years', check's and validate's."""

from __future__ import annotations

import io
import json
from collections import deque
from collections.abc import Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, BinaryIO, TextIO

from pydantic import TypeAdapter

from chuangye_metrics.config.catalog import Catalog, IndicatorDef
from chuangye_metrics.core.findings import Finding
from chuangye_metrics.core.models import (
    Assessment,
    LevelCoverage,
    RuleCheck,
    Score,
    Source,
    ValidationReport,
    WindowCheck,
)
from chuangye_metrics.core.progress import shown, stage
from chuangye_metrics.core.words import Language
from chuangye_metrics.hierarchy import DERIVED
from chuangye_metrics.indicators.compute import IndicatorArrays, UnitTable, indicator_arrays, reason_texts
from chuangye_metrics.outputs.columns import (
    IDENTITY,
    NumberPieces,
    arrow_strings,
    arrow_type,
    buffer_bytes,
    identity_pieces,
    joined_pieces,
    joined_text,
    json_numbers,
    json_strings,
    own_rows,
)
from chuangye_metrics.outputs.files import output_stream, write_output
from chuangye_metrics.pipeline import Returns, Revised
from chuangye_metrics.standards.assessment import Assessments
from chuangye_metrics.standards.check import Judged
from chuangye_metrics.standards.measures import CHECK_STATUSES, UNIT_STATUSES
from chuangye_metrics.years.compare import CHUNK as YEARS_CHUNK
from chuangye_metrics.years.compare import GROWTH_REASONS, YearsTable, file_indexes, growth_reason

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd
    import pyarrow as pa

    from chuangye_metrics.outputs.writers import Checked, Target
    from chuangye_metrics.reading.cache import BinarySink, Cache


CHUNK = 5_000


WRITERS = 2  # slices serialised at once, beside the one being prepared


RowErrors = Mapping[tuple[int, int], list[str]]
"""The codes of the data errors of each row, by file index and Excel row."""


def write_compute_json(
    out: BinarySink,
    units: UnitTable,
    catalog: Catalog,
    sources: Sequence[Source],
    findings: Sequence[Finding],
    errors: RowErrors | None = None,
    chunk: int = CHUNK,
    *,
    assessments: Assessments | None = None,
    after: bytes = b"",
) -> None:
    """The document ComputeResult describes, as UTF-8 bytes: its sources, one unit per line, findings.

    ``errors``: the codes of the data errors of each row, by file index and Excel row (``Returns.unit_errors``).
    With ``assessments`` each unit ends with its assessment, as AssessedUnit has it, and ``after`` (the other
    members of CheckResult, each after a comma) follows the findings.
    """

    listed = b",\n".join(source.model_dump_json().encode() for source in sources)
    out.write(b'{\n"sources": [\n' + listed + b'\n],\n"units": [')
    frame = units.frame
    errors = errors or {}
    columns = None if assessments is None else AssessmentColumns(assessments)
    columns_of_units = UnitColumns(units, catalog, errors)
    first = True
    # polars serialises slices without the GIL while the next slice is prepared: every core at work
    with ThreadPoolExecutor(max_workers=WRITERS) as pool:
        pending: deque[Future[bytes | memoryview]] = deque()
        for start in range(0, len(frame), chunk):
            stage("write", start, len(frame))
            extra = None if columns is None else columns.struct(start, start + chunk)
            prepared = unit_json_objects(columns_of_units, start, min(start + chunk, len(frame)), extra)
            if len(pending) == WRITERS:
                first = _write_lines(out, pending.popleft().result(), first)
            pending.append(pool.submit(json_lines, prepared))
        while pending:
            first = _write_lines(out, pending.popleft().result(), first)
    found = TypeAdapter(list[Finding]).dump_json(list(findings))
    out.write((b"\n" if not first else b"") + b'],\n"findings": ' + found + after + b"\n}\n")


def binary_stream(stream: TextIO) -> BinaryIO | _Decoding:
    """The bytes under a text stream (after flushing what it holds), or an adapter that decodes for it."""
    stream.flush()
    buffer = getattr(stream, "buffer", None)
    return buffer if buffer is not None else _Decoding(stream)


class _Decoding:
    """Bytes written to a text-only stream (io.StringIO, say)."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream

    def write(self, data: bytes | memoryview) -> int:
        self.stream.write(str(data, "utf-8"))
        return len(data)

    def flush(self) -> None:
        self.stream.flush()


@dataclass
class JsonRun:
    """What writing compute's JSON came to: the findings to report and whether there was output."""

    findings: list[Finding]
    written: bool
    has_errors: bool


def compute_json(out: TextIO, returns: Returns, cache: Cache | None = None, key: str = "") -> JsonRun:
    """Write compute's JSON of one year's returns on ``out``, storing it in the cache as it goes (when given one).

    Looking an entry up first is the caller's part: see ``Cache.load_output`` and ``replay_output``.
    """
    if returns.units is None:
        return JsonRun(findings=returns.findings, written=False, has_errors=returns.has_errors)
    meta = {
        "findings": [{**item.model_dump(mode="json"), "params": item.params} for item in returns.findings],
        "has_errors": returns.has_errors,
    }
    binary = binary_stream(out)
    watched = _Watched(binary)
    stored = cache is not None and cache.store_output(
        key, lambda sink: write_returns_json(sink, returns), meta, watched
    )
    if not stored and not watched.written:  # no cache, or none could be opened: write straight out
        write_returns_json(watched, returns)
    binary.flush()
    return JsonRun(findings=returns.findings, written=True, has_errors=returns.has_errors)


class _Watched:
    """A stream that remembers whether anything was written to it."""

    def __init__(self, stream: BinarySink) -> None:
        self.stream = stream
        self.written = False

    def write(self, data: bytes | memoryview) -> int:
        self.written = True
        return self.stream.write(data)


def write_returns_json(out: BinarySink, returns: Returns) -> None:
    """compute's JSON of one year's returns, without a model per unit."""
    assert returns.units is not None
    sources = returns.sources_of(returns.units.frame)
    write_compute_json(out, returns.units, returns.catalog, sources, returns.findings, returns.unit_errors)


def _write_lines(out: BinarySink, lines: bytes | memoryview, first: bool) -> bool:
    """Write a slice's lines after the previous slice's; whether nothing has been written yet."""
    if not lines:
        return first
    out.write(b"\n" if first else b",\n")
    out.write(lines)
    return False


def unit_json_objects(columns: UnitColumns, start: int, stop: int, assessment: pa.Array | None = None) -> Any:
    """What ``json_lines`` writes for units start to stop: a polars frame, or the lines themselves.

    polars writes the objects, several times faster than joining Arrow strings; a slice with a number that is
    not whole where JSON has whole numbers elsewhere in its column (a numerator of a user's formula, say) is
    written the Arrow way, value by value.
    """
    if start >= stop:
        return b""
    objects = polars_objects(columns, start, stop, assessment)
    if objects is None:
        units = columns.units
        arrow_lines = unit_lines(units.frame.iloc[start:stop], units, columns.catalog, columns.errors, assessment)
        return b"" if arrow_lines is None else joined_text(arrow_lines, ",\n").encode()
    return objects


def json_lines(objects: Any) -> bytes | memoryview:
    """The lines of ``unit_json_objects``' result, joined by ",\\n"."""

    if isinstance(objects, bytes):
        return objects
    flat, shape = objects
    written = io.BytesIO()
    flat.select(shape).write_ndjson(written)
    # JSON text holds no raw newline but the line ends; the last line's comma cut off without a copy
    return memoryview(written.getvalue().replace(b"\n", b",\n"))[:-2]


class UnitColumns:
    """The unit table's columns as the JSON writer takes them, converted once for every slice: the texts as
    Arrow strings, the numbers as float64 arrays (views of the frame's), each unit's error codes."""

    def __init__(self, units: UnitTable, catalog: Catalog, errors: RowErrors) -> None:
        frame = units.frame
        self.units, self.catalog, self.errors = units, catalog, errors
        self.identity = {name: arrow_strings(frame[name]) for name in IDENTITY}
        needed = {name for item in catalog.indicators.values() for name in item.field_names}
        self.numbers = {
            name: frame[name].to_numpy(dtype="float64")
            for name in dict.fromkeys([*catalog.count_fields, *needed, "year"])
            if name in frame
        }
        self.derived = frame[DERIVED].to_numpy(dtype=bool)
        self.rows = own_rows(frame, self.derived)
        self.error_codes = error_array(frame, self.rows, errors)
        self.shape = _shape(catalog)


def polars_objects(columns: UnitColumns, start: int, stop: int, assessment: pa.Array | None = None) -> Any:
    """Units start to stop as a flat polars frame with the expressions that shape it like UnitResult (for
    ``json_lines``); None when a count, numerator or denominator has a fraction."""
    import polars as pl

    catalog = columns.catalog
    count = stop - start
    numbers = {name: values[start:stop] for name, values in columns.numbers.items()}
    counts = [numbers[name] for name in catalog.count_fields]
    items = list(catalog.indicators.values())
    indicators = [indicator_arrays({name: numbers[name] for name in item.field_names}, count, item) for item in items]
    years = numbers["year"]
    if not (all(_whole(values) for values in counts) and _whole(years)) or not all(
        _whole(part.numerator) and _whole(part.denominator) for part in indicators
    ):
        return None
    rows = columns.rows[start:stop]
    flat: dict[str, Any] = {name: pl.from_arrow(text.slice(start, count)) for name, text in columns.identity.items()}
    shown = {"year": years, "row": rows}
    shown |= {f"f{position}": values for position, values in enumerate(counts)}
    for position, part in enumerate(indicators):
        shown |= {f"v{position}": part.value, f"n{position}": part.numerator, f"d{position}": part.denominator}
        flat[f"r{position}"] = pl.from_arrow(reason_strings(part, items[position], catalog, columns.units.language))
    flat |= {name: pl.Series(values, nan_to_null=True) for name, values in shown.items()}
    flat["derived"] = pl.Series(columns.derived[start:stop])
    flat["errors"] = pl.from_arrow(columns.error_codes.slice(start, count))
    shape = columns.shape
    if assessment is not None:
        flat["assessment"] = pl.from_arrow(assessment)
        shape = [*shape, pl.col("assessment")]
    return pl.DataFrame(flat), shape


def _shape(catalog: Catalog) -> list[Any]:
    """polars expressions that turn the flat frame of ``polars_objects`` into UnitResult's shape."""
    import polars as pl

    whole = pl.Int64
    fields = [pl.col(f"f{position}").cast(whole).alias(name) for position, name in enumerate(catalog.count_fields)]
    indicators = [
        pl.struct(
            pl.col(f"v{position}").alias("value"),
            pl.lit(indicator.unit).alias("unit"),
            pl.col(f"n{position}").cast(whole).alias("numerator"),
            pl.col(f"d{position}").cast(whole).alias("denominator"),
            pl.col(f"r{position}").alias("reason"),
        ).alias(indicator.id)
        for position, indicator in enumerate(catalog.indicators.values())
    ]
    return [
        *(pl.col(name) for name in IDENTITY),
        pl.col("year").cast(whole),
        pl.col("derived"),
        pl.col("row").cast(whole),
        pl.struct(fields).alias("fields"),
        pl.struct(indicators).alias("indicators"),
        pl.col("errors"),
    ]


def error_lists(frame: pd.DataFrame, rows: np.ndarray, errors: RowErrors) -> list[list[str]]:
    """Each unit's error codes, found by its file and Excel row (none for a derived unit)."""
    files = file_indexes(frame).tolist()
    return [
        errors.get((file, int(row)), []) if row == row else [] for file, row in zip(files, rows.tolist(), strict=True)
    ]


def error_array(frame: pd.DataFrame, rows: np.ndarray, errors: RowErrors) -> pa.Array:
    """Each unit's error codes as an Arrow list array; built from its offsets alone when no unit has any."""
    import numpy as np
    import pyarrow as pa

    listed = error_lists(frame, rows, errors) if errors else None
    if listed is not None and any(listed):
        return pa.array(listed, type=pa.list_(pa.string()))
    return pa.ListArray.from_arrays(pa.array(np.zeros(len(frame) + 1, dtype=np.int32)), pa.array([], pa.string()))


def reason_strings(parts: IndicatorArrays, indicator: IndicatorDef, catalog: Catalog, language: Language) -> pa.Array:
    """Each unit's reason in words as an Arrow string array (null where there is a value)."""
    import pyarrow as pa

    if not parts.reasons:  # every unit has a value
        return pa.nulls(len(parts.reason), pa.string())
    return pa.array(reason_texts(parts, indicator, catalog, language), pa.string()).take(pa.array(parts.reason))


def _whole(values: np.ndarray) -> bool:
    """Every known value whole and small enough to be exact as an integer."""
    import numpy as np

    known = values[~np.isnan(values)]
    return bool(((np.floor(known) == known) & (np.abs(known) < 2.0**53)).all())


def unit_lines(
    frame: pd.DataFrame, units: UnitTable, catalog: Catalog, errors: RowErrors, assessment: pa.Array | None = None
) -> pa.Array | None:
    """One compact JSON object per unit of the frame, as an Arrow string array (see ``unit_json_objects``)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    count = len(frame)
    if count == 0:
        return None
    derived = frame[DERIVED].to_numpy(dtype=bool)
    rows = own_rows(frame, derived)
    pieces: list[Any] = [
        *identity_pieces(frame),
        ',"year":',
        json_numbers(frame["year"].to_numpy(dtype="float64"), integral_only=True),
        ',"derived":',
        pc.if_else(pa.array(derived), "true", "false"),
        ',"row":',
        json_numbers(rows, integral_only=True),
        ',"fields":{',
    ]
    for position, name in enumerate(catalog.count_fields):
        pieces += [("," if position else "") + json.dumps(name) + ":", json_numbers(frame[name].to_numpy("float64"))]
    pieces.append('},"indicators":{')
    for position, (indicator_id, part) in enumerate(units.indicators_of(frame).items()):
        unit = json.dumps(catalog.indicators[indicator_id].unit)
        pieces += [
            ("," if position else "") + json.dumps(indicator_id) + ':{"value":',
            json_numbers(part["value"].to_numpy("float64"), floats=True),
            f',"unit":{unit},"numerator":',
            json_numbers(part["numerator"].to_numpy("float64")),
            ',"denominator":',
            json_numbers(part["denominator"].to_numpy("float64")),
            ',"reason":',
            json_strings(part["reason"]),
            "}",
        ]
    listed_errors: Any = "[]"
    if errors:
        listed_errors = pa.array([json.dumps(codes) for codes in error_lists(frame, rows, errors)], type=pa.string())
    pieces += ['},"errors":', listed_errors]
    if assessment is not None:
        pieces += [',"assessment":', encoded_structs(assessment)]
    pieces.append("}")
    return joined_pieces(pieces)


def encoded_structs(values: pa.Array) -> pa.Array:
    """Each struct of an Arrow array as compact JSON text, "null" for a null one."""
    import polars as pl
    import pyarrow as pa
    import pyarrow.compute as pc

    frame = pl.DataFrame({"v": pl.Series(values)})
    encoded = frame.select(pl.col("v").struct.json_encode()).to_series().to_arrow()
    return pc.fill_null(encoded.cast(pa.string()), "null")  # a slice's text is far below 2 GiB


class AssessmentColumns:
    """The assessments as Arrow columns shaped like Assessment (with its checks), a slice of units at a time."""

    def __init__(self, assessments: Assessments) -> None:
        import numpy as np
        import pyarrow as pa

        self.assessments = assessments
        flat, rules = assessments.flat, assessments.rules
        self.starts = flat.starts
        value = flat.column(rules, "value")
        shortfall = flat.column(rules, "shortfall")
        missing = np.isnan(value)

        rule_of_check = pa.array(flat.rule.astype(np.int32))

        def per_rule(name: str, kind: pa.DataType) -> pa.Array:
            values = pa.array([getattr(rule, name) for rule in rules], type=kind)
            if kind == pa.string():  # each check points at its rule's text: nothing copied per check
                return pa.DictionaryArray.from_arrays(rule_of_check, values)
            return values.take(rule_of_check)

        none = np.isnan(shortfall)
        self.checks = pa.StructArray.from_arrays(
            [
                per_rule("indicator", pa.string()),
                per_rule("field", pa.string()),
                per_rule("name", pa.string()),
                per_rule("op", pa.string()),
                per_rule("threshold", pa.float64()),
                per_rule("unit", pa.string()),
                pa.array(value, mask=missing, type=pa.float64()),
                pa.array(CHECK_STATUSES, type=pa.string()).take(
                    pa.array(flat.column(rules, "status").astype(np.int64))
                ),
                pa.array(flat.column(rules, "gap"), mask=missing, type=pa.float64()),
                pa.array(np.where(none, 0, shortfall).astype(np.int64), mask=none),
                per_rule("shortfall_unit", pa.string()),
                per_rule("provisional", pa.bool_()),
                pa.array(flat.column(rules, "reason"), type=pa.string()),
                self.windows(),
                per_rule("veto", pa.bool_()),
            ],
            names=list(RuleCheck.model_fields),
        )

    def windows(self) -> pa.Array:
        """Each check's window (null for a rule of one year), in the order of the checks."""
        import pyarrow as pa

        flat, rules = self.assessments.flat, self.assessments.rules
        kind = arrow_type(WindowCheck)
        if all(rule.window is None for rule in rules):
            return pa.nulls(len(flat.rule), type=kind)
        per_rule = [
            pa.array([rule.window_check(offset).model_dump() for offset in range(len(rule.rows))], type=kind)  # type: ignore[union-attr]
            if rule.window is not None
            else pa.nulls(len(rule.rows), type=kind)
            for rule in rules
        ]
        return pa.concat_arrays(per_rule).take(pa.array(flat.positions(rules)))

    def scores(self, start: int, stop: int) -> pa.Array:
        """The scores of units start to stop (null where the level is not scored)."""
        import pyarrow as pa

        kind = arrow_type(Score)
        assessments = self.assessments
        if not assessments.scores:
            return pa.nulls(stop - start, type=kind)
        scores = [assessments.score(position) for position in range(start, stop)]
        return pa.array([None if score is None else score.model_dump() for score in scores], type=kind)

    def struct(self, start: int, stop: int) -> pa.Array:
        """The assessments of units start to stop (null for a unit the standard does not assess)."""
        import numpy as np
        import pyarrow as pa

        assessments = self.assessments
        stop = min(stop, len(assessments.status))
        status = assessments.status[start:stop]
        unassessed = status < 0
        first, last = int(self.starts[start]), int(self.starts[stop])
        offsets = pa.array((self.starts[start : stop + 1] - first).astype(np.int32))
        checks = pa.ListArray.from_arrays(offsets, self.checks.slice(first, last - first))
        count = stop - start
        return pa.StructArray.from_arrays(
            [
                pa.array([assessments.standard] * count, type=pa.string()),
                pa.array(UNIT_STATUSES, type=pa.string()).take(pa.array(np.where(unassessed, 0, status))),
                pa.array(assessments.rule_set[start:stop], type=pa.string()),
                pa.array(assessments.provisional[start:stop], type=pa.bool_()),
                pa.array(assessments.reason[start:stop], type=pa.string()),
                checks,
                self.scores(start, stop),
            ],
            names=list(Assessment.model_fields),
            mask=pa.array(unassessed),
        )


def write_years_json(
    out: BinarySink,
    table: YearsTable,
    sources: Sequence[Source],
    findings: Sequence[Finding],
    chunk: int = YEARS_CHUNK,
) -> None:
    """The document YearsResult describes, as UTF-8 bytes, one unit per line, without a model per unit."""

    listed = TypeAdapter(list[Source]).dump_json(list(sources))
    out.write(b'{\n"sources": ' + listed + b',\n"years": ' + json.dumps(table.years).encode() + b',\n"units": [')
    first = True
    with ThreadPoolExecutor(max_workers=WRITERS) as pool:  # Arrow's kernels run without the GIL: slices at once
        pending: deque[Future[bytes]] = deque()
        for start in range(0, len(table), chunk):
            stage("write", start, len(table))
            if len(pending) == WRITERS:
                first = _write_lines(out, pending.popleft().result(), first)
            pending.append(pool.submit(years_json_lines, table, start, min(len(table), start + chunk)))
        while pending:
            first = _write_lines(out, pending.popleft().result(), first)
    found = TypeAdapter(list[Finding]).dump_json(list(findings))
    out.write((b"\n" if not first else b"") + b'],\n"findings": ' + found + b"\n}\n")


def years_json_lines(table: YearsTable, start: int, stop: int) -> bytes:
    """The JSON objects of units start to stop, joined by ",\\n"."""
    return buffer_bytes(years_unit_lines(table, start, stop, end=",\n"), len(b",\n"))


def years_unit_lines(table: YearsTable, start: int, stop: int, end: str = "") -> Any:
    """One compact JSON object per unit, each followed by ``end``, as an Arrow string array."""
    import numpy as np
    import pyarrow as pa

    identity = table.identity.iloc[start:stop]
    present = table.present[start:stop]
    patterns, inverse = np.unique(present, axis=0, return_inverse=True)
    inverse = inverse.reshape(-1)
    shown = [[year for year, here in zip(table.years, row, strict=True) if here] for row in patterns.tolist()]
    absent = [[year for year, here in zip(table.years, row, strict=True) if not here] for row in patterns.tolist()]
    pieces: list[Any] = [
        *identity_pieces(identity),
        ',"years":',
        pa.array(np.array([json.dumps(item) for item in shown], dtype=object)[inverse], type=pa.string()),
        ',"missing_years":',
        pa.array(np.array([json.dumps(item) for item in absent], dtype=object)[inverse], type=pa.string()),
        ',"fields":{',
    ]
    reasons = np.array(
        ["null", *(json.dumps(growth_reason(code, table.language), ensure_ascii=False) for code in GROWTH_REASONS)],
        dtype=object,
    )
    numbers = NumberPieces(len(identity))
    opened = {"field": False, "indicator": False}
    for block in table.blocks(start, stop):
        if block.kind == "indicator" and not opened["indicator"]:
            pieces.append('},"indicators":{')
        prefix = "," if opened[block.kind] else ""
        opened[block.kind] = True
        kind = "counts" if block.kind == "field" else "floats"
        pieces.append(
            f'{prefix}{json.dumps(block.id)}:{{"kind":"{block.kind}","unit":{json.dumps(block.unit)},"points":['
        )
        for column, year in enumerate(table.years):
            pieces += [
                ("," if column else "") + f'{{"year":{year},"value":',
                numbers.piece(block.values[:, column], kind),
                ',"change":',
                numbers.piece(block.changes[:, column], kind),
                "}",
            ]
        if block.growth is None:
            pieces.append('],"growth":null,"growth_from":null,"growth_to":null,"reason":null}')
            continue
        pieces += [
            '],"growth":',
            numbers.piece(block.growth.rate, "floats"),
            ',"growth_from":',
            numbers.piece(block.growth.first_year, "whole"),
            ',"growth_to":',
            numbers.piece(block.growth.last_year, "whole"),
            ',"reason":',
            pa.array(reasons[block.growth.reason], type=pa.string()),
            "}",
        ]
    if not opened["indicator"]:
        pieces.append('},"indicators":{')
    pieces.append("}}" + end)
    return joined_pieces(numbers.resolved(pieces))


def write_check_json(out: BinarySink, judged: Judged, chunk: int = CHUNK) -> None:
    """The document CheckResult describes, as UTF-8 bytes: compute's, each unit with its assessment, then the
    standard, the coverage and the shortlist."""
    shortlist = b"null" if judged.shortlist is None else judged.shortlist.model_dump_json().encode()
    after = (
        b',\n"standard": '
        + judged.standard.model_dump_json().encode()
        + b',\n"coverage": '
        + TypeAdapter(list[LevelCoverage]).dump_json(judged.coverage)
        + b',\n"shortlist": '
        + shortlist
    )
    write_compute_json(
        out,
        judged.units,
        judged.units.catalog,
        judged.sources,
        judged.findings,
        judged.unit_errors,
        chunk,
        assessments=judged.assessments,
        after=after,
    )


def validation_json(report: ValidationReport) -> str:
    """validate's report as JSON: the published ValidationReport."""
    text: str = report.model_dump_json(indent=2)
    return text + "\n"


# --- the registry's entry points (outputs.writers) ----------------------------------------------------------


def write_compute(returns: Returns, target: Target) -> None:
    with output_stream(target.output, target.language) as stream, shown(not target.quiet, target.language):
        compute_json(stream, returns, target.cache, target.key)


def write_years(returns: Returns, target: Target) -> None:
    with output_stream(target.output, target.language) as stream, shown(not target.quiet, target.language):
        write_years_json(binary_stream(stream), returns.years_table(), returns.sources, returns.findings)


def write_check(checked: Checked, target: Target) -> None:
    judged = checked.outcome.judged
    assert judged is not None
    with output_stream(target.output, target.language) as stream:
        write_check_json(binary_stream(stream), judged)


def write_validation(report: ValidationReport, target: Target) -> None:
    write_output(validation_json(report), target.output, target.language)


def write_diff(revised: Revised, target: Target) -> None:
    assert revised.result is not None
    write_output(revised.result.model_dump_json(indent=2) + "\n", target.output, target.language)
