"""`oa demo`: the whole flow on the sample city from `content/`, chapter by chapter, then
the site. Each concern contributes one chapter module; they run in the order of CHAPTERS."""
from __future__ import annotations

import time
from pathlib import Path

from repo_tools.demo.state import DemoState
from repo_tools.messages import say

CHAPTERS = [
    "foundation",
    "documents",
    "review",
    "keys",
    "transmit",
    "archive",
    "log",
    "lifecycle",
    "site",
    "portal",
]
# Chapters after which the units' witnesses cosign the log (every chapter that pushes), so the
# trusted times the next chapter verifies are witnessed.
WITNESSED_AFTER = {"foundation", "documents", "review", "keys", "transmit", "archive", "lifecycle"}


def keep_previous(root: Path) -> Path | None:
    """Move an existing demo folder aside as `<name>.prev-<time>` (never delete work done in
    it); return where it went, or None when there was nothing to keep."""
    if not root.exists():
        return None
    state_city = root / "city"
    if state_city.exists():
        from repo_tools.city import City
        City(state_city).stop_agents()
    if root.is_dir() and not any(root.iterdir()):
        root.rmdir()
        return None
    stamp = time.strftime("%Y%m%d-%H%M%S")
    target = root.with_name(f"{root.name}.prev-{stamp}")
    n = 1
    while target.exists():
        n += 1
        target = root.with_name(f"{root.name}.prev-{stamp}-{n}")
    root.rename(target)
    return target


def run_demo(directory: str | Path, serve: bool = False, fresh: bool = True) -> DemoState:
    import importlib
    root = Path(directory).resolve()
    kept = keep_previous(root) if fresh else None
    state = DemoState.start(root)
    if kept is not None:
        state.console.print(say("demo.__init__.run_demo.1", kept=kept))
    started = time.monotonic()
    try:
        for name in CHAPTERS:
            module = importlib.import_module(f".{name}", __name__)
            module.run(state)
            if name in WITNESSED_AFTER:
                state.witness()
        state.summary(time.monotonic() - started)
        if serve:  # the reading portal over the sample city (logins printed by its chapter)
            from repo_tools.demo import portal
            portal.serve(state, 8080)
    finally:
        state.city.stop_agents()
        from repo_tools.hook import forkserver
        forkserver.stop()  # the hook server the demo's pushes started: nothing left running
    return state
