"""The delivery record (`delivery.yaml`) and the receipt's handling records
(`handling/<n>-<action>.yaml`) as pydantic models (Art. 27-29), like front matter: read through
them, a malformed record is refused naming the file and the field (`RecordError`), never
half-understood. The dicts they give back keep the exact keys of the files (the JSON shapes of
`oa inbox list` and `oa sent` are made from them)."""
from __future__ import annotations

from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from repo_tools.messages import say
from repo_tools.registry.records import RecordError

DELIVERY_WHAT = say("transmit.records.module.1")
HANDLING_WHAT = say("transmit.records.module.2")


class DeliveryRecord(BaseModel):
    """delivery.yaml: which sealed document goes from which unit to which, sent by whom."""
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    from_: str = Field(alias="from", min_length=1)
    from_name: str | None = None
    to: str = Field(min_length=1)
    to_name: str | None = None
    number: str = Field(min_length=1)
    title: str = Field(min_length=1)  # the sealed document's 标题: a 公文 always has one
    urgency: Literal["特急", "加急"] | None = None
    type: str | None = None
    path: str = Field(min_length=1)
    sealing_commit: str = Field(min_length=1)
    document_tree: str = Field(min_length=1)
    sender: str = Field(min_length=1)
    sender_name: str | None = None
    resend_of: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return self.model_dump(by_alias=True)


class RegisterEntry(BaseModel):
    """The 收文 registration a `registered` step carries."""
    model_config = ConfigDict(extra="allow")

    year: int
    number: int
    label: str


class HandlingRecord(BaseModel):
    """handling/<n>-<action>.yaml: one signed handling step by a clerk of the receiving unit."""
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    action: Literal["received", "registered", "returned", "resend-requested"]
    delivery: str = ""
    by: str = Field(min_length=1)
    reason: str | None = None
    # `register` is the file's key (BaseModel has a `register` of its own: hence the alias)
    entry: RegisterEntry | None = Field(default=None, alias="register")


def _mapping(data: bytes | None, what: str, path: str) -> dict[str, Any]:
    try:
        value = yaml.safe_load((data or b"").decode("utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise RecordError(what, path, say("transmit.records._mapping.1", value=str(exc)[:80])) from exc
    if not isinstance(value, dict):
        raise RecordError(what, path, say("transmit.records._mapping.2"))
    return value


def parse_delivery(data: bytes | None, path: str) -> DeliveryRecord:
    """A delivery record read from a delivery commit (`path` names it in errors)."""
    try:
        return DeliveryRecord.model_validate(_mapping(data, DELIVERY_WHAT, path))
    except ValidationError as exc:
        raise RecordError(DELIVERY_WHAT, path, exc) from exc


def parse_handling(data: bytes | None, path: str) -> HandlingRecord:
    try:
        return HandlingRecord.model_validate(_mapping(data, HANDLING_WHAT, path))
    except ValidationError as exc:
        raise RecordError(HANDLING_WHAT, path, exc) from exc


__all__ = ["DeliveryRecord", "HandlingRecord", "RegisterEntry", "parse_delivery", "parse_handling"]
