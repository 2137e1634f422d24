"""The package's folders are layers: a module imports only from its own layer or lower ones, and no
two modules import each other, directly or through others (no import circle)."""
from __future__ import annotations

import ast
from pathlib import Path

from conftest import REPO
from nasdqn.settings.deps import _resolve, imported_modules, module_file

# lowest first: settings (plain Python, what the workflow parses with), tasks, the learning core,
# jobs and their files, the analysis, the outputs, the commands, the command line
LAYERS = ["settings", "tasks", "learning", "jobs", "analysis", "outputs", "commands", "cli"]


def layer(module: str) -> int:
    parts = module.split(".")
    if parts == ["nasdqn"]:
        return 0  # the package's __init__: the version and the pendulum's Gymnasium registration
    if parts[1] == "__main__":
        return len(LAYERS) - 1
    return LAYERS.index(parts[1])


def modules(root: Path = REPO) -> list[str]:
    out = []
    for p in sorted((root / "nasdqn").rglob("*.py")):
        parts = list(p.relative_to(root).with_suffix("").parts)
        out.append(".".join(parts[:-1] if parts[-1] == "__init__" else parts))
    return out


def test_every_module_is_in_a_layer():
    assert {m.split(".")[1] for m in modules() if m != "nasdqn"} == {*LAYERS, "__main__"}


def test_no_lower_layer_imports_a_higher_one():
    bad = [(m, i) for m in modules() for i in imported_modules(m, REPO) if layer(i) > layer(m)]
    assert not bad, "\n".join(f"{m} (layer {LAYERS[layer(m)]}) imports {i} (layer {LAYERS[layer(i)]})" for m, i in bad)


def test_the_check_sees_a_violation(tmp_path):
    """The test above can fail: a settings module importing the learning core is caught."""
    pkg = tmp_path / "nasdqn" / "settings"
    pkg.mkdir(parents=True)
    (tmp_path / "nasdqn" / "__init__.py").write_text("")
    (pkg / "__init__.py").write_text("")
    (tmp_path / "nasdqn" / "learning").mkdir()
    (tmp_path / "nasdqn" / "learning" / "__init__.py").write_text("")
    (tmp_path / "nasdqn" / "learning" / "network.py").write_text("")
    (pkg / "bad.py").write_text("def f():\n    from nasdqn.learning import network\n")
    found = imported_modules("nasdqn.settings.bad", tmp_path)
    assert "nasdqn.learning.network" in found and layer("nasdqn.learning.network") > layer("nasdqn.settings.bad")


# ----- import circles ------------------------------------------------------------------------------
def named_imports(module: str, root: Path) -> set[str]:
    """The package's modules that `module` names in an import, anywhere in its source (not the
    parent packages, whose __init__ runs first but is not imported back by the module)."""
    path = module_file(module, root)
    out: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            target = _resolve(node, module, path.name == "__init__.py")
            names = [f"{target}.{a.name}" if module_file(f"{target}.{a.name}", root) else target for a in node.names]
        else:
            continue
        out.update(n for n in names if module_file(n, root) is not None)
    return out - {module}


def circles(root: Path) -> list[list[str]]:
    """Every set of modules that import one another (strongly connected, more than one module)."""
    graph = {m: named_imports(m, root) for m in modules(root)}
    order, seen = [], set()

    def finish(v: str) -> None:  # iterative depth-first search, recording finishing order
        stack = [(v, iter(sorted(graph[v])))]
        seen.add(v)
        while stack:
            node, rest = stack[-1]
            nxt = next((w for w in rest if w not in seen and w in graph), None)
            if nxt is None:
                order.append(node)
                stack.pop()
            else:
                seen.add(nxt)
                stack.append((nxt, iter(sorted(graph[nxt]))))

    for v in graph:
        if v not in seen:
            finish(v)
    reverse = {v: {u for u in graph if v in graph[u]} for v in graph}
    found, assigned = [], set()
    for v in reversed(order):  # Kosaraju: components of the reversed graph in reverse finishing order
        if v in assigned:
            continue
        component, todo = [], [v]
        assigned.add(v)
        while todo:
            u = todo.pop()
            component.append(u)
            for w in reverse[u] - assigned:
                assigned.add(w)
                todo.append(w)
        if len(component) > 1:
            found.append(sorted(component))
    return found


def test_no_import_circle():
    found = circles(REPO)
    assert not found, "modules that import one another: " + "; ".join(" <-> ".join(c) for c in found)


def test_the_check_sees_a_planted_circle(tmp_path):
    """figures -> forest -> figures, the circle issue 28 found, planted in a throwaway package;
    a module that imports a module of its own package without being imported back is no circle."""
    pkg = tmp_path / "nasdqn" / "outputs"
    pkg.mkdir(parents=True)
    (tmp_path / "nasdqn" / "__init__.py").write_text("")
    (pkg / "__init__.py").write_text("")
    (pkg / "figures.py").write_text("X = 1\n\n\ndef later():\n    from nasdqn.outputs import forest\n")
    (pkg / "forest.py").write_text("from nasdqn.outputs.figures import X\n")
    (pkg / "report.py").write_text("from nasdqn.outputs import forest\n")
    assert circles(tmp_path) == [["nasdqn.outputs.figures", "nasdqn.outputs.forest"]]
