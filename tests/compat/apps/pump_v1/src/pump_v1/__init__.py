from pydoover.docker import run_app

from .application import PumpApp


def main():
    run_app(PumpApp())
