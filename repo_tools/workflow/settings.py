"""A unit's 发文 workflow settings (Art. 12), kept in its registry record (`units/<id>.yaml`):

    required_approvals   how many 核稿 (reviewers' `approve`) a document needs (existing setting)
    leader               the unit's leader: always may 签发
    signers              deputies who may 签发 every 文种
    signers_for          {文种: [people]}: for these 文种, these people (and the leader) instead
    check_required       whether a 复核 (`check`) must follow the 签发 before the seal

The defaults match a small bureau: the leader alone signs off, no 复核 required.
"""
from __future__ import annotations

import copy
from collections.abc import Iterable

from repo_tools.city import AUTHORITY, City
from repo_tools.messages import Refused, say
from repo_tools.registry.records import Person, Registry, Unit, dump


def allowed_signers(unit: Unit, doc_types: Iterable[str]) -> list[str]:
    """Who may 签发 a request whose documents are of these 文种 (the leader always may).

    A person must be allowed for every 文种 the request carries."""
    types = list(doc_types) or [""]
    allowed: set[str] | None = None
    for kind in types:
        named = unit.signers_for.get(kind, unit.signers) if kind else unit.signers
        people = set(named) | ({unit.leader} if unit.leader else set())
        allowed = people if allowed is None else allowed & people
    return sorted(allowed or set())


def named_signers(unit: Unit) -> set[str]:
    named = set(unit.signers) if isinstance(unit.signers, list) else set()
    if isinstance(unit.signers_for, dict):
        for who in unit.signers_for.values():
            named |= set(who) if isinstance(who, list) else set()
    return {str(u) for u in named}


def settings_problems(unit: Unit, people: dict[str, Person], before: Unit | None = None) -> list[str]:
    """What is wrong with a unit record's workflow settings (empty when they are sound). With the
    record `before` the change, only newly named signers must be active people of the unit: a
    signer who left later stays in the record harmlessly (a 签发 checks the person at its time)."""
    from repo_tools.documents.model import TYPES
    found: list[str] = []
    if not isinstance(unit.required_approvals, int) or isinstance(unit.required_approvals, bool) \
            or not 0 <= unit.required_approvals <= 9:
        found.append(say("workflow.settings.settings_problems.1",
                         required_approvals=unit.required_approvals))
    if not isinstance(unit.check_required, bool):
        found.append(say("workflow.settings.settings_problems.2",
                         check_required=unit.check_required))
    if not isinstance(unit.signers, list) or not isinstance(unit.signers_for, dict):
        found.append(say("workflow.settings.settings_problems.3"))
        return found
    named: list[str] = list(unit.signers)
    for kind, who in unit.signers_for.items():
        if kind not in TYPES:
            found.append(say("workflow.settings.settings_problems.4",
                             kind=kind, value_join='、'.join(TYPES)))
        if not isinstance(who, list):
            found.append(say("workflow.settings.settings_problems.5", kind=kind))
            continue
        named += who
    kept = named_signers(before) if before is not None else set()
    for user in dict.fromkeys(named):
        if str(user) in kept:
            continue
        person = people.get(str(user))
        if person is None or person.unit != unit.id:
            found.append(say("workflow.settings.settings_problems.6", user=user, id=unit.id))
        elif person.status != "active":
            found.append(say("workflow.settings.settings_problems.7",
                             user=user, name=person.name, status=person.status))
    return found


def set_workflow(city: City, actor: str, unit_id: str, approvals: int | None = None,
                 signers: list[str] | None = None, signers_for: dict[str, list[str]] | None = None,
                 check: bool | None = None) -> Unit:
    """Change a unit's workflow settings by a signed registry commit (the registry hook judges
    who may write and whether the settings are sound; this only refuses early and clearly)."""
    reg = city.registry()
    unit = reg.unit(unit_id)
    if unit is None:
        raise Refused("not-found", what=say("workflow.settings.set_workflow.1"), name=unit_id, remedy=say("workflow.settings.set_workflow.2"))
    if actor != AUTHORITY and not reg.is_egov_admin(actor) and actor not in unit.admins:
        raise Refused("workflow-settings-writer", user=actor, unit=unit.name)
    before = copy.deepcopy(unit)
    if approvals is not None:
        unit.required_approvals = approvals
    if signers is not None:
        unit.signers = list(dict.fromkeys(signers))
    if signers_for is not None:
        unit.signers_for = {k: list(dict.fromkeys(v)) for k, v in signers_for.items() if v}
    if check is not None:
        unit.check_required = check
    problems = settings_problems(unit, reg.people, before)
    if problems:
        raise Refused("workflow-settings-invalid", unit=unit.name, detail="；".join(problems))
    city.change_registry(
        actor,
        {f"units/{unit_id}.yaml": dump(unit)},
        say(
            "workflow.settings.set_workflow.3",
            unit_id=unit_id,
            name=unit.name,
            required_approvals=unit.required_approvals,
            describe_signers_unit=describe_signers(unit, reg),
            value=say("workflow.settings.set_workflow.4") if unit.check_required else say("workflow.settings.set_workflow.5"),
        ),
    )
    return unit


def describe_signers(unit: Unit, reg: Registry) -> str:
    """签发人 of a unit in words: the leader, the deputies, the per-文种 ones."""

    def name(user: str) -> str:
        person = reg.person(user)
        return f"{person.name}（{user}）" if person else user

    parts = [
        say("workflow.settings.describe_signers.1", name_leader=name(unit.leader)) if unit.leader else say("workflow.settings.describe_signers.2")
    ]
    if unit.signers:
        parts.append(say("workflow.settings.describe_signers.3") + "、".join(name(u) for u in unit.signers))
    for kind, who in unit.signers_for.items():
        parts.append(f"{kind}：" + "、".join(name(u) for u in who))
    return "；".join(parts)


__all__ = ["allowed_signers", "settings_problems", "set_workflow", "describe_signers"]
