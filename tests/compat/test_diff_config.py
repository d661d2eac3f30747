"""pydoover's ``config`` against doover_fsm's, on generated declarations (both API generations).

Each case is pydoover source declaring a ``Schema`` (random element kinds, keywords, names with
punctuation, nesting, defaults, enums, arrays of objects, ``show_if`` conditions, inheritance,
child overrides, ``add_elements``, ``Variable`` defaults) plus deployment configs for it. The oracle and
doover_fsm each print the schema JSON (as a string: key order counts), the values read before any
injection, and the values read after injecting each deployment config; they must be equal.
Known pydoover defects are not generated; each has its own test (tests/config/test_differences.py).
"""

from __future__ import annotations

import json
import textwrap
from typing import Any

import pytest

from tests.compat._oracle import run_here, run_in_oracle
from tests.config._gen import GEN_04, GEN_1, RUNNER, cases

N_1X = 300
N_04 = 120


def _first_difference(a: Any, b: Any, path: str = "") -> str | None:
    if isinstance(a, str) and isinstance(b, str) and a.startswith("{") and a != b:
        return _first_difference(json.loads(a), json.loads(b), path + "<json>") or f"{path}: key order differs"
    if type(a) is not type(b):
        return f"{path}: {a!r} != {b!r}"
    if isinstance(a, dict):
        if list(a) != list(b):
            return f"{path}: keys {list(a)} != {list(b)}"
        return next((d for k in a if (d := _first_difference(a[k], b[k], f"{path}/{k}"))), None)
    if isinstance(a, list):
        if len(a) != len(b):
            return f"{path}: {a!r} != {b!r}"
        return next((d for i, (x, y) in enumerate(zip(a, b, strict=True))
                     if (d := _first_difference(x, y, f"{path}[{i}]"))), None)
    return None if a == b else f"{path}: {a!r} != {b!r}"


def _compare(generation: str, n: int, seed: int) -> None:
    generated = cases(generation, n, seed)
    for case in generated:
        case["v04"] = generation == GEN_04
    theirs = run_in_oracle(RUNNER, generated, version=generation)
    ours = run_here(RUNNER, generated)
    assert all("ok" in r for r in theirs), [r for r in theirs if "ok" not in r][:3]
    diffs = [(i, _first_difference(t, o)) for i, (t, o) in enumerate(zip(theirs, ours, strict=True)) if t != o]
    if diffs:
        i, where = diffs[0]
        pytest.fail(f"{len(diffs)} of {n} cases differ; first #{i} at {where}\n{generated[i]['src']}\n"
                    f"data: {json.dumps(generated[i]['datas'])}")
    # the suite must exercise what it claims: injections that load and ones pydoover rejects
    outcomes = [v for r in theirs for v in r["ok"]["values"]]
    assert sum(isinstance(v, dict) for v in outcomes) > len(outcomes) // 2
    assert any(v == "error:ValueError" for v in outcomes)


def test_generated_1x_schemas_values_match_pydoover_118() -> None:
    _compare(GEN_1, N_1X, seed=1)


def test_generated_04_schemas_values_match_pydoover_04() -> None:
    _compare(GEN_04, N_04, seed=2)


def test_generated_cases_cover_the_surface() -> None:
    sources = "\n".join(c["src"] for c in cases(GEN_1, N_1X, 1))
    for needle in ("show_if=", "(enum.Enum)", "element=O", "config.Array(", "TagRef(", "name=", "default=None",
                   "required=", "advanced=", "position=", "DateTime(", "(config.Object)", "additional_elements=False",
                   "default_collapsed=True", "multiple_of=", "pattern=", "min_items=", "config.Schema, ",
                   "config.all_of(", "config.greater_than", "config.less_than", "config.one_of(", "config.not_equal(",
                   "class Base(config.Schema)", "class S(Base", "__description=", ".add_elements(", "config.Variable(",
                   "additional_elements=False"):
        assert needle in sources, needle
    old = "\n".join(c["src"] for c in cases(GEN_04, N_04, 2))
    for needle in ("def __init__(self):", "super().__init__(display_name", "(enum.Enum)", "config.Array(",
                   "element=O", "class S(Base):", ".add_elements(", "config.Variable("):
        assert needle in old, needle


EXPORT = textwrap.dedent(
    """
    import json, pathlib, tempfile
    from pydoover import config

    class S(config.Schema):
        pump_pin = config.Integer("Pump Pin", default=3, minimum=0)
        mode = config.Enum("Mode", choices=["a", "b"], default="a")
        if hasattr(config, "ApplicationPosition"):  # 1.x only
            position = config.ApplicationPosition()

    class Old(config.Schema):
        def __init__(self):
            self.battery = config.Number("Battery Max (Ah)", description="Capacity")
            self.pins = config.Array("Run Sense Pins", element=config.Integer("Input Pin"))

    def run(case):
        d = pathlib.Path(tempfile.mkdtemp())
        fp = d / "doover_config.json"
        if case["existing"] is not None:
            fp.write_text(json.dumps(case["existing"]))
        if case["old"]:
            Old().export(fp, case["key"])
        else:
            S.export(fp, case["key"])
        return fp.read_text()
    """
)


@pytest.mark.parametrize("generation", [GEN_1, GEN_04])
def test_export_writes_the_same_file(generation: str) -> None:
    existing = [None, {}, {"my_app": {"ui_schema": {"type": "uiApplication"}, "config_schema": {"stale": 1}}},
                {"other": [1, 2], "my_app": {"name": "x"}}]
    batch = [{"existing": e, "key": "my_app", "old": generation == GEN_04} for e in existing]
    theirs = run_in_oracle(EXPORT, batch, version=generation)
    ours = run_here(EXPORT, batch)
    assert all("ok" in r for r in theirs)
    assert ours == theirs  # byte for byte: the file text


# -- signatures -------------------------------------------------------------------------------------------
PUBLIC = [
    "ConfigElement", "Integer", "Number", "Boolean", "String", "DateTime", "Enum", "Array", "Object", "Schema",
    "Application", "ApplicationInstall", "ApplicationPosition", "ApplicationDefaultOpen",
    "ApplicationInterpreterHidden", "ApplicationFullWidth", "ApplicationCockpitVisible", "Device", "DevicesConfig",
    "Group", "GroupsConfig", "TagRef", "LLMAPIKey", "Variable", "Condition", "AllOf", "equal", "not_equal", "one_of",
    "greater_than", "greater_than_or_equal", "less_than", "less_than_or_equal", "all_of", "check_key",
    "Schema.to_schema", "Schema.export", "Schema.add_element", "Schema.clear_elements",
    "Schema._inject_deployment_config", "ConfigElement.load_data", "ConfigElement.to_dict", "Object.add_elements",
    "Object.load_elements", "Object.to_dict", "Array.to_dict", "Enum.to_dict",
]
OLD_PUBLIC = ["ConfigElement", "Integer", "Number", "Boolean", "String", "Enum", "Array", "Object", "Schema",
              "Application", "Variable", "check_key", "transform_key", "Schema.to_dict", "Schema.export",
              "Schema._inject_deployment_config", "Object.add_elements", "ConfigElement.load_data"]

SIGNATURES = textwrap.dedent(
    """
    import inspect
    from pydoover import config

    def run(name):
        obj = config
        for part in name.split("."):
            obj = getattr(obj, part)
        params = []
        for p in inspect.signature(obj).parameters.values():
            d = p.default
            d = "<empty>" if d is inspect.Parameter.empty else "NotSet" if d is config.NotSet else repr(d)
            params.append([p.name, p.kind.name, d])
        return params
    """
)


def test_signatures_match_pydoover_118() -> None:
    theirs = run_in_oracle(SIGNATURES, PUBLIC)
    ours = run_here(SIGNATURES, PUBLIC)
    mismatched = {n: (t, o) for n, t, o in zip(PUBLIC, theirs, ours, strict=True) if t != o}
    assert mismatched == {}


def test_signatures_accept_every_pydoover_04_call() -> None:
    # 0.4's parameters are a subset of 1.18's (1.x added keywords): each must exist here, same kind and default.
    theirs = run_in_oracle(SIGNATURES, OLD_PUBLIC, version=GEN_04)
    ours = run_here(SIGNATURES, OLD_PUBLIC)
    base = {p[0]: p for p in ours[OLD_PUBLIC.index("ConfigElement")]["ok"]}
    for name, t, o in zip(OLD_PUBLIC, theirs, ours, strict=True):
        ours_by_name = {p[0]: p for p in o["ok"]}
        takes_kwargs = any(p[1] == "VAR_KEYWORD" for p in o["ok"])
        for param in t["ok"]:
            if param[0] == "self":
                continue  # 0.4's to_dict/export are instance methods; here they also work on the class
            if name == "Application" and param[0] in ("display_name", "description"):
                continue  # 1.x gave both defaults ("Application"); every 0.4 call still binds
            mine = ours_by_name.get(param[0])
            if mine is None and takes_kwargs and param[1] == "KEYWORD_ONLY":
                mine = base.get(param[0])  # passed on through **kwargs to ConfigElement
            assert mine == param, (name, param, o["ok"])
