"""Subprocess for the kill -9 test: writes records through a LocalAgent and prints each ack."""

from __future__ import annotations

import asyncio
import sys

from doover_fsm.agent.local import LocalAgent


async def main(path: str, n: int) -> None:
    agent = LocalAgent(path, agent_id="writer")
    await agent.start()
    print("ready", flush=True)
    for i in range(n):
        await agent.update_aggregate("counters", {"i": i, f"k{i % 50}": i})
        mid = await agent.create_message("log", {"i": i})
        print(f"ack {i} {mid}", flush=True)
    await agent.close()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], int(sys.argv[2])))
