"""The ``pydoover`` → ``doover_fsm.compat.pydoover`` import hook (a ``sys.meta_path`` finder).

Each ``pydoover.x.y`` import is answered with the *same module object* as
``doover_fsm.compat.pydoover.x.y``, so ``pydoover.ui.UI is doover_fsm.ui.UI`` and there is one
copy of every class. Thread-safety: install/uninstall are for start-up, not for concurrent use.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import sys
from types import ModuleType

from doover_fsm.errors import DooverFSMError

SOURCE = "pydoover"
TARGET = "doover_fsm.compat.pydoover"


class CompatError(DooverFSMError, ImportError):
    """The compat import path cannot be used (e.g. the real pydoover is already imported)."""


class _AliasLoader(importlib.abc.Loader):
    """Hands out an already-imported target module under the ``pydoover`` name."""

    def __init__(self, target: ModuleType) -> None:
        self._target = target
        self._spec = target.__spec__

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType:
        return self._target

    def exec_module(self, module: ModuleType) -> None:
        # The import system stamped the alias spec on the shared module; keep the real one.
        module.__spec__ = self._spec


class _PydooverFinder(importlib.abc.MetaPathFinder):
    """Answers ``pydoover`` and its submodules from :mod:`doover_fsm.compat.pydoover`."""

    def find_spec(
        self, fullname: str, path: object = None, target: object = None,
    ) -> importlib.machinery.ModuleSpec | None:
        if fullname != SOURCE and not fullname.startswith(SOURCE + "."):
            return None
        real_name = TARGET + fullname[len(SOURCE):]
        try:
            module = importlib.import_module(real_name)
        except ModuleNotFoundError as e:
            if e.name != real_name:
                raise  # a real import error inside doover_fsm: let it show
            raise ModuleNotFoundError(
                f"No module named {fullname!r}: doover_fsm does not provide this part of pydoover "
                f"(see docs/compat.md for what it does)", name=fullname,
            ) from None
        is_pkg = hasattr(module, "__path__")
        return importlib.machinery.ModuleSpec(fullname, _AliasLoader(module), is_package=is_pkg)


_finder = _PydooverFinder()


def installed() -> bool:
    """Is the hook on ``sys.meta_path``?"""
    return _finder in sys.meta_path


def install() -> None:
    """Make ``import pydoover…`` resolve to doover_fsm (idempotent)."""
    if installed():
        return
    real = sys.modules.get(SOURCE)
    if real is not None and not real.__name__.startswith(TARGET):
        where = getattr(real, "__file__", None) or "?"
        raise CompatError(
            f"the real pydoover is already imported (from {where}); install doover_fsm's compat hook "
            "before anything imports pydoover (doover-fsm run/test and `pytest -p doover_fsm.compat` do)"
        )
    sys.meta_path.insert(0, _finder)


def uninstall() -> None:
    """Remove the hook and forget the ``pydoover`` aliases (for tests)."""
    if _finder in sys.meta_path:
        sys.meta_path.remove(_finder)
    for name in [n for n in sys.modules if n == SOURCE or n.startswith(SOURCE + ".")]:
        del sys.modules[name]
