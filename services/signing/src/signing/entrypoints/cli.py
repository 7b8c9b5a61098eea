"""`python -m signing enrol-firm-token`: certify the firm's key on its PKCS#11 token."""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TextIO

from cryptography.hazmat.primitives import hashes
from lexseal_ca.firm_token_enrol import Enrolment, enrol_firm_token
from lexseal_ca.key_vault import with_deployment_keys
from lexseal_ca.pki import CertificateAuthority
from pydantic import ValidationError
from servicekit.blobs import open_blob_store
from servicekit.db import create_engine

from ..adapters.errors import AdapterError
from ..adapters.firm import firm_token
from ..adapters.pki import open_ca
from ..config import Settings

ENROL = "enrol-firm-token"

_DESCRIPTION = """\
Have the internal CA certify the firm's key on its PKCS#11 token and store the certificate
on the token, where the service looks for it (SIGNING_FIRM_PKCS11_CERT_LABEL, else the key's
label, and the key's ID). The token, key and PIN come from the SIGNING_FIRM_PKCS11_* settings
and the CA from where the service keeps its keys (SIGNING_BLOB_STORE, default the service's
database) with SIGNING_KEY_PASSPHRASE, as for `serve`. Refuses when the
token already holds a certificate for the key, unless --replace.
Exit status: 0 done, 1 refused or failed (with an error code), 2 bad settings or usage."""


def add_enrol_parser(sub: Any) -> None:
    """Add the enrol command to the service's subcommands."""
    enrol = sub.add_parser(
        ENROL,
        help="certify the firm's key on its PKCS#11 token with the internal CA",
        description=_DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    enrol.add_argument(
        "--replace",
        action="store_true",
        help="replace the certificates already there for the key (or overwrite --out)",
    )
    enrol.add_argument(
        "--chain",
        action="store_true",
        help="also store the CA's certificates (labels <cert label>-issuing-ca, -root-ca)",
    )
    enrol.add_argument(
        "--out",
        type=Path,
        help="write the certificate (PEM, with --chain its chain) here instead of the token",
    )
    enrol.add_argument(
        "--days", type=int, default=365, help="validity in days (default 365)", metavar="N"
    )


def run_enrol(
    args: argparse.Namespace,
    settings_factory: Callable[[], Settings],
    *,
    out: TextIO = sys.stdout,
    err: TextIO = sys.stderr,
) -> int:
    """Enrol the firm's token as the settings name it; return the exit status."""
    try:
        settings = settings_factory()
    except ValidationError as exc:
        # Only the messages: pydantic's full text repeats the input, PIN included.
        problems = "; ".join(e["msg"] for e in exc.errors(include_input=False))
        print(f"{ENROL}: the settings are invalid: {problems}", file=err)
        return 2
    if args.days < 1:
        print(f"{ENROL}: --days must be at least 1", file=err)
        return 2
    try:
        token = firm_token(settings)
        ca, ca_existed = asyncio.run(_deployment_ca(settings))
        done = enrol_firm_token(
            token=token,
            ca=ca,
            firm_name=settings.firm_name,
            credit_code=settings.firm_credit_code,
            cert_label=settings.firm_pkcs11_cert_label,
            validity=dt.timedelta(days=args.days),
            with_chain=args.chain,
            replace=args.replace,
            out=args.out,
        )
    except AdapterError as exc:
        print(f"{ENROL}: error [{exc.code}]: {exc.message}", file=err)
        return 1
    ca_note = "" if ca_existed else " (created now, and stored where the service keeps its keys)"
    print(f"token     {token.token_label!r} through {token.lib_location}", file=out)
    print(f"CA        {settings.ca_dir}{ca_note}: {ca.issuing.subject.rfc4514_string()}", file=out)
    _report(done, token_label=token.token_label, out=out)
    return 0


async def _deployment_ca(settings: Settings) -> tuple[CertificateAuthority, bool]:
    """Open the deployment's CA the way the service does (blob store, key lock)."""
    engine = create_engine(settings.database_url)
    blobs = await open_blob_store(settings, engine)

    def build() -> tuple[CertificateAuthority, bool]:
        existed = (settings.ca_dir / "issuing.pem").exists()
        return open_ca(settings), existed

    try:
        return await with_deployment_keys(
            engine=engine, blobs=blobs, directory=settings.pki_dir, build=build
        )
    finally:
        await blobs.close()
        await engine.dispose()


def _report(done: Enrolment, *, token_label: str | None, out: TextIO) -> None:
    cert = done.certificate
    print(
        f"key       label {done.key_label!r}, ID {done.key_id.hex() or '-'}, {done.key_kind}"
        " (a probe signed on the token verifies with it)",
        file=out,
    )
    print(f"issued    {cert.subject.rfc4514_string()}", file=out)
    print(
        f"          serial {cert.serial_number:x}, valid {cert.not_valid_before_utc:%Y-%m-%d}"
        f" to {cert.not_valid_after_utc:%Y-%m-%d} (UTC)",
        file=out,
    )
    print(f"          SHA-256 {cert.fingerprint(hashes.SHA256()).hex(':').upper()}", file=out)
    for old in done.replaced:
        print(f"replaced  {old.describe()}", file=out)
    if done.out is not None:
        extra = f" with the CA chain ({len(done.chain)})" if done.chain else ""
        print(f"wrote     {done.out} (PEM){extra}", file=out)
        return
    where = f"on token {token_label!r}"
    print(
        f"stored    certificate {done.cert_label!r} (ID {done.key_id.hex() or '-'}) {where}",
        file=out,
    )
    for label in done.chain_labels:
        print(f"stored    CA certificate {label!r} {where}", file=out)
    print(
        "next      start (or restart) the service with SIGNING_FIRM_KEY_SOURCE=pkcs11 "
        "and these settings",
        file=out,
    )
