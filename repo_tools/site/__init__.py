"""The intranet site (Art. 30-33): documents in their official form with seal and verification,
bulletins in their columns, paginated listings, Chinese search, audiences, atomic publishing."""
from __future__ import annotations

from repo_tools.site.build import BuildReport, build_site
from repo_tools.site.serve import serve

__all__ = ["BuildReport", "build_site", "serve"]
