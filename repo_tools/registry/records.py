"""The registry (Art. 5-7, 12, 17-26): units, people, roles, keys and seals, kept as YAML files
in the e-government office's own Git repository, so every change is a signed, logged commit.

Layout of `registry.git` (branch `main`):
    units/<unit>.yaml      a unit: name, agency codes (机关代字), level, leader, admins, settings
    people/<user>.yaml     a person: name, unit, roles, status, keys with validity windows
    seals/<unit>.yaml      the unit's electronic seals (电子印章) over time
    keys/<fingerprint>.asc every public key ever registered
"""
from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import yaml

from repo_tools import timeutil
from repo_tools.git.atomic import write_atomic
from repo_tools.git.repo import ObjectReader, clean_env, list_tree, rev_parse
from repo_tools.messages import Refused, say
from repo_tools.registry.vocabulary import ROLE_NAMES as ROLE_NAMES
from repo_tools.registry.vocabulary import STATUS_NAMES as STATUS_NAMES

if TYPE_CHECKING:
    from pydantic import ValidationError

ROLES = ("author", "reviewer", "seal-custodian", "clerk", "archivist", "admin")
EGOV = "egov"


# Registry records are dataclasses validated by pydantic where they are read (`load_record`,
# `Registry.load`): a malformed file is refused naming the file and the field (`RecordError`).
# pydantic validates them through a TypeAdapter made on first use, and a registry commit once
# validated is kept (`Registry.load`'s cache), so the hook, which reads the registry on every
# push, neither imports pydantic nor parses YAML for a commit already read.
RECORD = {"extra": "forbid"}  # pydantic's ConfigDict for these dataclasses (`__pydantic_config__`)
TIME_FIELDS = ("valid_from", "revoked_at", "compromised_since", "removed_at", "destroyed_at", "created_at",
               "deregistered_at")


def _iso(value: Any) -> Any:
    """A time read from YAML as a date or datetime (unquoted) keeps its ISO text."""
    if isinstance(value, datetime):
        return timeutil.iso(value)
    if isinstance(value, date):
        return value.isoformat()
    return value


def _times_as_text(data: Any) -> Any:
    """The record with every time field as ISO text, nested key records included."""
    if isinstance(data, dict):
        return {k: _iso(v) if k in TIME_FIELDS else _times_as_text(v) for k, v in data.items()}
    if isinstance(data, list):
        return [_times_as_text(v) for v in data]
    return data


@functools.cache
def _adapter(model: Any) -> Any:
    from pydantic import TypeAdapter  # only when a record is read from YAML (see above)
    return TypeAdapter(model)


class RecordError(Refused):
    """A record file that does not parse as its model: which file, which field, what is wrong."""

    def __init__(self, what: str, path: str, error: ValidationError | str) -> None:
        field_name, detail = ("", error) if isinstance(error, str) else field_problem(error)
        self.path, self.field, self.detail = path, field_name, detail
        super().__init__("record-invalid", what=what, path=path, field=field_name or say("registry.records.__init__.1"), detail=detail)


def field_problem(exc: ValidationError) -> tuple[str, str]:  # noqa: F821 - a pydantic error
    """(dotted field, what is wrong in Chinese) of a record's first validation error."""
    error = exc.errors()[0]
    loc = ".".join(str(p) for p in error["loc"]) or "?"
    kind = error["type"]
    detail = {
        "missing": say("registry.records.field_problem.1"),
        "string_type": say("registry.records.field_problem.2"),
        "list_type": say("registry.records.field_problem.3"),
        "int_type": say("registry.records.field_problem.4"),
        "int_parsing": say("registry.records.field_problem.4"),
        "dict_type": say("registry.records.field_problem.5"),
        "bool_type": say("registry.records.field_problem.6"),
        "bool_parsing": say("registry.records.field_problem.6"),
        "extra_forbidden": say("registry.records.field_problem.7"),
        "literal_error": say("registry.records.field_problem.8"),
        "unexpected_keyword_argument": say("registry.records.field_problem.7"),
    }.get(kind, say("registry.records.field_problem.9", msg=error["msg"]))
    return loc, detail


def validated(model: Any, data: Any, what: str, path: str) -> Any:
    """`model` from a record file's mapping, or RecordError naming the file and the field."""
    from pydantic import ValidationError

    if not isinstance(data, dict):
        raise RecordError(what, path, say("registry.records.validated.1"))
    try:
        return _adapter(model).validate_python(_times_as_text(data))
    except ValidationError as exc:
        raise RecordError(what, path, exc) from exc


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
    names: list[dict[str, Any]] = field(default_factory=list)
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


for _model in (KeyRecord, Person, Seal, Unit):
    _model.__pydantic_config__ = RECORD  # type: ignore[union-attr]

# The validated-registry files change name with the records' fields (a new field: read afresh).
_SHAPE = hashlib.sha256(repr([list(m.__dataclass_fields__) for m in (KeyRecord, Person, Seal, Unit)]).encode()).hexdigest()[:12]


def _validated_file(repo: str | Path, commit: str) -> Path:
    return Path(repo) / "oa-validated" / f"{commit}-{_SHAPE}.json"


@dataclass(frozen=True)
class KeyHolder:
    """Who a key belongs to in the registry: a person or a unit seal."""

    kind: Literal["person", "seal"]
    id: str  # person id or seal id
    unit: str
    key: KeyRecord
    name: str


def person_from_dict(data: dict[str, Any]) -> Person:
    """A person from a mapping already validated (`load_record`) or about to be (the hook's
    `records_valid` judges the same push)."""
    keys = [KeyRecord(**k) for k in data.get("keys", [])]
    return Person(
        id=data["id"],
        name=data["name"],
        unit=data["unit"],
        roles=list(data.get("roles", [])),
        status=data.get("status", "active"),
        keys=keys,
        email=data.get("email", ""),
        history=list(data.get("history", [])),
        removed_at=data.get("removed_at"),
    )


def seal_from_dict(data: dict[str, Any]) -> Seal:
    return Seal(
        id=data["id"],
        unit=data["unit"],
        key=KeyRecord(**data["key"]),
        custodian=data.get("custodian"),
        status=data.get("status", "active"),
        destroyed_at=data.get("destroyed_at"),
        destruction_witnesses=list(data.get("destruction_witnesses", [])),
    )


def unit_from_dict(data: dict[str, Any]) -> Unit:
    # Keys of older versions are ignored (a unit record outlives the code that wrote it);
    # every known key is validated.
    known = {f for f in Unit.__dataclass_fields__}
    return Unit(**{k: v for k, v in data.items() if k in known})


# What each registry folder holds, for RecordError's messages.
RECORD_KINDS = {"units/": say("registry.records.module.1"), "people/": say("registry.records.module.2"), "seals/": say("registry.records.module.3")}


def load_record(path: str, data: bytes) -> Unit | Person | list[Seal]:
    """One registry file (units/, people/, seals/) as its model; RecordError names the file
    and the field when it is malformed."""
    what = next((name for prefix, name in RECORD_KINDS.items() if path.startswith(prefix)), say("registry.records.load_record.1"))
    try:
        value = yaml.safe_load(data.decode("utf-8")) or {}
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise RecordError(what, path, say("registry.records.load_record.2", value=str(exc)[:80])) from exc
    if not isinstance(value, dict):
        raise RecordError(what, path, say("registry.records.load_record.3"))
    if path.startswith("units/"):
        known = set(Unit.__dataclass_fields__)
        return validated(Unit, {k: v for k, v in value.items() if k in known}, what, path)
    if path.startswith("people/"):
        return validated(Person, value, what, path)
    seals = value.get("seals", [])
    if not isinstance(seals, list):
        raise RecordError(what, path, say("registry.records.load_record.4"))
    return [validated(Seal, s, what, say("registry.records.load_record.5", path=path, i=i)) for i, s in enumerate(seals, start=1)]


def dump(obj: Any) -> bytes:
    """Stable YAML for a registry record (readable Chinese, keys in declaration order)."""
    data = asdict(obj) if not isinstance(obj, (dict, list)) else obj
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False).encode("utf-8")


def dump_seals(seals: list[Seal]) -> bytes:
    return yaml.safe_dump({"seals": [asdict(s) for s in seals]}, allow_unicode=True, sort_keys=False).encode("utf-8")


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
        """The registry at `rev`, every record validated; a commit once validated is read back
        from `<repo>/oa-validated/` (commits never change), without YAML or pydantic."""
        env = clean_env()
        commit = rev_parse(repo, rev, env=env)
        reg = cls(commit)
        if commit is None:
            return reg
        kept = _validated_file(repo, commit)
        try:
            return cls.from_validated(commit, json.loads(kept.read_text(encoding="utf-8")))
        except (OSError, ValueError, KeyError, TypeError):
            pass
        reg = cls._read(repo, commit)
        try:
            write_atomic(kept, json.dumps(reg.validated(), ensure_ascii=False).encode("utf-8"))
        except OSError:
            pass  # a reader without write access to the repository: it validates every time
        return reg

    def validated(self) -> dict[str, Any]:
        return {
            "units": [asdict(u) for u in self.units.values()],
            "people": [asdict(p) for p in self.people.values()],
            "seals": {u: [asdict(s) for s in seals] for u, seals in self.seals.items()},
            "key_files": self.key_files,
        }

    @classmethod
    def from_validated(cls, commit: str, data: dict[str, Any]) -> Registry:
        reg = cls(commit, key_files=dict(data["key_files"]))
        for unit in data["units"]:
            reg.units[unit["id"]] = Unit(**unit)
        for person in data["people"]:
            reg.people[person["id"]] = person_from_dict(person)
        for unit_id, seals in data["seals"].items():
            reg.seals[unit_id] = [seal_from_dict(s) for s in seals]
        return reg

    @classmethod
    def _read(cls, repo: str | Path, commit: str) -> Registry:
        env = clean_env()
        reg = cls(commit)
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
                if not path.startswith(tuple(RECORD_KINDS)):
                    continue
                loaded = load_record(path, data)
                if isinstance(loaded, Unit):
                    reg.units[loaded.id] = loaded
                elif isinstance(loaded, Person):
                    reg.people[loaded.id] = loaded
                elif loaded:
                    reg.seals[loaded[0].unit] = loaded
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
        return bool(person and person.unit == EGOV and person.status == "active" and "admin" in person.roles)

    def is_unit_admin(self, person_id: str, unit_id: str | None = None) -> bool:
        """An active admin of a unit (of `unit_id` when given): Art. 7, 12."""
        person = self.people.get(person_id)
        return bool(
            person
            and person.status == "active"
            and "admin" in person.roles
            and (unit_id is None or person.unit == unit_id)
            and self.units.get(person.unit) is not None
            and self.units[person.unit].status == "active"
        )

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
        """Who the registry says a key belongs to (whatever its validity).

        Asked once per signature a report shows: an index by fingerprint (made on first use)
        answers, and each answer is checked against the records as they are now, so a record
        changed since falls back to the full scan (a city registry holds hundreds of keys)."""
        fingerprint = fingerprint.upper()
        index: dict[str, tuple[str, str, str]] | None = self.__dict__.get("_holder_index")
        if index is None:
            index = {}
            for holder in self.holders():
                index.setdefault(holder.key.fingerprint.upper(), (holder.kind, holder.id, holder.unit))
            self.__dict__["_holder_index"] = index
        found = index.get(fingerprint)
        if found is not None:
            kind, ident, unit_id = found
            if kind == "person" and ident in self.people:
                person = self.people[ident]
                key = next((k for k in person.keys if k.fingerprint.upper() == fingerprint), None)
                if key is not None:
                    return KeyHolder("person", person.id, person.unit, key, person.name)
            if kind == "seal":  # (one key is never both a person's and a seal's: the registry rule)
                for seal in self.seals.get(unit_id, []):
                    if seal.id == ident and seal.key.fingerprint.upper() == fingerprint:
                        name = self.units[unit_id].name if unit_id in self.units else unit_id
                        return KeyHolder("seal", seal.id, unit_id, seal.key, say("registry.records.key_holder.1", name=name))
        for holder in self.holders():  # a seal, a key added since the index, or none
            if holder.key.fingerprint.upper() == fingerprint:
                return holder
        return None

    def seal(self, seal_id: str) -> Seal | None:
        for seals in self.seals.values():
            for seal in seals:
                if seal.id == seal_id:
                    return seal
        return None
