"""Which file a reader gets for a URL path: the path is resolved in the reader's roots only
(personal overlay, unit overlay, base), and anything that is not plainly a path inside one of
them is "not found". The class of traversal tricks is closed at the root, not one by one:
- the request target is read the way nginx reads it (`target_path`): an absolute-form target
  (`http://host/p`) is its path, the path ends at the first raw `?` or `#`, and it is
  percent-decoded exactly once from the raw bytes as UTF-8 (an invalid sequence is refused), so
  the embedded server, the nginx front (which serves `$uri`) and this check all mean one path;
- a segment that is empty (double slash), `.` or `..`, starts with a dot, or holds a backslash,
  NUL or other control character is refused, whatever encoding brought it;
- the candidate is then resolved with `realpath` and must lie inside the root's own real
  folder (a symbolic link inside the site pointing elsewhere is refused);
- only regular files are served. The file system is case-sensitive, so a case variation of a
  path is simply another path, and no URL can choose a root: the roots come from the session.
"""
from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote_to_bytes

MAX_PATH = 1024
MAX_SEGMENT = 255


@dataclass(frozen=True)
class Found:
    root: Path          # the root as configured (e.g. CITY/site, a symbolic link to the live slot)
    relative: str       # path inside the root, '/'-separated
    real: Path          # the regular file actually served


def origin_form(raw: bytes) -> bytes:
    """The path part of a raw request target: `http://host/p?q` -> `/p`, `/p#f` -> `/p` (nginx
    ends `$uri` at a raw `#` too), `*` or garbage -> b"" (never a path)."""
    lowered = raw[:8].lower()
    if lowered.startswith((b"http://", b"https://")):
        rest = raw.split(b"//", 1)[1]
        slash = rest.find(b"/")
        raw = rest[slash:] if slash >= 0 else b"/"
    for mark in (b"?", b"#"):
        raw = raw.split(mark, 1)[0]
    return raw if raw.startswith(b"/") else b""


def target_path(raw: bytes | str) -> str | None:
    """The one decoded path of a raw request target (bytes as sent; a str is taken as latin-1,
    which is how servers hand raw header bytes over), or None when it is no path."""
    data = raw.encode("latin-1", "replace") if isinstance(raw, str) else raw
    path = origin_form(data)
    if not path:
        return None
    try:
        return unquote_to_bytes(path).decode("utf-8", "strict")
    except UnicodeDecodeError:
        return None


def segments(path: str) -> list[str] | None:
    """The segments of a decoded URL path, or None when it is not a plain path."""
    if not path.startswith("/") or len(path) > MAX_PATH:
        return None
    parts = path[1:].split("/")
    if parts and parts[-1] == "":
        parts = parts[:-1] + ["index.html"]
    for part in parts:
        if (not part or part in (".", "..") or part.startswith(".") or len(part) > MAX_SEGMENT
                or "\\" in part or any(ord(c) < 32 or ord(c) == 127 for c in part)):
            return None
    return parts or ["index.html"]


def resolve(roots: list[Path], path: str) -> Found | None:
    """The first root holding `path` as a regular file confined inside it, else None."""
    parts = segments(path)
    if parts is None:
        return None
    relative = "/".join(parts)
    for root in roots:
        try:
            real_root = os.path.realpath(root, strict=True)
        except OSError:
            continue
        real = os.path.realpath(os.path.join(real_root, *parts))
        if not real.startswith(real_root + os.sep):
            continue
        try:
            info = os.stat(real)
        except OSError:
            continue
        if stat.S_ISREG(info.st_mode):
            return Found(root, relative, Path(real))
    return None


def directory_redirect(roots: list[Path], path: str) -> str | None:
    """`/a/b` where `/a/b/index.html` exists: the URL with its slash (as static servers do)."""
    if path.endswith("/"):
        return None
    found = resolve(roots, path + "/")
    return path + "/" if found is not None else None
