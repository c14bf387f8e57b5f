"""gpg's verdicts are kept in 256 files by the first two hex digits of their digest: a rebuild
that judged one new document writes the files that gained entries, not the city's whole store."""
from __future__ import annotations

import hashlib
from pathlib import Path

from repo_tools.verify.cache import ShardedJsonStore


def key(n: int) -> str:
    return hashlib.sha256(str(n).encode()).hexdigest()


def test_entries_come_back_and_a_flush_writes_only_the_shards_that_gained_entries(tmp_path: Path) -> None:
    folder = tmp_path / "signatures"
    store = ShardedJsonStore(folder)
    for n in range(3000):
        store.put(key(n), {"valid": True, "n": n})
    store.flush()
    files = {p.name: p.stat().st_ino for p in folder.glob("*.json")}
    assert len(files) == 256  # 3,000 digests fill every shard
    again = ShardedJsonStore(folder)
    assert all(again.get(key(n)) == {"valid": True, "n": n} for n in range(3000))
    assert again.get(key(10_000)) is None
    new = key(3000)
    again.put(new, {"valid": False})
    again.flush()
    after = {p.name: p.stat().st_ino for p in folder.glob("*.json")}
    assert {name for name in after if after[name] != files[name]} == {f"{new[:2]}.json"}  # replaced: new inode
    assert ShardedJsonStore(folder).get(new) == {"valid": False}


def test_a_key_that_is_no_digest_still_has_a_shard(tmp_path: Path) -> None:
    store = ShardedJsonStore(tmp_path)
    store.put("Z", 1)
    store.put("../x", 2)
    store.flush()
    assert sorted(p.name for p in tmp_path.iterdir() if p.suffix == ".json") == ["__.json"]
    assert ShardedJsonStore(tmp_path).get("../x") == 2
