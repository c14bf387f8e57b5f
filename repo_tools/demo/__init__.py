"""`oa demo`: the whole flow on the sample city from `content/`, chapter by chapter, then
the site. Each concern contributes one chapter module; they run in the order of CHAPTERS."""
from __future__ import annotations

import shutil
import time
from pathlib import Path

from .state import DemoState

CHAPTERS = [
    "foundation",
    "documents",
    "review",
    "keys",
    "transmit",
    "archive",
    "site",
    "portal",
]


def run_demo(directory: str | Path, serve: bool = False, fresh: bool = True) -> DemoState:
    import importlib
    root = Path(directory).resolve()
    if fresh and root.exists():
        state_city = root / "city"
        if state_city.exists():
            from ..city import City
            City(state_city).stop_agents()
        shutil.rmtree(root)
    state = DemoState.start(root)
    started = time.monotonic()
    try:
        for name in CHAPTERS:
            module = importlib.import_module(f".{name}", __name__)
            module.run(state)
        state.summary(time.monotonic() - started)
        if serve:  # the reading portal over the sample city (logins printed by its chapter)
            from ..portal import serve as serve_portal
            for user, password in state.facts.get("portal_logins", []):
                state.console.print(f"门户登录：用户 {user}  初始密码 {password}（首次登录须修改）")
            serve_portal(state.city, 8080)
    finally:
        state.city.stop_agents()
    return state
