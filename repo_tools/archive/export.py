"""`oa archive export YEAR DIR`: a year's packages as a BagIt bag (RFC 8493) for transfer to the
archives (GB/T 18894 移交).

The bag's payload manifest carries the SHA-256 digests recorded when the package was archived
(and, for the package manifest itself, the digest the signed archive tag names), never digests
recomputed from the files being exported: a file that went missing or was altered in storage
makes the bag fail validation, so the fixity travels with the records. The bag also holds the
signed tag objects and the public keys from the registry, so a reader can check signatures
with stock gpg without the system.
"""
from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path
from typing import Any

import bagit

from repo_tools import timeutil
from repo_tools.archive.packages import MAIN, MANIFEST, packages, parse_manifest
from repo_tools.archive.vocabulary import CERTIFICATE, OBJECT, PACKAGE, PUBLISHED, PURPOSE, SIGNATURES
from repo_tools.city import City
from repo_tools.git.repo import ObjectReader, clean_env, list_tree, rev_parse
from repo_tools.messages import Refused, say

README = say("archive.export.module.1")


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _sealing_object(metadata: str) -> str | None:
    """The commit whose push gave the item its trusted time (用印签发, else 发布)."""
    try:
        data = json.loads(metadata)
    except ValueError:
        return None
    for role in (say("archive.export._sealing_object.1"), PUBLISHED):
        for signature in data.get(SIGNATURES, []) or []:
            if isinstance(signature, dict) and signature.get(PURPOSE) == role and signature.get(OBJECT):
                return str(signature[OBJECT])
    return None


class _Bag:
    """The payload being written: every file with the SHA-256 the bag's manifest must hold."""

    def __init__(self, out: Path) -> None:
        self.out = out
        self.manifest: dict[str, str] = {}   # bag path -> sha256 expected
        self.bytes, self.files = 0, 0

    def write(self, rel: str, data: bytes, expected: str | None = None) -> None:
        target = self.out / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        self.manifest[rel] = expected or _sha256(data)
        self.bytes += len(data)
        self.files += 1


def export(city: City, unit_id: str, year: int, out_dir: str | Path) -> dict[str, Any]:
    """Write the bag and validate it with the `bagit` package; report what was written."""
    out = Path(out_dir)
    if out.exists() and any(out.iterdir()):
        raise Refused("exists", what=say("archive.export.export.1"), name=str(out))
    found = packages(city, unit_id, year)
    if not found:
        raise Refused("not-found", what=PACKAGE, name=f"{unit_id} {year}",
                      remedy=say("archive.export.export.3"))
    registry = city.registry()
    unit = registry.unit(unit_id)
    repo = city.unit_repo(unit_id)
    out.mkdir(parents=True, exist_ok=True)
    bag = _Bag(out)
    fingerprints: set[str] = set()
    sealing: dict[str, str | None] = {}   # 档号 -> the item's sealing or publishing commit
    with ObjectReader(repo, env=clean_env()) as reader:
        for package in found:
            more_keys, more_sealing = _package_payload(bag, repo, reader, package)
            fingerprints |= more_keys
            sealing.update(more_sealing)
    _proofs(bag, city, unit_id, sealing)
    _keys(bag, city, registry, fingerprints)
    bag.write("data/README.txt", README.format(unit_name=unit.name if unit else unit_id,
                                               fonds=unit.fonds if unit else "", year=year).encode())
    _write_tag_files(out, bag.manifest, bag.bytes, bag.files, unit.name if unit else unit_id, unit_id, year, found)
    valid, errors = _validate(out)
    return {"unit": unit_id, "year": year, "bag": str(out.resolve()), "valid": valid, "errors": errors,
            "files": bag.files, "bytes": bag.bytes, "packages": [p.path for p in found]}


def _package_payload(bag: _Bag, repo: Path, reader: ObjectReader, package: Any) -> tuple[set[str], dict[str, str | None]]:
    """One package into the bag, against the SHA-256 its signed tag and manifest declare (a
    file listed but gone stays in the manifest: the bag must say so). Returns the certificates
    its metadata names and each item's sealing commit."""
    files = {p[len(package.path) + 1:]: b for p, b in list_tree(repo, MAIN, package.path, env=clean_env()).items()}
    tag_oid = rev_parse(repo, f"refs/tags/{package.tag}", env=clean_env())
    got = reader.read(tag_oid) if tag_oid else None
    tag_raw = got[2] if got else b""
    declared = re.search(rb"^Manifest-SHA256:\s*([0-9a-f]{64})\s*$", tag_raw, re.M)
    bag.write(f"data/tags/{package.tag.replace('/', '-')}.tag", tag_raw)
    recorded = parse_manifest(reader.blob(files[MANIFEST]) or b"") if MANIFEST in files else {}
    base = f"data/{package.path}"
    if MANIFEST in files:
        bag.write(f"{base}/{MANIFEST}", reader.blob(files[MANIFEST]) or b"",
                  declared.group(1).decode() if declared else None)
    for rel in sorted(set(recorded) | set(files) - {MANIFEST}):
        blob = files.get(rel)
        if blob is None:
            bag.manifest[f"{base}/{rel}"] = recorded[rel]
            continue
        bag.write(f"{base}/{rel}", reader.blob(blob) or b"", recorded.get(rel))
    fingerprints: set[str] = set()
    sealing: dict[str, str | None] = {}
    for rel, blob in files.items():
        if rel.endswith("/metadata.json"):
            text = (reader.blob(blob) or b"").decode()
            fingerprints |= set(re.findall(rf'"{CERTIFICATE}": "([0-9A-F]{{40}})"', text))
            sealing[rel.rsplit("/", 2)[-2]] = _sealing_object(text)
    return fingerprints, sealing


def _proofs(bag: _Bag, city: City, unit_id: str, sealing: dict[str, str | None]) -> None:
    """The log's offline proof of each item's sealing (or publishing) push: with the registry's
    log and witness keys it shows the trusted time without the city's servers."""
    from repo_tools.log import policy as log_policy
    from repo_tools.log import proof as log_proof
    keys = log_policy.load(city.registry_repo)
    for reference, oid in sorted(sealing.items()):
        if oid is None:
            continue
        try:
            made = log_proof.make(city.log_file, keys, oid, unit_id)
        except Refused:
            continue
        bag.write(f"data/proofs/{reference}.tlog-proof", made.encode().encode())


def _keys(bag: _Bag, city: City, registry: Any, fingerprints: set[str]) -> None:
    """The log's and witnesses' keys, and every certificate the items' metadata names."""
    with ObjectReader(city.registry_repo, env=clean_env()) as reader:
        for path, blob in {**list_tree(city.registry_repo, MAIN, "log", env=clean_env()),
                           **list_tree(city.registry_repo, MAIN, "witnesses", env=clean_env())}.items():
            bag.write(f"data/keys/log/{path}", reader.blob(blob) or b"")
        for fpr in sorted(fingerprints):
            blob = registry.key_files.get(fpr)
            if blob:
                bag.write(f"data/keys/{fpr}.asc", reader.blob(blob) or b"")


def _validate(out: Path) -> tuple[bool, list[str]]:
    try:
        bagit.Bag(str(out)).validate()
    except bagit.BagValidationError as exc:
        return False, [str(d) for d in getattr(exc, "details", [])] or [str(exc)]
    return True, []


def _write_tag_files(out: Path, manifest: dict[str, str], payload_bytes: int, payload_files: int,
                     unit_name: str, unit_id: str, year: int, found: list) -> None:
    tag_files: dict[str, bytes] = {}
    tag_files["bagit.txt"] = b"BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n"
    lines = [f"{digest}  {_encode(path)}\n" for path, digest in sorted(manifest.items())]
    tag_files["manifest-sha256.txt"] = "".join(lines).encode("utf-8")
    info = [("Source-Organization", unit_name), ("Organization-Address", say("archive.export._write_tag_files.1", unit_id=unit_id)),
            ("External-Description", say("archive.export._write_tag_files.2",
                                         unit_name=unit_name, year=year)),
            ("External-Identifier", f"refs/tags/{found[0].tag}"),
            ("Bagging-Date", timeutil.today().isoformat()),
            ("Bag-Software-Agent", f"repo-tools oa archive export (bagit {bagit.VERSION})"),
            ("Payload-Oxum", f"{payload_bytes}.{payload_files}"),
            ("Bag-Group-Identifier", ", ".join(f"refs/tags/{p.tag}" for p in found))]
    tag_files["bag-info.txt"] = "".join(f"{k}: {v}\n" for k, v in info).encode("utf-8")
    for name, data in tag_files.items():
        (out / name).write_bytes(data)
    tagmanifest = "".join(f"{_sha256(data)}  {name}\n" for name, data in sorted(tag_files.items()))
    (out / "tagmanifest-sha256.txt").write_bytes(tagmanifest.encode("utf-8"))


def _encode(path: str) -> str:
    """RFC 8493 §2.1.3: percent-encode %, CR and LF in manifest paths."""
    return path.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def validate(bag_dir: str | Path) -> tuple[bool, list[str]]:
    """Validate a bag with the Library of Congress `bagit` package."""
    try:
        bagit.Bag(str(bag_dir)).validate()
        return True, []
    except bagit.BagValidationError as exc:
        return False, [str(d) for d in getattr(exc, "details", [])] or [str(exc)]
