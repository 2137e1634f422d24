"""Code dependencies derived from the import graph (nasdqn/settings/deps.py): each stage depends
on exactly the modules its command can import, and editing a module reruns exactly those stages."""
from __future__ import annotations

import os

import pytest

from conftest import REPO, planned_jobs, snakemake
from nasdqn.settings.deps import STAGE_COMMANDS, closure, code_digest, imported_modules, normalised_source, stage_code

CODE = stage_code(str(REPO))
MODULES = sorted(str(p.relative_to(REPO)) for p in (REPO / "nasdqn").rglob("*.py"))
# rule -> the stage (command) it runs, and the rules that read its outputs
RULE_STAGE = {"train": "train", "aggregate": "aggregate", "figure": "figure", "figure_architectures": "figure",
              "figure_search": "figure", "render_gif": "render", "report": "report", "floor": "floor"}
DOWNSTREAM = {"train": {"aggregate", "figure", "figure_search", "render_gif"}, "aggregate": {"figure", "figure_search", "report"},
              "figure": {"report"}, "figure_architectures": {"report"}, "figure_search": {"report"}, "render_gif": {"report"},
              "report": set(), "floor": {"aggregate", "figure", "figure_search", "report"}}


def expected_rules(module: str) -> set[str]:
    """The rules whose stage imports `module`, and every rule downstream of them."""
    todo = [r for r, s in RULE_STAGE.items() if module in CODE[s]]
    out: set[str] = set()
    while todo:
        r = todo.pop()
        if r not in out:
            out.add(r)
            todo.extend(DOWNSTREAM[r])
    return out


def test_relative_and_function_level_imports_are_followed():
    found = imported_modules("nasdqn.commands.aggregate", REPO)
    assert {"nasdqn.analysis.tables", "nasdqn.analysis.metrics", "nasdqn.commands.common"} <= found  # inside run()
    assert "nasdqn.analysis" in found  # a package's __init__ runs when a submodule is imported
    deep = closure(("nasdqn.commands.aggregate",), REPO)
    assert "nasdqn.analysis.survival" in deep and "nasdqn.learning.trainer" not in deep


def test_stages_are_separated_where_the_code_is():
    assert "nasdqn/outputs/figures.py" in CODE["figure"] and "nasdqn/outputs/figures.py" not in CODE["train"]
    assert "nasdqn/tasks/base.py" in CODE["train"] and "nasdqn/learning/network.py" in CODE["train"]
    assert "nasdqn/analysis/claims.py" in CODE["aggregate"] and "nasdqn/analysis/claims.py" not in CODE["render"]
    for stage, files in CODE.items():
        assert {"nasdqn/__init__.py", "nasdqn/__main__.py", "nasdqn/cli.py"} <= set(files), stage
        assert f"{STAGE_COMMANDS[stage].replace('.', '/')}.py" in files


MODULE = '''"""A module."""
import numpy as np


class Learner:
    """Learns."""

    def step(self, x):
        """One step."""
        return np.tanh(x)  # squash
'''


def test_the_code_digest_ignores_docstrings_comments_and_layout_but_not_code(tmp_path):
    same = [
        MODULE.replace('"""One step."""', '"""One step of the loop, better explained."""'),
        MODULE.replace("# squash", "# squash it into (-1, 1)").replace("import numpy as np", "import numpy as np  # arrays"),
        MODULE.replace("return np.tanh(x)", "return np.tanh(\n            x\n        )"),
        MODULE.replace('"""A module."""\n', ""),
    ]
    changed = [MODULE.replace("np.tanh(x)", "np.tanh(2 * x)"), MODULE.replace("def step(self, x)", "def step(self, y)"),
               MODULE.replace('"""One step."""', '"""One step."""\n        x = x + 0')]
    assert all(normalised_source(m) == normalised_source(MODULE) for m in same)
    assert all(normalised_source(m) != normalised_source(MODULE) for m in changed)
    # on the package: a docstring edit of a training module keeps the train stage's digest, a code edit changes it
    root = tmp_path / "repo"
    for name in CODE["train"]:
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text((REPO / name).read_text())
    before = code_digest("train", root)
    target = root / "nasdqn/learning/trainer.py"
    target.write_text(target.read_text().replace('"""The two-level training loop', '"""The two-level loop', 1))
    assert code_digest("train", root) == before
    target.write_text(target.read_text() + "\n_EDIT = 1\n")
    assert code_digest("train", root) != before


@pytest.mark.e2e
def test_touching_each_module_reruns_exactly_the_stages_that_import_it(smoke_run):
    """Every module of the package in turn, its code edited: `snakemake -n` plans the rules whose
    stage's import closure holds it (and what reads their outputs), and nothing else; a docstring
    or comment edit of the same module plans nothing (each rule's param is its stage's code
    digest, which leaves docstrings and comments out). The edits are undone after."""
    wrong, docs = [], []
    for module in MODULES:
        path = smoke_run / module
        text, before = path.read_bytes(), path.stat()
        try:
            path.write_bytes(text + b"\n_AN_EDIT = 1\n")
            planned = set(planned_jobs(snakemake(smoke_run, "--configfile", "config/smoke.yaml", "-n"))) - {"all"}
            path.write_bytes(text + b"\n# a comment\n")
            if planned_jobs(snakemake(smoke_run, "--configfile", "config/smoke.yaml", "-n")):
                docs.append(module)
        finally:
            path.write_bytes(text)
            os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
        if planned != expected_rules(module):
            wrong.append((module, sorted(planned), sorted(expected_rules(module))))
    assert not wrong, wrong
    assert not docs, docs
    assert planned_jobs(snakemake(smoke_run, "--configfile", "config/smoke.yaml", "-n")) == {}
