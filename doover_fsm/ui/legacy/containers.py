"""pydoover 0.4 containers: ``(name, display_name, children)``; ``statusIcon``; camera."""

from __future__ import annotations

import inspect
from typing import Any

from doover_fsm.ui import submodule as s1
from doover_fsm.ui.element import Element
from doover_fsm.ui.legacy.elements import LegacyElement
from doover_fsm.ui.names import CHILD_NAME_RE


def adopt(child: Any) -> Any:
    """A 1.x reading of an ambiguous ``TextVariable("a", "b")`` becomes the 0.4 ``(name, display_name)``."""
    call = getattr(child, "_ambiguous_call", None)
    legacy = type(child).__dict__.get("_legacy_class")
    if call is None or legacy is None:
        return child
    fresh = legacy(*call[0], **call[1])
    child.__dict__.clear()
    child.__dict__.update(fresh.__dict__)
    child.__class__ = legacy
    return child


class _LegacyContainerMixin(LegacyElement):
    type = "uiContainer"

    def _init_container(self, children: Any, status_icon: Any, auto_add_elements: bool) -> None:
        self._default_position = 101
        self._max_position = self._default_position
        self._children: dict[str, Element] = {}
        self.add_children(*children or [])
        self.status_icon = status_icon
        self._register_interactions()
        if auto_add_elements:
            self.add_children(*[value for _, value in s1._element_members(self)])

    def _register_interactions(self) -> None:
        for _, func in inspect.getmembers(self, predicate=lambda f: inspect.ismethod(f) and hasattr(f, "_ui_type")):
            item = func._ui_type(**func._ui_kwargs)
            item.callback = func
            setattr(self, func.__name__, item)

    def add_children(self, *children: Any) -> Any:
        for child in children:
            if not isinstance(child, Element):
                continue
            adopt(child)
            name = child.name.strip()
            if not CHILD_NAME_RE.match(name):
                raise RuntimeError(f"Invalid name '{name}' for element '{child}'. Valid characters include letters, "
                                   "numbers, and underscores.")
            self._children[name] = child
            child.parent = self  # type: ignore[attr-defined]
            if not child.position:
                child.position = self._max_position
                self._max_position += 1
        return self

    def to_dict(self) -> dict[str, Any]:
        out = LegacyElement.to_dict(self)
        if self.status_icon is not None:
            out["statusIcon"] = self.status_icon
        out["children"] = {name: c.to_dict() for name, c in self._children.items()}
        return out

    def get_diff(self, other: dict[str, Any], remove: bool = True,
                 retain_fields: list[str] | None = None) -> dict[str, Any] | None:
        retain_fields = retain_fields or []
        out = LegacyElement.get_diff(self, other, remove=remove, retain_fields=retain_fields) or {}
        other_children = other.get("children", {})
        changed: dict[str, Any] = {}
        if remove:
            changed.update({k: None for k in other_children if k not in self._children})
        for name, child in self._children.items():
            if name in other_children:
                diff = child.get_diff(other_children[name], remove=remove,  # type: ignore[attr-defined]
                                      retain_fields=retain_fields)
                if diff is not None:
                    changed[name] = diff
            else:
                changed[name] = child.to_dict()
        if changed:
            out["children"] = changed
        return out or None


class LegacyContainer(_LegacyContainerMixin, s1.Container):
    def __init__(self, name: str, display_name: str | None = None, children: list[Element] | None = None,
                 status_icon: str | None = None, auto_add_elements: bool = True, **kwargs: Any):
        LegacyElement.__init__(self, name, display_name, **kwargs)
        self._init_container(children, status_icon, auto_add_elements)


class LegacySubmodule(_LegacyContainerMixin, s1.Submodule):
    type = "uiSubmodule"

    def __init__(self, name: str, display_name: str, children: list[Element] | None = None, status: Any = None,
                 is_collapsed: bool = False, **kwargs: Any):
        LegacyContainer.__init__(self, name, display_name, children, **kwargs)  # type: ignore[arg-type]
        self.status = status or kwargs.pop("status_string", None)
        self.collapsed = is_collapsed or kwargs.pop("collapsed", False)

    def to_dict(self) -> dict[str, Any]:
        out = _LegacyContainerMixin.to_dict(self)
        if self.status is not None:
            out["statusString"] = self.status
        out["defaultOpen"] = not self.collapsed
        return out


class LegacyApplication(_LegacyContainerMixin, s1.Application):
    type = "uiApplication"

    def __init__(self, *args: Any, **kwargs: Any):
        self.variant = kwargs.pop("variant", None)
        LegacyContainer.__init__(self, *args, **kwargs)  # type: ignore[arg-type]

    def to_dict(self) -> dict[str, Any]:
        out = _LegacyContainerMixin.to_dict(self)
        if self.variant is not None:
            out["variant"] = self.variant
        return out


class LegacyRemoteComponent(_LegacyContainerMixin, s1.RemoteComponent):
    type = "uiRemoteComponent"

    def __init__(self, name: str, display_name: str, component_url: str, children: list[Element] | None = None,
                 **kwargs: Any):
        LegacyContainer.__init__(self, name, display_name, children, **kwargs)  # type: ignore[arg-type]
        self.component_url = component_url
        self.kwargs = kwargs

    def to_dict(self) -> dict[str, Any]:
        out = _LegacyContainerMixin.to_dict(self)
        out.update(self.kwargs)
        return out


class Camera(LegacyContainer):
    """A 0.4 camera (``uiCamera``)."""

    type = "uiCamera"

    def __init__(self, name: str, display_name: str | None = None, uri: str | None = None,
                 output_type: str | None = None, mp4_output_length: int | None = None, wake_delay: int = 5,
                 children: list[Element] | None = None, **kwargs: Any):
        super().__init__(name, display_name, children=children, **kwargs, is_available=None, help_str=None)
        self.uri = uri
        self.output_type = output_type
        self.mp4_output_length = mp4_output_length
        self.wake_delay = wake_delay

    def to_dict(self) -> dict[str, Any]:
        out = super().to_dict()
        if not self._children:
            out.pop("children", None)
        return out
