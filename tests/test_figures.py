"""The figure registry: the names and titles the workflow reads from the source with ast are the
ones the figures module registers; every figure of a tiny study is drawn, byte-identical on rerun."""
from __future__ import annotations

import pytest
from fake_study import aggregated_study

from nasdqn.cli import main
from nasdqn.outputs import figures
from nasdqn.settings import figures as parsed

# the figures this change added or redrew (the workflow test draws the others)
NAMES = ["forest", "learning_curves", "fig4_convergence", "fig9_performance_profile", "oracle_ranking"]


def test_the_workflow_reads_the_registry_from_the_source():
    entries = {e.name: e for e in parsed.figure_entries()}
    assert list(entries) == list(figures.REGISTRY)
    for name, spec in figures.REGISTRY.items():
        e = entries[name]
        assert (e.title, e.needs_runs, e.timed, e.requires) == (spec.title, spec.needs_runs, spec.timed, spec.requires)
    assert parsed.ALL_FIGURES == {n: f.title for n, f in figures.REGISTRY.items()}
    assert parsed.FIGURES == figures.FIGURES and "oracle_ranking" not in parsed.FIGURES and parsed.TIMED_FIGURES == figures.TIMED_FIGURES
    assert "oracle_ranking" not in parsed.figure_names({"oracle": []}) and "oracle_ranking" in parsed.figure_names({"oracle": ["x"]})
    assert "fig2_architectures" not in parsed.run_figure_names({"oracle": []})


def test_a_figure_with_computed_arguments_is_refused(tmp_path):
    (tmp_path / "figures.py").write_text("TITLE = 'x'\n@figure('a', TITLE)\ndef a(inp, out):\n    pass\n")
    with pytest.raises(ValueError, match="literal arguments only"):
        parsed.figure_entries(str(tmp_path))


@pytest.fixture(scope="module")
def drawn(tmp_path_factory):
    return aggregated_study(tmp_path_factory.mktemp("figures"))


def draw(root, name, out):
    return main(["figure", "--config", str(root / "cfg.yaml"), "--results", str(root / "results"), "--name", name,
                 "--per-run", str(root / "results/metrics/per_run.csv"), "--out-dir", str(out)])


@pytest.mark.parametrize("name", NAMES)
def test_every_figure_is_drawn_byte_identically_twice(drawn, tmp_path, name):
    assert draw(drawn, name, tmp_path / "a") == 0 and draw(drawn, name, tmp_path / "b") == 0
    for ext, magic in (("png", b"\x89PNG"), ("pdf", b"%PDF")):
        a, b = ((tmp_path / d / f"{name}.{ext}").read_bytes() for d in ("a", "b"))
        assert a.startswith(magic) and a == b


def test_an_unknown_figure_is_a_usage_error(drawn, tmp_path, capsys):
    assert draw(drawn, "fig99", tmp_path) == 2
    assert "--name: expected one of" in capsys.readouterr().err
