"""The studies whose numbers the project's documents quote, and where their tables are committed.

Every study's small tables live in one folder, `studies/<name>/` (studies/README.md): the
paper protocol's, the 10-seed study's, the sensitivity study's and the Gymnasium task studies'
are copied there from their results root by `python -m nasdqn publish` (the results root's own
relative paths: metrics/*.csv, figures/forest.png, REPORT.md, source.json); the mechanism study's
and the fair test's are written there by their own commands. The documents' numbers are
generated from these folders only (`python -m nasdqn readme`, nasdqn/outputs/readme.py).

Plain data: a study's folder, what it is, the command that produces its tables, and the files
whose presence means they are committed (a study without them renders as a placeholder).
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

STUDIES_DIR = "studies"


@dataclass(frozen=True)
class Study:
    name: str  # its folder: studies/<name>/
    title: str  # what it is, in words
    produce: str  # the command that writes its committed tables (from a fresh clone, after `before`)
    needs: tuple[str, ...]  # files (relative to its folder) whose presence means its tables are committed
    before: str = ""  # what must have run first, in words

    @property
    def folder(self) -> str:
        return f"{STUDIES_DIR}/{self.name}"

    def committed(self, repo: Path) -> bool:
        return all((repo / self.folder / f).is_file() for f in self.needs)


def _published(name: str, config: str) -> str:
    return f"make reproduce CONFIG={config} && python -m nasdqn publish --config {config} --out {STUDIES_DIR}/{name}"


PUBLISHED = ("metrics/claims.csv", "metrics/summary.csv", "metrics/per_run.csv", "source.json")

STUDIES = {s.name: s for s in (
    Study("paper", "the paper protocol (config/config.yaml: 5 agents, 3 seeds, 2000 episodes)", _published("paper", "config/config.yaml"),
          PUBLISHED),
    Study("seeds10", "the paper protocol at 10 seeds (config/seeds10.yaml)", _published("seeds10", "config/seeds10.yaml"), PUBLISHED),
    Study("sensitivity", "the sensitivity study (config/sensitivity.yaml: the readings of the NAS loop, 10 seeds)",
          _published("sensitivity", "config/sensitivity.yaml"), ("sensitivity/matrix.csv", "source.json")),
    Study("tasks_cartpole", "the five agents on CartPole-v1 (config/tasks/cartpole.yaml, counted in environment steps)",
          _published("tasks_cartpole", "config/tasks/cartpole.yaml"), PUBLISHED),
    Study("tasks_acrobot", "the five agents on Acrobot-v1 (config/tasks/acrobot.yaml, counted in environment steps)",
          _published("tasks_acrobot", "config/tasks/acrobot.yaml"), PUBLISHED),
    Study("mechanism", "the mechanism study (config/mechanism/: Acrobot-v1, the 27-architecture oracle, six readings, 10 seeds)",
          "python -m nasdqn mechanism --study acrobot=results/studies/mechanism_acrobot --out studies/mechanism",
          ("summary.csv", "claims.csv", "variance_share.csv", "oracle_ranking.csv", "pooled.csv", "per_run.csv"),
          "the study's workflow (docs/results.md, \"Rerun\")"),
    Study("mechanism/reread", "the first mechanism study re-read (issue 25: the gaps by the last switch, the seed as the unit, "
          "the variance share without failing architectures)", "python -m nasdqn reread --out studies/mechanism/reread",
          ("stratified.csv", "seed_unit.csv", "variance_shares.csv"), "the mechanism study's per-run table (studies/mechanism/per_run.csv)"),
    Study("fairtest", "the fair test (config/fairtest/: switching cost or selection, docs/assumptions.md, \"Fair test\")",
          "python -m nasdqn fairtest --study TASK=config/fairtest/TASK.yaml --oracle TASK=config/fairtest/oracle_TASK.yaml "
          "--out studies/fairtest", ("contrasts.csv", "per_run.csv"),
          "the workflows of the selected tasks' configs in config/fairtest/ (docs/assumptions.md, \"Fair test\")"),
)}
