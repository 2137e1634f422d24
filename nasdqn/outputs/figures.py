"""The paper's figures and ours, drawn from the runs and the tables: IQM learning curves, Figures 2-7,
Kaplan-Meier curves, the performance profile, and each searching agent's architecture search,
deterministically. Agent names come from the config; names and titles are declared in
nasdqn/settings/figures.py, and each function here is registered against its name (@draws).
"""
from __future__ import annotations

import dataclasses
from pathlib import Path

import matplotlib
import matplotlib.lines
import matplotlib.pyplot as plt
import matplotlib.ticker
import numpy as np

from nasdqn.analysis import curves, survival
from nasdqn.analysis.metrics import rolling_mean
from nasdqn.outputs.drawing import CENSORED, Inputs, Study, color, draws, inputs_study, save
from nasdqn.settings.space import ACTIVATIONS, LAYER_CHOICES, SEARCH_SPACE, UNIT_CHOICES, Architecture
from nasdqn.tasks import TaskInfo


# ----- Figure 2 ---------------------------------------------------------------------------
def draw_network(ax: plt.Axes, arch: Architecture, title: str, task: TaskInfo, max_drawn: int = 10) -> None:
    """Node-link drawing; wide layers show max_drawn nodes and a label with the real width."""
    sizes = arch.sizes(task.obs_dim, task.n_actions)
    xs = np.linspace(0, 1, len(sizes))
    inputs = ", ".join(task.input_labels) if task.obs_dim <= 4 else f"{task.obs_dim} inputs"
    names = ([f"input\n({inputs})"] + [f"hidden {i + 1}\n{n} {arch.activation}" for i, n in enumerate(sizes[1:-1])]
             + [f"Q(s, a)\n{task.n_actions} actions"])
    coords = []
    for x, n in zip(xs, sizes):
        k = min(n, max_drawn)
        coords.append([(x, y) for y in np.linspace(0.1, 0.9, k)] if k > 1 else [(x, 0.5)])
    for left, right in zip(coords[:-1], coords[1:]):
        for (x0, y0) in left:
            for (x1, y1) in right:
                ax.plot([x0, x1], [y0, y1], color="#999999", lw=0.3, zorder=1)
    for (x, pts), n, name in zip(zip(xs, coords), sizes, names):
        ax.scatter([p[0] for p in pts], [p[1] for p in pts], s=60, color="#4C72B0", zorder=2, edgecolor="white")
        if n > max_drawn:
            ax.text(x, 0.5, "⋮", ha="center", va="center", fontsize=14, zorder=3, backgroundcolor="white")
        ax.text(x, -0.02, name, ha="center", va="top", fontsize=7)
    ax.set_title(f"{title}\n{arch.layers}x{arch.units} {arch.activation}, {arch.n_params(task.obs_dim, task.n_actions):,} parameters")
    ax.set_xlim(-0.1, 1.1)
    ax.set_ylim(-0.25, 1.0)
    ax.axis("off")


@draws("fig2_architectures")
def fig2(inp: Inputs, out_stem: str | Path) -> None:
    fixed, labels, task = {k: v for k, v in inp.fixed.items() if k not in inp.analysis.oracle}, inp.labels, inp.task
    fig, axes = plt.subplots(1, max(len(fixed), 1), figsize=(4.2 * max(len(fixed), 1), 3.6))
    axes = np.atleast_1d(axes)
    for ax, (agent, arch) in zip(axes, fixed.items()):
        draw_network(ax, arch, labels.get(agent, agent), task)
    fig.tight_layout()
    save(fig, out_stem)


# ----- panels shared by Figures 3-9 ---------------------------------------------------------
def paper_agents(st: Study) -> list[str]:
    """The agents the paper's figures draw: every agent but the oracle's 27 architectures."""
    return [a for a in st.agents if a not in st.analysis.oracle]


def panel_learning_curves(ax: plt.Axes, st: Study) -> None:
    """IQM across seeds of each agent's rolling average, with a 95% stratified-bootstrap band
    (rliable style), by episode or by environment step (the protocol's unit)."""
    w, d = st.metric.rolling_window, st.analysis.decision
    for k, agent in enumerate(paper_agents(st)):
        keys = sorted(key for key in st.returns if key[0] == agent)
        steps = [st.steps[key] for key in keys] if st.analysis.unit == "steps" else None
        x, stack = curves.on_grid([st.returns[key] for key in keys], w, steps)
        centre, low, high = curves.iqm_band(stack, np.random.default_rng([d.bootstrap_seed, 31, k]), d.bootstrap_samples, d.alpha)
        ax.plot(x, centre, color=color(st.agents, agent), lw=1.2, label=st.label(agent))
        ax.fill_between(x, low, high, color=color(st.agents, agent), alpha=0.18, lw=0)
    ax.axhline(st.metric.success_threshold, color="black", ls=":", lw=0.8)
    ax.set_xlabel("environment steps" if st.analysis.unit == "steps" else "episode")
    ax.set_ylabel(f"{w}-episode average return")
    n = min(int((st.per_run["agent"] == a).sum()) for a in paper_agents(st))
    ax.set_title("Learning curves: IQM across seeds, 95% stratified-bootstrap band" + ("\n(with fewer than 4 seeds the IQM is the mean)" if n < 4 else ""),
                 fontsize=8)
    ax.legend(fontsize=7, loc="lower right")


@draws("learning_curves")
def fig_learning_curves(inp: Inputs, out_stem: str | Path) -> None:
    fig, ax = plt.subplots(figsize=(7.5, 4.5))
    panel_learning_curves(ax, inputs_study(inp))
    fig.tight_layout()
    save(fig, out_stem)


def _ticks(ax: plt.Axes, st: Study) -> None:
    agents = paper_agents(st)
    ax.set_xticks(range(len(agents)), [st.label(a) for a in agents], rotation=25, ha="right")


def panel_bars(ax: plt.Axes, st: Study, metric: str, ylabel: str, title: str) -> None:
    """Bar = mean over every run, dots = runs."""
    agents = paper_agents(st)
    means = [float(np.mean(st.column(a, metric))) for a in agents]
    ax.bar(range(len(agents)), means, color=[color(st.agents, a) for a in agents], alpha=0.7)
    for i, agent in enumerate(agents):
        v = st.column(agent, metric).astype(float)
        ax.scatter(i + np.linspace(-0.12, 0.12, v.size), v, color="black", s=12, zorder=3)
    _ticks(ax, st)
    ax.set_ylabel(ylabel)
    ax.set_title(title)


def panel_time_to_threshold(ax: plt.Axes, st: Study, title: str) -> list[float]:
    """Bar = restricted mean time to threshold (censored runs count at the budget); dots =
    runs that reached it, open triangles = censored runs, drawn at the budget. Returns the
    restricted means."""
    budget, agents = st.analysis.budget, paper_agents(st)
    means = []
    for i, agent in enumerate(agents):
        t, reached = st.column(agent, st.analysis.time).astype(float), st.column(agent, "threshold_reached").astype(bool)
        means.append(float(survival.restricted_mean(t, budget)))
        x = i + np.linspace(-0.12, 0.12, t.size)
        ax.scatter(x[reached], t[reached], color="black", s=12, zorder=3)
        ax.scatter(x[~reached], t[~reached], **CENSORED)
        ax.text(i, budget * 1.02, f"{int(reached.sum())}/{t.size}", ha="center", va="bottom", fontsize=7)
    ax.bar(range(len(agents)), means, color=[color(st.agents, a) for a in agents], alpha=0.7)
    ax.axhline(budget, color="#C44E52", ls="--", lw=0.8)
    ax.set_ylim(0, budget * 1.12)
    _ticks(ax, st)
    ax.set_ylabel(f"{unit_label(st)} (restricted mean)")
    ax.set_title(title)
    return means


def unit_label(st: Study) -> str:
    return "environment steps" if st.analysis.unit == "steps" else "episodes"


def panel_final_box(ax: plt.Axes, st: Study) -> None:
    agents = paper_agents(st)
    data = [st.column(a, "final_performance").astype(float) for a in agents]
    bp = ax.boxplot(data, patch_artist=True, widths=0.5)
    for patch, agent in zip(bp["boxes"], agents):
        patch.set_facecolor(color(st.agents, agent))
        patch.set_alpha(0.6)
    ax.set_xticks(range(1, len(agents) + 1), [st.label(a) for a in agents], rotation=25, ha="right")
    ax.set_ylabel(f"mean return, last {st.metric.final_episodes} episodes")
    ax.set_title("Final performance (per seed)")


def panel_complexity(ax: plt.Axes, st: Study) -> None:
    for agent in paper_agents(st):
        keys = sorted(k for k in st.returns if k[0] == agent)
        xs = [st.params_in_use[k] for k in keys]
        ys = [float(st.per_run.loc[(st.per_run["agent"] == k[0]) & (st.per_run["seed"] == k[1]), "final_performance"].iloc[0]) for k in keys]
        ax.scatter(xs, ys, color=color(st.agents, agent), label=st.label(agent), s=25)
    ax.set_xscale("log")
    ax.xaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())
    ax.set_xlabel("parameters in use (mean over episodes)")
    ax.set_ylabel("final performance")
    ax.set_title("Complexity vs performance")


def _threshold_title(st: Study) -> str:
    return f"{unit_label(st).capitalize()} until the {st.metric.rolling_window}-episode average exceeds {st.metric.success_threshold:g}"


@draws("fig3_summary")
def fig3(inp: Inputs, out_stem: str | Path) -> None:
    st = inputs_study(inp)
    fig, axes = plt.subplots(2, 3, figsize=(14, 8))
    panel_learning_curves(axes[0, 0], st)
    panel_final_box(axes[0, 1], st)
    panel_time_to_threshold(axes[0, 2], st, f"{unit_label(st).capitalize()} to convergence (avg > {st.metric.success_threshold:g}; ▲ censored)")
    panel_bars(axes[1, 0], st, "stability", "std of return, last episodes", "Stability (lower is better)")
    panel_bars(axes[1, 1], st, "train_seconds", "seconds", "Computational cost (wall time per run)")
    panel_complexity(axes[1, 2], st)
    fig.tight_layout()
    save(fig, out_stem)


@draws("fig4_convergence")
def fig4(inp: Inputs, out_stem: str | Path) -> None:
    """Restricted mean time to threshold; labels: each agent's restricted mean over the
    reference agent's (how many times faster the reference is, censoring-aware)."""
    st = inputs_study(inp)
    fig, ax = plt.subplots(figsize=(6.5, 4.2))
    means = panel_time_to_threshold(ax, st, _threshold_title(st) + "\n(bars: restricted mean; ▲ censored at the budget)")
    ref, agents = st.analysis.roles.get("reference"), paper_agents(st)
    if ref in agents:
        r = means[agents.index(ref)]
        for i, agent in enumerate(agents):
            if agent != ref:
                ax.text(i, means[i] / 2, f"{means[i] / r:.2f}×", ha="center", va="center", fontsize=7,
                        bbox=dict(facecolor="white", alpha=0.7, lw=0, pad=1))
    fig.tight_layout()
    save(fig, out_stem)


@draws("fig5_cost")
def fig5(inp: Inputs, out_stem: str | Path) -> None:
    """Wall time per run, and next to it the share of it the architecture search took."""
    st = inputs_study(inp)
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10, 4))
    panel_bars(ax1, st, "train_seconds", "seconds", "Training wall time per run (bars: mean, dots: seeds)")
    share = st.per_run.assign(search_overhead_pct=100 * st.per_run["search_overhead_share"])
    panel_bars(ax2, dataclasses.replace(st, per_run=share),
               "search_overhead_pct", "% of wall time", "Measured search overhead\n(scoring, selection, transition, pruning)")
    fig.tight_layout()
    save(fig, out_stem)


@draws("fig6_search")
def fig6(inp: Inputs, out_stem: str | Path) -> None:
    st = inputs_study(inp)
    present = st.searchers
    fig, axes = plt.subplots(1, max(len(present), 1), figsize=(6.5 * max(len(present), 1), 3.8), squeeze=False)
    cols = [(u, act) for u in UNIT_CHOICES for act in ACTIVATIONS]
    for ax, agent in zip(axes[0], present):
        counts = np.zeros((len(LAYER_CHOICES), len(cols)))
        scores = [[[] for _ in cols] for _ in LAYER_CHOICES]
        for (a, _), w in sorted(st.windows.items()):
            if a != agent:
                continue
            for l, u, act, s in zip(w["layers"], w["units"], w["activation"], w["score"]):
                i, j = LAYER_CHOICES.index(int(l)), cols.index((int(u), str(act)))
                counts[i, j] += 1
                if s == s:
                    scores[i][j].append(float(s))
        im = ax.imshow(counts, cmap="Blues", aspect="auto", vmin=0)
        for i in range(len(LAYER_CHOICES)):
            for j in range(len(cols)):
                if counts[i, j]:
                    ax.text(j, i, f"{int(counts[i, j])}\n{np.mean(scores[i][j]):.0f}", ha="center", va="center", fontsize=6,
                            color="white" if counts[i, j] > counts.max() / 2 else "black")
        ax.set_xticks(range(len(cols)), [f"{u}\n{act.replace('leaky_relu', 'lrelu')}" for u, act in cols], fontsize=6)
        ax.set_yticks(range(len(LAYER_CHOICES)), [f"L={l}" for l in LAYER_CHOICES])
        ax.set_title(f"{st.label(agent)}: windows spent on each architecture (upper number)\nand the mean controller score it got (lower number)", fontsize=8)
        fig.colorbar(im, ax=ax, fraction=0.03)
    fig.tight_layout()
    save(fig, out_stem)


@draws("fig7_final")
def fig7(inp: Inputs, out_stem: str | Path) -> None:
    st = inputs_study(inp)
    fig, ax = plt.subplots(figsize=(6, 4))
    panel_bars(ax, st, "final_performance", f"mean return, last {st.metric.final_episodes} episodes", "Final performance")
    fig.tight_layout()
    save(fig, out_stem)


@draws("fig8_time_to_threshold")
def fig8(inp: Inputs, out_stem: str | Path) -> None:
    """Kaplan-Meier estimate of the share of runs that have reached the threshold by each
    episode (or step); + marks runs censored at the budget."""
    st = inputs_study(inp)
    fig, ax = plt.subplots(figsize=(6.5, 4))
    budget = st.analysis.budget
    for agent in paper_agents(st):
        t, reached = st.column(agent, st.analysis.time).astype(float), st.column(agent, "threshold_reached").astype(bool)
        times, surv = survival.kaplan_meier(t, reached)
        xs = np.concatenate([[0.0], times, [budget]])
        ys = np.concatenate([[0.0], 1 - surv, [1 - surv[-1] if surv.size else 0.0]])
        ax.step(xs, ys, where="post", color=color(st.agents, agent), label=f"{st.label(agent)} ({int(reached.sum())}/{t.size})")
        if (~reached).any():
            ax.plot([budget], [ys[-1]], marker="+", ms=10, color=color(st.agents, agent))
    ax.set_xlim(0, budget * 1.03)
    ax.set_ylim(-0.02, 1.02)
    ax.set_xlabel(unit_label(st))
    ax.set_ylabel("share of runs that reached the threshold")
    ax.set_title(_threshold_title(st) + " (Kaplan-Meier; + censored)", fontsize=8)
    ax.legend(fontsize=7, loc="lower right")
    fig.tight_layout()
    save(fig, out_stem)


@draws("fig9_performance_profile")
def fig9(inp: Inputs, out_stem: str | Path) -> None:
    """Performance profile (Agarwal et al., 2021): share of runs whose final performance
    exceeds each score, with a stratified-bootstrap band."""
    st = inputs_study(inp)
    d = st.analysis.decision
    fig, ax = plt.subplots(figsize=(6.5, 4))
    allv = st.per_run.loc[st.per_run["agent"].isin(paper_agents(st)), "final_performance"].to_numpy(float)
    lo = min(allv.min(), 0.0)
    taus = np.linspace(lo, allv.max() + 0.02 * (allv.max() - lo) + 1e-9, 400)
    for k, agent in enumerate(paper_agents(st)):
        values = st.column(agent, "final_performance").astype(float)
        prof, low, high = curves.profile_band(values, taus, np.random.default_rng([d.bootstrap_seed, 37, k]), d.bootstrap_samples, d.alpha)
        ax.step(taus, prof, where="post", color=color(st.agents, agent), label=st.label(agent))
        ax.fill_between(taus, low, high, step="post", color=color(st.agents, agent), alpha=0.15, lw=0)
    ax.axvline(st.metric.success_threshold, color="black", ls=":", lw=0.8)
    ax.set_xlabel(f"final performance (mean return, last {st.metric.final_episodes} episodes)")
    ax.set_ylabel("share of runs above")
    ax.set_title("Performance profile of final performance")
    ax.legend(fontsize=7, loc="lower left")
    fig.tight_layout()
    save(fig, out_stem)


def fig_search(st: Study, agent: str, out_stem: str | Path) -> None:
    """One agent's architecture search, seed by seed: the rolling return coloured by the
    architecture in use, a dashed line at every transition (fresh weights, pruned memory)."""
    keys = sorted(k for k in st.returns if k[0] == agent)
    used = sorted({a for k in keys for a in st.windows[k]["architecture"]}, key=lambda n: SEARCH_SPACE.index(Architecture.parse(n)))
    # 40 distinct colours (tab20 then tab20b): every architecture of the 27-point space its own
    colours = list(matplotlib.colormaps["tab20"].colors) + list(matplotlib.colormaps["tab20b"].colors)
    palette = {name: colours[i % len(colours)] for i, name in enumerate(used)}
    w = st.metric.rolling_window
    fig, axes = plt.subplots(len(keys), 1, figsize=(9, 1.9 * len(keys) + 0.8), sharex=True, squeeze=False)
    for ax, key in zip(axes[:, 0], keys):
        curve, rows = rolling_mean(st.returns[key], w), st.windows[key]
        x = np.arange(w, w + len(curve))
        for r in rows.itertuples():
            sel = (x >= r.start_episode) & (x <= r.end_episode)
            ax.plot(x[sel], curve[sel], color=palette[r.architecture], lw=1.4)
            if r.transition:
                ax.axvline(r.start_episode - 0.5, color="#444444", ls="--", lw=0.7)
        ax.axhline(st.metric.success_threshold, color="black", ls=":", lw=0.7)
        ax.set_ylabel(f"seed {key[1]}\navg return", fontsize=8)
    axes[-1, 0].set_xlabel("episode")
    handles = [matplotlib.lines.Line2D([], [], color=palette[n], lw=2, label=n) for n in used]
    height = fig.get_figheight()
    legend_rows = -(-len(used) // 6)
    title_top, legend_top = 1 - 0.12 / height, 1 - 0.35 / height
    fig.suptitle(f"{st.label(agent)}: {w}-episode rolling return by architecture (dashed: transitions)", y=title_top, fontsize=9)
    fig.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, legend_top), ncol=min(len(used), 6), fontsize=7, frameon=False)
    fig.tight_layout(rect=(0, 0, 1, legend_top - (0.2 * legend_rows + 0.05) / height))
    save(fig, out_stem)
