"""gitolite's rules from the registry (no server needed): who reads a merged or deregistered
unit's repository comes from `lifecycle.repository_readers()`, read-only."""
from __future__ import annotations

from fixtures import Workspace

from repo_tools import city as city_mod
from repo_tools import lifecycle
from repo_tools.server import access


def _rules(ws: Workspace) -> tuple[access.Access, dict[str, list[str]]]:
    reg = ws.city.registry()
    found = access.compute(reg, ws.city.root, ws.city.server_gnupg)
    units = sorted(u for u in reg.units if ws.city.unit_repo(u).is_dir())
    blocks: dict[str, list[str]] = {}
    current = ""
    for line in access.conf_text(found, units).splitlines():
        if line.startswith("repo "):
            current = line.split()[1]
            blocks[current] = []
        elif line.strip() and current:
            blocks[current].append(" ".join(line.split()))
    return found, blocks


def test_active_units_are_written_by_their_members_only(ws: Workspace) -> None:
    found, blocks = _rules(ws)
    jyj = [p.id for p in ws.city.registry().members("jyj") if p.id in found.ssh_keys]
    assert jyj and blocks["jyj"] == [f"RW+ = {' '.join(jyj)}"]
    assert not any(line.startswith("R ") for line in blocks["jyj"])


def test_a_merged_unit_is_read_only_for_the_survivors_members(ws: Workspace) -> None:
    city_mod.set_unit_leader(ws.city, "admin", "jyj", "he")
    city_mod.set_unit_leader(ws.city, "admin", "czj", "han")
    czj_people = [p.id for p in ws.city.registry().members("czj")]
    lifecycle.merge(ws.city, "admin", ["jyj", "czj"], "he", into="jyj")
    found, blocks = _rules(ws)
    reg = ws.city.registry()
    survivors = sorted(p.id for p in reg.members("jyj") if p.id in found.ssh_keys)
    assert lifecycle.repository_readers(reg, "czj") == ["jyj"]
    assert survivors and blocks["czj"] == [f"R = {' '.join(survivors)}"]  # read, never write
    assert not set(czj_people) & set(found.ssh_keys)  # the merged unit's people lost access


def test_a_unit_deregistered_to_the_archives_is_read_by_nobody_unregistered(ws: Workspace) -> None:
    city_mod.set_unit_leader(ws.city, "admin", "czj", "han")
    lifecycle.deregister(ws.city, "admin", "czj", "archives", approved_by="han")
    found, blocks = _rules(ws)
    # `archives` (档案馆) is not a registered unit of the sample city: nobody reads it over SSH;
    # the handover bundle is the archives' copy.
    assert lifecycle.repository_readers(ws.city.registry(), "czj") == ["archives"]
    assert blocks["czj"] == []
    assert "czj" not in found.unit_members
