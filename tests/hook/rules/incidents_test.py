"""A fault's step from a clone rides a push to refs/incidents/<token> of the actor's own unit
(hook/rules/incidents.py): the service logs it with its own time and id, and refuses a forged
or wrong step with the whole push (nothing changes: refs, registry, log). Over the path
transport here; over SSH in tests/server/service_test.py."""
from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from fixtures import Workspace

from repo_tools import incident
from repo_tools.git.repo import PushRefused, Scratch
from repo_tools.incident import clock
from repo_tools.log.carried import carry


def _steps(ws: Workspace) -> list[dict[str, Any]]:
    return [json.loads(line) for line in ws.city.log_file.read_text().splitlines() if '"type": "incident"' in line]


def _refused(ws: Workspace, actor: str, fields: dict[str, Any], why: str) -> None:
    before = ws.snapshot()
    with pytest.raises(PushRefused) as caught:
        clock._carry(ws.city, actor, fields)
    assert why in caught.value.message, caught.value.message
    assert ws.snapshot() == before


def test_a_carried_step_is_logged_by_the_service_with_its_own_time_and_id(ws: Workspace) -> None:
    ref = clock._carry(ws.city, "zhou", {"action": "open", "summary": "公文无法推送"})
    opened = clock._find_by_ref(ws.city, ref)
    step = _steps(ws)[-1]
    assert step["by"] == "zhou" and step["pushed_by"] == "zhou" and step["ref"] == ref and step["carried_by"]
    assert "at" not in step and opened.opened_at.isoformat()[:16] == step["time"][:16]  # the log's time
    assert opened.id == step["id"] and opened.summary == "公文无法推送" and opened.status() == "open"
    clock._carry(ws.city, "admin", {"action": "respond", "id": opened.id})
    assert incident.find(ws.city, opened.id).responded_by == "admin"
    clock._carry(ws.city, "admin", {"action": "resolve", "id": opened.id})
    assert incident.find(ws.city, opened.id).status() == "resolved"
    # Refused, each with the whole push: the step judged as on the server, for the signer.
    _refused(ws, "zhou", {"action": "resolve", "id": opened.id}, "incident-role")          # not the office
    _refused(ws, "admin", {"action": "resolve", "id": opened.id}, "incident-state")        # resolved already
    _refused(ws, "admin", {"action": "respond", "id": "99"}, "incident-not-found")
    _refused(ws, "zhang", {"action": "open", "summary": "打不开"}, "incident-role")         # an author
    _refused(ws, "zhou", {"action": "open", "summary": "打不开", "by": "admin"}, "incident-carried")
    _refused(ws, "zhou", {"action": "open", "summary": "打不开", "id": "1"}, "incident-carried")
    _refused(ws, "zhou", {"action": "open", "summary": "打不开", "since": "2999-01-01T00:00:00+08:00"}, "usage")
    _refused(ws, "zhou", {"action": "notice", "id": opened.id}, "incident-carried")


def test_a_step_rides_only_its_own_push(ws: Workspace) -> None:
    """Carried on a draft's push, or a refs/incidents push without a step, or with a commit
    that has content: refused, nothing changes."""
    work = ws.clone("lagov", "zhou")
    ws.commit(work, {"notes/a.md": "草稿\n"})
    before = ws.snapshot()
    step = base64.b64encode(json.dumps({"type": "incident", "action": "open", "summary": "x"}).encode()).decode()
    got = ws.push(work, "HEAD:refs/heads/draft/x", "-o", f"oa-event={step}")
    assert got.returncode != 0 and "incident-carried" in got.stderr, got.stderr
    got = ws.push(work, "HEAD:refs/incidents/0123456789abcdef", "-o", f"oa-event={step}")
    assert got.returncode != 0 and "incident-carried" in got.stderr, got.stderr  # a commit with files
    signer = ws.city.signer("zhou")
    with Scratch(ws.city.unit_repo("lagov"), signer) as scratch:
        empty = scratch.commit({}, "空", parent=None)
        with pytest.raises(PushRefused) as caught:
            scratch.push([f"{empty}:refs/incidents/0123456789abcdef"])  # no step carried
        assert "incident-carried" in caught.value.message
        with carry("incident", action="open", summary="x"), pytest.raises(PushRefused):
            scratch.push([f"{empty}:refs/incidents/not-a-token"])
    assert ws.snapshot() == before
