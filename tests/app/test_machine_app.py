"""The app is the machine: declaration errors at class creation, triggers, the state tag, overruns."""

from __future__ import annotations

from pathlib import Path

import pytest
from _apptest import make, started

from doover_fsm import Application, MachineDefinitionError, MachineError


def test_a_bad_declaration_fails_at_class_creation_naming_the_state() -> None:
    with pytest.raises(MachineDefinitionError, match="nowhere"):
        class Bad(Application):
            states = ["a", "b"]
            transitions = [{"trigger": "go", "source": "a", "dest": "nowhere"}]
            initial = "a"

    with pytest.raises(MachineDefinitionError, match="no_such_method"):
        class BadCallback(Application):
            states = [{"name": "a", "on_enter": "no_such_method"}]
            initial = "a"


class Door(Application):
    states = ["closed", {"name": "open", "timeout": 30, "on_timeout": "auto_close"}]
    transitions = [
        {"trigger": "push", "source": "closed", "dest": "open"},
        {"trigger": "close", "source": "open", "dest": "closed"},
        {"trigger": "overrun", "source": "*", "dest": None, "after": "count_overrun"},
    ]
    initial = "closed"

    def setup(self) -> None:
        self.overruns = 0

    async def auto_close(self, event=None) -> None:
        await self.trigger("close")

    def count_overrun(self, event) -> None:
        self.overruns += 1


async def test_triggers_state_tag_and_timeouts(data_dir: Path) -> None:
    app = make(Door, data_dir, app_key="door")
    async with started(app):
        await app.next()
        assert app.get_tag("fsm_state") == "closed"
        assert await app.trigger("push") is True
        await app.next()
        assert app.get_channel_aggregate("tag_values")["door"]["fsm_state"] == "open"
        app.clock.advance(30)
        await app.next()
        assert app.machine.state == "closed"
        assert await app.trigger("close") is False  # not valid from closed: ignored, reported
        # An overrun event (as the live scheduler posts it) reaches the machine as a trigger.
        from doover_fsm.events import Event

        app.events.post(Event("overrun", "scheduler", {"skipped": 1}))
        await app.next()
        assert app.overruns == 1


async def test_trigger_without_a_machine_is_a_clear_error(data_dir: Path) -> None:
    app = make(Application, data_dir)
    async with started(app):
        with pytest.raises(MachineError, match="no state machine"):
            await app.trigger("go")


async def test_a_full_event_queue_is_reported_not_silent(data_dir: Path, caplog: pytest.LogCaptureFixture) -> None:
    from doover_fsm.events import Event, EventQueue

    app = make(Door, data_dir)
    app.dfsm.events = EventQueue(capacity=8)  # the runtime owns the queue; app.events is a view
    async with started(app):
        await app.next()  # drain what start-up posted
        accepted = sum(app.events.post(Event("push", "test")) for _ in range(20))
        assert accepted <= 8
        await app.next()
        assert app.machine.state == "open"  # what fitted was dispatched
        assert f"{20 - accepted} events were dropped" in caplog.text
