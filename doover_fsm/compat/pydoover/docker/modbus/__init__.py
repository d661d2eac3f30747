"""``pydoover.docker.modbus``, answered by doover_fsm (re-exports only)."""

from doover_fsm.io.modbus import ManyModbusConfig, ModbusConfig, ModbusInterface

__all__ = ["ManyModbusConfig", "ModbusConfig", "ModbusInterface"]
