from pydoover.tags import Tag, Tags


class SensorTags(Tags):
    reading = Tag("number", default=None, live=True)
    raw = Tag("number", default=None)
    pulses = Tag("integer", default=0)
    link_ok = Tag("boolean", default=False)
    link_state = Tag("string", default="down")
