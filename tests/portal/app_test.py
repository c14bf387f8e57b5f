"""The reading portal over real HTTP (uvicorn on 127.0.0.1, a free port) against a real city:
overlays, login and the Art. 14 lock, sessions the server ends, CSRF, exactly the reader's
audience whatever the URL trick, waiting work. The sample site is built once per module."""
from __future__ import annotations

import json
import os
import sqlite3
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from portal_support import (
    PERSON_SECRET,
    PERSON_URL,
    PUBLIC_TITLE,
    PUBLIC_URL,
    UNIT_SECRET,
    UNIT_URL,
    Client,
    chinese,
    raw_request,
    sample_city,
    text,
)

from repo_tools.cli import oa
from repo_tools.identity import lockout
from repo_tools.log import eventlog
from repo_tools.messages import Refused
from repo_tools.portal.app import SESSION_COOKIE
from repo_tools.portal.auth import reset_password
from repo_tools.portal.server import PortalServer
from repo_tools.site import build_site
from repo_tools.site.overlays import overlay_root

# One worker for the module (`make test`: --dist loadgroup): the portal's sample city and site,
# a module fixture, were built on each worker that ran one of its tests.
pytestmark = pytest.mark.xdist_group("portal-app")

@pytest.fixture(scope="module")
def sample(template_city):  # type: ignore[no-untyped-def]
    yield from sample_city(template_city)


@pytest.fixture(scope="module")
def portal(sample):  # type: ignore[no-untyped-def]
    with PortalServer(sample.city) as server:
        yield server


def client(portal: PortalServer) -> Client:
    return Client(portal.host, portal.port)


def logged_in(portal: PortalServer, user: str, sample) -> Client:  # type: ignore[no-untyped-def]
    """A reader past the first login: the initial password changed to a personal one."""
    c = client(portal)
    password = sample.passwords[user]
    status, headers, _ = c.login(user, password)
    assert status == 303, (status, headers)
    if headers["location"] == "/password":
        new = f"Mine{user}2026x"
        status, headers, _ = c.post("/password", {"old": password, "new": new, "csrf_token": c.csrf("/password")})
        assert status == 303, status
        sample.passwords[user] = new
    return c


def events(city, kind: str) -> list[dict]:  # type: ignore[no-untyped-def]
    return [e for e in eventlog.read(city.log_file) if e.get("type") == kind]


# Build: base + overlays -------------------------------------------------------------------
def all_text(folder: Path) -> str:
    chunks = []
    for path in folder.rglob("*"):
        chunks.append(str(path))
        if path.is_file():
            chunks.append(path.read_bytes().decode("utf-8", "replace"))
    return "\n".join(chunks)


def test_base_has_nothing_restricted_and_overlays_follow_the_content(sample):  # type: ignore[no-untyped-def]
    site = sample.city.site_dir
    base = all_text(Path(os.path.realpath(site)))
    assert PUBLIC_TITLE in base
    assert UNIT_SECRET not in base and PERSON_SECRET not in base and "琥珀蜻蜓" not in base
    root = overlay_root(site)
    # jyj and feng for their items; czj and lagov for their registers (the delivery lagov -> czj).
    assert sorted(p.name for p in root.iterdir() if not p.name.startswith(".")) == ["unit-czj", "unit-jyj", "unit-lagov",
                                                                                    "user-feng"]
    unit = Path(os.path.realpath(root / "unit-jyj"))
    assert UNIT_SECRET in (unit / UNIT_URL.strip("/") / "index.html").read_text(encoding="utf-8")
    assert PERSON_SECRET not in all_text(unit) and PUBLIC_TITLE not in all_text(unit)
    person = Path(os.path.realpath(root / "user-feng"))
    assert PERSON_SECRET in (person / PERSON_URL.strip("/") / "index.html").read_text(encoding="utf-8")
    assert UNIT_SECRET not in all_text(person)
    entries = json.loads((unit / "restricted/unit/entries.json").read_text(encoding="utf-8"))["entries"]
    assert [e["url"] for e in entries] == [UNIT_URL.lstrip("/")]
    assert "units/jyj/" in entries[0]["lists"] and "" in entries[0]["lists"]
    assert (unit / "restricted/unit/_pagefind/pagefind-entry.json").exists()
    assert "restricted/unit/_pagefind/" in (unit / "restricted/unit/search-config.js").read_text()


def test_incremental_build_touches_only_the_overlay_that_changed(sample, tmp_path):  # type: ignore[no-untyped-def]
    out = tmp_path / "site"
    first = build_site(sample.city, out)
    names = ["unit-czj", "unit-jyj", "unit-lagov", "user-feng"]  # czj and lagov: their registers
    assert sorted(first.overlays) == names and all(first.overlays.values())
    again = build_site(sample.city, out)
    assert again.rendered == [] and again.overlays == dict.fromkeys(names)
    # A new document for lagov alone: lagov's overlay gains it; the others are not touched, the base gains no page.
    sample.ws.land("lagov", "zhang", {"documents/2013/lagov-only/index.md":
                                   "---\ntype: 通知\ntitle: 关于办公室内部事项的通知\nrecipients: [各科室]\n"
                                   "date: 2013-06-01\naudience: [unit:lagov]\n---\n\n办公室内部。\n"})
    third = build_site(sample.city, out)
    lagov = third.overlays["unit-lagov"]
    assert lagov is not None and "documents/lagov/2013/lagov-only/index.md" in lagov.rendered
    assert third.overlays["unit-jyj"] is None and third.overlays["user-feng"] is None and third.overlays["unit-czj"] is None
    assert not any("lagov-only" in page for page in third.rendered)
    assert "办公室内部事项" not in all_text(Path(os.path.realpath(out)))
    build_site(sample.city)  # the module's site keeps up with main for the later tests


def test_single_audience_build_still_works_without_overlays(sample, tmp_path):  # type: ignore[no-untyped-def]
    report = build_site(sample.city, tmp_path / "jyj", audience="unit:jyj")
    assert report.overlays == {} and not overlay_root(tmp_path / "jyj").exists()


# Accounts: initial password, lock, re-enable -----------------------------------------------
def test_reset_password_needs_the_unit_admin_and_cli_prints_it(sample):  # type: ignore[no-untyped-def]
    with pytest.raises(Refused) as refused:
        reset_password(sample.city, "zhou", "wu")  # zhou administers lagov, not jyj
    assert refused.value.rule == "portal-reset-role" and "系统管理员" in refused.value.text()
    with pytest.raises(Refused) as weak:
        reset_password(sample.city, "admin", "han", "short1")
    assert weak.value.rule == "portal-weak-password"
    result = CliRunner().invoke(oa, ["--city", str(sample.city.root), "--as", "zhou", "user", "reset-password", "zhang"])
    assert result.exit_code == 0, result.output
    assert "初始密码" in result.output and "首次登录" in result.output
    generated = result.output.split("初始密码：", 1)[1].split()[0]
    assert len(generated) == 12
    assert events(sample.city, "portal-password-reset")[-1]["person"] == "zhang"
    db = sqlite3.connect(sample.city.root / "server/portal/portal.sqlite")
    (stored,) = db.execute("SELECT hash FROM accounts WHERE user='zhang'").fetchone()
    db.close()
    assert stored.startswith("$argon2id$") and generated not in stored
    registry_files = "\n".join(p.read_text(errors="replace") for p in (sample.city.root / "registry.git").rglob("*")
                               if p.is_file()) if (sample.city.root / "registry.git").exists() else ""
    assert "argon2" not in registry_files


def test_initial_password_must_be_changed_before_any_page(portal, sample):  # type: ignore[no-untyped-def]
    c = client(portal)
    status, headers, _ = c.login("zheng", sample.passwords["zheng"])
    assert status == 303 and headers["location"] == "/password"
    status, headers, _ = c.get(PUBLIC_URL)
    assert status == 303 and headers["location"] == "/password"
    status, _, page = c.post("/password", {"old": sample.passwords["zheng"], "new": "short",
                                           "csrf_token": c.csrf("/password")})
    assert status == 400 and "新密码不符合要求" in text(page) and "至少 10 位" in text(page)
    old_cookie = c.cookies[SESSION_COOKIE]
    status, headers, _ = c.post("/password", {"old": sample.passwords["zheng"], "new": "Zheng2026abc",
                                              "csrf_token": c.csrf("/password")})
    assert status == 303
    sample.passwords["zheng"] = "Zheng2026abc"
    assert c.get(PUBLIC_URL)[0] == 200
    # The session from before the change is over: its cookie, replayed, is refused.
    replay = client(portal)
    replay.cookies[SESSION_COOKIE] = old_cookie
    status, headers, _ = replay.get(PUBLIC_URL)
    assert status == 303 and headers["location"].startswith("/login")
    assert events(sample.city, "portal-password-changed")[-1]["person"] == "zheng"


def test_five_wrong_passwords_lock_until_the_unit_admin_enables(portal, sample):  # type: ignore[no-untyped-def]
    reader = logged_in(portal, "he", sample)
    assert reader.get(PUBLIC_URL)[0] == 200
    attacker = client(portal)
    for n in range(1, 5):
        status, _, page = attacker.login("he", "wrong-password-1")
        assert status == 401 and "用户标识或密码不正确" in text(page) and f"还可尝试 {5 - n} 次" in text(page)
    status, _, page = attacker.login("he", "wrong-password-1")
    assert status == 401 and "已被锁定" in text(page) and "oa user enable he" in text(page)
    assert lockout.is_locked(sample.city.root, "he")
    # The lock ends the open session at once, and the right password no longer helps.
    status, headers, _ = reader.get(PUBLIC_URL)
    assert status == 303 and headers["location"].startswith("/login")
    status, _, page = client(portal).login("he", sample.passwords["he"])
    assert status == 401 and "已被锁定" in text(page)
    kinds = [e["type"] for e in eventlog.read(sample.city.log_file) if e.get("person") == "he"]
    assert kinds.count("portal-login-failed") >= 5 and "account-locked" in kinds
    # Only a unit admin (or the e-gov office) re-enables: jyj has none but egov's admin.
    result = CliRunner().invoke(oa, ["--city", str(sample.city.root), "--as", "zhou", "user", "enable", "he"])
    assert result.exit_code == 1 and lockout.is_locked(sample.city.root, "he")
    result = CliRunner().invoke(oa, ["--city", str(sample.city.root), "--as", "admin", "user", "enable", "he"])
    assert result.exit_code == 0, result.output
    assert not lockout.is_locked(sample.city.root, "he")
    assert client(portal).login("he", sample.passwords["he"])[0] == 303
    assert events(sample.city, "account-unlocked")[-1]["person"] == "he"


def test_push_failures_and_login_failures_are_one_account_state(portal, sample):  # type: ignore[no-untyped-def]
    for _ in range(lockout.MAX_FAILURES):
        lockout.record_failure(sample.city, "chen", "推送认证失败（测试）")
    status, _, page = client(portal).login("chen", sample.passwords["chen"])
    assert status == 401 and "已被锁定" in text(page)
    lockout.unlock(sample.city, "chen", "admin")
    assert client(portal).login("chen", sample.passwords["chen"])[0] == 303


def test_unknown_user_and_disabled_account_are_refused_in_chinese(portal, sample):  # type: ignore[no-untyped-def]
    status, _, page = client(portal).login("nobody", "whatever123")
    assert status == 401 and "用户标识或密码不正确" in text(page) and "oa user reset-password" in text(page)
    reader = logged_in(portal, "feng", sample)
    assert reader.get(PUBLIC_URL)[0] == 200
    result = CliRunner().invoke(oa, ["--city", str(sample.city.root), "--as", "admin", "user", "disable", "feng"])
    assert result.exit_code == 0, result.output
    try:
        status, headers, _ = reader.get(PUBLIC_URL)
        assert status == 303 and headers["location"].startswith("/login")
        status, _, page = client(portal).login("feng", sample.passwords["feng"])
        assert status == 401 and "已停用" in text(page) and "重新启用" in text(page)
    finally:
        CliRunner().invoke(oa, ["--city", str(sample.city.root), "--as", "admin", "user", "enable", "feng"])


# Sessions and CSRF -----------------------------------------------------------------------
def test_cookie_is_httponly_strict_and_logout_ends_it(portal, sample):  # type: ignore[no-untyped-def]
    c = client(portal)
    c.csrf()
    status, headers, _ = c.post("/login", {"user": "wu", "password": sample.passwords["wu"],
                                           "csrf_token": c.csrf()})
    assert status == 303
    cookie = next(line for line in headers["set-cookie"].splitlines() if line.startswith(SESSION_COOKIE))
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie.replace("Strict", "strict") and "Path=/" in cookie
    if headers["location"] == "/password":
        new = "Wu2026password"
        c.post("/password", {"old": sample.passwords["wu"], "new": new, "csrf_token": c.csrf("/password")})
        sample.passwords["wu"] = new
    saved = c.cookies[SESSION_COOKIE]
    assert c.get(UNIT_URL)[0] == 200
    status, _, page = c.post("/logout", {"csrf_token": "wrong"})
    assert status == 403 and "表单校验码" in text(page) and "重新打开" in text(page)
    assert c.get(UNIT_URL)[0] == 200  # a refused logout leaves the session
    status, headers, _ = c.post("/logout", {"csrf_token": c.csrf("/password")})
    assert status == 303
    replay = client(portal)
    replay.cookies[SESSION_COOKIE] = saved
    status, headers, _ = replay.get(UNIT_URL)
    assert status == 303 and headers["location"].startswith("/login")
    assert events(sample.city, "portal-logout")[-1]["person"] == "wu"


def test_tampered_and_expired_cookies_are_refused(portal, sample):  # type: ignore[no-untyped-def]
    c = logged_in(portal, "wu", sample)
    good = c.cookies[SESSION_COOKIE]
    assert c.get(UNIT_URL)[0] == 200
    body, _, signature = good.rpartition(".")
    for bad in (good[:-2] + ("AA" if good[-2:] != "AA" else "BB"), body + ".x" + signature, "forged.cookie.value"):
        forged = client(portal)
        forged.cookies[SESSION_COOKIE] = bad
        status, headers, _ = forged.get(UNIT_URL)
        assert status == 303 and headers["location"].startswith("/login"), bad
    # Expired: a cookie signed by the portal's own key 13 hours ago (beyond the absolute limit).
    from itsdangerous import URLSafeTimedSerializer
    portal_state = portal.app.state.portal
    sid = portal_state.signer.loads(good)

    class Past(URLSafeTimedSerializer):
        def make_signer(self, salt=None):  # type: ignore[no-untyped-def]
            signer = super().make_signer(salt)
            signer.get_timestamp = lambda: int(time.time()) - 13 * 3600  # type: ignore[method-assign]
            return signer
    old = Past(portal_state.secret, salt="oa-portal-session").dumps(sid)
    expired = client(portal)
    expired.cookies[SESSION_COOKIE] = old
    status, headers, _ = expired.get(UNIT_URL)
    assert status == 303 and headers["location"].startswith("/login")
    assert c.get(UNIT_URL)[0] == 200  # the genuine cookie still works


def test_idle_session_expires(sample):  # type: ignore[no-untyped-def]
    with PortalServer(sample.city, idle_minutes=1 / 60) as short:  # one second
        c = client(short)
        status, headers, _ = c.login("chen", sample.passwords["chen"])
        assert status == 303
        time.sleep(1.5)
        status, headers, _ = c.get("/password")
        assert status == 303 and headers["location"].startswith("/login")
        status, _, page = c.post("/password", {"old": "x", "new": "y", "csrf_token": "z"})
        assert status == 401 and "登录" in text(page)


def test_login_without_or_with_wrong_csrf_is_refused(portal, sample):  # type: ignore[no-untyped-def]
    c = client(portal)
    status, _, page = c.post("/login", {"user": "wu", "password": sample.passwords["wu"]})
    assert status == 403 and "表单校验码缺失或不正确" in text(page)
    c.csrf()
    status, _, page = c.post("/login", {"user": "wu", "password": sample.passwords["wu"], "csrf_token": "0" * 64})
    assert status == 403 and SESSION_COOKIE not in c.cookies
    other = client(portal)
    token = other.csrf()  # a token from another browser's form does not fit this browser's cookie
    status, _, _ = c.post("/login", {"user": "wu", "password": sample.passwords["wu"], "csrf_token": token})
    assert status == 403
    status, _, page = c.post("/password", {"old": "a", "new": "b", "csrf_token": ""})
    assert status == 401 and chinese(page)


# Exactly the reader's audience ----------------------------------------------------------
def test_reader_gets_base_plus_own_overlays_only(portal, sample):  # type: ignore[no-untyped-def]
    wu = logged_in(portal, "wu", sample)
    feng = logged_in(portal, "feng", sample)
    status, _, page = wu.get(UNIT_URL)
    assert status == 200 and UNIT_SECRET in text(page)
    assert wu.get(PUBLIC_URL)[0] == 200 and feng.get(PUBLIC_URL)[0] == 200
    status, _, page = feng.get(UNIT_URL)
    assert status == 404 and "页面不存在" in text(page) and UNIT_SECRET not in text(page)
    assert feng.get(PERSON_URL)[0] == 200 and wu.get(PERSON_URL)[0] == 404
    assert wu.get("/restricted/unit/entries.json")[0] == 200
    # feng's unit (czj) has an overlay of its own, for its registers (the delivery from lagov):
    # its entries name no item, and nothing of jyj's.
    status, _, czj_entries = feng.get("/restricted/unit/entries.json")
    assert status == 200 and json.loads(czj_entries)["entries"] == [] and UNIT_SECRET not in text(czj_entries)
    assert feng.get("/registers/")[0] == 200 and "关于商请财政局" in text(feng.get("/registers/")[2])
    assert wu.get("/registers/")[0] == 404  # jyj has nothing to register; czj's registers are czj's
    assert UNIT_SECRET not in text(feng.get("/restricted/user/entries.json")[2])
    # Search: each reader's bundles; another's bundle is 404.
    assert wu.get("/restricted/unit/_pagefind/pagefind-entry.json")[0] == 200
    assert feng.get("/restricted/unit/_pagefind/pagefind-entry.json")[0] == 404
    assert feng.get("/restricted/user/_pagefind/pagefind-entry.json")[0] == 200
    # No session: to the login form, with the page to come back to.
    status, headers, _ = client(portal).get(UNIT_URL)
    assert status == 303 and headers["location"].startswith("/login?next=/documents/jyj/")


TRICKS = [
    "/documents/jyj/2013/supervision/index.html",            # the plain path (not this reader's)
    "/documents/lagov/2013/oa-measures/..%2F..%2F..%2Fjyj/2013/supervision/",
    "/documents/lagov/2013/oa-measures/%2e%2e/%2e%2e/%2e%2e/jyj/2013/supervision/",
    "/documents/lagov/2013/oa-measures/../../../jyj/2013/supervision/",
    "//documents/jyj/2013/supervision/",
    "/documents//jyj/2013/supervision/",
    "/documents/jyj/2013/supervision/./index.html",
    "/documents\\jyj\\2013\\supervision\\index.html",
    "/documents%5cjyj%5c2013%5csupervision%5cindex.html",
    "/DOCUMENTS/JYJ/2013/SUPERVISION/",
    "/Documents/jyj/2013/supervision/",
    "/documents/jyj/2013/supervision/index.html%00.txt",
    "/documents/jyj/2013/supervision%2Findex.html",
    "/%2e%2e/site-overlays/unit-jyj/documents/jyj/2013/supervision/index.html",
    "/../site-overlays/unit-jyj/documents/jyj/2013/supervision/index.html",
    "/..%2f..%2fserver/portal/portal.sqlite",
    "/%2e%2e%2fserver%2flockouts.json",
    "/.state",
    "/" + "a/" * 600 + "index.html",
    "/documents/jyj/2013/supervision/%C0%AE%C0%AE/",
]


@pytest.mark.parametrize("trick", TRICKS)
def test_url_tricks_are_404_with_the_sites_404_page(portal, sample, trick):  # type: ignore[no-untyped-def]
    feng = getattr(test_url_tricks_are_404_with_the_sites_404_page, "feng", None)
    if feng is None:
        feng = logged_in(portal, "feng", sample)
        test_url_tricks_are_404_with_the_sites_404_page.feng = feng  # type: ignore[attr-defined]
    status, headers, page = feng.get(trick)
    assert status == 404, (trick, status, headers)
    assert "页面不存在" in text(page) and UNIT_SECRET not in text(page)
    assert headers.get("x-content-type-options") == "nosniff" and "default-src" in headers["content-security-policy"]


def test_the_unit_overlay_a_reader_gets_is_their_own(portal, sample):  # type: ignore[no-untyped-def]
    """/restricted/unit/ is the reader's own unit's overlay: czj's registers for feng, never jyj's items."""
    feng = logged_in(portal, "feng", sample)
    status, _headers, page = feng.get("/restricted/unit/entries.json")
    assert status == 200 and UNIT_SECRET not in text(page)
    assert "/registers/" in text(page)


@pytest.mark.parametrize("path", ["/restricted/user/entries.json", "/restricted/user/_pagefind/pagefind-entry.json"])
def test_a_personal_overlay_path_is_404_for_a_reader_without_one(portal, sample, path):  # type: ignore[no-untyped-def]
    """chen has nothing of their own: feng's personal overlay paths are not found for chen."""
    chen = logged_in(portal, "chen", sample)
    status, _headers, page = chen.get(path)
    assert status == 404 and "页面不存在" in text(page)


def test_symlink_inside_the_site_is_not_followed_out(portal, sample):  # type: ignore[no-untyped-def]
    base = Path(os.path.realpath(sample.city.site_dir))
    secret = overlay_root(sample.city.site_dir) / "unit-jyj" / UNIT_URL.strip("/") / "index.html"
    link = base / "leak.html"
    passwd = base / "passwd.txt"
    styles = base / "assets" / "leak.css"
    link.symlink_to(secret)
    passwd.symlink_to("/etc/passwd")
    styles.symlink_to(secret)
    try:
        feng = logged_in(portal, "feng", sample)
        assert feng.get("/leak.html")[0] == 404
        assert feng.get("/passwd.txt")[0] == 404
        assert feng.get("/assets/site.css")[0] == 200
        for reader in (feng, client(portal)):  # the styles before login are judged alike
            status, _, page = reader.get("/assets/leak.css")
            assert status == 404 and UNIT_SECRET not in text(page)
        assert client(portal).get("/assets/site.css")[0] == 200
    finally:
        link.unlink()
        passwd.unlink()
        styles.unlink()


def test_headers_and_downloads(portal, sample):  # type: ignore[no-untyped-def]
    feng = logged_in(portal, "feng", sample)
    status, headers, _ = feng.get(PUBLIC_URL)
    assert status == 200 and headers["content-type"].startswith("text/html")
    assert headers["x-content-type-options"] == "nosniff" and "script-src 'self'" in headers["content-security-policy"]
    assert "content-disposition" not in headers
    status, headers, _ = feng.get("/assets/search.js")
    assert status == 200 and "content-disposition" not in headers
    status, _, page = feng.request("DELETE", PUBLIC_URL)
    assert status == 405 and chinese(page)


# Waiting work (Art. 16) ------------------------------------------------------------------
def test_home_shows_waiting_work(portal, sample):  # type: ignore[no-untyped-def]
    he = logged_in(portal, "he", sample)
    status, _, page = he.get("/")
    home = text(page)
    assert status == 200 and "待办事项" in home and "待审核的合并请求" in home and "待审核的信息" in home
    assert "最新公文" in home  # the site's own home below it
    wu = logged_in(portal, "wu", sample)
    assert "待审核的信息" not in text(wu.get("/")[2])  # their own request is not theirs to review
    chen = logged_in(portal, "chen", sample)
    chen_home = text(chen.get("/")[2])
    assert "待签收、待登记的来文" in chen_home and "商请财政局支持" in chen_home and "特急" in chen_home
    assert "已等待" in chen_home
    feng = logged_in(portal, "feng", sample)
    assert "暂无待办事项" in text(feng.get("/")[2])


def test_nginx_config_cli_writes_a_config(sample, tmp_path):  # type: ignore[no-untyped-def]
    out = tmp_path / "nginx.conf"
    result = CliRunner().invoke(oa, ["--city", str(sample.city.root), "portal", "nginx-config", "--out", str(out),
                                     "--listen", "18443", "--portal", "127.0.0.1:18080"])
    assert result.exit_code == 0, result.output
    conf = out.read_text()
    assert "auth_request /_portal/auth;" in conf and "listen 127.0.0.1:18443;" in conf
    assert "server 127.0.0.1:18080;" in conf and f"alias {sample.city.site_dir}/404.html;" in conf


def test_deliveries_are_ordered_overdue_first_then_urgency_then_age():  # type: ignore[no-untyped-def]
    from repo_tools.portal.waiting import delivery_order
    rows = [{"id": "normal-new", "overdue": False, "urgency": None, "sent_at": "2013-05-03T09:00:00+08:00"},
            {"id": "urgent", "overdue": False, "urgency": "特急", "sent_at": "2013-05-03T10:00:00+08:00"},
            {"id": "normal-old", "overdue": False, "urgency": None, "sent_at": "2013-05-01T09:00:00+08:00"},
            {"id": "late", "overdue": True, "urgency": None, "sent_at": "2013-04-01T09:00:00+08:00"},
            {"id": "hurry", "overdue": False, "urgency": "加急", "sent_at": "2013-05-02T09:00:00+08:00"}]
    assert [r["id"] for r in sorted(rows, key=delivery_order)] == ["late", "urgent", "hurry", "normal-old", "normal-new"]


def test_documents_waiting_for_the_seal_are_on_the_custodians_home(portal, sample):  # type: ignore[no-untyped-def]
    """Art. 16: once a request has all its approvals, the unit's seal custodian (zheng) sees it;
    before, nobody's home lists it as waiting for the seal."""
    from repo_tools.review import requests as review
    zheng = logged_in(portal, "zheng", sample)
    assert "待盖章" not in text(zheng.get("/")[2])
    (row,) = [r for r in review.requests(sample.city, "jyj") if r["state"] == "open"]
    review.approve(sample.city, "jyj", row["n"], "he", "同意。")
    home = text(zheng.get("/")[2])
    assert "待盖章" in home and f"!{row['n']} 待审核的信息" in home and f"oa review merge {row['n']}" in home
    he = logged_in(portal, "he", sample)
    he_home = text(he.get("/")[2])
    assert "待盖章" not in he_home and "待审核的合并请求" not in he_home  # approved: no longer theirs to review


# Attacks, class by class: each refused at its root, with the plain request beside it accepted ------
def cookie_header(c: Client) -> bytes:
    return f"Cookie: {SESSION_COOKIE}={c.cookies[SESSION_COOKIE]}\r\n".encode()


def test_absolute_form_targets_and_targets_that_are_no_path(portal, sample):  # type: ignore[no-untyped-def]
    feng = logged_in(portal, "feng", sample)
    for url, status, secret in ((PUBLIC_URL, 200, None), (UNIT_URL, 404, UNIT_SECRET)):
        got, headers, body = raw_request(portal.port, f"GET http://elsewhere.example{url} HTTP/1.1\r\nHost: x\r\n".encode()
                                         + cookie_header(feng) + b"Connection: close\r\n\r\n")
        assert got == status, (url, got)
        assert headers["content-type"].startswith("text/html") and chinese(body)
        if secret:
            assert secret not in text(body) and "页面不存在" in text(body)
    got, _, body = raw_request(portal.port, b"OPTIONS * HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    assert got == 404 and "页面不存在" in text(body)
    got, _, body = raw_request(portal.port, b"TRACE / HTTP/1.1\r\nHost: x\r\n" + cookie_header(feng) + b"Connection: close\r\n\r\n")
    assert got == 405 and chinese(body) and "TRACE" in text(body)
    # A raw `#` ends the path (as nginx reads it): what follows never names another file.
    got, _, body = raw_request(portal.port, f"GET {PUBLIC_URL}index.html#/../../../jyj/2013/supervision/ HTTP/1.1\r\n"
                               "Host: x\r\n".encode() + cookie_header(feng) + b"Connection: close\r\n\r\n")
    assert got == 200 and UNIT_SECRET not in text(body)


def test_head_and_range_answer_like_get(portal, sample):  # type: ignore[no-untyped-def]
    feng = logged_in(portal, "feng", sample)
    for url in (UNIT_URL, UNIT_URL + "index.html"):
        for method, extra in (("HEAD", b""), ("GET", b"Range: bytes=0-40\r\n")):
            got, headers, body = raw_request(portal.port, f"{method} {url} HTTP/1.1\r\nHost: x\r\n".encode() + extra
                                             + cookie_header(feng) + b"Connection: close\r\n\r\n")
            assert got == 404 and "content-range" not in headers and UNIT_SECRET not in text(body), (method, url)
    got, headers, body = raw_request(portal.port, f"GET {PUBLIC_URL} HTTP/1.1\r\nHost: x\r\nRange: bytes=0-14\r\n".encode()
                                     + cookie_header(feng) + b"Connection: close\r\n\r\n")
    assert got == 206 and body == b"<!doctype html>"
    got, headers, _ = raw_request(portal.port, b"HEAD / HTTP/1.1\r\nHost: x\r\n" + cookie_header(feng) + b"Connection: close\r\n\r\n")
    assert got == 200 and int(headers["content-length"]) == len(feng.get("/")[2])  # the home with its waiting work


def test_the_base_search_index_has_nothing_restricted(sample):  # type: ignore[no-untyped-def]
    """Pagefind's index, fragments and filters are compressed: read them as the browser does."""
    import gzip
    site = Path(os.path.realpath(sample.city.site_dir))
    words = {"public": ("协同办公系统",), "restricted": ("督导", "琥珀", "蜻蜓", "翡翠", "麒麟", "冯刚同志", "supervision",
                                                          "feng-notice")}
    seen = {"public": False, "restricted": []}
    for path in (site / "_pagefind").rglob("*"):
        if not path.is_file():
            continue
        data = path.read_bytes()
        if path.suffix.startswith(".pf_"):
            data = gzip.decompress(data)
        seen["public"] = seen["public"] or any(w.encode() in data for w in words["public"])
        seen["restricted"] += [(path.name, w) for w in words["restricted"] if w.encode() in data]
    assert seen["public"] and seen["restricted"] == []
    unit = Path(os.path.realpath(overlay_root(sample.city.site_dir) / "unit-jyj")) / "restricted/unit/_pagefind"
    fragments = b"".join(gzip.decompress(p.read_bytes()) for p in unit.rglob("*.pf_fragment"))
    assert "琥珀".encode() in fragments and "翡翠".encode() not in fragments


def test_a_burst_of_guesses_sent_together_is_still_five(portal, sample):  # type: ignore[no-untyped-def]
    """Attempts for one account are judged one after the other: twelve wrong passwords sent at
    the same instant are five failures (the fifth locks) and seven refusals of a locked account,
    so a right guess among a burst could not be told apart either."""
    import threading
    before = len([e for e in events(sample.city, "portal-login-failed") if e.get("person") == "chen"])
    clients = [client(portal) for _ in range(12)]
    tokens = [c.csrf() for c in clients]
    barrier = threading.Barrier(len(clients))
    pages: list[str] = []

    def guess(c: Client, token: str, n: int) -> None:
        barrier.wait()
        pages.append(text(c.post("/login", {"user": "chen", "password": f"guess-{n}-wrong", "csrf_token": token})[2]))
    threads = [threading.Thread(target=guess, args=(c, t, n)) for n, (c, t) in enumerate(zip(clients, tokens, strict=True))]
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        assert len(pages) == 12
        assert sum("用户标识或密码不正确" in p for p in pages) == 4
        assert sum("已被锁定" in p for p in pages) == 8
        after = len([e for e in events(sample.city, "portal-login-failed") if e.get("person") == "chen"])
        assert after - before == 5 and lockout.is_locked(sample.city.root, "chen")
        status, _, page = client(portal).login("chen", sample.passwords["chen"])
        assert status == 401 and "已被锁定" in text(page)
    finally:
        lockout.unlock(sample.city, "chen", "admin")
    assert client(portal).login("chen", sample.passwords["chen"])[0] == 303


def test_a_reset_password_ends_the_sessions_and_a_new_login_ends_the_browsers_old_one(portal, sample):  # type: ignore[no-untyped-def]
    he = logged_in(portal, "he", sample)
    saved = he.cookies[SESSION_COOKIE]
    assert he.get(PUBLIC_URL)[0] == 200
    sample.passwords["he"] = reset_password(sample.city, "admin", "he", "Reset2026again")
    replay = client(portal)
    replay.cookies[SESSION_COOKIE] = saved
    status, headers, _ = replay.get(PUBLIC_URL)
    assert status == 303 and headers["location"].startswith("/login")
    he = logged_in(portal, "he", sample)
    first = he.cookies[SESSION_COOKIE]
    # The same browser logs in as someone else (its form from before): the session it had ends.
    logged_in(portal, "chen", sample)  # chen past the first login, whichever tests ran before on this worker
    shared = client(portal)
    token = shared.csrf()
    shared.cookies[SESSION_COOKIE] = first
    status, _, _ = shared.post("/login", {"user": "chen", "password": sample.passwords["chen"], "csrf_token": token})
    assert status == 303 and shared.cookies[SESSION_COOKIE] != first
    replay.cookies[SESSION_COOKIE] = first
    assert replay.get(PUBLIC_URL)[0] == 303
    assert shared.get(PUBLIC_URL)[0] == 200


def test_the_server_ends_a_session_past_its_absolute_limit_whatever_the_cookie(portal, sample):  # type: ignore[no-untyped-def]
    c = logged_in(portal, "feng", sample)
    assert c.get(PUBLIC_URL)[0] == 200
    state = portal.app.state.portal
    sid = state.signer.loads(c.cookies[SESSION_COOKIE])
    db = sqlite3.connect(sample.city.root / "server/portal/portal.sqlite")
    db.execute("UPDATE sessions SET created=? WHERE sid=?", (time.time() - 13 * 3600, sid))
    db.commit()
    db.close()
    status, _, page = c.post("/password", {"old": "x", "new": "y", "csrf_token": "z"})
    assert status == 401 and "已超过 12 小时" in text(page) and "请重新登录" in text(page)
    status, headers, _ = c.get(PUBLIC_URL)
    assert status == 303 and headers["location"].startswith("/login")
    assert state.accounts.session(sid) is None
    assert events(sample.city, "portal-session-expired")[-1]["person"] == "feng"


def test_a_reader_moved_to_another_unit_reads_the_new_units_overlay_at_once(portal, sample):  # type: ignore[no-untyped-def]
    """The roots come from the registry on every request, never from the cookie: wu's cookie,
    from before the move, reads czj's registers and no longer jyj's items."""
    wu = logged_in(portal, "wu", sample)
    assert wu.get(UNIT_URL)[0] == 200 and wu.get("/registers/")[0] == 404
    result = CliRunner().invoke(oa, ["--city", str(sample.city.root), "--as", "admin", "user", "move", "wu", "--to", "czj"])
    assert result.exit_code == 0, result.output
    try:
        status, _, page = wu.get(UNIT_URL)
        assert status == 404 and UNIT_SECRET not in text(page)
        assert wu.get("/restricted/unit/_pagefind/pagefind-entry.json")[0] == 404
        assert wu.get("/registers/")[0] == 200
    finally:
        result = CliRunner().invoke(oa, ["--city", str(sample.city.root), "--as", "admin", "user", "move", "wu",
                                         "--to", "jyj", "--role", "author", "--role", "reviewer"])
        assert result.exit_code == 0, result.output
    assert wu.get(UNIT_URL)[0] == 200


def test_thumbnails_and_attachments_of_a_restricted_item_are_in_its_overlay_only(sample, tmp_path):  # type: ignore[no-untyped-def]
    import io

    from PIL import Image

    from repo_tools.portal import files
    from repo_tools.site.overlays import reader_overlays
    photo = io.BytesIO()
    Image.new("RGB", (1600, 1000), (200, 30, 30)).save(photo, "JPEG")
    folder = "bulletins/工作动态/2013-06-01-inner"
    sample.ws.land("jyj", "wu", {f"{folder}/index.md": "---\ntitle: 教育局内部照片\ncolumn: 工作动态\ndate: 2013-06-01\n"
                                                      "audience: [unit:jyj]\n---\n\n![现场](photo.jpg)\n\n[附件](notes.pdf)\n",
                                 f"{folder}/photo.jpg": photo.getvalue(),
                                 f"{folder}/notes.pdf": b"%PDF-1.4 restricted notes"})
    out = tmp_path / "site"
    build_site(sample.city, out)
    base = Path(os.path.realpath(out))
    unit = Path(os.path.realpath(overlay_root(out) / "unit-jyj"))
    made = sorted(str(p.relative_to(unit)) for p in unit.rglob("*") if "2013-06-01-inner" in str(p) and p.is_file())
    assert any(name.endswith("photo.jpg") for name in made) and any(name.endswith("notes.pdf") for name in made)
    assert len([n for n in made if "photo" in n]) >= 2, made  # the photo and its thumbnail
    assert not [p for p in base.rglob("*") if "2013-06-01-inner" in str(p)]
    assert "教育局内部照片" not in all_text(base)
    for rel in made:
        url = "/" + rel.removesuffix("index.html")
        assert files.resolve(reader_overlays(out, "wu", "jyj") + [out], url) is not None, url
        assert files.resolve(reader_overlays(out, "feng", "czj") + [out], url) is None, url


def test_another_overlays_search_files_typed_by_name_are_404(portal, sample):  # type: ignore[no-untyped-def]
    """Every file of jyj's bundle (its entry, index, fragments, metadata), asked for by its exact
    name: wu reads each, feng (czj, with overlays of their own) gets the 404 page for each."""
    bundle = Path(os.path.realpath(overlay_root(sample.city.site_dir) / "unit-jyj"))
    names = ["/" + str(p.relative_to(bundle)) for p in (bundle / "restricted/unit/_pagefind").rglob("*") if p.is_file()]
    assert any(n.endswith(".pf_fragment") for n in names) and any(n.endswith(".pf_index") for n in names)
    wu, feng = logged_in(portal, "wu", sample), logged_in(portal, "feng", sample)
    for name in names:
        assert wu.get(name)[0] == 200, name
        status, _, page = feng.get(name)
        assert status == 404 and "页面不存在" in text(page), name
    base = all_text(Path(os.path.realpath(sample.city.site_dir)))
    for url in (UNIT_URL, PERSON_URL):  # no sitemap, feed, listing or index of the base names them
        assert url.strip("/") not in base, url


@pytest.mark.parametrize("target", ["//evil.example/", "/\\evil.example", "https://evil.example/", "javascript:alert(1)",
                                    "/\t/evil.example", "\\\\evil.example", " //evil.example", "http:evil.example",
                                    "/\r\nSet-Cookie: x=1"])
def test_next_never_leads_off_the_site(portal, sample, target):  # type: ignore[no-untyped-def]
    from urllib.parse import quote, unquote
    logged_in(portal, "feng", sample)  # feng past the first login, whichever tests ran before on this worker
    c = client(portal)
    token = c.csrf("/login?next=" + quote(target, safe=""))
    assert 'name="next" value="/"' in text(c.get("/login?next=" + quote(target, safe=""))[2])
    status, headers, _ = c.post("/login", {"user": "feng", "password": sample.passwords["feng"], "csrf_token": token,
                                           "next": unquote(target)})
    assert status == 303 and headers["location"] == "/", (target, headers)
    assert "set-cookie: x" not in headers["set-cookie"].lower()


def test_next_leads_back_to_the_page_asked_for(portal, sample):  # type: ignore[no-untyped-def]
    logged_in(portal, "feng", sample)  # as above: the first login leads to /password, not back
    c = client(portal)
    status, headers, _ = c.get(PUBLIC_URL + "?from=list")
    assert status == 303
    form = c.get(headers["location"])[2]
    assert f'name="next" value="{PUBLIC_URL}?from=list"' in text(form)
    status, headers, _ = c.post("/login", {"user": "feng", "password": sample.passwords["feng"],
                                           "csrf_token": c.csrf(), "next": PUBLIC_URL + "?from=list"})
    assert status == 303 and headers["location"] == PUBLIC_URL + "?from=list"


def test_a_password_change_without_its_forms_token_changes_nothing(portal, sample):  # type: ignore[no-untyped-def]
    feng = logged_in(portal, "feng", sample)
    other = logged_in(portal, "feng", sample)
    for token in ("", "0" * 43, other.csrf("/password")):  # none, forged, another session's
        status, _, page = feng.post("/password", {"old": sample.passwords["feng"], "new": "Stolen2026pass",
                                                  "csrf_token": token})
        assert status == 403 and "表单校验码" in text(page) and "重新打开" in text(page), token
    assert client(portal).login("feng", "Stolen2026pass")[0] == 401
    assert feng.get(PUBLIC_URL)[0] == 200  # the refused form ended nothing
    status, _, _ = feng.post("/password", {"old": sample.passwords["feng"], "new": "Fengnew2026pass",
                                           "csrf_token": feng.csrf("/password")})
    assert status == 303
    sample.passwords["feng"] = "Fengnew2026pass"
