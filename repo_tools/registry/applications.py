"""Written applications (书面申请, Art. 19, 22, 25): every change to a certificate or a seal is
asked for in a record, approved by the unit's leader or admin with a detached signature, and
executed by the e-government office. Record and signatures travel in the same registry commit
(`requests/<id>.yaml`, `requests/<id>.<signer>.asc`), so the registry hook can check them and
anyone can re-check them later from the registry alone."""
from __future__ import annotations

import re
import secrets
from dataclasses import asdict, dataclass, field
from typing import Any

import yaml

from repo_tools import timeutil
from repo_tools.identity import keys
from repo_tools.messages import Refused, say
from repo_tools.registry.records import Registry


def require_executor(reg: Registry, actor: str) -> None:
    """Certificates and seals are issued, revoked and destroyed by an e-gov admin (Art. 19, 25)."""
    if not reg.is_egov_admin(actor):
        raise Refused("registry-writer", user=actor)

ACTIONS = ("cert-issue", "cert-revoke", "seal-issue", "seal-rotate", "seal-revoke", "seal-destroy",
           # Art. 9: a unit's change of name, its deregistration, a merger. One application
           # covers every registry file the change touches (`details["covers"]`).
           "unit-rename", "unit-deregister", "unit-merge")
REQUEST_DIR = "requests"


@dataclass
class Application:
    """One written application: what changes, in which registry file, for which keys, and why."""
    id: str
    action: str
    subject: str                 # the person or seal concerned
    unit: str                    # the unit whose leader or admin approves
    path: str                    # the registry file the change touches
    fingerprints: list[str]      # keys the change adds or revokes
    reason: str = ""
    approver: str | None = None  # None for destruction, which is witnessed instead (Art. 20)
    executed_by: str = ""
    created_at: str = ""
    details: dict[str, Any] = field(default_factory=dict)

    def record_path(self) -> str:
        return record_path(self.id)

    def to_bytes(self) -> bytes:
        return yaml.safe_dump(asdict(self), allow_unicode=True, sort_keys=False).encode("utf-8")


def record_path(app_id: str) -> str:
    return f"{REQUEST_DIR}/{app_id}.yaml"


def signature_path(app_id: str, signer: str) -> str:
    return f"{REQUEST_DIR}/{app_id}.{signer}.asc"


SIGNATURE_NAME = re.compile(rf"^{REQUEST_DIR}/(?P<id>[^/]+)\.(?P<signer>[a-z][a-z0-9-]*)\.asc$")


def from_bytes(data: bytes) -> Application:
    record = yaml.safe_load(data.decode("utf-8"))
    if not isinstance(record, dict):
        raise ValueError(say("registry.applications.from_bytes.1"))
    known = set(Application.__dataclass_fields__)
    app = Application(**{k: v for k, v in record.items() if k in known})
    if app.action not in ACTIONS:
        raise ValueError(say("registry.applications.from_bytes.2", action=app.action))
    return app


def new_id(action: str, subject: str) -> str:
    stamp = timeutil.now().strftime("%Y%m%dT%H%M%S")
    return f"{stamp}-{action}-{subject}-{secrets.token_hex(2)}"


def approvers_of(reg: Registry, unit_id: str) -> list[str]:
    """Who may approve an application for a unit: its leader and its admins (Art. 19, 25)."""
    unit = reg.unit(unit_id)
    if unit is None:
        return []
    people = ([unit.leader] if unit.leader else []) + list(unit.admins)
    return [p for p in people if p and reg.person(p) is not None and reg.person(p).status == "active"]  # type: ignore[union-attr]


def check_approver(reg: Registry, app: Application, approver: str) -> None:
    """Refuse early (before anything is signed) when `approver` may not approve `app`."""
    if approver == app.subject:
        raise Refused("approval-self", approver=approver, request=app.id)
    if approver not in approvers_of(reg, app.unit):
        unit = reg.unit(app.unit)
        raise Refused("approval-not-leader", approver=approver, unit=unit.name if unit else app.unit,
                      request=app.id)


def sign(city: Any, reg: Registry, signer: str, data: bytes) -> str:
    """A detached signature over `data` by a person whose key lives in the city (demo, tests)."""
    person = reg.person(signer)
    key = person.current_key() if person else None
    if key is None:
        raise Refused("cert-state", user=signer, detail=say("registry.applications.sign.1"),
                      remedy=say("registry.applications.sign.2"))
    return keys.sign_detached(city.person_gnupg(signer), key.fingerprint, data)


def approved_files(city: Any, reg: Registry, app: Application) -> dict[str, bytes | None]:
    """The record and the approver's signature over it, ready for a registry commit."""
    assert app.approver
    check_approver(reg, app, app.approver)
    data = app.to_bytes()
    return {record_path(app.id): data,
            signature_path(app.id, app.approver): sign(city, reg, app.approver, data).encode()}
