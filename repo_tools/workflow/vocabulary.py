"""The words of `repo_tools/workflow`: terms of the regulation and its standards, as data.

Names, statuses and kinds that code compares, stores and shows live here, one place
per concern; sentences live in the catalogue (`repo_tools/messages/`)."""
from __future__ import annotations

# from repo_tools/workflow/steps.py
STEP_NAMES = {"approve": "核稿", "reject": "驳回", "countersign": "会签", "sign-off": "签发", "check": "复核"}
