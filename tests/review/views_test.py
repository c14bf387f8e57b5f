"""What `oa review list/show` tell a person agrees with `oa verify` and the site: signatures
judged at their trusted time, merged requests judged on the head that was merged, and a
reviewer's changed opinion kept in the history."""
from __future__ import annotations

import json

from fixtures import Workspace, run
from review_support import BULLETIN, assert_refused, draft, hand_tag, mr_head, oa

from repo_tools.git.repo import clean_env, git
from repo_tools.identity import certificates
from repo_tools.review import requests as review
from repo_tools.seal import sealing
from repo_tools.verify.report import PENDING_TEXT


def test_views_judge_at_trusted_time_after_revocation(ws: Workspace) -> None:
    _, n = draft(ws, "lagov", "zhang", {"bulletins/政务动态/2026-11-20-a/index.md": BULLETIN}, "一条信息")
    review.approve(ws.city, "lagov", n, "li", "同意发布。")
    review.approve(ws.city, "lagov", n, "wang", "同意。")
    sealing.merge(ws.city, "lagov", n, "li")
    # Afterwards: wang leaves (certificate revoked), zhang's certificate is replaced.
    certificates.revoke(ws.city, "admin", "wang", "left", approved_by="zhou")
    certificates.issue(ws.city, "admin", "zhang", approved_by="zhou")
    shown = oa(ws, "li", "review", "show", str(n), "--unit", "lagov")
    assert shown.returncode == 0, shown.stderr
    assert "证书无效" not in shown.stdout and "发起人：zhang" in shown.stdout, shown.stdout
    data = json.loads(oa(ws, "li", "--json", "review", "show", str(n), "--unit", "lagov").stdout)
    assert data["author"] == "zhang"
    assert [(v["reviewer"], v["valid"], v["current"]) for v in data["verdicts"]] == \
        [("li", True, True), ("wang", True, True)]
    assert data["approvals"] == 2 and data["state"] == "merged"
    rows = json.loads(oa(ws, "li", "--json", "review", "list", "--unit", "lagov").stdout)
    row = next(r for r in rows if r["n"] == n)
    assert (row["author"], row["approvals"], row["state"]) == ("zhang", 2, "merged")
    # the same verdict as verify: the approvals count, the seal-less bulletin merge is valid
    verified = oa(ws, "li", "--json", "verify", "--unit", "lagov")
    report = json.loads(verified.stdout)
    # (its trusted time may still await the witness quorum, 待见证: that is not about the key)
    tags = {f["id"]: f for u in report["units"] for f in u["objects"] if f["kind"] == "tag"}
    for v in data["verdicts"]:
        found = tags[v["tag"]]
        pending = (found.get("witness") or {}).get("status") == "pending"
        assert found["valid"] or (pending and found["reason"].startswith(PENDING_TEXT)), found


def test_a_second_verdict_says_so_and_keeps_the_first(ws: Workspace) -> None:
    _, n = draft(ws, "lagov", "zhang", {"bulletins/政务动态/2026-11-20-a/index.md": BULLETIN}, "一条信息")
    first = oa(ws, "li", "review", "reject", str(n), "--unit", "lagov", "--opinion", "标题需修改。")
    assert first.returncode == 0 and "取代" not in first.stdout
    old_tag = git("rev-parse", f"refs/reviews/{n}/li", cwd=ws.city.unit_repo("lagov"), env=clean_env()).strip()
    second = oa(ws, "li", "review", "approve", str(n), "--unit", "lagov", "--opinion", "已核实，同意。")
    assert second.returncode == 0, second.stderr
    assert "取代了您此前" in second.stdout and f"refs/reviews/{n}/_history/li/1" in second.stdout
    repo = ws.city.unit_repo("lagov")
    assert git("rev-parse", f"refs/reviews/{n}/_history/li/1", cwd=repo, env=clean_env()).strip() == old_tag
    data = json.loads(oa(ws, "li", "--json", "review", "show", str(n), "--unit", "lagov").stdout)
    assert [(v["reviewer"], v["verdict"]) for v in data["verdicts"]] == [("li", "approve")]
    assert [(h["reviewer"], h["verdict"], h["opinion"]) for h in data["history"]] == [("li", "reject", "标题需修改。")]
    third = review.cast(ws.city, "lagov", n, "li", "approve", "再次确认，同意。")
    assert third.history_ref == f"refs/reviews/{n}/_history/li/2"
    assert data["approvals"] == 1


def test_hook_refuses_a_verdict_moved_without_its_history(ws: Workspace) -> None:
    _, n = draft(ws, "lagov", "zhang", {"bulletins/政务动态/2026-11-20-a/index.md": BULLETIN}, "一条信息")
    review.approve(ws.city, "lagov", n, "li", "同意。")
    li = ws.clone("lagov", "li")
    run(["git", "fetch", "-q", "origin", f"+refs/heads/mr/{n}:refs/remotes/origin/mr/{n}"], li)
    head = mr_head(ws, "lagov", n)
    hand_tag(li, n, head, "approve\n\n改过的意见。")
    before = ws.snapshot()
    assert_refused(ws, before, ws.push(li, f"+v:refs/reviews/{n}/li"), "review-history")
    # a history ref that keeps something other than the replaced verdict is refused too
    assert_refused(ws, before, ws.push(li, f"v:refs/reviews/{n}/_history/li/1"), "review-history")
    # with the replaced verdict kept in the same push, it is accepted
    old = git("rev-parse", f"refs/reviews/{n}/li", cwd=ws.city.unit_repo("lagov"), env=clean_env()).strip()
    run(["git", "fetch", "-q", "origin", f"+refs/reviews/{n}/li:refs/old-verdict"], li)
    done = run(["git", "push", "--porcelain", "origin", f"+v:refs/reviews/{n}/li",
                f"refs/old-verdict:refs/reviews/{n}/_history/li/1"], li, check=False)
    assert done.returncode == 0, done.stderr
    assert git("rev-parse", f"refs/reviews/{n}/_history/li/1", cwd=ws.city.unit_repo("lagov"),
               env=clean_env()).strip() == old
    # history is never moved or deleted
    before = ws.snapshot()
    assert_refused(ws, before, ws.push(li, f":refs/reviews/{n}/_history/li/1"), "review-history")
