"""The README's app example is real code: it runs, and its test-mode snippet passes."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

README = Path(__file__).resolve().parent.parent / "README.md"


def _python_blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.S)


def test_readme_app_and_its_test_snippet(tmp_path: Path) -> None:
    app_code, test_snippet = _python_blocks()[:2]
    namespace: dict[str, object] = {}
    exec(compile(app_code, "README.md (app)", "exec"), namespace)
    pump_cls = namespace["Pump"]

    async def scenario() -> None:
        from doover_fsm import run_app

        ns = {"Pump": lambda test_mode: pump_cls(test_mode=test_mode, data_dir=tmp_path),  # type: ignore[operator]
              "asyncio": asyncio, "run_app": run_app}
        body = "async def _snippet():\n" + "".join(f"    {line}\n" for line in test_snippet.splitlines())
        body += "    app.request_stop()\n    await task\n"
        exec(compile(body, "README.md (test snippet)", "exec"), ns)
        await ns["_snippet"]()  # type: ignore[operator]

    asyncio.run(scenario())
