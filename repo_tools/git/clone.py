"""`oa clone`: a working clone that signs every commit, tag and push as one registered person,
with the client-side pre-commit hook for fast feedback."""
from __future__ import annotations

import stat
import sys
from pathlib import Path

from repo_tools.city import PROJECT_HOOKS, City
from repo_tools.git.repo import Signer, clean_env, git
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
    settings = working_settings(signer, wrapper, city.root, user, unit)
    # with the default +refs/heads/*:refs/remotes/origin/*, the merge requests' reviews too
    settings["remote.origin.fetch"] = REVIEWS_FETCH
    # One process: `clone -c` writes the settings into the new repository before it fetches;
    # no template (git's sample hooks): the one hook a clone has is ours (`equip`).
    git("clone", "-q", "--template=", *(f"-c{k}={v}" for k, v in settings.items()),
        str(city.unit_repo(unit)), str(target), env=clean_env())
    equip(target, signer.gnupghome)
    return target


REVIEWS_FETCH = "+refs/reviews/*:refs/reviews/*"


def working_settings(signer: Signer, wrapper: Path, city_root: Path, user: str, unit: str) -> dict[str, str]:
    """A working clone's git settings: it signs every commit, tag and push as `signer`, with
    gpg through `wrapper` (`equip` writes it), and names its city, person and unit."""
    return {
        "user.name": signer.name, "user.email": signer.email, "user.signingkey": signer.fingerprint,
        "commit.gpgSign": "true", "tag.gpgSign": "true", "push.gpgSign": "true",
        "gpg.program": str(wrapper), "gpg.format": "openpgp",
        "oa.city": str(city_root), "oa.user": user, "oa.unit": unit, "oa.python": sys.executable,
    }


def equip(target: Path, gnupghome: str | Path) -> None:
    """The clone's gpg wrapper (git has no setting for the GnuPG home, so a tiny script sets it)
    and the client-side pre-commit hook."""
    wrapper = target / ".git" / "oa-gpg"
    wrapper.write_text(f'#!/bin/sh\nGNUPGHOME="{gnupghome}" exec gpg "$@"\n')
    wrapper.chmod(0o755)
    (target / ".git" / "hooks").mkdir(exist_ok=True)
    hook = target / ".git" / "hooks" / "pre-commit"
    hook.write_bytes((PROJECT_HOOKS / "pre-commit").read_bytes())
    hook.chmod(hook.stat().st_mode | stat.S_IXUSR)
