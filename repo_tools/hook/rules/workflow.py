"""The 发文 workflow on the server (Art. 3, 12, 30): each step a small rule.

- a 签发 or 复核 under refs/reviews is taken by a permitted person, in order (核稿 → 会签 → 签发
  → 复核), on the current head; a 会签 never arrives there by a person's push (only the service
  places it, from the co-issuer's own repository);
- a 会签 is pushed by a co-issuing unit's leader to their own repository, on the 会签件 the
  service delivered there;
- a 委托 (refs/delegations) is created once by the unit's leader, revoked once, never moved;
- the sealing merge names the current 会签, 签发 and (where required) 复核, and the 签发人 and
  成文日期 it writes agree with the signatures;
- a unit record's workflow settings are sound (signers are active people of the unit).
"""
from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date
from typing import Any

import yaml

from repo_tools.documents import frontmatter
from repo_tools.git.push import Push, RefUpdate
from repo_tools.git.repo import parse_tag
from repo_tools.hook.rules.base import Refusal, refusal
from repo_tools.messages import say
from repo_tools.registry.records import person_from_dict, unit_from_dict
from repo_tools.review.model import MergeTrailers
from repo_tools.review.views import ReviewView, Verdict
from repo_tools.workflow import delegation as delegation_mod
from repo_tools.workflow.acting import order_missing
from repo_tools.workflow.issuing import signed_fields, typed_signer_problem
from repo_tools.workflow.settings import allowed_signers, settings_problems
from repo_tools.workflow.steps import (
    COUNTERSIGN_REF,
    OUTBOX_COUNTERSIGN,
    Workflow,
    countersign_head,
    judge,
    verdict_fields,
)

OUTBOX_REF = re.compile(r"^refs/outbox-countersign/(?P<from>[a-z][a-z0-9-]{0,31})/(?P<n>[1-9]\d*)/"
                        r"(?P<user>[a-z][a-z0-9-]{0,31})$")


# Steps under refs/reviews --------------------------------------------------------------------
def step_update(push: Push, view: ReviewView, verdict: Verdict, n: int, head: str,
                main: str | None) -> Iterator[Refusal]:
    """A 会签, 签发 or 复核 pushed to refs/reviews/<n>/<pusher> (signature and currency are
    checked by hook/rules/reviews.py): who may take it and whether the earlier steps are done."""
    ref, kind = verdict.ref, verdict.verdict or ""
    if kind == "countersign":
        yield refusal("workflow-countersign-route", ref, ref=ref)
        return
    flow = judge(view, n, head, main)
    if not flow.documents:
        yield refusal("workflow-not-document", ref, n=n)
        return
    step = next((s for s in flow.steps if s.ref == ref), None)
    if step is not None and not step.valid:
        yield refusal("workflow-step-invalid", ref, ref=ref, step=kind, detail=step.problem)
    missing = order_missing(flow, kind, push.registry)
    if missing:
        yield refusal(
            "workflow-order",
            ref,
            n=n,
            step={"sign-off": say("hook.rules_workflow.step_update.1"), "check": say("hook.rules_workflow.step_update.2")}[kind],
            missing="；".join(missing),
        )


# 会签 in the co-issuing unit's own repository -------------------------------------------------
def countersign_outbox(push: Push) -> Iterator[Refusal]:
    for update in push.updates:
        if update.ref.startswith(COUNTERSIGN_REF):
            yield refusal("ref-forbidden", update.ref, ref=update.ref, detail=say("hook.rules_workflow.countersign_outbox.1"))
        elif update.ref.startswith(OUTBOX_COUNTERSIGN):
            yield from _outbox_update(push, update)


def _outbox_update(push: Push, update: RefUpdate) -> Iterator[Refusal]:
    ref = update.ref
    match = OUTBOX_REF.match(ref)
    if not match:
        yield refusal("workflow-countersign-invalid", ref, ref=ref, detail=say("hook.rules_workflow._outbox_update.1"))
        return
    if push.pusher_id != match["user"]:
        yield refusal("review-not-own", ref, pusher=push.pusher_id or say("hook.rules_workflow._outbox_update.2"), ref=ref, reviewer=match["user"])
        return
    if update.is_delete:
        yield refusal("workflow-countersign-invalid", ref, ref=ref, detail=say("hook.rules_workflow._outbox_update.3"))
        return
    got = push.reader.read(update.new)
    if got is None or got[1] != "tag":
        yield refusal("workflow-countersign-invalid", ref, ref=ref, detail=say("hook.rules_workflow._outbox_update.4"))
        return
    from repo_tools.hook.rules.reviews import review_view

    view = review_view(push)
    tag = parse_tag(got[0], got[2])
    delivered = view.ref(f"{COUNTERSIGN_REF}{match['from']}/{match['n']}")
    fields = verdict_fields(tag.message)
    unit = push.registry.unit(push.unit or "")
    assert unit is not None
    problem = ""
    if view.signer_of(tag.oid, tag.payload, tag.signature) != match["user"]:
        problem = say("hook.rules_workflow._outbox_update.5", user=match["user"])
    elif tag.message.split("\n", 1)[0].strip() != "countersign":
        problem = say("hook.rules_workflow._outbox_update.6")
    elif delivered is None or tag.object != delivered:
        problem = say("hook.rules_workflow._outbox_update.7")
    elif fields.get("Unit") != unit.id or fields.get("Head") != countersign_head(view, delivered):
        problem = say("hook.rules_workflow._outbox_update.8")
    elif match["user"] not in allowed_signers(unit, []):
        problem = say("hook.rules_workflow._outbox_update.9", user=match["user"], name=unit.name)
    else:
        try:
            if date.fromisoformat(fields.get("Date", "")) > push.now.date():
                problem = say("hook.rules_workflow._outbox_update.10")
        except ValueError:
            problem = say("hook.rules_workflow._outbox_update.11")
    if problem:
        yield refusal("workflow-countersign-invalid", ref, ref=ref, detail=problem)


# 委托 --------------------------------------------------------------------------------------------
def delegation_refs(push: Push) -> Iterator[Refusal]:
    for update in push.updates:
        if update.ref.startswith(delegation_mod.GRANTS):
            yield from _delegation_update(push, update)


def _delegation_update(push: Push, update: RefUpdate) -> Iterator[Refusal]:
    ref = update.ref
    revoking = ref.startswith(delegation_mod.REVOKED)
    ident = ref[len(delegation_mod.REVOKED if revoking else delegation_mod.GRANTS) :]
    if not delegation_mod.ID.match(ident):
        yield refusal("delegation-invalid", ref, detail=say("hook.rules_workflow._delegation_update.1", ident=ident))
        return
    if not update.is_create:
        yield refusal("delegation-immutable", ref, ref=ref)
        return
    unit = push.registry.unit(push.unit or "")
    assert unit is not None
    if push.pusher_id is None or push.pusher_id != unit.leader:
        yield refusal("delegation-not-leader", ref, user=push.pusher_id or say("hook.rules_workflow._delegation_update.2"))
        return
    got = push.reader.read(update.new)
    if got is None or got[1] != "tag":
        yield refusal("delegation-invalid", ref, detail=say("hook.rules_workflow._delegation_update.3"))
        return
    tag = parse_tag(got[0], got[2])
    from repo_tools.hook.rules.reviews import review_view

    view = review_view(push)
    if view.signer_of(tag.oid, tag.payload, tag.signature) != unit.leader:
        yield refusal("delegation-invalid", ref, detail=say("hook.rules_workflow._delegation_update.4"))
        return
    if revoking:
        if view.ref(f"{delegation_mod.GRANTS}{ident}") is None:
            yield refusal("delegation-invalid", ref, detail=say("hook.rules_workflow._delegation_update.5", ident=ident))
        return
    to, start, until = delegation_mod.parse_grant(tag.message)
    person = push.registry.person(to or "")
    if person is None or person.unit != unit.id or person.status != "active" or to == unit.leader:
        yield refusal("delegation-invalid", ref, detail=say("hook.rules_workflow._delegation_update.6", to=to))
    elif start is None or until is None or start > until:
        yield refusal("delegation-invalid", ref, detail=say("hook.rules_workflow._delegation_update.7"))
    elif until < push.now.date():
        yield refusal("delegation-invalid", ref, detail=say("hook.rules_workflow._delegation_update.8", until=until))


# The sealing merge ------------------------------------------------------------------------------
def merge_steps(where: str, n: int, trailers: MergeTrailers, flow: Workflow, registry: Any) -> Iterator[Refusal]:
    """A merge that seals documents names the current 会签 of every co-issuer, the 签发 and,
    where the unit requires it, the 复核 (each `<Step>: <ref> <tag>` in its message)."""
    if not flow.documents:
        return
    named = {(k, ref): oid for k, ref, oid in trailers.steps}
    wanted = [
        *(("Countersign", say("hook.rules_workflow.merge_steps.1"), flow.countersigns.get(u), u) for u in flow.joint),
        ("Sign-Off", say("hook.rules_workflow.merge_steps.2"), flow.sign_off, None),
    ]
    if flow.unit.check_required:
        wanted.append(("Check", say("hook.rules_workflow.merge_steps.3"), flow.check, None))
    for key, name, step, unit_id in wanted:
        if step is None:
            unit = registry.unit(unit_id) if unit_id else None
            detail = (
                say("hook.rules_workflow.merge_steps.4", value=unit.name if unit else unit_id)
                if unit_id
                else say("hook.rules_workflow.merge_steps.5") + name
            )
            yield refusal("merge-step-missing", where, n=n, step=name, detail=detail)
        elif named.get((key, step.ref)) != step.tag:
            yield refusal(
                "merge-step-missing", where, n=n, step=name, detail=say("hook.rules_workflow.merge_steps.6", key=key, ref=step.ref, tag=step.tag)
            )
    counting = {(s.ref, s.tag) for s in flow.steps if s.counts}
    for (key, ref), oid in named.items():
        if (ref, oid) not in counting:
            yield refusal("merge-approval-invalid", where, ref=ref, detail=say("hook.rules_workflow.merge_steps.7", key=key))


def merge_signed_fields(push: Push, where: str, flow: Workflow, path: str, before: str | None, after: str | None) -> Iterator[Refusal]:
    """The 签发人 and 成文日期 the merge wrote are those of the signatures; a typed 签发人 agrees."""
    if not before or not after or flow.sign_off is None:
        return
    try:
        meta_before, _ = frontmatter.split(before)
        meta_after, _ = frontmatter.split(after)
    except frontmatter.FrontMatterError:
        return  # merge-tree-changed / the document rules report it
    problem = typed_signer_problem(meta_before, flow)
    if problem:
        yield refusal("merge-signer-typed", where, path=path, detail=problem)
    expected = signed_fields(before, meta_before, flow, flow.unit, push.registry, path)
    for key, value in expected.items():
        if meta_after.get(key) != value:
            name = {"date": say("hook.rules_workflow.merge_signed_fields.1"), "signer": say("hook.rules_workflow.merge_signed_fields.2")}[key]
            yield refusal("merge-signed-field", where, path=path, field=name, value=meta_after.get(key), expected=value)


# Registry: unit workflow settings --------------------------------------------------------------
def unit_workflow_settings(push: Push) -> Iterator[Refusal]:
    people = dict(push.registry.people)
    units = []
    for changed in push.changed_files:
        if changed.blob is None:
            continue
        try:
            record = yaml.safe_load(push.blob(changed.blob).decode("utf-8"))
            if changed.path.startswith("people/"):
                person = person_from_dict(record)
                people[person.id] = person
            elif changed.path.startswith("units/"):
                units.append((changed.path, unit_from_dict(record)))
        except Exception:  # noqa: BLE001 - records_valid reports unreadable records
            continue
    for path, unit in units:
        problems = settings_problems(unit, people, push.registry.unit(unit.id))
        if problems:
            yield refusal("workflow-settings-invalid", path, unit=unit.name, detail="；".join(problems))


__all__ = ["step_update", "countersign_outbox", "delegation_refs", "merge_steps", "merge_signed_fields", "unit_workflow_settings"]
