"""Deliveries and their handling (Art. 27-29).

`refs/outbox/<to>/<id>` in the **sending** repository: created once, never updated or deleted,
by a clerk or seal custodian of this unit, holding a parentless commit signed by that person
whose `document/` tree is the very tree sealed on this unit's `main` and whose record is well
formed. The service places it in the receiver's `refs/inbox/<from>/<id>` and copies the
receiver's handling back to `refs/replies/<to>/<id>`: nobody pushes to either.

`refs/receipts/<from>/<id>` in the receiving repository: moved forward only, by clerks of this
unit, one handling step per commit (签收 first, then one of 登记, 退文, 请求重发), each signed by
the clerk who pushes it.
"""
from __future__ import annotations

import re
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import yaml

from repo_tools.git.push import Push, RefUpdate
from repo_tools.git.repo import ZERO, ParsedCommit, git, parse_commit
from repo_tools.hook.rules.base import Refusal, first_refusing, refusal
from repo_tools.messages import say
from repo_tools.registry.records import ROLE_NAMES
from repo_tools.transmit import model as transmit
from repo_tools.transmit.vocabulary import ACTION_VERBS

INBOX_REF = re.compile(r"^refs/inbox/([a-z][a-z0-9-]{0,31})/([0-9a-f]{12})$")
OUTBOX_REF = re.compile(r"^refs/outbox/([a-z][a-z0-9-]{0,31})/([0-9a-f]{12})$")
SERVICE_REFS = ("refs/inbox/", "refs/replies/")
RECEIPT_REF = re.compile(r"^refs/receipts/([a-z][a-z0-9-]{0,31})/([0-9a-f]{12})$")
HANDLING_FILE = re.compile(r"^handling/(\d+)-([a-z-]+)\.yaml$")


def inbox_create_only(push: Push) -> Iterator[Refusal]:
    """Inbox and replies are the service's; outbox refs are created once; receipts never deleted."""
    for update in push.updates:
        if update.ref.startswith(SERVICE_REFS):
            yield refusal("inbox-service-only", update.ref, ref=update.ref)
        elif update.ref.startswith(transmit.OUTBOX) and not update.is_create:
            yield refusal("outbox-immutable", update.ref, ref=update.ref)
        elif update.ref.startswith(transmit.RECEIPTS) and update.is_delete:
            yield refusal("receipt-invalid", update.ref, ref=update.ref, detail=say("hook.rules_deliveries.inbox_create_only.1"))


def deliveries_valid(push: Push) -> Iterator[Refusal]:
    for update in push.updates:
        if update.ref.startswith(transmit.OUTBOX) and update.is_create:
            yield from _check_delivery(push, update)


@dataclass
class _Outbox:
    """One new outbox ref under the delivery checks; each check fills in what the next reads."""
    push: Push
    update: RefUpdate
    to_unit: str = ""
    ident: str = ""
    commit: ParsedCommit | None = None
    entries: dict[str, tuple[str, str]] = field(default_factory=dict)
    record: dict[str, Any] = field(default_factory=dict)

    @property
    def ref(self) -> str:
        return self.update.ref

    @property
    def from_unit(self) -> str:
        return self.push.unit or ""


def _check_delivery(push: Push, update: RefUpdate) -> Iterator[Refusal]:
    """A delivery in the outbox: the checks below, in order, each answering one question; the
    first that refuses is reported (each builds on the ones before), a check that raises is a
    refusal naming it."""
    yield from first_refusing(DELIVERY_CHECKS, _Outbox(push, update))


def delivery_ref_named(case: _Outbox) -> Iterator[Refusal]:
    """Is the ref refs/outbox/<receiving unit>/<12 hex digits>?"""
    match = OUTBOX_REF.match(case.ref)
    if not match:
        yield refusal("delivery-malformed", case.ref, ref=case.ref, detail=say("hook.rules_deliveries.delivery_ref_named.1"))
        return
    case.to_unit, case.ident = match[1], match[2]


def delivery_receiver_active(case: _Outbox) -> Iterator[Refusal]:
    """Is the receiver another registered unit in service? (One without a clerk, Art. 27, is no
    refusal: the delivery waits in the outbox.)"""
    target = case.push.registry.unit(case.to_unit)
    if case.to_unit == case.from_unit or target is None or target.status != "active":
        yield refusal("delivery-malformed", case.ref, ref=case.ref, detail=say("hook.rules_deliveries.delivery_receiver_active.1",
                                                                               to_unit=case.to_unit))


def delivery_sender_may_send(case: _Outbox) -> Iterator[Refusal]:
    """Is the pusher an active clerk or seal custodian of this unit?"""
    reg, pusher = case.push.registry, case.push.pusher_id
    person = reg.person(pusher or "")
    sender_unit = reg.unit(case.from_unit)
    if person is None or person.unit != case.from_unit or person.status != "active" \
            or not any(r in person.roles for r in transmit.SENDER_ROLES):
        yield refusal("delivery-sender-role", case.ref, user=pusher or say("hook.rules_deliveries.delivery_sender_may_send.1"),
                      name=person.name if person else "", unit=sender_unit.name if sender_unit else case.from_unit)


def delivery_is_parentless_commit(case: _Outbox) -> Iterator[Refusal]:
    """Is it a commit without parents, named by its own id?"""
    push, ref = case.push, case.ref
    got = push.reader.read(case.update.new)
    if got is None or got[1] != "commit":
        yield refusal("delivery-malformed", ref, ref=ref, detail=say("hook.rules_deliveries._check_delivery.4"))
        return
    commit = next((c for c in push.new_commits if c.oid == case.update.new), None) or parse_commit(case.update.new, got[2])
    if commit.oid[:transmit.ID_LENGTH] != case.ident:
        yield refusal("delivery-malformed", ref, ref=ref, detail=say("hook.rules_deliveries.delivery_is_parentless_commit.1"))
    elif commit.parents:
        yield refusal("delivery-malformed", ref, ref=ref, detail=say("hook.rules_deliveries.delivery_is_parentless_commit.2"))
    case.commit = commit


def delivery_signed_by_sender(case: _Outbox) -> Iterator[Refusal]:
    """Is it signed by the person who pushes it?"""
    commit, pusher = case.commit, case.push.pusher_id
    assert commit is not None
    check = case.push.verifier.check(commit.oid, commit.payload, commit.signature)
    if not check.valid or check.holder is None or check.holder.kind != "person" or check.holder.id != pusher:
        yield refusal("delivery-signer", case.ref, ref=case.ref, user=pusher)


def delivery_tree_shaped(case: _Outbox) -> Iterator[Refusal]:
    """Does its tree hold exactly the record and the document's folder?"""
    assert case.commit is not None
    entries = _tree_entries(case.push, case.commit.tree)
    if set(entries) != {transmit.RECORD, transmit.DOCUMENT} \
            or entries[transmit.RECORD][0] != "blob" or entries[transmit.DOCUMENT][0] != "tree":
        yield refusal("delivery-malformed", case.ref, ref=case.ref,
                      detail=say("hook.rules_deliveries.delivery_tree_shaped.1",
                                 record=transmit.RECORD,
                                 document=transmit.DOCUMENT,
                                 sorted_entries=sorted(entries)))
    case.entries = entries


def delivery_record_complete(case: _Outbox) -> Iterator[Refusal]:
    """Is the record a `DeliveryRecord` (a mapping with every required field, no unknown one,
    each of its type and values)? Pydantic is loaded here, only for a push carrying a delivery."""
    from pydantic import ValidationError

    from repo_tools.transmit.records import DeliveryRecord

    ref = case.ref
    data = _record(case.push, case.entries[transmit.RECORD][1])
    if data is None:
        yield refusal("delivery-malformed", ref, ref=ref, detail=say("hook.rules_deliveries._check_delivery.8",
                                                                     record=transmit.RECORD))
        return
    try:
        case.record = DeliveryRecord.model_validate(data).as_dict()
    except ValidationError as exc:
        yield refusal("delivery-malformed", ref, ref=ref, detail=_record_problems(exc))


def _record_problems(exc: Any) -> str:
    """The fields a record's validation error names, in Chinese: missing (or empty), unknown,
    of a wrong type or value."""
    missing: list[str] = []
    unknown: list[str] = []
    wrong: list[str] = []
    for error in exc.errors():
        name = ".".join(str(p) for p in error["loc"]) or "?"
        if error["type"] == "extra_forbidden":
            group = unknown
        elif error["type"] == "missing" or error["input"] is None or error["input"] == "":
            group = missing
        else:
            group = wrong
        if name not in group:
            group.append(name)
    return "；".join(filter(None, [
        say("hook.rules_deliveries.delivery_record_complete.1", value_join="、".join(missing)) if missing else "",
        say("hook.rules_deliveries.delivery_record_complete.2", value_join="、".join(unknown)) if unknown else "",
        say("hook.rules_deliveries.delivery_record_complete.3", value_join="、".join(wrong)) if wrong else "",
    ]))


def delivery_record_truthful(case: _Outbox) -> Iterator[Refusal]:
    """Does the record name this sender, this receiver, this pusher and this tree?"""
    wrong = [
        k
        for k, want in (("from", case.from_unit), ("to", case.to_unit), ("sender", case.push.pusher_id), ("document_tree", case.entries[transmit.DOCUMENT][1]))
        if case.record.get(k) != want
    ]
    if wrong:
        yield refusal("delivery-malformed", case.ref, ref=case.ref, detail=say("hook.rules_deliveries.delivery_record_truthful.1", value_join="、".join(wrong)))


def delivery_is_sealed_document(case: _Outbox) -> Iterator[Refusal]:
    """Is the folder the very tree sealed on this unit's main, and the record its seal's?"""
    ref, record, tree = case.ref, case.record, case.entries[transmit.DOCUMENT][1]
    sealed, why = transmit.sealed_document(case.push.city, case.from_unit, str(record["path"]), case.push.registry)
    if sealed is None:
        yield refusal("delivery-not-sealed", ref, ref=ref, detail=why)
        return
    if sealed.tree != tree:
        yield refusal(
            "delivery-not-sealed", ref, ref=ref, detail=say("hook.rules_deliveries.delivery_is_sealed_document.1", value=tree[:10], value2=sealed.tree[:10])
        )
        return
    expected = {
        "number": sealed.number,
        "sealing_commit": sealed.sealing_commit,
        "title": str(sealed.meta.get("title") or ""),
        "urgency": sealed.meta.get("urgency") or None,
    }
    wrong = [k for k, want in expected.items() if record.get(k) != want]
    if wrong:
        yield refusal("delivery-not-sealed", ref, ref=ref, detail=say("hook.rules_deliveries._check_delivery.13", value_join="、".join(wrong)))


DELIVERY_CHECKS = [
    delivery_ref_named,
    delivery_receiver_active,
    delivery_sender_may_send,
    delivery_is_parentless_commit,
    delivery_signed_by_sender,
    delivery_tree_shaped,
    delivery_record_complete,
    delivery_record_truthful,
    delivery_is_sealed_document,
]


def _tree_entries(push: Push, tree: str) -> dict[str, tuple[str, str]]:
    out = git("ls-tree", "-z", tree, cwd=push.repo, env=push.env)
    entries: dict[str, tuple[str, str]] = {}
    for item in out.split("\0"):
        if not item:
            continue
        meta, _, name = item.partition("\t")
        _, otype, oid = meta.split()
        entries[name] = (otype, oid)
    return entries


def _record(push: Push, blob: str) -> dict[str, Any] | None:
    try:
        data = yaml.safe_load(push.blob(blob).decode("utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError):
        return None
    return data if isinstance(data, dict) else None


def receipts_valid(push: Push) -> Iterator[Refusal]:
    for update in push.updates:
        if update.ref.startswith(transmit.RECEIPTS) and not update.is_delete:
            yield from _check_receipt(push, update)


def _check_receipt(push: Push, update: RefUpdate) -> Iterator[Refusal]:
    ref = update.ref
    match = RECEIPT_REF.match(ref)
    delivery = None
    if match:
        delivery = _rev(push, f"{transmit.INBOX}{match[1]}/{match[2]}")
    if delivery is None:
        yield refusal("receipt-invalid", ref, ref=ref, detail=say("hook.rules_deliveries._check_receipt.1"))
        return
    pusher = push.pusher_id
    person = push.registry.person(pusher or "")
    if person is None or person.unit != push.unit or "clerk" not in person.roles or person.status != "active":
        yield refusal("receipt-clerk", ref, user=pusher or say("hook.rules_deliveries._check_receipt.2"), role=ROLE_NAMES["clerk"])
        return
    base = delivery if update.is_create else update.old
    if not push.is_ancestor(base, update.new):
        yield refusal("receipt-invalid", ref, ref=ref, detail=say("hook.rules_deliveries._check_receipt.3"))
        return
    chain = git("rev-list", "--reverse", "--first-parent", update.new, "--not", delivery, cwd=push.repo, env=push.env).split()
    old_len = 0 if update.is_create else len(git("rev-list", "--first-parent", update.old, "--not", delivery, cwd=push.repo, env=push.env).split())
    if len(chain) <= old_len:
        yield refusal("receipt-invalid", ref, ref=ref, detail=say("hook.rules_deliveries._check_receipt.4"))
        return
    actions: list[str] = []
    if old_len:
        for path in _handling_files(push, update.old):
            got = HANDLING_FILE.match(path)
            if got:
                actions.append(got[2])
    for n, oid in enumerate(chain[old_len:], start=old_len + 1):
        problem = _check_step(push, oid, n, actions, pusher or "")
        if problem:
            yield refusal("receipt-invalid", ref, ref=ref, detail=say("hook.rules_deliveries._check_receipt.5", n=n, oid=oid[:10], problem=problem))
            return


def _check_step(push: Push, oid: str, n: int, before: list[str], pusher: str) -> str:
    """Why handling step `n` (commit `oid`) is invalid, or '' (appends its action to `before`)."""
    got = push.reader.read(oid)
    if got is None:
        return say("hook.rules_deliveries._check_step.1")
    from repo_tools.git.repo import parse_commit

    commit = parse_commit(oid, got[2])
    if len(commit.parents) != 1:
        return say("hook.rules_deliveries._check_step.2")
    check = push.verifier.check(oid, commit.payload, commit.signature)
    if not check.valid or check.holder is None or check.holder.id != pusher:
        return say("hook.rules_deliveries._check_step.3", pusher=pusher)
    changes = [(c.status, c.path) for c in push.diff(oid, commit.parents[0])]
    if len(changes) != 1 or changes[0][0] != "A":
        return say("hook.rules_deliveries._check_step.4")
    path = changes[0][1]
    match = HANDLING_FILE.match(path)
    if not match or int(match[1]) != n or match[2] not in transmit.ACTIONS:
        return say("hook.rules_deliveries._check_step.5", n=n, path=path)
    action = match[2]
    if not before and action != "received":
        return say("hook.rules_deliveries._check_step.6")
    if before and (action == "received" or before[-1] in transmit.FINAL_ACTIONS):
        return say("hook.rules_deliveries._check_step.7", action_verbs=ACTION_VERBS[before[-1]], action_verbs2=ACTION_VERBS[action])
    try:
        data = yaml.safe_load(push.blob(_blob_at(push, oid, path)).decode("utf-8")) or {}
    except (yaml.YAMLError, UnicodeDecodeError):
        return say("hook.rules_deliveries._check_step.8")
    if not isinstance(data, dict) or data.get("action") != action or data.get("by") != pusher:
        return say("hook.rules_deliveries._check_step.9")
    if action in ("returned", "resend-requested") and not str(data.get("reason") or "").strip():
        return say("hook.rules_deliveries._check_step.10")
    if action == "registered":
        entry = data.get("register") or {}
        if not isinstance(entry, dict) or not isinstance(entry.get("number"), int) or not isinstance(entry.get("year"), int):
            return say("hook.rules_deliveries._check_step.11")
        lock = f"{transmit.REGISTERS}{entry['year']}"
        if not any(u.ref == lock and not u.is_delete and _lock_receipt(push, u.new) == oid for u in push.updates):
            return say("hook.rules_deliveries._check_step.13", lock=lock)
    before.append(action)
    return ""


def _blob_at(push: Push, commit: str, path: str) -> str:
    return git("rev-parse", f"{commit}:{path}", cwd=push.repo, env=push.env).strip()


def _handling_files(push: Push, rev: str) -> list[str]:
    out = git("ls-tree", "-r", "--name-only", "-z", rev, "--", transmit.HANDLING, cwd=push.repo, env=push.env)
    return sorted(filter(None, out.split("\0")), key=lambda p: int(m[1]) if (m := HANDLING_FILE.match(p)) else 0)


REGISTER_LOCK = re.compile(r"^refs/registers/(\d{4})$")


def _lock_commit(push: Push, oid: str) -> ParsedCommit | None:
    got = push.reader.read(oid)
    return parse_commit(oid, got[2]) if got and got[1] == "commit" else None


def _lock_receipt(push: Push, oid: str) -> str | None:
    """The registration (handling commit) a lock commit allocates its number to: its last parent."""
    commit = _lock_commit(push, oid)
    return commit.parents[-1] if commit and commit.parents else None


def _lock_number(commit: ParsedCommit) -> int | None:
    match = transmit.REGISTER_NUMBER.search(commit.message)
    return int(match[1]) if match else None


def register_locks(push: Push) -> Iterator[Refusal]:
    """The 收文 register's lock (`refs/registers/<year>`): moved by one signed commit per
    registration, by the clerk who registers, allocating exactly the next number, together with
    that registration. Numbers are unique because each comes from one move of one ref, which
    git makes compare-and-swap on the ref's old value; nothing reads the other registrations."""
    for update in push.updates:
        if update.ref.startswith(transmit.REGISTERS):
            problem = _lock_problem(push, update)
            if problem:
                yield refusal("register-lock-invalid", update.ref, ref=update.ref, detail=problem)


def _lock_problem(push: Push, update: RefUpdate) -> str:
    """Why this move of a register lock is invalid, or ''."""
    match = REGISTER_LOCK.match(update.ref)
    if not match:
        return say("hook.rules_deliveries._lock_problem.1")
    if update.is_delete:
        return say("hook.rules_deliveries._lock_problem.2")
    person = push.registry.person(push.pusher_id or "")
    if person is None or person.unit != push.unit or "clerk" not in person.roles or person.status != "active":
        return say("hook.rules_deliveries._lock_problem.3", value=push.pusher_id or say("hook.rules_deliveries._lock_problem.unknown"))
    commit = _lock_commit(push, update.new)
    if commit is None:
        return say("hook.rules_deliveries._lock_problem.4")
    check = push.verifier.check(commit.oid, commit.payload, commit.signature)
    if not check.valid or check.holder is None or check.holder.id != push.pusher_id:
        return say("hook.rules_deliveries._lock_problem.5", pusher_id=push.pusher_id)
    number = _lock_number(commit)
    if number is None:
        return say("hook.rules_deliveries._lock_problem.6")
    if update.is_create:
        if len(commit.parents) != 1:
            return say("hook.rules_deliveries._lock_problem.7")
        if _register_number_taken(push, int(match[1]), number):  # registrations kept before the lock, once a year
            return say("hook.rules_deliveries._lock_problem.8", value=match[1], number=number)
    else:
        previous = _lock_commit(push, update.old)
        before = _lock_number(previous) if previous else None
        if len(commit.parents) != 2 or commit.parents[0] != update.old:
            return say("hook.rules_deliveries._lock_problem.9")
        if before is None or number != before + 1:
            return say(
                "hook.rules_deliveries._lock_problem.10",
                value=before + 1 if before is not None else say("hook.rules_deliveries._lock_problem.next"),
                number=number,
            )
    receipt = commit.parents[-1]
    if not any(u.ref.startswith(transmit.RECEIPTS) and u.new == receipt for u in push.updates):
        return say("hook.rules_deliveries._lock_problem.11")
    registered = [
        p
        for p in git("diff-tree", "-r", "--no-commit-id", "--name-only", "-z", "--root", receipt, cwd=push.repo, env=push.env).split("\0")
        if p.endswith("-registered.yaml")
    ]
    if len(registered) != 1:
        return say("hook.rules_deliveries._lock_problem.12")
    try:
        data = yaml.safe_load(push.blob(_blob_at(push, receipt, registered[0])).decode("utf-8")) or {}
    except (yaml.YAMLError, UnicodeDecodeError):
        return say("hook.rules_deliveries._lock_problem.13")
    entry = data.get("register") if isinstance(data, dict) else None
    if not isinstance(entry, dict) or entry.get("year") != int(match[1]) or entry.get("number") != number:
        return say("hook.rules_deliveries._lock_problem.14", value=match[1], number=number)
    return ""


def _register_number_taken(push: Push, year: int, number: int) -> bool:
    """Whether another delivery of this unit already holds this 收文 number (unique per year)."""
    out = git("for-each-ref", "--format=%(objectname)", transmit.RECEIPTS, cwd=push.repo, env=push.env)
    for tip in out.split():
        for path in _handling_files(push, tip):
            if path.endswith("-registered.yaml"):
                data = yaml.safe_load(push.blob(_blob_at(push, tip, path)).decode("utf-8")) or {}
                entry = data.get("register") or {}
                if entry.get("year") == year and entry.get("number") == number:
                    return True
    return False


def _rev(push: Push, ref: str) -> str | None:
    out = subprocess.run(["git", "rev-parse", "--verify", "--quiet", ref], cwd=push.repo, env=push.env, capture_output=True)
    oid = out.stdout.decode().strip()
    return oid if out.returncode == 0 and oid and oid != ZERO else None
