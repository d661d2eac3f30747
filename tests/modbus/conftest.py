"""Fixtures for the Modbus tests: real pymodbus servers and interfaces wired to a real EventQueue."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from _modbus_testutil import Collector, SimServer, free_port, make_iface, socat_pty_pair

from doover_fsm.io.modbus import ModbusInterface, RtuBusConfig, TcpBusConfig


@pytest.fixture
async def tcp_server() -> AsyncIterator[SimServer]:
    port = free_port()
    srv = SimServer("tcp", port, port)
    await srv.start()
    try:
        yield srv
    finally:
        await srv.stop()


@pytest.fixture
async def rtu_server() -> AsyncIterator[SimServer]:
    with socat_pty_pair() as (server_pty, client_pty):
        srv = SimServer("rtu", server_pty, client_pty)
        await srv.start()
        try:
            yield srv
        finally:
            await srv.stop()


@pytest.fixture
def events() -> Collector:
    return Collector()


@pytest.fixture
async def tcp_iface(tcp_server: SimServer, events: Collector) -> AsyncIterator[ModbusInterface]:
    cfg = TcpBusConfig("default", "127.0.0.1", int(tcp_server.client_port), timeout=0.2)
    iface = make_iface(events, {"default": cfg}, reconnect_delay=0.05, reconnect_delay_max=0.4)
    await iface.start()
    try:
        yield iface
    finally:
        await iface.close()


@pytest.fixture
async def rtu_iface(rtu_server: SimServer, events: Collector) -> AsyncIterator[ModbusInterface]:
    cfg = RtuBusConfig("rs485", str(rtu_server.client_port), baudrate=9600, timeout=0.2)
    iface = make_iface(events, {"rs485": cfg}, reconnect_delay=0.05, reconnect_delay_max=0.4)
    await iface.start()
    try:
        yield iface
    finally:
        await iface.close()
