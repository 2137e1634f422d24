"""The package's folders are layers: a module imports only from its own layer or lower ones."""
from __future__ import annotations

from conftest import REPO
from nasdqn.settings.deps import imported_modules

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


def modules() -> list[str]:
    out = []
    for p in sorted((REPO / "nasdqn").rglob("*.py")):
        parts = list(p.relative_to(REPO).with_suffix("").parts)
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
