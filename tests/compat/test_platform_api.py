"""``pydoover.docker.platform`` on doover_fsm: signatures against pydoover 1.18 and 0.4.

Every public method of pydoover's ``PlatformInterface`` and ``PulseCounter`` exists here with
the same parameter names, kinds and defaults, except the documented differences below
(docs/compat/io.md), each of which has its own test.
"""

from __future__ import annotations

import inspect

import pytest

from doover_fsm.clock import VirtualClock
from doover_fsm.io import BoardIO, load_board
from tests.compat._oracle import run_here, run_in_oracle
from tests.compat._signatures import SIGNATURES

CASES = ["pydoover.docker.platform:PlatformInterface", "pydoover.docker.platform:PulseCounter"]

# pydoover's gRPC plumbing: nothing to talk to here (the board is in process).
GRPC_INTERNALS = {"make_request", "make_request_async", "process_response", "recv_di_pulses"}
# Documented signature differences: name -> our parameters.
DIFFERENT = {
    "PlatformInterface.__init__": [["self", "POSITIONAL_OR_KEYWORD", None], ["io", "POSITIONAL_OR_KEYWORD", None],
                                   ["is_async", "POSITIONAL_OR_KEYWORD", "None"]],
}


@pytest.fixture(scope="module")
def signatures() -> dict[str, tuple[dict, dict, dict]]:
    o118 = run_in_oracle(SIGNATURES, CASES, "1.18")
    o04 = run_in_oracle(SIGNATURES, CASES, "0.4")
    here = run_here(SIGNATURES, CASES)
    return {c.rsplit(":", 1)[1]: (a["ok"], b["ok"], h["ok"]) for c, a, b, h in zip(CASES, o118, o04, here,
                                                                                 strict=True)}


@pytest.mark.parametrize("cls", ["PlatformInterface", "PulseCounter"])
@pytest.mark.parametrize("version", ["1.18", "0.4"])
def test_every_public_method_has_pydoovers_signature(signatures, cls: str, version: str) -> None:
    o118, o04, here = signatures[cls]
    oracle = o118 if version == "1.18" else o04
    checked = 0
    for name, sig in oracle.items():
        if name in GRPC_INTERNALS:
            assert name not in here, f"{cls}.{name} is gRPC plumbing and should not be offered"
            continue
        key = f"{cls}.{name}"
        if key in DIFFERENT:
            assert here[name] == DIFFERENT[key], key
            continue
        assert name in here, f"{cls}.{name} (pydoover {version}) is missing"
        if version == "0.4" and name in o118 and o118[name] != sig:
            assert here[name] == o118[name], f"{key}: where the generations differ, 1.18's signature"
        else:
            assert here[name] == sig, f"{key}: pydoover {version} {sig} != here {here[name]}"
        checked += 1
    assert checked >= (40 if cls == "PlatformInterface" else 15)  # the comparison really ran


def test_the_0_4_methods_that_1_18_changed_still_accept_0_4_calls(signatures) -> None:
    o118, o04, here = signatures["PlatformInterface"]
    changed = [n for n in o04 if n in o118 and o04[n] != o118[n] and n not in GRPC_INTERNALS and n != "__init__"]
    for name in changed:
        assert here[name][: len(o04[name])] == o04[name] or here[name] == o118[name], name


def test_constructor_takes_the_board_io_not_a_grpc_address() -> None:
    """Difference: ``PlatformInterface(io, is_async=None)`` wraps an open board; pydoover's
    ``(app_key, plt_uri, ...)`` named a gRPC container that doover_fsm does not have."""
    from doover_fsm.io.platform import PlatformInterface

    io = BoardIO(load_board("virtual"), clock=VirtualClock(), post_event=lambda e: True)
    with io:
        p = PlatformInterface(io, is_async=False)
        assert p.fetch_do(0) is False
        assert p._is_async is False  # pydoover 0.4's attribute name, set by its run_app
    with pytest.raises(TypeError):
        PlatformInterface("app_key", "localhost:50053", "doover.PlatformInterface")  # type: ignore[call-arg]


async def test_health_calls_answer_from_the_board() -> None:
    io = BoardIO(load_board("virtual"), clock=VirtualClock(), post_event=lambda e: True)
    p = io.platform_iface
    assert await p.health_check() is False  # not open yet
    with io:
        assert await p.health_check() is True and await p.wait_until_healthy(0.01) is True


def test_1_18_names_are_coroutine_free_and_0_4_async_names_are_coroutines() -> None:
    from doover_fsm.io.platform import PlatformInterface

    for name in ("get_di_async", "get_ai_async", "set_do_async", "set_ao_async", "schedule_do_async",
                 "get_system_voltage_async", "get_di_events_async", "shutdown_async"):
        assert inspect.iscoroutinefunction(getattr(PlatformInterface, name)), name
    for name in ("fetch_di", "fetch_ai", "set_do", "set_ao", "fetch_system_voltage", "fetch_di_events", "get_di"):
        assert not inspect.iscoroutinefunction(getattr(PlatformInterface, name)), name  # sync or awaited


def test_pydoover_platform_module_names() -> None:
    from doover_fsm import compat

    compat.install()
    import pydoover.docker as docker
    import pydoover.docker.modbus as mb
    import pydoover.docker.platform as plat

    from doover_fsm.io import modbus as our_modbus
    from doover_fsm.io import platform as ours

    assert plat.PlatformInterface is ours.PlatformInterface and plat.PulseCounter is ours.PulseCounter
    assert docker.PlatformInterface is ours.PlatformInterface and docker.PulseCounter is ours.PulseCounter
    assert docker.ModbusInterface is mb.ModbusInterface is our_modbus.ModbusInterface
    assert docker.ModbusConfig is mb.ModbusConfig is our_modbus.ModbusConfig
    assert docker.ManyModbusConfig is mb.ManyModbusConfig is our_modbus.ManyModbusConfig
    assert plat.platform_iface is ours.PlatformInterface and plat.pulse_counter is ours.PulseCounter
    loc = plat.Location(latitude=-27.5, longitude=153.0)
    assert (loc.latitude, loc.altitude_m) == (-27.5, None)
    assert plat.IoDetails(devices=[]).master is None
