"""A city workspace (ARCHITECTURE.md "The city workspace"): its paths, its creation, and the
registry operations of the e-government office (register units and people)."""
from __future__ import annotations

import os
import secrets
import shutil
import stat
import sys
from pathlib import Path

import yaml

from repo_tools import timeutil
from repo_tools.git.repo import clean_env, commit_and_push, git, list_tree
from repo_tools.identity import keys
from repo_tools.messages import Refused, say
from repo_tools.registry.records import EGOV, ROLES, KeyRecord, Person, Registry, Seal, Unit, dump, dump_seals
from repo_tools.resources import project_path
from repo_tools.workspace import AUTHORITY, City

PROJECT_HOOKS = project_path("hooks")
HOOK_CLIENT = (Path(__file__).parent / "hook" / "client.py").resolve()  # the shims' fast path


def _install_hooks(repo: Path, city: City, kind: str, unit: str | None = None) -> None:
    env = clean_env()
    git("config", "oa.city", str(city.root), cwd=repo, env=env)
    git("config", "oa.kind", kind, cwd=repo, env=env)
    served = city.root / "server" / "venv" / "bin" / "python"  # a served city's own interpreter
    git("config", "oa.python", str(served if served.exists() else sys.executable), cwd=repo, env=env)
    # The hook server (hook/forkserver.py), unless the installer says OA_HOOK_SERVER=0.
    from repo_tools.hook.client import wanted_at_install  # a socket module: not for every `oa` start
    if not served.exists() and wanted_at_install():
        git("config", "oa.hookclient", str(HOOK_CLIENT), cwd=repo, env=env)
    if unit:
        git("config", "oa.unit", unit, cwd=repo, env=env)
    git("config", "receive.certNonceSeed", secrets.token_hex(32), cwd=repo, env=env)
    git("config", "receive.certNonceSlop", "0", cwd=repo, env=env)
    # Pushed objects wait in quarantine until the hook accepts; refused pushes leave nothing.
    git("config", "receive.denyDeletes", "false", cwd=repo, env=env)
    git("config", "receive.advertisePushOptions", "true", cwd=repo, env=env)
    git("config", "gc.pruneExpire", "never", cwd=repo, env=env)
    check_objects(repo)
    for name in ("pre-receive", "post-receive"):
        target = repo / "hooks" / name
        shutil.copyfile(PROJECT_HOOKS / name, target)
        target.chmod(target.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)


# git's own object checks (malformed trees, '.git' look-alikes, bad .gitmodules) before any hook
# runs; the hook checks the same again, so a repository configured by hand is no weaker.
FSCK_CONFIG = {"receive.fsckObjects": "true", "transfer.fsckObjects": "true", "fetch.fsckObjects": "true"}


def check_objects(repo: Path) -> None:
    """Turn on git's object checks in one bare repository."""
    for key, value in FSCK_CONFIG.items():
        git("config", key, value, cwd=repo, env=clean_env())


def reinstall_hooks(city: City) -> list[Path]:
    """Install the current hooks and settings into every repository of an existing city."""
    done = []
    _install_hooks(city.registry_repo, city, "registry")
    done.append(city.registry_repo)
    for repo in sorted((city.root / "units").glob("*.git")):
        unit = git("config", "--get", "oa.unit", cwd=repo, env=clean_env(), check=False).strip()
        _install_hooks(repo, city, "unit", unit or repo.name[:-4])
        done.append(repo)
    return done


def _new_bare(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    # No template: git's sample hooks and description are files nobody runs or reads here.
    git("init", "-q", "--bare", "--template=", "--initial-branch=main", str(path), env=clean_env())
    (path / "hooks").mkdir(exist_ok=True)


def person_key(city: City, user: str, name: str, email: str, key_file: Path | None) -> tuple[str, str]:
    """(fingerprint, armored public key): imported from the person's own file, or made here
    (demo and tests: in production a person makes their own key)."""
    if key_file is not None:
        armored = key_file.read_text(encoding="utf-8")
        fprs = keys.fingerprints_in(armored)
        if len(fprs) != 1:
            raise Refused("usage", detail=say("city.city.person_key.1",
                                              key_file=key_file, len_fprs=len(fprs)),
                          remedy=say("city.city.person_key.2"))
        fingerprint = fprs[0]
        if "a" not in keys.capabilities_in(armored):
            # The authentication subkey is the person's SSH login: one identity per person.
            raise Refused("key-no-auth", key=fingerprint)
    else:
        fingerprint = keys.generate(city.person_gnupg(user), name, email)
        armored = keys.export_public(city.person_gnupg(user), fingerprint)
    return fingerprint, armored


def _person_record(city: City, user: str, name: str, unit: str, roles: list[str],
                   key_file: Path | None) -> tuple[Person, str]:
    """Make or import the person's key; return the record and the armored public key."""
    email = f"{user}@{unit}.oa.local"
    fingerprint, armored = person_key(city, user, name, email, key_file)
    record = KeyRecord(fingerprint=fingerprint, valid_from=timeutil.iso(timeutil.now()))
    return Person(id=user, name=name, unit=unit, roles=roles, keys=[record], email=email), armored


def _validate_id(kind: str, value: str) -> None:
    import re
    if not re.fullmatch(r"[a-z][a-z0-9-]{0,31}", value):
        raise Refused("usage", detail=say("city.city._validate_id.1", kind=kind, value=value),
                      remedy=say("city.city._validate_id.2"))


def init(root: str | Path, admin: str = "admin", admin_name: str = say("city.city.init.1"),
         egov_name: str = say("city.city.init.2")) -> City:
    """Create a new city: authority key, server keyring, registry, unit egov and its first admin."""
    root = Path(root).resolve()
    if (root / "registry.git").exists():
        raise Refused("exists", what=say("city.city.init.3"), name=str(root))
    _validate_id(say("city.city.init.4"), admin)
    city = City(root)
    for sub in ("units", "people", "seals", "log", "server", "authority"):
        (root / sub).mkdir(parents=True, exist_ok=True)
    authority_fpr = keys.generate(city.authority_gnupg, say("city.city.init.5"), "authority@oa.local")
    keys.import_keys(city.server_gnupg, keys.export_public(city.authority_gnupg, authority_fpr))
    city.server_config.write_text(yaml.safe_dump({"authority": authority_fpr}))
    _new_bare(city.registry_repo)
    _install_hooks(city.registry_repo, city, "registry")
    city.log_file.touch()
    person, armored = _person_record(city, admin, admin_name, EGOV, ["admin"], None)
    egov = Unit(id=EGOV, name=egov_name, codes=[say("city.city.init.6")], level="department", admins=[admin],
                created_at=timeutil.iso(timeutil.now()), fonds="EGOV")
    authority_pub = keys.export_public(city.authority_gnupg, authority_fpr)
    from repo_tools.log import enrol
    log_files = enrol.log_key_files(root, secrets.token_hex(4))  # before the first push is logged
    city.change_registry(AUTHORITY, {
        **log_files,
        f"units/{EGOV}.yaml": dump(egov),
        f"people/{admin}.yaml": dump(person),
        f"keys/{person.keys[0].fingerprint}.asc": armored.encode(),
        f"keys/{authority_fpr}.asc": authority_pub.encode(),
    }, say("city.city.init.7", egov=EGOV, admin=admin))
    _new_bare(city.unit_repo(EGOV))
    _install_hooks(city.unit_repo(EGOV), city, "unit", EGOV)
    _first_unit_commit(city, egov, admin)
    return city


def _require_egov_admin(city: City, reg: Registry, actor: str) -> None:
    if actor != AUTHORITY and not reg.is_egov_admin(actor):
        raise Refused("registry-writer", user=actor)


def _first_unit_commit(city: City, unit: Unit, actor: str) -> None:
    readme = (say("city.city._first_unit_commit.1",
                  name=unit.name, id=unit.id, value_join='、'.join(unit.codes))).encode()
    settings = yaml.safe_dump({"unit": unit.id, "name": unit.name, "codes": unit.codes},
                              allow_unicode=True, sort_keys=False).encode()
    commit_and_push(city.unit_repo(unit.id), city.signer(actor),
                    {"README.md": readme, ".oa/unit.yaml": settings}, say("city.city._first_unit_commit.2", name=unit.name))


def add_unit(city: City, actor: str, unit_id: str, name: str, codes: list[str],
             level: str = "department", required_approvals: int = 1, fonds: str = "",
             number_floors: dict[str, int] | None = None) -> Unit:
    """Register a unit, create its bare repository with hooks, its first commit, and its seal."""
    _validate_id(say("city.city.add_unit.1"), unit_id)
    reg = city.registry()
    _require_egov_admin(city, reg, actor)
    if unit_id in reg.units:
        raise Refused("exists", what=say("city.city.add_unit.1"), name=unit_id)
    if reg.unit_by_name(name):
        raise Refused("exists", what=say("city.city.add_unit.2"), name=name)
    unit = Unit(id=unit_id, name=name, codes=list(codes), level=level,
                required_approvals=required_approvals, created_at=timeutil.iso(timeutil.now()),
                fonds=fonds or unit_id.upper()[:4], number_floors=dict(number_floors or {}))
    seal_id = f"{unit_id}-1"
    seal_fpr = keys.generate(city.seal_gnupg(seal_id), say("city.city.add_unit.3", name=name), f"seal-{unit_id}@oa.local")
    seal = Seal(id=seal_id, unit=unit_id,
                key=KeyRecord(fingerprint=seal_fpr, valid_from=timeutil.iso(timeutil.now()),
                              approved_by=[actor]))
    armored = keys.export_public(city.seal_gnupg(seal_id), seal_fpr)
    city.change_registry(actor, {
        f"units/{unit_id}.yaml": dump(unit),
        f"seals/{unit_id}.yaml": dump_seals([seal]),
        f"keys/{seal_fpr}.asc": armored.encode(),
    }, say("city.city.add_unit.4", unit_id=unit_id, name=name, value_join='、'.join(codes), seal_id=seal_id))
    city.open_unit_repo(unit_id)
    _first_unit_commit(city, unit, actor)
    return unit


def add_user(city: City, actor: str, user: str, name: str, unit_id: str, roles: list[str],
             key_file: Path | None = None) -> Person:
    """Register a person with their roles and key (generated here unless a public key is given)."""
    _validate_id(say("city.city.add_user.1"), user)
    reg = city.registry()
    if not (actor == AUTHORITY or reg.is_egov_admin(actor)):
        # Art. 12: a unit admin registers their own unit's people; admins are the e-gov office's.
        from repo_tools.lifecycle import require_manager
        require_manager(reg, actor, unit_id, say("city.city.add_user.2", unit_id=unit_id))
        if "admin" in roles:
            own = reg.unit(unit_id)
            raise Refused("registry-scope", user=actor, unit=own.name if own else unit_id,
                          detail=say("city.city.add_user.3"))
    if user in reg.people or user == AUTHORITY:
        raise Refused("user-id-reused" if reg.people.get(user) and reg.people[user].status == "removed"
                      else "exists", what=say("city.city.add_user.1"), name=user, user=user, detail=say("city.city.add_user.4"))
    unit = reg.unit(unit_id)
    if unit is None:
        raise Refused("not-found", what=say("city.city.add_user.5"), name=unit_id, remedy=say("city.city.add_user.6"))
    if unit.status != "active":
        raise Refused("unit-state", unit=unit.name, detail=say("city.city.add_user.7",
                                                               deregistered_at=unit.deregistered_at), remedy=say("city.city.add_user.8"))
    bad = [r for r in roles if r not in ROLES]
    if bad:
        raise Refused("usage", detail=say("city.city.add_user.9",
                                          value_join='、'.join(bad)), remedy=say("city.city.add_user.10",
                                                                           value_join='、'.join(ROLES)))
    if "admin" in roles and len([a for a in unit.admins if a in reg.people]) >= 2:
        raise Refused("usage", detail=say("city.city.add_user.11", unit_id=unit_id),
                      remedy=say("city.city.add_user.12"))
    person, armored = _person_record(city, user, name, unit_id, roles, key_file)
    changes: dict[str, bytes | None] = {
        f"people/{user}.yaml": dump(person),
        f"keys/{person.keys[0].fingerprint}.asc": armored.encode(),
    }
    if "admin" in roles:
        unit.admins = [*unit.admins, user]
        changes[f"units/{unit_id}.yaml"] = dump(unit)
    city.change_registry(actor, changes, say("city.city.add_user.13",
                                             user=user, name=name, unit_id=unit_id, value_join='、'.join(roles)))
    return person


def set_unit_leader(city: City, actor: str, unit_id: str, user: str) -> Unit:
    """Name the unit's leader (负责人), who approves its certificate and seal applications
    together with its admins (Art. 19, 25). Only an active person of the unit can be named."""
    reg = city.registry()
    _require_egov_admin(city, reg, actor)
    unit = reg.unit(unit_id)
    if unit is None:
        raise Refused("not-found", what=say("city.city.set_unit_leader.1"), name=unit_id, remedy=say("city.city.set_unit_leader.2"))
    person = reg.person(user)
    if person is None or person.unit != unit_id:
        raise Refused("not-found", what=say("city.city.set_unit_leader.3", unit_id=unit_id), name=user,
                      remedy=say("city.city.set_unit_leader.4",
                                 user=user, unit_id=unit_id))
    if person.status != "active":
        raise Refused("usage", detail=say("city.city.set_unit_leader.5",
                                          user=user, name=person.name, status=person.status),
                      remedy=say("city.city.set_unit_leader.6", user=user))
    unit.leader = user
    city.change_registry(actor, {f"units/{unit_id}.yaml": dump(unit)},
                         say("city.city.set_unit_leader.7",
                             unit_id=unit_id, name=unit.name, user=user, name2=person.name))
    return unit


def refresh_server_keyring(city: City, registry_rev: str = "refs/heads/main") -> int:
    """Import into the server keyring every public key the registry holds; return how many."""
    files = list_tree(city.registry_repo, registry_rev, "keys", env=clean_env())
    if not files:
        return 0
    from repo_tools.git.repo import ObjectReader
    known = set(keyring_fingerprints(city.server_gnupg))
    wanted = {path[5:-4]: blob for path, blob in files.items() if path.endswith(".asc")}
    missing = [blob for fpr, blob in wanted.items() if fpr.upper() not in known]
    if not missing:
        return 0
    with ObjectReader(city.registry_repo, env=clean_env()) as reader:
        armored = "\n".join((reader.blob(b) or b"").decode() for b in missing)
    keys.import_keys(city.server_gnupg, armored)
    return len(missing)


def keyring_fingerprints(home: Path) -> list[str]:
    return [k["fingerprint"].upper() for k in keys.keyring(home).list_keys()]


def city_from_env(explicit: str | None) -> City:
    root = explicit or os.environ.get("OA_CITY")
    if not root:
        try:
            root = git("config", "oa.city").strip() or None
        except Exception:
            root = None
    if not root:
        raise Refused("usage", detail=say("city.city.city_from_env.1"), remedy=say("city.city.city_from_env.2"))
    from repo_tools.server import remote  # a clone over SSH: the city is the person's mirrors of the server
    if remote.is_remote(Path(root)):
        return remote.sync(root)
    return City.at(root)


def set_person_status(city: City, actor: str, user: str, status: str, reason: str = "") -> Person:
    """Disable or re-enable an account (Art. 14): the e-gov office or the person's unit admin."""
    reg = city.registry()
    person = reg.person(user)
    if person is None:
        raise Refused("not-found", what=say("city.city.set_person_status.1"), name=user, remedy=say("city.city.set_person_status.2"))
    unit = reg.unit(person.unit)
    is_unit_admin = unit is not None and actor in unit.admins
    if not (reg.is_egov_admin(actor) or actor == AUTHORITY or is_unit_admin):
        raise Refused("role-required", user=actor, role=say("city.city.set_person_status.3"), action=say("city.city.set_person_status.4"))
    if status == "active":
        from repo_tools.identity import lockout
        lockout.unlock(city, user, actor)
        if person.status == "active":
            return person  # only a lock-out to lift; the registry already says active
    person.status = status  # type: ignore[assignment]
    verb = say("city.city.set_person_status.5") if status == "disabled" else say("city.city.set_person_status.6")
    # Art. 12: a unit admin signs their own unit's change; the registry hook holds them to it.
    signer = actor if reg.is_egov_admin(actor) or reg.is_unit_admin(actor, person.unit) else AUTHORITY
    city.change_registry(signer, {f"people/{user}.yaml": dump(person)},
                         say("city.city.set_person_status.7",
                             verb=verb, user=user, name=person.name, value=reason or say("city.city.set_person_status.8"), actor=actor))
    return person
