"""The package's shape, checked by a machine (issue 14): no import cycles among appraise's modules, not even through
imports inside functions or under ``if TYPE_CHECKING:``, and a small top level in engine/.

Every ``import`` and ``from ... import`` statement anywhere in engine/ and plugins/ is read with :mod:`ast` (no code
is imported) and mapped to the installed module names: engine/x/y.py is ``appraise.x.y``, engine/x/__init__.py is
``appraise.x``, plugins/z.py is ``appraise.plugins.z``.  ``from appraise.x import y`` depends on ``appraise.x.y`` when
that is a module, else on ``appraise.x``; importing ``appraise.x.y`` also runs ``appraise.x`` (its __init__), but
that edge is only counted when the __init__ itself has code that imports (an empty __init__ cannot close a cycle).
"""
from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TREES = {"appraise": ROOT / "engine", "appraise.plugins": ROOT / "plugins"}
MAX_TOP_LEVEL_MODULES = 12



def modules() -> dict[str, Path]:
    """Module name -> file, for every .py file of the two trees (the plugins' own packaging trees excluded)."""
    found: dict[str, Path] = {}
    for package, tree in TREES.items():
        for path in sorted(tree.rglob("*.py")):
            parts = path.relative_to(tree).with_suffix("").parts
            if any(not p.isidentifier() for p in parts):
                continue  # plugins/appraise-jsonl/... is a separate distribution, not appraise.plugins.*
            if parts[-1] == "__init__":
                parts = parts[:-1]
            found[".".join((package, *parts))] = path
    return found


def _resolve(node: ast.ImportFrom, current: str, is_package: bool) -> str:
    """The absolute module a ``from`` statement names (relative imports resolved against the current module)."""
    if not node.level:
        return node.module or ""
    base = current.split(".")
    if not is_package:
        base = base[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def imports_of(name: str, path: Path, known: dict[str, Path]) -> set[str]:
    """The appraise modules the file's import statements (at any depth) name."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    is_package = path.name == "__init__.py"
    targets: set[str] = set()

    def add(module: str) -> None:
        # the module itself, else its closest enclosing package that is one of ours
        while module and module not in known:
            module = module.rpartition(".")[0]
        if module and module != name:
            targets.add(module)

    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                add(alias.name)
        elif isinstance(node, ast.ImportFrom):
            module = _resolve(node, name, is_package)
            for alias in node.names:
                full = f"{module}.{alias.name}"
                add(full if full in known else module)
    return targets


def _imports_anything(path: Path) -> bool:
    return any(isinstance(n, ast.Import | ast.ImportFrom) for n in ast.walk(ast.parse(path.read_text("utf-8"))))


def graph() -> dict[str, set[str]]:
    known = modules()
    edges = {name: imports_of(name, path, known) for name, path in known.items()}
    # importing a.b.c first runs a/__init__.py and a/b/__init__.py: an edge to each parent package that imports
    for name, targets in edges.items():
        for target in list(targets):
            parent = target.rpartition(".")[0]
            while parent:
                if parent in known and parent != name and not name.startswith(parent + ".") \
                        and _imports_anything(known[parent]):
                    targets.add(parent)
                parent = parent.rpartition(".")[0]
    return edges


def strongly_connected(edges: dict[str, set[str]]) -> list[list[str]]:
    """Tarjan's algorithm (iterative): the components with more than one module, or a module importing itself."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = 0
    for root in sorted(edges):
        if root in index:
            continue
        work = [(root, iter(sorted(edges[root])))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(edges.get(child, ())))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
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
                if len(component) > 1 or node in edges.get(node, ()):
                    found.append(sorted(component))
    return found


def elementary_cycles(component: list[str], edges: dict[str, set[str]], limit: int = 200) -> set[tuple[str, ...]]:
    """Every simple cycle inside one component, each as a path starting at its smallest module (a -> b -> ... and
    back to a); a cycle is found once, from its smallest member, by walking only through larger ones."""
    members = set(component)
    found: set[tuple[str, ...]] = set()
    for start in sorted(component):
        allowed = {m for m in members if m > start}
        work = [(start, [start])]
        while work:
            node, path = work.pop()
            for child in sorted(edges[node] & members):
                if child == start:
                    found.add(tuple(path))
                    if len(found) >= limit:  # a tangle this big needs no fuller list to be fixed
                        return found
                elif child in allowed and child not in path:
                    work.append((child, [*path, child]))
    return found


def cycles() -> set[tuple[str, ...]]:
    edges = graph()
    return {cycle for component in strongly_connected(edges) for cycle in elementary_cycles(component, edges)}


def show(cycle: tuple[str, ...]) -> str:
    return " -> ".join((*cycle, cycle[0]))


def test_the_graph_sees_imports_in_functions_and_type_checking_blocks(tmp_path):
    # a tiny tree of our own, so this checks the walker, not today's code
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "__init__.py").write_text("")
    (tmp_path / "pkg" / "a.py").write_text("def f():\n    from appraise.pkg import b\n")
    (tmp_path / "pkg" / "b.py").write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from .c import X\n")
    (tmp_path / "pkg" / "c.py").write_text("import appraise.pkg.a as a, os\n")
    known = {"appraise.pkg": tmp_path / "pkg" / "__init__.py"} | {
        f"appraise.pkg.{m}": tmp_path / "pkg" / f"{m}.py" for m in "abc"}
    edges = {name: imports_of(name, path, known) for name, path in known.items()}
    assert edges == {"appraise.pkg": set(), "appraise.pkg.a": {"appraise.pkg.b"},
                     "appraise.pkg.b": {"appraise.pkg.c"}, "appraise.pkg.c": {"appraise.pkg.a"}}
    (component,) = strongly_connected(edges)
    assert elementary_cycles(component, edges) == {("appraise.pkg.a", "appraise.pkg.b", "appraise.pkg.c")}


def test_every_simple_cycle_of_a_tangle_is_listed():
    edges = {"a": {"b"}, "b": {"a", "c"}, "c": {"a", "b"}, "d": {"a"}}
    (component,) = strongly_connected(edges)
    assert component == ["a", "b", "c"]
    assert elementary_cycles(component, edges) == {("a", "b"), ("b", "c"), ("a", "b", "c")}


def test_every_module_is_found():
    names = modules()
    # a sample of names whose files are known to exist, in each tree and at each depth
    assert {"appraise", "appraise.cli", "appraise.plugins", "appraise.plugins.csv_provider"} <= set(names)
    assert not any("appraise-jsonl" in name for name in names)


def test_no_import_cycles():
    """No module reaches itself through imports, not even through imports inside functions or TYPE_CHECKING."""
    found = cycles()
    assert not found, ("import cycles (break them: move the shared code down a layer):\n  "
                       + "\n  ".join(show(c) for c in sorted(found)))


def test_engine_top_level_stays_small():
    top = sorted(p.stem for p in (ROOT / "engine").glob("*.py"))
    assert len(top) <= MAX_TOP_LEVEL_MODULES, (
        f"{len(top)} modules at engine/'s top level (at most {MAX_TOP_LEVEL_MODULES}): {top}; "
        "give the new one a home in a sub-package")


def test_readme_architecture_maps_every_module():
    """README "Architecture" lists every module of engine/ and plugins/ (one line each), and no module that is gone."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("\n## Architecture\n", 1)[1].split("\n## ", 1)[0]
    listed = set(re.findall(r"^\| `((?:engine|plugins)/[\w/]+\.py)` \|", section, flags=re.M))
    files = {str(path.relative_to(ROOT)) for tree in TREES.values() for path in tree.rglob("*.py")
             if "appraise-jsonl" not in str(path)}
    assert sorted(files - listed) == [], "modules missing from README's package map"
    assert sorted(listed - files) == [], "README's package map names modules that no longer exist"
