"""``doover-fsm test [DIR]``: run a Doover app's own test suite, unchanged, on doover_fsm.

pytest runs in a child process (the app's modules stay out of this one) with ``-p
doover_fsm.compat`` so every ``pydoover`` import is answered by doover_fsm, the app's ``src/``
first on the path and the app directory as the working directory (its pyproject's pytest
settings apply). A module that fails to import counts as one error and the other modules still
run (``--continue-on-collection-errors``), so the figures show every test that can run. The
counts come from pytest's JUnit report, not from its text output.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from doover_fsm.cli._common import CLIError


@dataclass(frozen=True)
class Counts:
    """Outcome counts of one pytest run."""

    tests: int
    passed: int
    failed: int
    errors: int
    skipped: int

    def line(self) -> str:
        return (f"{self.passed} passed, {self.failed} failed, {self.errors} errors, "
                f"{self.skipped} skipped (of {self.tests})")


def register(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser(
        "test", help="run a Doover app's own tests on doover_fsm",
        description="Run the test suite of a Doover app repo unchanged, with its pydoover imports answered "
                    "by doover_fsm (pytest -p doover_fsm.compat). Example: doover-fsm test path/to/app-repo",
    )
    p.add_argument("dir", nargs="?", default=".", metavar="DIR", help="the app repo (default: current directory)")
    p.add_argument("pytest_args", nargs=argparse.REMAINDER, metavar="-- PYTEST_ARGS",
                   help="extra pytest arguments after --, e.g. -- -k config -x")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    directory = Path(args.dir).resolve()
    if not directory.is_dir():
        raise CLIError(f"{args.dir!r} is not a directory")
    extra = [a for a in args.pytest_args if a != "--"]
    code, counts = run_tests(directory, extra)
    print(f"doover-fsm test: {directory.name}: {counts.line() if counts else 'no report'}", flush=True)
    return code


def run_tests(directory: Path, extra: list[str] | None = None) -> tuple[int, Counts | None]:
    """Run ``directory``'s tests under the compat plugin; return pytest's exit code and the counts."""
    tests = directory / "tests"
    selection = [str(tests)] if tests.is_dir() and not _names_tests(extra or []) else []
    env = dict(os.environ)
    src = directory / "src"
    roots = [str(src)] if src.is_dir() else []
    roots.append(str(directory))
    env["PYTHONPATH"] = os.pathsep.join(roots + [p for p in [env.get("PYTHONPATH")] if p])
    with tempfile.TemporaryDirectory(prefix="doover-fsm-test-") as tmp:
        report = Path(tmp) / "junit.xml"
        cmd = [sys.executable, "-m", "pytest", "-p", "doover_fsm.compat", "-p", "no:cacheprovider",
               "--continue-on-collection-errors", f"--junitxml={report}", *selection, *(extra or [])]
        try:
            code = subprocess.call(cmd, cwd=directory, env=env)
        except OSError as e:
            raise CLIError(f"cannot start pytest ({e}); install it in this environment: pip install pytest") from None
        counts = _read_report(report) if report.is_file() else None
    if code == 4 and counts is None:
        raise CLIError("pytest refused the arguments (is pytest installed here?)")
    return code, counts


def _names_tests(extra: list[str]) -> bool:
    return any(not a.startswith("-") and (a.endswith(".py") or "::" in a or Path(a).exists()) for a in extra)


def _read_report(path: Path) -> Counts:
    root = ET.parse(path).getroot()
    suites = [root] if root.tag == "testsuite" else list(root.iter("testsuite"))
    total = failed = errors = skipped = 0
    for s in suites:
        total += int(s.get("tests", 0))
        failed += int(s.get("failures", 0))
        errors += int(s.get("errors", 0))
        skipped += int(s.get("skipped", 0))
    passed = total - failed - errors - skipped
    return Counts(tests=total, passed=passed, failed=failed, errors=errors, skipped=skipped)
