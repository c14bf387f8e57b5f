"""The words of `repo_tools/identity`: terms of the regulation and its standards, as data.

Names, statuses and kinds that code compares, stores and shows live here, one place
per concern; sentences live in the catalogue (`repo_tools/messages/`)."""
from __future__ import annotations

# from repo_tools/identity/certificates.py
REASONS = {"lost": "遗失", "compromised": "泄露", "left": "离职", "replaced": "更换"}

# from repo_tools/hook/rules/identity.py
STATUS_NAMES = {"disabled": "已停用", "removed": "已注销", "active": "正常"}
