"""Registering the log key and the units' witnesses in the registry (e-government office)."""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import yaml

from repo_tools.log import note, policy, store, witness
from repo_tools.messages import Refused, say

if TYPE_CHECKING:
    from repo_tools.city import City


def log_key_files(city_root: Path, city_id: str, quorum: int = policy.DEFAULT_QUORUM) -> dict[str, bytes]:
    """Make the log key (private part in CITY/server/log-key) and return the registry files
    that publish it with the city's witness quorum."""
    verifier = store.create_log_key(city_root, f"oa.{city_id}/log")
    return {policy.LOG_KEY: (verifier.text() + "\n").encode(),
            policy.SETTINGS: yaml.safe_dump({"witness_quorum": quorum}).encode()}


def add_witness(city: City, actor: str, unit: str, holder: str, state_dir: Path | None = None,
                key: str | None = None) -> note.Verifier:
    """Register `unit`'s witness key. With `key` (a verifier key the admin made on their own
    machine) only the public part is registered; without it, the key is made in the admin's
    own directory (demo and tests), never under CITY/server."""
    reg = city.registry()
    if actor != "authority" and not reg.is_egov_admin(actor):
        raise Refused("registry-writer", user=actor)
    if reg.unit(unit) is None:
        raise Refused("not-found", what=say("log.enrol.add_witness.1"), name=unit, remedy=say("log.enrol.add_witness.2"))
    person = reg.person(holder)
    if person is None or person.unit != unit or "admin" not in person.roles:
        raise Refused("witness-holder", user=holder, unit=unit)
    keys = policy.load(city.registry_repo)
    if keys.log_key is None:
        raise Refused("witness-unregistered", unit=unit)
    if key is not None:
        try:
            verifier = note.Verifier.parse(key)
        except note.NoteError as exc:
            raise Refused("usage", detail=say("log.enrol.add_witness.3", exc=exc),
                          remedy=say("log.enrol.add_witness.4")) from None
        if verifier.alg != note.ALG_COSIGNATURE_V1:
            raise Refused("usage", detail=say("log.enrol.add_witness.5"), remedy=say("log.enrol.add_witness.6"))
    else:
        verifier = witness.create_key(state_dir or witness.default_state_dir(city.root, holder),
                                      keys.log_key.name, unit)
    city.change_registry(actor, {f"{policy.WITNESSES}{unit}.pub": (verifier.text() + "\n").encode()},
                         say("log.enrol.add_witness.7", unit=unit, holder=holder))
    return verifier
