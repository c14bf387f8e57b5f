"""Every path the build writes stays inside the output (Art. 40: nothing from a repository may
write elsewhere): names from repositories are checked component by component, shortened when a
file system would refuse them (a 255-byte name plus `.txt` or a thumbnail suffix), and the
result is resolved and required to lie inside the output folder, with no symbolic link on the way.
"""
from __future__ import annotations

import hashlib
import sys
from pathlib import Path

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
        raise OutsideOutput(f"路径含非法字符：{rel!r}")
    trailing = rel.endswith("/")
    parts = [p for p in rel.split("/") if p != ""]
    if not parts or any(p in (".", "..") for p in parts):
        raise OutsideOutput(f"路径指向输出目录之外：{rel!r}")
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
            raise OutsideOutput(f"输出路径经过符号链接：{probe}")
    if target.is_symlink():
        raise OutsideOutput(f"输出文件是符号链接：{target}")
    resolved = target.resolve()
    if resolved != base and base not in resolved.parents:
        raise OutsideOutput(f"路径指向输出目录之外：{rel!r}")
    return target


def warn(item: str, detail: str) -> None:
    """One Chinese line on stderr naming the item that was skipped, and why."""
    print(f"警告：{item} 未能发布（{detail}），已跳过；其余内容照常生成。", file=sys.stderr)
