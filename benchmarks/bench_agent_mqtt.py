"""MQTT agent through a real mosquitto on loopback: tag latency and sustained message rate.

Two :class:`MqttAgent` instances on one device topic tree, as two apps would have:

* **tag commit → other agent sees it**: A does ``update_aggregate("tag_values", {"a": {"x": i}})``
  (what the app's committer does at the end of a scan); we time from the call until B's listener
  sees the value. One write at a time (each waits for the previous to arrive). p50/p99/max.
* **messages, QoS 1, sustained**: A creates N messages back to back (each durable in A's outbox);
  we time until B has received all N (in order) and until A's outbox is empty (every PUBACK in).

Anchor (same run): a raw paho publisher → subscriber round trip at QoS 1, the floor the agent
adds its SQLite commit, LWW snapshot and JSON on top of.

Run: ``python -m benchmarks.bench_agent_mqtt [--n-tags 500] [--n-msgs 5000]`` (needs mosquitto).
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from importlib.metadata import version as dist_version
from pathlib import Path

import paho.mqtt.client as paho
from paho.mqtt.enums import CallbackAPIVersion

from doover_fsm.agent.base import ChannelEvent
from doover_fsm.agent.mqtt import MqttAgent


def start_broker(workdir: Path) -> tuple[subprocess.Popen[bytes], int]:
    exe = shutil.which("mosquitto") or "/usr/sbin/mosquitto"
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    conf = workdir / "mosquitto.conf"
    conf.write_text(f"listener {port} 127.0.0.1\nallow_anonymous true\nuser root\nmax_queued_messages 100000\n")
    proc = subprocess.Popen([exe, "-c", str(conf)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    end = time.monotonic() + 10
    while time.monotonic() < end:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return proc, port
        except OSError:
            time.sleep(0.02)
    proc.kill()
    raise SystemExit("mosquitto did not start")


def pct(xs: list[float], q: float) -> float:
    s = sorted(xs)
    return s[min(len(s) - 1, int(q * len(s)))]


def paho_anchor(port: int, n: int) -> list[float]:
    """Raw paho QoS 1 publish → other client's on_message, one at a time (µs)."""
    got = threading.Event()
    sub = paho.Client(CallbackAPIVersion.VERSION2, client_id="bench-sub")
    pub = paho.Client(CallbackAPIVersion.VERSION2, client_id="bench-pub")
    subscribed = threading.Event()
    sub.on_message = lambda _c, _u, _m: got.set()
    sub.on_subscribe = lambda *_a: subscribed.set()
    sub.connect("127.0.0.1", port)
    sub.subscribe("anchor/x", qos=1)
    sub.loop_start()
    pub.connect("127.0.0.1", port)
    pub.loop_start()
    subscribed.wait(5)
    out = []
    for i in range(n):
        got.clear()
        t0 = time.perf_counter()
        pub.publish("anchor/x", str(i).encode(), qos=1)
        got.wait(5)
        out.append((time.perf_counter() - t0) * 1e6)
    for c in (pub, sub):
        c.disconnect()
        c.loop_stop()
    return out


async def bench(port: int, tmp: Path, n_tags: int, n_msgs: int) -> None:
    url = f"mqtt://127.0.0.1:{port}/bench"
    a = MqttAgent(url, store_path=tmp / "a.sqlite3", device_id="dev", agent_id="a")
    b = MqttAgent(url, store_path=tmp / "b.sqlite3", device_id="dev", agent_id="b")
    loop = asyncio.get_running_loop()
    seen: dict[int, asyncio.Future[float]] = {}
    msgs: list[int] = []
    all_in = asyncio.Event()

    def on_tag(e: ChannelEvent) -> None:
        x = ((e.data or {}).get("a") or {}).get("x")
        fut = seen.get(x) if isinstance(x, int) else None
        if fut is not None:
            t = time.perf_counter()
            loop.call_soon_threadsafe(lambda: fut.done() or fut.set_result(t))

    def on_msg(e: ChannelEvent) -> None:
        if e.kind == "message_create":
            msgs.append(e.data["i"])
            if len(msgs) == n_msgs:
                loop.call_soon_threadsafe(all_in.set)

    b.add_listener("tag_values", on_tag)
    b.add_listener("log", on_msg)
    await a.start()
    await b.start()
    while not (a.is_online and b.is_online):
        await asyncio.sleep(0.01)

    for i in range(20):  # warm-up
        await a.update_aggregate("tag_values", {"a": {"w": i}})
    lat = []
    for i in range(n_tags):
        seen[i] = loop.create_future()
        t0 = time.perf_counter()
        await a.update_aggregate("tag_values", {"a": {"x": i}})
        t1 = await asyncio.wait_for(seen[i], 10)
        lat.append((t1 - t0) * 1e6)
    print(f"tag commit -> other agent sees it   n={n_tags}  p50={pct(lat, .5):8.0f} us  "
          f"p99={pct(lat, .99):8.0f} us  max={max(lat):8.0f} us  mean={statistics.fmean(lat):8.0f} us")

    t0 = time.perf_counter()
    for i in range(n_msgs):
        await a.create_message("log", {"i": i})
    t_accepted = time.perf_counter() - t0
    await asyncio.wait_for(all_in.wait(), 120)
    t_received = time.perf_counter() - t0
    while a.statistics().outbox_depth:
        await asyncio.sleep(0.001)
    t_acked = time.perf_counter() - t0
    assert msgs == list(range(n_msgs)), "order or loss problem"
    print(f"messages QoS 1 (awaited create, durable outbox)  n={n_msgs}  accepted {n_msgs / t_accepted:8.0f}/s  "
          f"received by B {n_msgs / t_received:8.0f}/s  all PUBACKed {n_msgs / t_acked:8.0f}/s  (in order, no loss)")

    msgs.clear()
    all_in.clear()
    t0 = time.perf_counter()
    await asyncio.gather(*(a.create_message("log", {"i": n_msgs + i}) for i in range(n_msgs)))
    await asyncio.wait_for(all_in.wait(), 120)
    t_received = time.perf_counter() - t0
    print(f"messages QoS 1 (concurrent creates, group commit) n={n_msgs}  received by B {n_msgs / t_received:8.0f}/s")
    await a.close()
    await b.close()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n-tags", type=int, default=500)
    ap.add_argument("--n-msgs", type=int, default=5000)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-mqtt-") as d:
        tmp = Path(d)
        proc, port = start_broker(tmp)
        try:
            paho_version = dist_version("paho-mqtt")
            print(f"python {sys.version.split()[0]}, mosquitto on 127.0.0.1:{port}, paho-mqtt {paho_version}")
            anchor = paho_anchor(port, args.n_tags)
            print(f"anchor: raw paho QoS 1 pub -> sub    n={args.n_tags}  p50={pct(anchor, .5):8.0f} us  "
                  f"p99={pct(anchor, .99):8.0f} us")
            asyncio.run(bench(port, tmp, args.n_tags, args.n_msgs))
        finally:
            proc.terminate()
            proc.wait(10)


if __name__ == "__main__":
    main()
