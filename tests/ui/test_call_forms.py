"""The rule that tells ``(display_name, value, name=)`` from ``(name, display_name)`` (doover_fsm.ui.calls),
and each documented difference from pydoover (docs/compat/ui.md)."""

from __future__ import annotations

import asyncio
import inspect
from typing import Any

import pytest

from doover_fsm import ui
from doover_fsm.tags import Boolean, Tags
from doover_fsm.ui.legacy.elements import LegacyNumericVariable, LegacyTextVariable


class MyTags(Tags):
    ready = Boolean(default=False)


def test_seed_form_two_strings_and_value_keyword_is_name_then_display_name() -> None:
    var = ui.BooleanVariable("ready", "Ready", value=MyTags.ready)
    assert type(var) is ui.BooleanVariable  # the 1.x element, not the 0.4 one
    out = var.to_dict()
    assert (out["name"], out["displayString"]) == ("ready", "Ready")
    assert out["currentValue"] == "$tag.app().ready:boolean:false"


def test_pydoover_118_form_is_read_as_pydoover_reads_it() -> None:
    var = ui.BooleanVariable("Pump Ready", MyTags.ready, name="pump_ready")
    assert (var.name, var.display_name) == ("pump_ready", "Pump Ready")
    assert ui.BooleanVariable("Pump Ready", value=True).name == "pump_ready"
    assert ui.TextVariable("Status", "Idle").to_dict()["currentValue"] == "Idle"  # display, value


def test_04_form_makes_the_04_element() -> None:
    var = ui.NumericVariable("flow_rate", "Flow Rate", precision=2)
    assert isinstance(var, LegacyNumericVariable) and isinstance(var, ui.NumericVariable)
    var.update(3.14159)
    assert var.to_dict()["currentValue"] == 3.14 and var.to_dict()["displayString"] == "Flow Rate"
    assert "position" not in var.to_dict()  # 0.4 elements have no position until placed


@pytest.mark.parametrize(("call", "name", "display"), [
    (lambda: ui.NumericVariable("batteryPercent", "Battery (%)"), "batteryPercent", "Battery (%)"),
    (lambda: ui.Button("start", "Start"), "start", "Start"),  # an interaction's value is a lookup
    (lambda: ui.Slider("speed", "Speed"), "speed", "Speed"),  # pydoover would take "Speed" as min_val
    (lambda: ui.TextVariable("status", "Status"), "status", "Status"),  # second names the first
    (lambda: ui.TextVariable("a", "A thing", "x"), "a", "A thing"),  # more strings than 1.x takes
    (lambda: ui.NumericVariable("flow", display_name="Flow"), "flow", "Flow"),  # display_name= and a positional
    (lambda: ui.NumericVariable("flow", "Flow", curr_val=3), "flow", "Flow"),  # a 0.4-only keyword
])
def test_name_first_cases(call, name: str, display: str) -> None:
    element = call()
    assert (element.name, element.display_name) == (name, display)


@pytest.mark.parametrize(("call", "name", "display"), [
    (lambda: ui.Button("Start", "$cmds.app().go"), "start", "Start"),  # a $-lookup second string is 1.x
    (lambda: ui.TextVariable("Status", "Idle"), "status", "Status"),  # free value: stays 1.x
    (lambda: ui.RemoteComponent("Cam", "https://x/c.js"), "cam", "Cam"),  # second is the URL in 1.x
    (lambda: ui.NumericVariable("Flow"), "flow", "Flow"),
])
def test_display_first_cases(call, name: str, display: str) -> None:
    element = call()
    assert (element.name, element.display_name) == (name, display)


def test_ambiguous_text_variable_is_re_read_when_the_04_manager_takes_it() -> None:
    status = ui.TextVariable("auto_reason", "Running for", hidden=True)
    assert status.display_name == "auto_reason"  # 1.x reading until placed (documented)
    manager = ui.UIManager("app")
    manager.add_children(status)
    assert isinstance(status, LegacyTextVariable)
    assert (status.name, status.display_name, status.current_value) == ("auto_reason", "Running for", None)


def test_seed_form_with_name_keyword_too_is_a_clear_error() -> None:
    with pytest.raises(TypeError, match="name is given twice"):
        ui.BooleanVariable("ready", "Ready", value=True, name="other")


def test_class_signature_is_pydoovers_even_though_the_seed_form_is_accepted() -> None:
    params = list(inspect.signature(ui.BooleanVariable).parameters)
    assert params == ["display_name", "value", "log_threshold", "kwargs"]


# -- documented differences (docs/compat/ui.md) ----------------------------------------------------
def test_difference_ui_app_key_is_optional() -> None:
    assert ui.UI(None, None).app_key is None  # pydoover requires it (UI(config, tags, app_key))


def test_difference_option_takes_the_04_form() -> None:
    assert (ui.Option("user", "User Control").name, ui.Option("User Control").name) == ("user", "user_control")


def test_difference_select_takes_plain_strings_as_options() -> None:
    out = ui.Select("Mode", options=["Auto", "Manual"]).to_dict()
    assert set(out["options"]) == {"auto", "manual"}


def test_difference_interaction_value_without_a_manager() -> None:
    with pytest.raises(KeyError):
        _ = ui.Switch("Pump").value  # pydoover: AttributeError on its missing manager
    assert ui.Select("Mode", options=[ui.Option("Auto")], default="auto").value == "auto"


def test_difference_set_value_is_read_back_at_once() -> None:
    manager = ui.UIManager("app")
    button = ui.Button("Start")
    manager._set_interactions({"start": button})
    asyncio.run(button.set(5))
    assert button.value == 5  # pydoover waits for the agent's echo of the aggregate


def test_difference_handler_for_a_name_that_is_no_interaction_still_answers() -> None:
    from doover_fsm.ui.manager import ChannelRef, CommandMessage

    written = []

    class Channels:
        async def update_aggregate(self, channel, patch): ...
        async def create_message(self, channel, data): ...
        async def update_message(self, channel, message_id, patch):
            written.append(patch)

    class App:
        @ui.handler("ping")
        async def on_ping(self, ctx, value):
            return {"pong": value}

    manager = ui.UIManager("app", Channels())
    manager.register_handlers(App())
    message = CommandMessage(1, ChannelRef("ui_cmds"), {"type": "rpc", "method": "ping", "request": 1})
    asyncio.run(manager.dispatch(message))
    assert written == [{"status": {"code": "success", "message": None}, "response": {"pong": 1}}]


def test_difference_base_ui_class_has_defaults() -> None:
    assert ui.UI(None, None, "a").to_schema(resolve_config=False)["type"] == "uiApplication"


def test_position_counter_is_process_wide_like_pydoovers() -> None:
    first = ui.Button("A").position
    assert ui.Button("B").position == first + 1


def test_difference_an_element_without_any_name_is_a_clear_type_error() -> None:
    with pytest.raises(TypeError, match="Button needs a display name"):
        ui.Button(None)  # type: ignore[arg-type]


def test_all_keyword_04_call_with_a_04_keyword_makes_the_04_element() -> None:
    var = ui.NumericVariable(name="flow", display_name="Flow", curr_val=3)
    assert isinstance(var, LegacyNumericVariable) and var.to_dict()["currentValue"] == 3
    button = ui.Button(name="go", display_name="Go", callback=print)  # 1.x-only class: same reading
    assert (button.name, button.display_name) == ("go", "Go")


def test_difference_commands_manager_also_takes_pydoovers_device_agent_form() -> None:
    writes: list[Any] = []

    class Agent:
        app_key = "app"

        async def update_channel_aggregate(self, channel: str, data: Any) -> None:
            writes.append((channel, data))

        async def create_message(self, channel: str, data: Any) -> None:
            writes.append((channel, data))

        async def update_message(self, channel: str, message_id: Any, data: Any) -> None:
            writes.append((channel, message_id, data))

    manager = ui.UICommandsManager(Agent())
    button = ui.Button("Go")
    manager._set_interactions({"go": button})
    asyncio.run(button.set(1, log_update=False))
    assert manager.app_key == "app" and writes == [("ui_cmds", {"app": {"go": 1}})]
