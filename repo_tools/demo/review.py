"""Chapter: every draft through the 发文 workflow: merge request, 核稿 by two reviewers, the office
director's 签发, the 复核, and the seal: the regulation notice sealed by the custodian as
六政办秘〔2013〕27号; a joint notice 会签 by the education bureau's leader and sealed with both seals;
the finance bureau's letter signed off by its deputy under the leader's 委托; a self-approval, a seal
before the 签发 and a 签发 by a reviewer refused."""
from __future__ import annotations

import shutil
from datetime import timedelta

from repo_tools import timeutil
from repo_tools.demo.state import DemoState
from repo_tools.git.clone import clone
from repo_tools.messages import Refused, refusal_summary, refused_rules, say
from repo_tools.review import requests as review
from repo_tools.review.views import ReviewView
from repo_tools.seal import sealing
from repo_tools.workflow import acting, delegation, steps
from repo_tools.workflow.settings import allowed_signers

REGULATION = "documents/2013/oa-measures"
REGULATION_CODE = say("demo.review.module.1")
OPINIONS = {
    "document": [say("demo.review.module.2"),
                 say("demo.review.module.3")],
    "bulletin": [say("demo.review.module.4"), say("demo.review.module.5")],
}
# Used only when no documents chapter has drafted the regulation notice.
STAND_IN = say("demo.review.module.6")


def _regulation_draft(state: DemoState) -> dict:
    """Draft the regulation notice when no earlier chapter did (content/ or a stand-in)."""
    author = "zhangm"
    work = clone(state.city, "lagov", state.work_dir(f"{author}-notice"), author)
    state.git(work, "checkout", "-q", "-b", "draft/oa-measures")
    target = work / REGULATION
    source = state.content / "documents" / "lagov" / "2013" / "oa-measures"
    if source.is_dir():
        shutil.copytree(source, target)
    else:
        target.mkdir(parents=True)
        (target / "index.md").write_text(STAND_IN, encoding="utf-8")
    state.git(work, "add", "-A")
    state.git(work, "commit", "-q", "-m", say("demo.review._regulation_draft.1"))
    state.git(work, "push", "-q", "origin", "HEAD:refs/heads/draft/oa-measures")
    return {"kind": "document", "unit": "lagov", "author": author, "clone": work,
            "branch": "draft/oa-measures", "paths": [REGULATION], "code": REGULATION_CODE}


def _self_approval_by_git(state: DemoState, draft: dict, n: int) -> None:
    """The same self-approval made with plain git and pushed: the server hook refuses it."""
    work, author = draft["clone"], draft["author"]
    state.git(work, "fetch", "-q", "origin", f"refs/heads/mr/{n}")
    state.git(work, "tag", "-s", "-f", "-m", say("demo.review._self_approval_by_git.1"), "self-approval", "FETCH_HEAD")
    proc = state.git(work, "push", "origin", f"self-approval:refs/reviews/{n}/{author}", check=False)
    state.git(work, "tag", "-d", "self-approval")
    if proc.returncode == 0 or "review-self" not in refused_rules(proc.stderr):
        raise RuntimeError(say("demo.review._self_approval_by_git.2"))
    detail = refusal_summary(proc.stderr)
    state.refused(say("demo.review._self_approval_by_git.3", author=author, n=n), detail)


def _push_after_merge(state: DemoState, draft: dict) -> None:
    """The author adds a change to the merged request: the hook refuses it (it was never reviewed)."""
    work, n, author = draft["clone"], draft["request"], draft["author"]
    state.git(work, "fetch", "-q", "origin", f"refs/heads/mr/{n}")
    state.git(work, "checkout", "-q", "-b", "after-merge", "FETCH_HEAD")
    index = work / REGULATION / "index.md"
    index.write_text(index.read_text(encoding="utf-8") + say("demo.review._push_after_merge.1"), encoding="utf-8")
    state.git(work, "commit", "-q", "-am", say("demo.review._push_after_merge.2"))
    proc = state.git(work, "push", "origin", f"HEAD:refs/heads/mr/{n}", check=False)
    state.git(work, "checkout", "-q", "-")
    state.git(work, "branch", "-q", "-D", "after-merge")
    if proc.returncode == 0 or "mr-merged" not in refused_rules(proc.stderr):
        raise RuntimeError(say("demo.review._push_after_merge.3"))
    detail = refusal_summary(proc.stderr)
    state.refused(say("demo.review._push_after_merge.4", author=author, n=n), detail)
    state.fact(say("demo.review._push_after_merge.5"))


def _refused_steps(state: DemoState, unit: str, n: int) -> None:
    """Out of order and out of place: the seal before the 签发, a 签发 by a reviewer."""
    city = state.city
    try:
        sealing.merge(city, unit, n, next(p.id for p in city.registry().with_role(unit, "seal-custodian")))
        raise RuntimeError(say("demo.review._refused_steps.1"))
    except Refused as refused:
        state.refused(say("demo.review._refused_steps.2", n=n), refused.text())
    reviewer = next(p.id for p in city.registry().with_role(unit, "reviewer"))
    try:
        acting.sign_off(city, unit, n, reviewer, say("demo.review._refused_steps.3"))
        raise RuntimeError(say("demo.review._refused_steps.4"))
    except Refused as refused:
        state.refused(say("demo.review._refused_steps.5", reviewer=reviewer, n=n), refused.text())
    state.fact(say("demo.review._refused_steps.6"))


def _issuing_steps(state: DemoState, draft: dict, unit: str, n: int, custodian: str) -> None:
    """会签 by each co-issuing unit's leader, the 签发 (under a 委托 where the leader is away or
    already 核稿'd), and the 复核 where the unit requires it."""
    city = state.city
    reg = city.registry()
    unit_rec = reg.unit(unit)
    assert unit_rec is not None
    with ReviewView.of(city, unit, reg) as view:
        head = view.ref(f"refs/heads/mr/{n}")
        assert head is not None
        flow = steps.judge(view, n, head, view.ref("refs/heads/main"))
    typed = [d.meta["date"] for d in flow.documents if hasattr(d.meta.get("date"), "year")]
    on = max(typed) if typed else None
    for co in flow.countersigns_missing:
        co_rec = reg.unit(co)
        leader = co_rec.leader if co_rec else None
        if not leader or co_rec is None:
            continue
        acting.countersign(city, leader, n, say("demo.review._issuing_steps.1"), from_unit=unit, on=on)
        state.ok(say("demo.review._issuing_steps.2",
                     name=reg.people[leader].name, name2=co_rec.name, n=n, unit=unit, leader=leader))
    busy = flow.status.committers | {v.reviewer for v in flow.status.approvals}
    signer = next((p for p in allowed_signers(unit_rec, [d.type for d in flow.documents]) if p not in busy), None)
    deputy = next((u.get("delegate_to") for u in state.sample["units"] if u["id"] == unit), None)
    if signer is None and unit_rec.leader and deputy:
        today = timeutil.today()
        ident = delegation.delegate(city, unit_rec.leader, deputy, today, today + timedelta(days=30))
        state.ok(say("demo.review._issuing_steps.3",
                     name=reg.people[unit_rec.leader].name, name2=reg.people[deputy].name, today=today, ident=ident))
        signer = deputy
    if signer is None:
        raise RuntimeError(say("demo.review._issuing_steps.4", unit=unit, n=n))
    acting.sign_off(city, unit, n, signer, say("demo.review._issuing_steps.5"), on=on)
    mark = say("demo.review._issuing_steps.6") if signer == deputy and signer not in allowed_signers(unit_rec, []) else ""
    state.ok(say("demo.review._issuing_steps.7",
                 name=reg.people[signer].name, mark=mark, n=n, on=on))
    if unit_rec.check_required:
        checker = next(p.id for p in reg.with_role(unit, "seal-custodian") if p.id != signer)
        acting.check(city, unit, n, checker)
        state.ok(say("demo.review._issuing_steps.8", name=reg.people[checker].name, n=n))
def _changed_opinion(state: DemoState, unit: str, n: int, reviewer: str) -> None:
    """A reviewer signs a second opinion: it takes the first one's place, and the first is kept."""
    done = review.cast(state.city, unit, n, reviewer, "approve", say("demo.review._changed_opinion.1"))
    name = state.city.registry().people[reviewer].name
    state.ok(say("demo.review._changed_opinion.2",
                 name=name, reviewer=reviewer, n=n, history_ref=done.history_ref))


def run(state: DemoState) -> None:
    city = state.city
    state.chapter(say("demo.review.run.1"))
    drafts = list(state.facts.get("drafts", []))
    if not any(REGULATION in d.get("paths", []) for d in drafts):
        drafts.append(_regulation_draft(state))
        state.facts["drafts"] = drafts
    reg = city.registry()
    sealed: list[dict] = state.facts.setdefault("sealed", [])
    shown_self = False
    shown_steps = False
    for draft in drafts:
        unit, author = draft["unit"], draft["author"]
        n = review.open_request(city, unit, author, branch=draft["branch"])
        draft["request"] = n
        title = review.show(city, unit, n)["title"]
        state.ok(say("demo.review.run.2", author=author, n=n, unit=unit, title=title))
        if not shown_self:
            try:
                review.approve(city, unit, n, author, say("demo.review.run.3"))
                raise RuntimeError(say("demo.review.run.4"))
            except Refused as refused:
                state.refused(say("demo.review.run.5", author=author, n=n), refused.text())
            _self_approval_by_git(state, draft, n)
            shown_self = True
            state.fact(say("demo.review.run.6"))
        unit_rec = reg.unit(unit)
        assert unit_rec is not None
        reviewers = [p.id for p in reg.with_role(unit, "reviewer") if p.id != author]
        wanted = max(unit_rec.required_approvals, 1)
        if draft["kind"] == "document":  # the leader signs off: others 核稿 where there are enough
            signers = set(allowed_signers(unit_rec, []))
            others = [r for r in reviewers if r not in signers]
            reviewers = others if len(others) >= wanted else reviewers
            wanted_reviews = wanted
        else:
            wanted_reviews = max(wanted, min(2, len(reviewers)))
        if len(reviewers) < wanted:
            state.ok(say("demo.review.run.7",
                         n=n, unit=unit, wanted=wanted, len_reviewers=len(reviewers)))
            continue
        opinions = OPINIONS["document" if draft["kind"] == "document" else "bulletin"]
        for i, reviewer in enumerate(reviewers[:wanted_reviews]):
            opinion = opinions[i % len(opinions)]
            review.approve(city, unit, n, reviewer, opinion)
            state.ok(say("demo.review.run.8",
                         name=reg.people[reviewer].name, reviewer=reviewer, n=n, opinion=opinion))
        if draft is drafts[0]:
            _changed_opinion(state, unit, n, reviewers[0])
        documents = review.show(city, unit, n)["documents"]
        if documents:
            custodian = next(p.id for p in reg.with_role(unit, "seal-custodian"))
            if not shown_steps and REGULATION in documents:
                _refused_steps(state, unit, n)
                shown_steps = True
            _issuing_steps(state, draft, unit, n, custodian)
            code = draft.get("code") or (REGULATION_CODE if REGULATION in documents else None)
            result = sealing.merge(city, unit, n, custodian, code=code)
            for item in result.sealed:
                sealed.append({"unit": unit, "path": item["path"], "number": item["number"],
                               "merge": result.merge})
                state.ok(say("demo.review.run.9",
                             name=reg.people[custodian].name, seal=result.seal, number=item['number'], path=item['path']))
        else:
            merger = reviewers[0]
            result = sealing.merge(city, unit, n, merger)
            state.ok(say("demo.review.run.10", name=reg.people[merger].name, n=n))
    regulation = next((s for s in sealed if s["path"] == REGULATION), None)
    if regulation is None:
        raise RuntimeError(say("demo.review.run.11"))
    state.fact(say("demo.review.run.12", number=regulation['number']))
    regulation_draft = next(d for d in drafts if REGULATION in d.get("paths", []))
    if regulation_draft.get("clone") is not None and regulation_draft.get("request") is not None:
        _push_after_merge(state, regulation_draft)
    pending = [r for r in review.requests(city, "lagov") if r["state"] != "merged"]
    if pending:
        state.fact(say("demo.review.run.13", len_pending=len(pending)))


__all__ = ["run"]
