"""Every new commit and annotated tag is signed by an active registered key of this unit:
a member's personal key or the unit's own seal key (Art. 3, 15, 41), checked with the server
keyring at the push's trusted time."""
from __future__ import annotations

from collections.abc import Iterator

from repo_tools.city import AUTHORITY
from repo_tools.git.push import Push, SignatureCheck
from repo_tools.hook.rules.base import Refusal, refusal
from repo_tools.hook.rules.identity import unit_is_empty
from repo_tools.identity.judgement import key_state, may_sign
from repo_tools.messages import say


def _short(oid: str) -> str:
    return oid[:10]


def signer_allowed(push: Push, check: SignatureCheck) -> tuple[bool, str]:
    """Whether a good signature's key may sign in this repository now; else why not
    ("unknown", "other-unit" or the key's state): `judgement.may_sign` at push time."""
    holder = check.holder
    unit = push.unit if push.kind == "unit" else None
    # An e-gov admin signs a unit's first commit (its set-up); asked only when it matters.
    setup = bool(holder and holder.kind == "person" and unit is not None
                 and push.registry.is_egov_admin(holder.id) and unit_is_empty(push))
    verdict = may_sign(push.registry, holder, unit, push.now, setup=setup, at_push=True)
    if verdict.counts:
        return True, ""
    if verdict.code == "unknown-key":
        return False, "unknown"
    if verdict.code == "window" and holder is not None:
        return False, key_state(holder.key)
    if verdict.code == "other-unit":
        return False, "other-unit"
    return False, verdict.reason


def _judge(push: Push, check: SignatureCheck, where: str, rule_unsigned: str,
           **names: str) -> Iterator[Refusal]:
    if check.fingerprint and check.fingerprint.upper() == push.verifier.authority_fpr \
            and check.valid and push.kind == "registry":
        return
    if not check.valid:
        if check.problem == "unsigned":
            yield refusal(rule_unsigned, where, **names)
        elif check.holder is None and check.problem != "bad-signature":
            yield refusal("commit-unknown-key", where, commit=where, key=check.fingerprint or say("hook.rules_signatures._judge.2"))
        else:
            yield refusal("commit-bad-signature", where, commit=where, detail=check.detail)
        return
    ok, why = signer_allowed(push, check)
    if ok:
        return
    if why == "unknown":
        yield refusal("commit-unknown-key", where, commit=where, key=check.fingerprint)
    elif why == "other-unit":
        yield refusal("commit-other-unit", where, commit=where, holder=check.holder.name if check.holder else "",
                      unit=push.unit or say("hook.rules_signatures._judge.3"))
    else:
        yield refusal("commit-key-invalid", where, commit=where, key=check.fingerprint,
                      holder=check.holder.name if check.holder else "", detail=why)


def commits_signed(push: Push) -> Iterator[Refusal]:
    push.verifier.prefetch([(c.oid, c.payload, c.signature) for c in push.new_commits]
                           + [(t.oid, t.payload, t.signature) for _, t in push.new_tags])
    for commit in push.new_commits:
        check = push.verifier.check(commit.oid, commit.payload, commit.signature)
        yield from _judge(push, check, say("hook.rules_signatures.commits_signed.1", short_oid=_short(commit.oid)), "commit-unsigned",
                          commit=_short(commit.oid))


def tags_signed(push: Push) -> Iterator[Refusal]:
    """Every new tag object, a tag that another tag points at included."""
    checked = set()
    for update, tag in push.new_tags:
        checked.add(tag.oid)
        check = push.verifier.check(tag.oid, tag.payload, tag.signature)
        yield from _judge(push, check, say("hook.rules_signatures.tags_signed.1", ref=update.ref), "tag-unsigned", tag=update.ref)
    for ref, tag in push.new_objects.tags:
        if tag.oid not in checked:
            checked.add(tag.oid)
            check = push.verifier.check(tag.oid, tag.payload, tag.signature)
            yield from _judge(push, check, say("hook.rules_signatures.tags_signed.2",
                                               ref=ref, tag=tag.tag), "tag-unsigned", tag=f"{ref}（{tag.tag}）")


__all__ = ["commits_signed", "tags_signed", "signer_allowed", "AUTHORITY"]
