"""Board files: every shipped board parses; validation errors name file, key and line; selection."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from _fixtures import _virtual_state_dir  # noqa: F401  (autouse fixture)

from doover_fsm.errors import BoardError
from doover_fsm.io import known_boards, load_board, parse_board_text, select_board
from doover_fsm.io.board import Calibration
from doover_fsm.io.select import detect_board

REPO = Path(__file__).resolve().parents[2]
SHIPPED = {"rpi4b", "rpi5", "cm4", "beaglebone-black", "sim", "virtual"}


def test_shipped_boards_exist() -> None:
    assert set(known_boards()) >= SHIPPED


@pytest.mark.parametrize("name", sorted(SHIPPED))
def test_every_board_parses_and_validates(name: str) -> None:
    b = load_board(name)
    assert b.name == name and b.description
    assert b.di and b.do
    assert all(e.where.startswith(str(b.path)) for e in (*b.di, *b.do, *b.ai, *b.ao))
    assert {e.pin for e in b.di} == set(range(len(b.di)))  # Doover pins 0..N-1
    assert {e.pin for e in b.do} == set(range(len(b.do)))


def test_real_boards_use_names_from_their_device_trees() -> None:
    assert {e.chip for e in load_board("rpi4b").di} == {"pinctrl-bcm2711"}
    assert {e.chip for e in load_board("cm4").do} == {"pinctrl-bcm2711"}
    assert {e.chip for e in load_board("rpi5").do} == {"pinctrl-rp1"}
    assert all(str(e.line).startswith("GPIO") for e in load_board("rpi5").di)
    bbb = load_board("beaglebone-black")
    assert {e.chip for e in bbb.di} <= {"gpio-0-31", "gpio-32-63", "gpio-64-95", "gpio-96-127"}
    assert all(str(e.line).startswith(("P8_", "P9_")) for e in (*bbb.di, *bbb.do))


def test_sim_board_matches_the_qemu_contract() -> None:
    b = load_board("sim")
    assert [(e.chip, e.line) for e in b.di] == [("dfsm-sim", f"DI{i}") for i in range(1, 9)]
    assert [(e.chip, e.line) for e in b.do] == [("dfsm-sim", f"DO{i}") for i in range(1, 9)]
    assert b.ai[0].device == "dfsm_adc" and b.ai[0].channel == "voltage0"


def test_board_by_path(tmp_path: Path) -> None:
    p = tmp_path / "mine.toml"
    p.write_text('[board]\nname = "mine"\n[[do]]\nname = "pump"\nchip = "c"\nline = 3\nsafe = true\n')
    b = select_board(str(p), env={})
    assert b.name == "mine" and b.do[0].key == "pump" and b.do[0].safe is True


BASE = '[board]\nname = "t"\n[[di]]\npin = 0\nchip = "c"\nline = "A"\n[[di]]\npin = 1\nchip = "c"\nline = "B"\n'


@pytest.mark.parametrize(("text", "pattern"), [
    (BASE.replace('line = "B"', 'line = "A"'),
     r"t\.toml:10: \[\[di\]\] #2\.line: line 'A' on chip 'c' is already used by \[\[di\]\] #1 \(line 6\)"),
    (BASE.replace('pin = 1', 'pin = 0'), r"t\.toml:8: \[\[di\]\] #2\.pin: DI 0 is already defined"),
    (BASE.replace('chip = "c"\nline = "B"', 'line = "B"'), r"t\.toml:7: \[\[di\]\] #2: missing required key 'chip'"),
    (BASE + 'bias = "pull-sideways"\n', r"t\.toml:11: \[\[di\]\] #2\.bias: must be one of"),
    (BASE + 'safe = true\n', r"t\.toml:11: \[\[di\]\] #2\.safe: unknown key 'safe'"),
    (BASE + '[[ai]]\npin = 0\ndevice = "d"\nchannel = "voltage0"\ncalibration = { type = "magic" }\n',
     r"t\.toml:15: \[\[ai\]\] #1\.calibration\.type: unknown type 'magic'"),
    (BASE + '[scheduler]\nrt_priority = 200\n', r"t\.toml:12: \[scheduler\]\.rt_priority: must be in 0\.\.99"),
    (BASE + '[bogus]\n', r"t\.toml:11: \[bogus\]: unknown table 'bogus'"),
    ('[board]\nname = 3\n', r"t\.toml:2: \[board\]\.name: expected a string, got 3"),
    ('[board\n', r"t\.toml:1: invalid TOML: .*at line 1"),
])
def test_validation_errors_name_file_key_and_line(text: str, pattern: str) -> None:
    with pytest.raises(BoardError, match=pattern):
        parse_board_text(text, Path("t.toml"))


def test_unknown_board_lists_known_ones() -> None:
    with pytest.raises(BoardError) as ei:
        select_board("no-such-board", env={})
    msg = str(ei.value)
    assert "--board" in msg and "'no-such-board'" in msg
    assert all(n in msg for n in SHIPPED)
    with pytest.raises(BoardError, match="DOOVER_BOARD"):
        select_board(None, env={"DOOVER_BOARD": "nope"})


def _dt(tmp_path: Path, compatible: list[str], model: str) -> Path:
    root = tmp_path / "dt"
    root.mkdir()
    (root / "compatible").write_bytes(b"\0".join(c.encode() for c in compatible) + b"\0")
    (root / "model").write_bytes(model.encode() + b"\0")
    return root


@pytest.mark.parametrize(("compatible", "model", "expect"), [
    (["raspberrypi,4-model-b", "brcm,bcm2711"], "Raspberry Pi 4 Model B Rev 1.4", "rpi4b"),
    (["raspberrypi,4-compute-module", "brcm,bcm2711"], "Raspberry Pi Compute Module 4 Rev 1.0", "cm4"),
    (["raspberrypi,5-model-b", "brcm,bcm2712"], "Raspberry Pi 5 Model B Rev 1.0", "rpi5"),
    (["ti,am335x-bone-black", "ti,am335x-bone", "ti,am33xx"], "TI AM335x BeagleBone Black", "beaglebone-black"),
    (["vendor,unknown"], "Raspberry Pi 5 Model B Rev 1.1", "rpi5"),  # model prefix as the fallback
])
def test_detection_from_device_tree(tmp_path: Path, compatible: list[str], model: str, expect: str) -> None:
    root = _dt(tmp_path, compatible, model)
    assert detect_board(root).name == expect  # type: ignore[union-attr]
    assert select_board(None, env={}, dt_root=root).name == expect


def test_selection_order(tmp_path: Path) -> None:
    root = _dt(tmp_path, ["raspberrypi,5-model-b"], "Raspberry Pi 5 Model B")
    assert select_board("sim", env={"DOOVER_BOARD": "rpi4b"}, app_config="cm4", dt_root=root).name == "sim"
    assert select_board(None, env={"DOOVER_BOARD": "rpi4b"}, app_config="cm4", dt_root=root).name == "rpi4b"
    assert select_board(None, env={}, app_config="cm4", dt_root=root).name == "cm4"
    assert select_board(None, env={}, dt_root=root).name == "rpi5"


def test_fallback_to_virtual_with_warning(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING):
        b = select_board(None, env={}, dt_root=tmp_path / "none")
    assert b.name == "virtual"
    assert "using the 'virtual' board" in caplog.text


def test_calibrations() -> None:
    c = Calibration("4-20mA", shunt_ohms=250.0, range=(0.0, 10.0))
    assert c.apply(3000.0) == pytest.approx(5.0)  # 3000 mV / 250 Ω = 12 mA = mid-range
    assert c.invert(5.0) == pytest.approx(3000.0)
    lin = Calibration("linear", gain=2.0, offset=-1.0)
    assert lin.invert(lin.apply(7.0)) == pytest.approx(7.0)
