"""Shared fixtures: a sample city built once per test worker, copied for every test."""
from __future__ import annotations

import shutil
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from fixtures import Workspace, build_sample_city, copy_city, short_tmpdir  # noqa: E402

from repo_tools.city import City  # noqa: E402


@pytest.fixture(scope="session")
def template_city() -> Iterator[City]:
    base = short_tmpdir("oat")
    city = build_sample_city(base / "c")
    yield city
    city.stop_agents()
    shutil.rmtree(base, ignore_errors=True)


@pytest.fixture
def ws(template_city: City) -> Iterator[Workspace]:
    base = short_tmpdir("oa")
    city = copy_city(template_city, base / "c")
    workspace = Workspace(city, base)
    yield workspace
    city.stop_agents()
    shutil.rmtree(base, ignore_errors=True)


@pytest.fixture
def city(ws: Workspace) -> City:
    return ws.city
