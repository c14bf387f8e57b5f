"""Yearly archiving (Art. 34-36, GB/T 18894-2016, DA/T 46, DA/T 22): `oa archive YEAR`.

An archivist gathers the unit's sealed documents (on `main`, with a number) and published
bulletins of a year that no earlier package holds, gives each a 档号 and a retention period from
the unit's schedule, and writes one package into the unit repository:

    archive/<year>/<batch>/manifest-sha256.txt         SHA-256 of every other file of the package
    archive/<year>/<batch>/catalogue.json|.md          归档文件目录 (and what the hook reads)
    archive/<year>/<batch>/items/<档号>/metadata.json   DA/T 46 core metadata of one item
    archive/<year>/<batch>/items/<档号>/content/...     the item's files, byte for byte

The package is one signed commit by the archivist that only adds files, pushed straight to
`main` together with a signed annotated tag `refs/tags/archive/<year>` (later batches:
`archive/<year>-<batch>`: git cannot hold both `archive/2013` and `archive/2013/2`). The copies
cost nothing: Git stores identical files once.
"""
from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from repo_tools import timeutil
from repo_tools.archive import reference as archive_reference
from repo_tools.archive import retention as archive_retention
from repo_tools.archive.reference import ArchiveReference
from repo_tools.archive.vocabulary import (
    ACCESS,
    ACCESS_CONTROL,
    ACTION,
    ACTION_BASIS,
    ACTION_TIME,
    ACTOR,
    AGGREGATION,
    APPROVAL,
    ATTACHMENTS,
    AUDIENCE,
    CATEGORY_CODE,
    CC,
    CERTIFICATE,
    CLASSIFICATION,
    COLUMN,
    CONTENT,
    CREATING_UNIT_NAME,
    CREATOR,
    CUSTODIAN,
    CUSTODIAN_NAME,
    DATE,
    DATE_WRITTEN,
    DELEGATED_BY,
    DELEGATION_ID,
    DOC_TYPE,
    ELECTRONIC,
    ELEMENT_IDS,
    ELEMENT_NUMBERS,
    ENTRY,
    FILE_NAME,
    FILE_NUMBER,
    FILE_SIZE,
    FONDS,
    FONDS_NAME,
    FORM,
    FORMAT,
    FRONT_MATTER,
    GIT_OBJECT,
    ISSUER,
    ITEM_NUMBER,
    ITEMS,
    KIND,
    LANGUAGE,
    MANUSCRIPT,
    MERGE_REQUEST,
    METADATA_SCHEME,
    NAME,
    NOTES,
    NUMBER,
    OBJECT,
    OBJECT_TYPE,
    OPINION,
    OPINION_KIND,
    ORGANIZATION,
    PACKAGE,
    PAGES,
    PEOPLE,
    PRINTED_BY,
    PRINTED_ON,
    PROVENANCE,
    PUBLISHED,
    PUBLISHING_COMMIT,
    PURPOSE,
    RECIPIENTS,
    REFERENCE,
    REMARKS,
    RETENTION,
    RETENTION_BASIS,
    RETENTION_CODE,
    RETENTION_NAMES,
    RETENTION_ORDER,
    REVIEW_TAG,
    REVIEWER,
    SEAL,
    SEAL_ID,
    SEAL_STATUS,
    SEALED_AT,
    SEALED_ON,
    SEQUENCE,
    SIGNATURE_ALGORITHM,
    SIGNATURE_RESULT,
    SIGNATURE_RULES,
    SIGNATURE_TAG,
    SIGNATURES,
    SIGNED_AT,
    SIGNED_OBJECT,
    SIGNER,
    SIGNER_ID,
    SIGNER_KIND,
    SOURCE_PATH,
    STATE,
    STEP,
    STORED_AT,
    TITLE,
    TRUSTED_TIME,
    UNIT,
    UNIT_ID,
    URGENCY,
    VALID,
    VERIFICATION_PROBLEMS,
    WORKFLOW,
    YEAR,
)
from repo_tools.city import City
from repo_tools.documents import frontmatter
from repo_tools.documents.frontmatter import json_safe
from repo_tools.git.repo import (
    ObjectReader,
    Scratch,
    Signer,
    clean_env,
    git,
    list_tree,
    parse_commit,
    parse_tag,
)
from repo_tools.identity import keys
from repo_tools.identity.judgement import may_sign
from repo_tools.log import eventlog
from repo_tools.messages import Refused, say
from repo_tools.registry.records import Registry
from repo_tools.seal import numbering
from repo_tools.verify.report import Verifier, document_report
from repo_tools.workflow.vocabulary import STEP_NAMES

MAIN = "refs/heads/main"
TAG_NAME = re.compile(r"^archive/(?P<year>\d{4})(?:-(?P<batch>[1-9]\d*))?$")
PACKAGE_FILE = re.compile(r"^archive/(?P<year>\d{4})/(?P<batch>[1-9]\d*)/(?P<rest>.+)$")
MANIFEST = "manifest-sha256.txt"
CATALOGUE = "catalogue.json"
DOCUMENT_INDEX = re.compile(r"^documents/(?P<year>\d{4})/[^/]+/index\.md$")
BULLETIN_INDEX = re.compile(r"^bulletins/[^/]+/(?P<year>\d{4})-\d{2}-\d{2}-[^/]+/index\.md$")
SIGNATURE_RULE = (say("archive.packages.module.1"))


# Names ------------------------------------------------------------------------------------
def tag_name(year: int, batch: int) -> str:
    """The archive tag of a package (without `refs/tags/`)."""
    return f"archive/{year}" if batch == 1 else f"archive/{year}-{batch}"


def package_of_tag(name: str) -> tuple[int, int] | None:
    """(year, batch) of an archive tag name (with or without `refs/tags/`), or None."""
    match = TAG_NAME.match(name.removeprefix("refs/tags/"))
    if not match:
        return None
    return int(match["year"]), int(match["batch"] or 1)


def package_path(year: int, batch: int) -> str:
    return f"archive/{year}/{batch}"


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def manifest_text(files: dict[str, bytes]) -> bytes:
    """`<sha256>  <path>` per file (paths relative to the package), sorted: BagIt's form."""
    lines = [f"{sha256(data)}  {path}\n" for path, data in sorted(files.items())]
    return "".join(lines).encode("utf-8")


def parse_manifest(data: bytes) -> dict[str, str]:
    entries: dict[str, str] = {}
    for line in data.decode("utf-8").splitlines():
        if line.strip():
            digest, _, path = line.partition("  ")
            entries[path] = digest.strip().lower()
    return entries


# Reading packages from any revision (library and hook alike) ----------------------------------
def tree_entries(reader: ObjectReader, spec: str) -> dict[str, tuple[str, str]]:
    """name -> (mode, oid) of the tree at `spec` (`<rev>:<path>`), empty when absent."""
    got = reader.read(spec)
    if not got or got[1] != "tree":
        return {}
    raw, out, pos = got[2], {}, 0
    while pos < len(raw):
        space = raw.index(b" ", pos)
        nul = raw.index(b"\0", space)
        mode = raw[pos:space].decode()
        name = raw[space + 1:nul].decode("utf-8", "surrogateescape")
        out[name] = (mode, raw[nul + 1:nul + 21].hex())
        pos = nul + 21
    return out


class Numbered:
    """A package's folder and tag follow from its year and batch."""
    year: int
    batch: int

    @property
    def path(self) -> str:
        return package_path(self.year, self.batch)

    @property
    def tag(self) -> str:
        return tag_name(self.year, self.batch)


@dataclass
class PackageInfo(Numbered):
    """One archive package as it stands on a revision."""
    year: int
    batch: int
    catalogue: dict[str, Any]


    @property
    def rows(self) -> list[dict[str, Any]]:
        return list(self.catalogue.get("rows", []))


def read_packages(reader: ObjectReader, rev: str, year: int | None = None) -> list[PackageInfo]:
    """Every package on `rev` (of one year when given), by year and batch."""
    found: list[PackageInfo] = []
    years = tree_entries(reader, f"{rev}:archive")
    for name in sorted(years):
        if not re.fullmatch(r"\d{4}", name) or (year is not None and int(name) != year):
            continue
        for batch in sorted(tree_entries(reader, f"{rev}:archive/{name}"), key=lambda b: (len(b), b)):
            if not re.fullmatch(r"[1-9]\d*", batch):
                continue
            data = reader.blob(f"{rev}:archive/{name}/{batch}/{CATALOGUE}")
            try:
                catalogue = json.loads(data.decode("utf-8")) if data else {}
            except (UnicodeDecodeError, json.JSONDecodeError):
                catalogue = {}
            found.append(PackageInfo(int(name), int(batch), catalogue if isinstance(catalogue, dict) else {}))
    return found


def archived_sources(reader: ObjectReader, rev: str) -> dict[str, str]:
    """Source folder on `main` -> 档号, for every item archived on `rev`."""
    sources: dict[str, str] = {}
    for package in read_packages(reader, rev):
        for row in package.rows:
            if row.get("source"):
                sources[str(row["source"]).rstrip("/")] = str(row.get(REFERENCE, ""))
    return sources


def packages(city: City, unit_id: str, year: int | None = None, rev: str = MAIN) -> list[PackageInfo]:
    with ObjectReader(city.unit_repo(unit_id), env=clean_env()) as reader:
        return read_packages(reader, rev, year)


# Gathering -------------------------------------------------------------------------------------
@dataclass
class Item:
    """A record to archive: a sealed document or a published bulletin, as it is on `main`."""
    kind: str                       # "document" or "bulletin"
    source: str                     # its folder on main
    meta: dict[str, Any]
    files: dict[str, str]           # path relative to the folder -> blob id
    year: int
    retention: str = "D30"
    retention_basis: str = ""

    @property
    def doc_type(self) -> str:
        return str(self.meta.get("type") or (say("archive.packages.doc_type.1") if self.kind == "bulletin" else ""))

    @property
    def title(self) -> str:
        return str(self.meta.get("title") or "")

    @property
    def number(self) -> str:
        return str(self.meta.get("number") or "")

    @property
    def date(self) -> str:
        value = self.meta.get("date")
        return value.isoformat() if isinstance(value, (date, datetime)) else str(value or "")

    def sort_key(self) -> tuple[int, str, str, str]:
        return (RETENTION_ORDER.index(self.retention), self.date, self.number, self.source)


def _item_year(meta: dict[str, Any], fallback: str) -> int:
    value = meta.get("date")
    if isinstance(value, (date, datetime)):
        return value.year
    try:
        return int(str(value)[:4])
    except ValueError:
        return int(fallback)


def gather(city: City, unit_id: str, year: int, rev: str = MAIN) -> list[Item]:
    """The unit's sealed documents and published bulletins of `year` not yet archived."""
    repo = city.unit_repo(unit_id)
    env = clean_env()
    tree = {p: b for p, b in list_tree(repo, rev, env=env).items()
            if p.startswith(("documents/", "bulletins/"))}
    items: list[Item] = []
    with ObjectReader(repo, env=env) as reader:
        done = archived_sources(reader, rev)
        schedule = archive_retention.parse(reader.blob(f"{rev}:{archive_retention.SCHEDULE_PATH}"))
        for path, blob in sorted(tree.items()):
            doc = DOCUMENT_INDEX.match(path)
            bulletin = BULLETIN_INDEX.match(path)
            if not (doc or bulletin):
                continue
            folder = path.rsplit("/", 1)[0]
            if folder in done:
                continue
            try:
                meta, _ = frontmatter.split((reader.blob(blob) or b"").decode("utf-8"))
            except (frontmatter.FrontMatterError, UnicodeDecodeError):
                continue
            kind = "document" if doc else "bulletin"
            if kind == "document" and numbering.parse(str(meta.get("number") or "")) is None:
                continue  # a draft that reached main without a number is not a sealed document
            match = doc or bulletin
            assert match is not None
            if _item_year(meta, match["year"]) != year:
                continue
            files = {p[len(folder) + 1:]: b for p, b in tree.items() if p.startswith(folder + "/")}
            item = Item(kind, folder, meta, files, year)
            item.retention, item.retention_basis = schedule.retention_for(folder, kind, item.doc_type, item.title)
            items.append(item)
    return sorted(items, key=Item.sort_key)


# Provenance: signatures, seal, approvals, history ------------------------------------------------
def _trailers(message: str) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for line in message.splitlines():
        match = re.match(r"^([A-Z][A-Za-z-]+):\s*(.+)$", line.strip())
        if match:
            found.setdefault(match[1], []).append(match[2].strip())
    return found


class Provenance:
    """Reads who signed what and when, with the server keyring and the event log only."""

    def __init__(self, city: City, unit_id: str, registry: Registry | None = None) -> None:
        from repo_tools.git.push import SignatureVerifier
        self.city = city
        self.unit_id = unit_id
        self.repo = city.unit_repo(unit_id)
        self.registry = registry or city.registry()
        self.verifier = SignatureVerifier(city.server_gnupg, self.registry, city.authority_fingerprint())
        self.times = eventlog.trusted_times(city.log_file, unit_id)
        self.reader = ObjectReader(self.repo, env=clean_env())
        self._algos: dict[str, str] = {}
        self._verifier: Verifier | None = None

    def close(self) -> None:
        self.reader.close()

    def algorithm(self, fingerprint: str | None) -> str:
        if not fingerprint:
            return ""
        if fingerprint not in self._algos:
            names = {"1": "RSA", "17": "DSA", "19": "ECDSA", "22": "EdDSA"}
            found = keys.keyring(self.city.server_gnupg).list_keys(keys=[fingerprint])
            if found:
                algo = names.get(str(found[0].get("algo")), str(found[0].get("algo")))
                curve = found[0].get("curve") or ""
                self._algos[fingerprint] = f"OpenPGP {algo}{' ' + curve if curve else ''}"
            else:
                self._algos[fingerprint] = "OpenPGP"
        return self._algos[fingerprint]

    def signature(self, oid: str, role: str) -> dict[str, Any]:
        """电子签名 of one commit or tag: signer, key, algorithm, trusted time, result."""
        got = self.reader.read(oid)
        if got is None:
            return {OBJECT: oid, PURPOSE: role, SIGNATURE_RESULT: say("archive.packages.signature.1"), VALID: False}
        if got[1] == "tag":
            parsed = parse_tag(oid, got[2])
        else:
            parsed = parse_commit(oid, got[2])  # type: ignore[assignment]
        check = self.verifier.check(oid, parsed.payload, parsed.signature)
        trusted = self.times.get(oid)
        holder = check.holder
        moment = timeutil.parse(trusted) if trusted else None
        # The one judgement (`identity.judgement`); a received item is signed by its sender.
        verdict = may_sign(self.registry, holder, self.unit_id, moment, inbox=True)
        valid = bool(check.valid and verdict.counts)
        if not check.valid:
            result = check.detail
        else:
            result = {"ok": VALID, "unknown-key": say("archive.packages.signature.2"),
                      "no-time": say("archive.packages.signature.3"),
                      "window": say("archive.packages.signature.4")}.get(verdict.code, verdict.reason)
        return {OBJECT: oid, OBJECT_TYPE: got[1], PURPOSE: role,
                SIGNER: holder.name if holder else None,
                SIGNER_ID: holder.id if holder else None,
                SIGNER_KIND: ({"person": say("archive.packages.signature.6"), "seal": say("archive.packages.signature.7")}[holder.kind] if holder else None),
                CERTIFICATE: check.fingerprint, SIGNATURE_ALGORITHM: self.algorithm(check.fingerprint),
                SIGNED_AT: trusted, SIGNATURE_RULES: SIGNATURE_RULE, SIGNATURE_RESULT: result, VALID: valid}

    def publishing_commit(self, folder: str, rev: str = MAIN) -> str | None:
        """The commit on main's first-parent line that last brought the folder to its state."""
        out = git("log", "-1", "--first-parent", "--format=%H", rev, "--", folder,
                  cwd=self.repo, env=clean_env()).strip()
        return out or None

    def describe(self, item: Item, rev: str = MAIN) -> dict[str, Any]:
        """电子签名, 印章, 审批, 可信时间 and 业务行为 of an item.

        A document's seal and approvals are what `verify.document_report` finds on its sealing
        merge (one reading of the issue-4 trailers for the whole system); a bulletin's publishing
        commit is signed by a reviewer's personal key and has no seal."""
        sealed = self.document_report(item) if item.kind == "document" else None
        commit_oid = (sealed or {}).get("merge") or self.publishing_commit(item.source, rev)
        signatures: list[dict[str, Any]] = []
        seal: dict[str, Any] | None = None
        approvals: list[dict[str, Any]] = []
        trailers: dict[str, list[str]] = {}
        if commit_oid:
            got = self.reader.read(commit_oid)
            commit = parse_commit(commit_oid, got[2]) if got else None
            trailers = _trailers(commit.message) if commit else {}
            signatures.append(self.signature(commit_oid, say("archive.packages.describe.1") if trailers.get("Seal") else PUBLISHED))
        if sealed is not None:
            seal = self._seal(sealed)
            approvals = [self._approval(entry) for entry in sealed["approvals"]]
        else:
            approvals = [self._approval_from_trailer(entry) for entry in trailers.get("Approval", [])]
        signatures += [self.signature(a[SIGNED_OBJECT], say("archive.packages.describe.3")) for a in approvals if a[SIGNED_OBJECT]]
        steps = [_issuing_step(s) for s in (sealed or {}).get("steps", [])]  # 会签, 签发, 复核
        signatures += [self.signature(s[SIGNED_OBJECT], s[STEP]) for s in steps if s[SIGNED_OBJECT] and s[STEP] != STEP_NAMES["countersign"]]
        history = self._history(item, rev, commit_oid, approvals)
        history += [{STATE: say("archive.packages.describe.4"), ACTION: s[STEP], ACTION_TIME: s[TRUSTED_TIME],
                     ACTOR: s[NAME] + (say("archive.packages.describe.5") if s[DELEGATED_BY] else ""),
                     ACTION_BASIS: s[OPINION], OBJECT: s[SIGNED_OBJECT]} for s in steps]
        history.sort(key=lambda e: str(e.get(ACTION_TIME) or ""))
        return {"commit": commit_oid, "signatures": signatures, "seal": seal, "approvals": approvals,
                "steps": steps,
                "history": history, "trusted_time": self.times.get(commit_oid or ""),
                "merge_request": next(iter(trailers.get("Merge-Request") or []), None)}

    def document_report(self, item: Item) -> dict[str, Any]:
        """The verification module's report on a document on main (BRIEF "Verification")."""
        return document_report(self.city, self.unit_id, item.source, verifier=self.verifier_for_documents(),
                               times=self.times)

    def verifier_for_documents(self) -> Verifier:
        """One `verify.Verifier` (judging against this registry state) for every document report."""
        if self._verifier is None:
            self._verifier = Verifier(self.city, self.registry)
        return self._verifier

    def _seal(self, report: dict[str, Any]) -> dict[str, Any] | None:
        """印章 from the document report: which seal, whose custody, and whether it held."""
        found = report.get("seal")
        if not found:
            return None if not report.get("sealed") else {
                SEAL_ID: None, SIGNATURE_RESULT: "；".join(report["problems"]) or say("archive.packages._seal.1")}
        seal = self.registry.seal(found["id"])
        custodian = self.registry.person(found["custodian"]) if found.get("custodian") else None
        unit = self.registry.unit(found["unit"])
        return {SEAL_ID: found["id"], UNIT: unit.name if unit else found["unit"], CERTIFICATE: found["fingerprint"],
                CUSTODIAN: found.get("custodian"), CUSTODIAN_NAME: custodian.name if custodian else None,
                SEAL_STATUS: seal.status if seal else say("archive.packages._seal.2"), SEALED_AT: report.get("sealed_at"),
                SIGNATURE_RESULT: VALID if report["seal_valid"] else "；".join(report["problems"]) or say("archive.packages._seal.4"),
                VERIFICATION_PROBLEMS: list(report["problems"])}

    @staticmethod
    def _approval(entry: dict[str, Any]) -> dict[str, Any]:
        return {REVIEWER: entry["reviewer"], NAME: entry.get("name"), OPINION_KIND: entry.get("verdict") or "",
                OPINION: entry.get("opinion") or "", REVIEW_TAG: entry.get("ref"), SIGNED_OBJECT: entry.get("tag"),
                TRUSTED_TIME: entry.get("trusted_time"), VALID: bool(entry.get("valid"))}

    def _approval_from_trailer(self, value: str) -> dict[str, Any]:
        """An approval named by a bulletin's publishing merge (no document report for bulletins)."""
        ref, _, tag_oid = value.partition(" ")
        tag_oid = tag_oid.strip()
        reviewer = ref.rstrip("/").rsplit("/", 1)[-1]
        person = self.registry.person(reviewer)
        got = self.reader.read(tag_oid) if tag_oid else None
        verdict, opinion = "", ""
        if got and got[1] == "tag":
            first, _, rest = parse_tag(tag_oid, got[2]).message.partition("\n")
            verdict, opinion = first.strip(), rest.strip()
        signed = self.signature(tag_oid, say("archive.packages._approval_from_trailer.1")) if tag_oid else {VALID: False}
        return {REVIEWER: reviewer, NAME: person.name if person else None, OPINION_KIND: verdict,
                OPINION: opinion, REVIEW_TAG: ref, SIGNED_OBJECT: tag_oid, TRUSTED_TIME: self.times.get(tag_oid),
                VALID: bool(signed[VALID]) and verdict == "approve"}

    def _history(self, item: Item, rev: str, publishing: str | None,
                 approvals: list[dict[str, Any]]) -> list[dict[str, Any]]:
        out = git("log", "--reverse", "--format=%H%x1f%an%x1f%aI%x1f%P%x1f%s", rev, "--", item.source,
                  cwd=self.repo, env=clean_env())
        lines = out.splitlines()
        if publishing and not any(line.startswith(publishing) for line in lines):
            # A merge whose tree equals its MR head is simplified away by `git log -- path`.
            lines += git("log", "-1", "--format=%H%x1f%an%x1f%aI%x1f%P%x1f%s", publishing,
                         cwd=self.repo, env=clean_env()).splitlines()
        entries: list[dict[str, Any]] = []
        first = True
        for line in lines:
            oid, author, when, parents, subject = (line.split("\x1f") + [""] * 5)[:5]
            if oid == publishing:
                action = say("archive.packages._history.1") if item.kind == "document" else PUBLISHED
            elif len(parents.split()) > 1:
                action = say("archive.packages._history.3")
            else:
                action = say("archive.packages._history.4") if first else say("archive.packages._history.5")
            first = False
            entries.append({STATE: say("archive.packages._history.6"), ACTION: action, ACTION_TIME: self.times.get(oid) or when,
                            ACTOR: author, ACTION_BASIS: subject, OBJECT: oid})
        for approval in approvals:
            entries.append({STATE: say("archive.packages._history.6"), ACTION: say("archive.packages._history.7"),
                            ACTION_TIME: approval.get(TRUSTED_TIME), ACTOR: approval.get(NAME) or approval[REVIEWER],
                            ACTION_BASIS: f"{approval.get(OPINION_KIND)}：{approval.get(OPINION)}",
                            OBJECT: approval[SIGNED_OBJECT]})
        return sorted(entries, key=lambda e: str(e.get(ACTION_TIME) or ""))


# Metadata --------------------------------------------------------------------------------------
def file_format(name: str, data: bytes) -> str:
    """格式信息: a format name by content first, then by extension."""
    from repo_tools.hook.rules.content import image_format
    image = image_format(data)
    if image:
        return {"JPEG": "JPEG（image/jpeg）", "PNG": "PNG（image/png）", "GIF": "GIF（image/gif）",
                "TIFF": "TIFF（image/tiff）", "BMP": "BMP（image/bmp）", "WebP": "WebP（image/webp）",
                "SVG": "SVG（image/svg+xml）"}.get(image, say("archive.packages.file_format.1", image=image))
    if data.startswith(b"%PDF-"):
        return "PDF（application/pdf）"
    lower = name.lower()
    if lower.endswith(".md"):
        return say("archive.packages.file_format.2")
    if lower.endswith(".ofd"):
        return say("archive.packages.file_format.3")
    if lower.endswith((".txt", ".csv", ".json", ".xml", ".yaml", ".yml")):
        return say("archive.packages.file_format.4", lower_rsplit=lower.rsplit('.', 1)[-1])
    if lower.endswith((".docx", ".xlsx", ".pptx")):
        return f"Office Open XML（{lower.rsplit('.', 1)[-1]}）"
    return say("archive.packages.file_format.5",
               value=lower.rsplit('.', 1)[-1] if '.' in lower else say("archive.packages.file_format.6"))


def _listing(value: Any) -> list[str]:
    if value is None or value == "":
        return []
    return [str(v) for v in value] if isinstance(value, list) else [str(value)]




def item_metadata(item: Item, ref: ArchiveReference, unit_name: str, unit_id: str, item_dir: str,
                  contents: dict[str, bytes], provenance: dict[str, Any], archivist: dict[str, str],
                  retention_basis: str) -> dict[str, Any]:
    """DA/T 46 core metadata of one item, readable without the system."""
    meta = item.meta
    electronic = [{FILE_NAME: rel.rsplit("/", 1)[-1], FORMAT: file_format(rel, data),
                   FILE_SIZE: len(data), "SHA-256": sha256(data),
                   STORED_AT: f"{item_dir}/content/{rel}", SOURCE_PATH: f"{item.source}/{rel}",
                   GIT_OBJECT: item.files[rel]}
                  for rel, data in sorted(contents.items())]
    history = list(provenance["history"])
    history.append({STATE: say("archive.packages.item_metadata.1"), ACTION: say("archive.packages.item_metadata.1"),
                    ACTION_TIME: timeutil.iso(timeutil.now()),
                    ACTOR: archivist["name"], ACTION_BASIS: say("archive.packages.item_metadata.2", ref=ref)})
    return {
        METADATA_SCHEME: say("archive.packages.item_metadata.3"),
        AGGREGATION: say("archive.packages.item_metadata.4"),
        PROVENANCE: {FONDS_NAME: unit_name, CREATING_UNIT_NAME: unit_name, FONDS: ref.fonds, UNIT_ID: unit_id},
        REFERENCE: {REFERENCE: str(ref), FONDS: ref.fonds, CATEGORY_CODE: ref.category, YEAR: ref.year,
                 RETENTION: RETENTION_NAMES[ref.retention], RETENTION_CODE: ref.retention,
                 RETENTION_BASIS: retention_basis, ORGANIZATION: ref.org or None, ITEM_NUMBER: ref.item},
        CONTENT: {
            TITLE: item.title, FILE_NUMBER: item.number or None,
            CREATOR: _listing(meta.get("printed_by")) or [unit_name],
            DATE: item.date, DOC_TYPE: item.doc_type, URGENCY: meta.get("urgency") or None,
            RECIPIENTS: _listing(meta.get("recipients")), CC: _listing(meta.get("cc")),
            CLASSIFICATION: say("archive.packages.item_metadata.5"), ISSUER: _listing(meta.get("signer")),
            ATTACHMENTS: json_safe(meta.get("attachments") or []), NOTES: meta.get("notes") or None,
            PRINTED_BY: meta.get("printed_by") or None, PRINTED_ON: json_safe(meta.get("printed_on")),
            SEALED_ON: json_safe(meta.get("sealed_on")), COLUMN: meta.get("column") or None,
        },
        FORM: {ITEMS: 1, PAGES: None, LANGUAGE: say("archive.packages.item_metadata.6"),
                     MANUSCRIPT: say("archive.packages.item_metadata.7") if item.kind == "document" else say("archive.packages.item_metadata.8"),
                     KIND: say("archive.packages.item_metadata.9") if item.kind == "document" else say("archive.packages.item_metadata.10")},
        ELECTRONIC: electronic,
        SIGNATURES: provenance["signatures"],
        SEAL: provenance["seal"],
        APPROVAL: provenance["approvals"],
        WORKFLOW: provenance.get("steps", []),
        TRUSTED_TIME: {PUBLISHED: provenance["trusted_time"], MERGE_REQUEST: provenance["merge_request"]},
        ACTION: history,
        STORED_AT: {PACKAGE: item_dir.rsplit("/items/", 1)[0], ENTRY: item_dir, SOURCE_PATH: item.source,
                     PUBLISHING_COMMIT: provenance["commit"]},
        ACCESS_CONTROL: {AUDIENCE: json_safe(meta.get("audience") or "all"),
                     ACCESS: say("archive.packages.item_metadata.11")},
        FRONT_MATTER: json_safe(meta),
        ELEMENT_NUMBERS: ELEMENT_IDS,
    }


def catalogue_markdown(unit_name: str, year: int, batch: int, rows: list[dict[str, Any]]) -> str:
    """归档文件目录 as a Markdown table (序号 档号 文号 责任者 题名 日期 密级 页数 备注)."""
    lines = [say("archive.packages.catalogue_markdown.1",
                 unit_name=unit_name, year=year, batch=batch), "",
             say("archive.packages.catalogue_markdown.2"),
             "|---|---|---|---|---|---|---|---|---|"]
    for row in rows:
        cells = [row[SEQUENCE], row[REFERENCE], row[NUMBER], row[CREATOR], row[TITLE], row[DATE],
                 row[CLASSIFICATION], row[PAGES] or "", row[REMARKS]]
        lines.append("| " + " | ".join(str(c).replace("|", "｜") for c in cells) + " |")
    return "\n".join(lines) + "\n"


# Building and publishing a package -------------------------------------------------------------
@dataclass
class Package(Numbered):
    """A package ready to commit: its files, names and messages."""
    unit: str
    year: int
    batch: int
    files: dict[str, bytes]
    rows: list[dict[str, Any]]
    manifest_sha256: str
    commit_message: str
    tag_message: str
    commit: str | None = None
    tag_object: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)



def require_archivist(registry: Registry, actor: str, unit_id: str) -> None:
    if registry.unit(unit_id) is None:  # "no such unit" first: a role in a unit that is not there says nothing
        raise Refused("not-found", what=UNIT, name=unit_id, remedy=say("archive.packages.require_archivist.2"))
    person = registry.person(actor)
    if person is None or person.unit != unit_id or "archivist" not in person.roles or person.status != "active":
        raise Refused("role-required", user=actor, role=say("archive.packages.require_archivist.3"), action=say("archive.packages.require_archivist.4",
                                                                          unit_id=unit_id))


def build_package(city: City, unit_id: str, year: int, actor: str) -> Package | None:
    """The next package of `year` for the unit, or None when nothing is left to archive."""
    registry = city.registry()
    unit = registry.unit(unit_id)
    if unit is None:
        raise Refused("not-found", what=UNIT, name=unit_id, remedy=say("archive.packages.build_package.2"))
    if not archive_reference.valid_fonds(unit.fonds):
        raise Refused("archive-fonds-invalid", unit=unit_id, fonds=unit.fonds)
    items = gather(city, unit_id, year)
    if not items:
        return None
    repo = city.unit_repo(unit_id)
    person = registry.person(actor)
    archivist = {"id": actor, "name": person.name if person else actor}
    with ObjectReader(repo, env=clean_env()) as reader:
        existing = read_packages(reader, MAIN, year)
        schedule = archive_retention.parse(reader.blob(f"{MAIN}:{archive_retention.SCHEDULE_PATH}"))
        contents = {item.source: {rel: reader.blob(blob) or b"" for rel, blob in item.files.items()}
                    for item in items}
    batch = max([p.batch for p in existing], default=0) + 1
    used = [r for p in existing for r in (archive_reference.parse(str(row.get(REFERENCE, ""))) for row in p.rows) if r]
    refs = archive_reference.allocate(unit.fonds, year, schedule.organization, [i.retention for i in items], used)
    base = package_path(year, batch)
    files: dict[str, bytes] = {}
    rows: list[dict[str, Any]] = []
    provenance = Provenance(city, unit_id, registry)
    try:
        for n, (item, ref) in enumerate(zip(items, refs, strict=True), start=1):
            rel_dir = f"items/{ref}"
            item_dir = f"{base}/{rel_dir}"
            described = provenance.describe(item)
            metadata = item_metadata(item, ref, unit.name, unit_id, item_dir, contents[item.source],
                                     described, archivist, item.retention_basis)
            for rel, data in contents[item.source].items():
                files[f"{rel_dir}/content/{rel}"] = data
            files[f"{rel_dir}/metadata.json"] = (json.dumps(metadata, ensure_ascii=False, indent=2) + "\n").encode()
            rows.append({SEQUENCE: n, REFERENCE: str(ref), NUMBER: item.number, CREATOR: unit.name,
                         TITLE: item.title, DATE: item.date, CLASSIFICATION: "", PAGES: None,
                         REMARKS: say("archive.packages.build_package.3") if item.kind == "bulletin" else "",
                         RETENTION: ref.retention, DOC_TYPE: item.doc_type, KIND: item.kind,
                         "source": item.source, "item_dir": rel_dir,
                         "audience": json_safe(item.meta.get("audience") or "all"),
                         "bytes": sum(len(d) for d in contents[item.source].values()),
                         "files": len(contents[item.source])})
    finally:
        provenance.close()
    catalogue = {"unit": unit_id, "unit_name": unit.name, "fonds": unit.fonds, "year": year, "batch": batch,
                 "tag": f"refs/tags/{tag_name(year, batch)}", "archivist": actor,
                 "archivist_name": archivist["name"], "prepared_at": timeutil.iso(timeutil.now()),
                 "standard": "GB/T 18894-2016；DA/T 22-2015；DA/T 46-2009", "rows": rows}
    files[CATALOGUE] = (json.dumps(catalogue, ensure_ascii=False, indent=2) + "\n").encode()
    files["catalogue.md"] = catalogue_markdown(unit.name, year, batch, rows).encode()
    manifest = manifest_text(files)
    digest = sha256(manifest)
    files[MANIFEST] = manifest
    title = say("archive.packages.build_package.4",
                name=unit.name, year=year, batch=batch, len_rows=len(rows))
    trailers = f"Archive-Package: {base}\nManifest-SHA256: {digest}\nItems: {len(rows)}\n"
    return Package(unit=unit_id, year=year, batch=batch,
                   files={f"{base}/{path}": data for path, data in files.items()}, rows=rows,
                   manifest_sha256=digest,
                   commit_message=say("archive.packages.build_package.5",
                                      title=title, name=archivist['name'], trailers=trailers),
                   tag_message=f"{title}\n\n{trailers}")


def publish_package(city: City, package: Package, signer: Signer) -> Package:
    """Commit the package on `main` and tag it, both signed, in one push through the hook."""
    with Scratch(city.unit_repo(package.unit), signer) as scratch:
        commit = scratch.commit(package.files, package.commit_message)
        tag_object = scratch.tag(package.tag, commit, package.tag_message)
        scratch.push([f"{commit}:{MAIN}", f"refs/tags/{package.tag}:refs/tags/{package.tag}"])
    package.commit, package.tag_object = commit, tag_object
    return package


def archive(city: City, unit_id: str, year: int, actor: str) -> Package | None:
    """`oa archive YEAR`: build, sign, push and log the next package (None: nothing to archive)."""
    registry = city.registry()
    require_archivist(registry, actor, unit_id)
    package = build_package(city, unit_id, year, actor)
    if package is None:
        return None
    publish_package(city, package, city.signer(actor, registry))
    city.log("archive", unit=unit_id, year=year, batch=package.batch, tag=f"refs/tags/{package.tag}",
             commit=package.commit, tag_object=package.tag_object, archivist=actor,
             items=[row[REFERENCE] for row in package.rows], manifest_sha256=package.manifest_sha256)
    return package


def unit_of_actor(city: City, actor: str) -> str:
    person = city.registry().person(actor)
    if person is None:
        raise Refused("not-found", what=PEOPLE, name=actor, remedy=say("archive.packages.unit_of_actor.2"))
    return person.unit


def find_item(city: City, reference: str, prefer_unit: str | None = None
              ) -> tuple[str, PackageInfo, dict[str, Any]] | None:
    """(unit, package, catalogue row) of an archived item by its 档号, on any unit's main; failing
    that, by the document's 发文字号 or its path (`documents/2013/x`, `.../index.md`, with or
    without a leading `<unit>/`), looked up first in `prefer_unit` (the reader's own unit)."""
    found = _find_by_reference(city, reference)
    if found is not None:
        return found
    wanted = reference.strip().removesuffix("/index.md").strip("/")
    units = sorted(city.registry().units, key=lambda u: u != prefer_unit)
    for unit_id in units:
        if not city.unit_repo(unit_id).exists():
            continue
        rel = wanted.removeprefix(f"{unit_id}/")
        for package in packages(city, unit_id, None):
            for row in package.rows:
                if wanted and (row.get(NUMBER) == wanted or row.get("source") == rel):
                    return unit_id, package, row
    return None


def _find_by_reference(city: City, reference: str) -> tuple[str, PackageInfo, dict[str, Any]] | None:
    parsed = archive_reference.parse(reference)
    registry = city.registry()
    for unit in registry.units.values():
        if parsed is not None and unit.fonds and unit.fonds != parsed.fonds:
            continue
        if not city.unit_repo(unit.id).exists():
            continue
        for package in packages(city, unit.id, parsed.year if parsed else None):
            for row in package.rows:
                if row.get(REFERENCE) == reference:
                    return unit.id, package, row
    return None


__all__ = ["archive", "build_package", "publish_package", "gather", "packages", "read_packages",
           "archived_sources", "tag_name", "package_of_tag", "package_path", "Package", "PackageInfo",
           "Path", "find_item", "unit_of_actor"]


def _issuing_step(entry: dict[str, Any]) -> dict[str, Any]:
    """A 会签, 签发 or 复核 of the sealing merge as archive metadata (业务行为 with its signature)."""
    return {STEP: entry["step_name"], PEOPLE: entry["user"], NAME: entry["name"], UNIT: entry.get("unit_name"),
            OPINION: entry.get("opinion") or "", DATE_WRITTEN: entry.get("date"), TRUSTED_TIME: entry.get("trusted_time"),
            DELEGATED_BY: entry.get("on_behalf_name"), DELEGATION_ID: entry.get("delegation"),
            SIGNATURE_TAG: entry.get("ref"), SIGNED_OBJECT: entry.get("tag"), VALID: bool(entry.get("valid"))}
