"""Units and people over their whole life, as the hooks hold them (Art. 7, 9):

- registry: a user id is never reused, a removed person's record is final and carries no live
  key, a record's id matches its file, a unit's names only grow, a deregistered unit's record is
  final, and a change of name, a deregistration or a merger carries its written application,
  approved by the unit's leader or admin (a merger under a new name: by the superior);
- unit repositories: a deregistered unit's repository takes no push at all (read-only).
"""
from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import yaml

from repo_tools.git.push import Push
from repo_tools.git.repo import git
from repo_tools.hook.rules.base import Refusal, refusal
from repo_tools.hook.rules.lifecycle import _signature_ok
from repo_tools.messages import say
from repo_tools.registry.applications import Application, approvers_of, from_bytes
from repo_tools.registry.records import Unit, person_from_dict, unit_from_dict


def _parent(push: Push, commit: str) -> str | None:
    parents = next((c.parents for c in push.new_commits if c.oid == commit), ())
    return parents[0] if parents else None


def _blob_at(push: Push, rev: str | None, path: str) -> bytes | None:
    if rev is None:
        return None
    got = push.reader.read(f"{rev}:{path}")
    return got[2] if got and got[1] == "blob" else None


def _ever_existed(push: Push, path: str) -> str | None:
    """The last commit of the registry's history that held `path`, if any."""
    out = git("log", "-1", "--format=%H", "refs/heads/main", "--", path, cwd=push.repo, env=push.env,
              check=False).strip()
    return out or None


def _load(data: bytes | None) -> dict[str, Any] | None:
    if data is None:
        return None
    try:
        value = yaml.safe_load(data.decode("utf-8"))
    except Exception:  # noqa: BLE001 - records_valid reports it
        return None
    return value if isinstance(value, dict) else None


def _applications(push: Push, commit: str) -> list[tuple[Application, bytes]]:
    found = []
    for changed in push.changed_files:
        if changed.commit != commit or not changed.blob or not changed.path.startswith("requests/") \
                or not changed.path.endswith(".yaml"):
            continue
        data = push.blob(changed.blob)
        try:
            app = from_bytes(data)
        except Exception:  # noqa: BLE001 - records_valid reports it
            continue
        if app.action.startswith("unit-"):
            found.append((app, data))
    return found


def _unit_app_problem(push: Push, commit: str, app: Application, data: bytes) -> str | None:
    """Why a unit application is not properly approved, or None."""
    if not app.approver:
        return say("hook.rules_units._unit_app_problem.1")
    reg = push.registry
    new_unit = app.action == "unit-merge" and bool(app.details.get("new"))
    if app.action == "unit-merge" and not new_unit and app.details.get("into") != app.unit:
        return say("hook.rules_units._unit_app_problem.2")
    if not new_unit:
        if app.approver not in approvers_of(reg, app.unit):
            unit = reg.unit(app.unit)
            return say("hook.rules_units._unit_app_problem.3",
                       approver=app.approver, value=unit.name if unit else app.unit)
    elif app.action == "unit-merge":
        from repo_tools.lifecycle.units import superior_units
        merged = [str(u) for u in app.details.get("merged", [])]
        superiors = superior_units(push.city, reg, merged)
        approver = reg.person(app.approver)
        if approver is None or approver.unit not in superiors or app.unit != approver.unit \
                or app.approver not in approvers_of(reg, approver.unit):
            names = "、".join(reg.units[s].name if s in reg.units else s for s in superiors)
            return f"superior:{names}"
    ok, why = _signature_ok(push, commit, app, app.approver, data)
    return None if ok else why


def _covered(apps: list[tuple[Application, bytes]], path: str, actions: tuple[str, ...]) -> list[Application]:
    return [a for a, _ in apps if a.action in actions and path in (a.details or {}).get("covers", [])]


def _unit_change(push: Push, commit: str, path: str, old: Unit | None, new: Unit,
                 apps: list[tuple[Application, bytes]], bad_apps: dict[str, str]) -> Iterator[Refusal]:
    unit_id = path[len("units/"):-len(".yaml")]
    if new.id != unit_id:
        yield refusal("record-id-path", path, path=path, id=new.id)
        return

    def approved(change: str, actions: tuple[str, ...]) -> Iterator[Refusal]:
        # The application must be about this unit: its own rename or deregistration, or a merger
        # that names it (a new unit only under a merger that registers exactly it).
        covering = [a for a in _covered(apps, path, actions)
                    if (a.action in ("unit-rename", "unit-deregister") and a.unit == unit_id)
                    or (a.action == "unit-merge" and (unit_id in a.details.get("merged", []) if old is not None
                                                      else a.details.get("new") == unit_id))]
        if not covering:
            yield refusal("unit-change-application", path, unit=new.name, change=change, detail=say("hook.rules_units.approved.1"))
            return
        why = bad_apps.get(covering[0].id)
        if why and why.startswith("superior:"):
            yield refusal("unit-superior-required", path, name=new.name, superior=why[len("superior:"):],
                          detail=say("hook.rules_units.approved.2", approver=covering[0].approver))
        elif why:
            yield refusal("unit-change-application", path, unit=new.name, change=change, detail=why)

    if old is None:
        if new.merged_from:
            yield from approved(say("hook.rules_units._unit_change.1"), ("unit-merge",))
        return
    if old.status != "active":
        if new.__dict__ != old.__dict__:
            yield refusal("unit-state", path, unit=old.name, detail=say("hook.rules_units._unit_change.2",
                                                                        deregistered_at=old.deregistered_at),
                          remedy=say("hook.rules_units._unit_change.3"))
        return
    kept = new.names[:len(old.names)] == old.names if old.names else \
        (not new.names or new.names[0].get("name") == old.name)
    if not kept:
        yield refusal("key-history", path, path=path, detail=say("hook.rules_units._unit_change.4"))
    if new.name != old.name:
        yield from approved(say("hook.rules_units._unit_change.5"), ("unit-rename",))
        if not new.names or new.names[-1].get("name") != new.name:
            yield refusal("registry-invalid", path, path=path, detail=say("hook.rules_units._unit_change.6"))
    if new.status != "active":
        yield from approved(say("hook.rules_units._unit_change.7"), ("unit-deregister", "unit-merge"))


def unit_lifecycle(push: Push) -> Iterator[Refusal]:
    """The registry's history stays true: ids never reused, final records final, Art. 9 changes
    approved in writing."""
    by_commit: dict[str, list] = {}
    for changed in push.changed_files:
        by_commit.setdefault(changed.commit, []).append(changed)
    for commit in push.new_commits:
        apps = _applications(push, commit.oid)
        bad_apps = {a.id: why for a, d in apps if (why := _unit_app_problem(push, commit.oid, a, d))}
        parent = _parent(push, commit.oid)
        for changed in by_commit.get(commit.oid, []):
            path = changed.path
            if not changed.blob or not path.endswith(".yaml"):
                continue
            old_data = _blob_at(push, parent, path)
            new = _load(push.blob(changed.blob))
            old = _load(old_data)
            if new is None:
                continue
            try:
                if path.startswith("people/"):
                    yield from _person_change(push, path, old_data, push.blob(changed.blob), old, new)
                elif path.startswith("units/"):
                    yield from _unit_change(push, commit.oid, path, unit_from_dict(old) if old else None,
                                            unit_from_dict(new), apps, bad_apps)
            except (TypeError, KeyError, ValueError):
                continue  # malformed records are refused by records_valid


def _person_change(push: Push, path: str, old_data: bytes | None, new_data: bytes, old: dict | None,
                   new: dict) -> Iterator[Refusal]:
    user = path[len("people/"):-len(".yaml")]
    after = person_from_dict(new)
    if after.id != user:
        yield refusal("record-id-path", path, path=path, id=after.id)
        return
    if old_data is None:
        seen = _ever_existed(push, path)
        if seen:
            yield refusal("user-id-reused", path, user=user, detail=say("hook.rules_units._person_change.1",
                                                                        seen=seen[:10]))
        return
    before = person_from_dict(old or {})
    if before.status == "removed" and old_data != new_data:
        yield refusal("user-removed-final", path, user=user, removed_at=before.removed_at or say("hook.rules_units._person_change.2"))
        return
    if after.history[:len(before.history)] != before.history:
        yield refusal("key-history", path, path=path, detail=say("hook.rules_units._person_change.3"))
    if after.status == "removed":
        live = [k.fingerprint for k in after.keys if k.revoked_at is None]
        if live:
            yield refusal("user-remove-keys", path, user=user, key=live[0])


def unit_in_service(push: Push) -> Iterator[Refusal]:
    """A deregistered unit's repository is read-only: every push is refused (Art. 9(2))."""
    unit = push.registry.unit(push.unit or "")
    if unit is None or unit.status == "active":
        return
    holder = unit.archives_to
    where = ""
    if holder == "archives":
        where = say("hook.rules_units.unit_in_service.1")
    elif holder:
        other = push.registry.unit(holder)
        where = say("hook.rules_units.unit_in_service.2", value=other.name if other else holder)
    yield refusal("unit-deregistered", say("hook.rules_units.unit_in_service.3"), unit=unit.name, at=unit.deregistered_at or "", handover=where)


__all__ = ["unit_lifecycle", "unit_in_service"]
