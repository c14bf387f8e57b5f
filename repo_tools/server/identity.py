"""One identity per person: the OpenPGP key a person makes on their own machine, whose
authentication subkey is their SSH key, served by their own gpg-agent (so an OpenPGP card or
UKEY works the same way). The server never sees the private part."""
from __future__ import annotations

import os
import subprocess
from pathlib import Path

from repo_tools.identity import keys
from repo_tools.messages import say


def keygen(gnupghome: str | Path, name: str, email: str, out: str | Path) -> str:
    """Make an Ed25519 key (sign primary, auth and encrypt subkeys) in the person's GnuPG home
    and write its public part to `out` for the e-gov office; return the fingerprint."""
    fingerprint = keys.generate(gnupghome, name, email)
    keys.add_encryption_subkey(gnupghome, fingerprint)
    Path(out).write_text(keys.export_public(gnupghome, fingerprint), encoding="utf-8")
    return fingerprint


def enable_ssh(gnupghome: str | Path, fingerprint: str) -> Path:
    """Let the person's gpg-agent serve the auth subkey as an SSH key; return the agent's SSH
    socket (SSH_AUTH_SOCK)."""
    home = Path(gnupghome)
    conf = home / "gpg-agent.conf"
    text = conf.read_text() if conf.exists() else ""
    if "enable-ssh-support" not in text.split():
        conf.write_text(text + ("" if text.endswith("\n") or not text else "\n") + "enable-ssh-support\n")
    grip = keys.auth_keygrip(home, fingerprint)
    if grip is None:
        raise keys.KeyError_(say("server.identity.enable_ssh.1", fingerprint=fingerprint))
    control = home / "sshcontrol"
    lines = control.read_text().split() if control.exists() else []
    if grip not in lines:
        with control.open("a") as handle:
            handle.write(f"{grip} 0\n")
    env = {**os.environ, "GNUPGHOME": str(home)}
    # enable-ssh-support takes effect when the agent starts: restart it.
    subprocess.run(["gpgconf", "--kill", "gpg-agent"], env=env, capture_output=True)
    subprocess.run(["gpg-connect-agent", "/bye"], env=env, capture_output=True)
    return agent_ssh_socket(home)


def agent_ssh_socket(gnupghome: str | Path) -> Path:
    proc = subprocess.run(["gpgconf", "--list-dirs", "agent-ssh-socket"],
                          env={**os.environ, "GNUPGHOME": str(gnupghome)}, capture_output=True, text=True)
    return Path(proc.stdout.strip())
