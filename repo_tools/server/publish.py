"""The site is built by the service, never from a person's clone.

Why: the site is every unit's `main`, the registry and the log, with one overlay per unit and
per person for restricted items (ARCHITECTURE.md "Reading: the site and the portal"). A person's
clone holds only their own unit and the registry (nobody reads another unit's repository), so a
site built there would be either incomplete or a leak. The service holds every repository.

So after every accepted push that moves a `main` (a unit's or the registry's), `post-receive`
asks for a build (`request`): it writes a wish stamp and starts one detached builder, which never
holds up the push. Builders run one at a time under a file lock; a wish made during a build is
built right after it (coalesced: ten pushes during one build make one more build, not ten).
`oa server publish CITY` builds now, synchronously, as the service account.
"""
from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from repo_tools.git.atomic import Busy, exclusive
from repo_tools.server.layout import ServiceLayout


def _folder(root: Path) -> Path:
    folder = ServiceLayout(root).base / "publish"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _read(path: Path) -> str:
    try:
        return path.read_text()
    except OSError:
        return ""


def request(root: Path) -> None:
    """Ask for a build and start a detached builder (its output goes to the publish log, never
    to the pusher's terminal; git does not wait for it)."""
    folder = _folder(root)
    (folder / "wanted").write_text(f"{time.time_ns()}\n")
    log = (folder / "build.log").open("ab")
    subprocess.Popen([sys.executable, "-m", "repo_tools.server.publish", str(root)],
                     stdin=subprocess.DEVNULL, stdout=log, stderr=log, start_new_session=True,
                     env={k: v for k, v in os.environ.items() if not k.startswith("GIT_")})
    log.close()


def build_pending(root: Path) -> bool:
    """Build while a wish is newer than the last build; False when another builder runs
    (it will see the wish). True when this builder built at least once."""
    from repo_tools.city import City
    from repo_tools.site import build_site
    folder = _folder(root)
    built_any = False
    while True:
        try:
            with exclusive(folder / "build.lock", wait=False):
                wanted = _read(folder / "wanted")
                if wanted and wanted == _read(folder / "built"):
                    return built_any
                build_site(City.at(root))
                (folder / "built").write_text(wanted)
                built_any = True
        except Busy:
            return built_any
        if _read(folder / "wanted") == _read(folder / "built"):
            return built_any


def publish_now(root: Path) -> Path:
    """`oa server publish`: build now, after any running builder; return the site folder."""
    from repo_tools.city import City
    from repo_tools.site import build_site
    folder = _folder(root)
    with exclusive(folder / "build.lock"):
        wanted = _read(folder / "wanted")
        report = build_site(City.at(root))
        (folder / "built").write_text(wanted)
    return Path(report.out)


def require_service(city: object) -> None:
    """`oa site build` from a clone over SSH: refused, with the reason and what to do."""
    from repo_tools.server.remote import RemoteCity
    if isinstance(city, RemoteCity):
        from repo_tools.messages import Refused
        raise Refused("site-built-by-service")


def run_as_service(root: Path) -> None:
    """`oa server publish CITY` (root): build as the service account, so the site's files are its."""
    from repo_tools.server import access
    layout = ServiceLayout(root)
    account = str(layout.settings()["account"])
    access.run_as(account, [str(layout.python), "-m", "repo_tools.server.publish", "--now", str(root)], layout)


def main(argv: list[str]) -> int:
    if argv and argv[0] == "--now":
        publish_now(Path(argv[1]).resolve())
    else:
        build_pending(Path(argv[0]).resolve())
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
