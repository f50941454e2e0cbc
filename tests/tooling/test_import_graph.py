"""No import circles in mocksrv: every module can be read (and changed) after the ones it imports.

The graph is built from the source with `ast`, not by importing. It counts every import that
runs, at module level or inside a function (a function-level import is how a circle hides, not
how it ends), and leaves out `if TYPE_CHECKING:` blocks (they never run). Importing `a.b.c`
also runs `a/__init__` and `a/b/__init__`; those implicit edges are left out, since a package's
`__init__` listing its own modules (the dialect table) is the intended shape.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import mocksrv

PACKAGE = Path(mocksrv.__file__).parent


def module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def running_imports(tree: ast.Module) -> Iterator[ast.Import | ast.ImportFrom]:
    """Every import statement that can execute: TYPE_CHECKING-only blocks are skipped."""
    pending: list[ast.AST] = [tree]
    while pending:
        node = pending.pop()
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            pending.extend(node.orelse)
            continue
        if isinstance(node, ast.Import | ast.ImportFrom):
            yield node
        pending.extend(ast.iter_child_nodes(node))


def imported(node: ast.Import | ast.ImportFrom, package: str, modules: set[str]) -> set[str]:
    """The modules of `modules` this statement loads (`from .x import y` may load x or x.y)."""
    if isinstance(node, ast.Import):
        return {alias.name for alias in node.names if alias.name in modules}
    if node.level:
        parts = package.split(".")
        base = ".".join(parts[: len(parts) - node.level + 1] + ([node.module] if node.module else []))
    else:
        base = node.module or ""
    found = set()
    for alias in node.names:
        if f"{base}.{alias.name}" in modules:
            found.add(f"{base}.{alias.name}")
        elif base in modules:
            found.add(base)
    return found


def import_graph(root: Path) -> dict[str, set[str]]:
    files = {module_name(path, root): path for path in root.rglob("*.py")}
    modules = set(files)
    graph: dict[str, set[str]] = {}
    for name, path in files.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        edges = set().union(*(imported(node, package, modules) for node in running_imports(tree)))
        graph[name] = edges - {name}
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for start in sorted(graph):
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, targets = work[-1]
            target = next(targets, None)
            if target is not None:
                if target not in index:
                    index[target] = low[target] = len(index)
                    stack.append(target)
                    on_stack.add(target)
                    work.append((target, iter(sorted(graph[target]))))
                elif target in on_stack:
                    low[node] = min(low[node], index[target])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def test_mocksrv_has_no_import_circles():
    graph = import_graph(PACKAGE)
    assert {"mocksrv.app", "mocksrv.dialects.openai.chat", "mocksrv.state_redis"} <= set(graph)
    assert "mocksrv.admin" in graph["mocksrv.app"]  # the graph sees real edges
    assert "mocksrv.state_redis" in graph["mocksrv.state"]  # ... function-level ones too
    assert cycles(graph) == []


def test_a_circle_through_a_function_level_import_is_found(tmp_path: Path):
    root = tmp_path / "pkg"
    (root / "sub").mkdir(parents=True)
    (root / "__init__.py").write_text("")
    (root / "sub" / "__init__.py").write_text("")
    (root / "a.py").write_text("from .sub import b\n")
    (root / "sub" / "b.py").write_text("def f():\n    from ..c import g\n")
    (root / "c.py").write_text("from typing import TYPE_CHECKING\nimport pkg.a\n")
    (root / "d.py").write_text("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from . import a\n")
    graph = import_graph(root)
    assert cycles(graph) == [["pkg.a", "pkg.c", "pkg.sub.b"]]
    assert graph["pkg.d"] == set()  # type-checking imports never run
