"""Chapter: transmission and receipt (公文传输, Art. 27-29). The sealed regulation notice goes
from 六安市人民政府办公室 to two units; one clerk opens and registers it, the other returns it
with a reason; the sender resends; both sides' views are printed with their trusted times."""
from __future__ import annotations

from typing import Any

from repo_tools.cli.transmit_commands import inbox_table, sent_table, show_document
from repo_tools.demo.state import DemoState
from repo_tools.messages import Refused, say
from repo_tools.transmit import deliveries as transmit

NOTICE = "documents/2013/oa-measures"
PREFERRED_RECEIVERS = ["jyj", "czj", "jaq"]


def _pick_sealed(state: DemoState) -> dict[str, Any] | None:
    sealed = [s for s in state.facts.get("sealed", []) if str(s.get("path", "")).startswith("documents/")]
    return next((s for s in sealed if s["unit"] == "lagov" and s["path"] == NOTICE),
                next((s for s in sealed if s["unit"] == "lagov"), sealed[0] if sealed else None))


def _first(people: list[Any]) -> str | None:
    return people[0].id if people else None


def run(state: DemoState) -> None:
    state.chapter(say("demo.transmit.run.1"))
    chosen = _pick_sealed(state)
    if chosen is None:
        state.console.print(say("demo.transmit.run.2"))
        return
    city = state.city
    reg = city.registry()
    sender_unit, path = chosen["unit"], chosen["path"]
    sender = _first(reg.with_role(sender_unit, "seal-custodian")) or _first(reg.with_role(sender_unit, "clerk"))
    author = _first([p for p in reg.with_role(sender_unit, "author")
                     if not {"clerk", "seal-custodian"} & set(p.roles)])
    receivers = [u for u in PREFERRED_RECEIVERS if u in reg.units and u != sender_unit
                 and reg.with_role(u, "clerk")][:2]
    if sender is None or len(receivers) < 2:
        state.console.print(say("demo.transmit.run.3"))
        return
    first_unit, second_unit = receivers
    first_clerk = _first(reg.with_role(first_unit, "clerk"))
    second_clerk = _first(reg.with_role(second_unit, "clerk"))
    assert first_clerk and second_clerk

    if author:
        try:
            transmit.send(city, author, path, to=receivers)
        except Refused as exc:
            state.refused(say("demo.transmit.run.4", author=author), exc.text())

    result = transmit.send(city, sender, path, to=receivers)
    sent = {d.to_unit: d for d in result.deliveries}
    for d in result.deliveries:
        row = d.as_json()
        state.ok(say("demo.transmit.run.5",
                     sender=sender, number=row['number'], title=row['title'], to_name=row['to_name'], id=row['id'],
                     sent_at=row['sent_at'], ref=d.ref, sender_unit=sender_unit))

    opened, first = transmit.open_delivery(city, first_clerk, sent[first_unit].id)
    meta, body, files = transmit.document_of(city, opened)
    show_document(state.console, opened.as_json(), meta, body, files)
    state.ok(say("demo.transmit.run.6",
                 name=reg.units[first_unit].name, first_clerk=first_clerk, received_at=opened.as_json()['received_at']))
    again, first_again = transmit.open_delivery(city, first_clerk, sent[first_unit].id)
    state.ok(say("demo.transmit.run.7", received_at=again.as_json()['received_at']))
    registered = transmit.register(city, first_clerk, sent[first_unit].id).as_json()
    state.ok(say("demo.transmit.run.8",
                 first_clerk=first_clerk, register_label=registered['register_label'], from_name=registered['from_name'],
                 number=registered['number'], value=registered['urgency'] or '—'))

    transmit.open_delivery(city, second_clerk, sent[second_unit].id)
    reason = say("demo.transmit.run.9")
    transmit.answer(city, second_clerk, sent[second_unit].id, "returned", reason)
    state.ok(say("demo.transmit.run.10",
                 name=reg.units[second_unit].name, second_clerk=second_clerk, reason=reason))

    resent = transmit.send(city, sender, None, resend=sent[second_unit].id).deliveries[0]
    state.ok(say("demo.transmit.run.11",
                 sender=sender, id=resent.id, id2=sent[second_unit].id))
    transmit.open_delivery(city, second_clerk, resent.id)
    label = transmit.register(city, second_clerk, resent.id).as_json()["register_label"]
    state.ok(say("demo.transmit.run.12", second_clerk=second_clerk, label=label))

    for unit in receivers:
        rows = [d.as_json() for d in transmit.inbox_order(transmit.deliveries_in(city, unit))]
        state.console.print(inbox_table(rows, say("demo.transmit.run.13", name=reg.units[unit].name)))
    rows = [d.as_json() for d in transmit.sent_by(city, sender_unit)]
    state.console.print(sent_table(rows, say("demo.transmit.run.14",
                                             name=reg.units[sender_unit].name)))
    state.facts["deliveries"] = rows
    state.fact(say("demo.transmit.run.15", len_rows=len(rows)))
