"""``doover-fsm run APP``: run an app live until SIGTERM/SIGINT (or ``--duration``).

APP is what a Doover app repo contains (see :mod:`doover_fsm.cli._target`): ``module:Class``,
``pkg:main``, an app directory, or its ``doover-app-run`` script. The pydoover compat hook is
always installed first: it only answers ``pydoover…`` imports, so it costs nothing for a native
doover_fsm app, and whether an app imports pydoover is only known once it has been imported.
An entry point's own ``run_app(App())`` call is answered by this command, so the deploy options
given here (board, period, agent, data dir, duration, …) apply to it.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import runpy
import sys
from collections.abc import Coroutine, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from doover_fsm import compat
from doover_fsm.app.application import Application
from doover_fsm.app.run import apply_options, configure_logging, run_lifecycle
from doover_fsm.cli import _target
from doover_fsm.cli._common import CLIError, add_data_dir, import_object

log = logging.getLogger("doover_fsm.cli")


def register(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser(
        "run", help="run an app (live scan) until stopped",
        description="Run an Application subclass on its board until SIGTERM/SIGINT. "
                    "Example: doover-fsm run examples.pump_station:PumpStation --board virtual; "
                    "doover-fsm run path/to/app-repo --board virtual (a Doover app unchanged)",
    )
    p.add_argument("app", metavar="APP",
                   help="MODULE:Class (e.g. examples.hello:HelloApp), an entry point pkg:main that calls "
                        "run_app(App()), an app directory (pyproject [project.scripts] doover-app-run, src/<pkg>), "
                        "or a doover-app-run script")
    p.add_argument("--config", metavar="FILE", help="app config JSON (else $CONFIG_FP, else the deployment_config "
                                                    "channel)")
    p.add_argument("--board", metavar="NAME", help="board config name or TOML path (else $DOOVER_BOARD, "
                                                   "the app config's 'board', auto-detection)")
    p.add_argument("--app-key", metavar="KEY",
                   help="the app's key in tag_values (else $APP_KEY, else from the class name)")
    p.add_argument("--period", metavar="S", type=float, help="scan period in seconds (default: the app's)")
    p.add_argument("--agent", metavar="URL", help="mqtt://[user:pass@]host:port[/prefix] for a fleet broker "
                                                  "(default: the local SQLite agent)")
    add_data_dir(p)
    p.add_argument("--healthcheck-port", metavar="PORT", type=int, help="serve a health endpoint on 127.0.0.1")
    rt = p.add_argument_group("real-time knobs (override the board's [scheduler] hints; each reports if refused)")
    rt.add_argument("--rt-priority", metavar="N", type=int, help="SCHED_FIFO priority 1..99 for the scan thread only")
    rt.add_argument("--cpu", metavar="N[,N]", type=_cpus, help="pin the scan thread to these CPUs")
    rt.add_argument("--mlock", action="store_true", help="lock the process's memory (mlockall)")
    rt.add_argument("--timer-slack-ns", metavar="NS", type=int, help="the scan thread's timer slack")
    p.add_argument("--duration", metavar="S", type=float, help="stop by itself after S seconds")
    p.add_argument("--status-every", metavar="S", type=float, default=0.0,
                   help="print a status line (scans, state, timing, tags) every S seconds")
    p.add_argument("--debug", action="store_true", help="debug logging")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    compat.install()
    target = _target.resolve(args.app)
    _target.add_paths(target)
    configure_logging(args.debug)
    with _answer_run_app(args) as started:
        if target.script is not None:
            _run_script(target.script)
            if not started:
                raise CLIError(f"{target.script} ran without calling run_app(App()): nothing was run "
                               "(give the class: FILE.py:Class)")
            return 0
        obj = import_object(target.spec)
        if isinstance(obj, type) and issubclass(obj, Application):
            _run(obj(), args)
            return 0
        if isinstance(obj, type) or not callable(obj):
            raise CLIError(f"{target.spec} is neither an Application subclass nor an entry point like pkg:main")
        result = obj()
        if asyncio.iscoroutine(result):
            asyncio.run(result)
    if not started:
        raise CLIError(f"{target.spec} returned without calling run_app(App()): nothing was run")
    return 0


@contextmanager
def _answer_run_app(args: argparse.Namespace) -> Iterator[list[Application]]:
    """While active, ``run_app(app)`` runs ``app`` with this command's options.

    Apps bind ``run_app`` when they are imported (``from pydoover.docker import run_app``,
    ``from doover_fsm.docker import …``), so every doover_fsm module that re-exports it is
    rebound before the app is imported, and restored afterwards.
    """
    import doover_fsm.compat.pydoover.docker
    import doover_fsm.docker  # noqa: F401  (the seed example's import site)
    from doover_fsm.app.run import run_app as original

    started: list[Application] = []

    def run_app(app: Any, start: bool = True, setup_logging: bool = True,
                log_formatter: Any = None, log_filters: Any = None) -> Coroutine[Any, Any, Any] | None:
        if not isinstance(app, Application):
            raise CLIError(f"run_app() was given {type(app).__name__}, not an Application")
        started.append(app)
        if not start:
            _apply(app, args)
            return _main(app, args)
        _run(app, args)
        return None

    sites = [m for name, m in list(sys.modules.items())
             if name.split(".")[0] == "doover_fsm" and getattr(m, "run_app", None) is original]
    for module in sites:
        module.run_app = run_app  # type: ignore[attr-defined]
    try:
        yield started
    finally:
        for module in sites:
            module.run_app = original  # type: ignore[attr-defined]


def _run_script(path: Path) -> None:
    """``python FILE.py``: run it as ``__main__`` (its own ``if __name__ == "__main__": run_app(...)``)."""
    saved = sys.argv[:]
    sys.argv = [str(path)]
    try:
        runpy.run_path(str(path), run_name="__main__")
    except SystemExit as e:
        if e.code not in (None, 0):
            raise
    finally:
        sys.argv = saved


def _apply(app: Application, args: argparse.Namespace) -> None:
    """The deploy options; as in a Doover container, $APP_KEY, $CONFIG_FP and $HEALTHCHECK_PORT stand in
    for the flags not given."""
    env = os.environ
    port = args.healthcheck_port
    if port is None and env.get("HEALTHCHECK_PORT"):
        try:
            port = int(env["HEALTHCHECK_PORT"])
        except ValueError:
            raise CLIError(f"$HEALTHCHECK_PORT must be a port number, got {env['HEALTHCHECK_PORT']!r}") from None
    apply_options(app, app_key=args.app_key or env.get("APP_KEY"), config_fp=args.config or env.get("CONFIG_FP"),
                  board=args.board, period=args.period, data_dir=args.data_dir, healthcheck_port=port,
                  rt_priority=args.rt_priority, cpu=args.cpu, mlock=args.mlock, timer_slack_ns=args.timer_slack_ns)


def _run(app: Application, args: argparse.Namespace) -> None:
    _apply(app, args)
    asyncio.run(_main(app, args))


async def _main(app: Application, args: argparse.Namespace) -> None:
    status = None
    if args.status_every and args.status_every > 0:
        status = asyncio.get_running_loop().create_task(_print_status(app, args.status_every))
    try:
        await run_lifecycle(app, agent_url=args.agent, install_signals=True, stop_after=args.duration)
    finally:
        if status is not None:
            status.cancel()
    _print_status_line(app, final=True)


def _cpus(text: str) -> list[int]:
    try:
        return [int(c) for c in text.split(",") if c.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"--cpu takes CPU numbers like 1 or 0,1; got {text!r}") from None


async def _print_status(app: Application, every: float) -> None:
    await app.wait_until_ready()
    while True:
        await asyncio.sleep(every)
        _print_status_line(app)


def _print_status_line(app: Application, final: bool = False) -> None:
    st = app.statistics()
    parts = [f"[{app.app_key}]"]
    if st is not None:
        parts.append(f"scans={st.scans} overruns={st.overruns} "
                     f"lateness p50={st.lateness_p50_ns / 1000:.0f}us p99={st.lateness_p99_ns / 1000:.0f}us")
    if app.machine is not None:
        parts.append(f"state={app.machine.state}")
    tags = {t.name: t.get() for t in app.tags}
    if tags:
        parts.append("tags=" + ", ".join(f"{k}={v!r}" for k, v in tags.items()))
    print(("final: " if final else "") + " ".join(parts), file=sys.stdout, flush=True)
