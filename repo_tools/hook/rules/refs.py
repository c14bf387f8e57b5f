"""What may happen to refs: `main` is never deleted nor rewritten (Art. 8); the registry
keeps one branch."""
from __future__ import annotations

from collections.abc import Iterator

from repo_tools.git.push import Push
from repo_tools.git.repo import git
from repo_tools.hook.rules.base import Refusal, refusal
from repo_tools.messages import say

PROTECTED = ("refs/heads/main",)


def main_append_only(push: Push) -> Iterator[Refusal]:
    for update in push.updates:
        if update.ref not in PROTECTED:
            continue
        if update.is_delete:
            yield refusal("main-delete", update.ref)
        elif not update.is_create and not push.is_ancestor(update.old, update.new):
            yield refusal("main-rewrite", update.ref, old=update.old[:10], new=update.new[:10])


def registry_main_only(push: Push) -> Iterator[Refusal]:
    for update in push.updates:
        if update.ref != "refs/heads/main":
            yield refusal("ref-forbidden", update.ref, ref=update.ref,
                          detail=say("hook.rules_refs.registry_main_only.1"))


def unit_ref_namespaces(push: Push) -> Iterator[Refusal]:
    """Unit repositories carry branches, review verdicts, archive tags and inbox deliveries."""
    allowed = ("refs/heads/", "refs/reviews/", "refs/tags/", "refs/outbox/", "refs/receipts/",
               "refs/inbox/", "refs/replies/",  # the last two are the service's: policy.deliveries refuses
               "refs/delegations/", "refs/outbox-countersign/",  # workflow: 委托, 会签 on its way
               "refs/registers/",  # the 收文 register's lock (policy.deliveries)
               "refs/incidents/")  # a fault's step from a clone (hook/rules/incidents.py)
    for update in push.updates:
        if not update.ref.startswith(allowed):
            yield refusal("ref-forbidden", update.ref, ref=update.ref,
                          detail=say("hook.rules_refs.unit_ref_namespaces.1"))


__all__ = ["main_append_only", "registry_main_only", "unit_ref_namespaces", "git"]
