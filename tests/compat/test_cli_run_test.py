"""``doover-fsm run`` on every form a Doover app repo offers, and ``doover-fsm test`` on an app's own tests."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tests.compat._oracle import ORACLE_DIR

# The 1.18 oracle venv's site-packages (made by scripts/test, see tests/compat/_oracle.py).
ORACLE_SITE = next(iter(sorted((ORACLE_DIR / "pd118" / "lib").glob("python3*/site-packages"))),
                   ORACLE_DIR / "pd118" / "missing")

APP_INIT = '''
from pydoover.docker import run_app

from .application import TinyApp


def main():
    run_app(TinyApp())
'''

APP_MODULE = '''
import os

from pydoover.docker import Application


class TinyApp(Application):
    async def setup(self):
        self.count = 0

    async def main_loop(self):
        self.count += 1
        with open(os.environ["TINY_OUT"], "w") as f:
            f.write(f"{self.app_key} {self.count}")
'''

PYPROJECT = '''
[project]
name = "tiny-app"
version = "0.1.0"
dependencies = ["pydoover>=1.0"]

[project.scripts]
doover-app-run = "tiny_app:main"

[tool.pytest.ini_options]
asyncio_mode = "auto"
'''

SCRIPT = '''#!/nonexistent/.venv/bin/python
# -*- coding: utf-8 -*-
import re
import sys
from tiny_app import main
if __name__ == "__main__":
    sys.argv[0] = re.sub(r"(-script\\.pyw|\\.exe)?$", "", sys.argv[0])
    sys.exit(main())
'''


def make_repo(root: Path, pyproject: bool = True) -> Path:
    pkg = root / "src" / "tiny_app"
    pkg.mkdir(parents=True)
    (pkg / "__init__.py").write_text(APP_INIT)
    (pkg / "application.py").write_text(APP_MODULE)
    if pyproject:
        (root / "pyproject.toml").write_text(PYPROJECT)
    return root


def doover_fsm(*args: str, cwd: Path, env: dict[str, str] | None = None,
               timeout: float = 60) -> subprocess.CompletedProcess[str]:
    full = dict(os.environ, **(env or {}))
    return subprocess.run([sys.executable, "-m", "doover_fsm.cli", *args], cwd=cwd, env=full,
                          capture_output=True, text=True, timeout=timeout)


def run_live(app: str, cwd: Path, tmp_path: Path, *extra: str) -> tuple[subprocess.CompletedProcess[str], str]:
    out = tmp_path / "tiny.out"
    proc = doover_fsm("run", app, "--board", "virtual", "--period", "0.05", "--duration", "0.6",
                      "--app-key", "tiny_1", "--data-dir", str(tmp_path / "data"), *extra,
                      cwd=cwd, env={"TINY_OUT": str(out)})
    return proc, out.read_text() if out.exists() else ""


def assert_ran(proc: subprocess.CompletedProcess[str], written: str) -> None:
    assert proc.returncode == 0, proc.stderr[-3000:]
    key, count = written.split()
    assert key == "tiny_1", "the CLI's --app-key did not reach the app that main() built"
    # --period 0.05 for --duration 0.6: about 12 scans; the app's own default (1 s) would give 1
    assert 6 <= int(count) <= 14, written
    final = [line for line in proc.stdout.splitlines() if line.startswith("final:")]
    assert final and "[tiny_1]" in final[0]
    assert int(re.search(r"scans=(\d+)", final[0]).group(1)) >= int(count)


def test_run_an_app_directory(tmp_path):
    repo = make_repo(tmp_path / "repo")
    assert_ran(*run_live(str(repo), tmp_path, tmp_path))


def test_run_the_current_directory_by_its_entry_script_name(tmp_path):
    repo = make_repo(tmp_path / "repo")
    assert_ran(*run_live("doover-app-run", repo, tmp_path))


def test_run_a_directory_without_pyproject_finds_main_in_src(tmp_path):
    repo = make_repo(tmp_path / "repo", pyproject=False)
    assert_ran(*run_live(str(repo), tmp_path, tmp_path))


def test_run_the_installed_console_script(tmp_path):
    repo = make_repo(tmp_path / "repo")
    script = repo / ".venv" / "bin" / "doover-app-run"
    script.parent.mkdir(parents=True)
    script.write_text(SCRIPT)
    assert_ran(*run_live(str(script), tmp_path, tmp_path))


def test_run_entry_point_and_class_by_module_path(tmp_path):
    repo = make_repo(tmp_path / "repo")
    for spec in ("tiny_app:main", "tiny_app.application:TinyApp"):
        assert_ran(*run_live(spec, repo / "src", tmp_path))


def test_container_environment_stands_in_for_missing_flags(tmp_path):
    """A Doover container passes APP_KEY and CONFIG_FP in the environment; the flags win when given."""
    repo = make_repo(tmp_path / "repo")
    config = tmp_path / "app_config.json"
    config.write_text("{}")
    out = tmp_path / "tiny.out"
    env = {"TINY_OUT": str(out), "APP_KEY": "tiny_env", "CONFIG_FP": str(tmp_path / "missing.json")}
    proc = doover_fsm("run", str(repo), "--board", "virtual", "--duration", "0.3", "--data-dir",
                      str(tmp_path / "data"), cwd=tmp_path, env=env)
    assert proc.returncode == 1 and "config file" in proc.stderr and "missing.json" in proc.stderr
    env["CONFIG_FP"] = str(config)
    proc = doover_fsm("run", str(repo), "--board", "virtual", "--duration", "0.3", "--data-dir",
                      str(tmp_path / "data"), cwd=tmp_path, env=env)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert out.read_text().split()[0] == "tiny_env"


@pytest.mark.parametrize("package", ["pydoover.docker", "doover_fsm.docker", "doover_fsm"])
def test_run_a_file_as_main(tmp_path, package):
    """`doover-fsm run hello.py` is `python hello.py`: its own `if __name__ == "__main__": run_app(...)`."""
    script = tmp_path / "hello.py"
    script.write_text(APP_MODULE.replace("from pydoover.docker import Application",
                                         f"from {package} import Application, run_app")
                      + '\n\nif __name__ == "__main__":\n    run_app(TinyApp())\n')
    assert_ran(*run_live(str(script), tmp_path, tmp_path))


def test_a_file_that_never_calls_run_app_is_an_error(tmp_path):
    script = tmp_path / "quiet.py"
    script.write_text("x = 1\n")
    proc, _ = run_live(str(script), tmp_path, tmp_path)
    assert proc.returncode == 1
    assert "quiet.py ran without calling run_app(App()): nothing was run (give the class: FILE.py:Class)" \
        in proc.stderr


def test_an_entry_point_that_never_calls_run_app_is_an_error(tmp_path):
    repo = make_repo(tmp_path / "repo")
    (repo / "src" / "tiny_app" / "__init__.py").write_text("def main():\n    return 0\n")
    proc, _ = run_live(str(repo), tmp_path, tmp_path)
    assert proc.returncode == 1
    assert "tiny_app:main returned without calling run_app(App()): nothing was run" in proc.stderr


def test_a_directory_that_is_not_an_app_is_an_error(tmp_path):
    (tmp_path / "empty").mkdir()
    proc, _ = run_live(str(tmp_path / "empty"), tmp_path, tmp_path)
    assert proc.returncode == 1
    assert "no app found in" in proc.stderr and "doover-app-run" in proc.stderr


TESTS = '''
import pydoover
from pydoover.docker import Application


def test_pydoover_is_doover_fsm():
    import doover_fsm
    assert Application is doover_fsm.Application
    assert "doover_fsm" in pydoover.__file__


def test_the_apps_code_is_importable():
    from tiny_app.application import TinyApp
    assert issubclass(TinyApp, Application)


async def test_async_test_under_the_apps_asyncio_mode():
    assert True


def test_a_failure_is_counted():
    assert 1 == 2
'''


def test_test_runs_the_apps_suite_and_counts(tmp_path):
    repo = make_repo(tmp_path / "repo")
    (repo / "tests").mkdir()
    (repo / "tests" / "test_tiny.py").write_text(TESTS)
    proc = doover_fsm("test", str(repo), cwd=tmp_path)
    assert proc.returncode == 1, proc.stdout[-3000:]
    assert "doover-fsm test: repo: 3 passed, 1 failed, 0 errors, 0 skipped (of 4)" in proc.stdout


def test_test_passes_pytest_arguments_through(tmp_path):
    repo = make_repo(tmp_path / "repo")
    (repo / "tests").mkdir()
    (repo / "tests" / "test_tiny.py").write_text(TESTS)
    proc = doover_fsm("test", str(repo), "--", "-k", "not failure", cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout[-3000:]
    assert "3 passed, 0 failed, 0 errors, 0 skipped (of 3)" in proc.stdout


@pytest.mark.skipif(not ORACLE_SITE.is_dir(), reason="the pydoover 1.18 oracle is not installed (DFSM_ORACLES)")
def test_plugin_beats_a_real_pydoover_imported_by_a_conftest(tmp_path):
    """`pytest -p doover_fsm.compat` installs before conftests, even with pydoover installed alongside."""
    (tmp_path / "conftest.py").write_text("import pydoover.ui\n")
    (tmp_path / "test_one.py").write_text(textwrap.dedent("""
        import pydoover.ui

        def test_ours():
            assert pydoover.ui.__name__ == "doover_fsm.compat.pydoover.ui"
    """))
    env = dict(os.environ, PYTHONPATH=str(ORACLE_SITE))
    proc = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "doover_fsm.compat", "-p", "no:cacheprovider",
                           str(tmp_path)], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]
    assert "1 passed" in proc.stdout


def test_doover_apps_script_reports_per_app_figures(tmp_path):
    repo = make_repo(tmp_path / "tiny-repo")
    (repo / "tests").mkdir()
    (repo / "tests" / "test_tiny.py").write_text(TESTS)
    script = Path(__file__).parents[2] / "scripts" / "doover-apps"
    env = dict(os.environ, TINY_OUT=str(tmp_path / "tiny.out"))
    proc = subprocess.run([sys.executable, str(script), "--seconds", "1", str(repo), str(tmp_path / "nowhere")],
                          capture_output=True, text=True, env=env, timeout=120)
    assert proc.returncode == 0, proc.stderr[-3000:]
    row = next(line for line in proc.stdout.splitlines() if line.startswith("| tiny-repo |"))
    cells = [c.strip() for c in row.strip("|").split("|")]
    assert cells[1] == "3 passed, 1 failed, 0 errors, 0 skipped (of 4)"
    assert cells[3] == "yes" and int(cells[4]) >= 1 and cells[5] == "0"
    assert "nowhere: not a directory, skipped" in proc.stderr
