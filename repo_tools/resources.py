"""Where the project's non-Python parts live (hooks, site templates, sample content, mkdocs.yml).

In a source checkout they sit beside the package; a wheel carries them inside it, under
`repo_tools/_project/` (copied there by `setup.py`'s build step), so `pip install .` runs the demo.
"""
from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent
BUNDLED = _PACKAGE / "_project"
SOURCE = _PACKAGE.parent
# What a wheel must carry: the one list both the build step and the lookups use.
PARTS = ("hooks", "site_templates", "content", "mkdocs.yml")


def project_path(name: str) -> Path:
    """The installed copy of a project part when there is one, else the source tree's."""
    bundled = BUNDLED / name
    return bundled if bundled.exists() else SOURCE / name
