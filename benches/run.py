"""Time chuangye compute, check, years, validate and --help against a bare fastexcel read, as whole processes,
per return size."""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import importlib.metadata
import os
import platform
import resource
import shlex
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

BENCHES = Path(__file__).resolve().parent
REPO = BENCHES.parent
CHUANGYE = Path(sys.executable).parent / "chuangye"
DEFAULT_SIZES = (1_000, 50_000, 600_000)
TARGET_SIZE = 600_000  # the size the ratio targets are set for
PACKAGES = ("chuangye-metrics", "fastexcel", "pandas", "polars", "pyarrow", "lz4")
TITLE_ROWS = 7  # rows above the first unit in make_returns' layout: title block, two-row header, code row, 合计 row

# The generator runs in a process of its own: Linux carries a parent's peak RSS over into the ru_maxrss of the
# children it forks and execs, so this process must stay small for the children's peaks to be their own.
GENERATE = (
    "import sys; from pathlib import Path; sys.path.insert(0, sys.argv[1]); from make_returns import write_xlsx; "
    "write_xlsx(Path(sys.argv[3]), int(sys.argv[2]), year=int(sys.argv[4]), warn_every_row=sys.argv[5] == '1')"
)
# What the bare read does; it prints the number of rows it got, so the benchmark can check it read the whole sheet.
BARE_READ = (
    "import sys, fastexcel; r = fastexcel.read_excel(sys.argv[1]); "
    "s = r.load_sheet(0, header_row=None); df = s.to_pandas(); print(len(df))"
)


@dataclass
class Run:
    """One timed process."""

    seconds: float
    peak_kib: int
    exit_code: int
    stderr_tail: str
    timed_out: bool = False
    stages: dict[str, float] = field(default_factory=dict)


@dataclass
class Measure:
    """Every timed run of one command on one file."""

    label: str
    command: list[str]
    ok_exits: frozenset[int] = frozenset({0})
    env: dict[str, str] = field(default_factory=dict)
    runs: list[Run] = field(default_factory=list)
    failure: Run | None = None
    note: str = ""

    @property
    def ok(self) -> bool:
        return self.failure is None and bool(self.runs)

    @property
    def median(self) -> float | None:
        return statistics.median(run.seconds for run in self.runs) if self.ok else None

    @property
    def peak_mib(self) -> float | None:
        return max(run.peak_kib for run in self.runs) / 1024 if self.ok else None

    def exit_codes(self) -> str:
        codes = sorted({run.exit_code for run in self.runs} | ({self.failure.exit_code} if self.failure else set()))
        return ",".join(str(code) for code in codes)


@dataclass
class SizeResult:
    """The measures for one generated return."""

    rows: int
    file_mib: float
    generate_seconds: float
    measures: dict[str, Measure]
    bare_rows: int | None = None


@dataclass
class Target:
    """A performance target: a figure computed from a SizeResult and the most it may be."""

    name: str
    limit: float
    unit: str
    figure: Callable[[SizeResult], float | None]

    def describe(self) -> str:
        return f"≤ {self.limit:g}{self.unit}"

    def met(self, result: SizeResult) -> str:
        value = self.figure(result)
        if value is None:
            return "n/a"
        return "yes" if value <= self.limit else "no"

    def shown(self, result: SizeResult) -> str:
        value = self.figure(result)
        if value is None:
            return "n/a"
        return f"{value:.2f}×" if self.unit == "×" else f"{value:.3f}{self.unit}"


def ratio(result: SizeResult, label: str, kind: str) -> float | None:
    """A command's median time or peak memory divided by the bare read's."""
    measure, bare = result.measures.get(label), result.measures["bare"]
    if measure is None or not measure.ok or not bare.ok:
        return None
    if kind == "time":
        assert measure.median is not None and bare.median is not None
        return measure.median / bare.median
    assert measure.peak_mib is not None and bare.peak_mib is not None
    return measure.peak_mib / bare.peak_mib


def seconds_of(result: SizeResult, label: str) -> float | None:
    measure = result.measures.get(label)
    return measure.median if measure is not None else None


def ratio_to(result: SizeResult, label: str, floor: str, times: float = 1.0) -> float | None:
    """A command's median time divided by ``times`` the median of another measure (its own bare read)."""
    measure, bare = result.measures.get(label), result.measures.get(floor)
    if measure is None or bare is None or not measure.ok or not bare.ok:
        return None
    assert measure.median is not None and bare.median is not None
    return measure.median / (bare.median * times)


TARGETS = [
    Target("compute / bare read, time", 1.5, "×", lambda r: ratio(r, "compute", "time")),
    Target("compute / bare read, memory", 1.5, "×", lambda r: ratio(r, "compute", "memory")),
    Target("check / bare read, time", 2.0, "×", lambda r: ratio(r, "check", "time")),
    Target("check / bare read, memory", 2.0, "×", lambda r: ratio(r, "check", "memory")),
    Target("years / two bare reads, time", 2.5, "×", lambda r: ratio_to(r, "years", "bare", 2.0)),
    Target("validate, a warning a row / its bare read", 2.0, "×", lambda r: ratio_to(r, "warned", "bare_warned")),
    Target("validate / bare read, time", 1.3, "×", lambda r: ratio(r, "validate", "time")),
    Target("validate / bare read, memory", 1.5, "×", lambda r: ratio(r, "validate", "memory")),
    Target("--help, median", 0.25, " s", lambda r: seconds_of(r, "help")),
    Target("compute (cached), median", 1.0, " s", lambda r: seconds_of(r, "cached")),
]


def run_once(command: Sequence[str], env: dict[str, str], timeout: float | None, stdout: Path | None = None) -> Run:
    """Run a command as a process, wall-clock timed; its own peak RSS comes from os.wait4."""
    timed_out = threading.Event()
    with tempfile.TemporaryFile() as errors, open(stdout or os.devnull, "wb") as out:
        start = time.perf_counter()
        process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=out, stderr=errors, env=env)
        timer = None
        if timeout is not None:

            def kill() -> None:  # os.kill, not Popen.kill: that would poll, and could reap the child before wait4
                timed_out.set()
                with contextlib.suppress(ProcessLookupError):
                    os.kill(process.pid, signal.SIGKILL)

            timer = threading.Timer(timeout, kill)
            timer.start()
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - start
        if timer is not None:
            timer.cancel()
        process.returncode = os.waitstatus_to_exitcode(status)  # reaped here, so Popen must not wait for it again
        errors.seek(0)
        text = errors.read().decode("utf-8", "replace")
    tail = "\n".join(text[-4000:].splitlines()[-20:])
    return Run(seconds, usage.ru_maxrss, process.returncode, tail, timed_out.is_set(), stage_starts(text))


def stage_starts(stderr: str) -> dict[str, float]:
    """The "stage NAME SECONDS" lines a command writes with $CHUANGYE_STAGE_TIMES set, by stage."""
    starts: dict[str, float] = {}
    for line in stderr.splitlines():
        words = line.split()
        if len(words) == 3 and words[0] == "stage":
            with contextlib.suppress(ValueError):
                starts.setdefault(words[1], float(words[2]))
    return starts


def has_cache_option(env: dict[str, str]) -> bool:
    """Whether `chuangye compute --help` offers --no-cache."""
    wide = {**env, "COLUMNS": "200", "TERM": "dumb", "NO_COLOR": "1"}
    try:
        done = subprocess.run(
            [str(CHUANGYE), "compute", "--help"], capture_output=True, text=True, env=wide, timeout=60, check=False
        )
    except (OSError, subprocess.TimeoutExpired):
        return False
    return "--no-cache" in done.stdout + done.stderr


def measures_for(path: Path, cache: bool, later: Path | None = None, warned: Path | None = None) -> dict[str, Measure]:
    compute = [str(CHUANGYE), "compute", str(path), "--format", "json"]
    no_cache = ["--no-cache"] if cache else []
    measures = {
        "bare": Measure("bare fastexcel read", [sys.executable, "-c", BARE_READ, str(path)]),
        "compute": Measure(
            "compute", [*compute, "--no-cache"] if cache else compute, env={"CHUANGYE_STAGE_TIMES": "1"}
        ),
        "cached": Measure("compute (cached)", compute),
        "validate": Measure(
            "validate",
            [str(CHUANGYE), "validate", str(path), *(["--no-cache"] if cache else [])],
            ok_exits=frozenset({0, 1}),
        ),
        "help": Measure("--help", [str(CHUANGYE), "--help"]),
        "check": Measure(
            "check",
            [str(CHUANGYE), "check", str(path), "--standard", "jiangsu-2016", "--format", "json", *no_cache],
            ok_exits=frozenset({0, 3}),
        ),
    }
    if later is not None:
        measures["years"] = Measure(
            "years (two returns)", [str(CHUANGYE), "compute", str(path), str(later), "--format", "json", *no_cache]
        )
    if warned is not None:
        measures["bare_warned"] = Measure("bare read, a warning a row", [sys.executable, "-c", BARE_READ, str(warned)])
        measures["warned"] = Measure(
            "validate, a warning a row",
            [str(CHUANGYE), "validate", str(warned), "--format", "json", *no_cache],
            ok_exits=frozenset({0, 1}),
        )
    if not cache:
        measures["cached"].note = "not run: compute has no --no-cache yet"
    return measures


def report_failure(measure: Measure, run: Run) -> None:
    why = "timed out" if run.timed_out else f"exit code {run.exit_code}"
    print(f"    !! {measure.label} failed ({why}) after {run.seconds:.2f} s; stderr tail:", file=sys.stderr)
    for line in run.stderr_tail.splitlines() or ["(empty)"]:
        print(f"    | {line}", file=sys.stderr)


def time_measure(measure: Measure, env: dict[str, str], timeout: float | None, stdout: Path | None = None) -> None:
    """One more timed run, unless the command has failed already."""
    if measure.failure is not None or measure.note:
        return
    run = run_once(measure.command, {**env, **measure.env}, timeout, stdout)
    if run.timed_out or run.exit_code not in measure.ok_exits:
        measure.failure = run
        report_failure(measure, run)
        return
    measure.runs.append(run)
    print(
        f"    {measure.label:<20} run {len(measure.runs)}: {run.seconds:8.3f} s  {run.peak_kib / 1024:8.1f} MiB"
        f"  exit {run.exit_code}",
        file=sys.stderr,
    )


def bench_size(
    rows: int, folder: Path, scratch: Path, runs: int, cache: bool, env: dict[str, str], timeout: float | None
) -> SizeResult | None:
    """Generate a return of ``rows`` units into ``folder`` and time every command on it; None if generating fails."""
    path = folder / f"returns_{rows}.xlsx"
    later = folder / f"returns_{rows}_2017.xlsx"
    warned = folder / f"returns_{rows // 2}_warned.xlsx"
    made = None
    for target, size, year, warn in ((path, rows, 2016, "0"), (later, rows, 2017, "0"), (warned, rows // 2, 2016, "1")):
        print(f"\n== {size:,} rows: generating {target} ...", file=sys.stderr)
        generated = run_once(
            [sys.executable, "-c", GENERATE, str(BENCHES), str(size), str(target), str(year), warn], env, None
        )
        if generated.exit_code != 0:
            print(f"   !! generating failed (exit code {generated.exit_code}); stderr tail:", file=sys.stderr)
            print("\n".join(f"   | {line}" for line in generated.stderr_tail.splitlines()), file=sys.stderr)
            return None
        print(f"   generated in {generated.seconds:.2f} s", file=sys.stderr)
        made = made or generated
    assert made is not None
    file_mib = path.stat().st_size / 2**20

    result = SizeResult(rows, file_mib, made.seconds, measures_for(path, cache, later, warned))
    measures = result.measures
    bare_out = scratch / f"bare_{rows}.out"
    if cache:  # warm the cache once; the timed cached runs follow
        warm = run_once(measures["cached"].command, env, timeout)
        if warm.timed_out or warm.exit_code != 0:
            measures["cached"].failure = warm
            report_failure(measures["cached"], warm)
    for _ in range(runs):  # round-robin, so that drift in machine load touches every command alike
        time_measure(measures["bare"], env, timeout, bare_out)
        if result.bare_rows is None and measures["bare"].ok:
            text = bare_out.read_text().strip()
            result.bare_rows = int(text) if text.isdigit() else None
            if result.bare_rows != rows + TITLE_ROWS:
                print(f"    !! bare read got {text!r} rows, expected {rows + TITLE_ROWS}", file=sys.stderr)
        for label in ("compute", "cached", "validate", "help", "check", "years", "bare_warned", "warned"):
            if label in measures:
                time_measure(measures[label], env, timeout)
    bare_out.unlink(missing_ok=True)
    return result


def fmt(value: float | None, digits: int = 3) -> str:
    return "–" if value is None else f"{value:.{digits}f}"


def timing_table(result: SizeResult) -> tuple[list[str], list[list[str]]]:
    headers = ["command", "median s", "min s", "max s", "peak MiB", "runs", "exit", "note"]
    rows = []
    for measure in result.measures.values():
        if measure.ok:
            seconds = [run.seconds for run in measure.runs]
            rows.append(
                [
                    measure.label,
                    fmt(measure.median),
                    fmt(min(seconds)),
                    fmt(max(seconds)),
                    fmt(measure.peak_mib, 1),
                    str(len(measure.runs)),
                    measure.exit_codes(),
                    "",
                ]
            )
        elif measure.failure is not None:
            why = "timed out" if measure.failure.timed_out else f"FAILED (exit {measure.failure.exit_code})"
            rows.append([measure.label, "–", "–", "–", "–", str(len(measure.runs)), measure.exit_codes(), why])
        else:
            rows.append([measure.label, "–", "–", "–", "–", "0", "", measure.note or "not run"])
    return headers, rows


STAGE_SPANS = (  # (label, from, to): stage names as progress.stage writes them; "" is the process's start or end
    ("start-up", "", "read"),  # from the import of chuangye_metrics.core.progress
    ("read", "read", "validate"),
    ("validate", "validate", "compute"),
    ("compute", "compute", "write"),
    ("write", "write", "end"),
    ("Python's start, and exit", "end", ""),  # the wall clock's rest: before that import, after the end
)


def stage_table(result: SizeResult) -> tuple[list[str], list[list[str]]] | None:
    """Where compute's time goes: the median length of each stage, and what the read and write alone come to."""
    measure = result.measures["compute"]
    runs = [run for run in measure.runs if all(name in run.stages for _, name, _ in STAGE_SPANS[1:])]
    if not runs:
        return None

    def length(run: Run, start: str, end: str) -> float:
        return (run.stages[end] if end else run.seconds) - (run.stages[start] if start else 0.0)

    rows = []
    for label, start, end in STAGE_SPANS:
        seconds = statistics.median(length(run, start, end) for run in runs)
        rows.append([label, fmt(seconds), f"{seconds / statistics.median(r.seconds for r in runs):.0%}"])
    bare = result.measures["bare"].median
    if bare:
        floor = statistics.median(
            sum(length(run, start, end) for label, start, end in STAGE_SPANS if label != "validate") for run in runs
        )
        rows.append(["all but validate", fmt(floor), f"{floor / bare:.2f}× the bare read"])
    return ["stage of compute", "median s", "share"], rows


def target_table(result: SizeResult) -> tuple[list[str], list[list[str]]]:
    headers = ["figure", "value", "target", "met"]
    return headers, [[target.name, target.shown(result), target.describe(), target.met(result)] for target in TARGETS]


LEFT = {"command", "note", "figure", "target", "met", "stage of compute"}  # columns of words, not figures


def text_table(headers: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(cell) for cell in column) for column in zip(headers, *rows, strict=True)]

    def line(cells: list[str]) -> str:
        return "  ".join(
            cell.ljust(width) if header in LEFT else cell.rjust(width)
            for header, cell, width in zip(headers, cells, widths, strict=True)
        ).rstrip()

    return "\n".join([line(headers), "  ".join("-" * width for width in widths), *(line(row) for row in rows)])


def markdown_table(headers: list[str], rows: list[list[str]]) -> str:
    def line(cells: list[str]) -> str:
        return "| " + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |"

    align = ["---" if header in LEFT else "---:" for header in headers]
    return "\n".join([line(headers), "|" + "|".join(align) + "|", *(line(row) for row in rows)])


def size_heading(result: SizeResult) -> str:
    read = f"; bare read got {result.bare_rows:,} sheet rows" if result.bare_rows is not None else ""
    return f"{result.rows:,} rows (file {result.file_mib:.1f} MiB, generated in {result.generate_seconds:.2f} s{read})"


def memory_total() -> str:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return f"{int(line.split()[1]) / 2**20:.1f} GiB"
    except OSError:
        pass
    return "unknown"


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def git_revision() -> str:
    try:
        head = subprocess.run(
            ["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "-C", str(REPO), "status", "--porcelain", "--untracked-files=no"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return f"{head}{' (with uncommitted changes)' if dirty else ''}"


def package_version(name: str) -> str:
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return "not installed"


def machine() -> list[tuple[str, str]]:
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:
        usable = os.cpu_count() or 0
    return [
        ("date", dt.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z")),
        ("CPUs", f"{os.cpu_count()} ({usable} usable) — {cpu_model()}"),
        ("RAM", memory_total()),
        ("Python", f"{platform.python_version()} ({platform.python_implementation()})"),
        ("packages", ", ".join(f"{name} {package_version(name)}" for name in PACKAGES)),
        ("OS", platform.platform()),
        ("commit", git_revision()),
    ]


def target_result(results: list[SizeResult]) -> tuple[SizeResult, str]:
    """The result the targets are judged on: 600,000 rows, else the largest size run, flagged as such."""
    for result in results:
        if result.rows == TARGET_SIZE:
            return result, f"at {TARGET_SIZE:,} rows"
    largest = max(results, key=lambda result: result.rows)
    return largest, f"at {largest.rows:,} rows — provisional: the targets are set for {TARGET_SIZE:,} rows"


def commands_timed(cache: bool) -> list[tuple[str, str, str]]:
    """(label, command, remark) for each command timed."""
    no_cache = " --no-cache" if cache else ""
    return [
        ("bare fastexcel read", f"python -c {shlex.quote(BARE_READ)} FILE", "the floor: read the whole sheet"),
        ("compute", f"chuangye compute FILE --format json{no_cache} > /dev/null", ""),
        (
            "compute (cached)",
            "chuangye compute FILE --format json > /dev/null",
            "after one untimed run that fills the cache" if cache else "not run: compute has no --no-cache yet",
        ),
        (
            "validate",
            f"chuangye validate FILE{no_cache} > /dev/null",
            "exit 0 (no errors) and 1 (data errors) both accepted",
        ),
        ("--help", "chuangye --help > /dev/null", ""),
        (
            "check",
            f"chuangye check FILE --standard jiangsu-2016 --format json{no_cache} > /dev/null",
            "exit 3 accepted",
        ),
        ("years (two returns)", f"chuangye compute FILE FILE_2017 --format json{no_cache} > /dev/null", ""),
        ("bare read, a warning a row", f"python -c {shlex.quote(BARE_READ)} WARNED", "WARNED: half the rows"),
        (
            "validate, a warning a row",
            f"chuangye validate WARNED --format json{no_cache} > /dev/null",
            "every unit's 创业参与率 above 30 %",
        ),
    ]


def own_peak_mib() -> float:
    """This process's peak RSS: Linux reports no child's peak below it (fork and exec carry it over)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def text_machine(info: list[tuple[str, str]]) -> str:
    return "\n".join(["Machine:", *(f"  {key:<8} {value}" for key, value in info)])


def text_size(result: SizeResult) -> str:
    heading = f"=== {size_heading(result)}"
    stages = stage_table(result)
    parts = ["", heading, text_table(*timing_table(result)), "", text_table(*target_table(result))]
    return "\n".join(parts + (["", text_table(*stages)] if stages else []))


def text_summary(results: list[SizeResult]) -> str:
    chosen, where = target_result(results)
    out = ["", f"Targets ({where}):"]
    out += [f"  {target.name:<30} {target.describe():<9} met: {target.met(chosen)}" for target in TARGETS]
    out += ["", "Times: wall clock of the whole process. Peak MiB: the process's own max RSS (os.wait4)."]
    out += [f"The benchmark's own peak RSS, a floor under every figure: {own_peak_mib():.1f} MiB."]
    return "\n".join(out)


def markdown_report(
    results: list[SizeResult], info: list[tuple[str, str]], cache: bool, runs: int, command: str
) -> str:
    out = ["# Benchmark results", "", f"Produced by `{command}` (from the repository root).", ""]
    out += ["## Machine", "", *(f"- **{key}**: {value}" for key, value in info), ""]
    out += ["## What was timed", ""]
    for label, line, remark in commands_timed(cache):
        out.append(f"- {label}: `{line}`" + (f" — {remark}" if remark else ""))
    out += [
        "",
        f"Each command runs as a whole process {runs} time(s) per size (round-robin); the tables give the median, "
        "min and max wall-clock seconds and the largest peak RSS (MiB, from `os.wait4`) of the process itself. "
        "Returns come from `benches/make_returns.py`, run in a process of its own so the benchmark stays small: "
        "Linux carries a parent's peak RSS over into its children's, so the benchmark's own peak "
        f"({own_peak_mib():.1f} MiB) is a floor under every figure.",
        "",
        "compute runs with `CHUANGYE_STAGE_TIMES=1`, which writes to stderr when each stage begins. The third "
        "table of each size gives the median length of each stage. Its last row adds up every stage but "
        "validation, and sets that against the bare read: what compute would take if validating cost nothing.",
        "",
    ]
    for result in results:
        out += [f"## {size_heading(result)}", "", markdown_table(*timing_table(result)), ""]
        out += [markdown_table(*target_table(result)), ""]
        stages = stage_table(result)
        if stages:
            out += [markdown_table(*stages), ""]
    if results:
        chosen, where = target_result(results)
        out += [f"## Targets met ({where})", ""]
        rows = [[target.name, target.shown(chosen), target.describe(), target.met(chosen)] for target in TARGETS]
        out += [markdown_table(["figure", "value", "target", "met"], rows), ""]
    return "\n".join(out)


def parse_sizes(text: str) -> list[int]:
    try:
        sizes = [int(part.replace("_", "")) for part in text.split(",") if part.strip()]
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"not a comma-separated list of row counts: {text!r}") from error
    if not sizes or any(size < 1 for size in sizes):
        raise argparse.ArgumentTypeError(f"row counts must be positive: {text!r}")
    return sizes


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--sizes",
        type=parse_sizes,
        default=list(DEFAULT_SIZES),
        help="comma-separated row counts (default: 1000,50000,600000)",
    )
    parser.add_argument("--runs", type=int, default=3, help="timed runs of each command per size (default: 3)")
    parser.add_argument("--keep", type=Path, metavar="DIR", help="generate the returns here and keep them")
    parser.add_argument("--markdown", type=Path, metavar="FILE", help="also write the results as Markdown")
    parser.add_argument("--timeout", type=float, metavar="SECONDS", help="kill any one command after this long")
    arguments = parser.parse_args(argv)
    if arguments.runs < 1:
        parser.error("--runs must be at least 1")
    if not CHUANGYE.exists():
        parser.error(f"{CHUANGYE} not found: run this with the Python of the environment chuangye is installed in")

    command = shlex.join([".venv/bin/python", "benches/run.py", *(sys.argv[1:] if argv is None else argv)])
    with tempfile.TemporaryDirectory(prefix="chuangye-bench-") as scratch:
        folder = arguments.keep or Path(scratch)
        folder.mkdir(parents=True, exist_ok=True)
        env = {**os.environ, "XDG_CACHE_HOME": str(Path(scratch) / "cache")}  # a cache of our own, started empty
        cache = has_cache_option(env)
        info = machine()
        print(text_machine(info))
        print(f"chuangye: {CHUANGYE}; compute offers --no-cache: {'yes' if cache else 'no'}", flush=True)
        results: list[SizeResult] = []
        for rows in arguments.sizes:
            result = bench_size(rows, folder, Path(scratch), arguments.runs, cache, env, arguments.timeout)
            if result is None:
                continue
            results.append(result)
            print(text_size(result), flush=True)
            if arguments.markdown:  # rewritten after each size, so a long run that dies keeps what it measured
                report = markdown_report(results, info, cache, arguments.runs, command)
                arguments.markdown.write_text(report, "utf-8")
    if not results:
        print("Nothing measured: every return failed to generate.")
        return 1
    print(text_summary(results))
    if arguments.markdown:
        print(f"\nMarkdown written to {arguments.markdown}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
