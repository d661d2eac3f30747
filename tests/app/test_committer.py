"""The tag committer: ordered, coalescing, never loses a commit handed over mid-write (logic test)."""

from __future__ import annotations

import asyncio
from typing import Any

from doover_fsm.agent.merge import merge_patch
from doover_fsm.app.committer import TagCommitter, combine_patches


class SlowAgent:
    """Applies merge-patches like an agent, but each write waits for the test to release it."""

    def __init__(self) -> None:
        self.state: dict[str, Any] = {}
        self.release = asyncio.Event()
        self.writes: list[dict[str, Any]] = []
        self.messages: list[Any] = []
        self.fail_next = False

    async def update_aggregate(self, channel: str, patch: Any, **kw: Any) -> Any:
        await self.release.wait()
        if self.fail_next:
            self.fail_next = False
            raise OSError("disk full")
        self.writes.append(patch)
        self.state = merge_patch(self.state, patch)
        return self.state

    async def create_message(self, channel: str, data: Any, **kw: Any) -> str:
        self.messages.append(data)
        return str(len(self.messages))

    async def update_aggregate_and_log(self, channel: str, patch: Any, messages: list[Any], **kw: Any) -> None:
        """All or nothing, as the local store does: a failed patch writes none of its points."""
        if patch:
            await self.update_aggregate(channel, patch)
        for data in messages:
            await self.create_message(channel, data)


async def test_a_commit_submitted_during_a_write_is_not_lost() -> None:
    agent = SlowAgent()
    c = TagCommitter(agent, "me")  # type: ignore[arg-type]
    c.start()
    c.submit({"a": {"x": 1}}, [])
    await asyncio.sleep(0.01)  # the writer is now blocked inside the first write
    c.submit({"a": {"y": 2}}, [{"a": {"y": 2}}])
    c.submit({"a": {"z": 3}}, [])  # coalesces with the previous (not yet written) one
    agent.release.set()
    await c.flush()
    assert agent.state == {"a": {"x": 1, "y": 2, "z": 3}}
    assert agent.messages == [{"a": {"y": 2}}]
    assert c.statistics().merged == 1 and c.statistics().pending == 0
    await c.close()


async def test_a_failed_write_is_kept_and_retried_in_order() -> None:
    agent = SlowAgent()
    agent.release.set()
    agent.fail_next = True
    c = TagCommitter(agent, "me")  # type: ignore[arg-type]
    c.start()
    c.submit({"a": 1}, [{"a": 1}])
    await asyncio.sleep(0.01)
    assert c.statistics().errors == 1 and c.statistics().pending == 2  # the patch and its point
    assert agent.messages == []  # the point was not written without its patch
    c.submit({"a": None, "b": 2}, [])
    await c.flush()
    assert agent.state == {"b": 2} and agent.messages == [{"a": 1}]
    await c.close()


def test_combine_patches_equals_applying_both() -> None:
    base = {"a": {"x": 1, "y": 2}, "b": 5, "c": [1]}
    p1 = {"a": {"x": None, "w": 1}, "c": None}
    p2 = {"a": {"w": 2, "v": {"k": 1}}, "d": 1}
    combined = combine_patches(p1, p2)
    assert combined is not None
    assert merge_patch(base, combined) == merge_patch(merge_patch(base, p1), p2)
    # A dict merged over a scalar replaced by the first patch cannot be one merge-patch.
    assert combine_patches({"b": 1}, {"b": {"k": 1}}) is None
