"""POST /api/verify parses the upload in a bounded child (servicekit.pdflimits), as every PDF parse.

Hostile files (a deep nest of arrays, a decompression bomb, a page of absurd size) are
answered with a stable problem code, never a 5xx or the parser's own text, and the service
keeps answering the next request.
"""

from __future__ import annotations

import zlib
from pathlib import Path

import pytest
import servicekit.pdflimits
from helpers import contract_pdf, settings_for
from servicekit.pdflimits import PdfLimits
from servicekit.testing import TestIdentity, raw_pdf

pytestmark = pytest.mark.integration

STABLE = {"not_a_pdf", "no_signatures", "pdf_timeout", "pdf_too_complex", "pdf_page_too_large"}


def _catalog(extra: bytes) -> list[bytes]:
    return [
        b"<< /Type /Catalog /Pages 2 0 R" + extra + b" >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 14400 14400] /UserUnit 10 >>",
    ]


def nested() -> bytes:
    depth = 100_000
    return raw_pdf(_catalog(b" /AcroForm << /Fields " + b"[" * depth + b"]" * depth + b" >>"))


def bomb() -> bytes:
    comp = zlib.compressobj(9)
    packed = b"".join(comp.compress(b"\0" * (1 << 20)) for _ in range(1500)) + comp.flush()
    stream = b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(packed)
    objects = _catalog(b" /AcroForm << /Fields [4 0 R] >>")
    objects.append(b"<< /FT /Sig /T (s) /V 5 0 R >>")
    objects.append(stream + packed + b"\nendstream")
    return raw_pdf(objects)


async def _verify(client, data: bytes) -> dict:  # type: ignore[no-untyped-def,type-arg]
    r = await client.post("/api/verify", files={"file": ("x.pdf", data, "application/pdf")})
    assert r.status_code == 200, r.text
    return r.json()  # type: ignore[no-any-return]


async def test_hostile_uploads_get_a_stable_code_and_the_service_keeps_answering(
    pg_url: str,
    amqp_url: str,
    bus: dict[str, str],
    identity: TestIdentity,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from servicekit.pytest_plugin import running
    from signing.bootstrap import create_app

    app = create_app(settings_for(pg_url, amqp_url, bus, identity, tmp_path))
    async with running(app) as client:
        for hostile in (nested(), bomb()):
            body = await _verify(client, hostile)
            assert body["valid"] is False
            assert body["reason"]["code"] in STABLE, body
            assert "Error" not in str(body) and "Traceback" not in str(body)
            unsigned = await _verify(client, contract_pdf())
            assert unsigned["reason"]["code"] == "no_signatures"
        # Bounded for real: with a limit no parse can meet, the file is refused as too slow
        # (in-process parsing, as before, had no limit to run into).
        monkeypatch.setattr(servicekit.pdflimits, "PDF_LIMITS", PdfLimits(timeout_s=0.001))
        body = await _verify(client, contract_pdf())
        assert body["reason"]["code"] == "pdf_timeout", body
        monkeypatch.undo()
        assert (await _verify(client, contract_pdf()))["reason"]["code"] == "no_signatures"
