from pydoover.tags import AnyChange, Boolean, Delta, Number, String, Tag, Tags


class PumpTags(Tags):
    title = String(default="Pump")
    level = Number(default=None, live=True, log_on=Delta(amount=5))
    running = Boolean(default=False, log_on=AnyChange())
    starts = Tag("integer", default=0)
    fault_text = Tag("string", default="")
    hide_fault = Tag("boolean", default=True)
    pulses = Tag("number", default=0, live=True)
    last_run = Tag("number", default=None)
