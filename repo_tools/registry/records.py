"""The registry (Art. 5-7, 12, 17-26): units, people, roles, keys and seals, kept as YAML files
in the e-government office's own Git repository, so every change is a signed, logged commit.

Layout of `registry.git` (branch `main`):
    units/<unit>.yaml      a unit: name, agency codes (机关代字), level, leader, admins, settings
    people/<user>.yaml     a person: name, unit, roles, status, keys with validity windows
    seals/<unit>.yaml      the unit's electronic seals (电子印章) over time
    keys/<fingerprint>.asc every public key ever registered
"""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

import yaml

from repo_tools import timeutil
from repo_tools.git.repo import ObjectReader, clean_env, list_tree, rev_parse
from repo_tools.messages import say
from repo_tools.registry.vocabulary import ROLE_NAMES as ROLE_NAMES
from repo_tools.registry.vocabulary import STATUS_NAMES as STATUS_NAMES

ROLES = ("author", "reviewer", "seal-custodian", "clerk", "archivist", "admin")
EGOV = "egov"


@dataclass
class KeyRecord:
    """One key of a person or a seal, with the window in which it may sign."""
    fingerprint: str
    valid_from: str
    revoked_at: str | None = None
    reason: str | None = None
    compromised_since: str | None = None
    approved_by: list[str] = field(default_factory=list)

    def valid_at(self, moment: datetime) -> bool:
        """True when a signature made (by trusted time) at `moment` counts."""
        start = timeutil.parse(self.valid_from)
        if start is None or moment < start:
            return False
        compromised = timeutil.parse(self.compromised_since)
        if compromised is not None and moment >= compromised:
            return False
        revoked = timeutil.parse(self.revoked_at)
        return revoked is None or moment < revoked


@dataclass
class Person:
    id: str
    name: str
    unit: str
    roles: list[str]
    status: Literal["active", "disabled", "removed"] = "active"
    keys: list[KeyRecord] = field(default_factory=list)
    email: str = ""
    # Membership over time (Art. 9, 12): each change of unit, roles or status, with its date.
    history: list[dict[str, Any]] = field(default_factory=list)
    removed_at: str | None = None

    def current_key(self) -> KeyRecord | None:
        live = [k for k in self.keys if k.revoked_at is None]
        return live[-1] if live else None

    def has_role(self, role: str) -> bool:
        return role in self.roles


@dataclass
class Seal:
    """An electronic seal (电子印章) of a unit: its key and who keeps it (Art. 17-23)."""
    id: str
    unit: str
    key: KeyRecord
    custodian: str | None = None
    status: Literal["active", "revoked", "destroyed"] = "active"
    destroyed_at: str | None = None
    destruction_witnesses: list[str] = field(default_factory=list)


@dataclass
class Unit:
    id: str
    name: str
    codes: list[str]
    level: str = "department"
    leader: str | None = None
    admins: list[str] = field(default_factory=list)
    required_approvals: int = 1
    status: Literal["active", "deregistered"] = "active"
    created_at: str = ""
    fonds: str = ""  # 全宗号 for archives
    # Numbers already used on paper before the unit joined the system, per "<code>〔<year>〕":
    # the next number allocated for that code and year is one more (e.g. {"六政办秘〔2013〕": 26}).
    number_floors: dict[str, int] = field(default_factory=dict)
    # 发文 workflow (Art. 12, repo_tools/workflow/settings.py): who may 签发 besides the leader
    # (for every 文种, or per 文种 where named), and whether a 复核 must precede the seal.
    signers: list[str] = field(default_factory=list)
    signers_for: dict[str, list[str]] = field(default_factory=dict)
    check_required: bool = False
    # Art. 9: the names the unit carried, each {"name", "from"} (a date), oldest first; the
    # unit's life ends with deregistration, its archives handed to a unit or to the archives.
    names: list[dict[str, str]] = field(default_factory=list)
    superior: str | None = None
    merged_from: list[str] = field(default_factory=list)
    merged_into: str | None = None
    deregistered_at: str | None = None
    archives_to: str | None = None

    def name_on(self, moment: datetime | str | None) -> str:
        """The unit's name in force at `moment` (its current name when no rename is recorded)."""
        when = timeutil.parse(moment) if moment is not None else None
        if when is None or not self.names:
            return self.name
        chosen = self.names[0]["name"]
        for entry in self.names:
            start = timeutil.parse(str(entry.get("from")))
            if start is not None and start <= when:
                chosen = entry["name"]
        return chosen


@dataclass(frozen=True)
class KeyHolder:
    """Who a key belongs to in the registry: a person or a unit seal."""
    kind: Literal["person", "seal"]
    id: str            # person id or seal id
    unit: str
    key: KeyRecord
    name: str


def _load_yaml(data: bytes) -> dict[str, Any]:
    value = yaml.safe_load(data.decode("utf-8")) or {}
    if not isinstance(value, dict):
        raise ValueError(say("registry.records._load_yaml.1"))
    return value


def person_from_dict(data: dict[str, Any]) -> Person:
    keys = [KeyRecord(**k) for k in data.get("keys", [])]
    return Person(id=data["id"], name=data["name"], unit=data["unit"], roles=list(data.get("roles", [])),
                  status=data.get("status", "active"), keys=keys, email=data.get("email", ""),
                  history=list(data.get("history", [])), removed_at=data.get("removed_at"))


def seal_from_dict(data: dict[str, Any]) -> Seal:
    return Seal(id=data["id"], unit=data["unit"], key=KeyRecord(**data["key"]),
                custodian=data.get("custodian"), status=data.get("status", "active"),
                destroyed_at=data.get("destroyed_at"),
                destruction_witnesses=list(data.get("destruction_witnesses", [])))


def unit_from_dict(data: dict[str, Any]) -> Unit:
    known = {f for f in Unit.__dataclass_fields__}
    return Unit(**{k: v for k, v in data.items() if k in known})


def dump(obj: Any) -> bytes:
    """Stable YAML for a registry record (readable Chinese, keys in declaration order)."""
    data = asdict(obj) if not isinstance(obj, (dict, list)) else obj
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False).encode("utf-8")


def dump_seals(seals: list[Seal]) -> bytes:
    return yaml.safe_dump({"seals": [asdict(s) for s in seals]}, allow_unicode=True,
                          sort_keys=False).encode("utf-8")


@dataclass
class Registry:
    """A read-only view of the registry at one commit."""
    commit: str | None
    units: dict[str, Unit] = field(default_factory=dict)
    people: dict[str, Person] = field(default_factory=dict)
    seals: dict[str, list[Seal]] = field(default_factory=dict)
    key_files: dict[str, str] = field(default_factory=dict)  # fingerprint -> blob id

    @classmethod
    def load(cls, repo: str | Path, rev: str = "refs/heads/main") -> Registry:
        env = clean_env()
        commit = rev_parse(repo, rev, env=env)
        reg = cls(commit)
        if commit is None:
            return reg
        files = list_tree(repo, commit, env=env)
        with ObjectReader(repo, env=env) as reader:
            for path, blob in files.items():
                if path.startswith("keys/") and path.endswith(".asc"):
                    reg.key_files[path[5:-4]] = blob
                    continue
                if not path.endswith(".yaml") or path.startswith("requests/"):
                    continue  # applications are read by the registry rule, not by every load
                data = reader.blob(blob)
                if data is None:
                    continue
                record = _load_yaml(data)
                if path.startswith("units/"):
                    unit = unit_from_dict(record)
                    reg.units[unit.id] = unit
                elif path.startswith("people/"):
                    person = person_from_dict(record)
                    reg.people[person.id] = person
                elif path.startswith("seals/"):
                    seals = [seal_from_dict(s) for s in record.get("seals", [])]
                    if seals:
                        reg.seals[seals[0].unit] = seals
        return reg

    # Queries -----------------------------------------------------------------------------
    def unit(self, unit_id: str) -> Unit | None:
        return self.units.get(unit_id)

    def person(self, person_id: str) -> Person | None:
        return self.people.get(person_id)

    def members(self, unit_id: str) -> list[Person]:
        return [p for p in self.people.values() if p.unit == unit_id]

    def with_role(self, unit_id: str, role: str) -> list[Person]:
        return [p for p in self.members(unit_id) if role in p.roles and p.status == "active"]

    def is_egov_admin(self, person_id: str) -> bool:
        person = self.people.get(person_id)
        return bool(person and person.unit == EGOV and person.status == "active"
                    and "admin" in person.roles)

    def is_unit_admin(self, person_id: str, unit_id: str | None = None) -> bool:
        """An active admin of a unit (of `unit_id` when given): Art. 7, 12."""
        person = self.people.get(person_id)
        return bool(person and person.status == "active" and "admin" in person.roles
                    and (unit_id is None or person.unit == unit_id)
                    and self.units.get(person.unit) is not None
                    and self.units[person.unit].status == "active")

    def active_seal(self, unit_id: str) -> Seal | None:
        live = [s for s in self.seals.get(unit_id, []) if s.status == "active"]
        return live[-1] if live else None

    def unit_by_name(self, name: str) -> Unit | None:
        for unit in self.units.values():
            if unit.name == name and unit.status == "active":
                return unit
        return None

    def holders(self) -> Iterator[KeyHolder]:
        for person in self.people.values():
            for key in person.keys:
                yield KeyHolder("person", person.id, person.unit, key, person.name)
        for unit_id, seals in self.seals.items():
            for seal in seals:
                name = self.units[unit_id].name if unit_id in self.units else unit_id
                yield KeyHolder("seal", seal.id, unit_id, seal.key, say("registry.records.holders.1", name=name))

    def key_holder(self, fingerprint: str) -> KeyHolder | None:
        """Who the registry says a key belongs to (whatever its validity)."""
        fingerprint = fingerprint.upper()
        for holder in self.holders():
            if holder.key.fingerprint.upper() == fingerprint:
                return holder
        return None

    def seal(self, seal_id: str) -> Seal | None:
        for seals in self.seals.values():
            for seal in seals:
                if seal.id == seal_id:
                    return seal
        return None
