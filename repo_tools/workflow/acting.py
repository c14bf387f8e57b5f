"""Taking a 发文 step: 签发 (`oa review sign-off`), 复核 (`oa review check`) and 会签
(`oa review countersign`). Each is a signed tag pushed by the person to their own unit's
repository; the server hook judges it again (hook/rules/workflow.py), so these checks only refuse
early and say which step is missing."""
from __future__ import annotations

from datetime import date

from repo_tools import timeutil
from repo_tools.city import City
from repo_tools.git.repo import Scratch, git
from repo_tools.messages import Refused, say
from repo_tools.review.model import MR_BRANCH, REVIEWS
from repo_tools.review.views import ReviewView
from repo_tools.workflow import delegation as delegation_mod
from repo_tools.workflow.settings import allowed_signers
from repo_tools.workflow.steps import (
    COUNTERSIGN_REF,
    OUTBOX_COUNTERSIGN,
    STEP_NAMES,
    Workflow,
    countersign_head,
    judge,
    log_file_of,
    step_message,
)


def _open(city: City, unit: str, n: int, actor: str) -> tuple[ReviewView, str, Workflow]:
    view = ReviewView.of(city, unit)
    head = view.ref(f"{MR_BRANCH}{n}")
    if head is None:
        view.close()
        raise Refused("review-mr-missing", n=n)
    merged = view.merges().get(n)
    if merged:
        view.close()
        raise Refused("review-merged", n=n, merge=merged[0][:10])
    flow = judge(view, n, head, view.ref("refs/heads/main"))
    if not flow.documents:
        view.close()
        raise Refused("workflow-not-document", n=n)
    if actor in flow.status.committers:
        person = view.registry.person(actor)
        view.close()
        raise Refused("review-self", user=actor, name=person.name if person else actor, n=n, why=say("workflow.acting._open.1"))
    return view, head, flow


def _push_tag(city: City, unit: str, actor: str, name: str, target: str, message: str, ref: str) -> str:
    """Push a step's tag; a verdict it replaces under refs/reviews is kept in the same atomic push
    under refs/reviews/<n>/_history/<user>/<k>, as every changed opinion is (review.cast)."""
    refspecs: list[str] = []
    if ref.startswith(REVIEWS):
        n = int(ref[len(REVIEWS):].split("/", 1)[0])
        with ReviewView.of(city, unit) as view:
            earlier = view.ref(ref)
            kept = view.history(n, actor)
        if earlier:
            refspecs.append(f"{earlier}:{REVIEWS}{n}/_history/{actor}/{(kept[-1][1] if kept else 0) + 1}")
    with Scratch(city.unit_repo(unit), city.signer(actor)) as scratch:
        tag = scratch.tag(name, target, message)
        scratch.push([f"+{tag}:{ref}", *refspecs])
    return tag


def order_missing(flow: Workflow, kind: str, registry) -> list[str]:
    """The earlier steps still missing before `kind` may be taken (核稿 → 会签 → 签发 → 复核)."""
    before = {"sign-off": ("approve", "reject", "countersign"), "check": ("approve", "reject", "countersign", "sign-off")}[kind]
    return [text for step, text in flow.missing_steps(registry, for_new_sign_off=kind == "sign-off") if step in before]


def sign_off(city: City, unit: str, n: int, actor: str, opinion: str, on: date | None = None,
             delegation: str | None = None) -> str:
    """签发: the leader's (or a deputy's, or a delegate's) signed verdict on the current head."""
    if not opinion.strip():
        raise Refused("review-verdict", ref=f"{REVIEWS}{n}/{actor}", detail=say("workflow.acting.sign_off.1"))
    view, head, flow = _open(city, unit, n, actor)
    try:
        reg = view.registry
        person = reg.person(actor)
        if person is None or person.unit != unit or person.status != "active":
            raise Refused("workflow-signer", user=actor, unit=flow.unit.name, n=n,
                          allowed="、".join(allowed_signers(flow.unit, [d.type for d in flow.documents])) or say("workflow.acting.sign_off.2"))
        missing = order_missing(flow, "sign-off", reg)
        if missing:
            raise Refused("workflow-order", n=n, step=say("workflow.acting.sign_off.3"), missing="；".join(missing))
        today = timeutil.today()
        day = on or today
        if day > today:
            raise Refused("workflow-date", day=day.isoformat(), today=today.isoformat())
        types = [d.type for d in flow.documents]
        if actor not in allowed_signers(flow.unit, types):
            delegation = delegation or _grant_in_force(view, flow, actor)
            if delegation is None:
                raise Refused("workflow-signer", user=actor, unit=flow.unit.name, n=n,
                              allowed="、".join(allowed_signers(flow.unit, types)) or say("workflow.acting.sign_off.2"))
            grant = delegation_mod.find(view, delegation)
            problem = delegation_mod.in_force_problem(view, flow.unit, grant, actor, view.now, log_file_of(view))
            if problem:
                raise Refused("workflow-delegation", ident=delegation, detail=problem)
        fields = {"Date": day.isoformat(), "Delegation": delegation or ""}
    finally:
        view.close()
    return _push_tag(city, unit, actor, f"reviews/{n}/{actor}", head,
                     step_message("sign-off", opinion, fields), f"{REVIEWS}{n}/{actor}")


def _grant_in_force(view: ReviewView, flow: Workflow, actor: str) -> str | None:
    for ref in sorted(view.refs(delegation_mod.GRANTS), reverse=True):
        ident = ref[len(delegation_mod.GRANTS):]
        if "/" in ident:
            continue
        grant = delegation_mod.find(view, ident)
        if grant and not delegation_mod.in_force_problem(view, flow.unit, grant, actor, view.now,
                                                         log_file_of(view)):
            return ident
    return None


def check(city: City, unit: str, n: int, actor: str, opinion: str = say("workflow.acting.check.1")) -> str:
    """复核: after the 签发, a reviewer or seal custodian of the unit checks the document."""
    view, head, flow = _open(city, unit, n, actor)
    try:
        missing = order_missing(flow, "check", view.registry)
        if missing:
            raise Refused("workflow-order", n=n, step=say("workflow.acting.check.2"), missing="；".join(missing))
        person = view.registry.person(actor)
        if person is None or person.unit != unit or person.status != "active" \
                or not {"reviewer", "seal-custodian"} & set(person.roles):
            raise Refused("workflow-checker", user=actor, unit=flow.unit.name, n=n)
        if flow.sign_off and flow.sign_off.user == actor:
            raise Refused("workflow-checker", user=actor, unit=flow.unit.name, n=n)
    finally:
        view.close()
    return _push_tag(city, unit, actor, f"reviews/{n}/{actor}", head, step_message("check", opinion),
                     f"{REVIEWS}{n}/{actor}")


def pending_countersigns(city: City, unit: str) -> list[dict]:
    """The 会签件 the service delivered to `unit`: from which unit, which request, which head."""
    rows = []
    with ReviewView.of(city, unit) as view:
        for ref, oid in sorted(view.refs(COUNTERSIGN_REF).items()):
            parts = ref[len(COUNTERSIGN_REF):].split("/")
            if len(parts) != 2 or not parts[1].isdigit():
                continue
            message = git("log", "-1", "--format=%B", oid, cwd=view.repo, env=view.env)
            rows.append({"from": parts[0], "n": int(parts[1]), "commit": oid,
                         "head": countersign_head(view, oid), "title": message.strip().splitlines()[0]})
    return rows


def countersign(city: City, actor: str, n: int, opinion: str, from_unit: str | None = None,
                on: date | None = None) -> str:
    """会签: the co-issuing unit's leader signs the 会签件 the service placed in their own unit's
    repository and pushes it there (refs/outbox-countersign/<from>/<n>/<actor>); the service
    carries it to the drafting unit's refs/reviews/<n>/<actor>."""
    if not opinion.strip():
        raise Refused("review-verdict", ref=f"{REVIEWS}{n}/{actor}", detail=say("workflow.acting.countersign.1"))
    reg = city.registry()
    person = reg.person(actor)
    if person is None:
        raise Refused("not-found", what=say("workflow.acting.countersign.2"), name=actor, remedy=say("workflow.acting.countersign.3"))
    own = person.unit
    found = [r for r in pending_countersigns(city, own) if r["n"] == n and from_unit in (None, r["from"])]
    if len(found) != 1:
        raise Refused("workflow-countersign-missing", n=n, unit=own,
                      detail=say("workflow.acting.countersign.4") if not found else say("workflow.acting.countersign.5"))
    request = found[0]
    unit = reg.unit(own)
    assert unit is not None
    if actor not in allowed_signers(unit, []):
        raise Refused("workflow-signer", user=actor, unit=unit.name, n=n,
                      allowed="、".join(allowed_signers(unit, [])) or say("workflow.acting.countersign.6"))
    today = timeutil.today()
    if on is not None and on > today:
        raise Refused("workflow-date", day=on.isoformat(), today=today.isoformat())
    fields = {"Date": (on or today).isoformat(), "Unit": own, "Head": request["head"] or ""}
    return _push_tag(city, own, actor, f"countersign/{request['from']}/{n}", request["commit"],
                     step_message("countersign", opinion, fields),
                     f"{OUTBOX_COUNTERSIGN}{request['from']}/{n}/{actor}")


__all__ = ["sign_off", "check", "countersign", "pending_countersigns", "order_missing", "STEP_NAMES"]
