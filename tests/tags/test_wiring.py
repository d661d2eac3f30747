"""The tag manager wired to the app runtime's parts as the Application/scan will wire it.

A real local agent, the runtime's committer and subscription registry: what one scan's commit
leaves in the agent (aggregate and ``tag_values`` messages) and which own-write events it makes.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from doover_fsm.agent.local import LocalAgent
from doover_fsm.app.committer import TagCommitter
from doover_fsm.app.subscriptions import TagSubscriptions
from doover_fsm.clock import VirtualClock
from doover_fsm.events import Event
from doover_fsm.tags import Boolean, Number, TagCommit, TagManager, Tags, TagStore


class PumpTags(Tags):
    level = Number(default=0.0, live=True)
    running = Boolean(default=False)
    alarm = Boolean(default=False)


async def test_one_scan_commit_through_the_committer(tmp_path: Path) -> None:
    clock = VirtualClock(start_time=1.7e9)
    agent = LocalAgent(tmp_path / "agent.sqlite3", clock=clock)
    await agent.start()
    try:
        store, subs = TagStore(clock=clock), TagSubscriptions()
        committer = TagCommitter(agent, "pump")
        posted: list[Event] = []
        seen: list[tuple[str, Any]] = []

        def sink(commit: TagCommit) -> None:  # the scan's step 6 hand-over
            committer.submit(commit.patch, [m.data for m in commit.messages])
            if commit.patch:
                posted.extend(subs.own_write_events(commit.patch, clock.monotonic_ns()))

        manager = TagManager.over_store(store, app_key="pump", clock=clock, subscribe=subs.add)
        manager.bind_sink(sink)
        tags = PumpTags("pump", manager, None)
        manager.subscribe_to_tag("running", lambda k, v: seen.append((k, v)), app_key="pump")

        tags.level.set(41.5)
        tags.running.set(True)
        tags.alarm.set(True, log=True)
        manager.commit_now()
        await committer.flush()

        assert agent.get_aggregate("tag_values") == {"pump": {"level": 41.5, "running": True, "alarm": True}}
        messages = [m.data for m in await agent.list_messages("tag_values", limit=10)]
        assert {"pump": {"alarm": True}} in messages  # the log=True write
        assert {"pump": {"level": 41.5, "running": True}} in messages  # the first periodic log
        for event in posted:
            if event.callback is not None:
                result = event.callback()
                if result is not None:
                    await result
        assert seen == [("running", True)]
    finally:
        await agent.close()
