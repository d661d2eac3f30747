"""The MQTT fleet agent: the same channels as the local agent, shared through a broker.

Layout and URL: see :mod:`doover_fsm.agent.mqtt_config`. paho-mqtt 2.x runs its network loop
in its own thread (``loop_start``); every state change (own writes, broker messages) is applied
by the one SQLite writer thread, in order, so the store, the cache and the listeners always
agree. Awaited writes resolve through ``asyncio.wrap_future`` (``call_soon_threadsafe``).

Guarantees:

* **Aggregates** are :class:`~doover_fsm.agent.lww.LwwDoc` documents published RETAINED on
  ``…/agg`` (QoS 1). Each agent merges every snapshot it receives into its own; if the
  snapshot lacks something it knows *and no snapshot of its own is still on its way through
  the broker*, it republishes, so the retained state converges to the union of all writes.
  (The broker orders one topic totally, so a snapshot of ours still in flight is retained
  after the one just received, and its echo triggers the check again. Republishing on every
  stale echo instead made two busy writers ping-pong snapshots forever.) Two processes
  patching *different* keys (at any depth) never lose each other's keys; for the *same* key
  the newest hybrid-clock stamp wins everywhere. A new subscriber gets the retained state at
  once (the ``sync`` event).
* **Messages** (create/update) go through a durable SQLite outbox: written to the store first,
  then published QoS 1 in order; a row leaves the outbox when the broker acknowledges it.
  While the broker is unreachable paho keeps them queued in order; after a ``kill -9`` the
  outbox is re-sent in order on start. Each carries its place in this agent's stream
  (:mod:`doover_fsm.agent.mqtt_stream`): receivers drop redeliveries, and ask for a re-send of
  what a broker crash swallowed, so listeners see each message once, in the sender's order,
  across broker restarts (SIGKILL included) and restarts of either app.
* **Sessions** are persistent by default (stable client id ``{device_id}-{agent_id}``, MQTT 5
  session expiry, QoS 1 subscriptions): the broker queues for a receiver that is reconnecting.
* **One-shots** are published QoS 1 while online (delivered to local listeners always); they
  are never stored, so one sent while offline reaches local listeners only.
* ``max_age_secs`` (pydoover's meaning: how long the update may wait before it is sent
  upstream): the update is stored and visible locally at once; publishing the aggregate is
  deferred by up to ``max_age_secs`` so several updates leave as one snapshot.
* Reads never touch the network: ``get_aggregate`` answers from the cache online or offline.

Thread-safety: as :class:`~doover_fsm.agent.local.LocalAgent`; listeners and connection
callbacks run in the writer thread or the paho thread and must only post events. Lock order:
``self._lock`` may be held while calling into paho (``publish`` takes paho's
``_out_message_mutex``), never the other way round: paho callbacks that run under that mutex
(``on_publish``) take none of our locks.
"""

from __future__ import annotations

import asyncio
import collections
import logging
import socket
import sqlite3
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import paho.mqtt.client as paho
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from doover_fsm.agent import _sqlite as db
from doover_fsm.agent._listeners import ListenerRegistry
from doover_fsm.agent.base import Agent, AgentStats, ChannelEvent, Listener, Message
from doover_fsm.agent.ids import new_message_id
from doover_fsm.agent.local import check_max_age
from doover_fsm.agent.lww import HybridClock, LwwDoc
from doover_fsm.agent.merge import (
    copy_json,
    diff_patch,
    dumps,
    loads,
    validate_aggregate_patch,
    validate_channel,
    validate_json,
)
from doover_fsm.agent.mqtt_config import (
    MqttUrl,
    SessionOptions,
    TlsOptions,
    Topics,
    device_id_from_env,
    parse_mqtt_url,
    session_options,
)
from doover_fsm.agent.mqtt_stream import (
    InStreams,
    OutStream,
    StreamHead,
    ensure_schema,
    load_or_create,
)
from doover_fsm.clock import Clock, MonotonicClock
from doover_fsm.errors import AgentError, ConfigError

log = logging.getLogger(__name__)


def _no_delay(_c: paho.Client, _u: Any, sock: Any) -> None:
    """Send each packet at once: Nagle's algorithm held small publishes back ~40 ms (issue 12's p99)."""
    try:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    except (OSError, AttributeError):  # not a TCP socket (a test double, a unix socket)
        pass


def _ignoring_conn(fn: Callable[[], Any]) -> db.Job:
    """A writer job that just calls ``fn()`` (after every write queued before it)."""
    def job(_conn: sqlite3.Connection) -> Any:
        return fn()
    return job


__all__ = ["MqttAgent", "StreamStats", "TlsOptions"]


@dataclass(frozen=True, slots=True)
class StreamStats:
    """What the message streams did: redeliveries dropped, gaps found, replays asked and served, losses."""

    duplicates_dropped: int
    gaps_seen: int
    replays_requested: int
    replays_served: int
    lost: int


class MqttAgent(Agent):
    """Channels shared through an MQTT broker, with a local SQLite store and offline outbox."""

    def __init__(self, url: str, *, store_path: str | Path, device_id: str, agent_id: str | None = None,
                 tls: TlsOptions | None = None, clock: Clock | None = None,
                 durability: db.Durability = "process", keepalive: int = 15,
                 reconnect_delay: tuple[float, float] = (0.25, 5.0), persistent_session: bool | None = None) -> None:
        """``agent_id`` None: the id stored in ``store_path`` (made once), so it is stable across restarts.

        ``persistent_session`` None: the URL's ``session=`` option, else ``$DOOVER_MQTT_SESSION``,
        else persistent (see :class:`~doover_fsm.agent.mqtt_config.SessionOptions`).
        """
        self.url: MqttUrl = parse_mqtt_url(url)
        validate_channel(device_id)
        if self.url.tls or tls is not None:
            (tls or TlsOptions()).validate()
        self.device_id = device_id
        self.store_path = Path(store_path)
        self.agent_id = agent_id or self._stored_agent_id(self.store_path, durability)
        validate_channel(self.agent_id)
        session = session_options(self.url)
        if persistent_session is not None:
            session = SessionOptions(persistent_session, session.expiry, session.protocol)
        self.session = session
        self.topics = Topics(self.url.prefix, device_id)
        self._tls = tls if tls is not None else (TlsOptions() if self.url.tls else None)
        self._clock: Clock = clock or MonotonicClock()
        self._hlc = HybridClock(self.agent_id, self._clock.time)
        self._writer = db.SqliteWriter(self.store_path, durability, name=f"dfsm-mqtt-{self.agent_id}")
        self._durability: db.Durability = durability
        self._listeners = ListenerRegistry()
        self._conn_callbacks: list[Callable[[bool], None]] = []
        self._lock = threading.Lock()  # cache, send state, counters
        self._cache: dict[str, Any] = {}
        self._docs: dict[str, LwwDoc] = {}  # owned by the writer thread
        self._confirmed: set[str] = set()  # writer thread: channels whose retained state equals ours
        # Writer thread: per channel, the number of our last snapshot sent in this run and of the
        # last one of ours that came back from the broker. While sent > echoed a snapshot of ours
        # is still on its way and will be retained after whatever we receive now (see
        # _job_remote_snapshot); _run_token tells this run's echoes from a previous run's.
        self._run_token = uuid.uuid4().hex[:12]
        self._agg_sent: dict[str, int] = {}
        self._agg_echoed: dict[str, int] = {}
        self._seen_ops: collections.OrderedDict[str, None] = collections.OrderedDict()  # streamless senders
        self._out: OutStream | None = None  # writer thread (set in _open)
        self._in = InStreams()  # writer thread
        self._head_due = False  # writer thread: a head publish is scheduled
        self._conn_no = 0  # connections made (names this connection's sync marker)
        self._inflight: dict[int, int] = {}  # paho mid -> outbox pos
        self._held: list[tuple[int | None, str, bytes, bool]] = []  # (outbox pos, topic, payload, retain)
        self._ready = False  # publishes go straight to paho (after SUBACK on each connect)
        self._online = False
        self._synced = False
        self._deferred: dict[str, asyncio.TimerHandle] = {}
        self._loop: asyncio.AbstractEventLoop | None = None
        self._started = False
        self._closed = False
        self._keepalive = keepalive
        self._reconnect_delay = reconnect_delay
        self._reader: sqlite3.Connection | None = None
        self._data_version = -1
        self._last_seq = 0
        self._stats = collections.Counter[str]()
        self._held_syncs: list[Callable[[], None]] = []
        self._client = self._make_client()

    @classmethod
    def for_app(cls, url: str, *, data_dir: str | Path, app_key: str, **kw: Any) -> MqttAgent:
        """The agent ``doover-fsm run --agent URL`` gives an app: store and outbox in ``data_dir``,
        agent id = the app key (topic-safe), device id from ``$DOOVER_DEVICE_ID`` or the host name."""
        agent_id = "".join(ch if ch.isalnum() or ch in "_-" else "-" for ch in app_key) or None
        return cls(url, store_path=Path(data_dir) / f"outbox-{app_key}.sqlite3", device_id=device_id_from_env(),
                   agent_id=agent_id, **kw)

    @staticmethod
    def _stored_agent_id(path: Path, durability: db.Durability) -> str:
        conn = db.connect(path, durability)
        try:
            ensure_schema(conn)
            return load_or_create(conn, "agent_id", f"mqtt-{uuid.uuid4().hex[:12]}")
        finally:
            conn.close()

    # --- paho setup ------------------------------------------------------------------------------
    def _make_client(self) -> paho.Client:
        s = self.session
        c = paho.Client(CallbackAPIVersion.VERSION2, client_id=f"{self.device_id}-{self.agent_id}",
                        protocol=paho.MQTTv5 if s.protocol == "5" else paho.MQTTv311,
                        clean_session=None if s.protocol == "5" else not s.persistent)
        if self.url.username is not None:
            c.username_pw_set(self.url.username, self.url.password)
        if self._tls is not None:
            t = self._tls
            try:
                c.tls_set(ca_certs=str(t.ca_certs) if t.ca_certs else None,
                          certfile=str(t.certfile) if t.certfile else None,
                          keyfile=str(t.keyfile) if t.keyfile else None,
                          keyfile_password=t.keyfile_password, tls_version=t.tls_version)
            except (ValueError, OSError) as exc:
                raise ConfigError(f"MQTT TLS setup failed: {exc}") from exc
            if t.insecure:
                c.tls_insecure_set(True)
        c.will_set(self.topics.status(self.agent_id), b"offline", qos=1, retain=True)
        c.reconnect_delay_set(self._reconnect_delay[0], self._reconnect_delay[1])  # type: ignore[arg-type]
        c.max_inflight_messages_set(100)
        c.on_connect = self._on_connect
        c.on_disconnect = self._on_disconnect
        c.on_message = self._on_message
        c.on_publish = self._on_publish
        c.on_subscribe = self._on_subscribe
        c.on_socket_open = _no_delay
        return c

    def _connect_args(self) -> dict[str, Any]:
        if self.session.protocol != "5":
            return {}
        props = Properties(PacketTypes.CONNECT)
        props.SessionExpiryInterval = self.session.expiry if self.session.persistent else 0
        return {"clean_start": not self.session.persistent, "properties": props}

    # --- lifecycle -------------------------------------------------------------------------------
    async def start(self) -> None:
        if self._started:
            return
        if self._closed:
            raise AgentError(f"agent {self.agent_id!r}: cannot start after close()")
        self._loop = asyncio.get_running_loop()
        await asyncio.to_thread(self._open)
        self._started = True
        with self._lock:
            syncs, self._held_syncs = self._held_syncs, []
        for fn in syncs:
            self._writer.submit(_ignoring_conn(fn))
        self._client.connect_async(self.url.host, self.url.port, keepalive=self._keepalive, **self._connect_args())
        self._client.loop_start()

    def _open(self) -> None:
        self._writer.start()
        reader = db.connect(self.store_path, self._durability)
        for channel, data, crdt in reader.execute("SELECT channel, data, crdt FROM aggregates"):
            doc = LwwDoc.from_wire(loads(crdt)) if crdt else LwwDoc.from_value(loads(data), self._hlc.now())
            self._hlc.observe(doc.max_stamp())
            self._docs[channel] = doc
            self._cache[channel] = doc.value()
        # Un-acknowledged outbox rows from a previous run go first, in order.
        for pos, topic, payload, retain in reader.execute(
                "SELECT pos, topic, payload, retain FROM outbox ORDER BY pos"):
            self._held.append((int(pos), topic, bytes(payload), bool(retain)))
        self._last_seq = db.max_change_seq(reader)
        self._out = OutStream(reader)
        self._in.load(reader, self._clock.time())
        self._data_version = reader.execute("PRAGMA data_version").fetchone()[0]
        self._reader = reader

    async def close(self, timeout: float = 5.0) -> None:
        """Flush accepted writes, wait (up to ``timeout``) for the broker to ack the outbox, stop."""
        if self._closed:
            return
        self._closed = True
        for h in self._deferred.values():
            h.cancel()
        if self._started:
            await asyncio.wrap_future(self._writer.submit(lambda _c: None))
            for ch in list(self._deferred):
                await asyncio.wrap_future(self._writer.submit(self._job_publish_snapshot(ch)))
            loop = asyncio.get_running_loop()
            end = loop.time() + timeout
            while self._online and (self._inflight or self._held) and loop.time() < end:
                await asyncio.sleep(0.01)
            if self._online:
                info = self._client.publish(self.topics.status(self.agent_id), b"offline", qos=1, retain=True)
                await asyncio.to_thread(info.wait_for_publish, 1.0)
            self._client.disconnect()
            await asyncio.to_thread(self._client.loop_stop)
        await asyncio.to_thread(self._writer.close)
        if self._reader is not None:
            self._reader.close()
            self._reader = None

    @property
    def is_online(self) -> bool:
        return self._online and self._synced

    def on_connection_change(self, callback: Callable[[bool], None]) -> Callable[[], None]:
        with self._lock:
            self._conn_callbacks.append(callback)

        def unsubscribe() -> None:
            with self._lock:
                if callback in self._conn_callbacks:
                    self._conn_callbacks.remove(callback)

        return unsubscribe

    # --- paho callbacks (paho thread) ------------------------------------------------------------
    def _on_connect(self, client: paho.Client, _u: Any, _flags: Any, reason: Any, _p: Any) -> None:
        if reason.is_failure:
            log.warning("MQTT agent %s: broker %s:%s refused the connection: %s",
                        self.agent_id, self.url.host, self.url.port, reason)
            return
        self._online = True
        self._conn_no += 1
        # Before any retained snapshot of this connection is handled: a restarted broker may have
        # lost the retained state we saw confirmed on the last connection.
        self._writer.submit(_ignoring_conn(self._confirmed.clear))
        client.subscribe([(self.topics.channels_filter(), 1), (self.topics.sync(self.agent_id), 1),
                          (self.topics.heads_filter(), 1), (self.topics.replay(self.agent_id), 1)])

    def _on_subscribe(self, client: paho.Client, _u: Any, _mid: int, _codes: Any, _p: Any) -> None:
        # paho has re-sent its un-acked messages (in order) before this callback: now our held ones.
        client.publish(self.topics.status(self.agent_id), b"online", qos=1, retain=True)
        with self._lock:
            held, self._held = self._held, []
            for pos, topic, payload, retain in held:
                self._send_locked(pos, topic, payload, retain)
            self._ready = True
        # Our head after what we had held: receivers see what they missed while the broker was away.
        self._writer.submit(self._job_publish_head)
        # The marker comes back after every retained message the broker had for us.
        client.publish(self.topics.sync(self.agent_id), self._sync_marker(), qos=1)

    def _sync_marker(self) -> bytes:
        # Names this connection: a marker queued in a persistent session from an earlier one is not ours.
        return f"{self._run_token}:{self._conn_no}".encode()

    def _on_disconnect(self, _c: paho.Client, _u: Any, _flags: Any, reason: Any, _p: Any) -> None:
        with self._lock:
            self._ready = False
            self._online = False
        was_synced, self._synced = self._synced, False
        if was_synced:
            if not self._closed:  # our own close() is not worth a warning
                log.warning("MQTT agent %s: disconnected from %s:%s (%s); writes go to the outbox",
                            self.agent_id, self.url.host, self.url.port, reason)
            self._set_online_changed(False)

    def _set_online_changed(self, online: bool) -> None:
        with self._lock:
            callbacks = list(self._conn_callbacks)
        for cb in callbacks:
            try:
                cb(online)
            except Exception:
                self._stats["errors"] += 1
                log.exception("MQTT agent %s: connection callback failed", self.agent_id)

    def _on_publish(self, _c: paho.Client, _u: Any, mid: int, _reason: Any, _p: Any) -> None:
        # paho calls this while holding its _out_message_mutex, and _send holds self._lock while
        # it calls publish() (which takes that mutex): taking self._lock here would be an ABBA
        # deadlock (it stalled two concurrent writers). So take no lock: the writer thread does
        # the bookkeeping. The mid -> pos entry is always in place before this job runs: the
        # writer records it in the job that published, _on_subscribe before paho reads the PUBACK.
        self._writer.submit(self._job_acked(mid))

    def _job_acked(self, mid: int) -> Callable[[sqlite3.Connection], None]:
        def job(conn: sqlite3.Connection) -> None:
            with self._lock:
                pos = self._inflight.pop(mid, None)
            if pos is not None:
                conn.execute("DELETE FROM outbox WHERE pos=?", (pos,))
        return job

    def _on_message(self, _c: paho.Client, _u: Any, msg: paho.MQTTMessage) -> None:
        if msg.topic == self.topics.sync(self.agent_id):
            if msg.payload == self._sync_marker():
                self._writer.submit(self._job_after_sync)
            return
        parsed = self.topics.parse(msg.topic)
        if parsed is None:
            self._on_stream_message(msg)
            return
        channel, kind = parsed
        try:
            payload = loads(msg.payload) if msg.payload else None
        except ValueError:
            self._stats["errors"] += 1
            log.warning("MQTT agent %s: ignoring non-JSON payload on %s", self.agent_id, msg.topic)
            return
        if kind == "agg":
            self._writer.submit(self._job_remote_snapshot(channel, payload))
        elif not isinstance(payload, dict) or payload.get("origin") == self.agent_id:
            return  # our own echo (already applied) or garbage
        elif kind == "msg":
            self._writer.submit(self._job_remote_message(channel, payload))
        else:  # through the writer queue too, so it keeps its place after earlier messages
            event = ChannelEvent("oneshot", channel, payload.get("data"), author=payload.get("author"),
                                 ts=float(payload.get("ts") or 0.0))
            self._writer.submit(lambda _c: self._listeners.dispatch(event))

    def _on_stream_message(self, msg: paho.MQTTMessage) -> None:
        """A sender's head (or replay header), or a replay request for us."""
        origin = self.topics.agent_of(msg.topic, "head")
        replay = msg.topic == self.topics.replay(self.agent_id)
        if (origin is None or origin == self.agent_id) and not replay:
            return
        try:
            payload = loads(msg.payload)
        except ValueError:
            payload = None
        if not isinstance(payload, dict):
            self._stats["errors"] += 1
            log.warning("MQTT agent %s: ignoring malformed payload on %s", self.agent_id, msg.topic)
            return
        if replay:
            self._writer.submit(self._job_serve_replay(payload))
        elif origin is not None:
            self._writer.submit(self._job_remote_head(origin, payload))

    # --- sending ---------------------------------------------------------------------------------
    def _send_locked(self, pos: int | None, topic: str, payload: bytes, retain: bool) -> None:
        info = self._client.publish(topic, payload, qos=1, retain=retain)
        if pos is not None:
            self._inflight[info.mid] = pos
        self._stats["published"] += 1

    def _send(self, pos: int | None, topic: str, payload: bytes, retain: bool) -> bool:
        """Publish now if connected and subscribed, else hold outbox rows; True if published."""
        with self._lock:
            if self._ready:
                self._send_locked(pos, topic, payload, retain)
                return True
            if pos is not None:
                self._held.append((pos, topic, payload, retain))
            return False
            # Snapshots (pos None) are not queued offline: the reconnect reconciliation sends
            # the then-current state once, instead of every intermediate one.

    @staticmethod
    def _outbox_insert(conn: sqlite3.Connection, topic: str, payload: bytes, ts: float) -> int:
        cur = conn.execute("INSERT INTO outbox(topic, payload, qos, retain, ts) VALUES(?,?,1,0,?)",
                           (topic, payload, ts))
        return int(cur.lastrowid or 0)

    # --- writer-thread jobs ----------------------------------------------------------------------
    def _snapshot_payload(self, channel: str, author: str | None, patch: Any, seq: int) -> bytes:
        doc = self._docs[channel]
        return dumps({"v": 1, "data": self._cache.get(channel), "lww": doc.to_wire(), "author": author,
                      "origin": self.agent_id, "pub": [self._run_token, seq], "ts": self._clock.time(),
                      "patch": patch}).encode()

    def _job_publish_snapshot(self, channel: str, author: str | None = None,
                              patch: Any = None) -> Callable[[sqlite3.Connection], None]:
        def job(_conn: sqlite3.Connection) -> None:
            h = self._deferred.pop(channel, None)
            if h is not None:
                h.cancel()
            if channel in self._docs:
                self._confirmed.discard(channel)
                seq = self._agg_sent.get(channel, 0) + 1
                if self._send(None, self.topics.agg(channel), self._snapshot_payload(channel, author, patch, seq),
                              True):
                    self._agg_sent[channel] = seq
        return job

    def _store_doc(self, conn: sqlite3.Connection, channel: str, doc: LwwDoc, *, patch: Any, author: str | None,
                   ts: float) -> Any:
        doc.compact()
        value = doc.value()
        db.write_aggregate(conn, channel, value, patch=patch, author=author, origin=self.agent_id, ts=ts,
                           crdt=dumps(doc.to_wire()))
        return value

    def _job_after_sync(self, _conn: sqlite3.Connection) -> None:
        # Every retained state is in: publish what the broker lacks, then tell listeners. A
        # snapshot lost with the old connection never echoes: stop waiting for it.
        self._agg_echoed = dict(self._agg_sent)
        for channel in list(self._docs):
            if channel not in self._confirmed:
                self._job_publish_snapshot(channel)(_conn)
        first = not self._synced
        self._synced = True
        for channel in self._listeners.channels():
            with self._lock:
                data = copy_json(self._cache.get(channel))
            self._listeners.dispatch(ChannelEvent("sync", channel, data, ts=self._clock.time()))
        for origin in self._in.behind():  # requests made while offline went nowhere
            self._in.ask_now(origin)
            self._request_replay(origin)
        # After the syncs: whoever reacts to "online" already has the broker's state.
        if first:
            self._set_online_changed(True)

    def _job_remote_snapshot(self, channel: str, payload: Any) -> Callable[[sqlite3.Connection], None]:
        def job(conn: sqlite3.Connection) -> None:
            if payload is None:  # retained state cleared on the broker: ours is what it lacks
                self._confirmed.discard(channel)
                return
            try:
                remote = LwwDoc.from_wire(payload["lww"])
            except (KeyError, TypeError, ValueError) as exc:
                self._stats["errors"] += 1
                log.warning("MQTT agent %s: ignoring malformed aggregate on %r: %s", self.agent_id, channel, exc)
                return
            remote.compact()
            self._hlc.observe(remote.max_stamp())
            pub = payload.get("pub")
            if isinstance(pub, list) and len(pub) == 2 and pub[0] == self._run_token \
                    and payload.get("origin") == self.agent_id:
                self._agg_echoed[channel] = max(self._agg_echoed.get(channel, 0), int(pub[1]))
            doc = self._docs.setdefault(channel, LwwDoc())
            old = self._cache.get(channel)
            if doc.merge(remote):
                author = payload.get("author")
                new = self._store_doc(conn, channel, doc, patch=None, author=author, ts=self._clock.time())
                with self._lock:
                    self._cache[channel] = new
                if new != old:
                    self._listeners.dispatch(ChannelEvent(
                        "aggregate", channel, copy_json(new), patch=diff_patch(old, new), author=author,
                        ts=float(payload.get("ts") or 0.0)))
            if doc == remote:
                self._confirmed.add(channel)
            else:
                self._confirmed.discard(channel)
                # Only the newest retained state matters: if a snapshot of ours is still in
                # flight it comes after this one, and its echo brings us back here.
                if self._synced and self._agg_sent.get(channel, 0) <= self._agg_echoed.get(channel, 0):
                    self._job_publish_snapshot(channel)(conn)
        return job

    def _job_remote_message(self, channel: str, p: dict[str, Any]) -> Callable[[sqlite3.Connection], None]:
        def job(conn: sqlite3.Connection) -> None:
            stream, origin = p.get("stream"), p.get("origin")
            if isinstance(stream, list) and len(stream) == 2 and isinstance(stream[0], str) \
                    and type(stream[1]) is int and isinstance(origin, str):
                verdict = self._in.judge(origin, stream[0], stream[1])
                if verdict == "gap":
                    self._request_replay(origin)
                if verdict != "deliver":
                    return
                self._apply_remote_message(conn, channel, p)
                self._in.advance(conn, origin, stream[1])
                return
            op_id = str(p.get("op_id"))  # a sender without a stream: best effort, in memory
            if op_id in self._seen_ops:
                return
            self._seen_ops[op_id] = None
            if len(self._seen_ops) > 20_000:
                self._seen_ops.popitem(last=False)
            self._apply_remote_message(conn, channel, p)
        return job

    def _apply_remote_message(self, conn: sqlite3.Connection, channel: str, p: dict[str, Any]) -> None:
        mid, author, ts = str(p.get("id")), p.get("author"), float(p.get("ts") or 0.0)
        if p.get("op") == "create":
            if db.op_create_message(conn, channel, mid, p.get("data"), author=author, origin=self.agent_id,
                                    ts=ts):
                self._listeners.dispatch(ChannelEvent("message_create", channel, copy_json(p.get("data")),
                                                      message_id=mid, author=author, ts=ts))
        elif p.get("op") == "update":
            replace = bool(p.get("replace"))
            if db.get_message(conn, channel, mid) is None:  # created before we joined
                db.op_create_message(conn, channel, mid, None, author=author, origin=self.agent_id, ts=ts,
                                     log_change=False)
            new, _ = db.op_update_message(conn, channel, mid, p.get("data"), replace=replace, author=author,
                                          origin=self.agent_id, ts=ts)
            self._listeners.dispatch(ChannelEvent("message_update", channel, copy_json(new), message_id=mid,
                                                  patch=copy_json(p.get("data")), author=author, ts=ts,
                                                  extra={"replace": True} if replace else {}))

    # --- message streams (writer thread; see doover_fsm.agent.mqtt_stream) ------------------------
    def _job_remote_head(self, origin: str, payload: dict[str, Any]) -> Callable[[sqlite3.Connection], None]:
        def job(conn: sqlite3.Connection) -> None:
            try:
                head = StreamHead.from_wire(payload)
            except ValueError as exc:
                self._stats["errors"] += 1
                log.warning("MQTT agent %s: ignoring head of %r: %s", self.agent_id, origin, exc)
                return
            if "for" in payload:  # a replay header: only the one who asked acts on it
                first, lost = payload.get("from"), payload.get("lost")
                if payload["for"] == self.agent_id and type(first) is int and type(lost) is int:
                    if lost:
                        log.error("MQTT agent %s: %d message(s) from %r are lost: older than its replay log "
                                  "(receiver down too long?)", self.agent_id, lost, origin)
                    self._in.on_replay_start(conn, origin, head.epoch, first, lost)
                return
            self._in.on_head(origin, head)
            self._request_replay(origin)
        return job

    def _request_replay(self, origin: str) -> None:
        """Ask ``origin`` to re-send what we miss (at most once a retry period); check again later."""
        now = time.monotonic()
        start = self._in.to_request(now, origin)
        if start is None:
            return
        self._stats["replays_requested"] += 1
        peer = self._in.peers[origin]
        payload = dumps({"epoch": peer.epoch, "from": start, "since": self._in.joined, "by": self.agent_id}).encode()
        with self._lock:
            if self._ready:
                # QoS 0: a request to a sender that is away must not pile up in its persistent
                # session; one lost in transit is asked again.
                self._client.publish(self.topics.replay(origin), payload, qos=0)
        delay = self._in.retry_in(now, origin) + 0.05
        self._in_loop(lambda: self._retry_later(delay))

    def _in_loop(self, fn: Callable[[], Any]) -> None:
        """Run ``fn`` on the event loop (from any thread); nothing once the agent or the loop is closed."""
        loop = self._loop
        if loop is None or self._closed:
            return
        try:
            loop.call_soon_threadsafe(fn)
        except RuntimeError:  # the loop closed under us (interpreter shutdown): nothing left to schedule
            pass

    def _retry_later(self, delay: float) -> None:
        if self._loop is not None and not self._closed:
            self._loop.call_later(delay, self._submit_retry)

    def _submit_retry(self) -> None:
        if not self._closed:
            self._writer.submit(self._job_retry_replays)

    def _job_retry_replays(self, _conn: sqlite3.Connection) -> None:
        for origin in self._in.behind():
            self._request_replay(origin)

    def _job_serve_replay(self, req: dict[str, Any]) -> Callable[[sqlite3.Connection], None]:
        def job(conn: sqlite3.Connection) -> None:
            out, by, start, since = self._out, req.get("by"), req.get("from"), req.get("since")
            if out is None or not isinstance(by, str) or type(start) is not int \
                    or not isinstance(since, (int, float)):
                self._stats["errors"] += 1
                log.warning("MQTT agent %s: ignoring malformed replay request %r", self.agent_id, req)
                return
            if req.get("epoch") != out.epoch:
                start = 1  # it knows an older store of ours: all of this one is new to it
            first, lost, rows = out.replay(conn, max(1, start), float(since))
            header = dumps({**out.head(conn).to_wire(), "for": by, "from": first, "lost": lost}).encode()
            with self._lock:
                if not self._ready:
                    return  # it asks again
                self._client.publish(self.topics.head(self.agent_id), header, qos=1)
                for topic, payload in rows:
                    self._client.publish(topic, payload, qos=1)
            self._stats["replays_served"] += 1
        return job

    def _job_publish_head(self, conn: sqlite3.Connection) -> None:
        self._head_due = False
        if self._out is None:
            return
        payload = dumps(self._out.head(conn).to_wire()).encode()
        with self._lock:
            if self._ready:
                self._client.publish(self.topics.head(self.agent_id), payload, qos=1, retain=True)

    def _head_soon(self) -> None:
        """Publish our head shortly after a burst of messages (writer thread): a lost tail shows."""
        if self._head_due or self._loop is None or self._closed:
            return
        self._head_due = True
        loop = self._loop
        self._in_loop(lambda: loop.call_later(0.25, self._submit_head))

    def _submit_head(self) -> None:
        if not self._closed:
            self._writer.submit(self._job_publish_head)

    def stream_statistics(self) -> StreamStats:
        """What the message streams did so far (counters since start)."""
        return StreamStats(self._in.duplicates, self._in.gaps, self._stats["replays_requested"],
                           self._stats["replays_served"], self._in.lost)

    # --- Agent API ---------------------------------------------------------------------------------
    def _require_started(self) -> None:
        if not self._started or self._closed:
            state = "closed" if self._closed else "not started (await agent.start() first)"
            raise AgentError(f"MQTT agent {self.agent_id!r} is {state}")

    async def _run(self, fn: Callable[[sqlite3.Connection], Any],
                   on_commit: db.OnCommit | None = None) -> Any:
        self._require_started()
        return await asyncio.wrap_future(self._writer.submit(fn, on_commit))

    def get_aggregate(self, channel: str) -> Any:
        with self._lock:
            return copy_json(self._cache.get(channel))

    def add_listener(self, channel: str, listener: Listener) -> Callable[[], None]:
        validate_channel(channel)
        unsubscribe = self._listeners.add(channel, listener)

        def sync() -> None:
            with self._lock:
                data = copy_json(self._cache.get(channel))
            self._listeners.dispatch(ChannelEvent("sync", channel, data, ts=self._clock.time()), only=listener)

        # Through the writer queue: the sync reflects every write accepted before it.
        if self._started:
            self._writer.submit(lambda _c: sync())
        else:
            with self._lock:
                self._held_syncs.append(sync)  # delivered by start()
        return unsubscribe

    async def update_aggregate(self, channel: str, patch: Any, *, replace: bool = False,
                               max_age_secs: float | None = None, author: str | None = None) -> Any:
        validate_aggregate_patch(channel, patch)
        check_max_age(channel, max_age_secs)
        author = author or self.agent_id
        patch = copy_json(patch)
        ts = self._clock.time()

        def job(conn: sqlite3.Connection) -> Any:
            doc = self._docs.setdefault(channel, LwwDoc())
            doc.apply_patch(patch, self._hlc.now(), replace=replace)
            new = self._store_doc(conn, channel, doc, patch=patch, author=author, ts=ts)
            with self._lock:
                self._cache[channel] = new
            self._stats["aggregates_written"] += 1
            self._listeners.dispatch(ChannelEvent("aggregate", channel, copy_json(new), patch=copy_json(patch),
                                                  author=author, ts=ts, extra={"replace": True} if replace else {}))
            if not max_age_secs or max_age_secs <= 0:  # pydoover passes -1 for "now"
                self._job_publish_snapshot(channel, author, patch)(conn)
            elif channel not in self._deferred and self._loop is not None:
                loop = self._loop
                loop.call_soon_threadsafe(self._defer, channel, float(max_age_secs))
            return new

        return copy_json(await self._run(job))

    def _defer(self, channel: str, delay: float) -> None:
        if channel in self._deferred or self._closed:
            return
        assert self._loop is not None
        self._deferred[channel] = self._loop.call_later(
            delay, lambda: self._writer.submit(self._job_publish_snapshot(channel)))

    def _queue_message_op(self, conn: sqlite3.Connection, channel: str, op: dict[str, Any],
                          ts: float) -> tuple[int, bytes]:
        """Number ``op`` in our stream and put it in the outbox (inside the write's transaction)."""
        assert self._out is not None
        topic = self.topics.msg(channel)
        _seq, payload = self._out.assign(conn, topic, {**op, "origin": self.agent_id, "op_id": uuid.uuid4().hex},
                                         ts, lambda v: dumps(v).encode())
        return self._outbox_insert(conn, topic, payload, ts), payload

    def _send_op(self, channel: str) -> Callable[[tuple[int, bytes]], None]:
        def on_commit(queued: tuple[int, bytes]) -> None:
            self._send(queued[0], self.topics.msg(channel), queued[1], False)
            self._head_soon()
        return on_commit

    async def create_message(self, channel: str, data: Any, *, author: str | None = None) -> str:
        validate_channel(channel)
        validate_json(channel, data, check_keys=False)
        author, data, ts, mid = author or self.agent_id, copy_json(data), self._clock.time(), new_message_id()
        op = {"op": "create", "id": mid, "data": data, "author": author, "ts": ts}

        def job(conn: sqlite3.Connection) -> tuple[int, bytes]:
            db.op_create_message(conn, channel, mid, data, author=author, origin=self.agent_id, ts=ts)
            queued = self._queue_message_op(conn, channel, op, ts)
            self._stats["messages_written"] += 1
            self._listeners.dispatch(ChannelEvent("message_create", channel, copy_json(data), message_id=mid,
                                                  author=author, ts=ts))
            return queued

        # Sent once committed (in the writer thread, so in commit order).
        await self._run(job, self._send_op(channel))
        return mid

    async def update_message(self, channel: str, message_id: str, data: Any, *, replace: bool = False,
                             author: str | None = None) -> None:
        validate_channel(channel)
        validate_json(channel, data, check_keys=False)
        author, patch, ts = author or self.agent_id, copy_json(data), self._clock.time()
        op = {"op": "update", "id": message_id, "data": patch, "replace": replace, "author": author, "ts": ts}

        def job(conn: sqlite3.Connection) -> tuple[int, bytes]:
            new, _ = db.op_update_message(conn, channel, message_id, patch, replace=replace, author=author,
                                          origin=self.agent_id, ts=ts)
            queued = self._queue_message_op(conn, channel, op, ts)
            self._stats["messages_written"] += 1
            self._listeners.dispatch(ChannelEvent("message_update", channel, copy_json(new), message_id=message_id,
                                                  patch=copy_json(patch), author=author, ts=ts,
                                                  extra={"replace": True} if replace else {}))
            return queued

        await self._run(job, self._send_op(channel))

    async def get_message(self, channel: str, message_id: str) -> Message | None:
        validate_channel(channel)
        row = await self._run(lambda c: db.get_message(c, channel, message_id))
        return None if row is None else Message(channel, message_id, row[0], row[1], row[2])

    async def list_messages(self, channel: str, limit: int = 50) -> list[Message]:
        validate_channel(channel)
        rows = await self._run(lambda c: db.list_messages(c, channel, limit))
        return [Message(channel, mid, data, ts, author) for mid, data, ts, author in rows]

    async def send_oneshot(self, channel: str, data: Any, *, author: str | None = None) -> None:
        validate_channel(channel)
        validate_json(channel, data, check_keys=False)
        author, data, ts = author or self.agent_id, copy_json(data), self._clock.time()
        payload = dumps({"data": data, "author": author, "ts": ts, "origin": self.agent_id}).encode()

        def job(_conn: sqlite3.Connection) -> None:
            self._listeners.dispatch(ChannelEvent("oneshot", channel, copy_json(data), author=author, ts=ts))

        # After the commit of everything queued before it, so it keeps its place in the order;
        # dropped (not queued) while offline: one-shots are never stored.
        await self._run(job, lambda _r: self._send(None, self.topics.oneshot(channel), payload, False))

    def poll(self) -> None:
        """Deliver pending syncs; publish writes other processes (the CLI) made to our store file."""
        reader = self._reader
        if reader is None:
            return
        try:
            version = reader.execute("PRAGMA data_version").fetchone()[0]
            if version == self._data_version:
                return
            self._data_version = version
            changes = db.read_changes(reader, self._last_seq, limit=-1)
        except sqlite3.Error as exc:
            self._stats["errors"] += 1
            log.error("MQTT agent %s: poll of %s failed: %s", self.agent_id, self.store_path, exc)
            return
        if changes:
            self._last_seq = changes[-1].seq
        loop = self._loop
        for ch in changes:
            if ch.origin == self.agent_id or loop is None:
                continue
            if ch.kind == "aggregate":
                coro: Any = self.update_aggregate(ch.channel, ch.patch, replace=bool(ch.extra.get("replace")),
                                                  author=ch.author)
            elif ch.kind == "oneshot":
                coro = self.send_oneshot(ch.channel, ch.data, author=ch.author)
            elif ch.kind == "message_create" and ch.message_id:
                coro = self._forward_cli_message(ch)
            else:
                continue
            loop.create_task(coro)

    async def _forward_cli_message(self, ch: db.Change) -> None:
        op = {"op": "create", "id": ch.message_id, "data": ch.data, "author": ch.author, "ts": ch.ts}

        def job(conn: sqlite3.Connection) -> tuple[int, bytes]:
            queued = self._queue_message_op(conn, ch.channel, op, ch.ts)
            self._listeners.dispatch(ChannelEvent("message_create", ch.channel, copy_json(ch.data),
                                                  message_id=ch.message_id, author=ch.author, ts=ch.ts))
            return queued

        await self._run(job, self._send_op(ch.channel))

    def statistics(self) -> AgentStats:
        with self._lock:
            depth = len(self._inflight) + len(self._held)
        return AgentStats(
            online=self.is_online,
            aggregates_written=self._stats["aggregates_written"],
            messages_written=self._stats["messages_written"],
            events_delivered=self._listeners.delivered,
            outbox_depth=depth,
            errors=self._stats["errors"] + self._listeners.errors + self._writer.errors,
        )

