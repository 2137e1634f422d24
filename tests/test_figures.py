"""The figure registry: every figure declared in nasdqn/settings/figures.py (plain data the workflow
reads) has exactly one drawing function in the outputs layer; every figure of a tiny study is
drawn, byte-identical on rerun."""
from __future__ import annotations

import pytest

from nasdqn.cli import main
from nasdqn.outputs import drawing, gallery
from nasdqn.settings import figures as declared

# the figures this change added or redrew (the workflow test draws the others)
NAMES = ["forest", "learning_curves", "fig4_convergence", "fig9_performance_profile", "oracle_ranking"]


def test_every_declared_figure_has_exactly_one_drawing_function():
    assert list(declared.DECLARED) == [e.name for e in declared.FIGURE_ENTRIES]
    assert set(drawing.REGISTRY) == set(declared.DECLARED) and not gallery.UNDRAWN
    for name, spec in drawing.REGISTRY.items():
        assert spec.entry is declared.DECLARED[name] and callable(spec.draw)
    assert "oracle_ranking" not in declared.FIGURES and "forest" in declared.TIMED_FIGURES
    assert "oracle_ranking" not in declared.figure_names({"oracle": []}) and "oracle_ranking" in declared.figure_names({"oracle": ["x"]})
    assert "fig2_architectures" not in declared.run_figure_names({"oracle": []})


def test_a_second_drawing_or_an_undeclared_name_is_refused():
    with pytest.raises(ValueError, match="two drawing functions"):
        drawing.draws("forest")(lambda inp, out: None)
    with pytest.raises(ValueError, match="not declared"):
        drawing.draws("fig99")(lambda inp, out: None)
    assert drawing.REGISTRY["forest"].draw.__module__ == "nasdqn.outputs.forest"


@pytest.fixture(scope="module")
def drawn(aggregated):
    return aggregated


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


def test_the_forest_plot_keeps_its_labels_inside_the_figure(drawn):
    """Issue 27: REPORT.md's forest plot had its x-axis label cut at the right edge."""
    import pandas as pd

    from nasdqn.analysis.tables import Analysis
    from nasdqn.outputs import forest
    from nasdqn.settings.config import analysis_settings, load

    metrics = drawn / "results/metrics"
    claims = pd.read_csv(metrics / "claims.csv", keep_default_na=False, dtype=str)
    rows = forest.forest_rows(claims, pd.read_csv(metrics / "comparisons.csv"), Analysis.from_settings(analysis_settings(load(drawn / "cfg.yaml"))))
    fig = forest.forest_figure(rows)
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    box = fig.bbox
    texts = [fig.axes[0].xaxis.label, *fig.texts, *fig.legends[0].get_texts()]
    for t in texts:
        extent = t.get_window_extent(renderer)
        assert box.x0 <= extent.x0 and extent.x1 <= box.x1 and box.y0 <= extent.y0, t.get_text()
    assert any("one sample" in r["label"] for r in rows) and not any("NAS-DQN vs NAS-DQN" in r["label"] for r in rows)
