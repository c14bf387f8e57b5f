"""The intranet site, built from a real city with content landed through the real hooks."""
from __future__ import annotations

import os
import re
import threading
import urllib.request
from pathlib import Path

import pytest
from click.testing import CliRunner
from fixtures import Workspace
from site_support import BULLETIN, REGULATION, bundle_text, doc, sealed_number

from repo_tools.cli import oa
from repo_tools.site import build_site
from repo_tools.site.pages import PER_PAGE
from repo_tools.site.serve import make_server

SECRET_TITLE = "关于教育局内部工作安排绝密无关词甲乙的通知"
RESTRICTED = f"""---
type: 通知
title: {SECRET_TITLE}
recipients: [局机关各科室]
date: 2013-04-01
audience: [unit:jyj]
---

仅限教育局阅读的安排，内含词语丙丁戊。
"""


def all_text(site: Path) -> str:
    """Every built file (names and bytes) as one text, to search for leaks."""
    chunks = []
    for path in site.rglob("*"):
        chunks.append(str(path.relative_to(site)))
        if path.is_file():
            chunks.append(path.read_bytes().decode("utf-8", "replace"))
    return "\n".join(chunks)


def publish(ws: Workspace) -> None:
    ws.land("lagov", "zhang", {
        "documents/2013/oa-measures/index.md": REGULATION,
        "documents/2013/oa-measures/attachments/measures.txt": "第一条 为规范协同办公系统的使用管理。\n",
        "bulletins/政务动态/2013-03-26-oa-trial-run/index.md": BULLETIN,
    })
    ws.land("jyj", "wu", {"documents/2013/internal-plan/index.md": RESTRICTED})
    ws.witness()


@pytest.fixture
def published(ws: Workspace) -> Workspace:
    """The regulation, a bulletin and jyj's restricted notice on main, witnessed (built once per run)."""
    ws.prepare("site", publish)
    return ws


def test_document_page_has_official_form_seal_and_verification(published, tmp_path):  # type: ignore[no-untyped-def]
    report = build_site(published.city, tmp_path / "site")
    site = tmp_path / "site"
    page = (site / "documents/lagov/2013/oa-measures/index.html").read_text(encoding="utf-8")
    number = sealed_number(published, "lagov", "documents/2013/oa-measures")
    assert number.startswith("六政办秘〔2013〕")  # the code of the draft's intended number, kept by land
    assert number in page
    assert "关于印发六安市协同办公系统使用管理办法（试行）的通知" in page
    assert 'class="verification-panel"' in page
    assert "<svg" in page  # the seal image of a sealed document
    panel = page.split('class="verification-panel"', 1)[1]
    # The real report of repo_tools.verify: seal valid, the approval with its opinion, trusted times.
    assert "✓ 验证通过" in panel and "印章有效" in panel and "lagov-1" in panel
    assert "李华" in panel and "<q>同意。</q>" in panel and "签名有效" in panel
    assert re.search(r"盖章时间（可信时间）</dt><dd>2\d{3}-\d\d-\d\d \d\d:\d\d:\d\d", panel)
    assert "（无审核记录）" not in panel and "—" not in panel.split("<h3>审核意见")[1].split("</ul>")[0]
    # One source of truth for the GB/T 9704 layout: official.css, linked and copied.
    assert 'assets/official.css"' in page and (site / "assets/official.css").exists()
    assert ".official-document" not in (site / "assets/site.css").read_text(encoding="utf-8").replace(
        ".document-sheet .official-document", "")
    assert 'href="attachments/measures.txt"' in page
    assert (site / "documents/lagov/2013/oa-measures/attachments/measures.txt").read_text(encoding="utf-8")
    bulletin = (site / "bulletins/lagov/政务动态/2013-03-26-oa-trial-run/index.html").read_text(encoding="utf-8")
    assert "今日起试运行" in bulletin
    assert report.search == "base" and (site / "_pagefind" / "pagefind.js").exists()
    for listing in ("", "units/lagov/", "years/2013/", "types/通知/", "columns/政务动态/"):
        assert "oa-measures" in (site / listing / "index.html").read_text(encoding="utf-8") or \
            "2013-03-26-oa-trial-run" in (site / listing / "index.html").read_text(encoding="utf-8")


def test_restricted_item_leaks_into_no_other_build(published, tmp_path):  # type: ignore[no-untyped-def]
    for audience in ("all", "unit:czj", "user:feng", "unit:lagov"):
        out = tmp_path / audience.replace(":", "-")
        build_site(published.city, out, audience=audience)
        text = all_text(out)
        assert "oa-measures" in text  # the public document is there
        assert SECRET_TITLE not in text and "丙丁戊" not in text and "internal-plan" not in text, audience
    for audience in ("unit:jyj", "user:wu"):
        out = tmp_path / audience.replace(":", "-")
        build_site(published.city, out, audience=audience)
        assert SECRET_TITLE in (out / "documents/jyj/2013/internal-plan/index.html").read_text(encoding="utf-8")
        assert SECRET_TITLE in (out / "units/jyj/index.html").read_text(encoding="utf-8")


def test_user_markdown_is_sanitized(ws, tmp_path):  # type: ignore[no-untyped-def]
    body = ('<script>alert(1)</script>\n\n<iframe src="x"></iframe>\n\n<img src="a.png" onerror="alert(2)">\n\n'
            '[点我](javascript:alert(3))\n\n正文保留。')
    ws.land("lagov", "zhang", {"documents/2013/evil/index.md": doc("<b>粗体</b>恶意内容测试", body=body),
                                "bulletins/政务动态/2013-05-01-evil/index.md":
                                    "---\ntitle: 恶意信息\ncolumn: 政务动态\ndate: 2013-05-01\n---\n\n" + body})
    build_site(ws.city, tmp_path / "site")
    for rel in ("documents/lagov/2013/evil/index.html", "bulletins/lagov/政务动态/2013-05-01-evil/index.html"):
        page = (tmp_path / "site" / rel).read_text(encoding="utf-8")
        assert "正文保留" in page
        content = page.split("<main", 1)[1]
        assert "alert(" not in content and "<iframe" not in content and "onerror" not in content
        assert "javascript:" not in content
    # Front matter is text too: a title is escaped in its page, in listings and in the home page.
    for rel in ("documents/lagov/2013/evil/index.html", "index.html", "units/lagov/index.html"):
        content = (tmp_path / "site" / rel).read_text(encoding="utf-8").split("<main", 1)[1]
        assert "<b>粗体" not in content and "&lt;b&gt;粗体" in content, rel


EXTERNAL = re.compile(rb"""(?:https?:)?//(?!127\.0\.0\.1|localhost|www\.w3\.org/(?:2000/svg|1999/xlink))[a-z0-9.-]+\.[a-z]{2,}""",
                      re.I)


def test_no_built_file_references_an_external_url(published, tmp_path):  # type: ignore[no-untyped-def]
    site = tmp_path / "site"
    build_site(published.city, site)
    offenders = []
    for path in site.rglob("*"):
        if path.is_file() and path.suffix in (".html", ".css", ".js", ".json", ".xml", ".txt", ".svg"):
            for match in EXTERNAL.finditer(path.read_bytes()):
                offenders.append(f"{path.relative_to(site)}: {match.group(0)!r}")
    assert not offenders, offenders[:20]


def test_listings_are_paginated_and_old_pages_stay_put(ws, tmp_path):  # type: ignore[no-untyped-def]
    count = PER_PAGE * 2 + 3
    ws.land("czj", "feng", {f"documents/2013/d{n:03d}/index.md": doc(f"财政文件第{n}号") for n in range(count)})
    report = build_site(ws.city, tmp_path / "site")
    site = tmp_path / "site"
    front = (site / "units/czj/index.html").read_text(encoding="utf-8")
    assert front.count('class="entry entry-document"') == PER_PAGE
    assert f"共 {count} 项" in front
    pages = sorted(p.name for p in (site / "units/czj/page").iterdir())
    assert pages == ["1", "2", "3"]
    third = (site / "units/czj/page/3/index.html").read_text(encoding="utf-8")
    assert third.count('class="entry entry-document"') == 3
    assert report.full
    # One more document: only the last page (and the listing fronts, home) change.
    ws.land("czj", "feng", {"documents/2013/zz-new/index.md": doc("新增文件")})
    again = build_site(ws.city, tmp_path / "site")
    assert not again.full
    assert "units/czj/page/1/index.md" not in again.rendered
    assert "units/czj/page/3/index.md" in again.rendered
    assert "新增文件" in (site / "units/czj/page/3/index.html").read_text(encoding="utf-8")


def test_incremental_build_renders_only_what_changed(published, tmp_path):  # type: ignore[no-untyped-def]
    site = tmp_path / "site"
    first = build_site(published.city, site)
    assert "documents/lagov/2013/oa-measures/index.md" in first.rendered
    same = build_site(published.city, site)
    assert same.rendered == [] and same.search == "unchanged"
    old_generation = Path(os.path.realpath(site))
    old_page = (site / "documents/lagov/2013/oa-measures/index.html").read_bytes()
    published.land("jyj", "wu", {"documents/2013/new-one/index.md": doc("教育局新通知")})
    after = build_site(published.city, site)
    assert sorted(after.rendered) == sorted([
        "documents/jyj/2013/new-one/index.md", "index.md", "units/index.md", "units/jyj/index.md",
        "units/jyj/page/1/index.md", "years/index.md", "years/2013/index.md", "years/2013/page/1/index.md",
        "types/index.md", "types/通知/index.md", "types/通知/page/1/index.md"])
    assert after.search == "delta"
    assert (site / "_pagefind_delta" / "pagefind-entry.json").exists()
    assert "_pagefind_delta" in (site / "assets/search-config.js").read_text()
    assert (site / "documents/lagov/2013/oa-measures/index.html").read_bytes() == old_page
    assert Path(os.path.realpath(site)) != old_generation
    # The previous generation was never written into (hard links are replaced, not rewritten).
    assert "教育局新通知" not in (old_generation / "index.html").read_text(encoding="utf-8")


def test_a_rebuild_saves_only_the_units_that_moved_and_a_lost_unit_file_means_a_fresh_build(
        published, tmp_path):  # type: ignore[no-untyped-def]
    """The site state keeps each unit's collected content in its own file (site/publish.py): a
    rebuild writes the unit whose main moved and no other; files no slot names are removed; and
    a state whose unit file is gone is not trusted (the next build is a fresh one, nothing lost)."""
    site = tmp_path / "site"
    build_site(published.city, site)
    units = tmp_path / ".site.builds" / "units"
    first = {p.name: p.stat().st_ino for p in units.glob("*.pickle")}
    assert sorted(name.split("-")[0] for name in first) == sorted(published.city.registry().units)
    published.land("jyj", "wu", {"documents/2013/new-one/index.md": doc("教育局新通知")})
    after = build_site(published.city, site)
    assert "documents/jyj/2013/new-one/index.md" in after.rendered and not after.full
    now = {p.name: p.stat().st_ino for p in units.glob("*.pickle")}
    new = sorted(set(now) - set(first))
    assert [name.split("-")[0] for name in new] == ["jyj"]
    assert all(now[name] == ino for name, ino in first.items() if name in now)  # untouched files
    for _ in range(3):  # every slot rewritten: the first build's jyj file is named by no slot
        published.land("jyj", "wu", {f"documents/2013/more-{_}/index.md": doc(f"教育局又一通知{_}")})
        build_site(published.city, site)
    jyj_files = sorted(p.name for p in units.glob("jyj-*.pickle"))
    assert not set(jyj_files) & {n for n in first if n.startswith("jyj-")} and len(jyj_files) <= 3
    live_units = Path(os.path.realpath(site)).with_suffix(".units").read_text().split()
    (units / next(n for n in live_units if n.startswith("lagov-"))).unlink()
    again = build_site(published.city, site)
    assert again.full and "documents/lagov/2013/oa-measures/index.md" in again.rendered
    assert "教育局又一通知2" in all_text(site)


def test_after_a_full_build_the_first_rebuilds_fill_the_stale_slots_and_later_ones_replay(
        published, tmp_path):  # type: ignore[no-untyped-def]
    """A slot from before a full build must be copied whole once; those copies come with the
    first two rebuilds after it (the two spare slots), never with a later one whose generation
    happened to pass the stale slot's number."""
    site = tmp_path / "site"
    for _ in range(6):  # every slot of the first epoch at a high generation
        build_site(published.city, site)
    assert build_site(published.city, site, full=True).full
    replayed = [build_site(published.city, site).replayed for _ in range(8)]
    assert replayed[:2] == [-1, -1] and all(n >= 0 for n in replayed[2:]), replayed


def test_failed_build_leaves_the_old_site(published, tmp_path, monkeypatch):  # type: ignore[no-untyped-def]
    site = tmp_path / "site"
    build_site(published.city, site)
    live = os.path.realpath(site)
    before = all_text(site)
    published.land("lagov", "zhang", {"documents/2013/later/index.md": doc("后来的通知")})
    from repo_tools.site import build as build_mod

    def broken(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise RuntimeError("模拟构建失败")
    monkeypatch.setattr(build_mod.search, "index_bundle", broken)
    with pytest.raises(RuntimeError):
        build_site(published.city, site)
    assert os.path.realpath(site) == live
    assert all_text(site) == before
    # A full build fails inside a forked worker: the error comes back with its cause, same outcome.
    from repo_tools.site.rendering import WorkerError
    with pytest.raises(WorkerError, match="模拟构建失败"):
        build_site(published.city, site, full=True)
    assert os.path.realpath(site) == live
    assert all_text(site) == before
    monkeypatch.undo()
    report = build_site(published.city, site)  # the next build catches up from the old state
    assert "documents/lagov/2013/later/index.md" in report.rendered


def test_bad_audience_is_a_usage_error_and_cli_builds(published, tmp_path):  # type: ignore[no-untyped-def]
    runner = CliRunner()
    bad = runner.invoke(oa, ["--city", str(published.city.root), "site", "build", "--audience", "jyj"])
    assert bad.exit_code == 1 and "读者范围" in bad.output
    out = tmp_path / "cli-site"
    good = runner.invoke(oa, ["--city", str(published.city.root), "site", "build", "--out", str(out)])
    assert good.exit_code == 0, good.output
    assert (out / "index.html").exists()


def test_serve_follows_the_published_site(published, tmp_path):  # type: ignore[no-untyped-def]
    site = tmp_path / "site"
    build_site(published.city, site)
    server = make_server(site, 0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        base = f"http://127.0.0.1:{server.server_address[1]}/"
        assert "oa-measures" in urllib.request.urlopen(base).read().decode()
        published.land("lagov", "zhang", {"documents/2013/served/index.md": doc("服务中发布的通知")})
        build_site(published.city, site)
        assert "服务中发布的通知" in urllib.request.urlopen(base).read().decode()
    finally:
        server.shutdown()
        server.server_close()


def _pages(site: Path) -> dict[str, bytes]:
    return {str(p.relative_to(site)): p.read_bytes() for p in site.rglob("*")
            if p.is_file() and not str(p.relative_to(site)).startswith(("_pagefind", "assets/search-config"))}


def test_rotating_slots_match_a_full_build(published, tmp_path):  # type: ignore[no-untyped-def]
    """Builds into rotating slots (journal replay) give the same site as one full build."""
    site = tmp_path / "site"
    build_site(published.city, site)
    replays = []
    for n in range(4):
        files = {f"documents/2013/step-{n}/index.md": doc(f"第{n}步的通知")}
        if n == 2:  # a change to an existing page and an image in a bulletin
            files["bulletins/政务动态/2013-03-26-oa-trial-run/index.md"] = BULLETIN.replace("试运行。", "试运行，运行平稳。")
        published.land("lagov", "zhang", files)
        replays.append(build_site(published.city, site).replayed)
    assert replays[0] == -1 and all(r >= 0 for r in replays[2:])  # later slots catch up by replay
    full = tmp_path / "full"
    build_site(published.city, full, full=True)
    assert _pages(site) == _pages(full)


LAGOV_ONLY_TITLE = "关于办公室内部值班安排己庚辛的通知"


def test_unit_registers_only_in_that_units_build(published, tmp_path):  # type: ignore[no-untyped-def]
    from repo_tools.transmit import deliveries as transmit
    transmit.send(published.city, "zhao", "documents/2013/oa-measures", to=["jyj"])
    title = "关于印发六安市协同办公系统使用管理办法（试行）的通知"
    jyj = tmp_path / "jyj"
    build_site(published.city, jyj, audience="unit:jyj")
    incoming = (jyj / "registers/index.html").read_text(encoding="utf-8")
    received = incoming.split("收文登记簿</h2>", 1)[1].split("发文登记簿</h2>", 1)[0]
    assert title in received and "六安市人民政府办公室" in received
    assert "登记簿" in (jyj / "index.html").read_text(encoding="utf-8")  # linked from the header
    lagov = tmp_path / "lagov"
    build_site(published.city, lagov, audience="unit:lagov")
    sent = (lagov / "registers/index.html").read_text(encoding="utf-8").split("发文登记簿</h2>", 1)[1]
    assert title in sent and "六安市教育局" in sent
    for audience in ("all", "user:wu", "unit:czj"):
        out = tmp_path / audience.replace(":", "-")
        build_site(published.city, out, audience=audience)
        if audience == "unit:czj":  # a unit's own (empty) registers, nothing of others'
            page = (out / "registers/index.html").read_text(encoding="utf-8")
            assert "六安市教育局" not in page and title not in page
            continue
        assert not (out / "registers").exists(), audience
        assert "登记簿" not in all_text(out), audience


def test_archive_catalogue_and_chart_keep_restricted_titles_out(ws, tmp_path):  # type: ignore[no-untyped-def]
    from repo_tools.archive import packages as archive
    ws.land("lagov", "zhang", {
        "documents/2013/oa-measures/index.md": REGULATION,
        "documents/2013/oa-measures/attachments/measures.txt": "第一条 为规范协同办公系统的使用管理。\n",
        "documents/2013/duty/index.md": doc("办公室内部值班安排己庚辛", extra="audience: [unit:lagov]\n"),
    })
    package = archive.archive(ws.city, "lagov", 2013, "sun")
    assert package is not None and len(package.rows) == 2
    public = tmp_path / "all"
    build_site(ws.city, public)
    catalogue = (public / "archive/lagov/2013/index.html").read_text(encoding="utf-8")
    assert "关于印发六安市协同办公系统使用管理办法（试行）的通知" in catalogue
    public_rows = [row for row in package.rows if row.get("audience", "all") == "all"]
    restricted_rows = [row for row in package.rows if row.get("audience", "all") != "all"]
    assert len(public_rows) == 1 and len(restricted_rows) == 1
    assert public_rows[0]["档号"] in catalogue  # the rows for everyone, and only those (issue 17)
    assert restricted_rows[0]["档号"] not in all_text(public)
    assert "己庚辛" not in all_text(public)  # nowhere in the all-staff build
    chart = (public / "archive/stats/2013/index.html").read_text(encoding="utf-8")
    assert "<svg" in chart and "2013 年度电子档案统计" in chart and "<script" not in chart.split("<main", 1)[1]
    assert "archive/lagov/2013/" in (public / "archive/index.html").read_text(encoding="utf-8")
    own = tmp_path / "lagov"
    build_site(ws.city, own, audience="unit:lagov")
    assert LAGOV_ONLY_TITLE in (own / "archive/lagov/2013/index.html").read_text(encoding="utf-8")
    overlay = Path(os.path.realpath(public.parent / "all-overlays" / "unit-lagov"))
    copy = (overlay / "archive/lagov/2013/index.html").read_text(encoding="utf-8")
    assert LAGOV_ONLY_TITLE in copy and public_rows[0]["档号"] in copy  # the overlay's copy: every row lagov sees


def test_a_changed_page_remakes_only_its_own_search_bundle(published, tmp_path):  # type: ignore[no-untyped-def]
    site = tmp_path / "site"
    assert build_site(published.city, site).search == "base"
    # The pages are split between two base bundles, indexed side by side; the search page merges them.
    assert "试运行" in bundle_text(site, "_pagefind")
    assert "协同办公系统使用管理办法" in bundle_text(site, "_pagefind_1")
    assert "/_pagefind_1/" in (site / "assets/search-config.js").read_text(encoding="utf-8")
    before = Path(os.path.realpath(site))
    published.land("lagov", "zhang", {"bulletins/政务动态/2013-03-26-oa-trial-run/index.md":
                                      BULLETIN.replace("试运行。", "试运行，运行平稳。")})
    after = build_site(published.city, site)
    assert after.search == "base" and "运行平稳" in bundle_text(site, "_pagefind")
    # The other bundle was not remade: its files are still the previous generation's (hard links).
    entry = "_pagefind_1/pagefind-entry.json"
    assert (site / entry).stat().st_ino == (before / entry).stat().st_ino


def test_a_city_with_nothing_published_still_has_a_search_page(ws, tmp_path):  # type: ignore[no-untyped-def]
    site = tmp_path / "site"
    report = build_site(ws.city, site)
    assert report.items == 0 and (site / "_pagefind/pagefind-ui.js").exists()
    assert not (site / "_pagefind_1").exists()
    assert "OA_SEARCH_MERGE = []" in (site / "assets/search-config.js").read_text(encoding="utf-8")


def test_large_bulletin_photo_gets_a_thumbnail_and_is_not_rendered_again(ws, tmp_path):  # type: ignore[no-untyped-def]
    import io

    from PIL import Image
    photo = io.BytesIO()
    Image.new("RGB", (1600, 900), (180, 30, 30)).save(photo, "JPEG", quality=60)
    folder = "bulletins/政务动态/2013-03-26-photo"
    ws.land("lagov", "zhang", {f"{folder}/index.md": BULLETIN.replace("试运行。", "试运行。\n\n![现场照片](photo.jpg)"),
                               f"{folder}/photo.jpg": photo.getvalue()})
    site = tmp_path / "site"
    build_site(ws.city, site)
    page_dir = site / "bulletins/lagov/政务动态/2013-03-26-photo"
    page = (page_dir / "index.html").read_text(encoding="utf-8")
    assert 'src="thumbs/photo.jpg"' in page and (page_dir / "photo.jpg").read_bytes() == photo.getvalue()
    with Image.open(page_dir / "thumbs/photo.jpg") as thumb:
        assert thumb.width == 800
    assert build_site(ws.city, site).rendered == []  # nothing changed: nothing is rendered again


def test_rebuild_judges_witness_marks_only_where_main_moved(published, tmp_path, monkeypatch):  # type: ignore[no-untyped-def]
    """Planning costs what changed: documents of units whose main did not move keep the key of
    the last build (their witness mark is final), and a new document of one unit is judged and
    rendered; a document still waiting for the witnesses is judged again until they cosign."""
    from repo_tools.site import adapters
    site = tmp_path / "site"
    build_site(published.city, site)
    judged: list[str] = []
    original = adapters.Verification.witness_mark

    def counting(self, unit_id, doc_dir):  # type: ignore[no-untyped-def]
        judged.append(f"{unit_id}/{doc_dir}")
        return original(self, unit_id, doc_dir)
    monkeypatch.setattr(adapters.Verification, "witness_mark", counting)
    assert build_site(published.city, site).rendered == []
    assert judged == []
    published.land("lagov", "zhang", {"documents/2013/another/index.md": doc("关于另一事项的通知")})
    pending = build_site(published.city, site)
    assert "documents/lagov/2013/another/index.md" in pending.rendered
    assert judged and all(j.startswith("lagov/") for j in judged)
    judged.clear()
    assert build_site(published.city, site).rendered == []
    assert judged == ["lagov/documents/2013/another"]  # 待见证: asked again, nothing else is
    published.witness()
    witnessed = build_site(published.city, site)
    assert witnessed.rendered == ["documents/lagov/2013/another/index.md"]
    judged.clear()
    build_site(published.city, site)
    assert judged == []
