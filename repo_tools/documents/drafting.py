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
from repo_tools.documents.vocabulary import TYPE_SLUGS as TYPE_SLUGS
from repo_tools.messages import Refused, say
from repo_tools.registry.records import Unit

SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}[a-z0-9]$")
SAFE_FILE = re.compile(r"[^\w.\-（）()\u3400-\u9fff]+")

# The body each type starts from: the usual closing formula of the type (结束语) after a hint.
BODIES = {doc_type: say(f"documents.drafting.body.{slug}") for doc_type, slug in TYPE_SLUGS.items()}


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
        raise Refused("usage", detail=say("documents.drafting.new_document.1",
                                          doc_type=doc_type), remedy=say("documents.drafting.new_document.2",
                                                                              value_join='、'.join(TYPES)))
    if urgency is not None and urgency not in URGENCIES:
        raise Refused("usage", detail=say("documents.drafting.new_document.3", urgency=urgency), remedy=say("documents.drafting.new_document.4"))
    day = day or timeutil.today()
    slug = slug or slug_for(doc_type, title, day)
    if not SLUG.match(slug):
        raise Refused("usage", detail=say("documents.drafting.new_document.5",
                                          slug=slug), remedy=say("documents.drafting.new_document.6"))
    folder = Path(root) / "documents" / str(day.year) / slug
    if folder.exists():
        raise Refused("exists", what=say("documents.drafting.new_document.7"), name=str(folder.relative_to(root)))
    listed: list[dict[str, str]] = []
    copies: list[tuple[Path, Path]] = []
    for source in attachments or []:
        source = Path(source)
        if not source.is_file():
            raise Refused("not-found", what=say("documents.drafting.new_document.8"), name=str(source), remedy=say("documents.drafting.new_document.9"))
        name = attachment_name(source)
        if any(item["file"] == f"attachments/{name}" for item in listed):
            raise Refused("exists", what=say("documents.drafting.new_document.8"), name=name)
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
    block = (say("documents.drafting.new_document.10",
                 name=unit.name, value_join='、'.join(unit.codes))
             + block)
    folder.mkdir(parents=True)
    for source, target in copies:
        target.parent.mkdir(exist_ok=True)
        shutil.copyfile(source, target)
    (folder / "index.md").write_text(f"---\n{block}---\n\n{BODIES[doc_type]}", encoding="utf-8")
    return folder
