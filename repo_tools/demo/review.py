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
from repo_tools.messages import Refused
from repo_tools.review import requests as review
from repo_tools.seal import sealing
from repo_tools.workflow import acting, delegation, steps
from repo_tools.workflow.settings import allowed_signers

REGULATION = "documents/2013/oa-measures"
REGULATION_CODE = "六政办秘"
OPINIONS = {
    "document": ["同意。文稿符合《党政机关公文处理工作条例》和 GB/T 9704-2012 的要求，建议印发。",
                 "同意印发。请印章保管人盖章后按主送机关发送。"],
    "bulletin": ["同意发布。", "内容属实，照片符合要求，同意发布。"],
}
# Used only when no documents chapter has drafted the regulation notice.
STAND_IN = """---
type: 通知
title: 六安市人民政府办公室关于印发《六安市协同办公系统管理办法（试行）》的通知
recipients: [各县区人民政府, 市政府各部门]
date: 2013-03-21
---

各县区人民政府，市政府各部门：

《六安市协同办公系统管理办法（试行）》已经市政府同意，现印发给你们，请认真贯彻执行。
"""


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
    state.git(work, "commit", "-q", "-m", "公文草稿：关于印发《六安市协同办公系统管理办法（试行）》的通知")
    state.git(work, "push", "-q", "origin", "HEAD:refs/heads/draft/oa-measures")
    return {"kind": "document", "unit": "lagov", "author": author, "clone": work,
            "branch": "draft/oa-measures", "paths": [REGULATION], "code": REGULATION_CODE}


def _self_approval_by_git(state: DemoState, draft: dict, n: int) -> None:
    """The same self-approval made with plain git and pushed: the server hook refuses it."""
    work, author = draft["clone"], draft["author"]
    state.git(work, "fetch", "-q", "origin", f"refs/heads/mr/{n}")
    state.git(work, "tag", "-s", "-f", "-m", "approve\n\n同意。", "self-approval", "FETCH_HEAD")
    proc = state.git(work, "push", "origin", f"self-approval:refs/reviews/{n}/{author}", check=False)
    state.git(work, "tag", "-d", "self-approval")
    if proc.returncode == 0 or "[review-self｜" not in proc.stderr:
        raise RuntimeError("服务器本应拒绝拟稿人自己签名的同意意见")
    detail = "\n".join(line.removeprefix("remote: ").rstrip() for line in proc.stderr.splitlines()
                       if "✗" in line or "处理办法" in line)
    state.refused(f"{author} 用 git 直接推送自己签名的同意意见 refs/reviews/{n}/{author}", detail)


def _push_after_merge(state: DemoState, draft: dict) -> None:
    """The author adds a change to the merged request: the hook refuses it (it was never reviewed)."""
    work, n, author = draft["clone"], draft["request"], draft["author"]
    state.git(work, "fetch", "-q", "origin", f"refs/heads/mr/{n}")
    state.git(work, "checkout", "-q", "-b", "after-merge", "FETCH_HEAD")
    index = work / REGULATION / "index.md"
    index.write_text(index.read_text(encoding="utf-8") + "\n盖章后补写的一句话。\n", encoding="utf-8")
    state.git(work, "commit", "-q", "-am", "盖章后修改管理办法通知")
    proc = state.git(work, "push", "origin", f"HEAD:refs/heads/mr/{n}", check=False)
    state.git(work, "checkout", "-q", "-")
    state.git(work, "branch", "-q", "-D", "after-merge")
    if proc.returncode == 0 or "[mr-merged｜" not in proc.stderr:
        raise RuntimeError("服务器本应拒绝向已合并的合并请求推送")
    detail = "\n".join(line.removeprefix("remote: ").rstrip() for line in proc.stderr.splitlines()
                       if "✗" in line or "处理办法" in line)
    state.refused(f"{author} 在盖章合并之后继续向 !{n} 推送修改", detail)
    state.fact("已合并的合并请求不再接受推送：盖章后的公文不能在审核记录之下被改动")


def _refused_steps(state: DemoState, unit: str, n: int) -> None:
    """Out of order and out of place: the seal before the 签发, a 签发 by a reviewer."""
    city = state.city
    try:
        sealing.merge(city, unit, n, next(p.id for p in city.registry().with_role(unit, "seal-custodian")))
        raise RuntimeError("未经签发的公文本应不能盖章")
    except Refused as refused:
        state.refused(f"核稿之后直接盖章 !{n}（尚未签发）", refused.text())
    reviewer = next(p.id for p in city.registry().with_role(unit, "reviewer"))
    try:
        acting.sign_off(city, unit, n, reviewer, "同意印发。")
        raise RuntimeError("审核人本应不能签发")
    except Refused as refused:
        state.refused(f"审核人 {reviewer} 试图签发 !{n}", refused.text())
    state.fact("签发须在核稿之后、由单位负责人（或有签发权的副职、受托人）签名；未签发的公文不能盖章")


def _issuing_steps(state: DemoState, draft: dict, unit: str, n: int, custodian: str) -> None:
    """会签 by each co-issuing unit's leader, the 签发 (under a 委托 where the leader is away or
    already 核稿'd), and the 复核 where the unit requires it."""
    city = state.city
    reg = city.registry()
    unit_rec = reg.unit(unit)
    assert unit_rec is not None
    with review.ReviewView.of(city, unit, reg) as view:
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
        acting.countersign(city, leader, n, "同意联合印发。", from_unit=unit, on=on)
        state.ok(f"{reg.people[leader].name}（{co_rec.name}负责人）在本单位仓库签名会签 !{n}，"
                 f"服务送达 {unit} 的 refs/reviews/{n}/{leader}")
    busy = flow.status.committers | {v.reviewer for v in flow.status.approvals}
    signer = next((p for p in allowed_signers(unit_rec, [d.type for d in flow.documents]) if p not in busy), None)
    deputy = next((u.get("delegate_to") for u in state.sample["units"] if u["id"] == unit), None)
    if signer is None and unit_rec.leader and deputy:
        today = timeutil.today()
        ident = delegation.delegate(city, unit_rec.leader, deputy, today, today + timedelta(days=30))
        state.ok(f"{reg.people[unit_rec.leader].name}（负责人）出差，签名委托 {reg.people[deputy].name}"
                 f" 自 {today} 起 30 日内代为签发（委托 {ident}）")
        signer = deputy
    if signer is None:
        raise RuntimeError(f"单位 {unit} 没有可签发 !{n} 的人员")
    acting.sign_off(city, unit, n, signer, "同意印发。", on=on)
    mark = "（代）" if signer == deputy and signer not in allowed_signers(unit_rec, []) else ""
    state.ok(f"{reg.people[signer].name}{mark} 签名签发 !{n}：同意印发（成文日期 {on}）")
    if unit_rec.check_required:
        checker = next(p.id for p in reg.with_role(unit, "seal-custodian") if p.id != signer)
        acting.check(city, unit, n, checker)
        state.ok(f"{reg.people[checker].name}（印章保管人）签名复核 !{n}：复核无误，同意用印")
def _changed_opinion(state: DemoState, unit: str, n: int, reviewer: str) -> None:
    """A reviewer signs a second opinion: it takes the first one's place, and the first is kept."""
    done = review.cast(state.city, unit, n, reviewer, "approve", "同意发布（已核对照片说明）。")
    name = state.city.registry().people[reviewer].name
    state.ok(f"{name}（{reviewer}）再次签名表态 !{n}：新意见取代原意见，原意见保留在 {done.history_ref}，"
             f"`oa review show {n}` 两条都可见")


def run(state: DemoState) -> None:
    city = state.city
    state.chapter("三、发文：合并请求 → 核稿 → 会签 → 签发 → 复核 → 印章保管人以单位电子印章盖章")
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
        state.ok(f"{author} 发起合并请求 !{n}（{unit}）：{title}")
        if not shown_self:
            try:
                review.approve(city, unit, n, author, "同意。")
                raise RuntimeError("拟稿人自己审核本应被拒绝")
            except Refused as refused:
                state.refused(f"{author} 试图审核自己的合并请求 !{n}", refused.text())
            _self_approval_by_git(state, draft, n)
            shown_self = True
            state.fact("拟稿人不能审核自己的稿件（本地命令与服务器钩子都拒绝）")
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
            state.ok(f"!{n} 等待审核：单位 {unit} 需要 {wanted} 名审核人，现有 {len(reviewers)} 名可审核")
            continue
        opinions = OPINIONS["document" if draft["kind"] == "document" else "bulletin"]
        for i, reviewer in enumerate(reviewers[:wanted_reviews]):
            opinion = opinions[i % len(opinions)]
            review.approve(city, unit, n, reviewer, opinion)
            state.ok(f"{reg.people[reviewer].name}（{reviewer}）签名同意 !{n}：{opinion}")
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
                state.ok(f"{reg.people[custodian].name}（印章保管人）以电子印章 {result.seal} 盖章合并："
                         f"{item['number']}　{item['path']}")
        else:
            merger = reviewers[0]
            result = sealing.merge(city, unit, n, merger)
            state.ok(f"{reg.people[merger].name}（审核人）以本人密钥合并 !{n}，信息进入 main 待发布")
    regulation = next((s for s in sealed if s["path"] == REGULATION), None)
    if regulation is None:
        raise RuntimeError("管理办法通知未能盖章")
    state.fact(f"管理办法通知经两名审核人核稿、办公室主任签发、印章保管人复核，以单位电子印章盖章为 {regulation['number']}")
    regulation_draft = next(d for d in drafts if REGULATION in d.get("paths", []))
    if regulation_draft.get("clone") is not None and regulation_draft.get("request") is not None:
        _push_after_merge(state, regulation_draft)
    pending = [r for r in review.requests(city, "lagov") if r["state"] != "merged"]
    if pending:
        state.fact(f"lagov 尚有 {len(pending)} 个合并请求待审核")


__all__ = ["run"]
