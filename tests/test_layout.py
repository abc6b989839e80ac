"""The layout the README promises: an acyclic import graph inside ``qabot`` (lazy imports
included) and small modules."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "qabot"
MAX_LINES = 400


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> set[str]:
    """``qabot`` modules a module may import, wherever the import sits (inside a function too:
    a lazy import still runs, and can still close a cycle) and however it is written (a
    module named in a string: an ``import_module`` argument or a table of lazy imports);
    only ``if TYPE_CHECKING:`` blocks are left out, since they never run."""
    found: set[str] = set()
    pending: list[ast.AST] = [ast.parse(path.read_text(encoding="utf-8"))]
    while pending:
        node = pending.pop()
        if isinstance(node, ast.If) and "TYPE_CHECKING" in _names(node.test):
            continue
        pending.extend(ast.iter_child_nodes(node))
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.Dict):  # a table of lazy imports: name → module
            found.update(_strings(node.values))
        elif isinstance(node, ast.Call) and any(
            n.endswith("import_module") for n in _names(node.func)
        ):
            found.update(_strings(node.args))
    return {name for name in found if name.split(".")[0] == "qabot"}


def _names(node: ast.AST) -> list[str]:
    """The names and attribute names in an expression (``typing.TYPE_CHECKING``,
    ``importlib.import_module``): what ``ast.unparse`` would spell, without spelling it for
    every call of every module."""
    return [
        n.id if isinstance(n, ast.Name) else n.attr
        for n in ast.walk(node)
        if isinstance(n, ast.Name | ast.Attribute)
    ]


def _strings(nodes: list) -> set[str]:
    return {n.value for n in nodes if isinstance(n, ast.Constant) and isinstance(n.value, str)}


MODULES = {_module_name(p): p for p in PACKAGE.rglob("*.py")}


def test_import_graph_has_no_cycles() -> None:
    graph = {
        name: {m for m in _imports(path) if m in MODULES and m != name}
        for name, path in MODULES.items()
    }
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                cycle = [*stack[stack.index(nxt) :], nxt]
                pytest.fail("import cycle: " + " → ".join(cycle))
            if nxt not in state:
                visit(nxt)
        stack.pop()
        state[node] = 2

    for name in sorted(graph):
        if name not in state:
            visit(name)


@pytest.mark.parametrize("name", sorted(MODULES))
def test_modules_stay_small(name: str) -> None:
    lines = len(MODULES[name].read_text(encoding="utf-8").splitlines())
    assert lines <= MAX_LINES, f"{name} has {lines} lines; split it by concept"
