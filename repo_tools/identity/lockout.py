"""Account lock-out after repeated failed authentication (Art. 14): a registered person whose
pushes keep failing authentication (a revoked, compromised or not-yet-valid certificate) is
locked out until an admin of their unit, or the e-gov office, re-enables the account.

Lock-outs are server state (`CITY/server/lockouts.json`), like a login lock-out: the hook cannot
sign registry commits, and the lock must take effect at once. Every lock and unlock is logged.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from repo_tools.git.atomic import exclusive

MAX_FAILURES = 5


def _file(root: Path) -> Path:
    return root / "server" / "lockouts.json"


def _load(root: Path) -> dict[str, Any]:
    path = _file(root)
    return json.loads(path.read_text()) if path.exists() else {"failures": {}, "locked": {}}


def _save(root: Path, data: dict[str, Any]) -> None:
    _file(root).write_text(json.dumps(data, ensure_ascii=False, indent=1))


def is_locked(root: Path, person: str) -> bool:
    return person in _load(root)["locked"]


def record_failure(city: Any, person: str, detail: str) -> bool:
    """Count one failed authentication; return True when this one locks the account."""
    with exclusive(str(_file(city.root)) + ".lock"):
        data = _load(city.root)
        count = data["failures"].get(person, 0) + 1
        data["failures"][person] = count
        locked_now = count >= MAX_FAILURES and person not in data["locked"]
        if locked_now:
            data["locked"][person] = {"failures": count, "detail": detail}
        _save(city.root, data)
    if locked_now:
        city.log("account-locked", person=person, failures=count, detail=detail)
    return locked_now


def record_success(root: Path, person: str) -> None:
    """A successful authentication resets the count (consecutive failures lock, not scattered ones)."""
    data = _load(root)
    if data["failures"].get(person):
        with exclusive(str(_file(root)) + ".lock"):
            data = _load(root)
            data["failures"].pop(person, None)
            _save(root, data)


def unlock(city: Any, person: str, actor: str) -> bool:
    """Lift a lock-out; return whether there was one."""
    with exclusive(str(_file(city.root)) + ".lock"):
        data = _load(city.root)
        was = data["locked"].pop(person, None) is not None
        data["failures"].pop(person, None)
        _save(city.root, data)
    if was:
        city.log("account-unlocked", person=person, by=actor)
    return was


def failures(root: Path, person: str) -> int:
    """Consecutive failures counted so far (the portal tells how many attempts are left)."""
    return int(_load(root)["failures"].get(person, 0))
