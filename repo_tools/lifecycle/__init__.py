"""Units and people over their whole life (Art. 7, 9, 12, 14): the library behind `oa unit
rename/merge/deregister` and `oa user set-roles/move/remove`, and the registry as it stood at
any moment (`history`), against which verification judges old signatures."""
from __future__ import annotations

from repo_tools.lifecycle.people import move, remove, require_manager, set_roles
from repo_tools.lifecycle.units import ARCHIVES, deregister, merge, rename, repository_readers, set_settings

__all__ = ["ARCHIVES", "deregister", "merge", "move", "remove", "rename", "repository_readers",
           "require_manager", "set_roles", "set_settings"]
