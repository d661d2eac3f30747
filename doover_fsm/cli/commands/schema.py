"""``doover-fsm schema MODULE:Class``: the app's config as JSON Schema (and its tags and UI)."""

from __future__ import annotations

import argparse
from typing import Any

from doover_fsm.app.application import Application
from doover_fsm.cli._common import CLIError, import_object, print_json
from doover_fsm.config.schema import Schema
from doover_fsm.tags.declare import Tags


def register(sub: Any) -> None:
    p = sub.add_parser("schema", help="print an app's config JSON Schema, tags and UI",
                       description="Print the JSON Schema of an app's config (what deployment_config or "
                                   "--config must hold); --tags and --ui print its declared tags and UI.")
    p.add_argument("app", metavar="MODULE:Class")
    p.add_argument("--tags", action="store_true", help="the declared tags instead")
    p.add_argument("--ui", action="store_true", help="the published UI schema instead")
    p.set_defaults(func=_schema)


def _schema(args: argparse.Namespace) -> int:
    cls = import_object(args.app)
    if not (isinstance(cls, type) and issubclass(cls, Application)):
        raise CLIError(f"{args.app} is not an Application subclass")
    if args.tags:
        tags_cls = cls.tags_cls or cls.tags_class or Tags
        print_json({name: decl.to_schema() for name, decl in tags_cls.declarations().items()})
    elif args.ui:
        ui_cls = cls.ui_cls or cls.ui_class
        print_json(ui_cls().to_schema(None) if ui_cls is not None else {})
    else:
        config_cls = cls.config_cls or cls.config_class or Schema
        print_json(config_cls().to_schema())
    return 0
