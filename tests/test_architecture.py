"""The shape of the package: layers that import downward, no import cycle, heavy modules imported where used."""

from __future__ import annotations

import ast
import importlib
from collections.abc import Iterator
from pathlib import Path

import pytest

import chuangye_metrics
from chuangye_metrics import LAYERS
from chuangye_metrics._dependencies import HEAVY_MODULES

PACKAGE = Path(chuangye_metrics.__file__).parent
OUTSIDE_LAYERS = {"chuangye_metrics", "chuangye_metrics.__main__", "chuangye_metrics._dependencies"}


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(path): path for path in sorted(PACKAGE.rglob("*.py"))}


def _imports(tree: ast.AST, inside_function: bool = False) -> Iterator[tuple[ast.Import | ast.ImportFrom, bool]]:
    """Every import with whether it stands inside a function; those under ``if TYPE_CHECKING`` left out."""
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            continue
        if isinstance(node, ast.Import | ast.ImportFrom):
            yield node, inside_function
        else:
            yield from _imports(node, inside_function or isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef))


def _targets(node: ast.Import | ast.ImportFrom) -> list[str]:
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    assert node.level == 0, "relative imports are not used"
    base = node.module or ""
    return [f"{base}.{alias.name}" if f"{base}.{alias.name}" in MODULES else base for alias in node.names]


def internal_imports() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {name: set() for name in MODULES}
    for name, path in MODULES.items():
        for node, _ in _imports(ast.parse(path.read_text(encoding="utf-8"))):
            graph[name] |= {target for target in _targets(node) if target in MODULES and target != name}
    return graph


def layer_of(module: str) -> int:
    return LAYERS.index(module.split(".")[1])


def test_every_module_is_in_a_layer() -> None:
    assert {name for name in MODULES if name not in OUTSIDE_LAYERS and name.split(".")[1] not in LAYERS} == set()


def test_imports_go_only_downward() -> None:
    upward = [
        f"{module} imports {target}"
        for module, targets in internal_imports().items()
        if module not in OUTSIDE_LAYERS
        for target in targets
        if target not in OUTSIDE_LAYERS and layer_of(target) > layer_of(module)
    ]
    assert upward == []


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle of the graph as the modules along it, or None."""
    state: dict[str, int] = {}
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for target in sorted(graph[node]):
            if state.get(target) == 1:
                return [*path[path.index(target) :], target]
            if target not in state and (cycle := visit(target)):
                return cycle
        state[node] = 2
        path.pop()
        return None

    for node in sorted(graph):
        if node not in state and (cycle := visit(node)):
            return cycle
    return None


def test_no_import_cycle() -> None:
    assert find_cycle(internal_imports()) is None


def test_the_cycle_finder_finds_one() -> None:
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": set()}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None


@pytest.mark.parametrize("module", sorted(MODULES))
def test_imports_inside_functions_are_of_heavy_modules_only(module: str) -> None:
    """Everything else is imported at the top of the module, where a reader sees what it depends on."""
    inside = [
        f"line {node.lineno}: {ast.unparse(node)}"
        for node, inside_function in _imports(ast.parse(MODULES[module].read_text(encoding="utf-8")))
        if inside_function and any(target.split(".")[0] not in HEAVY_MODULES for target in _targets(node))
    ]
    assert inside == []


def test_heavy_modules_are_not_imported_at_the_top() -> None:
    """So that the command line starts without them."""
    at_top = [
        f"{module}: {ast.unparse(node)}"
        for module, path in MODULES.items()
        for node, inside_function in _imports(ast.parse(path.read_text(encoding="utf-8")))
        if not inside_function and any(target.split(".")[0] in HEAVY_MODULES for target in _targets(node))
    ]
    assert at_top == []


def test_every_output_format_has_its_one_writer_module() -> None:
    """Read from the app: each --format value any command offers is written by outputs/<format>.py."""
    from chuangye_metrics.cli.options import CheckFormat, ComputeFormat, DocumentFormat, ListFormat, ReportFormat

    enums = (ComputeFormat, CheckFormat, ReportFormat, ListFormat, DocumentFormat)
    formats = {member.value for enum in enums for member in enum}
    writers = {name.rsplit(".", 1)[1] for name in MODULES if name.startswith("chuangye_metrics.outputs.")}
    assert formats - writers == set()


def test_the_registry_has_a_writer_for_every_format_and_kind_it_declares() -> None:
    """Each (format, kind) of outputs.writers resolves to a function of the format's module, and each command's
    --format offers exactly the registry's formats for the kinds it gives."""
    from chuangye_metrics.cli.options import CheckFormat, ComputeFormat, ReportFormat
    from chuangye_metrics.outputs.writers import FORMATS, formats_for, writer

    declared = [(item.name, kind) for item in FORMATS for kind in item.kinds]
    assert len(declared) >= 14
    assert all(callable(writer(name, kind)) for name, kind in declared)
    for name, kind in declared:
        module = importlib.import_module(f"chuangye_metrics.outputs.{name}")
        entry = "report" if next(item for item in FORMATS if item.name == name).report else f"write_{kind}"
        assert callable(getattr(module, entry, None)), (name, kind)
    assert [member.value for member in ComputeFormat] == formats_for("compute", "years")
    assert [member.value for member in CheckFormat] == formats_for("check")
    assert [member.value for member in ReportFormat] == formats_for("validation")
    # a writer the registry does not declare is refused, not guessed
    with pytest.raises(KeyError):
        writer("github", "compute")
