"""保管期限表 (retention schedule, Art. 35): how long each kind of record is kept, per unit.

A unit keeps its schedule in its own repository at `archive/retention.yaml` (changed through
review like any other file on `main`); without one the defaults below apply. Front matter
cannot carry a retention (unknown keys are refused), so per-document overrides live here too:

    organization: BGS          # 机构代码 in the 档号 (optional)
    default: D30               # any type not listed
    bulletin: D10              # 信息
    types: {函: D10, 决定: Y}   # per 文种, merged over the defaults
    rules_titles: [办法, 规定]  # a 通知 or 意见 whose title issues rules ...
    rules_retention: Y         # ... is kept this long (规范性文件)
    overrides: {documents/2013/oa-measures: Y}   # per source folder
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import yaml

from repo_tools.archive.vocabulary import DEFAULT_RULES_TITLES, DEFAULT_TYPES, RETENTION_NAMES, RULES_TYPES
from repo_tools.messages import Refused, say

SCHEDULE_PATH = "archive/retention.yaml"



@dataclass
class RetentionSchedule:
    """A unit's retention schedule with the defaults filled in."""
    organization: str = ""
    default: str = "D30"
    bulletin: str = "D10"
    types: dict[str, str] = field(default_factory=lambda: dict(DEFAULT_TYPES))
    rules_titles: list[str] = field(default_factory=lambda: list(DEFAULT_RULES_TITLES))
    rules_retention: str = "Y"
    overrides: dict[str, str] = field(default_factory=dict)

    def retention_for(self, source: str, kind: str, doc_type: str, title: str) -> tuple[str, str]:
        """(retention code, why) for one record."""
        source = source.rstrip("/")
        if source in self.overrides:
            return self.overrides[source], say("archive.retention.retention_for.1", schedule_path=SCHEDULE_PATH)
        if kind == "bulletin":
            return self.bulletin, say("archive.retention.retention_for.2")
        if doc_type in RULES_TYPES and any(word in title for word in self.rules_titles):
            return self.rules_retention, say("archive.retention.retention_for.5", doc_type=doc_type)
        if doc_type in self.types:
            return self.types[doc_type], say("archive.retention.retention_for.6", doc_type=doc_type)
        return self.default, say("archive.retention.retention_for.7")


def parse(data: bytes | None, path: str = SCHEDULE_PATH) -> RetentionSchedule:
    """The schedule from the file's bytes (None: the defaults); refuses invalid codes."""
    schedule = RetentionSchedule()
    if data is None:
        return schedule
    try:
        raw: Any = yaml.safe_load(data.decode("utf-8")) or {}
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise Refused("archive-schedule-invalid", path=path, detail=str(exc)[:200]) from exc
    if not isinstance(raw, dict):
        raise Refused("archive-schedule-invalid", path=path, detail=say("archive.retention.parse.1"))
    known = set(RetentionSchedule.__dataclass_fields__)
    unknown = sorted(set(raw) - known)
    if unknown:
        raise Refused("archive-schedule-invalid", path=path,
                      detail=say("archive.retention.parse.2",
                                 value_join='、'.join(unknown), value_join2='、'.join(sorted(known))))

    def code(value: object, where: str) -> str:
        if str(value) not in RETENTION_NAMES:
            raise Refused("archive-schedule-invalid", path=path, detail=say("archive.retention.code.1",
                                                                            where=where, value=value))
        return str(value)

    schedule.organization = str(raw.get("organization") or "")
    schedule.default = code(raw.get("default", schedule.default), "default")
    schedule.bulletin = code(raw.get("bulletin", schedule.bulletin), "bulletin")
    schedule.rules_retention = code(raw.get("rules_retention", schedule.rules_retention), "rules_retention")
    for key, value in (raw.get("types") or {}).items():
        schedule.types[str(key)] = code(value, f"types.{key}")
    if "rules_titles" in raw:
        schedule.rules_titles = [str(w) for w in raw.get("rules_titles") or []]
    for key, value in (raw.get("overrides") or {}).items():
        schedule.overrides[str(key).rstrip("/")] = code(value, f"overrides.{key}")
    return schedule
