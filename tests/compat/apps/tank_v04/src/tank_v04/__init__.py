from pydoover.docker import run_app

from .app_config import TankConfig
from .application import TankApp


def main():
    run_app(TankApp(config=TankConfig()))
