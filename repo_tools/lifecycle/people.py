"""People over their whole life (Art. 7, 12, 14): roles change, people move between units and
leave. Records are never deleted: a removed person's record stays in the registry (status
`removed`, every certificate revoked with its time and reason), so an id is never given to
someone else and everything the person signed is still judged against who they were then."""
from __future__ import annotations

from typing import Any

from repo_tools import timeutil
from repo_tools.city import AUTHORITY, City
from repo_tools.lifecycle.units import active_unit
from repo_tools.messages import Refused, say
from repo_tools.registry.applications import Application, approved_files, approvers_of, new_id
from repo_tools.registry.records import ROLES, Person, Registry, Unit, dump


def _person(reg: Registry, user: str) -> Person:
    person = reg.person(user)
    if person is None:
        raise Refused("not-found", what=say("lifecycle.people._person.1"), name=user, remedy=say("lifecycle.people._person.2"))
    if person.status == "removed":
        raise Refused("user-removed-final", user=user, removed_at=person.removed_at or say("lifecycle.people._person.3"))
    return person


def _unit(reg: Registry, unit_id: str) -> Unit:
    return active_unit(reg, unit_id, remedy=say("lifecycle.people._unit.1"))


def require_manager(reg: Registry, actor: str, unit_id: str, detail: str) -> None:
    """Art. 6, 12: the e-gov office manages every unit; a unit admin only their own."""
    if actor == AUTHORITY or reg.is_egov_admin(actor):
        return
    if reg.is_unit_admin(actor, unit_id):
        return
    person = reg.person(actor)
    if person is not None and reg.is_unit_admin(actor):
        own = reg.unit(person.unit)
        raise Refused("registry-scope", user=actor, unit=own.name if own else person.unit, detail=detail)
    raise Refused("role-required", user=actor, role=say("lifecycle.people.require_manager.1"), action=detail)


def _check_roles(roles: list[str]) -> None:
    bad = [r for r in roles if r not in ROLES]
    if bad or not roles:
        raise Refused("usage", detail=say("lifecycle.people._check_roles.1",
                                          value='、'.join(bad) or say("lifecycle.people._check_roles.3")), remedy=say("lifecycle.people._check_roles.2",
                                                                                      value_join='、'.join(ROLES)))


def _custodian_of(reg: Registry, user: str, unit_id: str) -> str | None:
    seal = reg.active_seal(unit_id)
    return seal.id if seal is not None and seal.custodian == user else None


def _history(person: Person, change: str, actor: str, **extra: Any) -> None:
    person.history.append({"at": timeutil.iso(timeutil.now()), "change": change, "unit": person.unit,
                           "roles": list(person.roles), "by": actor, **extra})


def set_roles(city: City, actor: str, user: str, roles: list[str]) -> Person:
    """Give a person exactly `roles` (Art. 12). Unit admins do this for their own unit; making
    or unmaking a unit's system admin is the e-gov office's (Art. 6(5))."""
    reg = city.registry()
    person = _person(reg, user)
    _check_roles(roles)
    require_manager(reg, actor, person.unit, say("lifecycle.people.set_roles.1", user=user))
    unit = _unit(reg, person.unit)
    changes: dict[str, bytes | None] = {}
    was_admin, is_admin = "admin" in person.roles, "admin" in roles
    if was_admin != is_admin:
        if not reg.is_egov_admin(actor) and actor != AUTHORITY:
            raise Refused("registry-scope", user=actor, unit=unit.name,
                          detail=say("lifecycle.people.set_roles.2"))
        if is_admin and len([a for a in unit.admins if a != user and reg.person(a)
                             and reg.person(a).status == "active"]) >= 2:  # type: ignore[union-attr]
            raise Refused("usage", detail=say("lifecycle.people.set_roles.3", id=unit.id),
                          remedy=say("lifecycle.people.set_roles.4"))
        unit.admins = [*[a for a in unit.admins if a != user], *([user] if is_admin else [])]
        changes[f"units/{unit.id}.yaml"] = dump(unit)
    if "seal-custodian" in person.roles and "seal-custodian" not in roles:
        seal = _custodian_of(reg, user, unit.id)
        if seal:
            raise Refused("unit-state", unit=unit.name, detail=say("lifecycle.people.set_roles.5",
                                                                   user=user, seal=seal),
                          remedy=say("lifecycle.people.set_roles.6",
                                     id=unit.id))
    old = list(person.roles)
    person.roles = list(dict.fromkeys(roles))
    _history(person, "roles", actor, previous_roles=old)
    changes[f"people/{user}.yaml"] = dump(person)
    city.change_registry(actor, changes, say("lifecycle.people.set_roles.7",
                                             user=user, name=person.name, value_join='、'.join(old),
                                             value_join2='、'.join(person.roles), actor=actor))
    city.log("person", action="set-roles", user=user, unit=unit.id, roles=person.roles, previous=old, by=actor)
    return person


def move(city: City, actor: str, user: str, to_unit: str, roles: list[str] | None = None) -> Person:
    """Move a person to another unit (the e-gov office: it touches two units). Their key stays
    theirs; what they signed before is judged as a member of the old unit (registry history)."""
    reg = city.registry()
    person = _person(reg, user)
    if not reg.is_egov_admin(actor) and actor != AUTHORITY:
        require_manager(reg, actor, "", say("lifecycle.people.move.1", user=user))
    old_unit, new_unit = _unit(reg, person.unit), _unit(reg, to_unit)
    if old_unit.id == new_unit.id:
        raise Refused("usage", detail=say("lifecycle.people.move.2",
                                          user=user, name=new_unit.name), remedy=say("lifecycle.people.move.3"))
    seal = _custodian_of(reg, user, old_unit.id)
    if seal:
        raise Refused("unit-state", unit=old_unit.name, detail=say("lifecycle.people.move.4",
                                                                   user=user, seal=seal),
                      remedy=say("lifecycle.people.move.5",
                                 id=old_unit.id))
    new_roles = [r for r in (roles if roles else person.roles) if r != "admin" or roles]
    _check_roles(new_roles)
    changes: dict[str, bytes | None] = {}
    if user in old_unit.admins or old_unit.leader == user:
        old_unit.admins = [a for a in old_unit.admins if a != user]
        old_unit.leader = None if old_unit.leader == user else old_unit.leader
        changes[f"units/{old_unit.id}.yaml"] = dump(old_unit)
    if "admin" in new_roles:
        new_unit.admins = [*new_unit.admins, user]
        changes[f"units/{new_unit.id}.yaml"] = dump(new_unit)
    person.unit, person.roles = new_unit.id, new_roles
    _history(person, "move", actor, previous_unit=old_unit.id)
    changes[f"people/{user}.yaml"] = dump(person)
    city.change_registry(actor, changes, say("lifecycle.people.move.6",
                                             user=user, name=person.name, name2=old_unit.name, name3=new_unit.name,
                                             value_join='、'.join(new_roles), actor=actor))
    city.log("person", action="move", user=user, previous_unit=old_unit.id, unit=new_unit.id,
             roles=new_roles, by=actor)
    return person


def remove(city: City, actor: str, user: str, reason: str = "left", approved_by: str | None = None) -> Person:
    """Remove a person for good: every live certificate revoked now (on an application their
    unit's leader or admin approves), status `removed`, the record and its history kept."""
    reg = city.registry()
    person = _person(reg, user)
    require_manager(reg, actor, person.unit, say("lifecycle.people.remove.1", user=user))
    unit = reg.unit(person.unit)
    assert unit is not None
    if "admin" in person.roles and not reg.is_egov_admin(actor) and actor != AUTHORITY:
        raise Refused("registry-scope", user=actor, unit=unit.name, detail=say("lifecycle.people.remove.2"))
    seal = _custodian_of(reg, user, unit.id)
    if seal:
        raise Refused("unit-state", unit=unit.name, detail=say("lifecycle.people.remove.3",
                                                               user=user, seal=seal),
                      remedy=say("lifecycle.people.remove.4",
                                 id=unit.id))
    approver = approved_by or (actor if actor in approvers_of(reg, unit.id) and actor != user else None)
    if approver is None:
        raise Refused("approval-missing", path=f"people/{user}.yaml")
    now = timeutil.iso(timeutil.now())
    live = [k for k in person.keys if k.revoked_at is None]
    app = Application(id=new_id("cert-revoke", user), action="cert-revoke", subject=user, unit=unit.id,
                      path=f"people/{user}.yaml", fingerprints=[k.fingerprint for k in live], reason=reason,
                      approver=approver, executed_by=actor, created_at=now, details={"remove": True})
    for key in live:
        key.revoked_at, key.reason = now, reason
        key.approved_by = [*key.approved_by, approver]
    person.status, person.removed_at = "removed", now
    _history(person, "removed", actor, reason=reason)
    changes: dict[str, bytes | None] = {f"people/{user}.yaml": dump(person)}
    if live:
        changes.update(approved_files(city, reg, app))
    if unit.leader == user or user in unit.admins:
        unit.leader = None if unit.leader == user else unit.leader
        unit.admins = [a for a in unit.admins if a != user]
        changes[f"units/{unit.id}.yaml"] = dump(unit)
    city.change_registry(actor, changes, say("lifecycle.people.remove.5",
                                             user=user, name=person.name, reason=reason,
                                             value='、'.join(k.fingerprint[:16] for k in live) or say("lifecycle.people.remove.6"), approver=approver,
                                             actor=actor))
    city.log("person", action="remove", user=user, unit=unit.id, reason=reason, by=actor, approved_by=approver,
             keys=[k.fingerprint for k in live])
    return person
