"""The public surface: the facade's exports, and every Application member the Doover API promises."""

from __future__ import annotations

import inspect

import doover_fsm
from doover_fsm import Application

DOOVER_MEMBERS = """
    setup main_loop is_ready wait_until_ready next wait_for_interval get_tag get_global_tag set_tag set_tags
    set_global_tag subscribe_to_tag subscribe on_message_create on_message_update on_oneshot_message
    on_aggregate_update on_channel_sync create_message update_message update_channel_aggregate
    send_notification request_shutdown check_can_shutdown on_shutdown_at is_being_observed is_agent_open
    is_group_open is_app_open is_live_tag_open loop_target_period fetch_di fetch_ai fetch_do fetch_ao set_do
    schedule_do set_ao schedule_ao read_modbus_registers write_modbus_registers add_new_modbus_read_subscription
""".split()


def test_facade_exports_exist() -> None:
    for name in doover_fsm.__all__:
        assert hasattr(doover_fsm, name), name
    assert sorted(doover_fsm.__all__) == sorted(set(doover_fsm.__all__))


def test_application_has_the_doover_surface() -> None:
    missing = [m for m in DOOVER_MEMBERS if not hasattr(Application, m)]
    assert missing == []


def test_constructor_keywords_match_doover() -> None:
    params = inspect.signature(Application.__init__).parameters
    for kw in ("app_key", "device_agent", "platform_iface", "modbus_iface", "name", "test_mode", "config_fp",
               "healthcheck_port"):
        assert kw in params, kw
    run_params = inspect.signature(doover_fsm.run_app).parameters
    assert list(run_params)[:5] == ["app", "start", "setup_logging", "log_formatter", "log_filters"]


def test_pydoover_import_paths() -> None:
    from doover_fsm.docker import Application as DockerApplication
    from doover_fsm.docker import run_app

    assert DockerApplication is Application and run_app is doover_fsm.run_app


def test_subpackage_facades_export_what_they_list() -> None:
    import importlib

    for name in ("doover_fsm.tags", "doover_fsm.config", "doover_fsm.ui", "doover_fsm.agent", "doover_fsm.io",
                 "doover_fsm.io.modbus", "doover_fsm.machine", "doover_fsm.scheduler", "doover_fsm.app"):
        module = importlib.import_module(name)
        assert module.__all__, name
        for export in module.__all__:
            assert getattr(module, export) is not None, f"{name}.{export}"
