"""Git access: running git, reading objects through one long-lived cat-file, and writing
signed commits that reach a bare repository only through a real (signed) push.

The one git layer: everything else calls git through here (`git`, `rev_parse`, one
`is_ancestor`, batched `diff_trees`, one long-lived `ObjectReader` per repository, one signed
`push`; files are written whole by `git.atomic.write_atomic`). GitPython is not used: the hot
paths talk to `git cat-file --batch` and `diff-tree --stdin` directly, one process per push or
report, as git's own hooks do (README "Git access").
"""
from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

ZERO = "0" * 40


class GitError(RuntimeError):
    """A git command failed; carries git's own stderr for the operator."""


def clean_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """Environment for a git child without the variables a hook or caller may have leaked."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("GIT_") or k in ("GIT_AUTHOR_DATE", "GIT_COMMITTER_DATE")}
    env.setdefault("LANG", "C.UTF-8")
    if extra:
        env.update(extra)
    return env


def git(*args: str, cwd: str | Path | None = None, env: Mapping[str, str] | None = None,
        input: bytes | None = None, check: bool = True) -> str:
    """Run git and return stdout as text; raise GitError with stderr when it fails."""
    proc = subprocess.run(["git", *args], cwd=cwd, env=dict(env) if env is not None else None,
                          input=input, capture_output=True)
    if check and proc.returncode != 0:
        raise GitError(f"git {' '.join(args)}: {proc.stderr.decode('utf-8', 'replace').strip()}"
                       f"{' ' + proc.stdout.decode('utf-8', 'replace').strip() if proc.stdout else ''}")
    return proc.stdout.decode("utf-8", "replace")


def rev_parse(repo: str | Path, rev: str, env: Mapping[str, str] | None = None) -> str | None:
    """The object id a revision names, or None when it does not exist."""
    out = subprocess.run(["git", "rev-parse", "--verify", "--quiet", rev],
                         cwd=repo, env=dict(env) if env is not None else None, capture_output=True)
    if out.returncode != 0:
        return None
    return out.stdout.decode().strip() or None


def signed_anew(repo: str | Path, build: Callable[[], str]) -> str:
    """The signed object `build` writes, written again in the clock's next second while `repo`
    already holds it.

    A signed commit or tag is its content and its second (an Ed25519 signature has no
    randomness): the same act repeated within one second (a delivery sent again, a verdict
    given again after a countersign) would be the very same object, whose push changes nothing
    or replaces a verdict with itself, and the later act would vanish into the earlier one.
    Each act gets a second of its own instead; this waits only when the object is a repeat."""
    oid = build()
    while rev_parse(repo, f"{oid}^{{object}}", env=clean_env()) is not None:  # `repo` holds it
        time.sleep(1.02 - time.time() % 1)
        oid = build()
    return oid


def is_ancestor(repo: str | Path, old: str, new: str, env: Mapping[str, str] | None = None) -> bool:
    """Whether `old` is an ancestor of (or equal to) `new`: a fast-forward, a commit on main."""
    proc = subprocess.run(["git", "merge-base", "--is-ancestor", old, new], cwd=repo,
                          env=dict(env) if env is not None else None, capture_output=True)
    return proc.returncode == 0


@dataclass(frozen=True)
class TreeChange:
    """One file a commit changes against the other side of the pair (`diff_trees`)."""
    status: str        # A, M, D, T ...
    path: str
    mode: str          # the new mode ("000000" when deleted)
    blob: str | None   # the new blob, None when deleted


def diff_trees(repo: str | Path, pairs: Iterable[tuple[str, str | None]],
               env: Mapping[str, str] | None = None) -> dict[str, list[TreeChange]]:
    """What each (commit, against) pair changes, in one `git diff-tree --stdin` for all pairs
    (a push of 2,000 commits is one process). `against` None: the commit's first parent (its
    whole tree for a root commit). Keyed by the commit; a tree git cannot read gives no entries
    (the rule that reads trees refuses it, not a traceback)."""
    lines = [f"{commit} {against}" if against else commit for commit, against in pairs]
    out: dict[str, list[TreeChange]] = {}
    if not lines:
        return out
    text = git("diff-tree", "--stdin", "-r", "-z", "--no-renames", "--root", "--always",
               cwd=repo, env=env, input=("\n".join(lines) + "\n").encode(), check=False)
    parts = text.split("\0")
    current = ""
    i = 0
    while i < len(parts):
        item = parts[i]
        if not item.startswith(":"):
            # A header: the commit's id (git prints it before that commit's entries).
            words = item.strip().split()
            if words:
                current = words[0]
                out.setdefault(current, [])
            i += 1
            continue
        if i + 1 >= len(parts):
            break
        fields, path = item[1:].split(), parts[i + 1]
        i += 2
        status = fields[4]
        out.setdefault(current, []).append(
            TreeChange(status, path, fields[1], None if status.startswith("D") else fields[3]))
    return out


def diff_tree(repo: str | Path, commit: str, against: str | None = None,
              env: Mapping[str, str] | None = None) -> list[TreeChange]:
    """What one commit changes against `against` (default: its first parent)."""
    return diff_trees(repo, [(commit, against)], env).get(commit, [])


class ObjectReader:
    """One `git cat-file --batch` process per use: reads any number of objects cheaply."""

    def __init__(self, repo: str | Path, env: Mapping[str, str] | None = None) -> None:
        self._proc = subprocess.Popen(["git", "cat-file", "--batch"], cwd=repo,
                                      env=dict(env) if env is not None else None,
                                      stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        self._owner = os.getpid()  # a forked site worker inherits this object, not the process
        self._preloaded: dict[str, tuple[str, str, bytes] | None] = {}

    def preload(self, revs: list[str]) -> None:
        """Read these revisions in one pipelined exchange (all requests written by a thread while
        the answers are read), kept until each is `read` once: many small reads then cost one
        round trip, not one each (a site build reads five objects per sealed document)."""
        assert self._proc.stdin and self._proc.stdout
        wanted = [r for r in dict.fromkeys(revs) if r and "\n" not in r and r not in self._preloaded]
        if not wanted:
            return
        stdin = self._proc.stdin

        def write() -> None:
            stdin.write(b"".join(r.encode() + b"\n" for r in wanted))
            stdin.flush()
        writer = threading.Thread(target=write, daemon=True)
        writer.start()
        try:
            for rev in wanted:
                self._preloaded[rev] = self._answer()
        finally:
            writer.join()

    def _answer(self) -> tuple[str, str, bytes] | None:
        assert self._proc.stdout
        header = self._proc.stdout.readline().decode().strip()
        if header.endswith(" missing") or header.endswith(" ambiguous") or not header:
            return None
        oid, otype, size = header.split()
        data = self._proc.stdout.read(int(size))
        self._proc.stdout.read(1)
        return oid, otype, data

    def read(self, rev: str) -> tuple[str, str, bytes] | None:
        """(oid, type, content) of a revision or object id, or None when missing."""
        assert self._proc.stdin and self._proc.stdout
        if rev in self._preloaded:
            return self._preloaded.pop(rev)
        self._proc.stdin.write(rev.encode() + b"\n")
        self._proc.stdin.flush()
        return self._answer()

    def blob(self, rev: str) -> bytes | None:
        got = self.read(rev)
        return got[2] if got and got[1] == "blob" else None

    def oid(self, rev: str) -> str | None:
        """The object id a revision names (like `rev_parse`, without a process per call)."""
        got = self.read(rev)
        return got[0] if got else None

    def close(self) -> None:
        if os.getpid() != self._owner:  # a forked copy: the `git cat-file` is its parent's to end
            return
        if self._proc.stdin:
            self._proc.stdin.close()
        self._proc.wait()

    def __enter__(self) -> ObjectReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


@dataclass(frozen=True)
class ParsedCommit:
    """The fields of a raw commit object the rules need."""
    oid: str
    tree: str
    parents: tuple[str, ...]
    author: str
    committer: str
    message: str
    signature: bytes | None
    payload: bytes  # the bytes the signature covers


def split_signed_object(raw: bytes, header: bytes = b"gpgsig") -> tuple[bytes, bytes | None]:
    """Split a commit or tag into (signed payload, armored signature) as git does."""
    if header == b"gpgsig":
        lines = raw.split(b"\n")
        out: list[bytes] = []
        sig: list[bytes] = []
        in_headers, in_sig = True, False
        for line in lines:
            if in_headers and line == b"":
                in_headers = False
                in_sig = False
                out.append(line)
                continue
            if in_headers and line.startswith(b"gpgsig "):
                in_sig = True
                sig.append(line[len(b"gpgsig "):])
                continue
            if in_headers and in_sig and line.startswith(b" "):
                sig.append(line[1:])
                continue
            in_sig = False
            out.append(line)
        return b"\n".join(out), (b"\n".join(sig) + b"\n") if sig else None
    marker = b"-----BEGIN PGP SIGNATURE-----"
    pos = raw.find(marker)
    if pos < 0:
        return raw, None
    return raw[:pos], raw[pos:]


def parse_commit(oid: str, raw: bytes) -> ParsedCommit:
    payload, sig = split_signed_object(raw)
    head, _, message = payload.partition(b"\n\n")
    tree, author, committer = "", "", ""
    parents: list[str] = []
    for line in head.split(b"\n"):
        key, _, value = line.partition(b" ")
        if key == b"tree":
            tree = value.decode()
        elif key == b"parent":
            parents.append(value.decode())
        elif key == b"author":
            author = value.decode("utf-8", "replace")
        elif key == b"committer":
            committer = value.decode("utf-8", "replace")
    return ParsedCommit(oid, tree, tuple(parents), author, committer,
                        message.decode("utf-8", "replace"), sig, payload)


@dataclass(frozen=True)
class ParsedTag:
    oid: str
    object: str
    type: str
    tag: str
    tagger: str
    message: str
    signature: bytes | None
    payload: bytes


def parse_tag(oid: str, raw: bytes) -> ParsedTag:
    payload, sig = split_signed_object(raw, b"tag")
    head, _, message = payload.partition(b"\n\n")
    fields: dict[str, str] = {}
    for line in head.split(b"\n"):
        key, _, value = line.partition(b" ")
        fields[key.decode()] = value.decode("utf-8", "replace")
    return ParsedTag(oid, fields.get("object", ""), fields.get("type", ""), fields.get("tag", ""),
                     fields.get("tagger", ""), message.decode("utf-8", "replace"), sig, payload)


def list_tree(repo: str | Path, rev: str, path: str = "", env: Mapping[str, str] | None = None
              ) -> dict[str, str]:
    """Map of path -> blob id for every file under `path` at `rev` (empty when absent)."""
    args = ["ls-tree", "-r", "-z", rev]
    if path:
        args += ["--", path]
    try:
        out = git(*args, cwd=repo, env=env)
    except GitError:
        return {}
    result: dict[str, str] = {}
    for entry in out.split("\0"):
        if not entry:
            continue
        meta, _, name = entry.partition("\t")
        parts = meta.split()
        if parts[1] == "blob":
            result[name] = parts[2]
    return result


def read_blobs(repo: str | Path, oids: list[str], env: Mapping[str, str] | None = None) -> list[bytes | None]:
    """The contents of many objects in one `git cat-file --batch` run, all requests written at
    once (`ObjectReader` waits for git once per object: thousands of round trips on a busy machine)."""
    if not oids:
        return []
    proc = subprocess.run(["git", "cat-file", "--batch"], cwd=repo, env=dict(env) if env is not None else None,
                          input="".join(f"{oid}\n" for oid in oids).encode(), capture_output=True)
    out, pos = proc.stdout, 0
    found: list[bytes | None] = []
    for _ in oids:
        end = out.find(b"\n", pos)
        if end < 0:
            found.append(None)
            continue
        header = out[pos:end].split()
        pos = end + 1
        if len(header) != 3:
            found.append(None)
            continue
        size = int(header[2])
        found.append(out[pos:pos + size] if header[1] == b"blob" else None)
        pos += size + 1
    return found


@dataclass
class Signer:
    """Who signs: a GnuPG home holding the secret key and the key's fingerprint."""
    gnupghome: Path
    fingerprint: str
    name: str
    email: str

    def git_env(self) -> dict[str, str]:
        return {"GNUPGHOME": str(self.gnupghome)}

    def git_config(self) -> list[str]:
        return ["-c", f"user.name={self.name}", "-c", f"user.email={self.email}",
                "-c", f"user.signingkey={self.fingerprint}", "-c", "gpg.program=gpg",
                "-c", "gpg.format=openpgp"]


class PushRefused(RuntimeError):
    """The server hook refused a push; `message` is what the hook said (Chinese)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def hook_message(stderr: str) -> str:
    """The hook's own lines from a push's stderr (git prefixes them with 'remote: ')."""
    lines = [line[len("remote: "):] if line.startswith("remote: ") else line
             for line in stderr.splitlines()]
    kept = [line.rstrip() for line in lines
            if line.strip() and not line.startswith(("To ", " ! [", "error: failed to push",
                                                     "hint:"))]
    return "\n".join(kept)


def upstream_of(remote: str) -> tuple[str, list[str]]:
    """Where a push to `remote` really goes: a person's local mirror of a served city's
    repository (`oa clone ssh://...`) names the server's URL in `oa.upstream`, and the SSH
    command that reaches it through the person's gpg-agent; anything else is pushed as is."""
    config = Path(remote, "config")
    if not config.is_file():
        return remote, []
    url = git("config", "--file", str(config), "--get", "oa.upstream", check=False).strip()
    if not url:
        return remote, []
    ssh = git("config", "--file", str(config), "--get", "core.sshCommand", check=False).strip()
    return url, (["-c", f"core.sshCommand={ssh}"] if ssh else [])


def refresh_mirror(remote: str) -> None:
    """After a push through a mirror, bring the server's refs back into it."""
    url, config = upstream_of(remote)
    if url != remote:
        # Not fatal: the push is in; access may have just ended (a new unit's first commit by an
        # e-gov admin), and the next sync fetches again.
        git(*config, "fetch", "-q", "--prune", url, "+refs/*:refs/*", cwd=remote, env=clean_env(), check=False)


def push(workdir: str | Path, remote: str, refspecs: Iterable[str], signer: Signer | None,
         extra_env: Mapping[str, str] | None = None, options: Iterable[str] = ()) -> None:
    """The one signed push (push certificate) from a working repository, with extra `options`
    (leases, `--atomic`); a served city's mirror pushes to the server. Raise PushRefused on
    refusal. `signer` None: the working repository's own configuration signs. The events the
    command carries (`repo_tools.log.carried`) go along as push options, signed in the certificate."""
    env = clean_env({**(signer.git_env() if signer else {}), **(extra_env or {})})
    config = signer.git_config() if signer else []
    url, ssh = upstream_of(remote)
    events, carried = carried_options()
    proc = subprocess.run(["git", *ssh, *config, "push", "--signed=yes", "--porcelain", *options, *events,
                           url, *refspecs], cwd=workdir, env=env, capture_output=True)
    if proc.returncode != 0:
        raise PushRefused(hook_message(proc.stderr.decode("utf-8", "replace")) or
                          proc.stdout.decode("utf-8", "replace"))
    carried_sent(carried)
    refresh_mirror(remote)


def carried_options() -> tuple[list[str], list[dict]]:
    """`--push-option` arguments for the events the command carries with this push
    (`repo_tools.log.carried`): the push certificate signs them, the service logs them."""
    from repo_tools.log import carried
    options, entries = carried.push_options()
    return [f"--push-option={o}" for o in options], entries


def carried_sent(entries: list[dict]) -> None:
    from repo_tools.log import carried
    carried.sent(entries)


class Scratch:
    """A throw-away clone of a bare repository used to write signed commits and push them back.

    Commits are built with plumbing on a temporary index (no checkout), so writing one file
    into a large repository costs what the file costs.
    """

    def __init__(self, bare: str | Path, signer: Signer, branch: str = "main") -> None:
        self.bare = str(bare)
        self.signer = signer
        self.dir = Path(tempfile.mkdtemp(prefix="oa-w"))
        self.env = clean_env(signer.git_env())
        git("init", "-q", "--bare", "--template=", str(self.dir), env=self.env)  # no sample hooks to write
        # Borrow the server's objects instead of copying them: the scratch repo is short-lived.
        alt = Path(self.bare, "objects").resolve()
        (self.dir / "objects" / "info" / "alternates").write_text(f"{alt}\n")
        self.base = rev_parse(self.bare, f"refs/heads/{branch}", env=clean_env())

    def commit(self, changes: Mapping[str, bytes | None], message: str, parent: str | None = "base",
               parents: list[str] | None = None, base_tree: str | None = None) -> str:
        """Write a signed commit applying `changes` (path -> content, None deletes) on the base."""
        index = self.dir / "oa-index"
        env = {**self.env, "GIT_INDEX_FILE": str(index)}
        if index.exists():
            index.unlink()
        start = base_tree or (self.base if parent == "base" else parent)
        if start:
            git("read-tree", start, cwd=self.dir, env=env)
        for path, content in changes.items():
            if content is None:
                git("update-index", "--force-remove", "--", path, cwd=self.dir, env=env)
                continue
            oid = git("hash-object", "-w", "--stdin", cwd=self.dir, env=env, input=content).strip()
            git("update-index", "--add", "--cacheinfo", f"100644,{oid},{path}", cwd=self.dir, env=env)
        tree = git("write-tree", cwd=self.dir, env=env).strip()
        if parents is None:
            parents = [p for p in [self.base if parent == "base" else parent] if p]
        args = ["commit-tree", f"-S{self.signer.fingerprint}", tree]
        for p in parents:
            args += ["-p", p]
        return signed_anew(self.bare, lambda: git(*self.signer.git_config(), *args, "-m", message,
                                                  cwd=self.dir, env=env).strip())

    def tag(self, name: str, target: str, message: str) -> str:
        """Write a signed annotated tag object (not yet pushed); return the tag object id."""
        def write() -> str:
            git(*self.signer.git_config(), "tag", "-s", "-f", "-m", message, name, target,
                cwd=self.dir, env=self.env)
            return git("rev-parse", f"refs/tags/{name}", cwd=self.dir, env=self.env).strip()
        return signed_anew(self.bare, write)

    def push(self, refspecs: Iterable[str], atomic: bool = False) -> None:
        """`atomic`: every ref is updated or none (a lock ref and what it guards)."""
        push(self.dir, self.bare, refspecs, self.signer, options=["--atomic"] if atomic else [])

    def close(self) -> None:
        shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self) -> Scratch:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def commit_and_push(bare: str | Path, signer: Signer, changes: Mapping[str, bytes | None],
                    message: str, branch: str = "main") -> str:
    """Commit `changes` on `branch` of a bare repo as `signer` and push it through the hook."""
    with Scratch(bare, signer, branch) as scratch:
        oid = scratch.commit(changes, message)
        scratch.push([f"{oid}:refs/heads/{branch}"])
        return oid
