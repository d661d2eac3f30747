"""Fuzz: app config JSON (deployment entries and ``--config`` files) against declared schemas.

Issue 11 acceptance: inputs tried are reported, 0 tracebacks (only ConfigError), 0 invalid values
accepted (every loaded value is checked against its declaration here, independently of the
config package: type, range, choices; ``null`` reads the default; no unknown key taken), every
error naming where (the source, and the key or file/line).

Examples per test: ``DFSM_FUZZ_EXAMPLES`` (default 60).
"""

from __future__ import annotations

import json
import math
import os
import re
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from doover_fsm import config
from doover_fsm.config import load_config_file
from doover_fsm.config.keys import NotSet
from doover_fsm.config.unknown import is_platform_key
from doover_fsm.errors import ConfigError
from tests.faults._fuzzreport import show

EXAMPLES = int(os.environ.get("DFSM_FUZZ_EXAMPLES", "60"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
TALLY: Counter[str] = Counter()


class Alerts(config.Object):
    on_fault = config.Boolean("On Fault", default=True)
    delay = config.Number("Delay", default=1.5, minimum=0)


class Station(config.Schema):
    pump_pin = config.Integer("Pump Pin", minimum=0, maximum=40)
    maximum_flow = config.Number("Maximum Flow", default=100.0, exclusive_minimum=0)
    mode = config.Enum("Mode", choices=["auto", "manual"], default="auto")
    label = config.String("Label", default=None)
    enabled = config.Boolean("Enabled", default=True)
    pins = config.Array("Pins", element=config.Integer("Pin"), default=[1, 2], max_items=4)
    alerts = Alerts("Alerts")
    position = config.ApplicationPosition()


BASE = {"pump_pin": 3, "maximum_flow": 50.0, "mode": "manual", "label": "north", "enabled": False,
        "pins": [4, 5], "alerts": {"on_fault": False, "delay": 2.0}, "dv_app_position": 4}
DECLARED = set(Station._element_map)

scalars = st.one_of(st.none(), st.booleans(), st.integers(-10**6, 10**6),
                    st.floats(allow_nan=False, allow_infinity=False),
                    st.sampled_from([1e308, -1e308, 0.5, 41, -1]), st.text(max_size=6))
json_values = st.recursive(scalars, lambda inner: st.one_of(st.lists(inner, max_size=3),
                                                            st.dictionaries(st.text(max_size=5), inner, max_size=3)),
                           max_leaves=8)


def typo(key: str, how: int) -> str:
    """A misspelling of ``key`` (swap, drop, double, case)."""
    i = how % max(1, len(key) - 1)
    variants = [key[:i] + key[i + 1] + key[i] + key[i + 2:], key[:i] + key[i + 1:], key[:i] + key[i] + key[i:],
                key.title()]
    return variants[how % len(variants)]


mutations = st.lists(st.one_of(
    st.tuples(st.just("set"), st.sampled_from(sorted(BASE)), json_values),
    st.tuples(st.just("null"), st.sampled_from(sorted(BASE)), st.none()),
    st.tuples(st.just("drop"), st.sampled_from(sorted(BASE)), st.none()),
    st.tuples(st.just("typo"), st.sampled_from(sorted(BASE)), st.integers(0, 40)),
    st.tuples(st.just("unknown"), st.from_regex(r"[a-z_]{1,10}", fullmatch=True), json_values),
    st.tuples(st.just("platform"), st.sampled_from(["APP_KEY", "APP_DISPLAY_NAME", "AGENT_ID", "board",
                                                    "loop_target_period", "modbus", "dv_app_default_open"]),
              json_values),
    st.tuples(st.just("child"), st.sampled_from(["on_fault", "delay", "on_faul", "dealy", "note"]), json_values),
), max_size=4)


def mutate(steps: list[tuple[str, str, Any]]) -> tuple[dict[str, Any], set[str]]:
    """A deployment entry from BASE and the steps; also the keys that are misspellings of declared keys."""
    data: dict[str, Any] = json.loads(json.dumps(BASE))
    typos: set[str] = set()
    for op, key, value in steps:
        if op in ("set", "null", "unknown", "platform"):
            data[key] = value
        elif op == "drop":
            data.pop(key, None)
        elif op == "typo":
            bad = typo(key, value)
            if bad != key and bad not in DECLARED:
                data[bad] = data.pop(key, 1)
                typos.add(bad)
        elif op == "child" and isinstance(data.get("alerts"), dict):
            data["alerts"][key] = value
    return data, typos


def number_ok(value: Any, *, integer: bool) -> bool:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        return False
    return not integer or float(value).is_integer()


def loaded_problem(cfg: Station, data: dict[str, Any]) -> str | None:
    """What is wrong with the values ``cfg`` took from ``data`` (None: all valid), checked from the declaration."""
    for key in data:
        if key not in DECLARED and not is_platform_key(key):
            return f"unknown key {key!r} taken"
    pin = cfg.pump_pin.value
    if not number_ok(pin, integer=True) or not 0 <= pin <= 40:
        return f"pump_pin {pin!r}"
    flow = cfg.maximum_flow.value
    if not number_ok(flow, integer=False) or not flow > 0:
        return f"maximum_flow {flow!r}"
    if data.get("maximum_flow", 0) is None and flow != 100.0:
        return "null maximum_flow did not read the default"
    if cfg.mode.value not in ("auto", "manual"):
        return f"mode {cfg.mode.value!r}"
    if not (cfg.label.value is None or isinstance(cfg.label.value, str)):
        return f"label {cfg.label.value!r}"
    if type(cfg.enabled.value) is not bool:
        return f"enabled {cfg.enabled.value!r}"
    pins = [p.value for p in cfg.pins.elements]
    if len(pins) > 4 or not all(number_ok(p, integer=True) for p in pins):
        return f"pins {pins!r}"
    if type(cfg.alerts.on_fault.value) is not bool:
        return f"alerts.on_fault {cfg.alerts.on_fault.value!r}"
    delay = cfg.alerts.delay.value
    if not number_ok(delay, integer=False) or delay < 0:
        return f"alerts.delay {delay!r}"
    position = cfg.position.value
    if not number_ok(position, integer=True) or position < 0:
        return f"dv_app_position {position!r}"
    return None


def fail(kind: str, message: str) -> None:
    TALLY[kind] += 1
    pytest.fail(message)


@pytest.fixture(scope="module", autouse=True)
def report(request: pytest.FixtureRequest) -> Iterator[None]:
    TALLY.clear()
    yield
    show(request, f"fuzz config: {TALLY['tried']} inputs tried ({TALLY['entries']} deployment entries: "
                  f"{TALLY['accepted']} accepted, {TALLY['refused']} refused naming the key, "
                  f"{TALLY['typo_refused']} misspellings refused with a did-you-mean; {TALLY['files']} config files: "
                  f"{TALLY['file_refused']} refused naming the file); {TALLY['tracebacks']} tracebacks, "
                  f"{TALLY['invalid']} invalid values accepted, {TALLY['unnamed']} errors not naming where")


@FUZZ
@given(steps=mutations)
def test_deployment_entries(steps: list[tuple[str, str, Any]]) -> None:
    data, typos = mutate(steps)
    TALLY["tried"] += 1
    TALLY["entries"] += 1
    cfg = Station()
    try:
        cfg._inject_deployment_config(data)
    except ConfigError as exc:
        TALLY["refused"] += 1
        text = str(exc)
        if not text.startswith("deployment config: ") or not re.search(r"'[^']+'|element \w+", text):
            fail("unnamed", f"error names no key: {text}")
        if typos and "did you mean" in text:
            TALLY["typo_refused"] += 1
        return
    except Exception as exc:
        fail("tracebacks", f"{data!r} raised {type(exc).__name__}: {exc}")
    TALLY["accepted"] += 1
    if typos:
        fail("invalid", f"misspelled keys {sorted(typos)} taken: {data!r}")
    problem = loaded_problem(cfg, data)
    if problem is not None:
        fail("invalid", f"{problem} from {data!r}")


@FUZZ
@given(body=st.one_of(st.binary(max_size=40), st.text(max_size=40).map(str.encode),
                      mutations.map(lambda s: json.dumps(mutate(s)[0], indent=2).encode()),
                      st.integers(1, 3000).map(lambda n: b"[" * n + b"]" * n),
                      st.just(b'{"pump_pin": 3, "maximum_flow": NaN}')))
def test_config_files(tmp_path_factory: pytest.TempPathFactory, body: bytes) -> None:
    TALLY["tried"] += 1
    TALLY["files"] += 1
    path = tmp_path_factory.mktemp("cfg") / "app_config.json"
    path.write_bytes(body)
    cfg = Station()
    try:
        data = load_config_file(cfg, path)
    except ConfigError as exc:
        TALLY["file_refused"] += 1
        if str(path) not in str(exc):
            fail("unnamed", f"error does not name the file: {exc}")
        return
    except Exception as exc:
        fail("tracebacks", f"{body[:60]!r} raised {type(exc).__name__}: {exc}")
    problem = loaded_problem(cfg, data)
    if problem is not None:
        fail("invalid", f"{problem} from file {body[:80]!r}")


def test_null_reads_the_default_for_every_key_that_has_one() -> None:
    for key, element in Station._element_map.items():
        TALLY["tried"] += 1
        data = dict(BASE, **{key: None})
        cfg = Station()
        if element.default is NotSet and not isinstance(element, config.Object):
            with pytest.raises(ConfigError, match=rf"config key '{key}': null given"):
                cfg._inject_deployment_config(data)
            continue
        cfg._inject_deployment_config(data)
        assert loaded_problem(cfg, data) is None
