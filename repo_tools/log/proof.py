"""Offline proofs (C2SP tlog-proof@v1): that the push which brought an object is entry N of
the log, inside a checkpoint signed by the log key and cosigned by the units' witnesses.

    c2sp.org/tlog-proof@v1
    extra <base64 of the entry's exact bytes: the log line itself>
    index <N>
    <base64 hash>            the RFC 9162 inclusion path, one per line
    (blank line)
    <the checkpoint, a signed note with its cosignatures>

Checked with nothing but the registry's public keys and quorum (`policy.LogPolicy`).
"""
from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from repo_tools.log import note, store
from repo_tools.log.policy import LogPolicy
from repo_tools.log.quorum import _history
from repo_tools.log.tlog import check_record, prove_record, record_hash, tree_hash
from repo_tools.messages import Refused, say

HEADER = "c2sp.org/tlog-proof@v1"


@dataclass
class TlogProof:
    index: int
    hashes: list[bytes]
    checkpoint: str     # signed note
    extra: bytes = b""

    def encode(self) -> str:
        lines = [HEADER]
        if self.extra:
            lines.append(f"extra {base64.b64encode(self.extra).decode()}")
        lines.append(f"index {self.index}")
        lines += [base64.b64encode(h).decode() for h in self.hashes]
        return "\n".join(lines) + "\n\n" + self.checkpoint

    @classmethod
    def parse(cls, text: str) -> TlogProof:
        head, sep, checkpoint = text.partition("\n\n")
        lines = head.split("\n")
        if not sep or not lines or lines[0] != HEADER:
            raise ValueError(say("log.proof.parse.1", header=HEADER))
        extra, pos = b"", 1
        if pos < len(lines) and lines[pos].startswith("extra "):
            extra = base64.b64decode(lines[pos][6:], validate=True)
            pos += 1
        if pos >= len(lines) or not lines[pos].startswith("index ") or not lines[pos][6:].isdigit():
            raise ValueError(say("log.proof.parse.2"))
        index = int(lines[pos][6:])
        hashes = [base64.b64decode(h, validate=True) for h in lines[pos + 1:]]
        if any(len(h) != 32 for h in hashes):
            raise ValueError(say("log.proof.parse.3"))
        return cls(index, hashes, checkpoint, extra)


def make(log_file: Path, policy: LogPolicy, oid: str, unit: str | None = None) -> TlogProof:
    """The proof for the push that first brought `oid`: against the newest quorum-cosigned
    checkpoint that holds it, else against the current checkpoint (then it is still 待见证)."""
    entry = store.object_entry(log_file, oid, unit) or store.object_entry(log_file, oid)
    if entry is None:
        raise Refused("proof-missing", oid=oid)
    try:
        store.update(log_file)
    except OSError:
        pass  # read-only: prove against what is stored
    tree = store.ReadTree(log_file)
    try:
        chosen: note.Note | None = None
        for size in _history(log_file.parent):
            if size <= entry.leaf or size > tree.size:
                continue
            signed = note.Note.parse((log_file.parent / "checkpoints" / str(size)).read_text(encoding="utf-8"))
            if policy.witnessed(signed):
                chosen = signed
                break
        if chosen is None:
            chosen = store.read_checkpoint(store.LogPaths(log_file))
        if chosen is None:
            raise Refused("proof-invalid", detail=say("log.proof.make.1"))
        cp = note.Checkpoint.parse(chosen.text)
        if cp.size <= entry.leaf or tree_hash(cp.size, tree.hashes) != cp.root:
            raise Refused("proof-invalid", detail=say("log.proof.make.2", size=cp.size))
        hashes = prove_record(cp.size, entry.leaf, tree.hashes)
        return TlogProof(entry.leaf, hashes, chosen.encode(), tree.entry(entry.leaf))
    finally:
        tree.close()


@dataclass
class ProofCheck:
    ok: bool                     # signature and inclusion hold
    witnessed: bool              # and the checkpoint carries the witness quorum
    index: int | None = None
    size: int | None = None
    cosigners: list[str] = field(default_factory=list)
    quorum: int = 2
    entry: dict[str, Any] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)


def check(text: str, policy: LogPolicy, oid: str | None = None) -> ProofCheck:
    """Check an offline proof with the registry's keys only."""
    result = ProofCheck(False, False, quorum=policy.quorum)
    try:
        proof = TlogProof.parse(text)
        signed = note.Note.parse(proof.checkpoint)
        cp = note.Checkpoint.parse(signed.text)
    except (ValueError, note.NoteError) as exc:
        result.problems.append(say("log.proof.check.1", exc=exc))
        return result
    result.index, result.size = proof.index, cp.size
    if policy.log_key is None or cp.origin != policy.log_key.name or not signed.signed_by(policy.log_key):
        result.problems.append(say("log.proof.check.2"))
        return result
    if not check_record(proof.hashes, cp.size, cp.root, proof.index, record_hash(proof.extra)):
        result.problems.append(say("log.proof.check.3", size=cp.size, index=proof.index))
        return result
    try:
        entry = json.loads(proof.extra)
    except ValueError:
        entry = {}
    result.entry = entry if isinstance(entry, dict) else {}
    if oid is not None and oid not in store.indexed_objects(result.entry):
        result.problems.append(say("log.proof.check.4", oid=oid))
        return result
    result.ok = True
    result.cosigners = sorted(policy.cosigners(signed))
    result.witnessed = len(result.cosigners) >= policy.quorum
    return result


def render(result: ProofCheck) -> str:
    """The check for people (Chinese)."""
    if not result.ok:
        return say("log.proof.render.1") + "；".join(result.problems)
    e = result.entry
    head = (say("log.proof.render.2",
                index=result.index, e_get=e.get('type', ''), e_get2=e.get('repo', ''), e_get3=e.get('time', say("log.proof.render.5")),
                size=result.size))
    if result.witnessed:
        return head + say("log.proof.render.3",
                          value_join='、'.join(result.cosigners), quorum=result.quorum)
    return head + (say("log.proof.render.4",
                       len_cosigners=len(result.cosigners), value='、'.join(result.cosigners) or say("log.proof.render.6"), quorum=result.quorum))
