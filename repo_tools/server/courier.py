"""The service's courier (Art. 27-29): deliveries cross units only through the service.

A sending clerk pushes the delivery to their **own** repository, `refs/outbox/<to>/<id>` (the
hook checks it against the unit's sealed main). The courier, in `post-receive` as the service
(the one account that reaches every repository), then:

- places the same commit in the receiving repository at `refs/inbox/<from>/<id>`, and marks
  it placed in the sender's repository by creating `refs/replies/<to>/<id>` at the delivery;
- reflects each handling step the receiving clerks push to `refs/receipts/<from>/<id>` back
  into the sender's `refs/replies/<to>/<id>` (the same signed commits);
- leaves an item it cannot place yet (the receiver has no clerk, Art. 27, or no repository)
  queued in the outbox, and retries it after every later push and on `oa server deliver`.

Every step is a create-only or fast-forward ref update done with `git fetch` between the two
bare repositories (no hook runs: the objects were checked when they were pushed), so a retry
after any interruption neither loses nor duplicates anything.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from repo_tools.city import City
from repo_tools.git.repo import clean_env, git, rev_parse
from repo_tools.registry.records import Registry

OUTBOX = "refs/outbox/"
INBOX = "refs/inbox/"
RECEIPTS = "refs/receipts/"
REPLIES = "refs/replies/"


@dataclass
class Round:
    """What one courier round did."""
    placed: list[str] = field(default_factory=list)      # "<from>→<to>/<id>"
    queued: list[str] = field(default_factory=list)
    reflected: list[str] = field(default_factory=list)


def _refs(repo: Path, prefix: str) -> dict[str, str]:
    out = git("for-each-ref", "--format=%(objectname) %(refname)", prefix, cwd=repo, env=clean_env())
    found: dict[str, str] = {}
    for line in out.splitlines():
        oid, ref = line.split(" ", 1)
        found[ref[len(prefix):]] = oid
    return found


def can_receive(city: City, registry: Registry, unit: str) -> bool:
    """A unit receives only with an active clerk (Art. 27) and a repository."""
    record = registry.unit(unit)
    return bool(record and record.status == "active" and registry.with_role(unit, "clerk")
                and city.unit_repo(unit).is_dir())


def _fetch(into: Path, source: Path, src_ref: str, dst_ref: str) -> None:
    """Copy one ref between two bare repositories of the city: create or fast-forward only."""
    git("fetch", "-q", "--no-tags", "--no-write-fetch-head", str(source), f"{src_ref}:{dst_ref}",
        cwd=into, env=clean_env())


def place(city: City, registry: Registry, sender: str, result: Round) -> None:
    """Place every queued delivery of `sender`'s outbox that can be placed now."""
    repo = city.unit_repo(sender)
    outbox = _refs(repo, OUTBOX)
    if not outbox:
        return
    replies = _refs(repo, REPLIES)
    for key, commit in sorted(outbox.items()):
        if key in replies:
            continue  # placed earlier
        to, _, ident = key.partition("/")
        label = f"{sender}→{to}/{ident}"
        if not can_receive(city, registry, to):
            result.queued.append(label)
            continue
        target = city.unit_repo(to)
        inbox_ref = f"{INBOX}{sender}/{ident}"
        if rev_parse(target, inbox_ref, env=clean_env()) is None:
            _fetch(target, repo, f"{OUTBOX}{key}", inbox_ref)
        git("update-ref", f"{REPLIES}{key}", commit, "", cwd=repo, env=clean_env())
        city.log("delivery-placed", repo=to, id=ident, **{"from": sender}, to=to, commit=commit,
                 objects=[commit], sealed_tree=sealed_tree_of(repo, commit))
        result.placed.append(label)


def sealed_tree_of(sender_repo: Path, commit: str) -> str | None:
    """The tree of the delivered document on the sender's sealing merge, as the service saw it
    when placing the delivery: the receiver, who never reads the sender's repository, checks
    the delivered tree against this (the log that records it is witnessed)."""
    import yaml

    from repo_tools.transmit.model import RECORD
    raw = git("show", f"{commit}:{RECORD}", cwd=sender_repo, env=clean_env(), check=False)
    try:
        record = yaml.safe_load(raw) or {}
    except yaml.YAMLError:
        return None
    sealing, path = str(record.get("sealing_commit") or ""), str(record.get("path") or "")
    return rev_parse(sender_repo, f"{sealing}:{path}", env=clean_env()) if sealing and path else None


def reflect(city: City, receiver: str, refs: list[str], result: Round) -> None:
    """Bring the receiver's handling steps (refs/receipts/<from>/<id>) to the sender."""
    repo = city.unit_repo(receiver)
    for ref in refs:
        key = ref[len(RECEIPTS):]
        sender, _, ident = key.partition("/")
        source = city.unit_repo(sender)
        if not source.is_dir():
            continue
        _fetch(source, repo, ref, f"{REPLIES}{receiver}/{ident}")
        result.reflected.append(f"{receiver}→{sender}/{ident}")


def catch_up(city: City, registry: Registry | None = None) -> Round:
    """Retry everything: place what is queued in every outbox, reflect every receipt chain
    that the sender does not have yet (`oa server deliver`, and after registry pushes)."""
    registry = registry or city.registry()
    result = Round()
    for unit in sorted(registry.units):
        if city.unit_repo(unit).is_dir():
            place(city, registry, unit, result)
    for unit in sorted(registry.units):
        repo = city.unit_repo(unit)
        if not repo.is_dir():
            continue
        stale = []
        for key, tip in _refs(repo, RECEIPTS).items():
            sender, _, ident = key.partition("/")
            if city.unit_repo(sender).is_dir() and \
                    rev_parse(city.unit_repo(sender), f"{REPLIES}{unit}/{ident}", env=clean_env()) != tip:
                stale.append(f"{RECEIPTS}{key}")
        reflect(city, unit, stale, result)
    return result


def after_push(city: City, kind: str, unit: str | None, refs: list[str], registry: Registry) -> Round:
    """post-receive: deliver what this push sent, reflect what it handled, retry the queue."""
    result = Round()
    if kind == "registry":
        return catch_up(city, registry)
    if unit is None:
        return result
    if any(r.startswith(OUTBOX) for r in refs):
        place(city, registry, unit, result)
    handled = [r for r in refs if r.startswith(RECEIPTS)]
    if handled:
        reflect(city, unit, handled, result)
    return result
