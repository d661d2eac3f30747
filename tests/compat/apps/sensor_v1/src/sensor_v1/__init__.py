from pydoover.docker import run_app

from .application import SensorApp


def main():
    """Run the sensor."""
    run_app(SensorApp())
