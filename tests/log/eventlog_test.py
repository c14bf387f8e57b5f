"""The event log's incremental reader (`eventlog.entries_matching`), on a real log file."""
from __future__ import annotations

import json
from pathlib import Path

from repo_tools.log import eventlog


def _log(tmp_path: Path) -> Path:
    log_file = tmp_path / "log" / "events.jsonl"
    log_file.parent.mkdir(parents=True)
    log_file.touch()
    return log_file


def test_entries_matching_reads_only_what_was_appended(tmp_path):  # type: ignore[no-untyped-def]
    log_file = _log(tmp_path)
    eventlog.append(log_file, "incident", id="1", action="open")
    eventlog.append(log_file, "push", repo="u1", objects=["a" * 40])
    first = eventlog.entries_matching(log_file, '"type": "incident"', "t")
    assert [e["id"] for e in first] == ["1"]
    view = json.loads((log_file.parent / "store" / "views" / "t.json").read_text(encoding="utf-8"))
    assert view["offset"] == log_file.stat().st_size
    eventlog.append(log_file, "incident", id="1", action="resolve")
    again = eventlog.entries_matching(log_file, '"type": "incident"', "t")
    assert [e["action"] for e in again] == ["open", "resolve"]
    assert again == [e for e in eventlog.read(log_file) if e["type"] == "incident"]


def test_entries_matching_reads_again_a_log_that_does_not_continue(tmp_path):  # type: ignore[no-untyped-def]
    """A cached view never hides what the log says: another file at that path (restored, replaced)
    is read from its start, and a text in a field that looks like the marker is not a match."""
    log_file = _log(tmp_path)
    eventlog.append(log_file, "incident", id="1", action="open")
    eventlog.append(log_file, "note", text='"type": "incident"')
    assert [e["id"] for e in eventlog.entries_matching(log_file, '"type": "incident"', "t")] == ["1"]
    other = tmp_path / "other" / "log" / "events.jsonl"
    other.parent.mkdir(parents=True)
    other.touch()
    eventlog.append(other, "incident", id="9", action="open")
    eventlog.append(other, "incident", id="10", action="open")
    log_file.write_bytes(other.read_bytes())
    assert [e["id"] for e in eventlog.entries_matching(log_file, '"type": "incident"', "t")] == ["9", "10"]
