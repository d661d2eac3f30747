"""A tiny HTTP health endpoint on 127.0.0.1 (no web framework: it answers one question).

``GET /`` (any path) → ``200 OK`` while scans run and succeed, ``503`` when the loop is stuck
(no scan for ``stuck_after`` seconds) or the last scans failed. The body is a JSON summary.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable
from typing import Any

log = logging.getLogger(__name__)


class HealthServer:
    """Serves ``status()`` over HTTP/1.0. Loop-thread only."""

    def __init__(self, port: int, status: Callable[[], tuple[bool, dict[str, Any]]], host: str = "127.0.0.1") -> None:
        self.port = port
        self.host = host
        self._status = status
        self._server: asyncio.Server | None = None

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._handle, self.host, self.port)
        sock = self._server.sockets[0].getsockname()
        self.port = sock[1]
        log.info("health endpoint on http://%s:%d/", self.host, self.port)

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), timeout=2.0)
        except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, TimeoutError, ConnectionError):
            pass
        try:
            healthy, body = self._status()
        except Exception as exc:  # never let a status bug kill the endpoint
            healthy, body = False, {"error": repr(exc)}
        payload = json.dumps(body, default=str).encode()
        status = b"200 OK" if healthy else b"503 Service Unavailable"
        writer.write(
            b"HTTP/1.0 " + status + b"\r\nContent-Type: application/json\r\nContent-Length: "
            + str(len(payload)).encode() + b"\r\nConnection: close\r\n\r\n" + payload
        )
        try:
            await writer.drain()
        except ConnectionError:
            pass
        finally:
            writer.close()
