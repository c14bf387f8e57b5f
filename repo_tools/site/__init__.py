"""The intranet site (Art. 30-33): documents in their official form with seal and verification,
bulletins in their columns, paginated listings, Chinese search, audiences, atomic publishing."""
from __future__ import annotations

from .build import BuildReport, build_site
from .serve import serve

__all__ = ["BuildReport", "build_site", "serve"]
