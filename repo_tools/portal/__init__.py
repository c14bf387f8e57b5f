"""The reading portal (Art. 14, 16, 32): readers log in with their user id and password and
read exactly their audience of the site (the base plus their unit's and their own overlays)."""
from __future__ import annotations

from repo_tools.portal.server import PortalServer, serve

__all__ = ["PortalServer", "serve"]
