"""``doover-fsm run MODULE:Class``: run an app live until SIGTERM/SIGINT (or ``--duration``)."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from typing import Any

from doover_fsm.app.application import Application
from doover_fsm.app.run import apply_options, configure_logging, run_lifecycle
from doover_fsm.cli._common import CLIError, add_data_dir, import_object

log = logging.getLogger("doover_fsm.cli")


def register(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser(
        "run", help="run an app (live scan) until stopped",
        description="Run an Application subclass on its board until SIGTERM/SIGINT. "
                    "Example: doover-fsm run examples.pump_station:PumpStation --board virtual",
    )
    p.add_argument("app", metavar="MODULE:Class", help="the Application subclass, e.g. examples.hello:HelloApp")
    p.add_argument("--config", metavar="FILE", help="app config JSON (else the deployment_config channel)")
    p.add_argument("--board", metavar="NAME", help="board config name or TOML path (else $DOOVER_BOARD, "
                                                   "the app config's 'board', auto-detection)")
    p.add_argument("--app-key", metavar="KEY", help="the app's key in tag_values (default: from the class name)")
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
    cls = import_object(args.app)
    if not (isinstance(cls, type) and issubclass(cls, Application)):
        raise CLIError(f"{args.app} is not an Application subclass")
    configure_logging(args.debug)
    app = cls()
    apply_options(app, app_key=args.app_key, config_fp=args.config, board=args.board, period=args.period,
                  data_dir=args.data_dir, healthcheck_port=args.healthcheck_port, rt_priority=args.rt_priority,
                  cpu=args.cpu, mlock=args.mlock, timer_slack_ns=args.timer_slack_ns)

    async def main() -> None:
        status = None
        if args.status_every and args.status_every > 0:
            status = asyncio.get_running_loop().create_task(_print_status(app, args.status_every))
        try:
            await run_lifecycle(app, agent_url=args.agent, install_signals=True, stop_after=args.duration)
        finally:
            if status is not None:
                status.cancel()
        _print_status_line(app, final=True)

    asyncio.run(main())
    return 0


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
