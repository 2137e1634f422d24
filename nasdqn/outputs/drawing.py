"""What every figure of a study is drawn with: the study's runs and tables as the figures see them
(Study, Inputs), the colours, how a figure is saved, and the registration of a drawing function
against a figure declared in nasdqn/settings/figures.py (`@draws(name)`).

Byte-identical files from identical inputs: the Agg backend, fonts bundled with matplotlib, no
timestamps or software tags in PNG/PDF metadata, a fixed hash salt, seeded bootstrap bands.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from nasdqn.analysis.metrics import MetricSettings, load_run, read_per_run  # noqa: E402
from nasdqn.analysis.tables import Analysis  # noqa: E402
from nasdqn.jobs.results import atomic_write_bytes  # noqa: E402
from nasdqn.settings.figures import DECLARED, FigureEntry  # noqa: E402
from nasdqn.settings.identity import RunRecord  # noqa: E402
from nasdqn.settings.space import SEARCH_SPACE, Architecture  # noqa: E402
from nasdqn.tasks import TaskInfo  # noqa: E402

COLORS = ["#4C72B0", "#55A868", "#C44E52", "#8172B2", "#CCB974", "#64B5CD", "#8C8C8C"]
CENSORED = dict(marker="^", facecolors="none", edgecolors="#C44E52", s=28, zorder=4)

plt.rcParams.update({"svg.hashsalt": "nasdqn", "pdf.compression": 6, "font.size": 9, "figure.dpi": 100})


@dataclass(frozen=True)
class FigureSpec:
    """A declared figure (its name, title and needs) with the function that draws it."""

    entry: FigureEntry
    draw: Callable


REGISTRY: dict[str, FigureSpec] = {}  # name -> its drawing, filled by @draws (nasdqn/outputs/gallery.py imports every module)


def draws(name: str):
    """Register the function that draws the declared figure `name`."""
    def register(draw: Callable) -> Callable:
        if name not in DECLARED:
            raise ValueError(f"figure {name!r} is not declared in nasdqn/settings/figures.py")
        if name in REGISTRY:
            raise ValueError(f"figure {name!r} has two drawing functions")
        REGISTRY[name] = FigureSpec(DECLARED[name], draw)
        return draw

    return register


def color(agents: list[str], agent: str) -> str:
    return COLORS[agents.index(agent) % len(COLORS)]


@dataclass
class Study:
    agents: list[str]
    per_run: pd.DataFrame
    returns: dict[tuple[str, int], np.ndarray]
    windows: dict[tuple[str, int], pd.DataFrame]
    params_in_use: dict[tuple[str, int], float]  # mean parameter count over episodes
    metric: MetricSettings
    analysis: Analysis
    searchers: list[str]  # agents whose architecture changes (controller random or nas)
    task: TaskInfo
    steps: dict[tuple[str, int], np.ndarray] = field(default_factory=dict)  # environment steps of each episode
    metrics_dir: Path | None = None  # the study's tables (claims, comparisons, oracle)

    def label(self, agent: str) -> str:
        return self.analysis.label(agent)

    def column(self, agent: str, name: str) -> np.ndarray:
        return self.per_run.loc[self.per_run["agent"] == agent, name].to_numpy()


def load_study(per_run_csv: str | Path, refs: list[RunRecord], a: Analysis, controllers: dict[str, str],
               metric: MetricSettings, task: TaskInfo, metrics_dir: str | Path | None = None) -> Study:
    per_run = read_per_run(per_run_csv)
    returns, windows, params, steps = {}, {}, {}, {}
    sizes = {arch: arch.n_params(task.obs_dim, task.n_actions) for arch in SEARCH_SPACE}
    where = {(r.agent, r.seed): r for r in refs}
    for agent, seed in zip(per_run["agent"], per_run["seed"]):
        episodes, arch_rows, _ = load_run(where[(agent, int(seed))], None)
        key = (agent, int(seed))
        returns[key] = episodes["return"].to_numpy()
        steps[key] = episodes["steps"].to_numpy()
        windows[key] = arch_rows
        params[key] = float(np.mean([
            sizes[Architecture(int(l), int(u), str(act))]
            for l, u, act in zip(episodes["layers"], episodes["units"], episodes["activation"])
        ]))
    agents = [x for x in a.agents if x in set(per_run["agent"])]
    searchers = [x for x in agents if controllers.get(x) != "fixed"]
    return Study(agents, per_run, returns, windows, params, metric, a, searchers, task, steps,
                 Path(metrics_dir) if metrics_dir is not None else Path(per_run_csv).parent)


def save(fig: plt.Figure, out_stem: str | Path) -> None:
    """Write out_stem.png and out_stem.pdf without any time-dependent metadata."""
    import io

    out_stem = Path(out_stem)
    for ext, meta in (("png", {"Software": None}), ("pdf", {"CreationDate": None, "ModDate": None, "Producer": None, "Creator": None})):
        buf = io.BytesIO()
        fig.savefig(buf, format=ext, metadata=meta, dpi=150 if ext == "png" else None)
        atomic_write_bytes(out_stem.with_suffix(f".{ext}"), buf.getvalue())
    plt.close(fig)


@dataclass
class Inputs:
    """What a figure is drawn from: the config's fixed architectures and task, and (for a figure
    that needs runs) the study."""

    analysis: Analysis
    task: TaskInfo
    fixed: dict[str, Architecture]
    labels: dict[str, str]
    study: Study | None = None


def inputs_study(inp: Inputs) -> Study:
    if inp.study is None:
        raise ValueError("this figure is drawn from the runs: load the study first")
    return inp.study
