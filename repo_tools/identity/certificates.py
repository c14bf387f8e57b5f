"""Digital certificates (数字证书, Art. 24-26): a person's keys over time. Issuing (a first key
or a replacement) and revoking are applied for, approved by the unit's leader or admin, and
executed by an e-government office admin; the registry keeps each key's window of validity,
the reason it ended and who approved, so signatures made before a revocation stay valid."""
from __future__ import annotations

from pathlib import Path

from repo_tools import timeutil
from repo_tools.city import City, person_key
from repo_tools.identity.vocabulary import REASONS as REASONS
from repo_tools.messages import Refused, say
from repo_tools.registry.applications import Application, approved_files, new_id, require_executor
from repo_tools.registry.records import KeyRecord, Person, Registry, dump


def _person(reg: Registry, user: str) -> Person:
    person = reg.person(user)
    if person is None:
        raise Refused("not-found", what=say("identity.certificates._person.1"), name=user, remedy=say("identity.certificates._person.2"))
    return person


def issue(city: City, actor: str, user: str, approved_by: str, key_file: Path | None = None) -> KeyRecord:
    """Issue a certificate: a new key (made in the city unless `key_file` holds the person's
    public key); a key still valid is ended at the same moment with reason 'replaced'."""
    reg = city.registry()
    require_executor(reg, actor)
    person = _person(reg, user)
    now = timeutil.iso(timeutil.now())
    app = Application(id=new_id("cert-issue", user), action="cert-issue", subject=user, unit=person.unit,
                      path=f"people/{user}.yaml", fingerprints=[], reason=say("identity.certificates.issue.1"),
                      approver=approved_by, executed_by=actor, created_at=now)
    from repo_tools.registry.applications import check_approver
    check_approver(reg, app, approved_by)
    fingerprint, armored = person_key(city, user, person.name, person.email or f"{user}@oa.local",
                                      Path(key_file) if key_file is not None else None)
    if reg.key_holder(fingerprint) is not None:
        raise Refused("exists", what=say("identity.certificates.issue.2"), name=fingerprint)
    for old in person.keys:
        if old.revoked_at is None:
            old.revoked_at, old.reason = now, "replaced"
            old.approved_by = [*old.approved_by, approved_by]
            app.fingerprints.append(old.fingerprint)
    record = KeyRecord(fingerprint=fingerprint, valid_from=now, approved_by=[approved_by])
    person.keys.append(record)
    app.fingerprints.append(fingerprint)
    changes: dict[str, bytes | None] = {
        f"people/{user}.yaml": dump(person),
        f"keys/{fingerprint}.asc": armored.encode(),
        **approved_files(city, reg, app),
    }
    city.change_registry(actor, changes,
                         say("identity.certificates.issue.3",
                             user=user, name=person.name, fingerprint=fingerprint, approved_by=approved_by, actor=actor, id=app.id))
    city.log("certificate", action="issue", user=user, fingerprint=fingerprint, approved_by=approved_by,
             executed_by=actor, request=app.id)
    return record


def revoke(city: City, actor: str, user: str, reason: str, approved_by: str,
           compromised_since: str | None = None, fingerprint: str | None = None) -> KeyRecord:
    """Revoke a person's key now. Earlier signatures stay valid, unless the key was compromised
    and `compromised_since` says from when its signatures can no longer be trusted."""
    if reason not in REASONS:
        raise Refused("usage", detail=say("identity.certificates.revoke.1", reason=reason), remedy=say("identity.certificates.revoke.2",
                                                                        value_join='、'.join(REASONS)))
    reg = city.registry()
    require_executor(reg, actor)
    person = _person(reg, user)
    now_dt = timeutil.now()
    candidates = [k for k in person.keys if k.revoked_at is None and
                  (fingerprint is None or k.fingerprint.upper() == fingerprint.upper())]
    if not candidates:
        raise Refused("cert-state", user=user, detail=say("identity.certificates.revoke.3"),
                      remedy=say("identity.certificates.revoke.4"))
    key = candidates[-1]
    since = None
    if compromised_since:
        if reason != "compromised":
            raise Refused("usage", detail=say("identity.certificates.revoke.5"),
                          remedy=say("identity.certificates.revoke.6"))
        moment = timeutil.parse(compromised_since)
        if moment is None or moment > now_dt:
            raise Refused("usage", detail=say("identity.certificates.revoke.7",
                                              compromised_since=compromised_since),
                          remedy=say("identity.certificates.revoke.8"))
        since = timeutil.iso(moment)
    now = timeutil.iso(now_dt)
    app = Application(id=new_id("cert-revoke", user), action="cert-revoke", subject=user, unit=person.unit,
                      path=f"people/{user}.yaml", fingerprints=[key.fingerprint], reason=reason,
                      approver=approved_by, executed_by=actor, created_at=now,
                      details={"compromised_since": since} if since else {})
    key.revoked_at, key.reason, key.compromised_since = now, reason, since
    key.approved_by = [*key.approved_by, approved_by]
    changes = {f"people/{user}.yaml": dump(person), **approved_files(city, reg, app)}
    city.change_registry(actor, changes,
                         say("identity.certificates.revoke.9",
                             user=user, name=person.name, fingerprint=key.fingerprint, reasons=REASONS[reason])
                         + (say("identity.certificates.revoke.10", since=since) if since else "")
                         + say("identity.certificates.revoke.11",
                               approved_by=approved_by, actor=actor, id=app.id))
    city.log("certificate", action="revoke", user=user, fingerprint=key.fingerprint, reason=reason,
             compromised_since=since, approved_by=approved_by, executed_by=actor, request=app.id)
    return key
