"""Units and people over their whole life (Art. 7, 9, 12, 14): each command's accepting and
refusing case through real registry pushes, and verification of what was signed before a
rename, a merger, a deregistration or a person's move."""
from __future__ import annotations

import json

import pytest
import yaml
from click.testing import CliRunner
from fixtures import Workspace
from keys_support import seal_document, sealed_document

from repo_tools import city as city_mod
from repo_tools import lifecycle, timeutil
from repo_tools.cli import oa
from repo_tools.git.repo import PushRefused, clean_env, git
from repo_tools.lifecycle import people as people_mod
from repo_tools.lifecycle import units as units_mod
from repo_tools.messages import Refused
from repo_tools.registry.records import dump
from repo_tools.verify.report import document_report, verify

NOTE = "---\ntitle: 工作动态\ncolumn: 政务动态\ndate: 2013-03-20\n---\n\n正文。\n"


def registry_file(ws: Workspace, path: str) -> dict:
    return yaml.safe_load(git("show", f"refs/heads/main:{path}", cwd=ws.city.registry_repo, env=clean_env()))


def registry_head(ws: Workspace) -> str:
    return git("rev-parse", "refs/heads/main", cwd=ws.city.registry_repo, env=clean_env()).strip()


def _name_leaders(ws: Workspace) -> None:
    city_mod.set_unit_leader(ws.city, "admin", "jyj", "he")
    city_mod.set_unit_leader(ws.city, "admin", "czj", "han")


def leaders(ws: Workspace) -> None:
    """jyj and czj with their leaders named (built once per test run, copied into this city)."""
    ws.prepare("leaders", _name_leaders)


# People -------------------------------------------------------------------------------------
def test_unit_admin_sets_roles_in_own_unit(ws: Workspace) -> None:
    person = lifecycle.set_roles(ws.city, "zhou", "li", ["reviewer", "clerk"])
    assert person.roles == ["reviewer", "clerk"]
    record = registry_file(ws, "people/li.yaml")
    assert record["roles"] == ["reviewer", "clerk"] and record["history"][-1]["previous_roles"] == ["reviewer"]
    signer = git("log", "-1", "--format=%GK", "refs/heads/main", cwd=ws.city.registry_repo, env=clean_env())
    assert ws.city.registry().person("zhou").keys[0].fingerprint.upper().endswith(signer.strip().upper())


def test_unit_admin_cannot_set_roles_in_another_unit(ws: Workspace, monkeypatch: pytest.MonkeyPatch) -> None:
    before = ws.snapshot()
    with pytest.raises(Refused) as exc:
        lifecycle.set_roles(ws.city, "zhou", "wu", ["author"])
    assert exc.value.rule == "registry-scope"
    # The hook refuses it on its own, whatever the client-side library says.
    monkeypatch.setattr(people_mod, "require_manager", lambda *a, **k: None)
    with pytest.raises(PushRefused) as pushed:
        lifecycle.set_roles(ws.city, "zhou", "wu", ["author"])
    assert "[registry-scope｜第六、十二条]" in pushed.value.message and "people/wu.yaml" in pushed.value.message
    assert ws.snapshot() == before


@pytest.mark.parametrize("path,change", [
    ("units/egov.yaml", lambda d: {**d, "codes": ["假代字"]}),
    ("units/jyj.yaml", lambda d: {**d, "required_approvals": 3}),
    ("units/lagov.yaml", lambda d: {**d, "name": "自行改名的办公室"}),
    ("units/lagov.yaml", lambda d: {**d, "admins": [*d["admins"], "li"]}),
    ("people/li.yaml", lambda d: {**d, "roles": ["reviewer", "admin"]}),
    ("people/wu.yaml", lambda d: {**d, "unit": "lagov"}),
    ("seals/lagov.yaml", lambda d: {"seals": [{**d["seals"][0], "custodian": "zhou"}]}),
])
def test_registry_hook_holds_unit_admin_to_own_unit(ws: Workspace, path: str, change) -> None:  # type: ignore[no-untyped-def]
    data = change(registry_file(ws, path))
    before = ws.snapshot()
    with pytest.raises(PushRefused) as exc:
        ws.city.change_registry("zhou", {path: yaml.safe_dump(data, allow_unicode=True).encode()}, "越权修改")
    assert "[registry-scope｜" in exc.value.message
    assert ws.snapshot() == before


def test_registry_hook_accepts_unit_admin_settings_and_people(ws: Workspace) -> None:
    unit = registry_file(ws, "units/lagov.yaml")
    unit["codes"] = [*unit["codes"], "六政办函"]
    unit["required_approvals"] = 2
    ws.city.change_registry("zhou", {"units/lagov.yaml": yaml.safe_dump(unit, allow_unicode=True).encode()},
                            "本单位机关代字与审批人数")
    assert ws.city.registry().unit("lagov").codes[-1] == "六政办函"
    person = city_mod.add_user(ws.city, "zhou", "xin", "辛新", "lagov", ["clerk", "archivist"])
    assert ws.city.registry().person("xin").unit == "lagov" and person.roles == ["clerk", "archivist"]
    with pytest.raises(Refused) as exc:
        city_mod.add_user(ws.city, "zhou", "xin2", "辛二", "jyj", ["author"])
    assert exc.value.rule == "registry-scope"
    with pytest.raises(Refused) as exc:
        city_mod.add_user(ws.city, "zhou", "xin3", "辛三", "lagov", ["admin"])
    assert exc.value.rule == "registry-scope"
    with pytest.raises(Refused) as exc:
        city_mod.add_user(ws.city, "li", "xin4", "辛四", "lagov", ["author"])
    assert exc.value.rule == "role-required"


def test_unit_settings_by_own_admin_only(ws: Workspace) -> None:
    unit = lifecycle.set_settings(ws.city, "zhou", "lagov", ["六政办", "六政办函"], 2)
    assert ws.city.registry().unit("lagov").codes == ["六政办", "六政办函"] and unit.required_approvals == 2
    before = ws.snapshot()
    with pytest.raises(Refused) as exc:
        lifecycle.set_settings(ws.city, "zhou", "jyj", ["六教"], 2)
    assert exc.value.rule == "registry-scope"
    with pytest.raises(Refused) as exc:
        lifecycle.set_settings(ws.city, "li", "lagov", None, 3)
    assert exc.value.rule == "role-required"
    assert ws.snapshot() == before


def test_hook_refuses_rewritten_person_history(ws: Workspace) -> None:
    lifecycle.set_roles(ws.city, "zhou", "li", ["reviewer", "clerk"])
    record = registry_file(ws, "people/li.yaml")
    record["history"] = []
    before = ws.snapshot()
    with pytest.raises(PushRefused) as exc:
        ws.city.change_registry("zhou", {"people/li.yaml": yaml.safe_dump(record, allow_unicode=True).encode()},
                                "抹去任职历史")
    assert "[key-history｜" in exc.value.message
    assert ws.snapshot() == before


def test_move_keeps_the_person_and_refuses_unit_admins(ws: Workspace) -> None:
    with pytest.raises(Refused) as exc:
        lifecycle.move(ws.city, "zhou", "li", "jyj")
    assert exc.value.rule == "registry-scope"
    with pytest.raises(Refused) as exc:
        lifecycle.move(ws.city, "admin", "li", "lagov")
    assert exc.value.rule == "usage"
    person = lifecycle.move(ws.city, "admin", "li", "jyj")
    assert person.unit == "jyj" and person.history[-1]["previous_unit"] == "lagov"
    assert ws.city.registry().person("li").keys[0].revoked_at is None


def test_remove_revokes_certificates_and_keeps_the_record(ws: Workspace) -> None:
    work = ws.clone("lagov", "zhang")
    person = lifecycle.remove(ws.city, "zhou", "zhang", "left")
    record = registry_file(ws, "people/zhang.yaml")
    assert record["status"] == "removed" and record["removed_at"] == person.removed_at
    assert record["keys"][0]["revoked_at"] == person.removed_at and record["keys"][0]["reason"] == "left"
    ws.commit(work, {"bulletins/x/2013-03-20-a/index.md": NOTE}, "注销后的提交")
    proc = ws.push(work)
    assert proc.returncode != 0 and "pusher-inactive" in proc.stderr
    with pytest.raises(Refused) as exc:
        lifecycle.set_roles(ws.city, "zhou", "zhang", ["author"])
    assert exc.value.rule == "user-removed-final"


def test_a_user_id_is_never_reused(ws: Workspace) -> None:
    lifecycle.remove(ws.city, "zhou", "zhang", "left")
    before = ws.snapshot()
    with pytest.raises(Refused) as exc:
        city_mod.add_user(ws.city, "admin", "zhang", "张新", "lagov", ["author"])
    assert exc.value.rule == "user-id-reused"
    # Writing a new person over the kept record: refused by the hook.
    reg = ws.city.registry()
    fresh = reg.person("zhang")
    fresh.name, fresh.status, fresh.removed_at = "张新", "active", None
    with pytest.raises(PushRefused) as pushed:
        ws.city.change_registry("admin", {"people/zhang.yaml": dump(fresh)}, "重用用户标识")
    assert "[user-removed-final｜第七条]" in pushed.value.message
    assert ws.snapshot() == before


def test_hook_refuses_an_id_from_the_registry_history(ws: Workspace) -> None:
    """A record deleted in the past (a restored or legacy registry): its id stays retired."""
    import os
    repo = ws.city.registry_repo
    env = {**clean_env(), "GIT_INDEX_FILE": str(ws.base / "legacy-index"),
           "GIT_AUTHOR_NAME": "legacy", "GIT_AUTHOR_EMAIL": "l@x", "GIT_COMMITTER_NAME": "legacy",
           "GIT_COMMITTER_EMAIL": "l@x"}
    git("read-tree", "refs/heads/main", cwd=repo, env=env)
    git("update-index", "--index-info", cwd=repo, env=env, input=f"0 {'0' * 40}\tpeople/feng.yaml\n".encode())
    tree = git("write-tree", cwd=repo, env=env).strip()
    gone = git("commit-tree", tree, "-p", "refs/heads/main", "-m", "旧系统删除的人员", cwd=repo, env=env).strip()
    git("update-ref", "refs/heads/main", gone, cwd=repo, env=env)  # placed without the hook (legacy history)
    assert os.path.exists(ws.base / "legacy-index")
    record = dump(ws.city.registry().person("feng") or _feng(ws))
    before = ws.snapshot()
    with pytest.raises(PushRefused) as exc:
        ws.city.change_registry("admin", {"people/feng.yaml": record}, "重新登记 feng")
    assert "[user-id-reused｜第七条]" in exc.value.message
    assert ws.snapshot() == before


def _feng(ws: Workspace):  # type: ignore[no-untyped-def]
    from repo_tools.registry.records import KeyRecord, Person
    return Person(id="feng", name="冯新", unit="czj", roles=["author"],
                  keys=[KeyRecord(fingerprint="0" * 40, valid_from=timeutil.iso(timeutil.now()))])


def test_cli_people_commands(ws: Workspace) -> None:
    runner = CliRunner()
    base = ["--city", str(ws.city.root), "--json"]
    got = runner.invoke(oa, [*base, "--as", "zhou", "user", "set-roles", "wang", "--role", "reviewer",
                             "--role", "archivist"])
    assert got.exit_code == 0, got.output
    assert json.loads(got.output)["roles"] == ["reviewer", "archivist"]
    got = runner.invoke(oa, [*base, "--as", "zhou", "user", "move", "wang", "--to", "jyj"])
    assert got.exit_code == 1 and "registry-scope" in got.output
    got = runner.invoke(oa, [*base, "--as", "admin", "user", "move", "wang", "--to", "jyj"])
    assert got.exit_code == 0 and json.loads(got.output)["unit"] == "jyj"
    got = runner.invoke(oa, [*base, "--as", "zhou", "user", "remove", "ma"])
    assert got.exit_code == 0, got.output
    assert json.loads(got.output)["status"] == "removed"


# Units ----------------------------------------------------------------------------------------
def test_rename_keeps_id_and_names_by_date(ws: Workspace) -> None:
    leaders(ws)
    with pytest.raises(Refused) as exc:
        lifecycle.rename(ws.city, "admin", "jyj", "六安市教育和体育局", "2020-01-01", approved_by="wu")
    assert exc.value.rule == "approval-not-leader"
    with pytest.raises(Refused) as exc:
        lifecycle.rename(ws.city, "zhou", "jyj", "六安市教育和体育局", "2020-01-01", approved_by="he")
    assert exc.value.rule == "registry-writer"
    unit = lifecycle.rename(ws.city, "admin", "jyj", "六安市教育和体育局", "2020-01-01", approved_by="he")
    reg = ws.city.registry()
    assert reg.unit("jyj").name == "六安市教育和体育局" and unit.id == "jyj"
    assert reg.unit("jyj").name_on("2019-12-31") == "六安市教育局"
    assert reg.unit("jyj").name_on("2020-01-01") == "六安市教育和体育局"
    assert reg.unit_by_name("六安市教育局") is None


def test_hook_refuses_rename_without_application(ws: Workspace) -> None:
    record = registry_file(ws, "units/jyj.yaml")
    record["name"] = "六安市教育和体育局"
    record["names"] = [{"name": "六安市教育局", "from": "2013-01-01"}, {"name": record["name"], "from": "2020-01-01"}]
    before = ws.snapshot()
    with pytest.raises(PushRefused) as exc:
        ws.city.change_registry("admin", {"units/jyj.yaml": yaml.safe_dump(record, allow_unicode=True).encode()},
                                "改名（无申请）")
    assert "[unit-change-application｜第九条]" in exc.value.message
    assert ws.snapshot() == before


def test_deregister_hands_over_and_makes_the_repo_read_only(ws: Workspace) -> None:
    leaders(ws)
    work = ws.clone("czj", "feng")
    with pytest.raises(Refused) as exc:
        lifecycle.deregister(ws.city, "admin", "czj", "czj", approved_by="han")
    assert exc.value.rule == "usage"
    lifecycle.deregister(ws.city, "admin", "czj", "archives", approved_by="han")
    reg = ws.city.registry()
    unit = reg.unit("czj")
    assert unit.status == "deregistered" and unit.archives_to == "archives"
    assert all(p.status == "removed" and all(k.revoked_at for k in p.keys) for p in reg.members("czj"))
    assert all(s.status == "revoked" and s.key.revoked_at for s in reg.seals["czj"])
    assert reg.unit_by_name("六安市财政局") is None
    assert (ws.city.root / "handover" / "czj.bundle").is_file()
    assert lifecycle.repository_readers(reg, "czj") == ["archives"]
    handover = [e for e in ws.city.log_file.read_text().splitlines() if '"unit-handover"' in e]
    assert handover and json.loads(handover[-1])["to"] == "archives"
    ws.commit(work, {"bulletins/x/2013-03-20-a/index.md": NOTE}, "注销后的提交")
    before = ws.snapshot()
    proc = ws.push(work)
    assert proc.returncode != 0 and "[unit-deregistered｜第九条]" in proc.stderr and "档案馆" in proc.stderr
    # Even the e-gov office cannot write into it.
    egov = ws.clone("czj", "admin")
    ws.commit(egov, {"README.md": "改写\n"}, "注销后的改写")
    proc = ws.push(egov, "HEAD:refs/heads/main")
    assert proc.returncode != 0 and "unit-deregistered" in proc.stderr
    assert ws.snapshot() == before


def test_merge_into_existing_unit(ws: Workspace) -> None:
    leaders(ws)
    with pytest.raises(Refused) as exc:
        lifecycle.merge(ws.city, "admin", ["jyj", "czj"], "han", into="jyj")  # han leads czj, not jyj
    assert exc.value.rule == "approval-not-leader"
    unit = lifecycle.merge(ws.city, "admin", ["jyj", "czj"], "he", into="jyj")
    reg = ws.city.registry()
    assert unit.id == "jyj" and reg.unit("jyj").status == "active" and reg.unit("jyj").merged_from == ["czj"]
    assert reg.unit("czj").status == "deregistered" and reg.unit("czj").merged_into == "jyj"
    assert lifecycle.repository_readers(reg, "czj") == ["jyj"]


def test_merge_under_a_new_name_needs_the_superior(ws: Workspace, monkeypatch: pytest.MonkeyPatch) -> None:
    leaders(ws)
    before = ws.snapshot()
    with pytest.raises(Refused) as exc:
        lifecycle.merge(ws.city, "admin", ["jyj", "czj"], "he", new_id_="jcj", new_name="六安市教育财政局",
                        codes=["六教财"])
    assert exc.value.rule == "unit-superior-required"
    # The library's check bypassed: the registry hook refuses the merger on its own.
    monkeypatch.setattr(units_mod, "superior_units", lambda city, reg, merging: ["jyj"])
    with pytest.raises(PushRefused) as pushed:
        lifecycle.merge(ws.city, "admin", ["jyj", "czj"], "he", new_id_="jcj", new_name="六安市教育财政局",
                        codes=["六教财"])
    assert "[unit-superior-required｜第九条]" in pushed.value.message
    assert ws.snapshot() == before
    monkeypatch.undo()
    unit = lifecycle.merge(ws.city, "admin", ["jyj", "czj"], "zhou", new_id_="jcj", new_name="六安市教育财政局",
                           codes=["六教财"])
    reg = ws.city.registry()
    assert unit.id == "jcj" and reg.unit("jcj").superior == "lagov" and reg.active_seal("jcj") is not None
    assert {reg.unit(u).status for u in ("jyj", "czj")} == {"deregistered"}
    assert ws.city.unit_repo("jcj").is_dir()
    assert git("rev-parse", "refs/heads/main", cwd=ws.city.unit_repo("jcj"), env=clean_env()).strip()


def test_cli_unit_commands(ws: Workspace) -> None:
    leaders(ws)
    runner = CliRunner()
    base = ["--city", str(ws.city.root), "--json", "--as", "admin"]
    got = runner.invoke(oa, [*base, "unit", "rename", "jyj", "--name", "六安市教育和体育局", "--from", "2020-01-01",
                             "--approved-by", "he"])
    assert got.exit_code == 0, got.output
    assert json.loads(got.output)["names"][-1] == {"name": "六安市教育和体育局", "from": "2020-01-01"}
    got = runner.invoke(oa, [*base, "unit", "merge", "jyj", "czj", "--new", "jc", "--name", "新局", "--code", "六新",
                             "--approved-by", "he"])
    assert got.exit_code == 1 and "unit-superior-required" in got.output
    got = runner.invoke(oa, [*base, "unit", "deregister", "czj", "--archives-to", "jyj", "--approved-by", "han"])
    assert got.exit_code == 0, got.output
    assert json.loads(got.output)["archives_to"] == "jyj"


# History stays true (verification at the registry of the time) --------------------------------
def _doc_ok(ws: Workspace, unit: str, path: str) -> dict:
    report = document_report(ws.city, unit, path)
    assert report["ok"], report["problems"]
    return report


def test_approval_by_a_person_who_later_moved_still_verifies(ws: Workspace) -> None:
    sealed = sealed_document(ws)
    lifecycle.move(ws.city, "admin", "li", "jyj")
    lifecycle.remove(ws.city, "admin", "zhao", "left", approved_by="zhou")
    ws.witness()  # trusted times need the witnesses' quorum
    report = _doc_ok(ws, "lagov", sealed.path)
    assert [(a["reviewer"], a["name"], a["valid"]) for a in report["approvals"]] == [("li", "李华", True)]
    assert report["seal"]["custodian"] is None or report["seal"]["custodian"] == "zhao"
    full = verify(ws.city, "lagov")
    assert full["ok"], [f for f in full["units"][0]["objects"] if not f["valid"]]
    # A signature li makes after the move is judged as jyj's: not valid for lagov.
    from repo_tools.identity.judgement import may_sign
    from repo_tools.verify.report import Verifier
    v = Verifier(ws.city)
    reg_now = v.registry_then(None, timeutil.iso(timeutil.now()))
    holder = reg_now.key_holder(reg_now.person("li").keys[0].fingerprint)
    assert may_sign(reg_now, holder, "lagov", timeutil.now()).counts is False


def test_documents_sealed_before_rename_merge_and_deregistration_verify(ws: Workspace) -> None:
    leaders(ws)
    jyj = seal_document(ws, "jyj", "wu", ("he",), "zheng", path="documents/2013/jyj-notice")
    czj = seal_document(ws, "czj", "feng", ("han",), "chen", path="documents/2013/czj-notice")
    lifecycle.rename(ws.city, "admin", "jyj", "六安市教育和体育局", timeutil.iso(timeutil.now()), approved_by="he")
    ws.witness()
    report = _doc_ok(ws, "jyj", jyj.path)
    assert report["unit_name"] == "六安市教育局"  # the name in force when it was sealed
    lifecycle.merge(ws.city, "admin", ["jyj", "czj"], "zhou", new_id_="jcj", new_name="六安市教育财政局",
                    codes=["六教财"])
    ws.witness()
    for unit, sealed in (("jyj", jyj), ("czj", czj)):
        report = _doc_ok(ws, unit, sealed.path)
        assert report["seal_valid"] and report["approvals"][0]["valid"]
    full = verify(ws.city)
    bad = [(u["unit"], f["summary"], f["reason"]) for u in full["units"] for f in u["objects"] if not f["valid"]]
    assert full["ok"], bad
    assert full["registry_commits"]["ok"] and len(full["registry_commits"]["objects"]) > 10


def test_document_page_names_the_unit_as_it_was(ws: Workspace) -> None:
    """Renamed from a date after sealing: the report (and the site) keep the name of that time."""
    from repo_tools.registry.records import Unit
    unit = Unit(id="x", name="新名", codes=[], names=[{"name": "旧名", "from": "2013-01-01"},
                                                      {"name": "新名", "from": "2020-01-01"}])
    assert unit.name_on("2013-03-21T10:00:00+08:00") == "旧名" and unit.name_on("2021-01-01") == "新名"
    assert unit.name_on(None) == "新名"


def test_verify_flags_a_registry_commit_by_someone_not_entitled(ws: Workspace) -> None:
    from repo_tools.git.repo import Scratch
    record = registry_file(ws, "people/li.yaml")
    record["roles"] = ["reviewer", "author"]
    with Scratch(ws.city.registry_repo, ws.city.signer("li")) as scratch:
        oid = scratch.commit({"people/li.yaml": yaml.safe_dump(record, allow_unicode=True).encode()}, "越权改登记")
        git("fetch", "-q", str(scratch.dir), f"{oid}:refs/heads/main", cwd=ws.city.registry_repo, env=clean_env())
    ws.city.log("push", repo="registry", repo_kind="registry",
                updates=[{"ref": "refs/heads/main", "old": "0" * 40, "new": oid}], pusher=None, key=None,
                certificate_id=None, certificate=None, objects=[oid])
    report = verify(ws.city)
    wrong = [f for f in report["registry_commits"]["objects"] if not f["valid"]]
    assert [f["id"] for f in wrong] == [oid] and "无权修改登记系统" in wrong[0]["reason"]
    assert report["ok"] is False


def test_hook_refuses_another_units_application(ws: Workspace) -> None:
    """An application approved by lagov's admin cannot cover jyj's rename, nor revoke jyj's people."""
    from repo_tools.registry import applications
    from repo_tools.registry.applications import Application
    reg = ws.city.registry()
    unit = reg.unit("jyj")
    unit.names = [{"name": unit.name, "from": unit.created_at[:10]}, {"name": "借名局", "from": unit.created_at[:10]}]
    unit.name = "借名局"
    person = reg.person("wu")
    person.keys[0].revoked_at, person.keys[0].reason = timeutil.iso(timeutil.now()), "deregistered"
    app = Application(id="x-unit-rename-lagov", action="unit-rename", subject="lagov", unit="lagov",
                      path="units/lagov.yaml", fingerprints=[person.keys[0].fingerprint], approver="zhou",
                      executed_by="admin", created_at=timeutil.iso(timeutil.now()),
                      details={"covers": ["units/jyj.yaml", "people/wu.yaml"]})
    files = applications.approved_files(ws.city, reg, app)
    before = ws.snapshot()
    with pytest.raises(PushRefused) as exc:
        ws.city.change_registry("admin", {"units/jyj.yaml": dump(unit), "people/wu.yaml": dump(person), **files},
                                "借用他单位的申请")
    assert "[unit-change-application｜第九条]" in exc.value.message
    assert "[approval-not-leader｜" in exc.value.message
    assert ws.snapshot() == before
