"""Document timestamps (PAdES B-LTA): over a signed PDF's final revision, and renewed in time.

Each timestamp is its own incremental update, followed by the TSA's validation data (chain,
CRLs, OCSP) in the DSS, so a validator can check it without fetching anything. A renewal
first adds the validation data of the newest timestamp, then timestamps over everything:
the chain of timestamps keeps proving the document older than any later revocation.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import io

from cryptography import x509
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.misc import PdfError as HankoPdfError
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.general import SigningError
from pyhanko.sign.signers import PdfTimeStamper
from pyhanko.sign.timestamps import TimeStamper, TimestampRequestError
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.errors import PathError, ValidationError

from .errors import PdfError, SigningFailed, TimestampUnavailable
from .tsa import own_timestamper

# Room for the timestamp token (hex): an RSA-2048 token with its chain is ~5 KB of DER.
_RESERVED = 16384
FIELD_PREFIX = "archive_ts"


def newest_timestamp_expiry(pdf: bytes) -> dt.datetime | None:
    """Return when the certificate of the TSA behind the newest document timestamp expires."""
    try:
        reader = PdfFileReader(io.BytesIO(pdf), strict=False)
        stamps = reader.embedded_timestamp_signatures
    except (HankoPdfError, ValueError, KeyError) as exc:
        raise PdfError("not a readable PDF", code="not_a_pdf", detail=repr(exc)) from exc
    if not stamps:
        return None
    cert = x509.load_der_x509_certificate(stamps[-1].signer_cert.dump())
    return cert.not_valid_after_utc


def _field_name(reader: PdfFileReader) -> str:
    return f"{FIELD_PREFIX}_{len(reader.embedded_timestamp_signatures) + 1}"


async def _stamp(
    pdf: bytes, *, timestamper: TimeStamper, validation_context: ValidationContext | None
) -> bytes:
    ts = own_timestamper(timestamper)
    assert ts is not None
    try:
        reader = PdfFileReader(io.BytesIO(pdf), strict=False)
        stamper = PdfTimeStamper(ts, field_name=_field_name(reader))
        output = io.BytesIO()
        if validation_context is not None and reader.embedded_timestamp_signatures:
            # the newest timestamp's validation data first, then the new timestamp and its own
            await stamper.async_update_archival_timestamp_chain(
                reader, validation_context, in_place=False, output=output
            )
        else:
            writer = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
            await stamper.async_timestamp_pdf(
                writer,
                "sha256",
                validation_context=validation_context,
                bytes_reserved=_RESERVED,
                output=output,
            )
    except TimestampUnavailable:
        raise
    except TimestampRequestError as exc:
        raise TimestampUnavailable("the TSA failed", detail=repr(exc)) from exc
    except (SigningError, HankoPdfError, ValueError, PathError, ValidationError) as exc:
        raise SigningFailed(
            "document timestamp failed", code="archive_failed", detail=repr(exc)
        ) from exc
    return output.getvalue()


def add_document_timestamp(
    pdf: bytes, *, timestamper: TimeStamper, validation_context: ValidationContext | None
) -> bytes:
    """Timestamp the final revision (or renew the newest timestamp); return the new PDF."""
    return asyncio.run(_stamp(pdf, timestamper=timestamper, validation_context=validation_context))
