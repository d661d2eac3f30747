"""Fixtures for the ``hw`` tier: the ``sim`` board that the QEMU guest exposes.

The guest (``scripts/hw/run-hw-tests``, see docs/hw-tests.md) creates one gpio-sim chip labelled
``dfsm-sim`` with 16 lines (``DI1``..``DI8`` at offsets 0-7, ``DO1``..``DO8`` at 8-15) and one
iio_dummy device named ``dfsm_adc``, then runs pytest with ``DFSM_HW=1``. Outside the guest every
test under ``tests/hw`` is skipped. The fixtures talk to sysfs/configfs only, so they work whatever
state the package under test is in.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

HW_DIR = Path(__file__).resolve().parent
IN_GUEST = os.environ.get("DFSM_HW") == "1"
SKIP_REASON = "hw tier: needs the gpio-sim/IIO QEMU guest; run scripts/hw/run-hw-tests (DFSM_HW is unset)"

SIM_LABEL = "dfsm-sim"
ADC_NAME = "dfsm_adc"
CONFIGFS_GPIO_SIM = Path("/sys/kernel/config/gpio-sim")
IIO_ROOT = Path("/sys/bus/iio/devices")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark every test in tests/hw as ``hw`` and skip them unless running in the guest."""
    skip = pytest.mark.skip(reason=SKIP_REASON)
    for item in items:
        if HW_DIR in item.path.resolve().parents:
            item.add_marker(pytest.mark.hw)
            if not IN_GUEST:
                item.add_marker(skip)


def _write(path: Path, value: str) -> None:
    # sysfs reports a rejected value when the write is flushed, so open/write/close explicitly.
    with open(path, "w") as f:
        f.write(value)


class GpioSim:
    """The ``dfsm-sim`` gpio-sim bank, driven from the "outside world" side through sysfs.

    ``set_input`` sets the pull that an input line reads; ``get_output`` reads the level an
    application drives. Not thread-safe; one instance per session.
    """

    def __init__(self, bank_dir: Path) -> None:
        self.bank_dir = bank_dir
        self.label: str = (bank_dir / "label").read_text().strip()
        chip_name = (bank_dir / "chip_name").read_text().strip()
        dev_name = (bank_dir.parent / "dev_name").read_text().strip()
        self.chip_path = f"/dev/{chip_name}"
        #: ``/sys/devices/platform/gpio-sim.N/gpiochipM``; line attributes are in ``sim_gpioK/``.
        self.sysfs_dir = Path("/sys/devices/platform") / dev_name / chip_name
        self.num_lines = int((bank_dir / "num_lines").read_text())
        self.line_names: dict[str, int] = {}
        for line_dir in bank_dir.glob("line*"):
            name = (line_dir / "name").read_text().strip()
            if name:
                self.line_names[name] = int(line_dir.name[len("line") :])

    def _attr(self, offset: int, attr: str) -> Path:
        if not 0 <= offset < self.num_lines:
            raise ValueError(f"{self.label}: no line at offset {offset} (0..{self.num_lines - 1})")
        return self.sysfs_dir / f"sim_gpio{offset}" / attr

    def line_offset(self, name: str) -> int:
        """Offset of the line called ``name`` (e.g. ``"DO1"`` -> 8)."""
        try:
            return self.line_names[name]
        except KeyError:
            raise KeyError(f"{self.label}: no line named {name!r}; have {sorted(self.line_names)}") from None

    def set_input(self, offset: int, level: bool) -> None:
        """Make an input line read ``level`` (pull-up for True, pull-down for False)."""
        _write(self._attr(offset, "pull"), "pull-up" if level else "pull-down")

    def get_output(self, offset: int) -> bool:
        """The level on the line as the simulator sees it (what an output drives)."""
        return self._attr(offset, "value").read_text().strip() == "1"

    def get_pull(self, offset: int) -> str:
        """The line's current pull: ``"pull-up"`` or ``"pull-down"``."""
        return self._attr(offset, "pull").read_text().strip()

    def reset(self) -> None:
        """Pull every line down (the state the guest boots with)."""
        for offset in range(self.num_lines):
            self.set_input(offset, False)


class IioDummy:
    """The ``dfsm_adc`` iio_dummy device (patched so input raw values are writable).

    Channels: ``voltage0`` (single-ended, with ``in_voltage0_scale``/``_offset``), the differential
    pairs ``voltage1-voltage2`` and ``voltage3-voltage4``, and ``out_voltage0_raw``. Not thread-safe.
    """

    def __init__(self, device_dir: Path) -> None:
        self.sysfs_root = IIO_ROOT
        self.device_dir = device_dir

    def _raw_path(self, channel: str) -> Path:
        name = channel if channel.startswith(("in_", "out_")) else f"in_{channel}"
        return self.device_dir / f"{name}_raw"

    def set_raw(self, channel: str, raw: int) -> None:
        """Set the raw reading of ``channel`` (``"voltage0"`` writes ``in_voltage0_raw``)."""
        _write(self._raw_path(channel), str(int(raw)))

    def read_attr(self, name: str) -> str:
        """One sysfs attribute of the device, stripped (e.g. ``"in_voltage0_scale"``)."""
        return (self.device_dir / name).read_text().strip()


@pytest.fixture(scope="session")
def gpio_sim() -> GpioSim:
    """The ``dfsm-sim`` chip; lines are pulled down at the start of the session."""
    if not IN_GUEST:
        pytest.skip(SKIP_REASON)
    for label_file in sorted(CONFIGFS_GPIO_SIM.glob("*/bank*/label")):
        if label_file.read_text().strip() == SIM_LABEL:
            sim = GpioSim(label_file.parent)
            sim.reset()
            return sim
    pytest.fail(f"no gpio-sim bank labelled {SIM_LABEL!r} under {CONFIGFS_GPIO_SIM}")


@pytest.fixture(scope="session")
def iio_dummy() -> IioDummy:
    """The ``dfsm_adc`` IIO device."""
    if not IN_GUEST:
        pytest.skip(SKIP_REASON)
    for name_file in sorted(IIO_ROOT.glob("iio:device*/name")):
        if name_file.read_text().strip() == ADC_NAME:
            return IioDummy(name_file.parent)
    pytest.fail(f"no IIO device named {ADC_NAME!r} under {IIO_ROOT}")
