"""The city's event log (Art. 8, 11, 41-43): one JSON object per line, each carrying the SHA-256
of the previous line, appended under a file lock and flushed to disk, so that any edited,
removed or reordered line is detected by `oa log verify`."""
from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

from filelock import FileLock

from . import timeutil

GENESIS = "0" * 64


def _digest(entry: dict[str, Any]) -> str:
    body = {k: v for k, v in entry.items() if k != "hash"}
    canonical = json.dumps(body, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _last_entry(path: Path) -> dict[str, Any] | None:
    """The last line of the log, read from the end so appending stays O(1) in the log's size."""
    if not path.exists() or path.stat().st_size == 0:
        return None
    with path.open("rb") as handle:
        handle.seek(0, os.SEEK_END)
        end = handle.tell()
        block = 4096
        data = b""
        pos = end
        while pos > 0:
            step = min(block, pos)
            pos -= step
            handle.seek(pos)
            data = handle.read(step) + data
            if data.rstrip(b"\n").count(b"\n") >= 1:
                break
        line = data.rstrip(b"\n").split(b"\n")[-1]
    return json.loads(line)


def append(log_file: Path, event: str, **fields: Any) -> dict[str, Any]:
    """Append one event; its `time` is the server's clock now (the trusted time)."""
    log_file.parent.mkdir(parents=True, exist_ok=True)
    with FileLock(str(log_file) + ".lock"):
        last = _last_entry(log_file)
        entry: dict[str, Any] = {
            "seq": (last["seq"] + 1) if last else 1,
            "time": fields.pop("time", None) or timeutil.iso(timeutil.now()),
            "type": event,
            **fields,
            "prev": last["hash"] if last else GENESIS,
        }
        entry["hash"] = _digest(entry)
        line = json.dumps(entry, ensure_ascii=False, sort_keys=True) + "\n"
        with log_file.open("a", encoding="utf-8") as handle:
            handle.write(line)
            handle.flush()
            os.fsync(handle.fileno())
    return entry


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
    """Every break in the chain: a changed line, a removed or inserted one, a reordering."""
    problems: list[LogProblem] = []
    prev, expected_seq = GENESIS, 1
    if not log_file.exists():
        return [LogProblem(0, "事件日志不存在")]
    with log_file.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            try:
                entry = json.loads(line)
            except json.JSONDecodeError:
                problems.append(LogProblem(number, "该行不是有效的 JSON（日志被改动）"))
                continue
            if entry.get("hash") != _digest(entry):
                problems.append(LogProblem(number, "该行内容与其哈希不符（日志被改动）"))
            if entry.get("prev") != prev:
                problems.append(LogProblem(number, "该行未接续上一行的哈希（有行被删除、插入或调换）"))
            if entry.get("seq") != expected_seq:
                problems.append(LogProblem(number, f"序号应为 {expected_seq}，实为 {entry.get('seq')}"))
            prev = entry.get("hash", "")
            expected_seq = (entry.get("seq") or expected_seq) + 1
    return problems


def trusted_times(log_file: Path, unit: str | None = None) -> dict[str, str]:
    """Object id -> log time of the push that first brought it to the server."""
    times: dict[str, str] = {}
    for entry in read(log_file):
        # A delivery reaches the receiving repository by the service's placement, not a push.
        if entry.get("type") not in ("push", "delivery-placed") or (unit is not None and entry.get("repo") != unit):
            continue
        for oid in entry.get("objects", []):
            times.setdefault(oid, entry["time"])
    return times
