"""Faults (Art. 44-45): report, respond within one hour, escalate at two hours to paper.
State is the replay of `incident` events in the event log (see `clock`)."""
from __future__ import annotations

from repo_tools.incident.clock import (
    ESCALATE_AFTER,
    RESPOND_WITHIN,
    STATUS_NAMES,
    STATUSES,
    Incident,
    find,
    incidents,
    open_incident,
    open_incidents,
    resolve,
    respond,
)
from repo_tools.incident.notice import waiting_deliveries, write_notice

__all__ = ["ESCALATE_AFTER", "RESPOND_WITHIN", "STATUS_NAMES", "STATUSES", "Incident", "find", "incidents",
           "open_incident", "open_incidents", "resolve", "respond", "waiting_deliveries", "write_notice"]
