"""The words of `repo_tools/registry`: terms of the regulation and its standards, as data.

Names, statuses and kinds that code compares, stores and shows live here, one place
per concern; sentences live in the catalogue (`repo_tools/messages/`)."""
from __future__ import annotations

# from repo_tools/registry/records.py
ROLE_NAMES = {"author": "拟稿人", "reviewer": "审核人", "seal-custodian": "印章保管人",
              "clerk": "收文员", "archivist": "档案员", "admin": "单位管理员"}

# How a person, unit or seal status reads in Chinese (the codes stay in the YAML and --json).
STATUS_NAMES = {"active": "在用", "disabled": "已停用", "removed": "已注销", "locked": "已锁定",
                "deregistered": "已撤销", "revoked": "已吊销", "destroyed": "已销毁"}
