"""lifecycle/history.py: the arrival of many objects looked up at once answers as one by one."""
from __future__ import annotations

from repo_tools.lifecycle.history import ArrivalIndex
from repo_tools.log import eventlog


def test_prefilled_arrivals_are_the_ones_looked_up_one_by_one(ws):  # type: ignore[no-untyped-def]
    ws.land("lagov", "zhang", {"documents/2013/a/index.md": "---\ntype: 通知\ntitle: 关于甲的通知\n"
                                                             "recipients: [市政府各部门]\ndate: 2013-05-01\n---\n\n正文。\n"})
    log = ws.city.log_file
    oids = sorted({o for e in eventlog.read(log) for o in e.get("objects", []) or []}
                  | {str(e["certificate_id"]) for e in eventlog.read(log) if e.get("certificate_id")})
    assert len(oids) > 5
    wanted = [*oids, "0" * 40]
    one = ArrivalIndex(log)
    expected = [one.get(o) for o in wanted]
    many = ArrivalIndex(log)
    many.prefill(wanted)
    assert [many.get(o) for o in wanted] == expected
    assert expected[-1] is None and any(e is not None for e in expected)
