"""``pydoover.docker.device_agent``, answered by doover_fsm (see :mod:`doover_fsm.agent.interface`)."""

from doover_fsm.agent.doover_api import QOS_AT_MOST_ONCE, QOS_DEFAULT
from doover_fsm.agent.interface import DeviceAgentInterface, MockDeviceAgentInterface

__all__ = ["QOS_AT_MOST_ONCE", "QOS_DEFAULT", "DeviceAgentInterface", "MockDeviceAgentInterface"]
