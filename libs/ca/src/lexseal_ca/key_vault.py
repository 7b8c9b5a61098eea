"""The signing keys of a deployment live in the blob store; each replica works from a copy.

The internal CA, the generated firm key and the TSA key are files under ``pki_dir`` (private
keys encrypted with SIGNING_KEY_PASSPHRASE, as they always were). The blob store is their
home: at start-up, under the deployment's key lock, a replica copies the stored files into
its ``pki_dir``, creates only what is missing (so the first replica of a deployment creates
the CA, every later one loads it) and stores what it created. A ``pki_dir`` left by an
earlier version that kept keys only on disk is stored the same way on first start.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from cryptography import x509
from cryptography.x509.oid import NameOID
from servicekit.blobs import BlobStore
from servicekit.locks import deployment_lock
from sqlalchemy.ext.asyncio import AsyncEngine

from .pki import CertificateAuthority, IssuedCredential, decrypt_key

PREFIX = "pki/"
KEYS_LOCK = "lexseal:signing-keys"
_RENEW_BEFORE = dt.timedelta(days=30)
T = TypeVar("T")


def _local_files(directory: Path) -> dict[str, Path]:
    if not directory.is_dir():
        return {}
    return {
        path.relative_to(directory).as_posix(): path
        for path in directory.rglob("*")
        if path.is_file() and not any(part.startswith(".") for part in path.parts)
    }


def _write_private(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".key-", suffix=".part")
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    os.chmod(tmp, 0o600)
    os.replace(tmp, path)


async def pull(blobs: BlobStore, directory: Path) -> list[str]:
    """Copy every stored key file into ``directory`` (the store wins); return what changed."""
    changed = []
    for key in await blobs.keys(PREFIX):
        name = key[len(PREFIX) :]
        data = await blobs.get(key)
        target = directory / name
        if not target.is_file() or target.read_bytes() != data:
            await asyncio.to_thread(_write_private, target, data)
            changed.append(name)
    return changed


async def push(blobs: BlobStore, directory: Path) -> list[str]:
    """Store every key file of ``directory`` that the store lacks or holds differently."""
    stored = set(await blobs.keys(PREFIX))
    pushed = []
    for name, path in sorted(_local_files(directory).items()):
        data = path.read_bytes()
        key = PREFIX + name
        if key not in stored or await blobs.get(key) != data:
            await blobs.put(key, data)
            pushed.append(name)
    return pushed


async def with_deployment_keys(
    *, engine: AsyncEngine, blobs: BlobStore, directory: Path, build: Callable[[], T]
) -> T:
    """Run ``build`` (blocking: it opens or creates the key files) on the deployment's keys.

    Under the lock, so two replicas starting together never both create a CA.
    """
    async with deployment_lock(engine, KEYS_LOCK):
        await pull(blobs, directory)
        result = await asyncio.to_thread(build)
        await push(blobs, directory)
        return result


def persisted_tsa(
    *, ca: CertificateAuthority, directory: Path, passphrase: bytes, name: str
) -> IssuedCredential:
    """Return the deployment's TSA credential from ``directory``, issuing it when missing or due.

    One TSA key per deployment, like the CA: a key per replica and per start would leave
    timestamps from many unrelated TSA certificates.
    """
    cert_path, key_path = directory / "tsa.pem", directory / "tsa.key.pem"
    if cert_path.exists() and key_path.exists():
        cert = x509.load_pem_x509_certificate(cert_path.read_bytes())
        names = cert.subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)
        due = cert.not_valid_after_utc - _RENEW_BEFORE < dt.datetime.now(dt.UTC)
        if not due and names and names[0].value == name and cert.issuer == ca.issuing.subject:
            return IssuedCredential(
                certificate=cert,
                private_key=decrypt_key(key_path.read_bytes(), passphrase),
                chain=ca.chain,
            )
    credential = ca.issue_tsa(name=name)
    _write_private(key_path, credential.private_key_pem(passphrase))
    _write_private(cert_path, credential.certificate_pem())
    return credential
