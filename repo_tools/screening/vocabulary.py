"""The words of `repo_tools/screening`: terms of the regulation and its standards, as data.

Names, statuses and kinds that code compares, stores and shows live here, one place
per concern; sentences live in the catalogue (`repo_tools/messages/`)."""
from __future__ import annotations

# from repo_tools/screening/names.py
# Regular file, executable file (its content is screened like any other: an executable is
# refused by content, and a stray x bit from a USB stick must not block a 公文) and directory.
ALLOWED_MODES = {b"100644": "文件", b"100755": "文件", b"40000": "目录"}

MODE_NAMES = {b"120000": "符号链接", b"160000": "子模块（gitlink）"}
