"""The in-process TSA and the fail-closed external TSA client."""

from __future__ import annotations

import asyncio
import hashlib

import pytest
from asn1crypto import cms
from conftest import Party
from lexseal_ca.pki import CertificateAuthority
from pades.pdf import PdfSigningEngine
from pades.tsa import (
    LEXSEAL_TSA_POLICY,
    FailClosedHTTPTimeStamper,
    LexsealTimeStamper,
    SerialNumbers,
    make_timestamper,
)
from signing.adapters.errors import TimestampUnavailable


def _tst_info(token: cms.ContentInfo) -> dict[str, object]:
    info = token["content"]["encap_content_info"]["content"].parsed
    return {"policy": info["policy"].dotted, "serial": info["serial_number"].native}


def test_serial_numbers_increase_strictly() -> None:
    serials = SerialNumbers()
    values = [serials.next() for _ in range(1000)]

    assert values == sorted(values) and len(set(values)) == len(values)


def test_tokens_carry_our_policy_and_increasing_serials(tsa: LexsealTimeStamper) -> None:
    digest = hashlib.sha256(b"document").digest()
    first = _tst_info(asyncio.run(tsa.async_timestamp(digest, "sha256")))
    second = _tst_info(asyncio.run(tsa.async_timestamp(digest, "sha256")))

    assert first["policy"] == second["policy"] == LEXSEAL_TSA_POLICY
    assert second["serial"] > first["serial"]  # type: ignore[operator]


def test_factory_picks_in_process_or_http(ca: CertificateAuthority) -> None:
    external = make_timestamper(url="http://tsa.example/", credential=ca.issue_tsa(name="x"))
    internal = make_timestamper(credential=ca.issue_tsa(name="x"))

    assert isinstance(external, FailClosedHTTPTimeStamper)
    assert isinstance(internal, LexsealTimeStamper)
    with pytest.raises(ValueError):
        make_timestamper()


def test_unreachable_tsa_stops_signing(
    prepared_pdf: bytes, parties: list[Party], engine: PdfSigningEngine
) -> None:
    party = parties[0]
    offline = make_timestamper(url="http://127.0.0.1:1/tsa", timeout=2)

    with pytest.raises(TimestampUnavailable) as err:
        engine.sign(
            prepared_pdf,
            signer=engine.signer_for(party.credential),
            field_name=party.field_name,
            page=party.page,
            box=party.box,
            seal_png=party.seal_png,
            timestamper=offline,
        )
    assert err.value.code == "timestamp_unavailable"
