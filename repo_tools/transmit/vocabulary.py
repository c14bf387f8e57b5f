"""The words of `repo_tools/transmit`: terms of the regulation and its standards, as data.

Names, statuses and kinds that code compares, stores and shows live here, one place
per concern; sentences live in the catalogue (`repo_tools/messages/`)."""
from __future__ import annotations

from datetime import timedelta

from repo_tools.documents.vocabulary import EXTRA_URGENT, URGENT

# from repo_tools/transmit/deliveries.py
STATUS_NAMES = {"sent": "待签收", "received": "已签收", "registered": "已登记", "returned": "已退文",
                "resend-requested": "请求重发"}

ACTION_VERBS = {"received": "签收", "registered": "登记", "returned": "退文", "resend-requested": "请求重发"}

# How long a delivery may wait unhandled (not yet registered, returned or answered) before
# the inbox flags it as overdue (Art. 16: handle items promptly). Local practice, not a rule.
HANDLING_LIMITS: dict[str | None, timedelta] = {
    EXTRA_URGENT: timedelta(hours=24), URGENT: timedelta(days=3), None: timedelta(days=7),
}
