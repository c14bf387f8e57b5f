"""Registry rule: certificates and seals change only on an approved written application
(Art. 19, 22, 25), seal destruction needs all three parties' signatures (Art. 20), and the
history of keys is append-only: a validity window once registered never moves, so a signature
judged invalid can never later be judged valid."""
from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import yaml

from repo_tools.git.push import Push
from repo_tools.hook.rules.base import Refusal, refusal
from repo_tools.identity import keys
from repo_tools.identity.judgement import may_sign
from repo_tools.messages import say
from repo_tools.registry.applications import (
    SIGNATURE_NAME,
    Application,
    approvers_of,
    from_bytes,
    signature_path,
)
from repo_tools.registry.records import KeyRecord, Seal, person_from_dict, seal_from_dict
from repo_tools.seal.seals import destruction_complete, destruction_id, government_office, witness_party


def _blob_at(push: Push, commit: str, path: str) -> bytes | None:
    got = push.reader.read(f"{commit}:{path}")
    return got[2] if got and got[1] == "blob" else None


def _key_history(path: str, old: KeyRecord, new: KeyRecord | None) -> Iterator[Refusal]:
    if new is None:
        yield refusal("key-history", path, path=path, detail=say("hook.rules_lifecycle._key_history.1",
                                                                 fingerprint=old.fingerprint))
        return
    if new.valid_from != old.valid_from:
        yield refusal("key-history", path, path=path, detail=say("hook.rules_lifecycle._key_history.2",
                                                                 fingerprint=old.fingerprint))
    if old.revoked_at and (new.revoked_at != old.revoked_at or new.compromised_since != old.compromised_since):
        yield refusal("key-history", path, path=path, detail=say("hook.rules_lifecycle._key_history.3",
                                                                 fingerprint=old.fingerprint))


def _signature_ok(push: Push, commit: str, app: Application, signer: str, data: bytes
                  ) -> tuple[bool, str]:
    """Whether `signer` signed the record with a key registered to them and valid now."""
    sig = _blob_at(push, commit, signature_path(app.id, signer))
    if sig is None:
        return False, say("hook.rules_lifecycle._signature_ok.1",
                          signer=signer, signature_path_id=signature_path(app.id, signer))
    got = keys.verify_detached(push.city.server_gnupg, data, sig)
    if not got.valid or got.fingerprint is None:
        return False, say("hook.rules_lifecycle._signature_ok.2", signer=signer, status=got.status)
    holder = push.registry.key_holder(got.fingerprint)
    if holder is None or holder.kind != "person" or holder.id != signer:
        return False, say("hook.rules_lifecycle._signature_ok.3",
                          fingerprint=got.fingerprint, signer=signer)
    person = push.registry.person(signer)
    if person is None or person.status != "active":
        return False, say("hook.rules_lifecycle._signature_ok.4", signer=signer)
    # The one judgement at push time; an application is signed for whichever unit it concerns.
    if not may_sign(push.registry, holder, person.unit, push.now, at_push=True):
        return False, say("hook.rules_lifecycle._signature_ok.5", signer=signer, fingerprint=got.fingerprint)
    return True, ""


def _applications(push: Push, commit: str, added: list[str]) -> list[tuple[Application, bytes]]:
    apps = []
    for path in added:
        if path.startswith("requests/") and path.endswith(".yaml"):
            data = _blob_at(push, commit, path)
            if data is None:
                continue
            try:
                apps.append((from_bytes(data), data))
            except Exception:  # noqa: BLE001 - reported by records_valid
                continue
    return apps


def _approved(push: Push, commit: str, path: str, changed: set[str], apps: list[tuple[Application, bytes]],
              prefix: str, unit: str, subject_person: str | None) -> Iterator[Refusal]:
    """One application in this commit covers the change and carries a valid leader's approval."""
    covering = [(a, d) for a, d in apps if a.path == path and a.action.startswith(prefix)
                and changed <= {f.upper() for f in a.fingerprints}]
    # A unit's deregistration or merger (Art. 9) revokes its seals and its people's certificates
    # under one application; who may approve it is checked by `policy.units`.
    covering += [(a, d) for a, d in apps if a.action.startswith("unit-")
                 and path in (a.details or {}).get("covers", [])
                 and changed <= {f.upper() for f in a.fingerprints}]
    if not covering:
        yield refusal("approval-missing", path, path=path)
        return
    app, data = covering[0]
    if not app.approver:
        yield refusal("approval-missing", path, path=path)
        return
    if app.action.startswith("unit-"):
        details = app.details or {}
        involved = {*details.get("merged", []), details.get("new"), details.get("into")} - {None}             if app.action == "unit-merge" else {app.unit}
        if unit not in involved:  # a unit's application revokes only its own seals and people
            yield refusal("approval-not-leader", path, approver=app.approver, unit=unit, request=app.id)
            return
        ok, why = _signature_ok(push, commit, app, app.approver, data)
        if not ok:
            yield refusal("approval-invalid", path, request=app.id, detail=why)
        return
    if app.unit != unit:
        yield refusal("approval-not-leader", path, approver=app.approver, unit=unit, request=app.id)
        return
    if subject_person is not None and app.approver == subject_person:
        yield refusal("approval-self", path, approver=app.approver, request=app.id)
        return
    if app.approver not in approvers_of(push.registry, unit):
        unit_rec = push.registry.unit(unit)
        yield refusal("approval-not-leader", path, approver=app.approver,
                      unit=unit_rec.name if unit_rec else unit, request=app.id)
        return
    ok, why = _signature_ok(push, commit, app, app.approver, data)
    if not ok:
        yield refusal("approval-invalid", path, request=app.id, detail=why)


def _person_change(push: Push, commit: str, path: str, old: bytes, new: bytes,
                   apps: list[tuple[Application, bytes]]) -> Iterator[Refusal]:
    before, after = person_from_dict(yaml.safe_load(old)), person_from_dict(yaml.safe_load(new))
    new_keys = {k.fingerprint.upper(): k for k in after.keys}
    changed: set[str] = set()
    for key in before.keys:
        fpr = key.fingerprint.upper()
        yield from _key_history(path, key, new_keys.get(fpr))
        if fpr in new_keys and key.revoked_at is None and new_keys[fpr].revoked_at is not None:
            changed.add(fpr)
    changed |= set(new_keys) - {k.fingerprint.upper() for k in before.keys}
    if changed:
        yield from _approved(push, commit, path, changed, apps, "cert-", after.unit, after.id)


def _seal_change(push: Push, commit: str, path: str, old: bytes, new: bytes,
                 apps: list[tuple[Application, bytes]]) -> Iterator[Refusal]:
    before = [seal_from_dict(s) for s in (yaml.safe_load(old) or {}).get("seals", [])]
    after = [seal_from_dict(s) for s in (yaml.safe_load(new) or {}).get("seals", [])]
    by_id = {s.id: s for s in after}
    unit = path[len("seals/"):-len(".yaml")]
    changed: set[str] = set()
    for seal in before:
        now_seal = by_id.get(seal.id)
        yield from _key_history(path, seal.key, now_seal.key if now_seal else None)
        if now_seal is None:
            continue
        if seal.status != "active" and now_seal.status == "active" or \
                seal.status == "destroyed" and now_seal.status != "destroyed":
            yield refusal("key-history", path, path=path, detail=say("hook.rules_lifecycle._seal_change.1",
                                                                     id=seal.id, status=now_seal.status))
        if seal.key.revoked_at is None and now_seal.key.revoked_at is not None \
                and now_seal.status != "destroyed" or seal.custodian != now_seal.custodian:
            changed.add(seal.key.fingerprint.upper())
        if seal.status == "active" and now_seal.status == "revoked":
            changed.add(seal.key.fingerprint.upper())
        if now_seal.destruction_witnesses != seal.destruction_witnesses or now_seal.status == "destroyed" \
                and seal.status != "destroyed":
            yield from _destruction(push, commit, path, seal, now_seal)
    old_ids = {s.id for s in before}
    changed |= {s.key.fingerprint.upper() for s in after if s.id not in old_ids}
    active = [s for s in after if s.status == "active"]
    if len(active) > 1:
        yield refusal("seal-one-active", path, unit=unit, count=len(active))
    if changed:
        yield from _approved(push, commit, path, changed, apps, "seal-", unit, None)


def _destruction(push: Push, commit: str, path: str, old: Seal, new: Seal) -> Iterator[Refusal]:
    """Witnesses only ever grow, each one newly added signed the record, and 'destroyed'
    appears only with all three parties."""
    if new.destruction_witnesses[:len(old.destruction_witnesses)] != old.destruction_witnesses:
        yield refusal("key-history", path, path=path, detail=say("hook.rules_lifecycle._destruction.1", id=new.id))
        return
    app_id = destruction_id(new.id)
    data = _blob_at(push, commit, f"requests/{app_id}.yaml")
    if data is None:
        yield refusal("destruction-witness", path, seal=new.id, detail=say("hook.rules_lifecycle._destruction.2",
                                                                           app_id=app_id))
        return
    office = government_office(push.city)
    app = from_bytes(data)
    for witness in new.destruction_witnesses[len(old.destruction_witnesses):]:
        if not witness_party(push.registry, new, witness, office):
            yield refusal("destruction-witness", path, seal=new.id, detail=say("hook.rules_lifecycle._destruction.3",
                                                                               witness=witness))
            continue
        ok, why = _signature_ok(push, commit, app, witness, data)
        if not ok:
            yield refusal("destruction-witness", path, seal=new.id, detail=why)
    if new.status == "destroyed" and not destruction_complete(push.registry, new, new.destruction_witnesses, office):
        yield refusal("destruction-witness", path, seal=new.id,
                      detail=say("hook.rules_lifecycle._destruction.4",
                                 value='、'.join(new.destruction_witnesses) or say("hook.rules_lifecycle._destruction.5")))


def lifecycle_approved(push: Push) -> Iterator[Refusal]:
    by_commit: dict[str, list[Any]] = {}
    for changed in push.changed_files:
        by_commit.setdefault(changed.commit, []).append(changed)
    for commit in push.new_commits:
        files = by_commit.get(commit.oid, [])
        added = [f.path for f in files if f.status.startswith("A")]
        apps = _applications(push, commit.oid, added)
        for changed in files:
            path = changed.path
            if not path.startswith(("people/", "seals/")) or not path.endswith(".yaml"):
                if path.startswith("requests/") and path.endswith(".asc") and changed.blob \
                        and not SIGNATURE_NAME.match(path):
                    yield refusal("registry-invalid", path, path=path, detail=say("hook.rules_lifecycle.lifecycle_approved.1"))
                continue
            parent = commit.parents[0] if commit.parents else None
            old = _blob_at(push, parent, path) if parent else None
            if old is None:
                continue  # a first registration: the e-gov office registers people and units
            if changed.blob is None:
                yield refusal("key-history", path, path=path, detail=say("hook.rules_lifecycle.lifecycle_approved.2"))
                continue
            new = push.blob(changed.blob)
            try:
                if path.startswith("people/"):
                    yield from _person_change(push, commit.oid, path, old, new, apps)
                else:
                    yield from _seal_change(push, commit.oid, path, old, new, apps)
            except (TypeError, KeyError, ValueError, yaml.YAMLError):
                continue  # malformed records are refused by records_valid


__all__ = ["lifecycle_approved"]
