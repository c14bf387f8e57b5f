"""Archiving through real pushes: packages, archive tags and the access register are refused
when the rules say so (leaving refs and log untouched) and accepted otherwise; the four checks
and the BagIt export catch a missing or altered file."""
from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import bagit
import pytest
from archive_support import BULLETIN, LETTER, MEASURES, NOTICE, archived_2013, landed_2013
from fixtures import Workspace, _drop_key, run

from repo_tools.archive import (
    access as archive_access,
)
from repo_tools.archive import (
    checks as archive_checks,
)
from repo_tools.archive import (
    export as archive_export,
)
from repo_tools.archive import packages as archive_mod
from repo_tools.archive import (
    reference as archive_reference,
)
from repo_tools.archive import (
    stats as archive_stats,
)
from repo_tools.archive.stats_svg import stats_svg
from repo_tools.git.repo import PushRefused, Scratch, clean_env, git
from repo_tools.log import eventlog
from repo_tools.messages import Refused

DRAFT = """---
type: 通知
title: 六安市人民政府办公室关于尚未用印的草稿的通知
recipients: [市政府各部门]
date: 2013-05-01
---

草稿。
"""
OA = [str(Path(os.sys.executable).parent / "oa")]


def draft(text: str) -> str:
    """A document as drafted: sealing, not the author, gives the number."""
    return _drop_key(text, "number")


def main_number(ws: Workspace, doc_dir: str, unit: str = "lagov") -> str:
    """The number the sealing merge gave a document on main."""
    from repo_tools.documents import frontmatter
    text = git("show", f"refs/heads/main:{doc_dir}/index.md", cwd=ws.city.unit_repo(unit), env=clean_env())
    return str(frontmatter.split(text)[0]["number"])


def refs(ws: Workspace, unit: str = "lagov") -> dict[str, str]:
    out = git("for-each-ref", "--format=%(objectname) %(refname)", cwd=ws.city.unit_repo(unit), env=clean_env())
    return {line.split()[1]: line.split()[0] for line in out.splitlines()}


def assert_refused(ws: Workspace, before: dict, proc: subprocess.CompletedProcess[str], rule: str) -> None:
    assert proc.returncode != 0, proc.stdout + proc.stderr
    assert f"[{rule}｜" in proc.stderr, proc.stderr
    assert ws.snapshot() == before, "a refused push changed refs, registry or log"


def oa(ws: Workspace, *args: str, user: str | None = None) -> subprocess.CompletedProcess[str]:
    base = [*OA, "--city", str(ws.city.root)] + (["--as", user] if user else [])
    return subprocess.run([*base, *args], capture_output=True, text=True)


@pytest.fixture
def archived(ws: Workspace) -> archive_mod.Package:
    return archived_2013(ws)


# Archiving -----------------------------------------------------------------------------------
def test_archive_gathers_sealed_documents_and_bulletins_with_references(ws: Workspace) -> None:
    landed_2013(ws)
    work = ws.clone("lagov", "zhang")
    ws.commit(work, {"documents/2013/draft/index.md": DRAFT})
    assert ws.push(work, "HEAD:refs/heads/draft/unsealed").returncode == 0
    archived = archive_mod.archive(ws.city, "lagov", 2013, "sun")
    assert archived is not None
    rows = {row["source"]: row for row in archived.rows}
    assert set(rows) == {"documents/2013/oa-measures", "documents/2013/contact-letter",
                         "bulletins/政务动态/2013-03-26-oa-trial-run"}  # drafts off main stay out
    # A notice that issues rules is permanent; a letter and a bulletin are kept 10 years.
    assert rows["documents/2013/oa-measures"]["档号"] == "LAGO-WS·2013-Y-0001"
    assert rows["documents/2013/contact-letter"]["保管期限"] == "D10"
    assert rows["bulletins/政务动态/2013-03-26-oa-trial-run"]["保管期限"] == "D10"
    d10 = sorted(r["档号"] for r in archived.rows if r["保管期限"] == "D10")
    assert d10 == ["LAGO-WS·2013-D10-0001", "LAGO-WS·2013-D10-0002"]
    tags = refs(ws)
    assert "refs/tags/archive/2013" in tags
    main = tags["refs/heads/main"]
    repo = ws.city.unit_repo("lagov")
    # Git stores the archived copy once: same blob as the document on main.
    original = git("rev-parse", f"{main}:documents/2013/oa-measures/index.md", cwd=repo, env=clean_env()).strip()
    copy = git("rev-parse", f"{main}:archive/2013/1/items/LAGO-WS·2013-Y-0001/content/index.md",
               cwd=repo, env=clean_env()).strip()
    assert original == copy
    meta = json.loads(git("show", f"{main}:archive/2013/1/items/LAGO-WS·2013-Y-0001/metadata.json",
                          cwd=repo, env=clean_env()))
    number = main_number(ws, "documents/2013/oa-measures")
    assert number.startswith("六政办秘〔2013〕")  # the code the author chose; sealing gave the rest
    assert meta["内容描述"]["文件编号"] == number
    assert meta["档号"]["保管期限"] == "永久"
    assert meta["电子签名"][0]["签名结果"] == "有效" and meta["电子签名"][0]["签名时间"]
    files = {f["计算机文件名"]: f for f in meta["电子属性"]}
    assert files["measures.txt"]["SHA-256"] and files["index.md"]["格式信息"].startswith("Markdown")
    assert [e["业务行为"] for e in meta["业务行为"]][-1] == "归档"
    # The tag is signed by the archivist, and nothing is left to archive.
    assert archive_mod.archive(ws.city, "lagov", 2013, "sun") is None
    logged = [e for e in eventlog.read(ws.city.log_file) if e["type"] == "archive"]
    assert logged and logged[-1]["tag"] == "refs/tags/archive/2013"


def test_metadata_records_seal_and_approvals_of_the_sealing_merge(ws: Workspace) -> None:
    """The real sealing merge (issue 4: MR, signed approvals, merge signed by the unit seal) gives
    the item its 印章, 审批 and 电子签名, as `verify.document_report` reads them."""
    from repo_tools.verify.report import document_report
    merge = ws.land("lagov", "zhang", {"documents/2013/oa-measures/index.md": NOTICE,
                                       "documents/2013/oa-measures/attachments/measures.txt": MEASURES},
                    "拟稿：协同办公系统使用管理办法")
    ws.witness()
    seal = ws.city.registry().active_seal("lagov")
    assert seal is not None
    sealed = document_report(ws.city, "lagov", "documents/2013/oa-measures")
    assert sealed["ok"] and sealed["merge"] == merge, sealed
    reviewer = sealed["approvals"][0]["reviewer"]
    package = archive_mod.archive(ws.city, "lagov", 2013, "sun")
    assert package is not None
    repo = ws.city.unit_repo("lagov")
    meta = json.loads(git("show", f"refs/heads/main:{package.path}/items/{package.rows[0]['档号']}/metadata.json",
                          cwd=repo, env=clean_env()))
    assert meta["印章"]["印章标识"] == seal.id and meta["印章"]["签名结果"] == "有效"
    assert meta["印章"]["保管人"] == seal.custodian
    assert meta["审批"][0]["审核人"] == reviewer and meta["审批"][0]["意见"] == "同意。"
    assert meta["审批"][0]["意见类型"] == "approve" and meta["审批"][0]["可信时间"]
    assert {s["用途"] for s in meta["电子签名"]} == {"用印签发", "审核意见", "签发"}
    assert all(s["有效"] for s in meta["电子签名"])
    assert meta["可信时间"]["合并请求"] == git("log", "-1", "--format=%(trailers:key=Merge-Request,valueonly)",
                                           merge, cwd=repo, env=clean_env()).strip()
    assert meta["内容描述"]["文件编号"] == sealed["number"]
    assert [e["业务行为"] for e in meta["业务行为"]] == ["拟稿", "审核", "签发", "用印签发", "归档"]
    assert [(s["步骤"], s["姓名"], s["意见"], s["有效"]) for s in meta["发文流程"]] == [("签发", "陆远", "同意印发。", True)]
    assert archive_checks.verify(ws.city, "lagov", 2013)["ok"]


def test_later_batch_gets_its_own_tag_and_continues_numbering(ws: Workspace,
                                                               archived: archive_mod.Package) -> None:
    ws.land("lagov", "zhang", {"documents/2013/second-letter/index.md":
                               LETTER.replace("3号", "5号").replace("联系人的函", "测试人员的函")})
    second = archive_mod.archive(ws.city, "lagov", 2013, "sun")
    assert second is not None and second.batch == 2
    assert [r["档号"] for r in second.rows] == ["LAGO-WS·2013-D10-0003"]
    assert "refs/tags/archive/2013-2" in refs(ws)


def test_retention_schedule_override_from_unit_repository(ws: Workspace) -> None:
    landed_2013(ws)
    ws.land("lagov", "zhou", {"archive/retention.yaml":
                              "organization: BGS\noverrides:\n  documents/2013/contact-letter: D30\n"})
    package = archive_mod.archive(ws.city, "lagov", 2013, "sun")
    assert package is not None
    rows = {row["source"]: row["档号"] for row in package.rows}
    assert rows["documents/2013/contact-letter"] == "LAGO-WS·2013-D30-BGS-0001"
    assert archive_reference.parse(rows["documents/2013/oa-measures"]).org == "BGS"


def test_archive_by_non_archivist_refused(ws: Workspace) -> None:
    landed_2013(ws)
    before = ws.snapshot()
    with pytest.raises(Refused) as refused:
        archive_mod.archive(ws.city, "lagov", 2013, "zhang")
    assert refused.value.rule == "role-required"
    assert ws.snapshot() == before


def test_oa_archive_cli(ws: Workspace) -> None:
    landed_2013(ws)
    done = oa(ws, "--json", "archive", "2013", user="sun")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["tag"] == "refs/tags/archive/2013"
    again = oa(ws, "archive", "2013", user="sun")
    assert again.returncode == 0 and "没有" in again.stdout
    refused = oa(ws, "archive", "2013", user="zhang")
    assert refused.returncode == 1 and "档案员" in refused.stderr


# The hook: archive tags ------------------------------------------------------------------------
def _push_tag(ws: Workspace, user: str, name: str, target: str, signed: bool = True,
              force: bool = False, message: str = "归档") -> subprocess.CompletedProcess[str]:
    work = ws.clone("lagov", user)
    run(["git", "fetch", "-q", "origin", "+refs/tags/*:refs/tags/*"], work)
    args = ["git", "tag", "-f", "-m", message, name, target]
    args.insert(2, "-s" if signed else "--no-sign")
    run(args, work)
    return ws.push(work, f"{'+' if force else ''}refs/tags/{name}:refs/tags/{name}")


def test_archive_tag_by_non_archivist_refused(ws: Workspace) -> None:
    landed_2013(ws)
    package = archive_mod.build_package(ws.city, "lagov", 2013, "sun")
    assert package is not None
    before = ws.snapshot()
    with pytest.raises(PushRefused) as refused:
        archive_mod.publish_package(ws.city, package, ws.city.signer("zhang"))
    assert "[archive-tag-archivist｜" in refused.value.message
    assert "[archive-package-writer｜" in refused.value.message
    assert ws.snapshot() == before


def test_unsigned_archive_tag_refused(ws: Workspace, archived: archive_mod.Package) -> None:
    ws.land("lagov", "zhang", {"documents/2013/second-letter/index.md": LETTER.replace("3号", "5号")})
    second = archive_mod.build_package(ws.city, "lagov", 2013, "sun")
    assert second is not None
    with Scratch(ws.city.unit_repo("lagov"), ws.city.signer("sun")) as scratch:
        commit = scratch.commit(second.files, second.commit_message)
        scratch.push([f"{commit}:refs/heads/main"])  # the package alone is an archive commit
    before = ws.snapshot()
    proc = _push_tag(ws, "sun", second.tag, commit, signed=False, message=second.tag_message)
    assert_refused(ws, before, proc, "archive-tag-unsigned")
    lightweight = ws.clone("lagov", "sun")
    run(["git", "fetch", "-q", "origin"], lightweight)
    run(["git", "update-ref", f"refs/tags/{second.tag}", commit], lightweight)
    proc = ws.push(lightweight, f"refs/tags/{second.tag}:refs/tags/{second.tag}")
    assert_refused(ws, before, proc, "archive-tag-unsigned")
    accepted = _push_tag(ws, "sun", second.tag, commit, message=second.tag_message)
    assert accepted.returncode == 0, accepted.stderr


def test_archive_tag_moved_or_deleted_refused(ws: Workspace, archived: archive_mod.Package) -> None:
    before = ws.snapshot()
    main = refs(ws)["refs/heads/main"]
    moved = _push_tag(ws, "sun", "archive/2013", f"{main}~1", force=True, message=archived.tag_message)
    assert_refused(ws, before, moved, "archive-tag-immutable")
    work = ws.clone("lagov", "sun")
    deleted = ws.push(work, ":refs/tags/archive/2013")
    assert_refused(ws, before, deleted, "archive-tag-immutable")


def test_archive_tag_over_mismatching_manifest_refused(ws: Workspace) -> None:
    landed_2013(ws)
    package = archive_mod.build_package(ws.city, "lagov", 2013, "sun")
    assert package is not None
    altered = next(p for p in package.files if p.endswith("content/index.md"))
    package.files[altered] = package.files[altered] + b"\n\xe8\xa1\xa5\xe5\x85\x85\n"
    before = ws.snapshot()
    with pytest.raises(PushRefused) as refused:
        archive_mod.publish_package(ws.city, package, ws.city.signer("sun"))
    assert "[archive-manifest-mismatch｜" in refused.value.message
    assert ws.snapshot() == before


# The hook: archived files on main ----------------------------------------------------------------
def test_change_to_archived_file_on_main_refused(ws: Workspace, archived: archive_mod.Package) -> None:
    work = ws.clone("lagov", "zhang")
    ws.commit(work, {"documents/2013/oa-measures/index.md": NOTICE.replace("认真", "切实")})
    before = ws.snapshot()
    assert_refused(ws, before, ws.push(work, "HEAD:refs/heads/main"), "archive-item-changed")
    run(["git", "reset", "-q", "--hard", "origin/main"], work)
    run(["git", "rm", "-q", "documents/2013/oa-measures/attachments/measures.txt"], work)
    run(["git", "commit", "-q", "--no-verify", "-m", "删除附件"], work)  # let the server judge
    assert_refused(ws, before, ws.push(work, "HEAD:refs/heads/main"), "archive-item-changed")


def test_change_to_archive_package_refused(ws: Workspace, archived: archive_mod.Package) -> None:
    work = ws.clone("lagov", "sun")
    ws.commit(work, {"archive/2013/1/catalogue.md": "# 改过的目录\n"})
    before = ws.snapshot()
    assert_refused(ws, before, ws.push(work, "HEAD:refs/heads/main"), "archive-package-changed")
    run(["git", "reset", "-q", "--hard", "origin/main"], work)
    ws.commit(work, {"archive/2013/1/items/extra.txt": "补充\n"})
    assert_refused(ws, before, ws.push(work, "HEAD:refs/heads/main"), "archive-package-writer")


def test_archivist_commit_beyond_the_package_is_no_archive_commit(ws: Workspace) -> None:
    """Review-free archivist authority covers only a new package: an archivist's commit that also
    touches main outside `archive/<year>/<batch>/` must come through review like any other."""
    landed_2013(ws)
    package = archive_mod.build_package(ws.city, "lagov", 2013, "sun")
    assert package is not None
    before = ws.snapshot()
    with Scratch(ws.city.unit_repo("lagov"), ws.city.signer("sun")) as scratch:
        commit = scratch.commit({**package.files, "bulletins/政务动态/2013-03-27-x/index.md":
                                 BULLETIN.replace("2013-03-26", "2013-03-27").encode()}, package.commit_message)
        with pytest.raises(PushRefused) as refused:
            scratch.push([f"{commit}:refs/heads/main"])
    assert "[merge-not-merge｜" in refused.value.message
    assert ws.snapshot() == before
    with Scratch(ws.city.unit_repo("lagov"), ws.city.signer("sun")) as scratch:
        commit = scratch.commit(package.files, package.commit_message)
        scratch.push([f"{commit}:refs/heads/main"])  # the package alone passes the main rule
    assert refs(ws)["refs/heads/main"] == commit


def test_package_written_by_non_archivist_refused(ws: Workspace) -> None:
    work = ws.clone("lagov", "zhang")
    ws.commit(work, {"archive/2013/1/catalogue.json": "{}\n"})
    before = ws.snapshot()
    assert_refused(ws, before, ws.push(work, "HEAD:refs/heads/main"), "archive-package-writer")


def test_correction_as_new_document_and_drafts_accepted(ws: Workspace, archived: archive_mod.Package) -> None:
    ws.land("lagov", "zhang", {"documents/2013/oa-measures-fix/index.md": NOTICE.replace("认真", "切实"),
                               "documents/2013/oa-measures-fix/attachments/measures.txt": MEASURES})
    work = ws.clone("lagov", "zhang")
    ws.commit(work, {"documents/2013/oa-measures/index.md": draft(NOTICE.replace("认真", "切实"))})
    assert ws.push(work, "HEAD:refs/heads/draft/fix").returncode == 0


# The four checks and the export ------------------------------------------------------------------
def test_verify_passes_on_a_good_package(ws: Workspace, archived: archive_mod.Package) -> None:
    report = archive_checks.verify(ws.city, "lagov", 2013)
    assert report["ok"], report
    assert set(report["checks"]) == {"真实性", "完整性", "可用性", "安全性"}
    done = oa(ws, "archive", "verify", "2013", "--unit", "lagov")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "真实性" in done.stdout


def _tamper(ws: Workspace, change: dict[str, bytes | None]) -> None:
    """Rewrite main behind the hook's back, as a disk-level intruder would."""
    repo = ws.city.unit_repo("lagov")
    (ws.base / "tamper-wt").mkdir()
    env = {**clean_env(), "GIT_INDEX_FILE": str(ws.base / "tamper-index"), "GIT_WORK_TREE": str(ws.base / "tamper-wt")}
    git("read-tree", "refs/heads/main", cwd=repo, env=env)
    for path, data in change.items():
        if data is None:
            git("update-index", "--force-remove", "--", path, cwd=repo, env=env)
        else:
            oid = git("hash-object", "-w", "--stdin", cwd=repo, env=env, input=data).strip()
            git("update-index", "--add", "--cacheinfo", f"100644,{oid},{path}", cwd=repo, env=env)
    tree = git("write-tree", cwd=repo, env=env).strip()
    commit = git("commit-tree", tree, "-p", "refs/heads/main", "-m", "篡改", cwd=repo,
                 env={**env, "GIT_AUTHOR_NAME": "x", "GIT_AUTHOR_EMAIL": "x@x", "GIT_COMMITTER_NAME": "x",
                      "GIT_COMMITTER_EMAIL": "x@x"}).strip()
    git("update-ref", "refs/heads/main", commit, cwd=repo, env=clean_env())


@pytest.mark.parametrize("how", ["missing", "altered"])
def test_missing_or_altered_file_fails_verify_and_bag(ws: Workspace, archived: archive_mod.Package,
                                                       how: str) -> None:
    path = "archive/2013/1/items/LAGO-WS·2013-Y-0001/content/attachments/measures.txt"
    _tamper(ws, {path: None if how == "missing" else "第一条 已被篡改\n".encode()})
    report = archive_checks.verify(ws.city, "lagov", 2013)
    assert not report["ok"]
    assert not report["checks"]["完整性"]["ok"]
    assert any("measures.txt" in p for p in report["checks"]["完整性"]["problems"])
    done = oa(ws, "archive", "verify", "2013", "--unit", "lagov")
    assert done.returncode == 1
    out = ws.base / "bag"
    result = archive_export.export(ws.city, "lagov", 2013, out)
    assert not result["valid"]
    with pytest.raises(bagit.BagValidationError):
        bagit.Bag(str(out)).validate()


def test_document_changed_on_main_after_sealing_fails_authenticity(ws: Workspace,
                                                                   archived: archive_mod.Package) -> None:
    """The 真实性 check asks `verify.document_report`: a sealed document altered on main behind
    the hook's back is no longer what the seal signed."""
    assert archive_checks.verify(ws.city, "lagov", 2013)["checks"]["真实性"]["ok"]
    path = "documents/2013/oa-measures/index.md"
    text = git("show", f"refs/heads/main:{path}", cwd=ws.city.unit_repo("lagov"), env=clean_env())
    _tamper(ws, {path: text.replace("认真", "切实").encode()})
    report = archive_checks.verify(ws.city, "lagov", 2013)
    assert not report["checks"]["真实性"]["ok"]
    assert any("盖章之后被改动" in p for p in report["checks"]["真实性"]["problems"]), report


def test_good_export_validates_and_tampered_bag_does_not(ws: Workspace, archived: archive_mod.Package) -> None:
    out = ws.base / "bag"
    done = oa(ws, "archive", "export", "2013", str(out), "--unit", "lagov")
    assert done.returncode == 0, done.stdout + done.stderr
    bag = bagit.Bag(str(out))
    bag.validate()
    assert bag.info["External-Identifier"] == "refs/tags/archive/2013"
    assert any(p.endswith("metadata.json") for p in bag.payload_entries())
    # each item carries the log's offline proof of its sealing (or publishing) push, witnessed
    from repo_tools.log import policy, proof
    keys = policy.load(ws.city.registry_repo)
    items = sorted(p.name for p in out.glob("data/archive/2013/1/items/*"))
    proofs = sorted(p.stem for p in out.glob("data/proofs/*.tlog-proof"))
    assert proofs == items and (out / "data/keys/log/log/key.pub").exists()
    for path in out.glob("data/proofs/*.tlog-proof"):
        checked = proof.check(path.read_text(encoding="utf-8"), keys)
        assert checked.ok and checked.witnessed, checked.problems
    victim = next(out.glob("data/archive/2013/1/items/*/content/index.md"))
    victim.write_text(victim.read_text(encoding="utf-8") + "改动\n", encoding="utf-8")
    with pytest.raises(bagit.BagValidationError):
        bagit.Bag(str(out)).validate()


# The access register -----------------------------------------------------------------------------
def test_access_register_records_every_access(ws: Workspace, archived: archive_mod.Package) -> None:
    reference = archived.rows[0]["档号"]
    archive_access.access(ws.city, "zhang", reference, "起草2014年修订稿参考")
    archive_access.access(ws.city, "li", reference, "审核修订稿")
    done = oa(ws, "archive", "access", archived.rows[1]["档号"], "--reason", "年度检查", user="zhou")
    assert done.returncode == 0, done.stderr
    register = archive_access.register(ws.city, "lagov")
    assert [(r["reader"], r["item"], r["reason"]) for r in register] == [
        ("zhang", reference, "起草2014年修订稿参考"), ("li", reference, "审核修订稿"),
        ("zhou", archived.rows[1]["档号"], "年度检查")]
    assert all(r["signature_valid"] and r["trusted_time"] for r in register)
    logged = [e for e in eventlog.read(ws.city.log_file) if e["type"] == "archive-access"]
    assert [e["reader"] for e in logged] == ["zhang", "li", "zhou"]
    listed = oa(ws, "--json", "archive", "register", "--unit", "lagov")
    assert listed.returncode == 0 and len(json.loads(listed.stdout)) == 3


def test_access_refused_for_unknown_item_or_other_unit(ws: Workspace, archived: archive_mod.Package) -> None:
    before = ws.snapshot()
    with pytest.raises(Refused) as unknown:
        archive_access.access(ws.city, "zhang", "LAGO-WS·2013-Y-0099", "查阅")
    assert unknown.value.rule == "archive-item-unknown"
    with pytest.raises(Refused) as other:
        archive_access.access(ws.city, "wu", archived.rows[0]["档号"], "查阅")
    assert other.value.rule == "archive-access-other-unit"
    assert ws.snapshot() == before


def test_access_register_cannot_be_rewritten_or_forged(ws: Workspace, archived: archive_mod.Package) -> None:
    archive_access.access(ws.city, "zhang", archived.rows[0]["档号"], "查阅")
    work = ws.clone("lagov", "li")
    run(["git", "fetch", "-q", "origin", "archive-register"], work)
    run(["git", "checkout", "-q", "-B", "reg", "FETCH_HEAD"], work)
    before = ws.snapshot()
    forged = {"档号": archived.rows[0]["档号"], "调阅人": "zhang", "事由": "冒名"}
    ws.commit(work, {"archive/access/2026/forged.json": json.dumps(forged, ensure_ascii=False)})
    assert_refused(ws, before, ws.push(work, "HEAD:refs/heads/archive-register"), "archive-register-invalid")
    assert_refused(ws, before, ws.push(work, ":refs/heads/archive-register"), "archive-register-invalid")
    run(["git", "reset", "-q", "--hard", "HEAD~1"], work)
    run(["git", "commit", "-q", "--amend", "-m", "改写他人的调阅登记"], work)
    assert_refused(ws, before, ws.push(work, "+HEAD:refs/heads/archive-register"), "archive-register-invalid")


# Statistics --------------------------------------------------------------------------------------
def test_stats_table_json_and_svg(ws: Workspace, archived: archive_mod.Package) -> None:
    archive_access.access(ws.city, "zhang", archived.rows[0]["档号"], "查阅")
    stats = archive_stats.stats(ws.city, 2013)
    assert stats["items"] == 3 and stats["accesses"] == 1
    assert stats["by_retention"] == {"Y": 1, "D10": 2}
    assert stats["by_type"] == {"通知": 1, "函": 1, "信息": 1}
    assert stats["units"][0]["unit"] == "lagov" and stats["bytes"] > 0
    svg = stats_svg(ws.city, 2013)
    assert svg.startswith("<svg") and "<script" not in svg and "永久" in svg
    from repo_tools.hook.rules.content import check_svg
    assert list(check_svg("stats.svg", svg.encode())) == []
    done = oa(ws, "--json", "archive", "stats", "2013")
    assert done.returncode == 0 and json.loads(done.stdout)["items"] == 3
    table = oa(ws, "archive", "stats", "2013")
    assert table.returncode == 0 and "六安市人民政府办公室" in table.stdout
    pages = archive_stats.catalogue_pages(ws.city)
    assert pages and pages[0]["year"] == 2013 and len(pages[0]["rows"]) == 3
    assert "归档文件目录" in pages[0]["markdown"]
