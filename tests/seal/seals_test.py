"""Seals over time (Art. 17-23): custodian, rotation, revocation, three-party destruction, and
that nothing new can be sealed with a revoked or destroyed seal (checked by the unit hook)."""
from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from fixtures import Workspace, run, signed_off
from forged_merges import hand_merge
from keys_support import DOC, main_of, sealed_document

from repo_tools.cli import oa
from repo_tools.git.repo import PushRefused
from repo_tools.messages import Refused
from repo_tools.registry.records import dump_seals
from repo_tools.review import requests as review
from repo_tools.seal import sealing, seals


def approved_request(ws: Workspace, slug: str) -> int:
    """zhang drafts documents/2013/<slug> and opens a request; li approves it. Returns n."""
    work = ws.clone("lagov", "zhang")
    run(["git", "checkout", "-q", "-b", f"draft/{slug}"], work)
    ws.commit(work, {f"documents/2013/{slug}/index.md": DOC}, "拟稿")
    n = review.open_request(ws.city, "lagov", "zhang", title="拟稿", workdir=work)
    review.approve(ws.city, "lagov", n, "li", "同意印发。")
    signed_off(ws.city, "lagov", n)
    return n


def try_seal(ws: Workspace, seal_id: str, slug: str = "doc-2", custodian: str = "zhao") -> str:
    """Push an otherwise valid sealing merge signed with `seal_id` (not necessarily the active
    seal: `oa review merge` only ever uses that one, so this merge is made by hand); return the
    hook's refusal text, "" when accepted."""
    n = approved_request(ws, slug)
    return hand_merge(ws, "lagov", n, signer="", pusher=custodian, seal_key=True, seal_id=seal_id,
                      numbers={f"documents/2013/{slug}/index.md": "六政办〔2013〕9号"})


def test_designate_custodian_then_rotate(ws: Workspace) -> None:
    with pytest.raises(Refused) as exc:
        seals.issue(ws.city, "admin", "lagov", "zhang", approved_by="zhou")  # not a custodian
    assert exc.value.rule == "role-required"
    seal = seals.issue(ws.city, "admin", "lagov", "zhao", approved_by="zhou")
    assert (seal.id, seal.custodian) == ("lagov-1", "zhao")
    with pytest.raises(Refused) as exc:
        seals.issue(ws.city, "admin", "lagov", "zhao", approved_by="zhou")
    assert exc.value.rule == "seal-state"
    new = seals.rotate(ws.city, "admin", "lagov", "damaged", approved_by="zhou")
    reg = ws.city.registry()
    old = reg.seal("lagov-1")
    assert old.status == "revoked" and old.key.revoked_at == new.key.valid_from and old.key.reason == "damaged"
    assert reg.active_seal("lagov").id == "lagov-2" and reg.active_seal("lagov").custodian == "zhao"
    assert reg.key_holder(new.key.fingerprint).id == "lagov-2"


def test_only_the_designated_custodian_seals(ws: Workspace) -> None:
    # No custodian designated: any seal custodian of the unit may seal (ma here).
    assert sealing.merge(ws.city, "lagov", approved_request(ws, "doc-1"), "ma").seal == "lagov-1"
    seals.issue(ws.city, "admin", "lagov", "zhao", approved_by="zhou")  # zhao is now the custodian
    n = approved_request(ws, "doc-2")
    before = ws.snapshot()
    with pytest.raises(Refused) as exc:
        sealing.merge(ws.city, "lagov", n, "ma")
    assert exc.value.rule == "merge-custodian-designated" and "zhao" in exc.value.message
    assert ws.snapshot() == before
    # The same merge made by hand under the seal and pushed by ma: the hook refuses it too.
    refused = hand_merge(ws, "lagov", n, signer="", pusher="ma", seal_key=True,
                         numbers={"documents/2013/doc-2/index.md": "六政办〔2013〕2号"})
    assert "[merge-custodian-designated｜" in refused and "[merge-custodian-required｜" not in refused
    assert ws.snapshot() == before
    result = sealing.merge(ws.city, "lagov", n, "zhao")
    assert main_of(ws) == result.merge and result.sealed[0]["number"] == "六政办〔2013〕2号"


def test_seal_change_needs_approval_at_the_registry_hook(ws: Workspace) -> None:
    reg = ws.city.registry()
    seal = reg.active_seal("lagov")
    seal.custodian = "zhao"
    before = ws.snapshot()
    with pytest.raises(PushRefused) as exc:
        ws.city.change_registry("admin", {"seals/lagov.yaml": dump_seals(reg.seals["lagov"])}, "指定保管人")
    assert "[approval-missing｜" in exc.value.message
    assert ws.snapshot() == before


def test_second_active_seal_refused(ws: Workspace) -> None:
    reg = ws.city.registry()
    extra = reg.seals["jyj"][0]
    extra.id, extra.unit = "lagov-9", "lagov"
    before = ws.snapshot()
    with pytest.raises(PushRefused) as exc:
        ws.city.change_registry("admin", {"seals/lagov.yaml": dump_seals([*reg.seals["lagov"], extra])}, "第二枚")
    assert "[seal-one-active｜" in exc.value.message
    assert ws.snapshot() == before


def test_revoked_seal_cannot_seal_but_earlier_seal_stays(ws: Workspace) -> None:
    sealed = sealed_document(ws)
    assert main_of(ws) == sealed.merge
    seals.rotate(ws.city, "admin", "lagov", "lost", approved_by="zhou", custodian="zhao")
    n = approved_request(ws, "doc-2")
    before = ws.snapshot()
    refused = hand_merge(ws, "lagov", n, signer="", pusher="zhao", seal_key=True, seal_id="lagov-1",
                         numbers={"documents/2013/doc-2/index.md": "六政办〔2013〕2号"})
    assert "[commit-key-invalid｜" in refused
    assert ws.snapshot() == before and main_of(ws) == sealed.merge
    result = sealing.merge(ws.city, "lagov", n, "zhao")  # the new seal lagov-2 seals it
    assert main_of(ws) == result.merge and result.seal == "lagov-2"
    assert result.sealed[0]["number"] == "六政办〔2013〕2号"


def test_revoke_seal(ws: Workspace) -> None:
    seal = seals.revoke(ws.city, "admin", "lagov", "compromised", approved_by="zhou")
    assert ws.city.registry().active_seal("lagov") is None and seal.key.revoked_at
    assert "[commit-key-invalid｜" in try_seal(ws, "lagov-1")


def test_destruction_needs_all_three_parties(ws: Workspace) -> None:
    seals.destroy(ws.city, "admin", "jyj")            # egov
    seal = seals.destroy(ws.city, "zheng", "jyj")     # the owning unit
    assert seal.status == "active" and seal.destruction_witnesses == ["admin", "zheng"]
    with pytest.raises(Refused) as exc:
        seals.destroy(ws.city, "feng", "jyj")         # czj is none of the three parties
    assert exc.value.rule == "destruction-witness"
    with pytest.raises(Refused):
        seals.destroy(ws.city, "zheng", "jyj")        # nobody signs twice
    assert ws.city.registry().seal("jyj-1").status == "active"
    seal = seals.destroy(ws.city, "zhou", "jyj")      # the municipal government office (lagov)
    reg = ws.city.registry()
    assert reg.seal("jyj-1").status == "destroyed" and reg.seal("jyj-1").key.revoked_at
    assert reg.seal("jyj-1").destruction_witnesses == ["admin", "zheng", "zhou"]


def test_registry_hook_refuses_destruction_with_two_witnesses(ws: Workspace) -> None:
    seals.destroy(ws.city, "admin", "jyj")
    seals.destroy(ws.city, "zheng", "jyj")
    reg = ws.city.registry()
    seal = reg.seal("jyj-1")
    seal.status, seal.destroyed_at = "destroyed", "2026-01-01T00:00:00+08:00"
    before = ws.snapshot()
    with pytest.raises(PushRefused) as exc:
        ws.city.change_registry("admin", {"seals/jyj.yaml": dump_seals(reg.seals["jyj"])}, "销毁（缺一方）")
    assert "[destruction-witness｜" in exc.value.message
    assert ws.snapshot() == before


def test_witness_without_signature_refused(ws: Workspace) -> None:
    seals.destroy(ws.city, "admin", "jyj")
    reg = ws.city.registry()
    seal = reg.seal("jyj-1")
    seal.destruction_witnesses.append("zheng")  # claims zheng signed; no signature file
    before = ws.snapshot()
    with pytest.raises(PushRefused) as exc:
        ws.city.change_registry("admin", {"seals/jyj.yaml": dump_seals(reg.seals["jyj"])}, "伪称签名")
    assert "[destruction-witness｜" in exc.value.message
    assert ws.snapshot() == before


def test_destroyed_seal_cannot_seal(ws: Workspace) -> None:
    sealed_document(ws)
    for witness in ("admin", "zhou", "zhao"):  # egov, the government office, and lagov itself
        seals.destroy(ws.city, witness, "lagov")
    assert ws.city.registry().seal("lagov-1").status == "destroyed"
    main = main_of(ws)
    assert "[commit-key-invalid｜" in try_seal(ws, "lagov-1")
    assert main_of(ws) == main


def test_government_office_is_a_city_setting(ws: Workspace) -> None:
    seals.set_government_office(ws.city, "czj")
    seals.destroy(ws.city, "admin", "jyj")
    seals.destroy(ws.city, "zheng", "jyj")
    with pytest.raises(Refused):
        seals.destroy(ws.city, "zhou", "jyj")  # lagov no longer is the office
    seal = seals.destroy(ws.city, "feng", "jyj")
    assert seal.status == "destroyed"


def test_cli_seal_lifecycle(ws: Workspace) -> None:
    runner = CliRunner()
    base = ["--city", str(ws.city.root)]
    result = runner.invoke(oa, [*base, "--as", "admin", "seal", "issue", "jyj", "--custodian", "zheng",
                                "--approved-by", "wu"])
    assert result.exit_code == 1 and "approval-not-leader" in result.output  # jyj has no leader or admin
    result = runner.invoke(oa, [*base, "--as", "admin", "seal", "rotate", "lagov", "--reason", "lost",
                                "--approved-by", "zhou"])
    assert result.exit_code == 0, result.output
    result = runner.invoke(oa, [*base, "--as", "zhou", "seal", "destroy", "lagov", "--seal", "lagov-1"])
    assert result.exit_code == 0 and "等待" in result.output
    result = runner.invoke(oa, [*base, "--json", "seal", "list", "--unit", "lagov"])
    rows = json.loads(result.output)
    assert [(r["id"], r["status"]) for r in rows] == [("lagov-1", "revoked"), ("lagov-2", "active")]
    assert rows[0]["witnesses"] == ["zhou"]
