"""The firm's key on a PKCS#11 token (SoftHSM2): start-up checks, a real firm signature through
the service, pdfsig and pyHanko on the result, a token that drops its session or goes away."""

from __future__ import annotations

import io
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from helpers import (
    ONE_SIGNER,
    contract_pdf,
    counterparty_signs,
    firm_signs,
    settings_for,
    started,
)
from lexseal_ca.firm_keys_pkcs11 import Pkcs11FirmKey
from lexseal_ca.firm_token import RETRIABLE_CODES, FirmToken
from pades.pdf import PdfSigningEngine, prepare
from pades.seals import SealRenderer
from pades.signer import to_asn1
from pades.verify import verify_pdf
from pydantic import ValidationError
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import async_validate_pdf_signature
from pyhanko_certvalidator import ValidationContext
from servicekit.blobs import LocalBlobStore
from servicekit.pytest_plugin import running
from servicekit.testing import TestIdentity
from signing.adapters.errors import KeySourceError
from signing.bootstrap import create_app, open_deps
from signing.config import Settings
from signing.deps import SigningDeps
from softhsm import FIRM, SOFTHSM_MODULE, USER_PIN, Tokens, firm_on_token, local_settings

# The unit tests' validator helpers (pdfsig with an NSS trust store), shared rather than copied.
sys.path.append(str(Path(__file__).parents[1] / "unit"))
from pades.testing import nss_db_trusting, run
from servicekit.testing import need_tools

from tools import RevocationServer


def opened(settings: Settings) -> SigningDeps:
    """Open the service's keys and what signs with them, as its start-up does."""
    return open_deps(settings, LocalBlobStore(settings.data_dir / "blobs"))


# ---- settings ---------------------------------------------------------------------------------


def test_pkcs11_settings_name_what_is_missing(tmp_path: Path) -> None:
    with pytest.raises(ValidationError) as err:
        local_settings(tmp_path, firm_key_source="pkcs11", firm_pkcs11_lib=str(SOFTHSM_MODULE))
    assert "SIGNING_FIRM_PKCS11_TOKEN_LABEL" in str(err.value)
    assert "SIGNING_FIRM_PKCS11_KEY_LABEL or SIGNING_FIRM_PKCS11_KEY_ID" in str(err.value)

    with pytest.raises(ValidationError) as err:
        local_settings(
            tmp_path,
            firm_key_source="pkcs11",
            firm_pkcs11_lib=str(SOFTHSM_MODULE),
            firm_pkcs11_token_label="t",
            firm_pkcs11_key_id="not-hex",
        )
    assert "SIGNING_FIRM_PKCS11_KEY_ID must be hex" in str(err.value)

    with pytest.raises(ValidationError) as err:
        local_settings(
            tmp_path,
            firm_key_source="pkcs11",
            firm_pkcs11_lib=str(SOFTHSM_MODULE),
            firm_pkcs11_token_label="t",
            firm_pkcs11_key_label="k",
            firm_pkcs11_pin="1",
            firm_pkcs11_pin_file=tmp_path / "pin",
        )
    assert "not both" in str(err.value)


def test_the_pin_stays_out_of_the_settings_repr(tmp_path: Path) -> None:
    s = local_settings(tmp_path, firm_pkcs11_pin="246810")
    assert "246810" not in repr(s)


def test_without_python_pkcs11_only_the_pkcs11_source_is_refused(tmp_path: Path) -> None:
    # A fresh interpreter in which `import pkcs11` fails, as on an install without it.
    script = f"""
import sys
sys.modules["pkcs11"] = None
from pathlib import Path
from servicekit.blobs import LocalBlobStore
from signing.adapters.errors import KeySourceError
from signing.bootstrap import open_deps
from signing.config import Settings

blobs = LocalBlobStore(Path({str(tmp_path)!r}) / "blobs")
deps = open_deps(Settings(environment="test", data_dir={str(tmp_path)!r}), blobs)
assert deps.firm.signer().signing_cert is not None
deps.firm.close()
try:
    open_deps(Settings(
        environment="test", data_dir={str(tmp_path)!r}, firm_key_source="pkcs11",
        firm_pkcs11_lib="/x.so", firm_pkcs11_token_label="t", firm_pkcs11_key_label="k"), blobs)
except KeySourceError as exc:
    print(exc.code)
"""
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=False, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "pkcs11_unavailable"


# ---- start-up: the service opens the token or refuses, naming the setting ---------------------


@pytest.mark.parametrize(
    ("override", "code", "setting"),
    [
        (
            {"firm_pkcs11_lib": "/nonexistent/libvendor-pkcs11.so"},
            "pkcs11_module_unloadable",
            "SIGNING_FIRM_PKCS11_LIB",
        ),
        (
            {"firm_pkcs11_token_label": "no-such-token"},
            "pkcs11_token_not_found",
            "SIGNING_FIRM_PKCS11_TOKEN_LABEL",
        ),
        (
            {"firm_pkcs11_key_label": "no-such-key"},
            "pkcs11_key_not_found",
            "SIGNING_FIRM_PKCS11_KEY_LABEL",
        ),
        (
            {"firm_pkcs11_cert_label": "no-such-cert"},
            "pkcs11_certificate_not_found",
            "SIGNING_FIRM_PKCS11_CERT_LABEL",
        ),
        (
            {"firm_pkcs11_cert_label": "stray"},
            "pkcs11_key_certificate_mismatch",
            "SIGNING_FIRM_PKCS11_CERT_LABEL",
        ),
        (
            {"firm_pkcs11_pin_file": Path("/nonexistent/firm.pin")},
            "pkcs11_pin_file_unreadable",
            "SIGNING_FIRM_PKCS11_PIN_FILE",
        ),
        ({"firm_pkcs11_pin_file": None}, "pkcs11_pin_required", "SIGNING_FIRM_PKCS11_PIN"),
    ],
    ids=["module", "token", "key", "cert", "cert-of-another-key", "pin-file", "no-pin"],
)
def test_a_misconfigured_token_stops_the_start_up_naming_the_setting(
    tokens: Tokens, tmp_path: Path, override: dict[str, Any], code: str, setting: str
) -> None:
    settings = local_settings(tmp_path, **firm_on_token(tokens, tmp_path, **override))

    with pytest.raises(KeySourceError) as err:
        opened(settings)

    assert err.value.code == code
    assert setting in err.value.message


def test_a_wrong_pin_stops_the_start_up_and_leaves_no_session_behind(
    tokens: Tokens, tmp_path: Path
) -> None:
    settings = local_settings(tmp_path, **firm_on_token(tokens, tmp_path))
    assert settings.firm_pkcs11_pin_file is not None
    settings.firm_pkcs11_pin_file.write_text("000000\n")

    with pytest.raises(KeySourceError) as err:
        opened(settings)

    assert err.value.code == "pkcs11_pin_incorrect"
    assert "SIGNING_FIRM_PKCS11_PIN" in err.value.message and "000000" not in err.value.message
    # Nothing stayed logged in: with the right PIN the same process opens the token at once
    # (a leftover login would answer USER_ALREADY_LOGGED_IN).
    settings.firm_pkcs11_pin_file.write_text(USER_PIN)
    deps = opened(settings)
    try:
        cert = deps.firm.signer().signing_cert
        assert cert is not None and cert.dump() == to_asn1(tokens.keys["ec"].certificate).dump()
    finally:
        deps.firm.close()


def test_a_key_named_by_id_with_its_chain_on_the_token_signs_a_verifiable_pdf(
    tokens: Tokens,
) -> None:
    # No internal chain handed over: the intermediate comes from the token by its label,
    # as a public CA's chain would.
    key = Pkcs11FirmKey(
        token=FirmToken(
            lib_location=str(SOFTHSM_MODULE),
            token_label="lexseal-ec",
            key_id=b"\x01",
            user_pin=USER_PIN,
        ),
        other_cert_labels=("lexseal-issuing",),
    )
    try:
        signed = PdfSigningEngine().sign(
            prepare(contract_pdf(), "https://sign.example/verify/abc"),
            signer=key.signer(),
            field_name="firm",
            page=0,
            box=(72, 100, 172, 200),
            seal_png=SealRenderer().firm(FIRM),
        )
    finally:
        key.close()

    report = verify_pdf(signed, [tokens.ca.root_pem()])
    assert report.valid, report.reason
    assert report.signatures[0].trusted and report.signatures[0].signer_name == FIRM


def test_concurrent_firm_signatures_on_one_token_session_all_validate(tokens: Tokens) -> None:
    # One session serves every signature (python-pkcs11 serialises its operations); each
    # signature parses its own copy of the token's certificates (see adapters/signer.py).
    key = Pkcs11FirmKey(
        token=FirmToken(
            lib_location=str(SOFTHSM_MODULE),
            token_label="lexseal-ec",
            key_id=b"\x01",
            user_pin=USER_PIN,
        ),
        other_cert_labels=("lexseal-issuing",),
    )
    engine, seal = PdfSigningEngine(), SealRenderer().firm(FIRM)
    pdf = prepare(contract_pdf(), "https://sign.example/verify/abc")
    before = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # threads interleave inside asn1crypto as under load
    try:
        signer = key.signer()
        with ThreadPoolExecutor(8) as pool:
            futures = [
                pool.submit(
                    engine.sign,
                    pdf,
                    signer=signer,
                    field_name=f"firm_{i}",
                    page=0,
                    box=(72, 100, 172, 200),
                    seal_png=seal,
                )
                for i in range(16)
            ]
            signed = [f.result() for f in futures]
    finally:
        sys.setswitchinterval(before)
        key.close()

    for pdf_bytes in signed:
        report = verify_pdf(pdf_bytes, [tokens.ca.root_pem()])
        assert report.valid and report.signatures[0].trusted, report.reason


# ---- the service: a real firm signature on a contract ----------------------------------------


@pytest.mark.integration
@pytest.mark.parametrize("kind", ["ec", "rsa"])
async def test_the_firm_signs_a_contract_with_its_key_on_the_token(
    tokens: Tokens,
    pg_url: str,
    amqp_url: str,
    bus: dict[str, str],
    identity: TestIdentity,
    tmp_path: Path,
    kind: str,
    responder: RevocationServer,
) -> None:
    token_cert = tokens.keys[kind].certificate
    settings = firm_on_token(tokens, tmp_path, kind)
    async with started(
        pg_url,
        amqp_url,
        bus,
        identity,
        tmp_path,
        signers=ONE_SIGNER,
        public_base_url=responder.base_url,
        **settings,
    ) as s:
        responder.ca = s.app.state.kit.deps.pki.ca
        await counterparty_signs(s)
        r = await firm_signs(s)
        assert r.status_code == 200 and r.json()["status"] == "completed", r.text
        await s.listener.wait_for("signing.completed")
        signed = (
            await s.client.get(f"/api/signing/envelopes/{s.eid}/document.pdf", headers=s.lawyer)
        ).content
        result = (await s.client.post("/api/verify", files={"file": ("s.pdf", signed)})).json()
        root_pem = (await s.client.get("/api/verify/ca.pem")).content

    assert result["valid"] is True and len(result["signatures"]) == 2
    assert all(x["intact"] and x["trusted"] for x in result["signatures"])

    # pyHanko, independently of the service: the firm's signature is the token's certificate,
    # chains to our root and nothing but form filling came after it.
    reader = PdfFileReader(io.BytesIO(signed))
    firm = next(sig for sig in reader.embedded_signatures if sig.field_name == "firm")
    root = to_asn1(tokens.ca.root)
    status = await async_validate_pdf_signature(firm, ValidationContext(trust_roots=[root]))
    assert status.bottom_line, status.pretty_print_details()
    assert status.signing_cert.dump() == token_cert.public_bytes(serialization.Encoding.DER)
    assert firm.signer_info["signature_algorithm"]["algorithm"].native == (
        "sha256_ecdsa" if kind == "ec" else "sha256_rsa"
    )
    # The internal CA issued the token's certificate, so its chain travels in the signature.
    embedded = {c.chosen.dump() for c in firm.signed_data["certificates"]}
    assert {to_asn1(c).dump() for c in tokens.ca.chain} <= embedded

    # poppler/NSS trusting only our root: both signatures valid.
    need_tools("pdfsig", "certutil")
    (tmp_path / "root.pem").write_bytes(root_pem)
    pdf = tmp_path / "signed.pdf"
    pdf.write_bytes(signed)
    nss = nss_db_trusting(tmp_path / "root.pem", tmp_path / "nss")
    out = run("pdfsig", "-nssdir", nss, pdf)
    assert out.stdout.count("Signature is Valid.") == 2, out.stdout
    assert out.stdout.count("Certificate is Trusted.") == 2, out.stdout


@pytest.mark.integration
async def test_a_dropped_session_and_a_refused_pin_fail_the_firm_signature_and_change_nothing(
    tokens: Tokens,
    pg_url: str,
    amqp_url: str,
    bus: dict[str, str],
    identity: TestIdentity,
    tmp_path: Path,
) -> None:
    settings = firm_on_token(tokens, tmp_path)
    pin_file: Path = settings["firm_pkcs11_pin_file"]
    async with started(
        pg_url, amqp_url, bus, identity, tmp_path, signers=ONE_SIGNER, **settings
    ) as s:
        await counterparty_signs(s)
        before = (await s.client.get(f"/api/signing/envelopes/{s.eid}", headers=s.lawyer)).json()
        # The token drops the session (a restart) and the PIN it now expects is another one.
        s.app.state.kit.deps.firm.signer().inner.pkcs11_session.close()
        pin_file.write_text("000000")

        r = await firm_signs(s)

        # Retrying cannot help until an operator fixes the PIN: 500, not 503.
        assert r.status_code == 500
        assert r.json()["error"]["code"] == "pkcs11_pin_incorrect"
        after = (await s.client.get(f"/api/signing/envelopes/{s.eid}", headers=s.lawyer)).json()
        assert after["status"] == before["status"] != "completed"
        assert after["current_sha256"] == before["current_sha256"]
        assert [x["status"] for x in after["signers"]] == ["signed", "pending"]
        assert "signing.completed" not in [e["type"] for e in s.listener.events]

        # The right PIN (re-read from the file): the session is reopened and the firm signs.
        pin_file.write_text(USER_PIN)
        r = await firm_signs(s)
        assert r.status_code == 200 and r.json()["status"] == "completed", r.text
        signed = (
            await s.client.get(f"/api/signing/envelopes/{s.eid}/document.pdf", headers=s.lawyer)
        ).content
        result = (await s.client.post("/api/verify", files={"file": ("s.pdf", signed)})).json()
    assert result["valid"] is True and len(result["signatures"]) == 2


@pytest.mark.integration
async def test_the_service_refuses_to_start_with_a_wrong_pin(
    tokens: Tokens,
    pg_url: str,
    amqp_url: str,
    bus: dict[str, str],
    identity: TestIdentity,
    tmp_path: Path,
) -> None:
    kw = firm_on_token(tokens, tmp_path, "rsa")
    kw["firm_pkcs11_pin_file"].write_text("000000")
    app = create_app(settings_for(pg_url, amqp_url, bus, identity, tmp_path, **kw))

    with pytest.raises(KeySourceError) as err:
        async with running(app):
            pass

    assert err.value.code == "pkcs11_pin_incorrect"
    assert "SIGNING_FIRM_PKCS11_PIN" in err.value.message


@pytest.mark.integration
async def test_a_token_that_goes_away_answers_503_and_changes_nothing(
    tokens: Tokens,
    pg_url: str,
    amqp_url: str,
    bus: dict[str, str],
    identity: TestIdentity,
    tmp_path: Path,
) -> None:
    settings = firm_on_token(tokens, tmp_path, "removable")
    try:
        async with started(
            pg_url, amqp_url, bus, identity, tmp_path, signers=ONE_SIGNER, **settings
        ) as s:
            await counterparty_signs(s)
            before = (
                await s.client.get(f"/api/signing/envelopes/{s.eid}", headers=s.lawyer)
            ).json()
            # The token disappears under the running service (as a pulled card or a failed
            # device would), and with it the session.
            s.app.state.kit.deps.firm.signer().inner.pkcs11_session.close()
            tokens.hsm.delete_token("lexseal-removable")

            r = await firm_signs(s)

            # A condition that may pass: 503 with the token's code, so a caller retries later.
            assert r.status_code == 503, r.text
            assert r.json()["error"]["code"] in RETRIABLE_CODES, r.json()
            assert "lexseal-removable" in r.json()["error"]["details"]["reason"]
            after = (await s.client.get(f"/api/signing/envelopes/{s.eid}", headers=s.lawyer)).json()
            assert after["status"] == before["status"] != "completed"
            assert after["current_sha256"] == before["current_sha256"]
            assert "signing.completed" not in [e["type"] for e in s.listener.events]
    finally:
        # SoftHSM fails every call in this process once a token is deleted: start it afresh
        # for the tests that follow.
        tokens.hsm.rescan()
