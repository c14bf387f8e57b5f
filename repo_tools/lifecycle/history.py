"""The registry as it stood at any moment of the event log (Art. 9, 41: history stays true).

Every registry change is a push, logged with the commit it brought. The registry in force for
an object is the one the last registry push *before the push that brought the object* left on
`main` (ordered by the log's sequence, so two pushes within the same second still come in the
order the server took them). Membership, names, roles and custodianship are judged against
that registry; key validity windows are always read from today's registry, whose key records
only ever grow (a later `compromised_since` must still void later signatures)."""
from __future__ import annotations

import bisect
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from repo_tools import timeutil
from repo_tools.log import eventlog, store
from repo_tools.registry.records import KeyHolder, Registry


class ArrivalIndex:
    """object id -> sequence number of the first `push` entry that brought it to a unit's
    repository (what `RegistryHistory.from_log` collects by reading every entry), answered by the
    log's object index one lookup at a time and remembered."""

    def __init__(self, log_file: Path) -> None:
        self.log_file = log_file
        self._known: dict[str, int | None] = {}

    def prefill(self, oids: Iterable[str]) -> None:
        """Look many objects up at once (one index query per 500, one reader of the stored
        tree), as `store.first_push_seq` would one by one; an object the index does not place
        at a push is left to that lookup (it also reads lines not yet indexed)."""
        wanted = sorted({o for o in oids if o and o not in self._known})
        if not wanted:
            return
        paths = store.LogPaths(self.log_file)
        db = store._reader_db(paths)
        if db is None:
            return
        leaves: dict[str, list[int]] = {}
        try:
            for start in range(0, len(wanted), 500):
                chunk = wanted[start:start + 500]
                marks = ",".join("?" * len(chunk))
                for oid, leaf in db.execute(f"SELECT oid, leaf FROM objects WHERE oid IN ({marks}) AND unit != ?",
                                            (*chunk, "registry")):
                    leaves.setdefault(str(oid), []).append(int(leaf))
        except Exception:  # noqa: BLE001 - sqlite3.OperationalError: an index being created
            return
        finally:
            db.close()
        tree = store.ReadTree(self.log_file)
        try:
            for oid, found in leaves.items():
                for leaf in sorted(found):
                    entry = json.loads(tree.entry(leaf))
                    if isinstance(entry, dict) and entry.get("type") == "push":
                        self._known[oid] = int(entry.get("seq") or leaf + 1)
                        break
        finally:
            tree.close()

    def get(self, oid: str, default: int | None = None) -> int | None:
        if oid not in self._known:
            self._known[oid] = store.first_push_seq(self.log_file, oid, exclude_repo="registry")
        found = self._known[oid]
        return default if found is None else found


@dataclass
class RegistryHistory:
    """Registry commits in force over the log, and each object's place in it; one load per commit."""
    repo: Path
    current: Registry
    seqs: list[int] = field(default_factory=list)       # registry pushes, by log sequence
    times: list[datetime] = field(default_factory=list)
    commits: list[str] = field(default_factory=list)
    object_seq: dict[str, int] = field(default_factory=dict)
    _loaded: dict[str, Registry] = field(default_factory=dict)

    @classmethod
    def from_log(cls, repo: Path, current: Registry, entries: Iterable[dict]) -> RegistryHistory:
        history = cls(repo, current)
        for entry in entries:
            if entry.get("type") != "push":
                continue
            seq = int(entry.get("seq") or 0)
            if entry.get("repo") == "registry" or entry.get("repo_kind") == "registry":
                new = next((u.get("new") for u in entry.get("updates", []) if u.get("ref") == "refs/heads/main"), None)
                moment = timeutil.parse(entry.get("time"))
                if new and moment is not None:
                    history.seqs.append(seq)
                    history.times.append(moment)
                    history.commits.append(str(new))
                continue
            for oid in entry.get("objects", []) or []:
                history.object_seq.setdefault(oid, seq)
            if entry.get("certificate_id"):
                history.object_seq.setdefault(str(entry["certificate_id"]), seq)
        if current.commit:
            history._loaded[current.commit] = current
        return history

    @classmethod
    def of_city(cls, city, current: Registry) -> RegistryHistory:
        """The history without reading the whole log: the registry's pushes are read
        incrementally (`eventlog.entries_matching`), and an object's arrival is looked up in the
        log's object index when asked (`ArrivalIndex`), as `from_log` would have found it."""
        pushes = [e for e in eventlog.entries_matching(city.log_file, '"repo": "registry"', "registry-pushes")
                  if e.get("type") == "push"]
        history = cls.from_log(city.registry_repo, current, pushes)
        history.object_seq = ArrivalIndex(city.log_file)  # type: ignore[assignment]
        return history

    def commit_for(self, oid: str | None, moment: datetime | None) -> str | None:
        """The registry commit in force when `oid` arrived (by log order), else at `moment`."""
        seq = self.object_seq.get(oid) if oid else None
        if seq is not None:
            i = bisect.bisect_left(self.seqs, seq)
        elif moment is not None:
            i = bisect.bisect_right(self.times, moment)
        else:
            return None
        return self.commits[i - 1] if i > 0 else None

    def load(self, commit: str) -> Registry:
        if commit not in self._loaded:
            self._loaded[commit] = Registry.load(self.repo, commit)
        return self._loaded[commit]

    def at(self, oid: str | None, moment: datetime | None) -> Registry:
        """The registry as it stood for `oid` (or at `moment`); today's when the log says nothing."""
        commit = self.commit_for(oid, moment)
        if commit is None:
            return self.current
        if commit not in self._loaded:
            try:
                self._loaded[commit] = Registry.load(self.repo, commit)
            except Exception:  # noqa: BLE001 - a commit missing from the registry: judge by today's
                self._loaded[commit] = self.current
        return self._loaded[commit]


def holder_then(current: Registry, then: Registry, fingerprint: str | None) -> KeyHolder | None:
    """Who a key belonged to then (person or seal, unit, name), with its validity window as the
    registry records it today."""
    if not fingerprint:
        return None
    now_holder = current.key_holder(fingerprint)
    old = then.key_holder(fingerprint) if then is not current else now_holder
    if old is None:
        return now_holder
    key = now_holder.key if now_holder is not None and now_holder.id == old.id else old.key
    return KeyHolder(old.kind, old.id, old.unit, key, old.name)


__all__ = ["RegistryHistory", "holder_then"]
