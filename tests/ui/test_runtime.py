"""``UIManager`` (``app.ui_manager``): 0.4 building, values arriving, what is published."""

from __future__ import annotations

import asyncio
import re
from typing import Any

from doover_fsm import ui
from doover_fsm.ui.manager import ChannelRef, CommandMessage


class Channels:
    def __init__(self) -> None:
        self.writes: list[tuple[Any, ...]] = []

    async def update_aggregate(self, channel: str, patch: Any) -> None:
        self.writes.append(("aggregate", channel, patch))

    async def create_message(self, channel: str, data: Any) -> Any:
        self.writes.append(("message", channel, data))

    async def update_message(self, channel: str, message_id: Any, patch: Any) -> None:
        self.writes.append(("update", channel, message_id, patch))


class LegacyApp:
    """A 0.4-style app: builds elements itself, reacts through @ui.callback."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, Any]] = []
        self.level = ui.NumericVariable("level", "Level", precision=1)
        self.start = ui.Action("start", "Start", colour=ui.Colour.green)
        self.mode = ui.StateCommand("mode", "Mode", user_options=[ui.Option("a", "Auto"), ui.Option("m", "Manual")])

    @ui.callback("start")
    async def on_start(self, element: Any, value: Any) -> None:
        self.seen.append((element.name, value))

    @ui.callback(re.compile(r"mo.*"))
    def on_mode(self, element: Any, value: Any) -> None:
        self.seen.append(("mode-pattern", value))


def _manager() -> tuple[ui.UIManager, Channels, LegacyApp]:
    channels = Channels()
    manager = ui.UIManager("pump_1", channels)
    app = LegacyApp()
    manager.register_callbacks(app)
    manager.add_children(app.level, app.start, app.mode)
    manager.set_display_name("Pump 1")
    return manager, channels, app


def test_04_interactions_are_named_with_the_app_key_and_published_under_ui_state_children() -> None:
    manager, channels, app = _manager()
    assert app.start.name == "pump_1_start" and manager.get_interaction("start") is app.start
    asyncio.run(manager.publish())
    clear, (kind, channel, patch) = channels.writes
    assert clear == ("aggregate", "ui_state", {"state": {"children": {"pump_1": None}}})
    assert (kind, channel) == ("aggregate", "ui_state")
    schema = patch["state"]["children"]["pump_1"]
    assert schema["displayString"] == "Pump 1" and schema["type"] == "uiApplication"
    assert schema["children"]["pump_1_start"]["type"] == "uiAction"
    assert schema["children"]["level"]["position"] == 101


def test_only_changes_are_published_after_the_first_push() -> None:
    manager, channels, app = _manager()
    asyncio.run(manager.publish())
    asyncio.run(manager.publish())
    assert len(channels.writes) == 2  # clear + schema; then nothing changed
    app.level.update(12.345)
    app.start.hidden = True
    asyncio.run(manager.publish())
    patch = channels.writes[-1][2]["state"]["children"]["pump_1"]
    assert patch == {"children": {"level": {"currentValue": 12.3}, "pump_1_start": {"hidden": True}}}


def test_commands_aggregate_reaches_callbacks_and_coerce_is_published() -> None:
    manager, _channels, app = _manager()
    asyncio.run(manager.on_commands_aggregate({"cmds": {"pump_1_start": True, "pump_1_mode": "m"}}))
    assert app.start.current_value is True and ("pump_1_start", True) in app.seen
    assert ("mode-pattern", "m") in app.seen
    app.start.coerce(None)
    assert manager.commands_patch() == {"cmds": {"pump_1_start": None}}
    assert manager.commands_patch() is None


def test_an_rpc_command_reaches_a_04_interaction_by_its_short_name() -> None:
    manager, channels, app = _manager()
    message = CommandMessage("m1", ChannelRef("ui_cmds"), {"type": "rpc", "method": "start", "request": 1,
                                                           "app_key": "pump_1"})
    asyncio.run(manager.dispatch(message))
    assert app.seen == [("pump_1_start", 1)]
    assert channels.writes[-1] == ("update", "ui_cmds", "m1", {"status": {"code": "success", "message": None},
                                                              "response": {}})


def test_send_notification_async_posts_on_significant_event() -> None:
    manager, channels, _ = _manager()
    asyncio.run(manager.send_notification_async("out of fuel"))
    assert channels.writes == [("message", "significantEvent", {"notification_msg": "out of fuel"})]


def test_a_1x_ui_is_published_with_config_resolved_and_values_come_from_ui_cmds() -> None:
    class MyUI(ui.UI, display_name="Pump"):
        start = ui.Button("Start")
        panel = ui.Submodule("Panel", children=[ui.FloatInput("Setpoint", default=3)])

    class Config:
        _element_map: dict[str, Any] = {}

    manager = ui.UIManager("p", Channels())
    my_ui = MyUI(Config(), None, "p")
    manager.attach_ui(my_ui)
    patch = manager.ui_state_patch()
    assert patch is not None and patch["state"]["children"]["p"]["displayString"] == "Pump"
    assert patch["state"]["children"]["p"]["name"] == "p"  # APP_KEY, as a deployment injects it
    assert patch["state"]["children"]["p"]["position"] == 100  # $config…dv_app_position default
    assert my_ui.panel.setpoint.value == 3  # default until set
    manager.on_aggregate({"p": {"setpoint": 7.5}, "other": {"setpoint": 1}})
    assert my_ui.panel.setpoint.value == 7.5
    assert manager.get_value("setpoint") == 7.5


def test_an_app_owning_self_ui_as_a_plain_object_is_left_alone() -> None:
    manager = ui.UIManager("p")
    manager.attach_ui(object())
    assert manager.ui is None and manager.ui_state_patch() is None


def test_04_comms_calls_are_accepted_and_clear_ui_removes_the_app() -> None:
    manager, channels, _ = _manager()
    manager.start_comms()
    assert asyncio.run(manager.await_comms_sync(1)) is True
    asyncio.run(manager.handle_comms_async())
    asyncio.run(manager.clear_ui_async())
    assert channels.writes[-1] == ("aggregate", "ui_state", {"state": {"children": {"pump_1": None}}})


def test_a_1x_ui_is_published_once_like_pydoover() -> None:
    class MyUI(ui.UI):
        start = ui.Button("Start")

    manager = ui.UIManager("p", Channels())
    my_ui = MyUI(None, None, "p")
    manager.attach_ui(my_ui)
    assert manager.ui_state_patch() is not None
    my_ui.start.hidden = True  # pydoover 1.x never republishes: apps bind such fields to tags
    assert manager.ui_state_patch() is None


def test_a_deploy_time_app_key_reaches_the_04_app_element() -> None:
    manager = ui.UIManager("before")
    manager.app_key = "after"
    manager.add_children(ui.Action("go", "Go"))
    assert manager._base_container.to_dict()["name"] == "after" and manager.get_interaction("go").name == "after_go"


def test_a_0_4_datetime_variable_updated_with_a_datetime_publishes_epoch_seconds() -> None:
    """flow-pulse-counter's pattern: ``DateTimeVariable("last_update", "Last Update").update(datetime.now())``."""
    import json
    from datetime import UTC, datetime

    from doover_fsm.ui.legacy.elements import LegacyDateTimeVariable

    var = LegacyDateTimeVariable("last_update", "Last Update")
    when = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
    var.update(when)
    out = var.to_dict()
    assert out["currentValue"] == int(when.timestamp())
    json.dumps(out)  # publishable as it is
