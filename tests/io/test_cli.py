"""``doover-fsm board ...`` and ``doover-fsm io ...``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from _fixtures import _virtual_state_dir  # noqa: F401  (autouse fixture)

from doover_fsm.cli.main import main
from doover_fsm.clock import VirtualClock
from doover_fsm.io import BoardIO, load_board


def test_board_list_show(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["board", "list"]) == 0
    out = capsys.readouterr().out
    assert "rpi5" in out and "beaglebone-black" in out and "virtual" in out
    assert main(["board", "show", "rpi5"]) == 0
    out = capsys.readouterr().out
    assert "DO 0" in out and "pinctrl-rp1:GPIO17" in out
    assert main(["board", "show", "sim", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["di"][0]["line"] == "DI1"


def test_board_show_unknown(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["board", "show", "nope"]) == 1
    assert "unknown board 'nope'; known boards:" in capsys.readouterr().err


def test_board_detect(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "compatible").write_bytes(b"raspberrypi,4-compute-module\0brcm,bcm2711\0")
    (tmp_path / "model").write_bytes(b"Raspberry Pi Compute Module 4 Rev 1.1\0")
    assert main(["board", "detect", "--dt-root", str(tmp_path)]) == 0
    assert "detected: cm4" in capsys.readouterr().out
    assert main(["board", "detect", "--dt-root", str(tmp_path / "none")]) == 1


def test_board_check_virtual_ok(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["board", "check", "virtual"]) == 0
    assert "all 22 lines/channels OK" in capsys.readouterr().out


def test_board_check_reports_every_problem(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # No GPIO chips or IIO devices on this host: every line and channel is a problem.
    root = tmp_path / "iio"
    root.mkdir()
    assert main(["board", "check", "sim", "--sysfs-root", str(root)]) == 1
    out = capsys.readouterr().out
    assert out.count("PROBLEM") == 18
    assert "PROBLEM DI 0: " in out and "sim.toml:" in out and "no GPIO chip labelled 'dfsm-sim'" in out
    assert "no IIO device named 'dfsm_adc'" in out


def test_board_check_modbus_is_parsed(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    p = tmp_path / "mb.toml"
    p.write_text('[board]\nname = "mb"\nbackend = "virtual"\n[[do]]\npin = 0\nchip = "v"\nline = "A"\n'
                 '[modbus.rs485]\ntype = "rtu"\nport = "/dev/ttyUSB0"\nbaudrate = 1\n')
    assert main(["board", "check", str(p)]) == 1
    err = capsys.readouterr().err
    assert f"{p}:11: [modbus.rs485.baudrate] must be between 50 and 4000000, got 1" in err


def test_io_set_get_round_trip_with_a_running_board(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    io = BoardIO(load_board("virtual"), clock=VirtualClock(), post_event=lambda e: True)
    with io:
        io.virtual_panel.min_interval = 0
        assert main(["io", "set", "di", "2", "1"]) == 0
        assert main(["io", "set", "ai", "0", "4.5"]) == 0
        io.read_inputs()
        assert io.di_image[2] is True and io.ai_image[0] == 4.5
        io.do_state[7] = True
        io.write_outputs()
        capsys.readouterr()
        assert main(["io", "get"]) == 0
        state = json.loads(capsys.readouterr().out)
        assert state["outputs"]["do"]["7"] is True and state["inputs"]["di"]["2"] is True
        assert main(["io", "set", "di", "2", "0"]) == 0
        io.read_inputs()
        assert io.di_image[2] is False


def test_io_set_errors(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["io", "set", "di", "99", "1"]) == 1
    assert "unknown DI '99' on board 'virtual'" in capsys.readouterr().err
    assert main(["io", "--board", "sim", "get"]) == 1
    assert "not virtual" in capsys.readouterr().err
