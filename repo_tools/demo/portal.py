"""Last chapter: the reading portal. A bulletin restricted to jyj lands through review; the build
makes the shared base and small overlays; two readers of different units log in over real HTTP
against a briefly started portal, and only one of them reads it. With `--serve` the portal then
keeps running, with logins for two readers printed."""
from __future__ import annotations

import http.client
import re
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import quote, urlencode

from repo_tools.demo.state import DemoState
from repo_tools.git.clone import clone
from repo_tools.portal.auth import reset_password
from repo_tools.portal.server import PortalServer
from repo_tools.review import requests as review
from repo_tools.seal import sealing
from repo_tools.site import build_site
from repo_tools.site.overlays import overlay_root

UNIT = "jyj"
FOLDER = "bulletins/工作动态/2013-04-10-jyj-internal"
TITLE = "教育局机关内部工作安排（仅限本局阅读）"
URL = f"/bulletins/{UNIT}/工作动态/2013-04-10-jyj-internal/"
BULLETIN = f"""---
title: {TITLE}
column: 工作动态
date: 2013-04-10
audience: [unit:{UNIT}]
---

本周局机关开展协同办公系统培训，请各科室安排人员参加。本条信息仅限教育局人员阅读。
"""


class ScriptedReader:
    """A reader's browser in a few lines: cookies kept, forms posted with their csrf_token."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, form: dict[str, str] | None = None) -> tuple[int, str, str]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())} if self.cookies else {}
        body = urlencode(form).encode() if form is not None else None
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        conn.request(method, quote(path, safe="/?=&"), body=body, headers=headers)
        response = conn.getresponse()
        page = response.read().decode("utf-8", "replace")
        for name, value in response.getheaders():
            if name.lower() == "set-cookie":
                cookie = SimpleCookie()
                cookie.load(value)
                for key, morsel in cookie.items():
                    if morsel.value:
                        self.cookies[key] = morsel.value
        conn.close()
        return response.status, response.getheader("location") or "", page

    def csrf(self, path: str) -> str:
        match = re.search(r'name="csrf_token" value="([^"]+)"', self.request("GET", path)[2])
        return match.group(1) if match else ""

    def first_login(self, user: str, initial: str, new: str) -> None:
        status, location, _ = self.request("POST", "/login", {"user": user, "password": initial,
                                                              "csrf_token": self.csrf("/login")})
        if status != 303 or location != "/password":
            raise RuntimeError(f"{user} 首次登录未转到修改密码页面：{status} {location}")
        status, _, _ = self.request("POST", "/password", {"old": initial, "new": new,
                                                          "csrf_token": self.csrf("/password")})
        if status != 303:
            raise RuntimeError(f"{user} 修改初始密码失败：{status}")


def _publish_restricted(state: DemoState) -> None:
    city = state.city
    reg = city.registry()
    author = next(p.id for p in reg.members(UNIT) if "author" in p.roles)
    reviewer = next(p.id for p in reg.with_role(UNIT, "reviewer") if p.id != author)
    work = clone(city, UNIT, state.work_dir(f"{author}-{UNIT}-portal"), author)
    state.git(work, "checkout", "-q", "-b", "draft/jyj-internal")
    path = work / FOLDER / "index.md"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(BULLETIN, encoding="utf-8")
    state.git(work, "add", "-A")
    state.git(work, "commit", "-q", "-m", TITLE)
    n = review.open_request(city, UNIT, author, title=TITLE, workdir=work)
    unit = reg.unit(UNIT)
    assert unit is not None
    for person in [p.id for p in reg.with_role(UNIT, "reviewer") if p.id != author][:max(unit.required_approvals, 1)]:
        review.approve(city, UNIT, n, person, "同意，仅限本局阅读。")
    sealing.merge(city, UNIT, n, reviewer)
    state.ok(f"{author} 起草、{reviewer} 审核合并了一条仅限教育局阅读的信息（audience: [unit:{UNIT}]）：{TITLE}")


def run(state: DemoState) -> None:
    state.chapter("八、阅读门户：登录后只看到本人读者范围的内容；初始密码须修改；连续 5 次输错锁定（第十四、十六、三十二条）")
    city = state.city
    _publish_restricted(state)
    report = build_site(city)
    base_text = "\n".join(p.read_text(encoding="utf-8", errors="replace")
                          for p in Path(city.site_dir).resolve().rglob("*.html"))
    overlays = sorted(report.overlays)
    state.ok(f"生成网站：一个全员共用的基础站点，加 {len(overlays)} 个限定范围叠加层（{'、'.join(overlays)}），"
             f"各有页面和搜索索引；构建量随内容而定，不随人数增长")
    state.ok(f"基础站点中{'没有' if TITLE not in base_text else '竟有'}这条限定信息；"
             f"它只在 {overlay_root(city.site_dir) / ('unit-' + UNIT)} 中")
    again = build_site(city)
    untouched = [name for name, r in again.overlays.items() if r is None]
    state.ok(f"内容未变时再次生成：基础站点重新生成 {len(again.rendered)} 个页面，叠加层 {len(untouched)} 个未动")

    reg = city.registry()
    insider = next(p.id for p in reg.with_role(UNIT, "clerk"))
    outsider = next(p.id for p in reg.with_role("czj", "clerk"))
    with PortalServer(city) as portal:
        for user in (insider, outsider):
            initial = reset_password(city, "admin", user)
            reader = ScriptedReader(portal.port)
            reader.first_login(user, initial, f"Reader{user}2026")
            status, _, page = reader.request("GET", URL)
            unit_name = reg.units[reg.people[user].unit].name
            seen = "看到了这条信息" if status == 200 and TITLE in page else f"得到 {status}（页面不存在）"
            state.ok(f"{reg.people[user].name}（{user}，{unit_name}）用初始密码登录、按要求改密后访问 {URL}：{seen}")
            status, _, home = reader.request("GET", "/")
            if "待办事项" in home:
                count = re.search(r"待办事项 <small>共 (\d+) 项", home)
                state.ok(f"{user} 的门户首页列出待办事项 {count.group(1) if count else '?'} 项（第十六条）")
        attacker = ScriptedReader(portal.port)
        for _ in range(5):
            status, _, page = attacker.request("POST", "/login", {"user": outsider, "password": "wrong-password",
                                                                  "csrf_token": attacker.csrf("/login")})
        state.refused(f"有人连续 5 次以错误密码登录 {outsider}：账户被锁定", re.sub(
            r"<[^>]+>", "", page.split('role="alert">', 1)[-1].split("</div>", 1)[0]))
        from repo_tools import city as city_mod
        city_mod.set_person_status(city, "admin", outsider, "active", "核实为本人后重新启用")
        state.ok(f"管理员 admin 用 `oa user enable {outsider}` 重新启用（登录失败、锁定、启用都记入事件日志）")

    # Logins for the reader who sits at the browser (printed, used with `make demo SERVE=1`).
    logins = []
    for user in (next(p.id for p in reg.with_role(UNIT, "reviewer")), next(p.id for p in reg.members("czj")
                                                                          if "author" in p.roles)):
        logins.append((user, reset_password(city, "admin", user)))
    state.facts["portal_logins"] = logins
    for user, password in logins:
        person = reg.people[user]
        state.fact(f"门户登录：用户 {user}（{person.name}，{reg.units[person.unit].name}），初始密码 {password}")
    state.fact(f"限定范围的信息：{URL}（只有 {reg.units[UNIT].name} 的读者能看到，其他读者得到 404）")
    state.fact("生产环境：oa portal nginx-config 写出 nginx 配置，由 nginx 直接提供文件、向门户询问读者权限")
