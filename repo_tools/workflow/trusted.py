"""Trusted time of one signed step: the log time of the push that first brought its object.

The workflow judges a few recent objects (a 签发, a 委托, its revocation) per request, so the log
is read from its end backwards until they are found: the cost follows how recent they are,
never the log's size. (The Merkle log's own index, when present, answers the same question.)
"""
from __future__ import annotations

import json
import os
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path

from repo_tools import timeutil

BLOCK = 1 << 16


def _lines_backwards(path: Path) -> Iterable[bytes]:
    with path.open("rb") as handle:
        handle.seek(0, os.SEEK_END)
        pos = handle.tell()
        rest = b""
        while pos > 0:
            step = min(BLOCK, pos)
            pos -= step
            handle.seek(pos)
            chunk = handle.read(step) + rest
            lines = chunk.split(b"\n")
            rest = lines[0]
            for line in reversed(lines[1:]):
                if line.strip():
                    yield line
        if rest.strip():
            yield rest


def times_of(log_file: Path, oids: Iterable[str]) -> dict[str, datetime]:
    """Object id -> trusted time, for those of `oids` the log has seen: from the Merkle log's
    object index where it has them, else by reading the log backwards."""
    wanted = {o for o in oids if o}
    found: dict[str, datetime] = {}
    if not wanted or not log_file.exists():
        return found
    try:
        from repo_tools.log.eventlog import object_entry
        for oid in list(wanted):
            entry = object_entry(log_file, oid)
            moment = timeutil.parse(entry.time) if entry else None
            if moment is not None:
                found[oid] = moment
    except Exception:  # noqa: BLE001 - no index (an older log): the scan below answers
        found = {}
    if len(found) == len(wanted):
        return found
    for raw in _lines_backwards(log_file):
        if not any(o.encode() in raw for o in wanted):
            continue
        entry = json.loads(raw)
        if entry.get("type") != "push":
            continue
        moment = timeutil.parse(entry.get("time"))
        for oid in entry.get("objects", []):
            if oid in wanted and moment is not None:
                found[oid] = moment  # a push lists only the objects it adds: this is the first
        if len(found) == len(wanted):
            break
    return found


def time_of(log_file: Path, oid: str) -> datetime | None:
    return times_of(log_file, [oid]).get(oid)


__all__ = ["times_of", "time_of"]
