"""The 发文 workflow (issue 19): unit settings, 签发, 复核, 会签 through the service, 委托, and
the order of the steps, through real pushes to real hooks; the print form's signature block."""
from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
from fixtures import Workspace, run
from forged_merges import hand_merge

from repo_tools import city as city_mod
from repo_tools import timeutil
from repo_tools.documents import frontmatter
from repo_tools.git.repo import PushRefused, clean_env, commit_and_push, git, rev_parse
from repo_tools.messages import Refused
from repo_tools.registry.records import dump
from repo_tools.review import requests as review
from repo_tools.seal import sealing
from repo_tools.workflow import acting, delegation, settings
from repo_tools.workflow.steps import step_message


def today() -> date:
    """Today in the city's time zone, read at each use: a run that crosses midnight (CST, 16:00
    UTC) must not hold yesterday's date against the code's today (it did, as a module constant)."""
    return timeutil.today()


def notice(title: str = "六安市人民政府办公室关于开展安全检查的通知", extra: str = "") -> str:
    return (f"---\ntype: 通知\ntitle: {title}\nrecipients: [市政府各部门]\ndate: {today().isoformat()}\n{extra}---\n\n"
            "市政府各部门：\n\n请认真开展安全检查。\n")


def request_doc(signer: str) -> str:
    return (f"---\ntype: 请示\ntitle: 六安市人民政府办公室关于增加协同办公系统经费的请示\n"
            f"recipients: [安徽省人民政府办公厅]\nsigner: {signer}\ndate: {today().isoformat()}\n---\n\n"
            "安徽省人民政府办公厅：\n\n妥否，请批示。\n")


def opened(ws: Workspace, files: dict[str, str], unit: str = "lagov", author: str = "zhang",
           approve: tuple[str, ...] = ("li",)) -> tuple[Path, int]:
    work = ws.clone(unit, author)
    run(["git", "checkout", "-q", "-b", f"draft/{work.name}"], work)
    ws.commit(work, files, "拟稿")
    n = review.open_request(ws.city, unit, author, title="拟稿", workdir=work)
    for reviewer in approve:
        review.approve(ws.city, unit, n, reviewer, "同意。")
    return work, n


def git_step(ws: Workspace, unit: str, user: str, n: int, kind: str, opinion: str,
             fields: dict[str, str] | None = None, ref: str | None = None) -> str:
    """A step tag made and pushed with plain git from the person's clone: the hook's judgement."""
    work = ws.clone(unit, user)
    run(["git", "fetch", "-q", "origin", f"refs/heads/mr/{n}"], work)
    run(["git", "tag", "-s", "-f", "-m", step_message(kind, opinion, fields), "step", "FETCH_HEAD"], work)
    proc = ws.push(work, f"refs/tags/step:{ref or f'refs/reviews/{n}/{user}'}")
    return "" if proc.returncode == 0 else proc.stderr


def main_meta(ws: Workspace, path: str, unit: str = "lagov") -> dict:
    text = git("show", f"refs/heads/main:{path}", cwd=ws.city.unit_repo(unit), env=clean_env())
    return frontmatter.split(text)[0]


# 1. settings ---------------------------------------------------------------------------------
def test_workflow_settings_are_validated_by_command_and_hook(ws: Workspace) -> None:
    before = ws.snapshot()
    with pytest.raises(Refused) as outsider:
        settings.set_workflow(ws.city, "admin", "lagov", signers=["wu"])  # wu belongs to jyj
    assert outsider.value.rule == "workflow-settings-invalid" and "wu" in outsider.value.text()
    with pytest.raises(Refused) as writer:
        settings.set_workflow(ws.city, "li", "lagov", approvals=0)  # a reviewer, not an admin
    assert writer.value.rule == "workflow-settings-writer"
    unit = ws.city.registry().unit("lagov")
    assert unit is not None
    unit.signers_for = {"请示": ["feng"]}  # committed by hand: the registry hook refuses it
    with pytest.raises(PushRefused) as hooked:
        commit_and_push(ws.city.registry_repo, ws.city.signer("admin"), {"units/lagov.yaml": dump(unit)}, "手工")
    assert "[workflow-settings-invalid｜" in hooked.value.message and "feng" in hooked.value.message
    assert ws.snapshot() == before
    from click.testing import CliRunner

    from repo_tools.cli import oa
    result = CliRunner().invoke(oa, ["--city", str(ws.city.root), "--as", "admin", "unit", "set-workflow", "lagov",
                                     "--approvals", "2", "--signers", "lu", "--signers-for", "请示=wang", "--check"])
    assert result.exit_code == 0, result.output
    unit = ws.city.registry().unit("lagov")
    assert unit and unit.required_approvals == 2 and unit.signers == ["lu"] and unit.check_required
    assert settings.allowed_signers(unit, ["请示"]) == ["wang"] and settings.allowed_signers(unit, ["通知"]) == ["lu"]


# 2. 签发 -------------------------------------------------------------------------------------
def test_sign_off_is_required_ordered_and_by_a_permitted_person(ws: Workspace) -> None:
    path = "documents/2026/safety/index.md"
    _, n = opened(ws, {path: notice()}, approve=())
    before = ws.snapshot()
    # out of order: 签发 before 核稿, by command and by plain git
    with pytest.raises(Refused) as early:
        acting.sign_off(ws.city, "lagov", n, "lu", "同意印发。")
    assert early.value.rule == "workflow-order" and "核稿" in early.value.text()
    refused = git_step(ws, "lagov", "lu", n, "sign-off", "同意印发。", {"Date": today().isoformat()})
    assert "[workflow-order｜" in refused and "核稿" in refused
    assert ws.snapshot() == before
    review.approve(ws.city, "lagov", n, "li", "同意。")
    # 签发 by someone not allowed (a reviewer of the unit)
    with pytest.raises(Refused) as wrong:
        acting.sign_off(ws.city, "lagov", n, "wang", "同意印发。")
    assert wrong.value.rule == "workflow-signer"
    before = ws.snapshot()
    refused = git_step(ws, "lagov", "wang", n, "sign-off", "同意印发。", {"Date": today().isoformat()})
    assert "[workflow-step-invalid｜" in refused and "负责人" in refused
    # a 签发 dated after its trusted time
    later = (today() + timedelta(days=3)).isoformat()
    assert "[workflow-step-invalid｜" in git_step(ws, "lagov", "lu", n, "sign-off", "同意。", {"Date": later})
    assert ws.snapshot() == before
    # the seal without 签发: the command and a hand-made merge are refused
    with pytest.raises(Refused) as unsigned:
        sealing.merge(ws.city, "lagov", n, "zhao")
    assert unsigned.value.rule == "merge-step-missing" and "签发" in unsigned.value.text()
    forged = hand_merge(ws, "lagov", n, signer="", pusher="zhao", seal_key=True, numbers={path: "六政办〔2026〕1号"})
    assert "[merge-step-missing｜" in forged and "签发" in forged
    assert ws.snapshot() == before
    shown = review.show(ws.city, "lagov", n)
    assert [m.split("：")[0] for m in shown["missing"]] == ["签发"]
    # accepted: the deputy signs off by plain git, the seal writes the 成文日期 of the signature
    signed_on = today() - timedelta(days=1)
    assert git_step(ws, "lagov", "lu", n, "sign-off", "同意印发。", {"Date": signed_on.isoformat()}) == ""
    assert review.show(ws.city, "lagov", n)["missing"] == []
    result = sealing.merge(ws.city, "lagov", n, "zhao")
    meta = main_meta(ws, path)
    assert meta["date"] == signed_on and "signer" not in meta  # a downward 通知 prints no 签发人
    body = git("log", "-1", "--format=%B", result.merge, cwd=ws.city.unit_repo("lagov"), env=clean_env())
    assert f"Sign-Off: refs/reviews/{n}/lu " in body
    from repo_tools.verify.report import document_report
    ws.witness()  # the units' witnesses cosign: trusted time needs the quorum
    report = document_report(ws.city, "lagov", "documents/2026/safety")
    assert report["ok"], report["problems"]
    assert [(s["step"], s["name"], s["opinion"], s["valid"]) for s in report["steps"]] == \
        [("sign-off", "陆远", "同意印发。", True)]


def test_typed_signer_must_be_the_one_who_signed(ws: Workspace) -> None:
    path = "documents/2026/funds/index.md"
    _, n = opened(ws, {path: request_doc("王芳")})
    acting.sign_off(ws.city, "lagov", n, "lu", "同意上报。")
    before = ws.snapshot()
    with pytest.raises(Refused) as typed:
        sealing.merge(ws.city, "lagov", n, "zhao")
    assert typed.value.rule == "merge-signer-typed" and "王芳" in typed.value.text()
    forged = hand_merge(ws, "lagov", n, signer="", pusher="zhao", seal_key=True, numbers={path: "六政办〔2026〕1号"})
    assert "[merge-signer-typed｜" in forged
    assert ws.snapshot() == before
    # the same request with the right name is sealed, and the 签发人 printed is the signature's
    _, n2 = opened(ws, {"documents/2026/funds2/index.md": request_doc("陆远")})
    acting.sign_off(ws.city, "lagov", n2, "lu", "同意上报。")
    sealing.merge(ws.city, "lagov", n2, "zhao")
    meta = main_meta(ws, "documents/2026/funds2/index.md")
    assert meta["signer"] == "陆远" and meta["date"] == today()


def test_hand_merge_writing_another_signer_or_date_is_refused(ws: Workspace) -> None:
    path = "documents/2026/funds/index.md"
    _, n = opened(ws, {path: request_doc("陆远")})
    acting.sign_off(ws.city, "lagov", n, "lu", "同意上报。", on=today() - timedelta(days=2))
    head = rev_parse(ws.city.unit_repo("lagov"), f"refs/heads/mr/{n}", env=clean_env())
    text = git("show", f"{head}:{path}", cwd=ws.city.unit_repo("lagov"), env=clean_env())
    before = ws.snapshot()
    for fields in ({"signer": "王芳"}, {"date": today()}):
        edited = frontmatter.set_fields(text, {"number": "六政办〔2026〕1号", "sealed_on": today(),
                                               "signer": "陆远", "date": today() - timedelta(days=2), **fields})
        forged = hand_merge(ws, "lagov", n, signer="", pusher="zhao", seal_key=True,
                            numbers={path: "六政办〔2026〕1号"}, extra={path: edited.encode()})
        assert "[merge-signed-field｜" in forged, forged
    assert ws.snapshot() == before


# 5. order and staleness; 复核 ------------------------------------------------------------------
def test_check_follows_sign_off_and_a_new_commit_makes_every_step_stale(ws: Workspace) -> None:
    settings.set_workflow(ws.city, "admin", "lagov", check=True)
    path = "documents/2026/safety/index.md"
    work, n = opened(ws, {path: notice()})
    before = ws.snapshot()
    with pytest.raises(Refused) as early:
        acting.check(ws.city, "lagov", n, "zhao")
    assert early.value.rule == "workflow-order" and "签发" in early.value.text()
    assert "[workflow-order｜" in git_step(ws, "lagov", "zhao", n, "check", "复核无误。")
    assert ws.snapshot() == before
    acting.sign_off(ws.city, "lagov", n, "lu", "同意印发。")
    with pytest.raises(Refused) as unchecked:
        sealing.merge(ws.city, "lagov", n, "zhao")
    assert unchecked.value.rule == "merge-step-missing" and "复核" in unchecked.value.text()
    with pytest.raises(Refused) as by_signer:
        acting.check(ws.city, "lagov", n, "lu")
    assert by_signer.value.rule == "workflow-checker"
    acting.check(ws.city, "lagov", n, "zhao")
    assert review.show(ws.city, "lagov", n)["missing"] == []
    # a new commit: 核稿, 签发 and 复核 of the old head are all stale, listed again in order
    ws.commit(work, {path: notice().replace("认真", "切实")}, "修改")
    assert ws.push(work, f"HEAD:refs/heads/mr/{n}").returncode == 0
    shown = review.show(ws.city, "lagov", n)
    assert [m.split("：")[0] for m in shown["missing"]] == ["核稿", "签发", "复核"]
    assert not any(s["current"] for s in shown["steps"])
    review.approve(ws.city, "lagov", n, "li", "同意。")
    acting.sign_off(ws.city, "lagov", n, "lu", "同意印发。")
    acting.check(ws.city, "lagov", n, "ma")
    result = sealing.merge(ws.city, "lagov", n, "zhao")
    body = git("log", "-1", "--format=%B", result.merge, cwd=ws.city.unit_repo("lagov"), env=clean_env())
    assert f"Check: refs/reviews/{n}/ma " in body


# 4. 委托 ---------------------------------------------------------------------------------------
def test_delegation_period_revocation_and_the_deputy_shown_as_dai(ws: Workspace) -> None:
    city_mod.set_unit_leader(ws.city, "admin", "lagov", "lu")
    settings.set_workflow(ws.city, "admin", "lagov", signers=[])
    path = "documents/2026/funds/index.md"
    _, n = opened(ws, {path: request_doc("马骏")})
    before = ws.snapshot()
    with pytest.raises(Refused) as none:
        acting.sign_off(ws.city, "lagov", n, "ma", "同意上报。")
    assert none.value.rule == "workflow-signer"
    with pytest.raises(Refused) as not_leader:
        delegation.delegate(ws.city, "zhou", "ma", today(), today())
    assert not_leader.value.rule == "delegation-not-leader"
    assert ws.snapshot() == before
    # a grant pushed by someone who is not the leader is refused by the hook
    work = ws.clone("lagov", "zhou")
    run(["git", "tag", "-s", "-m", delegation.grant_message("ma", "马骏", today(), today()), "grant", "HEAD"], work)
    proc = ws.push(work, f"refs/tags/grant:refs/delegations/{today():%Y%m%d}-ma")
    assert proc.returncode != 0 and "[delegation-not-leader｜" in proc.stderr
    assert ws.snapshot() == before
    # outside its period: a grant starting tomorrow does not cover today's 签发
    future = delegation.delegate(ws.city, "lu", "ma", today() + timedelta(days=1), today() + timedelta(days=5))
    with pytest.raises(Refused) as early:
        acting.sign_off(ws.city, "lagov", n, "ma", "同意上报。", delegation=future)
    assert early.value.rule == "workflow-delegation" and "期限" in early.value.text()
    snap = ws.snapshot()
    refused = git_step(ws, "lagov", "ma", n, "sign-off", "同意上报。", {"Date": today().isoformat(), "Delegation": future})
    assert "[workflow-step-invalid｜" in refused and "期限" in refused
    # revoked: a grant covering today, revoked, no longer lets ma sign off
    current = delegation.delegate(ws.city, "lu", "ma", today() - timedelta(days=1), today() + timedelta(days=1))
    delegation.revoke(ws.city, "lu", current)
    snap = ws.snapshot()
    with pytest.raises(Refused) as revoked:
        acting.sign_off(ws.city, "lagov", n, "ma", "同意上报。", delegation=current)
    assert revoked.value.rule == "workflow-delegation" and "撤销" in revoked.value.text()
    refused = git_step(ws, "lagov", "ma", n, "sign-off", "同意上报。", {"Date": today().isoformat(), "Delegation": current})
    assert "[workflow-step-invalid｜" in refused and "撤销" in refused
    # a grant is never moved nor deleted
    proc = ws.push(work, f":refs/delegations/{current}")
    assert proc.returncode != 0
    assert ws.snapshot() == snap
    # accepted: a grant in force; the 签发 shows （代） with both names, the print form the delegate
    granted = delegation.delegate(ws.city, "lu", "ma", today(), today() + timedelta(days=7))
    acting.sign_off(ws.city, "lagov", n, "ma", "同意上报。")  # the grant in force is found
    sealing.merge(ws.city, "lagov", n, "zhao")
    assert main_meta(ws, path)["signer"] == "马骏（代）"
    from repo_tools.verify.report import document_report
    ws.witness()  # the units' witnesses cosign: trusted time needs the quorum
    report = document_report(ws.city, "lagov", "documents/2026/funds")
    step = report["steps"][0]
    assert report["ok"], report["problems"]
    assert (step["name"], step["on_behalf_name"], step["delegation"]) == ("马骏", "陆远", granted)


# 3. 会签 ---------------------------------------------------------------------------------------
def test_joint_document_needs_the_co_issuers_countersign_through_the_service(ws: Workspace) -> None:
    path = "documents/2026/joint/index.md"
    text = notice("六安市人民政府办公室 六安市教育局关于开展校园安全检查的通知", "joint: [jyj]\n")
    _, n = opened(ws, {path: text})
    jyj = ws.city.unit_repo("jyj")
    delivered = rev_parse(jyj, f"refs/countersign/lagov/{n}", env=clean_env())
    assert delivered is not None  # the service placed the 会签件 in the co-issuer's own repository
    files = git("ls-tree", "-r", "--name-only", delivered, cwd=jyj, env=clean_env()).split()
    assert files == [path] and git("rev-list", "--count", delivered, cwd=jyj, env=clean_env()).strip() == "1"
    before = ws.snapshot()
    # out of order: 签发 before the 会签
    with pytest.raises(Refused) as early:
        acting.sign_off(ws.city, "lagov", n, "lu", "同意印发。")
    assert early.value.rule == "workflow-order" and "会签" in early.value.text()
    # a 会签 cannot be pushed into the drafting unit's repository, by anyone
    assert "[workflow-countersign-route｜" in git_step(ws, "lagov", "wang", n, "countersign", "同意。",
                                                      {"Date": today().isoformat(), "Unit": "jyj"})
    # nor by someone of the co-issuer who is not its leader or deputy
    with pytest.raises(Refused) as not_leader:
        acting.countersign(ws.city, "he", n, "同意。")
    assert not_leader.value.rule == "workflow-signer"
    he = ws.clone("jyj", "he")
    run(["git", "fetch", "-q", "origin", f"refs/countersign/lagov/{n}"], he)
    message = step_message("countersign", "同意。", {"Date": today().isoformat(), "Unit": "jyj", "Head": "x"})
    run(["git", "tag", "-s", "-m", message, "cs", "FETCH_HEAD"], he)
    proc = ws.push(he, f"refs/tags/cs:refs/outbox-countersign/lagov/{n}/he")
    assert proc.returncode != 0 and "[workflow-countersign-invalid｜" in proc.stderr
    # and the service's 会签件 ref is the service's alone
    proc = ws.push(he, f"HEAD:refs/countersign/lagov/{n + 1}")
    assert proc.returncode != 0 and "[ref-forbidden｜" in proc.stderr
    assert ws.snapshot() == before
    with pytest.raises(Refused) as missing:
        sealing.merge(ws.city, "lagov", n, "zhao")
    assert missing.value.rule == "merge-step-missing" and "会签" in missing.value.text()
    # accepted: jyj's deputy countersigns in jyj's repository; the service carries it to lagov
    acting.countersign(ws.city, "gu", n, "同意联合印发。")
    placed = rev_parse(ws.city.unit_repo("lagov"), f"refs/reviews/{n}/gu", env=clean_env())
    assert placed is not None
    shown = review.show(ws.city, "lagov", n)
    assert [m.split("：")[0] for m in shown["missing"]] == ["签发"], (shown["missing"], shown["steps"])
    acting.sign_off(ws.city, "lagov", n, "lu", "同意印发。")
    # out of order: a 会签 made again after the 签发 makes the 签发 wait for a new one
    acting.countersign(ws.city, "gu", n, "同意联合印发（再次确认）。", from_unit="lagov")
    assert [m.split("：")[0] for m in review.show(ws.city, "lagov", n)["missing"]] == ["会签"]
    acting.sign_off(ws.city, "lagov", n, "lu", "同意印发。")
    placed = rev_parse(ws.city.unit_repo("lagov"), f"refs/reviews/{n}/gu", env=clean_env())
    result = sealing.merge(ws.city, "lagov", n, "zhao")
    body = git("log", "-1", "--format=%B", result.merge, cwd=ws.city.unit_repo("lagov"), env=clean_env())
    assert f"Countersign: refs/reviews/{n}/gu {placed}" in body
    from repo_tools.verify.report import document_report
    ws.witness()  # the units' witnesses cosign: trusted time needs the quorum
    report = document_report(ws.city, "lagov", "documents/2026/joint")
    assert report["ok"], report["problems"]
    assert [(s["step"], s["unit"], s["valid"]) for s in report["steps"]] == \
        [("countersign", "jyj", True), ("sign-off", "lagov", True)]


# The print form's signature block -------------------------------------------------------------
def _pdf(tmp: Path, meta_extra: str, co: list[tuple[str, str | None]] | None) -> list[str]:
    from pypdf import PdfReader

    from repo_tools.documents import render
    from repo_tools.seal.image import seal_svg
    folder = tmp / "doc"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "index.md").write_text(
        "---\ntype: 通知\ntitle: 六安市人民政府办公室关于开展安全检查的通知\nnumber: 六政办〔2026〕1号\n"
        f"recipients: [市政府各部门]\ndate: 2026-12-01\n{meta_extra}---\n\n市政府各部门：\n\n请认真开展安全检查。\n",
        encoding="utf-8")
    out = render.render_pdf(folder, tmp / "out.pdf", "六安市人民政府办公室", seal_svg("六安市人民政府办公室", "city"),
                             co_issuers=co)
    return [page.extract_text().replace(" ", "") for page in PdfReader(str(out)).pages]


def test_print_form_signature_block_for_one_and_two_units(tmp_path: Path) -> None:
    from repo_tools.documents.official_form import render_official_html
    from repo_tools.seal.image import seal_svg
    one = _pdf(tmp_path / "one", "", None)
    # the signature block (署名, 成文日期, seal) sits on the first page, below the body
    assert "请认真开展安全检查" in one[0] and "2026年12月1日" in one[0] and "六安市教育局" not in "".join(one)
    co = [("六安市教育局", seal_svg("六安市教育局", "department"))]
    two = _pdf(tmp_path / "two", "joint: [jyj]\n", co)
    assert len(two) == len(one) and "六安市教育局" in two[0] and "2026年12月1日" in two[0]
    assert "".join(two).count("2026年12月1日") == "".join(one).count("2026年12月1日")  # one date for both
    html = render_official_html({"type": "通知", "title": "x", "date": date(2026, 12, 1)}, "<p>正文</p>",
                                "六安市人民政府办公室", "<svg/>", co_issuers=co)
    block = html[html.index("od-joint"):]
    assert block.count('class="od-sign-unit"') == 2 and block.count('class="od-seal"') == 2
    assert block.index("六安市人民政府办公室") < block.index("六安市教育局") < block.index("2026年12月1日")
