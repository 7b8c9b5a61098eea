"""Use cases of archival (PAdES B-LTA): timestamp a completed document, renew before expiry."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Callable

from pades.archive import add_document_timestamp, newest_timestamp_expiry
from servicekit.db import utcnow
from servicekit.uow import SYSTEM, UnitOfWork

from ..adapters.ca_repository import CaRepository
from ..adapters.errors import AdapterError
from ..adapters.pki import Pki
from ..adapters.repository import SigningRepository
from ..adapters.tables import ArchiveTimestamp, Envelope
from ..domain import errors
from . import certificates
from . import signing as signing_use_cases  # engine_error; signing.py imports this module

log = logging.getLogger("signing.archive")


async def _timestamp(
    uow: UnitOfWork, envelope: Envelope, pki: Pki, data: bytes | None = None
) -> tuple[ArchiveTimestamp, int]:
    """Timestamp the envelope's current document (`data`, when the caller holds its bytes);
    return the archive row and the size of the timestamped document."""
    repo = uow.repo(SigningRepository)
    if data is None:
        current = await repo.document(envelope.current_sha256)
        if current is None:
            raise errors.DocumentMissing()
        data = current.data
    await certificates.refresh_revocations(uow, pki.ca)
    try:
        stamped = await asyncio.to_thread(
            add_document_timestamp,
            data,
            timestamper=pki.timestamper,
            validation_context=pki.archive_context(),
        )
        expiry = newest_timestamp_expiry(stamped)
    except AdapterError as exc:
        raise signing_use_cases.engine_error(exc) from exc
    assert expiry is not None  # the timestamp just added
    envelope.current_sha256 = await repo.store_document(stamped)
    envelope.version += 1
    archives = uow.repo(CaRepository)
    row = await archives.archive(envelope.id, lock=True)
    now = utcnow()
    if row is None:
        row = ArchiveTimestamp(
            envelope_id=envelope.id,
            document_sha256=envelope.current_sha256,
            tsa_not_after=expiry,
            timestamped_at=now,
        )
        archives.add(row)
    else:
        row.document_sha256, row.tsa_not_after, row.timestamped_at = (
            envelope.current_sha256,
            expiry,
            now,
        )
        row.renewals += 1
    return row, len(stamped)


async def seal_for_archive(uow: UnitOfWork, *, envelope: Envelope, pki: Pki, signed: bytes) -> int:
    """Add a document timestamp over a completed envelope's final revision (B-LTA, `signed`:
    its bytes, as the last signature left them), in ``uow``; return the sealed size."""
    _, size = await _timestamp(uow, envelope, pki, signed)
    return size


async def renew_due(
    uow_factory: Callable[[], UnitOfWork],
    *,
    pki: Pki,
    margin: dt.timedelta,
    limit: int = 50,
) -> int:
    """Re-timestamp documents whose newest timestamp's TSA certificate expires within ``margin``.

    Only when the TSA now in use outlives that certificate (else the renewal would not help
    and would repeat every sweep). Each document is renewed in its own transaction.
    """
    tsa = pki.tsa_certificate()
    deadline = dt.datetime.now(dt.UTC) + margin
    make = uow_factory
    async with make() as uow:
        due = await uow.repo(CaRepository).archives_due(before=deadline, limit=limit)
    renewed = 0
    for envelope_id in due:
        async with make() as uow:
            envelope = await uow.repo(SigningRepository).envelope(envelope_id, lock=True)
            row = await uow.repo(CaRepository).archive(envelope_id, lock=True)
            if envelope is None or row is None or row.tsa_not_after >= deadline:
                continue  # another replica renewed it meanwhile
            if tsa is not None and tsa.not_valid_after_utc <= row.tsa_not_after:
                log.warning("archive %s is due but the TSA certificate is no newer", envelope_id)
                continue
            before = row.tsa_not_after
            row, _ = await _timestamp(uow, envelope, pki)
            envelope.record_audit(
                actor=SYSTEM,
                action="archive.timestamp_renewed",
                before={"tsa_not_after": before.isoformat()},
                after={
                    "tsa_not_after": row.tsa_not_after.isoformat(),
                    "document_sha256": envelope.current_sha256,
                },
            )
            await uow.commit()
            renewed += 1
    return renewed
