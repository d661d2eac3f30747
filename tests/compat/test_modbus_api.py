"""``pydoover.docker.modbus`` on doover_fsm: signatures and the ``ModbusConfig`` schema JSON.

Method signatures are compared with pydoover 1.18 and 0.4; the schema a ``ModbusConfig`` /
``ManyModbusConfig`` element produces inside an app's config is compared with pydoover's for
generated declarations. Documented differences (docs/compat/io.md) each have their own test.
"""

from __future__ import annotations

import inspect
import random

import pytest

from doover_fsm.clock import MonotonicClock
from doover_fsm.io.modbus import ModbusInterface
from tests.compat._oracle import run_here, run_in_oracle
from tests.compat._signatures import SIGNATURES, extends
from tests.modbus._deployed import deployed

CASES = ["pydoover.docker.modbus:ModbusInterface"]
GRPC_INTERNALS = {"make_request", "make_request_async", "process_response", "ensure_bus_available",
                  "run_read_register_subscription_task"}
# Documented: doover_fsm adds keyword-only arguments after pydoover's.
EXTENDED = {"add_read_register_subscription": ["name"], "write_single_register": ["bus_id"]}


@pytest.fixture(scope="module")
def signatures() -> tuple[dict, dict, dict]:
    o118 = run_in_oracle(SIGNATURES, CASES, "1.18")[0]["ok"]
    o04 = run_in_oracle(SIGNATURES, CASES, "0.4")[0]["ok"]
    here = run_here(SIGNATURES, CASES)[0]["ok"]
    return o118, o04, here


@pytest.mark.parametrize("version", ["1.18", "0.4"])
def test_every_public_method_has_pydoovers_signature(signatures, version: str) -> None:
    o118, o04, here = signatures
    oracle = o118 if version == "1.18" else o04
    checked = 0
    for name, sig in oracle.items():
        if name in GRPC_INTERNALS:
            assert name not in here, f"{name} is gRPC plumbing and should not be offered"
            continue
        if name == "__init__":
            continue  # documented difference: test_constructor_builds_from_buses_and_config
        assert name in here, f"ModbusInterface.{name} (pydoover {version}) is missing"
        if name in EXTENDED:
            newest = o118.get(name, sig)
            extra = [p[0] for p in here[name][len(newest):]]
            assert extends(sig, here[name]) and extends(newest, here[name]) and extra == EXTENDED[name], name
        elif version == "0.4" and name in o118 and o118[name] != sig:
            # where the generations differ, 1.18's signature, which accepts every 0.4 call
            assert here[name] == o118[name] and extends(sig, here[name]), name
        else:
            assert here[name] == sig, f"{name}: pydoover {version} {sig} != here {here[name]}"
        checked += 1
    assert checked >= 10  # the comparison really ran


async def test_extra_keywords_name_the_subscription_and_the_single_write_bus() -> None:
    from doover_fsm.io.modbus import TcpBusConfig

    buses = {b: TcpBusConfig(b, "127.0.0.1", 9) for b in ("a", "b")}
    it = ModbusInterface(buses, post_event=lambda e: True, clock=MonotonicClock())
    try:
        sub = it.add_read_register_subscription("b", poll_secs=60, name="tank")
        assert sub.trigger == "modbus_tank" and sub.bus_id == "b"
        with pytest.raises(ValueError, match="bus_id 'nope' is not a configured Modbus bus"):
            it.write_single_register(1, 0, 1, bus_id="nope")
    finally:
        await it.close()


async def test_with_one_app_config_bus_bus_id_is_ignored() -> None:
    """pydoover 1.x ignores ``bus_id``: the app config's only bus is used."""
    cfg = deployed({"bus_type": "tcp", "name": "plc", "tcp_uri": "127.0.0.1:1502"})
    it = ModbusInterface({}, post_event=lambda e: True, clock=MonotonicClock(), config=cfg)
    try:
        assert it.add_read_register_subscription("whatever", poll_secs=60).bus_id == "plc"
    finally:
        await it.close()


async def test_constructor_builds_from_buses_and_config() -> None:
    """Difference: ``ModbusInterface(buses, *, post_event, clock, config=, timeout=, ...)``; pydoover's
    ``(app_key, modbus_uri, service_name, timeout, config)`` addressed a gRPC container."""
    it = ModbusInterface(None, post_event=lambda e: True, clock=MonotonicClock(), timeout=7)
    try:
        assert it.bus_ids == () and it.timeout == 7.0
        with pytest.raises(ValueError, match="is not a configured Modbus bus"):
            it.read_registers()
        assert await it.health_check() is True and await it.wait_until_healthy() is True
    finally:
        await it.close()
    with pytest.raises(TypeError):
        ModbusInterface("app_key", "127.0.0.1:50054")  # type: ignore[arg-type,call-arg]


def test_async_names_are_coroutines() -> None:
    for name in ("read_registers_async", "write_registers_async", "get_bus_status_async", "open_bus_async",
                 "close_bus_async", "setup", "close"):
        assert inspect.iscoroutinefunction(getattr(ModbusInterface, name)), name


def test_deprecated_open_bus_declares_a_bus() -> None:
    it = ModbusInterface({}, post_event=lambda e: True, clock=MonotonicClock())
    with pytest.warns(DeprecationWarning, match="open_bus is deprecated"):
        assert it.open_bus("tcp", "gw", tcp_uri="10.0.0.9:502") is True
    assert it.bus_ids == ("gw",)
    with pytest.warns(DeprecationWarning):
        assert it.close_bus("gw") is False
    it._lane.close()


# --- the ModbusConfig schema JSON -----------------------------------------------------------------

SCHEMA_CODE = '''
from pydoover import config
from pydoover.docker.modbus import ModbusConfig, ManyModbusConfig

def run(case):
    attrs = {}
    for attr, kind, title in case:
        cls = ModbusConfig if kind == "one" else ManyModbusConfig
        attrs[attr] = cls() if title is None else cls(title)
    C = type("C", (config.Schema,), attrs)
    return C().to_schema()
'''


def _cases(n: int, seed: int = 1018) -> list[list[list[object]]]:
    rng = random.Random(seed)
    titles = [None, "Modbus Config", "Bus A", "RS-485 Port", "Plant network", "Meter bus 2"]
    cases = [[["modbus_config", "one", None]], [["modbus_config", "many", None]]]
    while len(cases) < n:
        count = rng.randint(1, 3)
        attrs = rng.sample(["modbus_config", "bus", "meter_bus", "plc", "second_bus"], count)
        cases.append([[a, rng.choice(["one", "many"]), rng.choice(titles)] for a in attrs])
    return cases


def test_modbus_config_schema_equals_pydoovers() -> None:
    from doover_fsm.config import Schema

    if not hasattr(Schema, "to_schema"):
        pytest.skip("doover_fsm.config has no pydoover to_schema() yet (the config rework adds it)")
    cases = _cases(24)
    oracle = run_in_oracle(SCHEMA_CODE, cases, "1.18")
    assert all("ok" in r for r in oracle), oracle[:2]
    assert run_here(SCHEMA_CODE, cases) == oracle


def test_modbus_config_children_and_defaults_are_pydoovers() -> None:
    """Independent of the schema format: the same children, display names and defaults."""
    code = '''
from pydoover.docker.modbus import ModbusConfig
import inspect

def run(case):
    out = {}
    for attr, value in inspect.getmembers(ModbusConfig):
        if hasattr(value, "display_name") or hasattr(value, "_display_name"):
            title = getattr(value, "display_name", None) or getattr(value, "_display_name", None)
            default = getattr(value, "default", None)
            default = getattr(value, "_default", default)
            choices = getattr(value, "choices", None) or getattr(value, "_choices", None)
            out[attr] = [title, default, list(choices) if choices else None]
    return out
'''
    oracle = run_in_oracle(code, [0], "1.18")
    assert len(oracle[0]["ok"]) == 11  # the probe found every child
    assert run_here(code, [0]) == oracle
