"""Events a command carries in its push (`repo_tools.log.carried`): read from the push
certificate the hook re-verified (never from the pusher's `GIT_PUSH_OPTION_*`), each one a
well-formed event of a kind a command may report, or the whole push is refused."""
from __future__ import annotations

from collections.abc import Iterator

from repo_tools.git.push import Push
from repo_tools.hook.rules.base import Refusal, refusal
from repo_tools.messages import say


def carried_events_valid(push: Push) -> Iterator[Refusal]:
    cert = push.certificate
    if cert is None or not cert.options:
        return
    from repo_tools.log import carried
    for found in carried.events_in(cert.options):
        if isinstance(found, str):
            yield refusal("carried-event-invalid", say("hook.rules_events.carried_events_valid.1"), detail=found)
        elif found[0] == "incident" and not any(u.ref.startswith("refs/incidents/") for u in push.updates):
            # a fault's step rides only its own push (hook/rules/incidents.py judges it there)
            yield refusal("incident-carried", say("hook.rules_events.carried_events_valid.1"),
                          detail=say("hook.rules_incidents.incident_refs.1"))
