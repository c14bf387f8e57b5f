"""What the service does to the city's files after an accepted registry push, so that a person
acting from a clone (who reaches no file of the city) loses nothing (Art. 9):

- a unit the push registered gets its bare repository with the hooks (and, in a served city,
  gitolite's own hooks); its first signed commit is then pushed by the e-gov admin who added it,
  through the unit's hook like every other push (`access` lets e-gov admins write a unit
  repository only while it has no `main`);
- a unit the push deregistered or merged away is handed over to the unit holding its archives:
  a bundle of its whole history in `CITY/handover/`, logged with its SHA-256.

Both are idempotent: a retry after any interruption redoes only what is missing.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from repo_tools.city import City
from repo_tools.registry.records import Registry
from repo_tools.server.layout import RESERVED, ServiceLayout


@dataclass
class Provisioned:
    created: list[str] = field(default_factory=list)
    handed_over: list[str] = field(default_factory=list)


def after_registry_push(city: City, registry: Registry) -> Provisioned:
    done = Provisioned()
    for unit in sorted(registry.units.values(), key=lambda u: u.id):
        if unit.id in RESERVED:
            continue
        repo = city.unit_repo(unit.id)
        if unit.status == "active" and not (repo / "config").is_file():
            city.open_unit_repo(unit.id)
            done.created.append(unit.id)
        elif unit.status != "active" and repo.is_dir() and not (city.root / "handover" / f"{unit.id}.bundle").exists():
            from repo_tools.lifecycle.units import ARCHIVES, hand_over
            hand_over(city, unit.id, unit.archives_to or unit.merged_into or ARCHIVES)
            done.handed_over.append(unit.id)
    if done.created and ServiceLayout(city.root).is_served():
        link_gitolite_hooks(city)
    return done


def link_gitolite_hooks(city: City) -> None:
    """gitolite links its `update` hook and our common hooks into the new repositories (the
    access refresh that follows has linked them into gitolite's repositories first)."""
    from repo_tools.server import access
    layout = ServiceLayout(city.root)
    account = str(layout.settings()["account"])
    access.refresh(city.root)
    access.run_as(account, ["gitolite", "setup", "--hooks-only"], layout)
