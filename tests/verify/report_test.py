"""`oa verify` and `document_report`: judgements at trusted time, another unit's seal, unknown
trusted times, the cache keyed by registry state, exit status and JSON, and the exported
keyring with stock git."""
from __future__ import annotations

import json

from click.testing import CliRunner
from fixtures import Workspace
from keys_support import approve, merge_commit, open_request, place_without_hook, seal_signer, sealed_document, stock_git

from repo_tools import timeutil
from repo_tools.cli import oa
from repo_tools.git.repo import Scratch, clean_env, git
from repo_tools.identity import certificates
from repo_tools.identity.keyring_export import export
from repo_tools.registry.applications import Application, approved_files
from repo_tools.registry.records import dump_seals
from repo_tools.seal import seals
from repo_tools.verify.report import Verifier, document_report, unit_findings, verify


def lagov(report: dict) -> dict:
    return next(u for u in report["units"] if u["unit"] == "lagov")


def test_sealed_document_report(ws: Workspace) -> None:
    sealed = sealed_document(ws, reviewers=("li", "wang"))
    ws.witness()
    report = document_report(ws.city, "lagov", sealed.path)
    assert report["ok"], report["problems"]
    assert report["number"] == sealed.number and report["sealed"] and report["seal_valid"]
    assert report["seal"]["id"] == "lagov-1" and report["seal"]["unit"] == "lagov"
    assert report["sealed_at"] is not None
    assert {(a["reviewer"], a["verdict"], a["opinion"], a["valid"]) for a in report["approvals"]} == {
        ("li", "approve", "同意印发。", True), ("wang", "approve", "同意印发。", True)}
    assert all(a["trusted_time"] for a in report["approvals"]) and report["approvals"][0]["name"] == "李华"
    full = verify(ws.city, "lagov")
    assert full["ok"] and lagov(full)["documents"][0]["number"] == sealed.number
    seals.issue(ws.city, "admin", "lagov", custodian="zhao", approved_by="zhou")
    keeper = document_report(ws.city, "lagov", sealed.path)["seal"]
    assert (keeper["custodian"], keeper["custodian_name"]) == ("zhao", "赵强")


def test_seal_valid_after_rotation_and_reviewer_leaving(ws: Workspace) -> None:
    sealed = sealed_document(ws)
    seals.rotate(ws.city, "admin", "lagov", "damaged", approved_by="zhou", custodian="zhao")
    certificates.revoke(ws.city, "admin", "li", "left", approved_by="zhou")
    ws.witness()
    report = document_report(ws.city, "lagov", sealed.path)
    assert report["ok"] and report["seal_valid"], report["problems"]
    assert verify(ws.city, "lagov")["ok"]


def test_another_units_seal_is_not_this_units_seal(ws: Workspace) -> None:
    head = open_request(ws, "lagov", "zhang")
    tags = {"li": approve(ws, "lagov", "li", head)}
    # jyj's seal is valid, but only for jyj; the lagov hook refuses it ...
    scratch, oid = merge_commit(ws, "lagov", seal_signer(ws, "jyj"), head, tags, "documents/2013/oa-measures",
                                "六政办〔2013〕1号", "lagov-1")
    try:
        from repo_tools.git.repo import PushRefused, push
        try:
            push(scratch.dir, scratch.bare, [f"{oid}:refs/heads/main"], ws.city.signer("zhao"))
            raise AssertionError("the hook accepted another unit's seal")
        except PushRefused as exc:
            assert "commit-other-unit" in exc.message
        # ... and verification says the same of it when it is found on the server anyway
        place_without_hook(ws, "lagov", str(scratch.dir), oid, "refs/heads/main")
    finally:
        scratch.close()
    ws.witness()
    report = document_report(ws.city, "lagov", "documents/2013/oa-measures")
    assert report["sealed"] and not report["seal_valid"] and not report["ok"]
    assert any("六安市教育局" in p and "不是本单位的印章" in p for p in report["problems"]), report["problems"]


def test_unknown_trusted_time_is_reported(ws: Workspace) -> None:
    work = ws.clone("lagov", "zhang")
    oid = ws.commit(work, {"a.md": "未经推送进入服务器\n"})
    place_without_hook(ws, "lagov", str(work), oid, "refs/heads/draft/side", log=False)
    report = verify(ws.city, "lagov")
    found = {f["id"]: f for f in lagov(report)["objects"]}[oid]
    assert found["trusted_time"] == "unknown" and not found["valid"] and "可信时间未知" in found["reason"]
    assert found["signer"] == "zhang"  # the signature itself is good
    assert not report["ok"]


def test_exit_status_and_json_match_the_findings(ws: Workspace) -> None:
    sealed_document(ws)
    ws.witness()
    runner = CliRunner()
    base = ["--city", str(ws.city.root)]
    result = runner.invoke(oa, [*base, "verify", "--unit", "lagov", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["ok"] and all(f["valid"] for f in lagov(data)["objects"])
    kinds = {f["kind"] for f in lagov(data)["objects"]}
    assert kinds == {"commit", "tag", "push-certificate"}
    text = runner.invoke(oa, [*base, "verify", "--unit", "lagov"])
    assert text.exit_code == 0 and "六政办〔2013〕1号" in text.output and "同意印发" in text.output

    work = ws.clone("lagov", "zhang")
    oid = ws.commit(work, {"b.md": "旁路\n"})
    place_without_hook(ws, "lagov", str(work), oid, "refs/heads/draft/side", log=False)
    result = runner.invoke(oa, [*base, "verify", "--unit", "lagov", "--json"])
    assert result.exit_code == 1
    data = json.loads(result.output)
    bad = [f for f in lagov(data)["objects"] if not f["valid"]]
    assert not data["ok"] and [f["id"] for f in bad] == [oid]
    # a document path limits the report to that document
    result = runner.invoke(oa, [*base, "verify", "--unit", "lagov", "--json", "documents/2013/oa-measures"])
    assert result.exit_code == 0, result.output
    assert [d["path"] for d in lagov(json.loads(result.output))["documents"]] == ["documents/2013/oa-measures"]
    result = runner.invoke(oa, [*base, "verify", "--unit", "lagov", "no-such-rev"])
    assert result.exit_code == 1


def test_cache_is_used_and_never_outlives_a_registry_change(ws: Workspace) -> None:
    sealed = sealed_document(ws)
    ws.witness()
    first = Verifier(ws.city)
    unit_findings(first, "lagov")
    assert first.misses > 0
    again = Verifier(ws.city)
    unit_findings(again, "lagov")
    assert again.misses == 0 and again.hits == first.misses
    # the seal turns out compromised since before it sealed: the cached "valid" must not survive
    reg = ws.city.registry()
    seal = reg.seal("lagov-1")
    seal.status = "revoked"
    seal.key.revoked_at, seal.key.reason = timeutil.iso(timeutil.now()), "compromised"
    seal.key.compromised_since = seal.key.valid_from
    app = Application(id="c-seal-revoke-lagov-1", action="seal-revoke", subject="lagov-1", unit="lagov",
                      path="seals/lagov.yaml", fingerprints=[seal.key.fingerprint], reason="compromised",
                      approver="zhou", executed_by="admin", created_at=seal.key.revoked_at)
    ws.city.change_registry("admin", {"seals/lagov.yaml": dump_seals(reg.seals["lagov"]),
                                      **approved_files(ws.city, reg, app)}, "印章泄露")
    # every object is judged afresh against the new registry, but gpg's verdicts on the same bytes
    # are not asked again (only the registry's own new commit is new to gpg)
    third = Verifier(ws.city)
    findings = unit_findings(third, "lagov")
    assert third.misses == len(findings) and third.gpg_runs == 0
    report = document_report(ws.city, "lagov", sealed.path)
    assert not report["seal_valid"] and any("泄露" in p for p in report["problems"])
    assert not verify(ws.city, "lagov")["ok"]


def test_exported_keyring_verifies_with_stock_git(ws: Workspace) -> None:
    sealed = sealed_document(ws, reviewers=("li", "wang"))
    certificates.revoke(ws.city, "admin", "wang", "left", approved_by="zhou")
    target = ws.base / "kr"
    count = export(ws.city, target)
    assert count >= 15
    bare = ws.city.unit_repo("lagov")
    proc = stock_git(["verify-commit", sealed.merge], bare, target)
    assert proc.returncode == 0, proc.stderr
    assert "电子印章" in proc.stderr
    for tag in sealed.tags.values():
        proc = stock_git(["verify-tag", tag], bare, target)
        assert proc.returncode == 0, proc.stderr
    assert stock_git(["verify-commit", sealed.mr_head], bare, target).returncode == 0
    # a key the registry does not hold is unknown to the exported keyring
    from repo_tools.identity import keys
    stranger = ws.base / "sg"
    fpr = keys.generate(stranger, "冒名者", "x@example.org")
    from repo_tools.git.repo import Signer
    with Scratch(bare, Signer(stranger, fpr, "冒名者", "x@example.org")) as scratch:
        forged = scratch.commit({"x.md": b"x\n"}, "伪造")
        assert stock_git(["verify-commit", forged], scratch.dir, target).returncode != 0
    keys.stop_agent(stranger)
    keys.stop_agent(target)
    assert git("cat-file", "-t", sealed.merge, cwd=bare, env=clean_env()).strip() == "commit"
