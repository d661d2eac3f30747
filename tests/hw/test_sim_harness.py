"""The hw harness itself: the guest's gpio-sim chip and dummy ADC behave as the `sim` board says."""

from __future__ import annotations

import pytest

gpiod = pytest.importorskip("gpiod")
from gpiod.line import Direction, Edge, Value  # noqa: E402

DI = [f"DI{i}" for i in range(1, 9)]
DO = [f"DO{i}" for i in range(1, 9)]


def test_chip_has_sim_label_and_named_lines(gpio_sim):
    with gpiod.Chip(gpio_sim.chip_path) as chip:
        info = chip.get_info()
        assert info.label == "dfsm-sim" == gpio_sim.label
        assert info.num_lines == 16
        names = [chip.get_line_info(offset).name for offset in range(16)]
        assert names == DI + DO
        assert chip.line_offset_from_id("DO1") == 8
    assert [gpio_sim.line_offset(name) for name in DI + DO] == list(range(16))
    with pytest.raises(KeyError, match="DX9"):
        gpio_sim.line_offset("DX9")


@pytest.mark.parametrize("level", [True, False])
def test_pull_on_sim_is_read_by_gpiod(gpio_sim, level):
    offsets = [gpio_sim.line_offset(name) for name in DI]
    for offset in offsets:
        gpio_sim.set_input(offset, level)
    settings = gpiod.LineSettings(direction=Direction.INPUT)
    with gpiod.request_lines(gpio_sim.chip_path, consumer="dfsm-hw-test", config={tuple(offsets): settings}) as request:
        expected = Value.ACTIVE if level else Value.INACTIVE
        assert request.get_values() == [expected] * len(offsets)
        # Flip one line while requested: the change is seen at once.
        gpio_sim.set_input(offsets[3], not level)
        assert request.get_value(offsets[3]) == (Value.INACTIVE if level else Value.ACTIVE)
    gpio_sim.reset()


def test_output_driven_by_gpiod_is_seen_by_sim(gpio_sim):
    offset = gpio_sim.line_offset("DO3")
    settings = gpiod.LineSettings(direction=Direction.OUTPUT, output_value=Value.INACTIVE)
    with gpiod.request_lines(gpio_sim.chip_path, consumer="dfsm-hw-test", config={"DO3": settings}) as request:
        assert gpio_sim.get_output(offset) is False
        request.set_value("DO3", Value.ACTIVE)
        assert gpio_sim.get_output(offset) is True
        request.set_value("DO3", Value.INACTIVE)
        assert gpio_sim.get_output(offset) is False


def test_edge_events_from_sim_pull(gpio_sim):
    """Exercises irq_sim (built into gpio-sim.ko with generic_handle_irq)."""
    offset = gpio_sim.line_offset("DI2")
    gpio_sim.set_input(offset, False)
    settings = gpiod.LineSettings(direction=Direction.INPUT, edge_detection=Edge.BOTH)
    with gpiod.request_lines(gpio_sim.chip_path, consumer="dfsm-hw-test", config={offset: settings}) as request:
        gpio_sim.set_input(offset, True)
        assert request.wait_edge_events(5.0)
        events = request.read_edge_events()
        assert [(e.line_offset, e.event_type) for e in events] == [(offset, gpiod.EdgeEvent.Type.RISING_EDGE)]
        gpio_sim.set_input(offset, False)
        assert request.wait_edge_events(5.0)
        assert request.read_edge_events()[0].event_type == gpiod.EdgeEvent.Type.FALLING_EDGE
    gpio_sim.reset()


def test_iio_dummy_raw_value_round_trip(iio_dummy):
    assert iio_dummy.read_attr("name") == "dfsm_adc"
    assert iio_dummy.device_dir.parent == iio_dummy.sysfs_root
    for raw in (1234, 0, 4095):
        iio_dummy.set_raw("voltage0", raw)
        assert iio_dummy.read_attr("in_voltage0_raw") == str(raw)
    # The channel keeps scale and offset, so (raw + offset) * scale is computable.
    float(iio_dummy.read_attr("in_voltage0_scale"))
    int(iio_dummy.read_attr("in_voltage0_offset"))
