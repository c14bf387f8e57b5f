"""Faults of the system (Art. 44-45) and their clocks.

State lives in the event log and nowhere else: each step (open, respond, resolve, notice) is
one `incident` event, and an incident is the replay of its events. The log is append-only,
witnessed and already where every other step of the city is recorded; the registry is the
wrong place (it is for who may do what, and during a fault it may be what is broken), and a
separate state file could be edited without trace.

The clocks run from `since` (when the fault was reported): a response is due within one hour,
and two hours after `since` an unresolved fault is escalated, which calls for the paper notice
to every unit (`notice`). Status is computed from the clock at the moment of asking (`now`),
which the library takes as a parameter so that tests set times instead of sleeping.
"""
from __future__ import annotations

from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from repo_tools import timeutil
from repo_tools.city import City
from repo_tools.git.atomic import exclusive
from repo_tools.incident.vocabulary import STATUS_NAMES as STATUS_NAMES
from repo_tools.log import eventlog
from repo_tools.messages import Refused, say
from repo_tools.registry.records import EGOV, Registry

RESPOND_WITHIN = timedelta(hours=1)   # Art. 44: 1小时内作出回响
ESCALATE_AFTER = timedelta(hours=2)   # Art. 45: 2小时内仍未排除故障
STATUSES = ("open", "responded", "escalated", "resolved")
EVENT = "incident"


@dataclass
class Incident:
    """One fault, as its events in the log tell it."""
    id: str
    summary: str
    since: datetime
    opened_by: str
    opened_at: datetime
    responded_at: datetime | None = None
    responded_by: str | None = None
    resolved_at: datetime | None = None
    resolved_by: str | None = None
    notices: list[dict[str, Any]] = field(default_factory=list)

    @property
    def respond_by(self) -> datetime:
        return self.since + RESPOND_WITHIN

    @property
    def escalate_at(self) -> datetime:
        return self.since + ESCALATE_AFTER

    def status(self, now: datetime | None = None) -> str:
        """The status at `now`: resolved once resolved; escalated from two hours after `since`
        while unresolved; responded once responded; else open."""
        moment = now or timeutil.now()
        if self.resolved_at is not None and self.resolved_at <= moment:
            return "resolved"
        if moment >= self.escalate_at:
            return "escalated"
        if self.responded_at is not None and self.responded_at <= moment:
            return "responded"
        return "open"

    def as_json(self, now: datetime | None = None) -> dict[str, Any]:
        """The contract's shape (ARCHITECTURE.md, `oa incident list --json`), plus who acted."""
        moment = now or timeutil.now()

        def iso(value: datetime | None) -> str | None:
            return timeutil.iso(value) if value is not None else None
        status = self.status(moment)
        late = (self.responded_at is None and moment >= self.respond_by) or \
            (self.responded_at is not None and self.responded_at > self.respond_by)
        return {"id": self.id, "summary": self.summary, "since": iso(self.since),
                "respond_by": iso(self.respond_by), "escalate_at": iso(self.escalate_at),
                "responded_at": iso(self.responded_at), "resolved_at": iso(self.resolved_at),
                "status": status, "status_name": STATUS_NAMES[status], "response_overdue": late,
                "opened_by": self.opened_by, "responded_by": self.responded_by, "resolved_by": self.resolved_by,
                "notices": list(self.notices)}


def incidents(city: City) -> list[Incident]:
    """Every incident, replayed from the log (oldest first)."""
    found: dict[str, Incident] = {}
    # Read incrementally (only what was appended since the last call): every site build asks.
    for entry in eventlog.entries_matching(city.log_file, f'"type": "{EVENT}"', "incidents"):
        if entry.get("type") != EVENT:
            continue
        ident = str(entry.get("id"))
        at = timeutil.parse(entry.get("at")) or timeutil.parse(entry.get("time"))
        action = entry.get("action")
        if action == "open":
            since = timeutil.parse(entry.get("since")) or at
            assert since is not None and at is not None
            found[ident] = Incident(ident, str(entry.get("summary", "")), since, str(entry.get("by")), at)
            continue
        incident = found.get(ident)
        if incident is None:
            continue
        if action == "respond" and incident.responded_at is None:
            incident.responded_at, incident.responded_by = at, entry.get("by")
        elif action == "resolve" and incident.resolved_at is None:
            incident.resolved_at, incident.resolved_by = at, entry.get("by")
        elif action == "notice":
            incident.notices.append({"at": entry.get("at"), "by": entry.get("by"), "file": entry.get("file"),
                                     "sha256": entry.get("sha256"), "units": entry.get("units", []),
                                     "waiting": entry.get("waiting", 0)})
    return list(found.values())


def find(city: City, ident: str) -> Incident:
    for incident in incidents(city):
        if incident.id == str(ident):
            return incident
    raise Refused("incident-not-found", id=ident)


def _may_report(reg: Registry, actor: str) -> bool:
    """Art. 44: a unit's system admin or the e-gov office reports a fault."""
    person = reg.person(actor)
    return bool(person and person.status == "active" and (person.unit == EGOV or reg.is_unit_admin(actor)))


def _is_office(reg: Registry, actor: str) -> bool:
    """Art. 44-45: the e-gov office responds, resolves and notifies the units."""
    person = reg.person(actor)
    return bool(person and person.status == "active" and person.unit == EGOV)


def _require_office(reg: Registry, actor: str, action: str) -> None:
    if not _is_office(reg, actor):
        raise Refused("incident-role", user=actor, action=action, detail=say("incident.clock._require_office.1"),
                      remedy=say("incident.clock._require_office.2"))


def _lock(city: City) -> AbstractContextManager[None]:
    return exclusive(city.root / "server" / "incident.lock")


def _check_open(reg: Registry, actor: str, summary: str, since: str | datetime | None,
                moment: datetime) -> datetime:
    """Who may report, and a summary and a report time that make sense; returns the start."""
    if not _may_report(reg, actor):
        raise Refused("incident-role", user=actor, action=say("incident.clock.open_incident.1"), detail=say("incident.clock.open_incident.2"),
                      remedy=say("incident.clock.open_incident.3"))
    if not summary.strip():
        raise Refused("usage", detail=say("incident.clock.open_incident.4"), remedy=say("incident.clock.open_incident.5"))
    try:
        start = timeutil.parse(since) if since is not None else moment
    except ValueError:
        start = None
    if start is None or start > moment:
        raise Refused("usage", detail=say("incident.clock.open_incident.6", since=since),
                      remedy=say("incident.clock.open_incident.7"))
    return start


def _step_words(action: str, taken_at: datetime | None = None) -> tuple[str, str, str, str, str]:
    """What is said of the e-gov office's two later steps (respond, resolve): the action's
    name; when it was taken already (detail, remedy); when it would come before the report
    (detail, remedy)."""
    iso = timeutil.iso(taken_at) if taken_at is not None else ""
    if action == "respond":
        return (say("incident.clock.respond.1"), say("incident.clock.respond.4", timeutil_iso=iso),
                say("incident.clock.respond.5"), say("incident.clock.respond.6"), say("incident.clock.respond.7"))
    return (say("incident.clock.resolve.1"), say("incident.clock.resolve.2", timeutil_iso=iso),
            say("incident.clock.resolve.3"), say("incident.clock.resolve.4"), say("incident.clock.resolve.5"))


def _check_step(incident: Incident, action: str, moment: datetime) -> None:
    """May `action` (respond, resolve) be taken on `incident` at `moment`? Raises Refused."""
    if action == "respond" and incident.status(moment) == "resolved":
        raise Refused("incident-state", id=incident.id, detail=say("incident.clock.respond.2"),
                      remedy=say("incident.clock.respond.3"))
    taken = incident.responded_at if action == "respond" else incident.resolved_at
    _name, done, done_remedy, early, early_remedy = _step_words(action, taken)
    if taken is not None:
        raise Refused("incident-state", id=incident.id, detail=done, remedy=done_remedy)
    if moment < incident.since:
        raise Refused("incident-state", id=incident.id, detail=early, remedy=early_remedy)


def open_incident(city: City, actor: str, summary: str, since: str | datetime | None = None,
                  now: datetime | None = None) -> Incident:
    """Report a fault. `since`: when it was reported (default now); the clocks run from it."""
    moment = now or timeutil.now()
    start = _check_open(city.registry(), actor, summary, since, moment)
    if carried_by_push(city):  # from a clone: the service allocates the id and sets the time
        fields: dict[str, Any] = {"action": "open", "summary": summary.strip()}
        if since is not None:
            fields["since"] = timeutil.iso(start)
        ref = _carry(city, actor, fields)
        return _find_by_ref(city, ref)
    with _lock(city):
        ident = str(len(incidents(city)) + 1)
        city.log(EVENT, action="open", id=ident, summary=summary.strip(), since=timeutil.iso(start),
                 at=timeutil.iso(moment), by=actor)
    return find(city, ident)


def respond(city: City, actor: str, ident: str, now: datetime | None = None) -> Incident:
    """The e-gov office's response (Art. 44: within one hour)."""
    return _take_step(city, actor, ident, "respond", now)


def resolve(city: City, actor: str, ident: str, now: datetime | None = None) -> Incident:
    """The fault is cleared; the clocks stop."""
    return _take_step(city, actor, ident, "resolve", now)


def _take_step(city: City, actor: str, ident: str, action: str, now: datetime | None) -> Incident:
    """The office's step on the server (logged here) or from a clone (carried in a push)."""
    moment = now or timeutil.now()
    _require_office(city.registry(), actor, _step_words(action)[0])
    if carried_by_push(city):
        _check_step(find(city, ident), action, moment)
        _carry(city, actor, {"action": action, "id": str(ident)})
        return find(city, ident)
    with _lock(city):
        _check_step(find(city, ident), action, moment)
        city.log(EVENT, action=action, id=ident, at=timeutil.iso(moment), by=actor)
    return find(city, ident)


# From a clone: the step rides a push to the actor's own unit -----------------------------------
INCIDENT_REFS = "refs/incidents/"
CARRIED_FIELDS = {"open": {"action", "summary", "since"}, "respond": {"action", "id"}, "resolve": {"action", "id"}}


def carried_by_push(city: City) -> bool:
    """A clone cannot write the city's log: its steps are carried in a push (`log/carried.py`)."""
    from repo_tools.server.remote import is_remote
    return is_remote(city.root)


def _carry(city: City, actor: str, fields: dict[str, Any]) -> str:
    """Push a signed, empty commit to `refs/incidents/<token>` of the actor's own unit with the
    step in the push certificate; the service checks it (`hook/rules/incidents.py`) and logs it
    with the time of the push. Returns the ref; the clone's copy of the log is brought up to date."""
    import secrets

    from repo_tools.git.repo import Scratch
    from repo_tools.log.carried import carry
    from repo_tools.server.remote import RemoteCity, sync_log
    reg = city.registry()
    person = reg.person(actor)
    assert person is not None  # _check_open / _require_office found them
    repo = city.unit_repo(person.unit)
    if not repo.is_dir():
        repo = city.open_unit_repo(person.unit)
    ref = f"{INCIDENT_REFS}{secrets.token_hex(8)}"
    with Scratch(repo, city.signer(actor, reg)) as scratch:
        commit = scratch.commit({}, say("incident.clock._carry.1", action=fields["action"],
                                        id=fields.get("id", "")), parent=None)
        with carry(EVENT, **fields):
            scratch.push([f"{commit}:{ref}"])
    if isinstance(city, RemoteCity):
        sync_log(city)
    return ref


def _find_by_ref(city: City, ref: str) -> Incident:
    for entry in eventlog.entries_matching(city.log_file, f'"type": "{EVENT}"', "incidents"):
        if entry.get("type") == EVENT and entry.get("action") == "open" and entry.get("ref") == ref:
            return find(city, str(entry.get("id")))
    raise Refused("incident-not-found", id=ref)


def check_carried(city: City, reg: Registry, pusher: str | None, fields: dict[str, Any], moment: datetime) -> None:
    """The service's judgement of a step carried in a push (pre-receive): the same rules as a
    step taken on the server, for the person who signed the push, at the time of the push.
    Raises Refused; the push is then refused whole and nothing is logged."""
    action = str(fields.get("action") or "")
    allowed = CARRIED_FIELDS.get(action)
    if allowed is None or set(fields) - allowed or pusher is None:
        raise Refused("incident-carried", detail=say("incident.clock.check_carried.1",
                                                     fields="、".join(sorted(set(fields) - (allowed or set()))) or action))
    if action == "open":
        since = fields.get("since")
        _check_open(reg, pusher, str(fields.get("summary") or ""), str(since) if since is not None else None, moment)
        return
    _require_office(reg, pusher, _step_words(action)[0])
    _check_step(find(city, str(fields.get("id") or "")), action, moment)


def log_carried(city: City, fields: dict[str, Any], pusher: str | None, ref: str | None, **extra: Any) -> None:
    """The service writes a carried step (post-receive): who is the pusher, the time is the
    log's own (the step's `at`), and a new incident gets the next id, under the incident lock."""
    with _lock(city):
        entry = {**fields, "by": pusher, "ref": ref}
        if fields.get("action") == "open":
            entry["id"] = str(len(incidents(city)) + 1)
            if not fields.get("since"):
                entry["since"] = timeutil.iso(timeutil.now())
        city.log(EVENT, **entry, **extra)


def open_incidents(city: City, now: datetime | None = None) -> list[dict[str, Any]]:
    """Incidents not resolved at `now`, in the JSON shape of `oa incident list --json` (for the
    site's banner and the portal)."""
    moment = now or timeutil.now()
    return [i.as_json(moment) for i in incidents(city) if i.status(moment) != "resolved"]


__all__ = ["Incident", "incidents", "find", "open_incident", "respond", "resolve", "open_incidents",
           "check_carried", "log_carried", "carried_by_push", "INCIDENT_REFS",
           "RESPOND_WITHIN", "ESCALATE_AFTER", "STATUSES", "STATUS_NAMES"]
