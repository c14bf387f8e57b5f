"""The registry's own content rules: records parse, a key file holds the key it names, and a
unit's leader is a person of that unit."""
from __future__ import annotations

from collections.abc import Iterator

import yaml

from repo_tools.git.push import Push
from repo_tools.hook.rules.base import Refusal, refusal
from repo_tools.identity import keys
from repo_tools.messages import say
from repo_tools.registry.records import RECORD_KINDS, ROLES, Person, RecordError, Unit, load_record


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
            if not path.startswith(tuple(RECORD_KINDS)):
                yaml.safe_load(data.decode("utf-8"))
                continue
            record = load_record(path, data)  # the models the registry is read with
            if isinstance(record, Unit):
                units[path] = record
            elif isinstance(record, Person):
                people[record.id] = record
                bad = [r for r in record.roles if r not in ROLES]
                if bad:
                    yield refusal("registry-invalid", path, path=path, detail=say("hook.rules_registry_rules.records_valid.3", bad=bad))
        except RecordError as exc:  # names the field: "字段 roles 应为列表"
            yield refusal("registry-invalid", path, path=path, detail=say("hook.rules_registry_rules.records_valid.5",
                                                                          field=exc.field,
                                                                          detail=exc.detail))
        except Exception as exc:  # noqa: BLE001 - any parse failure makes the record invalid
            yield refusal("registry-invalid", path, path=path, detail=str(exc)[:200])
    for path, unit in units.items():
        leader = people.get(unit.leader) if unit.leader else None
        if unit.leader and (leader is None or leader.unit != unit.id):
            yield refusal("registry-invalid", path, path=path,
                          detail=say("hook.rules_registry_rules.records_valid.4",
                                     leader=unit.leader, id=unit.id))
