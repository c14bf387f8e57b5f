"""The hook server (repo_tools/hook/forkserver.py): the same verdicts as the ordinary hook, and
a client that uses it only when it is this user's, of this installation, in a private folder."""
from __future__ import annotations

import os
import socket
import struct
import subprocess
import sys
import time
from pathlib import Path

from fixtures import Workspace, short_tmpdir

from repo_tools.hook import client, forkserver


def _wait_for(path: Path, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while not path.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert path.exists(), f"no server at {path}"


def _ask(path: Path, package: str) -> bytes:
    """A hook run's request as the client sends it, with the three standard streams."""
    conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    conn.connect(str(path))
    with open(os.devnull, "rb") as null:
        fds = [null.fileno()] * 3
        conn.sendmsg([client.request(package, ["pre-receive"])],
                     [(socket.SOL_SOCKET, socket.SCM_RIGHTS, struct.pack("3i", *fds))])
        answer = client.receive(conn, 1)
    conn.close()
    return answer


def test_pushes_through_the_server_are_refused_and_accepted_as_by_the_ordinary_hook(ws: Workspace) -> None:
    from repo_tools.city import HOOK_CLIENT
    repo = ws.city.unit_repo("lagov")
    assert HOOK_CLIENT == Path(client.__file__).resolve()
    subprocess.run(["git", "config", "oa.hookclient", str(HOOK_CLIENT)], cwd=repo, check=True)  # opt-in
    work = ws.clone("lagov", "zhang")
    ws.commit(work, {"a.md": "正文\n"}, message="先签名提交")
    assert ws.push(work).returncode == 0  # starts a server (or finds this run's)
    path = Path(client.socket_path(sys.executable, client.package_dir()))
    _wait_for(path)
    ws.commit(work, {"b.md": "正文\n"}, sign=False)
    before = ws.snapshot()
    refused = ws.push(work)
    assert refused.returncode != 0 and "commit-unsigned" in refused.stdout + refused.stderr
    assert ws.snapshot() == before  # nothing changed
    subprocess.run(["git", "reset", "-q", "--hard", "HEAD~1"], cwd=work, check=True)
    ws.commit(work, {"c.md": "正文\n"}, message="再次签名提交")
    accepted = ws.push(work)
    assert accepted.returncode == 0, accepted.stderr
    assert path.exists()  # the server stayed: it served these runs


def test_server_refuses_another_installation_and_a_stop_ends_it() -> None:
    base = short_tmpdir("oaz")
    folder = base / "s"
    folder.mkdir(mode=0o700)
    path = folder / "t.sock"
    proc = subprocess.Popen([sys.executable, "-I", "-m", "repo_tools.hook.forkserver", str(path), "60"],
                            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        _wait_for(path)
        assert _ask(path, "/somewhere/else") == b"S"  # another repo_tools: the client runs its own hook
        assert forkserver.stop(str(path))
        assert proc.wait(timeout=30) == 0
        assert not path.exists()
    finally:
        proc.kill()
        subprocess.run(["rm", "-rf", str(base)], check=False)


def test_client_does_not_use_a_socket_in_a_folder_others_may_enter() -> None:
    base = short_tmpdir("oaz")
    try:
        shared = base / "shared"
        shared.mkdir()
        shared.chmod(0o755)
        assert not client.private_dir(str(shared / "x.sock"))
        assert client.run_in_server(str(shared / "x.sock"), client.package_dir(), ["pre-receive"]) is None
        private = base / "private"
        private.mkdir(mode=0o700)
        assert client.private_dir(str(private / "x.sock"))
        link = base / "link"
        link.symlink_to(private)
        assert not client.private_dir(str(link / "x.sock"))  # a symlink is not the folder itself
    finally:
        subprocess.run(["rm", "-rf", str(base)], check=False)


def test_socket_names_differ_per_interpreter_and_installation() -> None:
    one = client.socket_path("/usr/bin/python3", "/opt/a")
    assert one != client.socket_path("/usr/bin/python3", "/opt/b")
    assert one != client.socket_path("/venv/bin/python", "/opt/a")
    assert one.startswith(f"/tmp/oa-hooks-{os.getuid()}/")
    assert forkserver.PACKAGE == Path(client.package_dir())


def test_a_server_whose_code_changed_answers_stale_and_leaves() -> None:
    """A rule edited (or a new version installed) after the server started never runs old code:
    the server says so before it forks, the client runs the ordinary hook, the server leaves."""
    import shutil
    base = short_tmpdir("oaz")
    copy = base / "pkg"
    shutil.copytree(Path(client.package_dir()) / "repo_tools", copy / "repo_tools",
                    ignore=shutil.ignore_patterns("__pycache__"))
    folder = base / "s"
    folder.mkdir(mode=0o700)
    path = folder / "t.sock"
    start = ("import sys, runpy; sys.path.insert(0, sys.argv[1]); sys.argv = sys.argv[1:]; "
             "runpy.run_module('repo_tools.hook.forkserver', run_name='__main__')")
    proc = subprocess.Popen([sys.executable, "-I", "-c", start, str(copy), str(path), "60"],
                            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        _wait_for(path)
        assert _ask(path, "/somewhere/else") == b"S" and proc.poll() is None  # refused, still there
        rule = copy / "repo_tools" / "hook" / "rules" / "content.py"
        rule.write_text(rule.read_text() + "\n")
        assert _ask(path, str(copy)) == b"S"  # its own installation, but changed: stale
        assert proc.wait(timeout=30) == 0
        assert not path.exists()
    finally:
        proc.kill()
        shutil.rmtree(base, ignore_errors=True)
