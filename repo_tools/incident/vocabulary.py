"""The words of `repo_tools/incident`: terms of the regulation and its standards, as data.

Names, statuses and kinds that code compares, stores and shows live here, one place
per concern; sentences live in the catalogue (`repo_tools/messages/`)."""
from __future__ import annotations

# from repo_tools/incident/clock.py
STATUS_NAMES = {"open": "待响应", "responded": "已响应", "escalated": "已超过2小时（改用纸质）", "resolved": "已排除"}

# from repo_tools/incident/notice.py
STATUS_WORDS = {"sent": "未签收", "received": "已签收未登记"}
