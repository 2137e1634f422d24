"""Random streams (nasdqn/settings/streams.py, nasdqn/learning/streams.py): every run draws from
its own generators; no two agents' controllers share draws where the config asks for it."""

import numpy as np

from nasdqn.learning.controller import NASSettings
from nasdqn.learning.dqn import DQNSettings
from nasdqn.learning.spec import AgentSpec
from nasdqn.learning.streams import seed_generators
from nasdqn.settings.streams import CONTROLLER_STREAM, STREAMS, controller_spawn_key, spawn_key
from nasdqn.tasks import TaskSettings


def spec(name: str, controller: str, agent_stream: bool = False) -> AgentSpec:
    return AgentSpec(name, controller, None, DQNSettings.from_config(), NASSettings.from_config(agent_stream=agent_stream),
                     TaskSettings.from_config())


def first_draws(s: AgentSpec, seed: int = 0, n: int = 8) -> tuple:
    return tuple(seed_generators(seed, s)["controller"].random(n))


def test_the_legacy_streams_keep_their_keys():
    """Adding streams appended them: the paper's runs draw from the same keys as before."""
    assert STREAMS[:8] == ("env", "act", "replay", "init", "controller_random", "controller_nas", "evaluation", "floor")
    children = np.random.SeedSequence(7).spawn(6)
    g = seed_generators(7, spec("x", "nas"))
    assert g["env"].random() == np.random.default_rng(children[0]).random()
    assert g["controller"].random() == np.random.default_rng(children[5]).random()


def test_each_controller_kind_and_each_agent_stream_draws_apart():
    kinds = {first_draws(spec("a", k)) for k in ("random", "nas", "yoked")}
    assert len(kinds) == 3
    own = [first_draws(spec(name, "random", agent_stream=True)) for name in ("random_nas", "matched_random", "yoked", "nas_dqn")]
    assert len(set(own)) == 4 and not set(own) & kinds
    assert controller_spawn_key("random", "random_nas", True) != controller_spawn_key("nas", "random_nas", False)
    assert set(CONTROLLER_STREAM.values()) <= set(STREAMS) and spawn_key("controller_yoked") == 8


def test_training_streams_are_common_random_numbers_whatever_the_controller_stream():
    a, b = seed_generators(3, spec("a", "nas")), seed_generators(3, spec("b", "yoked", agent_stream=True))
    assert all(a[k].random() == b[k].random() for k in ("env", "act", "replay", "init"))


def test_configs_say_which_agents_share_a_controller_stream():
    from conftest import REPO
    from nasdqn.settings.config import load
    from nasdqn.settings.plan import shared_controller_streams, study_plan

    first_study = load(REPO / "config/mechanism/acrobot.yaml")  # its matched control shared Random-NAS's stream
    assert shared_controller_streams(study_plan(first_study)) == [("random_nas", "matched_random")]
    first_study["nas"]["agent_stream"] = True
    assert shared_controller_streams(study_plan(first_study)) == []
    assert shared_controller_streams(study_plan(load(REPO / "config/config.yaml"))) == []  # one random and one NAS agent
