"""A unit's witness (C2SP tlog-witness, run by the unit's admin with their own key and state).

It reads only what the log publishes (the checkpoint and tiles under CITY/log/, as a static
server would serve them), checks the log's signature and a consistency proof from the last
checkpoint it cosigned, stores its new state atomically in its own directory, and only then
cosigns. A checkpoint that does not extend its own (a fork, a truncation, a rewrite) is refused
with both checkpoints named.
"""
from __future__ import annotations

import base64
import json
import os
import time
from dataclasses import dataclass
from pathlib import Path

from repo_tools.git.atomic import exclusive, write_atomic
from repo_tools.log import note, policy, store, tiles
from repo_tools.log.tlog import EMPTY_ROOT, check_tree, prove_tree
from repo_tools.messages import Refused, say


def witness_name(log_origin: str, unit: str) -> str:
    """`oa.<city>/witness/<unit>` beside the log's `oa.<city>/log`."""
    base = log_origin.rsplit("/", 1)[0] if "/" in log_origin else log_origin
    return f"{base}/witness/{unit}"


def default_state_dir(city_root: Path, holder: str) -> Path:
    """The admin's own place (in the demo and tests, their directory under CITY/people)."""
    return city_root / "people" / holder / "witness"


def key_file(state_dir: Path, unit: str) -> Path:
    return state_dir / f"{unit}.key"


def create_key(state_dir: Path, log_origin: str, unit: str) -> note.Verifier:
    """A new cosigner key (type 0x04), private part kept by the witness (mode 0600)."""
    state_dir.mkdir(parents=True, exist_ok=True)
    signer = note.Signer.generate(witness_name(log_origin, unit), note.ALG_COSIGNATURE_V1)
    fd = os.open(key_file(state_dir, unit), os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(signer.text() + "\n")
    return signer.verifier


@dataclass(frozen=True)
class State:
    size: int
    root: bytes
    checkpoint: str   # the signed note it cosigned (log signature and its own cosignature)

    def describe(self) -> str:
        return say("log.witness.describe.1",
                   size=self.size, base64_b64encode_decode=base64.b64encode(self.root).decode())


def _state_file(state_dir: Path, unit: str) -> Path:
    return state_dir / f"{unit}.state.json"


def checkpoint_file(state_dir: Path, unit: str) -> Path:
    """The last checkpoint this witness cosigned, as a note file (for `oa log verify --checkpoint`)."""
    return state_dir / f"{unit}.checkpoint"


def load_state(state_dir: Path, unit: str) -> State | None:
    path = _state_file(state_dir, unit)
    if not path.exists():
        return None
    data = json.loads(path.read_text(encoding="utf-8"))
    return State(int(data["size"]), base64.b64decode(data["root"]), str(data.get("checkpoint", "")))


def _save_state(state_dir: Path, unit: str, state: State) -> None:
    body = json.dumps({"size": state.size, "root": base64.b64encode(state.root).decode(),
                       "checkpoint": state.checkpoint}, ensure_ascii=False).encode()
    write_atomic(_state_file(state_dir, unit), body, sync=True)
    write_atomic(checkpoint_file(state_dir, unit), state.checkpoint.encode(), sync=True)


@dataclass(frozen=True)
class Cosigned:
    unit: str
    old_size: int
    size: int
    root: bytes
    timestamp: int
    proof_hashes: int
    tiles_fetched: int


def _describe(cp: note.Checkpoint) -> str:
    return say("log.witness._describe.1",
               size=cp.size, base64_b64encode_decode=base64.b64encode(cp.root).decode())


def run(city_root: Path, registry_repo: Path, unit: str, holder: str, state_dir: Path | None = None,
        now: int | None = None) -> Cosigned:
    """One witness round for `unit`; raises Refused (the log unchanged) when the log's newest
    checkpoint does not verify or does not extend the last one this witness cosigned."""
    from repo_tools.registry.records import Registry
    reg = Registry.load(registry_repo)
    unit_rec = reg.unit(unit)
    if unit_rec is None:
        raise Refused("not-found", what=say("log.witness.run.1"), name=unit, remedy=say("log.witness.run.2"))
    person = reg.person(holder)
    if person is None or person.unit != unit or "admin" not in person.roles or person.status != "active":
        raise Refused("witness-holder", user=holder, unit=unit)
    keys = policy.load(registry_repo)
    registered = keys.witnesses.get(unit)
    if keys.log_key is None or registered is None:
        raise Refused("witness-unregistered", unit=unit)
    state_dir = state_dir or default_state_dir(city_root, holder)
    try:
        signer = note.Signer.parse(key_file(state_dir, unit).read_text(encoding="utf-8"))
    except OSError:
        raise Refused("witness-key-missing", unit=unit, path=str(key_file(state_dir, unit))) from None
    if signer.verifier != registered:
        raise Refused("witness-key-mismatch", unit=unit, path=str(key_file(state_dir, unit)))

    log_root = city_root / "log"
    try:
        store.update(log_root / "events.jsonl")  # a log catching up after a crash publishes first
    except OSError:
        pass  # a witness without access to the server's files reads what is published
    try:
        published = note.Note.parse((log_root / "checkpoint").read_text(encoding="utf-8"))
        checkpoint = note.Checkpoint.parse(published.text)
    except (OSError, note.NoteError) as exc:
        raise Refused("witness-bad-checkpoint", detail=say("log.witness.run.3", exc=exc)) from None
    if not published.signed_by(keys.log_key) or checkpoint.origin != keys.log_key.name:
        raise Refused("witness-bad-checkpoint", detail=say("log.witness.run.4"))

    with exclusive(state_dir / f"{unit}.state.lock"):
        old = load_state(state_dir, unit)
        old_size, old_root = (old.size, old.root) if old else (0, EMPTY_ROOT)
        old_text = old.describe() if old else say("log.witness.run.5")
        reader = tiles.TileReader(log_root, checkpoint.size)
        if checkpoint.size < old_size:
            raise Refused("witness-truncated", unit=unit, old=old_text, new=_describe(checkpoint))
        if checkpoint.size == old_size and checkpoint.root != old_root:
            raise Refused("witness-fork", unit=unit, old=old_text, new=_describe(checkpoint),
                          detail=say("log.witness.run.6"))
        try:
            proof = prove_tree(checkpoint.size, old_size, reader)
        except (OSError, ValueError) as exc:
            raise Refused("witness-fork", unit=unit, old=old_text, new=_describe(checkpoint),
                          detail=say("log.witness.run.7", exc=exc)) from None
        if not check_tree(proof, checkpoint.size, checkpoint.root, old_size, old_root):
            raise Refused("witness-fork", unit=unit, old=old_text, new=_describe(checkpoint),
                          detail=say("log.witness.run.8"))
        stamp = int(time.time()) if now is None else now
        if old is not None and checkpoint.size == old_size:
            stamp = max(stamp, _last_stamp(old, registered))
        signature = note.cosign(published.text, signer, stamp)
        _save_state(state_dir, unit, State(checkpoint.size, checkpoint.root,
                                           published.with_signature(signature).encode()))
    from repo_tools.server.remote import is_remote
    if is_remote(city_root):  # a clone: the published copy was checked; the service publishes
        from repo_tools.server.remote import submit_cosignature as submit_remote
        submit_remote(city_root, unit, note.Note(published.text, (signature,)).encode())
    else:
        submit_cosignature(log_root, registry_repo, unit, published.text, signature)
    return Cosigned(unit, old_size, checkpoint.size, checkpoint.root, stamp, len(proof), reader.fetched)


def _last_stamp(old: State, key: note.Verifier) -> int:
    try:
        return note.Note.parse(old.checkpoint).cosignature_by(key) or 0
    except note.NoteError:
        return 0


def submit_cosignature(log_root: Path, registry_repo: Path, unit: str, text: str,
                       signature: note.Signature) -> note.Note:
    """The log's side: accept a cosignature only when it verifies with the unit's registered
    witness key and is for the current checkpoint; publish it with the checkpoint and keep the
    cosigned checkpoint in CITY/log/checkpoints/<size>."""
    keys = policy.load(registry_repo)
    registered = keys.witnesses.get(unit)
    stamp = note.check_cosignature(registered, text, signature) if registered is not None else None
    if registered is None or stamp is None \
            or signature.name != registered.name or signature.key_id != registered.key_id:
        raise Refused("cosignature-invalid", unit=unit)
    paths = store.LogPaths(log_root / "events.jsonl")
    with exclusive(paths.lock):
        current = store.read_checkpoint(paths)
        if current is None or current.text != text:
            raise Refused("cosignature-stale", unit=unit)
        if signature in current.signatures:
            return current  # the same cosignature again: nothing changes
        held = current.cosignature_by(registered)
        if held is not None and stamp <= held:
            # an older (replayed) cosignature never replaces the witness's newer one
            raise Refused("cosignature-replayed", unit=unit)
        updated = current.with_signature(signature)
        data = updated.encode().encode()
        size = note.Checkpoint.parse(text).size
        write_atomic(paths.history / str(size), data, sync=True)
        write_atomic(paths.checkpoint, data, sync=True)
    return updated
