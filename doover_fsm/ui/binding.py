"""Tag and config references inside UI JSON.

An element field may hold a tag (``value=MyTags.level``); the site reads it as a lookup string
``$tag.app().level:number:0`` resolved against ``tag_values`` at render time. Fields may also hold
``$config.app().KEY[:type[:default]]`` strings, which ``to_schema(resolve_config=True)`` replaces
with the deployment config's values. The JSON is the one pydoover 1.18 writes.
"""

from __future__ import annotations

import copy
import json
import re
from typing import Any

from doover_fsm.tags import BoundTag, Tag
from doover_fsm.tags import NotSet as TagNotSet

_TAG_TYPE_MAP = {
    "number": "number", "integer": "number", "float": "number", "string": "string", "boolean": "boolean",
    "bool": "boolean", "array": "array", "list": "array", "object": "object", "dict": "object",
}
#: Element attributes never walked when binding tags (back references).
_SKIP_BIND_ATTRS = {"parent", "_manager"}


class _Missing:
    """No default in a lookup (distinct from a ``None`` default)."""

    def __copy__(self) -> _Missing:
        return self

    def __deepcopy__(self, memo: dict[int, Any]) -> _Missing:
        return self

    def __repr__(self) -> str:
        return "<missing>"


MISSING: Any = _Missing()


class UITagBinding:
    """A reference from a UI field to a tag: name, type and default of the lookup string."""

    def __init__(self, tag_name: str, tag_type: str | None = None, default_value: Any = MISSING,
                 app_nested: bool = True, live: bool = False):
        self.tag_name = tag_name
        self.tag_type = _TAG_TYPE_MAP.get(tag_type, tag_type) if tag_type else tag_type
        self.default_value = default_value
        self.app_nested = app_nested
        self.live = live

    def __copy__(self) -> UITagBinding:
        return type(self)(self.tag_name, tag_type=self.tag_type, default_value=self.default_value, live=self.live)

    def __deepcopy__(self, memo: dict[int, Any]) -> UITagBinding:
        return type(self)(copy.deepcopy(self.tag_name, memo), tag_type=copy.deepcopy(self.tag_type, memo),
                          default_value=copy.deepcopy(self.default_value, memo), live=self.live)

    def to_lookup(self) -> str:
        """``$tag.app().NAME[:type][:json default]`` (a default without a type says ``:string``)."""
        out = "$tag." + ("app()." if self.app_nested else "") + str(self.tag_name)
        if self.tag_type is not None:
            out += f":{self.tag_type}"
        if self.default_value is not MISSING:
            if self.tag_type is None:
                out += ":string"
            out += ":" + json.dumps(self.default_value, separators=(",", ":"))
        return out


def _tag_name(tag: Any) -> str:
    name = getattr(tag, "name", None) or getattr(tag, "_declared_attr_name", None)
    if not name:
        raise ValueError(f"UI tag reference {tag!r} has no name (declare it on a Tags class)")
    return str(name)


def _tag_attr(tag: Any, attr: str, fallback: Any) -> Any:
    if hasattr(tag, attr):
        return getattr(tag, attr)
    declaration = getattr(tag, "declaration", None)
    return getattr(declaration, attr, fallback)


def binding_from_tag(tag: Any) -> UITagBinding:
    """The lookup of a declared :class:`~doover_fsm.tags.Tag` or a bound tag of an app."""
    default = _tag_attr(tag, "default", TagNotSet)
    return UITagBinding(_tag_name(tag), tag_type=_tag_attr(tag, "tag_type", None),
                        default_value=MISSING if default is TagNotSet else default,
                        live=bool(_tag_attr(tag, "live", False)))


def tag_ref(tag: Any, tag_type: str | None = None, default_value: Any = MISSING) -> UITagBinding:
    """A UI reference to ``tag`` (a Tag, a bound tag, a binding, or a tag name string)."""
    if isinstance(tag, UITagBinding):
        return copy.deepcopy(tag)
    if isinstance(tag, BoundTag):
        return binding_from_tag(tag)
    if isinstance(tag, Tag):
        binding = binding_from_tag(tag)
        if tag_type is None and default_value is MISSING:
            return binding
        return UITagBinding(binding.tag_name, tag_type=tag_type or binding.tag_type,
                            default_value=binding.default_value if default_value is MISSING else default_value,
                            live=binding.live)
    return UITagBinding(tag, tag_type=tag_type, default_value=default_value)


bind_tag = tag_ref


def is_tag_like(value: Any) -> bool:
    return isinstance(value, (UITagBinding, BoundTag, Tag))


def value_is_live(value: Any) -> bool:
    """Is ``value`` a reference to a ``live=True`` tag (the element then says ``"live": true``)?"""
    if isinstance(value, UITagBinding):
        return value.live
    return is_tag_like(value) and bool(_tag_attr(value, "live", False))


def is_tag_reference(value: Any) -> bool:
    """Does ``value`` hold a tag reference anywhere (in a dict, list, tuple or set too)?"""
    if is_tag_like(value):
        return True
    if isinstance(value, dict):
        return any(is_tag_reference(v) for v in value.values())
    if isinstance(value, (list, tuple, set)):
        return any(is_tag_reference(v) for v in value)
    return False


def normalize_collection(value: Any) -> Any:
    """A list of Range/Threshold objects as JSON, or a tag reference holding the list, as is."""
    if isinstance(value, (list, tuple)):
        return [item.to_dict() for item in value]
    return value


def normalize_ui_value(value: Any, field_name: str | None = None) -> Any:
    """Replace tag references by lookup strings, recursively (a ``name`` may not be a tag)."""
    if isinstance(value, UITagBinding):
        if field_name == "name":
            raise ValueError("UI field 'name' cannot reference a tag.")
        return value.to_lookup()
    if isinstance(value, (BoundTag, Tag)):
        return normalize_ui_value(binding_from_tag(value), field_name=field_name)
    if isinstance(value, dict):
        return {key: normalize_ui_value(item, field_name=key) for key, item in value.items()}
    if isinstance(value, list):
        return [normalize_ui_value(item) for item in value]
    if isinstance(value, tuple):
        return tuple(normalize_ui_value(item) for item in value)
    if isinstance(value, set):
        return {normalize_ui_value(item) for item in value}
    return value


def bind_value(value: Any, tags: Any, visited: set[int]) -> Any:
    """Turn tag references inside ``value`` (an element and what it holds) into bindings."""
    if isinstance(value, UITagBinding):
        return value
    if isinstance(value, BoundTag):
        return binding_from_tag(value)
    if isinstance(value, Tag):
        name = _tag_name(value)
        if tags is None:
            raise ValueError(f"UI tag reference '{name}' requires application tags to be configured.")
        definition = tags.get_definition(name) if hasattr(tags, "get_definition") else None
        if definition is None:
            raise ValueError(f"UI tag reference '{name}' is not available in the resolved application tags.")
        return binding_from_tag(definition)
    if isinstance(value, list):
        for index, item in enumerate(value):
            value[index] = bind_value(item, tags, visited)
        return value
    if isinstance(value, dict):
        for key, item in list(value.items()):
            value[key] = bind_value(item, tags, visited)
        return value
    if isinstance(value, tuple):
        return tuple(bind_value(item, tags, visited) for item in value)
    if isinstance(value, set):
        return {bind_value(item, tags, visited) for item in value}
    if not hasattr(value, "__dict__") or isinstance(value, type) or id(value) in visited:
        return value
    visited.add(id(value))
    for attr, item in vars(value).items():
        if attr in _SKIP_BIND_ATTRS or callable(item):
            continue
        setattr(value, attr, bind_value(item, tags, visited))
    return value


_CONFIG_REF_RE = re.compile(r"\$config\.app\(\)\.(\w+)(?::(\w+))?(?::(.+))?")


def resolve_config_refs(obj: Any, config: Any) -> Any:
    """Replace ``$config.app().KEY[:type[:default]]`` strings by the config's values, recursively."""
    if isinstance(obj, dict):
        return {k: resolve_config_refs(v, config) for k, v in obj.items()}
    if isinstance(obj, list):
        return [resolve_config_refs(v, config) for v in obj]
    if isinstance(obj, str) and "$config.app()." in obj:
        return _resolve_one(obj, config)
    return obj


def _config_element(config: Any, key: str) -> Any:
    element_map = getattr(config, "_element_map", None)
    element = element_map.get(key) if isinstance(element_map, dict) else None
    if element is None:
        try:
            element = getattr(config, key)
        except AttributeError:
            element = None
    return element


def _resolve_one(text: str, config: Any) -> Any:
    match = _CONFIG_REF_RE.fullmatch(text)
    if not match:
        return text
    key, type_hint, default = match.groups()
    element = _config_element(config, key)
    try:
        raw = element.value if element is not None else None
    except (ValueError, AttributeError):
        raw = None
    if raw is None:
        raw = default
    if raw is None:
        return None
    if type_hint == "boolean":
        return raw if isinstance(raw, bool) else str(raw).lower() in ("true", "1", "yes")
    if type_hint == "number":
        try:
            return float(raw) if "." in str(raw) else int(raw)
        except (ValueError, TypeError):
            return raw
    if type_hint == "string":
        return str(raw)
    return raw
