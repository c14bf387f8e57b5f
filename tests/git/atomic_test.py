"""The one exclusive lock: writers of the event log, the lock-out state and the site's build take
turns, across processes, and with the tests' filelock on the same file."""
from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest
from filelock import FileLock, Timeout

from repo_tools.git.atomic import Busy, exclusive

HOLD = """
import sys, time
from repo_tools.git.atomic import exclusive
with exclusive(sys.argv[1]):
    print("held", flush=True)
    time.sleep(float(sys.argv[2]))
"""


def _holder(lock: Path, seconds: float) -> subprocess.Popen[str]:
    proc = subprocess.Popen([sys.executable, "-c", HOLD, str(lock), str(seconds)], stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None and proc.stdout.readline().strip() == "held"
    return proc


def test_a_lock_held_by_another_process_is_busy_and_free_once_it_ends(tmp_path: Path) -> None:
    lock = tmp_path / "sub" / "events.lock"
    proc = _holder(lock, 30)
    try:
        with pytest.raises(Busy):
            with exclusive(lock, wait=False):
                pytest.fail("entered a lock another process holds")
    finally:
        proc.kill()
        proc.wait()
    entered = False
    with exclusive(lock, wait=False):  # the holder died: the kernel released its lock
        entered = True
    assert entered


def test_a_waiting_writer_enters_after_the_holder_leaves(tmp_path: Path) -> None:
    lock = tmp_path / "events.lock"
    proc = _holder(lock, 1.0)
    started = time.monotonic()
    with exclusive(lock):
        waited = time.monotonic() - started
        assert proc.poll() is not None or waited > 0.5
    proc.wait()


def test_filelock_and_exclusive_exclude_each_other_on_the_same_file(tmp_path: Path) -> None:
    lock = tmp_path / "build.lock"
    with FileLock(str(lock)):
        proc = subprocess.run([sys.executable, "-c",
                               "import sys\nfrom repo_tools.git.atomic import Busy, exclusive\n"
                               "try:\n    with exclusive(sys.argv[1], wait=False):\n        print('entered')\n"
                               "except Busy:\n    print('busy')\n", str(lock)], capture_output=True, text=True)
        assert proc.stdout.strip() == "busy", proc.stderr
    with exclusive(lock, wait=False):
        with pytest.raises(Timeout):
            FileLock(str(lock), timeout=0).acquire()
