"""Merge requests and signed verdicts through real pushes."""
from __future__ import annotations

from fixtures import Workspace
from repo_tools import review

DOC = ("---\ntype: 通知\ntitle: 关于开展安全检查的通知\nrecipients: [各县区人民政府]\n"
       "date: 2026-03-21\n---\n\n各县区人民政府：\n\n现将有关事项通知如下。\n")


def test_smoke_land(ws: Workspace) -> None:
    oid = ws.land("lagov", "zhang", {"bulletins/政务动态/2026-03-21-x/index.md": "---\ntitle: x\ncolumn: 政务动态\ndate: 2026-03-21\n---\n\n正文\n"})
    assert oid
    oid2 = ws.land("lagov", "zhang", {"documents/2026/safety/index.md": DOC})
    rows = review.requests(ws.city, "lagov")
    print(rows)
    print(review.show(ws.city, "lagov", 2))
    assert [r["state"] for r in rows] == ["merged", "merged"]
