"""Merge requests and signed review verdicts, through real pushes and the real hook."""
from __future__ import annotations

import json
import os
import subprocess

import pytest
import yaml
from fixtures import Workspace, run
from forged_merges import hand_merge
from review_support import BULLETIN, OA, assert_refused, draft, hand_tag, mr_head, oa

from repo_tools.git.repo import clean_env, git
from repo_tools.messages import Refused
from repo_tools.registry.records import dump
from repo_tools.review import requests as review
from repo_tools.seal import sealing


def test_open_list_show_and_numbers(ws: Workspace) -> None:
    _, first = draft(ws, "lagov", "zhang", {"bulletins/政务动态/2026-11-20-a/index.md": BULLETIN}, "第一条信息")
    _, second = draft(ws, "lagov", "zhang", {"bulletins/政务动态/2026-11-20-b/index.md": BULLETIN}, "第二条信息")
    assert (first, second) == (1, 2)
    rows = review.requests(ws.city, "lagov")
    assert [(r["n"], r["title"], r["author"], r["state"]) for r in rows] == \
        [(1, "第一条信息", "zhang", "open"), (2, "第二条信息", "zhang", "open")]
    assert all(r["opened_at"] and r["waiting"] for r in rows)
    shown = review.show(ws.city, "lagov", 1)
    assert shown["files"] == ["bulletins/政务动态/2026-11-20-a/index.md"]
    assert shown["verdicts"] == [] and "还需要 1 个" in shown["missing"][0]
    with pytest.raises(Refused) as missing:
        review.show(ws.city, "lagov", 9)
    assert missing.value.rule == "review-mr-missing"


def test_two_authors_opening_at_once_get_distinct_numbers(ws: Workspace) -> None:
    works = []
    for author in ("zhang", "zhang"):
        work = ws.clone("lagov", author)
        run(["git", "checkout", "-q", "-b", f"draft/{work.name}"], work)
        ws.commit(work, {f"bulletins/政务动态/2026-11-20-{work.name}/index.md": BULLETIN}, "信息")
        works.append(work)
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_") and k != "GNUPGHOME"}
    procs = [subprocess.Popen([OA, "--json", "review", "open"], cwd=w, env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for w in works]
    outs = [p.communicate() for p in procs]
    assert all(p.returncode == 0 for p in procs), outs
    numbers = sorted(json.loads(out)["n"] for out, _ in outs)
    assert numbers == [1, 2]
    heads = {mr_head(ws, "lagov", n) for n in numbers}
    assert len(heads) == 2


def test_author_cannot_approve_own_request(ws: Workspace) -> None:
    # wu is both author and reviewer of jyj
    work, n = draft(ws, "jyj", "wu", {"bulletins/政务动态/2026-11-20-x/index.md": BULLETIN})
    before = ws.snapshot()
    with pytest.raises(Refused) as refused:
        review.approve(ws.city, "jyj", n, "wu", "同意。")
    assert refused.value.rule == "review-self"
    assert ws.snapshot() == before
    # The same by hand with plain git: the hook refuses it too.
    hand_tag(work, n, mr_head(ws, "jyj", n), "approve\n\n同意。")
    assert_refused(ws, before, ws.push(work, f"v:refs/reviews/{n}/wu"), "review-self")


def test_committer_cannot_approve(ws: Workspace) -> None:
    work, n = draft(ws, "jyj", "wu", {"bulletins/政务动态/2026-11-20-x/index.md": BULLETIN})
    helper = ws.clone("jyj", "he")
    run(["git", "fetch", "-q", "origin", f"refs/heads/mr/{n}"], helper)
    run(["git", "checkout", "-q", "-b", "fix", "FETCH_HEAD"], helper)
    ws.commit(helper, {"bulletins/政务动态/2026-11-20-x/index.md": BULLETIN + "\n补充。\n"}, "补充")
    assert ws.push(helper, f"HEAD:refs/heads/mr/{n}").returncode == 0
    with pytest.raises(Refused) as refused:
        review.approve(ws.city, "jyj", n, "he", "同意。")
    assert refused.value.rule == "review-self" and "提交人" in refused.value.message


def test_verdict_refs_belong_to_their_reviewer(ws: Workspace) -> None:
    _, n = draft(ws, "lagov", "zhang", {"bulletins/政务动态/2026-11-20-x/index.md": BULLETIN})
    head = mr_head(ws, "lagov", n)
    li = ws.clone("lagov", "li")
    run(["git", "fetch", "-q", "origin", f"refs/heads/mr/{n}"], li)
    before = ws.snapshot()
    hand_tag(li, n, head, "approve\n\n同意。")
    assert_refused(ws, before, ws.push(li, f"v:refs/reviews/{n}/wang"), "review-not-own")
    assert_refused(ws, before, ws.push(li, f"{head}:refs/reviews/{n}/li"), "review-not-tag")
    hand_tag(li, n, head, "looks fine")
    assert_refused(ws, before, ws.push(li, f"+v:refs/reviews/{n}/li"), "review-verdict")
    # Someone without the reviewer role cannot approve; nor can the author, reviewer or not.
    with pytest.raises(Refused) as refused:
        review.approve(ws.city, "lagov", n, "zhao", "同意。")
    assert refused.value.rule == "review-role"
    with pytest.raises(Refused) as refused:
        review.approve(ws.city, "lagov", n, "zhang", "同意。")
    assert refused.value.rule == "review-self"
    # A proper verdict is accepted; only li can move or delete it.
    review.approve(ws.city, "lagov", n, "li", "同意发布。")
    wang = ws.clone("lagov", "wang")
    before = ws.snapshot()
    assert_refused(ws, before, ws.push(wang, f":refs/reviews/{n}/li"), "review-not-own")
    assert ws.push(li, f":refs/reviews/{n}/li").returncode == 0


def test_verdict_on_an_old_head_refused(ws: Workspace) -> None:
    work, n = draft(ws, "lagov", "zhang", {"bulletins/政务动态/2026-11-20-x/index.md": BULLETIN})
    old = mr_head(ws, "lagov", n)
    ws.commit(work, {"bulletins/政务动态/2026-11-20-x/index.md": BULLETIN + "\n二稿。\n"}, "二稿")
    assert ws.push(work, f"HEAD:refs/heads/mr/{n}").returncode == 0
    li = ws.clone("lagov", "li")
    run(["git", "fetch", "-q", "origin", f"refs/heads/mr/{n}"], li)
    hand_tag(li, n, old, "approve\n\n同意。")
    before = ws.snapshot()
    assert_refused(ws, before, ws.push(li, f"v:refs/reviews/{n}/li"), "review-stale-head")


def test_stale_approval_not_counted(ws: Workspace) -> None:
    work, n = draft(ws, "lagov", "zhang", {"bulletins/政务动态/2026-11-20-x/index.md": BULLETIN})
    review.approve(ws.city, "lagov", n, "li", "同意。")
    assert review.show(ws.city, "lagov", n)["approvals"] == 1
    ws.commit(work, {"bulletins/政务动态/2026-11-20-x/index.md": BULLETIN + "\n二稿。\n"}, "二稿")
    assert ws.push(work, f"HEAD:refs/heads/mr/{n}").returncode == 0
    shown = review.show(ws.city, "lagov", n)
    assert shown["approvals"] == 0
    assert shown["verdicts"][0]["current"] is False and shown["verdicts"][0]["valid"] is True
    before = ws.snapshot()
    with pytest.raises(Refused) as refused:
        sealing.merge(ws.city, "lagov", n, "wang")
    assert refused.value.rule == "merge-approvals-missing" and "li" in refused.value.message
    assert ws.snapshot() == before
    review.approve(ws.city, "lagov", n, "li", "二稿同意。")
    result = sealing.merge(ws.city, "lagov", n, "wang")
    assert review.show(ws.city, "lagov", n)["state"] == "merged"
    assert git("rev-parse", "refs/heads/main", cwd=ws.city.unit_repo("lagov"), env=clean_env()).strip() == result.merge


def test_rejection_blocks_until_the_reviewer_changes_their_verdict(ws: Workspace) -> None:
    _, n = draft(ws, "lagov", "zhang", {"bulletins/政务动态/2026-11-20-x/index.md": BULLETIN})
    review.approve(ws.city, "lagov", n, "li", "同意。")
    review.reject(ws.city, "lagov", n, "wang", "标题不准确，请修改。")
    assert [r["state"] for r in review.requests(ws.city, "lagov")] == ["rejected"]
    assert any("标题不准确" in m for m in review.show(ws.city, "lagov", n)["missing"])
    before = ws.snapshot()
    with pytest.raises(Refused) as refused:
        sealing.merge(ws.city, "lagov", n, "li")
    assert refused.value.rule == "merge-rejected"
    # A hand-made merge that names only li's approval is refused by the hook as well.
    proc = hand_merge(ws, "lagov", n, signer="li", pusher="li")
    assert "[merge-rejected｜" in proc
    assert ws.snapshot() == before
    review.approve(ws.city, "lagov", n, "wang", "已核实，同意。")  # the latest verdict counts
    sealing.merge(ws.city, "lagov", n, "li")


def test_required_approvals_is_a_unit_setting(ws: Workspace) -> None:
    reg = ws.city.registry()
    unit = reg.unit("lagov")
    assert unit is not None
    unit.required_approvals = 2
    ws.city.change_registry("admin", {"units/lagov.yaml": dump(unit)}, "lagov 需两人审核")
    work, n = draft(ws, "lagov", "zhang", {"bulletins/政务动态/2026-11-20-x/index.md": BULLETIN})
    review.approve(ws.city, "lagov", n, "li", "同意。")
    refused = oa(ws, "wang", "review", "merge", str(n), "--unit", "lagov")
    assert refused.returncode == 1 and "1 个有效的当前同意意见，需要 2 个" in refused.stderr
    ok = oa(ws, "wang", "review", "approve", str(n), "--opinion", "同意。", cwd=work)
    assert ok.returncode == 0, ok.stderr
    merged = oa(ws, "wang", "--json", "review", "merge", str(n), "--unit", "lagov")
    assert merged.returncode == 0, merged.stderr
    assert json.loads(merged.stdout)["sealed"] == []


def test_command_line_flow(ws: Workspace) -> None:
    work = ws.clone("lagov", "zhang")
    run(["git", "checkout", "-q", "-b", "draft/cli"], work)
    ws.commit(work, {"bulletins/政务动态/2026-11-20-x/index.md": BULLETIN}, "信息：常务会议")
    opened = oa(ws, "zhang", "--json", "review", "open", "--title", "常务会议信息", cwd=work)
    assert opened.returncode == 0, opened.stderr
    n = json.loads(opened.stdout)["n"]
    listed = json.loads(oa(ws, "li", "--json", "review", "list", "--unit", "lagov").stdout)
    assert listed[0]["title"] == "常务会议信息" and listed[0]["state"] == "open"
    usage = oa(ws, "li", "review", "approve", str(n), "--unit", "lagov")
    assert usage.returncode == 2
    assert oa(ws, "li", "review", "approve", str(n), "--unit", "lagov", "--opinion", "同意发布。").returncode == 0
    shown = oa(ws, "li", "review", "show", str(n), "--unit", "lagov")
    assert "李华" in shown.stdout and "同意发布" in shown.stdout and "当前版本" in shown.stdout
    merged = oa(ws, "li", "review", "merge", str(n), "--unit", "lagov")
    assert merged.returncode == 0, merged.stderr
    data = yaml.safe_load(git("show", "refs/heads/main:bulletins/政务动态/2026-11-20-x/index.md",
                              cwd=ws.city.unit_repo("lagov"), env=clean_env()).split("---")[1])
    assert data["title"] == "市政府召开常务会议"


def test_merged_request_takes_no_more_commits(ws: Workspace) -> None:
    work, n = draft(ws, "lagov", "zhang", {"bulletins/政务动态/2026-11-20-x/index.md": BULLETIN})
    # before the merge the author may still revise the request
    ws.commit(work, {"bulletins/政务动态/2026-11-20-x/index.md": BULLETIN + "\n二稿。\n"}, "二稿")
    assert ws.push(work, f"HEAD:refs/heads/mr/{n}").returncode == 0
    review.approve(ws.city, "lagov", n, "li", "同意。")
    sealing.merge(ws.city, "lagov", n, "wang")
    ws.commit(work, {"bulletins/政务动态/2026-11-20-x/index.md": BULLETIN + "\n合并后偷偷改的。\n"}, "三稿")
    before = ws.snapshot()
    proc = ws.push(work, f"HEAD:refs/heads/mr/{n}")
    assert_refused(ws, before, proc, "mr-merged")
    assert "oa review open" in proc.stderr
