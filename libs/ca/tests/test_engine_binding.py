"""What the CA hands the PAdES engine fits it: the names it writes, its revocations."""

from __future__ import annotations

import datetime as dt

from lexseal_ca import pki
from lexseal_ca.revocation import Revocation
from pades import credentials
from pades.verify import Revocation as EngineRevocation


def test_the_ca_names_an_organisation_as_the_engine_reads_it_back() -> None:
    # one constant: the CA writes the prefix the engine strips when it reads a certificate
    assert pki.ORG_ID_PREFIX is credentials.ORG_ID_PREFIX


def test_a_revocation_of_the_ca_is_what_the_engine_reports() -> None:
    at = dt.datetime(2026, 1, 2, tzinfo=dt.UTC)
    revoked: EngineRevocation = Revocation(serial=7, revoked_at=at, reason="key_compromise")
    assert (revoked.reason, revoked.revoked_at, revoked.effective_from) == (
        "key_compromise",
        at,
        at,
    )
