"""Two app processes on one mosquitto, the broker killed mid-stream (issue 11, defect 1).

App A (``Sender``) creates ``N`` messages on ``events``, one per scan; app B (``Receiver``)
subscribes with ``on_message_create`` and appends each message it is given to a file. Both are
real ``doover-fsm run … --agent mqtt://127.0.0.1:PORT/site`` processes, the broker is configured
as the README says (``persistence true``, nothing else). While A is sending, the broker is killed
with SIGKILL (or stopped with SIGTERM) and started again on the same port and persistence file.
Every run must end with B having seen every message exactly once, in A's order.

``DFSM_MQTT_FAULT_RUNS`` (default 6 per variant, 12 in all) and ``DFSM_MQTT_FAULT_SEED`` repeat
it for longer measurements; the figures are printed (``-s`` to see them).
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests._mosquitto import Mosquitto
from tests._procs import finish

pytestmark = pytest.mark.integration

N = 200
RUNS = int(os.environ.get("DFSM_MQTT_FAULT_RUNS", "6"))
SEED = int(os.environ.get("DFSM_MQTT_FAULT_SEED", "11"))

APPS = textwrap.dedent('''
    import json
    import os

    from doover_fsm import Application


    class Sender(Application):
        """Creates N messages on "events", one per scan, and logs how far it got."""

        def setup(self):
            self.loop_target_period = 0.01
            self.n = int(os.environ["FAULT_N"])
            self.i = 0
            self.progress = open(os.environ["FAULT_PROGRESS"], "a", buffering=1)

        async def main_loop(self):
            if self.i < self.n:
                await self.create_message("events", {"i": self.i})
                self.i += 1
                self.progress.write(f"{self.i}\\n")


    class Receiver(Application):
        """Records every "events" message it is given; says when it is online."""

        states = ["waiting", "ready"]
        transitions = [{"trigger": "agent_online", "source": "*", "dest": "ready", "after": "mark_ready"}]
        initial = "waiting"

        def setup(self):
            self.loop_target_period = 0.01
            self.subscribe("events")
            self.record = open(os.environ["FAULT_RECORD"], "a", buffering=1)

        def mark_ready(self, event=None):
            open(os.environ["FAULT_READY"], "w").close()

        async def on_message_create(self, event):
            self.record.write(json.dumps(event.data["i"]) + "\\n")
''')


@dataclass
class Outcome:
    """What B got in one run."""

    received: list[int]
    killed_at: int

    @property
    def lost(self) -> int:
        return len(set(range(N)) - set(self.received))

    @property
    def duplicated(self) -> int:
        return len(self.received) - len(set(self.received))

    @property
    def in_order(self) -> bool:
        return self.received == sorted(self.received)


def _lines(path: Path) -> list[str]:
    if not path.exists():
        return []
    text = path.read_text()
    return text.splitlines() if text.endswith("\n") else text.splitlines()[:-1]


def _wait(pred: Callable[[], object], timeout: float, what: str) -> None:
    end = time.monotonic() + timeout
    while not pred():
        if time.monotonic() > end:
            raise AssertionError(f"{what}: not within {timeout} s")
        time.sleep(0.005)


class Run:
    """One broker, one receiver, one sender, in ``root``."""

    def __init__(self, root: Path, app_file: Path) -> None:
        self.root = root
        (root / "broker").mkdir(parents=True)
        self.broker = Mosquitto(root / "broker", prefix="site", readme_config=True)
        self.app_file = app_file
        self.record = root / "record.txt"
        self.progress = root / "progress.txt"
        self.ready = root / "ready"
        self.procs: list[subprocess.Popen[str]] = []

    def spawn(self, cls: str, app_key: str) -> subprocess.Popen[str]:
        env = dict(os.environ, DOOVER_VIRTUAL_DIR=str(self.root / f"virtual-{app_key}"), DOOVER_DEVICE_ID="dev1",
                   PYTHONUNBUFFERED="1", FAULT_N=str(N), FAULT_PROGRESS=str(self.progress),
                   FAULT_RECORD=str(self.record), FAULT_READY=str(self.ready))
        proc = subprocess.Popen(
            [sys.executable, "-m", "doover_fsm.cli", "run", f"{self.app_file}:{cls}", "--board", "virtual",
             "--app-key", app_key, "--data-dir", str(self.root / f"data-{app_key}"), "--agent", self.broker.url],
            env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        self.procs.append(proc)
        return proc

    def go(self, sig: signal.Signals, kill_at: int, down_for: float) -> Outcome:
        try:
            return self._go(sig, kill_at, down_for)
        except AssertionError as exc:  # say why: the apps' output and the broker's log
            procs = list(self.procs)
            outs = "\n".join(f"--- {p.args[4]}:\n{out[-3000:]}" for p, out in zip(procs, self.close(), strict=True))
            log = self.broker.log.read_text(errors="replace")[-3000:] if self.broker.log.exists() else ""
            raise AssertionError(f"{exc}\n{outs}\n--- mosquitto.log:\n{log}") from exc

    def _go(self, sig: signal.Signals, kill_at: int, down_for: float) -> Outcome:
        self.broker.start()
        self.spawn("Receiver", "receiver")
        _wait(self.ready.exists, 30, "the receiver never came online")
        self.spawn("Sender", "sender")
        _wait(lambda: len(_lines(self.progress)) >= kill_at, 30, f"the sender never reached message {kill_at}")
        self.broker.halt(sig)
        time.sleep(down_for)
        self.broker.start()
        _wait(lambda: len(_lines(self.progress)) >= N, 30, "the sender never finished")
        try:
            _wait(lambda: len(_lines(self.record)) >= N, 20, "the receiver never got every message")
        except AssertionError:
            pass  # counted below as losses
        time.sleep(0.3)  # late duplicates would arrive now
        return Outcome([int(x) for x in _lines(self.record)], kill_at)

    def close(self) -> list[str]:
        """Stop the apps (collecting their output) and the broker; again is a no-op."""
        outs = [finish(p) for p in self.procs]
        self.procs = []
        self.broker.stop()
        return outs


@pytest.fixture
def app_file(tmp_path: Path) -> Path:
    f = tmp_path / "fault_apps.py"
    f.write_text(APPS)
    return f


@pytest.fixture
def runs(tmp_path: Path, app_file: Path) -> Iterator[Callable[[str], Run]]:
    made: list[Run] = []

    def make(name: str) -> Run:
        r = Run(tmp_path / name, app_file)
        made.append(r)
        return r

    yield make
    for r in made:
        r.close()


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM], ids=["sigkill", "sigterm"])
def test_no_message_lost_duplicated_or_reordered_across_broker_restarts(
        runs: Callable[[str], Run], sig: signal.Signals) -> None:
    rng = random.Random(f"{SEED}-{sig.name}")
    outcomes: list[Outcome] = []
    for k in range(RUNS):
        run = runs(f"run{k}")
        outcomes.append(run.go(sig, kill_at=rng.randrange(10, N - 10), down_for=rng.uniform(0.05, 0.5)))
        outs = run.close()
        assert all("Traceback" not in out for out in outs), outs
    lost = sum(o.lost for o in outcomes)
    dups = sum(o.duplicated for o in outcomes)
    disordered = sum(not o.in_order for o in outcomes)
    print(f"\nmqtt broker {sig.name}: runs={len(outcomes)} messages={N * len(outcomes)} lost={lost} "
          f"duplicated={dups} runs_out_of_order={disordered} "
          f"per_run_lost={[o.lost for o in outcomes]} killed_at={[o.killed_at for o in outcomes]}")
    assert (lost, dups, disordered) == (0, 0, 0)
    assert all(o.received == list(range(N)) for o in outcomes)
