"""The 公文 and 信息 models and the rules every document must meet before it may be sealed.

One place validates a document: `check_document` (and `check_bulletin`) takes the file's text
and the list of files in its folder, so the server hook (reading git objects), the client's
pre-commit hook (reading the index) and `oa doc check` (reading the disk) all say the same words.

Front matter keys are those of ARCHITECTURE.md "Content in a unit repository", plus two:
`upward: true` marks a 上行文 whose superior the system cannot recognise by itself, and
`joint: [unit ids]` names the co-issuing units of a 联合行文 (each 会签s it; repo_tools/workflow/).
`signer` and `date` of a sealed document are written by the seal from the 签发 signature.
A document is upward (上行文, so it needs a 签发人) when it is a 请示, when it carries
`upward: true`, or when one of its recipients is a superior of the sending unit: a registered
unit of a higher level (city above county and department, county and department above township),
or the people's government of the sender's own area (六安市教育局 -> 六安市人民政府).
"""
from __future__ import annotations

import difflib
import posixpath
import re
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError, field_validator

from repo_tools import timeutil
from repo_tools.documents import frontmatter
from repo_tools.documents.vocabulary import BRACKET_FORMS as BRACKET_FORMS
from repo_tools.documents.vocabulary import FIELD_NAMES as FIELD_NAMES
from repo_tools.documents.vocabulary import NEED_RECIPIENTS as NEED_RECIPIENTS
from repo_tools.documents.vocabulary import ORDER, ORDER_SHORT, PEOPLES_GOVERNMENT, REQUEST
from repo_tools.documents.vocabulary import TYPES as TYPES
from repo_tools.documents.vocabulary import URGENCIES as URGENCIES
from repo_tools.messages import say
from repo_tools.refusal import Refusal, refusal
from repo_tools.registry.records import Registry, Unit
from repo_tools.screening.markings import FRONT_MATTER_KEYS, text_problem

LEVEL_RANK = {"city": 3, "county": 2, "department": 2, "township": 1}
ATTACHMENTS_DIR = "attachments/"

FIELD_REMEDIES = {
    "date": say("documents.model.module.1"),
    "printed_on": say("documents.model.module.2"),
    "sealed_on": say("documents.model.module.3"),
    "recipients": say("documents.model.module.4"),
    "cc": say("documents.model.module.5"),
    "attachments": say("documents.model.module.6"),
    "audience": say("documents.model.module.7"),
    "signer": say("documents.model.module.8"),
    "upward": say("documents.model.module.9"),
    "joint": say("documents.model.module.10"),
    "type": say("documents.model.module.11"),
    "title": say("documents.model.module.12"),
    "column": say("documents.model.module.13"),
}
AUDIENCE_ENTRY = re.compile(r"^(unit|user):[A-Za-z0-9_.-]+$")


def _real_date(value: Any) -> Any:
    """Dates are YAML dates or ISO strings of a real day; a time of day or a number is refused."""
    if isinstance(value, datetime):
        raise ValueError(say("documents.model._real_date.1"))
    if isinstance(value, date):
        return value
    if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value.strip()):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            raise ValueError(say("documents.model._real_date.2", value=value)) from None
    raise ValueError(say("documents.model._real_date.3", value=value))


def _audience_value(value: Any) -> Any:
    if value is None or value == "all":
        return "all"
    if isinstance(value, list) and value and all(isinstance(v, str) and AUDIENCE_ENTRY.match(v) for v in value):
        return value
    raise ValueError(say("documents.model._audience_value.1", value=value))


# defer_build: a model's validator is built when it first validates, so the server hook checking
# a bulletin does not build the document's, and the reverse (each costs milliseconds per push).
class Attachment(BaseModel):
    """One line of 附件说明: the attachment's name and its file, relative to the folder."""
    model_config = ConfigDict(extra="forbid", defer_build=True)
    title: str
    file: str


class DocumentMeta(BaseModel):
    """The front matter of a 公文 (GB/T 9704-2012 elements)."""
    model_config = ConfigDict(extra="forbid", defer_build=True)
    type: str
    title: str
    number: str | None = None
    urgency: str | None = None
    recipients: list[str] = []
    cc: list[str] = []
    signer: str | list[str] | None = None
    date: Any
    attachments: list[Attachment] = []
    notes: str | None = None
    printed_by: str | None = None
    printed_on: Any = None
    audience: Literal["all"] | list[str] = "all"
    sealed_on: Any = None
    upward: bool = False
    joint: list[str] = []   # 联合行文: the co-issuing units' ids (each 会签s: repo_tools/workflow/)

    @field_validator("date")
    @classmethod
    def _date(cls, value: Any) -> Any:
        return _real_date(value)

    @field_validator("printed_on", "sealed_on")
    @classmethod
    def _optional_date(cls, value: Any) -> Any:
        return None if value is None else _real_date(value)

    @field_validator("audience", mode="before")
    @classmethod
    def _audience(cls, value: Any) -> Any:
        return _audience_value(value)

    @property
    def signers(self) -> list[str]:
        if self.signer is None:
            return []
        return [self.signer] if isinstance(self.signer, str) else list(self.signer)


class BulletinMeta(BaseModel):
    """The front matter of a 信息 (bulletin)."""
    model_config = ConfigDict(extra="forbid", defer_build=True)
    title: str
    column: str
    date: Any
    audience: Literal["all"] | list[str] = "all"

    @field_validator("date")
    @classmethod
    def _date(cls, value: Any) -> Any:
        return _real_date(value)

    @field_validator("audience", mode="before")
    @classmethod
    def _audience(cls, value: Any) -> Any:
        return _audience_value(value)


DOCUMENT_KEYS = tuple(DocumentMeta.model_fields)
BULLETIN_KEYS = tuple(BulletinMeta.model_fields)


# Loading ---------------------------------------------------------------------------------
class _Loader(frontmatter.LOADER):
    """Safe YAML whose impossible dates (2013-02-30) stay strings, so the rule can name them."""


def _timestamp(loader: yaml.SafeLoader, node: yaml.Node) -> Any:
    try:
        return yaml.SafeLoader.construct_yaml_timestamp(loader, node)  # type: ignore[arg-type]
    except ValueError:
        return loader.construct_scalar(node)  # type: ignore[arg-type]


_Loader.add_constructor("tag:yaml.org,2002:timestamp", _timestamp)


def split_front_matter(text: str) -> tuple[dict[str, Any], str]:
    """(metadata, body) like `frontmatter.split`, keeping impossible dates as text."""
    return frontmatter.split(text, loader=_Loader)


def _load(path: str, text: str, model: type[BaseModel]) -> tuple[BaseModel | None, str, list[Refusal]]:
    """(model or None, body, refusals) for a file's front matter against a model."""
    try:
        meta, body = split_front_matter(text)
    except frontmatter.FrontMatterError as exc:
        return None, "", [refusal("doc-frontmatter", path, path=path, detail=str(exc))]
    found: list[Refusal] = []
    known = tuple(model.model_fields)
    for key in meta:
        if key in known or key in FRONT_MATTER_KEYS:  # classification has its own rule
            continue
        close = difflib.get_close_matches(str(key), known, n=1, cutoff=0.6)
        found.append(refusal("doc-unknown-key", path, path=path, key=key,
                             hint=say("documents.model._load.1", close_0=close[0]) if close else "", known="、".join(known)))
    clean = {k: v for k, v in meta.items() if k in known}
    try:
        return model.model_validate(clean), body, found
    except ValidationError as exc:
        seen: set[str] = set()
        for error in exc.errors():
            field = str(error["loc"][0]) if error["loc"] else "?"
            if field in seen:
                continue
            seen.add(field)
            name = FIELD_NAMES.get(field, field)
            remedy = FIELD_REMEDIES.get(field, say("documents.model._load.2"))
            if error["type"] == "missing":
                found.append(refusal("doc-field-missing", path, path=path, field=field, name=name, remedy=remedy))
            else:
                found.append(refusal("doc-field", path, path=path, field=field, name=name,
                                     detail=_explain(error), remedy=remedy))
        return None, body, found


def _explain(error: Mapping[str, Any]) -> str:
    kind = error["type"]
    if kind == "value_error":
        return str(error.get("ctx", {}).get("error", error["msg"]))
    if kind in ("string_type",):
        return say("documents.model._explain.1")
    if kind in ("list_type",):
        return say("documents.model._explain.2")
    if kind in ("bool_type", "bool_parsing"):
        return say("documents.model._explain.3")
    if kind == "extra_forbidden":
        loc = ".".join(str(p) for p in error["loc"][1:])
        return say("documents.model._explain.4", loc=loc)
    if kind in ("literal_error", "union_tag_invalid"):
        return say("documents.model._explain.5")
    return say("documents.model._explain.6", msg=error['msg'])


def load_document(text: str, path: str = "index.md") -> tuple[DocumentMeta | None, str, list[Refusal]]:
    """Parse a document: (metadata, Markdown body, refusals of the schema)."""
    meta, body, found = _load(path, text, DocumentMeta)
    return meta, body, found  # type: ignore[return-value]


def load_bulletin(text: str, path: str = "index.md") -> tuple[BulletinMeta | None, str, list[Refusal]]:
    meta, body, found = _load(path, text, BulletinMeta)
    return meta, body, found  # type: ignore[return-value]


LOOSE_NUMBER = re.compile(r"^(?P<code>.+?)(?P<open>[\[［(（【〔])\s*(?P<year>\d{2,4})\s*(?P<close>[\]］)）】〕])"
                          r"\s*(?P<di>第)?\s*(?P<n>\d+)\s*号$")


def check_number(path: str, number: str, unit: Unit) -> list[Refusal]:
    """A 发文字号 is `<code>〔<yyyy>〕<n>号` with one of the unit's own agency codes."""
    from repo_tools.seal.numbering import parse
    number = number.strip()
    loose = LOOSE_NUMBER.match(number)
    if loose is None:
        return [refusal("doc-number-format", path, path=path, number=number)]
    suggest = say("documents.model.check_number.1",
                  code_strip=loose['code'].strip(), year=loose['year'], int_n=int(loose['n']))
    found: list[Refusal] = []
    if loose["open"] != "〔" or loose["close"] != "〕":
        used = next((name for o, c, name in BRACKET_FORMS if loose["open"] == o and name), say("documents.model.check_number.2"))
        found.append(refusal("doc-number-brackets", path, path=path, number=number, used=used, suggest=suggest))
    if loose["di"]:
        found.append(refusal("doc-number-di", path, path=path, number=number, suggest=suggest))
    if loose["n"].startswith("0"):
        found.append(refusal("doc-number-leading-zero", path, path=path, number=number, suggest=suggest))
    if len(loose["year"]) != 4 or (not found and parse(number) is None):
        found.append(refusal("doc-number-format", path, path=path, number=number))
    code = loose["code"].strip()
    if code not in unit.codes:
        found.append(refusal("doc-number-code", path, path=path, number=number, code=code, unit=unit.name,
                             codes="、".join(unit.codes)))
    return found


# Direction --------------------------------------------------------------------------------
def superior_recipients(recipients: list[str], unit: Unit, registry: Registry | None) -> list[str]:
    """Recipients that are superiors of the sending unit (see the module docstring)."""
    found = []
    mine = LEVEL_RANK.get(unit.level, 0)
    for name in recipients:
        other = registry.unit_by_name(name) if registry else None
        if other is not None and other.id != unit.id and LEVEL_RANK.get(other.level, 0) > mine:
            found.append(name)
        elif name.endswith(PEOPLES_GOVERNMENT) and name != unit.name and unit.name.startswith(name[:-4]) \
                and len(name) > 4:
            found.append(name)
    return found


def upward_reason(meta: DocumentMeta, unit: Unit, registry: Registry | None) -> str | None:
    """Why the document is a 上行文, or None when it is not."""
    if meta.type == REQUEST:
        return say("documents.model.upward_reason.1")
    superiors = superior_recipients(meta.recipients, unit, registry)
    if superiors:
        return say("documents.model.upward_reason.2", type=meta.type, value_join='、'.join(superiors))
    if meta.upward:
        return say("documents.model.upward_reason.3")
    return None


# The rules ----------------------------------------------------------------------------------
def check_document(path_of_index_md: str, text: str, folder_files: set[str], unit: Unit,
                   on_main: bool, today: date, registry: Registry | None = None) -> list[Refusal]:
    """Every rule on one 公文. `folder_files` are the paths of the files in the document's
    folder, relative to it (`index.md`, `attachments/办法.pdf`, ...); `on_main` says whether the
    document is on `main` (sealed, so numbered) or on a draft or merge-request branch."""
    path = path_of_index_md
    found: list[Refusal] = _markings(path, text)
    meta, _body, schema = load_document(text, path)
    found += schema
    if meta is None:
        return found
    if meta.type not in TYPES and not (meta.type == ORDER_SHORT):
        found.append(refusal("doc-type", path, path=path, value=meta.type, known="、".join(TYPES)))
    if not meta.title.strip():
        found.append(
            refusal(
                "doc-field",
                path,
                path=path,
                field="title",
                name=say("documents.model.check_document.1"),
                detail=say("documents.model.check_document.2"),
                remedy=FIELD_REMEDIES["title"],
            )
        )
    elif meta.type in TYPES and not _title_names_type(meta.title.strip(), meta.type):
        found.append(refusal("doc-title-type", path, path=path, title=meta.title, type=meta.type))
    found += _check_number_state(path, meta, unit, on_main)
    if meta.type in NEED_RECIPIENTS and not [r for r in meta.recipients if r.strip()]:
        found.append(refusal("doc-recipients-missing", path, path=path, type=meta.type))
    if meta.type == REQUEST and len(meta.recipients) > 1:
        found.append(refusal("doc-request-recipients", path, path=path, count=len(meta.recipients), names="、".join(meta.recipients)))
    why = upward_reason(meta, unit, registry)
    if why and not [s for s in meta.signers if s.strip()]:
        found.append(refusal("doc-signer-missing", path, path=path, why=why))
    if registry is not None:
        unknown = [u for u in meta.joint if registry.unit(u) is None or u == unit.id]
        if unknown:
            found.append(refusal("doc-joint-unit", path, path=path, units="、".join(unknown)))
    if meta.urgency is not None and meta.urgency not in URGENCIES:
        found.append(refusal("doc-urgency", path, path=path, value=meta.urgency))
    found += _date_not_future(path, meta.date, today, say("documents.model.check_document.3"))
    found += _check_attachments(path, meta, folder_files)
    return found


def _markings(path: str, text: str) -> list[Refusal]:
    """Classified material stays on paper (Art. 2): the same finding as the hook's rule."""
    problem = text_problem(text)
    return [refusal("classified", path, path=path, detail=problem)] if problem else []


def _date_not_future(path: str, when: date, today: date, name: str) -> list[Refusal]:
    """A 成文日期 (or a bulletin's date) never lies after today."""
    if when <= today:
        return []
    return [refusal("doc-date-future", path, path=path, name=name, field="date", value=when.isoformat(),
                    today=today.isoformat())]


def _title_names_type(title: str, kind: str) -> bool:
    if kind == ORDER:
        return title.endswith((ORDER, ORDER_SHORT))
    return title.endswith(kind)


def _check_number_state(path: str, meta: DocumentMeta, unit: Unit, on_main: bool) -> list[Refusal]:
    found: list[Refusal] = []
    number = (meta.number or "").strip()
    if not on_main:
        if number:
            found.append(
                refusal("doc-number-draft", path, path=path, name=say("documents.model._check_number_state.1"), field="number", value=number)
            )
        if meta.sealed_on is not None:
            found.append(
                refusal(
                    "doc-number-draft",
                    path,
                    path=path,
                    name=say("documents.model._check_number_state.2"),
                    field="sealed_on",
                    value=meta.sealed_on.isoformat(),
                )
            )
        return found
    if not number:
        return [refusal("doc-number-missing", path, path=path)]
    return check_number(path, number, unit)


def _check_attachments(path: str, meta: DocumentMeta, folder_files: set[str]) -> list[Refusal]:
    found: list[Refusal] = []
    folder = posixpath.dirname(path) or "."
    listed: set[str] = set()
    for item in meta.attachments:
        name = posixpath.normpath(item.file.strip())
        if item.file.startswith("/") or name.startswith("..") or name in (".", ""):
            found.append(refusal("doc-attachment-path", path, path=path, file=item.file))
            continue
        listed.add(name)
        if name not in folder_files:
            found.append(refusal("doc-attachment-missing", path, path=path, title=item.title, file=name, folder=folder))
    for name in sorted(folder_files):
        if name.startswith(ATTACHMENTS_DIR) and name not in listed:
            found.append(refusal("doc-attachment-unlisted", path, path=path, file=name))
    return found


def check_bulletin(path_of_index_md: str, text: str, folder_files: set[str], unit: Unit, today: date) -> list[Refusal]:
    """Every rule on one 信息 at `bulletins/<column>/<yyyy-mm-dd>-<slug>/index.md`."""
    path = path_of_index_md
    found: list[Refusal] = _markings(path, text)
    meta, _body, schema = load_bulletin(text, path)
    found += schema
    if meta is None:
        return found
    for field in ("title", "column"):
        if not str(getattr(meta, field)).strip():
            found.append(
                refusal(
                    "doc-field",
                    path,
                    path=path,
                    field=field,
                    name=FIELD_NAMES[field],
                    detail=say("documents.model.check_bulletin.1"),
                    remedy=FIELD_REMEDIES[field],
                )
            )
    found += _date_not_future(path, meta.date, today, say("documents.model.check_bulletin.2"))
    parts = path.split("/")
    if len(parts) >= 4 and parts[-4] == "bulletins":
        column, folder = parts[-3], parts[-2]
        if meta.column.strip() and column != meta.column.strip():
            found.append(
                refusal(
                    "bulletin-folder", path, path=path, name=say("documents.model.check_bulletin.3"), field="column", value=meta.column, folder=column
                )
            )
        if re.match(r"^\d{4}-\d{2}-\d{2}", folder) and folder[:10] != meta.date.isoformat():
            found.append(
                refusal(
                    "bulletin-folder",
                    path,
                    path=path,
                    name=say("documents.model.check_bulletin.2"),
                    field="date",
                    value=meta.date.isoformat(),
                    folder=folder,
                )
            )
    return found


# Where documents and bulletins live ---------------------------------------------------------
DOCUMENT_FOLDER = re.compile(r"^(documents/[^/]+/[^/]+)/")
BULLETIN_FOLDER = re.compile(r"^(bulletins/[^/]+/[^/]+)/")


def folder_of(path: str) -> tuple[str, str] | None:
    """("document" | "bulletin", folder) for a path inside a document or bulletin folder."""
    match = DOCUMENT_FOLDER.match(path)
    if match:
        return "document", match.group(1)
    match = BULLETIN_FOLDER.match(path)
    if match:
        return "bulletin", match.group(1)
    return None


def check_folder(
    kind: str,
    folder: str,
    index: bytes | None,
    names: set[str],
    unit: Unit,
    on_main: bool,
    today: date | None = None,
    registry: Registry | None = None,
) -> list[Refusal]:
    """The rules on one folder given its index.md and the names of its files (relative to it).

    A folder without index.md is not (yet) a document: nothing to check here."""
    if index is None:
        return []
    today = today or timeutil.today()
    path = f"{folder}/index.md"
    try:
        text = index.decode("utf-8")
    except UnicodeDecodeError:
        return [refusal("doc-frontmatter", path, path=path, detail=say("documents.model.check_folder.1"))]
    if kind == "document":
        return check_document(path, text, names, unit, on_main, today, registry)
    return check_bulletin(path, text, names, unit, today)


# Checking a working clone (`oa doc check`, the pre-commit hook) -----------------------------
def kind_of(relpath: str, text: str) -> str:
    """ "document" or "bulletin": by the folder when it follows the layout, else by the keys."""
    found = folder_of(relpath)
    if found:
        return found[0]
    try:
        meta, _ = split_front_matter(text)
    except frontmatter.FrontMatterError:
        return "document"
    return "bulletin" if "column" in meta and "type" not in meta else "document"


def check_index(relpath: str, text: str, names: set[str], unit: Unit, on_main: bool, today: date, registry: Registry | None = None) -> list[Refusal]:
    """The rules on one index.md at `relpath` (relative to the repository's root)."""
    if kind_of(relpath, text) == "bulletin":
        return check_bulletin(relpath, text, names, unit, today)
    return check_document(relpath, text, names, unit, on_main, today, registry)
