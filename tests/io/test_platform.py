"""Every PlatformInterface method on the virtual board, plus BoardIO life cycle and errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from _fixtures import _virtual_state_dir  # noqa: F401  (autouse fixture)

from doover_fsm.clock import VirtualClock
from doover_fsm.errors import DooverFSMError
from doover_fsm.events import Event, EventQueue
from doover_fsm.io import BoardIO, PinError, load_board


@pytest.fixture
def rig():
    clock = VirtualClock(start_time=1_700_000_000.0)
    q = EventQueue()
    io = BoardIO(load_board("virtual"), clock=clock, post_event=q.post)
    io.open()
    yield io, io.platform_iface, io.virtual_world, clock, q
    io.close()


def di(world, pin: int, level: bool, clock: VirtualClock, dt: float = 0.01) -> None:
    clock.advance(dt)
    world.set_input("virtual", f"DI{pin + 1}", level)


async def run_events(q: EventQueue) -> list[Event]:
    """What the scan does with events: run callbacks in order (awaiting awaitables)."""
    evs = q.drain()
    for ev in evs:
        if ev.callback is not None:
            r = ev.callback()
            if hasattr(r, "__await__"):
                await r
    return evs


async def test_fetch_di_scalar_list_and_varargs(rig) -> None:
    io, p, world, clock, _ = rig
    di(world, 0, True, clock)
    di(world, 2, True, clock)
    assert await p.fetch_di(0) is None  # no scan yet: the image is empty
    io.read_inputs()
    assert await p.fetch_di(0) is True
    assert await p.fetch_di(0, 1, 2) == [True, False, True]
    assert await p.fetch_di([2, 1]) == [True, False]
    assert await p.fetch_di("2") is True


async def test_fetch_ai_with_calibration(rig) -> None:
    io, p, world, _clock, _ = rig
    world.set_raw("virtual_adc", "in_voltage0_raw", 3.3)
    world.set_raw("virtual_adc", "in_voltage3_raw", 12.0)  # 12 mA on a 0..100 % 4-20 mA input
    io.read_inputs()
    assert await p.fetch_ai(0) == pytest.approx(3.3)
    assert await p.fetch_ai(3) == pytest.approx(50.0)
    assert await p.fetch_ai([0, 3]) == [pytest.approx(3.3), pytest.approx(50.0)]


async def test_set_do_scalar_broadcast_pairwise(rig) -> None:
    io, p, world, _clock, _ = rig
    await p.set_do(0, True)
    await p.set_do([1, 2, 3], 1)
    await p.set_do([4, 5], [True, False])
    assert world.get_output("virtual", "DO1") is False  # not written until the end of the scan
    io.write_outputs()
    assert [world.get_output("virtual", f"DO{i}") for i in range(1, 9)] == [True] * 5 + [False] * 3
    assert await p.fetch_do(0, 5) == [True, False]


async def test_set_do_errors(rig) -> None:
    _io, p, _world, _clock, _ = rig
    with pytest.raises(ValueError, match="3 pins but 2 values"):
        await p.set_do([0, 1, 2], [True, False])
    with pytest.raises(PinError, match=r"unknown DO 42 on board 'virtual'"):
        await p.set_do(42, True)
    with pytest.raises(ValueError, match="DO values must be a bool, an int or a list"):
        await p.set_do(0, 0.5)
    assert await p.set_do(0, 2) is True  # pydoover: any int is a truth value
    assert await p.fetch_do(0) is True
    with pytest.raises(PinError, match="unknown DI 'pump'"):
        await p.fetch_di("pump")


async def test_writing_an_input_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "b.toml"
    path.write_text('[board]\nname = "b"\nbackend = "virtual"\n'
                    '[[di]]\nname = "start_button"\nchip = "v"\nline = "A"\n'
                    '[[do]]\nname = "pump"\nchip = "v"\nline = "B"\n')
    io = BoardIO(load_board(str(path)), clock=VirtualClock(), post_event=lambda e: True)
    with io:
        with pytest.raises(PinError, match=r"DO 'start_button' does not exist on board 'b': .* is a DI"):
            await io.platform_iface.set_do("start_button", True)
        await io.platform_iface.set_do("pump", True)
        io.write_outputs()
        assert io.virtual_world.get_output("v", "B") is True


async def test_schedule_do_on_the_scan_clock_with_float_delay(rig) -> None:
    io, p, world, clock, _ = rig
    await p.schedule_do([6, 7], [True, True], 2.5)
    await p.schedule_do(6, False, 3.25)
    io.write_outputs()
    assert world.get_output("virtual", "DO7") is False
    clock.advance(2.5)
    io.write_outputs()
    assert world.get_output("virtual", "DO7") is True and world.get_output("virtual", "DO8") is True
    clock.advance(0.74)
    io.write_outputs()
    assert world.get_output("virtual", "DO7") is True
    clock.advance(0.01)
    io.write_outputs()
    assert world.get_output("virtual", "DO7") is False
    assert io.statistics().schedules_pending == 0
    with pytest.raises(ValueError, match="in_secs"):
        await p.schedule_do(0, True, -1)


async def test_ao_set_fetch_schedule(rig) -> None:
    io, p, world, clock, _ = rig
    assert await p.fetch_ao(0, 1) == [0.0, 0.0]  # safe values
    await p.set_ao(0, 2.5)
    await p.schedule_ao(1, 1.0, 0.5)
    io.write_outputs()
    assert world.get_raw("virtual_adc", "out_voltage0_raw") == 2.0  # raw = round(2.5 / scale 1)
    clock.advance(0.5)
    io.write_outputs()
    assert world.get_raw("virtual_adc", "out_voltage1_raw") == 1.0
    assert await p.fetch_ao([0, 1]) == [2.5, 1.0]


async def test_pulse_counter_rate_decays_and_debounces(rig) -> None:
    io, p, world, clock, q = rig
    seen = []
    counter = p.get_new_pulse_counter(1, edge="rising", callback=lambda *a: seen.append(a), rate_window_secs=10)
    for _ in range(4):
        di(world, 1, True, clock, dt=1.0)
        di(world, 1, False, clock, dt=0.1)
    io.read_inputs()  # not attached to a loop: read_inputs polls the edges
    await run_events(q)
    assert counter.count == 4 and counter.get_counter() == 4
    assert counter.get_pulses_per_minute() == pytest.approx(4 * 60 / 10)
    assert counter.get_rate("second") == pytest.approx(0.4)
    assert [s[3] for s in seen] == [1, 2, 3, 4]
    assert seen[1][0] == 1 and seen[1][1] is True and seen[1][2] == pytest.approx(1.1) and seen[1][4] == "rising"
    clock.advance(10)
    assert counter.get_rate() == 0.0  # decays to zero when pulses stop
    counter.set_counter(100)
    assert counter.count == 100
    counter.stop()
    di(world, 1, True, clock)
    io.read_inputs()
    assert counter.count == 100


async def test_pulse_listener_runs_in_the_scan_and_debounce(rig) -> None:
    io, p, world, clock, q = rig
    calls = []
    p.start_di_pulse_listener(0, lambda *a: calls.append(a), edge="both")
    await p.set_di_config(0, debounce_ms=50)
    di(world, 0, True, clock, dt=1.0)
    di(world, 0, False, clock, dt=0.01)  # bounce: dropped
    di(world, 0, True, clock, dt=0.01)  # still within 50 ms of the first edge: dropped
    di(world, 0, False, clock, dt=0.2)
    io.read_inputs()
    assert calls == []  # callbacks run only when the scan drains the events
    evs = await run_events(q)
    assert [e.trigger for e in evs] == ["di_0", "di_0_rising", "di_0", "di_0_falling"]
    assert [(c[0], c[1], c[3], c[4]) for c in calls] == [(0, True, 1, "rising"), (0, False, 2, "falling")]
    assert io.statistics().edges_debounced == 2


async def test_fetch_di_events_and_io_table(rig) -> None:
    io, p, world, clock, _ = rig
    di(world, 4, True, clock)
    t_mid = clock.time()
    di(world, 4, False, clock, dt=1)
    io.read_inputs()
    synced, evs = await p.fetch_di_events(4, "both")  # pydoover's (synced, events)
    assert synced is True
    assert [e.event for e in evs] == ["DI_R", "DI_F"] and [e.value for e in evs] == ["1", "0"]
    assert evs[0].pin == 4 and evs[0].time == round((t_mid) * 1000)
    ms_mid = round((t_mid + 0.5) * 1000)  # events_from in unix milliseconds, as pydoover
    assert [e.event for e in (await p.fetch_di_events(4, "both", events_from=ms_mid))[1]] == ["DI_F"]
    assert [e.event for e in (await p.fetch_di_events(4, "both", events_from=evs[0].event_id))[1]] == ["DI_F"]
    assert [e.event for e in (await p.fetch_di_events(4, "rising"))[1]] == ["DI_R"]
    table = await p.fetch_io_table()
    assert table == {"DI": list(range(8)), "DO": list(range(8)), "AI": [0, 1, 2, 3], "AO": [0, 1]}
    assert io.io_table()["do"][0]["safe"] is False and io.io_table()["ai"][3]["units"] == "%"


async def test_events_posted_through_the_loop_reader(rig) -> None:
    import asyncio

    io, _p, world, clock, q = rig
    io.attach(asyncio.get_running_loop())
    di(world, 5, True, clock)
    for _ in range(50):
        if len(q):
            break
        await asyncio.sleep(0.001)
    evs = q.drain()
    assert [e.trigger for e in evs] == ["di_5", "di_5_rising"]
    assert evs[1].ts_ns == clock.monotonic_ns() and evs[1].data["timestamp_ns"] == evs[1].ts_ns
    io.detach()


def test_dropped_events_are_counted() -> None:
    clock = VirtualClock()
    io = BoardIO(load_board("virtual"), clock=clock, post_event=lambda e: False)
    with io:
        io.virtual_world.set_input("virtual", "DI1", True)
        io.read_inputs()
        assert io.statistics().events_dropped == 2


def test_safe_state_on_close_and_closed_errors(rig) -> None:
    io, _p, world, _clock, _ = rig
    io.do_state.update(dict.fromkeys(range(8), True))
    io.write_outputs()
    assert world.get_output("virtual", "DO1") is True
    io.close()
    assert [world.get_output("virtual", f"DO{i}") for i in range(1, 9)] == [False] * 8
    io.close()
    with pytest.raises(DooverFSMError, match="not open"):
        io.read_inputs()


def test_safe_state_keeps_lines_and_drops_schedules(rig) -> None:
    io, _p, world, clock, _ = rig
    io._schedule("do", 0, True, 1.0)
    io.do_state[1] = True
    io.write_outputs()
    io.safe_state()
    clock.advance(2)
    io.write_outputs()
    assert world.get_output("virtual", "DO1") is False and world.get_output("virtual", "DO2") is False
    assert io.is_open


def test_virtual_panel_files(rig, tmp_path: Path) -> None:
    state_dir = tmp_path / "virtual"  # see _fixtures._virtual_state_dir
    io, _p, _world, _clock, _ = rig
    io.virtual_panel.min_interval = 0  # publish every change (default: at most every 100 ms)
    (state_dir / "inputs.json").write_text(json.dumps({"di": {"3": True}, "ai": {"1": 1.5}}))
    io.read_inputs()
    assert io.di_image[3] is True and io.ai_image[1] == pytest.approx(1.5)
    io.do_state[2] = True
    io.write_outputs()
    out = json.loads((state_dir / "outputs.json").read_text())
    assert out["do"]["2"] is True and out["ao"]["0"] == 0.0


def test_open_failure_releases_everything() -> None:
    from doover_fsm.errors import BoardError
    from doover_fsm.io import parse_board_text
    from doover_fsm.io.virtual import VirtualAnalogBackend, VirtualGpioBackend, VirtualWorld

    clock = VirtualClock()
    world = VirtualWorld(clock)
    world.add_chip("a", ["X"])
    board = parse_board_text('[board]\nname = "t"\n[[do]]\npin = 0\nchip = "a"\nline = "X"\n'
                             '[[di]]\npin = 0\nchip = "b"\nline = "Y"\n', Path("t.toml"))
    io = BoardIO(board, clock=clock, post_event=lambda e: True, gpio=VirtualGpioBackend(world),
                 analog=VirtualAnalogBackend(world))
    with pytest.raises(BoardError, match=r"t\.toml:7: no GPIO chip labelled 'b'"):
        io.open()
    assert world.chips["a"].lines[0].owner is None  # chip 'a' was released again


def test_virtual_panel_rate_limits_and_flushes(rig, tmp_path: Path) -> None:
    state_dir = tmp_path / "virtual"  # see _fixtures._virtual_state_dir
    io, _p, _world, _clock, _ = rig
    panel = io.virtual_panel
    panel.min_interval = 3600.0
    io.do_state[0] = True
    io.write_outputs()  # within the interval: not written yet
    assert json.loads((state_dir / "outputs.json").read_text())["do"]["0"] is False
    panel.min_interval = 0
    io.read_inputs()  # the next scan flushes the pending change
    assert json.loads((state_dir / "outputs.json").read_text())["do"]["0"] is True
    panel.min_interval = 3600.0
    io.do_state[0] = True
    io.close()  # safe state is written at once
    assert json.loads((state_dir / "outputs.json").read_text())["do"]["0"] is False


def test_no_panel_in_test_mode_without_an_explicit_dir(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DOOVER_VIRTUAL_DIR")
    io = BoardIO(load_board("virtual"), clock=VirtualClock(), post_event=lambda e: True)
    with io:
        assert io.virtual_panel is None
    assert io.board.source.endswith("virtual.toml")
