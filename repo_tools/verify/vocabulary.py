"""The words of `repo_tools/verify`: terms of the regulation and its standards, as data.

Names, statuses and kinds that code compares, stores and shows live here, one place
per concern; sentences live in the catalogue (`repo_tools/messages/`)."""
from __future__ import annotations

# from repo_tools/verify/report.py
KIND_NAMES = {"commit": "提交", "tag": "标签", "push-certificate": "推送证书", "registry-commit": "登记系统提交"}
