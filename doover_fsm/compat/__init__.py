"""Run unchanged Doover apps: make ``import pydoover…`` resolve to doover_fsm in this interpreter.

``install()`` puts a finder first on ``sys.meta_path`` that answers every ``pydoover`` and
``pydoover.<sub>`` import with the matching module of :mod:`doover_fsm.compat.pydoover`, a tree
of thin modules that re-export doover_fsm's own implementation under pydoover's names (both API
generations: 1.x as in pydoover 1.18, and the 0.4 names still in use). The real pydoover is
never imported; if it already is, ``install()`` refuses with :class:`CompatError`.

``doover-fsm run`` and ``doover-fsm test`` call ``install()`` themselves; ``pytest -p
doover_fsm.compat`` turns it on for an app's own test suite.
"""

from __future__ import annotations

from doover_fsm.compat._hook import CompatError, install, installed, uninstall

__all__ = ["CompatError", "install", "installed", "uninstall"]


def pytest_load_initial_conftests(early_config: object, parser: object, args: object) -> None:
    """pytest plugin entry (``pytest -p doover_fsm.compat``): install before any conftest imports pydoover."""
    install()


def pytest_configure(config: object) -> None:
    """The same, for a plugin registered too late for the hook above (idempotent)."""
    install()
