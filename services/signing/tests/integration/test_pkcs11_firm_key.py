"""The firm's key on a PKCS#11 token (SoftHSM2): start-up checks, a real firm signature through
the service, pdfsig and pyHanko on the result, and a token that drops its session."""

from __future__ import annotations

import io
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import pytest
from cryptography.hazmat.primitives import serialization
from helpers import PERSON_ID, contract_pdf, settings_for, started
from lexseal_events import SignerInfo
from pydantic import ValidationError
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import async_validate_pdf_signature
from pyhanko_certvalidator import ValidationContext
from servicekit.pytest_plugin import running
from servicekit.testing import TestIdentity
from signing.adapters.errors import KeySourceError
from signing.adapters.firm_keys import Pkcs11FirmKey
from signing.adapters.keyring import build_keyring
from signing.adapters.pdf import PdfSigningEngine, prepare
from signing.adapters.pki import CertificateAuthority
from signing.adapters.seals import SealRenderer
from signing.adapters.signer import to_asn1
from signing.adapters.verify import verify_pdf
from signing.bootstrap import create_app
from signing.config import DEV_KEY_PASSPHRASE, Settings
from softhsm import SOFTHSM_MODULE, USER_PIN, SoftHsm, TokenKey, issue_for_public_key, need_softhsm

# The unit tests' validator helpers (pdfsig with an NSS trust store), shared rather than copied.
sys.path.append(str(Path(__file__).parents[1] / "unit"))
from tools import need, nss_db_trusting, run

FIRM = Settings.model_fields["firm_name"].default
SPOT = {"page": 1, "x": 72, "y": 100, "width": 100, "height": 100}
FIRM_SPOT = {**SPOT, "x": 330}
ONE_SIGNER = [
    SignerInfo(signer_id="p1", kind="individual", name="张三", id_number=PERSON_ID, order=1)
]


@dataclass(frozen=True)
class Tokens:
    """Two tokens (EC P-256, RSA-2048), each with a key and the firm certificate our CA issued."""

    hsm: SoftHsm
    ca: CertificateAuthority
    ca_dir: Path
    keys: dict[str, TokenKey]


@pytest.fixture(scope="session")
def tokens(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Tokens]:
    need_softhsm()
    base = tmp_path_factory.mktemp("pkcs11")
    # The service's CA, made once: each test's service opens a copy of it (see firm_on_token).
    ca_dir = base / "pki" / "ca"
    ca = CertificateAuthority.open(
        ca_dir, passphrase=DEV_KEY_PASSPHRASE.encode(), organization=FIRM
    )
    hsm = SoftHsm(base / "softhsm")
    try:
        keys = {}
        kinds: tuple[Literal["ec", "rsa"], ...] = ("ec", "rsa")
        for kind in kinds:
            hsm.init_token(f"lexseal-{kind}")
        for kind in kinds:
            token = f"lexseal-{kind}"
            public = hsm.generate(token_label=token, kind=kind, label="firm", key_id=b"\x01")
            cert = issue_for_public_key(ca, firm_name=FIRM, public_key=public)
            hsm.store_certificate(token_label=token, certificate=cert, label="firm", key_id=b"\x01")
            keys[kind] = TokenKey(token, "firm", b"\x01", cert)
        # Beside the EC key: the CA's intermediate (a chain pulled by label) and the
        # certificate of a key that is not on the token.
        hsm.store_certificate(
            token_label="lexseal-ec",
            certificate=ca.issuing,
            label="lexseal-issuing",
            key_id=b"\x02",
        )
        stray = ca.issue_firm(firm_name=FIRM).certificate
        hsm.store_certificate(
            token_label="lexseal-ec", certificate=stray, label="stray", key_id=b"\x03"
        )
        yield Tokens(hsm=hsm, ca=ca, ca_dir=ca_dir, keys=keys)
    finally:
        hsm.close()


def firm_on_token(
    tokens: Tokens, data_dir: Path, kind: str = "ec", **overrides: Any
) -> dict[str, Any]:
    """Return the PKCS#11 settings for one test; its data dir gets the CA that certified the key."""
    shutil.copytree(tokens.ca_dir, data_dir / "pki" / "ca")
    pin_file = data_dir / "firm-token.pin"
    pin_file.write_text(USER_PIN + "\n")
    settings: dict[str, Any] = {
        "firm_key_source": "pkcs11",
        "firm_pkcs11_lib": str(SOFTHSM_MODULE),
        "firm_pkcs11_token_label": tokens.keys[kind].token_label,
        "firm_pkcs11_key_label": "firm",
        "firm_pkcs11_pin_file": pin_file,
    }
    return {**settings, **overrides}


def local_settings(data_dir: Path, **kw: Any) -> Settings:
    """Return settings for building the keyring alone (no database or broker involved)."""
    return Settings(environment="test", data_dir=data_dir, log_json=False, **kw)


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
from signing.adapters.errors import KeySourceError
from signing.adapters.keyring import build_keyring
from signing.config import Settings

keyring = build_keyring(Settings(environment="test", data_dir={str(tmp_path)!r}))
assert keyring.firm_signer().signing_cert is not None
keyring.close()
try:
    build_keyring(Settings(
        environment="test", data_dir={str(tmp_path)!r}, firm_key_source="pkcs11",
        firm_pkcs11_lib="/x.so", firm_pkcs11_token_label="t", firm_pkcs11_key_label="k"))
except KeySourceError as exc:
    print(exc.code)
"""
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=False, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "pkcs11_unavailable"


# ---- start-up: the keyring opens the token or refuses, naming the setting ---------------------


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
def test_a_misconfigured_token_stops_the_keyring_naming_the_setting(
    tokens: Tokens, tmp_path: Path, override: dict[str, Any], code: str, setting: str
) -> None:
    settings = local_settings(tmp_path, **firm_on_token(tokens, tmp_path, **override))

    with pytest.raises(KeySourceError) as err:
        build_keyring(settings)

    assert err.value.code == code
    assert setting in err.value.message


def test_a_wrong_pin_stops_the_keyring_and_leaves_no_session_behind(
    tokens: Tokens, tmp_path: Path
) -> None:
    settings = local_settings(tmp_path, **firm_on_token(tokens, tmp_path))
    assert settings.firm_pkcs11_pin_file is not None
    settings.firm_pkcs11_pin_file.write_text("000000\n")

    with pytest.raises(KeySourceError) as err:
        build_keyring(settings)

    assert err.value.code == "pkcs11_pin_incorrect"
    assert "SIGNING_FIRM_PKCS11_PIN" in err.value.message and "000000" not in err.value.message
    # Nothing stayed logged in: with the right PIN the same process opens the token at once
    # (a leftover login would answer USER_ALREADY_LOGGED_IN).
    settings.firm_pkcs11_pin_file.write_text(USER_PIN)
    keyring = build_keyring(settings)
    try:
        cert = keyring.firm_signer().signing_cert
        assert cert is not None and cert.dump() == to_asn1(tokens.keys["ec"].certificate).dump()
    finally:
        keyring.close()


def test_a_key_named_by_id_with_its_chain_on_the_token_signs_a_verifiable_pdf(
    tokens: Tokens,
) -> None:
    # No internal chain handed over: the intermediate comes from the token by its label,
    # as a public CA's chain would.
    key = Pkcs11FirmKey(
        lib_location=str(SOFTHSM_MODULE),
        token_label="lexseal-ec",
        key_id=b"\x01",
        other_cert_labels=("lexseal-issuing",),
        user_pin=USER_PIN,
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


# ---- the service: a real firm signature on a contract ----------------------------------------


async def _counterparty_signs(s: Any) -> None:
    tp = await s.invite("p1")
    await s.verify_person(tp)
    r = await s.client.post(f"{tp}/sign", json=SPOT)
    assert r.status_code == 200, r.text


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
) -> None:
    token_cert = tokens.keys[kind].certificate
    settings = firm_on_token(tokens, tmp_path, kind)
    async with started(
        pg_url, amqp_url, bus, identity, tmp_path, signers=ONE_SIGNER, **settings
    ) as s:
        await _counterparty_signs(s)
        r = await s.client.post(
            f"/api/signing/envelopes/{s.eid}/firm-sign", json=FIRM_SPOT, headers=s.risk
        )
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

    # poppler/NSS trusting only our root: both signatures valid and trusted.
    need("pdfsig", "certutil")
    (tmp_path / "root.pem").write_bytes(root_pem)
    pdf = tmp_path / "signed.pdf"
    pdf.write_bytes(signed)
    out = run("pdfsig", "-nssdir", nss_db_trusting(tmp_path / "root.pem", tmp_path / "nss"), pdf)
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
        await _counterparty_signs(s)
        before = (await s.client.get(f"/api/signing/envelopes/{s.eid}", headers=s.lawyer)).json()
        # The token drops the session (a restart) and the PIN it now expects is another one.
        keyring = s.app.state.kit.extras["keyring"]
        keyring.firm_signer().inner.pkcs11_session.close()
        pin_file.write_text("000000")

        r = await s.client.post(
            f"/api/signing/envelopes/{s.eid}/firm-sign", json=FIRM_SPOT, headers=s.risk
        )

        assert r.status_code in (500, 503)
        assert r.json()["error"]["code"] == "pkcs11_pin_incorrect"
        after = (await s.client.get(f"/api/signing/envelopes/{s.eid}", headers=s.lawyer)).json()
        assert after["status"] == before["status"] != "completed"
        assert after["current_sha256"] == before["current_sha256"]
        assert [x["status"] for x in after["signers"]] == ["signed", "pending"]
        assert "signing.completed" not in [e["type"] for e in s.listener.events]

        # The right PIN (re-read from the file): the session is reopened and the firm signs.
        pin_file.write_text(USER_PIN)
        r = await s.client.post(
            f"/api/signing/envelopes/{s.eid}/firm-sign", json=FIRM_SPOT, headers=s.risk
        )
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
