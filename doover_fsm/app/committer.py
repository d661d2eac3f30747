"""Write each scan's tag commit to the agent in order, without making the scan wait.

The scan hands over one merge-patch (and its logged points) per scan; a single background
task writes them in order, each patch together with the points logged with it (one transaction
on the local store: a crash keeps both or neither, so a restarted app never skips or repeats a
point). If the agent is slower than the scan, waiting commits are merged into one (the aggregate
ends up identical) and logged points are kept in order, so nothing accepted is lost.
``flush()`` waits until everything handed over is written (test mode uses
it so ``await app.next()`` returns with the aggregate committed).
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from dataclasses import dataclass
from typing import Any

from doover_fsm.agent.base import Agent
from doover_fsm.errors import ChannelMessageError

log = logging.getLogger(__name__)

TAG_CHANNEL = "tag_values"


class _Unsafe(Exception):
    pass


def combine_patches(first: dict[str, Any], second: dict[str, Any]) -> dict[str, Any] | None:
    """One merge-patch equal to applying ``first`` then ``second``, or None if none exists.

    ``None`` (delete) markers are kept. A dict patched over a non-dict value of ``first``
    cannot be expressed as one merge-patch (the first replaces, the second merges), so
    those two stay separate writes.
    """
    try:
        return _combine(first, second)
    except _Unsafe:
        return None


def _combine(first: dict[str, Any], second: dict[str, Any]) -> dict[str, Any]:
    out = dict(first)
    for key, value in second.items():
        if key in out and isinstance(value, dict):
            prev = out[key]
            if not isinstance(prev, dict):
                raise _Unsafe
            out[key] = _combine(prev, value)
        else:
            out[key] = value
    return out


@dataclass(frozen=True, slots=True)
class CommitterStats:
    """Snapshot of the committer (see ``statistics()``)."""

    commits_submitted: int
    aggregate_writes: int
    log_messages: int
    merged: int
    errors: int
    pending: int


class TagCommitter:
    """Ordered, coalescing writer of tag commits. Loop-thread only (not thread-safe)."""

    def __init__(self, agent: Agent, author: str | None) -> None:
        self._agent = agent
        self._author = author
        #: Waiting commits, oldest first: (merge-patch, the points logged with it).
        self._queue: deque[tuple[dict[str, Any], list[dict[str, Any]]]] = deque()
        self._wake = asyncio.Event()
        self._idle = asyncio.Event()
        self._idle.set()
        self._task: asyncio.Task[None] | None = None
        self._submitted = self._writes = self._log_messages = self._merged = self._errors = 0

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._run(), name="doover_fsm-tag-committer")

    def submit(self, patch: dict[str, Any], logged: list[dict[str, Any]]) -> None:
        """Hand over one scan's commit; returns at once."""
        if not patch and not logged:
            return
        self._submitted += 1
        if self._queue:
            last_patch, last_points = self._queue[-1]
            combined = combine_patches(last_patch, patch) if patch else last_patch
            if combined is not None:
                self._queue[-1] = (combined, last_points + list(logged))
                self._merged += 1
                self._idle.clear()
                self._wake.set()
                return
        self._queue.append((patch, list(logged)))
        self._idle.clear()
        self._wake.set()

    async def flush(self) -> None:
        """Wait until every submitted commit is written (or failed and was logged)."""
        if self._task is None or self._task.done():
            await self._write_pending()
            return
        await self._idle.wait()

    async def close(self) -> None:
        """Write what is pending, then stop the writer task."""
        await self.flush()
        if self._task is not None:
            self._task.cancel()
            try:
                await self._task
            except asyncio.CancelledError:
                pass
            self._task = None
        await self._write_pending()

    async def _run(self) -> None:
        while True:
            await self._wake.wait()
            self._wake.clear()
            await self._write_pending()
            if not self._queue:
                self._idle.set()

    async def _write_pending(self) -> None:
        while self._queue:
            # Take the commit out before awaiting, so a submit() during the write can never merge
            # into a patch that is already on its way (that would lose the merge).
            patch, points = self._queue.popleft()
            try:
                await self._agent.update_aggregate_and_log(TAG_CHANNEL, patch, points, author=self._author)
            except ChannelMessageError as exc:
                # The store refused the shape (it would refuse it again): drop it, say so, go on.
                self._errors += 1
                log.error("tag_values refused this commit, which is dropped: %s (patch %r, %d logged points)",
                          exc, patch, len(points))
                continue
            except Exception:
                self._errors += 1
                self._queue.appendleft((patch, points))
                log.exception("writing tag_values failed; kept, retried with the next commit")
                return
            if patch:
                self._writes += 1
            self._log_messages += len(points)

    def statistics(self) -> CommitterStats:
        pending = sum(1 + len(points) for _patch, points in self._queue)
        return CommitterStats(self._submitted, self._writes, self._log_messages, self._merged, self._errors, pending)
