"""Art. 6, 12 delegation: e-gov admins change anything in the registry; a unit's system admin
changes only their own unit: its people (never making or unmaking an admin), their roles and
keys, the unit's agency codes and required approvals. Every other file is out of their reach.

The rule judges each changed file by what it is before and after the commit, so a record
cannot be smuggled into another unit by renaming it, moving a person, or rewriting a key."""
from __future__ import annotations

from collections.abc import Iterator

import yaml

from repo_tools.city import AUTHORITY
from repo_tools.git.push import ChangedFile, Push
from repo_tools.hook.rules.base import Refusal, refusal
from repo_tools.messages import say
from repo_tools.registry.applications import from_bytes
from repo_tools.registry.records import Person, person_from_dict, unit_from_dict

# Fields of its own unit record a unit admin may change (Art. 12: 机关代字, workflow settings).
DELEGATED_UNIT_FIELDS = {"codes", "required_approvals"}


def _old(push: Push, commit: str, path: str) -> bytes | None:
    parents: tuple[str, ...] = next((c.parents for c in push.new_commits if c.oid == commit), ())
    if not parents:
        return None
    got = push.reader.read(f"{parents[0]}:{path}")
    return got[2] if got and got[1] == "blob" else None


def _person(data: bytes | None) -> Person | None:
    if data is None:
        return None
    try:
        return person_from_dict(yaml.safe_load(data.decode("utf-8")))
    except Exception:  # noqa: BLE001 - an unreadable record is out of scope (and invalid)
        return None


def _out_of_scope(push: Push, changed: ChangedFile, own: str, own_keys: set[str],
                  own_requests: set[str]) -> str | None:
    """Why a unit admin of `own` may not make this change, or None when they may."""
    path = changed.path
    old = _old(push, changed.commit, path)
    new = push.blob(changed.blob) if changed.blob else None
    if path.startswith("people/") and path.endswith(".yaml"):
        before, after = _person(old), _person(new)
        if new is None:
            return say("hook.rules_delegation._out_of_scope.1")
        if after is None:
            return say("hook.rules_delegation._out_of_scope.2")
        if after.unit != own or (old is not None and (before is None or before.unit != own)):
            return say("hook.rules_delegation._out_of_scope.3", path=path)
        if ("admin" in (before.roles if before else [])) != ("admin" in after.roles):
            return say("hook.rules_delegation._out_of_scope.4")
        return None
    if path == f"units/{own}.yaml":
        if new is None or old is None:
            return say("hook.rules_delegation._out_of_scope.5")
        try:
            before_u = unit_from_dict(yaml.safe_load(old.decode("utf-8"))).__dict__
            after_u = unit_from_dict(yaml.safe_load(new.decode("utf-8"))).__dict__
        except Exception:  # noqa: BLE001
            return say("hook.rules_delegation._out_of_scope.6")
        touched = sorted(k for k in before_u if before_u[k] != after_u.get(k) and k not in DELEGATED_UNIT_FIELDS)
        if touched:
            return say("hook.rules_delegation._out_of_scope.7",
                       value_join='、'.join(touched))
        return None
    if path.startswith("units/"):
        return say("hook.rules_delegation._out_of_scope.8", path=path)
    if path.startswith("keys/") and path.endswith(".asc"):
        if old is not None or new is None:
            return say("hook.rules_delegation._out_of_scope.9", path=path)
        if path[5:-4].upper() not in own_keys:
            return say("hook.rules_delegation._out_of_scope.10", path=path)
        return None
    if path.startswith("requests/"):
        stem = path[len("requests/"):].split(".", 1)[0]
        if old is None and new is not None and stem in own_requests:
            return None
        return say("hook.rules_delegation._out_of_scope.11", path=path)
    if path.startswith("seals/"):
        return say("hook.rules_delegation._out_of_scope.12")
    return say("hook.rules_delegation._out_of_scope.13", path=path)


def registry_scope(push: Push) -> Iterator[Refusal]:
    """Each admin is held to their own unit; anyone else may not write the registry at all."""
    pusher = push.pusher_id
    if pusher is None or pusher == AUTHORITY or push.registry.is_egov_admin(pusher):
        return
    if not push.registry.is_unit_admin(pusher):
        yield refusal("registry-writer", say("hook.rules_delegation.registry_scope.1"), user=pusher)
        return
    person = push.registry.person(pusher)
    assert person is not None
    own = person.unit
    unit = push.registry.unit(own)
    own_keys: set[str] = set()
    own_requests: set[str] = set()
    for changed in push.changed_files:
        if not changed.blob:
            continue
        if changed.path.startswith("people/"):
            after = _person(push.blob(changed.blob))
            if after is not None and after.unit == own:
                own_keys |= {k.fingerprint.upper() for k in after.keys}
        elif changed.path.startswith("requests/") and changed.path.endswith(".yaml"):
            try:
                app = from_bytes(push.blob(changed.blob))
            except Exception:  # noqa: BLE001 - reported by records_valid
                continue
            if app.unit == own and app.action.startswith("cert-"):
                own_requests.add(app.id)
    for changed in push.changed_files:
        why = _out_of_scope(push, changed, own, own_keys, own_requests)
        if why:
            yield refusal("registry-scope", changed.path, user=pusher, unit=unit.name if unit else own, detail=why)


__all__ = ["registry_scope", "DELEGATED_UNIT_FIELDS"]
