"""The hook server: the hook's modules imported once, one forked child per hook run.

Started by the first hook run that finds none (`hook/client.py`), as the user the hooks run as,
with `python -I -m repo_tools.hook.forkserver <socket> <idle seconds>`. It imports the rules and
what the hooks call, then waits. Per connection it checks, before it forks and before anything
reads the hook's standard input, that the caller is the same user (SO_PEERCRED), of the same
installation and interpreter, and that no module of repo_tools changed since it started;
otherwise it answers "S" and the client runs the ordinary hook (and a changed server leaves, so
the next run starts a fresh one). The child takes the caller's standard streams, working
directory, environment and umask, and runs `entry.main` exactly as `python -m repo_tools.hook`
does. It leaves after `idle` seconds without a hook run, or when asked (`stop`).

Why a fork server and not fewer imports: the imports are the rules themselves (pydantic models,
YAML, the registry, git and log code); cutting them further would mean rules that are not
small modules. Python has no zygote of its own for this (multiprocessing's forkserver serves
only its own Process objects), hence this small one.
"""
from __future__ import annotations

import array
import os
import signal
import socket
import struct
import sys
from pathlib import Path

from repo_tools.hook import client

PACKAGE = Path(client.package_dir())
# What a hook run may import; imported once here (site, portal, CLI and demo never run in a hook).
PRELOAD = ("hook", "git", "log", "registry", "documents", "review", "seal", "transmit", "archive",
           "verify", "workflow", "identity", "lifecycle", "screening", "incident", "openpgp", "server")
NOT_PRELOADED = ("repo_tools.server.serve", "repo_tools.server.portal")
# The libraries those modules import only inside the functions that use them (so that a command
# that never needs them starts fast). A hook run needs them on most pushes: the in-process
# signature check, the log's signing key (40 ms of every post-receive when not preloaded), gpg's
# wrapper, the image and XML checks of attachments. Found by listing what hook runs imported.
LIBRARIES = ("pysequoia", "cryptography.hazmat.primitives.serialization",
             "cryptography.hazmat.primitives.asymmetric.ed25519", "gnupg", "PIL.Image",
             "defusedxml.ElementTree", "gzip", "mmap")
REQUEST_SECONDS = 5  # a caller that connects and says nothing does not hold the server up
_listening: list[socket.socket] = []  # closed in every child


def source_stamp() -> tuple[int, int]:
    """(newest change, count) of repo_tools' modules: a change means this server is stale.
    The inode change time too: an installer may keep or set old modification times, but any
    write or replacement of a file moves its ctime."""
    newest, count = 0, 0
    for folder, dirs, files in os.walk(PACKAGE / "repo_tools"):
        dirs[:] = [d for d in dirs if d != "__pycache__"]
        for name in files:
            if name.endswith(".py"):
                info = os.stat(os.path.join(folder, name))
                newest = max(newest, info.st_mtime_ns, info.st_ctime_ns)
                count += 1
    return newest, count


def preload() -> None:
    """Import every module a hook run may need, and make the registry's validators."""
    import importlib
    import pkgutil
    for concern in PRELOAD:
        package = importlib.import_module(f"repo_tools.{concern}")
        for info in pkgutil.walk_packages(package.__path__, f"repo_tools.{concern}."):
            if info.name.startswith(NOT_PRELOADED) or info.name.endswith(("__main__", ".forkserver")):
                continue
            try:
                importlib.import_module(info.name)
            except Exception:  # noqa: BLE001 - a module a hook never imports may need more
                continue
    for name in LIBRARIES:
        importlib.import_module(name)
    from repo_tools import messages  # the catalogue's parts, imported by the first sentence of each
    for info in pkgutil.iter_modules(messages.__path__, "repo_tools.messages."):
        importlib.import_module(info.name)
    from PIL import Image
    Image.init()  # every image plugin, as the first check of an image would load them
    from repo_tools.registry import records
    for model in (records.Unit, records.Person, records.Seal):
        records._adapter(model)


Request = tuple[str, str, str, int, list[str], dict[str, str]]


def parse(body: bytes) -> Request:
    """(package, executable, cwd, umask, argv, env) of a client's request."""
    fields = body.split(b"\0")
    if fields[0] != client.PROTOCOL:
        raise ValueError("protocol")
    text = [f.decode("utf-8", "surrogateescape") for f in fields[1:]]
    package, executable, cwd, mask, argc = text[:5]
    argv = text[5:5 + int(argc)]
    env = dict(item.partition("=")[::2] for item in text[5 + int(argc):])
    return package, executable, cwd, int(mask), argv, env


def read_request(conn: socket.socket) -> tuple[bytes, list[int]]:
    """The request and the three standard streams' descriptors passed with it."""
    fds = array.array("i")
    data, ancillary, _, _ = conn.recvmsg(65536, socket.CMSG_LEN(3 * fds.itemsize))
    for level, kind, payload in ancillary:
        if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
            fds.frombytes(payload[:len(payload) - len(payload) % fds.itemsize])
    if len(data) < 4:
        raise ValueError("short")
    size = struct.unpack("!I", data[:4])[0]
    body = data[4:] + client.receive(conn, size - (len(data) - 4))
    return body, list(fds)


def run_child(conn: socket.socket, request: Request, fds: list[int]) -> None:
    """In the forked child: become the hook run the client described, run it, report, exit."""
    code = 1
    try:
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)  # subprocess must be able to wait
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        for listener in _listening:
            listener.close()
        conn.settimeout(None)
        _, _, cwd, mask, argv, env = request
        for target, fd in enumerate(fds[:3]):
            os.dup2(fd, target)
        for fd in fds:
            os.close(fd)
        os.chdir(cwd)
        os.umask(mask)
        os.environ.clear()
        os.environ.update(env)
        os.environ["PYDANTIC_DISABLE_PLUGINS"] = "__all__"
        sys.argv = ["repo_tools.hook", *argv]
        conn.sendall(b"R")
        from repo_tools.hook.entry import main
        try:
            code = main(argv)
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 1
        except BaseException:  # noqa: BLE001 - as an uncaught error ends a hook: trace, refuse
            import traceback
            traceback.print_exc()
            code = 1
    finally:
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        except (OSError, ValueError):
            pass
        try:
            conn.sendall(struct.pack("!i", code))
        except OSError:
            pass
        os._exit(code)


def answer(conn: socket.socket, stamp: tuple[int, int]) -> bool:
    """Serve one connection; False when this server should leave (stale or asked to stop)."""
    creds = conn.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i"))
    if struct.unpack("3i", creds)[1] != os.getuid():
        return True
    try:
        body, fds = read_request(conn)
    except (OSError, ValueError, struct.error):
        return True
    try:
        if body == client.STOP:
            return False
        request = parse(body)
        package, executable = request[:2]
        if len(fds) != 3 or package != str(PACKAGE) or executable != sys.executable:
            conn.sendall(b"S")
            return True
        if source_stamp() != stamp:
            conn.sendall(b"S")
            return False
        if os.fork() == 0:
            run_child(conn, request, fds)
        return True
    except (OSError, ValueError):
        return True
    finally:
        for fd in fds:
            try:
                os.close(fd)
            except OSError:
                pass


def bind(path: str) -> socket.socket | None:
    """The listening socket, unless a live server already holds the path."""
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        listener.bind(path)
    except OSError:
        probe = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            probe.connect(path)
            return None  # another server answers: leave it to that one
        except OSError:
            os.unlink(path)  # left by a server that died
            listener.bind(path)
        finally:
            probe.close()
    os.chmod(path, 0o600)
    listener.listen(64)
    return listener


def serve(path: str, idle: float) -> None:
    if not client.private_dir(path):
        return
    os.environ["PYDANTIC_DISABLE_PLUGINS"] = "__all__"  # as in hook/__main__.py, before preload
    stamp = source_stamp()
    preload()
    import fcntl
    with open(path + ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # two servers started at once: one binds
        listener = bind(path)
    if listener is None:
        return
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # children are reaped by the kernel
    listener.settimeout(idle)
    _listening.append(listener)
    try:
        while True:
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                break
            conn.settimeout(REQUEST_SECONDS)
            try:
                if not answer(conn, stamp):
                    break
            finally:
                conn.close()
    finally:
        listener.close()
        try:
            os.unlink(path)
        except OSError:
            pass


def stop(path: str | None = None) -> bool:
    """Ask the server at `path` (by default: of this interpreter and installation) to leave;
    True if one was there."""
    path = path or client.socket_path(sys.executable, str(PACKAGE))
    conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        conn.connect(path)
        conn.sendall(client.frame(client.STOP))
        conn.recv(1)  # the server closes without an answer once it has read the request
        return True
    except OSError:
        return False
    finally:
        conn.close()


if __name__ == "__main__":
    serve(sys.argv[1], float(sys.argv[2]) if len(sys.argv) > 2 else client.IDLE_SECONDS)
