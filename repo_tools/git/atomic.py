"""The one atomic file write (readers see the old file or the new one, never half of one) and
the one exclusive lock (writers of the same files take turns).

Git writes its refs and objects the same way (a temporary file beside the target, then a
rename); the log's tiles and checkpoints, the witnesses' state, the verification cache and the
site's pages all write through here, and take `exclusive` around what must not interleave.
"""
from __future__ import annotations

import fcntl
import hashlib
import os
from collections.abc import Iterator
from contextlib import contextmanager
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


class Busy(Exception):
    """`exclusive(..., wait=False)`: another process holds the lock."""


@contextmanager
def exclusive(lock_file: Path | str, wait: bool = True) -> Iterator[None]:
    """Hold `lock_file` exclusively for the `with` block (`fcntl.flock`, released when the
    process dies, so a crash leaves no stale lock). `wait=False`: raise `Busy` at once.

    Not filelock: its import alone costs ~40 ms, and every push runs a post-receive hook (a new
    process) that takes the event log's lock; filelock's Unix lock is this same flock on the
    same file, so the two also exclude each other (the tests' fixtures use filelock)."""
    path = Path(lock_file)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
        except BlockingIOError:
            raise Busy(str(path)) from None
        try:
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


__all__ = ["Busy", "exclusive", "write_atomic"]
