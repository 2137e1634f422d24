"""The mechanisms of the fair test (issue 25) through the training loop: a commit phase, the
deployed network, learners resumed on revisit, the grow warm start's log, and the yoked random
control, which switches exactly where its partner switched."""
import dataclasses

import numpy as np
import pytest

from nasdqn.learning.controller import NASSettings
from nasdqn.learning.dqn import DQNSettings, fresh_member
from nasdqn.learning.spec import AgentSpec, PartnerWindows
from nasdqn.learning.trainer import NO_EVALUATION, EvalSettings, deployed, runs_of
from nasdqn.learning.trainer import train as train_runs
from nasdqn.settings.columns import WARM_START_COLUMNS
from nasdqn.settings.space import SEARCH_SPACE
from nasdqn.tasks import TaskSettings

FAST_DQN = DQNSettings.from_config(batch_size=16, learning_starts=100, replay_size=2000, target_update_steps=100, epsilon_decay=5)
FAST_NAS = NASSettings.from_config(arch_update_interval=3, score_window=2, epsilon_start=0.5)
SHORT_ENV = TaskSettings.from_config(max_episode_steps=50)


def spec(controller="nas", name="test", partner=None, **nas):
    return AgentSpec(name, controller, None, FAST_DQN, dataclasses.replace(FAST_NAS, **nas), SHORT_ENV, partner)


def train(agent: AgentSpec, seeds: list[int], episodes: int, evaluation: EvalSettings = NO_EVALUATION):
    return train_runs(runs_of(agent, seeds), episodes, evaluation=evaluation)


def test_the_commit_phase_makes_one_last_pick_that_lasts_to_the_end():
    tr = train(spec(commit_at=0.5), [0, 1], 30)
    for i in range(2):
        rows = tr.search.windows[i]
        commits = [k for k, r in enumerate(rows) if r["pick"] == "commit"]
        assert commits == [len(rows) - 1]  # one commit pick, the last window
        last = rows[-1]
        assert last["start_episode"] == 16 and last["end_episode"] == 30  # the first window end at or after 15 episodes
        assert [r["end_episode"] for r in rows[:-1]] == list(range(3, 16, 3))
        committed = {(e["layers"], e["units"], e["activation"]) for e in tr.logs[i].episodes[15:]}
        assert len(committed) == 1  # the committed network trains to the end


def test_nas_dqn_commits_to_its_best_scored_architecture():
    tr = train(spec(commit_at=0.5, epsilon_start=1.0, epsilon_min=1.0), [3], 30)  # explores at every update before the commit
    rows = tr.search.windows[0]
    scored = {}
    for r in rows[:-1]:
        scored[r["architecture"]] = r["score"]  # revisit_score latest: the buffer holds each one's latest score
    best = max(sorted(scored), key=lambda n: scored[n])
    assert rows[-1]["pick"] == "commit" and rows[-1]["architecture"] == best


def test_the_deployed_network_is_the_best_scored_windows():
    ev = EvalSettings(every=0, episodes=2)
    tr = train(spec(deploy="best_window"), [0], 18, evaluation=dataclasses.replace(ev, every=100))
    rows = tr.search.windows[0]
    best = int(np.nanargmax([r["score"] for r in rows]))
    arch, params, window = deployed(tr, 0)
    assert window == best and arch.name == rows[best]["architecture"]
    snap = next(s for s in tr.logs[0].snapshots if s["window"] == best)
    assert all(np.array_equal(a, b) for a, b in zip(params, snap["params"]))
    assert tr.logs[0].evaluations[-1]["architecture"] == rows[best]["architecture"]  # the final evaluation reads it
    last = deployed(train(spec(deploy="last"), [0], 18), 0)
    assert last[2] is None


def test_a_revisited_architecture_resumes_the_learner_it_left():
    tr = train(spec("random", revisit="resume", memory_pruning="keep_all"), [0], 6)
    a, b = SEARCH_SPACE[0], SEARCH_SPACE[5]
    switches, memory, rng, row = tr.switches, tr.memory, np.random.default_rng(0), {}
    left_on_a = fresh_member(a, np.random.default_rng(1), 3, 3)
    from nasdqn.learning.controller import Pick

    on_b = switches.new_learner(0, a, left_on_a, Pick(b, "explore", 1.0), memory, rng, row)
    assert on_b.online[0].shape == (3, b.units)
    back = switches.new_learner(0, b, on_b, Pick(a, "explore", 1.0), memory, rng, row)
    assert back is left_on_a  # the very learner, weights, target and optimiser state as left
    fresh_again = dataclasses.replace(FAST_NAS, revisit="fresh")
    tr2 = train(dataclasses.replace(spec("random"), nas=fresh_again), [0], 6)
    other = tr2.switches.new_learner(0, b, on_b, Pick(a, "explore", 1.0), tr2.memory, np.random.default_rng(0), {})
    assert not np.array_equal(other.online[0], left_on_a.online[0])


def test_grow_runs_log_each_switch_and_its_fidelity():
    tr = train(spec("random", transition="grow", distill_steps=200), [0, 1], 15)
    for i in range(2):
        rows = tr.search.windows[i]
        assert all(set(WARM_START_COLUMNS) <= set(r) for r in rows)
        switched = [r for r in rows if r["transition"]]
        assert switched and all(r["warm_start"] in ("grow", "distill") for r in switched)
        assert all(0.0 <= r["agreement"] <= 1.0 and r["q_error"] >= 0 for r in switched)
        assert all(r["warm_start"] == "" for r in rows if not r["transition"])
        for r in switched:
            if r["warm_start"] == "grow":
                assert r["agreement"] == 1.0 and r["q_error"] < 1e-5 and r["warm_start_steps"] == 0
    plain = train(spec("random"), [0], 6)
    assert not any(c in plain.search.windows[0][0] for c in WARM_START_COLUMNS)  # other readings keep their columns


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_the_yoked_control_switches_exactly_where_its_partner_switched(seed):
    partner = train(spec("nas", name="nas_dqn", commit_at=0.7), [seed], 30)
    rows = partner.search.windows[0]
    windows = PartnerWindows.from_rows("nas_dqn", rows)
    assert windows.switches == tuple(r["transition"] for r in rows[1:])
    yoked = train(spec("yoked", name="yoked", partner=windows, commit_at=0.7), [seed], 30)
    mine = yoked.search.windows[0]
    assert mine[0]["architecture"] == rows[0]["architecture"]  # the partner's first architecture
    assert [r["transition"] for r in mine] == [r["transition"] for r in rows]
    for prev, row in zip(mine, mine[1:]):
        if row["transition"]:
            assert row["architecture"] != prev["architecture"]  # a uniform pick among the other 26
        else:
            assert row["architecture"] == prev["architecture"]
    assert mine[-1]["pick"] in ("commit", "keep") and [r["end_episode"] for r in mine] == [r["end_episode"] for r in rows]


def test_the_yoked_picks_are_uniform_over_the_other_architectures():
    """Many updates where the partner always switched: the yoked picks spread over the 26 others."""
    from nasdqn.learning.controller import YokedController

    start = SEARCH_SPACE[4]
    ctrl = YokedController(start, (True,) * 5400)
    rng, visits, arch = np.random.default_rng(0), np.zeros(27), start
    for _ in range(5400):
        nxt = ctrl.update(arch, 0.0, rng).arch
        assert nxt != arch
        visits[SEARCH_SPACE.index(nxt)] += 1
        arch = nxt
    assert visits.min() > 0.6 * 5400 / 27 and visits.max() < 1.4 * 5400 / 27


def test_a_yoked_agent_needs_its_partners_run():
    with pytest.raises(ValueError, match="partner"):
        train(spec("yoked", name="yoked"), [0], 3)
