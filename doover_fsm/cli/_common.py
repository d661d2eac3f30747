"""Helpers shared by CLI commands: importing ``module:Class``, the data dir option, JSON output."""

from __future__ import annotations

import argparse
import importlib
import json
import os
import sys
from pathlib import Path
from typing import Any

from doover_fsm._util.usererrors import describe, in_code_of
from doover_fsm.errors import DooverFSMError


class CLIError(DooverFSMError, ValueError):
    """A command-line argument is wrong; the message says what to do."""


def import_object(spec: str) -> Any:
    """``package.module:Name`` or ``path/to/file.py:Name`` → the object."""
    if ":" not in spec:
        raise CLIError(f"{spec!r}: expected MODULE:Class, e.g. examples.pump_station:PumpStation")
    module_name, _, attr = spec.partition(":")
    if module_name.endswith(".py") or os.sep in module_name:
        path = Path(module_name).resolve()
        if not path.is_file():
            raise CLIError(f"{module_name!r}: no such file")
        sys.path.insert(0, str(path.parent))
        module_name = path.stem
    elif "" not in sys.path and os.getcwd() not in sys.path:
        sys.path.insert(0, os.getcwd())
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name is not None and exc.name != module_name and not module_name.startswith(f"{exc.name}."):
            raise CLIError(f"importing {module_name!r}: {exc} (at {in_code_of(exc)}); is it installed in "
                           f"this environment ({sys.executable})?") from None
        raise CLIError(f"cannot import {module_name!r} ({exc}); run from the directory that contains it "
                       "or give a path like path/to/app.py:Class") from exc
    except SyntaxError as exc:  # the app does not compile: file, line and message, no importlib frames
        raise CLIError(describe(exc)) from None
    except Exception as exc:  # the module failed while running its top level
        raise CLIError(f"importing {module_name!r} failed at {in_code_of(exc)}: "
                       f"{type(exc).__name__}: {exc}") from None
    obj: Any = module
    for part in attr.split("."):
        try:
            obj = getattr(obj, part)
        except AttributeError:
            raise CLIError(f"module {module_name!r} has no attribute {attr!r}") from None
    return obj


def add_data_dir(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--data-dir", metavar="DIR",
                        help="where the local agent keeps its SQLite store (default: $DOOVER_FSM_DATA_DIR, "
                             "else ~/.local/share/doover_fsm)")


def print_json(value: Any) -> None:
    print(json.dumps(value, indent=2, sort_keys=True, default=str))
