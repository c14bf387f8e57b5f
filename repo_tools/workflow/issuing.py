"""What the sealing merge writes from the signed steps into a document's front matter, beside
its number and seal date: the 成文日期 (`date`, the 签发's date) and the 签发人 (`signer`, on
upward documents or wherever the author typed one: a typed name must agree with the signature).
The sealing merge and the server hook call the same functions, so both say the same words."""
from __future__ import annotations

from typing import Any

from repo_tools.messages import say
from repo_tools.registry.records import Registry, Unit
from repo_tools.workflow.steps import Workflow


def _names(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value.strip()] if value.strip() else []
    return [str(v).strip() for v in value if str(v).strip()]


def _plain(name: str) -> str:
    return name.removesuffix(say("workflow.issuing._plain.1"))


def typed_signer_problem(meta: dict[str, Any], flow: Workflow) -> str | None:
    """Why a 签发人 typed in the draft disagrees with who signed (None when it agrees or is absent)."""
    typed = _names(meta.get("signer"))
    if not typed:
        return None
    signed = flow.signer_names()
    if [_plain(t) for t in typed] != [_plain(s) for s in signed]:
        return say("workflow.issuing.typed_signer_problem.1",
                   value_join='、'.join(typed), value='、'.join(signed) or say("workflow.issuing.typed_signer_problem.2"))
    return None


def signed_fields(text: str, meta: dict[str, Any], flow: Workflow, unit: Unit, registry: Registry,
                  path: str) -> dict[str, Any]:
    """The front-matter values the seal writes from the signatures: `date` always, `signer` on
    upward documents and where one was typed (a list for joint documents)."""
    from repo_tools.documents.model import load_document, upward_reason  # documents imports policy: load late
    fields: dict[str, Any] = {"date": flow.document_date()}
    model, _, _ = load_document(text, path)
    upward = model is not None and upward_reason(model, unit, registry) is not None
    if upward or _names(meta.get("signer")):
        names = flow.signer_names()
        fields["signer"] = names if len(names) > 1 else (names[0] if names else None)
    return fields


__all__ = ["signed_fields", "typed_signer_problem"]
