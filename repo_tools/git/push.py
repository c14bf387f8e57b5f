"""What a push brings, as the server hook sees it: the ref updates, the push certificate and
who signed it (verified with the server keyring), and only the objects the push adds.

Everything is computed lazily and once, so a rule that needs nothing costs nothing, and the
cost of a push follows what it adds, never the repository's history.
"""
from __future__ import annotations

import hashlib
import hmac
import os
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from repo_tools.city import AUTHORITY, City
from repo_tools.git.repo import (
    ZERO,
    ObjectReader,
    ParsedCommit,
    ParsedTag,
    TreeChange,
    diff_tree,
    diff_trees,
    git,
    is_ancestor,
    parse_commit,
    parse_tag,
)
from repo_tools.identity import keys
from repo_tools.messages import say
from repo_tools.registry.records import KeyHolder, Registry

if TYPE_CHECKING:
    from repo_tools.screening.objects import NewObjects


# How old a push certificate's nonce may be (seconds): receive-pack issued it moments ago.
NONCE_WINDOW = 300


@dataclass(frozen=True)
class RefUpdate:
    old: str
    new: str
    ref: str

    @property
    def is_create(self) -> bool:
        return self.old == ZERO

    @property
    def is_delete(self) -> bool:
        return self.new == ZERO


@dataclass(frozen=True)
class PushCertificate:
    """A parsed push certificate (git's `certificate version 0.1`)."""
    oid: str
    text: str
    payload: bytes
    signature: bytes | None
    pusher_key: str | None
    pushee: str
    nonce: str
    updates: tuple[RefUpdate, ...]

    @classmethod
    def parse(cls, oid: str, raw: bytes) -> PushCertificate:
        marker = b"-----BEGIN PGP SIGNATURE-----"
        pos = raw.find(marker)
        payload, signature = (raw[:pos], raw[pos:]) if pos >= 0 else (raw, None)
        head, _, body = payload.decode("utf-8", "replace").partition("\n\n")
        fields: dict[str, str] = {}
        for line in head.splitlines():
            key, _, value = line.partition(" ")
            fields[key] = value
        updates = []
        for line in body.splitlines():
            parts = line.split(" ", 2)
            if len(parts) == 3 and len(parts[0]) == 40:
                updates.append(RefUpdate(*parts))
        pusher = fields.get("pusher", "").split(" ")[0] or None
        return cls(oid, raw.decode("utf-8", "replace"), payload, signature, pusher,
                   fields.get("pushee", ""), fields.get("nonce", ""), tuple(updates))


@dataclass(frozen=True)
class ChangedFile:
    """A file a new commit adds or modifies (blob is None when the commit deletes it)."""
    commit: str
    path: str
    blob: str | None
    status: str


@dataclass(frozen=True)
class SignatureCheck:
    """A signature verified with the server keyring and looked up in the registry."""
    valid: bool
    fingerprint: str | None
    holder: KeyHolder | None
    detail: str
    problem: str = ""  # why it is not valid, as data for rules: "unsigned", "unknown-key" or "bad-signature"


def _failure(got: keys.Verification) -> str:
    """Why a signature failed: an unregistered key, or a signature that does not verify (a
    tampered object says "bad signature", not "unknown key")."""
    if not got.key_known and got.status in ("no public key", "invalid", "signature error"):
        return say("git.push._failure.1")
    return say("git.push._failure.2", status=got.status)


def _problem(got: keys.Verification) -> str:
    """The same judgement as `_failure`, as data."""
    if not got.key_known and got.status in ("no public key", "invalid", "signature error"):
        return "unknown-key"
    return "bad-signature"


class SignatureVerifier:
    """Verifies OpenPGP signatures with one keyring (the server's), caching by object id."""

    def __init__(self, gnupghome: Path, registry: Registry, authority_fpr: str) -> None:
        self.home = gnupghome
        self.registry = registry
        self.authority_fpr = authority_fpr.upper()
        self._cache: dict[str, SignatureCheck] = {}

    def prefetch(self, objects: list[tuple[str, bytes, bytes | None]]) -> None:
        """Verify many signatures in one gpg run (a push of 2,000 commits), filling the cache."""
        from repo_tools.openpgp.batch import verify_many
        todo = [(oid, payload, sig) for oid, payload, sig in objects
                if sig is not None and oid not in self._cache]
        if len(todo) < 2:
            return
        for (oid, _, _), got in zip(todo, verify_many(self.home, [(p, s) for _, p, s in todo]), strict=True):
            self._cache[oid] = self._result(got)

    def _result(self, got: keys.Verification) -> SignatureCheck:
        holder = self.registry.key_holder(got.fingerprint) if got.fingerprint else None
        if not got.valid:
            return SignatureCheck(False, got.fingerprint, holder, _failure(got), _problem(got))
        return SignatureCheck(True, got.fingerprint, holder, say("git.push._result.1"))

    def check(self, oid: str, payload: bytes, signature: bytes | None) -> SignatureCheck:
        if oid in self._cache:
            return self._cache[oid]
        if signature is None:
            result = SignatureCheck(False, None, None, say("git.push.check.1"), "unsigned")
        else:
            got = keys.verify_detached(self.home, payload, signature)
            holder = self.registry.key_holder(got.fingerprint) if got.fingerprint else None
            if not got.valid:
                result = SignatureCheck(False, got.fingerprint, holder, _failure(got), _problem(got))
            else:
                result = SignatureCheck(True, got.fingerprint, holder, say("git.push.check.2"))
        self._cache[oid] = result
        return result


@dataclass
class Push:
    """One push as the pre- or post-receive hook sees it."""
    city: City
    repo: Path
    kind: str                      # "unit" or "registry"
    unit: str | None
    updates: list[RefUpdate]
    registry: Registry             # the registry as it stood before this push
    now: datetime
    env: dict[str, str] = field(default_factory=dict)   # git env for reading (quarantine)

    def __post_init__(self) -> None:
        self.reader = ObjectReader(self.repo, env=self.env)
        self.verifier = SignatureVerifier(self.city.server_gnupg, self.registry,
                                          self.city.authority_fingerprint())

    def close(self) -> None:
        self.reader.close()

    # The push certificate ----------------------------------------------------------------
    @cached_property
    def certificate(self) -> PushCertificate | None:
        oid = self.env.get("GIT_PUSH_CERT", "")
        if not oid:
            return None
        got = self.reader.read(oid)
        if got is None:
            return None
        return PushCertificate.parse(oid, got[2])

    @cached_property
    def certificate_check(self) -> SignatureCheck | None:
        cert = self.certificate
        if cert is None:
            return None
        return self.verifier.check("cert:" + cert.oid, cert.payload, cert.signature)

    @property
    def nonce_status(self) -> str:
        return self.env.get("GIT_PUSH_CERT_NONCE_STATUS", "")

    @cached_property
    def nonce_problem(self) -> str:
        """Why the certificate's nonce is not one this repository issued just now ('' if it is).

        Re-derived here, never taken from GIT_PUSH_CERT_NONCE_STATUS: with a path transport the
        pusher runs receive-pack and can hand it any seed (`-c receive.certNonceSeed=...`).
        git's nonce is `<stamp>-HMAC-SHA1(key "<path>:<stamp>", message seed)`, the seed read here from the
        repository's own config file, the path one receive-pack was given."""
        cert = self.certificate
        if cert is None:
            return say("git.push.nonce_problem.1")
        stamp_text, _, mac = cert.nonce.partition("-")
        if not stamp_text.isdigit() or len(mac) != 40:
            return say("git.push.nonce_problem.2")
        if abs(self.now.timestamp() - int(stamp_text)) > NONCE_WINDOW:
            return say("git.push.nonce_problem.3")
        seed = git("config", "--file", str(self.repo / "config"), "--get", "receive.certNonceSeed",
                   check=False).strip()
        if not seed:
            return say("git.push.nonce_problem.4")
        paths = {cert.pushee, str(self.repo), str(self.repo) + "/"}
        base, name = os.environ.get("GL_REPO_BASE"), os.environ.get("GL_REPO")
        if base and name:  # gitolite-shell hands receive-pack '$GL_REPO_BASE/$repo.git'
            paths.add(f"{base}/{name}.git")
        for path in paths:
            # git keys the HMAC with "<path>:<stamp>" and hashes the seed (receive-pack.c).
            digest = hmac.new(f"{path}:{stamp_text}".encode(), seed.encode(), hashlib.sha1).hexdigest()
            if hmac.compare_digest(digest, mac):
                return ""
        return say("git.push.nonce_problem.5")

    @cached_property
    def pushee_problem(self) -> str:
        """Why the certificate was not made for this repository ('' if it was): a certificate
        signed for another unit's repository must not be replayed here."""
        cert = self.certificate
        if cert is None:
            return ""
        pushee = cert.pushee.rstrip("/")
        if not pushee:
            return say("git.push.pushee_problem.1")
        if "://" in pushee or (":" in pushee and not pushee.startswith("/")):
            last = pushee.rsplit("/", 1)[-1].split(":")[-1]
            name = last[:-4] if last.endswith(".git") else last
            want = self.unit if self.kind == "unit" else "registry"
            return "" if name == want else say("git.push.pushee_problem.2", pushee=cert.pushee)
        try:
            same = Path(pushee).resolve() == self.repo.resolve()
        except OSError:
            same = False
        return "" if same else say("git.push.pushee_problem.2", pushee=cert.pushee)

    @cached_property
    def pusher_id(self) -> str | None:
        """The registered person (or the city authority) whose key signed the certificate."""
        check = self.certificate_check
        if check is None or not check.valid or check.fingerprint is None:
            return None
        if check.fingerprint.upper() == self.verifier.authority_fpr:
            return AUTHORITY
        if check.holder and check.holder.kind == "person":
            return check.holder.id
        return None

    # New objects ---------------------------------------------------------------------------
    @cached_property
    def new_commits(self) -> list[ParsedCommit]:
        """Commits this push adds to the repository, oldest first."""
        tips = [u.new for u in self.updates if not u.is_delete]
        if not tips:
            return []
        out = git("rev-list", "--reverse", "--topo-order", *tips, "--not", "--all",
                  cwd=self.repo, env=self.env)
        commits = []
        for oid in out.split():
            got = self.reader.read(oid)
            if got and got[1] == "commit":
                commits.append(parse_commit(oid, got[2]))
        return commits

    @cached_property
    def new_tags(self) -> list[tuple[RefUpdate, ParsedTag]]:
        """Annotated tag objects the push points refs at."""
        found = []
        for update in self.updates:
            if update.is_delete:
                continue
            got = self.reader.read(update.new)
            if got and got[1] == "tag":
                found.append((update, parse_tag(got[0], got[2])))
        return found

    @cached_property
    def new_objects(self) -> NewObjects:
        """Every object the push makes reachable (one walk): trees parsed, blobs with a path,
        tags followed to what they name (a blob only a tag reaches has the tag's ref as path)."""
        from repo_tools.screening.objects import walk
        tips = [(u.ref, u.new) for u in self.updates if not u.is_delete]
        return walk(self.reader, self.repo, self.env, tips, self.new_commits)

    @cached_property
    def changed_files(self) -> list[ChangedFile]:
        """Files added or modified by each new commit, against its first parent.

        One `git diff-tree --stdin` for all commits (a push of 2,000 commits is one process)."""
        if not self.new_commits:
            return []
        # diff-tree's input line is "<commit> [<parent>]": against the first parent only.
        pairs = [(c.oid, c.parents[0] if c.parents else None) for c in self.new_commits]
        changes = diff_trees(self.repo, pairs, env=self.env)
        files: list[ChangedFile] = []
        for commit in self.new_commits:
            for change in changes.get(commit.oid, []):
                if change.mode in ("160000", "120000") and change.blob:  # gitlinks and symlinks: keep path only
                    files.append(ChangedFile(commit.oid, change.path, None, change.status + "L"))
                else:
                    files.append(ChangedFile(commit.oid, change.path, change.blob, change.status))
        return files

    def is_ancestor(self, old: str, new: str) -> bool:
        """`git merge-base --is-ancestor` in this push's (quarantined) repository."""
        return is_ancestor(self.repo, old, new, env=self.env)

    def diff(self, commit: str, against: str | None = None) -> list[TreeChange]:
        """What one commit changes against `against` (default: its first parent)."""
        return diff_tree(self.repo, commit, against, env=self.env)

    def blob(self, oid: str) -> bytes:
        return self.reader.blob(oid) or b""


def hook_env() -> dict[str, str]:
    """The environment git gave the hook (with the quarantine), minus the pusher's GnuPG home."""
    env = dict(os.environ)
    env.pop("GNUPGHOME", None)
    return env
