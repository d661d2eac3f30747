"""``UICommands`` over a stand-in runtime: rpc messages and aggregate changes become scan events."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace
from typing import Any

from doover_fsm import ui
from doover_fsm.agent.base import ChannelEvent
from doover_fsm.app.ui_commands import UICommands, start_ui


class Agent:
    def __init__(self) -> None:
        self.writes: list[tuple[Any, ...]] = []

    async def update_aggregate(self, channel: str, patch: Any, *, author: str | None = None) -> None:
        self.writes.append(("aggregate", channel, patch, author))

    async def create_message(self, channel: str, data: Any, *, author: str | None = None) -> str:
        self.writes.append(("message", channel, data, author))
        return "m"

    async def update_message(self, channel: str, message_id: Any, patch: Any, *, author: str | None = None) -> None:
        self.writes.append(("update", channel, message_id, patch, author))


class OldApp:
    """A 0.4-style app object: owns ``self.ui`` as a plain object and reacts via @ui.callback."""

    app_key = "gen_1"

    def __init__(self) -> None:
        self.ui: Any = None
        self.ui_manager = ui.UIManager("gen_1")
        self.seen: list[Any] = []

    @ui.callback("start_now")
    def on_start(self, element: Any, value: Any) -> None:
        self.seen.append(value)


def _runtime(app: Any) -> SimpleNamespace:
    return SimpleNamespace(hooks=app, agent=Agent(), machine=None,
                           clock=SimpleNamespace(monotonic_ns=lambda: 1))


async def _run_events(events: Any) -> None:
    for event in events or []:
        result = event.callback()
        if asyncio.iscoroutine(result):
            await result


def test_04_app_command_through_the_aggregate_and_through_rpc() -> None:
    async def go() -> None:
        app = OldApp()
        rt = _runtime(app)
        await start_ui(app, rt.agent)
        app.ui = SimpleNamespace(start_now=ui.Action("start_now", "Start"))
        app.ui_manager.add_children(app.ui.start_now)
        commands = UICommands(rt)  # type: ignore[arg-type]
        agg = ChannelEvent("aggregate", "ui_cmds", {"cmds": {"gen_1_start_now": True}})
        await _run_events(commands.handle_aggregate(agg))
        assert app.seen == [True] and app.ui.start_now.current_value is True
        msg = ChannelEvent("message_create", "ui_cmds", {"type": "rpc", "method": "start_now", "request": False,
                                                         "app_key": "gen_1"}, message_id="c1")
        await _run_events(commands.handle(msg))
        assert app.seen == [True, False]
        assert rt.agent.writes[-1] == ("update", "ui_cmds", "c1", {"status": {"code": "success", "message": None},
                                                                    "response": {}}, "gen_1")

    asyncio.run(go())


def test_log_messages_and_other_apps_commands_are_not_answered() -> None:
    async def go() -> None:
        app = OldApp()
        rt = _runtime(app)
        commands = UICommands(rt)  # type: ignore[arg-type]
        for data in ({"type": "log", "app_key": "gen_1", "key": "x", "value": 1},
                     {"type": "rpc", "method": "x", "request": 1, "app_key": "other"}):
            assert commands.handle(ChannelEvent("message_create", "ui_cmds", data, message_id="m")) is None
        await asyncio.sleep(0)
        assert rt.agent.writes == []

    asyncio.run(go())
