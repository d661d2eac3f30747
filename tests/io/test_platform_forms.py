"""The call forms real Doover apps use on ``platform_iface``, on the virtual board.

Sync callers (a sync ``main_loop``, pydoover 0.4 code) get values; async callers await the
same methods; 0.4's ``*_async`` names are coroutines. Pins as int, list, nested list;
``set_do(pins, values)`` pairing and broadcast; pulse callbacks ``(di, value, dt_secs,
counter, edge)`` with ``start_count``; ``"VI±<threshold>@<poll>"`` edges sampled on an AI.
"""

from __future__ import annotations

import asyncio
import inspect

import pytest
from _fixtures import _virtual_state_dir  # noqa: F401  (autouse fixture)

from doover_fsm.clock import VirtualClock
from doover_fsm.events import Event, EventQueue
from doover_fsm.io import BoardIO, PlatformFeatureError, load_board
from doover_fsm.io._dual import Ready


@pytest.fixture
def rig():
    clock = VirtualClock(start_time=1_700_000_000.0)
    q = EventQueue()
    io = BoardIO(load_board("virtual"), clock=clock, post_event=q.post)
    io.open()
    yield io, io.platform_iface, io.virtual_world, clock, q
    io.close()


async def scan_events(q: EventQueue) -> list[Event]:
    """Run queued callbacks as the scan does (awaiting what they return)."""
    evs = q.drain()
    for ev in evs:
        if ev.callback is not None:
            r = ev.callback()
            if inspect.isawaitable(r):
                await r
    return evs


def sync_main_loop(p, io):
    """What a sync ``main_loop`` does: plain calls, no await, values back."""
    level = p.fetch_di(0)
    both = p.fetch_di(0, 1)
    volts = p.fetch_ai(0)
    p.set_do(2, level)
    p.set_do([3, 4], [True, False])
    p.set_ao(0, 1.5)
    old = p.get_di(1)  # pydoover 0.4's sync name
    return level, both, volts, old


async def test_sync_main_loop_gets_values_and_writes_land_at_the_end_of_the_scan(rig) -> None:
    io, p, world, _clock, _q = rig
    world.set_input("virtual", "DI1", True)
    world.set_raw("virtual_adc", "in_voltage0_raw", 3.25)
    io.read_inputs()
    level, both, volts, old = sync_main_loop(p, io)
    assert level is True and both == [True, False] and volts == pytest.approx(3.25) and old is False
    io.write_outputs()
    assert [world.get_output("virtual", f"DO{i}") for i in (3, 4, 5)] == [True, True, False]
    assert world.get_raw("virtual_adc", "out_voltage0_raw") == 2.0  # round(1.5): integer DAC codes


async def test_async_callers_await_both_generations(rig) -> None:
    io, p, world, _clock, _q = rig
    world.set_input("virtual", "DI3", True)
    io.read_inputs()
    assert await p.fetch_di(2) is True
    assert await p.get_di_async([2]) is True  # one pin inside a list is still one value
    assert await p.get_di_async([1, 2]) == [False, True]
    assert await p.get_di(2) is True  # 0.4's get_di, awaited from async code
    assert await p.set_do_async(0, True) is True
    assert await p.set_do([0, 1], True) == [True, True]  # one value for all pins
    assert await p.set_ao_async(1, 3) is True
    assert await p.fetch_ao(1) == 3.0 and await p.get_ao_async(1) == 3.0
    assert inspect.iscoroutinefunction(p.get_ai_async) and inspect.iscoroutinefunction(p.set_do_async)
    # results are coroutines by type: create_task and gather take them too
    a, b = await asyncio.gather(p.fetch_di(2), asyncio.create_task(p.fetch_do(0)))
    assert (a, b) == (True, True)
    # a comprehension inside async code belongs to the async function (py3.11 gives it a frame)
    assert await asyncio.gather(*[p.fetch_di(i) for i in (1, 2)]) == [False, True]


async def test_sync_helper_in_an_async_app_follows_the_app_mode(rig) -> None:
    io, p, _world, _clock, _q = rig
    io.read_inputs()

    def helper():  # pydoover 0.4: in an async app, get_di returns something to await
        return p.get_di(0)

    assert helper() is False  # mode unknown: decided by the caller (a sync function)
    p._is_async = True  # what pydoover 0.4's run_app sets for an async app
    result = helper()
    assert isinstance(result, Ready) and await result is False


async def test_pin_forms_and_value_pairing_follow_pydoover(rig) -> None:
    io, p, _world, _clock, _q = rig
    await p.set_do([[0, 1], 2.0], [1, 0, 5])  # nested lists flatten, 2.0 is pin 2, ints are truth values
    assert await p.fetch_do(0, 1, 2) == [True, False, True]
    with pytest.raises(ValueError, match="3 pins but 2 values"):
        await p.set_do([0, 1, 2], [True, False])
    with pytest.raises(ValueError, match="pins must be an int"):
        await p.set_do(None, True)
    with pytest.raises(ValueError, match="AO values must be a number"):
        await p.set_ao(0, "high")
    assert await p.set_do(do=6, value=True) is True  # pydoover's keyword names
    assert await p.set_ao(ao=1, value=2.5) is True
    assert await p.schedule_ao(ao=1, value=0, in_secs=1) is True
    assert (await p.fetch_do(6), await p.fetch_ao(1)) == (True, 2.5)
    await p.schedule_do(5, True, 0.25)  # pydoover refused float delays
    io.write_outputs()
    assert await p.fetch_do(5) is False


async def test_pulse_listener_callback_arguments_and_start_count(rig) -> None:
    io, p, world, clock, q = rig
    got = []

    async def on_pulse(di, value, dt_secs, counter, edge):  # analog-flow-meter's callback shape
        got.append((di, value, dt_secs, counter, edge))

    p.start_di_pulse_listener(1, on_pulse, "rising", start_count=41)
    for dt in (1.0, 0.5):
        clock.advance(dt)
        world.set_input("virtual", "DI2", True)
        clock.advance(0.1)
        world.set_input("virtual", "DI2", False)
    io.read_inputs()
    await scan_events(q)
    assert [g[3] for g in got] == [42, 43]  # continues from start_count
    assert got[0][:2] == (1, True) and got[0][2] == 0.0 and got[0][4] == "rising"
    assert got[1][2] == pytest.approx(0.6)  # seconds since the previous pulse


async def test_pulse_counter_counts_at_the_edge_and_calls_back_in_the_scan(rig) -> None:
    io, p, world, clock, q = rig
    seen = []
    counter = p.get_new_pulse_counter(3, "both", callback=lambda *a: seen.append(a))
    assert counter.get_rate_window() == 20  # pydoover's default window
    for level in (True, False, True):
        clock.advance(0.5)
        world.set_input("virtual", "DI4", level)
    io.read_inputs()
    assert counter.get_counter() == 3 and seen == []  # counted now, callbacks wait for the scan
    await scan_events(q)
    assert [(s[0], s[1], s[3], s[4]) for s in seen] == [(3, True, 1, "rising"), (3, False, 2, "falling"),
                                                       (3, True, 3, "rising")]
    assert counter.get_pulses_per_minute() == pytest.approx(3 * 60 / 20)
    assert len(counter.get_pulses_in_window()) == 3
    clock.advance(21)
    assert counter.get_pulses_per_minute() == 0.0


async def test_vi_edges_sample_an_analog_input(rig) -> None:
    io, p, world, clock, q = rig
    got = []
    p.start_di_pulse_listener(0, lambda *a: got.append(a), "VI+10.0@0.2", start_count=5)
    p.start_di_pulse_listener(1, lambda *a: got.append(a), "VI-9.5")  # default poll 0.4 s

    def scan(v0: float, v1: float, dt: float) -> None:
        world.set_raw("virtual_adc", "in_voltage0_raw", v0)
        world.set_raw("virtual_adc", "in_voltage1_raw", v1)
        clock.advance(dt)
        io.read_inputs()

    scan(0, 24, 0.0)  # first samples
    scan(24, 24, 0.2)  # AI0 +24 V step > 10: pulse; AI1 not due (0.4 s)
    scan(24, 0, 0.1)  # AI0 not due; AI1 not due
    scan(0, 0, 0.1)  # AI0 due: falls (VI+ ignores); AI1 due: -24 V step: pulse
    scan(5, 0, 0.2)  # AI0 +5 V: under the threshold
    scan(16, 0, 0.2)  # AI0 +11 V: pulse
    evs = await scan_events(q)
    assert [e.trigger for e in evs] == ["ai_0_pulse", "ai_1_pulse", "ai_0_pulse"]
    assert [(g[0], g[1], g[3], g[4]) for g in got] == [(0, True, 6, "VI+10.0@0.2"), (1, False, 1, "VI-9.5"),
                                                      (0, True, 7, "VI+10.0@0.2")]
    assert got[2][2] == pytest.approx(0.6)
    with pytest.raises(ValueError, match="bad VI edge 'VI\\+ten'"):
        p.start_di_pulse_listener(0, print, "VI+ten")
    with pytest.raises(ValueError, match="edge must be one of"):
        p.start_di_pulse_listener(0, print, "up")


async def test_fetch_di_events_gives_synced_and_events(rig) -> None:
    io, p, world, clock, _q = rig
    clock.advance(1)
    world.set_input("virtual", "DI1", True)
    clock.advance(1)
    world.set_input("virtual", "DI1", False)
    io.read_inputs()
    synced, events = await p.fetch_di_events(0, "rising", events_from=0)
    assert synced is True and [(e.event, e.pin, e.value) for e in events] == [("DI_R", 0, "1")]
    counter = p.get_new_event_counter(0, "both")  # counts recorded events instead of live pulses
    assert counter.get_counter() == 2 and counter.receiving_events


async def test_system_family_on_the_virtual_board(rig) -> None:
    _io, p, world, clock, _q = rig
    assert await p.fetch_system_voltage() == 24.0 and await p.get_system_voltage() == 24.0
    world.set_system("voltage", 11.4)
    assert await p.fetch_system_voltage() == 11.4
    assert await p.fetch_system_power() == 6.0 and await p.fetch_system_temperature() == 40.0
    assert await p.set_immunity_seconds(30) == 30.0
    assert await p.shutdown() is False  # immune: refused
    clock.advance(10)
    assert await p.fetch_immunity_seconds() == pytest.approx(20.0)
    assert await p.schedule_startup(3600) == 3600
    assert await p.set_wake_on_voltage(12.5) == 12.5 and await p.fetch_wake_on_voltage() == 12.5
    await p.schedule_shutdown(25)
    clock.advance(24)
    _io.write_outputs()
    assert [a for a, _t, _x in world.power_log] == ["schedule_startup"]
    clock.advance(1)
    _io.write_outputs()  # due, and no longer immune
    assert [a for a, _t, _x in world.power_log] == ["schedule_startup", "shutdown"]
    assert await p.fetch_sleep_log() == [] and await p.fetch_wake_reason() == "reboot"
    assert await p.set_sleep_log_interval(60) == 60 and await p.fetch_sleep_log_interval() == 60
    assert await p.fetch_io_table() == {"DI": list(range(8)), "DO": list(range(8)), "AI": [0, 1, 2, 3],
                                        "AO": [0, 1]}
    details = await p.fetch_io_details()
    assert [c.channel for c in details.channels("AI")] == [0, 1, 2, 3] and details.master.name == "master"


def test_system_sources_from_sysfs_and_clear_errors(tmp_path) -> None:
    root = tmp_path / "root"
    (root / "sys/class/thermal/thermal_zone0").mkdir(parents=True)
    (root / "sys/class/thermal/thermal_zone0/temp").write_text("47125\n")
    hw = root / "sys/class/hwmon/hwmon3"
    hw.mkdir(parents=True)
    (hw / "name").write_text("ina219\n")
    (hw / "in1_input").write_text("12034\n")
    iio = root / "sys/bus/iio/devices/iio:device1"
    iio.mkdir(parents=True)
    (iio / "name").write_text("ina260\n")
    (iio / "in_power0_raw").write_text("480\n")
    (iio / "in_power0_scale").write_text("0.01\n")
    rtc = root / "sys/class/rtc/rtc0"
    rtc.mkdir(parents=True)
    (rtc / "wakealarm").write_text("")
    board = tmp_path / "b.toml"
    board.write_text('[board]\nname = "b"\n'
                     '[system]\n'
                     'temperature = { path = "/sys/class/thermal/thermal_zone*/temp", scale = 0.001 }\n'
                     'voltage = { hwmon = "ina219", file = "in1_input", scale = 0.001 }\n'
                     'power = { iio = "ina260", channel = "power0" }\n'
                     'wakealarm = "/sys/class/rtc/rtc0/wakealarm"\n')
    io = BoardIO(load_board(str(board)), clock=VirtualClock(), post_event=lambda e: True, sysfs_root=str(root))
    p = io.platform_iface
    assert p.fetch_system_temperature() == pytest.approx(47.125)
    assert p.fetch_system_voltage() == pytest.approx(12.034)
    assert p.fetch_system_power() == pytest.approx(4.8)
    assert p.schedule_startup(600) == 600
    assert (rtc / "wakealarm").read_text() == "+600"
    with pytest.raises(PlatformFeatureError, match=r"board 'b' has no shutdown command: add `shutdown = "):
        p.shutdown()
    with pytest.raises(PlatformFeatureError, match="wake-on-voltage"):
        p.set_wake_on_voltage(12.0)
    with pytest.raises(NotImplementedError):  # PlatformFeatureError is also a NotImplementedError
        p.fetch_sleep_log()


def test_missing_system_source_names_board_and_key() -> None:
    io = BoardIO(load_board("rpi4b"), clock=VirtualClock(), post_event=lambda e: True, sysfs_root="/nonexistent")
    with pytest.raises(PlatformFeatureError, match=r"board 'rpi4b' has no system voltage source: add `voltage = "
                                                   r".*rpi4b\.toml"):
        io.platform_iface.fetch_system_voltage()


@pytest.mark.parametrize(("table", "fragment"), [
    ("voltage = 12", r"\[system\]\.voltage: expected a table"),
    ("voltage = { path = '/x', hwmon = 'y' }", "exactly one of path, hwmon, iio or virtual"),
    ("voltage = { hwmon = 'y' }", "hwmon needs file"),
    ("voltage = { path = '/x', scale = 0 }", "scale: must be non-zero"),
    ("shutdown = 'poweroff'", "expected a command as a list of strings"),
    ("volts = { path = '/x' }", "unknown key 'volts'"),
])
def test_bad_system_tables_name_file_line_and_key(tmp_path, table: str, fragment: str) -> None:
    from doover_fsm.errors import BoardError

    board = tmp_path / "b.toml"
    board.write_text(f'[board]\nname = "b"\n[system]\n{table}\n')
    with pytest.raises(BoardError, match=rf"b\.toml:4: {fragment}" if fragment.startswith("\\[") else fragment):
        load_board(str(board))


def test_hardware_only_di_settings_and_do_current_are_clear_errors(tmp_path) -> None:
    from doover_fsm.io.virtual import VirtualAnalogBackend, VirtualGpioBackend, VirtualWorld

    board_file = tmp_path / "b.toml"
    board_file.write_text('[board]\nname = "b"\n[[di]]\npin = 0\nchip = "c"\nline = "A"\n'
                          '[[do]]\npin = 0\nchip = "c"\nline = "B"\n')
    board = load_board(str(board_file))
    world = VirtualWorld.for_board(board, VirtualClock())
    io = BoardIO(board, clock=world.clock, post_event=lambda e: True, gpio=VirtualGpioBackend(world),
                 analog=VirtualAnalogBackend(world))
    with io:
        p = io.platform_iface
        cfg = p.set_di_config(0, debounce_ms=20, irq_edge="rising")
        assert (cfg.debounce_ms, cfg.irq_edge, cfg.pnp_mode) == (20, "rising", False)
        assert p.fetch_di_config(0) == cfg
        with pytest.raises(PlatformFeatureError, match="board 'b' cannot switch PNP/NPN"):
            p.set_di_config(0, pnp_mode=True)
        with pytest.raises(PlatformFeatureError, match="no per-output current sensing"):
            p.fetch_do_current(0)
        assert p.test_comms("ping") == "ping"


async def test_system_values_from_another_process_through_inputs_json(tmp_path) -> None:
    import json

    state_dir = tmp_path / "virtual"  # DOOVER_VIRTUAL_DIR (the autouse fixture)
    io = BoardIO(load_board("virtual"), clock=VirtualClock(), post_event=lambda e: True)
    with io:
        state_dir.mkdir(parents=True, exist_ok=True)
        (state_dir / "inputs.json").write_text(json.dumps({"system": {"voltage": 11.7, "junk": "x"}}))
        io.read_inputs()
        assert await io.platform_iface.fetch_system_voltage() == 11.7
