"""A tiny study on disk without training: plausible run files for every planned run of a config
(the paper's agents, optionally the oracle's 27) and a floor table, for the analysis and output
tests. Each agent's returns rise to its own level; `not_learning` agents' greedy evaluations stay
below the floor."""
from __future__ import annotations

import copy
import zlib
from pathlib import Path

import numpy as np
import yaml

from conftest import SMOKE
from nasdqn.jobs.results import atomic_write_text, csv_text, write_json
from nasdqn.settings.columns import ARCHITECTURE_COLUMNS, EPISODE_COLUMNS, EVALUATION_COLUMNS
from nasdqn.settings.config import validate
from nasdqn.settings.plan import study_plan
from nasdqn.settings.space import SEARCH_SPACE

LEVELS = {"fixed_small": 150.0, "fixed_medium": 190.0, "fixed_large": 120.0, "random_nas": 100.0, "nas_dqn": 170.0}
FLOOR = 60.0


def _rng(agent: str, seed: int) -> np.random.Generator:
    return np.random.default_rng([zlib.crc32(agent.encode()), seed])


def fake_run(d: Path, agent: str, seed: int, episodes: int, names: list[str], level: float, learns: bool = True) -> None:
    rng = _rng(agent, seed)
    ret = np.clip(level * (1 - np.exp(-np.arange(1, episodes + 1) / 6)) + rng.normal(0, 8, episodes), -200, 200)
    steps = rng.integers(150, 201, episodes)
    first = names[0].split("-")[0].split("x")
    rows = [{"episode": e, "return": float(ret[e - 1]), "steps": int(steps[e - 1]), "epsilon": 0.1, "layers": int(first[0]),
             "units": int(first[1]), "activation": names[0].split("-", 1)[1], "loss": 0.1} for e in range(1, episodes + 1)]
    atomic_write_text(d / "episodes.csv", csv_text(EPISODE_COLUMNS, rows))
    windows = []
    for w in range(episodes // 4):
        name = names[w % len(names)]
        (layers, units), act = name.split("-")[0].split("x"), name.split("-", 1)[1]
        windows.append({"window": w, "start_episode": 4 * w + 1, "end_episode": 4 * w + 4, "architecture": name, "layers": int(layers),
                        "units": int(units), "activation": act, "score": float(rng.uniform(10, 40)), "controller_epsilon": 0.5,
                        "pick": "exploit", "transition": w == 0 or len(names) > 1})
    atomic_write_text(d / "architectures.csv", csv_text(ARCHITECTURE_COLUMNS, windows))
    greedy = (lambda e: float(ret[e - 1])) if learns else (lambda e: FLOOR - 20.0)
    evals = [{"episode": e, "mean_return": greedy(e), "min_return": 0.0, "max_return": 200.0, "architecture": names[-1]}
             for e in range(4, episodes + 1, 4)]
    atomic_write_text(d / "evaluations.csv", csv_text(EVALUATION_COLUMNS, evals))
    write_json(d / "run.json", {"agent": agent, "seed": seed, "runs_in_job": 1, "episodes": episodes, "wall_seconds": float(rng.uniform(1, 2)),
                                "search_overhead_seconds": 0.01, "run_env_steps": int(steps.sum()),
                                "provenance": {"code": {"commit": "a" * 40, "dirty": False}, "cpu": {"model": "Intel Xeon"}}})


def make_study(root: Path, seeds=(0, 1, 2, 3), oracle: bool = True, episodes: int = 24,
               not_learning: tuple[str, ...] = ("random_nas",)) -> dict:
    """Write cfg.yaml, every run of its plan under root/results/runs and root/floor.csv; return the config."""
    cfg = copy.deepcopy(SMOKE)
    p = cfg["protocol"]
    p.update(seeds=list(seeds), oracle=oracle, budget=episodes, rolling_window=4, final_episodes=8)
    cfg["analysis"]["bootstrap_samples"] = 200
    root.mkdir(parents=True, exist_ok=True)
    (root / "cfg.yaml").write_text(yaml.safe_dump(cfg))
    cfg = validate(cfg)
    for run in study_plan(cfg).unique_runs():
        spec = cfg["agents"][run.agent]
        if spec["controller"] == "fixed":
            a = spec["architecture"]
            names = [f"{a['layers']}x{a['units']}-{a['activation']}"]
            level = LEVELS.get(run.agent, 90.0 + 4 * (zlib.crc32(run.agent.encode()) % 25))
        else:
            names, level = [x.name for x in SEARCH_SPACE][run.seed % 5::7][:5], LEVELS[run.agent]
        fake_run(root / run.dir, run.agent, run.seed, episodes, names, level, run.agent not in not_learning)
    rows = [{"policy": pol, "seed": s, "mean_return": m, "min_return": m - 5, "max_return": m + 5, "episodes": 2}
            for s in seeds for pol, m in (("uniform_random", FLOOR), ("constant_0", 10.0), ("constant_1", 30.0), ("constant_2", 12.0))]
    atomic_write_text(root / "floor.csv", csv_text(["policy", "seed", "mean_return", "min_return", "max_return", "episodes"], rows))
    return cfg


def aggregate_args(root: Path, out: Path | None = None) -> list[str]:
    return ["aggregate", "--config", str(root / "cfg.yaml"), "--results", str(root / "results"), "--floor", str(root / "floor.csv"),
            "--out-dir", str(out or root / "results/metrics")]


def aggregated_study(root: Path) -> Path:
    """make_study(root) with its tables aggregated into root/results/metrics (the aggregate command must succeed)."""
    from nasdqn.cli import main

    make_study(root)
    assert main(aggregate_args(root)) == 0
    return root
