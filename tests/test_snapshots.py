"""Snapshots of every command's output: stdout, stderr, exit code and written files, compared with tests/snapshots.

Update them on purpose with ``pytest tests/test_snapshots.py --update-snapshots`` and read the diff before committing
(tests/snapshots/README.md).
"""

from __future__ import annotations

import enum
import hashlib
import io
import re
import shutil
import typing
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from benches.make_returns import write_xlsx as write_national
from chuangye_metrics.outputs.schemas import SCHEMAS
from tests.conftest import Invoker, cli_command, cli_commands
from tests.corpus import UNITS, real_layout, write_csv, write_ods, write_xls, write_xlsx

SNAPSHOTS = Path(__file__).parent / "snapshots"
SAMPLES = Path(__file__).parent.parent / "sample_data"
LARGE = 150_000  # characters: a longer output is kept as its digest, its head and its tail
NATIONAL_ROWS = 2_600  # above the plain-table cut-off of 2,000 units

S16 = ("jiangning_2016.xlsx",)
S17 = ("jiangning_2017.xlsx",)
YEARS = ("jiangning_2016.xlsx", "jiangning_2017.xlsx")
ONE_YEAR = ("east_2016.xlsx", "west_2016.xlsx")
COUNTY = ("county_2016.xlsx",)
FAULTY = ("faulty_2016.xlsx",)
NATIONAL = ("national_2016.xlsx",)
BASES = ("jiangning_bases.xlsx",)


@dataclass(frozen=True)
class Case:
    """One command line; ``output`` names the file it writes (compared part by part), ``twice`` runs it again warm."""

    id: str
    args: tuple[str, ...]
    output: str | None = None
    twice: bool = False


def _choices(command: str, option: str) -> list[str]:
    """The values an option of a command accepts, as the app declares them."""
    for param in cli_command(command).params:
        if param.name == option:
            annotation = param.type_descriptor.annotation  # type: ignore[attr-defined]
            if isinstance(annotation, type) and issubclass(annotation, enum.Enum):
                return [str(member.value) for member in annotation]
            return [str(value) for value in typing.get_args(annotation)]
    raise KeyError(f"{command} has no option {option}")


LANGS = _choices("compute", "lang")


def _options(command: str) -> set[str]:
    return {str(param.name) for param in cli_command(command).params}


def _formatted(command: str, files: tuple[str, ...], name: str, extra: tuple[str, ...] = ()) -> Iterator[Case]:
    """The command over these files in every format and language it offers."""
    prefix = command.replace(" ", "-")
    for fmt in _choices(command, "output_format"):
        for lang in LANGS:
            args = (*command.split(), *files, "--format", fmt, "--lang", lang, *extra)
            output = None
            if fmt == "xlsx" and "output" in _options(command):
                output = f"out-{prefix}-{name}-{lang}.xlsx"
                args += ("--output", output)
            yield Case(f"{prefix}-{name}-{fmt}-{lang}", args, output)


def _cases() -> list[Case]:
    cases: list[Case] = []
    for name, files in [("s16", S16), ("years", YEARS), ("one-year", ONE_YEAR), ("county", COUNTY)]:
        cases += _formatted("compute", files, name)
    cases += [case for case in _formatted("compute", NATIONAL, "national") if case.id.endswith("-zh")]
    for extension in ("xls", "ods", "csv"):
        cases.append(Case(f"compute-county-{extension}-json", ("compute", f"county_2016.{extension}", "-f", "json")))
    cases += [
        Case("compute-traditional-json", ("compute", "county_traditional_2016.xlsx", "-f", "json")),
        Case("compute-faulty-stops", ("compute", *FAULTY)),
        Case("compute-faulty-stops-en", ("compute", *FAULTY, "--lang", "en")),
        Case("compute-faulty-keep-going-table", ("compute", *FAULTY, "--keep-going")),
        Case("compute-faulty-keep-going-json", ("compute", *FAULTY, "--keep-going", "-f", "json")),
        Case("compute-faulty-keep-going-csv-en", ("compute", *FAULTY, "--keep-going", "-f", "csv", "--lang", "en")),
        Case("compute-level-street", ("compute", *S16, "--level", "street", "-f", "csv")),
        Case("compute-level-zh", ("compute", *YEARS, "-l", "社区", "-f", "json")),
        Case("compute-year-2017", ("compute", *YEARS, "--year", "2017")),
        Case("compute-sheet-number", ("compute", *COUNTY, "--sheet", "2", "-f", "json")),
        Case("compute-cache-warm-json", ("compute", *S16, "-f", "json"), twice=True),
        Case("compute-cache-warm-table", ("compute", *YEARS), twice=True),
        Case("compute-no-cache", ("compute", *S16, "--no-cache", "-f", "csv")),
        Case("compute-missing-file", ("compute", "nowhere.xlsx")),
        Case("compute-xlsx-without-output", ("compute", *S16, "-f", "xlsx")),
        Case("compute-xlsx-without-output-en", ("compute", *S16, "-f", "xlsx", "--lang", "en")),
        Case("compute-duplicate-year", ("compute", *S16, *S16)),
    ]
    for name, files in [("s16", S16), ("county", COUNTY), ("faulty", FAULTY), ("national", NATIONAL)]:
        cases += _formatted("validate", files, name)
    cases += [
        Case("validate-max-errors", ("validate", *FAULTY, "--max-errors", "1")),
        Case("validate-year", ("validate", *S16, "--year", "2016", "-f", "json")),
    ]
    standards = [
        ("jiangsu-2016", "s16", S16),
        ("jiangsu-2016", "one-year", ONE_YEAR),
        ("jiaxing-2013", "years", YEARS),
        ("jiangsu-2017", "s17", S17),
        ("jiangsu-2016-demo-base", "s16", S16),
        ("national-2017-demo-base", "bases", BASES),
        ("chongqing-2017-base-grades", "bases", BASES),
    ]
    for standard, name, files in standards:
        cases += _formatted("check", files, f"{standard}-{name}", ("--standard", standard))
    cases += [case for case in _formatted("check", NATIONAL, "national", ("-s", "jiangsu-2016")) if "-zh" in case.id]
    quota = ("check", *S16, "-s", "jiangsu-2016", "--quota", "street=1,社区=3", "--near", "25")
    cases += [
        Case("check-quota-table", quota),
        Case("check-quota-json-en", (*quota, "-f", "json", "--lang", "en")),
        Case("check-quota-csv", (*quota, "-f", "csv")),
        Case("check-quota-xlsx", (*quota, "-f", "xlsx", "-o", "out-quota.xlsx"), "out-quota.xlsx"),
        Case("check-quota-html", (*quota, "-f", "html")),
        Case("check-register-table", ("check", *S16, "-s", "jiangsu-2016", "--register", "register.txt")),
        Case("check-register-json", ("check", *S16, "-s", "jiangsu-2016", "--register", "register.txt", "-f", "json")),
        Case("check-register-csv", ("check", *S16, "-s", "jiangsu-2016", "--register", "register.csv", "-f", "csv")),
        Case("check-fail-on-coverage", ("check", *S16, "-s", "jiangsu-2016", "--fail-on", "coverage")),
        Case("check-fail-on-never", ("check", *S16, "-s", "jiangsu-2016", "--fail-on", "never", "-f", "csv")),
        Case("check-faulty-stops", ("check", *FAULTY, "-s", "jiangsu-2016")),
        Case("check-faulty-keep-going", ("check", *FAULTY, "-s", "jiangsu-2016", "--keep-going", "-f", "json")),
        Case("check-years-year", ("check", *YEARS, "-s", "jiaxing-2013", "--year", "2017", "-f", "csv")),
        Case("check-standard-file", ("check", *S16, "-s", "standard.yaml", "-f", "json")),
        Case("check-unknown-standard", ("check", *S16, "-s", "nowhere-2099")),
        Case("check-cache-warm", ("check", *S16, "-s", "jiangsu-2016", "-f", "json"), twice=True),
    ]
    for unit in ("320115001000", "320115000000", "P320115001", "320115001001"):
        for lang in LANGS:
            cases.append(Case(f"explain-{unit}-{lang}", ("explain", *S16, "-u", unit, "--lang", lang)))
    cases += [
        Case("explain-standard", ("explain", *S16, "-u", "320115001000", "-s", "jiangsu-2016")),
        Case("explain-standard-en", ("explain", *S16, "-u", "320115000000", "-s", "jiaxing-2013", "--lang", "en")),
        Case("explain-year", ("explain", *S17, "-u", "320115002000", "--year", "2017")),
        Case("explain-window", ("explain", *BASES, "-u", "B320115002", "-s", "national-2017-demo-base")),
        Case(
            "explain-score-en",
            (
                "explain",
                *BASES,
                "-u",
                "B320115003",
                "-s",
                "chongqing-2017-base-grades",
                "--year",
                "2022",
                "--lang",
                "en",
            ),
        ),
        Case("explain-unknown-unit", ("explain", *S16, "-u", "999")),
    ]
    templates = [
        ("plain", ("--lang", "zh")),
        ("plain-en", ("--lang", "en")),
        ("standard", ("--standard", "jiangsu-2016")),
        ("levels", ("--level", "street", "--level", "社区")),
        ("year-column", ("--year-column", "--rows", "20")),
        ("standard-level", ("-s", "jiaxing-2013", "-l", "street")),
    ]
    for name, extra in templates:
        output = f"out-template-{name}.xlsx"
        cases.append(Case(f"template-{name}", ("template", "-o", output, "--year", "2016", *extra), output))
    for fmt in _choices("standards list", "output_format"):
        for lang in LANGS:
            cases.append(Case(f"standards-list-{fmt}-{lang}", ("standards", "list", "--format", fmt, "--lang", lang)))
    shown = ("jiangsu-2016", "jiangsu-2017", "jiaxing-2013", "jiangsu-2016-demo-base", "national-2017-demo-base")
    for standard in (*shown, "chongqing-2017-base-grades"):
        for fmt in _choices("standards show", "output_format"):
            for lang in LANGS:
                args = ("standards", "show", standard, "--format", fmt, "--lang", lang)
                cases.append(Case(f"standards-show-{standard}-{fmt}-{lang}", args))
    for case in _formatted("formulas list", (), "all"):
        cases.append(case)
    for indicator in ("participation_rate", "jobs_per_entrepreneur", "entrepreneurs"):
        for fmt in _choices("formulas explain", "output_format"):
            for lang in LANGS:
                args = ("formulas", "explain", indicator, "--format", fmt, "--lang", lang)
                cases.append(Case(f"formulas-explain-{indicator}-{fmt}-{lang}", args))
    for fmt in _choices("merge", "output_format"):
        for lang in LANGS:
            output = f"out-merge-{fmt}-{lang}.xlsx"
            args = ("merge", *ONE_YEAR, "--unit", "320115", "-o", output, "--format", fmt, "--lang", lang)
            cases.append(Case(f"merge-{fmt}-{lang}", (*args, "--form-number", "人社创01表"), output))
    cases += [
        Case(
            "merge-register",
            ("merge", *S16, "-u", "320115", "--register", "register.txt", "-o", "out-m.xlsx"),
            "out-m.xlsx",
        ),
        Case("merge-faulty-stops", ("merge", *FAULTY, "-u", "320115", "-o", "out-faulty.xlsx"), "out-faulty.xlsx"),
        Case(
            "merge-faulty-keep-going",
            ("merge", *FAULTY, "-u", "320115", "-o", "out-k.xlsx", "--keep-going"),
            "out-k.xlsx",
        ),
        Case(
            "merge-outside",
            ("merge", *S16, "-u", "320116", "-o", "out-outside.xlsx", "--lang", "en"),
            "out-outside.xlsx",
        ),
        Case("merge-not-a-code", ("merge", *S16, "-u", "江宁区", "-o", "out-x.xlsx")),
    ]
    for fmt in _choices("diff", "output_format"):
        for lang in LANGS:
            args = ("diff", "county_2016.xlsx", "faulty_2016.xlsx", "--keep-going", "-s", "jiangsu-2016")
            output = f"out-diff-{lang}.xlsx" if fmt == "xlsx" else None
            cases.append(
                Case(
                    f"diff-{fmt}-{lang}",
                    (*args, "--format", fmt, "--lang", lang, *(("-o", output) if output else ())),
                    output,
                )
            )
    cases += [
        Case("diff-unchanged", ("diff", "--old", "east_2016.xlsx", "--old", "west_2016.xlsx", "--new", *COUNTY)),
        Case("diff-years-differ", ("diff", *YEARS)),
        Case("diff-faulty-stops", ("diff", *COUNTY, *FAULTY)),
    ]
    for which in SCHEMAS:
        cases.append(Case(f"schema-{which}", ("schema", which)))
    cases.append(Case("version", ("--version",)))
    return cases


CASES = _cases()


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Every input the cases read, under fixed names: the samples, corpus returns, a national-size return."""
    folder = tmp_path_factory.mktemp("snapshots")
    for name in (*YEARS, *BASES):
        shutil.copyfile(SAMPLES / name, folder / name)
    grid = real_layout()
    _settle(write_xlsx(grid, folder / "county_2016.xlsx"))
    write_xls(grid, folder / "county_2016.xls")
    _settle(write_ods(grid, folder / "county_2016.ods"))
    write_csv(grid, folder / "county_2016.csv")
    _settle(write_xlsx(real_layout(traditional=True), folder / "county_traditional_2016.xlsx"))
    east = [unit for unit in UNITS if unit["unit_code"].startswith("320115001")]
    west = [unit for unit in UNITS if not unit["unit_code"].startswith("320115001")]
    _settle(write_xlsx(real_layout(east), folder / "east_2016.xlsx"))
    _settle(write_xlsx(real_layout(west), folder / "west_2016.xlsx"))
    faulty = [dict(unit) for unit in UNITS]
    faulty[1]["entrepreneurs"] = "九百一十"  # text in a count: an error naming the cell
    faulty[2]["trainees_certified"] = faulty[2]["trainees"] + 5  # more certified than trained
    faulty[3]["survey_respondents"] = None  # a blank: missing, not zero
    _settle(write_xlsx(real_layout(faulty, total=None), folder / "faulty_2016.xlsx"))
    _settle(write_national(folder / "national_2016.xlsx", NATIONAL_ROWS))
    (folder / "register.txt").write_text(
        "# 江宁区 街道名册\n320115001000 东山街道\n320115002000 秣陵街道\n320115003000 汤山街道\n", encoding="utf-8"
    )
    (folder / "register.csv").write_text(
        "单位代码,单位名称,单位层级\n320115001000,东山街道,街道\n320115003000,汤山街道,街道\n320115001009,新社区,社区\n",
        encoding="gb18030",
    )
    shutil.copyfile(SAMPLES.parent / "formulas" / "standards" / "jiangsu-2016.yaml", folder / "standard.yaml")
    return folder


def _settle(path: Path) -> Path:
    """The same bytes on every run: a zip-based workbook's entry times and document dates fixed."""
    with zipfile.ZipFile(path) as archive:
        entries = [(info, archive.read(info)) for info in archive.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for info, data in entries:
            if info.filename in ("docProps/core.xml", "meta.xml"):
                data = re.sub(rb"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z?", b"2017-01-15T00:00:00Z", data)
            fixed = zipfile.ZipInfo(info.filename, date_time=(2017, 1, 15, 0, 0, 0))
            fixed.compress_type = info.compress_type
            archive.writestr(fixed, data)
    return path


def _readable_xml(text: str) -> str:
    return re.sub(r">\s*<", ">\n<", text)


def workbook_parts(path: Path) -> str:
    """A workbook as its parts in name order, XML a tag a line; docProps/core.xml (its times) left out."""
    pieces: list[str] = []
    with zipfile.ZipFile(path) as archive:
        for name in sorted(archive.namelist()):
            if name == "docProps/core.xml":
                continue
            data = archive.read(name)
            if name.endswith((".xml", ".rels", ".vml")):
                pieces.append(f"--- part {name}\n{_readable_xml(data.decode('utf-8'))}")
            else:
                pieces.append(f"--- part {name}: {len(data)} bytes, sha256 {hashlib.sha256(data).hexdigest()}")
    return "\n".join(pieces)


def _shortened(label: str, text: str) -> str:
    if len(text) <= LARGE:
        return f"--- {label}\n{text}"
    lines = text.splitlines()
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    head, tail = "\n".join(lines[:60]), "\n".join(lines[-20:])
    return f"--- {label}: {len(text)} characters, {len(lines)} lines, sha256 {digest}\n{head}\n[…]\n{tail}"


class Normaliser:
    """Takes out of an output what may change from run to run: the workspace's path and the inputs' hashes (a
    combined hash of several files, or a library's new version writing the generated inputs differently)."""

    def __init__(self, folder: Path) -> None:
        self.folder = str(folder)
        self.names = {_sha256(path): path.name for path in sorted(folder.iterdir()) if path.is_file()}

    def _hash(self, match: re.Match[str]) -> str:
        text = match.group(0)
        if text.endswith("…"):
            names = [name for digest, name in self.names.items() if digest.startswith(text[:-1])]
            return f"<sha256 of {names[0]}>…" if names else "<sha256>…"
        return f"<sha256 of {self.names[text]}>" if text in self.names else "<sha256>"

    def __call__(self, text: str) -> str:
        text = text.replace(self.folder, "<workspace>")
        return re.sub(r"\b[0-9a-f]{64}\b|\b[0-9a-f]{8,63}…", self._hash, text)


def render(case: Case, cli: Invoker, folder: Path) -> str:
    normalise = Normaliser(folder)
    result = cli(*case.args)
    sections = [f"$ chuangye {' '.join(case.args)}", f"exit: {result.exit_code}"]
    sections.append(_shortened("stdout", normalise(result.stdout)))
    sections.append(_shortened("stderr", normalise(result.stderr)))
    if case.output is not None:
        written = folder / case.output
        if written.exists():
            sections.append(_shortened(f"file {case.output}", normalise(workbook_parts(written))))
            written.unlink()
        else:
            sections.append(f"--- file {case.output}: not written")
    if case.twice:
        again = cli(*case.args)
        assert (again.exit_code, again.stdout) == (result.exit_code, result.stdout), "the warm cache changed the output"
        sections.append(_shortened("stderr, run again from the cache", normalise(again.stderr)))
    return "\n".join(sections) + "\n"


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_snapshot(
    case: Case, cli: Invoker, workspace: Path, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest
) -> None:
    monkeypatch.chdir(workspace)
    monkeypatch.setenv("COLUMNS", "160")
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1484438400")  # 2017-01-15: the day a written workbook says it was made
    actual = render(case, cli, workspace)
    stored = SNAPSHOTS / f"{case.id}.txt"
    if request.config.getoption("--update-snapshots"):
        SNAPSHOTS.mkdir(exist_ok=True)
        stored.write_text(actual, encoding="utf-8")
        return
    assert stored.exists(), f"no snapshot {stored.name}: run pytest {__file__} --update-snapshots and read the diff"
    expected = stored.read_text(encoding="utf-8")
    assert actual == expected


def test_every_snapshot_has_a_case() -> None:
    stored = {path.stem for path in SNAPSHOTS.glob("*.txt")}
    assert stored == {case.id for case in CASES}


def test_cases_cover_every_command_format_and_language() -> None:
    """Read from the app: a command, format or language added later without a snapshot fails here."""
    lines = [" ".join(case.args) for case in CASES]
    for command in cli_commands():
        names = _options(command)
        formats = _choices(command, "output_format") if "output_format" in names else [None]
        langs = LANGS if "lang" in names else [None]
        for fmt in formats:
            for lang in langs:
                wanted = [command] + ([f"--format {fmt}"] if fmt else []) + ([f"--lang {lang}"] if lang else [])
                assert any(line.startswith(command) and all(w in line for w in wanted) for line in lines), wanted


def test_workbook_parts_leave_out_only_the_times(tmp_path: Path) -> None:
    path = tmp_path / "w.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("docProps/core.xml", "<a><created>2026</created></a>")
        archive.writestr("xl/worksheets/sheet1.xml", "<a><b>1</b></a>")
        archive.writestr("xl/media/image1.png", b"\x89PNG")
    text = workbook_parts(path)
    assert "2026" not in text and "<b>1</b>" in text and "image1.png: 4 bytes" in text
    assert (
        io.StringIO(text).readline()
        == "--- part xl/media/image1.png: 4 bytes, sha256 " + hashlib.sha256(b"\x89PNG").hexdigest() + "\n"
    )
