"""One owner of the scan period: deploy time > the app (any form, any time) > pydoover's 1 s.

Each form is the one real Doover apps use; the check is what the scheduler runs at, not what
an attribute reads back.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from doover_fsm import Application
from doover_fsm.app.run import apply_options
from tests.app._apptest import data_dir, make, started

__all__ = ["data_dir"]


class ClassAttribute(Application):
    loop_target_period = 0.5


class InInit(Application):
    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.loop_target_period = 2


class BeforeSuperInit(Application):
    def __init__(self, *args: object, **kwargs: object) -> None:
        self.loop_target_period = 3
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]


class InSetup(Application):
    def setup(self) -> None:
        self.loop_target_period = 0.25


class ChangesAtRunTime(Application):
    loop_target_period = 0.2

    def main_loop(self) -> None:
        if self.get_tag("faster"):
            self.loop_target_period = 0.05


class SetsNothing(Application):
    pass


@pytest.mark.parametrize(("cls", "expected"), [
    (ClassAttribute, 0.5), (InInit, 2.0), (BeforeSuperInit, 3.0), (InSetup, 0.25), (SetsNothing, 1.0),
])
async def test_each_form_reaches_the_scheduler(cls: type[Application], expected: float, data_dir: Path) -> None:
    app = make(cls, data_dir)
    async with started(app):
        assert app.dfsm.scheduler is not None
        assert app.dfsm.scheduler.period == expected
        assert app.loop_target_period == expected
        assert app.dfsm.period.source == ("default" if cls is SetsNothing else "app")


async def test_a_run_time_change_reaches_the_scheduler(data_dir: Path) -> None:
    app = make(ChangesAtRunTime, data_dir)
    async with started(app):
        assert app.dfsm.scheduler.period == 0.2
        await app.next()
        app.set_tag("faster", True)
        await app.next()
        assert app.dfsm.scheduler.period == 0.05 and app.loop_target_period == 0.05


def test_the_class_attribute_does_not_hide_the_runtime_period() -> None:
    assert "loop_target_period" not in ClassAttribute.__dict__  # kept as the app's period instead
    assert ClassAttribute(test_mode=True).loop_target_period == 0.5
    assert ClassAttribute.loop_target_period == 0.5  # read on the class: the declared value (or 1 s)
    assert SetsNothing.loop_target_period == 1.0


def test_a_bad_class_attribute_is_an_error_naming_the_class() -> None:
    with pytest.raises(ValueError, match=r"Bad\.loop_target_period"):
        type("Bad", (Application,), {"loop_target_period": 0})


async def test_deploy_time_beats_every_app_form(data_dir: Path) -> None:
    for cls in (ClassAttribute, InInit, InSetup):
        app = make(cls, data_dir)
        apply_options(app, period=0.01)
        async with started(app):
            assert app.dfsm.scheduler.period == 0.01, cls
            app.loop_target_period = 7  # the app's later change is kept, but deploy time still wins
            assert app.dfsm.scheduler.period == 0.01
            assert app.dfsm.period.app_value == 7


async def test_the_config_files_loop_target_period_is_deploy_time(data_dir: Path, tmp_path: Path) -> None:
    cfg = tmp_path / "config.json"
    cfg.write_text(json.dumps({"loop_target_period": 0.125}))  # what `tune --write-config` writes
    app = make(ClassAttribute, data_dir, config_fp=cfg)
    async with started(app):
        assert app.dfsm.scheduler.period == 0.125
        assert app.dfsm.period.source.startswith("deploy (")
    flagged = make(ClassAttribute, data_dir, config_fp=cfg)
    apply_options(flagged, period=0.3)  # an explicit flag beats the config file
    async with started(flagged):
        assert flagged.dfsm.scheduler.period == 0.3


async def test_a_board_hint_never_overrides_the_app(data_dir: Path, caplog: pytest.LogCaptureFixture) -> None:
    # The virtual board suggests 0.1 s; an app that asked for 0.5 s (or nothing) keeps its own.
    for cls, expected in ((ClassAttribute, 0.5), (SetsNothing, 1.0)):
        app = make(cls, data_dir, board="virtual")
        with caplog.at_level("INFO", logger="doover_fsm.app"):
            async with started(app):
                assert app.dfsm.scheduler.period == expected
        assert "board 'virtual' suggests a 0.1s period" in caplog.text
