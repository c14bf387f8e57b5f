"""Faults (Art. 44-45): the one-hour response clock and the two-hour escalation, computed from
times the test sets (no sleeping); who may report, respond and resolve; the paper notice to
every unit with the waiting deliveries, read back from the PDF."""
from __future__ import annotations

import json
from datetime import datetime, timedelta

import pytest
from click.testing import CliRunner
from fixtures import Workspace
from keys_support import sealed_document

from repo_tools import incident, timeutil
from repo_tools.cli import oa
from repo_tools.messages import Refused
from repo_tools.transmit import deliveries as transmit

T0 = datetime(2026, 12, 1, 9, 0, tzinfo=timeutil.CST)
FIELDS = {"id", "summary", "since", "respond_by", "escalate_at", "responded_at", "resolved_at", "status"}


def at(minutes: int) -> datetime:
    return T0 + timedelta(minutes=minutes)


def status(ws: Workspace, ident: str, minutes: int) -> str:
    return incident.find(ws.city, ident).status(at(minutes))


def test_clocks_run_from_since(ws: Workspace) -> None:
    got = incident.open_incident(ws.city, "zhou", "公文无法推送", since=T0, now=at(5))
    row = got.as_json(at(10))
    assert FIELDS <= set(row) and row["status"] == "open"
    assert row["since"] == "2026-12-01T09:00:00.000000+08:00"
    assert row["respond_by"].startswith("2026-12-01T10:00:00") and row["escalate_at"].startswith("2026-12-01T11:00:00")
    assert datetime.fromisoformat(row["respond_by"]).utcoffset() == timedelta(hours=8)
    assert row["responded_at"] is None and row["resolved_at"] is None
    incident.respond(ws.city, "admin", got.id, now=at(40))
    assert status(ws, got.id, 30) == "open"        # asked before the response was made
    assert status(ws, got.id, 45) == "responded"
    assert status(ws, got.id, 119) == "responded"
    assert status(ws, got.id, 120) == "escalated"  # two hours without a fix
    incident.resolve(ws.city, "admin", got.id, now=at(150))
    assert status(ws, got.id, 130) == "escalated"
    assert status(ws, got.id, 150) == "resolved"
    final = incident.find(ws.city, got.id).as_json(at(200))
    assert final["responded_at"].startswith("2026-12-01T09:40") and final["resolved_at"].startswith("2026-12-01T11:30")
    assert final["response_overdue"] is False
    assert incident.open_incidents(ws.city, at(100))[0]["id"] == got.id
    assert incident.open_incidents(ws.city, at(200)) == []
    steps = [json.loads(line) for line in ws.city.log_file.read_text().splitlines() if '"incident"' in line]
    assert [s["action"] for s in steps] == ["open", "respond", "resolve"]


def test_late_response_is_marked(ws: Workspace) -> None:
    got = incident.open_incident(ws.city, "admin", "收文无法签收", since=T0, now=T0)
    assert got.as_json(at(61))["response_overdue"] is True and got.status(at(61)) == "open"
    incident.respond(ws.city, "admin", got.id, now=at(70))
    assert incident.find(ws.city, got.id).as_json(at(80))["response_overdue"] is True


def test_who_may_report_respond_and_resolve(ws: Workspace) -> None:
    before = ws.city.log_file.read_bytes()
    with pytest.raises(Refused) as exc:
        incident.open_incident(ws.city, "zhang", "打不开", since=T0, now=at(1))  # an author, not an admin
    assert exc.value.rule == "incident-role"
    with pytest.raises(Refused) as exc:
        incident.open_incident(ws.city, "zhou", "打不开", since=at(10), now=at(1))  # since in the future
    assert exc.value.rule == "usage"
    with pytest.raises(Refused) as exc:
        incident.open_incident(ws.city, "zhou", "  ", since=T0, now=at(1))
    assert exc.value.rule == "usage"
    assert ws.city.log_file.read_bytes() == before
    got = incident.open_incident(ws.city, "zhou", "打不开", since=T0, now=at(1))
    before = ws.city.log_file.read_bytes()
    for act in (incident.respond, incident.resolve):
        with pytest.raises(Refused) as exc:
            act(ws.city, "zhou", got.id, now=at(20))  # a unit admin: the e-gov office responds
        assert exc.value.rule == "incident-role"
    with pytest.raises(Refused) as exc:
        incident.respond(ws.city, "admin", "99", now=at(20))
    assert exc.value.rule == "incident-not-found"
    assert ws.city.log_file.read_bytes() == before
    incident.respond(ws.city, "admin", got.id, now=at(20))
    with pytest.raises(Refused) as exc:
        incident.respond(ws.city, "admin", got.id, now=at(25))
    assert exc.value.rule == "incident-state"
    incident.resolve(ws.city, "admin", got.id, now=at(30))
    with pytest.raises(Refused) as exc:
        incident.resolve(ws.city, "admin", got.id, now=at(35))
    assert exc.value.rule == "incident-state"


def test_notice_only_once_escalated_with_waiting_copies(ws: Workspace, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from pypdf import PdfReader
    sealed = sealed_document(ws)
    transmit.send(ws.city, "qian", sealed.path, to=["jyj"])
    got = incident.open_incident(ws.city, "zhou", "公文传输中断", since=T0, now=at(1))
    out = tmp_path / "notice.pdf"
    before = ws.city.log_file.read_bytes()
    with pytest.raises(Refused) as exc:
        incident.write_notice(ws.city, "admin", got.id, out, now=at(119))
    assert exc.value.rule == "incident-state" and not out.exists()
    with pytest.raises(Refused) as exc:
        incident.write_notice(ws.city, "zhou", got.id, out, now=at(121))
    assert exc.value.rule == "incident-role"
    assert ws.city.log_file.read_bytes() == before
    result = incident.write_notice(ws.city, "admin", got.id, out, now=at(121))
    assert result["waiting"] == 1 and result["deliveries"][0]["unit"] == "jyj"
    reader = PdfReader(str(out))
    text = "".join(page.extract_text() for page in reader.pages).replace("\n", "").replace(" ", "")
    for expected in ("关于协同办公系统故障期间改用纸质方式处理公文的函", "第四十五条", "公文传输中断",
                     "六安市教育局", "六安市财政局", "六电政〔2026〕故1号", "尚待签收或登记的传输清单",
                     "关于印发《六安市协同办公系统管理办法》的通知", sealed.number):
        assert expected in text, expected
    assert len(reader.pages) >= 3  # the notice, its list, and the waiting document's copy
    notice = [json.loads(line) for line in ws.city.log_file.read_text().splitlines() if '"notice"' in line]
    assert notice and notice[-1]["waiting"] == 1 and len(notice[-1]["sha256"]) == 64
    incident.resolve(ws.city, "admin", got.id, now=at(150))
    with pytest.raises(Refused):
        incident.write_notice(ws.city, "admin", got.id, tmp_path / "late.pdf", now=at(160))


def test_cli_incident_commands(ws: Workspace) -> None:
    runner = CliRunner()
    base = ["--city", str(ws.city.root)]
    since = timeutil.iso(timeutil.now() - timedelta(hours=3))
    got = runner.invoke(oa, [*base, "--as", "zhou", "--json", "incident", "open", "--summary", "无法登录", "--since", since])
    assert got.exit_code == 0, got.output
    ident = json.loads(got.output)["id"]
    got = runner.invoke(oa, [*base, "--as", "zhang", "incident", "open", "--summary", "无法登录"])
    assert got.exit_code == 1 and "incident-role" in got.output
    got = runner.invoke(oa, [*base, "--as", "admin", "incident", "list", "--json"])
    rows = json.loads(got.output)
    assert got.exit_code == 0 and rows[0]["id"] == ident and rows[0]["status"] == "escalated"
    got = runner.invoke(oa, [*base, "--as", "admin", "incident", "respond", ident])
    assert got.exit_code == 0, got.output
    got = runner.invoke(oa, [*base, "--as", "admin", "incident", "resolve", ident])
    assert got.exit_code == 0, got.output
    rows = json.loads(runner.invoke(oa, [*base, "--as", "admin", "incident", "list", "--json"]).output)
    assert rows[0]["status"] == "resolved"


def test_site_banner_while_an_incident_is_open(ws: Workspace, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from repo_tools.site import build_site
    incident.open_incident(ws.city, "zhou", "系统无法推送公文")
    build_site(ws.city, tmp_path / "site")
    page = (tmp_path / "site" / "index.html").read_text(encoding="utf-8")
    assert 'class="incident-banner"' in page and "系统无法推送公文" in page
    got = incident.incidents(ws.city)[0]
    incident.resolve(ws.city, "admin", got.id)
    build_site(ws.city, tmp_path / "site")
    assert 'class="incident-banner"' not in (tmp_path / "site" / "index.html").read_text(encoding="utf-8")
