"""The settings table: every config key, declared once.

Each `Setting` holds a key's JSON-schema fragment (its type and valid values), what a valid value
looks like (for error messages), what the key changes, its default (the paper protocol's value:
a config may omit the key), its Python type (the field of the dataclass that carries it into the
code, `nasdqn/settings/typed.py`) and which runs read it (`used_by`, `only_if`: a key a run
cannot read is left out of that run's identity, so that runs that cannot differ train once).
Everything else is generated from this table: the JSON schema (`schema.py`), the error messages
(`messages.py`), defaults and resolution (`resolve.py`), the settings dataclasses
(`typed.py`) and config/README.md (`markdown.py`). Plain Python: the workflow parses with it.

Adding a key is one entry here: give it a default that reproduces the behaviour without it, and
`used_by` / `only_if` when only some runs read it. Its dataclass field (`self.s.key` in the code
that reads it), its schema, its error messages and its row in config/README.md follow from the
entry (regenerate the two files: `python -m nasdqn schema --out workflow/schemas/config.schema.yaml`
and `python -m nasdqn config-doc --out config/README.md`; tests fail until they match). While it
holds its default it is left out of every run's identity, so no run is renamed. A new choice of
an existing key is one more value in its Literal below.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal, get_args

from nasdqn.settings.space import LAYER_CHOICES, UNIT_CHOICES, Activation

# The choices of the config, one Literal each: the table's enums and the dataclasses' field types.
Controller = Literal["fixed", "random", "nas", "yoked"]
Unit = Literal["episodes", "steps"]
InitialState = Literal["near_upright", "full_circle"]
Optimizer = Literal["sgd", "adam"]
GradClipMode = Literal["element", "global_norm"]
Transition = Literal["reinit", "inherit", "distill", "grow"]
Deploy = Literal["last", "best_window"]
Revisit = Literal["fresh", "resume"]
MemoryPruning = Literal["keep_all", "keep_recent"]
ScoreMode = Literal["tail_mean", "window_mean", "best_rolling"]
RevisitScore = Literal["latest", "best", "running_mean"]
AfterTransition = Literal["continue", "restart"]

CONTROLLERS: tuple[str, ...] = get_args(Controller)
SEARCHERS = ("random", "nas", "yoked")  # the controllers that change the architecture
# The paper's task, and the env keys only it reads.
PENDULUM_ID = "nasdqn/InvertedPendulum-v0"
PENDULUM_KEYS = ("initial_state", "initial_theta_high", "initial_omega_high")


class _Required:
    def __repr__(self) -> str:
        return "REQUIRED"


REQUIRED: Any = _Required()  # the default of a key every config must give (roles, agents)


@dataclass(frozen=True)
class Setting:
    schema: dict  # JSON-schema fragment of the value
    expects: str  # what a valid value is, for error messages
    description: str  # what the key changes
    default: Any = REQUIRED  # the value of an omitted key (the paper protocol's)
    py_type: Any = object  # the type of the dataclass field that carries the value
    used_by: tuple[str, ...] = CONTROLLERS  # the controllers whose runs read the key
    only_if: tuple[str, Any] | None = None  # (key of the same section, value or tuple of values): read only when that key has it

    def applies(self, section: dict, controller: str | None = None) -> bool:
        """Whether a run with these section values (and this controller; None: any) reads the key."""
        if controller is not None and controller not in self.used_by:
            return False
        if self.only_if is None:
            return True
        key, wanted = self.only_if
        return section.get(key) in wanted if isinstance(wanted, tuple) else section.get(key) == wanted


def _int(minimum: int, description: str, default: Any = REQUIRED, **kw: Any) -> Setting:
    expects = "a positive integer" if minimum == 1 else f"an integer >= {minimum}"
    return Setting({"type": "integer", "minimum": minimum}, expects, description, default, int, **kw)


def _num(description: str, low: float | None = None, high: float | None = None, exclusive_low: bool = False,
         default: Any = REQUIRED, **kw: Any) -> Setting:
    schema: dict[str, Any] = {"type": "number"}
    if low is not None:
        schema["exclusiveMinimum" if exclusive_low else "minimum"] = low
    if high is not None:
        schema["maximum"] = high
    lo = "" if low is None else ("(" if exclusive_low else "[") + f"{low:g}"
    text = "a number" if low is None else (f"a number in {lo}, {high:g}]" if high is not None
                                           else f"a number {'>' if exclusive_low else '>='} {low:g}")
    return Setting(schema, text, description, default, float, **kw)


def _choice(choices: Any, description: str, default: Any = REQUIRED, **kw: Any) -> Setting:
    """One of a Literal's values (or of a tuple of values)."""
    values = get_args(choices) or tuple(choices)
    py_type = choices if get_args(choices) else Literal[values]  # type: ignore[valid-type]
    return Setting({"enum": list(values)}, "one of " + ", ".join(repr(v) for v in values), description, default, py_type, **kw)


def _bool(description: str, default: Any = REQUIRED, **kw: Any) -> Setting:
    return Setting({"type": "boolean"}, "true or false", description, default, bool, **kw)


_SEARCH = {"used_by": SEARCHERS}  # read only by agents whose architecture changes
_NAS = {"used_by": ("nas",)}  # read only by NAS-DQN's controller
_PENDULUM = {"only_if": ("id", PENDULUM_ID)}

SECTIONS: dict[str, dict[str, Setting]] = {
    "protocol": {
        "unit": _choice(Unit, "what the budget and every schedule below are counted in: episodes (the paper) "
                        "or environment steps (every agent gets the same experience)", "episodes"),
        "budget": _int(1, "per run, in protocol.unit (paper: 2000 episodes)", 2000),
        "oracle": _bool("add the search space's 27 architectures as fixed agents arch_{L}x{U}_{activation} (the oracle)", False),
        "study": Setting({"type": ["string", "null"], "pattern": "^[A-Za-z0-9_-]+$"}, "a name of letters, digits, _ and - or null",
                         "where the tables, figures and report go: results/ (null) or results/studies/{study}/ (runs are shared)",
                         None, str | None),
        "seeds": Setting({"type": "array", "items": {"type": "integer", "minimum": 0}, "minItems": 1, "uniqueItems": True},
                         "a non-empty list of distinct non-negative integers", "the seeds every agent is trained on (paper: 3)",
                         [0, 1, 2], list[int]),
        "runs_per_job": _int(1, "execution only: runs (any agents, seeds, variants) trained together in one process; "
                             "byte-identical runs, less CPU (docs/performance.md)", 1),
        "checkpoint_every": _int(1, "execution only: episodes between checkpoints of a training job", 100),
        "progress_every": _int(1, "execution only: episodes between progress lines in a job's log", 100),
        "rolling_window": _int(1, "sample efficiency: window of the rolling average (paper: 50)", 50),
        "success_threshold": _num("sample efficiency: the rolling average must exceed this (paper: 150)", default=150),
        "final_episodes": _int(1, "final performance and stability: the last this many episodes (paper: 100)", 100),
        "eval_every": _int(0, "greedy evaluation every this much of protocol.unit and at the end (0: off); never changes training", 100),
        "eval_episodes": _int(1, "greedy episodes per evaluation, from start states of the run's own evaluation stream", 10),
    },
    "env": {
        "id": Setting({"type": "string", "minLength": 1}, "'nasdqn/InvertedPendulum-v0' or a Gymnasium id such as 'CartPole-v1'",
                      "the task: the paper's pendulum (section 2.1) or any discrete-action Gymnasium environment", PENDULUM_ID, str),
        "max_episode_steps": Setting({"type": ["integer", "null"], "minimum": 1}, "a positive integer or null",
                                     "the time limit (truncation); null: the task's own (the pendulum's T = 200)", None, int | None),
        "observation_scale": Setting({"type": ["array", "null"], "items": {"type": "number"}}, "a list of numbers or null",
                                     "multiplies each observation component (tasks whose observations differ in scale)", None,
                                     tuple[float, ...] | None),
        "initial_state": _choice(InitialState, "start distribution: theta, omega ~ U[-high, high], or theta ~ U(-pi, pi]",
                                 "near_upright", **_PENDULUM),
        "initial_theta_high": _num("half-width of the initial angle box (near_upright)", 0, default=0.05, **_PENDULUM),
        "initial_omega_high": _num("half-width of the initial angular-velocity box", 0, default=0.05, **_PENDULUM),
    },
    "dqn": {
        "gamma": _num("discount factor gamma", 0, 1, default=0.99),
        "optimizer": _choice(Optimizer, "sgd is the paper's plain gradient descent (2.2.3)", "sgd"),
        "learning_rate": _num("alpha", 0, None, exclusive_low=True, default=0.001),
        "batch_size": _int(1, "minibatch size N", 64),
        "replay_size": _int(1, "replay memory capacity, transitions", 50_000),
        "learning_starts": _int(0, "environment steps before the first update", 1000),
        "train_freq": _int(1, "environment steps per training step", 4),
        "gradient_steps": Setting({"type": "integer", "anyOf": [{"minimum": 1}, {"const": -1}]},
                                  "a positive integer, or -1 (as many as dqn.train_freq)",
                                  "gradient updates per training step, each on its own minibatch; -1: as many as environment "
                                  "steps since the last training step (dqn.train_freq), as rl-baselines3-zoo's -1", 1, int),
        "target_update_steps": _int(1, "w- <- w every this many environment steps", 1000),
        "grad_clip": _num("gradient clip C (paper: 1.0): the bound of each gradient element, or of the gradient's global "
                          "norm (dqn.grad_clip_mode)", 0, None, exclusive_low=True, default=1.0),
        "grad_clip_mode": _choice(GradClipMode, "element: clip each gradient element to [-C, C] (the paper, 2.2.3); global_norm: "
                                  "scale a run's whole gradient to L2 norm at most C (SB3's max_grad_norm, "
                                  "torch.nn.utils.clip_grad_norm_)", "element"),
        "huber_delta": _num("Huber loss delta (paper: 1.0)", 0, None, exclusive_low=True, default=1.0),
        "terminal_on_horizon": _bool("true: y = r at the horizon (the paper); false: bootstrap through it", True),
        "epsilon_start": _num("epsilon-greedy: initial epsilon", 0, 1, default=1.0),
        "epsilon_end": _num("epsilon-greedy: final epsilon", 0, 1, default=0.05),
        "epsilon_decay": _int(0, "epsilon-greedy: length of the linear decay, in protocol.unit", 200),
    },
    "nas": {
        "arch_update_interval": _int(1, "M: the architecture window, in protocol.unit (paper: 200 episodes)", 200),
        "score_window": _int(1, "S(c): mean return over the window's last this much of protocol.unit", 50),
        "top_k": _int(1, "size of the controller's buffer C_best", 5, **_NAS),
        "temperature": _num("tau of the selection softmax (paper: 1.5)", 0, None, exclusive_low=True, default=1.5, **_NAS),
        "epsilon_start": _num("controller epsilon_0", 0, 1, default=0.5, **_NAS),
        "epsilon_min": _num("controller epsilon floor", 0, 1, default=0.05, **_NAS),
        "epsilon_decay": _num("controller rho_epsilon (paper: 0.95)", 0, 1, default=0.95, **_NAS),
        "zscore_eps": _num("the small constant of the z-score", 0, None, exclusive_low=True, default=1e-8, **_NAS),
        "transition": _choice(Transition, "model transition: fresh weights, copy the overlapping blocks, distil the old network, "
                              "or grow it (the same Q-values where the new architecture can hold them, else distil to "
                              "nas.fidelity_*; nasdqn/learning/warm_start.py)", "reinit", **_SEARCH),
        "distill_steps": _int(1, "distill: Adam steps fitting the new network to the old one's Q-values on replay states; grow: "
                              "at most this many", 500, only_if=("transition", ("distill", "grow")), **_SEARCH),
        "distill_learning_rate": _num("distill, grow: Adam learning rate", 0, None, exclusive_low=True, default=0.001,
                                      only_if=("transition", ("distill", "grow")), **_SEARCH),
        "fidelity_agreement": _num("grow: distil until the greedy actions of the new and the old network agree on this share "
                                   "of 1,024 replay states ...", 0, 1, default=0.95, only_if=("transition", "grow"), **_SEARCH),
        "fidelity_q_error": _num("... and their RMS Q error is at most this share of the old network's RMS Q (or distill_steps "
                                 "are spent)", 0, None, exclusive_low=True, default=0.05, only_if=("transition", "grow"), **_SEARCH),
        "memory_pruning": _choice(MemoryPruning, "memory pruning on a transition", "keep_recent", **_SEARCH),
        "prune_keep_fraction": _num("keep_recent: share of the replay memory kept", 0, 1, default=0.5,
                                    only_if=("memory_pruning", "keep_recent"), **_SEARCH),
        "initial_architecture": Setting({"type": "string"}, "'random' or an architecture name such as '3x64-relu'",
                                        "the first window's architecture (a yoked agent takes its partner's)", "random", str,
                                        used_by=("random", "nas")),
        "score": _choice(ScoreMode, "S(c): mean of the window's last score_window, of the whole window, or its best rolling mean", "tail_mean", **_NAS),
        "revisit_score": _choice(RevisitScore, "C_best entry of an architecture scored again: its latest, best or mean score",
                                 "latest", **_NAS),
        "exploration_after_transition": _choice(AfterTransition, "epsilon-greedy after a transition: the global schedule, or restart it",
                                                "continue", **_SEARCH),
        "restart_epsilon": _num("restart: epsilon right after a transition", 0, 1, default=0.5,
                                only_if=("exploration_after_transition", "restart"), **_SEARCH),
        "restart_decay": _int(1, "restart: how long epsilon anneals back to dqn.epsilon_end, in protocol.unit", 100,
                              only_if=("exploration_after_transition", "restart"), **_SEARCH),
        "keep_probability": _num("random controller: keep the current architecture with this probability at an update "
                                 "(0: the paper's Random-NAS, uniform over C)", 0, 1, default=0.0, used_by=("random",)),
        "commit_at": _num("commit phase: the first window end at or after this share of the budget makes the last pick "
                          "(NAS-DQN: its best-scored architecture), whose network trains to the end (1: never, the paper)",
                          0, 1, exclusive_low=True, default=1.0, **_SEARCH),
        "deploy": _choice(Deploy, "the network evaluated at the end and saved as policy.pt: the last one, or the one at the end "
                          "of the best-scored window", "last", **_SEARCH),
        "revisit": _choice(Revisit, "an architecture used before: a new network (the paper), or the learner the run left on it "
                           "resumes (weights, target, optimiser state)", "fresh", **_SEARCH),
        "agent_stream": _bool("the controller draws from a stream keyed by the agent's name (true), or from the stream its "
                              "controller kind shares (false: the paper's configs)", False, **_SEARCH),
    },
    "analysis": {
        "alpha": _num("level of every verdict: a claim's comparisons share it (Bonferroni), the primary claims and the "
                      "oracle's questions are Holm-corrected across claims", 0, 0.5, exclusive_low=True, default=0.05),
        "power": _num("power at which 'seeds it would take' decides a claim at its stated effect", 0, 0.99, exclusive_low=True,
                      default=0.8),
        "max_seeds": _int(3, "largest seed count that search considers", 100),
        "factor_tolerance": _num("'about F x faster' holds for factors in [F / tol, F x tol]", 1, None, exclusive_low=True,
                                 default=1.5),
        "ratio_margin": _num("the margin of every ratio (time to threshold, wall time, spread across seeds): the smallest "
                             "ratio of interest; 'comparable' is a ratio in [1 / m, m]", 1, None, exclusive_low=True, default=1.25),
        "return_range": Setting({"type": "array", "items": {"type": "number"}, "minItems": 2, "maxItems": 2},
                                "a list [worst, best] of two numbers, worst < best",
                                "the task's worst and best episode return: the return margin is a share of it", [-200.8, 200.0], list[float]),
        "return_margin": _num("the margin of every return metric (final performance, peak, stability, drawdown): this "
                              "share of return_range", 0, 1, exclusive_low=True, default=0.05),
        "share_margin": _num("the margin of every share (picks, visits, runs), absolute; of the visit entropy, this share "
                             "of log2 27 bits", 0, 1, exclusive_low=True, default=0.05),
        "bootstrap_samples": _int(100, "stratified bootstrap resamples (IQM, probability of improvement, oracle, curves)", 10_000),
        "bootstrap_seed": _int(0, "seed of every bootstrap: tables and figures are deterministic", 20240101),
    },
}
SECTION_TEXT = {
    "protocol": "the experimental protocol of section 2.4 and how jobs run",
    "env": "the pendulum of section 2.1 (only the start distribution is not the paper's)",
    "dqn": "the Double DQN learner of sections 2.2-2.3.1",
    "nas": "the architecture controller and transitions of section 2.3.2",
    "analysis": "the decision rule of the report (docs/statistics.md)",
}
OVERRIDABLE = ("env", "dqn", "nas")  # the sections an agent or a variant may override (a run's training settings)

_NAME_OR_NULL = {"type": ["string", "null"]}
ROLES: dict[str, Setting] = {
    "reference": Setting(_NAME_OR_NULL, "an agent name or null",
                         "the agent whose claims are tested (NAS-DQN); null in a study of fixed agents only (the oracle's screening)"),
    "random_search": Setting(_NAME_OR_NULL, "an agent name or null", "the random-search control (Random-NAS)"),
    "fixed": Setting({"type": "array", "items": {"type": "string"}, "uniqueItems": True}, "a list of agent names",
                     "the fixed-architecture baselines"),
    "large_fixed": Setting(_NAME_OR_NULL, "an agent name or null", "the baseline 'Fixed Large struggles to learn' is about"),
    "medium_fixed": Setting(_NAME_OR_NULL, "an agent name or null", "the baseline 'Fixed Medium is the best static' is about"),
    "matched_random": Setting(_NAME_OR_NULL, "an agent name or null",
                              "a random control whose nas.keep_probability matches NAS-DQN's rate of keeping its architecture"),
}
AGENT_KEYS: dict[str, Setting] = {
    "label": Setting({"type": "string", "minLength": 1}, "a non-empty string", "the agent's name in tables and figures (optional)"),
    "controller": _choice(Controller, "fixed architecture, Random-NAS (uniform picks), NAS-DQN (learned picks) or a yoked random "
                          "control (switches where its partner switched, to a uniform other architecture)"),
    "partner": Setting({"type": "string"}, "an agent name", "yoked agents only: the agent whose runs (same seed, same variant) "
                       "it is yoked to; its runs train after the partner's (optional)"),
}
ARCHITECTURE_KEYS: dict[str, Setting] = {
    "layers": _choice(LAYER_CHOICES, "hidden layers L (the paper's search space)"),
    "units": _choice(UNIT_CHOICES, "units per hidden layer U"),
    "activation": _choice(Activation, "activation sigma"),
}


def defaults(section: str) -> dict[str, Any]:
    """Every key of a section with its default (copies: a caller may change them)."""
    return {k: _copy(s.default) for k, s in SECTIONS[section].items()}


def _copy(value: Any) -> Any:
    return list(value) if isinstance(value, list) else value
