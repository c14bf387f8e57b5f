"""Units over their whole life (Art. 9): a change of name, deregistration, merger. Each is asked
for in a written application (`applications`), approved by the unit's leader or admin (a
merger under a new name: by the superior), and executed by an e-gov admin in one signed
registry commit that the registry hook re-checks (`policy.units`).

Deregistration hands the unit's repository over as the unit asked: to a named unit or to the
archives. The repository stays where it is and read-only (the unit hook refuses every push);
the handover is a git bundle of its whole history in `CITY/handover/`, recorded in the event
log with its SHA-256, and the registry names the holder (`archives_to`), from which read
access is granted (`repository_readers`)."""
from __future__ import annotations

import hashlib
from pathlib import Path

from repo_tools import timeutil
from repo_tools.city import City, _first_unit_commit, _install_hooks, _new_bare, _validate_id
from repo_tools.git.repo import clean_env, git
from repo_tools.identity import keys
from repo_tools.messages import Refused, say
from repo_tools.registry.applications import Application, approved_files, approvers_of, new_id
from repo_tools.registry.records import EGOV, KeyRecord, Registry, Seal, Unit, dump, dump_seals
from repo_tools.seal.seals import government_office

ARCHIVES = "archives"


def _require_egov(reg: Registry, actor: str) -> None:
    """Art. 6(4): registering, renaming and deregistering units is the e-gov office's."""
    if not reg.is_egov_admin(actor):
        raise Refused("registry-writer", user=actor)


def active_unit(reg: Registry, unit_id: str, remedy: str = say("lifecycle.units.active_unit.1")) -> Unit:
    """The registered, not deregistered unit `unit_id`; `remedy` says what to do about a deregistered one."""
    unit = reg.unit(unit_id)
    if unit is None:
        raise Refused("not-found", what=say("lifecycle.units.active_unit.2"), name=unit_id, remedy=say("lifecycle.units.active_unit.3"))
    if unit.status != "active":
        raise Refused("unit-state", unit=unit.name, detail=say("lifecycle.units.active_unit.4",
                                                               deregistered_at=unit.deregistered_at), remedy=remedy)
    return unit


def _names(unit: Unit) -> list[dict[str, str]]:
    """The unit's names so far; a unit registered before renames existed starts with its name."""
    if unit.names:
        return [dict(n) for n in unit.names]
    return [{"name": unit.name, "from": (unit.created_at or "")[:10] or "1970-01-01"}]


def rename(city: City, actor: str, unit_id: str, name: str, from_date: str, approved_by: str) -> Unit:
    """Art. 9(1): the unit keeps its id, repository and history; its record gains the new name
    from `from_date`, so the name in force on any date stays known."""
    reg = city.registry()
    _require_egov(reg, actor)
    unit = active_unit(reg, unit_id)
    if unit_id == EGOV:
        raise Refused("unit-state", unit=unit.name, detail=say("lifecycle.units.rename.1"), remedy=say("lifecycle.units.rename.2"))
    try:
        day = timeutil.parse(from_date)
    except ValueError:
        day = None
    if day is None or day > timeutil.now():
        raise Refused("usage", detail=say("lifecycle.units.rename.3", from_date=from_date),
                      remedy=say("lifecycle.units.rename.4"))
    effective = timeutil.iso(day) if "T" in from_date else day.date().isoformat()
    other = reg.unit_by_name(name)
    if other is not None or not name.strip():
        raise Refused("exists", what=say("lifecycle.units.rename.5"), name=name)
    names = _names(unit)
    last = timeutil.parse(names[-1]["from"]) if len(names) > 1 else None
    if last is not None and last > day:
        raise Refused("usage", detail=say("lifecycle.units.rename.6",
                                          from_date=from_date, value=names[-1]['from']),
                      remedy=say("lifecycle.units.rename.7"))
    now = timeutil.iso(timeutil.now())
    app = Application(id=new_id("unit-rename", unit_id), action="unit-rename", subject=unit_id, unit=unit_id,
                      path=f"units/{unit_id}.yaml", fingerprints=[], reason=say("lifecycle.units.rename.8", name=name),
                      approver=approved_by, executed_by=actor, created_at=now,
                      details={"old_name": unit.name, "name": name, "from": effective,
                               "covers": [f"units/{unit_id}.yaml"]})
    old = unit.name
    unit.names = [*names, {"name": name, "from": effective}]
    unit.name = name
    changes = {f"units/{unit_id}.yaml": dump(unit), **approved_files(city, reg, app)}
    city.change_registry(actor, changes, say("lifecycle.units.rename.9",
                                             unit_id=unit_id, old=old, name=name, effective=effective, approved_by=approved_by,
                                             actor=actor, id=app.id))
    city.log("unit", action="rename", unit=unit_id, old_name=old, name=name, effective=effective,
             approved_by=approved_by, by=actor, request=app.id)
    return unit


def _deregistration(reg: Registry, unit: Unit, now: str, archives_to: str, merged_into: str | None
                    ) -> tuple[dict[str, bytes | None], list[str]]:
    """The registry files of one unit's deregistration (Art. 9(2)) and the keys it revokes."""
    revoked: list[str] = []
    changes: dict[str, bytes | None] = {}
    seals = reg.seals.get(unit.id, [])
    touched = False
    for seal in seals:
        if seal.status == "active":
            seal.status = "revoked"
            touched = True
        if seal.key.revoked_at is None and seal.status != "destroyed":
            seal.key.revoked_at, seal.key.reason = now, "deregistered"
            revoked.append(seal.key.fingerprint)
            touched = True
    if touched:
        changes[f"seals/{unit.id}.yaml"] = dump_seals(seals)
    for person in reg.members(unit.id):
        if person.status == "removed":
            continue
        for key in person.keys:
            if key.revoked_at is None:
                key.revoked_at, key.reason = now, "deregistered"
                revoked.append(key.fingerprint)
        person.status, person.removed_at = "removed", now
        person.history.append({"at": now, "change": "unit-deregistered", "unit": unit.id,
                               "roles": list(person.roles), "by": "egov"})
        changes[f"people/{person.id}.yaml"] = dump(person)
    unit.names = _names(unit)
    unit.status, unit.deregistered_at = "deregistered", now
    unit.archives_to, unit.merged_into = archives_to, merged_into
    changes[f"units/{unit.id}.yaml"] = dump(unit)
    return changes, revoked


def _archives_target(reg: Registry, unit_id: str, archives_to: str) -> str:
    if archives_to == ARCHIVES:
        return ARCHIVES
    if archives_to == unit_id:
        raise Refused("usage", detail=say("lifecycle.units._archives_target.1"), remedy=say("lifecycle.units._archives_target.2"))
    active_unit(reg, archives_to)
    return archives_to


def deregister(city: City, actor: str, unit_id: str, archives_to: str, approved_by: str,
               reason: str = "") -> Unit:
    """Art. 9(2): the name goes out of use, seals, certificates and people are deregistered, and
    the repository is handed over as the unit asked (to `archives_to`: a unit id or `archives`)."""
    reg = city.registry()
    _require_egov(reg, actor)
    unit = active_unit(reg, unit_id)
    if unit_id == EGOV:
        raise Refused("unit-state", unit=unit.name, detail=say("lifecycle.units.deregister.1"), remedy=say("lifecycle.units.deregister.2"))
    target = _archives_target(reg, unit_id, archives_to)
    now = timeutil.iso(timeutil.now())
    changes, revoked = _deregistration(reg, unit, now, target, None)
    app = Application(id=new_id("unit-deregister", unit_id), action="unit-deregister", subject=unit_id,
                      unit=unit_id, path=f"units/{unit_id}.yaml", fingerprints=revoked,
                      reason=reason or say("lifecycle.units.deregister.3"), approver=approved_by, executed_by=actor, created_at=now,
                      details={"archives_to": target, "covers": sorted(changes)})
    changes.update(approved_files(city, city.registry(), app))  # approver as registered before the change
    city.change_registry(actor, changes, say("lifecycle.units.deregister.4",
                                             unit_id=unit_id, name=unit.name, target=target, approved_by=approved_by, actor=actor,
                                             id=app.id))
    city.log("unit", action="deregister", unit=unit_id, name=unit.name, archives_to=target,
             revoked=revoked, approved_by=approved_by, by=actor, request=app.id)
    hand_over(city, unit_id, target)
    return unit


def hand_over(city: City, unit_id: str, target: str) -> Path:
    """A bundle of the deregistered unit's whole history for its holder, logged with its digest."""
    folder = city.root / "handover"
    folder.mkdir(exist_ok=True)
    bundle = folder / f"{unit_id}.bundle"
    git("bundle", "create", "-q", str(bundle), "--all", cwd=city.unit_repo(unit_id), env=clean_env())
    digest = hashlib.sha256(bundle.read_bytes()).hexdigest()
    city.log("unit-handover", unit=unit_id, to=target, bundle=str(bundle.relative_to(city.root)), sha256=digest)
    return bundle


def repository_readers(reg: Registry, unit_id: str) -> list[str]:
    """Units whose members may read a unit's repository: the unit itself while active; after
    deregistration the unit that received its archives (and `archives` for the archives)."""
    unit = reg.unit(unit_id)
    if unit is None:
        return []
    if unit.status == "active":
        return [unit_id]
    holder = unit.archives_to or ARCHIVES
    while holder != ARCHIVES and reg.unit(holder) is not None and reg.unit(holder).status != "active":  # type: ignore[union-attr]
        holder = reg.unit(holder).archives_to or ARCHIVES  # type: ignore[union-attr]
    return [holder]


def superior_units(city: City, reg: Registry, merging: list[str]) -> list[str]:
    """Who may approve a merger under a new name (Art. 9(3)): the superior named in the merging
    units' records, or else the municipal government office."""
    named = {reg.units[u].superior for u in merging if u in reg.units and reg.units[u].superior}
    found = sorted(s for s in named if s) or [government_office(city)]
    return [s for s in found if s not in merging]


def merge(city: City, actor: str, units: list[str], approved_by: str, into: str | None = None,
          new_id_: str | None = None, new_name: str | None = None, codes: list[str] | None = None,
          level: str = "department") -> Unit:
    """Art. 9(3): `into` keeps its name and the others are deregistered into it; or a new unit
    `new_id_` is registered under `new_name` (approved by the superior) and all are deregistered."""
    reg = city.registry()
    _require_egov(reg, actor)
    merging = list(dict.fromkeys(units))
    for unit_id in merging:
        active_unit(reg, unit_id)
    if EGOV in merging:
        raise Refused("unit-state", unit=EGOV, detail=say("lifecycle.units.merge.1"), remedy=say("lifecycle.units.merge.2"))
    if (into is None) == (new_id_ is None):
        raise Refused("usage", detail=say("lifecycle.units.merge.3"),
                      remedy=say("lifecycle.units.merge.4"))
    now = timeutil.iso(timeutil.now())
    changes: dict[str, bytes | None] = {}
    revoked: list[str] = []
    if into is not None:
        if into not in merging or len(merging) < 2:
            raise Refused("usage", detail=say("lifecycle.units.merge.5", into=into),
                          remedy=say("lifecycle.units.merge.6"))
        survivor = reg.units[into]
        approvers_unit = into
        details: dict[str, object] = {"into": into, "merged": merging}
    else:
        assert new_id_ is not None
        _validate_id(say("lifecycle.units.merge.7"), new_id_)
        if new_id_ in reg.units:
            raise Refused("exists", what=say("lifecycle.units.merge.7"), name=new_id_)
        if not new_name or reg.unit_by_name(new_name) is not None:
            raise Refused("exists" if new_name else "usage", what=say("lifecycle.units.merge.8"), name=new_name or "",
                          detail=say("lifecycle.units.merge.9"), remedy=say("lifecycle.units.merge.10"))
        if not codes:
            raise Refused("usage", detail=say("lifecycle.units.merge.11"), remedy=say("lifecycle.units.merge.12"))
        superiors = superior_units(city, reg, merging)
        approver = reg.person(approved_by)
        if approver is None or approver.unit not in superiors or approved_by not in approvers_of(reg, approver.unit):
            names = "、".join(reg.units[s].name if s in reg.units else s for s in superiors)
            raise Refused("unit-superior-required", name=new_name, superior=names,
                          detail=say("lifecycle.units.merge.13", approved_by=approved_by))
        approvers_unit = approver.unit
        seal_id = f"{new_id_}-1"
        seal_fpr = keys.generate(city.seal_gnupg(seal_id), say("lifecycle.units.merge.14",
                                                               new_name=new_name), f"seal-{new_id_}@oa.local")
        survivor = Unit(id=new_id_, name=new_name, codes=list(codes), level=level, created_at=now,
                        fonds=new_id_.upper()[:4], names=[{"name": new_name, "from": now[:10]}],
                        superior=approvers_unit, merged_from=merging)
        seal = Seal(id=seal_id, unit=new_id_, key=KeyRecord(fingerprint=seal_fpr, valid_from=now,
                                                            approved_by=[approved_by]))
        changes[f"units/{new_id_}.yaml"] = dump(survivor)
        changes[f"seals/{new_id_}.yaml"] = dump_seals([seal])
        changes[f"keys/{seal_fpr}.asc"] = keys.export_public(city.seal_gnupg(seal_id), seal_fpr).encode()
        details = {"new": new_id_, "name": new_name, "merged": merging, "superior": approvers_unit}
    for unit_id in merging:
        if unit_id == into:
            continue
        more, gone = _deregistration(reg, reg.units[unit_id], now, survivor.id, survivor.id)
        changes.update(more)
        revoked += gone
    if into is not None:
        survivor.merged_from = [*survivor.merged_from, *[u for u in merging if u != into]]
        changes[f"units/{into}.yaml"] = dump(survivor)
    covers = sorted(p for p in changes if not p.startswith("keys/"))
    app = Application(id=new_id("unit-merge", survivor.id), action="unit-merge", subject=survivor.id,
                      unit=approvers_unit, path=f"units/{survivor.id}.yaml", fingerprints=revoked,
                      reason=say("lifecycle.units.merge.15",
                                 value_join='、'.join(merging), name=survivor.name), approver=approved_by,
                      executed_by=actor, created_at=now, details={**details, "covers": covers})
    changes.update(approved_files(city, city.registry(), app))  # approver as registered before the change
    city.change_registry(actor, changes, say("lifecycle.units.merge.16",
                                             value_join='、'.join(merging), id=survivor.id, name=survivor.name,
                                             approved_by=approved_by, actor=actor, id2=app.id))
    city.log("unit", action="merge", units=merging, into=survivor.id, name=survivor.name, new=into is None,
             revoked=revoked, approved_by=approved_by, by=actor, request=app.id)
    if into is None:
        repo = city.unit_repo(survivor.id)
        _new_bare(repo)
        _install_hooks(repo, city, "unit", survivor.id)
        _first_unit_commit(city, survivor, actor)
    for unit_id in merging:
        if unit_id != into:
            hand_over(city, unit_id, survivor.id)
    return survivor


def set_settings(city: City, actor: str, unit_id: str, codes: list[str] | None = None,
                 required_approvals: int | None = None) -> Unit:
    """Art. 12: the unit's admin (or the e-gov office) sets its agency codes (机关代字) and how
    many approvals its documents need."""
    from repo_tools.lifecycle.people import require_manager
    reg = city.registry()
    require_manager(reg, actor, unit_id, say("lifecycle.units.set_settings.1", unit_id=unit_id))
    unit = active_unit(reg, unit_id)
    if codes is not None:
        cleaned = [c.strip() for c in codes if c.strip()]
        if not cleaned:
            raise Refused("usage", detail=say("lifecycle.units.set_settings.2"), remedy=say("lifecycle.units.set_settings.3"))
        unit.codes = list(dict.fromkeys(cleaned))
    if required_approvals is not None:
        if required_approvals < 1:
            raise Refused("usage", detail=say("lifecycle.units.set_settings.4"), remedy=say("lifecycle.units.set_settings.5"))
        unit.required_approvals = required_approvals
    city.change_registry(actor, {f"units/{unit_id}.yaml": dump(unit)},
                         say("lifecycle.units.set_settings.6",
                             unit_id=unit_id, value_join='、'.join(unit.codes), required_approvals=unit.required_approvals,
                             actor=actor))
    city.log("unit", action="settings", unit=unit_id, codes=unit.codes,
             required_approvals=unit.required_approvals, by=actor)
    return unit


