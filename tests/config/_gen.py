"""A seeded generator of pydoover config declarations (as source) and deployment configs for them.

Each case is ``{"src": <python source defining class S>, "spec": <how to walk S's elements>,
"datas": [<deployment dicts>], "extras": bool}``; the same case runs in a pydoover oracle and
here, and the differential test compares what both print. Only declarations and data that
pydoover accepts and handles correctly are generated; its known defects have their own tests.
"""

from __future__ import annotations

import random
import string
from typing import Any

GEN_1 = "1.18"
GEN_04 = "0.4"

WORDS = ["Pump", "Level", "Flow", "Start", "Stop", "Max", "Min", "Pin", "Rate", "Tank", "Gate", "Alarm",
         "Timeout", "Speed", "Mode", "Unit", "Offset", "Scale", "Name", "Bus"]
SUFFIXES = ["", "", "", " (mA)", " (Ah)", "-Hz", " 2", " per hour", "/min", " Value"]


class _Names:
    """Unique display names (their keys are unique in both generations: a counter is in each)."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.n = 0

    def display(self) -> str:
        self.n += 1
        return f"{self.rng.choice(WORDS)} {self.rng.choice(WORDS).lower()}{self.n}{self.rng.choice(SUFFIXES)}"

    def attr(self) -> str:
        self.n += 1
        return f"f{self.n}_{self.rng.choice(WORDS).lower()}"


def _key_1x(display: str) -> str:
    import re

    return re.sub(r"[^0-9a-zA-Z_]", "", display.replace(" ", "_")).lower()


def _key_04(display: str) -> str:
    return display.lower().replace(" ", "_")


class Gen:
    """One generated schema: source lines plus, per element, a value sampler for deployment data."""

    def __init__(self, seed: int, generation: str) -> None:
        self.rng = random.Random(seed)
        self.gen = generation
        self.names = _Names(self.rng)
        self.pre: list[str] = []  # module-level classes (enums, Object subclasses)
        self.n_classes = 0

    def key(self, display: str) -> str:
        return _key_04(display) if self.gen == GEN_04 else _key_1x(display)

    # -- keywords -----------------------------------------------------------------------------------------
    def common(self, kw: dict[str, str], *, has_default: bool) -> None:
        r = self.rng
        if r.random() < 0.4:
            kw["description"] = repr(r.choice(["Help text.", "The pin to drive.", "Ünïcode ✓ text", ""]))
        if r.random() < 0.2:
            kw["hidden"] = repr(r.random() < 0.5)
        if r.random() < 0.15:
            kw["deprecated"] = repr(r.random() < 0.5)
        if self.gen == GEN_04:
            return
        if r.random() < 0.15:
            kw["advanced"] = repr(r.random() < 0.5)
        if r.random() < 0.15:
            kw["position"] = repr(r.randint(0, 50))
        if has_default and r.random() < 0.2:
            kw["required"] = repr(r.random() < 0.5)

    # -- elements: each returns (constructor source, spec, sampler(rng) -> value, required) -------------
    def scalar(self, display: str, *, allow_none_default: bool = True) -> tuple[str, dict[str, Any], Any, bool]:
        r = self.rng
        kind = r.choice(["Integer", "Number", "Boolean", "String", "EnumS", "EnumF", "EnumE"]
                        + (["DateTime", "Application"] if self.gen == GEN_1 else ["Application"]))
        kw: dict[str, str] = {}
        default: Any = "absent"
        if kind in ("Integer", "Number"):
            lo = r.randint(-20, 10) if r.random() < 0.6 else None
            hi = (lo if lo is not None else 0) + r.randint(1, 100) if r.random() < 0.6 else None
            if lo is not None:
                kw["minimum"] = repr(lo if kind == "Integer" else float(lo) if r.random() < 0.5 else lo)
            if hi is not None:
                kw["maximum"] = repr(hi)
            mult = r.choice([None, None, None, 2, 5]) if kind == "Integer" else None
            if mult and hi is not None and lo is not None and hi < -(-lo // mult) * mult:
                mult = None  # no multiple inside the range: such data would be invalid
            if mult:
                kw["multiple_of"] = repr(mult)
            a, b = (lo if lo is not None else -50), (hi if hi is not None else 50)

            def sample(rg: random.Random, a: int = a, b: int = b, mult: int | None = mult,
                       kind: str = kind) -> Any:
                v = rg.randint(a, b)
                if mult:
                    v = (v // mult) * mult
                    if v < a:
                        v += mult
                if kind == "Number":
                    return rg.choice([v, v + 0.25 if v + 0.25 <= b else v, float(v)])
                return float(v) if rg.random() < 0.15 else v

            if r.random() < 0.6:
                d = sample(r)
                default = float(d) if kind == "Number" else int(d)
            elif allow_none_default and r.random() < 0.3:
                default = None
            ctor = kind
        elif kind == "Boolean":
            def sample(rg: random.Random) -> Any:
                return rg.random() < 0.5

            if r.random() < 0.6:
                default = r.random() < 0.5
            elif allow_none_default and r.random() < 0.3:
                default = None
            ctor = kind
        elif kind in ("String", "DateTime", "Application"):
            pattern = kind == "String" and r.random() < 0.3
            if pattern:
                kw["pattern"] = repr("^[a-z]+$")
            if kind == "String" and r.random() < 0.2:
                kw["length"] = repr(r.randint(1, 20))

            def sample(rg: random.Random, pattern: bool = pattern) -> Any:
                n = rg.randint(1, 8)
                letters = string.ascii_lowercase if pattern else string.ascii_letters + " -_é"
                return "".join(rg.choice(letters) for _ in range(n))

            if r.random() < 0.5:
                default = sample(r) if kind != "DateTime" else "2024-01-02T03:04:05Z"
            elif (allow_none_default or kind == "Application") and r.random() < 0.4:
                default = None
            ctor = kind
        else:  # Enum
            if kind == "EnumS":
                choices: list[Any] = r.sample(["Honda", "Cat", "John Deere", "rtu", "ascii", "Per Hour", "x"],
                                              r.randint(1, 4))
                kw["choices"] = repr(choices)
                keys = choices
            elif kind == "EnumF":
                choices = r.sample([0.5, 1.5, 2.0, 12.0, 24.0, 48.0], r.randint(1, 4))
                kw["choices"] = repr(choices)
                keys = choices
            else:
                self.n_classes += 1
                cname = f"E{self.n_classes}"
                members = r.sample([("A", "'alpha'"), ("B", "'Beta value'"), ("C", "3"), ("D", "4.5"),
                                    ("E", "'e'")], r.randint(1, 4))
                self.pre.append(f"class {cname}(enum.Enum):\n" + "".join(f"    {m} = {v}\n" for m, v in members))
                kw["choices"] = cname
                keys = [str(eval(v)) for _, v in members]
                choices = keys

            def sample(rg: random.Random, keys: list[Any] = keys) -> Any:
                return rg.choice(keys)

            pick = r.randrange(len(keys))
            if kind == "EnumE" and r.random() < 0.5:
                kw["default"] = f"{cname}.{members[pick][0]}"
                default = "given"
            elif kind != "EnumE" and allow_none_default and r.random() < 0.2:
                kw["default"] = "None"
                default = "given-none"
            else:
                kw["default"] = repr(keys[pick])
                default = "given"
            ctor = "Enum"
        if default not in ("absent", "given", "given-none"):
            kw["default"] = repr(default)
        has_default = "default" in kw
        self.common(kw, has_default=has_default)
        required = kw.get("required") == "True" or (not has_default and "required" not in kw)
        args = [repr(display)] + [f"{k}={v}" for k, v in kw.items()]
        if ctor == "Application" and self.gen == GEN_04:
            args = [a for a in args if not a.startswith(("length=", "pattern="))]
        return f"config.{ctor}({', '.join(args)})", {"k": "scalar"}, sample, required

    def object_cls(self, depth: int) -> tuple[str, list[tuple[str, str, Any, dict[str, Any], bool]]]:
        """A module-level Object subclass with 1-4 children; its name and children (attr, key, ...)."""
        self.n_classes += 1
        cname = f"O{self.n_classes}"
        children = []
        lines = []
        for _ in range(self.rng.randint(1, 4)):
            attr, display = self.names.attr(), self.names.display()
            if depth < 1 and self.rng.random() < 0.2:
                src, spec, sample, req = self.obj(display, depth + 1)
            else:
                src, spec, sample, req = self.scalar(display)
            lines.append((attr, src))
            key = self.key(display) if "name=" not in src else None
            children.append((attr, key, sample, spec, req))
        if self.gen == GEN_1:
            body = "".join(f"    {a} = {s}\n" for a, s in lines)
            self.pre.append(f"class {cname}(config.Object):\n{body}")
        else:
            body = "".join(f"        self.{a} = {s}\n" for a, s in lines)
            self.pre.append(f"class {cname}(config.Object):\n    def __init__(self, display_name, **kw):\n"
                            f"        super().__init__(display_name, **kw)\n{body}")
        return cname, children

    def obj(self, display: str, depth: int) -> tuple[str, dict[str, Any], Any, bool]:
        r = self.rng
        cname, children = self.object_cls(depth)
        kw: dict[str, str] = {}
        if r.random() < 0.2:
            kw["additional_elements"] = "False"
        optional = self.gen == GEN_1 and r.random() < 0.2
        if optional:
            kw["default"] = "None"
        if self.gen == GEN_1 and r.random() < 0.3:
            collapsible = r.random() < 0.7
            kw["collapsible"] = repr(collapsible)
            if collapsible and r.random() < 0.5:
                kw["default_collapsed"] = "True"
        self.common(kw, has_default=optional)
        spec = {"k": "object", "children": [[a, s] for a, _, _, s, _ in children]}

        def sample(rg: random.Random) -> Any:
            if optional and rg.random() < 0.25:
                return rg.choice([None, {}])
            out = {}
            for _, key, samp, _, req in children:
                if key is None:
                    continue
                # pydoover 0.4 leaves an absent child unset: give every child (see docs/compat/cfg.md).
                if self.gen == GEN_04 or rg.random() < (0.97 if req else 0.6):
                    out[key] = samp(rg)
            if kw.get("additional_elements") != "False" and rg.random() < 0.2:
                out["extra_key"] = 7
            return out

        required = not optional
        args = [repr(display)] + [f"{k}={v}" for k, v in kw.items()]
        return f"{cname}({', '.join(args)})", spec, sample, required

    def array(self, display: str) -> tuple[str, dict[str, Any], Any, bool]:
        r = self.rng
        if r.random() < 0.5:
            item_src, item_spec, item_sample, _ = self.obj(self.names.display(), 1)
            scalar_items = False
        else:
            item_src, item_spec, item_sample, _ = self.scalar(self.names.display(), allow_none_default=False)
            scalar_items = True
        kw: dict[str, str] = {"element": item_src}
        lo = r.choice([None, 0, 1])
        hi = r.choice([None, 3, 5])
        if lo is not None:
            kw["min_items"] = repr(lo)
        if hi is not None:
            kw["max_items"] = repr(hi)
        if r.random() < 0.2:
            kw["unique_items"] = "False"
        default_items = None
        if self.gen == GEN_1 and scalar_items and r.random() < 0.3:
            default_items = [item_sample(r) for _ in range(r.randint(lo or 0, 2))]
            kw["default"] = repr(default_items)
        self.common(kw, has_default=default_items is not None)

        def sample(rg: random.Random) -> Any:
            return [item_sample(rg) for _ in range(rg.randint(lo or 0, hi if hi is not None else 4))]

        required = default_items is None or kw.get("required") == "True"
        args = [repr(display)] + [f"{k}={v}" for k, v in kw.items()]
        return f"config.Array({', '.join(args)})", {"k": "array", "item": item_spec}, sample, required

    def special(self) -> tuple[str, dict[str, Any], Any, bool, str] | None:
        r = self.rng
        choices = [
            ("config.ApplicationPosition()", "dv_app_position", lambda rg: rg.randint(0, 300)),
            ("config.ApplicationPosition(default=120)", "dv_app_position", lambda rg: rg.randint(0, 300)),
            ("config.ApplicationDefaultOpen()", "dv_app_default_open", lambda rg: rg.random() < 0.5),
            ("config.ApplicationInterpreterHidden()", "interpreter_hidden", lambda rg: rg.random() < 0.5),
            ("config.ApplicationFullWidth()", "interpreter_full_width", lambda rg: rg.random() < 0.5),
            ("config.ApplicationCockpitVisible()", "cockpit_visible", lambda rg: rg.random() < 0.5),
            ("config.LLMAPIKey()", "dv-llm-api-key", lambda rg: "sk-" + str(rg.randint(0, 999))),
            ("config.ApplicationInstall('Other App')", "other_app", lambda rg: "app_" + str(rg.randint(0, 9))),
            ("config.Device('Target Device')", "target_device", lambda rg: str(rg.randint(1, 99999))),
            ("config.Group('Owner Group', default=None)", "owner_group", lambda rg: str(rg.randint(1, 999))),
            ("config.DevicesConfig()", "devices", lambda rg: [str(rg.randint(1, 9)) for _ in range(rg.randint(0, 3))]),
            ("config.GroupsConfig(min_items=0)", "groups", lambda rg: [str(rg.randint(1, 9)) for _ in range(2)]),
            ("config.TagRef('Upstream Tag')", "upstream_tag",
             lambda rg: {"reference_name": "level", "app_name": "sensor_1", "tag_name": "value",
                         **({"agent_id": "123"} if rg.random() < 0.5 else {})}),
        ]
        src, key, sample = r.choice(choices)
        spec: dict[str, Any] = {"k": "scalar"}
        if "Config(" in src:
            spec = {"k": "array", "item": {"k": "scalar"}}
        if "TagRef" in src:
            spec = {"k": "object", "children": [["reference_name", {"k": "scalar"}], ["agent_id", {"k": "scalar"}],
                                                ["app_name", {"k": "scalar"}], ["tag_name", {"k": "scalar"}]]}
        required = src in ("config.ApplicationInstall('Other App')", "config.Device('Target Device')",
                           "config.DevicesConfig()", "config.GroupsConfig(min_items=0)",
                           "config.TagRef('Upstream Tag')")
        return src, spec, sample, required, key

    # -- one schema -----------------------------------------------------------------------------------------
    def schema(self) -> dict[str, Any]:
        r = self.rng
        fields: list[tuple[str, str, str | None, Any, dict[str, Any], bool]] = []
        used_special: set[str] = set()
        for _ in range(r.randint(1, 7)):
            attr = self.names.attr()
            roll = r.random()
            if self.gen == GEN_1 and roll < 0.12:
                got = self.special()
                assert got is not None
                src, spec, sample, req, key = got
                if key in used_special:
                    continue
                used_special.add(key)
                fields.append((attr, src, key, sample, spec, req))
                continue
            display = self.names.display()
            if roll < 0.3:
                src, spec, sample, req = self.obj(display, 0)
            elif roll < 0.5:
                src, spec, sample, req = self.array(display)
            else:
                src, spec, sample, req = self.scalar(display)
            key = self.key(display)
            if "name=" in src.split("config.", 1)[-1].split("(", 1)[0]:
                key = None
            if self.gen == GEN_1 and r.random() < 0.1:
                name = f"k_{self.names.n}_{r.choice(['x', 'y-z', 'w v'])}"
                src = src[:-1] + f", name={name!r})"
                key = name
            fields.append((attr, src, key, sample, spec, req))
        self._add_show_if(fields)
        head = "import enum\nfrom pydoover import config\n\n" + "\n".join(self.pre) + "\n"
        if self.gen == GEN_1:
            kwargs = ""
            if r.random() < 0.2:
                kwargs = ", name='My App Config'"
            if r.random() < 0.2:
                kwargs += f", advanced={r.random() < 0.5}"
            body = "".join(f"    {a} = {s}\n" for a, s, *_ in fields)
            src = f"{head}class S(config.Schema{kwargs}):\n{body}"
        else:
            calls_super = r.random() < 0.5
            body = "".join(f"        self.{a} = {s}\n" for a, s, *_ in fields)
            src = (f"{head}class S(config.Schema):\n    def __init__(self):\n"
                   + ("        super().__init__()\n" if calls_super else "") + body)
        datas = [self._data(fields) for _ in range(3)]
        return {"src": src, "spec": [[a, spec] for a, _, _, _, spec, _ in fields], "datas": datas,
                "extras": self.gen == GEN_1}

    def _add_show_if(self, fields: list[Any]) -> None:
        # 1.x: a later scalar shows only when an earlier plain Boolean/Enum/number equals a value.
        if self.gen != GEN_1 or len(fields) < 2 or self.rng.random() < 0.6:
            return
        ctrl = fields[0]
        if ctrl[4]["k"] != "scalar" or ctrl[2] is None or "show_if" in ctrl[1]:
            return
        target = self.rng.randrange(1, len(fields))
        attr, src, key, sample, spec, req = fields[target]
        if spec["k"] != "scalar" or not src.startswith("config.") or "Application" in src.split("(")[0]:
            return
        ctrl_value = ctrl[3](self.rng)
        op = self.rng.choice(["equal", "not_equal", "one_of"])
        arg = repr([ctrl_value]) if op == "one_of" else repr(ctrl_value)
        by = ctrl[0] if self.rng.random() < 0.5 else repr(ctrl[2])
        src = src[:-1] + f", show_if=config.{op}({by}, {arg}))"
        fields[target] = (attr, src, key, sample, spec, req)
        # refer to the controller by attribute: define it first (attr names are class attrs of S)
        if not by.startswith("'"):
            fields[target] = (attr, src.replace(f"config.{op}({by},", f"config.{op}({by}_ref,"), key, sample, spec,
                              req)
            self.pre.append(f"{by}_ref = {ctrl[1]}")
            fields[0] = (ctrl[0], f"{by}_ref", ctrl[2], ctrl[3], ctrl[4], ctrl[5])

    def _data(self, fields: list[Any]) -> dict[str, Any]:
        r = self.rng
        data: dict[str, Any] = {}
        for _, _, key, sample, _, req in fields:
            if key is None:
                continue
            if r.random() < (0.95 if req else 0.6):
                data[key] = sample(r)
        if self.gen == GEN_1 and r.random() < 0.5:
            data["AGENT_ID"] = "agent-" + str(r.randint(0, 9))
            data["APP_DISPLAY_NAME"] = "Pump " + str(r.randint(0, 9))
        return data


def cases(generation: str, n: int, seed: int = 1) -> list[dict[str, Any]]:
    """``n`` generated cases for ``generation`` (``"1.18"`` or ``"0.4"``)."""
    return [Gen(seed * 100_003 + i, generation).schema() for i in range(n)]


#: Runs in the oracle and here: declare, render, read values before and after injections.
RUNNER = r'''
import copy, enum, json

def _err(e):
    return "error:" + ("ValueError" if isinstance(e, ValueError) else type(e).__name__)

def _val(el):
    try:
        v = el.value
    except Exception as e:
        return _err(e)
    if isinstance(v, enum.Enum):
        return "enum:" + type(v).__name__ + "." + v.name
    if isinstance(v, list):
        return ["list", len(v)]
    return [type(v).__name__, v]

def _read(el, spec):
    if spec["k"] == "array":
        return {"items": [_read(item, spec["item"]) for item in el.elements]}
    if spec["k"] == "object":
        out = {"@value": _val(el)}
        for attr, sub in spec["children"]:
            out[attr] = _read(getattr(el, attr), sub)
        return out
    return _val(el)

def _read_all(cfg, spec):
    return {attr: _read(getattr(cfg, attr), sub) for attr, sub in spec}

def _declare(src):
    ns = {"__name__": "generated"}
    exec(src, ns)
    return ns["S"]

def run(case):
    S = _declare(case["src"])
    out = {"dict" if case.get("v04") else "schema": json.dumps(S().to_dict() if case.get("v04") else S.to_schema())}
    out["unset"] = _read_all(S(), case["spec"])
    results = []
    for data in case["datas"]:
        cfg = _declare(case["src"])()
        try:
            cfg._inject_deployment_config(copy.deepcopy(data))
        except Exception as e:
            results.append(_err(e))
            continue
        got = _read_all(cfg, case["spec"])
        if case["extras"] and "AGENT_ID" in data:
            got["AGENT_ID"] = _val(cfg.AGENT_ID)
        results.append(got)
    out["values"] = results
    return out
'''
