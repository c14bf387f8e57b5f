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
from repo_tools.messages import say
from repo_tools.portal.auth import reset_password
from repo_tools.portal.server import PortalServer
from repo_tools.review import requests as review
from repo_tools.seal import sealing
from repo_tools.site import build_site
from repo_tools.site.overlays import overlay_root

UNIT = "jyj"
FOLDER = say("demo.portal.module.1")
TITLE = say("demo.portal.module.2")
URL = say("demo.portal.module.3", unit=UNIT)
BULLETIN = say("demo.portal.module.4", title=TITLE, unit=UNIT)


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
            raise RuntimeError(say("demo.portal.first_login.1",
                                   user=user, status=status, location=location))
        status, _, _ = self.request("POST", "/password", {"old": initial, "new": new,
                                                          "csrf_token": self.csrf("/password")})
        if status != 303:
            raise RuntimeError(say("demo.portal.first_login.2", user=user, status=status))


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
        review.approve(city, UNIT, n, person, say("demo.portal._publish_restricted.1"))
    sealing.merge(city, UNIT, n, reviewer)
    state.ok(say("demo.portal._publish_restricted.2",
                 author=author, reviewer=reviewer, unit=UNIT, title=TITLE))


def serving(state: DemoState) -> list[str]:
    """What `make demo SERVE=1` prints before the portal starts: the logins of two readers of
    different units (set by the chapter) and the restricted item only one of them sees."""
    lines = [say("demo.portal.serving.1", user=user, password=password)
             for user, password in state.facts.get("portal_logins", [])]
    reg = state.city.registry()
    lines.append(say("demo.portal.run.13", url=URL, name=reg.units[UNIT].name))
    return lines


def serve(state: DemoState, port: int = 8080, host: str = "127.0.0.1") -> None:
    """The `--serve` ending: the logins and the restricted item, then the portal until Ctrl-C."""
    from repo_tools.portal import serve as serve_portal
    for line in serving(state):
        state.console.print(line)
    serve_portal(state.city, port, host)


def run(state: DemoState) -> None:
    state.chapter(say("demo.portal.run.1"))
    city = state.city
    _publish_restricted(state)
    report = build_site(city)
    base_text = "\n".join(p.read_text(encoding="utf-8", errors="replace")
                          for p in Path(city.site_dir).resolve().rglob("*.html"))
    overlays = sorted(report.overlays)
    state.ok(say("demo.portal.run.2",
                 len_overlays=len(overlays), value_join='、'.join(overlays)))
    state.ok(
        say(
            "demo.portal.run.3",
            value=say("demo.portal.run.15") if TITLE not in base_text else say("demo.portal.run.16"),
            value2=overlay_root(city.site_dir) / ("unit-" + UNIT),
        )
    )
    again = build_site(city)
    untouched = [name for name, r in again.overlays.items() if r is None]
    state.ok(say("demo.portal.run.4", len_rendered=len(again.rendered), len_untouched=len(untouched)))

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
            seen = say("demo.portal.run.5") if status == 200 and TITLE in page else say("demo.portal.run.6", status=status)
            state.ok(say("demo.portal.run.7", name=reg.people[user].name, user=user, unit_name=unit_name, url=URL, seen=seen))
            status, _, home = reader.request("GET", "/")
            count = re.search(r'id="waiting-work" data-count="(\d+)"', home)
            if count:
                state.ok(say("demo.portal.run.8", user=user, value=count.group(1)))
        attacker = ScriptedReader(portal.port)
        for _ in range(5):
            status, _, page = attacker.request(
                "POST", "/login", {"user": outsider, "password": "wrong-password", "csrf_token": attacker.csrf("/login")}
            )
        state.refused(say("demo.portal.run.9", outsider=outsider), re.sub(r"<[^>]+>", "", page.split('role="alert">', 1)[-1].split("</div>", 1)[0]))
        from repo_tools import city as city_mod

        city_mod.set_person_status(city, "admin", outsider, "active", say("demo.portal.run.10"))
        state.ok(say("demo.portal.run.11", outsider=outsider))

    # Logins for the reader who sits at the browser (printed, used with `make demo SERVE=1`).
    logins = []
    for user in (next(p.id for p in reg.with_role(UNIT, "reviewer")), next(p.id for p in reg.members("czj") if "author" in p.roles)):
        logins.append((user, reset_password(city, "admin", user)))
    state.facts["portal_logins"] = logins
    for user, password in logins:
        person = reg.people[user]
        state.fact(say("demo.portal.run.12", user=user, name=person.name, name2=reg.units[person.unit].name, password=password))
    state.fact(say("demo.portal.run.13", url=URL, name=reg.units[UNIT].name))
    state.fact(say("demo.portal.run.14"))
