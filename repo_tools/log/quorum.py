"""Trusted time for readers: an object's log time counts only once its log entry lies inside a
checkpoint signed by the log key and cosigned by `witness_quorum` registered witnesses, and the
entry is proven included in that checkpoint's tree. Until then it is pending (待见证), not
invalid. (The server's own hook uses the log's time directly: it trusts its own log.)"""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from repo_tools.log import note, policy, store
from repo_tools.log.tlog import check_record, prove_record, record_hash, tree_hash
from repo_tools.messages import say

WITNESSED, PENDING = "witnessed", "pending"


@dataclass
class Witnessing:
    status: str                       # witnessed | pending
    entry: int | None = None          # leaf index of the push that brought the object
    checkpoint_size: int | None = None
    cosigners: list[str] = field(default_factory=list)
    quorum: int = policy.DEFAULT_QUORUM

    @property
    def witnessed(self) -> bool:
        return self.status == WITNESSED

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def text(self) -> str:
        if self.witnessed:
            return (say("log.quorum.text.1",
                        entry=self.entry, checkpoint_size=self.checkpoint_size, value_join='、'.join(self.cosigners)))
        where = say("log.quorum.text.2", entry=self.entry) if self.entry is not None else say("log.quorum.text.3")
        return say("log.quorum.text.4", where=where, quorum=self.quorum)


@dataclass(frozen=True)
class Witnessed:
    checkpoint: note.Checkpoint
    cosigners: list[str]


def _history(log_root: Path) -> list[int]:
    folder = log_root / "checkpoints"
    if not folder.is_dir():
        return []
    return sorted((int(p.name) for p in folder.iterdir() if p.name.isdigit()), reverse=True)


class QuorumView:
    """The newest quorum-cosigned checkpoint consistent with the stored tree, and per-object
    inclusion checks against it."""

    def __init__(self, log_file: Path, registry_repo: Path) -> None:
        self.log_file = log_file
        self.policy = policy.load(registry_repo)
        self.tree = store.ReadTree(log_file)
        self.best: Witnessed | None = None
        self._checked: dict[int, bool] = {}
        root = log_file.parent
        for size in _history(root):
            if size > self.tree.size:
                continue  # not (yet) in the stored tree: `oa log verify` reports it
            try:
                signed = note.Note.parse((root / "checkpoints" / str(size)).read_text(encoding="utf-8"))
                cp = note.Checkpoint.parse(signed.text)
            except (OSError, note.NoteError):
                continue
            if cp.size != size or not self.policy.witnessed(signed):
                continue
            try:
                if self.tree.size and tree_hash(size, self.tree.hashes) != cp.root:
                    continue
            except (OSError, IndexError):
                continue
            self.best = Witnessed(cp, sorted(self.policy.cosigners(signed)))
            break

    def close(self) -> None:
        self.tree.close()

    def _included(self, leaf: int, oid: str) -> bool:
        if leaf in self._checked:
            return self._checked[leaf]
        ok = False
        assert self.best is not None
        try:
            line = self.tree.entry(leaf)
            entry = json.loads(line)
            ok = oid in store.indexed_objects(entry) or oid == f"log:{entry.get('seq')}"
            if ok:
                cp = self.best.checkpoint
                proof = prove_record(cp.size, leaf, self.tree.hashes)
                ok = check_record(proof, cp.size, cp.root, leaf, record_hash(line))
        except (OSError, ValueError, IndexError):
            ok = False
        self._checked[leaf] = ok
        return ok

    def status(self, oid: str, leaf: int | None) -> Witnessing:
        """Whether the log entry `leaf` (which brought `oid`) is inside the witnessed tree."""
        quorum = self.policy.quorum
        if leaf is None:
            return Witnessing(PENDING, None, None, [], quorum)
        best = self.best
        if best is None or leaf >= best.checkpoint.size or not self._included(leaf, oid):
            return Witnessing(PENDING, leaf, best.checkpoint.size if best else None,
                              best.cosigners if best else [], quorum)
        return Witnessing(WITNESSED, leaf, best.checkpoint.size, best.cosigners, quorum)
