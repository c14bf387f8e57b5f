"""Every path the build writes stays inside the output (Art. 40: nothing from a repository may
write elsewhere): names from repositories are checked component by component, shortened when a
file system would refuse them (a 255-byte name plus `.txt` or a thumbnail suffix), and the
result is resolved and required to lie inside the output folder, with no symbolic link on the way.
"""
from __future__ import annotations

import hashlib
import sys
from pathlib import Path
from repo_tools.messages import say

MAX_COMPONENT = 240  # bytes; leaves room for the temporary name of an atomic write


class OutsideOutput(ValueError):
    """A path from a repository would land outside the site's output folder."""


def short_component(name: str) -> str:
    """`name` itself when short enough, else a prefix, a digest of the whole and the suffix."""
    raw = name.encode("utf-8", "surrogateescape")
    if len(raw) <= MAX_COMPONENT:
        return name
    suffix = "".join(Path(name).suffixes[-2:])
    if len(suffix.encode()) > 40:
        suffix = ""
    tag = "-" + hashlib.sha256(raw).hexdigest()[:12]
    room = MAX_COMPONENT - len(tag.encode()) - len(suffix.encode())
    prefix = raw[:room].decode("utf-8", "ignore")
    return prefix + tag + suffix


def site_relative(rel: str) -> str:
    """A repository-derived site path made safe: no empty, '.', '..' or NUL components, no
    backslashes, every component short enough."""
    if "\0" in rel or "\\" in rel:
        raise OutsideOutput(say("site.confine.site_relative.1", rel=rel))
    trailing = rel.endswith("/")
    parts = [p for p in rel.split("/") if p != ""]
    if not parts or any(p in (".", "..") for p in parts):
        raise OutsideOutput(say("site.confine.site_relative.2", rel=rel))
    if len(rel.encode("utf-8", "surrogateescape")) <= MAX_COMPONENT:  # no component can be too long
        out = "/".join(parts)
    else:
        out = "/".join(short_component(p) for p in parts)
    return out + ("/" if trailing else "")


def inside(root: Path, rel: str) -> Path:
    """The output path for `rel` under `root`, guaranteed inside it (symbolic links refused)."""
    base = root.resolve()
    target = base / site_relative(rel)
    probe = base
    for part in target.relative_to(base).parts[:-1]:
        probe = probe / part
        if probe.is_symlink():
            raise OutsideOutput(say("site.confine.inside.1", probe=probe))
    if target.is_symlink():
        raise OutsideOutput(say("site.confine.inside.2", target=target))
    resolved = target.resolve()
    if resolved != base and base not in resolved.parents:
        raise OutsideOutput(say("site.confine.inside.3", rel=rel))
    return target


def warn(item: str, detail: str) -> None:
    """One Chinese line on stderr naming the item that was skipped, and why."""
    print(say("site.confine.warn.1", item=item, detail=detail), file=sys.stderr)
