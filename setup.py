"""Build step only: copy the project's non-Python parts into the wheel (see repo_tools/resources.py).

pyproject.toml holds the metadata; setuptools has no declarative way to ship top-level folders
inside a package, so this one command class does it.
"""
from __future__ import annotations

import shutil
import sys
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

sys.path.insert(0, str(Path(__file__).parent))
from repo_tools.resources import PARTS  # noqa: E402


class BuildWithProjectParts(build_py):
    def run(self) -> None:
        super().run()
        if self.editable_mode:  # an editable install reads the source tree itself
            return
        target = Path(self.build_lib) / "repo_tools" / "_project"
        for name in PARTS:
            source = Path(__file__).parent / name
            if source.is_dir():
                shutil.copytree(source, target / name, dirs_exist_ok=True)
            else:
                target.mkdir(parents=True, exist_ok=True)
                shutil.copy2(source, target / name)


setup(cmdclass={"build_py": BuildWithProjectParts})
