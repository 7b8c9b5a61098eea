"""The whole system, as users and partners reach it: real processes, broker and databases."""

from __future__ import annotations

import hashlib
import io
import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import httpx
import pytest
from lexseal_cli.client import Gateway
from lexseal_cli.demo import run_demo
from pypdf import PdfReader
from servicekit.pdfa_check import pdffonts_unembedded, violations

pytestmark = pytest.mark.e2e

SERVICE_NAMES = {"contract", "review", "signing", "letters", "notify"}


def test_health_names_every_service_ready(system: Any) -> None:
    resp = httpx.get(system.gateway_url + "/healthz", timeout=10)
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert set(body["services"]) >= SERVICE_NAMES, body
    assert all(s["status"] == "ready" for s in body["services"].values()), body


def test_one_openapi_document_covers_every_service(system: Any) -> None:
    doc = httpx.get(system.gateway_url + "/openapi.json", timeout=30).json()
    prefixes = {p.split("/")[2] for p in doc["paths"] if p.startswith("/api/")}
    assert {"auth", "contract", "review", "signing", "letters", "notify", "verify"} <= prefixes
    assert not any(p.startswith("/internal") for p in doc["paths"])
    # generated clients carry auth: every operation names its security requirement (or none),
    # and every creating POST documents the Idempotency-Key it honours
    assert set(doc["components"]["securitySchemes"]) == {"bearerAuth", "apiKey"}
    unkeyed = []
    for path, item in doc["paths"].items():
        for method, op in item.items():
            assert "security" in op, f"{method.upper()} {path} declares no security"
            headers = {p["name"] for p in op.get("parameters", []) if p.get("in") == "header"}
            creates = method == "post" and "201" in op.get("responses", {})
            if creates and "Idempotency-Key" not in headers:
                unkeyed.append(f"POST {path}")
    assert unkeyed == []
    # what partners receive, and separately the internal bus
    partner = httpx.get(system.gateway_url + "/asyncapi.json", timeout=30).json()
    assert partner["info"]["title"] == "lexseal partner events"
    assert "webhook" in partner["channels"]
    internal = httpx.get(system.gateway_url + "/asyncapi-internal.json", timeout=30).json()
    assert internal["info"]["title"] == "lexseal internal events"


def test_login_and_internal_routes_are_guarded(system: Any) -> None:
    url = system.gateway_url
    bad = httpx.post(url + "/api/auth/login", json={"username": "lawyer1", "password": "nope"})
    assert bad.status_code == 401
    assert bad.json()["error"]["code"]
    assert httpx.get(url + "/api/contract/contracts").status_code == 401
    assert httpx.get(url + "/internal/contract/documents/" + "0" * 64).status_code == 404
    forged = httpx.get(url + "/api/contract/contracts", headers={"Authorization": "Bearer forged"})
    assert forged.status_code == 401


def test_complete_lifecycle_through_the_gateway(system: Any, tmp_path: Path) -> None:
    summary = run_demo(gateway=system.gateway_url, out=tmp_path)
    contract = summary["ids"]["contract"]
    assert contract["status"] == "completed"
    assert contract["verification"] == {"valid": True, "signatures": 2}
    letters = summary["ids"]["letters"]
    assert letters["electronic"]["verification"]["valid"] is True
    assert letters["electronic"]["number"].endswith("号")
    assert letters["paper"]["status"] == "mailed"
    signed = (tmp_path / "signed.pdf").read_bytes()
    assert signed.startswith(b"%PDF") and (tmp_path / "letter.pdf").exists()
    # the demo's partner got signing.completed by a verified webhook and fetched the same bytes
    # with its API key through the public URL the payload named
    written = json.loads((tmp_path / "summary.json").read_text())
    assert set(written["partner"]) == {"events", "signed_pdf_sha256"}
    assert "signing.completed" in written["partner"]["events"]
    assert written["partner"]["signed_pdf_sha256"] == hashlib.sha256(signed).hexdigest()

    # The demo's contract asked for a cross-page seal: the option travelled from the application
    # through review to signing, and the firm's field carries its seal plus one slice per page.
    reader = PdfReader(io.BytesIO(signed))
    fields = [f.get_object() for f in reader.root_object["/AcroForm"]["/Fields"]]
    firm = next(f for f in fields if f.get("/T") == "firm")
    assert len(firm["/Kids"]) == 1 + len(reader.pages)
    assert pdffonts_unembedded(signed) == []  # neither the QR stamp nor a seal adds a font
    # The sealed letter is PDF/A-2b, every font embedded, after the firm's signature.
    letter = (tmp_path / "letter.pdf").read_bytes()
    assert violations(letter) == []
    assert pdffonts_unembedded(letter) == []

    # The QR code's page shows the result for that document.
    page = httpx.get(contract["verification_url"], timeout=30)
    assert page.status_code == 200
    assert "文件完整，签名有效" in page.text
    assert "上海示例科技有限公司" in page.text and "北京某某律师事务所" in page.text

    # Independent validators accept the signatures with the published root.
    root = httpx.get(system.gateway_url + "/api/verify/ca.pem").text
    (tmp_path / "root.pem").write_text(root)
    # the independent validators are installed by deploy/system-deps.sh (--test): never skipped
    for tool in ("pdfsig", "certutil"):
        assert shutil.which(tool), f"{tool} missing: run deploy/system-deps.sh --test"
    nss = tmp_path / "nss"
    nss.mkdir()
    subprocess.run(["certutil", "-N", "-d", f"sql:{nss}", "--empty-password"], check=True)
    subprocess.run(
        [
            "certutil",
            "-A",
            "-d",
            f"sql:{nss}",
            "-n",
            "root",
            "-t",
            ",C,",
            "-i",
            str(tmp_path / "root.pem"),
        ],
        check=True,
    )
    out = subprocess.run(
        ["pdfsig", "-nssdir", f"sql:{nss}", str(tmp_path / "signed.pdf")],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert out.count("Signature is Valid.") == 2, out
    # NSS asks the OCSP responder the certificates name, the gateway's public route
    assert out.count("Certificate is Trusted.") == 2, out
    pyhanko = Path(__file__).resolve().parents[2] / ".venv/bin/pyhanko"
    assert pyhanko.exists(), "the pyHanko CLI comes with lexseal-signing: run make install"
    res = subprocess.run(
        [
            str(pyhanko),
            "sign",
            "validate",
            "--trust",
            str(tmp_path / "root.pem"),
            "--trust-replace",
            "--executive-summary",
            str(tmp_path / "signed.pdf"),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert res.returncode == 0, res.stdout + res.stderr

    # The evidence package verifies on its own, against the root the platform publishes.
    lexseal = Path(__file__).resolve().parents[2] / ".venv/bin/lexseal"
    package, root = str(tmp_path / "evidence.zip"), str(tmp_path / "root.pem")
    res = subprocess.run(
        [str(lexseal), "evidence", "verify", package, "--root", root],
        capture_output=True,
        text=True,
        check=False,
    )
    assert res.returncode == 0 and "VERIFIED:" in res.stdout, res.stdout + res.stderr

    # One changed byte after signing is detected through the public verification API.
    tampered = bytearray(signed)
    at = signed.index(b"/Contents", len(signed) // 3) - 200
    tampered[at] = (tampered[at] + 1) % 256
    verdict = httpx.post(
        system.gateway_url + "/api/verify",
        files={"file": ("t.pdf", bytes(tampered), "application/pdf")},
    ).json()
    assert verdict["valid"] is False

    # The lawyer was told in the app along the way.
    lawyer = Gateway(system.gateway_url).login("lawyer1", "demo-password")
    kinds = {n["kind"] for n in lawyer.call("GET", "/api/notify/notifications")["data"]}
    assert {"review.approved", "signing.completed"} <= kinds
