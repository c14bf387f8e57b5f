"""The rules the server hook applies, composed per kind of repository. Each rule is a small
function `Push -> refusals`; adding a requirement means adding one function to a list here."""
from __future__ import annotations

from repo_tools.hook.rules.archives import RULES as ARCHIVE_RULES
from repo_tools.hook.rules.base import AllOf, Refusal, Rule, refusal
from repo_tools.hook.rules.classification import messages_unmarked
from repo_tools.hook.rules.content import files_allowed
from repo_tools.hook.rules.delegation import registry_scope
from repo_tools.hook.rules.deliveries import deliveries_valid, inbox_create_only, receipts_valid
from repo_tools.hook.rules.documents import documents_valid
from repo_tools.hook.rules.events import carried_events_valid
from repo_tools.hook.rules.identity import (
    certificate_present,
    certificate_verified,
    pusher_in_unit,
    pusher_registered,
)
from repo_tools.hook.rules.lifecycle import lifecycle_approved
from repo_tools.hook.rules.log_keys import log_keys_valid
from repo_tools.hook.rules.merges import main_merges
from repo_tools.hook.rules.refs import main_append_only, registry_main_only, unit_ref_namespaces
from repo_tools.hook.rules.registry_rules import records_valid
from repo_tools.hook.rules.reviews import review_refs
from repo_tools.hook.rules.signatures import commits_signed, tags_signed
from repo_tools.hook.rules.trees import trees_valid
from repo_tools.hook.rules.units import unit_in_service, unit_lifecycle
from repo_tools.hook.rules.workflow import countersign_outbox, delegation_refs, unit_workflow_settings

IDENTITY: list[Rule] = [certificate_present, certificate_verified, pusher_registered, carried_events_valid]

UNIT_RULES: list[Rule] = [
    unit_in_service,
    *IDENTITY,
    pusher_in_unit,
    unit_ref_namespaces,
    main_append_only,
    commits_signed,
    tags_signed,
    trees_valid,
    files_allowed,
    messages_unmarked,
    review_refs,
    countersign_outbox,
    delegation_refs,
    main_merges,
    documents_valid,
    inbox_create_only,
    deliveries_valid,
    receipts_valid,
    *ARCHIVE_RULES,
]

REGISTRY_RULES: list[Rule] = [
    *IDENTITY,
    registry_scope,      # Art. 6, 12: e-gov admins anything, a unit admin only their own unit
    registry_main_only,
    main_append_only,
    commits_signed,
    trees_valid,
    messages_unmarked,
    records_valid,
    log_keys_valid,
    unit_workflow_settings,
    lifecycle_approved,
    unit_lifecycle,
]


def rules_for(kind: str) -> AllOf:
    return AllOf(UNIT_RULES if kind == "unit" else REGISTRY_RULES if kind == "registry" else [])


__all__ = ["AllOf", "Refusal", "Rule", "refusal", "rules_for", "UNIT_RULES", "REGISTRY_RULES"]
