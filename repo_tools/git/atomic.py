"""The one atomic file write: readers see the old file or the new one, never half of one.

Git writes its refs and objects the same way (a temporary file beside the target, then a
rename); the log's tiles and checkpoints, the witnesses' state, the verification cache and the
site's pages all write through here.
"""
from __future__ import annotations

import hashlib
import os
from pathlib import Path


def write_atomic(path: Path, data: bytes, sync: bool = False) -> None:
    """Write `data` to `path` whole: a new inode replaces the old one (a hard link to the old
    file, such as a live site generation's, keeps the old bytes). `sync`: on disk before the
    rename (a checkpoint, a witness's state). The temporary name is short, whatever the final
    name's length, and carries the process id: several processes may write at once."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".oa-{os.getpid()}-{hashlib.sha1(path.name.encode()).hexdigest()[:12]}.tmp")
    with tmp.open("wb") as handle:
        handle.write(data)
        if sync:
            handle.flush()
            os.fsync(handle.fileno())
    tmp.replace(path)


__all__ = ["write_atomic"]
