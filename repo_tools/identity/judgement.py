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
from repo_tools.registry.records import KeyHolder, KeyRecord, Registry

# Why a key was revoked, in words (the codes stay in the registry's YAML).
REASON_TEXT = {"lost": "遗失", "compromised": "泄露", "left": "离职", "replaced": "更换", "damaged": "损坏",
               "custodian-change": "更换保管人", "unit-change": "单位变更", "destroyed": "销毁",
               "deregistered": "单位注销"}

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
        return f"签名时（{timeutil.iso(moment)}）证书尚未生效（自 {key.valid_from} 起）"
    compromised = timeutil.parse(key.compromised_since)
    if compromised is not None and moment >= compromised:
        return f"密钥自 {key.compromised_since} 起视为泄露，此后的签名一律无效"
    reason = REASON_TEXT.get(key.reason or "", key.reason or "未注明原因")
    return f"密钥已于 {key.revoked_at} 作废（{reason}），晚于作废时间的签名无效"


def key_state(key: KeyRecord) -> str:
    """A key's state in a few words, for a refusal that names the key (the hook's messages)."""
    if key.compromised_since:
        return f"自 {key.compromised_since} 起视为泄露"
    if key.revoked_at:
        return f"已于 {key.revoked_at} 作废（{REASON_TEXT.get(key.reason or '', key.reason or '未注明原因')}）"
    return f"自 {key.valid_from} 起才生效"


def may_sign(reg: Registry, holder: KeyHolder | None, unit: str | None, moment: datetime | None, *,
             setup: bool = False, inbox: bool = False, at_push: bool = False) -> SignatureVerdict:
    """May `holder`'s key sign in `unit`'s repository (None: the registry's) at `moment`?

    `reg` is the registry in force for the object (at push time: the one before the push).
    `setup`: an e-gov admin may sign a unit's first commit. `inbox`: a delivery in the receiving
    repository is signed by the sending unit's clerk (its own report judges that signer).
    `at_push`: the hook judges now, so the person's account and the seal must be active today
    too; later readers judge by the key window alone, since a later disable voids nothing."""
    def no(code: Code, reason: str) -> SignatureVerdict:
        return SignatureVerdict(False, code, reason, holder)

    if holder is None:
        return no("unknown-key", "签名密钥未在登记系统中登记")
    if moment is None:
        return no("no-time", "可信时间未知：事件日志中没有带来该对象的推送记录，无法确定签名时密钥是否有效")
    problem = window_problem(holder.key, moment)
    if problem:
        return no("window", problem)
    if unit is None:  # the registry: its admins sign it (`hook.rules.delegation` scopes unit admins)
        if holder.kind == "person" and (reg.is_egov_admin(holder.id) or reg.is_unit_admin(holder.id)):
            return SignatureVerdict(True, "ok", "有效", holder)
        return no("other-unit", "签名人当时不是电子政务办公室或单位的系统管理员，无权修改登记系统")
    if holder.kind == "seal":
        seal = reg.seal(holder.id)
        if holder.unit != unit or (at_push and (seal is None or seal.unit != unit)):
            other = reg.unit(holder.unit)
            return no("other-unit", f"这是“{other.name if other else holder.unit}”的电子印章，不是本单位的印章")
        if at_push and seal is not None and seal.status != "active":
            return no("inactive", f"印章已{'销毁' if seal.status == 'destroyed' else '作废'}")
        return SignatureVerdict(True, "ok", "有效", holder)
    person = reg.person(holder.id)
    if at_push and (person is None or person.status != "active"):
        return no("inactive", "账户已停用")
    if (person is not None and person.unit == unit) or (setup and reg.is_egov_admin(holder.id)) or inbox:
        return SignatureVerdict(True, "ok", "有效", holder)
    other = reg.unit(holder.unit)
    return no("other-unit", f"签名人 {holder.name} 属于“{other.name if other else holder.unit}”，不是本单位人员")


__all__ = ["REASON_TEXT", "SignatureVerdict", "key_state", "may_sign", "window_problem"]
