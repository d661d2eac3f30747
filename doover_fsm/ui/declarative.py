"""The declarative ``UI`` class, the ``@handler`` decorator and the published schema."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar, TypeVar

from doover_fsm.ui.elements import Element, Interaction

F = TypeVar("F", bound=Callable[..., Any])

HANDLER_ATTR = "__doover_ui_handler__"


def handler(name: str) -> Callable[[F], F]:
    """Mark an app method as the handler of UI command ``name`` (signature ``(self, ctx, value)``)."""
    if not isinstance(name, str) or not name:
        raise ValueError(f"ui.handler needs an interaction name, got {name!r}")

    def mark(func: F) -> F:
        setattr(func, HANDLER_ATTR, name)
        return func

    return mark


def find_handlers(obj: object) -> dict[str, Callable[..., Any]]:
    """Bound methods of ``obj`` marked with :func:`handler`, by command name."""
    found: dict[str, Callable[..., Any]] = {}
    for klass in reversed(type(obj).__mro__):
        for attr, value in vars(klass).items():
            name = getattr(value, HANDLER_ATTR, None)
            if isinstance(name, str):
                found[name] = getattr(obj, attr)
    return found


@dataclass(frozen=True, slots=True)
class CommandContext:
    """What a UI handler learns about the command besides its value."""

    method: str
    app_key: str | None
    message_id: str | None
    request: Any
    channel: str = "ui_cmds"


class UI:
    """Base of an app's UI: elements as class attributes; bound per app instance."""

    _declared: ClassVar[dict[str, Element]] = {}
    is_static: ClassVar[bool] = False

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        found: dict[str, Element] = {}
        for klass in reversed(cls.__mro__):
            for attr, value in vars(klass).items():
                if isinstance(value, Element):
                    found[attr] = value
        cls._declared = found

    def __init__(self, config: Any = None, tags: Any = None) -> None:
        self.config = config
        self.tags = tags
        self._elements: dict[str, Element] = {attr: e.bind() for attr, e in self._declared.items()}
        for attr, element in self._elements.items():
            setattr(self, attr, element)

    def elements(self) -> list[Element]:
        return list(self._elements.values())

    def get_interactions(self) -> dict[str, Interaction]:
        return {e.name: e for e in self._elements.values() if isinstance(e, Interaction)}  # type: ignore[misc]

    def to_schema(self, app_key: str | None = None) -> dict[str, Any]:
        """The UI as published under ``ui_state`` → ``state`` → ``app_key``."""
        return {
            "type": "uiApplication",
            "name": app_key,
            "children": {e.name: e.to_schema(app_key) for e in self._elements.values()},
        }

    async def setup(self) -> None:  # pydoover compatibility hook
        return None
