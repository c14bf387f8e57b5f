"""What a reader of the site met: thumbnails lost by incremental builds, a Markdown attachment
without its charset, Python's English 404, attachment words not found, wrapped cells."""
from __future__ import annotations

import io
import threading
import urllib.error
import urllib.request

from PIL import Image
from site_support import BULLETIN, REGULATION, bundle_text, doc

from repo_tools.site import build_site
from repo_tools.site.serve import make_server

MEASURES_MD = ("# 六安市协同办公系统使用管理办法（试行）\n\n"
               "**第一条** 为规范协同办公系统的使用管理，特制定本办法，其中写有独特词语甲骨文字。\n")


def _photo() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (1600, 900), (30, 90, 160)).save(out, "JPEG", quality=60)
    return out.getvalue()


def test_incremental_builds_keep_bulletin_thumbnails(ws, tmp_path):  # type: ignore[no-untyped-def]
    folder = "bulletins/政务动态/2013-03-26-photo"
    ws.land("lagov", "zhang", {f"{folder}/index.md": BULLETIN.replace("试运行。", "试运行。\n\n![现场照片](photo.jpg)"),
                               f"{folder}/photo.jpg": _photo()})
    site = tmp_path / "site"
    build_site(ws.city, site)
    page_dir = site / "bulletins/lagov/政务动态/2013-03-26-photo"
    for n in range(4):  # every slot, each built incrementally
        ws.land("lagov", "zhang", {f"documents/2013/step-{n}/index.md": doc(f"第{n}步的通知")})
        report = build_site(ws.city, site)
        assert not report.full
        assert 'src="thumbs/photo.jpg"' in (page_dir / "index.html").read_text(encoding="utf-8")
        assert (page_dir / "thumbs/photo.jpg").is_file(), f"build {n}: thumbnail lost"


def _land_with_markdown(ws):  # type: ignore[no-untyped-def]
    ws.land("lagov", "zhang", {
        "documents/2013/oa-measures/index.md": REGULATION.replace("measures.txt", "measures.md"),
        "documents/2013/oa-measures/attachments/measures.md": MEASURES_MD,
    })


def _published_with_markdown(ws):  # type: ignore[no-untyped-def]
    """The regulation with a Markdown attachment on lagov's main (built once per test run)."""
    ws.prepare("md", _land_with_markdown)


def test_serve_text_with_charset_and_the_sites_own_404(ws, tmp_path):  # type: ignore[no-untyped-def]
    _published_with_markdown(ws)
    site = tmp_path / "site"
    build_site(ws.city, site)
    server = make_server(site, 0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        base = f"http://127.0.0.1:{server.server_address[1]}/"
        with urllib.request.urlopen(base + "documents/lagov/2013/oa-measures/attachments/measures.md") as got:
            assert got.headers["Content-Type"] == "text/markdown; charset=utf-8"
            assert got.read().decode("utf-8") == MEASURES_MD
        try:
            urllib.request.urlopen(base + "documents/nowhere/")
            raise AssertionError("a missing page was served")
        except urllib.error.HTTPError as missing:
            assert missing.code == 404
            body = missing.read().decode("utf-8")
            assert "页面不存在" in body and "Error response" not in body
            assert "charset=utf-8" in missing.headers["Content-Type"]
    finally:
        server.shutdown()
        server.server_close()


def test_words_of_a_text_attachment_find_the_document(ws, tmp_path):  # type: ignore[no-untyped-def]
    _published_with_markdown(ws)
    site = tmp_path / "site"
    build_site(ws.city, site)
    page = (site / "documents/lagov/2013/oa-measures/index.html").read_text(encoding="utf-8")
    assert "甲骨文字" in page and "<strong>第一条</strong>" in page  # shown, rendered, in UTF-8
    indexed = "".join(bundle_text(site, b.name) for b in site.glob("_pagefind*") if (b / "fragment").is_dir())
    assert "甲骨文字" in indexed and "/documents/lagov/2013/oa-measures/" in indexed


def test_short_cells_and_fingerprints_do_not_wrap(ws, tmp_path):  # type: ignore[no-untyped-def]
    from archive_support import archived_2013
    archived_2013(ws)
    site = tmp_path / "site"
    build_site(ws.city, site)
    catalogue = (site / "archive/lagov/2013/index.html").read_text(encoding="utf-8")
    assert '<td class="cell-nowrap">通知</td>' in catalogue  # 文种, a two-character word
    css = (site / "assets/site.css").read_text(encoding="utf-8")
    assert ".record-table td.cell-nowrap { white-space: nowrap; }" in css
    page = (site / "documents/lagov/2013/oa-measures/index.html").read_text(encoding="utf-8")
    groups = page.split('class="fingerprint">', 1)[1].split("</small>", 1)[0]
    assert groups.count('<span class="fp-group">') == 10
    assert ".fingerprint .fp-group { white-space: nowrap; }" in css
