"""MQTT agent configuration: broker URL, TLS options and the topic layout.

URL: ``mqtt://[user[:password]@][host][:port][/prefix]`` or ``mqtts://…`` (TLS). Host defaults
to 127.0.0.1, port to 1883 (``mqtt``) or 8883 (``mqtts``), prefix to ``doover``. The agent is
a client only: nothing listens anywhere.

Topic layout (``{base}`` = ``{prefix}/{device_id}``)::

    {base}/ch/{channel}/agg        retained, QoS 1: the aggregate (JSON: data + LWW entries)
    {base}/ch/{channel}/msg        QoS 1: message create/update operations
    {base}/ch/{channel}/oneshot    QoS 1, never retained, never stored
    {base}/agents/{agent_id}       retained "online"/"offline" (the will), for diagnostics
    {base}/sync/{agent_id}         QoS 1: this agent's own "all retained state received" marker

Thread-safety: everything here is immutable and thread-safe.
"""

from __future__ import annotations

import os
import ssl
import urllib.parse
from dataclasses import dataclass
from pathlib import Path

from doover_fsm.agent.merge import KEY_RE
from doover_fsm.errors import ConfigError

__all__ = ["MqttUrl", "TlsOptions", "Topics", "parse_mqtt_url"]


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
    """A parsed broker URL."""

    tls: bool
    host: str
    port: int
    username: str | None
    password: str | None
    prefix: str


def parse_mqtt_url(url: str) -> MqttUrl:
    """Parse ``mqtt(s)://[user[:pass]@][host][:port][/prefix]``; ConfigError says what is wrong."""
    try:
        u = urllib.parse.urlsplit(url)
        port = u.port
    except ValueError as exc:
        raise ConfigError(f"MQTT URL {url!r}: {exc}") from exc
    if u.scheme not in ("mqtt", "mqtts"):
        raise ConfigError(f"MQTT URL {url!r}: scheme must be mqtt:// or mqtts://, got {u.scheme!r}")
    if u.query or u.fragment:
        raise ConfigError(f"MQTT URL {url!r}: query strings and fragments are not supported")
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
    )


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

    def parse(self, topic: str) -> tuple[str, str] | None:
        """(channel, kind) for a channel topic of this device, else None."""
        head = self.base + "/ch/"
        if not topic.startswith(head):
            return None
        parts = topic[len(head):].split("/")
        if len(parts) != 2 or parts[1] not in ("agg", "msg", "oneshot"):
            return None
        return parts[0], parts[1]
