"""Subprocess peer for the MQTT tests.

``merge URL STORE DEVICE AGENT PREFIX N``: patch keys PREFIX0..N-1 of ``shared`` (one per
write), print "done". ``write URL STORE DEVICE AGENT N``: write aggregate keys and messages,
print "ack i" after each (for the kill -9 test).
"""

from __future__ import annotations

import asyncio
import sys

from doover_fsm.agent.mqtt import MqttAgent


async def main(argv: list[str]) -> None:
    mode, url, store, device, agent_id = argv[:5]
    agent = MqttAgent(url, store_path=store, device_id=device, agent_id=agent_id)
    await agent.start()
    for _ in range(500):
        if agent.is_online:
            break
        await asyncio.sleep(0.01)
    print("ready", flush=True)
    if mode == "merge":
        prefix, n = argv[5], int(argv[6])
        for i in range(n):
            await agent.update_aggregate("shared", {"nested": {f"{prefix}{i}": i}, f"{prefix}{i}": i})
        print("done", flush=True)
        await asyncio.sleep(0.5)
    else:
        n = int(argv[5])
        for i in range(n):
            await agent.update_aggregate("state", {f"k{i}": i})
            await agent.create_message("log", {"i": i})
            print(f"ack {i}", flush=True)
    await agent.close()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1:]))
