"""The composition root: the one place that wires the signing service together."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from pathlib import Path

from fastapi import FastAPI
from lexseal_ca.key_vault import with_deployment_keys
from pades.pdf import PdfSigningEngine
from pades.seals import SealRenderer
from servicekit.app import DepsFactory, ServiceKit, create_service_app
from servicekit.blobs import BlobStore, attach_to_sessions, open_blob_store

from .adapters.firm import Firm, firm_key, firm_seal
from .adapters.link_cipher import LinkCipher
from .adapters.pki import open_pki
from .adapters.providers.configured import bank_provider, face_provider
from .config import Settings, get_settings
from .deps import SigningDeps
from .entrypoints import (
    api,
    ca,
    internal,
    invite,
    partner,
    public,
    reminders_api,
    signer_assets,
)
from .entrypoints.consumers import handlers
from .service_layer import archive, certificates
from .service_layer.envelopes import expire_due
from .service_layer.reminders import remind_due

MIGRATIONS = Path(__file__).parent / "migrations"
log = logging.getLogger("signing")


async def _expire_loop(kit: ServiceKit, deps: SigningDeps) -> None:
    while True:
        try:
            async with kit.uow() as uow:
                n = await expire_due(uow)
            if n:
                log.info("expired %d envelope(s)", n)
            async with kit.uow() as uow:
                n = await remind_due(uow, settings=deps.settings, links=deps.links)
            if n:
                log.info("reminded %d signer(s) before their link expires", n)
        except Exception:
            log.exception("expiry and reminder sweep failed; retrying")
        await asyncio.sleep(deps.settings.expiry_check_interval)


async def _ca_loop(kit: ServiceKit, deps: SigningDeps) -> None:
    # The firm's and TSA's certificates renew in-process: keep the register (OCSP) current;
    # then renew the document timestamps whose TSA certificate expires soon (B-LTA).
    settings, pki = deps.settings, deps.pki
    margin = timedelta(days=settings.archive_renew_margin_days)
    while True:
        try:
            async with kit.uow() as uow:
                await certificates.register_own(uow, pki=pki, firm=deps.firm)
                await uow.commit()
                await certificates.refresh_revocations(uow, pki.ca)
            n = await archive.renew_due(kit.uow, pki=pki, margin=margin)
            if n:
                log.info("renewed the document timestamp of %d document(s)", n)
        except Exception:
            log.exception("CA register / archive sweep failed; retrying")
        await asyncio.sleep(settings.archive_check_interval)


def open_deps(settings: Settings, blobs: BlobStore) -> SigningDeps:
    """Open (or create) the CA, the TSA's and the firm's keys and wire them with the seals,
    the PDF engine, the identity providers and the link cipher (blocking)."""
    pki = open_pki(settings)
    seals = SealRenderer()
    seal_png = firm_seal(settings, seals)
    bank, face = bank_provider(settings, blobs), face_provider(settings)
    key = firm_key(settings, pki.ca)  # last: nothing after it can fail (a token stays open)
    return SigningDeps(
        settings=settings,
        blobs=blobs,
        pki=pki,
        firm=Firm(key=key, seal_png=seal_png),
        engine=PdfSigningEngine(),
        seals=seals,
        face=face,
        bank=bank,
        links=LinkCipher(pki.passphrase),
    )


def build_deps(settings: Settings) -> DepsFactory[SigningDeps]:
    """Return the builder of signing's dependencies: the blob store, the deployment's keys
    (CA, TSA, firm key) with what signs and checks identities, and the expiry and CA sweeps."""

    @asynccontextmanager
    async def deps(kit: ServiceKit) -> AsyncIterator[SigningDeps]:
        blobs = await open_blob_store(settings, kit.engine)
        # documents (original, prepared, every signed version) live there, not on this disk
        attach_to_sessions(kit.sessionmaker, blobs)
        built = await with_deployment_keys(
            engine=kit.engine,
            blobs=blobs,
            directory=settings.pki_dir,
            build=lambda: open_deps(settings, blobs),
        )
        if built.face.sandbox or built.bank.sandbox:
            log.warning(
                "SANDBOX identity providers in use (face=%s, bank=%s): no real verification",
                settings.face_provider,
                settings.bank_provider,
            )
        tasks = [
            asyncio.create_task(_expire_loop(kit, built)),
            asyncio.create_task(_ca_loop(kit, built)),
        ]
        try:
            yield built
        finally:
            for task in tasks:
                task.cancel()
            for task in tasks:
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            # Logs out of a PKCS#11 token: a session left open would outlive the app.
            await asyncio.to_thread(built.firm.close)
            await blobs.close()

    return deps


def create_app(settings: Settings | None = None) -> FastAPI:
    """Return the signing service's app."""
    settings = settings or get_settings()
    return create_service_app(
        settings=settings,
        title="lexseal signing",
        description="Envelopes, invitations, identity checks, PAdES signatures, verification.",
        routers=[
            api.router,
            partner.router,
            ca.router,
            reminders_api.router,
            invite.router,
            signer_assets.router,
            public.router,
            internal.router,
        ],
        deps=build_deps(settings),
        handlers=handlers,
        migrations_dir=MIGRATIONS,
    )
