"""The words of `repo_tools/review`: terms of the regulation and its standards, as data.

Names, statuses and kinds that code compares, stores and shows live here, one place
per concern; sentences live in the catalogue (`repo_tools/messages/`)."""
from __future__ import annotations

# from repo_tools/review/requests.py
VERDICT_NAMES = {"approve": "同意", "reject": "驳回", "countersign": "会签", "sign-off": "签发", "check": "复核"}

# from repo_tools/cli/review_commands.py
STATES = {"open": "待审核", "merged": "已合并", "rejected": "已驳回"}
