from doover_fsm.docker import Application, run_app
from doover_fsm.config import Schema
from doover_fsm import ui
from doover_fsm.tags import Boolean, Tags

class MyTags(Tags):
    ready = Boolean(default=False)

class MyUI(ui.UI):
    ready = ui.BooleanVariable("ready", "Ready", value=MyTags.ready)

class MyApp(Application):
    config_cls = Schema
    tags_cls = MyTags
    ui_cls = MyUI

    def setup(self):
        self.tags.ready.set(True)

    def main_loop(self):
        # Your main loop logic here
        pass

if __name__ == "__main__":
    run_app(MyApp())
