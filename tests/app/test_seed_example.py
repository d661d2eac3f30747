"""Acceptance: the seed's example app runs unchanged (imports pointed at doover_fsm) in test mode."""

from __future__ import annotations

import asyncio

from doover_fsm import run_app
from examples.hello import MyApp


async def test_seed_example_sets_ready_and_commits_tag_values() -> None:
    app = MyApp(test_mode=True)
    task = asyncio.create_task(run_app(app, start=False))
    await app.wait_until_ready()
    await app.next()

    assert app.get_tag("ready") is True
    assert app.get_channel_aggregate("tag_values") == {app.app_key: {"ready": True}}
    # The UI schema was published with the variable bound to the tag (pydoover's lookup string).
    state = app.get_channel_aggregate("ui_state")["state"]
    ready = state.get("children", state)[app.app_key]["children"]["ready"]
    assert ready["currentValue"] == "$tag.app().ready:boolean:false"

    app.request_stop()
    await task
