"""The settings dataclasses (nasdqn/settings/typed.py): their fields are the table's keys, and
from_config fills, checks and rejects as the table says."""
import dataclasses

import pytest

from nasdqn.analysis.tables import cl
from nasdqn.learning.controller import NASSettings
from nasdqn.learning.dqn import DQNSettings
from nasdqn.settings.table import SECTIONS, defaults
from nasdqn.tasks import TaskSettings


def test_the_dataclasses_take_their_fields_from_the_table():
    """DQNSettings, NASSettings and TaskSettings have exactly the table's keys, no defaults of their
    own, and from_config fills an omitted key with the table's default."""
    for section, cls in (("dqn", DQNSettings), ("nas", NASSettings), ("env", TaskSettings)):
        fields = dataclasses.fields(cls)
        assert [f.name for f in fields] == list(SECTIONS[section])
        assert all(f.default is dataclasses.MISSING for f in fields), section
        assert dataclasses.asdict(cls.from_config({})) == {k: (tuple(v) if isinstance(v, list) else v) for k, v in defaults(section).items()}
    assert DQNSettings.from_config({"gamma": 0.5}, batch_size=8).batch_size == 8
    with pytest.raises(ValueError, match="dqn: unknown key.*gama"):
        DQNSettings.from_config(gama=0.5)
    with pytest.raises(ValueError, match="optimizer: expected one of 'sgd', 'adam'"):
        DQNSettings.from_config(optimizer="rmsprop")
    assert set(SECTIONS["analysis"]) <= {f.name for f in dataclasses.fields(cl.DecisionSettings)}
