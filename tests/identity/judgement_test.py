"""The one judgement of a signature (`identity.judgement.may_sign`): a registry built in memory,
each rule refused once and accepted once."""
from __future__ import annotations

from datetime import datetime

from repo_tools import timeutil
from repo_tools.identity.judgement import key_state, may_sign
from repo_tools.registry.records import KeyHolder, KeyRecord, Person, Registry, Seal, Unit

KEY = KeyRecord("A" * 40, "2013-01-01T00:00:00+08:00", revoked_at="2020-01-01T00:00:00+08:00", reason="left")
SEAL_KEY = KeyRecord("B" * 40, "2013-01-01T00:00:00+08:00")


def at(text: str) -> datetime:
    moment = timeutil.parse(text)
    assert moment is not None
    return moment


def registry(status: str = "active", seal_status: str = "active") -> Registry:
    reg = Registry("c0ffee")
    reg.units = {"lagov": Unit("lagov", "六安市人民政府办公室", ["六政办"]), "jyj": Unit("jyj", "六安市教育局", ["六教"]),
                 "egov": Unit("egov", "电子政务办公室", ["六政务"])}
    reg.people = {"li": Person("li", "李华", "lagov", ["reviewer"], status=status, keys=[KEY]),  # type: ignore[arg-type]
                  "admin": Person("admin", "管理员", "egov", ["admin"], keys=[KeyRecord("C" * 40, "2013-01-01")])}
    reg.seals = {"lagov": [Seal("lagov-1", "lagov", SEAL_KEY, status=seal_status)]}  # type: ignore[arg-type]
    return reg


def holder(reg: Registry, fpr: str) -> KeyHolder:
    found = reg.key_holder(fpr)
    assert found is not None
    return found


def test_key_window_at_trusted_time() -> None:
    reg = registry()
    li = holder(reg, KEY.fingerprint)
    assert may_sign(reg, li, "lagov", at("2015-06-01T10:00:00+08:00")).counts
    late = may_sign(reg, li, "lagov", at("2021-06-01T10:00:00+08:00"))
    assert not late and late.code == "window" and "作废（离职）" in late.reason
    early = may_sign(reg, li, "lagov", at("2012-06-01T10:00:00+08:00"))
    assert early.code == "window" and "尚未生效" in early.reason
    assert "作废（离职）" in key_state(KEY)


def test_unknown_key_and_unknown_time_never_count() -> None:
    reg = registry()
    assert may_sign(reg, None, "lagov", at("2015-06-01")).code == "unknown-key"
    assert may_sign(reg, holder(reg, KEY.fingerprint), "lagov", None).code == "no-time"


def test_seal_and_person_belong_to_their_unit() -> None:
    reg = registry()
    seal, li = holder(reg, SEAL_KEY.fingerprint), holder(reg, KEY.fingerprint)
    moment = at("2015-06-01")
    assert may_sign(reg, seal, "lagov", moment).counts
    other = may_sign(reg, seal, "jyj", moment)
    assert other.code == "other-unit" and "六安市人民政府办公室" in other.reason
    assert may_sign(reg, li, "jyj", moment).code == "other-unit"
    assert may_sign(reg, li, "jyj", moment, inbox=True).counts  # a delivery: its own report judges the sender


def test_at_push_the_account_and_seal_must_be_active() -> None:
    moment = at("2015-06-01")
    disabled = registry(status="disabled")
    assert may_sign(disabled, holder(disabled, KEY.fingerprint), "lagov", moment).counts  # later readers
    assert may_sign(disabled, holder(disabled, KEY.fingerprint), "lagov", moment, at_push=True).code == "inactive"
    revoked = registry(seal_status="revoked")
    assert may_sign(revoked, holder(revoked, SEAL_KEY.fingerprint), "lagov", moment, at_push=True).code == "inactive"
    assert may_sign(revoked, holder(revoked, SEAL_KEY.fingerprint), "lagov", moment).counts


def test_registry_is_signed_by_admins_only() -> None:
    reg = registry()
    moment = at("2015-06-01")
    assert may_sign(reg, holder(reg, "C" * 40), None, moment).counts
    refused = may_sign(reg, holder(reg, KEY.fingerprint), None, moment)
    assert refused.code == "other-unit" and "无权修改登记系统" in refused.reason
