from pydoover.state import StateMachine


class PumpCycle:
    state: str

    transitions = [
        {"trigger": "start", "source": ["idle", "fault"], "dest": "running"},
        {"trigger": "stop", "source": "running", "dest": "idle"},
        {"trigger": "fail", "source": "*", "dest": "fault"},
        {"trigger": "reset", "source": "fault", "dest": "idle"},
    ]

    def __init__(self, fault_hold: float = 30):
        self.entered = []
        self.changes = 0
        states = ["idle", "running", {"name": "fault", "timeout": fault_hold, "on_timeout": "reset"}]
        self.state_machine = StateMachine(
            states=states,
            transitions=self.transitions,
            model=self,
            initial="idle",
            queued=True,
            ignore_invalid_triggers=True,
            after_state_change="_changed",
            send_event=False,
        )

    async def _changed(self, *args, **kwargs):
        self.changes += 1

    async def on_enter_running(self):
        self.entered.append("running")

    async def on_enter_fault(self):
        self.entered.append("fault")
