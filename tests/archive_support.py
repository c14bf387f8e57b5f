"""The archive tests' year 2013 (a sealed notice with its attachment, a letter, a bulletin on
lagov's main, witnessed), also read by the CLI and site tests; built once per test run."""
from __future__ import annotations

from fixtures import Workspace

from repo_tools.archive import packages as archive_mod

NOTICE = """---
type: 通知
title: 六安市人民政府办公室关于印发六安市协同办公系统使用管理办法（试行）的通知
number: 六政办秘〔2013〕27号
recipients: [各县区人民政府, 市政府各部门]
date: 2013-03-21
attachments:
  - title: 六安市协同办公系统使用管理办法（试行）
    file: attachments/measures.txt
---

各县区人民政府，市政府各部门：

现将《六安市协同办公系统使用管理办法（试行）》印发给你们，请认真贯彻执行。
"""
LETTER = """---
type: 函
title: 六安市人民政府办公室关于商请提供协同办公系统联系人的函
number: 六政办〔2013〕3号
recipients: [六安市教育局]
date: 2013-04-02
---

请于4月10日前提供联系人。
"""
BULLETIN = """---
title: 市协同办公系统今日起试运行
column: 政务动态
date: 2013-03-26
---

市协同办公系统自2013年3月26日起开始试运行。
"""
MEASURES = "第一条 为规范协同办公系统的使用管理……\n"


def land_2013(ws: Workspace) -> None:
    ws.land("lagov", "zhang", {
        "documents/2013/oa-measures/index.md": NOTICE,
        "documents/2013/oa-measures/attachments/measures.txt": MEASURES,
        "documents/2013/contact-letter/index.md": LETTER,
        "bulletins/政务动态/2013-03-26-oa-trial-run/index.md": BULLETIN,
    }, "发布 2013 年公文与信息")
    ws.witness()  # the units' witnesses cosign: the seals' trusted times count


def landed_2013(ws: Workspace) -> None:
    """`land_2013`, built once per test run: this workspace's city becomes a copy of it."""
    ws.prepare("a13", land_2013)


def _archive_2013(ws: Workspace) -> archive_mod.Package:
    landed_2013(ws)
    package = archive_mod.archive(ws.city, "lagov", 2013, "sun")
    assert package is not None
    return package


def archived_2013(ws: Workspace) -> archive_mod.Package:
    """2013 landed and archived by sun (the first package), built once per test run."""
    return ws.prepare("a13p", _archive_2013)
