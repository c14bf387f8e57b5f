"""The demo's last chapter and its `make demo SERVE=1` ending, on the test city: the restricted
bulletin lands through review, and the two logins printed for the browser are readers of two
units, of whom exactly one reads it (the other gets the site's 404)."""
from __future__ import annotations

import re
from urllib.parse import quote

from fixtures import Workspace
from portal_support import Client, text
from rich.console import Console

from repo_tools.demo import portal as chapter
from repo_tools.demo.state import DemoState
from repo_tools.portal.server import PortalServer


def test_the_serve_ending_prints_two_readers_of_two_units_and_only_one_reads_the_item(ws: Workspace) -> None:
    console = Console(record=True, width=200)
    state = DemoState(root=ws.base, city=ws.city, console=console)
    chapter.run(state)
    lines = chapter.serving(state)
    assert "只有" in lines[-1]
    logins = [re.search(r"用户 (\S+)\s+初始密码 (\S+)（", line) for line in lines]
    found = [(m.group(1), m.group(2)) for m in logins if m]
    assert len(found) == 2 and chapter.URL in lines[-1]
    reg = ws.city.registry()
    units = [reg.person(user).unit for user, _ in found]
    assert sorted(units) == ["czj", "jyj"], units
    seen = {}
    with PortalServer(ws.city) as portal:
        for user, initial in found:
            reader = Client(portal.host, portal.port)
            status, headers, _ = reader.login(user, initial)
            assert status == 303 and headers["location"] == "/password"  # the initial password is changed first
            status, _, _ = reader.post("/password", {"old": initial, "new": f"Serve{user}2026", "csrf_token":
                                                     reader.csrf("/password")})
            assert status == 303
            status, _, page = reader.get(quote(chapter.URL))
            seen[reg.person(user).unit] = (status, chapter.TITLE in text(page))
    assert seen == {"jyj": (200, True), "czj": (404, False)}
