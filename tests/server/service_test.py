"""The city as a service: a real sshd on 127.0.0.1, real gitolite3, real gpg-agents serving each
person's authentication subkey, and real Unix accounts for the people (created here, removed
after). The served city is built once for the module; every test acts on it over SSH. What a
test needs that another one makes too (the clones, the sealed notice, the clerk's clone, the
archive, unit ssx, the witnesses) is a module fixture built when first asked, never another
test's side effect: each test passes alone and in any order, and none skips as root."""
from __future__ import annotations

import os
import pwd
import secrets
import shlex
import shutil
import socket
import subprocess
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import yaml
from fixtures import PROJECT_ROOT, short_tmpdir

from repo_tools import city as city_mod
from repo_tools.archive.vocabulary import SAFETY
from repo_tools.city import City
from repo_tools.identity import keys
from repo_tools.messages import Refused, render
from repo_tools.server import service
from repo_tools.server.layout import ServiceLayout
from repo_tools.server.remote import RemoteCity
from repo_tools.server.setup import install_interpreter, setup

# One served city for the module: under xdist (`make test`: -n 2 --dist loadgroup) every test of
# the module runs on the same worker, so the city is built once and no test waits for another's.
pytestmark = [pytest.mark.skipif(os.geteuid() != 0, reason="需要 root：测试要建立 Unix 账户并运行 sshd"),
              pytest.mark.xdist_group("served")]

PROJECT = PROJECT_ROOT
DENIED = "拒绝（{}）：{}{}".format(*render("ssh-denied"))
GIT_ONLY = "拒绝（{}）：{}{}".format(*render("ssh-git-only"))


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Person:
    """A registered person with their own Unix account, GnuPG home and gpg-agent."""
    id: str
    account: str
    home: Path
    gnupghome: Path
    fingerprint: str = ""


@dataclass
class Served:
    root: Path
    base: Path
    account: str
    port: int
    python: Path
    people: dict[str, Person]
    known_hosts: Path

    def url(self, repo: str) -> str:
        return f"ssh://{self.account}@127.0.0.1:{self.port}/{repo}"

    def env(self, person: Person) -> dict[str, str]:
        sock = person.gnupghome / "S.gpg-agent.ssh"
        ssh = (f"ssh -p {self.port} -o UserKnownHostsFile={self.known_hosts} -o StrictHostKeyChecking=yes "
               "-o BatchMode=yes -o IdentitiesOnly=no -o IdentityFile=none")
        return {"HOME": str(person.home), "GNUPGHOME": str(person.gnupghome), "SSH_AUTH_SOCK": str(sock),
                "GIT_SSH_COMMAND": ssh, "LANG": "C.UTF-8", "PATH": "/usr/bin:/bin",
                "GIT_TERMINAL_PROMPT": "0"}

    def run(self, person: Person, *args: str, cwd: Path | None = None, input: bytes | None = None
            ) -> subprocess.CompletedProcess[str]:
        """Run a command as the person's own Unix account, with their agent."""
        env = self.env(person)
        cmd = ["/usr/sbin/runuser", "-u", person.account, "--", "env", *[f"{k}={v}" for k, v in env.items()], *args]
        return subprocess.run(cmd, cwd=cwd or person.home, capture_output=True, text=True)

    def ssh(self, person: Person, *args: str) -> subprocess.CompletedProcess[str]:
        return self.run(person, "sh", "-c", self.env(person)["GIT_SSH_COMMAND"] + " "
                        + " ".join(shlex.quote(a) for a in args))

    def git(self, person: Person, *args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
        return self.run(person, "git", *args, cwd=cwd)

    def commit_file(self, person: Person, work: Path, name: str, text: str, message: str,
                    branch: str | None = None) -> None:
        """A signed commit of one file in the person's clone (on a new `branch` from origin/main)."""
        if branch:
            assert self.git(person, "checkout", "-qB", branch, "origin/main", cwd=work).returncode == 0
        (work / name).write_text(text)
        os.chown(work / name, pwd.getpwnam(person.account).pw_uid, -1)
        self.git(person, "add", name, cwd=work)
        assert self.git(person, "commit", "-qm", message, cwd=work).returncode == 0

    def log_lines(self) -> int:
        return len((self.root / "log" / "events.jsonl").read_bytes().splitlines())


def _oa_as(python: Path, person: Person, *args: str, served: Served | None = None) -> subprocess.CompletedProcess[str]:
    env = {"HOME": str(person.home), "GNUPGHOME": str(person.gnupghome), "LANG": "C.UTF-8",
           "PATH": "/usr/bin:/bin"}
    if served:
        env = served.env(person)
    code = "import sys; from repo_tools.cli import main; sys.argv[0] = 'oa'; main()"
    cmd = ["/usr/sbin/runuser", "-u", person.account, "--", "env", *[f"{k}={v}" for k, v in env.items()],
           str(python), "-c", code, *args]
    return subprocess.run(cmd, capture_output=True, text=True)


PEOPLE = [("ssa", "lagov", "甲作者", ["author", "seal-custodian"]),
          ("ssb", "jyj", "乙收文", ["author", "clerk"]),
          ("ssc", "lagov", "丙审核", ["reviewer"]),
          ("ssd", "lagov", "戊主任", ["reviewer", "archivist"]),  # the leader: signs off (签发), archives
          ("sse", "jyj", "己作者", ["author"]),  # these two lose their access in the revocation test
          ("ssf", "lagov", "庚审核", ["reviewer"])]


def _people_machines(base: Path, tag: str, people: dict[str, Person], created: list[str]) -> Path:
    """Each person's Unix account, and their key made by `oa user keygen` as that account into
    their own GnuPG home (all at once: each is its own process). Returns their `oa`'s python."""
    # People's own `oa`: Debian's python, readable by every account (not root's pyenv).
    python = install_interpreter(base / "cv", base / "ca")
    # compiled once here: the people's accounts cannot write beside root's copy of the code
    subprocess.run([str(python), "-m", "compileall", "-q", str(base / "ca")], check=True, capture_output=True)
    subprocess.run(["chmod", "-R", "go+rX", str(base / "cv"), str(base / "ca")], check=True)
    running = []
    with ThreadPoolExecutor(len(PEOPLE)) as pool:
        for pid, _unit, name, _roles in PEOPLE:
            acct = f"{pid}{tag}"
            home = base / pid
            subprocess.run(["useradd", "--create-home", "--home-dir", str(home), "--shell", "/bin/sh", acct],
                           check=True, capture_output=True)
            created.append(acct)
            person = Person(pid, acct, home, home / "g")
            running.append((person, pool.submit(_oa_as, python, person, "--json", "user", "keygen", "--name", name,
                                                "--out", str(home / "key.asc"), "--gnupghome", str(person.gnupghome))))
    for person, future in running:
        done = future.result()
        assert done.returncode == 0, done.stderr
        person.fingerprint = yaml.safe_load(done.stdout)["fingerprint"]
        people[person.id] = person
    return python


@dataclass(frozen=True)
class _Batch(City):
    """A city whose registry changes are gathered, to be pushed as one (the test's set-up)."""
    changes: dict[str, bytes | None] = field(default_factory=dict)

    def change_registry(self, actor: str, changes: dict[str, bytes | None], message: str) -> str:
        self.changes.update(changes)
        return ""


def _remove_account(account: str, home: bool) -> None:
    """End the account's processes and remove it. userdel refuses an account a process still
    runs as, and after a plain `pkill` (TERM: gpg-agent, for one, first finishes its open
    connections) accounts stayed behind run after run. These are the test's own throw-away
    accounts: KILL, and userdel -f when a process has not gone yet (the base folder, homes
    included, is removed after), and the hook server's socket folder of the account goes too
    (the KILL leaves its socket behind)."""
    try:
        uid: int | None = pwd.getpwnam(account).pw_uid
    except KeyError:
        uid = None
    subprocess.run(["pkill", "-KILL", "-u", account], capture_output=True)
    if uid is not None:
        shutil.rmtree(f"/tmp/oa-hooks-{uid}", ignore_errors=True)
    if subprocess.run(["userdel", *(["-r"] if home else []), account], capture_output=True).returncode != 0 \
            and subprocess.run(["getent", "passwd", account], capture_output=True).returncode == 0:
        subprocess.run(["userdel", "-f", *(["-r"] if home else []), account], capture_output=True)


@pytest.fixture(scope="module")
def served() -> Iterator[Served]:
    if not (Path("/usr/sbin/sshd").exists() and Path("/usr/bin/gitolite").exists()):
        subprocess.run(["bash", str(PROJECT / "scripts" / "setup-system.sh")], check=True)
    base = short_tmpdir("oas")
    os.chmod(base, 0o755)
    tag = secrets.token_hex(2)
    account = f"oasvc{tag}"
    people: dict[str, Person] = {}
    created: list[str] = []
    root = base / "c"
    try:
        # The people's own machines (their Unix accounts, their `oa`, their keys made by `oa user
        # keygen`) are made in a thread while the e-gov office builds the city beside it.
        with ThreadPoolExecutor(1) as pool:
            machines = pool.submit(_people_machines, base, tag, people, created)
            city = city_mod.init(root)
            city_mod.add_unit(city, "admin", "lagov", "六安市人民政府办公室", ["六政办"], "city")
            city_mod.add_unit(city, "admin", "jyj", "六安市教育局", ["六教"], "department")
            city_mod.add_unit(city, "admin", "jaq", "金安区人民政府", ["金政"], "county")  # no clerk yet
            python = machines.result()
        batch = _Batch(city.root)  # every person in one registry push (add_user's own checks kept)
        for pid, unit, name, roles in PEOPLE:
            city_mod.add_user(batch, "admin", pid, name, unit, roles, key_file=people[pid].home / "key.asc")
        city_mod.add_user(batch, "admin", "jyjadm", "丁管理", "jyj", ["admin"])  # approves jyj's applications
        city.change_registry("admin", batch.changes, "登记测试人员")
        city_mod.set_unit_leader(city, "admin", "lagov", "ssd")
        city.stop_agents()
        port = _free_port()
        setup(root, account=account, port=port, listen="127.0.0.1", hand_over=base / "keys")
        layout = ServiceLayout(root)
        known = base / "known_hosts"
        known.write_text(f"[127.0.0.1]:{port} {(layout.host_key.with_suffix('.pub')).read_text()}")
        os.chmod(known, 0o644)
        # The custodian keeps the unit's seal key in their own GnuPG home (never on the server).
        seal_home = base / "keys" / "seals" / "lagov-1" / "gnupg"
        seal_fpr = keys.keyring(seal_home).list_keys(secret=True)[0]["fingerprint"]
        secret = keys.export_secret(seal_home, seal_fpr)
        keys.stop_agent(seal_home)
        a = people["ssa"]
        (a.home / "seal.asc").write_text(secret)
        os.chown(a.home / "seal.asc", pwd.getpwnam(a.account).pw_uid, -1)
        got = subprocess.run(["/usr/sbin/runuser", "-u", a.account, "--", "env", f"GNUPGHOME={a.gnupghome}",
                              "gpg", "--batch", "--import", str(a.home / "seal.asc")], capture_output=True)
        assert got.returncode == 0, got.stderr
        (a.home / "seal.asc").unlink()
        service.start(root)
        yield Served(root, base, account, port, python, people, known)
    finally:
        if root.exists() and ServiceLayout(root).is_served():
            try:
                service.stop(root)
            except Refused:
                pass
        for person in people.values():
            subprocess.run(["/usr/sbin/runuser", "-u", person.account, "--", "env", f"GNUPGHOME={person.gnupghome}",
                            "gpgconf", "--kill", "all"], capture_output=True)
        for acct in created:
            _remove_account(acct, home=True)  # only this test's own accounts
        if (base / "keys").exists():
            for home in (base / "keys").glob("*/*/gnupg"):
                keys.stop_agent(home)
        _remove_account(account, home=False)  # its processes: e.g. a detached site build
        shutil.rmtree(base, ignore_errors=True)


def test_status_says_what_runs_in_chinese(served: Served) -> None:
    report = service.status(served.root)
    assert report.ok, report.text()
    assert "sshd 运行中" in report.text() and "服务器不保存任何个人或印章私钥" in report.text()
    assert not list((served.root / "people").glob("*/gnupg"))


def test_the_hooks_interpreter_has_the_libraries_the_project_runs_with_and_no_tools(served: Served) -> None:
    """set-up copies the libraries the project needs (with the extras they name: Pagefind's
    binary for the site build) and their compiled modules, never the developer's tools."""
    site = next((ServiceLayout(served.root).venv / "lib").glob("python3.*/site-packages"))
    names = {p.name for p in site.iterdir()}
    for needed in ("yaml", "gnupg.py", "mkdocs", "pagefind", "pagefind_bin_extended", "cryptography", "weasyprint"):
        assert needed in names, needed
    assert list((site / "yaml").glob("__pycache__/*.pyc"))
    for tool in ("mypy", "ruff", "_pytest", "playwright", "pip", "xdist"):
        assert tool not in names, tool
    got = subprocess.run([str(ServiceLayout(served.root).python), "-I", "-c", "import repo_tools.cli, mkdocs, pagefind"],
                         capture_output=True, text=True)
    assert got.returncode == 0, got.stderr


def test_member_clones_and_pushes_signed_over_ssh(served: Served) -> None:
    a = served.people["ssa"]
    work = a.home / "w-push"
    got = served.git(a, "clone", "-q", served.url("lagov"), str(work))
    assert got.returncode == 0, got.stderr
    for key, value in (("user.signingkey", a.fingerprint), ("user.name", "甲作者"),
                       ("user.email", "ssa@lagov.oa.local"), ("commit.gpgSign", "true")):
        served.git(a, "config", key, value, cwd=work)
    served.commit_file(a, work, "note.md", "草稿\n", "草稿")
    before = served.log_lines()
    pushed = served.git(a, "push", "--signed", "origin", "HEAD:refs/heads/draft/ssh", cwd=work)
    assert pushed.returncode == 0, pushed.stderr
    assert served.log_lines() == before + 1
    # The refusal of an unsigned push arrives over SSH in Chinese, and nothing changes.
    unsigned = served.git(a, "push", "origin", "HEAD:refs/heads/draft/unsigned", cwd=work)
    assert unsigned.returncode != 0 and "推送被拒绝" in unsigned.stderr and "推送证书" in unsigned.stderr
    refs = served.git(a, "ls-remote", served.url("lagov"))
    assert "draft/ssh" in refs.stdout and "draft/unsigned" not in refs.stdout
    assert served.log_lines() == before + 1


def test_other_unit_learns_nothing(served: Served) -> None:
    b = served.people["ssb"]
    results = [served.git(b, "clone", "-q", served.url(repo), str(b.home / f"x-{repo}"))
               for repo in ("lagov", "nosuchunit")]
    fetch = served.git(b, "ls-remote", served.url("lagov"))
    push = served.ssh(b, f"{served.account}@127.0.0.1", "git-receive-pack '/lagov'")
    # Real `git fetch` and `git push` from a repository of their own, signed, as Git runs them.
    own = b.home / "x-own"
    assert served.git(b, "init", "-q", str(own)).returncode == 0
    real_fetch = served.git(b, "fetch", served.url("lagov"), "refs/heads/main", cwd=own)
    served.git(b, "-c", "user.name=乙", "-c", "user.email=b@x", "commit", "-q", "--allow-empty", "-m", "x", cwd=own)
    real_push = served.git(b, "push", served.url("lagov"), "HEAD:refs/heads/draft/intruder", cwd=own)
    for got in (*results, fetch, push, real_fetch, real_push):
        assert got.returncode != 0
        assert DENIED in got.stderr
        assert "lagov" not in got.stderr and "nosuchunit" not in got.stderr and "FATAL" not in got.stderr
    assert results[0].stderr.replace("x-lagov", "x") == results[1].stderr.replace("x-nosuchunit", "x")
    assert not (b.home / "x-lagov").exists()
    assert "draft/intruder" not in _service_refs(served, "lagov", "refs/heads/")
    # Their own unit and the registry are readable.
    assert served.git(b, "ls-remote", served.url("jyj")).returncode == 0
    assert served.git(b, "ls-remote", served.url("registry")).returncode == 0
    assert DENIED in served.ssh(b, f"{served.account}@127.0.0.1", "git-receive-pack '/registry'").stderr


def test_no_shell_and_no_command_but_git(served: Served) -> None:
    b = served.people["ssb"]
    for command in ("", "id", "sh -c id", "git-upload-pack '/jyj'; id", "info", "help",
                    "oa-log", "oa-log since 0 - 0", "oa-log since 0 -; id", "oa-log cosign ../jyj"):
        got = served.ssh(b, f"{served.account}@127.0.0.1", *([command] if command else []))
        assert got.returncode != 0
        assert "uid=" not in got.stdout
        assert GIT_ONLY in got.stderr or DENIED in got.stderr
    # No forwarding: a stdio forward to the server's own sshd port is refused by the server.
    forward = served.run(b, "sh", "-c", served.env(b)["GIT_SSH_COMMAND"]
                         + f" -W 127.0.0.1:{served.port} {served.account}@127.0.0.1 </dev/null")
    assert forward.returncode != 0 and "SSH-2.0" not in forward.stdout
    assert "prohibited" in forward.stderr or "open failed" in forward.stderr


def test_no_file_of_the_city_is_readable_by_a_person(served: Served) -> None:
    a = served.people["ssa"]
    for path in (served.root, served.root / "log" / "events.jsonl", served.root / "registry.git" / "config",
                 served.root / "server" / "gnupg", served.root / "units" / "lagov.git" / "HEAD"):
        got = served.run(a, "cat", str(path))
        assert got.returncode != 0 and "ermission denied" in got.stderr, path
    info = served.root.stat()
    assert info.st_uid == pwd.getpwnam(served.account).pw_uid and (info.st_mode & 0o077) == 0


def test_a_key_without_auth_subkey_cannot_be_registered(ws) -> None:  # type: ignore[no-untyped-def]
    home = short_tmpdir("oak")
    try:
        subprocess.run(["gpg", "--batch", "--passphrase", "", "--quick-gen-key", "无认证 <n@x>", "ed25519", "sign", "0"],
                       env={**os.environ, "GNUPGHOME": str(home)}, check=True, capture_output=True)
        fpr = keys.keyring(home).list_keys()[0]["fingerprint"]
        key_file = home / "k.asc"
        key_file.write_text(keys.export_public(home, fpr))
        before = ws.city.registry().commit
        with pytest.raises(Refused) as caught:
            city_mod.add_user(ws.city, "admin", "noauth", "无认证", "jyj", ["author"], key_file=key_file)
        assert caught.value.rule == "key-no-auth"
        assert ws.city.registry().commit == before
    finally:
        keys.stop_agent(home)
        shutil.rmtree(home, ignore_errors=True)


def _oa(served: Served, person: Person, *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    code = "import sys; from repo_tools.cli import main; sys.argv[0] = 'oa'; main()"
    return served.run(person, str(served.python), "-c", code, *args, cwd=cwd)


@dataclass
class Sealed:
    """lagov's notice sealed over SSH: the clones of its author (the custodian), reviewer and
    leader, and the sealing merge on the service's main."""
    clones: dict[str, Path]
    main: str
    body: str


@pytest.fixture(scope="module")
def clones(served: Served) -> dict[str, Path]:
    """`oa clone` of lagov over SSH by its author, reviewer and leader, made once (side by side:
    three people on three machines)."""
    def clone(pid: str) -> Path:
        person, work = served.people[pid], served.people[pid].home / "w-rev"
        got = _oa(served, person, "--as", person.id, "clone", served.url("lagov"), str(work), cwd=person.home)
        assert got.returncode == 0, got.stderr
        return work
    with ThreadPoolExecutor(3) as pool:
        return dict(zip(("ssa", "ssc", "ssd"), pool.map(clone, ("ssa", "ssc", "ssd")), strict=True))


@pytest.fixture(scope="module")
def sealed(served: Served, clones: dict[str, Path]) -> Sealed:
    """Drafted, reviewed, signed off (签发) and sealed over SSH, each from its person's clone."""
    a, c, d = served.people["ssa"], served.people["ssc"], served.people["ssd"]
    wa, wc, wd = clones["ssa"], clones["ssc"], clones["ssd"]
    assert served.git(a, "checkout", "-qb", "draft/notice", "origin/main", cwd=wa).returncode == 0
    made = _oa(served, a, "doc", "new", "--type", "通知", "--title", "六安市人民政府办公室关于测试远程办理的通知",
               "--to", "六安市教育局", "--slug", "ssh-notice", cwd=wa)
    assert made.returncode == 0, made.stderr
    served.git(a, "add", "-A", cwd=wa)
    assert served.git(a, "commit", "-qm", "起草：远程办理通知", cwd=wa).returncode == 0, "commit"
    opened = _oa(served, a, "--json", "review", "open", cwd=wa)
    assert opened.returncode == 0, opened.stderr
    n = str(yaml.safe_load(opened.stdout)["n"])
    approved = _oa(served, c, "review", "approve", n, "--opinion", "同意。", cwd=wc)
    assert approved.returncode == 0, approved.stderr
    signed = _oa(served, d, "review", "sign-off", n, "--opinion", "同意印发。", cwd=wd)
    assert signed.returncode == 0, signed.stderr
    merged = _oa(served, a, "review", "merge", n, cwd=wa)
    assert merged.returncode == 0, merged.stderr
    main = served.git(a, "ls-remote", served.url("lagov"), "refs/heads/main").stdout.split()[0]
    show = served.git(a, "fetch", "-q", "origin", cwd=wa)
    assert show.returncode == 0
    body = served.git(a, "show", f"{main}:documents/{_year()}/ssh-notice/index.md", cwd=wa).stdout
    return Sealed(clones, main, body)


def test_review_and_sealing_merge_over_ssh(sealed: Sealed) -> None:
    assert "number: 六政办〔" in sealed.body


@dataclass(frozen=True)
class _Office(RemoteCity):
    """Two people's machines in one test process: each signs with their own GnuPG home."""
    homes: tuple[tuple[str, Path], ...] = ()

    def person_gnupg(self, user: str) -> Path:
        return dict(self.homes).get(user, self.gnupghome)


def _year() -> int:
    """This year in the city's time zone (the archive's year), not the machine's."""
    from repo_tools import timeutil
    return timeutil.today().year


def test_nonce_made_with_the_pushers_own_seed_is_refused_and_the_real_one_accepted(ws) -> None:  # type: ignore[no-untyped-def]
    """With a path transport the pusher runs receive-pack: a seed of their choosing makes git
    report the nonce OK. The hook re-derives it from the repository's own seed."""
    work = ws.clone("lagov", "zhang")
    ws.commit(work, {"notes/a.md": "草稿\n"})
    before = ws.snapshot()
    forged = ws.push(work, "HEAD:refs/heads/draft/forged", "--receive-pack=git -c receive.certNonceSeed=mine receive-pack")
    assert forged.returncode != 0 and "push-cert-nonce" in forged.stderr and "不是本仓库签发的随机数" in forged.stderr
    assert ws.snapshot() == before
    assert ws.push(work, "HEAD:refs/heads/draft/honest").returncode == 0


@pytest.fixture(scope="module")
def inbox_clone(served: Served) -> Path:
    """jyj's clerk's own clone of jyj, made once over SSH."""
    b = served.people["ssb"]
    wb = b.home / "w-inbox"
    got = _oa(served, b, "--as", "ssb", "clone", served.url("jyj"), str(wb), cwd=b.home)
    assert got.returncode == 0, got.stderr
    return wb


def _inbox_ids(served: Served, wb: Path) -> list[str]:
    listed = _oa(served, served.people["ssb"], "--json", "inbox", "list", cwd=wb)
    assert listed.returncode == 0, listed.stderr
    return [r["id"] for r in yaml.safe_load(listed.stdout)]


def _send(served: Served, wa: Path, to: str, *more: str) -> dict:
    """The custodian sends the sealed notice from their clone; the row `oa send --json` printed."""
    sent = _oa(served, served.people["ssa"], "--json", "send", f"documents/{_year()}/ssh-notice", "--to", to,
               *more, cwd=wa)
    assert sent.returncode == 0, sent.stderr
    return dict(yaml.safe_load(sent.stdout)["sent"][0])


def _sent_row(served: Served, wa: Path, ident: str) -> dict:
    """The sender's view of one delivery (`oa sent --json` in their clone)."""
    back = _oa(served, served.people["ssa"], "--json", "sent", cwd=wa)
    assert back.returncode == 0, back.stderr
    return dict(next(r for r in yaml.safe_load(back.stdout) if r["id"] == ident))


def test_a_delivery_crosses_units_only_through_the_service(served: Served, sealed: Sealed, inbox_clone: Path) -> None:
    """The custodian sends the notice sealed over SSH (the `sealed` fixture) from their own
    clone; jyj's clerk receives it in theirs; the receipt comes back."""
    a, b = served.people["ssa"], served.people["ssb"]
    wa, wb = sealed.clones["ssa"], inbox_clone
    earlier = _inbox_ids(served, wb)  # deliveries other tests of this city made
    ident = _send(served, wa, "jyj")["id"]
    # The sender pushed only to its own repository; the service placed it in jyj's inbox.
    own = served.git(a, "ls-remote", served.url("lagov"), f"refs/outbox/jyj/{ident}").stdout
    assert ident in own
    inbox = _oa(served, b, "--json", "inbox", "list", cwd=wb)
    assert inbox.returncode == 0, inbox.stderr
    rows = [r for r in yaml.safe_load(inbox.stdout) if r["id"] not in earlier]
    assert [r["id"] for r in rows] == [ident] and rows[0]["from"] == "lagov" and rows[0]["status"] == "sent"
    opened = _oa(served, b, "inbox", "open", ident, cwd=wb)
    assert opened.returncode == 0, opened.stderr
    row = _sent_row(served, wa, ident)
    assert row["status"] == "received" and row["received_by"] == "ssb"
    # Registration (登记) from the clerk's clone as well; the sender sees it.
    registered = _oa(served, b, "inbox", "register", ident, cwd=wb)
    assert registered.returncode == 0, registered.stderr
    assert _sent_row(served, wa, ident)["status"] == "registered"
    # The commands' own events were carried in their pushes and written by the service.
    log = _events(served)
    sent_event = [e for e in log if e["type"] == "delivery-sent" and e.get("id") == ident]
    assert len(sent_event) == 1 and sent_event[0]["pushed_by"] == "ssa" and sent_event[0]["to"] == "jyj"
    assert sent_event[0]["commit"].startswith(ident) and sent_event[0]["carried_by"]
    for kind in ("delivery-received", "delivery-registered"):
        found = [e for e in log if e["type"] == kind and e.get("id") == ident]
        assert len(found) == 1 and found[0]["pushed_by"] == "ssb" and found[0]["by"] == "ssb", kind
    # The receiver verifies the delivery from their clone: no access to the sender's repository,
    # the sealed tree the service recorded when it placed the delivery stands in for it.
    checked = _oa(served, b, "--json", "verify", cwd=wb)
    report = yaml.safe_load(checked.stdout)
    received = [d for u in report["units"] for d in u["deliveries"]["received"] if d["id"] == ident]
    assert received and received[0]["document_matches_seal"] and received[0]["sealed_tree_from"] == "log", received
    assert received[0]["sent"]["signer"] == "ssa"
    assert [s["signer"] for s in received[0]["handling"]] == ["ssb", "ssb"]
    # The sender verifies the sealed document from theirs (the witnesses have not cosigned yet
    # in this city: the seal is valid and waits for them, 待见证).
    mine = _oa(served, a, "--json", "verify", f"documents/{_year()}/ssh-notice", cwd=wa)
    doc = yaml.safe_load(mine.stdout)["units"][0]["documents"][0]
    assert doc["sealed"] and (doc["ok"] or doc["pending"]), doc


@pytest.fixture(scope="module")
def archived(served: Served, sealed: Sealed) -> dict:
    """lagov's archivist (the leader also holds the role) archives the year over SSH, once;
    the package as `oa archive run --json` printed it."""
    d = served.people["ssd"]
    archived = _oa(served, d, "--json", "archive", "run", str(_year()), cwd=sealed.clones["ssd"])
    assert archived.returncode == 0, archived.stderr
    return dict(yaml.safe_load(archived.stdout))


def test_a_return_and_the_archive_from_clones_over_ssh(served: Served, sealed: Sealed, inbox_clone: Path,
                                                      archived: dict) -> None:
    """A delivery of the notice is returned (退文) by jyj's clerk from their clone; lagov's
    archivist archives the year from theirs; the service logs what each command carried."""
    a, b = served.people["ssa"], served.people["ssb"]
    wa, wb = sealed.clones["ssa"], inbox_clone
    ident = _send(served, wa, "jyj")["id"]
    assert _oa(served, b, "inbox", "open", ident, cwd=wb).returncode == 0
    no_reason = _oa(served, b, "inbox", "return", ident, "--reason", " ", cwd=wb)
    assert no_reason.returncode == 1 and "理由" in no_reason.stderr
    returned = _oa(served, b, "inbox", "return", ident, "--reason", "主送机关有误。", cwd=wb)
    assert returned.returncode == 0, returned.stderr
    row = _sent_row(served, wa, ident)
    assert row["status"] == "returned" and row["reason"] == "主送机关有误。"
    found = [e for e in _events(served) if e["type"] == "delivery-returned" and e.get("id") == ident]
    assert len(found) == 1 and found[0]["reason"] == "主送机关有误。" and found[0]["pushed_by"] == "ssb"
    # The archivist (the leader also holds the role) archives the year over SSH; the author
    # may not.
    refused = _oa(served, a, "archive", "run", str(_year()), cwd=wa)  # not an archivist
    assert refused.returncode == 1 and "档案员" in refused.stderr
    package = archived
    assert package["items"] >= 1 and package["tag"] == f"refs/tags/archive/{_year()}"
    assert package["tag"] in _service_refs(served, "lagov", "refs/tags/archive/")
    event = [e for e in _events(served) if e["type"] == "archive" and e.get("tag") == package["tag"]]
    assert len(event) == 1 and event[0]["pushed_by"] == "ssd" and event[0]["commit"] == package["commit"]
    assert event[0]["tag_object"]


def test_the_archivist_verifies_and_exports_the_archive_from_the_clone(served: Served, sealed: Sealed,
                                                                      archived: dict, witnesses: Path) -> None:
    """四性检测 and the BagIt export from the archivist's clone: the log, its checkpoint, the
    cosigned checkpoints and the tiles come over SSH (`oa-log since`), and are checked with the
    log's key from the registry. A tampered copy of the log is refused: the clone's own copy
    changed, or a fresh copy of a log the operator rewrote."""
    d = served.people["ssd"]
    wd = sealed.clones["ssd"]
    assert archived["tag"] in _service_refs(served, "lagov", "refs/tags/archive/")
    copy = wd / ".git" / "oa-city" / "log"
    _witnesses_cosign(served, witnesses)
    verified = _oa(served, d, "--json", "archive", "verify", str(_year()), cwd=wd)
    assert verified.returncode == 0, verified.stdout + verified.stderr
    report = yaml.safe_load(verified.stdout)
    assert report["ok"] and report["packages"] and all(c["ok"] for c in report["checks"].values())
    assert (copy / "checkpoint").is_file() and list((copy / "tile").rglob("*"))
    assert (copy / "events.jsonl").read_bytes() == (served.root / "log" / "events.jsonl").read_bytes()
    bag = d.home / "bag"
    exported = _oa(served, d, "--json", "archive", "export", str(_year()), str(bag), cwd=wd)
    assert exported.returncode == 0, exported.stdout + exported.stderr
    assert yaml.safe_load(exported.stdout)["valid"]
    from repo_tools.log import policy as log_policy
    from repo_tools.log import proof as log_proof
    keys = log_policy.load(_admin_city(served)[1].registry_repo)  # a registry mirror root may read
    proofs = sorted((bag / "data" / "proofs").glob("*.tlog-proof"))
    assert proofs and all(log_proof.check(p.read_text(), keys).ok for p in proofs)
    # The clone's own copy altered (one entry, its length kept: the copy still continues the
    # service's and is not fetched again): refused against the published checkpoint and tiles.
    events = copy / "events.jsonl"
    original = events.read_bytes()
    lines = original.split(b"\n")
    assert b'"seq": 2,' in lines[1]
    lines[1] = lines[1].replace(b'"seq": 2,', b'"seq": 7,', 1)
    events.write_bytes(b"\n".join(lines))
    try:
        refused = _oa(served, d, "--json", "archive", "verify", str(_year()), cwd=wd)
        assert refused.returncode == 1, refused.stdout + refused.stderr
        checks = yaml.safe_load(refused.stdout)["checks"]
        assert not checks[SAFETY]["ok"] and any("日志" in p for p in checks[SAFETY]["problems"]), checks[SAFETY]
    finally:
        events.write_bytes(original)
    # A log the operator rewrote (an old entry changed): a fresh copy of it is refused by the
    # checkpoint the log key signed before, which the rewrite no longer matches.
    server_log = served.root / "log" / "events.jsonl"
    honest = server_log.read_bytes()
    shutil.rmtree(copy)
    rewritten = honest.split(b"\n")
    rewritten[1] = rewritten[1].replace(b'"seq": 2,', b'"seq": 2 ,', 1)
    server_log.write_bytes(b"\n".join(rewritten))
    try:
        refused = _oa(served, d, "--json", "archive", "verify", str(_year()), cwd=wd)
        assert refused.returncode == 1 and not yaml.safe_load(refused.stdout)["ok"], refused.stdout + refused.stderr
        assert (copy / "events.jsonl").read_bytes() == server_log.read_bytes()  # what the service served
    finally:
        server_log.write_bytes(honest)
        shutil.rmtree(copy, ignore_errors=True)
    again = _oa(served, d, "--json", "archive", "verify", str(_year()), cwd=wd)
    assert again.returncode == 0, again.stdout + again.stderr


@pytest.fixture(scope="module")
def witnesses(served: Served) -> Path:
    """Two units' witnesses (the quorum), registered once by the e-gov office over SSH; each
    admin keeps its witness key in its own state folder under the returned one."""
    from repo_tools.log import enrol
    admin, city = _admin_city(served)
    states = served.base / "witness"
    for unit, holder in (("egov", "admin"), ("jyj", "jyjadm")):
        enrol.add_witness(city, "admin", unit, holder, state_dir=states / holder)
    return states


def _witnesses_cosign(served: Served, states: Path) -> None:
    """The witnesses cosign from their admins' own machines: each checks the published
    checkpoint and tiles in its copy and hands in its cosignature over SSH (`oa-log cosign
    UNIT`). A cosignature by a key the registry does not hold for the unit is refused, and the
    checkpoint stays as it was."""
    from repo_tools.log import note, witness
    from repo_tools.server.remote import submit_cosignature
    admin, city = _admin_city(served)
    checkpoint = served.root / "log" / "checkpoint"
    published = note.Note.parse(checkpoint.read_text())
    other = note.Signer.generate(witness.witness_name(note.Checkpoint.parse(published.text).origin, "jyj"),
                                 note.ALG_COSIGNATURE_V1)
    before = checkpoint.read_bytes()
    with pytest.raises(Refused) as refused:
        submit_cosignature(city.root, "jyj", note.Note(published.text, (note.cosign(published.text, other, 1),)).encode())
    assert refused.value.rule == "cosignature-invalid" and checkpoint.read_bytes() == before
    for unit, holder in (("egov", "admin"), ("jyj", "jyjadm")):
        done = witness.run(city.root, city.registry_repo, unit, holder, states / holder)
        assert done.size == served.log_lines()
    cosigned = note.Note.parse(checkpoint.read_text())
    from repo_tools.log import policy as log_policy
    assert log_policy.load(city.registry_repo).witnessed(cosigned)  # the keys in the registry
    assert (served.root / "log" / "checkpoints" / str(served.log_lines())).is_file()


def test_a_cosignature_over_ssh_needs_the_units_key_the_current_checkpoint_and_a_new_time(
        served: Served, witnesses: Path) -> None:
    """`oa-log cosign UNIT` takes a cosignature only when it verifies with UNIT's registered
    witness key and is for the current checkpoint, and never lets an older one (a replay)
    replace the witness's newer one. Every refusal arrives over SSH and leaves the published
    checkpoint byte for byte as it was; the witness's own cosignature is taken, and taken
    again unchanged."""
    from repo_tools.log import note, witness
    from repo_tools.server.remote import submit_cosignature
    admin, city = _admin_city(served)
    checkpoint = served.root / "log" / "checkpoint"
    done = witness.run(city.root, city.registry_repo, "jyj", "jyjadm", witnesses / "jyjadm")  # accepted
    assert done.size == served.log_lines()
    text = note.Note.parse(checkpoint.read_text()).text
    jyj = note.Signer.parse(witness.key_file(witnesses / "jyjadm", "jyj").read_text())
    egov = note.Signer.parse(witness.key_file(witnesses / "admin", "egov").read_text())
    other = note.Checkpoint.parse(text)
    older = note.Checkpoint(other.origin, other.size, bytes(32)).text()   # another tree's checkpoint
    ours = note.cosign(text, jyj, done.timestamp)
    before = checkpoint.read_bytes()
    assert note.Note.parse(before.decode()).cosignature_by(jyj.verifier) == done.timestamp
    tries: list[tuple[str, bytes, str]] = [
        ("jyj", note.Note(text, (note.cosign(text, egov, done.timestamp + 1),)).encode().encode(), "cosignature-invalid"),
        ("egov", note.Note(text, (note.cosign(text, jyj, done.timestamp + 1),)).encode().encode(), "cosignature-invalid"),
        ("jyj", note.Note(older, (note.cosign(older, jyj, done.timestamp + 1),)).encode().encode(), "cosignature-stale"),
        ("jyj", note.Note(text, (note.cosign(text, jyj, done.timestamp - 60),)).encode().encode(), "cosignature-replayed"),
        ("jyj", note.Note(text, (ours, note.cosign(text, egov, 5))).encode().encode(), "cosignature-invalid"),
        ("jyj", b"\xff\xfe not a note", "cosignature-invalid"),
        ("jyj", text.encode() + b"\n\xe2\x80\x94 x y\n", "cosignature-invalid"),
        ("jyj", note.Note(text, (ours,)).encode().encode() + b"x" * (70 * 1024), "cosignature-invalid"),
    ]
    for unit, data, rule in tries:
        with pytest.raises(Refused) as refused:
            submit_cosignature(city.root, unit, data.decode("utf-8", "replace"))
        assert refused.value.rule == rule, (unit, data[:60], refused.value.rule)
        assert checkpoint.read_bytes() == before
    # The witness's own cosignature again (a retried hand-in): taken, and nothing changes.
    submit_cosignature(city.root, "jyj", note.Note(text, (ours,)).encode())
    assert checkpoint.read_bytes() == before
    # Malformed input, sent by a person with nothing but ssh: one Chinese line (no traceback).
    a = served.people["ssa"]
    for data in (b"", *(data for _unit, data, _rule in tries[-3:])):
        got = subprocess.run(["/usr/sbin/runuser", "-u", a.account, "--", "env",
                              *[f"{k}={v}" for k, v in served.env(a).items()], "sh", "-c",
                              served.env(a)["GIT_SSH_COMMAND"] + f" {served.account}@127.0.0.1 'oa-log cosign jyj'"],
                             input=data, capture_output=True)
        err = got.stderr.decode("utf-8", "replace")
        assert got.returncode != 0 and "Traceback" not in err and "联署签名不能用登记的见证公钥验证" in err, err
        assert checkpoint.read_bytes() == before


def test_the_site_is_built_by_the_service(served: Served, sealed: Sealed) -> None:
    """A clone holds one unit: `oa site build` there is refused with the reason; the service
    built the site after the seal merge moved lagov's main, and `oa server publish` builds now."""
    a = served.people["ssa"]
    wa = sealed.clones["ssa"]
    got = _oa(served, a, "site", "build", cwd=wa)
    assert got.returncode == 1 and "site-built-by-service" in got.stderr and "oa server publish" in got.stderr
    index = served.root / "site" / "index.html"
    import time
    for _ in range(600):  # the detached build started by post-receive (the push did not wait)
        if index.exists():
            break
        time.sleep(0.5)
    log = served.root / "server" / "publish" / "build.log"
    assert index.exists(), log.read_text() if log.exists() else "no build log"
    assert index.stat().st_uid == pwd.getpwnam(served.account).pw_uid  # the service's file
    pages = [p for p in (served.root / "site").rglob("*.html") if "ssh-notice" in str(p)]
    assert pages, "the sealed notice has its page"
    before = index.stat().st_mtime_ns
    from repo_tools.server.publish import run_as_service
    run_as_service(served.root)
    assert index.stat().st_mtime_ns >= before and index.stat().st_uid == pwd.getpwnam(served.account).pw_uid


def _events(served: Served) -> list[dict]:
    """The city's log as the service wrote it (read by root, the operator, for the assertion)."""
    import json
    return [json.loads(line) for line in (served.root / "log" / "events.jsonl").read_text().splitlines() if line]


def test_an_event_a_person_forges_in_a_push_option_is_refused(served: Served, clones: dict[str, Path]) -> None:
    """Events ride in the signed push certificate; one a command may not report (here a
    `push`, with a time of its own) is refused with the whole push, and nothing changes."""
    import base64
    import json
    a = served.people["ssa"]
    work = clones["ssa"]
    served.commit_file(a, work, "forged.md", "伪造事件\n", "草稿：伪造事件", branch="draft/forged-event")
    before, lines = _service_refs(served, "lagov", "refs/heads/"), served.log_lines()
    for forged in ({"type": "push", "objects": []}, {"type": "merge", "time": "2000-01-01T00:00:00+08:00"}):
        option = "oa-event=" + base64.b64encode(json.dumps(forged).encode()).decode()
        got = served.git(a, "push", "--signed", "-o", option, "origin", "HEAD:refs/heads/draft/forged-event", cwd=work)
        assert got.returncode != 0 and "carried-event-invalid" in got.stderr, got.stderr
    assert _service_refs(served, "lagov", "refs/heads/") == before and served.log_lines() == lines
    served.git(a, "checkout", "-q", "main", cwd=work)


@dataclass
class Added:
    """The unit ssx, registered over SSH by the e-gov admin: what the log gained and what
    gitolite's conf said right after the registry push."""
    events: list[dict]
    conf: str


@pytest.fixture(scope="module")
def ssx(served: Served) -> Added:
    admin, city = _admin_city(served)
    before = served.log_lines()
    city_mod.add_unit(city, "admin", "ssx", "六安市测试局", ["六测"], "department")
    return Added(_events(served)[before:], ServiceLayout(served.root).gitolite_conf.read_text())


def test_unit_add_over_ssh_creates_the_repository_on_the_server(served: Served, ssx: Added) -> None:
    """The e-gov admin registers a unit from their own machine: the service creates the bare
    repository when the registry push lands, the admin pushes its first signed commit through
    its hook, and then loses write access to it (nobody writes another unit's repository)."""
    admin, city = _admin_city(served)
    repo = served.root / "units" / "ssx.git"
    assert repo.is_dir() and _service_refs(served, "ssx", "refs/heads/").split() == ["refs/heads/main"]
    assert (repo / "hooks" / "update").is_symlink() and (repo / "hooks" / "pre-receive").is_symlink()
    log = ssx.events
    assert [e["repo"] for e in log if e["type"] == "push"] == ["registry", "ssx"]
    assert service.status(served.root).ok, service.status(served.root).text()
    for conf in (ssx.conf, ServiceLayout(served.root).gitolite_conf.read_text()):
        block = conf.split("repo ssx\n", 1)[1].split("\n\n", 1)[0]
        assert "admin" not in block  # the admin's write access ended with the first commit
    denied = subprocess.run(["sh", "-c", f"{city.ssh} {served.account}@127.0.0.1 \"git-upload-pack '/ssx'\" </dev/null"],
                            capture_output=True, text=True)
    assert denied.returncode != 0 and DENIED in denied.stderr


def _admin_city(served: Served) -> tuple[Person, RemoteCity]:
    """The e-gov admin on their own machine: the admin's key was handed over by set-up."""
    from repo_tools.server.identity import enable_ssh
    from repo_tools.server.remote import prepare, sync
    admin = Person("admin", "root", served.base / "adm", served.base / "keys" / "people" / "admin" / "gnupg")
    admin.home.mkdir(exist_ok=True)
    fpr = keys.keyring(admin.gnupghome).list_keys(secret=True)[0]["fingerprint"]
    sock = enable_ssh(admin.gnupghome, fpr)
    ssh = f"SSH_AUTH_SOCK={sock} ssh -p {served.port} -o UserKnownHostsFile={served.known_hosts} -o BatchMode=yes"
    if (admin.home / "city").exists():
        return admin, sync(admin.home / "city")
    return admin, prepare(admin.home / "city", served.url("egov"), admin.gnupghome, ssh, [])


def _service_refs(served: Served, unit: str, prefix: str) -> str:
    """What the service's repository holds (read by root, the operator, for the assertion)."""
    return subprocess.run(["git", "-c", "safe.directory=*", "--git-dir", str(served.root / "units" / f"{unit}.git"),
                           "for-each-ref", "--format=%(refname)", prefix], capture_output=True, text=True).stdout


@contextmanager
def _newcomer(name: str, email: str) -> Iterator[Path]:
    """A person not yet registered, on their own machine: a GnuPG home with their new key and
    its public half in `k.asc` (for the e-gov office), removed afterwards."""
    home = short_tmpdir("oan")
    try:
        fpr = keys.generate(home, name, email)
        (home / "k.asc").write_text(keys.export_public(home, fpr))
        yield home
    finally:
        keys.stop_agent(home)
        shutil.rmtree(home, ignore_errors=True)


def test_a_queued_delivery_arrives_when_the_receiver_gains_a_clerk(served: Served, sealed: Sealed) -> None:
    a = served.people["ssa"]
    wa = sealed.clones["ssa"]
    sent = _oa(served, a, "--json", "send", f"documents/{_year()}/ssh-notice", "--to", "jaq", cwd=wa)
    assert sent.returncode == 0, sent.stderr
    row = yaml.safe_load(sent.stdout)["sent"][0]
    assert row["queued"] is True and yaml.safe_load(sent.stdout)["queued"] == ["jaq"]
    assert _service_refs(served, "jaq", "refs/inbox/") == ""  # Art. 27: no clerk, nothing placed
    # The e-gov office registers jaq's clerk (a registry push over SSH): the service places it.
    admin, city = _admin_city(served)
    with _newcomer("金安收文", "clerk@jaq.oa.local") as home:
        city_mod.add_user(city, "admin", "jaqclerk", "金安收文", "jaq", ["clerk"], key_file=home / "k.asc")
    assert _service_refs(served, "jaq", "refs/inbox/").split() == [f"refs/inbox/lagov/{row['id']}"]
    back = _oa(served, a, "--json", "sent", cwd=wa)
    mine = [r for r in yaml.safe_load(back.stdout) if r["id"] == row["id"]]
    assert len(mine) == 1 and mine[0]["queued"] is False


def test_a_resend_request_over_ssh_is_reflected_to_the_sender(served: Served, sealed: Sealed,
                                                               inbox_clone: Path) -> None:
    """请求重发 (Art. 29) from the receiving clerk's clone; the sender sees it in `oa sent` and
    resends from theirs; both steps logged from what their pushes carried."""
    a, b = served.people["ssa"], served.people["ssb"]
    wa, wb = sealed.clones["ssa"], inbox_clone
    ident = _send(served, wa, "jyj")["id"]
    assert _oa(served, b, "inbox", "open", ident, cwd=wb).returncode == 0  # 签收 first (Art. 29)
    asked = _oa(served, b, "inbox", "resend-request", ident, "--reason", "附件无法打开。", cwd=wb)
    assert asked.returncode == 0, asked.stderr
    row = _sent_row(served, wa, ident)
    assert row["status"] == "resend-requested" and row["reason"] == "附件无法打开。"
    found = [e for e in _events(served) if e["type"] == "delivery-resend-requested" and e.get("id") == ident]
    assert len(found) == 1 and found[0]["pushed_by"] == "ssb" and found[0]["carried_by"]
    again = _oa(served, a, "--json", "send", f"documents/{_year()}/ssh-notice", "--to", "jyj", "--resend", ident, cwd=wa)
    assert again.returncode == 0, again.stderr
    resent = yaml.safe_load(again.stdout)["sent"][0]
    assert resent["resend_of"] == ident and resent["id"] != ident
    inbox = yaml.safe_load(_oa(served, b, "--json", "inbox", "list", cwd=wb).stdout)
    assert next(r for r in inbox if r["id"] == resent["id"])["status"] == "sent"


def test_a_deregistered_units_repository_is_read_only_for_the_holder_of_its_archives(served: Served, ssx: Added) -> None:
    """Art. 9: ssx is deregistered with its archives to lagov. lagov's members read its
    repository over SSH (lifecycle.repository_readers -> gitolite R), nobody writes it, and a
    member of another unit learns nothing about it."""
    from repo_tools import lifecycle
    admin, mirror = _admin_city(served)
    with _newcomer("测试局局长", "lead@ssx.oa.local") as home:
        city_mod.add_user(mirror, "admin", "ssxlead", "测试局局长", "ssx", ["reviewer"], key_file=home / "k.asc")
        city_mod.set_unit_leader(mirror, "admin", "ssx", "ssxlead")
        office = _Office(admin.home / "city", gnupghome=admin.gnupghome, ssh=mirror.ssh, homes=(("ssxlead", home),))
        lifecycle.deregister(office, "admin", "ssx", "lagov", approved_by="ssxlead")
    assert (served.root / "handover" / "ssx.bundle").is_file()
    a, b = served.people["ssa"], served.people["ssb"]
    refs = served.git(a, "ls-remote", served.url("ssx"), "refs/heads/main")
    assert refs.returncode == 0 and "refs/heads/main" in refs.stdout, refs.stderr
    copy = a.home / "x-ssx"
    assert served.git(a, "clone", "-q", served.url("ssx"), str(copy)).returncode == 0
    push = served.ssh(a, f"{served.account}@127.0.0.1", "git-receive-pack '/ssx'")
    assert push.returncode != 0 and DENIED in push.stderr
    for got in (served.git(b, "ls-remote", served.url("ssx")),
                served.git(b, "clone", "-q", served.url("ssx"), str(b.home / "x-ssx"))):
        assert got.returncode != 0 and DENIED in got.stderr and "ssx" not in got.stderr.replace("x-ssx", "")
    assert not (b.home / "x-ssx").exists()


def test_incident_steps_from_a_clone_are_carried_in_their_pushes(served: Served) -> None:
    """Art. 44-45 from the e-gov office's own machine: report, respond and resolve ride pushes to
    refs/incidents/ of the office's unit; the service logs each with its own time and id. A
    forged or wrong step is refused over SSH with the whole push, and nothing changes."""
    from repo_tools import incident
    from repo_tools.git.repo import PushRefused
    from repo_tools.incident import clock
    admin, city = _admin_city(served)
    opened = incident.open_incident(city, "admin", "公文无法推送（远程报告）")
    step = [e for e in _events(served) if e["type"] == "incident"][-1]
    assert step["action"] == "open" and step["id"] == opened.id and step["by"] == step["pushed_by"] == "admin"
    assert "at" not in step and step["ref"] in _service_refs(served, "egov", "refs/incidents/")
    assert opened.summary == "公文无法推送（远程报告）" and opened.status() == "open"
    assert incident.respond(city, "admin", opened.id).responded_by == "admin"
    before_refs, before_lines = _service_refs(served, "egov", "refs/incidents/"), served.log_lines()
    for fields, why in (({"action": "respond", "id": opened.id}, "incident-state"),      # responded already
                        ({"action": "resolve", "id": "999"}, "incident-not-found"),
                        ({"action": "open", "summary": "伪造", "by": "ssa"}, "incident-carried")):
        with pytest.raises(PushRefused) as caught:
            clock._carry(city, "admin", fields)
        assert why in caught.value.message, caught.value.message
    assert _service_refs(served, "egov", "refs/incidents/") == before_refs and served.log_lines() == before_lines
    done = incident.resolve(city, "admin", opened.id)
    assert done.status() == "resolved" and [i.id for i in incident.incidents(city)].count(opened.id) == 1
    # The notice lists every unit's waiting deliveries: only the service sees them all.
    with pytest.raises(Refused) as refused:
        incident.write_notice(city, "admin", opened.id, admin.home / "notice.pdf")
    assert refused.value.rule == "incident-notice-by-service"


def test_an_incident_step_forged_over_ssh_is_refused_in_chinese_with_nothing_changed(
        served: Served, clones: dict[str, Path]) -> None:
    """An author (neither a unit admin nor the e-gov office) crafts the pushes `oa incident`
    would make, bypassing their own client's checks: a report, the office's response, a step
    in another person's name, a refs/incidents push without a step. The service judges each
    as on the server and refuses the whole push in Chinese; no ref and no log line appear."""
    import base64
    import json
    a = served.people["ssa"]
    work = clones["ssa"]
    tree = served.run(a, "sh", "-c", "git hash-object -t tree -w --stdin </dev/null", cwd=work).stdout.strip()
    commit = served.git(a, "commit-tree", "-S", tree, "-m", "故障", cwd=work)
    assert commit.returncode == 0, commit.stderr
    before, lines = _service_refs(served, "lagov", "refs/"), served.log_lines()
    for step, rule in (({"action": "open", "summary": "伪造的故障报告"}, "incident-role"),
                       ({"action": "respond", "id": "1"}, "incident-role"),
                       ({"action": "open", "summary": "冒名报告", "by": "admin"}, "incident-carried"),
                       (None, "incident-carried")):
        options = [] if step is None else \
            ["-o", "oa-event=" + base64.b64encode(json.dumps({"type": "incident", **step}).encode()).decode()]
        got = served.git(a, "push", "--signed", *options, "origin",
                         f"{commit.stdout.strip()}:refs/incidents/{secrets.token_hex(8)}", cwd=work)
        assert got.returncode != 0 and "推送被拒绝" in got.stderr and rule in got.stderr, (step, got.stderr)
        assert "Traceback" not in got.stderr
    assert _service_refs(served, "lagov", "refs/") == before and served.log_lines() == lines


def test_a_carried_event_in_broken_pieces_is_refused_over_ssh_with_nothing_changed(
        served: Served, clones: dict[str, Path]) -> None:
    """Pieces of a long event (`oa-event-part=k/n/digest:`) that are missing, repeated, out of
    order, of two events spliced, not ASCII digits, or an event over the size limit: refused in
    Chinese with the whole push.
    The same event in its right pieces is accepted and logged whole."""
    from repo_tools.log import carried
    a = served.people["ssa"]
    work = clones["ssa"]
    served.commit_file(a, work, "pieces.md", "分段事件\n", "草稿：分段事件", branch="draft/pieces")
    reason, other = "长" * 20000, "短" * 20000   # each ~80 KB of base64: several pieces
    options = carried.options_for(carried.encode("archive-access", {"unit": "lagov", "item": "x", "reason": reason}))
    others = carried.options_for(carried.encode("archive-access", {"unit": "lagov", "item": "x", "reason": other}))
    assert len(options) == len(others) >= 3
    before, lines = _service_refs(served, "lagov", "refs/heads/"), served.log_lines()
    for run in (options[:-1], [options[0], *options], [options[1], options[0], *options[2:]],
                [*others[:2], *options[2:]], [options[0].replace("1/", "²/", 1), *options[1:]]):
        got = served.git(a, "push", "--signed", *[x for o in run for x in ("-o", o)], "origin",
                         "HEAD:refs/heads/draft/pieces", cwd=work)
        assert got.returncode != 0 and "carried-event-invalid" in got.stderr and "推送被拒绝" in got.stderr, got.stderr
        assert "Traceback" not in got.stderr and "hook-error" not in got.stderr
    # One event over the limit (about 1.1 MB of base64 in 70 pieces): refused as too long.
    huge = carried.options_for(carried.encode("archive-access", {"unit": "lagov", "item": "x", "reason": "长" * 280000}))
    got = served.git(a, "push", "--signed", *[x for o in huge for x in ("-o", o)], "origin",
                     "HEAD:refs/heads/draft/pieces", cwd=work)
    assert got.returncode != 0 and "carried-event-invalid" in got.stderr and "过长" in got.stderr, got.stderr[-600:]
    assert _service_refs(served, "lagov", "refs/heads/") == before and served.log_lines() == lines
    got = served.git(a, "push", "--signed", *[x for o in options for x in ("-o", o)], "origin",
                     "HEAD:refs/heads/draft/pieces", cwd=work)
    assert got.returncode == 0, got.stderr
    last = _events(served)[-1]
    assert last["type"] == "archive-access" and last["reason"] == reason and last["pushed_by"] == "ssa"
    served.git(a, "checkout", "-q", "main", cwd=work)


def test_revoking_a_certificate_ends_ssh_access_at_once(served: Served) -> None:
    b = served.people["sse"]
    assert served.git(b, "ls-remote", served.url("jyj")).returncode == 0
    from repo_tools.identity import certificates
    admin, mirror = _admin_city(served)
    ssh = mirror.ssh
    # jyj's admin approves on their own machine: their signature is made with their own key.
    homes = (("jyjadm", served.base / "keys" / "people" / "jyjadm" / "gnupg"),)
    city = _Office(admin.home / "city", gnupghome=admin.gnupghome, ssh=ssh, homes=homes)
    before = served.log_lines()
    certificates.revoke(city, "admin", "sse", "compromised", approved_by="jyjadm")
    # The registry push and the revocation's own event, carried in it and written by the service.
    assert served.log_lines() == before + 2
    push, event = _events(served)[-2:]
    assert push["type"] == "push" and push["repo"] == "registry" and push["pusher"] == "admin"
    assert event["type"] == "certificate" and event["action"] == "revoke" and event["user"] == "sse"
    assert event["pushed_by"] == "admin" and event["carried_by"] == push["certificate_id"]
    got = served.git(b, "ls-remote", served.url("jyj"))
    assert got.returncode != 0 and "Permission denied" in got.stderr
    # Disabling a person (Art. 14) ends their SSH access in that same registry push as well.
    c = served.people["ssf"]
    assert served.git(c, "ls-remote", served.url("lagov")).returncode == 0
    city_mod.set_person_status(city, "admin", "ssf", "disabled", "离岗")
    got = served.git(c, "ls-remote", served.url("lagov"))
    assert got.returncode != 0 and "Permission denied" in got.stderr
