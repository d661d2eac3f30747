"""The agent package's facade: every name in ``__all__`` exists and is the real object."""

from __future__ import annotations

import doover_fsm.agent as agent_pkg
from doover_fsm.agent.base import Agent
from doover_fsm.agent.local import LocalAgent
from doover_fsm.agent.mqtt import MqttAgent
from doover_fsm.agent.mqtt_config import TlsOptions


def test_all_exports_exist() -> None:
    expected = {"LocalAgent", "MqttAgent", "Agent", "AgentStats", "ChannelEvent", "Message", "TlsOptions",
                "open_store", "default_data_dir"}
    assert expected <= set(agent_pkg.__all__)
    for name in agent_pkg.__all__:
        assert getattr(agent_pkg, name) is not None, name


def test_exports_are_the_implementations() -> None:
    assert agent_pkg.Agent is Agent
    assert agent_pkg.LocalAgent is LocalAgent
    assert agent_pkg.MqttAgent is MqttAgent
    assert agent_pkg.TlsOptions is TlsOptions
    assert issubclass(agent_pkg.MqttAgent, agent_pkg.Agent) and issubclass(agent_pkg.LocalAgent, agent_pkg.Agent)
