"""`python -m signing revoke-certificate` and `python -m signing ca-rollover`: the CA's operator."""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import logging
import sys
from collections.abc import Callable
from typing import Any, TextIO

from lexseal_ca.key_vault import with_deployment_keys
from lexseal_ca.pki import CertificateAuthority
from lexseal_ca.revocation import REASONS
from pydantic import ValidationError
from servicekit.blobs import open_blob_store
from servicekit.db import create_engine, make_sessionmaker
from servicekit.errors import AppError
from servicekit.uow import Actor, UnitOfWork

from ..adapters.errors import AdapterError
from ..adapters.pki import open_ca
from ..config import Settings
from ..service_layer import certificates

log = logging.getLogger("signing.ca_cli")
REVOKE = "revoke-certificate"
ROLLOVER = "ca-rollover"


def add_ca_parsers(sub: Any) -> None:
    """Add the CA's operator commands to the service's subcommands."""
    revoke = sub.add_parser(
        REVOKE,
        help="revoke a certificate the internal CA issued (a signer's or the firm's)",
        description="Revoke a certificate by serial (hex, as verification reports show it). "
        "The CRL and OCSP answers list it at once; the revocation is recorded in the audit "
        "trail and published as signing.certificate_revoked. Uses SIGNING_DATABASE_URL, "
        "SIGNING_DATA_DIR and SIGNING_KEY_PASSPHRASE, as `serve` does. "
        "Exit status: 0 revoked, 1 refused (with an error code), 2 bad settings or usage.",
    )
    revoke.add_argument("serial", help="the certificate's serial number, hexadecimal")
    revoke.add_argument("--reason", required=True, choices=sorted(REASONS))
    revoke.add_argument(
        "--invalidity-date",
        type=dt.datetime.fromisoformat,
        help="since when the key is (or may be) compromised, ISO 8601 with a time zone",
    )
    revoke.add_argument("--comment", help="why, for the audit trail")
    revoke.add_argument("--operator", default="operator", help="who revokes (audit trail)")
    sub.add_parser(
        ROLLOVER,
        help="bring in a new issuing CA certificate and key (key rollover)",
        description="Have the root certify a new issuing CA (a new key) in SIGNING_DATA_DIR. "
        "New certificates come from it once the service restarts; the earlier issuing CAs "
        "keep publishing their CRLs and answering OCSP, so earlier signatures stay valid. "
        "Exit status: 0 done, 1 failed, 2 bad settings.",
    )


def _settings(factory: Callable[[], Settings], command: str, err: TextIO) -> Settings | None:
    try:
        return factory()
    except ValidationError as exc:
        problems = "; ".join(e["msg"] for e in exc.errors(include_input=False))
        print(f"{command}: the settings are invalid: {problems}", file=err)
        return None


async def _revoke(args: argparse.Namespace, settings: Settings) -> list[str]:
    engine = create_engine(settings.database_url)
    try:
        uow = UnitOfWork(make_sessionmaker(engine), source=f"lexseal/{settings.service_name}")
        async with uow:
            row = await certificates.revoke(
                uow,
                actor=Actor(id=f"cli:{args.operator}", name=args.operator),
                ca=None,  # the services read the register on every CRL, OCSP and signature
                serial=args.serial,
                reason=args.reason,
                invalidity_date=args.invalidity_date,
                comment=args.comment,
            )
            revoked_at = row.revoked_at.isoformat() if row.revoked_at else "?"
            return [
                f"revoked   {row.serial} ({row.kind}) {row.subject}",
                f"          reason {row.revocation_reason} at {revoked_at}",
            ]
    finally:
        await engine.dispose()


async def _rollover(settings: Settings) -> tuple[int, CertificateAuthority]:
    """Roll the deployment's CA over where the service keeps its keys (blob store, key lock)."""
    engine = create_engine(settings.database_url)
    blobs = await open_blob_store(settings, engine)

    def build() -> tuple[int, CertificateAuthority]:
        generation = CertificateAuthority.rollover(
            settings.ca_dir,
            passphrase=settings.key_passphrase.encode(),
            organization=settings.firm_name,
            base_url=settings.public_base_url,
        )
        return generation, open_ca(settings)

    try:
        return await with_deployment_keys(
            engine=engine, blobs=blobs, directory=settings.pki_dir, build=build
        )
    finally:
        await blobs.close()
        await engine.dispose()


def run_ca_command(
    args: argparse.Namespace,
    settings_factory: Callable[[], Settings],
    *,
    out: TextIO = sys.stdout,
    err: TextIO = sys.stderr,
) -> int:
    """Run a CA operator command; return the exit status."""
    settings = _settings(settings_factory, args.command, err)
    if settings is None:
        return 2
    try:
        if args.command == ROLLOVER:
            generation, ca = asyncio.run(_rollover(settings))
            subject = ca.issuing.subject.rfc4514_string()
            print(f"issuing CA generation {generation}: {subject}", file=out)
            print(f"          CRL {ca.crl_url}", file=out)
            print("next      restart the service (every replica) to issue from it", file=out)
            return 0
        lines = asyncio.run(_revoke(args, settings))
    except (AdapterError, AppError) as exc:
        if isinstance(exc, AdapterError) and exc.detail:
            log.warning("%s failed (%s): %s", args.command, exc.code, exc.detail)
        print(f"{args.command}: error [{exc.code}]: {_message(exc)}", file=err)
        return 1
    for line in lines:
        print(line, file=out)
    return 0


def _message(exc: AdapterError | AppError) -> str:
    return exc.message if isinstance(exc, AdapterError) else exc.message_en
