"""What `oa verify` keeps between runs, so that a unit of 10,000 sealed documents verifies in
about a second once it has been verified (ARCHITECTURE.md "Performance targets").

Layers, each keyed by everything its result depends on, so that a cached answer can
never say more than a fresh judgement would:

- **gpg's verdicts** (`signatures/<first two hex digits>.json`): is this signature over these exact bytes good, and by
  which key, with the server keyring. Kept only once the key was known (the keyring only gains
  keys): an unknown key is asked again next time. Filled by one batched gpg run per report.
- **judgements** (`verdicts/<unit>/<registry commit>.json`): one object's finding, by object
  id, kind, flags and trusted time (with its witness state), against one registry commit. Any
  registry change (a revocation, a compromise date) starts a fresh store.
- **a document's final report** (`documents/<unit>/<registry commit>.json`, the site's verification
  panel, `site/adapters.py`): kept only once every signature in it is valid, witnessed and at a
  known trusted time, by report code, the document's folder tree and its sealing merge; the
  witnessed checkpoint it shows is the reading build's. `sealing/<unit>.json`: the unit's sealing
  merges by document, kept with the `main` they were read at.
- **the report's text** (`reports/`): `oa verify`'s output for the same question, kept with a
  digest of every input (the units' refs, the registry commit, the log's size and checkpoints,
  the server keyring, and the code that judges). Same digest, same report; anything else, and
  the report is made again from the layers below.

Every store is one file, read once and written whole (`git.atomic.write_atomic`); several
processes (a site build's workers) may write: each merges what is on disk before writing.
"""
from __future__ import annotations

import fcntl
import hashlib
import json
from pathlib import Path
from typing import Any

from repo_tools.city import City
from repo_tools.git.atomic import write_atomic
from repo_tools.git.repo import git

STORE_VERSION = "3"  # 3: one store file per unit and registry commit


def _load(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


class JsonStore:
    """A dict kept in one JSON file, loaded on first use, written on `flush` when it changed."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._data: dict[str, Any] | None = None
        self._new: dict[str, Any] = {}

    @property
    def data(self) -> dict[str, Any]:
        if self._data is None:
            self._data = _load(self.path)
        return self._data

    def get(self, key: str) -> Any:
        return self.data.get(key)

    def put(self, key: str, value: Any) -> None:
        self.data[key] = value
        self._new[key] = value

    def flush(self) -> None:
        if not self._new:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # Under a lock: two site workers flushing one store at once would each write what it read
        # before the other wrote, and one of them would lose its entries.
        with open(self.path.with_name(self.path.name + ".lock"), "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            merged = {**_load(self.path), **self._new}  # another process may have added entries
            write_atomic(self.path, json.dumps(merged, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))
        self._new = {}


class ShardedJsonStore:
    """A JsonStore split by the first two hex digits of its keys (digests): 256 files, each
    loaded on first use and written on `flush` only when it gained entries. gpg's verdicts are
    one entry per signature of the whole city (four per document): as one file, every rebuild
    that judged one new document rewrote all of them (O(city), 0.2 s at 10,000 documents)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._shards: dict[str, JsonStore] = {}

    def _shard(self, key: str) -> JsonStore:
        name = key[:2] if len(key) >= 2 and all(c in "0123456789abcdef" for c in key[:2]) else "__"
        if name not in self._shards:
            self._shards[name] = JsonStore(self.folder / f"{name}.json")
        return self._shards[name]

    def get(self, key: str) -> Any:
        return self._shard(key).get(key)

    def put(self, key: str, value: Any) -> None:
        self._shard(key).put(key, value)

    def flush(self) -> None:
        for shard in self._shards.values():
            shard.flush()


def digest(*parts: str | bytes) -> str:
    h = hashlib.sha256()
    for part in parts:
        h.update(part if isinstance(part, bytes) else part.encode("utf-8"))
        h.update(b"\0")
    return h.hexdigest()


def _stat(path: Path) -> str:
    try:
        st = path.stat()
    except OSError:
        return "-"
    return f"{st.st_size}:{st.st_mtime_ns}"


def _code_digest() -> str:
    """The code that judges: a new version of it must judge again."""
    base = Path(__file__).resolve().parent.parent
    files = [base / "verify" / "report.py", base / "identity" / "judgement.py", base / "workflow" / "report.py",
             base / "lifecycle" / "history.py", base / "log" / "quorum.py"]
    return digest(*(f.read_bytes() if f.is_file() else b"" for f in files))


def inputs_digest(city: City, units: list[str], registry_commit: str | None, target: str | None) -> str:
    """Everything `oa verify` reads for these units: a report is reused only when all of it is
    unchanged. Git objects are immutable, so the refs name the repositories' whole content."""
    parts: list[str | bytes] = [STORE_VERSION, _code_digest(), registry_commit or "", target or "", ",".join(units)]
    for unit in units:
        repo = city.unit_repo(unit)
        parts.append(git("for-each-ref", "--format=%(objectname) %(refname)", cwd=repo, check=False)
                     if repo.is_dir() else "-")
    log_root = city.log_file.parent
    parts.append(_stat(city.log_file))
    checkpoints = log_root / "checkpoints"
    listing = sorted(checkpoints.iterdir()) if checkpoints.is_dir() else []
    parts += [f"{p.name}={_stat(p)}" for p in listing] + [_stat(log_root / "checkpoint")]
    keyring = city.server_gnupg
    parts += [_stat(keyring / name) for name in ("pubring.kbx", "pubring.gpg", "trustdb.gpg")]
    return digest(*parts)


class ReportMemo:
    """`oa verify`'s text for one question (units and target), kept with its inputs' digest."""

    def __init__(self, city: City, units: list[str], target: str | None) -> None:
        self.path = city.root / "server" / "verify-cache" / "reports" / f"{digest(','.join(units), target or '')}.json"

    def get(self, state: str) -> tuple[str, bool] | None:
        data = _load(self.path)
        if data.get("state") != state or not isinstance(data.get("text"), str):
            return None
        return data["text"], bool(data.get("ok"))

    def put(self, state: str, text: str, ok: bool) -> None:
        write_atomic(self.path, json.dumps({"state": state, "ok": ok, "text": text}, ensure_ascii=False).encode("utf-8"))


__all__ = ["JsonStore", "ReportMemo", "digest", "inputs_digest"]
