"""``run_app``: start an Application the Doover way (blocking, or as a coroutine for tests)."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
from collections.abc import Coroutine, Sequence
from typing import TYPE_CHECKING, Any

from doover_fsm._util.usererrors import exit_on_user_error
from doover_fsm.app.lifecycle import Lifecycle

if TYPE_CHECKING:
    from doover_fsm.app.runtime import RunnableApp as Application


class _Formatter(logging.Formatter):
    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)-7s %(name)s: %(message)s", "%H:%M:%S")


def configure_logging(debug: bool = False, formatter: logging.Formatter | None = None,
                      filters: logging.Filter | Sequence[logging.Filter] | None = None) -> None:
    """Log to stderr with a readable format (idempotent)."""
    root = logging.getLogger()
    root.setLevel(logging.DEBUG if debug else logging.INFO)
    handler = next((h for h in root.handlers if getattr(h, "_doover_fsm", False)), None)
    if handler is None:
        handler = logging.StreamHandler(sys.stderr)
        handler._doover_fsm = True  # type: ignore[attr-defined]
        root.addHandler(handler)
    handler.setFormatter(formatter or _Formatter())
    # pymodbus logs every timeout itself ("No response received ..."); doover_fsm already reports
    # each failure once, as a typed error and a modbus_error/modbus_lost event naming bus and
    # device. Its own lines are kept for --debug.
    logging.getLogger("pymodbus").setLevel(logging.DEBUG if debug else logging.CRITICAL)
    if filters is not None:
        for f in [filters] if isinstance(filters, logging.Filter) else filters:
            handler.addFilter(f)


def _parse_argv(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(add_help=False)
    parser.add_argument("--app-key")
    parser.add_argument("--config-fp", "--config", dest="config_fp")
    parser.add_argument("--board")
    parser.add_argument("--period", type=float)
    parser.add_argument("--agent")
    parser.add_argument("--data-dir")
    parser.add_argument("--healthcheck-port", type=int)
    parser.add_argument("--debug", action="store_true")
    args, _unknown = parser.parse_known_args(argv)
    return args


def apply_options(app: Application, *, app_key: str | None = None, config_fp: str | None = None,
                  board: str | None = None, period: float | None = None, data_dir: str | None = None,
                  healthcheck_port: int | None = None, rt_priority: int | None = None,
                  cpu: list[int] | None = None, mlock: bool = False, timer_slack_ns: int | None = None) -> None:
    """Apply deploy-time options (CLI flags / environment) to an app that is not started yet."""
    from pathlib import Path

    rt = app.dfsm
    opts = rt.options
    if app_key:
        rt.rebind_app_key(app_key)
    if config_fp:
        path = Path(config_fp)
        if not path.is_file():
            raise FileNotFoundError(f"config file {config_fp!r} does not exist")
        opts.config_fp = path
    if board:
        opts.board_name = board
    if period is not None:
        rt.period.set_deploy(period, "--period")  # the deploy-time choice beats the app's
    if data_dir:
        opts.data_dir = Path(data_dir)
    if healthcheck_port is not None:
        opts.healthcheck_port = healthcheck_port
    if rt_priority is not None or cpu or mlock or timer_slack_ns is not None:
        from doover_fsm.scheduler import RealtimeSettings

        opts.realtime = RealtimeSettings(priority=rt_priority, cpu=cpu or None, mlock=mlock,
                                        timer_slack_ns=timer_slack_ns)


async def run_lifecycle(app: Application, *, agent_url: str | None = None, install_signals: bool = False,
                        stop_after: float | None = None) -> Any:
    """Run ``app`` until it is stopped; return its timing statistics."""
    life = Lifecycle(app.dfsm, agent_url=agent_url, install_signals=install_signals)
    return await life.run(stop_after=stop_after)


def run_app(app: Application, start: bool = True, setup_logging: bool = True,
            log_formatter: logging.Formatter | None = None,
            log_filters: logging.Filter | Sequence[logging.Filter] | None = None) -> Coroutine[Any, Any, Any] | None:
    """Run ``app``: blocking until SIGTERM/SIGINT (``start=True``), or return the coroutine to run.

    With ``start=True`` the deploy options are read from the command line and environment
    (``--app-key``/``APP_KEY``, ``--config``/``CONFIG_FP``, ``--board``/``DOOVER_BOARD``,
    ``--period``, ``--agent``/``DOOVER_AGENT_URL``, ``--data-dir``, ``--healthcheck-port``/
    ``HEALTHCHECK_PORT``, ``--debug``/``DEBUG=1``). ``start=False`` (tests) reads neither.
    """
    agent_url = None
    debug = False
    if start:
        with exit_on_user_error():  # a wrong flag or env value is one "error:" line, not a traceback
            args = _parse_argv(sys.argv[1:])
            env = os.environ
            port = args.healthcheck_port or (int(env["HEALTHCHECK_PORT"]) if env.get("HEALTHCHECK_PORT") else None)
            apply_options(app, app_key=args.app_key or env.get("APP_KEY"),
                          config_fp=args.config_fp or env.get("CONFIG_FP"), board=args.board, period=args.period,
                          data_dir=args.data_dir, healthcheck_port=port)
        agent_url = args.agent
        debug = args.debug or env.get("DEBUG") == "1"
    if setup_logging:
        configure_logging(debug, log_formatter, log_filters)
    coro = run_lifecycle(app, agent_url=agent_url, install_signals=start)
    if not start:
        return coro
    try:
        with exit_on_user_error():  # e.g. an unknown board, a second copy of the app: one clear line
            asyncio.run(coro)
    except KeyboardInterrupt:
        pass
    return None
