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
            return "删除人员登记记录"
        if after is None:
            return "写入无法识别的人员记录"
        if after.unit != own or (old is not None and (before is None or before.unit != own)):
            return f"登记或调动其他单位的人员（{path}）"
        if ("admin" in (before.roles if before else [])) != ("admin" in after.roles):
            return "登记或注销系统管理员（第六条第五项由电子政务办公室办理）"
        return None
    if path == f"units/{own}.yaml":
        if new is None or old is None:
            return "删除或新建单位登记"
        try:
            before_u = unit_from_dict(yaml.safe_load(old.decode("utf-8"))).__dict__
            after_u = unit_from_dict(yaml.safe_load(new.decode("utf-8"))).__dict__
        except Exception:  # noqa: BLE001
            return "写入无法识别的单位记录"
        touched = sorted(k for k in before_u if before_u[k] != after_u.get(k) and k not in DELEGATED_UNIT_FIELDS)
        if touched:
            return f"修改本单位登记中的 {'、'.join(touched)}（名称、状态、负责人、管理员名单等由电子政务办公室办理）"
        return None
    if path.startswith("units/"):
        return f"修改其他单位的登记（{path}）"
    if path.startswith("keys/") and path.endswith(".asc"):
        if old is not None or new is None:
            return f"改动或删除已登记的公钥（{path}）"
        if path[5:-4].upper() not in own_keys:
            return f"登记不属于本单位人员的公钥（{path}）"
        return None
    if path.startswith("requests/"):
        stem = path[len("requests/"):].split(".", 1)[0]
        if old is None and new is not None and stem in own_requests:
            return None
        return f"提交不属于本单位的申请记录（{path}）"
    if path.startswith("seals/"):
        return "变更电子印章（第十九条：由电子政务办公室办理）"
    return f"修改登记系统文件 {path}"


def registry_scope(push: Push) -> Iterator[Refusal]:
    """Each admin is held to their own unit; anyone else may not write the registry at all."""
    pusher = push.pusher_id
    if pusher is None or pusher == AUTHORITY or push.registry.is_egov_admin(pusher):
        return
    if not push.registry.is_unit_admin(pusher):
        yield refusal("registry-writer", "推送", user=pusher)
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
