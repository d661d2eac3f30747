"""The sync lane: Modbus requests for sync callers (a sync ``main_loop``, pydoover 0.4 code).

A sync caller cannot await, and the app's event loop cannot run a request while that caller
blocks it. So sync requests run on a private event loop in one helper thread, with their own
pymodbus clients (one per bus, opened lazily like the loop's). The caller blocks for the
request, exactly as pydoover 0.4's sync calls blocked on gRPC. Thread-safe: ``run`` may be
called from any thread; the lane's loop owns its buses.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Callable
from typing import TypeVar

from .bus import ModbusBus
from .config import BusConfig

T = TypeVar("T")


class SyncLane:
    """One helper thread and event loop for blocking Modbus calls."""

    def __init__(self, make_bus: Callable[[BusConfig], ModbusBus]) -> None:
        self._make_bus = make_bus
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._buses: dict[BusConfig, ModbusBus] = {}

    def _ensure(self) -> asyncio.AbstractEventLoop:
        with self._lock:
            if self._loop is None:
                loop = asyncio.new_event_loop()
                thread = threading.Thread(target=loop.run_forever, name="doover-modbus-sync", daemon=True)
                thread.start()
                self._loop, self._thread = loop, thread
            return self._loop

    def run(self, config: BusConfig, request: Callable[[ModbusBus], Awaitable[T]], timeout: float) -> T:
        """Run ``request(bus)`` on the lane's own client for ``config``; block for the result."""
        loop = self._ensure()

        async def call() -> T:
            bus = self._buses.get(config)
            if bus is None:
                bus = self._buses[config] = self._make_bus(config)
            return await request(bus)

        return asyncio.run_coroutine_threadsafe(call(), loop).result(timeout)

    def close(self) -> None:
        """Close the lane's buses and stop its thread (idempotent)."""
        with self._lock:
            loop, thread, self._loop, self._thread = self._loop, self._thread, None, None
        if loop is None or thread is None:
            return
        buses, self._buses = list(self._buses.values()), {}

        async def shut() -> None:
            for bus in buses:
                await bus.close()

        try:
            asyncio.run_coroutine_threadsafe(shut(), loop).result(5)
        finally:
            loop.call_soon_threadsafe(loop.stop)
            thread.join(5)
            loop.close()

