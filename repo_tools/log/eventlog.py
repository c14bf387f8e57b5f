"""The city's event log (Art. 8, 11, 41-43): one JSON object per line, appended under a file lock
and flushed to disk. Each line's exact bytes (without the newline) are a leaf of the log's
Merkle tree (`repo_tools/log/`), whose checkpoints the log key signs and the units' witnesses
cosign; each line also keeps the SHA-256 of the previous one (`prev`, `hash`), so a break is
named line by line. This module is the façade the rest of the system calls."""
from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from repo_tools import timeutil
from repo_tools.log import store
from repo_tools.messages import say

GENESIS = "0" * 64


def _digest(entry: dict[str, Any]) -> str:
    body = {k: v for k, v in entry.items() if k != "hash"}
    canonical = json.dumps(body, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def append(log_file: Path, event: str, **fields: Any) -> dict[str, Any]:
    """Append one event; its `time` is the server's clock now (the trusted time). The line is
    on disk (fsynced) before the tree, tiles and checkpoint are brought up to date."""
    def make(last_line: bytes | None) -> tuple[bytes, dict[str, Any]]:
        last = json.loads(last_line) if last_line else None
        entry: dict[str, Any] = {
            "seq": (last["seq"] + 1) if last else 1,
            "time": fields.pop("time", None) or timeutil.iso(timeutil.now()),
            "type": event,
            **fields,
            "prev": last["hash"] if last else GENESIS,
        }
        entry["hash"] = _digest(entry)
        return (json.dumps(entry, ensure_ascii=False, sort_keys=True) + "\n").encode("utf-8"), entry
    return store.append_line(log_file, make)


def read(log_file: Path) -> Iterator[dict[str, Any]]:
    if not log_file.exists():
        return
    with log_file.open(encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                yield json.loads(line)


@dataclass(frozen=True)
class LogProblem:
    line: int
    message: str


def verify(log_file: Path) -> list[LogProblem]:
    """Every break in the chain (a changed line, a removed or inserted one, a reordering) and in
    the Merkle log: leaves against the stored tree and tiles, checkpoints and cosignatures
    against the registry's keys (`repo_tools.log.audit`)."""
    problems = verify_chain(log_file)
    if not log_file.exists():
        return problems
    from repo_tools.log import audit, policy
    registry = log_file.parent.parent / "registry.git"
    keys = policy.load(registry) if registry.is_dir() else None
    for found in audit.audit(log_file, keys).problems:
        problems.append(LogProblem((found.entry + 1) if found.entry is not None else 0, found.message))
    return problems


def verify_chain(log_file: Path) -> list[LogProblem]:
    """Every break in the chain: a changed line, a removed or inserted one, a reordering."""
    problems: list[LogProblem] = []
    prev, expected_seq = GENESIS, 1
    if not log_file.exists():
        return [LogProblem(0, say("log.eventlog.verify_chain.1"))]
    with log_file.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            try:
                entry = json.loads(line)
            except json.JSONDecodeError:
                problems.append(LogProblem(number, say("log.eventlog.verify_chain.2")))
                continue
            if entry.get("hash") != _digest(entry):
                problems.append(LogProblem(number, say("log.eventlog.verify_chain.3")))
            if entry.get("prev") != prev:
                problems.append(LogProblem(number, say("log.eventlog.verify_chain.4")))
            if entry.get("seq") != expected_seq:
                problems.append(LogProblem(number, say("log.eventlog.verify_chain.5",
                                                       expected_seq=expected_seq, entry_get=entry.get('seq'))))
            prev = entry.get("hash", "")
            expected_seq = (entry.get("seq") or expected_seq) + 1
    return problems


def trusted_times(log_file: Path, unit: str | None = None) -> dict[str, str]:
    """Object id -> log time of the push that first brought it to the server (from the log's
    object index, never a scan of the log). The server's own rules use this time directly;
    readers' verification also asks for a witness quorum (`repo_tools.log.quorum`)."""
    return store.trusted_times(log_file, unit)


def object_entry(log_file: Path, oid: str, unit: str | None = None) -> store.Entry | None:
    """One object's first log entry (leaf index and time), by index lookup."""
    return store.object_entry(log_file, oid, unit)


def entries_matching(log_file: Path, marker: str, view: str) -> list[dict[str, Any]]:
    """Every entry whose line contains `marker` (e.g. '"type": "incident"'), oldest first, read
    once: the entries found and the byte offset reached are kept in `store/views/<view>.json`
    with a digest of the last bytes read, so a later call reads only the lines appended since
    (a site rebuild must not read a log of a million entries to learn of three incidents). The
    log only grows; a file that does not continue what was read (shorter, other bytes) is read
    again from the start. Only matching lines are parsed, so the caller filters by their fields."""
    cache = log_file.parent / "store" / "views" / f"{view}.json"
    if not log_file.exists():
        return []
    size = log_file.stat().st_size
    found: list[dict[str, Any]] = []
    offset = 0
    try:
        saved = json.loads(cache.read_text(encoding="utf-8"))
        if saved.get("marker") == marker and saved["offset"] <= size:
            with log_file.open("rb") as handle:
                start = max(0, saved["offset"] - 4096)
                handle.seek(start)
                if hashlib.sha256(handle.read(saved["offset"] - start)).hexdigest() == saved["tail"]:
                    found, offset = list(saved["entries"]), int(saved["offset"])
    except (OSError, ValueError, KeyError, TypeError):
        pass
    if offset == size:
        return found
    needle = marker.encode("utf-8")
    with log_file.open("rb") as handle:
        handle.seek(offset)
        data = handle.read(size - offset)
    end = data.rfind(b"\n") + 1  # a line still being written is read next time
    for line in data[:end].split(b"\n"):
        if needle in line:
            try:
                entry = json.loads(line)
            except ValueError:
                continue
            if isinstance(entry, dict):
                found.append(entry)
    offset += end
    with log_file.open("rb") as handle:
        start = max(0, offset - 4096)
        handle.seek(start)
        tail = hashlib.sha256(handle.read(offset - start)).hexdigest()
    try:
        cache.parent.mkdir(parents=True, exist_ok=True)
        tmp = cache.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(json.dumps({"marker": marker, "offset": offset, "tail": tail, "entries": found},
                                  ensure_ascii=False), encoding="utf-8")
        tmp.replace(cache)
    except OSError:
        pass  # a reader without write access reads the whole log each time, correctly
    return found
