"""``app.ui_manager``: one object for both pydoover generations, and what the app runtime publishes.

1.x apps declare ``ui_cls``; the runtime attaches that UI (:meth:`UIManager.attach_ui`) and routes
``ui_cmds`` rpc messages to :meth:`~doover_fsm.ui.manager.UICommandsManager.dispatch`. 0.4 apps
build elements in ``setup()`` and hand them over with ``ui_manager.add_children(...)``; their
interactions change through the ``ui_cmds`` aggregate (``{"cmds": {name: value}}``) and reach
``@ui.callback`` methods and element callbacks. Either way :meth:`UIManager.ui_state_patch` gives
the ``ui_state`` merge-patch ``{"state": {"children": {app_key: ...}}}`` (pydoover's layout) when
the UI changed. Loop-thread only.
"""

from __future__ import annotations

import copy
import logging
import re
from collections.abc import Callable
from typing import Any

from doover_fsm.ui.binding import resolve_config_refs
from doover_fsm.ui.declarative import UI
from doover_fsm.ui.element import Element
from doover_fsm.ui.interaction import Interaction
from doover_fsm.ui.legacy.containers import LegacyApplication, adopt
from doover_fsm.ui.legacy.elements import SlimCommand, _LegacyInteractionMixin, _LegacyVariableMixin
from doover_fsm.ui.manager import UI_CMDS_CHANNEL, UIChannels, UICommandsManager
from doover_fsm.ui.misc import ApplicationVariant
from doover_fsm.ui.names import CHILD_NAME_RE

log = logging.getLogger("doover_fsm.ui")
UI_STATE_CHANNEL = "ui_state"


def merge_diff(old: Any, new: Any) -> Any:
    """The merge-patch that turns ``old`` into ``new`` (``None`` deletes), or ``_SAME``."""
    if isinstance(old, dict) and isinstance(new, dict):
        patch: dict[str, Any] = {k: None for k in old if k not in new}
        for key, value in new.items():
            if key not in old:
                patch[key] = copy.deepcopy(value)
            else:
                sub = merge_diff(old[key], value)
                if sub is not _SAME:
                    patch[key] = sub
        return patch if patch else _SAME
    return _SAME if old == new and type(old) is type(new) else copy.deepcopy(new)


_SAME: Any = object()


class _Value:
    def __init__(self, value: Any) -> None:
        self.value = value


class _DeployedConfig:
    """The app's config as a Doover deployment sees it: ``APP_KEY`` is always there (the agent injects it)."""

    def __init__(self, config: Any, app_key: str | None) -> None:
        self._config = config
        own = getattr(config, "_element_map", None)
        self._element_map = {"APP_KEY": _Value(app_key), **(own if isinstance(own, dict) else {})}

    def __getattr__(self, name: str) -> Any:
        return getattr(self._config, name)


class UIManager(UICommandsManager):
    """``app.ui_manager``: the 1.x command manager plus pydoover 0.4's UI-building methods.

    Construct once per app: ``UIManager(app_key, channels)`` (``channels`` may be attached later).
    """

    def __init__(self, app_key: str | None = None, channels: UIChannels | None = None):
        super().__init__(app_key, channels)
        self.ui: UI | None = None
        self._base_container = LegacyApplication(name=app_key)
        self._legacy_interactions: dict[str, Interaction] = {}
        self._command_callbacks: list[tuple[re.Pattern[str], Callable[..., Any]]] = []
        self._changed_interactions: set[str] = set()
        self._published: Any = None
        self._last_cmds: dict[str, Any] = {}

    @property
    def app_key(self) -> str | None:
        """The app key (deploy time may change it before start; the 0.4 app element follows)."""
        return self._app_key

    @app_key.setter
    def app_key(self, value: str | None) -> None:
        self._app_key = value
        base = self.__dict__.get("_base_container")
        if base is not None:
            base.name = value

    # -- 1.x -------------------------------------------------------------------------------------
    def attach_ui(self, ui: Any) -> None:
        """Use ``ui`` (a :class:`~doover_fsm.ui.declarative.UI`, after its ``setup()``) for commands and
        ``ui_state``. Anything else (a 0.4 app's own ``self.ui`` object) is left to the app."""
        if isinstance(ui, UI):
            self.ui = ui
            self._set_interactions({**ui.get_interactions(), **self._legacy_interactions})

    def _find_handler(self, method: str) -> Any:
        found = super()._find_handler(method)
        if found is None and self._full_name(method) != method:
            found = super()._find_handler(self._full_name(method))
        return found

    # -- 0.4: building ---------------------------------------------------------------------------
    def _full_name(self, name: str) -> str:
        if self.app_key is None or self.app_key in name:
            return name
        return f"{self.app_key}_{name.strip()}"

    get_full_interaction_key = _full_name
    _transform_interaction_name = _full_name

    def _add_interaction(self, interaction: Interaction) -> None:
        name = self._full_name(interaction.name)
        interaction.name = name
        if not CHILD_NAME_RE.match(name):
            raise RuntimeError(f"Invalid name '{name}' for interaction '{interaction}'. Valid characters include "
                               "letters, numbers, and underscores.")
        previous = self._legacy_interactions.get(name)
        if isinstance(previous, _LegacyInteractionMixin) and isinstance(interaction, _LegacyInteractionMixin):
            if previous._current_value is not interaction._current_value and previous._current_value is not None:
                interaction.current_value = previous._current_value
        self._legacy_interactions[name] = interaction
        self._interactions[name] = interaction
        interaction._manager = self

    def _take(self, elements: Any) -> list[Element]:
        taken: list[Element] = []
        for element in elements:
            if not isinstance(element, Element) and hasattr(element, "_ui_type"):
                element = self._register_interaction(element, element.__self__)
            if isinstance(element, Element):
                adopt(element)
            children = getattr(element, "_children", None)
            if children is not None:
                self._take(list(children.values()))
            elif isinstance(element, Interaction):
                self._add_interaction(element)
            taken.append(element)
        return taken

    @staticmethod
    def _register_interaction(func: Any, parent: Any) -> Any:
        item = func._ui_type(**func._ui_kwargs)
        item.callback = func
        try:
            setattr(parent, func.__name__, item)
        except AttributeError:
            pass
        return item

    def add_children(self, *children: Any) -> None:
        """Add 0.4 elements to this app's UI (interaction names get the ``{app_key}_`` prefix)."""
        if len(children) == 1 and isinstance(children[0], list):
            children = tuple(children[0])
        self._base_container.add_children(*self._take(children))

    def set_children(self, children: list[Any]) -> None:
        self._base_container.set_children(self._take(children))

    def remove_children(self, *children: Any) -> None:
        if len(children) == 1 and isinstance(children[0], list):
            children = tuple(children[0])
        for element in children:
            if not isinstance(element, Element):
                continue
            parent = getattr(element, "parent", None)
            if parent is not None:
                parent.remove_children(element)
            self._base_container.remove_children(element)
            self._legacy_interactions.pop(element.name, None)
            self._interactions.pop(element.name, None)

    def add_interaction(self, interaction: Any) -> None:
        self.add_children(interaction)

    add_command = add_interaction

    def get_interaction(self, name: str) -> Interaction | None:
        return self._interactions.get(self._full_name(name)) or self._interactions.get(name)

    get_command = get_interaction

    def get_element(self, element_name: str) -> Element | None:
        return self._base_container.get_element(element_name)

    def get_all_interactions(self) -> list[Interaction]:
        return list(self._interactions.values())

    def get_all_interaction_names(self) -> list[str]:
        return list(self._interactions)

    get_available_commands = get_all_interaction_names

    def get_all_variables(self) -> list[Element]:
        return [e for e in self._base_container.get_all_elements() if isinstance(e, _LegacyVariableMixin)]

    def coerce_command(self, command_name: str, value: Any, critical: bool = False) -> None:
        command = self.get_command(command_name)
        if isinstance(command, _LegacyInteractionMixin):
            command.coerce(value, critical=critical)
        else:
            log.info("Tried to coerce command %s that doesn't exist.", command_name)

    def update_variable(self, variable_name: str, value: Any, critical: bool = False) -> bool:
        element = self.get_element(variable_name)
        if not isinstance(element, _LegacyVariableMixin):
            log.info("Tried to update variable %r that doesn't exist.", variable_name)
            return False
        element.current_value = value
        return True

    def set_display_name(self, name: str, critical: bool = False) -> None:
        self._base_container.display_name = name

    def set_position(self, position: int) -> None:
        self._base_container.position = position

    def set_status_icon(self, icon_type: str, critical: bool = False) -> None:
        self._base_container.status_icon = icon_type

    def set_variant(self, variant: str) -> None:
        if variant not in (ApplicationVariant.submodule, ApplicationVariant.stacked):
            raise ValueError("Variant must be one of 'stacked', 'submodule'")
        self._base_container.variant = str(variant)

    def register_callbacks(self, obj_to_search: object) -> None:
        """Register ``obj``'s ``@ui.callback`` methods."""
        for attr in dir(obj_to_search):
            try:
                func = getattr(obj_to_search, attr)
            except Exception:
                continue
            if not callable(func) or not getattr(func, "_is_ui_callback", False):
                continue
            raw = func._ui_callback_pattern
            text = raw.pattern if isinstance(raw, re.Pattern) else raw
            if not func._is_ui_global_interaction:
                text = self._full_name(text)
            self._command_callbacks.append((raw if isinstance(raw, re.Pattern) and func._is_ui_global_interaction
                                            else re.compile(text), func))

    def register_interactions(self, obj_to_search: object) -> None:
        for attr in dir(obj_to_search):
            func = getattr(obj_to_search, attr, None)
            if callable(func) and hasattr(func, "_ui_type") and not isinstance(func, Element):
                self._register_interaction(func, obj_to_search)

    # -- 0.4: values arriving ----------------------------------------------------------------------
    async def on_commands_aggregate(self, aggregate: Any) -> None:
        """The ``ui_cmds`` aggregate changed: 1.x values, and 0.4 ``cmds`` to callbacks."""
        self.on_aggregate(aggregate)
        if not self._legacy_interactions and not self._command_callbacks:
            return  # a 1.x app: values only
        cmds = aggregate.get("cmds", aggregate) if isinstance(aggregate, dict) else {}
        if not isinstance(cmds, dict):
            return
        self._last_cmds = copy.deepcopy(cmds)
        for name, value in cmds.items():  # pydoover 0.4 tracks commands it does not know, too
            if name not in self._legacy_interactions:
                self._legacy_interactions[name] = self._interactions[name] = SlimCommand(name, value)
        for name, command in list(self._legacy_interactions.items()):
            if not isinstance(command, _LegacyInteractionMixin):
                continue
            new_value = cmds.get(name, command._default_value)
            if not command._is_new_value(new_value):
                continue
            await self.apply_command(command, new_value)

    async def apply_command(self, command: Interaction, new_value: Any) -> None:
        """Give a 0.4 interaction its new value: element callback, then matching ``@ui.callback``s."""
        if isinstance(command, _LegacyInteractionMixin):
            await command._handle_new_value_async(new_value)
        for pattern, func in self._command_callbacks:
            if pattern.match(command.name):
                result = func(command, new_value)
                if hasattr(result, "__await__"):
                    await result

    async def send_notification_async(self, message: str, record_activity: bool = True) -> None:
        """A 0.4 notification: a message on ``significantEvent``."""
        if self.channels is not None:
            await self.channels.create_message("significantEvent", {"notification_msg": message})

    def record_critical_value(self, name: str, value: Any) -> None:
        """Deprecated in pydoover 0.4 too; kept so old apps run (changes are published each scan)."""
        log.warning("record_critical_value is deprecated: values are published after every scan")

    def start_comms(self) -> None:
        """0.4 apps call this; the app runtime already routes ``ui_cmds`` and ``ui_state``."""

    async def await_comms_sync(self, timeout: float = 5) -> bool:
        """0.4 apps wait for the first sync; doover_fsm's agent has its aggregates before setup."""
        return True

    async def handle_comms_async(self, force_log: bool = False) -> None:
        """0.4's per-loop UI push: publish what changed."""
        await self.publish()

    async def clear_ui_async(self) -> None:
        """Remove this app's element from ``ui_state``."""
        if self.channels is not None:
            await self.channels.update_aggregate(UI_STATE_CHANNEL, {"state": {"children": {self.app_key: None}}})
        self._published = None

    # -- publishing --------------------------------------------------------------------------------
    def app_schema(self) -> dict[str, Any] | None:
        """This app's element of ``ui_state`` (the 1.x UI, else the 0.4 elements), or None."""
        if self.ui is not None:
            schema = self.ui.to_schema(resolve_config=False)
            if self.ui.config is not None:
                schema = resolve_config_refs(schema, _DeployedConfig(self.ui.config, self.app_key))
            if self._base_container._children:
                schema.setdefault("children", {}).update(
                    {n: c.to_dict() for n, c in self._base_container._children.items()})
            return schema
        if self._base_container._children or self._base_container.display_name:
            return self._base_container.to_dict()
        return None

    def ui_state_patch(self) -> dict[str, Any] | None:
        """The ``ui_state`` merge-patch for what changed since the last call (None: nothing).

        A 1.x UI is published once (pydoover publishes its schema at setup and never again; apps
        change what the site shows through tags), so later calls cost nothing unless 0.4 elements
        were added, which pydoover 0.4 re-diffs and pushes after every loop.
        """
        if self._published is not None and self.ui is not None and not self._base_container._children:
            return None
        schema = self.app_schema()
        if schema is None:
            return None
        if self._published is None:
            self._published = copy.deepcopy(schema)
            return {"state": {"children": {self.app_key: schema}}}
        diff = merge_diff(self._published, schema)
        if diff is _SAME:
            return None
        self._published = copy.deepcopy(schema)
        return {"state": {"children": {self.app_key: diff}}}

    def commands_patch(self) -> dict[str, Any] | None:
        """The 0.4 ``ui_cmds`` patch for values the app coerced since the last call (None: nothing)."""
        changed: dict[str, Any] = {}
        for name in sorted(self._changed_interactions):
            command = self._interactions.get(name)
            if isinstance(command, _LegacyInteractionMixin):
                value = command._json_safe_current_value()
                if self._last_cmds.get(name) != value:
                    changed[name] = value
                    self._last_cmds[name] = value
        self._changed_interactions.clear()
        return {"cmds": changed} if changed else None

    @property
    def needs_publish(self) -> bool:
        """Could :meth:`publish` write anything now? (Cheap: the scan asks every scan.)"""
        return (self._published is None or self.ui is None or bool(self._base_container._children)
                or bool(self._changed_interactions))

    async def publish(self) -> None:
        """Write what changed (``ui_state`` and 0.4 ``ui_cmds``); the runtime calls this after each scan."""
        if self.channels is None:
            return
        first = self._published is None
        state = self.ui_state_patch()
        if state is not None:
            if first:  # clear what an earlier run published, so removed elements disappear
                await self.channels.update_aggregate(UI_STATE_CHANNEL, {"state": {"children": {self.app_key: None}}})
            await self.channels.update_aggregate(UI_STATE_CHANNEL, state)
        cmds = self.commands_patch()
        if cmds is not None:
            await self.channels.update_aggregate(UI_CMDS_CHANNEL, cmds)
