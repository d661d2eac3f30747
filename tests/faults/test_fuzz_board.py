"""Fuzz: mutated board TOMLs through ``doover-fsm board check`` and through ``run``'s open path.

Starts from every shipped ``board_configs/*.toml`` (plus one with Modbus buses), applies 1-3
mutations (values from a pool of bad and plausible ones, unknown/renamed/deleted keys, tables
replaced by scalars, duplicated entries), then asserts:

- ``check`` never ends in a traceback (exit 0 or 1, nothing escapes ``main``);
- a mutation that no valid board can contain (NaN, inf, 1e308, a 23-digit int, an unknown key,
  an empty name/chip/line/device...) is refused, and the message names the file, a line and
  the mutated key (or its table);
- whatever ``check`` accepts also opens on ``run``'s path (BoardIO open/scan/safe state/close
  on the simulated backends, the Modbus interface, the scheduler and real-time hints).

``DFSM_FUZZ_EXAMPLES`` raises the example count for a long run (default keeps CI fast).
"""

from __future__ import annotations

import contextlib
import copy
import io
import json
import os
import re
import shutil
import tempfile
import tomllib
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from doover_fsm.app.period import check_period
from doover_fsm.cli.main import main
from doover_fsm.clock import MonotonicClock
from doover_fsm.io import BoardIO, load_board
from doover_fsm.io.modbus import modbus_for_app
from doover_fsm.scheduler import RealtimeSettings, Scheduler

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = int(os.environ.get("DFSM_FUZZ_EXAMPLES", "150"))
STATS: Counter[str] = Counter()
# An absolute state dir a mutation may give [virtual] state_dir (run's panel writes there); per
# process, and removed at the end, so parallel runs never share or leave it.
STATE = f"{tempfile.gettempdir()}/dfsm-fuzz-{os.getpid()}"

# Values no key of a valid board can hold (every number is bounded, every name non-empty).
ALWAYS_BAD: list[Any] = [float("nan"), float("inf"), float("-inf"), 1e308, -1e308, 10**22, -(10**22),
                         [[[]]], {"zz_unknown": {}}]
MAYBE: list[Any] = [0, -1, 1, 2.5, True, False, "x", "voltage0", "GPIO5", [], {}, [1, 2], 0.0, 1e-3, 99,
                    100, 65536, 70000, "rtu", "tcp", "4-20mA", f"{STATE}/x", "DI1", 4096, 1e-13, 3601]
# Keys whose value names hardware or a path: the empty string is never valid there.
NAMING = {"name", "chip", "line", "device", "channel", "state_dir", "port", "host", "path", "hwmon",
          "file", "iio", "wakealarm", "type"}


def _bases() -> dict[str, dict[str, Any]]:
    out = {p.stem: tomllib.loads(p.read_text()) for p in sorted((REPO / "board_configs").glob("*.toml"))}
    mb = json.loads(json.dumps(out["virtual"]))
    mb["board"]["name"] = "virtual-modbus"
    mb["modbus"] = {"rs485": {"type": "rtu", "port": "/dev/ttyUSB0", "baudrate": 9600, "parity": "N"},
                    "plc": {"type": "tcp", "host": "127.0.0.1", "port": 1502, "timeout": 0.5}}
    mb["virtual"] = {"state_dir": f"{STATE}/mb"}
    out["virtual-modbus"] = mb
    return out


BASES = _bases()


# --- a small TOML writer (the stdlib only reads) ---------------------------------------------------
def _key(k: str) -> str:
    return k if re.fullmatch(r"[A-Za-z0-9_-]+", k) else json.dumps(k)


def _val(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        return "nan" if v != v else ("inf" if v == float("inf") else "-inf" if v == float("-inf") else repr(v))
    if isinstance(v, int):
        return str(v)
    if isinstance(v, str):
        return json.dumps(v)
    if isinstance(v, list):
        return "[" + ", ".join(_val(x) for x in v) + "]"
    return "{" + ", ".join(f"{_key(k)} = {_val(x)}" for k, x in v.items()) + "}"


def dump_toml(data: dict[str, Any]) -> str:
    lines = [f"{_key(k)} = {_val(v)}" for k, v in data.items()
             if not isinstance(v, dict) and not (isinstance(v, list) and v and all(isinstance(t, dict) for t in v))]
    for k, v in data.items():
        if isinstance(v, dict):
            lines.append(f"\n[{_key(k)}]")
            subtables = {s: t for s, t in v.items() if k == "modbus" and isinstance(t, dict) and t}
            lines += [f"{_key(s)} = {_val(x)}" for s, x in v.items() if s not in subtables]
            for s, t in subtables.items():
                lines.append(f"\n[{_key(k)}.{_key(s)}]")
                lines += [f"{_key(a)} = {_val(x)}" for a, x in t.items()]
        elif isinstance(v, list) and v and all(isinstance(t, dict) for t in v):
            for t in v:
                lines.append(f"\n[[{_key(k)}]]")
                lines += [f"{_key(a)} = {_val(x)}" for a, x in t.items()]
    return "\n".join(lines) + "\n"


# --- mutations ------------------------------------------------------------------------------------
@dataclass
class Mutation:
    op: str
    key: str  # the key (or table) it touched, which an error must name
    invalid: bool  # no valid board can contain the result


def _containers(data: dict[str, Any]) -> list[tuple[dict[str, Any], str]]:
    """Every table a key can live in: top-level tables, array entries, inline/sub tables."""
    out: list[tuple[dict[str, Any], str]] = []
    for k, v in data.items():
        if isinstance(v, dict):
            out.append((v, k))
            out += [(t, s) for s, t in v.items() if isinstance(t, dict)]
        elif isinstance(v, list):
            for t in v:
                if isinstance(t, dict):
                    out.append((t, k))
                    out += [(x, s) for s, x in t.items() if isinstance(x, dict)]
    return out


@st.composite
def mutated(draw: st.DrawFn) -> tuple[str, dict[str, Any], list[Mutation]]:
    base = draw(st.sampled_from(sorted(BASES)))
    data = json.loads(json.dumps(BASES[base]))
    muts: list[Mutation] = []
    touched: set[tuple[int, str]] = set()  # a later mutation never undoes an earlier one
    keep: list[Any] = []  # holds every table seen, so an id in ``touched`` is never reused
    for _ in range(draw(st.integers(1, 3))):
        op = draw(st.sampled_from(["set", "set", "set", "tweak", "tweak", "tweak", "unknown", "rename", "delete",
                                   "table", "dup", "newtable"]))
        conts = [(t, n) for t, n in _containers(data) if t]
        keep.append(conts)
        if op == "newtable":
            name = draw(st.sampled_from(["boards", "gpio", "schedular", "analog", "extra"]))
            data[name] = {"x": 1}
            keep.append(data[name])
            muts.append(Mutation(op, name, True))
            continue
        if op == "table":
            names = sorted(k for k, v in data.items() if isinstance(v, dict | list) and (0, k) not in touched)
            if not names:
                continue
            name = draw(st.sampled_from(names))
            touched.add((0, name))
            data[name] = draw(st.sampled_from([5, "x", 1.5, True]))
            muts.append(Mutation(op, name, True))
            continue
        if op == "dup":
            arrays = sorted(k for k, v in data.items() if isinstance(v, list) and v and isinstance(v[0], dict))
            if arrays:
                name = draw(st.sampled_from(arrays))
                data[name].append(json.loads(json.dumps(draw(st.sampled_from(data[name])))))
                muts.append(Mutation(op, name, False))
            continue
        if not conts:
            continue
        tbl, _table = draw(st.sampled_from(conts))
        keys = sorted(k for k in tbl if (id(tbl), k) not in touched)
        if not keys:
            continue
        key = draw(st.sampled_from(keys))
        touched.add((id(tbl), key))
        if op == "tweak":  # a plausible edit of the same type: often still a valid board
            old = tbl[key]
            if isinstance(old, bool):
                tbl[key] = not old
            elif isinstance(old, int):
                tbl[key] = draw(st.sampled_from([0, old + 1, old * 2, max(old - 1, 0)]))
            elif isinstance(old, float):
                tbl[key] = draw(st.sampled_from([old * 2, old / 2, round(old + 1.0, 3)]))
            elif isinstance(old, str):
                tbl[key] = old + draw(st.sampled_from(["1", "_b", "-c"]))
            muts.append(Mutation(op, key, False))
        elif op == "set":
            if draw(st.booleans()):
                tbl[key] = copy.deepcopy(draw(st.sampled_from(ALWAYS_BAD)))  # pools stay unmutated
                muts.append(Mutation(op, key, True))
            else:
                value = copy.deepcopy(draw(st.sampled_from(MAYBE)))
                tbl[key] = value
                muts.append(Mutation(op, key, value == "" and key in NAMING))
        elif op == "unknown":
            new = draw(st.sampled_from(["bogus", "pinn", "debounce", "safe_value", "gian", "periode", "Name"]))
            if new not in tbl:
                tbl[new] = copy.deepcopy(draw(st.sampled_from(MAYBE)))
                touched.add((id(tbl), new))
                muts.append(Mutation(op, new, True))
        elif op == "rename":
            new = key + "_x"
            tbl[new] = tbl.pop(key)
            touched.add((id(tbl), new))
            muts.append(Mutation(op, new, _table != "modbus"))  # a bus id is the user's to choose
        else:
            del tbl[key]
            muts.append(Mutation(op, key, False))
    return base, data, muts


# --- what run does with a board -------------------------------------------------------------------
def open_as_run_does(path: Path) -> None:
    """lifecycle's board steps, on the simulated backends: load, open, one scan, safe state,
    close; the Modbus interface from the board's buses; the scheduler and real-time hints."""
    board = load_board(path)
    clock = MonotonicClock()
    bio = BoardIO(board, clock=clock, post_event=lambda _e: True)
    bio.open()
    try:
        bio.read_inputs()
        for e in board.do:
            bio.do_state[e.key] = not e.safe
        bio.write_outputs()
        bio.safe_state()
        for q in board.system.sources:
            bio.platform_iface  # noqa: B018
            assert bio.virtual_world is not None
            float(bio.virtual_world.system_value(q, board.system.sources[q].virtual or 0.0))
    finally:
        bio.close()
    iface = modbus_for_app(board_buses=board.modbus or None, board_source=board.source, app_buses=None,
                           app_source="config", app_config=None, post_event=lambda _e: True, clock=clock,
                           is_async=False)
    assert set(iface.bus_ids) == set(board.modbus)
    hints = board.scheduler
    if hints.period is not None:
        Scheduler(check_period(hints.period, "board period"), clock=clock).close()
    RealtimeSettings(priority=hints.rt_priority, cpu=hints.cpu, mlock=bool(hints.mlock),
                     timer_slack_ns=hints.timer_slack_ns)


@contextlib.contextmanager
def captured() -> Iterator[tuple[io.StringIO, io.StringIO]]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        yield out, err


@pytest.fixture(scope="module", autouse=True)
def _report() -> Iterator[None]:
    yield
    shutil.rmtree(STATE, ignore_errors=True)
    print(f"\nboard TOML fuzz: {STATS['tried']} inputs tried, {STATS['invalid']} invalid by construction, "
          f"{STATS['refused']} refused, {STATS['accepted']} accepted and opened as run does, "
          f"tracebacks {STATS['traceback']}, invalid accepted {STATS['invalid_accepted']}; garbled text: "
          f"{STATS['g_tried']} tried, {STATS['g_refused']} refused with file and line, {STATS['g_accepted']} "
          f"accepted and opened, tracebacks {STATS['g_traceback']}")


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
@given(case=mutated())
def test_check_refuses_bad_boards_and_whatever_it_accepts_opens_in_run(
        case: tuple[str, dict[str, Any], list[Mutation]], tmp_path_factory: pytest.TempPathFactory,
        monkeypatch: pytest.MonkeyPatch) -> None:
    base, data, muts = case
    d = tmp_path_factory.mktemp("fuzz")
    monkeypatch.setenv("DOOVER_IO_BACKEND", "virtual")  # what can be checked without hardware
    monkeypatch.setenv("DOOVER_VIRTUAL_DIR", str(d / "virtual"))
    monkeypatch.chdir(d)
    path = d / f"{base}.toml"
    path.write_text(dump_toml(data))
    STATS["tried"] += 1
    invalid = any(m.invalid for m in muts)
    STATS["invalid"] += invalid
    with captured() as (out, err):
        try:
            rc = main(["board", "check", str(path)])
        except BaseException as exc:  # anything escaping main is a traceback for the user
            STATS["traceback"] += 1
            raise AssertionError(f"board check raised {exc!r} on {muts}\n{path.read_text()}") from exc
    text = out.getvalue() + err.getvalue()
    assert "Traceback" not in text
    assert rc in (0, 1), text
    if rc == 1:
        STATS["refused"] += 1
        m = re.search(re.escape(str(path)) + r":(\d+):", text)
        assert m, f"error does not name file and line: {text!r}"
        line_no = int(m.group(1))
        src = path.read_text().splitlines()
        assert 1 <= line_no <= len(src), text
        touched = {mu.key for mu in muts}
        assert any(k in text for k in touched) or not invalid, f"error names none of {touched}: {text!r}"
        return
    if invalid:
        STATS["invalid_accepted"] += 1
        raise AssertionError(f"check accepted an invalid board ({muts}):\n{path.read_text()}")
    STATS["accepted"] += 1
    open_as_run_does(path)


@pytest.mark.parametrize("base", sorted(BASES))
def test_every_base_round_trips_through_the_writer_and_passes_check(base: str, tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DOOVER_IO_BACKEND", "virtual")
    monkeypatch.setenv("DOOVER_VIRTUAL_DIR", str(tmp_path / "virtual"))
    path = tmp_path / f"{base}.toml"
    path.write_text(dump_toml(BASES[base]))
    assert tomllib.loads(path.read_text()) == BASES[base]
    with captured() as (out, _err):
        assert main(["board", "check", str(path)]) == 0
    assert "OK" in out.getvalue()
    open_as_run_does(path)


@st.composite
def garbled(draw: st.DrawFn) -> tuple[str, str]:
    """A shipped board's text with a few character-level edits (syntax, nesting, bytes)."""
    base = draw(st.sampled_from(sorted(BASES)))
    text = dump_toml(BASES[base])
    for _ in range(draw(st.integers(1, 3))):
        i = draw(st.integers(0, len(text)))
        edit = draw(st.sampled_from(["insert", "delete", "dupline", "deep"]))
        if edit == "insert":
            text = text[:i] + draw(st.sampled_from(['"', "[", "]", "=", "\n", "{", "}", ",", "#", "\\", "é", "\x00",
                                                     "[[di]]\n", "1e999", "-", ".", "'''"])) + text[i:]
        elif edit == "delete":
            text = text[:i] + text[i + draw(st.integers(1, 5)):]
        elif edit == "dupline":
            lines = text.splitlines(keepends=True)
            k = draw(st.integers(0, len(lines) - 1))
            text = "".join([*lines[:k + 1], lines[k], *lines[k + 1:]])
        else:
            text += f"\n[scheduler2]\nx = {'[' * 3000}{']' * 3000}\n"
    return base, text


@settings(max_examples=max(EXAMPLES // 3, 30), deadline=None, suppress_health_check=list(HealthCheck))
@given(case=garbled())
def test_garbled_board_text_is_refused_with_file_and_line_or_opens(
        case: tuple[str, str], tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    base, text = case
    d = tmp_path_factory.mktemp("garbled")
    monkeypatch.setenv("DOOVER_IO_BACKEND", "virtual")
    monkeypatch.setenv("DOOVER_VIRTUAL_DIR", str(d / "virtual"))
    monkeypatch.chdir(d)
    path = d / f"{base}.toml"
    path.write_text(text)
    STATS["g_tried"] += 1
    with captured() as (out, err):
        try:
            rc = main(["board", "check", str(path)])
        except BaseException as exc:
            STATS["g_traceback"] += 1
            raise AssertionError(f"board check raised {exc!r}\n{text}") from exc
    msg = out.getvalue() + err.getvalue()
    assert "Traceback" not in msg and rc in (0, 1), msg
    if rc == 1:
        STATS["g_refused"] += 1
        assert str(path) in msg and re.search(r"(:\d+:|line \d+)", msg), msg
    else:
        STATS["g_accepted"] += 1
        open_as_run_does(path)
