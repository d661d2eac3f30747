"""The public surface: the facade's exports, and every Application member compared with pydoover's.

Signatures come from the real pydoover (1.18.x and 0.4.18, in their own venvs: tests/compat/_oracle.py),
not from a list of names: a member matches when every oracle parameter has the same name, kind and
default at the same place, and anything we add is keyword-only with a default. Deliberate
differences are listed in ``DIFFERENCES`` with their reason, and each has its own test.
"""

from __future__ import annotations

import inspect
import json
import textwrap
from typing import Any

import pytest

import doover_fsm
from doover_fsm import Application
from tests.compat._oracle import run_in_oracle

# Runs in the oracle: every public member of pydoover's Application (and run_app) as
# [name, kind, default] rows; enum defaults are compared by their value.
_DUMP = textwrap.dedent(
    """
    import inspect
    def rows(obj):
        out = []
        for p in inspect.signature(obj).parameters.values():
            d = None if p.default is p.empty else repr(getattr(p.default, "value", p.default))
            out.append([p.name, p.kind.name, d])
        return out
    def run(case):
        from pydoover.docker import Application, run_app
        out = {"run_app": rows(run_app)}
        for n, v in vars(Application).items():
            if n.startswith("_") and n not in ("__init__", "__aenter__", "__aexit__", "_run"):
                continue
            if isinstance(v, property):
                out[n] = "property"
            elif isinstance(v, type) or not callable(v):
                out[n] = "class" if isinstance(v, type) else "attr"
            else:
                out[n] = rows(v)
        return out
    """
)

#: (pydoover version, member) → why doover_fsm differs on purpose (each has a test below).
DIFFERENCES: dict[tuple[str, str], str] = {
    ("0.4", "__init__"): "0.4 takes the config first; 1.x takes app_key first. Both forms are accepted: a Schema "
                         "instance as the first argument, or config=, is the 0.4 form (test_the_0_4_constructor_forms)",
}


def _ours(obj: Any) -> list[list[Any]]:
    return [[p.name, p.kind.name, None if p.default is p.empty else repr(getattr(p.default, "value", p.default))]
            for p in inspect.signature(obj).parameters.values()]


def _compatible(oracle: list[list[Any]], ours: list[list[Any]], strict: bool) -> bool:
    """pydoover's parameters first, unchanged; ours after them take defaults.

    Against the current generation (strict) our extras must be keyword-only; against 0.4 they may
    be the positional parameters 1.x added (e.g. ``set_tag(..., log=False)``).
    """
    head, extra = ours[: len(oracle)], ours[len(oracle):]
    if head != oracle:
        return False
    if strict:
        return all(p[1] == "VAR_KEYWORD" or (p[1] == "KEYWORD_ONLY" and p[2] is not None) for p in extra)
    return all(p[1] in ("VAR_KEYWORD", "VAR_POSITIONAL") or p[2] is not None for p in extra)


def _oracle_members(version: str) -> dict[str, Any]:
    result = run_in_oracle(_DUMP, [None], version)[0]
    assert "ok" in result, result
    members: dict[str, Any] = result["ok"]
    return members


@pytest.mark.parametrize("version", ["1.18", "0.4"])
def test_every_application_member_matches_pydoovers_signature(version: str) -> None:
    members = _oracle_members(version)
    problems = []
    for name, oracle in sorted(members.items()):
        if (version, name) in DIFFERENCES:
            continue
        if name == "run_app":
            ours_obj: Any = doover_fsm.run_app
        else:
            ours_obj = inspect.getattr_static(Application, name, None)
            if ours_obj is None:
                problems.append(f"{name}: missing")
                continue
        if oracle == "property":
            if not isinstance(ours_obj, property):
                problems.append(f"{name}: pydoover has a property, ours is {type(ours_obj).__name__}")
            continue
        if oracle in ("attr", "class"):
            continue
        if isinstance(ours_obj, staticmethod | classmethod):
            ours_obj = ours_obj.__func__
        if isinstance(ours_obj, type):
            continue  # config_cls/tags_cls/ui_cls: the class's own signature is its area's test
        ours = _ours(ours_obj)
        if not _compatible(oracle, ours, strict=version == "1.18"):
            problems.append(f"{name}:\n    pydoover {json.dumps(oracle)}\n    ours     {json.dumps(ours)}")
    assert problems == [], "\n".join(problems)


def test_the_0_4_constructor_forms() -> None:
    from doover_fsm.config import Schema

    class Cfg(Schema):
        pass

    cfg = Cfg()
    by_keyword = Application(config=cfg, app_key="a", is_async=True, test_mode=True)
    positional = Application(cfg, test_mode=True)  # 0.4: config first; 1.x: app_key first
    assert by_keyword.config is cfg and by_keyword.app_key == "a"
    assert positional.config is cfg and positional.app_key == "application"


def test_facade_exports_exist() -> None:
    for name in doover_fsm.__all__:
        assert hasattr(doover_fsm, name), name
    assert sorted(doover_fsm.__all__) == sorted(set(doover_fsm.__all__))


def test_pydoover_import_paths() -> None:
    from doover_fsm.docker import Application as DockerApplication
    from doover_fsm.docker import run_app

    assert DockerApplication is Application and run_app is doover_fsm.run_app


def test_subpackage_facades_export_what_they_list() -> None:
    import importlib

    for name in ("doover_fsm.tags", "doover_fsm.config", "doover_fsm.ui", "doover_fsm.agent", "doover_fsm.io",
                 "doover_fsm.io.modbus", "doover_fsm.machine", "doover_fsm.scheduler", "doover_fsm.app",
                 "doover_fsm.notifications", "doover_fsm.utils"):
        module = importlib.import_module(name)
        assert module.__all__, name
        for export in module.__all__:
            assert getattr(module, export) is not None, f"{name}.{export}"
