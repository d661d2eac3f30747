"""The seed's example app: a ``ready`` tag, a UI variable showing it, ``setup`` setting it.

Written exactly as a pydoover 1.0 app, with the imports pointed at doover_fsm.
Run it: ``doover-fsm run examples.hello:MyApp --board virtual --duration 3``
"""

from doover_fsm import ui
from doover_fsm.config import Schema
from doover_fsm.docker import Application, run_app
from doover_fsm.tags import Tag, Tags


class MyTags(Tags):
    ready = Tag("boolean", default=False)


class MyUI(ui.UI):
    ready = ui.BooleanVariable("ready", "Ready", curr_val=MyTags.ready)


class MyApp(Application):
    config_class = Schema
    tags_class = MyTags
    ui_class = MyUI

    def setup(self):
        self.tags.ready.set(True)

    def main_loop(self):
        # Your main loop logic here
        pass


if __name__ == "__main__":
    run_app(MyApp())
