"""The portal in a real browser (Debian's headless Chromium via Playwright): log in and change
the initial password, find one's own restricted document by search while another unit's reader
finds nothing and gets 404 on its URL, and the Art. 14 lock after the fifth wrong password,
lifted by the unit admin."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from portal_support import PERSON_SECRET, UNIT_SECRET, UNIT_URL, sample_city

from repo_tools.cli import oa
from repo_tools.identity import lockout
from repo_tools.portal.server import PortalServer

CHROMIUM = shutil.which("chromium") or ("/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None)
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync"]
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="没有安装 chromium（scripts/setup-system.sh 会安装）")


@pytest.fixture(scope="module")
def sample(template_city):  # type: ignore[no-untyped-def]
    yield from sample_city(template_city)


@pytest.fixture(scope="module")
def browser_portal(sample, tmp_path_factory):  # type: ignore[no-untyped-def]
    sync_api = pytest.importorskip("playwright.sync_api")
    with PortalServer(sample.city) as portal, sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=FLAGS)
        try:
            yield portal, browser, sample
        finally:
            browser.close()


def first_login(page, base: str, user: str, sample) -> None:  # type: ignore[no-untyped-def]
    page.goto(base + "/")
    assert "/login" in page.url
    page.fill("input[name=user]", user)
    page.fill("input[name=password]", sample.passwords[user])
    page.click("button[type=submit]")
    page.wait_for_load_state()
    assert page.url.endswith("/password"), (page.url, page.inner_text("body"))
    assert "初始密码" in page.inner_text("main")
    new = f"Browser{user}2026"
    page.fill("input[name=old]", sample.passwords[user])
    page.fill("input[name=new]", new)
    page.click("main button[type=submit]")
    page.wait_for_url(base + "/?password=changed")
    sample.passwords[user] = new


def test_own_restricted_document_found_by_search_others_get_nothing(browser_portal):  # type: ignore[no-untyped-def]
    portal, browser, sample = browser_portal
    base = portal.url
    wu = browser.new_context().new_page()
    outside: list[str] = []
    wu.on("request", lambda r: outside.append(r.url) if not r.url.startswith(base) else None)
    first_login(wu, base, "wu", sample)
    assert "待办事项" in wu.inner_text("#waiting-work")
    merged = wu.locator(".overlay-entries")  # the unit's restricted entries, merged in the browser
    merged.wait_for(state="visible", timeout=15000)
    assert UNIT_SECRET in merged.inner_text()
    wu.goto(base + "/search/?q=琥珀蜻蜓")
    wu.wait_for_selector(".pagefind-ui__result-link", timeout=30000)
    assert UNIT_SECRET in wu.locator(".pagefind-ui__result-link").first.inner_text()
    wu.locator(".pagefind-ui__result-link").first.click()
    wu.wait_for_url("**" + UNIT_URL)
    assert UNIT_SECRET in wu.inner_text("main")
    assert outside == [], outside

    feng = browser.new_context().new_page()
    first_login(feng, base, "feng", sample)
    own = feng.locator(".overlay-entries")  # feng's personal overlay, never jyj's
    own.wait_for(state="visible", timeout=15000)
    assert PERSON_SECRET in own.inner_text() and UNIT_SECRET not in own.inner_text()
    feng.goto(base + "/search/?q=琥珀蜻蜓")
    # A locator, not wait_for_function: the page's CSP forbids the eval a string predicate needs.
    feng.locator(".pagefind-ui__message", has_text="没有找到").wait_for(timeout=30000)
    assert feng.locator(".pagefind-ui__result-link").count() == 0
    assert UNIT_SECRET not in feng.content()
    response = feng.goto(base + UNIT_URL)
    assert response is not None and response.status == 404
    assert "页面不存在" in feng.inner_text("main") and UNIT_SECRET not in feng.content()
    # Logging out ends the session: the page is behind the login again.
    feng.goto(base + "/")
    feng.click(".portal-logout button")
    feng.wait_for_url("**/login?bye=1")
    assert "您已退出登录" in feng.inner_text("main")
    feng.goto(base + "/documents/lagov/2013/oa-measures/")
    assert "/login" in feng.url


def test_fifth_wrong_password_locks_and_the_admin_re_enables(browser_portal):  # type: ignore[no-untyped-def]
    portal, browser, sample = browser_portal
    base = portal.url
    page = browser.new_context().new_page()
    for attempt in range(1, 6):
        page.goto(base + "/login")
        page.fill("input[name=user]", "he")
        page.fill("input[name=password]", f"wrong-{attempt}-password")
        page.click("button[type=submit]")
        message = page.inner_text(".portal-refusal")
        if attempt < 5:
            assert "用户标识或密码不正确" in message and f"还可尝试 {5 - attempt} 次" in message
    assert "已被锁定" in message and "oa user enable he" in message
    page.goto(base + "/login")
    page.fill("input[name=user]", "he")
    page.fill("input[name=password]", sample.passwords["he"])
    page.click("button[type=submit]")
    assert "已被锁定" in page.inner_text(".portal-refusal")
    result = CliRunner().invoke(oa, ["--city", str(sample.city.root), "--as", "admin", "user", "enable", "he"])
    assert result.exit_code == 0, result.output
    assert not lockout.is_locked(sample.city.root, "he")
    first_login(page, base, "he", sample)
    assert "待审核的合并请求" in page.inner_text("#waiting-work")
