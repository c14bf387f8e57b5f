"""Electronic seals over time (电子印章, Art. 17-23): one active seal per unit, kept by a
designated custodian (Art. 21); made, changed and revoked on an application approved by the
unit's leader or admin (Art. 19, 22); destroyed only when a person of the municipal government
office, one of the e-government office and one of the owning unit have each signed the
destruction record (Art. 20)."""
from __future__ import annotations

from itertools import permutations
from typing import Any

import yaml

from repo_tools import timeutil
from repo_tools.city import AUTHORITY, City
from repo_tools.git.repo import ObjectReader, clean_env
from repo_tools.identity import keys
from repo_tools.messages import Refused, say
from repo_tools.registry.applications import (
    Application,
    approved_files,
    check_approver,
    new_id,
    record_path,
    require_executor,
    sign,
    signature_path,
)
from repo_tools.registry.records import EGOV, KeyRecord, Registry, Seal, dump_seals
from repo_tools.seal.vocabulary import REASONS as REASONS

DEFAULT_GOVERNMENT_OFFICE = "lagov"


def government_office(city: City) -> str:
    """The unit id of the municipal government office (市政府办公室), a city setting kept in
    `server/config.yaml` as `government_office` (default: lagov in the sample city)."""
    try:
        config = yaml.safe_load(city.server_config.read_text()) or {}
    except FileNotFoundError:
        config = {}
    return str(config.get("government_office") or DEFAULT_GOVERNMENT_OFFICE)


def set_government_office(city: City, unit_id: str) -> None:
    config = yaml.safe_load(city.server_config.read_text()) or {}
    config["government_office"] = unit_id
    city.server_config.write_text(yaml.safe_dump(config))


def destruction_id(seal_id: str) -> str:
    return f"destroy-{seal_id}"


def destruction_complete(reg: Registry, seal: Seal, witnesses: list[str], office: str) -> bool:
    """True when three distinct witnesses cover the government office, egov and the owning unit."""
    parties = [office, EGOV, seal.unit]
    units = {w: reg.person(w).unit for w in witnesses if reg.person(w) is not None}  # type: ignore[union-attr]
    people = list(units)
    for trio in permutations(people, 3):
        if all(units[p] == party for p, party in zip(trio, parties, strict=True)):
            return True
    return False


def witness_party(reg: Registry, seal: Seal, witness: str, office: str) -> bool:
    person = reg.person(witness)
    return person is not None and person.unit in (office, EGOV, seal.unit)


def _unit_name(reg: Registry, unit_id: str) -> str:
    unit = reg.unit(unit_id)
    if unit is None:
        raise Refused("not-found", what=say("seal.seals._unit_name.1"), name=unit_id, remedy=say("seal.seals._unit_name.2"))
    return unit.name


def _check_custodian(reg: Registry, unit_id: str, custodian: str) -> None:
    person = reg.person(custodian)
    if person is None or person.unit != unit_id or person.status != "active":
        raise Refused("seal-state", seal=unit_id, detail=say("seal.seals._check_custodian.1", custodian=custodian),
                      remedy=say("seal.seals._check_custodian.2"))
    if "seal-custodian" not in person.roles:
        raise Refused("role-required", user=custodian, role=say("seal.seals._check_custodian.3"), action=say("seal.seals._check_custodian.4"))


def _new_seal(city: City, reg: Registry, unit_id: str, custodian: str | None, approver: str, now: str) -> tuple[Seal, str]:
    existing = reg.seals.get(unit_id, [])
    number = max([int(s.id.rsplit("-", 1)[-1]) for s in existing if s.id.rsplit("-", 1)[-1].isdigit()] + [0]) + 1
    seal_id = f"{unit_id}-{number}"
    name = _unit_name(reg, unit_id)
    fpr = keys.generate(city.seal_gnupg(seal_id), say("seal.seals._new_seal.1", name=name), f"seal-{unit_id}@oa.local")
    seal = Seal(id=seal_id, unit=unit_id, custodian=custodian,
                key=KeyRecord(fingerprint=fpr, valid_from=now, approved_by=[approver]))
    return seal, keys.export_public(city.seal_gnupg(seal_id), fpr)


def _commit(city: City, actor: str, reg: Registry, unit_id: str, seals: list[Seal], app: Application,
            extra: dict[str, bytes | None], message: str) -> None:
    changes: dict[str, bytes | None] = {f"seals/{unit_id}.yaml": dump_seals(seals), **extra,
                                        **approved_files(city, reg, app)}
    city.change_registry(actor, changes, say("seal.seals._commit.1",
                                             message=message, approver=app.approver, actor=actor, id=app.id))
    city.log("seal", action=app.action.removeprefix("seal-"), unit=unit_id, fingerprints=app.fingerprints,
             approved_by=app.approver, executed_by=actor, request=app.id, reason=app.reason)


def _application(action: str, unit_id: str, subject: str, reason: str, approver: str, actor: str,
                 now: str) -> Application:
    return Application(id=new_id(action, subject), action=action, subject=subject, unit=unit_id,
                       path=f"seals/{unit_id}.yaml", fingerprints=[], reason=reason, approver=approver,
                       executed_by=actor, created_at=now)


def issue(city: City, actor: str, unit_id: str, custodian: str, approved_by: str) -> Seal:
    """Designate the custodian of the unit's active seal, or issue a new seal when it has none."""
    reg = city.registry()
    require_executor(reg, actor)
    _unit_name(reg, unit_id)
    _check_custodian(reg, unit_id, custodian)
    now = timeutil.iso(timeutil.now())
    seals = reg.seals.get(unit_id, [])
    active = reg.active_seal(unit_id)
    app = _application("seal-issue", unit_id, unit_id, say("seal.seals.issue.1") if active else say("seal.seals.issue.2"),
                       approved_by, actor, now)
    check_approver(reg, app, approved_by)
    extra: dict[str, bytes | None] = {}
    if active is not None:
        if active.custodian:
            raise Refused("seal-state", seal=active.id, detail=say("seal.seals.issue.3",
                                                                   custodian=active.custodian),
                          remedy=say("seal.seals.issue.4"))
        active.custodian = custodian
        app.subject = active.id
        app.fingerprints = [active.key.fingerprint]
        app.details = {"custodian": custodian}
        seal = active
        message = say("seal.seals.issue.5", id=active.id, custodian=custodian)
    else:
        seal, armored = _new_seal(city, reg, unit_id, custodian, approved_by, now)
        seals = [*seals, seal]
        app.subject, app.fingerprints = seal.id, [seal.key.fingerprint]
        extra[f"keys/{seal.key.fingerprint}.asc"] = armored.encode()
        message = say("seal.seals.issue.6", id=seal.id, custodian=custodian)
    _commit(city, actor, reg, unit_id, seals, app, extra, message)
    return seal


def rotate(city: City, actor: str, unit_id: str, reason: str, approved_by: str,
           custodian: str | None = None) -> Seal:
    """Replace the unit's active seal (loss, damage, change of custodian): a new key, and the
    old one revoked at that same moment; earlier seals stay valid."""
    reg = city.registry()
    require_executor(reg, actor)
    active = reg.active_seal(unit_id)
    if active is None:
        raise Refused("seal-state", seal=unit_id, detail=say("seal.seals.rotate.1"),
                      remedy=say("seal.seals.rotate.2"))
    custodian = custodian or active.custodian
    if custodian:
        _check_custodian(reg, unit_id, custodian)
    now = timeutil.iso(timeutil.now())
    app = _application("seal-rotate", unit_id, active.id, reason, approved_by, actor, now)
    check_approver(reg, app, approved_by)
    seals = reg.seals.get(unit_id, [])
    active.status = "revoked"
    active.key.revoked_at, active.key.reason = now, reason
    new, armored = _new_seal(city, reg, unit_id, custodian, approved_by, now)
    app.fingerprints = [active.key.fingerprint, new.key.fingerprint]
    app.details = {"new_seal": new.id, "custodian": custodian}
    _commit(city, actor, reg, unit_id, [*seals, new], app, {f"keys/{new.key.fingerprint}.asc": armored.encode()},
            say("seal.seals.rotate.3",
                id=active.id, reasons_get=REASONS.get(reason, reason), id2=new.id, value=custodian or say("seal.seals.rotate.4")))
    return new


def revoke(city: City, actor: str, unit_id: str, reason: str, approved_by: str) -> Seal:
    """Revoke the unit's active seal now; nothing new can be sealed with it."""
    reg = city.registry()
    require_executor(reg, actor)
    active = reg.active_seal(unit_id)
    if active is None:
        raise Refused("seal-state", seal=unit_id, detail=say("seal.seals.revoke.1"), remedy=say("seal.seals.revoke.2"))
    now = timeutil.iso(timeutil.now())
    app = _application("seal-revoke", unit_id, active.id, reason, approved_by, actor, now)
    app.fingerprints = [active.key.fingerprint]
    check_approver(reg, app, approved_by)
    active.status = "revoked"
    active.key.revoked_at, active.key.reason = now, reason
    _commit(city, actor, reg, unit_id, reg.seals[unit_id], app, {},
            say("seal.seals.revoke.3", id=active.id, reasons_get=REASONS.get(reason, reason)))
    return active


def _pick_for_destruction(reg: Registry, unit_id: str, seal_id: str | None) -> Seal:
    seals = reg.seals.get(unit_id, [])
    if seal_id:
        found = [s for s in seals if s.id == seal_id]
    else:
        found = [s for s in seals if s.status != "destroyed" and s.destruction_witnesses] \
            or [s for s in seals if s.status == "revoked"][-1:] or [s for s in seals if s.status == "active"]
    if not found:
        raise Refused("not-found", what=say("seal.seals._pick_for_destruction.1"), name=seal_id or unit_id, remedy=say("seal.seals._pick_for_destruction.2"))
    return found[0]


def destroy(city: City, witness: str, unit_id: str, seal_id: str | None = None) -> Seal:
    """Add `witness`'s signature to the seal's destruction record; the third party's signature
    completes the destruction (status destroyed, key revoked if it was not yet)."""
    reg = city.registry()
    _unit_name(reg, unit_id)
    seal = _pick_for_destruction(reg, unit_id, seal_id)
    office = government_office(city)
    if seal.status == "destroyed":
        raise Refused("seal-state", seal=seal.id, detail=say("seal.seals.destroy.1"), remedy=say("seal.seals.destroy.2"))
    if not witness_party(reg, seal, witness, office):
        raise Refused("destruction-witness", seal=seal.id,
                      detail=say("seal.seals.destroy.3",
                                 witness=witness, office=office, egov=EGOV, unit_id=unit_id))
    if witness in seal.destruction_witnesses:
        raise Refused("seal-state", seal=seal.id, detail=say("seal.seals.destroy.4", witness=witness),
                      remedy=say("seal.seals.destroy.5"))
    now = timeutil.iso(timeutil.now())
    app_id = destruction_id(seal.id)
    with ObjectReader(city.registry_repo, env=clean_env()) as reader:
        record = reader.blob(f"refs/heads/main:{record_path(app_id)}")
    changes: dict[str, bytes | None] = {}
    if record is None:
        app = Application(id=app_id, action="seal-destroy", subject=seal.id, unit=unit_id,
                          path=f"seals/{unit_id}.yaml", fingerprints=[seal.key.fingerprint],
                          reason=say("seal.seals.destroy.6"), approver=None, executed_by=witness, created_at=now,
                          details={"parties": [office, EGOV, unit_id]})
        record = app.to_bytes()
        changes[record_path(app_id)] = record
    changes[signature_path(app_id, witness)] = sign(city, reg, witness, record).encode()
    seal.destruction_witnesses = [*seal.destruction_witnesses, witness]
    done = destruction_complete(reg, seal, seal.destruction_witnesses, office)
    if done:
        seal.status, seal.destroyed_at = "destroyed", now
        if seal.key.revoked_at is None:
            seal.key.revoked_at, seal.key.reason = now, "destroyed"
    changes[f"seals/{unit_id}.yaml"] = dump_seals(reg.seals[unit_id])
    executor = witness if reg.is_egov_admin(witness) else AUTHORITY
    city.change_registry(executor, changes,
                         say("seal.seals.destroy.7",
                             value=say("seal.seals.destroy.8") if done else say("seal.seals.destroy.9"), id=seal.id, witness=witness,
                             value_join='、'.join(seal.destruction_witnesses)))
    city.log("seal", action="destroy" if done else "destroy-witness", unit=unit_id, seal=seal.id,
             witness=witness, witnesses=seal.destruction_witnesses)
    return seal


def describe(reg: Registry, unit_id: str | None = None) -> list[dict[str, Any]]:
    """Every seal with its state, for `oa seal list`."""
    rows = []
    for uid, seals in reg.seals.items():
        if unit_id and uid != unit_id:
            continue
        for s in seals:
            rows.append({"id": s.id, "unit": uid, "status": s.status, "custodian": s.custodian,
                         "fingerprint": s.key.fingerprint, "valid_from": s.key.valid_from,
                         "revoked_at": s.key.revoked_at, "reason": s.key.reason,
                         "destroyed_at": s.destroyed_at, "witnesses": s.destruction_witnesses})
    return rows
