"""``doover-fsm diagram MODULE:Class``: print an app's state machine as a Mermaid diagram."""

from __future__ import annotations

import argparse
import importlib
import re
import sys
from pathlib import Path
from typing import Any

from doover_fsm._util.textfile import load_json_file
from doover_fsm.cli._common import CLIError
from doover_fsm.machine.compiler import CompiledMachine, compile_machine
from doover_fsm.machine.diagram import to_mermaid

FSM_STATE_TAG = "fsm_state"


def register(subparsers: Any) -> None:
    """Add the ``diagram`` subcommand."""
    p = subparsers.add_parser("diagram", help="print an app's state machine as a Mermaid stateDiagram-v2")
    p.add_argument("target", metavar="MODULE:Class", help="Application subclass declaring states/transitions")
    p.add_argument("--state", action="append", default=[], metavar="STATE",
                   help="mark STATE (full name) active; repeatable")
    p.add_argument("--tags-json", type=Path, metavar="FILE",
                   help=f"tag_values aggregate dump; the active state is read from [app_key][{FSM_STATE_TAG!r}]")
    p.add_argument("--live", action="store_true",
                   help="mark the state a running app on this device published (local agent store)")
    p.add_argument("--data-dir", metavar="DIR", help="with --live: the local agent's data dir")
    p.add_argument("--app-key", help="app key in the tags dump (default: derived from the class name)")
    p.add_argument("-o", "--output", type=Path, metavar="FILE", help="write to FILE instead of stdout")
    p.set_defaults(func=handler)


def load_class(target: str) -> type:
    """Import ``MODULE:Class`` (the current directory is importable)."""
    mod_name, sep, cls_name = target.partition(":")
    if not sep or not mod_name or not cls_name:
        raise ValueError(f"expected MODULE:Class, got {target!r}")
    if "" not in sys.path:
        sys.path.insert(0, "")
    obj: Any = importlib.import_module(mod_name)
    for part in cls_name.split("."):
        obj = getattr(obj, part)
    if not isinstance(obj, type):
        raise ValueError(f"{target!r} is not a class")
    return obj


def compiled_of(cls: type) -> CompiledMachine:
    """The class's compiled machine (compiling its ``states``/``transitions``/``initial`` if needed)."""
    compiled = getattr(cls, "_compiled_machine", None)
    if isinstance(compiled, CompiledMachine):
        return compiled
    states = getattr(cls, "states", None)
    if not states:
        raise ValueError(f"{cls.__name__} declares no 'states'")
    return compile_machine(states, getattr(cls, "transitions", None) or [], getattr(cls, "initial", None),
                           name=cls.__name__)


def default_app_key(cls: type) -> str:
    key = getattr(cls, "app_key", None)
    if isinstance(key, str):
        return key
    return re.sub(r"[^a-zA-Z0-9_-]+", "_", re.sub(r"(?<!^)(?=[A-Z])", "_", cls.__name__).lower())


def states_from_tags(path: Path, app_key: str) -> list[str]:
    """Active state(s) from a ``tag_values`` dump file."""
    return states_from_aggregate(load_json_file(path, what="tag_values file", error=CLIError), app_key)


def states_from_aggregate(data: Any, app_key: str) -> list[str]:
    """Active state(s) from a ``tag_values`` aggregate: a full name, or a (nested) list for parallel states."""
    value = (data.get(app_key) or {}).get(FSM_STATE_TAG) if isinstance(data, dict) else None
    out: list[str] = []

    def flat(v: Any) -> None:
        if isinstance(v, str):
            out.append(v)
        elif isinstance(v, list | tuple):
            for x in v:
                flat(x)

    flat(value)
    return out


def handler(args: argparse.Namespace) -> int:
    try:
        cls = load_class(args.target)
        compiled = compiled_of(cls)
        active = list(args.state)
        if args.tags_json is not None:
            active += states_from_tags(args.tags_json, args.app_key or default_app_key(cls))
        if args.live:
            from doover_fsm.agent.store import open_store

            with open_store(args.data_dir) as store:
                agg = store.get_aggregate("tag_values") or {}
            active += states_from_aggregate(agg, args.app_key or default_app_key(cls))
        unknown = [s for s in active if s not in compiled.index]
        if unknown:
            print(f"diagram: unknown state(s) {unknown}", file=sys.stderr)
            return 2
        text = to_mermaid(compiled, active)
    except (ImportError, AttributeError, ValueError, OSError) as err:
        print(f"diagram: {err}", file=sys.stderr)
        return 2
    if args.output is not None:
        args.output.write_text(text)
    else:
        sys.stdout.write(text)
    return 0
