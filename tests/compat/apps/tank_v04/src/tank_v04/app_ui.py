import time

from pydoover import ui


class TankUI:
    def __init__(self):
        self.level = ui.NumericVariable("level", "Level", precision=1, unit="%",
                                        ranges=[ui.Range("Low", 0, 20, ui.Colour.red),
                                                ui.Range("Ok", 20, 100, ui.Colour.green)])
        self.filling = ui.BooleanVariable("filling", "Filling")
        self.status = ui.TextVariable("status", "Status", hidden=False)
        self.updated = ui.DateTimeVariable("updated", "Updated")
        self.overflow = ui.WarningIndicator("overflow", "Overflow", hidden=True)
        self.alerts = ui.AlertStream()
        self.target = ui.NumericParameter("target", "Target (%)", precision=0)
        self.fill_now = ui.Action("fill_now", "Fill Now", colour=ui.Colour.blue, requires_confirm=True, position=1)
        self.stop = ui.Action("stop", "Stop", colour=ui.Colour.red, hidden=True, position=2)

    def fetch(self):
        return (self.level, self.filling, self.status, self.updated, self.overflow, self.alerts,
                self.target, self.fill_now, self.stop)

    def show(self, level, filling, status):
        self.level.update(level)
        self.filling.update(filling)
        self.status.update(status)
        self.updated.update(int(time.time()))  # a datetime would not survive pydoover's json.dumps
        self.level.unit = "%"
        if level > 90:
            self.level.ranges = [ui.Range("Full", 90, 100, ui.Colour.yellow)]
        self.fill_now.hidden = filling
        self.stop.hidden = not filling
