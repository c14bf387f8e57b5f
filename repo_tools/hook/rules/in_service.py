"""A deregistered unit's repository takes no push at all (Art. 9(2)): checked first, on every
push to a unit, so it lives alone and costs one registry lookup."""
from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from repo_tools.hook.rules.base import Refusal, refusal

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
        where = "；档案已移交档案馆"
    elif holder:
        other = push.registry.unit(holder)
        where = f"；档案已移交“{other.name if other else holder}”"
    yield refusal("unit-deregistered", "推送", unit=unit.name, at=unit.deregistered_at or "", handover=where)


__all__ = ["unit_in_service"]
