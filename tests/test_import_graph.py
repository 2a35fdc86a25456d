"""The dependencies inside plhgis run one way: no import cycle, counting the imports made inside functions."""
from __future__ import annotations

import ast
from pathlib import Path

import plhgis

PACKAGE = Path(plhgis.__file__).parent


def imports_of(path: Path, modules: set[str]) -> set[str]:
    """The plhgis modules `path` imports, at the top or inside a function (`from . import x`, `from .x import y`)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and (node.level == 1 or (node.module or "").startswith("plhgis")):
            parts = (node.module or "").split(".")[0 if node.level else 1:]
            if parts and parts[0]:
                found.add(parts[0])
            else:  # from . import a, b
                found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.Import):
            found |= {alias.name.split(".")[1] for alias in node.names if alias.name.startswith("plhgis.")}
    return (found & modules) - {path.stem}


def graph() -> dict[str, set[str]]:
    modules = {p.stem for p in PACKAGE.glob("*.py")}
    return {p.stem: imports_of(p, modules) for p in PACKAGE.glob("*.py")}


def cycle(edges: dict[str, set[str]]) -> list[str] | None:
    """One cycle of the graph as a path a → … → a, or None."""
    state: dict[str, int] = {}  # 1 on the current path, 2 done
    path: list[str] = []

    def visit(node):
        state[node] = 1
        path.append(node)
        for nxt in sorted(edges[node]):
            if state.get(nxt) == 1:
                return path[path.index(nxt):] + [nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        state[node] = 2
        path.pop()
        return None

    for start in sorted(edges):
        if start not in state and (found := visit(start)):
            return found
    return None


def test_the_finder_sees_a_cycle_through_a_function_level_import(tmp_path):
    (tmp_path / "a.py").write_text("from .b import x\n")
    (tmp_path / "b.py").write_text("def f():\n    from . import a\n")
    edges = {p.stem: imports_of(p, {"a", "b"}) for p in tmp_path.glob("*.py")}
    assert cycle(edges) in (["a", "b", "a"], ["b", "a", "b"])


def test_plhgis_has_no_import_cycle():
    edges = graph()
    assert {"territory", "targets", "checks", "reports", "pdf"} <= set(edges)
    assert "territory" in edges["targets"] and "pack_content" in edges["pdf"]  # the graph is read, not empty
    assert cycle(edges) is None, " → ".join(cycle(edges))


def private_uses(path: Path, modules: set[str]) -> list[str]:
    """Where `path` reaches another plhgis module's _private names (`from .x import _y`, `x._y`)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    aliases, out = {}, []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level == 1:
            for alias in node.names:
                if node.module is None and alias.name in modules:
                    aliases[alias.asname or alias.name] = alias.name
                elif node.module and alias.name.startswith("_") and not alias.name.startswith("__"):
                    out.append(f"{path.name}:{node.lineno} from .{node.module} import {alias.name}")
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in aliases \
                and node.attr.startswith("_") and not node.attr.startswith("__"):
            out.append(f"{path.name}:{node.lineno} {aliases[node.value.id]}.{node.attr}")
    return out


def test_no_module_calls_another_modules_private_helpers():
    modules = {p.stem for p in PACKAGE.glob("*.py")}
    assert [use for p in sorted(PACKAGE.glob("*.py")) for use in private_uses(p, modules)] == []
