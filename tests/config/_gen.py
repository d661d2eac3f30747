"""A seeded generator of pydoover config declarations (as source) and deployment configs for them.

Each case is ``{"src": <python source defining class S>, "spec": <how to walk S's elements>,
"datas": [<deployment dicts>], "extras": bool}``; the same case runs in a pydoover oracle and
here, and the differential test compares what both print. Only declarations and data that
pydoover accepts and handles correctly are generated; its known defects have their own tests.
"""

from __future__ import annotations

import ast
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

            if kind != "DateTime" and r.random() < 0.1:
                kw["default"] = "config.Variable('Other App', 'Pin (mA)')"
                default = "given"
            elif r.random() < 0.5:
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

    def object_cls(self, depth: int) -> tuple[str, list[tuple[str, str, str | None, Any, dict[str, Any], bool]]]:
        """An Object with 1-4 children: a module-level subclass (or, sometimes, a factory using
        ``add_elements``); the expression's callee and the children (attr, src, key, ...)."""
        self.n_classes += 1
        cname = f"O{self.n_classes}"
        fields: list[tuple[str, str, str | None, Any, dict[str, Any], bool]] = []
        for _ in range(self.rng.randint(1, 4)):
            attr, display = self.names.attr(), self.names.display()
            if depth < 1 and self.rng.random() < 0.2:
                src, spec, sample, req = self.obj(display, depth + 1)
            else:
                src, spec, sample, req = self.scalar(display)
            key = None if "name=" in src else self.key(display)
            fields.append((attr, src, key, sample, spec, req))
        if self.rng.random() < 0.2 and all(f[2] is not None for f in fields):
            # add_elements on a plain Object: children are reachable by key (spec "#key")
            args = ", ".join(src for _, src, *_ in fields)
            self.pre.append(f"def {cname}(display_name, **kw):\n    o = config.Object(display_name, **kw)\n"
                            f"    o.add_elements({args})\n    return o\n")
            return cname, [("#" + str(key), src, key, sample, spec, req) for _, src, key, sample, spec, req in fields]
        self._add_show_if(fields)
        if self.gen == GEN_1:
            body = "".join(f"    {a} = {s}\n" for a, s, *_ in fields)
            self.pre.append(f"class {cname}(config.Object):\n{body}")
        else:
            body = "".join(f"        self.{a} = {s}\n" for a, s, *_ in fields)
            self.pre.append(f"class {cname}(config.Object):\n    def __init__(self, display_name, **kw):\n"
                            f"        super().__init__(display_name, **kw)\n{body}")
        return cname, fields

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
        if self.gen == GEN_1 and r.random() < 0.2:
            named = [c for c in children if c[2] is not None and c[2].isidentifier() and "__" not in c[2]
                     and not c[0].startswith("#")]  # add_elements children arrive after __init__
            if named:
                target = r.choice(named)[2]
                attr, value = r.choice([("description", "'Overridden.'"), ("hidden", "True"), ("advanced", "True")])
                kw[f"{target}__{attr}"] = value
        self.common(kw, has_default=optional)
        spec = {"k": "object", "children": [[a, s] for a, _, _, _, s, _ in children]}
        closed = kw.get("additional_elements") == "False"

        def sample(rg: random.Random) -> Any:
            if optional and rg.random() < 0.25:
                return rg.choice([None, {}])
            out = {}
            for _, _, key, samp, _, req in children:
                if key is None:
                    continue
                # pydoover 0.4 leaves an absent child unset: give every child (see docs/compat/cfg.md).
                if self.gen == GEN_04 or rg.random() < (0.97 if req else 0.6):
                    out[key] = samp(rg)
            if rg.random() < (0.03 if closed else 0.2):
                out["extra_key"] = 7  # on a closed object: rejected by both
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
        # Sometimes S inherits the first fields from a Base schema (and, 1.x, redeclares one of them).
        split = r.randint(1, len(fields) - 1) if len(fields) >= 2 and r.random() < 0.25 else 0
        base, own = fields[:split], list(fields[split:])
        if split and self.gen == GEN_1 and r.random() < 0.6:
            plain = [i for i, f in enumerate(base) if f[4]["k"] == "scalar" and f[1].startswith("config.")
                     and f[1].split("(", 1)[1].startswith("'")
                     and "name=" not in f[1] and "show_if" not in f[1] and not f[1].endswith("()")]
            if plain:
                i = r.choice(plain)
                attr, old_src, key, *_ = base[i]
                display = ast.literal_eval(old_src.split("(", 1)[1].split(", ")[0].rstrip(")"))
                new_src, spec, sample, req = self.scalar(display)
                own.append((attr, new_src, key, sample, spec, req))
                fields[i] = (attr, new_src, key, sample, spec, req)
        head = "import enum\nfrom pydoover import config\n\n" + "\n".join(self.pre) + "\n"
        parent = "config.Schema"
        if self.gen == GEN_1:
            kwargs = ""
            if r.random() < 0.2:
                kwargs = ", name='My App Config'"
            if r.random() < 0.2:
                kwargs += f", advanced={r.random() < 0.5}"
            if base:
                head += "class Base(config.Schema):\n" + "".join(f"    {a} = {s}\n" for a, s, *_ in base) + "\n"
                parent = "Base"
            body = "".join(f"    {a} = {s}\n" for a, s, *_ in own)
            src = f"{head}class S({parent}{kwargs}):\n{body}"
        else:
            if base:
                head += ("class Base(config.Schema):\n    def __init__(self):\n"
                         + "".join(f"        self.{a} = {s}\n" for a, s, *_ in base) + "\n")
                parent = "Base"
            calls_super = bool(base) or r.random() < 0.5
            body = "".join(f"        self.{a} = {s}\n" for a, s, *_ in own)
            src = (f"{head}class S({parent}):\n    def __init__(self):\n"
                   + ("        super().__init__()\n" if calls_super else "") + body)
        datas = [self._data(fields) for _ in range(3)]
        return {"src": src, "spec": [[a, spec] for a, _, _, _, spec, _ in fields], "datas": datas,
                "extras": self.gen == GEN_1}

    def _add_show_if(self, fields: list[Any]) -> None:
        """1.x: make one later scalar conditional on earlier plain scalars (equal, not_equal, one_of,
        numeric comparisons, a bare Boolean, all_of), referring to controllers by element or key."""
        r = self.rng
        if self.gen != GEN_1 or len(fields) < 2 or r.random() < 0.5:
            return
        controllers = [i for i, f in enumerate(fields[:-1]) if f[4]["k"] == "scalar" and f[2] is not None
                       and f[1].startswith("config.") and "show_if" not in f[1] and not f[1].endswith("()")]
        if not controllers:
            return
        target = r.randrange(max(controllers) + 1, len(fields)) if max(controllers) + 1 < len(fields) else None
        if target is None:
            return
        attr, src, key, sample, spec, req = fields[target]
        if spec["k"] != "scalar" or not src.startswith("config.") or src.endswith("()") or "show_if" in src:
            return
        picked = r.sample(controllers, min(len(controllers), r.choice([1, 1, 2])))
        conds = [self._condition(fields, i) for i in picked]
        show_if = conds[0] if len(conds) == 1 else f"config.all_of({', '.join(conds)})"
        fields[target] = (attr, src[:-1] + f", show_if={show_if})", key, sample, spec, req)

    def _condition(self, fields: list[Any], i: int) -> str:
        r = self.rng
        attr, src, key, sample, spec, req = fields[i]
        ref = f"{attr}_ref"
        if not any(line.startswith(f"{ref} =") for line in self.pre):
            self.pre.append(f"{ref} = {src}")
            fields[i] = (attr, ref, key, sample, spec, req)
        by = ref if r.random() < 0.6 else repr(key)
        kind = src.split("(", 1)[0]
        value = sample(r)
        if kind == "config.Boolean" and by == ref and r.random() < 0.5:
            return ref  # a bare Boolean element: shorthand for equal(element, True)
        if kind in ("config.Integer", "config.Number") and r.random() < 0.6:
            op = r.choice(["greater_than", "greater_than_or_equal", "less_than", "less_than_or_equal"])
            return f"config.{op}({by}, {value!r})"
        op = r.choice(["equal", "not_equal", "one_of"])
        arg = repr([value, sample(r)]) if op == "one_of" else repr(value)
        return f"config.{op}({by}, {arg})"

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
    if type(v).__name__ == "Variable":
        return ["Variable", str(v)]
    return [type(v).__name__, v]

def _read(el, spec):
    if spec["k"] == "array":
        return {"items": [_read(item, spec["item"]) for item in el.elements]}
    if spec["k"] == "object":
        out = {"@value": _val(el)}
        for attr, sub in spec["children"]:
            child = el._elements[attr[1:]] if attr.startswith("#") else getattr(el, attr)
            out[attr] = _read(child, sub)
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
