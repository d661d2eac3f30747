"""``doover-fsm tags [APP_KEY]``: the current tag values (the ``tag_values`` aggregate)."""

from __future__ import annotations

import argparse
from typing import Any

from doover_fsm.agent.store import open_store
from doover_fsm.cli._common import add_data_dir, print_json


def register(sub: Any) -> None:
    p = sub.add_parser("tags", help="current tag values of the apps on this device",
                       description="Print the tag_values aggregate (all apps), or one app's tags.")
    p.add_argument("app_key", nargs="?", help="only this app's tags")
    add_data_dir(p)
    p.set_defaults(func=_tags)


def _tags(args: argparse.Namespace) -> int:
    with open_store(args.data_dir) as store:
        values = store.get_aggregate("tag_values") or {}
    if args.app_key:
        if args.app_key not in values:
            known = sorted(k for k, v in values.items() if isinstance(v, dict))
            print(f"no tags for app {args.app_key!r} (apps with tags: {', '.join(known) or 'none'})")
            return 1
        values = values[args.app_key]
    print_json(values)
    return 0
