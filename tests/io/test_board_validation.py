"""Every value of a board file is checked once, at load, for both ``board check`` and ``run``.

The cases are the ones issue 11 found accepted by ``check`` (NaN/inf/1e308 numbers, unknown
keys in [detect]/[virtual]/[board]/[system], empty names, a 23-digit pin) or accepted by
``check`` and then refused by ``run``. Each error names the file, the key and its line.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from _fixtures import _virtual_state_dir  # noqa: F401  (autouse fixture)

from doover_fsm.cli.main import main
from doover_fsm.errors import BoardError
from doover_fsm.io import parse_board_text
from doover_fsm.scheduler import RealtimeSettings

HEAD = '[board]\nname = "t"\nbackend = "virtual"\n'                          # lines 1-3
DI = '[[di]]\npin = 0\nchip = "c"\nline = "A"\n'                               # lines 4-7
AO = '[[ao]]\npin = 0\ndevice = "adc"\nchannel = "voltage0"\n'                 # lines 8-11


def _err(text: str) -> str:
    with pytest.raises(BoardError) as info:
        parse_board_text(text, Path("t.toml"))
    return str(info.value)


@pytest.mark.parametrize(("text", "expected"), [
    (HEAD + DI + "[scheduler]\nperiod = nan\n", "t.toml:9: [scheduler].period: must be a finite number, got nan"),
    (HEAD + DI + "[scheduler]\nperiod = inf\n", "t.toml:9: [scheduler].period: must be a finite number, got inf"),
    (HEAD + DI + "[scheduler]\nperiod = 1e308\n", "t.toml:9: [scheduler].period: must be in 0.0001..3600, got 1e+308"),
    (HEAD + DI + "[scheduler]\ncpu = 100000\n", "t.toml:9: [scheduler].cpu: must be in 0..1023, got 100000"),
    (HEAD + DI + "[scheduler]\ntimer_slack_ns = 0\n", "t.toml:9: [scheduler].timer_slack_ns: must be in 1..1000000000"),
    (HEAD + DI + AO + "safe = inf\n", "t.toml:12: [[ao]] #1.safe: must be a finite number, got inf"),
    (HEAD + DI + AO + "safe = 1e308\n", "t.toml:12: [[ao]] #1.safe: must be in -1e+12..1e+12, got 1e+308"),
    (HEAD + DI + AO + "scale = nan\n", "t.toml:12: [[ao]] #1.scale: must be a finite number, got nan"),
    (HEAD + DI + AO + "calibration = { gain = 1e308 }\n",
     "t.toml:12: [[ao]] #1.calibration.gain: must be in -1e+12..1e+12, got 1e+308"),
    (HEAD + DI + AO + "calibration = { gain = nan }\n", "t.toml:12: [[ao]] #1.calibration.gain: must be a finite"),
    (HEAD + DI + AO + 'calibration = { type = "4-20mA", range = [0, inf] }\n',
     "t.toml:12: [[ao]] #1.calibration.range: must be a finite number, got inf"),
    (HEAD + DI + AO + 'calibration = { type = "4-20mA", range = [0, 1e308] }\n',
     "t.toml:12: [[ao]] #1.calibration.range: must be in -1e+12..1e+12"),
    (HEAD + DI + "debounce_ms = nan\n", "t.toml:8: [[di]] #1.debounce_ms: must be a finite number, got nan"),
    (HEAD + DI + "debounce_ms = 1e308\n", "t.toml:8: [[di]] #1.debounce_ms: must be in 0..60000"),
    (HEAD + '[detect]\ncompatible = []\nmodle = ["x"]\n' + DI, "t.toml:6: [detect].modle: unknown key 'modle'"),
    (HEAD + DI + '[virtual]\nstate_dri = "/tmp/x"\n', "t.toml:9: [virtual].state_dri: unknown key 'state_dri'"),
    (HEAD + DI + '[virtual]\nstate_dir = "rel/dir"\n', "t.toml:9: [virtual].state_dir: must be an absolute path"),
    (HEAD + 'colour = "red"\n' + DI, "t.toml:4: [board].colour: unknown key 'colour'"),
    (HEAD + DI + "[system]\nvoltag = { virtual = 1 }\n", "t.toml:9: [system].voltag: unknown key 'voltag'"),
    (HEAD + DI + "[system]\nvoltage = { virtual = nan }\n", "t.toml:9: [system].voltage.virtual: must be a finite"),
    ('[board]\nname = ""\n', "t.toml:2: [board].name: must not be empty"),
    (HEAD + DI.replace('chip = "c"', 'chip = ""'), "t.toml:6: [[di]] #1.chip: must not be empty"),
    (HEAD + DI.replace('line = "A"', 'line = ""'), "t.toml:7: [[di]] #1.line: must not be empty"),
    (HEAD + DI + AO.replace('"adc"', '""'), "t.toml:10: [[ao]] #1.device: must not be empty"),
    (HEAD + DI + AO.replace('"voltage0"', '"../x"'), "t.toml:11: [[ao]] #1.channel: an IIO channel like"),
    (HEAD + DI.replace("pin = 0", "pin = 12345678901234567890123"), "t.toml:5: [[di]] #1.pin: must be in 0..9999"),
    (HEAD + DI.replace('line = "A"', "line = 99999999"), "t.toml:7: [[di]] #1.line: offset must be in 0..4095"),
    (HEAD + DI.replace('pin = 0', 'name = " pump"'), "t.toml:5: [[di]] #1.name: must not have surrounding blanks"),
    ("scheduler = 5\n" + HEAD + DI, "t.toml:1: [scheduler]: expected a [scheduler] table, got 5"),
    (HEAD + DI + '[modbus.rs485]\ntype = "rtu"\nport = "/dev/ttyS0"\ntimeout = nan\n',
     "t.toml:11: [modbus.rs485.timeout] must be > 0 and <= 60 seconds, got nan"),
    (HEAD + DI + '[modbus.plc]\ntype = "tcp"\nhost = "h"\nprot = 502\n',
     "t.toml:11: [modbus.plc.prot] unknown key 'prot'"),
])
def test_each_bad_value_is_refused_naming_file_key_and_line(text: str, expected: str) -> None:
    assert _err(text).startswith(expected), _err(text)


def test_rt_priority_zero_means_none_so_run_does_not_refuse_it() -> None:
    b = parse_board_text(HEAD + DI + "[scheduler]\nrt_priority = 0\ncpu = 0\n", Path("t.toml"))
    assert b.scheduler.rt_priority is None
    RealtimeSettings(priority=b.scheduler.rt_priority, cpu=b.scheduler.cpu)  # what run builds: no error


def test_check_opens_the_board_as_run_does(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # Each line opens alone, but DI1 by name and offset 0 are the same line: run's one request per
    # chip is refused, so check must refuse it too.
    p = tmp_path / "same.toml"
    p.write_text(HEAD + '[[di]]\npin = 0\nchip = "c"\nline = "DI1"\n[[di]]\npin = 1\nchip = "c"\nline = 0\n')
    assert main(["board", "check", str(p)]) == 1
    out = capsys.readouterr().out
    assert "PROBLEM opening the whole board as 'run' does:" in out and f"{p}:" in out and "busy" in out


def test_hardware_boards_check_on_the_virtual_backend(monkeypatch: pytest.MonkeyPatch,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    # DOOVER_IO_BACKEND=virtual is honoured by check exactly as by run (one backend choice).
    monkeypatch.setenv("DOOVER_IO_BACKEND", "virtual")
    for name in ("rpi4b", "rpi5", "cm4", "beaglebone-black", "sim"):
        assert main(["board", "check", name]) == 0, capsys.readouterr()
        assert "lines/channels OK" in capsys.readouterr().out


def test_check_tries_the_virtual_state_dir_as_run_would_and_leaves_nothing(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    p = tmp_path / "v.toml"
    p.write_text(HEAD + DI + f'[virtual]\nstate_dir = "{blocker}/state"\n')
    assert main(["board", "check", str(p)]) == 1
    out = capsys.readouterr().out
    assert f"PROBLEM {p}:9: [virtual].state_dir: {blocker}/state cannot hold inputs.json/outputs.json" in out
    fresh = tmp_path / "new" / "state"
    p.write_text(HEAD + DI + f'[virtual]\nstate_dir = "{fresh}"\n')
    assert main(["board", "check", str(p)]) == 0
    assert not (tmp_path / "new").exists()  # what the try created is removed again
