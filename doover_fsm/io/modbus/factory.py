"""Build an app's ``modbus_iface``: the board's buses, the app TOML's, and its ModbusConfig.

One call for the app runtime, so the precedence lives here: an app TOML ``[modbus.<id>]``
replaces the board's bus of that id; the app config's ``modbus_config`` element is consulted at
every request (see :meth:`ModbusInterface._bus`). Stateless, thread-safe.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from doover_fsm.clock import Clock
from doover_fsm.events import Event

from .config import BusConfig, parse_buses
from .interface import ModbusInterface

__all__ = ["modbus_for_app"]


def modbus_for_app(
    *,
    board_buses: Mapping[str, Any] | None,
    board_source: str,
    app_buses: Mapping[str, Any] | None,
    app_source: str,
    app_config: Any,
    post_event: Callable[[Event], bool],
    clock: Clock,
    is_async: bool | None,
) -> ModbusInterface:
    """The interface an Application exposes as ``modbus_iface`` (not started yet).

    ``board_buses``/``app_buses`` are raw ``[modbus]`` tables (errors name ``*_source``);
    ``app_config`` is the app's config schema (its ``modbus_config`` element adds buses);
    ``is_async`` is the app's mode (``asyncio.iscoroutinefunction(app.main_loop)``).
    """
    buses: dict[str, BusConfig] = {}
    if board_buses:
        buses.update(parse_buses(board_buses, where=f"{board_source}: modbus"))
    if app_buses:
        buses.update(parse_buses(app_buses, where=f"{app_source}: modbus"))
    return ModbusInterface(buses, post_event=post_event, clock=clock, config=app_config, is_async=is_async)
