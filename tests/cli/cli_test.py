"""The `oa` command line as a new user meets it: global options anywhere, Chinese usage text,
and errors that name the right cause."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from fixtures import Workspace

from repo_tools.git.repo import git

OA = str(Path(sys.executable).parent / "oa")


def oa(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("GIT_") and k not in ("GNUPGHOME", "OA_USER", "OA_CITY")}
    return subprocess.run([OA, *args], cwd=cwd, env=env, capture_output=True, text=True)


def test_global_options_after_the_subcommand(ws: Workspace) -> None:
    target = ws.base / "after"
    proc = oa("clone", "lagov", str(target), "--as", "zhang", "--city", str(ws.city.root))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert git("config", "--get", "oa.user", cwd=target).strip() == "zhang"
    # nested commands too, and --json after the subcommand
    proc = oa("user", "list", "--city", str(ws.city.root), "--json")
    assert proc.returncode == 0, proc.stderr
    assert any(row.get("id") == "zhang" for row in json.loads(proc.stdout))


def test_global_options_before_the_subcommand_still_work(ws: Workspace) -> None:
    target = ws.base / "before"
    proc = oa("--city", str(ws.city.root), "--as", "zhang", "clone", "lagov", str(target))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert git("config", "--get", "oa.user", cwd=target).strip() == "zhang"


def test_unknown_option_after_subcommand_is_still_a_usage_error(ws: Workspace) -> None:
    proc = oa("clone", "lagov", str(ws.base / "x"), "--ass", "zhang", "--city", str(ws.city.root))
    assert proc.returncode == 2
    assert not (ws.base / "x").exists()


# 6. Chinese everywhere a user looks -----------------------------------------------------------
def test_click_usage_and_help_are_chinese(ws: Workspace) -> None:
    helped = oa("clone", "--help")
    assert helped.returncode == 0
    for english in ("Usage:", "Options:", "Show this message and exit."):
        assert english not in helped.stdout
    assert "用法：" in helped.stdout and "选项：" in helped.stdout and "显示本帮助并退出" in helped.stdout
    wrong = oa("clone", "lagov", str(ws.base / "x"), "--ass", "zhang")
    assert wrong.returncode == 2
    assert "No such option" not in wrong.stderr and "Error" not in wrong.stderr and "Try" not in wrong.stderr
    assert "错误：没有选项“--ass”" in wrong.stderr and "--help" in wrong.stderr
    missing = oa("clone")
    assert missing.returncode == 2 and "缺少参数" in missing.stderr, missing.stderr
    unknown = oa("nosuch")
    assert unknown.returncode == 2 and "没有命令“nosuch”" in unknown.stderr


def test_statuses_verdicts_and_retention_in_chinese(ws: Workspace) -> None:
    from archive_support import landed_2013
    env_city = ("--city", str(ws.city.root))
    users = oa("user", "list", *env_city)
    assert users.returncode == 0 and "在用" in users.stdout and "active" not in users.stdout
    units = oa("unit", "list", *env_city)
    assert units.returncode == 0 and "在用" in units.stdout and "active" not in units.stdout
    landed_2013(ws)
    verified = oa("verify", "--unit", "lagov", *env_city)
    assert "审批：" in verified.stdout and "同意：" in verified.stdout
    assert "approve" not in verified.stdout
    archived = subprocess.run([OA, "archive", "2013", "--as", "sun", *env_city], capture_output=True, text=True,
                              env={**os.environ, "COLUMNS": "250"})
    assert archived.returncode == 0, archived.stderr
    assert "永久" in archived.stdout and "定期10年" in archived.stdout
    assert "│ Y " not in archived.stdout and " D10 " not in archived.stdout


def test_not_found_cites_an_article_only_where_it_applies(ws: Workspace) -> None:
    no_city = oa("user", "list", "--city", str(ws.base / "nowhere"))
    assert no_city.returncode == 1 and "不存在" in no_city.stderr
    assert "第七条" not in no_city.stderr and "（第" not in no_city.stderr.splitlines()[0]
    no_person = oa("clone", "lagov", str(ws.base / "y"), "--as", "nobody", "--city", str(ws.city.root))
    assert no_person.returncode == 1 and "第七条" in no_person.stderr, no_person.stderr


# 7. Errors that name the right cause ----------------------------------------------------------
def test_archive_for_an_unknown_unit_says_so(ws: Workspace) -> None:
    before = ws.snapshot()
    proc = oa("archive", "2026", "--unit", "nosuch", "--as", "sun", "--city", str(ws.city.root))
    assert proc.returncode == 1
    assert "单位“nosuch”不存在" in proc.stderr and "角色" not in proc.stderr, proc.stderr
    assert ws.snapshot() == before


def test_site_build_for_an_unknown_audience_is_refused(ws: Workspace) -> None:
    out = ws.base / "site-x"
    for audience, what in (("unit:nosuch", "单位“nosuch”不存在"), ("user:nobody", "人员“nobody”不存在")):
        proc = oa("site", "build", "--audience", audience, "--out", str(out), "--city", str(ws.city.root))
        assert proc.returncode == 1 and what in proc.stderr, proc.stdout + proc.stderr
        assert not out.exists()
    ok = oa("site", "build", "--audience", "unit:jyj", "--out", str(out), "--city", str(ws.city.root))
    assert ok.returncode == 0, ok.stderr


def test_archive_access_by_path_or_number(ws: Workspace) -> None:
    from archive_support import archived_2013

    from repo_tools.archive import access as archive_access
    package = archived_2013(ws)
    row = next(r for r in package.rows if r["source"] == "documents/2013/oa-measures")
    city = ("--city", str(ws.city.root))
    for given in ("documents/2013/oa-measures", "lagov/documents/2013/oa-measures/index.md", row["文号"]):
        proc = oa("archive", "access", given, "--reason", "查阅", "--as", "zhang", *city)
        assert proc.returncode == 0, proc.stderr
        assert row["档号"] in proc.stdout
    assert [e["item"] for e in archive_access.register(ws.city, "lagov")] == [row["档号"]] * 3
    before = ws.snapshot()
    proc = oa("archive", "access", "documents/2013/nothing", "--reason", "查阅", "--as", "zhang", *city)
    assert proc.returncode == 1 and "不是任何已归档文件" in proc.stderr
    assert ws.snapshot() == before


def test_doc_render_refuses_when_the_seal_cannot_be_drawn(ws: Workspace, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from archive_support import landed_2013
    from click.testing import CliRunner
    from fixtures import run

    from repo_tools.cli import oa as oa_cli
    from repo_tools.seal import image as seal_image
    landed_2013(ws)
    work = ws.clone("lagov", "zhang")
    run(["git", "pull", "-q", "origin", "main"], work)
    monkeypatch.chdir(work)
    good = CliRunner().invoke(oa_cli, ["--city", str(ws.city.root), "doc", "render",
                                       "documents/2013/oa-measures", "--pdf", str(ws.base / "ok.pdf")])
    assert good.exit_code == 0, good.output
    assert (ws.base / "ok.pdf").stat().st_size > 0

    def broken(*_args: object) -> str:
        raise RuntimeError("字体损坏")
    monkeypatch.setattr(seal_image, "seal_svg", broken)  # our own drawing code fails, nothing of git or gpg
    bad = CliRunner().invoke(oa_cli, ["--city", str(ws.city.root), "doc", "render",
                                      "documents/2013/oa-measures", "--pdf", str(ws.base / "bad.pdf")])
    assert bad.exit_code == 1
    assert "印章图样" in bad.output and "字体损坏" in bad.output
    assert not (ws.base / "bad.pdf").exists()


# 3. `oa doc check` applies the server's content rules ------------------------------------------
BULLETIN_TEXT = "---\ntitle: 市政府召开常务会议\ncolumn: 政务动态\ndate: 2026-11-20\n---\n\n会议研究了有关事项。\n"


def _jpeg(size: int) -> bytes:
    """A real JPEG of at least `size` bytes (noise does not compress)."""
    import io
    import random

    from PIL import Image
    side = 64
    while True:
        rng = random.Random(side)
        img = Image.frombytes("RGB", (side, side), bytes(rng.getrandbits(8) for _ in range(side * side * 3)))
        out = io.BytesIO()
        img.save(out, "JPEG", quality=95)
        if out.tell() >= size:
            return out.getvalue()
        side *= 2


def test_doc_check_applies_the_hooks_content_rules(ws: Workspace) -> None:
    work = ws.clone("lagov", "zhang")
    folder = "bulletins/政务动态/2026-11-20-meeting"
    big = _jpeg(607_569)
    assert len(big) > 512_000
    ws.commit(work, {f"{folder}/index.md": BULLETIN_TEXT + "\n![会场](photo.jpg)\n", f"{folder}/photo.jpg": big,
                     f"{folder}/notes.txt": "密级：机密\n"})
    checked = oa("doc", "check", folder, "--city", str(ws.city.root), cwd=work)
    assert checked.returncode == 1, checked.stdout + checked.stderr
    assert "[image-too-large" in checked.stderr and f"{folder}/photo.jpg" in checked.stderr
    assert "[classified" in checked.stderr
    # the image itself: its own rules, not "missing front matter"
    one = oa("doc", "check", f"{folder}/photo.jpg", "--city", str(ws.city.root), cwd=work)
    assert one.returncode == 1
    assert "[image-too-large" in one.stderr and "front matter" not in one.stderr and "前置" not in one.stderr
    # the server says the same
    before = ws.snapshot()
    pushed = ws.push(work)
    assert pushed.returncode != 0 and "image-too-large" in pushed.stderr
    assert ws.snapshot() == before


def test_doc_check_accepts_a_folder_whose_files_pass(ws: Workspace) -> None:
    work = ws.clone("lagov", "zhang")
    folder = "bulletins/政务动态/2026-11-20-meeting"
    ws.commit(work, {f"{folder}/index.md": BULLETIN_TEXT + "\n![会场](photo.jpg)\n",
                     f"{folder}/photo.jpg": _jpeg(20_000)})
    checked = oa("doc", "check", folder, "--city", str(ws.city.root), cwd=work)
    assert checked.returncode == 0, checked.stderr
    image = oa("doc", "check", f"{folder}/photo.jpg", "--city", str(ws.city.root), cwd=work)
    assert image.returncode == 0, image.stderr
