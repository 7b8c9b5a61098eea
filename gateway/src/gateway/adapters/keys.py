"""The gateway's Ed25519 signing key: loaded from a file, or generated once in development."""

from __future__ import annotations

import os
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey


def public_pem(key: Ed25519PrivateKey) -> str:
    """Return the PEM of `key`'s public half (what services verify with)."""
    return (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )


def load_private_key(path: Path) -> Ed25519PrivateKey:
    """Read an Ed25519 private key from a PEM file."""
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError(f"{path} is not an Ed25519 private key")
    return key


def load_or_generate(path: Path, *, generate: bool) -> Ed25519PrivateKey:
    """Return the key at `path`; if absent and allowed, generate it and its .pub.pem."""
    if path.exists():
        return load_private_key(path)
    if not generate:
        raise FileNotFoundError(f"JWT private key not found: {path}")
    path.parent.mkdir(parents=True, exist_ok=True)
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(pem)
    public_path(path).write_text(public_pem(key))
    return key


def public_path(private_path: Path) -> Path:
    """Return where the public key sits next to the private one (jwt-ed25519.pub.pem)."""
    return private_path.with_name(private_path.name.removesuffix(".pem") + ".pub.pem")


PRIVATE_NAME = "jwt-ed25519.pem"


def generate_key_pair(directory: Path, *, public_dir: Path | None = None) -> str:
    """Create ``directory/jwt-ed25519.pem`` (and its public half) unless it exists.

    Idempotent: a second run keeps the key (tokens already issued stay valid) and only
    rewrites the public half where it is missing. The public key also goes to
    ``public_dir`` when given (the volume the services mount, without the private key).
    Returns a one-line report.
    """
    path = directory / PRIVATE_NAME
    created = not path.exists()
    key = load_or_generate(path, generate=True)
    pem = public_pem(key)
    targets = [public_path(path)] + ([public_dir / public_path(path).name] if public_dir else [])
    for target in targets:
        target.parent.mkdir(parents=True, exist_ok=True)
        if not target.exists() or target.read_text() != pem:
            target.write_text(pem)
    state = "created" if created else "kept"
    return f"JWT key pair {state}: {path} (public: {', '.join(str(t) for t in targets)})"
