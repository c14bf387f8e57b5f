"""Deliveries as formats and facts (Art. 27-29): the refs a delivery and its handling live under,
the record's fields, and the sealed document on a sender's `main` that a delivery must carry.
Read-only: the hook's delivery rules, the service and `oa verify` read the same formats, and the
rules import no writer to do it (the writers are in `transmit.deliveries`)."""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from repo_tools import timeutil
from repo_tools.documents import frontmatter
from repo_tools.git.repo import GitError, ObjectReader, clean_env, git, parse_commit, rev_parse
from repo_tools.identity import keys
from repo_tools.identity.judgement import may_sign
from repo_tools.messages import say

if TYPE_CHECKING:
    from repo_tools.registry.records import Registry
    from repo_tools.workspace import City


INBOX = "refs/inbox/"
RECEIPTS = "refs/receipts/"
# The 收文 register's lock, one ref per year in the receiving repository: each registration
# moves it by one signed commit (parents: the lock before, the registration's handling commit;
# `Register-Number: n` in its message), pushed atomically with the registration, so the ref
# update (compare-and-swap on its old value, in git's ref transaction) allocates the number.
REGISTERS = "refs/registers/"
REGISTER_NUMBER = re.compile(r"^Register-Number:\s*([1-9]\d*)\s*$", re.M)
REGISTER_TRIES = 8
OUTBOX = "refs/outbox/"
REPLIES = "refs/replies/"
RECORD = "delivery.yaml"
DOCUMENT = "document"
HANDLING = "handling"
ID_LENGTH = 12
SENDER_ROLES = ("clerk", "seal-custodian")
ACTIONS = ("received", "registered", "returned", "resend-requested")
FINAL_ACTIONS = ("registered", "returned", "resend-requested")
# The record's fields: `records.DeliveryRecord` (the hook judges delivery.yaml by it).

# The sealing merge names each document it seals in a trailer; only such a merge seals.
SEALED_TRAILER = re.compile(r"^Sealed-Document:\s*(\S+)\s+(\S+)\s*$", re.M)
ID_PATTERN = re.compile(rf"^[0-9a-f]{{{ID_LENGTH}}}$")


# The sealed document on the sender's main ----------------------------------------------
@dataclass(frozen=True)
class SealedDocument:
    """A document as sealed on a unit's `main`: where, its number, its tree and the seal commit."""
    unit: str
    path: str                 # documents/<year>/<slug>
    number: str
    tree: str                 # tree id of the folder on main
    sealing_commit: str
    meta: dict[str, Any]
    body: str


def normalize_path(path: str) -> str:
    """`documents/2013/x`, `documents/2013/x/`, `documents/2013/x/index.md` → `documents/2013/x`."""
    path = path.strip().replace("\\", "/").strip("/")
    if path.endswith("/index.md"):
        path = path[: -len("/index.md")]
    return path


def sealing_commit(repo: str | Path, doc_dir: str) -> str | None:
    """The commit on `main` that sealed the document now at `doc_dir`, or None.

    It is the last first-parent commit of `main` that changed the folder `<doc_dir>`; it counts
    when its message carries `Sealed-Document: <doc_dir>/index.md <number>` with the number
    the document now bears.
    """
    env = clean_env()
    doc_dir = normalize_path(doc_dir)
    index = f"{doc_dir}/index.md"
    try:
        oid = git("log", "--first-parent", "-1", "--format=%H", "refs/heads/main", "--", doc_dir,
                  cwd=repo, env=env).strip()
    except GitError:
        return None
    if not oid:
        return None
    number = _number_on_main(repo, index)
    if not number:
        return None
    message = git("log", "-1", "--format=%B", oid, cwd=repo, env=env)
    trailers = SEALED_TRAILER.findall(message)
    if any(path == index and num == number for path, num in trailers):
        return oid
    return None


def _number_on_main(repo: str | Path, index: str) -> str | None:
    with ObjectReader(repo, env=clean_env()) as reader:
        data = reader.blob(f"refs/heads/main:{index}")
    if data is None:
        return None
    try:
        meta, _ = frontmatter.split(data.decode("utf-8"))
    except (frontmatter.FrontMatterError, UnicodeDecodeError):
        return None
    number = str(meta.get("number") or "").strip()
    return number or None


def sealed_document(city: City, unit: str, doc_dir: str, registry: Registry | None = None
                    ) -> tuple[SealedDocument | None, str]:
    """The sealed document at `doc_dir` on the unit's main, or (None, why not in Chinese)."""
    repo = city.unit_repo(unit)
    doc_dir = normalize_path(doc_dir)
    env = clean_env()
    tree = rev_parse(repo, f"refs/heads/main:{doc_dir}", env=env)
    if tree is None or git("cat-file", "-t", tree, cwd=repo, env=env).strip() != "tree":
        return None, say("transmit.deliveries.sealed_document.1")
    with ObjectReader(repo, env=env) as reader:
        data = reader.blob(f"refs/heads/main:{doc_dir}/index.md")
    if data is None:
        return None, say("transmit.deliveries.sealed_document.2")
    try:
        meta, body = frontmatter.split(data.decode("utf-8"))
    except (frontmatter.FrontMatterError, UnicodeDecodeError) as exc:
        return None, say("transmit.deliveries.sealed_document.3", exc=exc)
    number = str(meta.get("number") or "").strip()
    if not number:
        return None, say("transmit.deliveries.sealed_document.4")
    commit = sealing_commit(repo, doc_dir)
    if commit is None:
        return None, say("transmit.deliveries.sealed_document.5")
    problem = _seal_signature_problem(city, unit, repo, commit, registry)
    if problem:
        return None, problem
    return SealedDocument(unit, doc_dir, number, tree, commit, meta, body), ""


def _seal_signature_problem(city: City, unit: str, repo: Path, commit: str,
                            registry: Registry | None) -> str:
    """Why the sealing merge is not signed by this unit's seal ('' when it is)."""
    with ObjectReader(repo, env=clean_env()) as reader:
        got = reader.read(commit)
    if got is None:
        return say("transmit.deliveries._seal_signature_problem.1")
    parsed = parse_commit(commit, got[2])
    if parsed.signature is None:
        return say("transmit.deliveries._seal_signature_problem.2")
    checked = keys.verify_detached(city.server_gnupg, parsed.payload, parsed.signature)
    reg = registry or city.registry()
    holder = reg.key_holder(checked.fingerprint) if checked.valid and checked.fingerprint else None
    if holder is None or holder.kind != "seal":
        return say("transmit.deliveries._seal_signature_problem.3")
    # The one judgement, at the merge's trusted time (a merge the log never saw is judged by
    # its seal's unit alone, as before: the hook let it in).
    from repo_tools.log import eventlog  # the merge's trusted time: only for a delivery being judged
    entry = eventlog.object_entry(city.log_file, commit, unit)
    moment = timeutil.parse(entry.time) if entry is not None else None
    verdict = may_sign(reg, holder, unit, moment)
    if verdict.code == "other-unit":
        return say("transmit.deliveries._seal_signature_problem.3")
    if verdict.code == "window":
        return say("transmit.deliveries._seal_signature_problem.4", reason=verdict.reason)
    return ""
