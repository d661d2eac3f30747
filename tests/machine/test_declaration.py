"""Declaration errors are raised at compile time and name the state or transition."""

from __future__ import annotations

from typing import Any

import pytest

from doover_fsm.errors import MachineDefinitionError
from doover_fsm.machine import compile_machine


class Model:
    def ok(self) -> bool:
        return True

    def enter_a(self) -> None:
        pass


def err(states: Any, transitions: Any = (), initial: Any = "A", **kw: Any) -> str:
    with pytest.raises(MachineDefinitionError) as info:
        compile_machine(states, list(transitions), initial, **kw)
    return str(info.value)


def test_unknown_source_and_dest_name_the_transition() -> None:
    msg = err(["A", "B"], [["go", "A", "C"]])
    assert "transition #0" in msg and "'go'" in msg and "'C'" in msg
    msg = err(["A", "B"], [["go", "B", "A"], {"trigger": "x", "source": "Z", "dest": "A"}])
    assert "transition #1" in msg and "unknown source state 'Z'" in msg


def test_initial_must_be_a_child() -> None:
    msg = err([{"name": "A", "children": ["x", "y"], "initial": "z"}])
    assert "state 'A'" in msg and "'z' is not a child" in msg
    assert "initial state 'Q'" in err(["A"], initial="Q")


def test_bad_timeouts() -> None:
    assert "timeout must be a number of seconds > 0" in err([{"name": "A", "timeout": -1, "on_timeout": "ok"}])
    assert "state 'A'" in err([{"name": "A", "timeout": "5", "on_timeout": "ok"}])
    assert "needs 'on_timeout'" in err([{"name": "A", "timeout": 5}])
    assert "without a timeout" in err([{"name": "A", "on_timeout": "ok"}])


def test_duplicates() -> None:
    assert "state 'A': duplicate state name" in err(["A", "A"])
    msg = err([{"name": "A", "children": ["x", "x"], "initial": "x"}])
    assert "state 'A_x': duplicate state name" in msg
    # full-name collision: a state literally named "A_x" next to A's child x
    assert "'A_x'" in err([{"name": "A", "children": ["x"], "initial": "x"}, "A_x"])


def test_unknown_callback_names_with_model_class() -> None:
    msg = err([{"name": "A", "on_enter": "nope"}], model_class=Model)
    assert "state 'A'" in msg and "'nope'" in msg and "Model" in msg
    msg = err(["A", "B"], [{"trigger": "go", "source": "A", "dest": "B", "conditions": "missing"}],
              model_class=Model)
    assert "'go'" in msg and "conditions" in msg and "'missing'" in msg
    msg = err(["A"], model_class=Model, prepare_event="gone")
    assert "'gone'" in msg
    # without a model class names are not checked; existing names pass
    compile_machine([{"name": "A", "on_enter": "nope"}], [], "A")
    compile_machine([{"name": "A", "on_enter": "enter_a"}], [["go", "A", "A", "ok"]], "A", model_class=Model)


def test_shape_errors() -> None:
    assert "unknown key(s) ['colour']" in err([{"name": "A", "colour": 1}])
    assert "nested 'transitions' are not supported" in err([{"name": "A", "transitions": []}])
    assert "without a valid 'name'" in err([{"children": []}])
    assert "a list transition is [trigger, source, dest" in err(["A"], [["go", "A"]])
    assert "missing 'dest'" in err(["A"], [{"trigger": "go", "source": "A"}])
    assert "parallel" in err(["A", "B"], initial=["A", "B"])
    assert "no children" in err([{"name": "A", "initial": "x"}])
    assert "trigger must be an identifier" in err(["A"], [["not valid", "A", "A"]])


def test_compiled_queries() -> None:
    c = compile_machine([{"name": "A", "children": ["x", "y"], "initial": "x"}, "B"],
                        [["go", "A", "B"], ["back", "B", "A_y"]], "A", auto_transitions=True)
    assert c.state_names == ("A", "A_x", "A_y", "B")
    assert c.has_trigger("go") and c.has_trigger("to_A_y") and not c.has_trigger("nope")
    assert {"go", "back", "to_B"} <= c.triggers
