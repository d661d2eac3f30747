"""Acceptance: the specification's own example runs verbatim (but for its imports) in test mode.

``examples/hello.py`` *is* that text (checked here against ``shared/spec``), and the same text with
its original ``pydoover`` imports runs through the compat hook.
"""

from __future__ import annotations

import asyncio
import os
import re
from pathlib import Path
from typing import Any

import pytest

from doover_fsm import run_app

ROOT = Path(__file__).resolve().parents[2]
SPEC = ROOT.parent / "shared" / "spec" / "pydoover-docker-application.txt"


def spec_example() -> str:
    """The example as the spec prints it (from "A basic application:" to the config section)."""
    if not SPEC.exists():
        if os.environ.get("DFSM_REQUIRE_ALL"):
            pytest.fail(f"the specification is missing at {SPEC}")
        pytest.skip(f"the specification is not beside this checkout ({SPEC})")
    text = SPEC.read_text()
    return text.split("A basic application:", 1)[1].split("config\n\nThe configuration schema", 1)[0].strip("\n") + "\n"


def to_doover_fsm_imports(code: str) -> str:
    return re.sub(r"^from pydoover(\.\w+)? import", lambda m: f"from doover_fsm{m.group(1) or ''} import", code,
                  flags=re.M)


def test_examples_hello_is_the_spec_text_but_for_its_imports() -> None:
    assert (ROOT / "examples" / "hello.py").read_text() == to_doover_fsm_imports(spec_example())


async def _run_seed(namespace: dict[str, Any]) -> Any:
    app = namespace["MyApp"](test_mode=True)
    task = asyncio.create_task(run_app(app, start=False, setup_logging=False))
    try:
        await asyncio.wait_for(app.wait_until_ready(), 20)
        await app.next()
        assert app.tags.ready.value is True
        assert app.get_tag("ready") is True
        assert app.get_channel_aggregate("tag_values") == {app.app_key: {"ready": True}}
        ui_state = app.get_channel_aggregate("ui_state")
        return ui_state["state"]["children"][app.app_key]  # pydoover's layout
    finally:
        app.request_stop()
        await asyncio.wait_for(task, 20)


async def test_the_seed_example_sets_ready_and_publishes_its_ui() -> None:
    from examples import hello

    ui = await _run_seed(vars(hello))
    ready = ui["children"]["ready"]
    assert ready["name"] == "ready" and ready["displayString"] == "Ready"
    assert ready["currentValue"] == "$tag.app().ready:boolean:false"  # bound to the tag, pydoover's lookup


async def test_the_seed_example_with_its_pydoover_imports_runs_through_the_compat_hook() -> None:
    namespace: dict[str, Any] = {"__name__": "seed_example"}
    from doover_fsm import compat

    compat.install()
    exec(compile(spec_example().split('if __name__ == "__main__":')[0], "seed-example", "exec"), namespace)
    ui = await _run_seed(namespace)
    assert ui["children"]["ready"]["name"] == "ready"
