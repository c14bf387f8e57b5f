"""The forced command of every key (`python -m repo_tools.server.shell CITY USER`), in front of
gitolite-shell: a person may run Git's fetch and push and the city's log commands (`oa-log
since ...`: what the published log holds that the reader lacks, read-only; `oa-log cosign
UNIT`: a witness's cosignature), nothing else; every refusal is the same single Chinese line, which names no repository, so a person
learns nothing about repositories they cannot reach (not even whether they exist).

gitolite's own refusal ("FATAL: R any <repo> <user> DENIED by fallthru") names the repository
and is English; we ask gitolite the same question first (`gitolite access`) and answer it
ourselves, then hand the allowed request to gitolite-shell unchanged.
"""
from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from repo_tools.identity import lockout
from repo_tools.messages import render, say
from repo_tools.server.layout import ADMIN_NAME, GITOLITE_SHELL

GIT_COMMAND = re.compile(r"^(git-upload-pack|git-receive-pack) '/?([A-Za-z0-9][A-Za-z0-9_-]*?)(?:\.git)?/?'$")
LOG_COMMAND = "oa-log"


def refuse(rule: str = "ssh-denied", **fields: object) -> int:
    """One line on stderr, exit 1 (git prints it after `remote:`-less `fatal:` lines)."""
    article, message, remedy = render(rule, **fields)
    print(say("server.shell.refuse.1", article=article, message=message, remedy=remedy), file=sys.stderr)
    return 1


def allowed(repo: str, user: str, mode: str) -> bool:
    proc = subprocess.run(["gitolite", "access", "-q", repo, user, mode, "any"],
                          capture_output=True, env={**os.environ, "PATH": f"/usr/share/gitolite3:{os.environ.get('PATH', '/usr/bin:/bin')}"})
    return proc.returncode == 0


def serve_published(root: Path, command: str, user: str) -> int:
    """What the log publishes (events, checkpoint, cosignatures, tiles) that the reader lacks
    (`log/published.py`; imported only here: every Git request passes this shell)."""
    from repo_tools.log import published
    reader = published.Have.parse(command)
    if reader is None:
        return refuse("ssh-git-only")
    if not allowed("registry", user, "R"):
        return refuse()
    published.serve(root / "log" / "events.jsonl", reader, sys.stdout.buffer)
    sys.stdout.flush()
    return 0


COSIGN = re.compile(r"^oa-log cosign ([a-z][a-z0-9-]{0,40})$")
MAX_NOTE = 64 * 1024


def accept_cosignature(root: Path, command: str, user: str) -> int:
    """A unit's witness, run on its admin's own machine from the published log, hands in its
    cosignature (stdin: the checkpoint with it, a signed note). The log takes it only when it
    verifies with the unit's witness key in the registry and is for the current checkpoint
    (`log/witness.submit_cosignature`): who sends it does not matter, the key does."""
    match = COSIGN.match(command)
    if not match or not allowed("registry", user, "R"):
        return refuse() if match else refuse("ssh-git-only")
    from repo_tools.log import note, witness
    from repo_tools.messages import Refused
    data = sys.stdin.buffer.read(MAX_NOTE + 1)
    try:
        signed = note.Note.parse(data[:MAX_NOTE].decode("utf-8"))
        if len(data) > MAX_NOTE or len(signed.signatures) != 1:
            raise note.NoteError("one cosignature")
        witness.submit_cosignature(root / "log", root / "registry.git", match[1], signed.text, signed.signatures[0])
    except (UnicodeDecodeError, note.NoteError):
        return refuse("cosignature-invalid", unit=match[1])
    except Refused as exc:
        print(exc.text(), file=sys.stderr)
        return 1
    return 0


def main(argv: list[str]) -> int:
    if len(argv) < 2:
        return refuse()
    root, user = Path(argv[0]), argv[1]
    command = os.environ.get("SSH_ORIGINAL_COMMAND", "")
    if user != ADMIN_NAME and lockout.is_locked(root, user):
        return refuse()
    if command.startswith(LOG_COMMAND + " since "):
        return serve_published(root, command, user)
    if command.startswith(LOG_COMMAND + " cosign "):
        return accept_cosignature(root, command, user)
    match = GIT_COMMAND.match(command)
    if not match:
        return refuse("ssh-git-only")
    verb, repo = match.groups()
    if not allowed(repo, user, "W" if verb == "git-receive-pack" else "R"):
        return refuse()
    os.execv(GITOLITE_SHELL, [GITOLITE_SHELL, user])
    return 1  # not reached


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
