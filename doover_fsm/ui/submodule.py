"""Containers: elements that hold other elements (submodules, tabs, remote components)."""

from __future__ import annotations

import builtins
from typing import Any

from doover_fsm.ui.binding import normalize_ui_value
from doover_fsm.ui.element import Element
from doover_fsm.ui.misc import NotSet
from doover_fsm.ui.names import CHILD_NAME_RE

#: Positions given to children that have none start here.
_FIRST_CHILD_POSITION = 101


class Container(Element):
    """Holds children by name; each child is also an attribute of the container."""

    type = "uiContainer"

    def __init__(self, display_name: str, children: list[Element] | None = None, **kwargs: Any):
        super().__init__(display_name, **kwargs)
        self._default_position = _FIRST_CHILD_POSITION
        self._max_position = self._default_position
        self._children: dict[str, Element] = {}
        self.add_children(*children or [])
        # Elements declared on a Container subclass are children too (pydoover collects them by name).
        self.add_children(*[value for _, value in _element_members(self)])

    def to_dict(self) -> dict[str, Any]:
        out = super().to_dict()
        out["children"] = {name: child.to_dict() for name, child in self._children.items()}
        result: dict[str, Any] = normalize_ui_value(out)
        return result

    @property
    def children(self) -> list[Element]:
        return list(self._children.values())

    def add_children(self, *children: Element) -> Container:
        """Add children (non-elements are skipped); a child without a position gets the next one."""
        for child in children:
            if not isinstance(child, Element):
                continue
            if not CHILD_NAME_RE.match(child.name):
                raise RuntimeError(f"Invalid name '{child.name}' for element '{child}'. Valid characters include "
                                   "letters, numbers, and underscores.")
            self._children[child.name] = child
            setattr(self, child.name, child)
            child.parent = self  # type: ignore[attr-defined]
            if not child.position:
                child.position = self._max_position
                self._max_position += 1
        return self

    def remove_children(self, *children: Element) -> None:
        """Remove children here and in nested containers (hiding them is usually better)."""
        for child in children:
            self._children.pop(getattr(child, "name", None), None)  # type: ignore[arg-type]
        for child in self._children.values():
            if isinstance(child, Container):
                child.remove_children(*children)

    def clear_children(self) -> None:
        self._children.clear()

    def set_children(self, children: list[Element]) -> None:
        """Replace all children (positions are handed out afresh)."""
        self._children.clear()
        self._max_position = self._default_position
        self.add_children(*children)

    def get_all_elements(self, type_filter: builtins.type[Element] | None = None) -> list[Element]:
        """Every element below this container (containers themselves left out)."""
        found: list[Element] = []
        for child in self._children.values():
            if isinstance(child, Container):
                found.extend(child.get_all_elements(type_filter))
            elif type_filter is None or isinstance(child, type_filter):
                found.append(child)
        return found

    def get_element(self, element_name: str) -> Element | None:
        """The element called ``element_name`` here or in any nested container."""
        if element_name in self._children:
            return self._children[element_name]
        for child in self._children.values():
            if isinstance(child, Container):
                found = child.get_element(element_name)
                if found is not None:
                    return found
        return None


def _element_members(obj: object) -> list[tuple[str, Element]]:
    found = []
    for attr in sorted(dir(obj)):
        try:
            value = getattr(obj, attr)
        except Exception:
            continue
        if isinstance(value, Element):
            found.append((attr, value))
    return found


class Submodule(Container):
    """A collapsible group with an optional status line."""

    type = "uiSubmodule"

    def __init__(self, display_name: str, children: list[Element] | None = None, status: Any = NotSet,
                 is_collapsed: Any = NotSet, default_open: Any = NotSet, **kwargs: Any):
        super().__init__(display_name, children, **kwargs)
        self.status = status
        self.is_collapsed = is_collapsed
        self.default_open = default_open

    def to_dict(self) -> dict[str, Any]:
        out = super().to_dict()
        if self.status is not NotSet:
            out["statusString"] = self.status
        if self.default_open is not NotSet:
            out["defaultOpen"] = self.default_open
        elif self.is_collapsed is not NotSet:
            out["defaultOpen"] = not self.is_collapsed
        result: dict[str, Any] = normalize_ui_value(out)
        return result


class Application(Container):
    """The element that holds one app's UI (``variant=``, ``full_width=``)."""

    type = "uiApplication"

    def __init__(self, *args: Any, **kwargs: Any):
        self.variant = kwargs.pop("variant", NotSet)
        self.full_width = kwargs.pop("full_width", NotSet)
        super().__init__(*args, **kwargs)

    def to_dict(self) -> dict[str, Any]:
        out = super().to_dict()
        if self.variant is not NotSet:
            out["variant"] = self.variant
        if self.full_width is not NotSet:
            out["fullWidth"] = self.full_width
        result: dict[str, Any] = normalize_ui_value(out)
        return result


class RemoteComponent(Container):
    """A component the site loads from ``component_url``; extra keywords go into its JSON as given."""

    type = "uiRemoteComponent"
    _leading_strings_1x = 2

    def __init__(self, display_name: str, component_url: str, children: list[Element] | None = None,
                 **kwargs: Any):
        super().__init__(display_name, children, **kwargs)
        self.component_url = component_url
        self.kwargs = kwargs

    def to_dict(self) -> dict[str, Any]:
        out = super().to_dict()
        out.update(self.kwargs)
        result: dict[str, Any] = normalize_ui_value(out)
        return result


class TabContainer(Container):
    """Children shown as tabs (``default_page=`` is the 0-based index of the open tab)."""

    type = "uiTabs"

    def __init__(self, display_name: str, children: list[Element] | None = None, default_page: Any = NotSet,
                 **kwargs: Any):
        super().__init__(display_name, children, **kwargs)
        self.default_page = default_page

    def to_dict(self) -> dict[str, Any]:
        out = super().to_dict()
        if self.default_page is not NotSet:
            out["defaultPage"] = self.default_page
        result: dict[str, Any] = normalize_ui_value(out)
        return result
