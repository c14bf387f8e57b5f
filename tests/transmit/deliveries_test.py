"""Transmission and receipt through real pushes: sending sealed documents, the receiving hook,
receipt on first open, registration, return and resend (Art. 27-29)."""
from __future__ import annotations

import json
import shutil
from datetime import timedelta

import pytest
import yaml
from click.testing import CliRunner
from fixtures import Workspace, run, signed_off
from forged_merges import hand_merge
from pypdf import PdfReader

from repo_tools import city as city_mod
from repo_tools import timeutil
from repo_tools.cli import oa
from repo_tools.git.repo import PushRefused, Scratch, clean_env, git, parse_commit, signed_anew
from repo_tools.git.repo import push as signed_push
from repo_tools.identity import keys
from repo_tools.log import eventlog
from repo_tools.messages import Refused
from repo_tools.registry.records import dump
from repo_tools.review import requests as review
from repo_tools.transmit import deliveries as transmit

DOC_DIR = "documents/2013/oa-measures"
DOC = """---
type: 通知
title: 六安市人民政府办公室关于印发六安市协同办公系统管理办法（试行）的通知
number: 六政办秘〔2013〕27号
urgency: 加急
recipients:
  - 六安市教育局
  - 各县区人民政府
cc:
  - 六安市财政局
date: 2013-03-21
attachments:
  - title: 六安市协同办公系统管理办法（试行）
    file: attachments/办法.txt
---

现将《六安市协同办公系统管理办法（试行）》印发给你们，请认真贯彻执行。
"""
DRAFT = DOC.replace("number: 六政办秘〔2013〕27号\n", "")  # as drafted: sealing gives the number


def approved_request(ws: Workspace, files: dict[str, str], message: str = "草稿") -> int:
    """A merge request of lagov by zhang, approved by li (not merged)."""
    work = ws.clone("lagov", "zhang")
    run(["git", "checkout", "-q", "-b", f"draft/{work.name}"], work)
    ws.commit(work, files, message)
    n = review.open_request(ws.city, "lagov", "zhang", title=message, workdir=work)
    review.approve(ws.city, "lagov", n, "li", "同意。")
    signed_off(ws.city, "lagov", n)
    return n


def publish(ws: Workspace, text: str = DOC, doc_dir: str = DOC_DIR) -> str:
    """A document sealed on lagov's main through review and the sealing merge (ws.land): the
    draft's `number` only chooses the agency code; lagov's paper numbers end at 26 (floor), so
    the first notice gets 六政办秘〔2013〕27号 as in the sample content."""
    reg = ws.city.registry()
    unit = reg.units["lagov"]
    if unit.number_floors.get("六政办秘〔2013〕") != 26:
        unit.number_floors = {**unit.number_floors, "六政办秘〔2013〕": 26}
        ws.city.change_registry("admin", {"units/lagov.yaml": dump(unit)}, "纸质发文已用到 26 号")
    return ws.land("lagov", "zhang", {f"{doc_dir}/index.md": text, f"{doc_dir}/attachments/办法.txt": "第一条……\n"})


def published(ws: Workspace) -> str:
    """`publish(ws)` of the sample notice, built once per test run and copied into this city
    (which must still be the sample city); returns the sealing merge."""
    return ws.prepare("tpub", publish)


def refs(ws: Workspace, unit: str, prefix: str) -> dict[str, str]:
    out = git("for-each-ref", "--format=%(refname) %(objectname)", prefix, cwd=ws.city.unit_repo(unit),
              env=clean_env())
    return dict(line.split(" ") for line in out.splitlines())


def events(ws: Workspace, kind: str) -> list[dict]:
    return [e for e in eventlog.read(ws.city.log_file) if e["type"] == kind]


def assert_push_refused(ws: Workspace, before: dict, exc: pytest.ExceptionInfo, rule: str) -> None:
    assert f"[{rule}｜" in exc.value.message, exc.value.message
    assert ws.snapshot() == before, "a refused push changed refs, registry or log"


def hand_delivery(ws: Workspace, pusher: str, to: str, *, from_unit: str = "lagov", signer_user: str | None = None,
                  record: dict | None = None, tree: str | None = None, ref: str | None = None) -> str:
    """Build a delivery by hand (as a forger would) and push it signed by `pusher`."""
    city = ws.city
    reg = city.registry()
    sealed, _ = transmit.sealed_document(city, from_unit, DOC_DIR, reg)
    work = transmit._sending_workdir(city, from_unit, to)
    try:
        if tree == "altered":
            env = clean_env()
            blob = git("hash-object", "-w", "--stdin", cwd=work, env=env,
                       input=DOC.replace("认真贯彻执行", "参照执行").encode()).strip()
            tree = git("mktree", cwd=work, env=env, input=f"100644 blob {blob}\tindex.md\n".encode()).strip()
        doc_tree = tree or (sealed.tree if sealed else "")
        base = transmit.delivery_record(reg, sealed, to, pusher) if sealed else {}
        full = {**base, "document_tree": doc_tree, **(record or {})}
        commit = transmit.build_delivery(city, city.signer(signer_user or pusher), from_unit, to, full, doc_tree, work)
        signed_push(work, str(city.unit_repo(from_unit)), [f"{commit}:{ref or f'refs/outbox/{to}/{commit[:12]}'}"],
                    city.signer(pusher))
        return commit
    finally:
        shutil.rmtree(work, ignore_errors=True)


def push_as(ws: Workspace, user: str, unit: str, refspecs: list[str]) -> None:
    """A signed push by `user` from a scratch repository borrowing `unit`'s objects."""
    with Scratch(ws.city.unit_repo(unit), ws.city.signer(user)) as scratch:
        scratch.push(refspecs)


# Sending ---------------------------------------------------------------------------------
def test_send_delivers_exact_sealed_tree_to_each_named_unit_and_logs(ws: Workspace) -> None:
    published(ws)
    result = transmit.send(ws.city, "zhao", DOC_DIR)
    assert sorted(d.to_unit for d in result.deliveries) == ["czj", "jyj"]
    assert result.unmatched == ["各县区人民政府"]  # reported, not silently dropped
    sealed_tree = git("rev-parse", f"refs/heads/main:{DOC_DIR}", cwd=ws.city.unit_repo("lagov"),
                      env=clean_env()).strip()
    for delivery in result.deliveries:
        repo = ws.city.unit_repo(delivery.to_unit)
        assert refs(ws, delivery.to_unit, "refs/inbox/") == {f"refs/inbox/lagov/{delivery.id}": delivery.commit}
        assert git("rev-parse", f"{delivery.commit}:document", cwd=repo, env=clean_env()).strip() == sealed_tree
        assert git("log", "--format=%P", "-1", delivery.commit, cwd=repo, env=clean_env()).strip() == ""
        raw = git("cat-file", "commit", delivery.commit, cwd=repo, env=clean_env()).encode()
        parsed = parse_commit(delivery.commit, raw)
        checked = keys.verify_detached(ws.city.server_gnupg, parsed.payload, parsed.signature)
        assert checked.valid and ws.city.registry().key_holder(checked.fingerprint).id == "zhao"
        row = delivery.as_json()
        assert row["status"] == "sent" and row["received_at"] is None and row["sender"] == "zhao"
        assert row["number"] == "六政办秘〔2013〕27号" and row["urgency"] == "加急"
        assert timeutil.parse(row["sent_at"]).utcoffset() == timedelta(hours=8)
        # The sender pushed to its own outbox; the service placed the same commit in the inbox.
        push_event = next(e for e in events(ws, "push") if delivery.commit in e["objects"])
        assert push_event["repo"] == "lagov" and push_event["pusher"] == "zhao"
        assert push_event["updates"][0]["ref"] == f"refs/outbox/{delivery.to_unit}/{delivery.id}"
        placed = [e for e in events(ws, "delivery-placed") if e["commit"] == delivery.commit]
        assert len(placed) == 1 and placed[0]["repo"] == delivery.to_unit
        assert refs(ws, "lagov", f"refs/replies/{delivery.to_unit}/") == {
            f"refs/replies/{delivery.to_unit}/{delivery.id}": delivery.commit}
        assert row["sent_at"] == push_event["time"]  # transmission time = the delivery push's log time
    assert {e["to"] for e in events(ws, "delivery-sent")} == {"jyj", "czj"}
    assert eventlog.verify(ws.city.log_file) == []


def test_the_same_document_sent_twice_in_one_second_is_two_deliveries(ws: Workspace) -> None:
    """A commit is its content and its second: a send whose commit the sender already holds (the
    same record, key and second) is built again in the next second, not lost in the earlier one."""
    published(ws)
    city, reg = ws.city, ws.city.registry()
    sealed, _ = transmit.sealed_document(city, "lagov", DOC_DIR, reg)
    assert sealed is not None
    record = transmit.delivery_record(reg, sealed, "jyj", "zhao")
    signer, sender = city.signer("zhao", reg), city.unit_repo("lagov")
    first = transmit.push_delivery(city, signer, "lagov", "jyj", record, sealed.tree)
    work = transmit._sending_workdir(city, "lagov", "jyj")
    built: list[str] = []

    def build() -> str:  # what a second send within the same second builds first is `first` itself
        built.append(first if not built else transmit.build_delivery(city, signer, "lagov", "jyj", record,
                                                                       sealed.tree, work))
        return built[-1]
    try:
        second = signed_anew(sender, build)
        assert second != first and len(built) == 2
        assert signed_anew(sender, lambda: second) == second  # not sent yet: kept as it is
        signed_push(work, str(sender), [f"{second}:refs/outbox/jyj/{second[:12]}"], signer)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    times = [int(git("show", "-s", "--format=%ct", c, cwd=sender, env=clean_env())) for c in (first, second)]
    assert times[1] > times[0]
    assert {first, second} <= {d.commit for d in transmit.sent_by(city, "lagov")}
    assert {first, second} <= {d.commit for d in transmit.deliveries_in(city, "jyj")}


def test_draft_not_on_main_cannot_be_sent(ws: Workspace) -> None:
    work = ws.clone("lagov", "zhang")
    ws.commit(work, {f"{DOC_DIR}/index.md": DRAFT, f"{DOC_DIR}/attachments/办法.txt": "第一条……\n"})
    assert ws.push(work, "HEAD:refs/heads/draft/oa-measures").returncode == 0
    before = ws.snapshot()
    with pytest.raises(Refused) as exc:
        transmit.send(ws.city, "zhao", DOC_DIR)
    assert exc.value.rule == "transmit-not-sealed"
    assert ws.snapshot() == before


def test_document_on_main_without_number_cannot_be_sent(ws: Workspace) -> None:
    # The only way onto main is the sealing merge, which numbers the document; a merge made by
    # hand that leaves the number out is refused by the hook, so nothing unsealed can be sent.
    n = approved_request(ws, {f"{DOC_DIR}/index.md": DRAFT, f"{DOC_DIR}/attachments/办法.txt": "第一条……\n"})
    before = ws.snapshot()
    refused = hand_merge(ws, "lagov", n, "zhao", "zhao", seal_key=True)
    assert refused, "a merge of a document without a number was accepted"
    assert ws.snapshot() == before
    with pytest.raises(Refused) as exc:
        transmit.send(ws.city, "qian", DOC_DIR)
    assert exc.value.rule == "transmit-not-sealed"
    assert ws.snapshot() == before


def test_author_without_clerk_or_custodian_role_cannot_send(ws: Workspace) -> None:
    published(ws)
    before = ws.snapshot()
    with pytest.raises(Refused) as exc:
        transmit.send(ws.city, "zhang", DOC_DIR)
    assert exc.value.rule == "role-required"
    # and the sending unit's hook refuses the same delivery built by hand
    with pytest.raises(PushRefused) as pushed:
        hand_delivery(ws, "zhang", "jyj")
    assert_push_refused(ws, before, pushed, "delivery-sender-role")


def test_clerk_of_sending_unit_may_send(ws: Workspace) -> None:
    published(ws)
    result = transmit.send(ws.city, "qian", DOC_DIR, to=["jyj"])
    assert [d.to_unit for d in result.deliveries] == ["jyj"] and result.unmatched == []


def test_delivery_whose_content_differs_from_sealed_document_is_refused(ws: Workspace) -> None:
    published(ws)
    before = ws.snapshot()
    with pytest.raises(PushRefused) as exc:
        hand_delivery(ws, "zhao", "jyj", tree="altered")
    assert_push_refused(ws, before, exc, "delivery-not-sealed")
    with pytest.raises(PushRefused) as exc:
        hand_delivery(ws, "zhao", "jyj", record={"number": "六政办秘〔2013〕99号"})
    assert_push_refused(ws, before, exc, "delivery-not-sealed")
    with pytest.raises(PushRefused) as exc:
        hand_delivery(ws, "zhao", "jyj", record={"to": "czj"})
    assert_push_refused(ws, before, exc, "delivery-malformed")
    with pytest.raises(PushRefused) as exc:
        hand_delivery(ws, "zhao", "lagov")
    assert_push_refused(ws, before, exc, "delivery-malformed")


def record_delivery(ws: Workspace, pusher: str, to: str, text: bytes) -> None:
    """Push by hand a delivery of lagov's sealed notice whose delivery.yaml is `text`, signed by
    `pusher` (as a forger would: build_delivery only writes records it was given as mappings)."""
    city = ws.city
    sealed, _ = transmit.sealed_document(city, "lagov", DOC_DIR, city.registry())
    assert sealed is not None
    work = transmit._sending_workdir(city, "lagov", to)
    signer = city.signer(pusher)
    try:
        env = clean_env(signer.git_env())
        blob = git("hash-object", "-w", "--stdin", cwd=work, env=env, input=text).strip()
        listing = f"100644 blob {blob}\t{transmit.RECORD}\n040000 tree {sealed.tree}\t{transmit.DOCUMENT}\n"
        tree = git("mktree", cwd=work, env=env, input=listing.encode()).strip()
        commit = git(*signer.git_config(), "commit-tree", f"-S{signer.fingerprint}", tree, "-m", "传输", cwd=work, env=env).strip()
        signed_push(work, str(city.unit_repo("lagov")), [f"{commit}:refs/outbox/{to}/{commit[:12]}"], signer)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _record_without_sender_and_title(record: dict) -> dict:
    return {**{k: v for k, v in record.items() if k != "sender"}, "title": ""}


@pytest.mark.parametrize(("change", "said"), [
    pytest.param(_record_without_sender_and_title, "缺少 title、sender", id="missing"),
    pytest.param(lambda r: {**r, "signed_by": "zhao"}, "未知字段 signed_by", id="unknown"),
    pytest.param(lambda r: {**r, "urgency": "很急"}, "urgency 的类型或取值无效", id="wrong-value"),
    pytest.param(lambda r: {**r, "number": ["六政办秘〔2013〕27号"]}, "number 的类型或取值无效", id="wrong-type"),
    pytest.param(lambda r: list(r), "delivery.yaml 不是 YAML 映射", id="not-a-mapping"),
])
def test_delivery_record_that_is_no_delivery_record_is_refused_naming_the_field(ws: Workspace, change, said) -> None:
    """The hook judges delivery.yaml by the model `DeliveryRecord`, as every reader does."""
    published(ws)
    reg = ws.city.registry()
    sealed, _ = transmit.sealed_document(ws.city, "lagov", DOC_DIR, reg)
    assert sealed is not None
    record = transmit.delivery_record(reg, sealed, "jyj", "zhao")
    record_delivery(ws, "zhao", "jyj", transmit.dump_record(record))  # as sent, the record passes
    assert len(refs(ws, "lagov", "refs/outbox/")) == 1
    before = ws.snapshot()
    with pytest.raises(PushRefused) as exc:
        record_delivery(ws, "zhao", "jyj", yaml.safe_dump(change(record), allow_unicode=True).encode())
    assert_push_refused(ws, before, exc, "delivery-malformed")
    assert said in exc.value.message, exc.value.message
    assert "Traceback" not in exc.value.message


def test_delivery_of_a_draft_pushed_by_hand_is_refused(ws: Workspace) -> None:
    published(ws)
    work = ws.clone("lagov", "zhang")
    ws.commit(work, {f"{DOC_DIR}/index.md": DRAFT.replace("认真贯彻执行", "试行"),
                     f"{DOC_DIR}/attachments/办法.txt": "第一条……\n"})
    assert ws.push(work, "HEAD:refs/heads/draft/x").returncode == 0
    draft_tree = run(["git", "rev-parse", f"HEAD:{DOC_DIR}"], work).stdout.strip()
    before = ws.snapshot()
    with pytest.raises(PushRefused) as exc:
        hand_delivery(ws, "zhao", "jyj", tree=draft_tree)
    assert_push_refused(ws, before, exc, "delivery-not-sealed")


def test_delivery_signed_by_someone_else_than_the_pusher_is_refused(ws: Workspace) -> None:
    published(ws)
    before = ws.snapshot()
    with pytest.raises(PushRefused) as exc:
        hand_delivery(ws, "zhao", "jyj", signer_user="qian")
    assert_push_refused(ws, before, exc, "delivery-signer")


def test_nobody_writes_another_units_repository_not_even_a_delivery(ws: Workspace) -> None:
    published(ws)
    delivery = transmit.send(ws.city, "zhao", DOC_DIR, to=["jyj"]).deliveries[0]
    lagov_main = git("rev-parse", "refs/heads/main", cwd=ws.city.unit_repo("lagov"), env=clean_env()).strip()
    before = ws.snapshot()
    # a branch, an inbox entry (not the one the service placed: that push would change nothing)
    # or a receipt in another unit's repository
    other_id = delivery.id[:-1] + ("1" if delivery.id.endswith("0") else "0")
    for refspec in (f"{delivery.commit}:refs/heads/x", f"{delivery.commit}:refs/inbox/lagov/{other_id}",
                    f"{delivery.commit}:refs/receipts/lagov/{delivery.id}"):
        with pytest.raises(PushRefused) as exc:
            with Scratch(ws.city.unit_repo("jyj"), ws.city.signer("zhao")) as scratch:
                (scratch.dir / "objects/info/alternates").write_text(
                    f"{ws.city.unit_repo('jyj').resolve()}/objects\n{ws.city.unit_repo('lagov').resolve()}/objects\n")
                scratch.push([refspec])
        assert_push_refused(ws, before, exc, "pusher-other-unit")
    # its own outbox entry is never updated or deleted, and replies are the service's
    with pytest.raises(PushRefused) as exc:
        push_as(ws, "zhao", "lagov", [f"+{lagov_main}:refs/outbox/jyj/{delivery.id}"])
    assert_push_refused(ws, before, exc, "outbox-immutable")
    with pytest.raises(PushRefused) as exc:
        push_as(ws, "zhao", "lagov", [f":refs/outbox/jyj/{delivery.id}"])
    assert_push_refused(ws, before, exc, "outbox-immutable")
    with pytest.raises(PushRefused) as exc:
        push_as(ws, "zhao", "lagov", [f"{lagov_main}:refs/replies/jyj/{'0' * 12}"])
    assert_push_refused(ws, before, exc, "inbox-service-only")


def test_nobody_updates_or_deletes_a_delivery_not_even_the_receiving_unit(ws: Workspace) -> None:
    published(ws)
    delivery = transmit.send(ws.city, "zhao", DOC_DIR, to=["jyj"]).deliveries[0]
    before = ws.snapshot()
    with pytest.raises(PushRefused) as exc:
        push_as(ws, "zheng", "jyj", [f":{delivery.ref.replace('refs/outbox/jyj', 'refs/inbox/lagov')}"])
    assert_push_refused(ws, before, exc, "inbox-service-only")
    jyj_main = git("rev-parse", "refs/heads/main", cwd=ws.city.unit_repo("jyj"), env=clean_env()).strip()
    with pytest.raises(PushRefused) as exc:
        push_as(ws, "zheng", "jyj", [f"+{jyj_main}:refs/inbox/lagov/{delivery.id}"])
    assert_push_refused(ws, before, exc, "inbox-service-only")
    transmit.open_delivery(ws.city, "zheng", delivery.id)
    before = ws.snapshot()
    with pytest.raises(PushRefused) as exc:
        push_as(ws, "zheng", "jyj", [f":refs/receipts/lagov/{delivery.id}"])
    assert_push_refused(ws, before, exc, "receipt-invalid")


def test_unit_without_clerk_gets_its_delivery_once_a_clerk_is_registered(ws: Workspace) -> None:
    city_mod.add_unit(ws.city, "admin", "jaq", "金安区人民政府", ["金政"], "county")
    city_mod.add_user(ws.city, "admin", "luo", "罗毅", "jaq", ["author"])
    publish(ws, DOC.replace("各县区人民政府", "金安区人民政府"))
    result = transmit.send(ws.city, "zhao", DOC_DIR)
    assert result.queued == ["jaq"] and sorted(d.to_unit for d in result.deliveries) == ["czj", "jaq", "jyj"]
    waiting = next(d for d in result.deliveries if d.to_unit == "jaq")
    assert waiting.as_json()["queued"] is True and waiting.as_json()["status"] == "sent"
    assert refs(ws, "jaq", "refs/inbox/") == {}  # Art. 27: no clerk, nothing placed yet
    # a later push elsewhere retries it, still without a clerk: still queued, nothing lost
    assert ws.push(ws.clone("jyj", "wu"), "HEAD:refs/heads/draft/other").returncode == 0
    assert refs(ws, "jaq", "refs/inbox/") == {}
    # registering a clerk (a registry push) lets the service place it, exactly once
    city_mod.add_user(ws.city, "admin", "xu", "徐静", "jaq", ["clerk"])
    assert refs(ws, "jaq", "refs/inbox/") == {f"refs/inbox/lagov/{waiting.id}": waiting.commit}
    from repo_tools.server import courier
    again = courier.catch_up(ws.city)
    assert again.placed == [] and again.queued == []
    assert len([e for e in events(ws, "delivery-placed") if e["commit"] == waiting.commit]) == 1
    sent = next(d for d in transmit.sent_by(ws.city, "lagov") if d.id == waiting.id)
    assert sent.as_json()["queued"] is False
    opened, first = transmit.open_delivery(ws.city, "xu", waiting.id)
    assert first
    back = next(d for d in transmit.sent_by(ws.city, "lagov") if d.id == waiting.id)
    assert back.status == "received" and back.as_json()["received_by"] == "xu"


def test_unknown_recipient_names_only_is_refused_with_the_names(ws: Workspace) -> None:
    publish(ws, DOC.replace("  - 六安市教育局\n", "").replace("  - 六安市财政局\n", "  - 某某局\n"))
    with pytest.raises(Refused) as exc:
        transmit.send(ws.city, "zhao", DOC_DIR)
    assert exc.value.rule == "transmit-no-recipient" and "各县区人民政府" in exc.value.message


# Receiving -------------------------------------------------------------------------------
def test_only_a_clerk_of_the_receiving_unit_opens_registers_or_returns(ws: Workspace) -> None:
    published(ws)
    delivery = transmit.send(ws.city, "zhao", DOC_DIR, to=["jyj"]).deliveries[0]
    before = ws.snapshot()
    for action in (lambda u: transmit.open_delivery(ws.city, u, delivery.id),
                   lambda u: transmit.register(ws.city, u, delivery.id),
                   lambda u: transmit.answer(ws.city, u, delivery.id, "returned", "格式不符")):
        with pytest.raises(Refused) as exc:
            action("wu")  # author and reviewer of jyj, not its clerk
        assert exc.value.rule == "role-required"
        with pytest.raises(Refused) as exc:
            action("qian")  # the clerk of another unit (the sender's)
        assert exc.value.rule == "not-found"
    assert ws.snapshot() == before
    # the hook refuses a receipt pushed by a non-clerk member of the receiving unit
    with pytest.raises(PushRefused) as pushed:
        with Scratch(ws.city.unit_repo("jyj"), ws.city.signer("wu")) as scratch:
            commit = scratch.commit({"handling/1-received.yaml": b"action: received\nby: wu\n"}, "签收",
                                    parent=delivery.commit)
            scratch.push([f"{commit}:refs/receipts/lagov/{delivery.id}"])
    assert_push_refused(ws, before, pushed, "receipt-clerk")


def test_receipt_time_is_first_open_and_later_opens_change_nothing(ws: Workspace) -> None:
    published(ws)
    delivery = transmit.send(ws.city, "zhao", DOC_DIR, to=["jyj"]).deliveries[0]
    opened, first = transmit.open_delivery(ws.city, "zheng", delivery.id[:6])
    assert first and opened.status == "received"
    row = opened.as_json()
    receipt = opened.step("received")
    push_event = next(e for e in events(ws, "push") if receipt.commit in e["objects"])
    assert row["received_at"] == push_event["time"] and row["received_by"] == "zheng"
    assert push_event["pusher"] == "zheng"
    assert [e["id"] for e in events(ws, "delivery-received")] == [delivery.id]
    meta, body, files = transmit.document_of(ws.city, opened)
    assert meta["number"] == "六政办秘〔2013〕27号" and "认真贯彻执行" in body
    assert files == ["attachments/办法.txt"]
    before = ws.snapshot()
    again, first_again = transmit.open_delivery(ws.city, "zheng", delivery.id)
    assert not first_again and again.as_json()["received_at"] == row["received_at"]
    assert ws.snapshot() == before  # no new object, ref or log line


def test_handling_steps_are_checked_by_the_hook(ws: Workspace) -> None:
    published(ws)
    delivery = transmit.send(ws.city, "zhao", DOC_DIR, to=["jyj"]).deliveries[0]
    before = ws.snapshot()
    with pytest.raises(PushRefused) as exc:  # registering before the receipt
        with Scratch(ws.city.unit_repo("jyj"), ws.city.signer("zheng")) as scratch:
            commit = scratch.commit({"handling/1-registered.yaml":
                                     b"action: registered\nby: zheng\nregister: {year: 2026, number: 1}\n"},
                                    "登记", parent=delivery.commit)
            scratch.push([f"{commit}:refs/receipts/lagov/{delivery.id}"])
    assert_push_refused(ws, before, exc, "receipt-invalid")
    with pytest.raises(PushRefused) as exc:  # a receipt for a delivery that does not exist
        with Scratch(ws.city.unit_repo("jyj"), ws.city.signer("zheng")) as scratch:
            commit = scratch.commit({"handling/1-received.yaml": b"action: received\nby: zheng\n"}, "签收",
                                    parent=delivery.commit)
            scratch.push([f"{commit}:refs/receipts/lagov/0123456789ab"])
    assert_push_refused(ws, before, exc, "receipt-invalid")


def test_register_gives_the_years_receipt_numbers_in_order(ws: Workspace) -> None:
    published(ws)
    first = transmit.send(ws.city, "zhao", DOC_DIR, to=["jyj"]).deliveries[0]
    with pytest.raises(Refused) as exc:  # check (open) first, then register
        transmit.register(ws.city, "zheng", first.id)
    assert exc.value.rule == "delivery-state"
    transmit.open_delivery(ws.city, "zheng", first.id)
    registered = transmit.register(ws.city, "zheng", first.id).as_json()
    year = timeutil.now().year
    assert registered["status"] == "registered" and registered["register_label"] == f"收〔{year}〕1号"
    with pytest.raises(Refused) as exc:
        transmit.answer(ws.city, "zheng", first.id, "returned", "已登记后不能退文")
    assert exc.value.rule == "delivery-state"
    second = transmit.send(ws.city, "zhao", DOC_DIR, to=["jyj"]).deliveries[0]
    transmit.open_delivery(ws.city, "zheng", second.id)
    before = ws.snapshot()
    with pytest.raises(PushRefused) as pushed:  # a second delivery may not reuse number 1
        tip = refs(ws, "jyj", "refs/receipts/")[f"refs/receipts/lagov/{second.id}"]
        with Scratch(ws.city.unit_repo("jyj"), ws.city.signer("zheng")) as scratch:
            commit = scratch.commit({"handling/2-registered.yaml":
                                     f"action: registered\nby: zheng\nregister: {{year: {year}, number: 1}}\n".encode()},
                                    "登记", parent=tip)
            scratch.push([f"{commit}:refs/receipts/lagov/{second.id}"])
    assert_push_refused(ws, before, pushed, "receipt-invalid")
    assert transmit.register(ws.city, "zheng", second.id).as_json()["register_label"] == f"收〔{year}〕2号"


def test_sender_sees_receipt_registration_return_and_resend(ws: Workspace) -> None:
    published(ws)
    sent = {d.to_unit: d for d in transmit.send(ws.city, "zhao", DOC_DIR).deliveries}
    transmit.open_delivery(ws.city, "zheng", sent["jyj"].id)
    transmit.register(ws.city, "zheng", sent["jyj"].id)
    transmit.open_delivery(ws.city, "chen", sent["czj"].id)
    with pytest.raises(Refused):
        transmit.answer(ws.city, "chen", sent["czj"].id, "returned", "  ")
    transmit.answer(ws.city, "chen", sent["czj"].id, "returned", "主送机关有误，本局不是主送单位")
    view = {row["to"]: row for row in (d.as_json() for d in transmit.sent_by(ws.city, "lagov"))}
    assert view["jyj"]["status"] == "registered" and view["jyj"]["received_by"] == "zheng"
    assert view["jyj"]["received_at"] and view["jyj"]["register_label"]
    assert view["czj"]["status"] == "returned" and view["czj"]["reason"] == "主送机关有误，本局不是主送单位"
    with pytest.raises(Refused) as exc:  # registered: nothing to resend
        transmit.send(ws.city, "zhao", None, resend=sent["jyj"].id)
    assert exc.value.rule == "delivery-state"
    again = transmit.send(ws.city, "zhao", None, resend=sent["czj"].id).deliveries
    assert [(d.to_unit, d.record["resend_of"]) for d in again] == [("czj", sent["czj"].id)]
    transmit.open_delivery(ws.city, "chen", again[0].id)
    transmit.answer(ws.city, "chen", again[0].id, "resend-requested", "附件无法打开")
    rows = [d.as_json() for d in transmit.sent_by(ws.city, "lagov")]
    assert [r["status"] for r in rows if r["to"] == "czj"] == ["returned", "resend-requested"]
    types = {e["type"] for e in eventlog.read(ws.city.log_file)}
    assert {"delivery-sent", "delivery-received", "delivery-registered", "delivery-returned",
            "delivery-resend-requested"} <= types
    assert eventlog.verify(ws.city.log_file) == []
    books = transmit.registers(ws.city, "lagov")
    assert len(books["outgoing"]) == 3 and books["incoming"] == []
    incoming = transmit.registers(ws.city, "jyj")["incoming"]
    assert incoming[0]["register_label"] and incoming[0]["status_name"] == "已登记"


def test_inbox_lists_unopened_first_marks_urgency_and_flags_overdue(ws: Workspace) -> None:
    published(ws)
    publish(ws, DOC.replace("加急", "特急").replace("27号", "28号"), "documents/2013/urgent")
    a = transmit.send(ws.city, "zhao", DOC_DIR, to=["jyj"]).deliveries[0]
    b = transmit.send(ws.city, "zhao", "documents/2013/urgent", to=["jyj"]).deliveries[0]
    transmit.open_delivery(ws.city, "zheng", a.id)
    _, listed = transmit.inbox(ws.city, "zheng")
    assert [d.id for d in listed] == [b.id, a.id]
    urgent = listed[0]
    sent = timeutil.parse(urgent.sent_at)
    assert not urgent.overdue(sent + timedelta(hours=23)) and urgent.overdue(sent + timedelta(hours=25))
    normal = listed[1]
    assert not normal.overdue(sent + timedelta(days=2)) and normal.overdue(sent + timedelta(days=4))


# The command line --------------------------------------------------------------------------
def test_cli_json_and_exit_statuses(ws: Workspace) -> None:
    published(ws)
    runner = CliRunner()
    base = ["--city", str(ws.city.root)]
    out = runner.invoke(oa, [*base, "--as", "zhang", "send", DOC_DIR])
    assert out.exit_code == 1 and "role-required" in out.output
    out = runner.invoke(oa, [*base, "--as", "zhao", "send", DOC_DIR, "--json"])
    assert out.exit_code == 0, out.output
    sent = json.loads(out.output)
    assert sent["unmatched"] == ["各县区人民政府"] and len(sent["sent"]) == 2
    ident = next(r["id"] for r in sent["sent"] if r["to"] == "jyj")
    out = runner.invoke(oa, [*base, "--as", "zheng", "inbox", "list", "--json"])
    rows = json.loads(out.output)
    keys = {"id", "from", "to", "number", "title", "urgency", "sent_at", "received_at", "received_by",
            "status", "reason"}
    assert keys <= set(rows[0]) and rows[0]["received_at"] is None and rows[0]["status"] == "sent"
    out = runner.invoke(oa, [*base, "--as", "zheng", "inbox", "open", ident])
    assert out.exit_code == 0 and "六政办秘〔2013〕27号" in out.output and "已签收" in out.output
    pdf = ws.base / "x.pdf"
    out = runner.invoke(oa, [*base, "--as", "zheng", "inbox", "open", ident, "--pdf", str(pdf)])
    assert out.exit_code == 0, out.output
    text = "".join(page.extract_text() for page in PdfReader(str(pdf)).pages)
    compact = "".join(text.split())
    assert "六政办秘〔2013〕27号" in compact and "认真贯彻执行" in compact
    assert "六安市人民政府办公室" in compact
    # the log's offline proofs of the sealing and the delivery travel with the print form
    attached = PdfReader(str(pdf)).attachments
    assert {"sealing.tlog-proof", "transmission.tlog-proof"} <= set(attached)
    assert attached["sealing.tlog-proof"][0].startswith(b"c2sp.org/tlog-proof@v1\n")
    assert (ws.base / "x.transmission.tlog-proof").read_bytes() == attached["transmission.tlog-proof"][0]
    out = runner.invoke(oa, [*base, "--as", "zheng", "inbox", "register", ident])
    assert out.exit_code == 0 and "收〔" in out.output
    out = runner.invoke(oa, [*base, "--as", "zheng", "inbox", "return", ident])
    assert out.exit_code == 2  # --reason is required: a usage error
    out = runner.invoke(oa, [*base, "--as", "zhao", "sent", "--json"])
    view = {r["to"]: r for r in json.loads(out.output)}
    assert view["jyj"]["status"] == "registered" and view["czj"]["status"] == "sent"
    assert timeutil.parse(view["jyj"]["received_at"]).utcoffset() == timedelta(hours=8)
    out = runner.invoke(oa, [*base, "log", "verify"])
    assert out.exit_code == 0


# The sealing merge's trailer ----------------------------------------------------------------
def test_sealing_commit_is_the_seal_signed_merge_named_in_the_trailer(ws: Workspace) -> None:
    landed = published(ws)
    repo = ws.city.unit_repo("lagov")
    message = git("log", "-1", "--format=%B", landed, cwd=repo, env=clean_env())
    assert f"Sealed-Document: {DOC_DIR}/index.md 六政办秘〔2013〕27号" in message
    assert transmit.sealing_commit(repo, DOC_DIR) == landed
    sealed, why = transmit.sealed_document(ws.city, "lagov", DOC_DIR)
    assert sealed is not None and sealed.sealing_commit == landed, why
    assert sealed.number == "六政办秘〔2013〕27号"
    # a merge naming another document in its trailer is not this document's sealing merge
    other = "documents/2013/other"
    landed_other = publish(ws, DOC.replace("27号", "28号"), other)
    assert transmit.sealing_commit(repo, other) == landed_other
    assert transmit.sealing_commit(repo, DOC_DIR) == landed
    # a "sealing" merge signed by a person, not by the unit's seal, never reaches main
    forged = "documents/2013/forged"
    n = approved_request(ws, {f"{forged}/index.md": DRAFT, f"{forged}/attachments/办法.txt": "第一条……\n"})
    before = ws.snapshot()
    refused = hand_merge(ws, "lagov", n, "zhao", "zhao", seal_key=False,
                         numbers={f"{forged}/index.md": "六政办秘〔2013〕31号"})
    assert refused and ws.snapshot() == before
    assert transmit.sealing_commit(repo, forged) is None
    with pytest.raises(Refused) as exc:
        transmit.send(ws.city, "zhao", forged, to=["jyj"])
    assert exc.value.rule == "transmit-not-sealed"
    assert transmit.sealing_commit(repo, DOC_DIR) == landed


# The demo chapter --------------------------------------------------------------------------
def test_demo_chapter_sends_registers_returns_and_resends(ws: Workspace) -> None:
    import io

    from rich.console import Console

    from repo_tools.demo import transmit as chapter
    from repo_tools.demo.state import DemoState

    out = io.StringIO()
    state = DemoState(root=ws.base, city=ws.city, console=Console(file=out, width=200))
    chapter.run(state)
    assert "跳过" in out.getvalue()  # nothing sealed yet: the chapter says so and does nothing
    merge = published(ws)
    state.facts["sealed"] = [{"unit": "lagov", "path": DOC_DIR, "number": "六政办秘〔2013〕27号", "merge": merge}]
    chapter.run(state)
    text = out.getvalue()
    assert "被拒绝（符合预期）" in text and "退文" in text and "重发" in text
    rows = state.facts["deliveries"]
    assert sorted(r["status"] for r in rows) == ["registered", "registered", "returned"]
    assert eventlog.verify(ws.city.log_file) == []


def test_receipt_ref_must_bring_a_handling_step(ws: Workspace) -> None:
    published(ws)
    delivery = transmit.send(ws.city, "zhao", DOC_DIR, to=["jyj"]).deliveries[0]
    before = ws.snapshot()
    with pytest.raises(PushRefused) as exc:
        push_as(ws, "zheng", "jyj", [f"{delivery.commit}:refs/receipts/lagov/{delivery.id}"])
    assert_push_refused(ws, before, exc, "receipt-invalid")


def test_document_cannot_change_on_main_after_sealing(ws: Workspace) -> None:
    landed = published(ws)
    work = ws.clone("lagov", "zhang")
    run(["git", "checkout", "-q", "-b", "draft/change"], work)
    ws.commit(work, {f"{DOC_DIR}/attachments/办法.txt": "改动过的附件\n"})
    before = ws.snapshot()
    proc = ws.push(work, "HEAD:refs/heads/draft/change")  # a sealed document is no draft any more
    assert proc.returncode != 0 and "[doc-number-draft｜" in proc.stderr, proc.stderr
    assert ws.snapshot() == before
    assert transmit.sealing_commit(ws.city.unit_repo("lagov"), DOC_DIR) == landed
    sealed, why = transmit.sealed_document(ws.city, "lagov", DOC_DIR)
    assert sealed is not None and sealed.sealing_commit == landed, why


# Verification of deliveries and receipts (oa verify) ----------------------------------------------
def test_verify_names_signer_trusted_time_and_key_validity_of_each_delivery_and_step(ws: Workspace) -> None:
    from repo_tools.identity import certificates
    from repo_tools.verify import report as verify

    published(ws)
    sent = {d.to_unit: d for d in transmit.send(ws.city, "zhao", DOC_DIR).deliveries}
    transmit.open_delivery(ws.city, "zheng", sent["jyj"].id)
    transmit.register(ws.city, "zheng", sent["jyj"].id)
    transmit.open_delivery(ws.city, "chen", sent["czj"].id)
    transmit.answer(ws.city, "chen", sent["czj"].id, "returned", "主送机关有误")
    # a later ordinary revocation does not void what the sender signed before it
    certificates.revoke(ws.city, "admin", "zhao", "left", "zhou")
    ws.witness()
    report = verify.verify(ws.city, "jyj")
    unit = report["units"][0]
    assert unit["ok"] and report["ok"], verify.render_text(report)
    [received] = unit["deliveries"]["received"]
    assert received["id"] == sent["jyj"].id and received["document_matches_seal"] and received["ok"]
    assert received["sent"]["signer"] == "zhao" and received["sent"]["valid"]
    push_time = next(e for e in events(ws, "push") if sent["jyj"].commit in e["objects"])["time"]
    assert received["sent"]["trusted_time"] == push_time
    assert [(s["action"], s["signer"], s["valid"]) for s in received["handling"]] == \
        [("received", "zheng", True), ("registered", "zheng", True)]
    for step in received["handling"]:
        assert step["trusted_time"] == next(e for e in events(ws, "push") if step["commit"] in e["objects"])["time"]
    # the generic object list accepts the delivery commit (signed by the sender, not a jyj member)
    delivery_finding = next(f for f in unit["objects"] if f["id"] == sent["jyj"].commit)
    assert delivery_finding["valid"] and delivery_finding["signer"] == "zhao"
    # the sender sees the same judgement for each unit it sent to
    lagov = verify.verify(ws.city, "lagov")["units"][0]
    rows = {d["to"]: d for d in lagov["deliveries"]["sent"]}
    assert set(rows) == {"jyj", "czj"} and all(d["ok"] for d in rows.values())
    assert [s["action"] for s in rows["czj"]["handling"]] == ["received", "returned"]
    assert rows["czj"]["handling"][1]["signer"] == "chen"
    text = verify.render_text(verify.verify(ws.city, "jyj"))
    assert f"收到传输 {sent['jyj'].id}" in text and "签收：郑伟（zheng）" in text and "登记：郑伟（zheng）" in text
    # CLI: the same in `oa verify --unit U --json`
    out = CliRunner().invoke(oa, ["--city", str(ws.city.root), "verify", "--unit", "czj", "--json"])
    assert out.exit_code == 0, out.output
    czj = json.loads(out.output)["units"][0]
    assert [d["id"] for d in czj["deliveries"]["received"]] == [sent["czj"].id]


def test_verify_refuses_a_delivery_signed_with_a_key_compromised_before_it_was_sent(ws: Workspace) -> None:
    from repo_tools.identity import certificates
    from repo_tools.verify import report as verify

    published(ws)
    delivery = transmit.send(ws.city, "zhao", DOC_DIR, to=["jyj"]).deliveries[0]
    transmit.open_delivery(ws.city, "zheng", delivery.id)
    ws.witness()
    assert verify.verify(ws.city, "jyj")["ok"]
    certificates.revoke(ws.city, "admin", "zhao", "compromised", "zhou", compromised_since=delivery.sent_at)
    report = verify.verify(ws.city, "jyj")
    [received] = report["units"][0]["deliveries"]["received"]
    assert not report["ok"] and not received["ok"] and not received["sent"]["valid"]
    assert "泄露" in received["sent"]["reason"]
    assert received["handling"][0]["valid"]  # the clerk's receipt itself still counts
    out = CliRunner().invoke(oa, ["--city", str(ws.city.root), "verify", "--unit", "jyj"])
    assert out.exit_code == 1 and f"收到传输 {delivery.id}" in out.output and "泄露" in out.output
