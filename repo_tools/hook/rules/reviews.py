"""Review verdicts and merge requests on the server (Art. 3, 15, 30): a verdict under
`refs/reviews/<n>/<reviewer>` is a tag signed by that reviewer of this unit, on the current
head of request n, written, moved or deleted by that reviewer alone; never by the request's
author or anyone who committed to it. Request refs are never deleted (numbers are not reused),
the request tag `refs/tags/mr/<n>` is created once by the person who opened it, and a merged
request's branch takes no more commits."""
from __future__ import annotations

from collections.abc import Iterator

from repo_tools.git.push import Push, RefUpdate
from repo_tools.git.repo import ZERO
from repo_tools.hook.rules.base import Refusal, refusal
from repo_tools.messages import say
from repo_tools.review.model import MR_BRANCH, MR_REF, MR_TAG, REVIEW_HISTORY_REF, REVIEW_REF, REVIEWS
from repo_tools.review.views import ReviewView  # the read model of a unit's requests


def review_view(push: Push) -> ReviewView:
    """One view of the repository's requests per push, seeing the refs this push updates."""
    view = push.__dict__.get("_review_view")
    if view is None:
        view = ReviewView(push.repo, push.unit or "", push.registry, push.verifier, push.reader,
                          push.env, push.now, {u.ref: u.new for u in push.updates})
        push.__dict__["_review_view"] = view
    return view


def is_ancestor(push: Push, old: str, new: str) -> bool:
    return push.is_ancestor(old, new)  # the git layer's one `is_ancestor` (repo_tools/git/repo.py)


def review_refs(push: Push) -> Iterator[Refusal]:
    for update in push.updates:
        if REVIEW_HISTORY_REF.match(update.ref):
            yield from _history_update(push, update)
        elif update.ref.startswith(REVIEWS):
            yield from _verdict_update(push, update)
        elif update.ref.startswith((MR_BRANCH, MR_TAG)):
            yield from _request_update(push, update)


def _verdict_update(push: Push, update: RefUpdate) -> Iterator[Refusal]:
    ref = update.ref
    match = REVIEW_REF.match(ref)
    if not match:
        yield refusal("review-ref-name", ref, ref=ref)
        return
    n, reviewer = int(match["n"]), match["reviewer"]
    if push.pusher_id != reviewer:
        yield refusal("review-not-own", ref, pusher=push.pusher_id or say("hook.rules_reviews._verdict_update.1"), ref=ref, reviewer=reviewer)
        return
    if update.is_delete:
        return
    if not update.is_create and not any(
            REVIEW_HISTORY_REF.match(u.ref) and u.new == update.old for u in push.updates):
        # A new opinion must not erase the old one (Art. 3: signed opinions count as handwritten).
        yield refusal("review-history", ref, ref=ref,
                      detail=say("hook.rules_reviews._verdict_update.2",
                                 old=update.old[:10], reviewer=reviewer))
    got = push.reader.read(update.new)
    if got is None or got[1] != "tag":
        kind = {
            "commit": say("hook.rules_reviews._verdict_update.3"),
            "tree": say("hook.rules_reviews._verdict_update.4"),
            "blob": say("hook.rules_reviews._verdict_update.5"),
        }.get(got[1] if got else "", say("hook.rules_reviews._verdict_update.6"))
        yield refusal("review-not-tag", ref, ref=ref, detail=kind)
        return
    view = review_view(push)
    head = view.ref(f"{MR_BRANCH}{n}")
    if head is None:
        yield refusal("review-mr-missing", ref, n=n)
        return
    main = view.ref("refs/heads/main")
    request = view.request(n)
    excluded = view.committers(head, main)
    if request.author:
        excluded.add(request.author)
    verdict = view.verdict(ref, update.new, head, excluded)
    person = push.registry.person(reviewer)
    if verdict.verdict not in (None, "approve", "reject"):
        if verdict.verdict == "countersign":  # only the service places a 会签 here
            yield refusal("workflow-countersign-route", ref, ref=ref)
        elif verdict.signer != reviewer:
            yield refusal("review-signer", ref, ref=ref, signer=verdict.signer or say("hook.rules_reviews._verdict_update.7"), reviewer=reviewer)
        elif verdict.target != head and verdict.verdict != "countersign":
            yield refusal("review-stale-head", ref, ref=ref, n=n, target=verdict.target[:10], head=head[:10])
        elif main and is_ancestor(push, head, main):
            yield refusal("review-merged", ref, n=n, merge="main")
        else:
            from repo_tools.hook.rules.workflow import step_update  # the 发文 steps' own rules

            yield from step_update(push, view, verdict, n, head, main)
        return
    if verdict.signer != reviewer:
        yield refusal("review-signer", ref, ref=ref, signer=verdict.signer or say("hook.rules_reviews._verdict_update.7"), reviewer=reviewer)
    elif reviewer in excluded:
        why = say("hook.rules_reviews._verdict_update.8") if reviewer == request.author else say("hook.rules_reviews._verdict_update.9")
        yield refusal("review-self", ref, user=reviewer, name=person.name if person else reviewer, n=n, why=why)
    elif person is None or person.unit != push.unit or "reviewer" not in person.roles or person.status != "active":
        yield refusal("review-role", ref, user=reviewer, unit=push.unit, n=n)
    if verdict.verdict is None:
        yield refusal("review-verdict", ref, ref=ref, detail=verdict.problem)
    if verdict.target != head:
        yield refusal("review-stale-head", ref, ref=ref, n=n, target=verdict.target[:10], head=head[:10])
    elif main and is_ancestor(push, head, main):
        yield refusal("review-merged", ref, n=n, merge="main")


def _history_update(push: Push, update: RefUpdate) -> Iterator[Refusal]:
    """A replaced verdict kept for the record: created once by its reviewer, in the push that
    moves the reviewer's verdict away from exactly that tag; never moved or deleted."""
    match = REVIEW_HISTORY_REF.match(update.ref)
    assert match is not None
    n, reviewer = match["n"], match["reviewer"]
    if push.pusher_id != reviewer:
        yield refusal(
            "review-not-own", update.ref, pusher=push.pusher_id or say("hook.rules_reviews._history_update.1"), ref=update.ref, reviewer=reviewer
        )
        return
    if not update.is_create:
        yield refusal("review-history", update.ref, ref=update.ref, detail=say("hook.rules_reviews._history_update.2"))
        return
    verdict_ref = f"{REVIEWS}{n}/{reviewer}"
    moved = next((u for u in push.updates if u.ref == verdict_ref), None)
    if moved is None or moved.old == ZERO or moved.old != update.new:
        yield refusal("review-history", update.ref, ref=update.ref, detail=say("hook.rules_reviews._history_update.3", verdict_ref=verdict_ref))


def _request_update(push: Push, update: RefUpdate) -> Iterator[Refusal]:
    ref = update.ref
    if not MR_REF.match(ref):
        yield refusal("ref-forbidden", ref, ref=ref, detail=say("hook.rules_reviews._request_update.1"))
        return
    if update.is_delete:
        yield refusal("mr-delete", ref, ref=ref)
        return
    if not ref.startswith(MR_TAG):
        # The request branch: members of the unit update it (pusher_in_unit applies) until it is
        # merged. After that, new commits there would sit under approvals and a seal they never had.
        main = review_view(push).ref("refs/heads/main")
        if not update.is_create and main and is_ancestor(push, update.old, main):
            yield refusal("mr-merged", ref, n=ref.rsplit("/", 1)[-1])
        return
    if not update.is_create:
        yield refusal("mr-request-tag", ref, ref=ref, detail=say("hook.rules_reviews._request_update.2"))
        return
    got = push.reader.read(update.new)
    if got is None or got[1] != "tag":
        yield refusal("mr-request-tag", ref, ref=ref, detail=say("hook.rules_reviews._request_update.3"))
        return
    from repo_tools.git.repo import parse_tag

    tag = parse_tag(got[0], got[2])
    signer = review_view(push).signer_of(tag.oid, tag.payload, tag.signature)
    if signer is None or signer != push.pusher_id:
        yield refusal("mr-request-tag", ref, ref=ref, detail=say("hook.rules_reviews._request_update.4"))


__all__ = ["review_refs", "review_view", "is_ancestor"]
