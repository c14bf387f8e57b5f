"""The one judgement of a signature (Art. 15, 25, 41): may this key sign this, here, at this
trusted time? The hook asks it at push time, `oa verify`, the review views and the site ask it
at the object's trusted time; all get the same record of the verdict (`SignatureVerdict`).

gpg's part (is the signature cryptographically good, and by which key) is answered before, by
the server keyring (`git.push.SignatureVerifier`, `verify.report.Verifier`); this module only
reads the registry: who holds the key, for which unit, in which validity window
(`valid_from <= moment < revoked_at`, and before `compromised_since`).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from repo_tools import timeutil
from repo_tools.messages import say
from repo_tools.registry.records import KeyHolder, KeyRecord, Registry

# Why a key was revoked, in words (the codes stay in the registry's YAML).
REASON_TEXT = {
    "lost": say("identity.judgement.module.1"),
    "compromised": say("identity.judgement.module.2"),
    "left": say("identity.judgement.module.3"),
    "replaced": say("identity.judgement.module.4"),
    "damaged": say("identity.judgement.module.5"),
    "custodian-change": say("identity.judgement.module.6"),
    "unit-change": say("identity.judgement.module.7"),
    "destroyed": say("identity.judgement.module.8"),
    "deregistered": say("identity.judgement.module.9"),
}

Code = Literal["ok", "unknown-key", "no-time", "window", "inactive", "other-unit"]


@dataclass(frozen=True)
class SignatureVerdict:
    """Whether a good signature by `holder` counts, and if not, why: `code` for rules that map
    it to a refusal, `reason` (Chinese) for reports and panels."""

    counts: bool
    code: Code
    reason: str
    holder: KeyHolder | None = None

    def __bool__(self) -> bool:
        return self.counts


def window_problem(key: KeyRecord, moment: datetime) -> str | None:
    """Why `key` could not sign at `moment` (a sentence), or None when it could."""
    if key.valid_at(moment):
        return None
    start = timeutil.parse(key.valid_from)
    if start is not None and moment < start:
        return say("identity.judgement.window_problem.1", timeutil_iso=timeutil.iso(moment), valid_from=key.valid_from)
    compromised = timeutil.parse(key.compromised_since)
    if compromised is not None and moment >= compromised:
        return say("identity.judgement.window_problem.2", compromised_since=key.compromised_since)
    reason = REASON_TEXT.get(key.reason or "", key.reason or say("identity.judgement.window_problem.3"))
    return say("identity.judgement.window_problem.4", revoked_at=key.revoked_at, reason=reason)


def key_state(key: KeyRecord) -> str:
    """A key's state in a few words, for a refusal that names the key (the hook's messages)."""
    if key.compromised_since:
        return say("identity.judgement.key_state.1", compromised_since=key.compromised_since)
    if key.revoked_at:
        return say(
            "identity.judgement.key_state.2",
            revoked_at=key.revoked_at,
            reason_text_get=REASON_TEXT.get(key.reason or "", key.reason or say("identity.judgement.key_state.4")),
        )
    return say("identity.judgement.key_state.3", valid_from=key.valid_from)


def may_sign(
    reg: Registry,
    holder: KeyHolder | None,
    unit: str | None,
    moment: datetime | None,
    *,
    setup: bool = False,
    inbox: bool = False,
    at_push: bool = False,
) -> SignatureVerdict:
    """May `holder`'s key sign in `unit`'s repository (None: the registry's) at `moment`?

    `reg` is the registry in force for the object (at push time: the one before the push).
    `setup`: an e-gov admin may sign a unit's first commit. `inbox`: a delivery in the receiving
    repository is signed by the sending unit's clerk (its own report judges that signer).
    `at_push`: the hook judges now, so the person's account and the seal must be active today
    too; later readers judge by the key window alone, since a later disable voids nothing."""

    def no(code: Code, reason: str) -> SignatureVerdict:
        return SignatureVerdict(False, code, reason, holder)

    if holder is None:
        return no("unknown-key", say("identity.judgement.may_sign.1"))
    if moment is None:
        return no("no-time", say("identity.judgement.may_sign.2"))
    problem = window_problem(holder.key, moment)
    if problem:
        return no("window", problem)
    if unit is None:  # the registry: its admins sign it (`hook.rules.delegation` scopes unit admins)
        if holder.kind == "person" and (reg.is_egov_admin(holder.id) or reg.is_unit_admin(holder.id)):
            return SignatureVerdict(True, "ok", say("identity.judgement.may_sign.3"), holder)
        return no("other-unit", say("identity.judgement.may_sign.4"))
    if holder.kind == "seal":
        seal = reg.seal(holder.id)
        if holder.unit != unit or (at_push and (seal is None or seal.unit != unit)):
            other = reg.unit(holder.unit)
            return no("other-unit", say("identity.judgement.may_sign.5", value=other.name if other else holder.unit))
        if at_push and seal is not None and seal.status != "active":
            return no(
                "inactive",
                say(
                    "identity.judgement.may_sign.6",
                    value=say("identity.judgement.may_sign.9") if seal.status == "destroyed" else say("identity.judgement.may_sign.10"),
                ),
            )
        return SignatureVerdict(True, "ok", say("identity.judgement.may_sign.3"), holder)
    person = reg.person(holder.id)
    if at_push and (person is None or person.status != "active"):
        return no("inactive", say("identity.judgement.may_sign.7"))
    if (person is not None and person.unit == unit) or (setup and reg.is_egov_admin(holder.id)) or inbox:
        return SignatureVerdict(True, "ok", say("identity.judgement.may_sign.3"), holder)
    other = reg.unit(holder.unit)
    return no("other-unit", say("identity.judgement.may_sign.8", name=holder.name, value=other.name if other else holder.unit))


__all__ = ["REASON_TEXT", "SignatureVerdict", "key_state", "may_sign", "window_problem"]
