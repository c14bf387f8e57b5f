"""委托 (delegation): a unit's leader hands the 签发 authority to a person of the unit for a
period. The grant is a tag signed by the leader in the unit's own repository (so it is logged,
timestamped and verifiable like every step), never rewritten:

    refs/delegations/<id>           the grant: `delegate`, an opinion line, `To:`, `From:`, `Until:`
    refs/delegations/revoked/<id>   its revocation, signed by the leader

A 签发 under a 委托 names it (`Delegation: <id>`) and counts when, at the 签发's trusted time,
the grant was already on the server, the day lies within From..Until (CST days, inclusive), and
no revocation had reached the server yet.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from repo_tools.city import City
from repo_tools.git.repo import Scratch, clean_env, parse_tag, rev_parse
from repo_tools.messages import Refused, say
from repo_tools.registry.records import Unit
from repo_tools.workflow.trusted import times_of

if TYPE_CHECKING:
    from repo_tools.review.views import ReviewView

GRANTS = "refs/delegations/"
REVOKED = "refs/delegations/revoked/"
ID = re.compile(r"^\d{8}-[a-z][a-z0-9-]{0,31}$")
FIELD = re.compile(r"^(To|From|Until):[ \t]*(\S+)\s*$", re.M)


@dataclass
class Grant:
    id: str
    tag: str
    leader: str | None           # whose registered key signed the grant
    to: str
    start: date | None
    until: date | None
    revocation: str | None       # tag id of the revocation, if any
    revoked_by: str | None = None


def grant_message(to: str, name: str, start: date, until: date) -> str:
    return (say("workflow.delegation.grant_message.1",
                name=name, to=to, start_isoformat=start.isoformat(), until_isoformat=until.isoformat()))


def parse_grant(message: str) -> tuple[str | None, date | None, date | None]:
    """(to, from, until) of a grant's message; missing or malformed ones are None."""
    if message.split("\n", 1)[0].strip() != "delegate":
        return None, None, None
    fields = dict(FIELD.findall(message))

    def day(key: str) -> date | None:
        try:
            return date.fromisoformat(fields.get(key, ""))
        except ValueError:
            return None
    return fields.get("To"), day("From"), day("Until")


def find(view: ReviewView, ident: str) -> Grant | None:
    """The grant `ident` in the unit repository, with its revocation (None when there is none)."""
    if not ID.match(ident):
        return None
    oid = view.ref(f"{GRANTS}{ident}")
    got = view.reader.read(oid) if oid else None
    if not got or got[1] != "tag":
        return None
    tag = parse_tag(got[0], got[2])
    to, start, until = parse_grant(tag.message)
    revocation = view.ref(f"{REVOKED}{ident}")
    revoked_by = None
    if revocation:
        got_r = view.reader.read(revocation)
        if got_r and got_r[1] == "tag":
            rtag = parse_tag(got_r[0], got_r[2])
            revoked_by = view.signer_of(rtag.oid, rtag.payload, rtag.signature)
    return Grant(ident, tag.oid, view.signer_of(tag.oid, tag.payload, tag.signature), to or "", start, until,
                 revocation, revoked_by)


def in_force_problem(view: ReviewView, unit: Unit, grant: Grant | None, user: str, moment: datetime,
                     log_file: Path) -> str:
    """Why the grant does not let `user` sign off at `moment` (empty when it does)."""
    if grant is None:
        return say("workflow.delegation.in_force_problem.1")
    if grant.leader is None or grant.leader != unit.leader:
        return say("workflow.delegation.in_force_problem.2", id=grant.id)
    if grant.to != user:
        return say("workflow.delegation.in_force_problem.3", id=grant.id, to=grant.to, user=user)
    if grant.start is None or grant.until is None:
        return say("workflow.delegation.in_force_problem.4", id=grant.id)
    day = moment.date()
    if not grant.start <= day <= grant.until:
        return say("workflow.delegation.in_force_problem.5",
                   day=day, id=grant.id, start=grant.start, until=grant.until)
    times = times_of(log_file, [grant.tag] + ([grant.revocation] if grant.revocation else []))
    granted = times.get(grant.tag, view.now)
    if granted > moment:
        return say("workflow.delegation.in_force_problem.6", id=grant.id)
    if grant.revocation and grant.revoked_by == unit.leader:
        revoked = times.get(grant.revocation, view.now)
        if revoked <= moment:
            return say("workflow.delegation.in_force_problem.7",
                       id=grant.id, revoked_isoformat=revoked.isoformat(timespec='seconds'))
    return ""


def _leader_of(city: City, actor: str) -> Unit:
    reg = city.registry()
    person = reg.person(actor)
    unit = reg.unit(person.unit) if person else None
    if person is None or unit is None or unit.leader != actor:
        raise Refused("delegation-not-leader", user=actor)
    return unit


def delegate(city: City, actor: str, to: str, start: date, until: date) -> str:
    """Sign and push a 委托 from the leader `actor` to `to`; return its id."""
    unit = _leader_of(city, actor)
    reg = city.registry()
    person = reg.person(to)
    if person is None or person.unit != unit.id or person.status != "active" or to == actor:
        raise Refused("delegation-invalid", detail=say("workflow.delegation.delegate.1", to=to))
    if start > until:
        raise Refused("delegation-invalid", detail=say("workflow.delegation.delegate.2", start=start, until=until))
    repo = city.unit_repo(unit.id)
    base = f"{start:%Y%m%d}-{to}"
    ident, k = base, 1
    while rev_parse(repo, f"{GRANTS}{ident}", env=clean_env()):
        k += 1
        ident = f"{base}-{k}"
    target = rev_parse(repo, "refs/heads/main", env=clean_env())
    assert target is not None
    with Scratch(repo, city.signer(actor, reg)) as scratch:
        tag = scratch.tag(f"delegation-{ident}", target, grant_message(to, person.name, start, until))
        scratch.push([f"{tag}:{GRANTS}{ident}"])
    return ident


def revoke(city: City, actor: str, ident: str) -> str:
    """Sign and push the revocation of 委托 `ident`; return the revocation tag id."""
    unit = _leader_of(city, actor)
    repo = city.unit_repo(unit.id)
    if not ID.match(ident) or rev_parse(repo, f"{GRANTS}{ident}", env=clean_env()) is None:
        raise Refused("not-found", what=say("workflow.delegation.revoke.1"), name=ident, remedy=say("workflow.delegation.revoke.2"))
    target = rev_parse(repo, f"{GRANTS}{ident}^{{}}", env=clean_env())
    assert target is not None
    with Scratch(repo, city.signer(actor)) as scratch:
        tag = scratch.tag(f"revoke-{ident}", target, say("workflow.delegation.revoke.3", ident=ident))
        scratch.push([f"{tag}:{REVOKED}{ident}"])
    return tag


def grants(city: City, unit_id: str) -> list[dict]:
    """Every 委托 of a unit with its period and whether it was revoked (for `oa delegate --list`)."""
    from repo_tools.review.views import ReviewView
    rows = []
    with ReviewView.of(city, unit_id) as view:
        for ref in sorted(view.refs(GRANTS)):
            ident = ref[len(GRANTS):]
            if "/" in ident:
                continue
            grant = find(view, ident)
            if grant is None:
                continue
            rows.append({"id": ident, "leader": grant.leader, "to": grant.to,
                         "from": grant.start.isoformat() if grant.start else None,
                         "until": grant.until.isoformat() if grant.until else None,
                         "revoked": grant.revocation is not None})
    return rows


__all__ = ["Grant", "find", "in_force_problem", "delegate", "revoke", "grants", "GRANTS", "REVOKED",
           "grant_message", "parse_grant"]
