"""Production layout: real nginx (Debian) started by the test on 127.0.0.1 with its own prefix,
pid and temp paths, serving the files itself and asking the portal who may read them."""
from __future__ import annotations

import os
import shutil
import subprocess
import time
from pathlib import Path
from urllib.parse import quote

import pytest
from portal_support import FILES_URL, PERSON_URL, PUBLIC_TITLE, PUBLIC_URL, UNIT_SECRET, UNIT_URL, Client, raw_request, sample_city, text

from repo_tools.portal.nginx import write_config
from repo_tools.portal.server import PortalServer, free_port
from repo_tools.site.headers import response_headers

NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
pytestmark = pytest.mark.skipif(NGINX is None, reason="没有安装 nginx（scripts/setup-system.sh 会安装）")


@pytest.fixture(scope="module")
def sample(template_city):  # type: ignore[no-untyped-def]
    yield from sample_city(template_city)


@pytest.fixture(scope="module")
def front(sample, tmp_path_factory):  # type: ignore[no-untyped-def]
    """The portal on one free port and nginx in front of it on another; both stopped after."""
    state = tmp_path_factory.mktemp("nginx")
    with PortalServer(sample.city) as portal:
        listen = free_port()
        conf = write_config(sample.city.site_dir, state / "nginx.conf", state, listen, f"127.0.0.1:{portal.port}",
                            run_as="root" if os.geteuid() == 0 else None)
        proc = subprocess.Popen([NGINX, "-p", str(state), "-c", str(conf), "-e", str(state / "error.log"),
                                 "-g", "daemon off;"], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 15
        while True:
            try:
                Client("127.0.0.1", listen).get("/login")
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"nginx 未能启动：{proc.stderr.read().decode() if proc.stderr else ''}") from None
                time.sleep(0.1)
        try:
            yield listen, sample
        finally:
            proc.terminate()
            proc.wait(timeout=10)


def reader(front, user: str) -> Client:  # type: ignore[no-untyped-def]
    listen, sample = front
    c = Client("127.0.0.1", listen)
    status, headers, _ = c.login(user, sample.passwords[user])
    assert status == 303, status
    if headers["location"] == "/password":
        new = f"Nginx{user}2026"
        status, _, _ = c.post("/password", {"old": sample.passwords[user], "new": new, "csrf_token": c.csrf("/password")})
        assert status == 303
        sample.passwords[user] = new
    return c


def test_nginx_serves_the_files_the_portal_allows(front):  # type: ignore[no-untyped-def]
    wu = reader(front, "wu")
    status, headers, page = wu.get(PUBLIC_URL)
    assert status == 200 and PUBLIC_TITLE in text(page)
    assert headers["server"] == "nginx"  # the file came from nginx, not through the portal
    assert headers["x-content-type-options"] == "nosniff" and "default-src" in headers["content-security-policy"]
    status, _, page = wu.get(UNIT_URL)
    assert status == 200 and UNIT_SECRET in text(page)
    assert wu.get("/restricted/unit/_pagefind/pagefind-entry.json")[0] == 200
    status, _, page = wu.get("/")
    assert status == 200 and "待办事项" in text(page)  # the home page, composed by the portal
    status, headers, _ = wu.get(UNIT_URL.rstrip("/"))
    assert status == 303 and headers["location"].endswith(UNIT_URL)


def test_nginx_answers_404_for_what_the_reader_may_not_see(front):  # type: ignore[no-untyped-def]
    feng = reader(front, "feng")
    assert feng.get(PERSON_URL)[0] == 200
    for path in (UNIT_URL, UNIT_URL + "index.html", "/restricted/unit/_pagefind/pagefind-entry.json",
                 "/documents/lagov/2013/oa-measures/..%2F..%2F..%2Fjyj/2013/supervision/",
                 "/documents/lagov/2013/oa-measures/%2e%2e/%2e%2e/%2e%2e/jyj/2013/supervision/",
                 "//documents/jyj/2013/supervision/", "/documents%5cjyj/2013/supervision/",
                 "/DOCUMENTS/JYJ/2013/SUPERVISION/", "/site-overlays/unit-jyj/documents/jyj/2013/supervision/",
                 "/site/index.html", "/server/portal/portal.sqlite", "/server/lockouts.json", "/_portal/auth",
                 "/%2e%2e/etc/passwd", "/documents/jyj/2013/supervision/index.html%00"):
        status, headers, page = feng.get(path)
        assert status in (400, 404), (path, status)
        assert UNIT_SECRET not in text(page)
        if status == 404:
            assert "页面不存在" in text(page), path


def test_nginx_without_a_session_sends_to_login(front):  # type: ignore[no-untyped-def]
    listen, sample = front
    anonymous = Client("127.0.0.1", listen)
    status, headers, _ = anonymous.get(PUBLIC_URL)
    assert status == 303 and "/login?next=/documents/lagov/" in headers["location"]
    status, _, page = anonymous.get("/login")
    assert status == 200 and 'name="csrf_token"' in text(page)
    status, _, page = anonymous.post("/login", {"user": "wu", "password": "x"})
    assert status == 403 and "表单校验码" in text(page)
    wu = reader(front, "wu")
    status, _, _ = wu.post("/logout", {"csrf_token": wu.csrf("/password")})
    assert status == 303
    status, headers, _ = wu.get(UNIT_URL)
    assert status == 303 and "/login" in headers["location"]


def test_nginx_sends_the_sites_own_headers_for_every_file(front):  # type: ignore[no-untyped-def]
    """Behind nginx a file gets the type, policy and download headers `oa serve` and the embedded
    portal give it (site/headers.py): a repository file is never a type a browser runs."""
    listen, sample = front
    wu = reader(front, "wu")
    site = Path(os.path.realpath(sample.city.site_dir))
    paths = [FILES_URL + "attachments/guide.html.txt", FILES_URL + "attachments/notes.txt", FILES_URL + "logo.svg",
             FILES_URL, PUBLIC_URL, "/search/", "/_pagefind/pagefind.js", "/_pagefind/pagefind-entry.json"]
    for path in paths:
        status, headers, body = wu.get(quote(path))
        assert status == 200 and headers["server"] == "nginx", (path, status)
        local = site / path.lstrip("/")
        local = local / "index.html" if path.endswith("/") else local
        assert body == local.read_bytes(), path
        expected = response_headers(path, body[:4096])
        names = [k.lower() for k, _ in wu.last_headers]
        assert names.count("content-type") == 1 and names.count("content-security-policy") == 1, (path, names)
        for key in ("Content-Type", "Content-Security-Policy", "Content-Disposition", "X-Content-Type-Options"):
            assert headers.get(key.lower()) == expected.get(key), (path, key, headers.get(key.lower()))
    _, html, _ = wu.get(quote(FILES_URL + "attachments/guide.html.txt"))
    assert html["content-type"] == "text/plain; charset=utf-8" and html["content-security-policy"].endswith("; sandbox")
    _, gbk, _ = wu.get(quote(FILES_URL + "attachments/notes.txt"))
    assert gbk["content-type"] == "text/plain; charset=gb18030"
    _, svg, _ = wu.get(quote(FILES_URL + "logo.svg"))
    assert svg["content-disposition"].startswith("attachment") and "sandbox" in svg["content-security-policy"]
    _, page, _ = wu.get(quote(FILES_URL))
    assert page["content-type"] == "text/html; charset=utf-8" and "sandbox" not in page["content-security-policy"]
    # A file that is no page of the site and has no inert type is a download, whatever nginx's
    # own table would have said (its type table is empty in the guarded location).
    assert "text/html" not in html["content-type"] and "image/svg+xml" == svg["content-type"]


def cookie(c: Client) -> bytes:
    return "".join(f"Cookie: {k}={v}\r\n" for k, v in c.cookies.items()).encode()


def test_nginx_serves_exactly_the_path_the_portal_judged(front):  # type: ignore[no-untyped-def]
    """nginx ends `$uri` at a raw `#`; the portal reads the target the same way, so a name
    after the `#` can never get a file judged while nginx sends another: here a regular file
    `probe#x.html` sits beside a symbolic link `probe` into jyj's overlay."""
    listen, sample = front
    base = Path(os.path.realpath(sample.city.site_dir))
    from repo_tools.site.overlays import overlay_root
    secret = Path(os.path.realpath(overlay_root(sample.city.site_dir) / "unit-jyj")) / UNIT_URL.strip("/") / "index.html"
    (base / "probe#x.html").write_text("<!doctype html><title>井号</title>公开的井号文件", encoding="utf-8")
    (base / "probe").symlink_to(secret)
    (base / "leak.html").symlink_to(secret)
    try:
        feng = reader(front, "feng")
        for target in (b"/probe#x.html", b"/probe", b"/leak.html", b"/probe#/../leak.html"):
            status, _, body = raw_request(listen, b"GET " + target + b" HTTP/1.1\r\nHost: x\r\n" + cookie(feng)
                                          + b"Connection: close\r\n\r\n")
            assert status == 404 and UNIT_SECRET not in text(body) and "页面不存在" in text(body), target
        status, _, body = raw_request(listen, b"GET /probe%23x.html HTTP/1.1\r\nHost: x\r\n" + cookie(feng)
                                      + b"Connection: close\r\n\r\n")
        assert status == 200 and "公开的井号文件" in text(body)  # an encoded # is part of a name
    finally:
        for name in ("probe#x.html", "probe", "leak.html"):
            (base / name).unlink()


def test_nginx_redirects_stay_on_the_site_whatever_the_host(front):  # type: ignore[no-untyped-def]
    listen, _ = front
    status, headers, _ = raw_request(listen, f"GET {PUBLIC_URL} HTTP/1.1\r\nHost: evil.example\r\nConnection: close\r\n\r\n"
                                     .encode())
    assert status == 303 and headers["location"].startswith("/login?next=/documents/lagov/")
    feng = reader(front, "feng")
    status, headers, _ = raw_request(listen, f"GET {PUBLIC_URL.rstrip('/')} HTTP/1.1\r\nHost: evil.example\r\n".encode()
                                     + cookie(feng) + b"Connection: close\r\n\r\n")
    assert status == 303 and headers["location"] == PUBLIC_URL
    status, headers, _ = raw_request(listen, b"GET /assets HTTP/1.1\r\nHost: evil.example\r\nConnection: close\r\n\r\n")
    assert "evil.example" not in headers.get("location", "")


def test_nginx_answers_old_clients_and_absolute_targets_like_the_portal(front):  # type: ignore[no-untyped-def]
    listen, _ = front
    feng = reader(front, "feng")
    status, _, body = raw_request(listen, f"GET {PUBLIC_URL} HTTP/1.0\r\n".encode() + cookie(feng) + b"\r\n")
    assert status == 200 and PUBLIC_TITLE in text(body)  # HTTP/1.0 without Host
    for url, expected in ((PUBLIC_URL, 200), (UNIT_URL, 404)):
        status, _, body = raw_request(listen, f"GET http://elsewhere{url} HTTP/1.1\r\nHost: x\r\n".encode() + cookie(feng)
                                      + b"Connection: close\r\n\r\n")
        assert status == expected and UNIT_SECRET not in text(body), url
    for method in ("HEAD", "GET"):
        extra = b"Range: bytes=0-20\r\n" if method == "GET" else b""
        status, headers, body = raw_request(listen, f"{method} {UNIT_URL} HTTP/1.1\r\nHost: x\r\n".encode() + extra
                                            + cookie(feng) + b"Connection: close\r\n\r\n")
        assert status == 404 and "content-range" not in headers and UNIT_SECRET not in text(body), method


def test_what_nginx_itself_refuses_is_chinese_and_says_what_to_do(front):  # type: ignore[no-untyped-def]
    listen, _ = front
    feng = reader(front, "feng")
    cases = [
        (400, b"GET /../etc/passwd HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"),
        (400, b"GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 20000 + b"\r\nConnection: close\r\n\r\n"),
        (405, f"POST {PUBLIC_URL} HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n".encode() + cookie(feng)
         + b"Connection: close\r\n\r\n"),
        (405, f"DELETE {PUBLIC_URL} HTTP/1.1\r\nHost: x\r\n".encode() + cookie(feng) + b"Connection: close\r\n\r\n"),
        (414, b"GET /" + b"a" * 9000 + b" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"),
    ]
    for expected, request in cases:
        status, headers, body = raw_request(listen, request)
        page = text(body)
        assert status == expected, (expected, status, page[:200])
        assert "nginx" not in page and "处理办法" in page and headers["content-type"] == "text/html; charset=utf-8", page
        assert headers.get("x-content-type-options") == "nosniff"
    status, _, body = raw_request(listen, f"GET {PUBLIC_URL} HTTP/1.1\r\nHost: x\r\n".encode() + cookie(feng)
                                  + b"Connection: close\r\n\r\n")
    assert status == 200 and PUBLIC_TITLE in text(body)


def test_nginx_without_its_portal_says_so_in_chinese(sample, tmp_path):  # type: ignore[no-untyped-def]
    """The portal not running: every guarded file and every form is refused (never served
    unguarded), with a page that tells the reader what to do."""
    listen, dead = free_port(), free_port()
    conf = write_config(sample.city.site_dir, tmp_path / "nginx.conf", tmp_path, listen, f"127.0.0.1:{dead}",
                        run_as="root" if os.geteuid() == 0 else None)
    proc = subprocess.Popen([NGINX, "-p", str(tmp_path), "-c", str(conf), "-e", str(tmp_path / "error.log"),
                             "-g", "daemon off;"], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 15
        while True:
            try:
                status, _, body = Client("127.0.0.1", listen).get("/assets/site.css")
                break
            except OSError:
                assert proc.poll() is None and time.monotonic() < deadline
                time.sleep(0.1)
        assert status == 200  # the styles need nobody's permission
        for path in (PUBLIC_URL, UNIT_URL, "/login", "/"):
            status, headers, body = Client("127.0.0.1", listen).get(path)
            assert status == 503 and "门户服务没有应答" in text(body) and "oa portal" in text(body), (path, status)
            assert PUBLIC_TITLE not in text(body)
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_the_styles_served_before_login_are_judged_like_every_file(front):  # type: ignore[no-untyped-def]
    """nginx serves /assets/ without asking the portal (the login form needs its style): a
    symbolic link or a dot-file placed there is refused as the portal refuses it elsewhere."""
    listen, sample = front
    base = Path(os.path.realpath(sample.city.site_dir))
    from repo_tools.site.overlays import overlay_root
    secret = Path(os.path.realpath(overlay_root(sample.city.site_dir) / "unit-jyj")) / UNIT_URL.strip("/") / "index.html"
    (base / "assets/leak.css").symlink_to(secret)
    (base / "assets/.hidden.css").write_text(UNIT_SECRET, encoding="utf-8")
    try:
        for path in ("/assets/leak.css", "/assets/.hidden.css", "/assets/%2ehidden.css"):
            status, _, body = Client("127.0.0.1", listen).get(path)
            assert status == 404 and UNIT_SECRET not in text(body) and "页面不存在" in text(body), (path, status)
        status, _, body = Client("127.0.0.1", listen).get("/assets/site.css")
        assert status == 200 and body == (base / "assets/site.css").read_bytes()
    finally:
        (base / "assets/leak.css").unlink()
        (base / "assets/.hidden.css").unlink()


def test_nginx_with_tls_speaks_https_only_and_the_cookie_is_secure(sample, tmp_path):  # type: ignore[no-untyped-def]
    """`oa portal nginx-config --tls-cert --tls-key`: passwords never cross the network in clear;
    a plain HTTP request to the port is refused in Chinese; behind it the portal's cookies carry
    Secure (`oa portal --secure-cookies`), and every answer tells the browser to keep to HTTPS."""
    import http.client
    import ssl

    from click.testing import CliRunner

    from repo_tools.cli import oa
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=127.0.0.1",
                    "-addext", "subjectAltName=IP:127.0.0.1",
                    "-keyout", str(key), "-out", str(cert)], check=True, capture_output=True)
    listen = free_port()
    with PortalServer(sample.city, secure_cookies=True) as portal:
        result = CliRunner().invoke(oa, ["--city", str(sample.city.root), "portal", "nginx-config", "--out",
                                         str(tmp_path / "nginx.conf"), "--state", str(tmp_path), "--listen", str(listen),
                                         "--portal", f"127.0.0.1:{portal.port}", "--tls-cert", str(cert),
                                         "--tls-key", str(key)] + (["--user", "root"] if os.geteuid() == 0 else []))
        assert result.exit_code == 0 and "https://" in result.output and "--secure-cookies" in result.output, result.output
        half = CliRunner().invoke(oa, ["--city", str(sample.city.root), "portal", "nginx-config", "--out",
                                       str(tmp_path / "x.conf"), "--tls-cert", str(cert)])
        assert half.exit_code == 2 and "--tls-key" in half.output
        proc = subprocess.Popen([NGINX, "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf"), "-e",
                                 str(tmp_path / "error.log"), "-g", "daemon off;"], stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE)
        context = ssl.create_default_context(cafile=str(cert))
        try:
            deadline = time.monotonic() + 15
            while True:
                try:
                    conn = http.client.HTTPSConnection("127.0.0.1", listen, timeout=30, context=context)
                    conn.request("GET", "/login")
                    page = conn.getresponse()
                    break
                except ConnectionRefusedError:
                    assert proc.poll() is None and time.monotonic() < deadline
                    time.sleep(0.1)
            body = page.read().decode()
            nonce = page.getheader("set-cookie", "").split(";", 1)[0]
            token = body.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
            conn.request("POST", "/login", body=f"user=feng&password={sample.passwords['feng']}&csrf_token={token}",
                         headers={"Content-Type": "application/x-www-form-urlencoded", "Cookie": nonce})
            answer = conn.getresponse()
            answer.read()
            cookie = next(v for k, v in answer.getheaders() if k.lower() == "set-cookie" and v.startswith("oa_session"))
            assert answer.status == 303 and "Secure" in cookie and "HttpOnly" in cookie
            conn.request("GET", PUBLIC_URL, headers={"Cookie": cookie.split(";", 1)[0]})
            doc = conn.getresponse()
            assert doc.status in (200, 303) and doc.getheader("strict-transport-security", "").startswith("max-age=")
            doc.read()
            status, _, plain = Client("127.0.0.1", listen).get("/login")  # plain HTTP to the HTTPS port
            assert status == 400 and "处理办法" in text(plain) and "nginx" not in text(plain)
        finally:
            proc.terminate()
            proc.wait(timeout=10)
