"""``pydoover.docker``: the device-app runtime names (resolved lazily, as pydoover does)."""

from __future__ import annotations

import importlib
from typing import Any

from doover_fsm.app.application import Application
from doover_fsm.app.run import run_app

_LAZY = {
    "DeviceAgentInterface": ".device_agent",
    "MockDeviceAgentInterface": ".device_agent",
    "ModbusInterface": ".modbus",
    "ModbusConfig": ".modbus",
    "ManyModbusConfig": ".modbus",
    "PlatformInterface": ".platform",
    "PulseCounter": ".platform",
}

__all__ = ["Application", "run_app", *_LAZY]


def __getattr__(name: str) -> Any:
    if name not in _LAZY:
        raise AttributeError(f"module 'pydoover.docker' has no attribute {name!r}")
    value = getattr(importlib.import_module(_LAZY[name], __name__), name)
    globals()[name] = value
    return value
