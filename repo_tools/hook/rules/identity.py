"""Who pushes (Art. 8, 13-15): a push certificate verified with the server keyring, from an
active registered person of this unit whose key is valid now."""
from __future__ import annotations

from collections.abc import Iterator

from repo_tools.city import AUTHORITY
from repo_tools.git.push import Push
from repo_tools.hook.rules.base import Refusal, refusal
from repo_tools.identity import lockout
from repo_tools.identity.judgement import key_state, may_sign

STATUS_NAMES = {"disabled": "已停用", "removed": "已注销", "active": "正常"}


def unit_is_empty(push: Push) -> bool:
    """True while the unit repository has no refs at all (its set-up push)."""
    return all(u.is_create for u in push.updates) and push.registry.unit(push.unit or "") is not None \
        and not _has_refs(push)


def _has_refs(push: Push) -> bool:
    from repo_tools.git.repo import git
    return bool(git("for-each-ref", "--count=1", cwd=push.repo, env=push.env).strip())


def certificate_present(push: Push) -> Iterator[Refusal]:
    if push.certificate is None:
        yield refusal("push-cert-missing", "推送")


def certificate_verified(push: Push) -> Iterator[Refusal]:
    check = push.certificate_check
    if check is None:
        return
    if not check.valid:
        yield refusal("push-cert-invalid", "推送证书", detail=check.detail)
        return
    if push.nonce_status != "OK":
        yield refusal("push-cert-nonce", "推送证书", detail=push.nonce_status or "缺失")
    elif push.nonce_problem:  # git's OK is not trusted: re-derived from the repository's seed
        yield refusal("push-cert-nonce", "推送证书", detail=push.nonce_problem)
    if push.pushee_problem:
        yield refusal("push-cert-pushee", "推送证书", detail=push.pushee_problem)
    cert = push.certificate
    assert cert is not None
    if set(cert.updates) != set(push.updates):
        yield refusal("push-cert-mismatch", "推送证书",
                      detail="证书所列引用：" + "，".join(sorted(u.ref for u in cert.updates)))


def pusher_registered(push: Push) -> Iterator[Refusal]:
    """The certificate's key belongs to an active person whose key is valid at push time."""
    check = push.certificate_check
    if check is None or not check.valid:
        return
    if push.pusher_id == AUTHORITY:
        return
    holder = check.holder
    if holder is None or holder.kind != "person":
        yield refusal("pusher-unknown", "推送证书", key=check.fingerprint)
        return
    person = push.registry.person(holder.id)
    assert person is not None
    if lockout.is_locked(push.city.root, person.id):
        yield refusal("pusher-locked", "推送证书", user=person.id, name=person.name,
                      failures=lockout.MAX_FAILURES)
    elif person.status != "active":
        yield refusal("pusher-inactive", "推送证书", user=person.id, name=person.name,
                      status=STATUS_NAMES.get(person.status, person.status))
    elif may_sign(push.registry, holder, person.unit, push.now).code == "window":  # the one judgement
        yield refusal("pusher-key-invalid", "推送证书", key=holder.key.fingerprint, user=person.id,
                      detail=key_state(holder.key))


def pusher_in_unit(push: Push) -> Iterator[Refusal]:
    """Only members of the unit push to its repository (set-up by the e-gov office aside)."""
    pusher = push.pusher_id
    if pusher is None or pusher == AUTHORITY:
        if pusher == AUTHORITY and push.kind == "unit":
            yield refusal("ref-forbidden", "推送", ref="（单位仓库）", detail="根密钥只用于登记系统。")
        return
    person = push.registry.person(pusher)
    assert person is not None
    if person.unit == push.unit:
        return
    if push.registry.is_egov_admin(pusher) and unit_is_empty(push) \
            and [u.ref for u in push.updates] == ["refs/heads/main"]:
        return
    own = push.registry.unit(person.unit)
    here = push.registry.unit(push.unit or "")
    yield refusal("pusher-other-unit", "推送", user=person.id, name=person.name,
                  pusher_unit=own.name if own else person.unit, unit=here.name if here else push.unit)
