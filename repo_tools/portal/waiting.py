"""The reader's waiting work on the portal's home (Art. 16: handle items promptly), read through
the library that the command line uses (review.py, transmit.py), never from the site files:
- merge requests of the reader's unit they may review: open, not their own, not yet approved by
  them on the current version (reviewers only);
- deliveries to the reader's unit not yet opened or registered, overdue first, then by urgency
  and age (clerks only);
- documents waiting for the seal: requests with all the approvals they need, not merged (the
  unit's seal custodian).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from repo_tools import timeutil
from repo_tools.city import City
from repo_tools.documents.vocabulary import EXTRA_URGENT, URGENT
from repo_tools.messages import say
from repo_tools.review import requests as review
from repo_tools.transmit import deliveries as transmit

URGENCY_RANK = {EXTRA_URGENT: 0, URGENT: 1}


@dataclass
class Waiting:
    reviews: list[dict[str, Any]] = field(default_factory=list)
    deliveries: list[dict[str, Any]] = field(default_factory=list)
    seals: list[dict[str, Any]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.reviews) + len(self.deliveries) + len(self.seals)


def delivery_order(row: dict[str, Any]) -> tuple[bool, int, str]:
    """Overdue ones first, then 特急 before 加急 before the rest, then the longest waiting."""
    return (not row["overdue"], URGENCY_RANK.get(row.get("urgency") or "", 2), row.get("sent_at") or "")


def _age(since: str | None) -> str:
    return review.waiting_time(since, timeutil.now()) if since else ""  # the same wording as `oa review list`


def waiting_work(city: City, registry: Any, user: str) -> Waiting:
    person = registry.person(user)
    found = Waiting()
    if person is None:
        return found
    unit = registry.unit(person.unit)
    roles = set(person.roles)
    is_custodian = "seal-custodian" in roles
    seal = registry.active_seal(person.unit) if is_custodian else None
    if seal is not None and seal.custodian and seal.custodian != user:
        is_custodian = False  # the unit's seal has a named custodian, and it is someone else
    if "reviewer" in roles or is_custodian:
        try:
            for row in review.requests(city, person.unit):
                if row["state"] != "open":
                    continue
                if "reviewer" in roles and row["author"] != user:
                    detail = review.show(city, person.unit, row["n"])
                    mine = [v for v in detail["verdicts"] if v["reviewer"] == user and v["current"] and v["valid"]]
                    if user not in detail["committers"] and not any(v["verdict"] == "approve" for v in mine):
                        found.reviews.append({**row, "missing": detail["missing"]})
                if is_custodian and row["approvals"] >= row["required"]:
                    found.seals.append(row)
        except Exception as exc:  # noqa: BLE001 - the home page still shows the rest
            found.problems.append(say("portal.waiting.waiting_work.1", exc=exc))
    if "clerk" in roles and unit is not None:
        try:
            now = timeutil.now()
            for delivery in transmit.deliveries_in(city, person.unit):
                if delivery.status not in ("sent", "received"):
                    continue
                row = delivery.as_json(now)
                row["status_name"] = transmit.STATUS_NAMES[row["status"]]
                row["age"] = _age(delivery.sent_at)
                found.deliveries.append(row)
            found.deliveries.sort(key=delivery_order)
        except Exception as exc:  # noqa: BLE001
            found.problems.append(say("portal.waiting.waiting_work.2", exc=exc))
    return found
