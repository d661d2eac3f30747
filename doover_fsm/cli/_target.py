"""What ``doover-fsm run`` / ``doover-fsm test`` are pointed at, in the forms Doover app repos use.

A target is one of:

- ``module:Class`` or ``path/to/file.py:Class``: an Application subclass;
- ``path/to/file.py``: the file run as ``__main__`` (``python file.py``), whose own
  ``if __name__ == "__main__": run_app(App())`` starts the app;
- ``module:function`` (e.g. ``pkg:main``): a Doover entry point whose body calls ``run_app(App())``;
- an app directory: ``pyproject.toml`` names the entry in ``[project.scripts] doover-app-run =
  "pkg:main"`` and the code lives in ``src/<pkg>`` (or the directory itself);
- a ``doover-app-run`` console script (the file pip/uv write, ``from pkg import main``), or the bare
  word ``doover-app-run`` meaning "the app in the current directory".
"""

from __future__ import annotations

import re
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path

from doover_fsm.cli._common import CLIError

ENTRY_SCRIPT = "doover-app-run"
_SCRIPT_IMPORT = re.compile(r"^from\s+([\w.]+)\s+import\s+(\w+)\s*$", re.MULTILINE)


@dataclass(frozen=True)
class AppTarget:
    """A resolved target: ``spec`` (``module:attr``) to import, with ``paths`` put first on sys.path."""

    spec: str
    paths: tuple[Path, ...] = ()
    project_dir: Path | None = None
    script: Path | None = None  # a FILE.py run as __main__ instead of importing ``spec``


def resolve(text: str) -> AppTarget:
    """Turn the user's APP argument into an :class:`AppTarget` (nothing is imported yet)."""
    path = Path(text)
    if text == ENTRY_SCRIPT and not path.exists():
        return from_directory(Path.cwd())
    if path.is_dir():
        return from_directory(path)
    if path.is_file() and ":" not in text:
        if path.suffix == ".py":
            return AppTarget(f"{path.stem}:__main__", (path.resolve().parent,), script=path.resolve())
        return from_script(path)
    if ":" not in text:
        raise CLIError(f"{text!r} is not an app: give MODULE:Class, pkg:main, an app directory "
                       f"(with pyproject.toml or src/<pkg>) or a {ENTRY_SCRIPT} script")
    return AppTarget(text)


def from_directory(directory: Path) -> AppTarget:
    """An app repo: find its entry from ``pyproject.toml``, else the one ``src/<pkg>`` with ``main``."""
    directory = directory.resolve()
    code_root = directory / "src" if (directory / "src").is_dir() else directory
    entry = _entry_from_pyproject(directory / "pyproject.toml")
    if entry is None:
        entry = _entry_from_src(code_root)
    return AppTarget(entry, (code_root,), directory)


def from_script(script: Path) -> AppTarget:
    """A console script: read its ``from pkg import main`` line; the app is the repo around its venv."""
    script = script.resolve()
    try:
        text = script.read_text(errors="replace")
    except OSError as e:
        raise CLIError(f"cannot read {script}: {e}") from None
    found = _SCRIPT_IMPORT.findall(text)
    if not found:
        raise CLIError(f"{script} is not a console script of the form 'from pkg import main'")
    module, attr = found[-1]
    paths: list[Path] = []
    project = _enclosing_project(script)
    if project is not None:
        paths.append(project / "src" if (project / "src").is_dir() else project)
    return AppTarget(f"{module}:{attr}", tuple(paths), project)


def _entry_from_pyproject(pyproject: Path) -> str | None:
    if not pyproject.is_file():
        return None
    try:
        data = tomllib.loads(pyproject.read_text())
    except (OSError, tomllib.TOMLDecodeError) as e:
        raise CLIError(f"{pyproject}: cannot read it as TOML ({e})") from None
    scripts = data.get("project", {}).get("scripts", {})
    entry = scripts.get(ENTRY_SCRIPT)
    if entry is None:
        return None
    if not isinstance(entry, str) or ":" not in entry:
        raise CLIError(f"{pyproject}: [project.scripts] {ENTRY_SCRIPT} = {entry!r} is not 'module:function'")
    return entry.strip()


def _entry_from_src(code_root: Path) -> str:
    candidates = sorted(p.parent.name for p in code_root.glob("*/__init__.py")
                        if re.search(r"^def main\(", p.read_text(errors="replace"), re.MULTILINE))
    if len(candidates) == 1:
        return f"{candidates[0]}:main"
    where = f"{code_root}/<pkg>/__init__.py"
    if not candidates:
        raise CLIError(f"no app found in {code_root.parent}: no pyproject [project.scripts] {ENTRY_SCRIPT} "
                       f"and no main() in {where}")
    raise CLIError(f"several packages in {code_root} define main() ({', '.join(candidates)}); "
                   f"name one, e.g. {candidates[0]}:main")


def _enclosing_project(start: Path) -> Path | None:
    for parent in start.parents:
        if (parent / "pyproject.toml").is_file():
            return parent
    return None


def add_paths(target: AppTarget) -> None:
    """Put the target's code roots first on ``sys.path`` (idempotent)."""
    for p in reversed(target.paths):
        s = str(p)
        if s in sys.path:
            sys.path.remove(s)
        sys.path.insert(0, s)
