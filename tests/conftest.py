"""Shared fixtures: cities built once per test run (see fixtures.py), copied for every test."""
from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from fixtures import RUN_DIR_ENV, Workspace, copy_city, sample_city_once, short_tmpdir, stop_agents  # noqa: E402

from repo_tools.city import City  # noqa: E402

_RUN_DIR = pytest.StashKey[Path]()


def pytest_configure(config: pytest.Config) -> None:
    """In the controller (or a run without xdist): one folder for the cities this run builds
    once; the workers xdist starts later inherit its name through the environment.

    Every hook, `oa` and worker process keeps its compiled modules: with PYTHONDONTWRITEBYTECODE
    set, each of the suite's thousands of Python processes compiled repo_tools again."""
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    sys.dont_write_bytecode = False
    if hasattr(config, "workerinput") or os.environ.get(RUN_DIR_ENV):
        return
    base = short_tmpdir("oar")
    os.environ[RUN_DIR_ENV] = str(base)
    config.stash[_RUN_DIR] = base


def pytest_unconfigure(config: pytest.Config) -> None:
    base = config.stash.get(_RUN_DIR, None)
    if base is None:
        return
    from repo_tools.hook import forkserver
    forkserver.stop()  # the hook server this run's pushes started (it would leave when idle)
    for root in base.iterdir():
        if (root / "registry.git").is_dir():
            City(root).stop_agents()
    shutil.rmtree(base, ignore_errors=True)
    os.environ.pop(RUN_DIR_ENV, None)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The tests of an `xdist_group` (the served city's, ~150 s on one worker) first: collected
    last (tests/server/), they started when the other worker had little left and ran alone.
    Every worker collects the same order (xdist requires it): a stable sort."""
    items.sort(key=lambda item: item.get_closest_marker("xdist_group") is None)


@pytest.fixture(scope="session")
def template_city() -> City:
    """The sample city as built once for this run: copy it (`copy_city`), never act in it."""
    return sample_city_once()


@pytest.fixture
def ws(template_city: City) -> Iterator[Workspace]:
    base = short_tmpdir("oa")
    city = copy_city(template_city, base / "c")
    workspace = Workspace(city, base)
    yield workspace
    stop_agents(city)
    shutil.rmtree(base, ignore_errors=True)


@pytest.fixture
def city(ws: Workspace) -> City:
    return ws.city
