"""The sample city the portal tests read, built once per test module, and a tiny HTTP client
that sends paths byte for byte (http.client: no normalisation of `..`, `//` or `%2e`)."""
from __future__ import annotations

import http.client
import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

from fixtures import Workspace, copy_city, run, short_tmpdir, stop_agents

from repo_tools.city import City
from repo_tools.portal.auth import reset_password
from repo_tools.review import requests as review
from repo_tools.site import build_site
from repo_tools.transmit import deliveries as transmit

PUBLIC_TITLE = "关于印发六安市协同办公系统使用管理办法（试行）的通知"
PUBLIC = f"""---
type: 通知
title: {PUBLIC_TITLE}
recipients: [市政府各部门]
date: 2013-03-21
---

为加快推进电子政务建设，提高行政效能，现将办法印发给你们，请认真贯彻执行。
"""
UNIT_SECRET = "教育局内部督导安排甲乙丙"
UNIT_DOC = f"""---
type: 通知
title: 关于{UNIT_SECRET}的通知
recipients: [局机关各科室]
date: 2013-04-01
audience: [unit:jyj]
---

仅限教育局阅读的督导安排，内含词语琥珀蜻蜓。
"""
PERSON_SECRET = "冯刚同志个人事项告知戊己庚"
PERSON_DOC = f"""---
type: 函
title: 关于{PERSON_SECRET}的函
recipients: [冯刚]
date: 2013-04-02
audience: [user:feng]
---

本函仅发冯刚本人，内含词语翡翠麒麟。
"""
SEND_DOC = """---
type: 函
title: 关于商请财政局支持协同办公系统建设经费的函
recipients: [六安市财政局]
date: 2013-04-03
urgency: 特急
---

请予支持。
"""
FILES_FOLDER = "bulletins/政务动态/2013-05-02-files"
FILES_URL = "/bulletins/lagov/政务动态/2013-05-02-files/"
FILES = {  # repository files a browser would run if they were served by their names
    f"{FILES_FOLDER}/index.md": "---\ntitle: 协同办公系统操作说明\ncolumn: 政务动态\ndate: 2013-05-02\n---\n\n见附件。\n",
    f"{FILES_FOLDER}/attachments/guide.html": b"<!doctype html><script>alert(document.cookie)</script>",
    f"{FILES_FOLDER}/attachments/notes.txt": "会议纪要：同意。\n".encode("gbk"),
    f"{FILES_FOLDER}/logo.svg": b'<svg xmlns="http://www.w3.org/2000/svg"><circle r="4" fill="red"/></svg>',
}
UNIT_URL = "/documents/jyj/2013/supervision/"
PERSON_URL = "/documents/lagov/2013/feng-notice/"
PUBLIC_URL = "/documents/lagov/2013/oa-measures/"
PASSWORD = "Initial2013pass"


@dataclass
class SampleCity:
    ws: Workspace
    passwords: dict[str, str] = field(default_factory=dict)

    @property
    def city(self) -> City:
        return self.ws.city


def _build_sample(ws: Workspace) -> dict[str, str]:
    """Public, unit-restricted and personal documents on main, an open request in jyj, a
    delivery to czj; the site built once (base + overlays); initial passwords for five readers
    (returned, by user)."""
    city = ws.city
    ws.land("lagov", "zhang", {"documents/2013/oa-measures/index.md": PUBLIC,
                               "documents/2013/feng-notice/index.md": PERSON_DOC,
                               "documents/2013/to-czj/index.md": SEND_DOC})
    ws.land("jyj", "wu", {"documents/2013/supervision/index.md": UNIT_DOC})
    ws.land("lagov", "wang", FILES)
    transmit.send(city, "zhao", "documents/2013/to-czj", to=["czj"])
    work = ws.clone("jyj", "wu")
    run(["git", "checkout", "-q", "-b", "draft/pending"], work)
    ws.commit(work, {"bulletins/工作动态/2013-05-01-pending/index.md":
                     "---\ntitle: 待审核的信息\ncolumn: 工作动态\ndate: 2013-05-01\n---\n\n待审核。\n"}, "待审核的信息")
    review.open_request(city, "jyj", "wu", title="待审核的信息", workdir=work)
    build_site(city)
    return {user: reset_password(city, "admin", user, PASSWORD) for user in ("wu", "he", "feng", "chen", "zheng")}


def sample_city(template: City) -> Iterator[SampleCity]:
    """A module's own copy of the portal's sample city (`_build_sample`, built once per test run)."""
    base = short_tmpdir("oap")
    city = copy_city(template, base / "c")
    ws = Workspace(city, base)
    sample = SampleCity(ws, ws.prepare("portal", _build_sample))
    try:
        yield sample
    finally:
        stop_agents(city)
        shutil.rmtree(base, ignore_errors=True)


class Client:
    """One browser's worth of cookies over real HTTP; paths go out exactly as given."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.cookies: dict[str, str] = {}
        self.last_headers: list[tuple[str, str]] = []

    def request(self, method: str, path: str, body: dict[str, str] | None = None,
                headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
        conn = http.client.HTTPConnection(self.host, self.port, timeout=30)
        sent = dict(headers or {})
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        data = None
        if body is not None:
            data = urlencode(body).encode()
            sent["Content-Type"] = "application/x-www-form-urlencoded"
        conn.putrequest(method, path, skip_accept_encoding=True)
        for key, value in sent.items():
            conn.putheader(key, value)
        if data is not None:
            conn.putheader("Content-Length", str(len(data)))
        conn.endheaders(data)
        response = conn.getresponse()
        payload = response.read()
        self.last_headers = response.getheaders()  # every header line, repeated ones too
        got = {k.lower(): v for k, v in response.getheaders()}
        got["set-cookie"] = "\n".join(v for k, v in response.getheaders() if k.lower() == "set-cookie")
        for header, value in response.getheaders():
            if header.lower() == "set-cookie":
                cookie = SimpleCookie()
                cookie.load(value)
                for name, morsel in cookie.items():
                    if morsel.value and morsel["max-age"] != "0" and "1970" not in morsel["expires"]:
                        self.cookies[name] = morsel.value
                    else:
                        self.cookies.pop(name, None)
        conn.close()
        return response.status, got, payload

    def get(self, path: str) -> tuple[int, dict[str, str], bytes]:
        return self.request("GET", path)

    def post(self, path: str, body: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
        return self.request("POST", path, body)

    def csrf(self, path: str = "/login") -> str:
        status, _, page = self.get(path)
        match = re.search(rb'name="csrf_token" value="([^"]+)"', page)
        assert match, (status, page[:300])
        return match.group(1).decode()

    def login(self, user: str, password: str) -> tuple[int, dict[str, str], bytes]:
        return self.post("/login", {"user": user, "password": password, "csrf_token": self.csrf()})


def text(payload: bytes) -> str:
    return payload.decode("utf-8", "replace")


def chinese(payload: bytes) -> bool:
    return bool(re.search(r"[\u4e00-\u9fff]{4,}", text(payload)))


__all__ = ["Client", "SampleCity", "sample_city", "text", "chinese", "PASSWORD", "UNIT_URL", "PERSON_URL",
           "PUBLIC_URL", "FILES_URL", "UNIT_SECRET", "PERSON_SECRET", "PUBLIC_TITLE", "Path"]


def raw_request(port: int, request: bytes, host: str = "127.0.0.1") -> tuple[int, dict[str, str], bytes]:
    """Bytes on the wire as given (request lines a client library would refuse or tidy up)."""
    import socket
    with socket.create_connection((host, port), timeout=30) as sock:
        sock.sendall(request)
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = {k.lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])}
    return int(lines[0].split()[1]), headers, body
