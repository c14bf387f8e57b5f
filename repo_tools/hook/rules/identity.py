"""Who pushes (Art. 8, 13-15): a push certificate verified with the server keyring, from an
active registered person of this unit whose key is valid now."""
from __future__ import annotations

from collections.abc import Iterator

from repo_tools.city import AUTHORITY
from repo_tools.git.push import Push
from repo_tools.hook.rules.base import Refusal, refusal
from repo_tools.identity import lockout
from repo_tools.identity.judgement import key_state, may_sign
from repo_tools.identity.vocabulary import STATUS_NAMES
from repo_tools.messages import say


def unit_is_empty(push: Push) -> bool:
    """True while the unit repository has no refs at all (its set-up push)."""
    return all(u.is_create for u in push.updates) and push.registry.unit(push.unit or "") is not None \
        and not _has_refs(push)


def _has_refs(push: Push) -> bool:
    from repo_tools.git.repo import git
    return bool(git("for-each-ref", "--count=1", cwd=push.repo, env=push.env).strip())


def certificate_present(push: Push) -> Iterator[Refusal]:
    if push.certificate is None:
        yield refusal("push-cert-missing", say("hook.rules_identity.certificate_present.1"))


def certificate_verified(push: Push) -> Iterator[Refusal]:
    check = push.certificate_check
    if check is None:
        return
    if not check.valid:
        yield refusal("push-cert-invalid", say("hook.rules_identity.certificate_verified.1"), detail=check.detail)
        return
    if push.nonce_status != "OK":
        yield refusal(
            "push-cert-nonce",
            say("hook.rules_identity.certificate_verified.1"),
            detail=push.nonce_status or say("hook.rules_identity.certificate_verified.2"),
        )
    elif push.nonce_problem:  # git's OK is not trusted: re-derived from the repository's seed
        yield refusal("push-cert-nonce", say("hook.rules_identity.certificate_verified.1"), detail=push.nonce_problem)
    if push.pushee_problem:
        yield refusal("push-cert-pushee", say("hook.rules_identity.certificate_verified.1"), detail=push.pushee_problem)
    cert = push.certificate
    assert cert is not None
    if set(cert.updates) != set(push.updates):
        yield refusal(
            "push-cert-mismatch",
            say("hook.rules_identity.certificate_verified.1"),
            detail=say("hook.rules_identity.certificate_verified.3") + "，".join(sorted(u.ref for u in cert.updates)),
        )


def pusher_registered(push: Push) -> Iterator[Refusal]:
    """The certificate's key belongs to an active person whose key is valid at push time."""
    check = push.certificate_check
    if check is None or not check.valid:
        return
    if push.pusher_id == AUTHORITY:
        return
    holder = check.holder
    if holder is None or holder.kind != "person":
        yield refusal("pusher-unknown", say("hook.rules_identity.pusher_registered.1"), key=check.fingerprint)
        return
    person = push.registry.person(holder.id)
    assert person is not None
    if lockout.is_locked(push.city.root, person.id):
        yield refusal(
            "pusher-locked", say("hook.rules_identity.pusher_registered.1"), user=person.id, name=person.name, failures=lockout.MAX_FAILURES
        )
    elif person.status != "active":
        yield refusal("pusher-inactive", say("hook.rules_identity.pusher_registered.1"), user=person.id, name=person.name,
                      status=STATUS_NAMES.get(person.status, person.status))
    elif may_sign(push.registry, holder, person.unit, push.now).code == "window":  # the one judgement
        yield refusal("pusher-key-invalid", say("hook.rules_identity.pusher_registered.1"), key=holder.key.fingerprint, user=person.id,
                      detail=key_state(holder.key))


def pusher_in_unit(push: Push) -> Iterator[Refusal]:
    """Only members of the unit push to its repository (set-up by the e-gov office aside)."""
    pusher = push.pusher_id
    if pusher is None or pusher == AUTHORITY:
        if pusher == AUTHORITY and push.kind == "unit":
            yield refusal(
                "ref-forbidden",
                say("hook.rules_identity.pusher_in_unit.1"),
                ref=say("hook.rules_identity.pusher_in_unit.2"),
                detail=say("hook.rules_identity.pusher_in_unit.3"),
            )
        return
    person = push.registry.person(pusher)
    assert person is not None
    if person.unit == push.unit:
        return
    if push.registry.is_egov_admin(pusher) and unit_is_empty(push) and [u.ref for u in push.updates] == ["refs/heads/main"]:
        return
    own = push.registry.unit(person.unit)
    here = push.registry.unit(push.unit or "")
    yield refusal("pusher-other-unit", say("hook.rules_identity.pusher_in_unit.1"), user=person.id, name=person.name,
                  pusher_unit=own.name if own else person.unit, unit=here.name if here else push.unit)
