"""The trainer with the paper's defaults learns (slow: 3 x 2000 episodes, about a minute with the seeds batched)."""
import pytest

from conftest import REPO
from nasdqn.analysis.metrics import MetricSettings, run_metrics
from nasdqn.learning.spec import agent_spec
from nasdqn.learning.trainer import runs_of, train
from nasdqn.settings.config import load, resolved_agent_config


@pytest.mark.slow
def test_fixed_medium_reaches_150_on_seeds_0_1_2():
    cfg = load(REPO / "config/config.yaml")
    spec = agent_spec(resolved_agent_config(cfg, "fixed_medium"))
    trainer = train(runs_of(spec, [0, 1, 2]), cfg["protocol"]["budget"])
    for log in trainer.logs:
        m = run_metrics(log.returns, MetricSettings())
        assert m["threshold_reached"], "fixed_medium never reached a 50-episode average above 150"
