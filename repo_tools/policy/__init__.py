"""The rules the server hook applies, composed per kind of repository. Each rule is a small
function `Push -> refusals`; adding a requirement means adding one function to a list here."""
from __future__ import annotations

from .archives import RULES as ARCHIVE_RULES
from .base import AllOf, Refusal, Rule, refusal
from .content import files_allowed
from .deliveries import deliveries_valid, inbox_create_only, receipts_valid
from .documents import documents_valid
from .delegation import registry_scope
from .lifecycle import lifecycle_approved
from .log_keys import log_keys_valid
from .identity import (certificate_present, certificate_verified, pusher_in_unit,
                       pusher_registered)
from .units import unit_in_service, unit_lifecycle
from .refs import main_append_only, registry_main_only, unit_ref_namespaces
from .merges import main_merges
from .registry_rules import records_valid
from .reviews import review_refs
from .signatures import commits_signed, tags_signed
from .trees import trees_valid
from .classification import messages_unmarked
from .workflow import countersign_outbox, delegation_refs, unit_workflow_settings

IDENTITY: list[Rule] = [certificate_present, certificate_verified, pusher_registered]

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
