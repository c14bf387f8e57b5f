"""调阅登记 (Art. 37): every consultation of an archived item is registered, who, what, when
and why, as a commit signed by the reader on the unit's append-only branch
`refs/heads/archive-register` (one file `archive/access/<year>/<time>-<user>.json` each) and
as an `archive-access` event in the city's log. The time that counts is the trusted time of
the push, never the reader's clock.
"""
from __future__ import annotations

import json
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from repo_tools import timeutil
from repo_tools.archive.packages import find_item
from repo_tools.archive.vocabulary import ARCHIVE_TAG, BASIS, NAME, NUMBER, PACKAGE, READ_AT_LOCAL, READER, REASON, REFERENCE, TITLE, UNIT
from repo_tools.city import City
from repo_tools.git.push import SignatureVerifier
from repo_tools.git.repo import ObjectReader, Scratch, clean_env, diff_trees, git, parse_commit, rev_parse
from repo_tools.identity.judgement import may_sign
from repo_tools.log import eventlog
from repo_tools.messages import Refused, say
from repo_tools.registry.records import RecordError

REGISTER_BRANCH = "archive-register"
REGISTER_REF = f"refs/heads/{REGISTER_BRANCH}"
ACCESS_WHAT = say("archive.access.module.1")


class AccessRecord(BaseModel):
    """One `archive/access/<year>/<time>-<user>.json`: its keys are the register's own column
    names (Chinese), as the file and `oa archive register` show them."""
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    reference: str = Field(alias="档号", min_length=1)
    title: str | None = Field(default=None, alias="题名")
    number: str | None = Field(default=None, alias="文号")
    package: str = Field(alias="档案包")
    tag: str = Field(alias="归档标签")
    reader: str = Field(alias="调阅人", min_length=1)
    name: str = Field(alias="姓名")
    unit: str = Field(alias="单位")
    reason: str = Field(alias="事由", min_length=1)
    local_time: str = Field(alias="调阅时间（本机）")
    basis: str = Field(alias="依据")


def parse_access(data: bytes | None, path: str) -> AccessRecord:
    """An access record read from the register branch; RecordError names the file and field."""
    try:
        value = json.loads((data or b"").decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise RecordError(ACCESS_WHAT, path, say("archive.access.parse_access.1", value=str(exc)[:80])) from exc
    if not isinstance(value, dict):
        raise RecordError(ACCESS_WHAT, path, say("archive.access.parse_access.2"))
    try:
        return AccessRecord.model_validate(value)
    except ValidationError as exc:
        raise RecordError(ACCESS_WHAT, path, exc) from exc


def access(city: City, reader_id: str, reference: str, reason: str) -> dict[str, Any]:
    """Register one consultation of the item `reference` (档号) by `reader_id`; return the record."""
    if not reason.strip():
        raise Refused("usage", detail=say("archive.access.access.1"), remedy=say("archive.access.access.2"))
    registry = city.registry()
    person = registry.person(reader_id)
    found = find_item(city, reference, prefer_unit=person.unit if person else None)
    if found is None:
        raise Refused("archive-item-unknown", item=reference)
    unit_id, package, row = found
    reference = str(row.get(REFERENCE))  # the register always names the 档号, however it was asked for
    unit = registry.unit(unit_id)
    if person is None or person.unit != unit_id or person.status != "active":
        raise Refused("archive-access-other-unit", user=reader_id, unit=unit.name if unit else unit_id)
    moment = timeutil.now()
    record = {REFERENCE: reference, TITLE: row.get(TITLE), NUMBER: row.get(NUMBER),
              PACKAGE: package.path, ARCHIVE_TAG: f"refs/tags/{package.tag}",
              READER: reader_id, NAME: person.name, UNIT: unit_id,
              REASON: reason.strip(), READ_AT_LOCAL: timeutil.iso(moment),
              BASIS: say("archive.access.access.3")}
    path = f"archive/access/{moment.year}/{moment.strftime('%Y%m%dT%H%M%S%f')}-{reader_id}.json"
    AccessRecord.model_validate(record)  # what is written is what the register reads back
    data = (json.dumps(record, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
    signer = city.signer(reader_id, registry)
    with Scratch(city.unit_repo(unit_id), signer, branch=REGISTER_BRANCH) as scratch:
        commit = scratch.commit({path: data}, say("archive.access.access.4",
                                                  reference=reference, name=person.name, reason_strip=reason.strip()))
        scratch.push([f"{commit}:{REGISTER_REF}"])
    city.log("archive-access", unit=unit_id, item=reference, reader=reader_id, reason=reason.strip(),
             commit=commit, path=path)
    return {**record, "commit": commit, "path": path}


def register(city: City, unit_id: str | None = None) -> list[dict[str, Any]]:
    """Every registered access (of one unit, or all), oldest first, with trusted times and
    whether the reader's signature verifies."""
    registry = city.registry()
    verifier = SignatureVerifier(city.server_gnupg, registry, city.authority_fingerprint())
    times = eventlog.trusted_times(city.log_file)
    units = [unit_id] if unit_id else sorted(registry.units)
    entries: list[dict[str, Any]] = []
    for unit in units:
        repo = city.unit_repo(unit)
        if not repo.exists() or rev_parse(repo, REGISTER_REF, env=clean_env()) is None:
            continue
        out = git("log", "--reverse", "--format=%H", REGISTER_REF, cwd=repo, env=clean_env())
        changes = diff_trees(repo, [(oid, None) for oid in out.split()], env=clean_env())  # one process
        with ObjectReader(repo, env=clean_env()) as reader:
            for oid in out.split():
                got = reader.read(oid)
                if got is None:
                    continue
                commit = parse_commit(oid, got[2])
                check = verifier.check(oid, commit.payload, commit.signature)
                for path in (c.path for c in changes.get(oid, []) if c.blob):
                    record = parse_access(reader.blob(f"{oid}:{path}"), f"{REGISTER_BRANCH}:{path}")
                    entries.append({
                        "unit": unit, "item": record.reference, "title": record.title,
                        "reader": record.reader, "name": record.name, "reason": record.reason,
                        "trusted_time": times.get(oid), "commit": oid, "path": path,
                        "signature_valid": bool(check.valid and check.holder
                                                and check.holder.id == record.reader
                                                and may_sign(registry, check.holder, unit,
                                                             timeutil.parse(times.get(oid))).counts),
                    })
    return entries
