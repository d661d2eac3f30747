"""An app-owned ``pydoover.state.StateMachine`` inside a running app in test mode: its timeouts must
follow the app's virtual clock (fired by the scan), not wall time.

The app runtime owns a ``ScanTimers`` that each scan makes current and fires (docs/compat/sm.md, "Wiring").
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from doover_fsm import Application, run_app
from doover_fsm.clock import VirtualClock


class Door:
    """A model the app owns, declared the way field apps declare theirs."""

    state: str

    def __init__(self, state_machine_cls: type) -> None:
        self.state_machine = state_machine_cls(
            model=self, initial="shut", queued=True,
            states=["shut", {"name": "open", "timeout": 30, "on_timeout": "close"}],
            transitions=[{"trigger": "push", "source": "shut", "dest": "open"},
                         {"trigger": "close", "source": "open", "dest": "shut"}],
        )


class DoorApp(Application):
    def setup(self) -> None:
        from doover_fsm import compat

        compat.install()
        from pydoover.state import StateMachine

        self.door = Door(StateMachine)
        self.pushes = 1

    async def main_loop(self) -> None:
        if self.pushes:
            self.pushes -= 1
            await self.door.push()


async def test_app_state_machine_timeout_follows_the_virtual_clock(tmp_path: Path) -> None:
    app = DoorApp(data_dir=tmp_path, test_mode=True, app_key="door")
    task = asyncio.get_running_loop().create_task(run_app(app, start=False, setup_logging=False))
    try:
        await asyncio.wait_for(app.wait_until_ready(), 30)
        await app.next()
        door: Any = app.door  # type: ignore[attr-defined]
        assert door.state == "open"
        clock = app.dfsm.clock
        assert isinstance(clock, VirtualClock)
        clock.advance(29)
        await app.next()
        assert door.state == "open"
        clock.advance(1)
        await app.next()
        assert door.state == "shut"
    finally:
        app.request_stop()
        await asyncio.wait_for(task, 30)
