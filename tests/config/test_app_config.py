"""The config of a running app: deployment_config (entry, no entry, updates) reaches nested objects."""

from __future__ import annotations

from pathlib import Path

import pytest

from doover_fsm import Application, config
from doover_fsm.agent.store import open_store
from doover_fsm.errors import ConfigError
from tests.app._apptest import make, started


class Notifications(config.Object):
    on_start = config.Boolean("Notify on Start", default=False)
    on_fault = config.Boolean("Notify on Fault", default=True)


class Station(config.Object):
    name = config.String("Name")
    level = config.Number("Level", default=50.0, minimum=0, maximum=100)


class Cfg(config.Schema):
    notifications = Notifications("Notifications")
    stations = config.Array("Stations", element=Station("Station"))
    position = config.ApplicationPosition()


class CfgApp(Application):
    config_cls = Cfg


class NeedsPump(config.Schema):
    pump = config.String("Pump Name")


class NeedsPumpApp(Application):
    config_cls = NeedsPump


ENTRY = {"notifications": {"notify_on_start": True},
         "stations": [{"name": "north", "level": 20}, {"name": "south"}], "APP_DISPLAY_NAME": "Pumps"}


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    d = tmp_path / "data"
    d.mkdir()
    return d


async def test_nested_objects_and_arrays_of_objects_get_deployment_values(data_dir: Path) -> None:
    with open_store(data_dir) as store:
        store.update_aggregate("deployment_config", {"applications": {"cfg": ENTRY}})
    app = make(CfgApp, data_dir, app_key="cfg")
    async with started(app):
        cfg = app.config
        assert cfg.notifications.on_start.value is True and cfg.notifications.on_fault.value is True
        assert [(s.name.value, s.level.value) for s in cfg.stations.elements] == [("north", 20), ("south", 50.0)]
        assert cfg.position.value == 100 and app.app_display_name == "Pumps"
        with open_store(data_dir) as store:
            store.update_aggregate("deployment_config", {"applications": {"cfg": {
                "notifications": {"notify_on_fault": False}, "stations": [{"name": "east", "level": 99}]}}})
        await app.next()
        assert cfg.notifications.on_fault.value is False and cfg.notifications.on_start.value is True
        assert [(s.name.value, s.level.value) for s in cfg.stations.elements] == [("east", 99)]


async def test_no_deployment_entry_loads_the_defaults(data_dir: Path) -> None:
    class Defaults(config.Schema):
        level = config.Number("Level", default=1.5)

    class DefaultsApp(Application):
        config_cls = Defaults

    app = make(DefaultsApp, data_dir, app_key="nothing_deployed")
    async with started(app):
        assert app.config.level.value == 1.5


async def test_a_required_key_missing_at_start_is_an_error_naming_it(data_dir: Path) -> None:
    app = make(NeedsPumpApp, data_dir, app_key="p")
    with pytest.raises(ConfigError, match=r"deployment_config\.applications\.p.*Required config element pump_name"):
        async with started(app):
            pass
