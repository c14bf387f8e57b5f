"""What several site tests share: the regulation's notice, a bulletin, a draft maker, search bundle text."""
from __future__ import annotations

from pathlib import Path

REGULATION = """---
type: 通知
title: 关于印发六安市协同办公系统使用管理办法（试行）的通知
number: 六政办秘〔2013〕27号
recipients: [各县区人民政府, 市政府各部门]
cc: [市委办公室]
date: 2013-03-21
attachments:
  - {title: 六安市协同办公系统使用管理办法（试行）, file: attachments/measures.txt}
---

为加快推进电子政务建设，提高行政效能，现将《六安市协同办公系统使用管理办法（试行）》印发给你们，请认真贯彻执行。
"""


BULLETIN = """---
title: 市协同办公系统今日起试运行
column: 政务动态
date: 2013-03-26
---

市协同办公系统自2013年3月26日起开始试运行。
"""


def doc(title: str, date: str = "2013-05-01", extra: str = "", body: str = "正文。") -> str:
    """A valid 通知 draft whose title contains `title` (no number: the sealing merge gives it one)."""
    return (f"---\ntype: 通知\ntitle: 关于{title}的通知\nrecipients: [市政府各部门]\ndate: {date}\n{extra}---\n\n"
            f"{body}\n")


def sealed_number(ws, unit: str, doc_dir: str) -> str:  # type: ignore[no-untyped-def]
    """The 发文字号 the sealing merge wrote into a document on the unit's main."""
    from repo_tools.documents import frontmatter
    from repo_tools.git.repo import clean_env, git
    text = git("show", f"refs/heads/main:{doc_dir}/index.md", cwd=ws.city.unit_repo(unit), env=clean_env())
    meta, _ = frontmatter.split(text)
    assert meta.get("number") and meta.get("sealed_on"), meta
    return str(meta["number"])


def bundle_text(site: Path, name: str) -> str:
    """The text of every page a search bundle holds (Pagefind's fragments are gzipped JSON)."""
    import gzip
    return "".join(gzip.decompress(p.read_bytes()).decode("utf-8", "replace").replace("\u200b", "")
                   for p in (site / name / "fragment").iterdir())
