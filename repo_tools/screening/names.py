"""What a tree entry may be called and what it may be (Art. 40): names that any checkout on
Linux, Windows (NTFS, 8.3 short names) or macOS (HFS+ ignores some code points) would turn into
`.git`, `..` or another path are refused, as are symlinks, submodules and modes git never writes.

git's own `fsck` knows most of this (`receive.fsckObjects` is on as well); the hook checks again
because it must not depend on a repository's configuration, and adds what fsck allows but a
document repository has no use for (control characters, Windows device names, overlong names).
"""
from __future__ import annotations

import functools
import re
import unicodedata

from repo_tools.messages import say
from repo_tools.screening.objects import TreeEntry
from repo_tools.screening.vocabulary import ALLOWED_MODES as ALLOWED_MODES
from repo_tools.screening.vocabulary import MODE_NAMES as MODE_NAMES

MAX_NAME_BYTES = 255     # ext4, NTFS and APFS all stop here
MAX_PATH_BYTES = 4096    # PATH_MAX on Linux
MAX_DEPTH = 64           # documents/<year>/<slug>/attachments/... needs a handful


# Code points HFS+ ignores in names (git's is_hfs_dotgit list), besides every format character.
HFS_IGNORED = {0x200C, 0x200D, 0x200E, 0x200F, 0x202A, 0x202B, 0x202C, 0x202D, 0x202E,
               0x206A, 0x206B, 0x206C, 0x206D, 0x206E, 0x206F, 0xFEFF}
WINDOWS_DEVICES = re.compile(r"^(con|prn|aux|nul|clock\$|conin\$|conout\$|com[0-9¹²³]|lpt[0-9¹²³])(\..*)?$")
# 8.3 short names NTFS may give .git or .gitmodules (git's is_ntfs_dotgit / dotgitmodules).
SHORT_NAMES = re.compile(r"^(git|gitmod|gi7eba|gi250a|gi7d29|gi1fbd)~[0-9]+$")


def fold(name: str) -> str:
    """The name as a case-insensitive, normalizing file system would see it."""
    kept = "".join(ch for ch in name
                   if ord(ch) not in HFS_IGNORED and unicodedata.category(ch) != "Cf")
    return unicodedata.normalize("NFKC", kept).casefold().rstrip(" .")


@functools.lru_cache(maxsize=65536)  # a flood of commits re-lists the same names in every tree
def name_problem(raw: bytes) -> str | None:
    """Why this entry name is refused, or None."""
    if not raw:
        return say("screening.names.name_problem.1")
    if len(raw) > MAX_NAME_BYTES:
        return say("screening.names.name_problem.2", len_raw=len(raw), max_name_bytes=MAX_NAME_BYTES)
    if b"/" in raw or b"\\" in raw:
        return say("screening.names.name_problem.3")
    if any(b < 0x20 or b == 0x7F for b in raw):
        return say("screening.names.name_problem.4")
    try:
        name = raw.decode("utf-8")
    except UnicodeDecodeError:
        return say("screening.names.name_problem.5")
    if name in (".", ".."):
        return say("screening.names.name_problem.6", name=name)
    folded = fold(name)
    if folded in ("", ".", "..") or set(folded) <= {"."}:
        return say("screening.names.name_problem.7", name=name, value=folded or say("screening.names.name_problem.12"))
    if folded.startswith(".git") or SHORT_NAMES.match(folded):
        return say("screening.names.name_problem.8", name=name)
    if ":" in name:
        return say("screening.names.name_problem.9")
    if name != name.rstrip(" ."):
        return say("screening.names.name_problem.10")
    if WINDOWS_DEVICES.match(folded):
        return say("screening.names.name_problem.11", name=name)
    return None


def mode_problem(entry: TreeEntry) -> str | None:
    """Why this entry's mode is refused, or None."""
    if entry.mode in ALLOWED_MODES:
        return None
    what = MODE_NAMES.get(entry.mode)
    if what:
        return say("screening.names.mode_problem.1", what=what)
    return say("screening.names.mode_problem.2",
               mode_decode=entry.mode.decode('ascii', 'replace'))
