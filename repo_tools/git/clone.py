"""`oa clone`: a working clone that signs every commit, tag and push as one registered person,
with the client-side pre-commit hook for fast feedback."""
from __future__ import annotations

import stat
import sys
from pathlib import Path

from repo_tools.city import PROJECT_HOOKS, City
from repo_tools.git.repo import clean_env, git
from repo_tools.messages import Refused, say


def clone(city: City, unit: str, directory: str | Path, user: str) -> Path:
    reg = city.registry()
    if reg.unit(unit) is None:
        raise Refused("not-found", what=say("git.clone.clone.1"), name=unit, remedy=say("git.clone.clone.2"))
    signer = city.signer(user, reg)
    target = Path(directory).resolve()
    if target.exists() and any(target.iterdir()):
        raise Refused("exists", what=say("git.clone.clone.3"), name=str(target))
    wrapper = target / ".git" / "oa-gpg"
    settings = {
        "user.name": signer.name, "user.email": signer.email, "user.signingkey": signer.fingerprint,
        "commit.gpgSign": "true", "tag.gpgSign": "true", "push.gpgSign": "true",
        "gpg.program": str(wrapper), "gpg.format": "openpgp",
        "oa.city": str(city.root), "oa.user": user, "oa.unit": unit, "oa.python": sys.executable,
        # with the default +refs/heads/*:refs/remotes/origin/*, the merge requests' reviews too
        "remote.origin.fetch": "+refs/reviews/*:refs/reviews/*",
    }
    # One process: `clone -c` writes the settings into the new repository before it fetches;
    # no template (git's sample hooks): the one hook a clone has is ours, below.
    git("clone", "-q", "--template=", *(f"-c{k}={v}" for k, v in settings.items()),
        str(city.unit_repo(unit)), str(target), env=clean_env())
    # git has no setting for the GnuPG home, so the clone gets a tiny gpg wrapper that sets it.
    wrapper.write_text(f'#!/bin/sh\nGNUPGHOME="{signer.gnupghome}" exec gpg "$@"\n')
    wrapper.chmod(0o755)
    (target / ".git" / "hooks").mkdir(exist_ok=True)
    hook = target / ".git" / "hooks" / "pre-commit"
    hook.write_bytes((PROJECT_HOOKS / "pre-commit").read_bytes())
    hook.chmod(hook.stat().st_mode | stat.S_IXUSR)
    return target
