"""``doover-fsm tune MODULE:Class``: run the app's real scan at several periods and pick the shortest
one that meets the jitter budget (p99 lateness <= budget x period, and no overruns).

Per period it reports scan-duration and lateness percentiles, CPU use and the overrun rate;
``--write-config`` stores the recommendation as ``loop_target_period`` in the app's JSON config.
Exit code: 0 with a recommendation, 1 when no period met the budget.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from doover_fsm._util.textfile import loads_json, read_utf8
from doover_fsm.cli._common import CLIError, add_data_dir, import_object
from doover_fsm.scheduler.measure import format_period, parse_periods


@dataclass(frozen=True, slots=True)
class TuneRow:
    """What one period did with the app's real scan (times in ns, cpu as % of one core)."""

    period: float
    seconds: float
    scans: int
    overruns: int
    skipped: int
    lateness_p50_ns: int
    lateness_p99_ns: int
    lateness_max_ns: int
    duration_p50_ns: int
    duration_p99_ns: int
    duration_max_ns: int
    cpu_pct: float

    @property
    def overrun_rate(self) -> float:
        return self.overruns / self.scans if self.scans else 0.0

    def meets(self, budget: float) -> bool:
        """p99 lateness within ``budget`` x period and not a single overrun."""
        return self.scans > 0 and self.overruns == 0 and self.lateness_p99_ns <= budget * self.period * 1e9


def recommend(rows: Sequence[TuneRow], budget: float) -> TuneRow | None:
    """The shortest period meeting the budget, or None."""
    ok = [r for r in rows if r.meets(budget)]
    return min(ok, key=lambda r: r.period) if ok else None


def format_tune_table(rows: Sequence[TuneRow], budget: float, best: TuneRow | None) -> str:
    head = (f"{'period':>7} {'scans':>7} {'dur p50 µs':>11} {'dur p99 µs':>11} {'dur max µs':>11} "
            f"{'late p50 µs':>12} {'late p99 µs':>12} {'late max µs':>12} {'cpu %':>6} {'overrun %':>9}  ok")
    lines = [head, "-" * len(head)]
    for r in sorted(rows, key=lambda r: r.period):
        mark = "<- recommended" if r is best else ("yes" if r.meets(budget) else "no")
        lines.append(
            f"{format_period(r.period):>7} {r.scans:>7d} {r.duration_p50_ns / 1e3:>11.1f} "
            f"{r.duration_p99_ns / 1e3:>11.1f} {r.duration_max_ns / 1e3:>11.1f} "
            f"{r.lateness_p50_ns / 1e3:>12.1f} {r.lateness_p99_ns / 1e3:>12.1f} "
            f"{r.lateness_max_ns / 1e3:>12.1f} {r.cpu_pct:>6.1f} {100 * r.overrun_rate:>9.2f}  {mark}")
    if best is None:
        lines.append(f"no period met the budget (p99 lateness <= {budget:g} x period, no overruns)")
    else:
        lines.append(f"recommended loop_target_period: {best.period:g} s ({format_period(best.period)}); "
                     f"budget {budget:g} x period")
    return "\n".join(lines)


def tune_report(rows: Sequence[TuneRow], budget: float, best: TuneRow | None, app: str,
                board: str | None) -> dict[str, Any]:
    """The JSON document ``--json`` writes."""
    return {
        "app": app, "board": board, "budget": budget,
        "recommended_period": None if best is None else best.period,
        "periods": [{**asdict(r), "overrun_rate": r.overrun_rate, "meets_budget": r.meets(budget)}
                    for r in sorted(rows, key=lambda r: r.period)],
    }


def write_config(path: Path, period: float) -> None:
    """Set ``loop_target_period`` in a JSON config file, keeping every other key (creates the file)."""
    data: dict[str, Any] = {}
    if path.exists():
        text = read_utf8(path, what="config file", error=CLIError)
        if text.strip():
            loaded = loads_json(text, source=f"config file {str(path)!r}", error=CLIError)
            if not isinstance(loaded, dict):
                raise CLIError(f"{path}: the config must be a JSON object to set loop_target_period")
            data = loaded
    data["loop_target_period"] = period
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(data, indent=2) + "\n")
    tmp.replace(path)


def plot(rows: Sequence[TuneRow], budget: float, out: Path) -> None:
    """Lateness and duration percentiles against the period (needs the ``plot`` extra)."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError as exc:
        raise CLIError("--plot needs matplotlib: pip install 'doover_fsm[plot]'") from exc
    rs = sorted(rows, key=lambda r: r.period)
    x = [r.period * 1e3 for r in rs]
    fig, ax = plt.subplots(figsize=(7, 4))
    ax.plot(x, [r.lateness_p50_ns / 1e3 for r in rs], "o-", label="lateness p50")
    ax.plot(x, [r.lateness_p99_ns / 1e3 for r in rs], "o-", label="lateness p99")
    ax.plot(x, [r.duration_p99_ns / 1e3 for r in rs], "s--", label="scan duration p99")
    ax.plot(x, [budget * v * 1e3 for v in x], ":", label=f"budget ({budget:g} x period)")
    ax.set_xlabel("period (ms)")
    ax.set_ylabel("µs")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.legend()
    ax.set_title("doover-fsm tune")
    fig.tight_layout()
    fig.savefig(out)
    plt.close(fig)


class _Progress:
    """A one-line progress bar on stderr. Not thread-safe (loop thread only)."""

    def __init__(self, total_s: float, enabled: bool) -> None:
        self.total = total_s
        self.done = 0.0
        self.enabled = enabled
        self.label = ""

    def draw(self, extra: float = 0.0) -> None:
        if not self.enabled:
            return
        frac = min(1.0, (self.done + extra) / self.total) if self.total else 1.0
        bar = "#" * int(30 * frac)
        sys.stderr.write(f"\r[{bar:<30}] {100 * frac:5.1f}% {self.label:<24}")
        sys.stderr.flush()

    def finish(self) -> None:
        if self.enabled:
            sys.stderr.write("\n")
            sys.stderr.flush()


async def _run_period(cls: type, period: float, seconds: float, args: argparse.Namespace,
                      data_dir: str, progress: _Progress) -> TuneRow:
    kwargs: dict[str, Any] = {"test_mode": False, "board": args.board, "config_fp": args.config,
                              "data_dir": data_dir}
    if args.app_key:
        kwargs["app_key"] = args.app_key
    app = cls(**kwargs)
    progress.label = f"{format_period(period)} ({args.app})"
    start = time.monotonic()

    async def ticker() -> None:
        while True:
            progress.draw(min(seconds, time.monotonic() - start))
            await asyncio.sleep(0.2)

    tick = asyncio.create_task(ticker())
    cpu0 = time.process_time()
    ru0 = resource.getrusage(resource.RUSAGE_SELF)
    try:
        st = await app.run_for(seconds, period)
    finally:
        tick.cancel()
    wall = max(time.monotonic() - start, 1e-9)
    ru1 = resource.getrusage(resource.RUSAGE_SELF)
    cpu = max(time.process_time() - cpu0, (ru1.ru_utime + ru1.ru_stime) - (ru0.ru_utime + ru0.ru_stime))
    progress.done += seconds
    progress.draw()
    return TuneRow(period, seconds, st.scans, st.overruns, st.skipped, st.lateness_p50_ns, st.lateness_p99_ns,
                   st.lateness_max_ns, st.duration_p50_ns, st.duration_p99_ns, st.duration_max_ns,
                   100.0 * cpu / wall)


def register(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser(
        "tune", help="find the shortest scan period an app can hold on this board",
        description="Run the app's real scan at each period and recommend the shortest period whose p99 "
                    "lateness is within the budget with no overruns. Example: doover-fsm tune "
                    "examples.pump_station:PumpStation --board virtual --periods 1ms,2ms,5ms,10ms --seconds 5",
    )
    p.add_argument("app", metavar="MODULE:Class", help="the Application subclass")
    p.add_argument("--board", metavar="NAME", help="board config name or TOML path")
    p.add_argument("--config", metavar="FILE", help="app config JSON")
    p.add_argument("--app-key", metavar="KEY", help="the app's key (default: from the class name)")
    p.add_argument("--periods", default="1ms,2ms,5ms,10ms", metavar="LIST",
                   help="comma-separated periods to try (default 1ms,2ms,5ms,10ms)")
    p.add_argument("--seconds", type=float, default=5.0, metavar="S", help="seconds per period (default 5)")
    p.add_argument("--budget", type=float, default=0.05, metavar="F",
                   help="allowed p99 lateness as a fraction of the period (default 0.05)")
    p.add_argument("--json", metavar="FILE", help="write the results as JSON")
    p.add_argument("--plot", metavar="FILE.png", help="plot lateness/duration vs period (needs matplotlib)")
    p.add_argument("--write-config", metavar="FILE",
                   help="set loop_target_period to the recommendation in this JSON config file")
    p.add_argument("--no-progress", action="store_true", help="no progress bar on stderr")
    add_data_dir(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if not args.seconds > 0:
        raise CLIError(f"--seconds must be > 0, got {args.seconds}")
    if not 0 < args.budget <= 1:
        raise CLIError(f"--budget must be a fraction in (0, 1], got {args.budget}")
    periods = parse_periods(args.periods)
    from doover_fsm.app.application import Application

    cls = import_object(args.app)
    if not (isinstance(cls, type) and issubclass(cls, Application)):
        raise CLIError(f"{args.app} is not an Application subclass")
    if args.plot:  # fail before the long run, not after it
        try:
            import matplotlib  # noqa: F401
        except ImportError as exc:
            raise CLIError("--plot needs matplotlib: pip install 'doover_fsm[plot]'") from exc
    progress = _Progress(args.seconds * len(periods), not args.no_progress)

    async def main(data_dir: str) -> list[TuneRow]:
        return [await _run_period(cls, period, args.seconds, args, data_dir, progress) for period in periods]

    if args.data_dir:
        rows = asyncio.run(main(args.data_dir))
    else:  # a scratch store: tuning must not write into the device's agent store
        with tempfile.TemporaryDirectory(prefix="doover-fsm-tune-") as tmp:
            rows = asyncio.run(main(tmp))
    progress.finish()
    best = recommend(rows, args.budget)
    print(format_tune_table(rows, args.budget, best))
    if args.json:
        Path(args.json).write_text(json.dumps(tune_report(rows, args.budget, best, args.app, args.board),
                                              indent=2) + "\n")
    if args.plot:
        plot(rows, args.budget, Path(args.plot))
    if args.write_config:
        if best is None:
            print(f"not writing {args.write_config}: no period met the budget", file=sys.stderr)
        else:
            write_config(Path(args.write_config), best.period)
            print(f"wrote loop_target_period={best.period:g} to {args.write_config}")
    return 0 if best is not None else 1
