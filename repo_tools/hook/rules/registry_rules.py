"""The registry's own content rules: records parse, a key file holds the key it names, and a
unit's leader is a person of that unit."""
from __future__ import annotations

from collections.abc import Iterator

import yaml

from repo_tools.git.push import Push
from repo_tools.hook.rules.base import Refusal, refusal
from repo_tools.identity import keys
from repo_tools.messages import say
from repo_tools.registry.records import ROLES, Unit, person_from_dict, seal_from_dict, unit_from_dict


def records_valid(push: Push) -> Iterator[Refusal]:
    people = dict(push.registry.people)  # as they will be after this push (it may add the leader)
    units: dict[str, Unit] = {}             # unit records of this push, checked once all are read
    for changed in push.changed_files:
        if changed.blob is None:
            continue
        data = push.blob(changed.blob)
        path = changed.path
        try:
            if path.startswith("keys/"):
                if keys.fingerprints_in(data.decode()) != [path[5:-4].upper()]:
                    yield refusal("registry-invalid", path, path=path, detail=say("hook.rules_registry_rules.records_valid.1"))
                continue
            if path.startswith("requests/") and path.endswith(".asc"):
                if not data.startswith(b"-----BEGIN PGP SIGNATURE-----"):
                    yield refusal("registry-invalid", path, path=path, detail=say("hook.rules_registry_rules.records_valid.2"))
                continue
            record = yaml.safe_load(data.decode("utf-8"))
            if path.startswith("units/"):
                units[path] = unit_from_dict(record)
            elif path.startswith("people/"):
                person = person_from_dict(record)
                people[person.id] = person
                bad = [r for r in person.roles if r not in ROLES]
                if bad:
                    yield refusal("registry-invalid", path, path=path, detail=say("hook.rules_registry_rules.records_valid.3", bad=bad))
            elif path.startswith("seals/"):
                for seal in record.get("seals", []):
                    seal_from_dict(seal)
        except Exception as exc:  # noqa: BLE001 - any parse failure makes the record invalid
            yield refusal("registry-invalid", path, path=path, detail=str(exc)[:200])
    for path, unit in units.items():
        leader = people.get(unit.leader) if unit.leader else None
        if unit.leader and (leader is None or leader.unit != unit.id):
            yield refusal("registry-invalid", path, path=path,
                          detail=say("hook.rules_registry_rules.records_valid.4",
                                     leader=unit.leader, id=unit.id))
