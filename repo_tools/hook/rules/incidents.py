"""Faults reported from a clone (Art. 44-45): a step of `oa incident` rides a push that creates
one `refs/incidents/<token>` in the actor's own unit, pointing at a signed, empty root commit,
with the step carried in the push certificate (`log/carried.py`). The service judges the step
with the same rules as one taken on the server (`incident.clock.check_carried`), for the person
who signed the certificate and at the time of the push; a forged or wrong step is refused with
the whole push, and nothing is logged."""
from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from repo_tools.git.push import Push
from repo_tools.hook.rules.base import Refusal, refusal
from repo_tools.messages import Refused, say

INCIDENT_REFS = "refs/incidents/"
TOKEN = re.compile(r"^refs/incidents/[0-9a-f]{16}$")
EMPTY_TREE = "4b825dc642cb6eb9a060e54bf8d69288fbee4904"
EVENT = "incident"


def carried_steps(push: Push) -> list[dict[str, Any]]:
    """The incident steps the push certificate carries."""
    cert = push.certificate
    if cert is None or not cert.options:
        return []
    from repo_tools.log import carried
    return [found[1] for found in carried.events_in(cert.options) if not isinstance(found, str) and found[0] == EVENT]


def incident_refs(push: Push) -> Iterator[Refusal]:
    """A push to refs/incidents/ or one that carries an incident step: exactly one of each,
    and the step as the service would judge it on the server."""
    refs = [u for u in push.updates if u.ref.startswith(INCIDENT_REFS)]
    steps = carried_steps(push)
    if not refs and not steps:
        return
    where = refs[0].ref if refs else say("hook.rules_events.carried_events_valid.1")
    if len(refs) != 1 or len(steps) != 1 or len(push.updates) != 1 or not refs[0].is_create \
            or not TOKEN.match(refs[0].ref):
        yield refusal("incident-carried", where, detail=say("hook.rules_incidents.incident_refs.1"))
        return
    got = push.reader.read(refs[0].new)
    if got is None or got[1] != "commit" or not got[2].startswith(f"tree {EMPTY_TREE}\n".encode()) \
            or b"\nparent " in got[2].split(b"\n\n", 1)[0]:
        yield refusal("incident-carried", where, detail=say("hook.rules_incidents.incident_refs.2"))
        return
    from repo_tools.incident.clock import check_carried
    try:
        check_carried(push.city, push.registry, push.pusher_id, steps[0], push.now)
    except Refused as exc:
        yield Refusal(exc.rule, exc.article, where, exc.message, exc.remedy)
