"""No lock-in: a GnuPG home holding exactly the registry's public keys (every person's and every
seal's, current and past), so stock `git verify-commit` / `git verify-tag` verify every sealed
commit and approval without this system. The keys are marked fully trusted there, since stock
git reports "good signature" regardless, but prints trust warnings otherwise.

Stock git knows nothing of trusted time: it accepts any key in the keyring. Pair it with the
registry's validity windows (or `oa verify`) to judge whether a signature counts."""
from __future__ import annotations

import subprocess
from pathlib import Path

from repo_tools.city import City
from repo_tools.git.repo import ObjectReader, clean_env, list_tree
from repo_tools.identity import keys
from repo_tools.messages import Refused, say


def export(city: City, directory: Path, registry_rev: str = "refs/heads/main") -> int:
    """Write the keyring to `directory` (a new or empty directory); return how many keys."""
    directory = Path(directory).resolve()
    if directory.exists() and any(p for p in directory.iterdir() if not p.name.startswith("S.")):
        raise Refused("exists", what=say("identity.keyring_export.export.1"), name=str(directory))
    files = list_tree(city.registry_repo, registry_rev, "keys", env=clean_env())
    blobs = [blob for path, blob in sorted(files.items()) if path.endswith(".asc")]
    with ObjectReader(city.registry_repo, env=clean_env()) as reader:
        armored = "\n".join((reader.blob(b) or b"").decode() for b in blobs)
    fprs = keys.import_keys(directory, armored)
    trust = "".join(f"{fpr}:6:\n" for fpr in fprs).encode()
    subprocess.run(["gpg", "--batch", "--import-ownertrust"], input=trust, capture_output=True,
                   env={**clean_env(), "GNUPGHOME": str(directory)}, check=True)
    (directory / "README.txt").write_text(
        say("identity.keyring_export.export.2"),
        encoding="utf-8")
    keys.stop_agent(directory)
    return len(fprs)
