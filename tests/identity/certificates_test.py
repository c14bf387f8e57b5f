"""Digital certificates over time (Art. 24-26): approval by the unit's leader or admin, checked
by the registry hook; revocation refuses later pushes but keeps earlier signatures valid;
`--compromised-since` voids later signatures only."""
from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from fixtures import Workspace
from keys_support import place_without_hook, trusted_time

from repo_tools import timeutil
from repo_tools.cli import oa
from repo_tools.git.repo import PushRefused
from repo_tools.identity import certificates
from repo_tools.messages import Refused
from repo_tools.registry import applications
from repo_tools.registry.applications import Application
from repo_tools.registry.records import dump
from repo_tools.verify.report import verify

DRAFT = "---\ntitle: 草稿\ncolumn: 政务动态\ndate: 2013-03-20\n---\n\n正文。\n"


def findings(report: dict, unit: str = "lagov") -> dict[str, dict]:
    objects = next(u for u in report["units"] if u["unit"] == unit)["objects"]
    return {f["id"]: f for f in objects}


def test_issue_needs_the_units_leader_or_admin(ws: Workspace) -> None:
    before = ws.snapshot()
    with pytest.raises(Refused) as exc:
        certificates.issue(ws.city, "admin", "zhang", approved_by="li")  # li is a reviewer
    assert exc.value.rule == "approval-not-leader"
    with pytest.raises(Refused) as exc:
        certificates.issue(ws.city, "zhou", "zhang", approved_by="zhou")  # zhou is not of egov
    assert exc.value.rule == "registry-writer"
    assert ws.snapshot() == before


def test_registry_hook_refuses_key_change_without_application(ws: Workspace) -> None:
    reg = ws.city.registry()
    person = reg.person("zhang")
    person.keys[0].revoked_at, person.keys[0].reason = timeutil.iso(timeutil.now()), "left"
    before = ws.snapshot()
    with pytest.raises(PushRefused) as exc:
        ws.city.change_registry("admin", {"people/zhang.yaml": dump(person)}, "注销证书（无申请）")
    assert "[approval-missing｜" in exc.value.message
    assert ws.snapshot() == before


def test_registry_hook_refuses_approval_signed_by_non_leader(ws: Workspace) -> None:
    reg = ws.city.registry()
    person = reg.person("zhang")
    key = person.keys[0]
    key.revoked_at, key.reason = timeutil.iso(timeutil.now()), "left"
    app = Application(id="x-cert-revoke-zhang", action="cert-revoke", subject="zhang", unit="lagov",
                      path="people/zhang.yaml", fingerprints=[key.fingerprint], reason="left", approver="li",
                      executed_by="admin", created_at=key.revoked_at)
    data = app.to_bytes()
    sig = applications.sign(ws.city, reg, "li", data).encode()
    before = ws.snapshot()
    with pytest.raises(PushRefused) as exc:
        ws.city.change_registry("admin", {"people/zhang.yaml": dump(person),
                                          applications.record_path(app.id): data,
                                          applications.signature_path(app.id, "li"): sig}, "注销证书")
    assert "[approval-not-leader｜" in exc.value.message
    assert ws.snapshot() == before
    # the same change approved by the unit's admin passes
    app.approver = "zhou"
    data = app.to_bytes()
    sig = applications.sign(ws.city, reg, "zhou", data).encode()
    ws.city.change_registry("admin", {"people/zhang.yaml": dump(person),
                                      applications.record_path(app.id): data,
                                      applications.signature_path(app.id, "zhou"): sig}, "注销证书")
    assert ws.city.registry().person("zhang").keys[0].revoked_at == key.revoked_at


def test_forged_approval_signature_refused(ws: Workspace) -> None:
    reg = ws.city.registry()
    person = reg.person("zhang")
    key = person.keys[0]
    key.revoked_at, key.reason = timeutil.iso(timeutil.now()), "lost"
    app = Application(id="y-cert-revoke-zhang", action="cert-revoke", subject="zhang", unit="lagov",
                      path="people/zhang.yaml", fingerprints=[key.fingerprint], reason="lost", approver="zhou",
                      executed_by="admin", created_at=key.revoked_at)
    data = app.to_bytes()
    sig = applications.sign(ws.city, reg, "li", data).encode()  # li signs in zhou's name
    before = ws.snapshot()
    with pytest.raises(PushRefused) as exc:
        ws.city.change_registry("admin", {"people/zhang.yaml": dump(person),
                                          applications.record_path(app.id): data,
                                          applications.signature_path(app.id, "zhou"): sig}, "注销证书")
    assert "[approval-invalid｜" in exc.value.message
    assert ws.snapshot() == before


def test_key_history_cannot_be_rewritten(ws: Workspace) -> None:
    certificates.revoke(ws.city, "admin", "zhang", "left", approved_by="zhou")
    reg = ws.city.registry()
    person = reg.person("zhang")
    person.keys[0].revoked_at = None  # un-revoke, even with an approved application
    app = Application(id="z-cert-issue-zhang", action="cert-issue", subject="zhang", unit="lagov",
                      path="people/zhang.yaml", fingerprints=[person.keys[0].fingerprint], approver="zhou",
                      executed_by="admin", created_at=timeutil.iso(timeutil.now()))
    before = ws.snapshot()
    with pytest.raises(PushRefused) as exc:
        ws.city.change_registry("admin", {"people/zhang.yaml": dump(person),
                                          **applications.approved_files(ws.city, reg, app)}, "恢复证书")
    assert "[key-history｜" in exc.value.message
    assert ws.snapshot() == before


def test_revocation_keeps_earlier_signatures_and_refuses_later_pushes(ws: Workspace) -> None:
    work = ws.clone("lagov", "zhang")
    early = ws.commit(work, {"bulletins/政务动态/2013-03-20-a/index.md": DRAFT}, "早先的草稿")
    assert ws.push(work).returncode == 0
    key = certificates.revoke(ws.city, "admin", "zhang", "left", approved_by="zhou")
    registry = ws.city.registry().person("zhang").keys[0]
    assert (registry.reason, registry.approved_by[-1]) == ("left", "zhou")

    late = ws.commit(work, {"bulletins/政务动态/2013-03-20-a/index.md": DRAFT + "补充。\n"}, "作废后的草稿")
    before = ws.snapshot()
    proc = ws.push(work)
    assert proc.returncode != 0 and "[pusher-key-invalid｜" in proc.stderr, proc.stderr
    assert "[commit-key-invalid｜" in proc.stderr
    assert ws.snapshot() == before

    ws.witness()  # the early push (and the revocation) enter a cosigned checkpoint: trusted time counts
    report = verify(ws.city, "lagov")
    assert findings(report)[early]["valid"], findings(report)[early]
    assert report["ok"]
    # The same late commit, had it reached the server after the revocation, is reported invalid.
    place_without_hook(ws, "lagov", str(work), late, "refs/heads/draft/late")
    report = verify(ws.city, "lagov")
    bad = findings(report)[late]
    assert not bad["valid"] and "作废" in bad["reason"] and key.revoked_at in bad["reason"]
    assert findings(report)[early]["valid"]
    assert not report["ok"]


def test_replacement_certificate_signs_from_now_on(ws: Workspace) -> None:
    old_work = ws.clone("lagov", "zhang")
    old_fpr = ws.city.registry().person("zhang").keys[0].fingerprint
    record = certificates.issue(ws.city, "admin", "zhang", approved_by="zhou")
    person = ws.city.registry().person("zhang")
    assert [k.fingerprint for k in person.keys] == [old_fpr, record.fingerprint]
    assert person.keys[0].reason == "replaced" and person.keys[0].revoked_at == record.valid_from
    new_work = ws.clone("lagov", "zhang")
    ws.commit(new_work, {"a.md": "新证书签名\n"})
    assert ws.push(new_work, "HEAD:refs/heads/draft/new").returncode == 0
    ws.commit(old_work, {"b.md": "旧证书签名\n"})
    before = ws.snapshot()
    proc = ws.push(old_work, "HEAD:refs/heads/draft/old")
    assert proc.returncode != 0 and "[pusher-key-invalid｜" in proc.stderr
    assert ws.snapshot() == before


def test_compromised_since_voids_later_signatures_only(ws: Workspace) -> None:
    work = ws.clone("lagov", "zhang")
    first = ws.commit(work, {"a.md": "一\n"}, "第一次")
    assert ws.push(work, "HEAD:refs/heads/draft/one").returncode == 0
    second = ws.commit(work, {"a.md": "二\n"}, "第二次")
    assert ws.push(work, "HEAD:refs/heads/draft/two").returncode == 0
    ws.witness()  # both pushes enter a cosigned checkpoint: their trusted times count
    since = trusted_time(ws, second)
    assert trusted_time(ws, first) < since
    before_report = verify(ws.city, "lagov")
    assert findings(before_report)[second]["valid"]  # and now cached

    with pytest.raises(Refused):
        certificates.revoke(ws.city, "admin", "zhang", "lost", approved_by="zhou", compromised_since=since)
    key = certificates.revoke(ws.city, "admin", "zhang", "compromised", approved_by="zhou", compromised_since=since)
    assert key.compromised_since == since
    report = verify(ws.city, "lagov")
    found = findings(report)
    assert found[first]["valid"]
    assert not found[second]["valid"] and "泄露" in found[second]["reason"]
    certs = [f for f in found.values() if f["kind"] == "push-certificate" and f["trusted_time"] >= since]
    assert certs and not any(f["valid"] for f in certs)
    assert not report["ok"]


def test_cli_issue_and_revoke(ws: Workspace) -> None:
    runner = CliRunner()
    base = ["--city", str(ws.city.root), "--as", "admin"]
    result = runner.invoke(oa, [*base, "--json", "cert", "issue", "qian", "--approved-by", "zhou"])
    assert result.exit_code == 0, result.output
    issued = json.loads(result.output)
    result = runner.invoke(oa, [*base, "cert", "revoke", "qian", "--reason", "lost", "--approved-by", "li"])
    assert result.exit_code == 1 and "approval-not-leader" in result.output
    result = runner.invoke(oa, [*base, "cert", "revoke", "qian", "--reason", "stolen", "--approved-by", "zhou"])
    assert result.exit_code == 2
    result = runner.invoke(oa, [*base, "--json", "cert", "revoke", "qian", "--reason", "lost", "--approved-by", "zhou"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["fingerprint"] == issued["fingerprint"]
    assert ws.city.registry().person("qian").current_key() is None
