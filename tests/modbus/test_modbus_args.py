"""Unit tests: argument checks raise ValueError naming the argument, before any I/O."""

from __future__ import annotations

import time

import pytest
from _modbus_testutil import Collector, free_port, make_iface

from doover_fsm.io.modbus import ModbusArgumentError, ModbusBus, ModbusInterface, TcpBusConfig


@pytest.fixture
async def offline_iface(events: Collector) -> ModbusInterface:
    # Nothing listens on this port: any I/O would show up as a connect attempt.
    iface = make_iface(events, {"default": TcpBusConfig("default", "127.0.0.1", free_port(), timeout=0.2)})
    await iface.start()
    yield iface  # type: ignore[misc]
    await iface.close()


READS = [
    ({"bus_id": "nope"}, "bus_id 'nope'"),
    ({"modbus_id": 248}, "modbus_id"),
    ({"modbus_id": -1}, "modbus_id"),
    ({"modbus_id": True}, "modbus_id"),
    ({"modbus_id": 0}, "broadcast"),
    ({"register_type": 5}, "register_type"),
    ({"register_type": 0}, "register_type"),
    ({"start_address": -1}, "start_address"),
    ({"start_address": 65536}, "start_address"),
    ({"start_address": 1.5}, "start_address"),
    ({"num_registers": 0}, "num_registers"),
    ({"num_registers": 126, "register_type": 3}, "num_registers must be in 1..125, got 126"),
    ({"num_registers": 126, "register_type": 4}, "num_registers"),
    ({"num_registers": 2001, "register_type": 1}, "num_registers must be in 1..2000"),
    ({"num_registers": 2000, "register_type": 2, "start_address": 65000}, "runs past address 65535"),
    ({"configure_bus": "yes"}, "configure_bus"),
]


@pytest.mark.parametrize(("kwargs", "fragment"), READS)
async def test_read_argument_errors(offline_iface: ModbusInterface, kwargs: dict, fragment: str) -> None:
    with pytest.raises(ValueError, match=fragment):
        await offline_iface.read_registers(**kwargs)
    status = await offline_iface.fetch_bus_status("default")
    assert status.requests == 0 and status.connect_attempts == 0


WRITES = [
    ({"values": [1], "register_type": 2}, "read-only"),
    ({"values": [1], "register_type": 3}, "read-only"),
    ({"values": []}, "values must not be empty"),
    ({"values": None}, "values must not be empty"),
    ({"values": "12"}, "values must be a list"),
    ({"values": [70000]}, r"values\[0\] must be in 0..65535"),
    ({"values": [1, -1]}, r"values\[1\]"),
    ({"values": [2], "register_type": 1}, "coil must be a bool or 0/1"),
    ({"values": [0] * 124}, "len\\(values\\) must be in 1..123"),
    ({"values": [0] * 1969, "register_type": 1}, "len\\(values\\) must be in 1..1968"),
    ({"values": [1], "modbus_id": 300}, "modbus_id"),
    ({"values": [1, 2], "start_address": 65535}, "runs past"),
]


@pytest.mark.parametrize(("kwargs", "fragment"), WRITES)
async def test_write_argument_errors(offline_iface: ModbusInterface, kwargs: dict, fragment: str) -> None:
    with pytest.raises(ValueError, match=fragment):
        await offline_iface.write_registers(**kwargs)
    assert (await offline_iface.fetch_bus_status()).requests == 0


async def test_single_write_and_subscription_argument_errors(offline_iface: ModbusInterface) -> None:
    with pytest.raises(ValueError, match="register_type=3"):
        await offline_iface.write_single_register(address=1, value=1, register_type=3)
    with pytest.raises(ValueError, match="address"):
        await offline_iface.write_single_register(address=70000, value=1)
    with pytest.raises(ValueError, match="value must be in"):
        await offline_iface.write_single_register(address=1, value=-5)
    with pytest.raises(ValueError, match="poll_secs"):
        offline_iface.add_read_register_subscription(poll_secs=0, callback=print)
    with pytest.raises(ValueError, match="poll_secs"):
        offline_iface.add_read_register_subscription(poll_secs=float("nan"), callback=print)
    with pytest.raises(ValueError, match="callback"):
        offline_iface.add_read_register_subscription(callback=42)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="name"):
        offline_iface.add_read_register_subscription(name="has space")
    with pytest.raises(ValueError, match="bus_id"):
        offline_iface.add_read_register_subscription(bus_id="other")
    assert offline_iface.subscriptions == ()
    assert (await offline_iface.fetch_bus_status()).requests == 0


async def test_none_means_default(offline_iface: ModbusInterface) -> None:
    # pydoover's Application shortcuts pass bus_id=None, modbus_id=None, poll_secs=None.
    sub = offline_iface.add_read_register_subscription(None, None, 5, 1, 4, None, None)  # type: ignore[arg-type]
    assert (sub.bus_id, sub.modbus_id, sub.poll_secs, sub.name) == ("default", 1, 3.0, "default_1_5")
    assert sub.trigger == "modbus_default_1_5"
    assert offline_iface.remove_read_register_subscription(sub)
    assert not offline_iface.remove_read_register_subscription(sub)
    assert not sub.active


def test_lost_after_must_be_positive(events: Collector) -> None:
    with pytest.raises(ValueError, match="lost_after"):
        make_iface(events, {}, lost_after=0)


async def test_missing_serial_port_is_a_clear_connection_error(events: Collector) -> None:
    from doover_fsm.io.modbus import ModbusConnectionError, RtuBusConfig

    iface = make_iface(events, {"rs485": RtuBusConfig("rs485", "/dev/no-such-tty", timeout=0.2)})
    await iface.start()
    with pytest.raises(ModbusConnectionError, match=r"rtu /dev/no-such-tty 9600 8N1 \(serial port does not exist\)"):
        await iface.read_registers("rs485")
    await iface.close()


async def test_argument_errors_name_bus_device_and_argument(offline_iface: ModbusInterface) -> None:
    with pytest.raises(ModbusArgumentError) as info:
        await offline_iface.read_registers("default", 7, start_address=70000)
    err = info.value
    assert str(err) == "Modbus bus 'default' device 7: start_address must be in 0..65535, got 70000"
    assert (err.bus, err.device_id, err.argument) == ("default", 7, "start_address")
    with pytest.raises(ModbusArgumentError, match=r"^Modbus bus 'default' device 3: values\[1\] must be in 0\.\.65535"):
        await offline_iface.write_registers("default", 3, 0, [1, 70000])
    with pytest.raises(ModbusArgumentError, match=r"^Modbus bus 'default' device 1: address must be in"):
        await offline_iface.write_single_register(address=70000, value=1)
    with pytest.raises(ModbusArgumentError,
                       match=r"^Modbus bus 'nope' device 2: bus_id 'nope' is not a configured Modbus bus "
                             r"\(known: 'default'\)"):
        await offline_iface.read_registers("nope", 2)
    with pytest.raises(ModbusArgumentError, match=r"^Modbus bus 'default' device 1: poll_secs must be"):
        offline_iface.add_read_register_subscription(poll_secs=float("nan"))
    with pytest.raises(ModbusArgumentError, match=r"^Modbus bus 'x' device 1: bus= must be a ModbusConfig element"):
        await offline_iface.read_registers(bus="x")
    with pytest.raises(ModbusArgumentError, match=r"start_address must be in 0\.\.65535, got <int of \d+ bits>"):
        await offline_iface.read_registers(start_address=10**5000)
    assert (await offline_iface.fetch_bus_status()).connect_attempts == 0


@pytest.mark.parametrize(("wait", "rel"), [(0.0004, "400 µs"), (0.0031, "3 ms"), (0.35, "350 ms"), (2.5, "2.5 s")])
def test_reconnect_wait_never_reads_zero_and_says_when(wait: float, rel: str) -> None:
    wall = 1_700_000_000.125
    bus = ModbusBus(TcpBusConfig("plc", "127.0.0.1", 1502), wall_time=lambda: wall)
    at = wall + wait
    stamp = time.strftime("%H:%M:%S", time.localtime(at)) + f".{int(at % 1 * 1000):03d}"
    assert bus._when(wait) == f"in {rel} (at {stamp})"
