"""pydoover's ``DeviceAgentInterface`` and ``MockDeviceAgentInterface`` classes.

``DeviceAgentInterface`` is what pydoover calls the device's agent. In doover_fsm:

* every agent counts as one: ``isinstance(local_or_mqtt_agent, DeviceAgentInterface)`` is true,
  so apps may annotate and check against it;
* constructing it (``DeviceAgentInterface(app_key, dda_uri)``, as pydoover's ``Application``
  does) gives a placeholder that forwards everything to the device's real agent once the app
  runtime has :meth:`~DeviceAgentInterface.bind`-ed one at start;
* subclassing it works (tests override a method to capture calls).

``MockDeviceAgentInterface`` is such an interface bound, from construction, to an in-memory
agent (:class:`~doover_fsm.agent.memory.MemoryAgent`): no network, usable without ``start()``,
with pydoover's test-double views ``_aggregates`` (1.x) and ``channels`` (0.4).

Thread-safety: as the bound agent.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, MutableMapping
from datetime import datetime
from typing import Any

from doover_fsm.agent.base import Agent, AgentStats, Listener
from doover_fsm.agent.base import Message as Record
from doover_fsm.agent.doover_api import QOS_DEFAULT
from doover_fsm.agent.memory import MemoryAgent
from doover_fsm.agent.models import Aggregate, File, Message
from doover_fsm.errors import AgentError

__all__ = ["DeviceAgentInterface", "MockDeviceAgentInterface", "resolve_device_agent", "unbound_interface"]


class DeviceAgentInterface(Agent):
    """pydoover's agent interface: a placeholder bound to the device's agent at start (see module doc)."""

    def __init__(self, app_key: str, dda_uri: str = "127.0.0.1:50051", dda_timeout: int = 7,
                 max_conn_attempts: int = 5, time_between_connection_attempts: int = 10,
                 service_name: str = "doover.DeviceAgent", *, is_async: bool | None = None) -> None:
        self.app_key = app_key
        self.uri = dda_uri
        self.dda_timeout = dda_timeout
        self.max_connection_attempts = max_conn_attempts
        self.time_between_connection_attempts = time_between_connection_attempts
        self.service_name = service_name
        self._is_async = is_async
        self._agent: Agent | None = None
        self._agent_id: Any = None

    # --- binding ---------------------------------------------------------------------------------
    def bind(self, agent: Agent) -> None:
        """Forward to ``agent`` (the app runtime calls this at start, before ``start()``)."""
        if not isinstance(agent, Agent) or agent is self:
            raise TypeError(f"DeviceAgentInterface.bind: expected another doover_fsm Agent, got {agent!r}")
        if self._agent is not None and self._agent is not agent:
            raise AgentError(f"DeviceAgentInterface({self.app_key!r}) is already bound to {self._agent!r}")
        self._agent = agent

    @property
    def is_bound(self) -> bool:
        return self._agent is not None

    @property
    def bound_agent(self) -> Agent:
        """The agent this interface forwards to."""
        if self._agent is None:
            raise AgentError(f"DeviceAgentInterface(app_key={self.app_key!r}) has no agent yet: the app runtime "
                             "binds the device's agent when the app starts")
        return self._agent

    @property
    def agent_id(self) -> Any:
        """The bound agent's id, unless assigned (pydoover's Application assigns the deployment's)."""
        if self._agent_id is not None:
            return self._agent_id
        return None if self._agent is None else self._agent.agent_id

    @agent_id.setter
    def agent_id(self, value: Any) -> None:
        self._agent_id = value

    def doover_ready(self) -> bool:
        return self._agent is not None and self._agent.doover_ready()

    # --- the Agent primitives, forwarded ---------------------------------------------------------
    async def start(self) -> None:
        await self.bound_agent.start()

    async def close(self) -> None:
        if self._agent is not None:
            await self._agent.close()

    @property
    def is_online(self) -> bool:
        return self._agent is not None and self._agent.is_online

    def on_connection_change(self, callback: Callable[[bool], None]) -> Callable[[], None]:
        return self.bound_agent.on_connection_change(callback)

    def poll(self) -> None:
        if self._agent is not None:
            self._agent.poll()

    def add_listener(self, channel: str, listener: Listener) -> Callable[[], None]:
        return self.bound_agent.add_listener(channel, listener)

    def get_aggregate(self, channel: str) -> Any:
        return self.bound_agent.get_aggregate(channel)

    async def update_aggregate(self, channel: str, patch: Any, *, replace: bool = False,
                               max_age_secs: float | None = None, author: str | None = None) -> Any:
        return await self.bound_agent.update_aggregate(channel, patch, replace=replace, max_age_secs=max_age_secs,
                                                       author=author)

    async def create_message(self, channel_name: str, data: Any, files: list[File] | None = None,
                             timestamp: datetime | None = None, agent_id: int | None = None,
                             qos: int = QOS_DEFAULT, *, author: str | None = None) -> str:
        agent: Any = self.bound_agent  # its adapted, pydoover-form method (see doover_api.adapt_primitives)
        mid: str = await agent.create_message(channel_name, data, files, timestamp, agent_id, qos, author=author)
        return mid

    async def update_message(self, channel_name: str, message_id: Any, data: Any,  # type: ignore[override]
                             files: list[File] | None = None, replace_data: bool = False,
                             clear_attachments: bool = False, agent_id: int | None = None, qos: int = QOS_DEFAULT,
                             *, replace: bool | None = None, author: str | None = None) -> Message:
        agent: Any = self.bound_agent
        result: Message = await agent.update_message(
            channel_name, message_id, data, files, replace_data, clear_attachments, agent_id, qos,
            replace=replace, author=author)
        return result

    async def get_message(self, channel: str, message_id: str) -> Record | None:
        return await self.bound_agent.get_message(channel, message_id)

    async def list_messages(self, channel_name: str, before: Any = None, after: Any = None,  # type: ignore[override]
                            limit: int | None = None, field_names: list[str] | str | None = None,
                            agent_id: int | None = None) -> list[Message]:
        agent: Any = self.bound_agent
        result: list[Message] = await agent.list_messages(
            channel_name, before, after, limit, field_names, agent_id)
        return result

    async def send_oneshot(self, channel: str, data: Any, *, author: str | None = None) -> None:
        await self.bound_agent.send_oneshot(channel, data, author=author)

    def statistics(self) -> AgentStats:
        return self.bound_agent.statistics()

    # Already in pydoover's form: the bound agent's methods do the adapting.
    create_message._doover_adapted = True  # type: ignore[attr-defined]
    update_message._doover_adapted = True  # type: ignore[attr-defined]
    list_messages._doover_adapted = True  # type: ignore[attr-defined]

    @classmethod
    def __subclasshook__(cls, candidate: type) -> bool:
        # Every doover_fsm agent is a DeviceAgentInterface (MRO scan, not issubclass: no recursion).
        if cls is DeviceAgentInterface and any(k is Agent for k in candidate.__mro__):
            return True
        return NotImplemented

    def __repr__(self) -> str:
        return f"{type(self).__name__}(app_key={self.app_key!r}, bound={self._agent!r})"


def unbound_interface(device_agent: object) -> DeviceAgentInterface | None:
    """``device_agent`` if it is a constructed ``DeviceAgentInterface`` still waiting for its agent."""
    if DeviceAgentInterface in type(device_agent).__mro__:
        iface: DeviceAgentInterface = device_agent  # type: ignore[assignment]
        return None if iface.is_bound else iface
    return None


def resolve_device_agent(given: Agent | None, make: Callable[[], Agent]) -> Agent:
    """The agent an app runs with: ``given`` as it is, or ``make()`` (bound into ``given`` if that
    is a constructed, still unbound ``DeviceAgentInterface``, so the app keeps its own object)."""
    if given is None:
        return make()
    iface = unbound_interface(given)
    if iface is not None:
        iface.bind(make())
    return given


class _AggregateView(MutableMapping[str, Any]):
    """pydoover's mock ``_aggregates`` (name → ``Aggregate``) / 0.4's ``channels`` (name → data)."""

    def __init__(self, agent: MemoryAgent, *, as_aggregate: bool) -> None:
        self._agent = agent
        self._as_aggregate = as_aggregate

    def __getitem__(self, channel: str) -> Any:
        if channel not in self._agent.aggregates:
            raise KeyError(channel)
        data = self._agent.get_aggregate(channel)
        return Aggregate(data, [], None) if self._as_aggregate else data

    def __setitem__(self, channel: str, value: Any) -> None:
        data = value.data if isinstance(value, Aggregate) else value
        self._agent.write_aggregate(channel, data, replace=True)

    def __delitem__(self, channel: str) -> None:
        del self._agent.aggregates[channel]

    def __iter__(self) -> Iterator[str]:
        return iter(list(self._agent.aggregates))

    def __len__(self) -> int:
        return len(self._agent.aggregates)


class MockDeviceAgentInterface(DeviceAgentInterface):
    """pydoover's test double: an interface bound to an in-memory agent (see module doc)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.memory = MemoryAgent(agent_id=f"mock-{self.app_key}", started=True)
        self.bind(self.memory)

    @property
    def _aggregates(self) -> MutableMapping[str, Any]:
        """Channel → ``Aggregate``; assigning seeds a channel (pydoover 1.x tests do)."""
        return _AggregateView(self.memory, as_aggregate=True)

    @property
    def channels(self) -> MutableMapping[str, Any]:
        """Channel → aggregate data; assigning seeds a channel (pydoover 0.4 tests do)."""
        return _AggregateView(self.memory, as_aggregate=False)

    def set_online(self, online: bool) -> None:
        """Simulate the agent going offline/online (the app sees agent_offline/agent_online)."""
        self.memory.set_online(online)

    async def wait_for_channels_sync(self, channel_names: list[str], timeout: int = 5, inter_wait: float = 0.2,
                                     agent_id: int | None = None) -> bool:
        """As pydoover's mock: every named channel exists afterwards (an empty aggregate if new)."""
        synced = await super().wait_for_channels_sync(channel_names, timeout, inter_wait, agent_id)
        for name in channel_names:
            self.memory.aggregates.setdefault(name, {})
        return synced
