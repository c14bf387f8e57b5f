"""The site in a real browser: Debian's headless Chromium driven by Playwright (never a
downloaded browser). Search a Chinese word from the regulation, open the document, and see
the seal and the verification panel. The screenshot goes to the test's temporary folder; only
`make screenshot` (OA_REFRESH_SCREENSHOT=1) copies it to docs/document-page.png for the README,
so `make test` leaves the tracked tree as it was."""
from __future__ import annotations

import os
import shutil
import threading
from pathlib import Path

import pytest
from site_support import REGULATION, sealed_number  # noqa: E402  (tests/ is on sys.path via conftest)

from repo_tools.site import build_site
from repo_tools.site.serve import make_server
from fixtures import PROJECT_ROOT

CHROMIUM = shutil.which("chromium") or ("/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None)
SCREENSHOT = PROJECT_ROOT / "docs" / "document-page.png"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync"]
TITLE = "关于印发六安市协同办公系统使用管理办法（试行）的通知"


@pytest.mark.skipif(CHROMIUM is None, reason="没有安装 chromium（scripts/setup-system.sh 会安装）")
def test_search_open_document_see_seal_and_verification(ws, tmp_path):  # type: ignore[no-untyped-def]
    sync_api = pytest.importorskip("playwright.sync_api")
    ws.land("lagov", "zhang", {
        "documents/2013/oa-measures/index.md": REGULATION,
        "documents/2013/oa-measures/attachments/measures.txt": "第一条 为规范协同办公系统的使用管理。\n",
        "documents/2013/other/index.md": "---\ntype: 函\ntitle: 关于借用会议室的函\nrecipients: [六安市财政局]\ndate: 2013-04-02\n---\n\n请予支持。\n",
    })
    site = tmp_path / "site"
    build_site(ws.city, site)
    server = make_server(site, 0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}/"
    tracked = SCREENSHOT.read_bytes() if SCREENSHOT.exists() else None
    refresh = os.environ.get("OA_REFRESH_SCREENSHOT") == "1"
    shot = tmp_path / "document-page.png"
    try:
        with sync_api.sync_playwright() as p:
            context = p.chromium.launch_persistent_context(
                str(tmp_path / "profile"), executable_path=CHROMIUM, headless=True, args=FLAGS,
                viewport={"width": 1400, "height": 1300})
            page = context.new_page()
            outside: list[str] = []
            page.on("request", lambda r: outside.append(r.url) if not r.url.startswith(base) else None)
            page.goto(base)
            page.fill("header input[name=q]", "贯彻执行")  # a word inside a sentence of the body
            page.press("header input[name=q]", "Enter")
            page.wait_for_selector(".pagefind-ui__result-link", timeout=30000)
            links = page.locator(".pagefind-ui__result-link")
            assert TITLE in links.first.inner_text()
            assert "借用会议室" not in page.locator(".pagefind-ui__results").inner_text()
            links.first.click()
            page.wait_for_url("**/documents/lagov/2013/oa-measures/")
            seal = page.locator(".official-document svg").first
            assert seal.is_visible()
            box = seal.bounding_box()
            assert box is not None and box["width"] > 50
            panel = page.locator(".verification-panel")
            assert panel.is_visible() and "验证信息" in panel.inner_text()
            assert sealed_number(ws, "lagov", "documents/2013/oa-measures") in \
                page.locator(".official-document").inner_text()
            page.screenshot(path=str(shot), full_page=True)
            context.close()
            assert outside == [], outside  # works offline: nothing requested from another host
        assert shot.read_bytes().startswith(b"\x89PNG")
        if refresh:
            SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(shot, SCREENSHOT)
        else:  # a test writes only to temporary places
            assert (SCREENSHOT.read_bytes() if SCREENSHOT.exists() else None) == tracked
    finally:
        server.shutdown()
        server.server_close()
