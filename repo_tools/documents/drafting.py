"""Drafting (拟稿): a new 公文 from the template, in the unit's name, in a working clone.

`new_document` writes `documents/<year>/<slug>/index.md` with the GB/T 9704 elements filled
from the arguments (no `number`: the sealing merge allocates it), copies the attachments into
`attachments/` and lists them in 附件说明. The slug is ASCII whatever the title's script:
`<mmdd>-<type in English>-<6 hex digits of the title's hash>`, e.g. `0320-notice-5f3a9c`,
safe on every file system and in every URL.
"""
from __future__ import annotations

import hashlib
import re
import shutil
from datetime import date
from pathlib import Path

import yaml

from repo_tools import timeutil
from repo_tools.documents.model import NEED_RECIPIENTS, TYPES, URGENCIES
from repo_tools.messages import Refused
from repo_tools.registry.records import Unit

TYPE_SLUGS = {
    "决议": "resolution", "决定": "decision", "命令": "order", "公报": "communique", "公告": "announcement",
    "通告": "public-notice", "意见": "opinions", "通知": "notice", "通报": "briefing", "报告": "report",
    "请示": "request", "批复": "reply", "议案": "motion", "函": "letter", "纪要": "minutes",
}
SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}[a-z0-9]$")
SAFE_FILE = re.compile(r"[^\w.\-（）()\u3400-\u9fff]+")

# The body each type starts from: the usual closing formula of the type (结束语) after a hint.
BODIES = {
    "通知": "（正文：写明通知的缘由、事项和要求。）\n\n特此通知。\n",
    "请示": "（正文：写明请示的缘由和事项，一文一事。）\n\n妥否，请批示。\n",
    "报告": "（正文：写明工作情况、问题和下一步打算；报告中不得夹带请示事项。）\n\n特此报告。\n",
    "批复": "你单位《关于……的请示》收悉。经研究，现批复如下：\n\n（正文：写明批复意见。）\n\n此复。\n",
    "函": "（正文：写明商洽、询问或答复的事项。）\n\n请予支持为盼。\n",
    "意见": "（正文：写明对重要问题的见解和处理办法。）\n",
    "通报": "（正文：写明通报的事实、分析和要求。）\n\n特此通报。\n",
    "通告": "（正文：写明应当遵守或者周知的事项。）\n\n特此通告。\n",
    "公告": "（正文：写明向国内外宣布的重要事项。）\n\n特此公告。\n",
    "决定": "（正文：写明决定的事项。）\n",
    "决议": "（正文：写明会议讨论通过的重大决策事项。）\n",
    "命令": "（正文：写明令的事项。）\n",
    "公报": "（正文：写明公布的重要决定或者重大事项。）\n",
    "议案": "（正文：写明提请审议的事项。）\n\n请审议。\n",
    "纪要": "时间：\n\n地点：\n\n主持：\n\n出席：\n\n请假：\n\n列席：\n\n会议议定事项如下：\n\n一、……\n",
}


class _Dumper(yaml.SafeDumper):
    """Plain YAML for people: the same date twice is written twice, not as an alias."""

    def ignore_aliases(self, data: object) -> bool:
        return True


def slug_for(doc_type: str, title: str, day: date) -> str:
    digest = hashlib.sha256(title.encode("utf-8")).hexdigest()[:6]
    return f"{day:%m%d}-{TYPE_SLUGS.get(doc_type, 'document')}-{digest}"


def attachment_name(path: Path) -> str:
    """The attachment's file name, with characters unsafe in paths and URLs replaced."""
    name = SAFE_FILE.sub("-", path.name).strip("-.") or "attachment"
    return name


def new_document(root: str | Path, unit: Unit, doc_type: str, title: str, recipients: list[str] | None = None,
                 cc: list[str] | None = None, urgency: str | None = None, attachments: list[Path] | None = None,
                 signer: list[str] | None = None, day: date | None = None, slug: str | None = None) -> Path:
    """Write a new draft from the template in `root` (a working clone); return its folder."""
    if doc_type not in TYPES:
        raise Refused("usage", detail=f"文种“{doc_type}”不是15种公文之一。", remedy=f"请从 {'、'.join(TYPES)} 中选择。")
    if urgency is not None and urgency not in URGENCIES:
        raise Refused("usage", detail=f"紧急程度“{urgency}”无效。", remedy="只能是 特急 或 加急。")
    day = day or timeutil.today()
    slug = slug or slug_for(doc_type, title, day)
    if not SLUG.match(slug):
        raise Refused("usage", detail=f"目录名“{slug}”不安全。", remedy="只用小写字母、数字和连字符，如 0320-notice-oa。")
    folder = Path(root) / "documents" / str(day.year) / slug
    if folder.exists():
        raise Refused("exists", what="公文目录", name=str(folder.relative_to(root)))
    listed: list[dict[str, str]] = []
    copies: list[tuple[Path, Path]] = []
    for source in attachments or []:
        source = Path(source)
        if not source.is_file():
            raise Refused("not-found", what="附件", name=str(source), remedy="请检查附件文件的路径。")
        name = attachment_name(source)
        if any(item["file"] == f"attachments/{name}" for item in listed):
            raise Refused("exists", what="附件", name=name)
        listed.append({"title": source.stem, "file": f"attachments/{name}"})
        copies.append((source, folder / "attachments" / name))
    meta: dict[str, object] = {"type": doc_type, "title": title}
    if urgency:
        meta["urgency"] = urgency
    if recipients or doc_type in NEED_RECIPIENTS:
        meta["recipients"] = list(recipients or [])
    if cc:
        meta["cc"] = list(cc)
    if signer:
        meta["signer"] = signer[0] if len(signer) == 1 else list(signer)
    meta["date"] = day
    if listed:
        meta["attachments"] = listed
    meta["printed_by"] = unit.name
    meta["printed_on"] = day
    meta["audience"] = "all"
    block = yaml.dump(meta, Dumper=_Dumper, allow_unicode=True, sort_keys=False, default_flow_style=False)
    # The agency code is recorded as a comment: a draft carries no number (the seal allocates it).
    block = (f"# 发文机关：{unit.name}；发文字号由盖章合并按机关代字（{'、'.join(unit.codes)}）编号，草稿不填 number\n"
             + block)
    folder.mkdir(parents=True)
    for source, target in copies:
        target.parent.mkdir(exist_ok=True)
        shutil.copyfile(source, target)
    (folder / "index.md").write_text(f"---\n{block}---\n\n{BODIES[doc_type]}", encoding="utf-8")
    return folder
