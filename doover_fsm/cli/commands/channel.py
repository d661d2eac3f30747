"""``doover-fsm channel show|post|patch|list``: look at and write the local agent's channels."""

from __future__ import annotations

import argparse
from typing import Any

from doover_fsm._util.textfile import loads_json
from doover_fsm.agent.store import open_store
from doover_fsm.cli._common import add_data_dir, print_json
from doover_fsm.errors import ChannelMessageError


def register(sub: Any) -> None:
    p = sub.add_parser("channel", help="show or write channels of the local agent",
                       description="Read and write the channels a running app on this device uses. "
                                   "A running app sees a write within one scan.")
    csub = p.add_subparsers(dest="channel_command", metavar="ACTION", required=True)

    show = csub.add_parser("show", help="the aggregate and the newest messages of a channel")
    show.add_argument("name", help="channel name, e.g. tag_values")
    show.add_argument("--messages", type=_count, default=5, metavar="N",
                      help=f"how many messages, 0..{MAX_MESSAGES} (default 5)")
    add_data_dir(show)
    show.set_defaults(func=_show)

    post = csub.add_parser("post", help="post a message (JSON) on a channel",
                           description="Example: doover-fsm channel post ui_cmds "
                                       "'{\"type\":\"rpc\",\"method\":\"start\",\"request\":{},\"app_key\":\"pump\"}'")
    post.add_argument("name")
    post.add_argument("json", help="the message data as JSON")
    add_data_dir(post)
    post.set_defaults(func=_post)

    patch = csub.add_parser("patch", help="merge-patch a channel's aggregate (JSON; null deletes a key)")
    patch.add_argument("name")
    patch.add_argument("json")
    patch.add_argument("--replace", action="store_true", help="replace the aggregate instead of merging")
    add_data_dir(patch)
    patch.set_defaults(func=_patch)

    lst = csub.add_parser("list", help="the channels the store knows")
    add_data_dir(lst)
    lst.set_defaults(func=_list)


def _show(args: argparse.Namespace) -> int:
    with open_store(args.data_dir) as store:
        print_json({
            "channel": args.name,
            "aggregate": store.get_aggregate(args.name),
            "messages": [{"id": m.id, "ts": m.ts, "author": m.author, "data": m.data}
                         for m in store.list_messages(args.name, limit=args.messages)],
        })
    return 0


MAX_MESSAGES = 100_000


def _count(text: str) -> int:
    try:
        n = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if not 0 <= n <= MAX_MESSAGES:
        raise argparse.ArgumentTypeError(f"must be 0..{MAX_MESSAGES}, got {text!r}")
    return n


def _parse(channel: str, text: str, what: str) -> Any:
    """The JSON argument: at most MAX_JSON_DEPTH deep, UTF-8; errors name channel and position."""
    return loads_json(text, source=f"channel {channel!r}: {what}", error=ChannelMessageError)


def _post(args: argparse.Namespace) -> int:
    data = _parse(args.name, args.json, "message")
    with open_store(args.data_dir) as store:
        print(store.post_message(args.name, data))
    return 0


def _patch(args: argparse.Namespace) -> int:
    data = _parse(args.name, args.json, "aggregate patch")
    with open_store(args.data_dir) as store:
        print_json(store.update_aggregate(args.name, data, replace=args.replace))
    return 0


def _list(args: argparse.Namespace) -> int:
    with open_store(args.data_dir) as store:
        for name in store.channels():
            print(name)
    return 0
