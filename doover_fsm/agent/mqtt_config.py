"""MQTT agent configuration: broker URL, TLS options and the topic layout.

URL: ``mqtt://[user[:password]@][host][:port][/prefix][?option=value&…]`` or ``mqtts://…``
(TLS). Host defaults to 127.0.0.1, port to 1883 (``mqtt``) or 8883 (``mqtts``), prefix to
``doover``. Options (each also an environment variable; the URL wins):

    session=persistent|clean     DOOVER_MQTT_SESSION          default persistent
    session_expiry=SECONDS       DOOVER_MQTT_SESSION_EXPIRY   default 86400 (MQTT 5 only)
    protocol=5|3.1.1             DOOVER_MQTT_PROTOCOL         default 5

The agent is a client only: nothing listens anywhere.

Topic layout (``{base}`` = ``{prefix}/{device_id}``)::

    {base}/ch/{channel}/agg        retained, QoS 1: the aggregate (JSON: data + LWW entries)
    {base}/ch/{channel}/msg        QoS 1: message create/update operations
    {base}/ch/{channel}/oneshot    QoS 1, never retained, never stored
    {base}/agents/{agent_id}       retained "online"/"offline" (the will), for diagnostics
    {base}/sync/{agent_id}         QoS 1: this agent's own "all retained state received" marker
    {base}/head/{agent_id}         retained, QoS 1: the agent's message stream head (epoch, seq, floor)
    {base}/replay/{agent_id}       QoS 1: requests to re-send the agent's stream from a seq

Thread-safety: everything here is immutable and thread-safe.
"""

from __future__ import annotations

import difflib
import os
import re
import ssl
import urllib.parse
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from doover_fsm.agent.merge import KEY_RE
from doover_fsm.errors import ConfigError

__all__ = ["MqttUrl", "SessionOptions", "TlsOptions", "Topics", "device_id_from_env", "parse_mqtt_url",
           "session_options"]


@dataclass(frozen=True, slots=True)
class TlsOptions:
    """TLS settings for ``mqtts://`` (or to force TLS on ``mqtt://``).

    ``ca_certs``: CA bundle to verify the broker (None: the system store). ``certfile`` and
    ``keyfile``: a client certificate (both or neither; ``keyfile`` may be omitted when the
    key is inside ``certfile``). ``insecure=True`` skips the host-name check (never for
    production; self-signed test brokers).
    """

    ca_certs: str | Path | None = None
    certfile: str | Path | None = None
    keyfile: str | Path | None = None
    keyfile_password: str | None = None
    insecure: bool = False
    tls_version: int | None = None

    def validate(self) -> None:
        """Raise ConfigError naming the option and the path if a file is missing or unreadable."""
        for name in ("ca_certs", "certfile", "keyfile"):
            value = getattr(self, name)
            if value is None:
                continue
            p = Path(value)
            if not p.is_file():
                raise ConfigError(f"MQTT TLS option {name}={str(p)!r}: file does not exist")
            if not os.access(p, os.R_OK):
                raise ConfigError(f"MQTT TLS option {name}={str(p)!r}: file is not readable")
        if self.keyfile is not None and self.certfile is None:
            raise ConfigError("MQTT TLS option keyfile is set without certfile (a client key needs its certificate)")
        if self.certfile is not None:
            ctx = ssl.create_default_context()
            try:
                ctx.load_cert_chain(str(self.certfile), str(self.keyfile) if self.keyfile else None,
                                    password=self.keyfile_password)
            except (ssl.SSLError, OSError) as exc:
                raise ConfigError(f"MQTT TLS client certificate {str(self.certfile)!r} / key "
                                  f"{str(self.keyfile)!r} cannot be loaded: {exc}") from exc
        if self.ca_certs is not None:
            ctx = ssl.create_default_context()
            try:
                ctx.load_verify_locations(cafile=str(self.ca_certs))
            except (ssl.SSLError, OSError) as exc:
                raise ConfigError(f"MQTT TLS option ca_certs={str(self.ca_certs)!r} is not a CA bundle: {exc}") \
                    from exc


@dataclass(frozen=True, slots=True)
class MqttUrl:
    """A parsed broker URL; ``options`` are the query options, as given (see :func:`session_options`)."""

    tls: bool
    host: str
    port: int
    username: str | None
    password: str | None
    prefix: str
    options: tuple[tuple[str, str], ...] = ()


#: URL query option -> environment variable.
URL_OPTIONS = {
    "session": "DOOVER_MQTT_SESSION",
    "session_expiry": "DOOVER_MQTT_SESSION_EXPIRY",
    "protocol": "DOOVER_MQTT_PROTOCOL",
}
#: A receiver down for up to a day gets what it missed from the broker's queue; after that the
#: broker forgets the session (bounded broker memory) and the sender's replay log fills the gap.
DEFAULT_SESSION_EXPIRY = 86_400
_MAX_EXPIRY = 0xFFFFFFFF


@dataclass(frozen=True, slots=True)
class SessionOptions:
    """How the agent's MQTT session is kept.

    ``persistent`` (the default): the broker keeps the subscriptions and queues QoS 1 messages
    for this client id while it is disconnected, for ``expiry`` seconds (MQTT 5; with 3.1.1 the
    broker keeps it until its own ``persistent_client_expiration``). ``clean``: every connect
    starts afresh (what a throw-away monitoring client wants).
    """

    persistent: bool = True
    expiry: int = DEFAULT_SESSION_EXPIRY
    protocol: Literal["5", "3.1.1"] = "5"


def parse_mqtt_url(url: str) -> MqttUrl:
    """Parse ``mqtt(s)://[user[:pass]@][host][:port][/prefix][?opts]``; ConfigError says what is wrong."""
    try:
        u = urllib.parse.urlsplit(url)
        port = u.port
    except ValueError as exc:
        raise ConfigError(f"MQTT URL {url!r}: {exc}") from exc
    if u.scheme not in ("mqtt", "mqtts"):
        raise ConfigError(f"MQTT URL {url!r}: scheme must be mqtt:// or mqtts://, got {u.scheme!r}")
    if u.fragment:
        raise ConfigError(f"MQTT URL {url!r}: fragments are not supported")
    try:
        options = tuple(urllib.parse.parse_qsl(u.query, keep_blank_values=True, strict_parsing=bool(u.query)))
    except ValueError as exc:
        raise ConfigError(f"MQTT URL {url!r}: malformed query string {u.query!r}") from exc
    for key, value in options:
        if key not in URL_OPTIONS:
            close = difflib.get_close_matches(key, URL_OPTIONS, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise ConfigError(f"MQTT URL {url!r}: unknown option {key!r}{hint}; known: {', '.join(URL_OPTIONS)}")
        _check_option(f"MQTT URL {url!r}: option", key, value)
    tls = u.scheme == "mqtts"
    prefix = u.path.strip("/") or "doover"
    for seg in prefix.split("/"):
        if not KEY_RE.fullmatch(seg):
            raise ConfigError(f"MQTT URL {url!r}: topic prefix segment {seg!r} must match ^[a-zA-Z0-9_-]+$")
    return MqttUrl(
        tls=tls,
        host=u.hostname or "127.0.0.1",
        port=port or (8883 if tls else 1883),
        username=urllib.parse.unquote(u.username) if u.username else None,
        password=urllib.parse.unquote(u.password) if u.password is not None else None,
        prefix=prefix,
        options=options,
    )


def _check_option(where: str, key: str, value: str) -> None:
    if key == "session" and value not in ("persistent", "clean"):
        raise ConfigError(f"{where} session={value!r}: must be 'persistent' or 'clean'")
    if key == "protocol" and value not in ("5", "3.1.1"):
        raise ConfigError(f"{where} protocol={value!r}: must be '5' or '3.1.1'")
    if key == "session_expiry" and not (value.isdigit() and int(value) <= _MAX_EXPIRY):
        raise ConfigError(f"{where} session_expiry={value!r}: must be whole seconds, 0..{_MAX_EXPIRY}")


def session_options(url: MqttUrl, env: Mapping[str, str] | None = None) -> SessionOptions:
    """The session options of ``url``: its query options, else the environment, else the defaults."""
    env = os.environ if env is None else env
    given = dict(url.options)
    values: dict[str, str] = {}
    for key, var in URL_OPTIONS.items():
        if key in given:
            values[key] = given[key]
        elif env.get(var):
            _check_option(f"environment variable {var}:", key, env[var])
            values[key] = env[var]
    return SessionOptions(
        persistent=values.get("session", "persistent") == "persistent",
        expiry=int(values.get("session_expiry", DEFAULT_SESSION_EXPIRY)),
        protocol="3.1.1" if values.get("protocol") == "3.1.1" else "5",
    )


def device_id_from_env(env: Mapping[str, str] | None = None) -> str:
    """``$DOOVER_DEVICE_ID`` (checked), else the host name made topic-safe (``pi.local`` -> ``pi-local``)."""
    env = os.environ if env is None else env
    given = env.get("DOOVER_DEVICE_ID")
    if given:
        if not KEY_RE.fullmatch(given):
            raise ConfigError(f"environment variable DOOVER_DEVICE_ID={given!r}: must match ^[a-zA-Z0-9_-]+$")
        return given
    return re.sub(r"[^a-zA-Z0-9_-]", "-", os.uname().nodename) or "device"


@dataclass(frozen=True, slots=True)
class Topics:
    """The topic names of one device (see the module docstring)."""

    prefix: str
    device_id: str

    @property
    def base(self) -> str:
        return f"{self.prefix}/{self.device_id}"

    def agg(self, channel: str) -> str:
        return f"{self.base}/ch/{channel}/agg"

    def msg(self, channel: str) -> str:
        return f"{self.base}/ch/{channel}/msg"

    def oneshot(self, channel: str) -> str:
        return f"{self.base}/ch/{channel}/oneshot"

    def channels_filter(self) -> str:
        return f"{self.base}/ch/+/+"

    def status(self, agent_id: str) -> str:
        return f"{self.base}/agents/{agent_id}"

    def sync(self, agent_id: str) -> str:
        return f"{self.base}/sync/{agent_id}"

    def head(self, agent_id: str) -> str:
        return f"{self.base}/head/{agent_id}"

    def heads_filter(self) -> str:
        return f"{self.base}/head/+"

    def replay(self, agent_id: str) -> str:
        return f"{self.base}/replay/{agent_id}"

    def agent_of(self, topic: str, kind: str) -> str | None:
        """The agent id of a ``{base}/{kind}/{agent_id}`` topic, else None."""
        head = f"{self.base}/{kind}/"
        return topic[len(head):] if topic.startswith(head) and "/" not in topic[len(head):] else None

    def parse(self, topic: str) -> tuple[str, str] | None:
        """(channel, kind) for a channel topic of this device, else None."""
        head = self.base + "/ch/"
        if not topic.startswith(head):
            return None
        parts = topic[len(head):].split("/")
        if len(parts) != 2 or parts[1] not in ("agg", "msg", "oneshot"):
            return None
        return parts[0], parts[1]
