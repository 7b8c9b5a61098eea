"""What the service hands the PAdES engine fits it: the CA's names, its revocations, its shape."""

from __future__ import annotations

import datetime as dt

from pades import credentials
from pades.verify import Revocation as EngineRevocation
from signing.adapters import pki
from signing.adapters.revocation import Revocation


def test_the_ca_names_an_organisation_as_the_engine_reads_it_back() -> None:
    # pki.py keeps its own copy while it is being reworked; they must not drift apart
    assert pki.ORG_ID_PREFIX == credentials.ORG_ID_PREFIX


def test_a_revocation_of_the_ca_is_what_the_engine_reports() -> None:
    at = dt.datetime(2026, 1, 2, tzinfo=dt.UTC)
    revoked: EngineRevocation = Revocation(serial=7, revoked_at=at, reason="key_compromise")
    assert (revoked.reason, revoked.revoked_at, revoked.effective_from) == (
        "key_compromise",
        at,
        at,
    )
