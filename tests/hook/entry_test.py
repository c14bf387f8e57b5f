"""The server hook through real `git push`es: every rule refuses (leaving refs, registry and
log exactly as they were) and accepts."""
from __future__ import annotations

import io
import os
import subprocess
from pathlib import Path

import pytest
from fixtures import Workspace, run
from PIL import Image

from repo_tools import city as city_mod
from repo_tools.git.repo import clean_env, git
from repo_tools.identity import keys
from repo_tools.log import eventlog

BULLETIN = "---\ntitle: 市政府召开常务会议\ncolumn: 政务动态\ndate: 2026-11-20\n---\n\n会议研究了有关事项。\n"


def png(size: tuple[int, int], noise: bool = False) -> bytes:
    if noise:
        img = Image.frombytes("RGB", size, os.urandom(size[0] * size[1] * 3))
    else:
        img = Image.new("RGB", size, (200, 30, 30))
    out = io.BytesIO()
    img.save(out, "PNG")
    return out.getvalue()


def assert_refused(ws: Workspace, before: dict, proc: subprocess.CompletedProcess[str], rule: str) -> None:
    assert proc.returncode != 0, proc.stdout + proc.stderr
    assert f"[{rule}｜" in proc.stderr, proc.stderr
    assert "处理办法" in proc.stderr
    assert ws.snapshot() == before, "a refused push changed refs, registry or log"


def assert_accepted(proc: subprocess.CompletedProcess[str]) -> None:
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_signed_push_by_member_is_accepted_and_logged(ws: Workspace) -> None:
    work = ws.clone("lagov", "zhang")
    oid = ws.commit(work, {"bulletins/政务动态/2026-11-20-meeting/index.md": BULLETIN})
    assert_accepted(ws.push(work))
    assert git("rev-parse", "refs/heads/draft/test", cwd=ws.city.unit_repo("lagov"), env=clean_env()).strip() == oid
    last = list(eventlog.read(ws.city.log_file))[-1]
    assert last["type"] == "push" and last["repo"] == "lagov" and last["pusher"] == "zhang"
    assert oid in last["objects"]
    assert "certificate version 0.1" in last["certificate"]
    assert eventlog.verify(ws.city.log_file) == []


def test_unsigned_commit_refused(ws: Workspace) -> None:
    work = ws.clone("lagov", "zhang")
    ws.commit(work, {"a.md": "正文\n"}, sign=False)
    before = ws.snapshot()
    assert_refused(ws, before, ws.push(work), "commit-unsigned")


def test_commit_by_unregistered_key_refused_even_from_valid_member(ws: Workspace) -> None:
    work = ws.clone("lagov", "zhang")
    stranger = ws.base / "sg"
    fpr = keys.generate(stranger, "冒名者", "x@example.org")
    ws.commit(work, {"a.md": "正文\n"}, sign=False)
    env = {**os.environ, "GNUPGHOME": str(stranger)}
    subprocess.run(["git", "-c", "gpg.program=gpg", "commit", "-q", "--amend", "--no-edit", f"-S{fpr}"],
                   cwd=work, env=env, check=True, capture_output=True)
    before = ws.snapshot()
    assert_refused(ws, before, ws.push(work), "commit-unknown-key")
    keys.stop_agent(stranger)


def test_push_without_certificate_refused(ws: Workspace) -> None:
    work = ws.clone("lagov", "zhang")
    ws.commit(work, {"a.md": "正文\n"})
    before = ws.snapshot()
    assert_refused(ws, before, ws.push(work, signed=False), "push-cert-missing")


def test_member_of_another_unit_cannot_push(ws: Workspace) -> None:
    work = ws.clone("lagov", "zhang")
    ws.commit(work, {"a.md": "正文\n"})
    # Feng (czj) pushes zhang's commits to lagov with his own certificate.
    run(["git", "config", "user.signingkey", ws.city.signer("feng").fingerprint], work)
    wrapper = work / ".git" / "oa-gpg"
    wrapper.write_text(f'#!/bin/sh\nGNUPGHOME="{ws.city.person_gnupg("feng")}" exec gpg "$@"\n')
    before = ws.snapshot()
    assert_refused(ws, before, ws.push(work), "pusher-other-unit")


def test_commit_signed_by_other_units_member_refused(ws: Workspace) -> None:
    work = ws.clone("lagov", "zhang")
    ws.commit(work, {"a.md": "正文\n"}, sign=False)
    feng = ws.city.signer("feng")
    env = {**os.environ, "GNUPGHOME": str(feng.gnupghome)}
    subprocess.run(["git", "-c", "gpg.program=gpg", "commit", "-q", "--amend", "--no-edit",
                    f"-S{feng.fingerprint}"], cwd=work, env=env, check=True, capture_output=True)
    before = ws.snapshot()
    assert_refused(ws, before, ws.push(work), "commit-other-unit")


def test_disabled_person_refused_then_reenabled(ws: Workspace) -> None:
    work = ws.clone("lagov", "zhang")
    ws.commit(work, {"a.md": "正文\n"})
    city_mod.set_person_status(ws.city, "zhou", "zhang", "disabled", "连续输错密码")
    before = ws.snapshot()
    assert_refused(ws, before, ws.push(work), "pusher-inactive")
    city_mod.set_person_status(ws.city, "zhou", "zhang", "active", "本人申请")
    assert_accepted(ws.push(work))


def test_unit_admin_of_other_unit_cannot_disable(ws: Workspace) -> None:
    from repo_tools.messages import Refused
    with pytest.raises(Refused):
        city_mod.set_person_status(ws.city, "wu", "zhang", "disabled")


def test_large_png_named_txt_refused(ws: Workspace) -> None:
    work = ws.clone("lagov", "zhang")
    data = png((500, 500), noise=True)
    assert len(data) > 600_000
    ws.commit(work, {"bulletins/x/notes.txt": data})
    before = ws.snapshot()
    assert_refused(ws, before, ws.push(work), "image-too-large")


def test_small_image_accepted(ws: Workspace) -> None:
    work = ws.clone("lagov", "zhang")
    ws.commit(work, {"bulletins/x/photo.png": png((320, 240)), "bulletins/x/index.md": BULLETIN})
    assert_accepted(ws.push(work))


def test_image_exactly_at_limit_accepted(ws: Workspace) -> None:
    work = ws.clone("lagov", "zhang")
    data = png((100, 100))
    data += b"\0" * (512_000 - len(data))  # trailing bytes after IEND still decode
    ws.commit(work, {"bulletins/x/p.png": data})
    assert_accepted(ws.push(work))


def test_broken_image_refused(ws: Workspace) -> None:
    work = ws.clone("lagov", "zhang")
    ws.commit(work, {"bulletins/x/p.jpg": b"\xff\xd8\xff\xe0" + b"garbage" * 50})
    before = ws.snapshot()
    assert_refused(ws, before, ws.push(work), "image-broken")


def test_decompression_bomb_refused(ws: Workspace) -> None:
    work = ws.clone("lagov", "zhang")
    img = Image.new("1", (10000, 10000))
    out = io.BytesIO()
    img.save(out, "PNG")
    assert len(out.getvalue()) < 512_000
    ws.commit(work, {"bulletins/x/bomb.png": out.getvalue()})
    before = ws.snapshot()
    assert_refused(ws, before, ws.push(work), "image-bomb")


@pytest.mark.parametrize("svg,what", [
    ('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', "script"),
    ('<svg xmlns="http://www.w3.org/2000/svg"><rect onload="x()"/></svg>', "onload"),
    ('<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink">'
     '<image xlink:href="http://evil.example/x.png"/></svg>', "外部引用"),
])
def test_active_svg_refused(ws: Workspace, svg: str, what: str) -> None:
    work = ws.clone("lagov", "zhang")
    ws.commit(work, {"bulletins/x/logo.svg": svg})
    before = ws.snapshot()
    proc = ws.push(work)
    assert_refused(ws, before, proc, "svg-active")
    assert what in proc.stderr


def test_plain_svg_accepted(ws: Workspace) -> None:
    work = ws.clone("lagov", "zhang")
    ws.commit(work, {"bulletins/x/logo.svg": '<svg xmlns="http://www.w3.org/2000/svg"><circle r="4" fill="red"/></svg>'})
    assert_accepted(ws.push(work))


def test_21mb_attachment_refused_20mb_accepted(ws: Workspace) -> None:
    work = ws.clone("lagov", "zhang")
    ws.commit(work, {"documents/2026/x/attachments/data.csv": b"a,b\n" * (21 * 1024 * 1024 // 4)})
    before = ws.snapshot()
    assert_refused(ws, before, ws.push(work), "file-too-large")
    run(["git", "reset", "-q", "--hard", "origin/main"], work)
    ws.commit(work, {"documents/2026/x/attachments/data.csv": b"a,b\n" * (20 * 1024 * 1024 // 4)})
    assert_accepted(ws.push(work))


@pytest.mark.parametrize("files", [
    {"documents/2026/x/index.md": "---\ntitle: 某通知\n---\n\n机密★1年\n\n正文。\n"},
    {"documents/2026/x/index.md": "---\ntitle: 某通知\nclassification: 秘密\n---\n\n正文。\n"},
    {"documents/2026/x/index.md": "---\ntitle: 某通知\n---\n\n密级：绝密\n"},
    {"documents/2026/x/attachments/机密-方案.txt": "方案\n"},
])
def test_classified_marking_refused(ws: Workspace, files: dict[str, str]) -> None:
    work = ws.clone("lagov", "zhang")
    ws.commit(work, files)
    before = ws.snapshot()
    proc = ws.push(work)
    assert_refused(ws, before, proc, "classified")
    assert "纸质" in proc.stderr


def test_words_about_secrecy_are_not_markings(ws: Workspace) -> None:
    work = ws.clone("lagov", "zhang")
    ws.commit(work, {"documents/2026/x/index.md":
                     "---\ntype: 通知\ntitle: 关于某事的通知\nrecipients: [各县区人民政府]\ndate: 2026-01-05\n---\n\n"
                     "不得泄露国家秘密，涉密公文按纸质形式运行。\n"})
    assert_accepted(ws.push(work))


def test_renamed_elf_refused(ws: Workspace) -> None:
    work = ws.clone("lagov", "zhang")
    ws.commit(work, {"documents/2026/x/attachments/report.pdf": Path("/bin/true").read_bytes()})
    before = ws.snapshot()
    proc = ws.push(work)
    assert_refused(ws, before, proc, "executable")
    assert "ELF" in proc.stderr


def test_shebang_script_and_eicar_and_macro_refused(ws: Workspace) -> None:
    import zipfile
    work = ws.clone("lagov", "zhang")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/vbaProject.bin", b"\0" * 10)
    eicar = rb"X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"
    ws.commit(work, {"a/run.txt": "#!/bin/sh\necho hi\n", "a/test.txt": eicar, "a/report.docx": buf.getvalue()})
    before = ws.snapshot()
    proc = ws.push(work)
    for rule in ("executable", "malware", "macro-office"):
        assert f"[{rule}｜" in proc.stderr
    assert_refused(ws, before, proc, "executable")


def test_main_cannot_be_deleted_or_rewritten(ws: Workspace) -> None:
    ws.land("lagov", "zhang", {"a.md": "一\n"})
    work = ws.clone("lagov", "zhang")
    before = ws.snapshot()
    assert_refused(ws, before, ws.push(work, ":refs/heads/main"), "main-delete")
    run(["git", "reset", "-q", "--hard", "HEAD~1"], work)
    ws.commit(work, {"b.md": "二\n"})
    assert_refused(ws, before, ws.push(work, "+HEAD:refs/heads/main"), "main-rewrite")


def test_draft_branch_may_be_rewritten_and_deleted(ws: Workspace) -> None:
    work = ws.clone("lagov", "zhang")
    ws.commit(work, {"a.md": "一\n"})
    assert_accepted(ws.push(work))
    run(["git", "commit", "-q", "--amend", "-m", "改"], work)
    assert_accepted(ws.push(work, "+HEAD:refs/heads/draft/test"))
    assert_accepted(ws.push(work, ":refs/heads/draft/test"))


def test_registry_accepts_only_admins_within_their_unit(ws: Workspace) -> None:
    """Art. 6, 12: people who are no admin never write the registry; a unit admin (zhou of
    lagov) never makes an admin (lifecycle_test has the full set of scope cases)."""
    from repo_tools.git.repo import PushRefused, commit_and_push
    before = ws.snapshot()
    with pytest.raises(PushRefused) as refused:
        commit_and_push(ws.city.registry_repo, ws.city.signer("li"),
                        {"people/li.yaml": b"id: li\nname: x\nunit: lagov\nroles: [admin, reviewer]\n"},
                        "自行提权")
    assert "[registry-writer｜" in refused.value.message
    with pytest.raises(PushRefused) as refused:
        commit_and_push(ws.city.registry_repo, ws.city.signer("zhou"),
                        {"people/li.yaml": b"id: li\nname: x\nunit: lagov\nroles: [admin, reviewer]\n"},
                        "为他人提权")
    assert "[registry-scope｜" in refused.value.message
    assert ws.snapshot() == before


def test_user_add_by_non_admin_refused(ws: Workspace) -> None:
    from repo_tools.messages import Refused
    before = ws.snapshot()
    with pytest.raises(Refused):
        city_mod.add_user(ws.city, "zhang", "newbie", "新人", "lagov", ["author"])
    assert ws.snapshot() == before


def test_tampered_log_detected(ws: Workspace) -> None:
    log = ws.city.log_file
    assert eventlog.verify(log) == []
    lines = log.read_text(encoding="utf-8").splitlines(keepends=True)
    assert len(lines) >= 3
    edited = lines[1].replace('"push"', '"pushx"')
    log.write_text("".join([lines[0], edited, *lines[2:]]), encoding="utf-8")
    assert any("哈希" in p.message for p in eventlog.verify(log))
    log.write_text("".join([lines[0], *lines[2:]]), encoding="utf-8")
    assert eventlog.verify(log)
    log.write_text("".join([lines[1], lines[0], *lines[2:]]), encoding="utf-8")
    assert eventlog.verify(log)


def test_oa_log_verify_exit_status(ws: Workspace) -> None:
    oa = [str(Path(os.sys.executable).parent / "oa"), "--city", str(ws.city.root)]
    ok = subprocess.run([*oa, "log", "verify"], capture_output=True, text=True)
    assert ok.returncode == 0 and "完整" in ok.stdout
    with ws.city.log_file.open("a", encoding="utf-8") as handle:
        handle.write('{"seq": 999, "type": "forged"}\n')
    bad = subprocess.run([*oa, "log", "verify"], capture_output=True, text=True)
    assert bad.returncode == 1 and "第" in bad.stderr


def test_repeated_failed_authentication_locks_the_account_until_an_admin_enables_it(ws: Workspace) -> None:
    from repo_tools.identity import certificates, lockout
    work = ws.clone("lagov", "zhang")
    ws.commit(work, {"a.md": "正文\n"})
    old_key = ws.city.signer("zhang").fingerprint
    certificates.issue(ws.city, "admin", "zhang", approved_by="zhou")  # the old key is replaced now
    for _ in range(lockout.MAX_FAILURES - 1):
        before = ws.snapshot()
        assert_refused(ws, before, ws.push(work), "pusher-key-invalid")  # still signs with the old key
        assert not lockout.is_locked(ws.city.root, "zhang")
    last = ws.push(work)
    assert last.returncode != 0 and "已被锁定" in last.stderr
    assert lockout.is_locked(ws.city.root, "zhang")
    assert any(e["type"] == "account-locked" and e["person"] == "zhang" for e in eventlog.read(ws.city.log_file))
    # With the new key the account is still locked until the unit admin re-enables it.
    new_key = ws.city.signer("zhang").fingerprint
    assert new_key != old_key
    run(["git", "config", "user.signingkey", new_key], work)
    run(["git", "commit", "-q", "--amend", "--no-edit", "--no-verify"], work)
    before = ws.snapshot()
    assert_refused(ws, before, ws.push(work), "pusher-locked")
    city_mod.set_person_status(ws.city, "zhou", "zhang", "active", "核实为本人")
    assert not lockout.is_locked(ws.city.root, "zhang")
    assert_accepted(ws.push(work))


def test_unit_leader_is_named_by_egov_and_must_belong_to_the_unit(ws: Workspace) -> None:
    from repo_tools.git.repo import PushRefused, commit_and_push
    from repo_tools.messages import Refused
    from repo_tools.registry.applications import approvers_of
    from repo_tools.registry.records import dump
    assert approvers_of(ws.city.registry(), "jyj") == []  # nobody could approve jyj's applications
    before = ws.snapshot()
    with pytest.raises(Refused) as outsider:
        city_mod.set_unit_leader(ws.city, "admin", "jyj", "zhang")  # zhang belongs to lagov
    assert "本单位人员" in outsider.value.text()
    with pytest.raises(Refused):
        city_mod.set_unit_leader(ws.city, "wu", "jyj", "wu")  # only the e-government office's admins
    assert ws.snapshot() == before
    # The server refuses a unit record that names an outsider, even one committed by hand.
    unit = ws.city.registry().unit("jyj")
    assert unit is not None
    unit.leader = "zhang"
    with pytest.raises(PushRefused) as refused:
        commit_and_push(ws.city.registry_repo, ws.city.signer("admin"), {"units/jyj.yaml": dump(unit)}, "手工指定")
    assert "[registry-invalid｜" in refused.value.message and "zhang" in refused.value.message
    assert ws.snapshot() == before
    city_mod.set_unit_leader(ws.city, "admin", "jyj", "wu")
    assert ws.city.registry().unit("jyj").leader == "wu"  # type: ignore[union-attr]
    assert approvers_of(ws.city.registry(), "jyj") == ["wu"]
