"""A deregistered unit's repository takes no push at all (Art. 9(2)): checked first, on every
push to a unit, so it lives alone and costs one registry lookup."""
from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from repo_tools.hook.rules.base import Refusal, refusal
from repo_tools.messages import say

if TYPE_CHECKING:
    from repo_tools.git.push import Push


def unit_in_service(push: Push) -> Iterator[Refusal]:
    """A deregistered unit's repository is read-only: every push is refused (Art. 9(2))."""
    unit = push.registry.unit(push.unit or "")
    if unit is None or unit.status == "active":
        return
    holder = unit.archives_to
    where = ""
    if holder == "archives":
        where = say("hook.rules_in_service.unit_in_service.1")
    elif holder:
        other = push.registry.unit(holder)
        where = say("hook.rules_in_service.unit_in_service.2", value=other.name if other else holder)
    yield refusal("unit-deregistered", say("hook.rules_in_service.unit_in_service.3"), unit=unit.name, at=unit.deregistered_at or "", handover=where)


__all__ = ["unit_in_service"]
