"""The pydoover import hook: what ``import pydoover…`` gives, in every form apps write it."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import pytest

import doover_fsm
from doover_fsm import compat
from doover_fsm.compat import CompatError
from tests.compat._oracle import ORACLE_DIR

# The 1.18 oracle venv's site-packages (made by scripts/test, see tests/compat/_oracle.py).
ORACLE_SITE = next(iter(sorted((ORACLE_DIR / "pd118" / "lib").glob("python3*/site-packages"))),
                   ORACLE_DIR / "pd118" / "missing")


@pytest.fixture()
def hook():
    compat.uninstall()
    compat.install()
    yield
    compat.uninstall()


def test_install_is_idempotent(hook):
    compat.install()
    compat.install()
    finders = [f for f in sys.meta_path if type(f).__name__ == "_PydooverFinder"]
    assert len(finders) == 1
    assert sys.meta_path[0] is finders[0]
    assert compat.installed()


def test_uninstall_removes_the_finder_and_the_aliases(hook):
    import pydoover.ui  # noqa: F401

    compat.uninstall()
    assert not compat.installed()
    assert not [n for n in sys.modules if n == "pydoover" or n.startswith("pydoover.")]
    compat.uninstall()  # twice is fine


def test_each_pydoover_module_is_the_doover_fsm_module(hook):
    import pydoover
    import pydoover.config
    import pydoover.docker
    import pydoover.tags
    import pydoover.ui

    from doover_fsm.compat import pydoover as target

    assert pydoover is target
    assert pydoover.ui is sys.modules["doover_fsm.compat.pydoover.ui"]
    assert pydoover.config is sys.modules["doover_fsm.compat.pydoover.config"]
    assert pydoover.tags is sys.modules["doover_fsm.compat.pydoover.tags"]
    assert pydoover.docker.Application is doover_fsm.Application
    # the shared module keeps its own name and spec, so tracebacks and reloads name the real file
    assert pydoover.ui.__name__ == "doover_fsm.compat.pydoover.ui"
    assert pydoover.ui.__spec__.name == "doover_fsm.compat.pydoover.ui"


def test_submodule_of_a_subpackage(hook):
    import pydoover.docker.modbus
    import pydoover.docker.platform

    assert sys.modules["pydoover.docker.modbus"] is sys.modules["doover_fsm.compat.pydoover.docker.modbus"]
    assert pydoover.docker.platform is sys.modules["doover_fsm.compat.pydoover.docker.platform"]


def test_import_as(hook):
    import pydoover.docker.device_agent as agent
    import pydoover.state as st

    assert agent is sys.modules["doover_fsm.compat.pydoover.docker.device_agent"]
    assert st is sys.modules["doover_fsm.compat.pydoover.state"]


def test_from_import(hook):
    from pydoover import ui
    from pydoover.docker import Application, run_app

    assert ui is sys.modules["doover_fsm.compat.pydoover.ui"]
    assert Application is doover_fsm.Application
    assert run_app is sys.modules["doover_fsm.compat.pydoover.docker"].run_app


def test_star_import_gives_the_modules_public_names(hook):
    namespace: dict[str, object] = {}
    exec("from pydoover.tags import *", namespace)
    module = sys.modules["doover_fsm.compat.pydoover.tags"]
    public = getattr(module, "__all__", None) or [n for n in vars(module) if not n.startswith("_")]
    assert {k for k in namespace if k != "__builtins__"} == set(public)
    assert public, "pydoover.tags exports nothing"
    assert all(namespace[n] is getattr(module, n) for n in public)


def test_a_part_of_pydoover_that_doover_fsm_lacks_is_named(hook):
    with pytest.raises(ModuleNotFoundError) as e:
        import pydoover.cloud.processor  # noqa: F401
    assert e.value.name == "pydoover.cloud"
    assert "doover_fsm does not provide" in str(e.value)


def test_refuses_when_a_foreign_pydoover_is_already_imported(monkeypatch):
    compat.uninstall()
    fake = type(sys)("pydoover")
    fake.__file__ = "/somewhere/site-packages/pydoover/__init__.py"
    monkeypatch.setitem(sys.modules, "pydoover", fake)
    with pytest.raises(CompatError, match=r"real pydoover is already imported \(from /somewhere/site-packages"):
        compat.install()
    assert not compat.installed()
    assert isinstance(CompatError("x"), ImportError)


def _python(code: str, **env: str) -> subprocess.CompletedProcess[str]:
    full = dict(os.environ, **env)
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True,
                          env=full, timeout=60)


@pytest.mark.skipif(not ORACLE_SITE.is_dir(), reason="the pydoover 1.18 oracle is not installed (DFSM_ORACLES)")
def test_the_hook_wins_over_a_real_pydoover_on_the_path():
    out = _python("""
        import importlib.util, json
        real = importlib.util.find_spec("pydoover").origin     # the installed pydoover is visible
        from doover_fsm import compat
        compat.install()
        import pydoover, pydoover.ui
        from pydoover.docker import Application
        import doover_fsm
        print(json.dumps([real, pydoover.__file__, Application is doover_fsm.Application]))
    """, PYTHONPATH=str(ORACLE_SITE))
    assert out.returncode == 0, out.stderr
    real, ours, same = __import__("json").loads(out.stdout)
    assert real.startswith(str(ORACLE_SITE))
    assert "doover_fsm/compat/pydoover" in ours
    assert same is True


@pytest.mark.skipif(not ORACLE_SITE.is_dir(), reason="the pydoover 1.18 oracle is not installed (DFSM_ORACLES)")
def test_installing_after_the_real_pydoover_was_imported_is_a_clear_error():
    out = _python("""
        import pydoover.ui
        from doover_fsm import compat
        compat.install()
    """, PYTHONPATH=str(ORACLE_SITE))
    assert out.returncode == 1
    assert "CompatError: the real pydoover is already imported (from " + str(ORACLE_SITE) in out.stderr
