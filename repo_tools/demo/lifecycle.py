"""Chapter: units and people over their whole life (Art. 7, 9, 12, 14) and a fault handled on
paper (Art. 44-45). A unit admin sets up their own unit and is refused another's; the
education bureau is renamed; two offices merge under a new name approved by the superior; an
abolished office is deregistered with its archives handed to the archives, and its repository
refuses every push; a fault goes two hours without a fix and the paper notice is printed. At the
end every document sealed before all this, the 2013 regulation first, still verifies."""
from __future__ import annotations

from datetime import timedelta

from repo_tools import city as city_mod
from repo_tools import incident, lifecycle, timeutil
from repo_tools.demo.state import DemoState
from repo_tools.git.clone import clone
from repo_tools.messages import Refused, refusal_summary, say
from repo_tools.transmit import deliveries as transmit
from repo_tools.verify.report import document_report, verify

NEW_UNITS = [
    ("xxzx", say("demo.lifecycle.module.1"), [say("demo.lifecycle.module.2")]),
    ("dsj", say("demo.lifecycle.module.3"), [say("demo.lifecycle.module.4")]),
    ("aiwei", say("demo.lifecycle.module.5"), [say("demo.lifecycle.module.6")]),
]


def _admin_of(state: DemoState, unit: str) -> str | None:
    return next((p["id"] for p in state.sample["people"] if p["unit"] == unit and "admin" in p["roles"]), None)


def run(state: DemoState) -> None:
    city = state.city
    admin = state.facts.get("admin", "admin")
    state.chapter(say("demo.lifecycle.run.1"))
    unit_admin = _admin_of(state, "lagov")
    if unit_admin is None:
        state.console.print(say("demo.lifecycle.run.2"))
        return

    # Art. 12: the unit admin manages their own unit, and only it.
    clerk = next(p.id for p in city.registry().with_role("lagov", "clerk"))
    lifecycle.set_roles(city, unit_admin, clerk, ["clerk", "archivist"])
    state.ok(say("demo.lifecycle.run.3", unit_admin=unit_admin, clerk=clerk))
    other = next(p.id for p in city.registry().members("jyj"))
    try:
        lifecycle.set_roles(city, unit_admin, other, ["author"])
    except Refused as exc:
        state.refused(say("demo.lifecycle.run.4", unit_admin=unit_admin, other=other), exc.text())

    # Art. 9(1): a change of name.
    jyj = city.registry().unit("jyj")
    if jyj is not None and jyj.leader:
        unit = lifecycle.rename(city, admin, "jyj", say("demo.lifecycle.run.5"), timeutil.iso(timeutil.now()), approved_by=jyj.leader)
        state.ok(say("demo.lifecycle.run.6", name=unit.name, leader=jyj.leader))

    # Three offices for the rest of the story (registered by the e-gov office, Art. 6).
    for unit_id, name, codes in NEW_UNITS:
        city_mod.add_unit(city, admin, unit_id, name, codes)
    city_mod.add_user(city, admin, "aiweiadm", say("demo.lifecycle.run.7"), "aiwei", ["admin"])
    state.ok(say("demo.lifecycle.run.8") + "、".join(n for _, n, _ in NEW_UNITS) + say("demo.lifecycle.run.9"))

    # Art. 9(3): a merger under a new name needs the superior's approval.
    try:
        lifecycle.merge(
            city, admin, ["xxzx", "dsj"], "aiweiadm", new_id_="sjzx", new_name=say("demo.lifecycle.run.10"), codes=[say("demo.lifecycle.run.11")]
        )
    except Refused as exc:
        state.refused(say("demo.lifecycle.run.12"), exc.text())
    merged = lifecycle.merge(
        city, admin, ["xxzx", "dsj"], unit_admin, new_id_="sjzx", new_name=say("demo.lifecycle.run.10"), codes=[say("demo.lifecycle.run.11")]
    )
    state.ok(say("demo.lifecycle.run.13", name=merged.name, id=merged.id, unit_admin=unit_admin))

    # Art. 9(2): deregistration, archives to the archives, the repository read-only.
    work = clone(city, "aiwei", state.work_dir("aiwei-before"), "aiweiadm")
    lifecycle.deregister(city, admin, "aiwei", "archives", approved_by="aiweiadm", reason=say("demo.lifecycle.run.14"))
    state.ok(say("demo.lifecycle.run.15"))
    (work / "note.md").write_text(say("demo.lifecycle.run.16"), encoding="utf-8")
    state.git(work, "add", "-A")
    state.git(work, "commit", "-q", "--no-verify", "-m", say("demo.lifecycle.run.17"))
    proc = state.git(work, "push", "origin", "HEAD:refs/heads/draft/after", check=False)
    if proc.returncode == 0:
        raise RuntimeError(say("demo.lifecycle.run.18"))
    detail = refusal_summary(proc.stderr, "unit-deregistered", whole=True)
    state.refused(say("demo.lifecycle.run.19"), detail)

    # Art. 44-45: a fault, the one-hour response, the paper notice after two hours.
    since = timeutil.now() - timedelta(hours=2, minutes=5)
    waiting = _leave_one_waiting(state)
    fault = incident.open_incident(city, unit_admin, say("demo.lifecycle.run.20"), since=since)
    incident.respond(city, admin, fault.id, now=since + timedelta(minutes=30))
    out = state.root / "incident-notice.pdf"
    notice = incident.write_notice(city, admin, fault.id, out)
    state.ok(
        say(
            "demo.lifecycle.run.21",
            id=fault.id,
            timeutil_iso=timeutil.iso(since)[:16],
            name=out.name,
            len_units=len(notice["units"]),
            waiting=notice["waiting"],
            value="：" + waiting if waiting else "",
        )
    )
    incident.resolve(city, admin, fault.id)
    state.ok(say("demo.lifecycle.run.22", id=fault.id))

    # History stays true (the witnesses first cosign this chapter's pushes: trusted time needs them).
    state.witness()
    sealed = state.facts.get("sealed", [])
    for item in sealed:
        report = document_report(city, item["unit"], item["path"])
        if not report["ok"]:
            raise RuntimeError(say("demo.lifecycle.run.23", number=item["number"], problems=report["problems"]))
    regulation = next((s for s in sealed if s["unit"] == "lagov"), None)
    if regulation:
        state.ok(say("demo.lifecycle.run.24", len_sealed=len(sealed), number=regulation["number"]))
    registry = verify(city, "lagov")
    if not registry["ok"]:
        raise RuntimeError(say("demo.lifecycle.run.25"))
    state.fact(say("demo.lifecycle.run.26"))


def _leave_one_waiting(state: DemoState) -> str:
    """Send one sealed document to a unit that leaves it unopened, so the notice has a copy."""
    city = state.city
    for item in state.facts.get("sealed", []):
        reg = city.registry()
        sender = next((p.id for p in reg.with_role(item["unit"], "clerk")), None) or next(
            (p.id for p in reg.with_role(item["unit"], "seal-custodian")), None
        )
        for unit_id in ("jaq", "czj", "jyj", "lagov"):
            if unit_id == item["unit"] or sender is None or not reg.with_role(unit_id, "clerk"):
                continue
            try:
                transmit.send(city, sender, item["path"], to=[unit_id])
                return f"{item['number']} → {reg.units[unit_id].name}"
            except Refused:
                continue
    return ""
