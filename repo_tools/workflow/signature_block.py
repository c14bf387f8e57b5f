"""The other units of a joint document (联合行文) as the print form and the site show them: each
co-issuing unit's name and, once the document is sealed, the image of its seal. The image is a
picture; what binds each co-issuer is its leader's signed 会签 on the sealed head, which the
verification panel shows."""
from __future__ import annotations

from typing import Any

from repo_tools.registry.records import Registry


def co_issuers(registry: Registry, meta: dict[str, Any], sealed: bool, own_unit: str | None = None
               ) -> list[tuple[str, str | None]]:
    """[(unit name, seal SVG or None)] for the units named in `joint`, in its order."""
    joint = meta.get("joint") or []
    if not isinstance(joint, list):
        return []
    from repo_tools.seal.image import seal_svg
    out: list[tuple[str, str | None]] = []
    for unit_id in joint:
        unit = registry.unit(str(unit_id))
        if unit is None or unit.id == own_unit:
            continue
        out.append((unit.name, seal_svg(unit.name, unit.level) if sealed else None))
    return out


__all__ = ["co_issuers"]
