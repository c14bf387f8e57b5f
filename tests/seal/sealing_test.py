"""The sealing merge through real pushes: what the hook refuses on main, and what lands."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from fixtures import Workspace, run, signed_off
from forged_merges import hand_merge

from repo_tools.documents import frontmatter
from repo_tools.git.push import SignatureVerifier
from repo_tools.git.repo import clean_env, git, parse_commit
from repo_tools.log import eventlog
from repo_tools.messages import Refused
from repo_tools.registry.records import dump
from repo_tools.review import requests as review
from repo_tools.seal import numbering, sealing

OA = str(Path(sys.executable).parent / "oa")
BULLETIN = "---\ntitle: 市政府召开常务会议\ncolumn: 政务动态\ndate: 2026-11-20\n---\n\n会议研究了有关事项。\n"


def notice(title: str, day: str = "2026-03-21", attachments: str = "") -> str:
    return (f"---\ntype: 通知\ntitle: {title}\nnumber:\nrecipients: [各县区人民政府]\ndate: {day}\n{attachments}---\n\n"
            "各县区人民政府：\n\n现将有关事项通知如下。\n")


def approved(ws: Workspace, files: dict[str, str], unit: str = "lagov", author: str = "zhang",
             reviewer: str = "li") -> tuple[Path, int]:
    work = ws.clone(unit, author)
    run(["git", "checkout", "-q", "-b", f"draft/{work.name}"], work)
    ws.commit(work, files, "草稿")
    n = review.open_request(ws.city, unit, author, title="草稿", workdir=work)
    review.approve(ws.city, unit, n, reviewer, "同意。")
    signed_off(ws.city, unit, n)
    return work, n


def main_of(ws: Workspace, unit: str = "lagov") -> str:
    return git("rev-parse", "refs/heads/main", cwd=ws.city.unit_repo(unit), env=clean_env()).strip()


def show_file(ws: Workspace, path: str, unit: str = "lagov") -> str:
    return git("show", f"refs/heads/main:{path}", cwd=ws.city.unit_repo(unit), env=clean_env())


def test_seal_merge_numbers_signs_and_logs(ws: Workspace) -> None:
    listed = "attachments:\n  - {title: 检查名单, file: attachments/list.csv}\n"
    _, n = approved(ws, {"documents/2026/safety/index.md": notice("关于开展安全检查的通知", attachments=listed),
                         "documents/2026/safety/attachments/list.csv": "单位,人数\n"})
    with pytest.raises(Refused) as refused:
        sealing.merge(ws.city, "lagov", n, "li")
    assert refused.value.rule == "merge-custodian-required"
    result = sealing.merge(ws.city, "lagov", n, "zhao")
    assert [s["number"] for s in result.sealed] == ["六政办〔2026〕1号"]
    meta, body = frontmatter.split(show_file(ws, "documents/2026/safety/index.md"))
    assert meta["number"] == "六政办〔2026〕1号" and meta["sealed_on"] is not None
    assert "现将有关事项通知如下" in body
    raw = git("cat-file", "commit", result.merge, cwd=ws.city.unit_repo("lagov"), env=clean_env())
    commit = parse_commit(result.merge, raw.encode())
    reg = ws.city.registry()
    seal = reg.active_seal("lagov")
    assert seal is not None
    check = SignatureVerifier(ws.city.server_gnupg, reg, ws.city.authority_fingerprint()).check(
        commit.oid, commit.payload, commit.signature)
    assert check.valid and check.fingerprint == seal.key.fingerprint
    assert f"Merge-Request: {n}" in commit.message
    assert f"Approval: refs/reviews/{n}/li " in commit.message
    assert "Sealed-Document: documents/2026/safety/index.md 六政办〔2026〕1号" in commit.message
    assert f"Seal: {seal.id}" in commit.message
    last = [e for e in eventlog.read(ws.city.log_file) if e["type"] == "merge"][-1]
    assert last["merge"] == result.merge and last["sealed"][0]["number"] == "六政办〔2026〕1号"


def test_number_floor_and_chosen_code(ws: Workspace) -> None:
    reg = ws.city.registry()
    unit = reg.unit("lagov")
    assert unit is not None
    unit.number_floors = {"六政办秘〔2013〕": 26}
    ws.city.change_registry("admin", {"units/lagov.yaml": dump(unit)}, "纸质发文已用到 26 号")
    _, n = approved(ws, {"documents/2013/oa-measures/index.md": notice("关于印发《六安市协同办公系统管理办法（试行）》的通知", "2013-03-21")})
    with pytest.raises(Refused) as refused:
        sealing.merge(ws.city, "lagov", n, "zhao", code="六教")
    assert refused.value.rule == "seal-code-foreign"
    result = sealing.merge(ws.city, "lagov", n, "zhao", code="六政办秘")
    assert result.sealed[0]["number"] == "六政办秘〔2013〕27号"


def test_merge_without_approvals_by_hand_with_plain_git_refused(ws: Workspace) -> None:
    work = ws.clone("lagov", "zhang")
    run(["git", "checkout", "-q", "-b", "draft/x"], work)
    ws.commit(work, {"bulletins/政务动态/2026-11-20-x/index.md": BULLETIN}, "信息")
    n = review.open_request(ws.city, "lagov", "zhang", workdir=work)
    li = ws.clone("lagov", "li")
    run(["git", "fetch", "-q", "origin", f"refs/heads/mr/{n}"], li)
    run(["git", "merge", "-q", "--no-ff", "-m", f"合并\n\nMerge-Request: {n}", "FETCH_HEAD"], li)
    before = ws.snapshot()
    proc = ws.push(li, "HEAD:refs/heads/main")
    assert proc.returncode != 0 and "[merge-approvals-missing｜" in proc.stderr, proc.stderr
    assert ws.snapshot() == before
    # A plain commit on main is no merge at all.
    run(["git", "reset", "-q", "--hard", "origin/main"], li)
    ws.commit(li, {"a.md": "直接提交\n"})
    proc = ws.push(li, "HEAD:refs/heads/main")
    assert proc.returncode != 0 and "[merge-not-merge｜" in proc.stderr
    assert ws.snapshot() == before


def test_approval_by_the_author_does_not_count_in_a_hand_merge(ws: Workspace) -> None:
    # wu (jyj) is author and reviewer; a self-approval can only exist if forged around the
    # hook, so the merge rule must also refuse to rely on it: name wu's (missing) verdict.
    _, n = approved(ws, {"bulletins/政务动态/2026-11-20-x/index.md": BULLETIN}, "jyj", "wu", "he")
    before = ws.snapshot()
    refused = hand_merge(ws, "jyj", n, signer="he", pusher="he", approvals=["wu"])
    assert "[merge-approval-invalid｜" in refused and "[merge-approvals-missing｜" in refused
    assert ws.snapshot() == before
    assert hand_merge(ws, "jyj", n, signer="he", pusher="he") == ""


def test_document_merge_signed_with_personal_key_refused(ws: Workspace) -> None:
    _, n = approved(ws, {"documents/2026/safety/index.md": notice("关于开展安全检查的通知")})
    numbers = {"documents/2026/safety/index.md": "六政办〔2026〕1号"}
    before = ws.snapshot()
    refused = hand_merge(ws, "lagov", n, signer="zhao", pusher="zhao", numbers=numbers)
    assert "[merge-seal-required｜" in refused
    assert ws.snapshot() == before
    # Under the seal but pushed by a reviewer, not a custodian: refused too.
    refused = hand_merge(ws, "lagov", n, signer="", pusher="li", seal_key=True, numbers=numbers)
    assert "[merge-custodian-required｜" in refused
    assert ws.snapshot() == before
    # Under the seal without a number for the document: refused.
    refused = hand_merge(ws, "lagov", n, signer="", pusher="zhao", seal_key=True)
    assert "[seal-document-unsealed｜" in refused
    assert hand_merge(ws, "lagov", n, signer="", pusher="zhao", seal_key=True, numbers=numbers) == ""


def test_merge_changing_more_than_number_and_seal_date_refused(ws: Workspace) -> None:
    _, n = approved(ws, {"documents/2026/safety/index.md": notice("关于开展安全检查的通知")})
    numbers = {"documents/2026/safety/index.md": "六政办〔2026〕1号"}
    before = ws.snapshot()
    sneaked = hand_merge(ws, "lagov", n, signer="", pusher="zhao", seal_key=True, numbers=numbers,
                         extra={"bulletins/政务动态/2026-11-20-y/index.md": BULLETIN.encode()})
    assert "[merge-tree-changed｜" in sneaked and "2026-11-20-y" in sneaked
    edited = notice("关于开展安全检查的通知").replace("现将", "兹将")
    edited = frontmatter.set_fields(edited, {"number": "六政办〔2026〕1号", "sealed_on": __import__("repo_tools").timeutil.today()})
    changed = hand_merge(ws, "lagov", n, signer="", pusher="zhao", seal_key=True, numbers=numbers,
                         extra={"documents/2026/safety/index.md": edited.encode()})
    assert "[merge-tree-changed｜" in changed and "除发文字号和盖章日期外" in changed
    from datetime import date
    backdated = hand_merge(ws, "lagov", n, signer="", pusher="zhao", seal_key=True, numbers=numbers,
                           sealed_on=date(2020, 1, 1))
    assert "[seal-number-invalid｜" in backdated and "sealed_on" in backdated
    assert ws.snapshot() == before


def _first_sealed_second_approved(ws: Workspace) -> int:
    """lagov's first notice sealed (六政办〔2026〕1号); a second approved and signed off: its request."""
    ws.land("lagov", "zhang", {"documents/2026/first/index.md": notice("第一份通知")})
    return approved(ws, {"documents/2026/second/index.md": notice("第二份通知")})[1]


@pytest.mark.parametrize("number,rule", [
    ("六政办〔2026〕1号", "seal-number-duplicate"),
    ("六教〔2026〕7号", "seal-code-foreign"),
    ("六政办〔2026〕第07号", "seal-number-invalid"),
    ("六政办〔2025〕3号", "seal-number-invalid"),
])
def test_bad_numbers_refused(ws: Workspace, number: str, rule: str) -> None:
    n = ws.prepare("seal-second", _first_sealed_second_approved)  # built once for the four cases
    assert numbering.numbers_on(ws.city.unit_repo("lagov"))["documents/2026/first/index.md"].n == 1
    before = ws.snapshot()
    refused = hand_merge(ws, "lagov", n, signer="", pusher="zhao", seal_key=True,
                         numbers={"documents/2026/second/index.md": number})
    assert f"[{rule}｜" in refused, refused
    assert ws.snapshot() == before
    ok = hand_merge(ws, "lagov", n, signer="", pusher="zhao", seal_key=True,
                    numbers={"documents/2026/second/index.md": "六政办〔2026〕2号"})
    assert ok == ""


def test_preset_number_in_draft_refused(ws: Workspace) -> None:
    # A number is only ever written by the sealing merge: a draft carrying one never reaches the
    # server (documents rule on every branch), so it can never be approved and sealed either.
    text = notice("关于开展安全检查的通知").replace("number:\n", "number: 六政办〔2026〕9号\n")
    work = ws.clone("lagov", "zhang")
    run(["git", "checkout", "-q", "-b", "draft/safety"], work)
    ws.commit(work, {"documents/2026/safety/index.md": text}, "草稿")
    before = ws.snapshot()
    proc = ws.push(work, "HEAD:refs/heads/draft/safety")
    assert proc.returncode != 0 and "[doc-number-draft｜" in proc.stderr, proc.stderr
    assert ws.snapshot() == before
    # Without the number the same draft is accepted and sealing gives it the next number.
    ws.commit(work, {"documents/2026/safety/index.md": notice("关于开展安全检查的通知")}, "删去发文字号")
    n = review.open_request(ws.city, "lagov", "zhang", title="草稿", workdir=work)
    review.approve(ws.city, "lagov", n, "li", "同意。")
    signed_off(ws.city, "lagov", n)
    assert sealing.merge(ws.city, "lagov", n, "zhao").sealed[0]["number"] == "六政办〔2026〕1号"


def test_bulletin_merged_by_the_author_refused(ws: Workspace) -> None:
    _, n = approved(ws, {"bulletins/政务动态/2026-11-20-x/index.md": BULLETIN}, "jyj", "wu", "he")
    with pytest.raises(Refused) as refused:
        sealing.merge(ws.city, "jyj", n, "wu")
    assert refused.value.rule == "merge-reviewer-required"
    before = ws.snapshot()
    assert "[merge-reviewer-required｜" in hand_merge(ws, "jyj", n, signer="wu", pusher="wu")
    assert ws.snapshot() == before
    assert sealing.merge(ws.city, "jyj", n, "he").sealed == []


def test_request_behind_main_merges_without_losing_main(ws: Workspace) -> None:
    _, first = approved(ws, {"documents/2026/a/index.md": notice("甲通知")})
    _, second = approved(ws, {"documents/2026/b/index.md": notice("乙通知")})
    sealing.merge(ws.city, "lagov", first, "zhao")
    result = sealing.merge(ws.city, "lagov", second, "zhao")
    found = numbering.numbers_on(ws.city.unit_repo("lagov"))
    assert {str(v) for v in found.values()} == {"六政办〔2026〕1号", "六政办〔2026〕2号"}
    assert result.sealed[0]["number"] == "六政办〔2026〕2号"


def test_two_custodians_merging_in_parallel(ws: Workspace) -> None:
    requests = []
    for slug in ("alpha", "beta", "gamma", "delta"):
        _, n = approved(ws, {f"documents/2026/{slug}/index.md": notice(f"{slug} 通知")})
        requests.append(n)
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_") and k != "GNUPGHOME"}
    procs = []
    for custodian, mine in (("zhao", requests[0::2]), ("ma", requests[1::2])):
        script = " && ".join(f"{OA} --city {ws.city.root} --as {custodian} review merge {n} --unit lagov"
                             for n in mine)
        procs.append(subprocess.Popen(["sh", "-c", script], env=env, stdout=subprocess.PIPE,
                                      stderr=subprocess.PIPE, text=True))
    outs = [p.communicate() for p in procs]
    assert all(p.returncode == 0 for p in procs), outs
    found = numbering.numbers_on(ws.city.unit_repo("lagov"))
    assert sorted(found) == [f"documents/2026/{s}/index.md" for s in ("alpha", "beta", "delta", "gamma")]
    assert sorted(v.n for v in found.values()) == [1, 2, 3, 4]
    assert {r["state"] for r in review.requests(ws.city, "lagov")} == {"merged"}
    first_parents = git("rev-list", "--first-parent", "--merges", "refs/heads/main",
                        cwd=ws.city.unit_repo("lagov"), env=clean_env()).split()
    assert len(first_parents) == 4


def test_conflicting_request_refused_with_what_to_do(ws: Workspace) -> None:
    path = "bulletins/政务动态/2026-11-20-x/index.md"
    _, first = approved(ws, {path: BULLETIN})
    _, second = approved(ws, {path: BULLETIN.replace("有关事项", "其他事项")})
    sealing.merge(ws.city, "lagov", first, "wang")
    before = ws.snapshot()
    with pytest.raises(Refused) as refused:
        sealing.merge(ws.city, "lagov", second, "wang")
    assert refused.value.rule == "merge-conflict" and "main 合入草稿分支" in refused.value.remedy
    assert "2026-11-20-x/index.md" in refused.value.message
    assert ws.snapshot() == before
