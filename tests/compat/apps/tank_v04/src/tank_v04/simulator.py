"""A 0.4-style simulator: sync setup/main_loop, tags set without await, a bare Schema()."""

import math
import time

from pydoover.config import Schema
from pydoover.docker import Application, run_app


class TankSimulator(Application):
    loop_target_period = 0.25

    def setup(self):
        self.started = time.time()

    def main_loop(self):
        level = 50 + 40 * math.sin((time.time() - self.started) / 30)
        self.set_tag("sim_level", round(level, 1))


def main():
    run_app(TankSimulator(config=Schema()))


if __name__ == "__main__":
    main()
