"""The hook shims' fast path: hand this hook run to the hook server (`hook/forkserver.py`).

Why: a hook is a new Python process, and two thirds of its time went to importing the rules
(measured: ~250 ms a hook, 60 % of the test suite's CPU). The hook server imports them once and
forks a child per hook run, which then runs exactly `entry.main` with this process's standard
streams (passed over the socket), working directory, environment, umask and arguments.

This file runs as `python -I -S client.py <hook> [args]` (no site: ~10 ms to start), so it uses
nothing but the interpreter's built-in modules and never imports repo_tools. Whenever the server
cannot be used (none running, another owner, another installation, code changed since it
started) and before anything has read the standard input, it starts one for next time and
becomes the ordinary hook (`python -I -m repo_tools.hook`): the fast path can only ever be
skipped, never change what is checked.
"""
import array
import os
import socket
import struct
import sys
import zlib

PROTOCOL = b"OA-HOOK-1"
STOP = PROTOCOL + b"\0stop"  # the request that makes a server leave (`forkserver.stop`)
IDLE_SECONDS = 120  # the server leaves after this long without a hook run
OPT_OUT = "OA_HOOK_SERVER"  # =0 in the installer's environment: hooks installed without the fast path


def wanted_at_install() -> bool:
    """Whether hooks being installed get the fast path (`oa.hookclient`): yes unless the
    installer says `OA_HOOK_SERVER=0` (to measure or to rule the server out when a hook misbehaves)."""
    return os.environ.get(OPT_OUT) != "0"


def frame(body: bytes) -> bytes:
    """A request on the socket: its length, then the body."""
    return struct.pack("!I", len(body)) + body


def package_dir() -> str:
    """The folder holding the repo_tools this client belongs to (the server must import the same)."""
    return os.path.dirname(os.path.dirname(os.path.dirname(os.path.realpath(__file__))))


def socket_path(executable: str, package: str) -> str:
    """One server per user, interpreter and installation; in a folder only that user may enter.
    A fixed base, not TMPDIR: nothing of a pusher's environment picks the server."""
    key = zlib.crc32(f"{executable}\0{package}".encode()) & 0xFFFFFFFF
    return f"/tmp/oa-hooks-{os.getuid()}/{key:08x}.sock"


def private_dir(path: str) -> bool:
    """The socket's folder is a real directory of this user that nobody else may enter."""
    try:
        info = os.lstat(os.path.dirname(path))
    except OSError:
        return False
    return (info.st_mode & 0o170000) == 0o040000 and info.st_uid == os.getuid() and info.st_mode & 0o077 == 0


def peer_uid(conn: socket.socket) -> int:
    creds = conn.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i"))
    return int(struct.unpack("3i", creds)[1])


def request(package: str, argv: list[str]) -> bytes:
    """The hook run as the server needs it: NUL-separated fields after a length."""
    mask = os.umask(0)
    os.umask(mask)
    env = [f"{k}={v}".encode("utf-8", "surrogateescape") for k, v in os.environ.items()]
    fields = [PROTOCOL, package.encode(), sys.executable.encode(), os.getcwd().encode("utf-8", "surrogateescape"),
              str(mask).encode(), str(len(argv)).encode(),
              *(a.encode("utf-8", "surrogateescape") for a in argv), *env]
    return frame(b"\0".join(fields))


def receive(conn: socket.socket, size: int) -> bytes:
    data = b""
    while len(data) < size:
        part = conn.recv(size - len(data))
        if not part:
            break
        data += part
    return data


def run_in_server(path: str, package: str, argv: list[str]) -> int | None:
    """The hook's exit code from the server, or None when the server was not used (nothing of
    the standard input has been read then)."""
    if not private_dir(path):
        return None
    conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        conn.connect(path)
        if peer_uid(conn) != os.getuid():
            return None
        fds = array.array("i", [0, 1, 2])
        conn.sendmsg([request(package, argv)], [(socket.SOL_SOCKET, socket.SCM_RIGHTS, fds)])
        if receive(conn, 1) != b"R":  # refused before it forked: stale, another installation
            return None
        code = receive(conn, 4)
        # The child ran (it may have read the standard input): no fallback from here on.
        return struct.unpack("!i", code)[0] if len(code) == 4 else 1
    except OSError:
        return None
    finally:
        conn.close()


def start_server(path: str) -> None:
    """A server for the next hook runs, detached from this one (its own session, no streams)."""
    try:
        os.makedirs(os.path.dirname(path), mode=0o700, exist_ok=True)
    except OSError:
        return
    if not private_dir(path):
        return
    devnull = [(os.POSIX_SPAWN_OPEN, fd, "/dev/null", os.O_RDWR, 0) for fd in (0, 1, 2)]
    env = {"PATH": "/usr/bin:/bin", "LC_ALL": "C.UTF-8"}
    try:
        os.posix_spawn(sys.executable, [sys.executable, "-I", "-m", "repo_tools.hook.forkserver", path,
                                        str(IDLE_SECONDS)], env, file_actions=devnull, setsid=True)
    except OSError:
        pass


def main() -> None:
    argv = sys.argv[1:]
    package = package_dir()
    path = socket_path(sys.executable, package)
    code = run_in_server(path, package, argv)
    if code is not None:
        sys.exit(code)
    start_server(path)
    os.execv(sys.executable, [sys.executable, "-I", "-m", "repo_tools.hook", *argv])


if __name__ == "__main__":
    main()
