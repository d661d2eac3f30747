"""Unit tests: [modbus.<bus_id>] parsing and merging."""

from __future__ import annotations

import dataclasses

import pytest

from doover_fsm.errors import BoardError
from doover_fsm.io.modbus import RtuBusConfig, TcpBusConfig, merge_buses, parse_buses

WHERE = "board_configs/pi4.toml"


def test_rtu_defaults() -> None:
    buses = parse_buses({"default": {"type": "rtu", "port": "/dev/ttyAMA0"}}, where=WHERE)
    assert buses == {"default": RtuBusConfig("default", "/dev/ttyAMA0")}
    cfg = buses["default"]
    assert (cfg.baudrate, cfg.parity, cfg.bytesize, cfg.stopbits, cfg.timeout) == (9600, "N", 8, 1, 1.0)
    assert cfg.type == "rtu"


def test_rtu_all_keys() -> None:
    table = {
        "rs485": {
            "type": "rtu",
            "port": "/dev/ttyS1",
            "baudrate": 19200,
            "parity": "E",
            "bytesize": 7,
            "stopbits": 2,
            "timeout": 0.25,
        }
    }
    cfg = parse_buses(table, where=WHERE)["rs485"]
    assert cfg == RtuBusConfig("rs485", "/dev/ttyS1", 19200, "E", 7, 2, 0.25)


def test_tcp_defaults_and_values() -> None:
    buses = parse_buses(
        {
            "plc": {"type": "tcp", "host": "10.0.0.5"},
            "gw": {"type": "tcp", "host": "gw", "port": 1502, "timeout": 2},
        },
        where=WHERE,
    )
    assert buses["plc"] == TcpBusConfig("plc", "10.0.0.5", 502, 1.0)
    assert buses["gw"] == TcpBusConfig("gw", "gw", 1502, 2.0)
    assert buses["gw"].type == "tcp"


def test_configs_are_frozen() -> None:
    cfg = TcpBusConfig("plc", "h")
    with pytest.raises(dataclasses.FrozenInstanceError):
        cfg.port = 1  # type: ignore[misc]


@pytest.mark.parametrize(
    ("bus", "key", "fragment"),
    [
        ({"type": "rtu", "port": "/dev/x", "baud": 9600}, "baud", "unknown key"),
        ({"type": "rtu", "port": "/dev/x", "baudrate": "9600"}, "baudrate", "must be int"),
        ({"type": "rtu", "port": "/dev/x", "baudrate": True}, "baudrate", "must be int"),
        ({"type": "rtu", "port": "/dev/x", "baudrate": 0}, "baudrate", "between"),
        ({"type": "rtu", "port": "/dev/x", "parity": "X"}, "parity", "'N', 'E', 'O'"),
        ({"type": "rtu", "port": "/dev/x", "bytesize": 9}, "bytesize", "7 or 8"),
        ({"type": "rtu", "port": "/dev/x", "stopbits": 3}, "stopbits", "1 or 2"),
        ({"type": "rtu", "port": "/dev/x", "timeout": 0}, "timeout", "> 0"),
        ({"type": "rtu", "port": "/dev/x", "timeout": "1"}, "timeout", "int or float"),
        ({"type": "rtu"}, "port", "required"),
        ({"type": "rtu", "port": ""}, "port", "non-empty"),
        ({"type": "tcp"}, "host", "required"),
        ({"type": "tcp", "host": "h", "port": 70000}, "port", "between 1 and 65535"),
        ({"type": "tcp", "host": "h", "baudrate": 9600}, "baudrate", "unknown key"),
        ({"type": "udp", "host": "h"}, "type", "'rtu' or 'tcp'"),
        ({"host": "h"}, "type", "required"),
    ],
)
def test_errors_name_where_bus_and_key(bus: dict[str, object], key: str, fragment: str) -> None:
    with pytest.raises(BoardError) as info:
        parse_buses({"field": bus}, where=WHERE)
    msg = str(info.value)
    assert WHERE in msg
    assert f"modbus.field.{key}" in msg
    assert fragment in msg
    assert isinstance(info.value, ValueError)


def test_bad_bus_id_and_shapes() -> None:
    with pytest.raises(BoardError, match=r"modbus\.bad id"):
        parse_buses({"bad id": {"type": "tcp", "host": "h"}}, where=WHERE)
    with pytest.raises(BoardError, match=r"modbus\.x\] must be a table"):
        parse_buses({"x": 5}, where=WHERE)
    with pytest.raises(BoardError, match="must be a table of buses"):
        parse_buses([], where=WHERE)  # type: ignore[arg-type]


def test_app_config_overrides_board_per_bus_id() -> None:
    board = parse_buses(
        {"default": {"type": "rtu", "port": "/dev/ttyS0"}, "plc": {"type": "tcp", "host": "a"}}, where=WHERE
    )
    app = parse_buses({"default": {"type": "tcp", "host": "gw"}}, where="app config")
    merged = merge_buses(board, app)
    assert merged["default"] == TcpBusConfig("default", "gw")
    assert merged["plc"] == TcpBusConfig("plc", "a")


async def test_modbus_for_app_merges_board_and_app_buses() -> None:
    from doover_fsm.clock import MonotonicClock
    from doover_fsm.io.modbus import modbus_for_app

    board = {"default": {"type": "rtu", "port": "/dev/ttyAMA0"}, "plc": {"type": "tcp", "host": "10.0.0.1"}}
    app = {"plc": {"type": "tcp", "host": "10.0.0.2", "port": 1502}}
    it = modbus_for_app(board_buses=board, board_source="b.toml", app_buses=app, app_source="cfg.json",
                        app_config=None, post_event=lambda e: True, clock=MonotonicClock(), is_async=True)
    try:
        assert it.bus_ids == ("default", "plc") and it.is_async is True
        assert (await it.fetch_bus_status("plc")).target == "tcp 10.0.0.2:1502"  # the app's bus replaced the board's
    finally:
        await it.close()
    with pytest.raises(BoardError, match=r"cfg\.json: modbus: \[modbus\.plc\.host\] is required"):
        modbus_for_app(board_buses=None, board_source="b.toml", app_buses={"plc": {"type": "tcp"}},
                       app_source="cfg.json", app_config=None, post_event=lambda e: True,
                       clock=MonotonicClock(), is_async=None)
