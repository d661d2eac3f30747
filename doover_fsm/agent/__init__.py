"""Agents: where channels, aggregates and messages live (local SQLite, or MQTT for fleets).

The public names are re-exported here; the modules behind them are implementation detail.
``MqttAgent`` and ``TlsOptions`` import paho-mqtt lazily, so the local agent works without it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from doover_fsm.agent.base import Agent, AgentStats, ChannelEvent, Message
from doover_fsm.agent.interface import DeviceAgentInterface, MockDeviceAgentInterface
from doover_fsm.agent.local import LocalAgent
from doover_fsm.agent.memory import MemoryAgent
from doover_fsm.agent.store import default_data_dir, open_store

if TYPE_CHECKING:
    from doover_fsm.agent.mqtt import MqttAgent
    from doover_fsm.agent.mqtt_config import TlsOptions

__all__ = [
    "Agent",
    "AgentStats",
    "ChannelEvent",
    "DeviceAgentInterface",
    "LocalAgent",
    "MemoryAgent",
    "Message",
    "MockDeviceAgentInterface",
    "MqttAgent",
    "TlsOptions",
    "default_data_dir",
    "open_store",
]


def __getattr__(name: str) -> Any:
    if name == "MqttAgent":
        from doover_fsm.agent.mqtt import MqttAgent

        return MqttAgent
    if name == "TlsOptions":
        from doover_fsm.agent.mqtt_config import TlsOptions

        return TlsOptions
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
