"""The service carries 会签 between units (ARCHITECTURE.md "The city as a service": nobody reads
or writes another unit's repository). Like the delivery of documents (outbox → inbox), done by
the service account in `post-receive`, with an event in the log for each placement:

1. When a request's head changes in the drafting unit and its documents name co-issuing units
   (`joint:`), the service writes a 会签件: a commit with no parents whose tree holds only those
   documents' folders as they stand at the head (no other history travels), whose message names
   the request and the head, and places it in each co-issuer's repository at
   `refs/countersign/<drafting unit>/<n>` (replacing the one of an older head).
2. The co-issuer's leader signs a `countersign` tag on it and pushes it to their own repository,
   `refs/outbox-countersign/<drafting unit>/<n>/<user>` (hook/rules/workflow.py checks it there).
3. The service then places the same tag in the drafting unit's repository at
   `refs/reviews/<n>/<user>`, where the sealing merge and every view judge it again.
"""
from __future__ import annotations

from collections import defaultdict
from pathlib import Path

from repo_tools.city import City
from repo_tools.git.repo import clean_env, git
from repo_tools.messages import say
from repo_tools.review.model import MR_BRANCH, REVIEWS
from repo_tools.review.views import ReviewView
from repo_tools.workflow.steps import COUNTERSIGN_REF, OUTBOX_COUNTERSIGN, request_documents

SERVICE = {"GIT_AUTHOR_NAME": say("workflow.countersign_delivery.module.1"), "GIT_AUTHOR_EMAIL": "service@oa.local",
           "GIT_COMMITTER_NAME": say("workflow.countersign_delivery.module.1"), "GIT_COMMITTER_EMAIL": "service@oa.local"}
# The service fetches one object by id from the other repository (a local path: no network).
UPLOAD_PACK = "git -c uploadpack.allowAnySHA1InWant=true upload-pack"


def _fetch(into: Path, source: Path, oid: str, ref: str) -> None:
    git("fetch", "-q", "--no-tags", "--upload-pack", UPLOAD_PACK, str(source), f"+{oid}:{ref}",
        cwd=into, env=clean_env())


def _subtree(repo: Path, entries: dict[str, str]) -> str:
    """A tree from {path: tree id} (paths like documents/2026/slug), built with mktree."""
    children: dict[str, dict[str, str]] = defaultdict(dict)
    here: dict[str, str] = {}
    for path, oid in entries.items():
        first, _, rest = path.partition("/")
        if rest:
            children[first][rest] = oid
        else:
            here[first] = oid
    for name, sub in children.items():
        here[name] = _subtree(repo, sub)
    listing = "".join(f"040000 tree {oid}\t{name}\n" for name, oid in sorted(here.items()))
    return git("mktree", cwd=repo, env=clean_env(), input=listing.encode("utf-8")).strip()


def deliver_request(city: City, unit: str, n: int, head: str) -> list[str]:
    """Place the 会签件 of request n's head in every co-issuer's repository; return the units."""
    reg = city.registry()
    repo = city.unit_repo(unit)
    with ReviewView.of(city, unit, reg) as view:
        documents = request_documents(view, head, view.ref("refs/heads/main"))
        title = view.request(n).title
    joint = {d.index.rsplit("/", 1)[0]: d.joint for d in documents if d.joint}
    targets = sorted({u for units in joint.values() for u in units if u != unit and reg.unit(u)
                      and city.unit_repo(u).is_dir()})
    if not targets:
        return []
    trees = {folder: git("rev-parse", f"{head}:{folder}", cwd=repo, env=clean_env()).strip() for folder in joint}
    tree = _subtree(repo, trees)
    name = reg.unit(unit).name if reg.unit(unit) else unit  # type: ignore[union-attr]
    message = say("workflow.countersign_delivery.deliver_request.1",
                  name=name, n=n, title=title, unit=unit, head=head)
    commit = git("commit-tree", tree, "-m", message, cwd=repo, env=clean_env(SERVICE)).strip()
    for target in targets:
        _fetch(city.unit_repo(target), repo, commit, f"{COUNTERSIGN_REF}{unit}/{n}")
        city.log("countersign-request", repo=target, from_unit=unit, request=n, head=head, commit=commit)
    return targets


def deliver_countersign(city: City, unit: str, ref: str, tag: str) -> str | None:
    """Place a co-issuer's pushed 会签 in the drafting unit's refs/reviews/<n>/<user>."""
    parts = ref[len(OUTBOX_COUNTERSIGN):].split("/")
    if len(parts) != 3 or not parts[1].isdigit():
        return None
    drafting, n, user = parts
    target = city.unit_repo(drafting)
    if not target.is_dir():
        return None
    placed = f"{REVIEWS}{n}/{user}"
    _fetch(target, city.unit_repo(unit), tag, placed)
    city.log("countersign-delivered", repo=drafting, from_unit=unit, request=int(n), user=user, tag=tag,
             ref=placed)
    return placed


def after_push(city: City, kind: str, unit: str | None, updates: list) -> None:
    """post-receive: carry what this push started (a new request head, a signed 会签)."""
    if kind != "unit" or not unit:
        return
    for update in updates:
        if update.is_delete:
            continue
        if update.ref.startswith(MR_BRANCH) and update.ref[len(MR_BRANCH):].isdigit():
            deliver_request(city, unit, int(update.ref[len(MR_BRANCH):]), update.new)
        elif update.ref.startswith(OUTBOX_COUNTERSIGN):
            deliver_countersign(city, unit, update.ref, update.new)


__all__ = ["deliver_request", "deliver_countersign", "after_push"]
