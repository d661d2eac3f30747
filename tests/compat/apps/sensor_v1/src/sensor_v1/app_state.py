import logging
from typing import TYPE_CHECKING

from pydoover.state import StateMachine

log = logging.getLogger(__name__)


class Link:
    state: str

    def __init__(self, retry_after: float = 30):
        self.log = []
        self.retries = 0
        states = [
            {"name": "down"},
            {"name": "connecting", "timeout": 5, "on_timeout": "give_up"},
            {"name": "up", "on_enter": "mark_up", "on_exit": "mark_left"},
            {"name": "error", "timeout": retry_after, "on_timeout": "retry"},
        ]
        transitions = [
            {"trigger": "connect", "source": ["down", "error"], "dest": "connecting"},
            {"trigger": "connected", "source": "connecting", "dest": "up"},
            {"trigger": "failed", "source": ["connecting", "up"], "dest": "error"},
            {"trigger": "drop", "source": "*", "dest": "down"},
        ]
        self.state_machine = StateMachine(states=states, transitions=transitions, model=self, initial="down",
                                          queued=True)

    async def give_up(self):
        self.log.append("give_up")
        await self.failed()

    async def retry(self, reason: str = "timeout"):
        self.retries += 1
        self.log.append(f"retry:{reason}")
        await self.connect()

    async def mark_up(self):
        self.log.append("up")

    def mark_left(self):
        self.log.append("left")

    if TYPE_CHECKING:
        async def connect(self) -> bool: ...
        async def connected(self) -> bool: ...
        async def failed(self) -> bool: ...
        async def drop(self) -> bool: ...
