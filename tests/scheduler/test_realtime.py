"""RT knobs: settings validation, clean refusals without privileges, SCHED_FIFO not inherited."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from doover_fsm.errors import RealtimeSettingError
from doover_fsm.scheduler import RealtimeReport, RealtimeSettings, apply_realtime

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("kwargs", [
    {"priority": 0}, {"priority": 100}, {"priority": True}, {"cpu": -1}, {"cpu": []}, {"cpu": [0, "1"]},
    {"timer_slack_ns": 0}, {"timer_slack_ns": 1.5},
])
def test_settings_validation(kwargs: dict[str, object]) -> None:
    with pytest.raises(ValueError, match="RealtimeSettings"):
        RealtimeSettings(**kwargs)  # type: ignore[arg-type]


def test_nothing_requested_does_nothing() -> None:
    assert apply_realtime(RealtimeSettings()) == []


def _run_child(code: str, drop_to_nobody: bool) -> dict[str, object]:
    """Run ``code`` in a fresh interpreter; imports happen first, then privileges are dropped."""
    prelude = textwrap.dedent("""
        import json, os, sys, threading
        from doover_fsm.scheduler import RealtimeSettings, apply_realtime
        from doover_fsm.scheduler.realtime import policy_name
        from doover_fsm.errors import RealtimeSettingError
        if DROP:
            os.setgroups([]); os.setgid(65534); os.setuid(65534)
    """).replace("DROP", str(drop_to_nobody))
    r = subprocess.run([sys.executable, "-c", prelude + textwrap.dedent(code)], capture_output=True,
                       text=True, timeout=60, cwd=REPO, env={**os.environ, "PYTHONPATH": str(REPO)})
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)


@pytest.mark.integration
def test_knobs_refuse_cleanly_without_privileges() -> None:
    if os.geteuid() != 0:
        pytest.skip("needs root to drop to nobody in the child")
    out = _run_child("""
        reps = apply_realtime(RealtimeSettings(priority=50, timer_slack_ns=1000, gc_freeze=True))
        try:
            apply_realtime(RealtimeSettings(priority=50), strict=True)
            strict = None
        except RealtimeSettingError as exc:
            strict = [type(exc.__cause__).__name__, isinstance(exc, PermissionError), str(exc)]
        print(json.dumps({"reports": [[r.knob, r.applied, r.detail, r.error is not None] for r in reps],
                          "strict": strict, "policy": policy_name(), "uid": os.getuid()}))
    """, drop_to_nobody=True)
    assert out["uid"] == 65534
    reports = {k: (applied, detail, has_err) for k, applied, detail, has_err in out["reports"]}  # type: ignore[union-attr]
    assert reports["timer_slack_ns"][0] is True
    assert reports["gc_freeze"][0] is True
    applied, detail, has_err = reports["priority"]
    assert applied is False and has_err is True
    assert detail.startswith("priority:") and "SCHED_FIFO" in detail
    assert out["strict"][0] == "PermissionError" and out["strict"][1] is True  # type: ignore[index]
    assert out["policy"] == "SCHED_OTHER"


@pytest.mark.integration
def test_sched_fifo_is_for_the_calling_thread_only() -> None:
    if os.geteuid() != 0:
        pytest.skip("needs root for SCHED_FIFO")
    out = _run_child("""
        seen = {}
        def helper(): seen["helper"] = policy_name()
        reps = apply_realtime(RealtimeSettings(priority=10, timer_slack_ns=1000))
        t = threading.Thread(target=helper); t.start(); t.join()
        print(json.dumps({"applied": [r.applied for r in reps], "scan": policy_name(), **seen}))
    """, drop_to_nobody=False)
    assert out == {"applied": [True, True], "scan": "SCHED_FIFO", "helper": "SCHED_OTHER"}


def test_report_is_a_frozen_value() -> None:
    r = RealtimeReport("cpu", True, "cpu: pinned")
    with pytest.raises(AttributeError):
        r.applied = False  # type: ignore[misc]
    assert issubclass(RealtimeSettingError, PermissionError)
