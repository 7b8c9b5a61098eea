"""Operator-facing CA, TSA and firm-key errors say what failed in our words and a stable code;
the library's own text (an OS error, a PKCS#11 return value) goes to the log only."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from conftest import FIRM_NAME
from lexseal_ca.firm_keys import Pkcs12FirmKey, export_pkcs12
from lexseal_ca.firm_token import FirmToken
from lexseal_ca.pki import CertificateAuthority
from pades.tsa import make_timestamper
from signing.adapters.errors import (
    CaError,
    KeySourceError,
    KeySourceUnavailable,
    TimestampUnavailable,
)
from signing.service_layer.signing import engine_error


def _no_raw_text(message: str, raw: str | None) -> None:
    assert raw, "the library's words are kept for the log"
    assert raw not in message and "Error" not in message and "errno" not in message.lower()


def test_an_unreachable_tsa_is_named_without_the_socket_error() -> None:
    offline = make_timestamper(url="http://127.0.0.1:1/tsa", timeout=2)
    with pytest.raises(TimestampUnavailable) as err:
        asyncio.run(offline.async_timestamp(b"\0" * 32, "sha256"))
    assert err.value.code == "timestamp_unavailable"
    assert err.value.message in {f"TSA {offline.url} unavailable", f"TSA {offline.url} unreachable"}
    _no_raw_text(err.value.message, err.value.detail)


def test_unreadable_ca_files_are_named_without_the_os_error(tmp_path: Path) -> None:
    (tmp_path / "issuing.pem").write_text("not a certificate")
    (tmp_path / "root.pem").write_text("not a certificate either")
    with pytest.raises(CaError) as err:
        CertificateAuthority.open(tmp_path, passphrase=b"x" * 16)
    assert err.value.code == "ca_unreadable"
    assert err.value.message == f"CA files in {tmp_path} are unreadable"
    _no_raw_text(err.value.message, err.value.detail)


def test_a_wrong_pkcs12_passphrase_is_named_without_the_parsers_words(
    ca: CertificateAuthority, tmp_path: Path
) -> None:
    p12 = tmp_path / "firm.p12"
    p12.write_bytes(export_pkcs12(ca.issue_firm(firm_name=FIRM_NAME), b"p12-secret"))
    with pytest.raises(KeySourceError) as err:
        Pkcs12FirmKey(p12, b"nope").signer()
    assert err.value.code == "pkcs12_unreadable"
    _no_raw_text(err.value.message, err.value.detail)


def test_the_answer_to_a_failing_token_carries_our_words_only() -> None:
    raw = "CKR_DEVICE_REMOVED (0x32)"
    failure = KeySourceUnavailable(
        "token 'firm' failed while signing", code="pkcs11_unusable", detail=raw
    )
    answer = engine_error(failure)
    assert answer.status_code == 503 and answer.code == "pkcs11_unusable"
    shown = f"{answer.message_en} {answer.message_zh} {answer.details}"
    assert raw not in shown and "token 'firm'" in shown


# Retrying helps when the token may come back; an operator must act on everything else.
RETRIABLE = ["pkcs11_token_not_found", "pkcs11_unusable", "pkcs11_sign_failed", "pkcs11_closed"]
OPERATOR = [
    "pkcs11_unavailable",
    "pkcs11_module_unloadable",
    "pkcs11_pin_required",
    "pkcs11_pin_incorrect",
    "pkcs11_pin_locked",
    "pkcs11_pin_file_unreadable",
    "pkcs11_key_not_found",
    "pkcs11_key_unsupported",
    "pkcs11_certificate_not_found",
    "pkcs11_key_certificate_mismatch",
    "pkcs11_certificate_changed",
]


@pytest.mark.parametrize(
    ("code", "status"), [(c, 503) for c in RETRIABLE] + [(c, 500) for c in OPERATOR]
)
def test_a_token_failure_answers_503_only_when_retrying_can_help(code: str, status: int) -> None:
    token = FirmToken(lib_location="/x.so", token_label="t", hints={code: "SIGNING_X"})

    answer = engine_error(token.error("the token failed", code))

    assert (answer.status_code, answer.code) == (status, code)
    assert answer.details == {"reason": "the token failed (check SIGNING_X)"}
    assert isinstance(token.error("x", code), KeySourceUnavailable) == (status == 503)
