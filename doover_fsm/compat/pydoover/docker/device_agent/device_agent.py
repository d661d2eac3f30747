"""``pydoover.docker.device_agent.device_agent`` (the module pydoover defines the classes in)."""

from doover_fsm.compat.pydoover.docker.device_agent import (
    QOS_AT_MOST_ONCE,
    QOS_DEFAULT,
    DeviceAgentInterface,
    MockDeviceAgentInterface,
)

#: pydoover 0.4's module-level alias.
device_agent_iface = DeviceAgentInterface

__all__ = ["QOS_AT_MOST_ONCE", "QOS_DEFAULT", "DeviceAgentInterface", "MockDeviceAgentInterface", "device_agent_iface"]
