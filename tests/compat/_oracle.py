"""The pydoover oracles: real pydoover from PyPI in separate venvs, run in a subprocess.

pydoover is never imported into the test process (nor by doover_fsm). A differential test sends
a script to the oracle's interpreter and compares the JSON it prints with what doover_fsm gives
for the same script run here under :func:`doover_fsm.compat.install`.

Venvs: ``.oracles/pd118`` (pydoover 1.18.x) and ``.oracles/pd04`` (pydoover 0.4.18), made by
``scripts/test`` (``ensure_oracles`` in ``scripts/_setup.sh``); ``DFSM_ORACLES`` moves them.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
ORACLE_DIR = Path(os.environ.get("DFSM_ORACLES", ROOT / ".oracles"))
VENVS = {"1.18": "pd118", "0.4": "pd04"}

# Runs inside the oracle: reads {"code": ..., "cases": [...]} on stdin, execs the code once (it
# defines `run(case)`), prints one JSON line: a list of {"ok": result} / {"error": "Type: msg"}.
_DRIVER = textwrap.dedent(
    """
    import json, sys, traceback
    req = json.load(sys.stdin)
    ns = {"__name__": "oracle_case"}
    exec(compile(req["code"], "oracle-code", "exec"), ns)
    out = []
    for case in req["cases"]:
        try:
            out.append({"ok": ns["run"](case)})
        except Exception as e:
            out.append({"error": type(e).__name__ + ": " + str(e)})
    sys.stdout.write("\\n@@ORACLE@@" + json.dumps(out, default=repr, sort_keys=True) + "\\n")
    """
)


def oracle_python(version: str = "1.18") -> Path:
    """The oracle venv's interpreter; skips (or fails under DFSM_REQUIRE_ALL) if it is missing."""
    py = ORACLE_DIR / VENVS[version] / "bin" / "python"
    if not py.exists():
        msg = f"pydoover {version} oracle venv missing at {py}: run scripts/test (it makes .oracles/)"
        if os.environ.get("DFSM_REQUIRE_ALL"):
            pytest.fail(msg)
        pytest.skip(msg)
    return py


def run_in_oracle(code: str, cases: list[Any], version: str = "1.18", timeout: float = 300) -> list[dict[str, Any]]:
    """Exec ``code`` (which defines ``run(case)``) in the oracle, call it per case, return the results."""
    py = oracle_python(version)
    proc = subprocess.run(
        [str(py), "-c", _DRIVER], input=json.dumps({"code": code, "cases": cases}),
        capture_output=True, text=True, timeout=timeout, cwd=str(ROOT / "tests"),
        env={**os.environ, "PYTHONPATH": "", "PYTHONDONTWRITEBYTECODE": "1"},
    )
    if proc.returncode != 0 or "@@ORACLE@@" not in proc.stdout:
        raise AssertionError(f"oracle pydoover {version} failed (rc={proc.returncode}):\n{proc.stderr[-4000:]}")
    result: list[dict[str, Any]] = json.loads(proc.stdout.rsplit("@@ORACLE@@", 1)[1])
    return result


def run_here(code: str, cases: list[Any]) -> list[dict[str, Any]]:
    """The same as :func:`run_in_oracle`, in this process with ``pydoover`` answered by doover_fsm."""
    from doover_fsm import compat

    compat.install()
    ns: dict[str, Any] = {"__name__": "oracle_case"}
    exec(compile(code, "doover-fsm-code", "exec"), ns)
    out: list[dict[str, Any]] = []
    for case in cases:
        try:
            out.append({"ok": json.loads(json.dumps(ns["run"](case), default=repr, sort_keys=True))})
        except Exception as e:  # the oracle reports errors the same way
            out.append({"error": f"{type(e).__name__}: {e}"})
    return out


def oracle_signatures(qualnames: list[str], version: str = "1.18") -> dict[str, str | None]:
    """``str(inspect.signature(obj))`` in the oracle for each dotted name (None if it has none)."""
    code = textwrap.dedent(
        """
        import importlib, inspect
        def run(name):
            mod, _, attr = name.rpartition(":")
            obj = importlib.import_module(mod)
            for part in attr.split("."):
                obj = getattr(obj, part)
            try:
                return str(inspect.signature(obj))
            except (TypeError, ValueError):
                return None
        """
    )
    res = run_in_oracle(code, list(qualnames), version)
    return {n: r.get("ok") for n, r in zip(qualnames, res, strict=True)}


if __name__ == "__main__":  # quick manual probe: python tests/compat/_oracle.py 'pydoover.ui:UI'
    print(oracle_signatures(sys.argv[1:]))
