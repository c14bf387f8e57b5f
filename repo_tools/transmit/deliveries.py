"""Transmission and receipt (公文传输, Art. 27-29; ARCHITECTURE.md "Transmission and receipt").

A **delivery** carries one sealed document to one receiving unit: a signed commit with no
parents whose tree is exactly

    delivery.yaml   the delivery record (from, to, number, sealing commit, sender, urgency, title)
    document/       the document's folder, the very tree object sealed on the sender's `main`

pushed by the sender (clerk or seal custodian of the sending unit) to its **own** repository,
`refs/outbox/<to-unit>/<id>`; the service (`server.courier`, in post-receive) places the same
commit in the receiving repository at `refs/inbox/<from-unit>/<id>`, marks it placed with
`refs/replies/<to-unit>/<id>` in the sender's repository and copies every later handling step
there. No person reads or writes another unit's repository. `<id>` is the first 12 hex digits
of the delivery commit, so a ref name is bound to its content and needs no counter.

**Handling** (签收, 登记, 退文, 请求重发) is a chain of signed commits on
`refs/receipts/<from-unit>/<id>` in the receiving repository, each by a clerk of that unit:
the first commit's parent is the delivery commit, and commit *n* of the chain adds exactly one
file `handling/<n>-<action>.yaml` to the delivery's tree. The ref only moves forward. So the
receipt, the registration or the return are signed objects in the receiving repository, and
their *trusted times* are the log times of the pushes that brought them: transmission time is
the log time of the delivery push, receipt time the log time of the first open's push.
"""
from __future__ import annotations

import re
import shutil
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import yaml

from repo_tools import timeutil
from repo_tools.city import City
from repo_tools.documents import frontmatter
from repo_tools.documents.vocabulary import EXTRA_URGENT, URGENT
from repo_tools.git.repo import (
    ObjectReader,
    PushRefused,
    Scratch,
    Signer,
    clean_env,
    git,
    list_tree,
    parse_commit,
    rev_parse,
    signed_anew,
)
from repo_tools.git.repo import (
    push as signed_push,
)
from repo_tools.log import eventlog
from repo_tools.log.carried import carry
from repo_tools.messages import Refused, say
from repo_tools.registry.records import Registry

# The formats and the sealed document (read-only, beside the rules that read them):
from repo_tools.transmit.model import (  # noqa: F401 - the names this module always offered
    ACTIONS,
    DOCUMENT,
    FINAL_ACTIONS,
    HANDLING,
    ID_LENGTH,
    ID_PATTERN,
    INBOX,
    OUTBOX,
    RECEIPTS,
    RECORD,
    REGISTER_NUMBER,
    REGISTER_TRIES,
    REGISTERS,
    REPLIES,
    SEALED_TRAILER,
    SENDER_ROLES,
    SealedDocument,
    normalize_path,
    sealed_document,
    sealing_commit,
)
from repo_tools.transmit.records import parse_delivery, parse_handling
from repo_tools.transmit.vocabulary import ACTION_VERBS, HANDLING_LIMITS, STATUS_NAMES


# Deliveries as the receiving repository holds them --------------------------------------
@dataclass
class Handling:
    """One signed handling step on refs/receipts/<from>/<id>."""
    step: int
    action: str
    by: str
    commit: str
    at: str | None                   # trusted time: log time of the push that brought it
    reason: str = ""
    register: dict[str, Any] = field(default_factory=dict)


@dataclass
class Delivery:
    """A delivery with its handling so far, as sender and receiver both see it."""
    id: str
    ref: str
    commit: str
    record: dict[str, Any]
    sent_at: str | None
    handling: list[Handling] = field(default_factory=list)
    receipt_tip: str | None = None
    repo: Path | None = None         # the repository it was read from (receiver's or sender's)
    placed: bool = True              # False while queued in the sender's outbox

    @property
    def from_unit(self) -> str:
        return str(self.record.get("from", ""))

    @property
    def to_unit(self) -> str:
        return str(self.record.get("to", ""))

    @property
    def status(self) -> str:
        return self.handling[-1].action if self.handling else "sent"

    def step(self, action: str) -> Handling | None:
        return next((h for h in self.handling if h.action == action), None)

    def overdue(self, now: datetime | None = None) -> bool:
        """Waiting longer than its urgency allows without being registered or answered."""
        if self.status not in ("sent", "received") or not self.sent_at:
            return False
        limit = HANDLING_LIMITS.get(self.record.get("urgency")) or HANDLING_LIMITS[None]
        sent = timeutil.parse(self.sent_at)
        return sent is not None and (now or timeutil.now()) - sent > limit

    def as_json(self, now: datetime | None = None) -> dict[str, Any]:
        """The contract's shape (ARCHITECTURE.md), plus the register and resend details."""
        received = self.step("received")
        final = next((h for h in reversed(self.handling) if h.action in FINAL_ACTIONS), None)
        registered = self.step("registered")
        return {
            "id": self.id, "from": self.from_unit, "from_name": self.record.get("from_name"),
            "to": self.to_unit, "to_name": self.record.get("to_name"),
            "number": self.record.get("number"), "title": self.record.get("title"),
            "urgency": self.record.get("urgency"), "type": self.record.get("type"),
            "path": self.record.get("path"), "sender": self.record.get("sender"),
            "sent_at": self.sent_at,
            "received_at": received.at if received else None,
            "received_by": received.by if received else None,
            "status": self.status,
            "reason": final.reason if final and final.action != "registered" else None,
            "handled_at": final.at if final else None, "handled_by": final.by if final else None,
            "register_number": registered.register.get("number") if registered else None,
            "register_label": registered.register.get("label") if registered else None,
            "resend_of": self.record.get("resend_of"),
            "overdue": self.overdue(now), "queued": not self.placed,
            "commit": self.commit, "sealing_commit": self.record.get("sealing_commit"),
        }


def _log_times(city: City) -> dict[str, str]:
    return eventlog.trusted_times(city.log_file)


def deliveries_in(city: City, unit: str, from_unit: str | None = None,
                  times: dict[str, str] | None = None) -> list[Delivery]:
    """Every delivery in a unit's inbox (optionally only those from one unit), with handling."""
    repo = city.unit_repo(unit)
    env = clean_env()
    pattern = [f"{INBOX}{from_unit}/" if from_unit else INBOX,
               f"{RECEIPTS}{from_unit}/" if from_unit else RECEIPTS]
    out = git("for-each-ref", "--format=%(objectname) %(refname)", *pattern, cwd=repo, env=env)
    inbox: dict[str, str] = {}
    receipts: dict[str, str] = {}
    for line in out.splitlines():
        oid, ref = line.split(" ", 1)
        if ref.startswith(INBOX):
            inbox[ref[len(INBOX):]] = oid
        else:
            receipts[ref[len(RECEIPTS):]] = oid
    if not inbox:
        return []
    times = times if times is not None else _log_times(city)
    found: list[Delivery] = []
    with ObjectReader(repo, env=env) as reader:
        for key, oid in sorted(inbox.items()):
            record = _read_record(reader, oid, INBOX + key)
            delivery = Delivery(id=key.split("/", 1)[1], ref=INBOX + key, commit=oid, record=record,
                                sent_at=times.get(oid), repo=repo)
            tip = receipts.get(key)
            if tip:
                delivery.receipt_tip = tip
                delivery.handling = _read_handling(repo, reader, oid, tip, times)
            found.append(delivery)
    return found


def _read_record(reader: ObjectReader, commit: str, ref: str = "") -> dict[str, Any]:
    """The delivery record, validated (`transmit.records`): RecordError names the field."""
    data = reader.blob(f"{commit}:{RECORD}")
    return parse_delivery(data, f"{ref or commit[:ID_LENGTH]}:{RECORD}").as_dict()


def _read_handling(repo: Path, reader: ObjectReader, delivery: str, tip: str,
                   times: dict[str, str]) -> list[Handling]:
    chain = git("rev-list", "--reverse", "--first-parent", tip, "--not", delivery, cwd=repo,
                env=clean_env()).split()
    files = list_tree(repo, tip, HANDLING, env=clean_env())
    by_step: dict[int, tuple[str, str]] = {}
    for path, blob in files.items():
        match = re.fullmatch(rf"{HANDLING}/(\d+)-([a-z-]+)\.yaml", path)
        if match:
            by_step[int(match[1])] = (match[2], blob)
    steps: list[Handling] = []
    for n, commit in enumerate(chain, start=1):
        if n not in by_step:
            break
        action, blob = by_step[n]
        step = parse_handling(reader.blob(blob), f"{commit[:ID_LENGTH]}:{HANDLING}/{n}-{action}.yaml")
        steps.append(Handling(n, action, step.by, commit, times.get(commit), step.reason or "",
                              step.entry.model_dump() if step.entry else {}))
    return steps


def sent_by(city: City, unit: str, times: dict[str, str] | None = None) -> list[Delivery]:
    """Every delivery a unit has sent, read from its own repository: the outbox, and the
    receiver's handling steps the service copied back under refs/replies/."""
    times = times if times is not None else _log_times(city)
    repo = city.unit_repo(unit)
    env = clean_env()
    out = git("for-each-ref", "--format=%(objectname) %(refname)", OUTBOX, REPLIES, cwd=repo, env=env)
    outbox: dict[str, str] = {}
    replies: dict[str, str] = {}
    for line in out.splitlines():
        oid, ref = line.split(" ", 1)
        if ref.startswith(OUTBOX):
            outbox[ref[len(OUTBOX):]] = oid
        else:
            replies[ref[len(REPLIES):]] = oid
    found: list[Delivery] = []
    with ObjectReader(repo, env=env) as reader:
        for key, oid in sorted(outbox.items()):
            delivery = Delivery(id=key.split("/", 1)[1], ref=OUTBOX + key, commit=oid,
                                record=_read_record(reader, oid, OUTBOX + key), sent_at=times.get(oid), repo=repo,
                                placed=key in replies)
            tip = replies.get(key)
            if tip and tip != oid:
                delivery.receipt_tip = tip
                delivery.handling = _read_handling(repo, reader, oid, tip, times)
            found.append(delivery)
    return sorted(found, key=lambda d: d.sent_at or "")


def inbox_order(deliveries: Iterable[Delivery]) -> list[Delivery]:
    """Unopened first; within each group the most urgent, then the oldest."""
    rank = {EXTRA_URGENT: 0, URGENT: 1}
    return sorted(deliveries, key=lambda d: (d.status != "sent", rank.get(str(d.record.get("urgency")), 2),
                                             d.sent_at or ""))


def find(deliveries: Iterable[Delivery], ident: str) -> Delivery:
    """The delivery whose id starts with `ident` (at least 4 characters, unambiguous)."""
    ident = ident.strip().split("/")[-1]
    matches = [d for d in deliveries if len(ident) >= 4 and d.id.startswith(ident)]
    if len(matches) != 1:
        raise Refused("not-found", what=say("transmit.deliveries.find.1"), name=ident,
                      remedy=say("transmit.deliveries.find.2")
                      if not matches else say("transmit.deliveries.find.3"))
    return matches[0]


# Sending ---------------------------------------------------------------------------------
def _require_role(reg: Registry, actor: str, roles: tuple[str, ...], action: str) -> str:
    """The actor's unit when they are active and hold one of `roles`; else refuse."""
    person = reg.person(actor)
    if person is None:
        raise Refused("not-found", what=say("transmit.deliveries._require_role.1"), name=actor, remedy=say("transmit.deliveries._require_role.2"))
    if person.status != "active" or not any(r in person.roles for r in roles):
        from repo_tools.registry.records import ROLE_NAMES
        raise Refused("role-required", user=actor, role=say("transmit.deliveries._require_role.3").join(ROLE_NAMES[r] for r in roles), action=action)
    return person.unit


def recipients_of(reg: Registry, meta: dict[str, Any], own_unit: str) -> tuple[list[str], list[str]]:
    """(registered unit ids named in 主送 and 抄送, names that match no registered unit)."""
    units: list[str] = []
    unmatched: list[str] = []
    for key in ("recipients", "cc"):
        names = meta.get(key) or []
        if isinstance(names, str):
            names = [names]
        for name in names:
            unit = reg.unit_by_name(str(name).strip())
            if unit is None:
                unmatched.append(str(name))
            elif unit.id != own_unit and unit.id not in units:
                units.append(unit.id)
    return units, unmatched


def delivery_record(reg: Registry, sealed: SealedDocument, to: str, sender: str,
                    resend_of: str | None = None) -> dict[str, Any]:
    from_unit = reg.unit(sealed.unit)
    to_unit = reg.unit(to)
    person = reg.person(sender)
    return {
        "from": sealed.unit, "from_name": from_unit.name if from_unit else sealed.unit,
        "to": to, "to_name": to_unit.name if to_unit else to,
        "number": sealed.number, "title": str(sealed.meta.get("title") or ""),
        "urgency": sealed.meta.get("urgency") or None, "type": sealed.meta.get("type"),
        "path": sealed.path, "sealing_commit": sealed.sealing_commit, "document_tree": sealed.tree,
        "sender": sender, "sender_name": person.name if person else sender, "resend_of": resend_of,
    }


def dump_record(record: dict[str, Any]) -> bytes:
    return yaml.safe_dump(record, allow_unicode=True, sort_keys=False).encode("utf-8")


def build_delivery(city: City, signer: Signer, from_unit: str, to: str, record: dict[str, Any],
                   document_tree: str, workdir: Path) -> str:
    """Write the parentless signed delivery commit in `workdir` (objects of both repos borrowed)."""
    env = clean_env(signer.git_env())
    blob = git("hash-object", "-w", "--stdin", cwd=workdir, env=env, input=dump_record(record)).strip()
    listing = f"100644 blob {blob}\t{RECORD}\n040000 tree {document_tree}\t{DOCUMENT}\n"
    tree = git("mktree", cwd=workdir, env=env, input=listing.encode("utf-8")).strip()
    message = say("transmit.deliveries.build_delivery.1",
                  number=record['number'], title=record['title'], to_name=record['to_name'])
    if record.get("resend_of"):
        message += say("transmit.deliveries.build_delivery.2", resend_of=record['resend_of'])
    return git(*signer.git_config(), "commit-tree", f"-S{signer.fingerprint}", tree, "-m", message,
               cwd=workdir, env=env).strip()


def _sending_workdir(city: City, from_unit: str, to: str) -> Path:
    """A scratch repository borrowing the sender's own objects (never the receiver's)."""
    work = Path(tempfile.mkdtemp(prefix="oa-s"))
    git("init", "-q", "--bare", "--template=", str(work), env=clean_env())
    alternates = [city.unit_repo(from_unit) / "objects"]
    (work / "objects" / "info" / "alternates").write_text(
        "".join(f"{p.resolve()}\n" for p in alternates))
    return work


def push_delivery(city: City, signer: Signer, from_unit: str, to: str, record: dict[str, Any],
                  document_tree: str) -> str:
    """Build one delivery and push it to the sender's own outbox; the service delivers it.
    Return its commit id."""
    work = _sending_workdir(city, from_unit, to)
    sender = city.unit_repo(from_unit)
    try:
        # The same document sent again within the same second is a delivery of its own.
        commit = signed_anew(sender, lambda: build_delivery(city, signer, from_unit, to, record, document_tree, work))
        ref = f"{OUTBOX}{to}/{commit[:ID_LENGTH]}"
        signed_push(work, str(sender), [f"{commit}:{ref}"], signer)
        return commit
    finally:
        shutil.rmtree(work, ignore_errors=True)


@dataclass
class SendResult:
    deliveries: list[Delivery]
    unmatched: list[str]
    skipped: list[str]
    queued: list[str] = field(default_factory=list)   # receivers with no clerk yet (Art. 27)


def send(city: City, actor: str, path: str | None, to: Iterable[str] = (),
         resend: str | None = None) -> SendResult:
    """Send a document sealed on the actor's unit's main to each receiving unit (Art. 28)."""
    reg = city.registry()
    unit = _require_role(reg, actor, SENDER_ROLES, say("transmit.deliveries.send.1"))
    targets = list(dict.fromkeys(to))
    resend_of: str | None = None
    if resend:
        old = find(sent_by(city, unit), resend)
        if old.status not in ("returned", "resend-requested"):
            raise Refused("delivery-state", id=old.id, status=STATUS_NAMES[old.status], action=say("transmit.deliveries.send.2"),
                          remedy=say("transmit.deliveries.send.3"))
        resend_of = old.id
        path = path or str(old.record.get("path") or "")
        targets = [old.to_unit]
    if not path:
        raise Refused("usage", detail=say("transmit.deliveries.send.4"), remedy=say("transmit.deliveries.send.5"))
    sealed, why = sealed_document(city, unit, path, reg)
    if sealed is None:
        raise Refused("transmit-not-sealed", path=normalize_path(path), detail=why)
    unmatched: list[str] = []
    skipped: list[str] = []
    if not targets:
        targets, unmatched = recipients_of(reg, sealed.meta, unit)
    for target in targets:
        if reg.unit(target) is None or reg.units[target].status != "active":
            raise Refused("not-found", what=say("transmit.deliveries.send.6"), name=target, remedy=say("transmit.deliveries.send.7"))
    if unit in targets:
        targets.remove(unit)
        skipped.append(unit)
    if not targets:
        detail = say("transmit.deliveries.send.8", value_join='、'.join(unmatched)) if unmatched else ""
        raise Refused("transmit-no-recipient", path=sealed.path, detail=detail)
    # A unit without a clerk cannot receive yet (Art. 27): its delivery waits in the outbox and
    # the service places it once a clerk is registered.
    queued = [t for t in targets if not reg.with_role(t, "clerk")]
    signer = city.signer(actor, reg)
    sent: list[Delivery] = []
    for target in targets:
        record = delivery_record(reg, sealed, target, actor, resend_of)
        # The service logs it when the push arrives (log/carried.py); the id is the commit's.
        with carry("delivery-sent", **{"from": unit}, to=target, number=sealed.number, title=record["title"],
                   urgency=record["urgency"], sender=actor, sealing_commit=sealed.sealing_commit,
                   resend_of=resend_of):
            commit = push_delivery(city, signer, unit, target, record, sealed.tree)
        sent.append(next(d for d in sent_by(city, unit) if d.commit == commit))
    return SendResult(sent, unmatched, skipped, queued)


# Receiving -------------------------------------------------------------------------------
def inbox(city: City, actor: str) -> tuple[str, list[Delivery]]:
    """The actor's unit and its inbox (unopened first)."""
    reg = city.registry()
    person = reg.person(actor)
    if person is None:
        raise Refused("not-found", what=say("transmit.deliveries.inbox.1"), name=actor, remedy=say("transmit.deliveries.inbox.2"))
    return person.unit, inbox_order(deliveries_in(city, person.unit))


def _handle(city: City, unit: str, actor: str, delivery: Delivery, action: str,
            extra: dict[str, Any], event: dict[str, Any] | None = None) -> Delivery:
    """Push the next handling commit onto refs/receipts/<from>/<id>; return the reloaded delivery."""
    step = len(delivery.handling) + 1
    content = {"action": action, "delivery": delivery.id, "by": actor, **extra}
    changes = {f"{HANDLING}/{step}-{action}.yaml":
               yaml.safe_dump(content, allow_unicode=True, sort_keys=False).encode("utf-8")}
    parent = delivery.receipt_tip or delivery.commit
    ref = f"{RECEIPTS}{delivery.from_unit}/{delivery.id}"
    message = say("transmit.deliveries._handle.1",
                  action_verbs=ACTION_VERBS[action], record_get=delivery.record.get('number'),
                  record_get2=delivery.record.get('title'))
    if extra.get("reason"):
        message += say("transmit.deliveries._handle.2", reason=extra['reason'])
    with Scratch(city.unit_repo(unit), city.signer(actor)) as scratch:
        commit = scratch.commit(changes, message, parent=parent)
        # The step's event rides on its push; the service writes it when the push arrives.
        with carry(f"delivery-{action}", id=delivery.id, unit=unit, **{"from": delivery.from_unit},
                   number=delivery.record.get("number"), by=actor, commit=commit, **(event or {})):
            scratch.push([f"{commit}:{ref}"])
    return reload(city, unit, delivery.id)


def reload(city: City, unit: str, delivery_id: str) -> Delivery:
    return find(deliveries_in(city, unit), delivery_id)


def _clerk_delivery(city: City, actor: str, ident: str, action: str) -> tuple[str, Delivery]:
    reg = city.registry()
    unit = _require_role(reg, actor, ("clerk",), action)
    return unit, find(deliveries_in(city, unit), ident)


def open_delivery(city: City, actor: str, ident: str) -> tuple[Delivery, bool]:
    """Open a delivery; the first open by a clerk records the receipt (Art. 29). Returns
    (delivery, True when this open recorded the receipt)."""
    unit, delivery = _clerk_delivery(city, actor, ident, say("transmit.deliveries.open_delivery.1"))
    if delivery.handling:
        return delivery, False
    try:
        delivery = _handle(city, unit, actor, delivery, "received", {})
    except PushRefused:
        # Another clerk's first open won the race on the ref: theirs is the receipt.
        delivery = reload(city, unit, delivery.id)
        if not delivery.handling:
            raise
        return delivery, False
    assert delivery.step("received") is not None  # its event's time is the receipt time (Art. 29)
    return delivery, True


def _require_status(delivery: Delivery, allowed: tuple[str, ...], action: str) -> None:
    if delivery.status in allowed:
        return
    remedy = (say("transmit.deliveries._require_status.1") if delivery.status == "sent"
              else say("transmit.deliveries._require_status.2"))
    raise Refused("delivery-state", id=delivery.id, status=STATUS_NAMES[delivery.status], action=action,
                  remedy=remedy)


def next_register_number(city: City, unit: str, year: int) -> int:
    """The unit's next 收文 number for the year: one more than the lock's, or than the highest
    registered where no lock exists yet (a register kept before the lock, read once a year)."""
    lock = register_lock(city.unit_repo(unit), year)
    if lock is not None:
        return lock[1] + 1
    used = [h.register.get("number", 0) for d in deliveries_in(city, unit) for h in d.handling
            if h.action == "registered" and h.register.get("year") == year]
    return max([0, *[int(n) for n in used]]) + 1


def register_lock(repo: str | Path, year: int) -> tuple[str, int] | None:
    """(commit, last number allocated) of the year's register lock, or None before the first."""
    env = clean_env()
    oid = rev_parse(repo, f"{REGISTERS}{year}", env=env)
    if oid is None:
        return None
    with ObjectReader(repo, env=env) as reader:
        got = reader.read(oid)
    match = REGISTER_NUMBER.search(parse_commit(oid, got[2]).message) if got and got[1] == "commit" else None
    return (oid, int(match[1])) if match else None


def register_label(year: int, number: int) -> str:
    return say("transmit.deliveries.register_label.1", year=year, number=number)


def register(city: City, actor: str, ident: str) -> Delivery:
    """登记: the unit's 收文 number for the year, 来文单位, 文号, 标题, 紧急程度, 收文时间.

    The number is allocated by the year's lock ref: the registration and the lock's next
    commit are pushed together (`--atomic`); a clerk who lost the race to another registration
    (the lock moved) takes the next number and tries again."""
    unit, delivery = _clerk_delivery(city, actor, ident, say("transmit.deliveries.register.1"))
    _require_status(delivery, ("received",), say("transmit.deliveries.register.2"))
    year = timeutil.now().year
    repo = city.unit_repo(unit)
    for _attempt in range(REGISTER_TRIES):
        lock = register_lock(repo, year)
        number = lock[1] + 1 if lock else next_register_number(city, unit, year)
        try:
            delivery = _register_once(city, unit, actor, delivery, year, number, lock)
            break
        except PushRefused:
            if register_lock(repo, year) == lock:
                raise  # refused for another reason than a lost race
            delivery = find(deliveries_in(city, unit), delivery.id)
            _require_status(delivery, ("received",), say("transmit.deliveries.register.2"))
    else:
        raise Refused("usage", detail=say("transmit.deliveries.register.3", register_tries=REGISTER_TRIES), remedy=say("transmit.deliveries.register.4"))
    return delivery


def _register_once(city: City, unit: str, actor: str, delivery: Delivery, year: int, number: int,
                   lock: tuple[str, int] | None) -> Delivery:
    """One attempt: the registration's handling commit and the lock's next commit, one atomic push."""
    received = delivery.step("received")
    entry = {"year": year, "number": number, "label": register_label(year, number),
             "from_name": delivery.record.get("from_name"), "document_number": delivery.record.get("number"),
             "title": delivery.record.get("title"), "urgency": delivery.record.get("urgency"),
             "received_at": received.at if received else None}
    step = len(delivery.handling) + 1
    content = {"action": "registered", "delivery": delivery.id, "by": actor, "register": entry}
    changes = {f"{HANDLING}/{step}-registered.yaml":
               yaml.safe_dump(content, allow_unicode=True, sort_keys=False).encode("utf-8")}
    ref = f"{RECEIPTS}{delivery.from_unit}/{delivery.id}"
    message = say("transmit.deliveries._register_once.1",
                  registered=ACTION_VERBS['registered'],
                  record_get=delivery.record.get('number'),
                  record_get2=delivery.record.get('title'))
    with Scratch(city.unit_repo(unit), city.signer(actor)) as scratch:
        commit = scratch.commit(changes, message, parent=delivery.receipt_tip or delivery.commit)
        parents = [lock[0], commit] if lock else [commit]
        locked = scratch.commit({}, f"{register_label(year, number)}\n\nReceipt: {ref}\nRegister-Number: {number}\n",
                                parents=parents, base_tree=commit)
        # The registration's event rides on its push; the service writes it when the push arrives.
        with carry("delivery-registered", id=delivery.id, unit=unit, **{"from": delivery.from_unit},
                   number=delivery.record.get("number"), by=actor, commit=commit, register=entry["label"]):
            scratch.push([f"{commit}:{ref}", f"{locked}:{REGISTERS}{year}"], atomic=True)
    return reload(city, unit, delivery.id)


def answer(city: City, actor: str, ident: str, action: str, reason: str) -> Delivery:
    """退文 (`returned`) or 请求重发 (`resend-requested`), with the clerk's reason."""
    assert action in ("returned", "resend-requested")
    verb = ACTION_VERBS[action]
    unit, delivery = _clerk_delivery(city, actor, ident, say("transmit.deliveries.answer.1", verb=verb))
    if not reason.strip():
        raise Refused("usage", detail=say("transmit.deliveries.answer.2", verb=verb), remedy=say("transmit.deliveries.answer.3"))
    _require_status(delivery, ("received",), verb)
    return _handle(city, unit, actor, delivery, action, {"reason": reason.strip()}, {"reason": reason.strip()})


def document_of(city: City, delivery: Delivery) -> tuple[dict[str, Any], str, list[str]]:
    """(front matter, body, other files) of the document a delivery carries."""
    repo = delivery.repo or city.unit_repo(delivery.to_unit)
    with ObjectReader(repo, env=clean_env()) as reader:
        data = reader.blob(f"{delivery.commit}:{DOCUMENT}/index.md") or b""
    meta, body = frontmatter.split(data.decode("utf-8"))
    files = sorted(p[len(DOCUMENT) + 1:] for p in list_tree(repo, delivery.commit, DOCUMENT, env=clean_env())
                   if p != f"{DOCUMENT}/index.md")
    return meta, body, files


def export_document(city: City, delivery: Delivery, target: Path) -> Path:
    """Write the delivered document folder to `target` (for printing)."""
    repo = delivery.repo or city.unit_repo(delivery.to_unit)
    with ObjectReader(repo, env=clean_env()) as reader:
        for path, blob in list_tree(repo, delivery.commit, DOCUMENT, env=clean_env()).items():
            out = target / path[len(DOCUMENT) + 1:]
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_bytes(reader.blob(blob) or b"")
    return target


# For the site: the unit's own registers --------------------------------------------------
INCOMING_COLUMNS = [("register_label", say("transmit.deliveries.module.1")),
                    ("from_name", say("transmit.deliveries.module.2")),
                    ("number", say("transmit.deliveries.module.3")),
                    ("title", say("transmit.deliveries.module.4")),
                    ("urgency", say("transmit.deliveries.module.5")),
                    ("sent_at", say("transmit.deliveries.module.6")),
                    ("received_at", say("transmit.deliveries.module.7")),
                    ("received_by", say("transmit.deliveries.module.8")),
                    ("status_name", say("transmit.deliveries.module.9")),
                    ("reason", say("transmit.deliveries.module.10"))]
OUTGOING_COLUMNS = [("number", say("transmit.deliveries.module.3")),
                    ("title", say("transmit.deliveries.module.4")),
                    ("to_name", say("transmit.deliveries.module.11")),
                    ("urgency", say("transmit.deliveries.module.5")),
                    ("sender", say("transmit.deliveries.module.12")),
                    ("sent_at", say("transmit.deliveries.module.6")),
                    ("received_at", say("transmit.deliveries.module.13")),
                    ("received_by", say("transmit.deliveries.module.8")),
                    ("status_name", say("transmit.deliveries.module.9")),
                    ("reason", say("transmit.deliveries.module.10"))]


def registers(city: City, unit: str, times: dict[str, str] | None = None) -> dict[str, Any]:
    """The unit's 收文登记簿 (`incoming`) and 发文登记簿 (`outgoing`), rows as in `oa inbox list
    --json` plus `status_name`; `columns` gives each register's (key, Chinese heading) pairs.
    Only for the unit's own readers (its overlay): never put it in the all-staff build.
    `times`: the log's trusted times, when a caller reads them once for many units."""
    times = times if times is not None else _log_times(city)
    now = timeutil.now()

    def rows(found: list[Delivery]) -> list[dict[str, Any]]:
        out = []
        for d in found:
            row = d.as_json(now)
            row["status_name"] = STATUS_NAMES[row["status"]]
            out.append(row)
        return out

    incoming = sorted(deliveries_in(city, unit, times=times),
                      key=lambda d: (d.step("registered") is None, d.sent_at or ""))
    return {"unit": unit, "incoming": rows(incoming), "outgoing": rows(sent_by(city, unit, times=times)),
            "columns": {"incoming": INCOMING_COLUMNS, "outgoing": OUTGOING_COLUMNS}}
