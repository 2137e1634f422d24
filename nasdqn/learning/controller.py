"""Architecture controllers (section 2.3.2 and 2.4.1).

`NASController`: with probability epsilon_k a uniform pick from C, otherwise a softmax at
temperature tau over the z-scored scores of the top-K buffer C_best; epsilon decays as
epsilon_{k+1} = max(epsilon_min, epsilon_k * rho). `RandomController` (Random-NAS) picks
uniformly from C at every update; with nas.keep_probability p > 0 it first keeps the current
architecture with probability p (a random control matched to NAS-DQN's rate of keeping: its
keep rate is p + (1 - p) / |C|). `YokedController` switches exactly at the updates where its
partner run (the same seed of another agent, usually NAS-DQN) switched, to an architecture drawn
uniformly from the other |C| - 1, and starts from the partner's first architecture: a control
that differs from its partner only in how the next architecture is chosen. `FixedController`
never changes the architecture. `CONTROLLERS` maps the config's `controller` to the class.

With a commit phase (nas.commit_at < 1) the update at the first window end at or after that
share of the budget is the last one, `commit`: NAS-DQN takes the best-scored architecture of
C_best (no exploration), the random controllers make their usual pick, and that architecture
trains to the end of the budget.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

import numpy as np

from nasdqn.settings.space import SEARCH_SPACE, Architecture
from nasdqn.settings.typed import section_settings


@section_settings("nas")
class NASSettings:
    """Outer-loop settings: a field per key of the config's `nas` section (declared, typed and
    defaulted in nasdqn/settings/table.py; the ones the paper leaves open are argued in
    docs/assumptions.md). `NASSettings.from_config(section)` fills omitted keys with defaults."""


@dataclass
class Pick:
    arch: Architecture
    kind: Literal["initial", "fixed", "explore", "exploit", "keep", "commit"]
    epsilon: float  # controller epsilon in force when the pick was made (NaN where none)


def selection_probabilities(scores: np.ndarray, temperature: float, zscore_eps: float) -> np.ndarray:
    """P(c) = softmax(z(S(c)) / tau) over the buffer, with z the z-score within the buffer."""
    scores = np.asarray(scores, dtype=np.float64)
    z = (scores - scores.mean()) / (scores.std() + zscore_eps)
    logits = z / temperature
    logits -= logits.max()
    p = np.exp(logits)
    return p / p.sum()


class FixedController:
    """A fixed-architecture agent: every pick is its own architecture. Saves nothing."""

    def __init__(self, arch: Architecture) -> None:
        self.arch = arch

    def initial(self, rng: np.random.Generator) -> Pick:
        return Pick(self.arch, "fixed", float("nan"))

    def update(self, arch: Architecture, score: float, rng: np.random.Generator) -> Pick:
        return Pick(self.arch, "fixed", float("nan"))

    commit = update

    def state_dict(self) -> dict:
        return {}

    def load_state_dict(self, state: dict) -> None:
        pass


def _uniform(rng: np.random.Generator) -> Architecture:
    return SEARCH_SPACE[int(rng.integers(len(SEARCH_SPACE)))]


def _initial_pick(initial: str, rng: np.random.Generator) -> Pick:
    if initial == "random":
        return Pick(_uniform(rng), "initial", float("nan"))
    return Pick(Architecture.parse(initial), "initial", float("nan"))


class RandomController:
    """Random-NAS: c_{k+1} ~ U(C) at every update, irrespective of scores (after keeping the
    current architecture with probability keep_probability, when that is set). Saves nothing (its
    randomness is the run's controller stream)."""

    def __init__(self, settings: NASSettings) -> None:
        self.s = settings

    def initial(self, rng: np.random.Generator) -> Pick:
        return _initial_pick(self.s.initial_architecture, rng)

    def update(self, arch: Architecture, score: float, rng: np.random.Generator) -> Pick:
        if self.s.keep_probability > 0 and rng.random() < self.s.keep_probability:
            return Pick(arch, "keep", 1.0)
        return Pick(_uniform(rng), "explore", 1.0)

    def commit(self, arch: Architecture, score: float, rng: np.random.Generator) -> Pick:
        pick = self.update(arch, score, rng)
        return Pick(pick.arch, "commit", pick.epsilon)

    def state_dict(self) -> dict:
        return {}

    def load_state_dict(self, state: dict) -> None:
        pass


@dataclass
class NASController:
    """NAS-DQN's controller. Saves (state_dict) its epsilon_k, the buffer C_best and how often
    each of its entries was scored."""

    s: NASSettings
    epsilon: float = field(init=False)
    # C_best: architecture name -> score, at most top_k entries; visits: times scored while in C_best.
    best: dict[str, float] = field(default_factory=dict)
    visits: dict[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.epsilon = self.s.epsilon_start

    def initial(self, rng: np.random.Generator) -> Pick:
        return _initial_pick(self.s.initial_architecture, rng)

    def record(self, arch: Architecture, score: float) -> None:
        """Put (c, S(c)) into C_best. An architecture already there keeps, by
        nas.revisit_score, its latest score, its best, or the running mean of its scores."""
        name, score = arch.name, float(score)
        n = self.visits.get(name, 0) if name in self.best else 0
        if n and self.s.revisit_score == "best":
            score = max(score, self.best[name])
        elif n and self.s.revisit_score == "running_mean":
            score = self.best[name] + (score - self.best[name]) / (n + 1)
        self.best[name] = score
        self.visits[name] = n + 1
        if len(self.best) > self.s.top_k:
            # Drop the lowest score; ties broken by name so that the outcome is deterministic.
            worst = min(self.best, key=lambda k: (self.best[k], k))
            del self.best[worst]
            self.visits.pop(worst, None)

    def select(self, rng: np.random.Generator) -> Pick:
        eps = self.epsilon
        if rng.random() < eps or not self.best:
            pick = Pick(_uniform(rng), "explore", eps)
        else:
            names = sorted(self.best)
            p = selection_probabilities(np.array([self.best[n] for n in names]), self.s.temperature, self.s.zscore_eps)
            pick = Pick(Architecture.parse(names[int(rng.choice(len(names), p=p))]), "exploit", eps)
        self.epsilon = max(self.s.epsilon_min, self.epsilon * self.s.epsilon_decay)
        return pick

    def update(self, arch: Architecture, score: float, rng: np.random.Generator) -> Pick:
        self.record(arch, score)
        return self.select(rng)

    def commit(self, arch: Architecture, score: float, rng: np.random.Generator) -> Pick:
        """The last update: the best-scored architecture of C_best (ties broken by name)."""
        self.record(arch, score)
        best = max(sorted(self.best), key=lambda n: self.best[n])
        return Pick(Architecture.parse(best), "commit", self.epsilon)

    def state_dict(self) -> dict:
        return {"epsilon": self.epsilon, "best": dict(self.best), "visits": dict(self.visits)}

    def load_state_dict(self, state: dict) -> None:
        self.epsilon = float(state["epsilon"])
        self.best = {str(k): float(v) for k, v in state["best"].items()}
        self.visits = {str(k): int(v) for k, v in state["visits"].items()}


class YokedController:
    """Switches where its partner switched: at update k it switches iff the partner's run switched
    at its update k (`partner_switches[k]`), to an architecture drawn uniformly from the other
    |C| - 1; it starts from the partner's first architecture. Saves the number of updates made
    (its randomness is the run's controller stream). Updates beyond the partner's keep."""

    def __init__(self, initial: Architecture, partner_switches: tuple[bool, ...]) -> None:
        self.initial_arch, self.partner_switches, self.updates = initial, partner_switches, 0

    def initial(self, rng: np.random.Generator) -> Pick:
        return Pick(self.initial_arch, "initial", float("nan"))

    def update(self, arch: Architecture, score: float, rng: np.random.Generator, kind: str = "explore") -> Pick:
        k, self.updates = self.updates, self.updates + 1
        if k >= len(self.partner_switches) or not self.partner_switches[k]:
            return Pick(arch, "keep", 1.0)
        others = [a for a in SEARCH_SPACE if a != arch]
        return Pick(others[int(rng.integers(len(others)))], kind, 1.0)  # type: ignore[arg-type]

    def commit(self, arch: Architecture, score: float, rng: np.random.Generator) -> Pick:
        pick = self.update(arch, score, rng, "commit")
        return pick if pick.kind == "keep" else Pick(pick.arch, "commit", 1.0)

    def state_dict(self) -> dict:
        return {"updates": self.updates}

    def load_state_dict(self, state: dict) -> None:
        self.updates = int(state["updates"])


Controller = FixedController | RandomController | NASController | YokedController
# the config's `controller` -> the controller of an agent (its AgentSpec: architecture, nas settings, partner's windows)
CONTROLLERS: dict[str, Callable[..., Controller]] = {
    "fixed": lambda spec: FixedController(spec.architecture),
    "random": lambda spec: RandomController(spec.nas),
    "nas": lambda spec: NASController(spec.nas),
    "yoked": lambda spec: YokedController(*_partner_of(spec)),
}


def _partner_of(spec) -> tuple[Architecture, tuple[bool, ...]]:
    if spec.partner is None:
        raise ValueError(f"agent {spec.name!r}: a yoked agent trains only beside its partner's finished run (its architectures.csv)")
    return spec.partner.initial, spec.partner.switches
