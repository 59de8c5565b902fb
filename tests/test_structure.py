"""The package's shape: imports point down the layers, no module imports itself back, functions stay short."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent / "src" / "sigmalang"
#: Layers, lowest first: a module imports only from its own layer or lower ones.
LAYERS = {
    "buffers": 0, "errors": 0, "settings": 0, "pool": 0, "corpus": 0, "parallel": 0,
    "format": 1,
    "codecs": 2,
    "stream": 3, "salvage": 3,
    "urls": 0,
    "": 4, "profile": 4, "bench": 4,  # "" is the package itself (sigmalang/__init__.py)
    "fsspec": 4, "archive": 4, "numcodecs": 4, "zarr": 4,  # integrations, registered by the package
    "dask": 4,  # compression on a Dask cluster (imported only when used)
    "cli": 5,
}  # fmt: skip
MAX_FUNCTION_LINES = 60


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> set[str]:
    """Modules of the package that ``path`` imports, outside ``if TYPE_CHECKING:`` blocks."""
    name = _module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    tree = ast.parse(path.read_text())
    skipped = {
        id(node)
        for block in ast.walk(tree)
        if isinstance(block, ast.If) and "TYPE_CHECKING" in ast.unparse(block.test)
        for node in ast.walk(block)
    }
    found = set()
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
                names = [target] if node.module else [f"{target}.{alias.name}" for alias in node.names]
            else:
                names = [node.module or ""]
            found.update(n for n in names if n.startswith("sigmalang"))
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names if alias.name.startswith("sigmalang"))
    return found


def _existing(name: str, modules: set[str]) -> str:
    """The module or package an imported name belongs to (``from .x import y`` may
    name a function, ``from . import _matcher`` a native module)."""
    while name not in modules and "." in name:
        name = name.rpartition(".")[0]
    return name


def _layer(module: str) -> int:
    parts = module.split(".")
    area = parts[1] if len(parts) > 1 else ""
    return LAYERS[area]


SOURCES = sorted(ROOT.rglob("*.py"))
PACKAGES = {_module_name(d / "__init__.py") for d in [ROOT, *ROOT.rglob("*")] if d.is_dir() and d.name != "__pycache__"}
MODULES = {_module_name(p) for p in SOURCES} | PACKAGES
GRAPH = {m: set() for m in MODULES}
GRAPH.update({_module_name(p): {_existing(m, MODULES) for m in _imports(p)} - {_module_name(p)} for p in SOURCES})


def test_every_area_has_a_layer():
    assert {m.split(".")[1] if "." in m else "" for m in MODULES} <= set(LAYERS)


@pytest.mark.parametrize("module", sorted(GRAPH))
def test_imports_point_down_the_layers(module):
    upward = sorted(target for target in GRAPH[module] if _layer(target) > _layer(module))
    assert not upward, f"{module} imports from higher layers: {upward}"


def test_no_import_cycles():
    # Packages import their submodules (sigmalang/__init__.py re-exports the API):
    # an edge from a package to its own submodule is not a cycle.
    def edges(module: str) -> set[str]:
        return {t for t in GRAPH[module] if not t.startswith(module + ".") and not module.startswith(t + ".")}

    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(module: str) -> None:
        state[module] = 1
        stack.append(module)
        for target in edges(module):
            if state.get(target) == 1:
                raise AssertionError(f"import cycle: {' -> '.join(stack[stack.index(target):] + [target])}")
            if target not in state:
                visit(target)
        stack.pop()
        state[module] = 2

    for module in sorted(GRAPH):
        if module not in state:
            visit(module)


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(ROOT)))
def test_functions_are_at_most_60_lines(path):
    long = [
        f"{node.name} ({node.end_lineno - node.lineno + 1} lines, line {node.lineno})"
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
        and node.end_lineno is not None
        and node.end_lineno - node.lineno + 1 > MAX_FUNCTION_LINES
    ]
    assert not long, long
