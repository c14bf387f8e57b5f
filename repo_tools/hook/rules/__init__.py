"""The rules the server hook applies, composed per kind of repository. Each rule is a small
function `Push -> refusals`; adding a requirement means adding one entry to a list here.

Every rule is named lazily (`Lazy(module, function, when)`): its module is imported only for a
push that touches what it checks, so a draft with a document and three photos imports neither
the merge and seal rules, nor the archive, delivery or workflow rules (`python -X importtime -m
repo_tools.hook` shows it). A `when` only ever looks at ref names and changed paths, and is a
superset of the rule's own filter (each rule still filters the updates itself).
"""
from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from repo_tools.hook.rules.base import AllOf, Lazy, Refusal, Rule, refusal

if TYPE_CHECKING:
    from repo_tools.git.push import Push

MAIN = "refs/heads/main"
# Ref namespaces, as the rule modules spell them (review.requests, workflow.steps,
# workflow.delegation, transmit.model, hook/rules/archives.py).
REVIEW_REFS = ("refs/reviews/", "refs/heads/mr/", "refs/tags/mr/")
COUNTERSIGN_REFS = ("refs/countersign/", "refs/outbox-countersign/")
DELEGATION_REFS = ("refs/delegations/",)
DELIVERY_REFS = ("refs/inbox/", "refs/replies/", "refs/outbox/", "refs/receipts/", "refs/registers/")
ARCHIVE_TAG_REFS = ("refs/tags/archive/",)
ARCHIVE_REGISTER = "refs/heads/archive-register"
INCIDENT_REFS = ("refs/incidents/",)
CONTENT_FOLDERS = ("documents/", "bulletins/")


def _refs(*prefixes: str) -> Callable[[Push], bool]:
    def when(push: Push) -> bool:
        return any(u.ref.startswith(prefixes) for u in push.updates)
    return when


def _ref_is(*names: str) -> Callable[[Push], bool]:
    def when(push: Push) -> bool:
        return any(u.ref in names for u in push.updates)
    return when


def _touches_content(push: Push) -> bool:
    """A document or bulletin folder is changed by a new commit (documents_valid's own test)."""
    return any(c.path.startswith(CONTENT_FOLDERS) for c in push.changed_files)


def _rule(module: str, name: str, when: Callable[[Push], bool] | None = None) -> Lazy:
    return Lazy(f"repo_tools.hook.rules.{module}", name, when)


IDENTITY: list[Rule] = [
    _rule("identity", "certificate_present"),
    _rule("identity", "certificate_verified"),
    _rule("identity", "pusher_registered"),
    _rule("events", "carried_events_valid"),
]

UNIT_RULES: list[Rule] = [
    _rule("in_service", "unit_in_service"),
    *IDENTITY,
    _rule("identity", "pusher_in_unit"),
    _rule("refs", "unit_ref_namespaces"),
    _rule("refs", "main_append_only", _ref_is(MAIN)),
    _rule("signatures", "commits_signed"),
    _rule("signatures", "tags_signed"),
    _rule("trees", "trees_valid"),
    _rule("content", "files_allowed"),
    _rule("classification", "messages_unmarked"),
    _rule("reviews", "review_refs", _refs(*REVIEW_REFS)),
    _rule("workflow", "countersign_outbox", _refs(*COUNTERSIGN_REFS)),
    _rule("workflow", "delegation_refs", _refs(*DELEGATION_REFS)),
    _rule("merges", "main_merges", _ref_is(MAIN)),
    _rule("documents", "documents_valid", _touches_content),
    _rule("deliveries", "inbox_create_only", _refs(*DELIVERY_REFS)),
    _rule("deliveries", "deliveries_valid", _refs(*DELIVERY_REFS)),
    _rule("deliveries", "receipts_valid", _refs(*DELIVERY_REFS)),
    _rule("deliveries", "register_locks", _refs(*DELIVERY_REFS)),
    _rule("archives", "archive_tags", _refs(*ARCHIVE_TAG_REFS)),
    _rule("archives", "archive_on_main", _ref_is(MAIN)),
    _rule("archives", "access_register", _ref_is(ARCHIVE_REGISTER)),
    _rule("incidents", "incident_refs", _refs(*INCIDENT_REFS)),
]

REGISTRY_RULES: list[Rule] = [
    *IDENTITY,
    _rule("delegation", "registry_scope"),      # Art. 6, 12: e-gov admins anything, a unit admin only their own unit
    _rule("refs", "registry_main_only"),
    _rule("refs", "main_append_only"),
    _rule("signatures", "commits_signed"),
    _rule("trees", "trees_valid"),
    _rule("classification", "messages_unmarked"),
    _rule("registry_rules", "records_valid"),
    _rule("log_keys", "log_keys_valid"),
    _rule("workflow", "unit_workflow_settings"),
    _rule("lifecycle", "lifecycle_approved"),
    _rule("units", "unit_lifecycle"),
]


def rules_for(kind: str) -> AllOf:
    return AllOf(UNIT_RULES if kind == "unit" else REGISTRY_RULES if kind == "registry" else [])


__all__ = ["AllOf", "Lazy", "Refusal", "Rule", "refusal", "rules_for", "UNIT_RULES", "REGISTRY_RULES"]
